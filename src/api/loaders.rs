//! Per-request DataLoaders: every record and edge read of one nesting level becomes one
//! batched store call, so round trips grow with query depth, not with result size.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};

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
        let records = self.0.records(slugs)?;
        Ok(records
            .into_iter()
            .flatten()
            .map(|r| (r.slug.clone(), Arc::new(r)))
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
            let edges = self.0.edges(&anchors, direction)?;
            for (slug, edges) in anchors.into_iter().zip(edges) {
                found.insert(EdgeKey { slug, direction }, Arc::new(edges));
            }
        }
        Ok(found)
    }
}

/// The loaders of one request, plus the graph for list and search queries.
pub struct Loaders {
    pub graph: Graph,
    pub records: DataLoader<RecordLoader>,
    pub edges: DataLoader<EdgeLoader>,
}

impl Loaders {
    pub fn new(graph: Graph) -> Self {
        Loaders {
            records: DataLoader::new(RecordLoader(graph.clone()), tokio::spawn),
            edges: DataLoader::new(EdgeLoader(graph.clone()), tokio::spawn),
            graph,
        }
    }
}
