//! The storage layer's own key: a generation's number, in its metadata table (the
//! directory's pointer file, `layout.rs`, names the current one). The graph's tables have
//! layouts of their own (`graph/keys.rs`), which this layer never reads.

use super::StorageError;

/// The value of a generation's number in its metadata.
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
    fn generation_round_trips_and_orders() {
        for g in [0, 1, 255, 256, u64::MAX] {
            assert_eq!(parse_generation(&generation(g)).unwrap(), g);
        }
        assert!(generation(255) < generation(256));
        assert!(parse_generation(b"short").is_err());
    }
}
