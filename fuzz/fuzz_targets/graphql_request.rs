//! Arbitrary bytes POSTed to `/graphql` through the real actix handler, in process: as the
//! raw body, and as the document of a valid JSON body under both response types. Any status
//! is fine; a panic (caught ones included), a 5xx, or a body that is not JSON is a finding.

#![no_main]

use std::sync::{Arc, OnceLock};

use actix_web::rt::{System, SystemRunner};
use actix_web::{test, web, App};
use libfuzzer_sys::fuzz_target;
use wic_gql::config::Settings;
use wic_gql::graph::Graph;
use wic_gql::http::AppState;
use wic_gql::seed::{seed, SeedFiles};
use wic_gql::storage::MemoryStore;

/// A server's state over the embedded seed, seeded once per process.
fn state() -> web::Data<AppState> {
    static STATE: OnceLock<web::Data<AppState>> = OnceLock::new();
    STATE
        .get_or_init(|| {
            let graph = Graph::new(Arc::new(MemoryStore::default()));
            seed(&graph, &SeedFiles::embedded()).expect("the embedded seed data is valid");
            web::Data::new(AppState::new(graph, &Settings::default()).expect("no manifest"))
        })
        .clone()
}

thread_local! {
    /// One current-thread runtime (actix's, a tokio runtime with a local set) per thread.
    static RUNTIME: SystemRunner = System::new();
}

fuzz_target!(|data: &[u8]| {
    let document = String::from_utf8_lossy(data);
    let json = serde_json::json!({ "query": document })
        .to_string()
        .into_bytes();
    RUNTIME.with(|runtime| {
        runtime.block_on(async {
            let app = test::init_service(
                App::new()
                    .app_data(state())
                    .configure(wic_gql::http::routes),
            )
            .await;
            for (body, accept) in [
                (data, None),
                (&json[..], None),
                (&json[..], Some("application/graphql-response+json")),
            ] {
                let mut request = test::TestRequest::post()
                    .uri("/graphql")
                    .insert_header(("content-type", "application/json"));
                if let Some(accept) = accept {
                    request = request.insert_header(("accept", accept));
                }
                let request = request.set_payload(body.to_vec()).to_request();
                let response = test::call_service(&app, request).await;
                let status = response.status();
                let answer = test::read_body(response).await;
                assert!(
                    !status.is_server_error(),
                    "{status} for {:?}: {}",
                    String::from_utf8_lossy(body),
                    String::from_utf8_lossy(&answer)
                );
                assert!(
                    serde_json::from_slice::<serde_json::Value>(&answer).is_ok(),
                    "{status} with a body that is not JSON: {}",
                    String::from_utf8_lossy(&answer)
                );
            }
        })
    });
});
