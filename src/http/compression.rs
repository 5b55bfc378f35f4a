//! Response compression, for the bodies worth compressing.
//!
//! actix-web's `Compress` starts a brotli or gzip stream for every response a client
//! accepts compressed — the 31 bytes of `{ __typename }` too — and wraps and re-parses the
//! ones it leaves alone. Starting a stream costs far more than sending a small body as it
//! is: with `Accept-Encoding: gzip, deflate, br` a one-event query ran at 0.4× the
//! throughput of the same query without it (bench/results/optimizations.md). This
//! middleware negotiates with actix's own `AcceptEncoding` and compresses with its own
//! `Encoder`, but only textual bodies of at least [`MIN_COMPRESSED_BYTES`].

use actix_http::encoding::Encoder;
use actix_web::body::{BodySize, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, AcceptEncoding, ContentEncoding, Encoding, Header};
use actix_web::middleware::Next;

/// Smaller bodies go out as they are: they fit a packet or two whatever their encoding.
pub const MIN_COMPRESSED_BYTES: u64 = 1024;

/// The encodings this build can produce; the client's quality values pick among them.
const SUPPORTED: [Encoding; 5] = [
    Encoding::identity(),
    Encoding::brotli(),
    Encoding::gzip(),
    Encoding::deflate(),
    Encoding::zstd(),
];

/// `actix_web::middleware::from_fn(compress)`.
pub async fn compress<B: MessageBody>(
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<Encoder<B>, B>>, actix_web::Error> {
    let encoding = negotiated(&request);
    let response = next.call(request).await?;
    Ok(
        response.map_body(|head, body| match (encoding, body.size()) {
            (Some(encoding), BodySize::Sized(size))
                if size >= MIN_COMPRESSED_BYTES
                    && is_textual(head.headers.get(header::CONTENT_TYPE)) =>
            {
                // Adds `Content-Encoding` and `Vary: accept-encoding`.
                EitherBody::left(Encoder::response(encoding, head, body))
            }
            _ => EitherBody::right(body),
        }),
    )
}

/// The best encoding the client accepts other than identity; `None` when it sent no
/// `Accept-Encoding` or accepts nothing we offer (the body then goes out unencoded).
fn negotiated(request: &ServiceRequest) -> Option<ContentEncoding> {
    if !request.headers().contains_key(header::ACCEPT_ENCODING) {
        return None;
    }
    let accepted = AcceptEncoding::parse(request).ok()?;
    match accepted.negotiate(SUPPORTED.iter())? {
        Encoding::Known(ContentEncoding::Identity) => None,
        Encoding::Known(encoding) => Some(encoding),
        _ => None,
    }
}

/// JSON, HTML, JavaScript, CSS, SVG: compressible. Fonts and images already are.
fn is_textual(content_type: Option<&header::HeaderValue>) -> bool {
    let Some(essence) = content_type
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
    else {
        return false;
    };
    let essence = essence.trim().to_ascii_lowercase();
    essence.starts_with("text/")
        || essence.ends_with("json")
        || essence.ends_with("javascript")
        || essence.ends_with("xml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_textual_types_are_compressed() {
        let is = |v: &'static str| is_textual(Some(&header::HeaderValue::from_static(v)));
        assert!(is("application/json"));
        assert!(is("application/graphql-response+json; charset=utf-8"));
        assert!(is("text/html; charset=utf-8"));
        assert!(is("text/css"));
        assert!(is("application/javascript"));
        assert!(is("image/svg+xml"));
        assert!(!is("font/woff2"));
        assert!(!is("image/png"));
        assert!(!is_textual(None));
    }
}
