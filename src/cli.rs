//! The command line: `seed`, `serve`, `schema` and `dump`, each a thin call into the library.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use crate::api::Limits;
use crate::config::{self, HttpLimits, Mode, Settings};
use crate::graph::{Direction, Graph, GraphError, Record, RecordKind};
use crate::seed::{self, Problem, SeedError, SeedReport, Warnings};
use crate::startup::{Application, StartupError};
use crate::storage::{SledStore, StorageError};

/// The World Internet Conference knowledge graph, served over GraphQL.
#[derive(Debug, Parser)]
#[command(name = "wic-gql", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the seed files and replace the database with them (atomically).
    Seed(SeedArgs),
    /// Serve the GraphQL API and the playground (seeding an empty database first).
    Serve(Box<ServeArgs>),
    /// Print the GraphQL schema (SDL): what `schema.graphql` holds.
    Schema(SchemaArgs),
    /// Print every stored entry, one per line, in key order (to compare databases).
    Dump(DumpArgs),
    /// Read every stored entry and check it against the checksum the seed recorded (exit
    /// code 3 when the database is damaged).
    Verify(DumpArgs),
    /// Ask the server holding the database to load its seed files (`serve --reload-from`)
    /// as a new generation, without a gap in service (it sends the server SIGHUP).
    Reload(DumpArgs),
    /// Print the whole graph as JSON, `{"records": [...], "edges": [...]}` (for other
    /// tools, such as the benchmark's contestants).
    Export(DumpArgs),
}

/// Arguments of `wic-gql seed`.
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// The database directory.
    #[arg(long, env = "WIC_GQL_DB", default_value = config::DEFAULT_DB_PATH)]
    pub db: PathBuf,
    /// The seed folder; without it, `./seed` if present, else the data compiled into the binary.
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,
    /// Only validate: report problems and counts, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Refuse the seed while it has editorial warnings (a relation whose quotes do not
    /// name its ends, a record with no relation, near-duplicate names, a role that is not
    /// a verb phrase of its quote), as CI does.
    #[arg(long)]
    pub strict: bool,
    /// For benchmarks only: add made-up `synthetic-*` records (clusters shaped like the
    /// real conference, no citations) until the graph holds at least this many.
    #[arg(long, value_name = "RECORDS")]
    pub synthetic: Option<usize>,
}

/// Arguments of `wic-gql serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, env = "WIC_GQL_HOST", default_value = config::DEFAULT_HOST)]
    pub host: String,
    /// The port to listen on (0 picks a free one).
    #[arg(long, env = "WIC_GQL_PORT", default_value_t = config::DEFAULT_PORT)]
    pub port: u16,
    /// The database directory; seeded from the embedded data if absent or empty.
    #[arg(long, env = "WIC_GQL_DB", default_value = config::DEFAULT_DB_PATH)]
    pub db: PathBuf,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "WIC_GQL_WORKERS")]
    pub workers: Option<usize>,
    /// `dev` (playground, introspection and field suggestions on) or `production`
    /// (all three off unless enabled, security headers on).
    #[arg(long, env = "WIC_GQL_MODE", value_enum, default_value_t = Mode::Dev)]
    pub mode: Mode,
    /// Serve the playground at `/` (default: on in dev, off in production).
    #[arg(long, env = "WIC_GQL_PLAYGROUND")]
    pub playground: Option<bool>,
    /// Answer introspection queries (default: on in dev, off in production).
    #[arg(long, env = "WIC_GQL_INTROSPECTION")]
    pub introspection: Option<bool>,
    /// An origin allowed to call the API from a browser (CORS); repeat for several, or
    /// separate with commas. None by default; credentials are never allowed.
    #[arg(
        long = "cors-origin",
        env = "WIC_GQL_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
    /// Where a reload (SIGHUP, or `wic-gql reload`) reads the seed files (default: `./seed`
    /// if present, else the data compiled into the binary).
    #[arg(long, env = "WIC_GQL_RELOAD_FROM", value_name = "DIR")]
    pub reload_from: Option<PathBuf>,
    /// `Cache-Control` of successful GET responses.
    #[arg(long, env = "WIC_GQL_CACHE_CONTROL", default_value = config::DEFAULT_CACHE_CONTROL)]
    pub cache_control: String,
    /// Allow-list mode: run only the operations of this trusted documents manifest
    /// (a JSON object of SHA-256 hex hash → document).
    #[arg(long, env = "WIC_GQL_TRUSTED_DOCUMENTS", value_name = "FILE")]
    pub trusted_documents: Option<PathBuf>,
    /// Serve the schema as an Apollo Federation v2 subgraph: `_service { sdl }`,
    /// `_entities(representations:)`, and `@key(fields: "id")` and `@key(fields: "slug")`
    /// on every record type.
    #[arg(long, env = "WIC_GQL_FEDERATION")]
    pub federation: bool,
    #[command(flatten)]
    pub limits: Limits,
    #[command(flatten)]
    pub http_limits: HttpLimits,
    /// Boxed: `Command`'s variants stay of a size.
    #[command(flatten)]
    pub metrics: Box<config::MetricsSettings>,
}

/// Arguments of `wic-gql schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Print the Apollo Federation subgraph SDL instead, as `serve --federation` answers
    /// `_service { sdl }`: what `tools/federation/wic-gql.graphql` holds.
    #[arg(long)]
    pub federation: bool,
}

/// Arguments of `wic-gql dump`.
#[derive(Debug, Args)]
pub struct DumpArgs {
    /// The database directory.
    #[arg(long, env = "WIC_GQL_DB", default_value = config::DEFAULT_DB_PATH)]
    pub db: PathBuf,
}

/// Why a command failed; the binary prints it and exits non-zero.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Seed(#[from] SeedError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error("no server holds {0} (no {1} in it): start one with `wic-gql serve`")]
    NoServer(String, &'static str),
    #[error("cannot signal the server (pid {0}): {1}")]
    Signal(String, String),
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

/// Runs `command`, writing its report to `out`.
pub async fn run(command: Command, out: &mut impl Write) -> Result<(), CliError> {
    match command {
        Command::Seed(args) => run_seed(args, out),
        Command::Serve(args) => run_serve(*args, out).await,
        Command::Schema(args) => {
            let sdl = if args.federation {
                crate::api::subgraph_sdl()
            } else {
                crate::api::sdl()
            };
            Ok(out.write_all(sdl.as_bytes())?)
        }
        Command::Dump(args) => run_dump(&args.db, out),
        Command::Export(args) => run_export(&args.db, out),
        Command::Verify(args) => run_verify(&args.db, out),
        Command::Reload(args) => run_reload(&args.db, out),
    }
}

impl CliError {
    /// The process's exit code: 3 for a damaged database, 1 for anything else.
    pub fn exit_code(&self) -> u8 {
        let damaged = |e: &StorageError| matches!(e, StorageError::Damaged { .. });
        match self {
            CliError::Storage(e) if damaged(e) => 3,
            CliError::Graph(GraphError::Storage(e)) if damaged(e) => 3,
            CliError::Startup(StartupError::Storage(e)) if damaged(e) => 3,
            CliError::Startup(StartupError::Graph(GraphError::Storage(e))) if damaged(e) => 3,
            _ => 1,
        }
    }
}

fn run_seed(args: SeedArgs, out: &mut impl Write) -> Result<(), CliError> {
    let (files, origin) = seed::files_from(args.from.as_deref())?;
    let warnings = if args.strict {
        Warnings::Deny
    } else {
        Warnings::Allow
    };
    if args.dry_run {
        let started = std::time::Instant::now();
        let checked = files.check(warnings)?;
        let dataset = seed::synthetic::grow(checked.dataset, args.synthetic.unwrap_or(0));
        let summary = seed::summarize(&dataset, String::new());
        let report = SeedReport {
            summary,
            warnings: checked.warnings,
            elapsed: started.elapsed(),
        };
        warn(&report.warnings);
        writeln!(out, "{origin} is valid (dry run, nothing written)")?;
        return write_summary(&report, out);
    }
    // The seed replaces whatever the database holds, damaged or not, or of an older
    // layout: it writes a new generation's database beside it, points the directory at it,
    // and deletes the one it replaced (storage/layout.rs), so a re-seed gives back the
    // old data's space.
    let (report, hash) = {
        let graph = Graph::new(Arc::new(SledStore::open_to_seed(&args.db)?));
        let report = seed::seed_grown(&graph, &files, args.synthetic.unwrap_or(0), warnings)?;
        graph.flush()?;
        (report, graph.data_hash()?.unwrap_or_default())
    };
    warn(&report.warnings);
    let synthetic = if args.synthetic.is_some() {
        " and synthetic records"
    } else {
        ""
    };
    writeln!(out, "seeded {} from {origin}{synthetic}", args.db.display())?;
    write_summary(&report, out)?;
    writeln!(out, "  data hash    {hash}")?;
    Ok(())
}

/// Editorial warnings go to stderr, one a line, so the report on stdout stays the same.
fn warn(warnings: &[Problem]) {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
}

fn write_summary(report: &SeedReport, out: &mut impl Write) -> Result<(), CliError> {
    let total: u32 = report.summary.records.iter().map(|(_, n)| n).sum();
    writeln!(out, "  records      {total:>5}")?;
    for (kind, count) in &report.summary.records {
        writeln!(out, "    {kind:<10} {count:>5}")?;
    }
    writeln!(out, "  edges        {:>5}", report.summary.edges)?;
    writeln!(out, "  warnings     {:>5}", report.warnings.len())?;
    writeln!(out, "  time         {:>5} ms", report.elapsed.as_millis())?;
    let rate = f64::from(total) / report.elapsed.as_secs_f64().max(1e-9);
    writeln!(out, "  rate         {rate:>5.0} records/s")?;
    Ok(())
}

async fn run_serve(args: ServeArgs, out: &mut impl Write) -> Result<(), CliError> {
    let (limits, http_limits) = (args.limits, args.http_limits);
    let settings = Settings {
        host: args.host,
        port: args.port,
        db: args.db,
        workers: args.workers,
        cache_control: args.cache_control,
        trusted_documents: args.trusted_documents,
        mode: args.mode,
        playground: args.playground,
        introspection: args.introspection,
        cors_origins: args.cors_origins,
        reload_from: args.reload_from,
        federation: args.federation,
        limits,
        http_limits,
        metrics: *args.metrics,
        ..Settings::default()
    };
    let public_metrics = settings.metrics.on_main_port;
    let application = Application::build(settings).await?;
    let url = config::public_url(application.address());
    let mut banner = format!(
        "wic-gql is serving {} on {url}\n  playground  {url}/\n  GraphQL     {url}/graphql\n  health      {url}/health\n",
        application.db_path().display()
    );
    match application.metrics_address() {
        Some(address) => {
            banner += &format!("  metrics     {}/metrics\n", config::public_url(address))
        }
        None if public_metrics => banner += &format!("  metrics     {url}/metrics\n"),
        None => {}
    }
    // The server is up: a closed stdout (a pipe whose reader left) must not stop it.
    if let Err(error) = out.write_all(banner.as_bytes()).and_then(|()| out.flush()) {
        tracing::warn!(%error, "could not print the startup banner");
    }
    application.run_until_stopped().await?;
    Ok(())
}

/// Opens the database at `db` to read all of it: checked against its checksum first, so
/// that damaged data is never printed.
fn open_verified(db: &Path) -> Result<Graph, CliError> {
    let graph = Graph::new(Arc::new(SledStore::open(db)?));
    graph.verify()?;
    Ok(graph)
}

fn run_dump(db: &Path, out: &mut impl Write) -> Result<(), CliError> {
    let graph = open_verified(db)?;
    for (table, entries) in graph.dump()? {
        for (key, value) in entries {
            writeln!(
                out,
                "{table}\t{}\t{}",
                crate::hex::encode(&key),
                crate::hex::encode(&value)
            )?;
        }
    }
    Ok(())
}

fn run_verify(db: &Path, out: &mut impl Write) -> Result<(), CliError> {
    let started = std::time::Instant::now();
    let graph = Graph::new(Arc::new(SledStore::open(db)?));
    let (hash, entries) = graph.verify()?;
    writeln!(
        out,
        "{} is intact: {entries} entries, data hash {hash} ({} ms)",
        db.display(),
        started.elapsed().as_millis()
    )?;
    Ok(())
}

fn run_reload(db: &Path, out: &mut impl Write) -> Result<(), CliError> {
    let pid_file = db.join(crate::startup::PID_FILE);
    let pid = std::fs::read_to_string(&pid_file)
        .map(|text| text.trim().to_string())
        .map_err(|_| CliError::NoServer(db.display().to_string(), crate::startup::PID_FILE))?;
    let status = std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .map_err(|e| CliError::Signal(pid.clone(), e.to_string()))?;
    if !status.success() {
        return Err(CliError::Signal(
            pid,
            format!("kill exited with {status}; is it still running?"),
        ));
    }
    writeln!(
        out,
        "asked the server (pid {pid}) to reload {}; its log says how it went, and /health shows the data hash it serves",
        db.display()
    )?;
    Ok(())
}

fn run_export(db: &Path, out: &mut impl Write) -> Result<(), CliError> {
    let graph = open_verified(db)?;
    let mut records = Vec::new();
    for kind in RecordKind::ALL {
        records.extend(
            graph
                .records_of_kind(kind)?
                .iter()
                .map(|r| Record::clone(r)),
        );
    }
    let slugs: Vec<String> = records.iter().map(|r| r.slug.clone()).collect();
    let mut edges: Vec<_> = graph
        .edges(&slugs, Direction::Outgoing)?
        .into_iter()
        .flatten()
        .collect();
    edges.sort_by_key(|e| e.position);
    // `dataHash` names the generation in cursors: a reference that pages this data issues
    // the cursors this database's server issues.
    let data_hash = graph.data_hash()?.unwrap_or_default();
    let export = serde_json::json!({ "records": records, "edges": edges, "dataHash": data_hash });
    serde_json::to_writer(&mut *out, &export).map_err(std::io::Error::from)?;
    writeln!(out)?;
    Ok(())
}
