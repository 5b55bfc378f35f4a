//! Every key byte layout of the graph's tables, built and parsed here and nowhere else.
//!
//! The storage layer offers ordered tables of byte keys and knows nothing of these
//! layouts. sled orders keys by raw bytes, so integers are fixed-width big-endian (never
//! `usize`) and variable-length parts end with a `0x00` separator, which sorts below
//! every byte a slug or token may contain. Indexes hold lists, one entry per anchor or per
//! chunk of a list, not one entry per item, and a record's edge lists share its entry: a
//! seed writes about a tenth of the entries it would otherwise, and sled's cost is per
//! entry. Layouts:
//!
//! | table       | key                               | value                          |
//! |-------------|-----------------------------------|--------------------------------|
//! | `records`   | `slug`                            | parts: the record, its outgoing edges, its incoming edges (each list in relation, then seed order) |
//! | `lists`     | `scope:u8 · order:u8 · 0x00`      | the list's length per segment  |
//! | `lists`     | `scope:u8 · order:u8 · 0x01 · segment:u8 · chunk:u32be` | (kind, slug) items of the list, in its order |
//! | `search`    | `0x01 · token · 0x00`             | the head: the token's highest-impact postings (slug, field, count), in (slug, field) order |
//! | `search`    | `0x02 · token · 0x00 · chunk:u32be` | the tail: the rest, by impact |

use super::GraphError;

const SEPARATOR: u8 = 0x00;

/// The key of a record: its slug.
pub fn record(slug: &str) -> Vec<u8> {
    debug_assert!(!slug.as_bytes().contains(&SEPARATOR));
    slug.as_bytes().to_vec()
}

/// The key of a stored list's header (its length per segment). `scope` is a kind tag, or
/// `0xFF` for the list over every kind; `order` the list's ordering.
pub fn list_header(scope: u8, order: u8) -> Vec<u8> {
    vec![scope, order, 0x00]
}

/// The key of one chunk of a segment of a stored list; chunks sort in list order.
pub fn list_chunk(scope: u8, order: u8, segment: u8, chunk: u32) -> Vec<u8> {
    let mut key = Vec::with_capacity(8);
    key.extend_from_slice(&[scope, order, 0x01, segment]);
    key.extend_from_slice(&chunk.to_be_bytes());
    key
}

/// The first byte of a postings head's key; a head sorts before every tail.
const HEAD: u8 = 0x01;
/// The first byte of a key of a chunk of a postings tail.
const TAIL: u8 = 0x02;

/// The key of the head of the postings of `token`: its highest-impact postings, all a
/// ranked search reads.
pub fn postings_head(token: &str) -> Vec<u8> {
    search_exact_token_prefix(token, false)
}

/// The key of one chunk of the tail of the postings of `token` (what its head leaves).
pub fn postings_tail(token: &str, chunk: u32) -> Vec<u8> {
    let mut key = search_exact_token_prefix(token, true);
    key.extend_from_slice(&chunk.to_be_bytes());
    key
}

/// The prefix of the heads (with `tails`, of the tail chunks) of every token that starts
/// with `token_prefix`.
pub fn search_token_prefix(token_prefix: &str, tails: bool) -> Vec<u8> {
    let mut key = Vec::with_capacity(token_prefix.len() + 1);
    key.push(if tails { TAIL } else { HEAD });
    key.extend_from_slice(token_prefix.as_bytes());
    key
}

/// The prefix of the head (with `tails`, of the tail chunks) of exactly `token`.
pub fn search_exact_token_prefix(token: &str, tails: bool) -> Vec<u8> {
    debug_assert!(!token.as_bytes().contains(&SEPARATOR));
    let mut key = search_token_prefix(token, tails);
    key.push(SEPARATOR);
    key
}

/// A key of the full-text index, parsed back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingsKey {
    pub token: String,
    /// The tail chunk; `None` for the head.
    pub chunk: Option<u32>,
}

/// The inverse of [`postings_head`] and [`postings_tail`].
pub fn parse_postings(key: &[u8]) -> Result<PostingsKey, GraphError> {
    let malformed = |detail: &str| GraphError::MalformedKey {
        table: "search",
        detail: detail.to_string(),
    };
    let (&part, rest) = key.split_first().ok_or_else(|| malformed("empty"))?;
    let (token, chunk) = match part {
        HEAD => (
            rest.strip_suffix(&[SEPARATOR])
                .ok_or_else(|| malformed("no separator after the token"))?,
            None,
        ),
        TAIL => {
            let split = rest
                .len()
                .checked_sub(5)
                .ok_or_else(|| malformed("shorter than a separator and a chunk number"))?;
            let (token, tail) = rest.split_at(split);
            let chunk = tail
                .strip_prefix(&[SEPARATOR])
                .ok_or_else(|| malformed("no separator after the token"))?;
            (
                token,
                Some(u32::from_be_bytes(chunk.try_into().expect("four bytes"))),
            )
        }
        _ => return Err(malformed("neither a head nor a tail")),
    };
    if token.contains(&SEPARATOR) {
        return Err(malformed("a separator inside the token"));
    }
    Ok(PostingsKey {
        token: String::from_utf8(token.to_vec()).map_err(|_| malformed("not UTF-8"))?,
        chunk,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_keys_sort_by_scope_order_header_segment_then_chunk() {
        let keys = [
            list_header(1, 0),
            list_chunk(1, 0, 0, 0),
            list_chunk(1, 0, 0, 1),
            list_chunk(1, 0, 0, 256),
            list_chunk(1, 0, 0, 70_000),
            list_chunk(1, 0, 1, 0),
            list_header(1, 1),
            list_chunk(1, 1, 0, 0),
            list_header(2, 0),
            list_chunk(0xFF, 0, 0, 0),
        ];
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    }

    #[test]
    fn postings_keys_round_trip_and_keep_tokens_apart() {
        let key = postings_tail("cyber", 2);
        assert_eq!(
            parse_postings(&key).unwrap(),
            PostingsKey {
                token: "cyber".into(),
                chunk: Some(2)
            }
        );
        let head = postings_head("cyber");
        assert_eq!(parse_postings(&head).unwrap().chunk, None);
        assert!(head.starts_with(&search_token_prefix("cyb", false)));
        assert!(key.starts_with(&search_token_prefix("cyb", true)));
        assert!(key.starts_with(&search_exact_token_prefix("cyber", true)));
        // Heads sort before tails, so a scan of heads never reads a tail.
        assert!(postings_head("zzz") < postings_tail("a", 0));
        // `cyber`'s chunks sort before any longer token's, and never match its exact prefix.
        assert!(postings_tail("cyber", u32::MAX) < postings_tail("cybercrime", 0));
        assert!(
            !postings_tail("cybercrime", 0).starts_with(&search_exact_token_prefix("cyber", true))
        );
        assert!(
            !postings_head("cybercrime").starts_with(&search_exact_token_prefix("cyber", false))
        );
        assert!(postings_tail("cyber", 255) < postings_tail("cyber", 256));
        assert!(parse_postings(b"\x02no-separator").is_err());
        assert!(parse_postings(b"\x02ab\0").is_err());
        assert!(parse_postings(b"ab\0").is_err());
    }
}
