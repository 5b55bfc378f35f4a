//! Which document a request runs: its `query`, a persisted query sent by hash (Apollo's
//! automatic persisted queries), or — in allow-list mode — only documents of a trusted
//! manifest.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::error::HttpError;
use super::params::Params;
use crate::api::{CacheStats, Lookups};

/// An entry's weight: its hash and its text, in bytes.
#[derive(Clone)]
struct QueryBytes;

impl quick_cache::Weighter<String, Arc<str>> for QueryBytes {
    fn weight(&self, hash: &String, query: &Arc<str>) -> u64 {
        (hash.len() + query.len()) as u64
    }
}

type AutomaticQueries = quick_cache::sync::Cache<String, Arc<str>, QueryBytes>;

/// Automatic persisted queries within `budget` bytes (`--apq-cache-bytes`); beyond it the
/// least used are evicted, so a client can neither grow the server's memory without bound
/// nor, by filling the store, stop others from registering. An evicted query is asked for
/// again (`PERSISTED_QUERY_NOT_FOUND`), as the protocol expects.
fn automatic_queries(budget: u64) -> AutomaticQueries {
    // quick_cache sizes its tables from the estimated count: one query of a kilobyte each.
    AutomaticQueries::with_weighter((budget / 1024).max(1) as usize, budget, QueryBytes)
}

/// Documents known by their SHA-256.
pub struct Documents {
    /// When set, only these documents run (hash → document).
    trusted: Option<HashMap<String, Arc<str>>>,
    /// Automatic persisted queries registered by clients.
    automatic: AutomaticQueries,
    /// Lookups of automatic persisted queries by hash, counted only when metrics are on.
    lookups: Option<Lookups>,
}

/// Why a trusted documents manifest could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read the trusted documents manifest {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message} (expected a JSON object mapping SHA-256 hex hashes to GraphQL documents)")]
    Invalid { path: String, message: String },
}

impl Documents {
    /// Open mode: any query runs, and clients may persist queries by hash.
    pub fn open(apq_budget: u64) -> Self {
        Documents {
            trusted: None,
            automatic: automatic_queries(apq_budget),
            lookups: None,
        }
    }

    /// Allow-list mode: only the documents of `manifest` (`{ "<sha256>": "<document>" }`) run.
    pub fn trusted(manifest: &Path, apq_budget: u64) -> Result<Self, ManifestError> {
        let path = manifest.display().to_string();
        let invalid = |message: String| ManifestError::Invalid {
            path: path.clone(),
            message,
        };
        let text = std::fs::read_to_string(manifest).map_err(|source| ManifestError::Read {
            path: path.clone(),
            source,
        })?;
        let value: Value = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        let Value::Object(entries) = value else {
            return Err(invalid("the manifest is not a JSON object".into()));
        };
        let mut trusted = HashMap::with_capacity(entries.len());
        for (hash, document) in entries {
            let Value::String(document) = document else {
                return Err(invalid(format!("the value of {hash:?} is not a string")));
            };
            if sha256_hex(&document) != hash.to_ascii_lowercase() {
                return Err(invalid(format!(
                    "{hash:?} is not the SHA-256 of its document"
                )));
            }
            trusted.insert(hash.to_ascii_lowercase(), Arc::from(document));
        }
        Ok(Documents {
            trusted: Some(trusted),
            automatic: automatic_queries(apq_budget),
            lookups: None,
        })
    }

    /// The number of trusted documents, when in allow-list mode.
    pub fn trusted_count(&self) -> Option<usize> {
        self.trusted.as_ref().map(HashMap::len)
    }

    /// Counts the lookups of persisted queries by hash from now on (for `/metrics`).
    pub fn count_cache_lookups(&mut self) {
        self.lookups = Some(Lookups::default());
    }

    /// The persisted-query cache's size and lookups by hash.
    pub fn cache_stats(&self) -> CacheStats {
        CacheStats::of(&self.automatic, self.lookups.as_ref())
    }

    /// The document `params` asks to run.
    pub fn resolve(&self, params: &Params) -> Result<Arc<str>, HttpError> {
        let hash = persisted_hash(params)?;
        if let (Some(query), Some(hash)) = (&params.query, &hash) {
            if sha256_hex(query) != *hash {
                return Err(HttpError::PersistedQueryHashMismatch);
            }
        }
        if let Some(trusted) = &self.trusted {
            let hash = match (&hash, &params.query) {
                (Some(hash), _) => hash.clone(),
                (None, Some(query)) => sha256_hex(query),
                (None, None) => return Err(missing_query()),
            };
            return trusted
                .get(&hash)
                .cloned()
                .ok_or(HttpError::UntrustedOperation(hash));
        }
        match (&params.query, hash) {
            (Some(query), Some(hash)) => {
                let query: Arc<str> = Arc::from(query.as_str());
                self.automatic.insert(hash, query.clone());
                Ok(query)
            }
            (Some(query), None) => Ok(Arc::from(query.as_str())),
            (None, Some(hash)) => {
                let query = self.automatic.get(&hash);
                Lookups::count(self.lookups.as_ref(), query.is_some());
                query.ok_or(HttpError::PersistedQueryNotFound)
            }
            (None, None) => Err(missing_query()),
        }
    }
}

fn missing_query() -> HttpError {
    HttpError::InvalidParameter("missing `query` (expected a GraphQL document as a string)".into())
}

/// `extensions.persistedQuery.sha256Hash`, lower-cased, if the request carries one.
fn persisted_hash(params: &Params) -> Result<Option<String>, HttpError> {
    let Some(persisted) = params
        .extensions
        .as_ref()
        .and_then(|e| e.get("persistedQuery"))
    else {
        return Ok(None);
    };
    let bad =
        |what: &str| HttpError::InvalidParameter(format!("`extensions.persistedQuery` {what}"));
    if persisted.get("version").and_then(Value::as_i64) != Some(1) {
        return Err(bad("has an unsupported `version` (expected 1)"));
    }
    match persisted.get("sha256Hash").and_then(Value::as_str) {
        Some(hash) if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(Some(hash.to_ascii_lowercase()))
        }
        _ => Err(bad("needs `sha256Hash`, 64 hex digits")),
    }
}

/// SHA-256 of `text`, lower-case hex.
pub fn sha256_hex(text: &str) -> String {
    crate::hex::encode(&Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    const APQ_BYTES: u64 = crate::config::HttpLimits::DEFAULT_APQ_CACHE_BYTES;
    use serde_json::json;

    use super::*;

    fn params(query: Option<&str>, hash: Option<&str>) -> Params {
        Params {
            query: query.map(str::to_string),
            extensions: hash.map(|h| {
                json!({ "persistedQuery": { "version": 1, "sha256Hash": h } })
                    .as_object()
                    .unwrap()
                    .clone()
            }),
            ..Params::default()
        }
    }

    #[test]
    fn automatic_persisted_queries_register_then_run_by_hash() {
        let documents = Documents::open(APQ_BYTES);
        let query = "{ __typename }";
        let hash = sha256_hex(query);
        assert_eq!(
            documents.resolve(&params(None, Some(&hash))),
            Err(HttpError::PersistedQueryNotFound)
        );
        assert_eq!(
            documents
                .resolve(&params(Some(query), Some(&hash)))
                .unwrap()
                .as_ref(),
            query
        );
        assert_eq!(
            documents
                .resolve(&params(None, Some(&hash)))
                .unwrap()
                .as_ref(),
            query
        );
        let wrong = sha256_hex("{ other }");
        assert_eq!(
            documents.resolve(&params(Some(query), Some(&wrong))),
            Err(HttpError::PersistedQueryHashMismatch)
        );
    }

    /// Past the byte budget the oldest queries are evicted and new ones still register:
    /// the store neither grows without bound nor stops accepting queries once full.
    #[test]
    fn automatic_persisted_queries_stay_within_their_byte_budget() {
        let documents = Documents::open(APQ_BYTES);
        let queries: Vec<String> = (0..400)
            .map(|i| format!("{{ __typename }} # {i} {}", "x".repeat(60 * 1024)))
            .collect();
        for query in &queries {
            let hash = sha256_hex(query);
            documents
                .resolve(&params(Some(query), Some(&hash)))
                .unwrap();
        }
        assert!(documents.automatic.weight() <= APQ_BYTES);
        let registered = |query: &String| {
            documents
                .resolve(&params(None, Some(&sha256_hex(query))))
                .is_ok()
        };
        let kept = queries.iter().filter(|q| registered(q)).count();
        // 400 queries of 60 KiB are 24 MiB: some were evicted, most of the budget is used.
        assert!((150..400).contains(&kept), "{kept} queries kept");
        // Full, the store still registers a new query.
        let fresh = "{ fresh: __typename }".to_string();
        documents
            .resolve(&params(Some(&fresh), Some(&sha256_hex(&fresh))))
            .unwrap();
        assert!(registered(&fresh));
    }

    #[test]
    fn allow_list_mode_runs_only_trusted_documents() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("trusted.json");
        let trusted = "{ trends { totalCount } }";
        std::fs::write(
            &manifest,
            json!({ sha256_hex(trusted): trusted }).to_string(),
        )
        .unwrap();
        let documents = Documents::trusted(&manifest, APQ_BYTES).unwrap();
        assert_eq!(
            documents
                .resolve(&params(Some(trusted), None))
                .unwrap()
                .as_ref(),
            trusted
        );
        assert_eq!(
            documents
                .resolve(&params(None, Some(&sha256_hex(trusted))))
                .unwrap()
                .as_ref(),
            trusted
        );
        let other = "{ __typename }";
        assert_eq!(
            documents.resolve(&params(Some(other), None)),
            Err(HttpError::UntrustedOperation(sha256_hex(other)))
        );
        std::fs::write(&manifest, r#"{"abc": "{ x }"}"#).unwrap();
        let error = Documents::trusted(&manifest, APQ_BYTES)
            .err()
            .unwrap()
            .to_string();
        assert!(error.ends_with("\"abc\" is not the SHA-256 of its document (expected a JSON object mapping SHA-256 hex hashes to GraphQL documents)"), "{error}");
    }
}
