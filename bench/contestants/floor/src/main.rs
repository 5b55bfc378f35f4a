//! F0, the HTTP floor: a minimal actix-web server that answers `POST /graphql` with the
//! exact response bytes precomputed for each benchmark request body. Nothing can answer
//! these requests faster over HTTP; every other contestant is measured against it.
//!
//! `wic-gql-bench-floor --port PORT --answers DIR [--workers N]`: DIR holds pairs
//! `NAME.request.json` (the exact request body) and `NAME.response.json` (the body to send).
//! A query whose variables change on every request (Q5) has one pair per variable set
//! (`q5-00`, `q5-01`, ...): the floor picks the answer matching the variables by looking up
//! the whole body, without parsing it, which is the least a server can do to tell them apart.

use std::collections::HashMap;
use std::path::PathBuf;

use actix_web::http::header::ContentType;
use actix_web::{web, App, HttpResponse, HttpServer};

struct Answers(HashMap<web::Bytes, web::Bytes>);

async fn graphql(answers: web::Data<Answers>, body: web::Bytes) -> HttpResponse {
    match answers.0.get(&body) {
        Some(response) => HttpResponse::Ok()
            .insert_header(ContentType::json())
            .body(response.clone()),
        None => HttpResponse::NotFound().finish(),
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn load(dir: &PathBuf) -> std::io::Result<HashMap<web::Bytes, web::Bytes>> {
    let mut answers = HashMap::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if let Some(stem) = name.strip_suffix(".request.json") {
            let request = std::fs::read(&path)?;
            let response = std::fs::read(dir.join(format!("{stem}.response.json")))?;
            answers.insert(request.into(), response.into());
        }
    }
    Ok(answers)
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
    let dir = PathBuf::from(arg(&args, "--answers").expect("--answers DIR is required"));
    let answers = web::Data::new(Answers(load(&dir)?));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(answers.clone())
            .route("/graphql", web::post().to(graphql))
    })
    .workers(workers)
    .bind(("127.0.0.1", port))?;
    let address = server.addrs()[0];
    println!("listening on http://{address}");
    server.run().await
}
