//! The value codec: bincode 2 behind a one-byte format version.
//!
//! Every stored value is `version:u8 · bincode(standard config)`, and one decode reads at
//! most [`DECODE_LIMIT`] bytes. Changing a stored record's shape means bumping
//! [`FORMAT_VERSION`]; older data is then refused with a clear "re-seed" error instead
//! of being misread.

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use super::StorageError;

/// The version byte written in front of every value. 2: indexes hold lists (edge lists,
/// postings, kind chunks) instead of one entry per item. 3: a record's edge lists live in
/// its own entry, as parts (see [`Parts`]). 4: documents say whether their name is
/// descriptive, actors where their kind comes from. 5: the kind index became the `lists`
/// table, every top-level ordering stored in order with its length; postings by impact,
/// in a head and a tail. 6: documents, events, places and topics say where their kind
/// comes from; events and statistics whether their name is descriptive. 7: a token's head
/// holds its 256 highest-impact postings, in (slug, field) order. 8: each sort of record of
/// each kind (`actors(kind:)`) has its stored lists. 9: the headers of the all-kinds lists
/// count each kind's items before each chunk.
pub const FORMAT_VERSION: u8 = 9;

/// The most bytes one decode may claim. Far above any real value (the largest, an edge
/// list, is kilobytes), it turns a corrupt length prefix into an error instead of an
/// attempt to allocate 2^40 bytes.
pub const DECODE_LIMIT: usize = 64 * 1024 * 1024;

fn config() -> bincode::config::Configuration<
    bincode::config::LittleEndian,
    bincode::config::Varint,
    bincode::config::Limit<DECODE_LIMIT>,
> {
    bincode::config::standard().with_limit::<DECODE_LIMIT>()
}

/// Encodes `value`; `what` names it in errors.
pub fn encode<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>, StorageError> {
    let mut bytes = vec![FORMAT_VERSION];
    bincode::serde::encode_into_std_write(value, &mut bytes, config()).map_err(|e| {
        StorageError::Codec {
            action: "encode",
            what,
            detail: e.to_string(),
        }
    })?;
    Ok(bytes)
}

/// The inverse of [`encode`].
pub fn decode<T: DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<T, StorageError> {
    decode_body(what, versioned_body(what, bytes)?)
}

/// One value made of parts that are read one at a time, so a reader that wants one part
/// never decodes the others: `version · (length:u32le · bincode)*`. One entry holding what
/// would otherwise be several is what keeps a seed's entry count, sled's cost, low.
#[derive(Debug)]
pub struct Parts {
    bytes: Vec<u8>,
    what: &'static str,
}

impl Parts {
    /// An empty value; `what` names it in errors.
    pub fn new(what: &'static str) -> Self {
        Parts {
            bytes: vec![FORMAT_VERSION],
            what,
        }
    }

    /// An empty value written into `buffer` (cleared first), whose room a previous value
    /// left: see [`Parts::finish_copied`].
    pub fn in_buffer(what: &'static str, mut buffer: Vec<u8>) -> Self {
        buffer.clear();
        buffer.push(FORMAT_VERSION);
        Parts {
            bytes: buffer,
            what,
        }
    }

    /// Appends the next part.
    pub fn push<T: Serialize>(mut self, value: &T) -> Result<Self, StorageError> {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(&[0; 4]);
        bincode::serde::encode_into_std_write(value, &mut self.bytes, config()).map_err(|e| {
            StorageError::Codec {
                action: "encode",
                what: self.what,
                detail: e.to_string(),
            }
        })?;
        let length =
            u32::try_from(self.bytes.len() - start - 4).map_err(|_| StorageError::Codec {
                action: "encode",
                what: self.what,
                detail: "a part longer than 4 GiB".into(),
            })?;
        self.bytes[start..start + 4].copy_from_slice(&length.to_le_bytes());
        Ok(self)
    }

    /// The stored bytes.
    pub fn finish(self) -> Vec<u8> {
        self.bytes
    }

    /// The stored bytes, in a vector of their exact size, and the buffer they were
    /// written in, for the next value: many values built in one buffer never grow one of
    /// their own.
    pub fn finish_copied(self) -> (Vec<u8>, Vec<u8>) {
        (self.bytes.clone(), self.bytes)
    }
}

/// Decodes part `index` (from 0) of a value built with [`Parts`], skipping the others unread.
pub fn decode_part<T: DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
    index: usize,
) -> Result<T, StorageError> {
    let mut rest = versioned_body(what, bytes)?;
    for number in 0..index {
        rest = split_part(what, rest, number)?.1;
    }
    decode_body(what, split_part(what, rest, index)?.0)
}

/// Part `number` at the start of `bytes`, and what follows it.
fn split_part<'a>(
    what: &'static str,
    bytes: &'a [u8],
    number: usize,
) -> Result<(&'a [u8], &'a [u8]), StorageError> {
    let malformed = |detail: String| StorageError::Codec {
        action: "decode",
        what,
        detail,
    };
    let (length, after) = bytes
        .split_first_chunk::<4>()
        .ok_or_else(|| malformed(format!("part {number} is missing")))?;
    let length = u32::from_le_bytes(*length) as usize;
    if after.len() < length {
        return Err(malformed(format!(
            "part {number} claims {length} bytes, {} remain",
            after.len()
        )));
    }
    Ok(after.split_at(length))
}

/// The bytes after a checked version byte.
fn versioned_body<'a>(what: &'static str, bytes: &'a [u8]) -> Result<&'a [u8], StorageError> {
    let (&version, body) = bytes.split_first().ok_or(StorageError::Codec {
        action: "decode",
        what,
        detail: "empty value".into(),
    })?;
    if version != FORMAT_VERSION {
        return Err(StorageError::FormatVersion {
            found: version,
            expected: FORMAT_VERSION,
        });
    }
    Ok(body)
}

/// [`decode`] into a value that borrows its strings from `bytes` (`&str` where the
/// stored type has `String`: the encoding is the same), so a reader that only looks at
/// them allocates nothing.
pub fn decode_borrowed<'a, T: Deserialize<'a>>(
    what: &'static str,
    bytes: &'a [u8],
) -> Result<T, StorageError> {
    let body = versioned_body(what, bytes)?;
    let (value, read) = bincode::serde::borrow_decode_from_slice(body, config()).map_err(|e| {
        StorageError::Codec {
            action: "decode",
            what,
            detail: e.to_string(),
        }
    })?;
    whole(what, body, read)?;
    Ok(value)
}

/// Decodes exactly `body`: trailing bytes are an error.
fn decode_body<T: DeserializeOwned>(what: &'static str, body: &[u8]) -> Result<T, StorageError> {
    let (value, read) =
        bincode::serde::decode_from_slice(body, config()).map_err(|e| StorageError::Codec {
            action: "decode",
            what,
            detail: e.to_string(),
        })?;
    whole(what, body, read)?;
    Ok(value)
}

/// An error unless a decode of `body` read all of it.
fn whole(what: &'static str, body: &[u8], read: usize) -> Result<(), StorageError> {
    if read != body.len() {
        return Err(StorageError::Codec {
            action: "decode",
            what,
            detail: format!("{} trailing bytes", body.len() - read),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    enum Shape {
        Point,
        Span { from: String, to: Option<String> },
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        name: String,
        aliases: Vec<String>,
        value: Option<f64>,
        position: u32,
        shape: Shape,
    }

    #[test]
    fn values_round_trip_with_the_version_byte_in_front() {
        let sample = Sample {
            name: "Wuzhen — 乌镇".into(),
            aliases: vec!["WIC".into()],
            value: Some(50.0),
            position: 70_000,
            shape: Shape::Span {
                from: "2017-12-03".into(),
                to: None,
            },
        };
        let bytes = encode("sample", &sample).unwrap();
        assert_eq!(bytes[0], FORMAT_VERSION);
        assert_eq!(decode::<Sample>("sample", &bytes).unwrap(), sample);
        let point = encode("shape", &Shape::Point).unwrap();
        assert_eq!(decode::<Shape>("shape", &point).unwrap(), Shape::Point);
    }

    #[test]
    fn a_borrowed_decode_reads_what_an_owned_one_does_and_the_same_checks_hold() {
        #[derive(Debug, PartialEq, Deserialize)]
        struct Borrowed<'a> {
            name: &'a str,
            aliases: Vec<&'a str>,
            value: Option<f64>,
            position: u32,
        }
        #[derive(Serialize)]
        struct Owned {
            name: String,
            aliases: Vec<String>,
            value: Option<f64>,
            position: u32,
        }
        let bytes = encode(
            "sample",
            &Owned {
                name: "Wuzhen — 乌镇".into(),
                aliases: vec!["WIC".into()],
                value: Some(50.0),
                position: 70_000,
            },
        )
        .unwrap();
        let read: Borrowed = decode_borrowed("sample", &bytes).unwrap();
        assert_eq!(
            read,
            Borrowed {
                name: "Wuzhen — 乌镇",
                aliases: vec!["WIC"],
                value: Some(50.0),
                position: 70_000
            }
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode_borrowed::<Borrowed>("sample", &longer).is_err());
        let mut other = bytes;
        other[0] = FORMAT_VERSION + 1;
        assert!(matches!(
            decode_borrowed::<Borrowed>("sample", &other),
            Err(StorageError::FormatVersion { .. })
        ));
    }

    #[test]
    fn another_format_version_is_refused() {
        let mut bytes = encode("sample", &Shape::Point).unwrap();
        bytes[0] = FORMAT_VERSION + 1;
        let err = decode::<Shape>("shape", &bytes).unwrap_err();
        assert!(
            matches!(err, StorageError::FormatVersion { found, expected }
            if found == FORMAT_VERSION + 1 && expected == FORMAT_VERSION)
        );
    }

    #[test]
    fn truncated_and_padded_values_are_refused() {
        let bytes = encode("sample", &"a string".to_string()).unwrap();
        assert!(decode::<String>("s", &bytes[..bytes.len() - 1]).is_err());
        let mut padded = bytes.clone();
        padded.push(0);
        assert!(decode::<String>("s", &padded).is_err());
        assert!(decode::<String>("s", &[]).is_err());
    }

    #[test]
    fn each_part_decodes_alone_and_a_short_value_is_refused() {
        let shapes = vec![
            Shape::Point,
            Shape::Span {
                from: "a".into(),
                to: Some("b".into()),
            },
        ];
        let bytes = Parts::new("entry")
            .push(&"first".to_string())
            .unwrap()
            .push(&shapes)
            .unwrap()
            .push(&Vec::<Shape>::new())
            .unwrap()
            .finish();
        assert_eq!(bytes[0], FORMAT_VERSION);
        let (copied, buffer) = Parts::in_buffer("entry", b"left over".to_vec())
            .push(&"first".to_string())
            .unwrap()
            .push(&shapes)
            .unwrap()
            .push(&Vec::<Shape>::new())
            .unwrap()
            .finish_copied();
        assert_eq!((&copied, &buffer), (&bytes, &bytes));
        assert_eq!(decode_part::<String>("entry", &bytes, 0).unwrap(), "first");
        assert_eq!(
            decode_part::<Vec<Shape>>("entry", &bytes, 1).unwrap(),
            shapes
        );
        assert!(decode_part::<Vec<Shape>>("entry", &bytes, 2)
            .unwrap()
            .is_empty());
        let missing = decode_part::<String>("entry", &bytes, 3).unwrap_err();
        assert!(
            missing.to_string().contains("part 3 is missing"),
            "{missing}"
        );
        let cut = decode_part::<Vec<Shape>>("entry", &bytes[..bytes.len() - 1], 1);
        assert!(cut.is_ok(), "part 1 is whole even when part 2 is cut");
        let short = decode_part::<Vec<Shape>>("entry", &bytes[..bytes.len() - 1], 2).unwrap_err();
        assert!(short.to_string().contains("claims"), "{short}");
        let mut other = bytes.clone();
        other[0] = FORMAT_VERSION - 1;
        assert!(matches!(
            decode_part::<String>("entry", &other, 0),
            Err(StorageError::FormatVersion { .. })
        ));
    }
}
