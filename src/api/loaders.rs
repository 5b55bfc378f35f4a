//! Per-request DataLoaders: every record and edge read of one nesting level becomes one
//! batched store call, so round trips grow with query depth, not with result size.
//!
//! A read the graph's shared cache can answer skips the loader altogether: no batch, no
//! spawned task, no waiting for quiet. Once the cache is warm, a nested query resolves
//! without a single batch, which doubled Q2's requests/s.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::futures_util::future::BoxFuture;

use crate::graph::{Direction, Edge, Graph, GraphError, Record};

/// Loads records by slug.
pub struct RecordLoader(Graph);

/// Loads all edges of a record in one direction.
pub struct EdgeLoader(Graph);

/// A record and the direction of its edges to load.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EdgeKey {
    pub slug: String,
    pub direction: Direction,
}

impl Loader<String> for RecordLoader {
    type Value = Arc<Record>;
    type Error = Arc<GraphError>;

    async fn load(&self, slugs: &[String]) -> Result<HashMap<String, Arc<Record>>, Self::Error> {
        let records = self.0.records_shared(slugs)?;
        Ok(slugs
            .iter()
            .zip(records)
            .filter_map(|(slug, record)| Some((slug.clone(), record?)))
            .collect())
    }
}

impl Loader<EdgeKey> for EdgeLoader {
    type Value = Arc<Vec<Edge>>;
    type Error = Arc<GraphError>;

    async fn load(&self, keys: &[EdgeKey]) -> Result<HashMap<EdgeKey, Self::Value>, Self::Error> {
        let mut found = HashMap::with_capacity(keys.len());
        for direction in [Direction::Outgoing, Direction::Incoming] {
            let anchors: Vec<String> = keys
                .iter()
                .filter(|k| k.direction == direction)
                .map(|k| k.slug.clone())
                .collect();
            if anchors.is_empty() {
                continue;
            }
            let edges = self.0.edges_shared(&anchors, direction)?;
            for (slug, edges) in anchors.into_iter().zip(edges) {
                found.insert(EdgeKey { slug, direction }, edges);
            }
        }
        Ok(found)
    }
}

/// Consecutive executor turns without a new load before a batch reads the store.
const QUIET_TURNS: u32 = 3;
/// A bound on the wait, should a request keep asking for loads for a very long time.
const MAX_TURNS: u32 = 10_000;

/// The loaders of one request, plus the graph for list and search queries.
///
/// Batching waits for quiet rather than for a clock: async-graphql's DataLoader waits 1 ms
/// per batch by default, which a depth-4 query pays at every level, and a zero wait fires
/// before sibling resolvers have all registered (they are polled in rounds). Every load goes
/// through the methods below, which count it; a batch starts once the count has stopped
/// growing for a few turns of the executor, i.e. when every resolver of the level is
/// waiting on a loader. On an in-process store that costs microseconds, not milliseconds.
pub struct Loaders {
    pub graph: Graph,
    /// The data hash's first bytes, read once per request (cursors carry them).
    data_hash_prefix: std::sync::OnceLock<[u8; 8]>,
    records: DataLoader<RecordLoader>,
    edges: DataLoader<EdgeLoader>,
    activity: Arc<AtomicU64>,
}

impl Loaders {
    /// Fresh loaders for one request.
    pub fn new(graph: Graph) -> Self {
        let activity = Arc::new(AtomicU64::new(0));
        let spawner = |activity: Arc<AtomicU64>| {
            move |batch: BoxFuture<'static, ()>| {
                tokio::spawn(wait_for_quiet(activity.clone(), batch));
            }
        };
        Loaders {
            records: DataLoader::new(RecordLoader(graph.clone()), spawner(activity.clone()))
                .delay(Duration::ZERO),
            edges: DataLoader::new(EdgeLoader(graph.clone()), spawner(activity.clone()))
                .delay(Duration::ZERO),
            graph,
            data_hash_prefix: std::sync::OnceLock::new(),
            activity,
        }
    }

    /// The first 8 bytes of the data hash of the generation this request reads.
    pub fn data_hash_prefix(&self) -> Result<[u8; 8], GraphError> {
        if let Some(prefix) = self.data_hash_prefix.get() {
            return Ok(*prefix);
        }
        let prefix = self.graph.data_hash_prefix()?;
        Ok(*self.data_hash_prefix.get_or_init(|| prefix))
    }

    /// One record by slug.
    pub async fn record(&self, slug: &str) -> Result<Option<Arc<Record>>, Arc<GraphError>> {
        if let Some(record) = self.graph.cached_record(slug) {
            return Ok(Some(record));
        }
        self.activity.fetch_add(1, Ordering::Relaxed);
        self.records.load_one(slug.to_string()).await
    }

    /// Records by slug; unknown slugs are absent from the map.
    pub async fn records(
        &self,
        slugs: Vec<String>,
    ) -> Result<HashMap<String, Arc<Record>>, Arc<GraphError>> {
        if let Some(found) = self.graph.cached_records(slugs.iter().map(String::as_str)) {
            return Ok(slugs.into_iter().zip(found).collect());
        }
        self.activity.fetch_add(1, Ordering::Relaxed);
        self.records.load_many(slugs).await
    }

    /// The records of `slugs`, in order, if the graph's cache holds every one (no load).
    pub fn cached_records<'a>(
        &self,
        slugs: impl IntoIterator<Item = &'a str>,
    ) -> Option<Vec<Arc<Record>>> {
        self.graph.cached_records(slugs)
    }

    /// The edges of one record in one direction.
    pub async fn edges(
        &self,
        slug: &str,
        direction: Direction,
    ) -> Result<Option<Arc<Vec<Edge>>>, Arc<GraphError>> {
        if let Some(edges) = self.graph.cached_edges(slug, direction) {
            return Ok(Some(edges));
        }
        self.activity.fetch_add(1, Ordering::Relaxed);
        let key = EdgeKey {
            slug: slug.to_string(),
            direction,
        };
        self.edges.load_one(key).await
    }
}

/// Runs `batch` once no load has been asked for during [`QUIET_TURNS`] executor turns.
async fn wait_for_quiet(activity: Arc<AtomicU64>, batch: BoxFuture<'static, ()>) {
    let mut seen = activity.load(Ordering::Relaxed);
    let mut quiet = 0;
    for _ in 0..MAX_TURNS {
        tokio::task::yield_now().await;
        let now = activity.load(Ordering::Relaxed);
        if now == seen {
            quiet += 1;
            if quiet == QUIET_TURNS {
                break;
            }
        } else {
            seen = now;
            quiet = 0;
        }
    }
    batch.await;
}
