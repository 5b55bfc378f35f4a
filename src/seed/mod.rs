//! Reading, validating and loading the seed data: `seed/*.toml` plus the source text.
//!
//! Nothing is written until every file has been checked; then the graph is replaced in one
//! atomic swap, so a failed seed leaves the previous database exactly as it was.

mod files;
mod lint;
mod parse;
pub mod synthetic;
mod validate;

pub use parse::Problem;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use include_dir::{include_dir, Dir};
use sha2::{Digest, Sha256};

use crate::graph::{Dataset, Graph, GraphError, RecordKind, SeedSummary};
use parse::TextFile;

/// The `seed/` folder as it was when the binary was built: the embedded default.
static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/seed");

/// What can go wrong seeding.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read seed folder {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} holds no seed files (expected *.toml files and the source text)")]
    NoFiles { path: PathBuf },
    /// Every problem found, each as `file:line:column: message`.
    #[error("{} problem(s) in the seed data; nothing was written:\n{}", .0.len(), .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
    /// The editorial warnings, refused under [`Warnings::Deny`] (`--strict`).
    #[error("{} warning(s) in the seed data, refused by --strict; nothing was written:\n{}", .0.len(), .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
    Warnings(Vec<Problem>),
    #[error(transparent)]
    Graph(#[from] GraphError),
}

/// What a seed run does with editorial warnings (see `seed/README.md`, "Modelling rules").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Warnings {
    /// Report them and seed anyway.
    #[default]
    Allow,
    /// Refuse the seed while any remain (`--strict`).
    Deny,
}

/// A seed that passed every check, with the editorial warnings it still has.
#[derive(Debug, Clone)]
pub struct Checked {
    pub dataset: Dataset,
    pub warnings: Vec<Problem>,
}

/// The files of a seed folder: `*.toml` files to parse, other files (the source text) by name.
#[derive(Debug, Clone)]
pub struct SeedFiles {
    /// How file names are shown in messages (`seed/`, `embedded:seed/`).
    origin: String,
    toml: BTreeMap<String, String>,
    texts: BTreeMap<String, String>,
}

impl SeedFiles {
    /// Builds a set from `(file name, contents)` pairs; `origin` prefixes names in messages.
    pub fn from_files(
        origin: impl Into<String>,
        files: impl IntoIterator<Item = (String, String)>,
    ) -> Self {
        let mut toml = BTreeMap::new();
        let mut texts = BTreeMap::new();
        for (name, contents) in files {
            if name.ends_with(".toml") {
                toml.insert(name, contents);
            } else if name.ends_with(".txt") {
                texts.insert(name, contents);
            }
        }
        SeedFiles {
            origin: origin.into(),
            toml,
            texts,
        }
    }

    /// Reads the top-level `*.toml` and `*.txt` files of `dir`.
    pub fn read_dir(dir: &Path) -> Result<Self, SeedError> {
        let read_error = |source| SeedError::Read {
            path: dir.to_path_buf(),
            source,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(read_error)? {
            let path = entry.map_err(read_error)?.path();
            let Some(name) = path
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_string)
            else {
                continue;
            };
            if path.is_file() && (name.ends_with(".toml") || name.ends_with(".txt")) {
                let contents =
                    std::fs::read_to_string(&path).map_err(|source| SeedError::Read {
                        path: path.clone(),
                        source,
                    })?;
                files.push((name, contents));
            }
        }
        let set = Self::from_files(format!("{}/", dir.display()), files);
        if set.toml.is_empty() {
            return Err(SeedError::NoFiles {
                path: dir.to_path_buf(),
            });
        }
        Ok(set)
    }

    /// The seed data compiled into the binary.
    pub fn embedded() -> Self {
        let files = EMBEDDED.files().filter_map(|f| {
            let name = f.path().to_str()?.to_string();
            Some((name, f.contents_utf8()?.to_string()))
        });
        Self::from_files("embedded:seed/", files)
    }

    /// Parses and checks every file; the dataset, or every problem found. Editorial
    /// warnings do not stop it (see [`SeedFiles::check`]).
    pub fn validate(&self) -> Result<Dataset, SeedError> {
        self.check(Warnings::Allow).map(|checked| checked.dataset)
    }

    /// Parses and checks every file; the dataset with its editorial warnings, or every
    /// problem found. Under [`Warnings::Deny`] any warning is an error.
    pub fn check(&self, warnings: Warnings) -> Result<Checked, SeedError> {
        let files: Vec<TextFile> = self
            .toml
            .iter()
            .map(|(name, text)| TextFile::new(format!("{}{name}", self.origin), text.clone()))
            .collect();
        let mut problems = Vec::new();
        let mut unparsed_ids = HashSet::new();
        let blocks: Vec<_> = files
            .iter()
            .enumerate()
            .flat_map(|(i, f)| parse::parse_file(i, f, &mut problems, &mut unparsed_ids))
            .collect();
        let (dataset, found) =
            validate::validate(&files, blocks, &self.texts, problems, &unparsed_ids)
                .map_err(SeedError::Invalid)?;
        if warnings == Warnings::Deny && !found.is_empty() {
            return Err(SeedError::Warnings(found));
        }
        Ok(Checked {
            dataset,
            warnings: found,
        })
    }

    /// SHA-256 of the source texts, hex, for the seed summary.
    fn source_sha256(&self) -> String {
        let mut hasher = Sha256::new();
        for text in self.texts.values() {
            hasher.update(text.as_bytes());
        }
        crate::hex::encode(&hasher.finalize())
    }
}

/// What a successful seed did.
#[derive(Debug, Clone)]
pub struct SeedReport {
    pub summary: SeedSummary,
    /// The editorial warnings the seed still has.
    pub warnings: Vec<Problem>,
    pub elapsed: Duration,
}

/// Counts by kind and edges of a dataset.
pub fn summarize(dataset: &Dataset, source_sha256: String) -> SeedSummary {
    let records = RecordKind::ALL
        .iter()
        .map(|k| {
            let count = dataset.records.iter().filter(|r| r.kind() == *k).count();
            (k.name().to_string(), count as u32)
        })
        .collect();
    SeedSummary {
        records,
        edges: dataset.edges.len() as u32,
        source_sha256,
    }
}

/// The seed files of `dir`; without one, those of `./seed` if present, else the data
/// compiled into the binary. With a description of where they came from.
pub fn files_from(dir: Option<&Path>) -> Result<(SeedFiles, String), SeedError> {
    Ok(match dir {
        Some(dir) => (SeedFiles::read_dir(dir)?, dir.display().to_string()),
        None if Path::new("seed").is_dir() => {
            (SeedFiles::read_dir(Path::new("seed"))?, "seed".to_string())
        }
        None => (SeedFiles::embedded(), "the embedded seed data".to_string()),
    })
}

/// Validates `files` and, only if they are sound, replaces the graph with them.
pub fn seed(graph: &Graph, files: &SeedFiles) -> Result<SeedReport, SeedError> {
    seed_grown(graph, files, 0, Warnings::Allow)
}

/// Like [`seed`], with [`synthetic`] clusters added until the graph holds at least `total`
/// records: the benchmark's scale curve. Under [`Warnings::Deny`] an editorial warning
/// refuses the seed.
pub fn seed_grown(
    graph: &Graph,
    files: &SeedFiles,
    total: usize,
    warnings: Warnings,
) -> Result<SeedReport, SeedError> {
    let started = Instant::now();
    let checked = files.check(warnings)?;
    let dataset = synthetic::grow(checked.dataset, total);
    let summary = summarize(&dataset, files.source_sha256());
    graph.replace(dataset, &summary)?;
    Ok(SeedReport {
        summary,
        warnings: checked.warnings,
        elapsed: started.elapsed(),
    })
}
