//! The value codec: bincode 2 behind a one-byte format version.
//!
//! Every stored value is `version:u8 · bincode(standard config)`, and one decode reads at
//! most [`DECODE_LIMIT`] bytes. Changing a stored record's shape means bumping
//! [`FORMAT_VERSION`]; older data is then refused with a clear "re-seed" error instead
//! of being misread.

use serde::{de::DeserializeOwned, Serialize};

use super::StorageError;

/// The version byte written in front of every value. 2: indexes hold lists (edge lists,
/// postings, kind chunks) instead of one entry per item.
pub const FORMAT_VERSION: u8 = 2;

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
    let (value, read) =
        bincode::serde::decode_from_slice(body, config()).map_err(|e| StorageError::Codec {
            action: "decode",
            what,
            detail: e.to_string(),
        })?;
    if read != body.len() {
        return Err(StorageError::Codec {
            action: "decode",
            what,
            detail: format!("{} trailing bytes", body.len() - read),
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

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
}
