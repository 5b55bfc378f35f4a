//! The playground at `/`: a page that runs queries against `/graphql` with nothing fetched
//! from elsewhere.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

/// Registers the playground's routes.
pub fn routes(config: &mut web::ServiceConfig) {
    config.route("/", web::get().to(playground));
}

/// The playground page, compiled in.
const PLAYGROUND_HTML: &str = include_str!("playground.html");

/// `GET /`: a self-contained query page (no script or font from elsewhere).
async fn playground() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'"))
        .body(PLAYGROUND_HTML)
}
