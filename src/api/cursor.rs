//! Keyset cursors: a cursor names its list, the generation of the data, and the item at
//! its position, so `after`/`before` seek straight to it and a cursor of another list or
//! of other data is refused by name.
//!
//! A cursor is base64url, without padding, of these bytes (version 1):
//!
//! | bytes | what |
//! |---|---|
//! | 0 | the format version, `1` |
//! | 1..9 | the list: the first 8 bytes of SHA-256 of the list's name ([`ListName`]) |
//! | 9..17 | the data: the first 8 bytes of the data hash (`/health`'s `dataHash`, `X-Data-Hash`) |
//! | 17..21 | the item's position in the list, a big-endian `u32` |
//! | 21.. | the item's slug, UTF-8 |
//!
//! The data of one generation never changes, so within it an item's position in a list is
//! a function of the item: the position is where to look, the slug what must be there.

use std::sync::{Arc, OnceLock};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::graph::Record;

/// The format version, the cursor's first byte.
pub const CURSOR_VERSION: u8 = 1;

/// Bytes before the slug.
const HEAD: usize = 21;

/// The name of a list: a JSON array whose SHA-256 identifies it (README, "Cursors").
///
/// - A top-level list: `[field, kinds, kind, text, year, from, to, orderField,
///   orderDirection]`: the field (`records`, `events`, …); for `records` its kinds as
///   sorted, distinct enum names (every kind when absent), else `null`; the `kind`
///   argument's enum name or `null`; the filter's `text`, `year`, `from` and `to` as given,
///   or `null`; the order's field and direction with their defaults (`"POSITION"`,
///   `"ASC"`).
/// - A record's connection: `[slug, field]`, the record's slug and the field's name
///   (`"participants"`); for `relations`, `[slug, "relations", direction, types]` with
///   the types as sorted, distinct enum names, or `null` when absent or empty.
pub enum ListName {
    /// The JSON text, written.
    Text(String),
    /// A record's connection field without arguments of its own, the field's name in
    /// snake case: written only if a cursor is encoded or decoded.
    Field {
        parent: Arc<Record>,
        field: &'static str,
    },
}

impl ListName {
    /// The JSON text of a list's name from its parts.
    pub fn of(parts: serde_json::Value) -> Self {
        ListName::Text(parts.to_string())
    }

    fn text(&self) -> String {
        match self {
            ListName::Text(text) => text.clone(),
            ListName::Field { parent, field } => {
                serde_json::json!([parent.slug, camel_case(field)]).to_string()
            }
        }
    }
}

/// `snake_case` as `camelCase`, as the schema names fields.
fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// What a connection's cursors share: its list and the generation of the data. The list's
/// hash is computed the first time a cursor needs it.
pub struct ListKey {
    name: ListName,
    data: [u8; 8],
    id: OnceLock<[u8; 8]>,
}

/// A cursor decoded and checked against its list: the position it names and the slug that
/// must be there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seek {
    pub position: usize,
    pub slug: String,
}

/// Why a cursor is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CursorFault {
    /// Not base64url of a cursor's bytes.
    Malformed,
    /// Another format version.
    Version(u8),
    /// Issued for another generation of the data.
    Data,
    /// Issued for another list, or the same list in another order.
    List,
    /// The item it names is not at its position in this list.
    Item { position: usize, slug: String },
}

impl std::fmt::Display for CursorFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CursorFault::Malformed => f.write_str(
                "is not a cursor of this connection: pass a `cursor` or `pageInfo` cursor returned by this API",
            ),
            CursorFault::Version(v) => write!(
                f,
                "is a cursor of format version {v}, this server reads version {CURSOR_VERSION}: fetch the first page again"
            ),
            CursorFault::Data => f.write_str(
                "is a cursor from another version of the data (it changed since the cursor was issued): fetch the first page again",
            ),
            CursorFault::List => f.write_str(
                "is a cursor of another list or ordering: pass a cursor of this connection, with the same arguments",
            ),
            CursorFault::Item { position, slug } => write!(
                f,
                "names `{slug}` at position {position}, which this list does not hold there"
            ),
        }
    }
}

impl ListKey {
    /// The cursors of the list `name` over the data whose hash starts with `data`.
    pub fn new(name: ListName, data: [u8; 8]) -> Self {
        ListKey {
            name,
            data,
            id: OnceLock::new(),
        }
    }

    /// The list's identity: the first 8 bytes of SHA-256 of its name.
    fn id(&self) -> &[u8; 8] {
        self.id.get_or_init(|| {
            let digest = Sha256::digest(self.name.text().as_bytes());
            digest[..8].try_into().expect("SHA-256 has 32 bytes")
        })
    }

    /// The cursor of the item `slug` at `position`.
    pub fn encode(&self, position: usize, slug: &str) -> String {
        let mut bytes = Vec::with_capacity(HEAD + slug.len());
        bytes.push(CURSOR_VERSION);
        bytes.extend_from_slice(self.id());
        bytes.extend_from_slice(&self.data);
        // A list never holds 2³² items (its chunks are numbered by a u32); were one to,
        // the cursor would name a position that does not hold its slug, and be refused.
        bytes.extend_from_slice(&u32::try_from(position).unwrap_or(u32::MAX).to_be_bytes());
        bytes.extend_from_slice(slug.as_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The position and slug `cursor` names, checked in order: its form, its version, its
    /// generation of the data, its list. Whether the list holds that slug there is for the
    /// caller, who has the list ([`Seek::check`]).
    pub fn decode(&self, cursor: &str) -> Result<Seek, CursorFault> {
        let bytes = URL_SAFE_NO_PAD
            .decode(cursor)
            .map_err(|_| CursorFault::Malformed)?;
        if bytes.len() <= HEAD {
            return Err(CursorFault::Malformed);
        }
        let slug = std::str::from_utf8(&bytes[HEAD..]).map_err(|_| CursorFault::Malformed)?;
        if !crate::graph::is_slug(slug) {
            return Err(CursorFault::Malformed);
        }
        if bytes[0] != CURSOR_VERSION {
            return Err(CursorFault::Version(bytes[0]));
        }
        if bytes[9..17] != self.data {
            return Err(CursorFault::Data);
        }
        if bytes[1..9] != *self.id() {
            return Err(CursorFault::List);
        }
        let position = u32::from_be_bytes(bytes[17..HEAD].try_into().expect("four bytes"));
        Ok(Seek {
            position: position as usize,
            slug: slug.to_string(),
        })
    }
}

impl Seek {
    /// Whether the list holds the cursor's slug at its position: `found` is the slug there,
    /// `None` past the end.
    pub fn check(&self, found: Option<&str>) -> Result<(), CursorFault> {
        if found == Some(self.slug.as_str()) {
            Ok(())
        } else {
            Err(CursorFault::Item {
                position: self.position,
                slug: self.slug.clone(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, data: u8) -> ListKey {
        ListKey::new(ListName::Text(name.to_string()), [data; 8])
    }

    #[test]
    fn a_cursor_decodes_to_what_it_encodes() {
        let k = key(r#"["trends"]"#, 7);
        let cursor = k.encode(3, "trend-iv");
        assert_eq!(
            k.decode(&cursor),
            Ok(Seek {
                position: 3,
                slug: "trend-iv".into()
            })
        );
    }

    #[test]
    fn the_layout_is_the_documented_one() {
        let k = key("x", 0xab);
        let bytes = URL_SAFE_NO_PAD.decode(k.encode(258, "a-b")).unwrap();
        let id = &Sha256::digest(b"x")[..8];
        let mut expected = vec![1u8];
        expected.extend_from_slice(id);
        expected.extend_from_slice(&[0xab; 8]);
        expected.extend_from_slice(&[0, 0, 1, 2]);
        expected.extend_from_slice(b"a-b");
        assert_eq!(bytes, expected);
    }

    #[test]
    fn refusals_name_their_reason_in_order() {
        let k = key("a", 1);
        let cursor = k.encode(0, "wic");
        assert_eq!(key("b", 1).decode(&cursor), Err(CursorFault::List));
        assert_eq!(key("a", 2).decode(&cursor), Err(CursorFault::Data));
        // Another generation is named first, even for another list.
        assert_eq!(key("b", 2).decode(&cursor), Err(CursorFault::Data));
        let mut bytes = URL_SAFE_NO_PAD.decode(&cursor).unwrap();
        bytes[0] = 9;
        assert_eq!(
            k.decode(&URL_SAFE_NO_PAD.encode(&bytes)),
            Err(CursorFault::Version(9))
        );
        for bad in ["", "MA", "MA==", "not base64!", &cursor[..cursor.len() - 1]] {
            assert_eq!(k.decode(bad), Err(CursorFault::Malformed), "{bad}");
        }
        // A slug that cannot be a slug is malformed.
        let mut bytes = URL_SAFE_NO_PAD.decode(&cursor).unwrap();
        bytes.truncate(HEAD);
        bytes.extend_from_slice(b"Not A Slug");
        assert_eq!(
            k.decode(&URL_SAFE_NO_PAD.encode(&bytes)),
            Err(CursorFault::Malformed)
        );
    }

    #[test]
    fn a_seek_holds_only_where_its_slug_is() {
        let seek = key("a", 1).decode(&key("a", 1).encode(2, "wic")).unwrap();
        assert_eq!(seek.check(Some("wic")), Ok(()));
        let fault = CursorFault::Item {
            position: 2,
            slug: "wic".into(),
        };
        assert_eq!(seek.check(Some("oecd")), Err(fault.clone()));
        assert_eq!(seek.check(None), Err(fault));
    }

    #[test]
    fn field_names_are_the_schemas() {
        assert_eq!(camel_case("built_on_by"), "builtOnBy");
        assert_eq!(camel_case("actors"), "actors");
    }
}
