//! Every key byte layout, built and parsed here and nowhere else.
//!
//! sled orders keys by raw bytes, so integers are fixed-width big-endian (never
//! `usize`) and variable-length parts end with a `0x00` separator, which sorts below
//! every byte a slug or token may contain (`a-z`, `0-9`, `-`). Layouts:
//!
//! | table       | key                                      |
//! |-------------|------------------------------------------|
//! | `records`   | `slug`                                   |
//! | `by_kind`   | `kind:u8 · position:u32be`               |
//! | `edges_out` | `from · 0x00 · relation:u8 · position:u32be` |
//! | `edges_in`  | `to · 0x00 · relation:u8 · position:u32be`   |
//! | `search`    | `token · 0x00 · slug · 0x00 · field:u8`  |
//! | meta        | `current_generation` → `generation:u64be` |

use super::StorageError;

const SEPARATOR: u8 = 0x00;

/// The key of a record: its slug.
pub fn record(slug: &str) -> Vec<u8> {
    debug_assert!(!slug.as_bytes().contains(&SEPARATOR));
    slug.as_bytes().to_vec()
}

/// The key of a record in the kind index.
pub fn by_kind(kind: u8, position: u32) -> Vec<u8> {
    let mut key = Vec::with_capacity(5);
    key.push(kind);
    key.extend_from_slice(&position.to_be_bytes());
    key
}

/// The prefix of every kind-index key of `kind`.
pub fn by_kind_prefix(kind: u8) -> Vec<u8> {
    vec![kind]
}

/// The key of an edge seen from `anchor` (its source in `edges_out`, its target in `edges_in`).
pub fn edge(anchor: &str, relation: u8, position: u32) -> Vec<u8> {
    let mut key = edge_prefix(anchor);
    key.push(relation);
    key.extend_from_slice(&position.to_be_bytes());
    key
}

/// The prefix of every edge key of `anchor`, whatever the relation.
pub fn edge_prefix(anchor: &str) -> Vec<u8> {
    debug_assert!(!anchor.as_bytes().contains(&SEPARATOR));
    let mut key = Vec::with_capacity(anchor.len() + 6);
    key.extend_from_slice(anchor.as_bytes());
    key.push(SEPARATOR);
    key
}

/// The key of one posting of the full-text index.
pub fn search(token: &str, slug: &str, field: u8) -> Vec<u8> {
    let mut key = Vec::with_capacity(token.len() + slug.len() + 3);
    key.extend_from_slice(token.as_bytes());
    key.push(SEPARATOR);
    key.extend_from_slice(slug.as_bytes());
    key.push(SEPARATOR);
    key.push(field);
    key
}

/// The prefix of the postings of every token that starts with `token_prefix`.
pub fn search_token_prefix(token_prefix: &str) -> Vec<u8> {
    token_prefix.as_bytes().to_vec()
}

/// The prefix of the postings of exactly `token`.
pub fn search_exact_token_prefix(token: &str) -> Vec<u8> {
    let mut key = token.as_bytes().to_vec();
    key.push(SEPARATOR);
    key
}

/// One posting of the full-text index, parsed back from its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchKey {
    pub token: String,
    pub slug: String,
    pub field: u8,
}

/// The inverse of [`search`].
pub fn parse_search(key: &[u8]) -> Result<SearchKey, StorageError> {
    let malformed = |detail: &str| StorageError::MalformedKey {
        table: "search",
        detail: detail.to_string(),
    };
    let (&field, rest) = key.split_last().ok_or_else(|| malformed("empty key"))?;
    let rest = rest
        .strip_suffix(&[SEPARATOR])
        .ok_or_else(|| malformed("no separator before the field"))?;
    let split = rest
        .iter()
        .position(|&b| b == SEPARATOR)
        .ok_or_else(|| malformed("no separator after the token"))?;
    let text = |bytes: &[u8]| String::from_utf8(bytes.to_vec()).map_err(|_| malformed("not UTF-8"));
    Ok(SearchKey {
        token: text(&rest[..split])?,
        slug: text(&rest[split + 1..])?,
        field,
    })
}

/// The value of the generation pointer.
pub fn generation(generation: u64) -> [u8; 8] {
    generation.to_be_bytes()
}

/// The inverse of [`generation`].
pub fn parse_generation(bytes: &[u8]) -> Result<u64, StorageError> {
    let array: [u8; 8] = bytes.try_into().map_err(|_| StorageError::MalformedKey {
        table: "meta",
        detail: format!("generation pointer has {} bytes, expected 8", bytes.len()),
    })?;
    Ok(u64::from_be_bytes(array))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_keys_sort_by_kind_then_position() {
        let keys = [
            by_kind(1, 0),
            by_kind(1, 1),
            by_kind(1, 255),
            by_kind(1, 256),
            by_kind(1, 70_000),
            by_kind(2, 0),
        ];
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        assert!(by_kind(1, 300).starts_with(&by_kind_prefix(1)));
    }

    #[test]
    fn edge_keys_of_one_anchor_do_not_collide_with_a_longer_slug() {
        // `g20` and `g20-summit` share bytes; the separator keeps their edges apart
        // and sorts the shorter slug's edges first.
        let short = edge("g20", 3, 9);
        let long = edge("g20-summit", 0, 0);
        assert!(short < long);
        assert!(!long.starts_with(&edge_prefix("g20")));
        assert!(edge("g20", 3, 1) < edge("g20", 3, 2));
        assert!(edge("g20", 3, 400) < edge("g20", 4, 0));
    }

    #[test]
    fn search_keys_round_trip() {
        let key = search("cyber", "trend-iv", 4);
        assert_eq!(
            parse_search(&key).unwrap(),
            SearchKey {
                token: "cyber".into(),
                slug: "trend-iv".into(),
                field: 4
            }
        );
        assert!(key.starts_with(&search_token_prefix("cyb")));
        assert!(search("cyber", "a", 0) < search("cybercrime", "a", 0));
        assert!(parse_search(b"no-separators").is_err());
    }

    #[test]
    fn generation_round_trips_and_orders() {
        for g in [0, 1, 255, 256, u64::MAX] {
            assert_eq!(parse_generation(&generation(g)).unwrap(), g);
        }
        assert!(generation(255) < generation(256));
        assert!(parse_generation(b"short").is_err());
    }
}
