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
    // Logs go to stderr so that `wic-gql schema > schema.graphql` stays clean. actix-http
    // logs every malformed request at ERROR (a client's fault, already answered with 400):
    // by default those lines are off, so no client can flood the log (RUST_LOG overrides).
    // Colours only on a terminal: a log file or a journal gets plain text.
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,actix_http::h1::dispatcher=off")),
        )
        .with_writer(std::io::stderr)
        .init();
    // A panic is one log line: the ones that can happen (sled on damaged files, a bug in a
    // request) are caught where they happen and reported as errors of their own.
    std::panic::set_hook(Box::new(|info| tracing::error!(%info, "panic")));
    let mut stdout = std::io::stdout();
    match cli::run(args.command, &mut stdout).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
