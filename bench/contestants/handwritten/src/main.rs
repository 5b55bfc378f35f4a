//! F1, the hand-written path: the benchmark's seven queries answered by plain Rust over the
//! same sled store as wic-gql, with no GraphQL layer. It shows what parsing, validating and
//! executing a GraphQL document costs on top of the reads and the JSON writing.
//!
//! `wic-gql-bench-handwritten --port PORT --db PATH [--workers N]` serves `POST /graphql` on
//! 127.0.0.1. The body must be `{"query": "..."}` holding exactly the text of one of
//! `bench/queries/q0.graphql` … `q6.graphql`, with `"variables": {"slug": ..., "trends": N,
//! "actors": N}` for `q5.graphql`; anything else gets 400. Each answer is read
//! from the store for that request, batched per nesting level as wic-gql's DataLoaders do,
//! and written with serde_json, byte for byte as wic-gql writes it.

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::http::header::ContentType;
use actix_web::{web, App, HttpResponse, HttpServer};
use serde::Deserialize;
use wic_gql::graph::Graph;
use wic_gql::storage::SledStore;
use wic_gql_bench_handwritten::answers;

/// The allocator wic-gql's binary uses, so that the two differ only in the GraphQL layer.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The seven benchmark queries, as the benchmark sends them.
const QUERIES: [&str; 7] = [
    include_str!("../../../queries/q0.graphql"),
    include_str!("../../../queries/q1.graphql"),
    include_str!("../../../queries/q2.graphql"),
    include_str!("../../../queries/q3.graphql"),
    include_str!("../../../queries/q4.graphql"),
    include_str!("../../../queries/q5.graphql"),
    include_str!("../../../queries/q6.graphql"),
];

/// The request body: the query, and Q5's variables (the only query that has any).
#[derive(Deserialize)]
struct Request {
    query: String,
    variables: Option<answers::Q5Variables>,
}

async fn graphql(graph: web::Data<Graph>, body: web::Bytes) -> HttpResponse {
    let Ok(request) = serde_json::from_slice::<Request>(&body) else {
        return HttpResponse::BadRequest().body("expected a JSON body {\"query\": ...}");
    };
    let position = QUERIES.iter().position(|q| *q == request.query);
    let answer = match (position, &request.variables) {
        (Some(0), None) => answers::q0(),
        (Some(1), None) => answers::q1(&graph),
        (Some(2), None) => answers::q2(&graph),
        (Some(3), None) => answers::q3(&graph),
        (Some(4), None) => answers::q4(&graph),
        (Some(5), Some(variables)) => match answers::q5(&graph, variables) {
            Some(answer) => answer,
            None => return HttpResponse::BadRequest().body("a page size out of range"),
        },
        (Some(6), None) => answers::q6(&graph),
        _ => return HttpResponse::BadRequest().body("not one of the benchmark's requests"),
    };
    match answer {
        Ok(bytes) => HttpResponse::Ok()
            .insert_header(ContentType::json())
            .body(bytes),
        Err(error) => HttpResponse::InternalServerError().body(error.to_string()),
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = arg(&args, "--port")
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let workers: usize = arg(&args, "--workers")
        .and_then(|w| w.parse().ok())
        .unwrap_or(1);
    let db = PathBuf::from(arg(&args, "--db").expect("--db PATH is required"));
    let store = match SledStore::open(&db) {
        Ok(store) => store,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(1);
        }
    };
    let graph = web::Data::new(Graph::new(Arc::new(store)));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(graph.clone())
            .route("/graphql", web::post().to(graphql))
    })
    .workers(workers)
    .bind(("127.0.0.1", port))?;
    let address = server.addrs()[0];
    println!("listening on http://{address}");
    server.run().await
}
