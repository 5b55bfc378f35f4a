//! The `wic-gql` binary: parse the command line, set up logging, call into the library.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;
use wic_gql::cli::{self, Cli};

/// mimalloc: a request allocates and frees many small objects, which glibc's allocator
/// handles with visibly more time in `malloc`/`free` (see bench/results).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let args = Cli::parse();
    // Logs go to stderr so that `wic-gql schema > schema.graphql` stays clean.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut stdout = std::io::stdout();
    match cli::run(args.command, &mut stdout).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
