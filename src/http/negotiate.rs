//! Content negotiation on `Accept`: which of the two GraphQL response media types to use.

use super::error::HttpError;

/// The response media types of the GraphQL-over-HTTP specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    /// `application/graphql-response+json`: request errors get 4xx and no `data`.
    GraphqlResponseJson,
    /// `application/json`: the legacy type; every well-formed request gets 200.
    Json,
}

impl ResponseType {
    pub fn content_type(self) -> &'static str {
        match self {
            ResponseType::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            ResponseType::Json => "application/json; charset=utf-8",
        }
    }
}

/// Picks the response type from an `Accept` header: the highest `q` wins; between equals,
/// `application/graphql-response+json`; a missing header, `*/*` or `application/*` mean
/// `application/json`, as the specification advises for clients that do not say.
pub fn negotiate(accept: Option<&str>) -> Result<ResponseType, HttpError> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Ok(ResponseType::Json);
    };
    let mut best: Option<(f32, u8, ResponseType)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let (rank, ty) = match media.as_str() {
            "application/graphql-response+json" => (2, ResponseType::GraphqlResponseJson),
            "application/json" => (1, ResponseType::Json),
            "*/*" | "application/*" => (0, ResponseType::Json),
            _ => continue,
        };
        if q <= 0.0 {
            continue;
        }
        if best.is_none_or(|(bq, brank, _)| q > bq || (q == bq && rank > brank)) {
            best = Some((q, rank, ty));
        }
    }
    best.map(|(_, _, ty)| ty)
        .ok_or_else(|| HttpError::NotAcceptable(accept.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(accept: Option<&str>, expected: Result<ResponseType, ()>) {
        assert_eq!(
            negotiate(accept).map_err(|_| ()),
            expected,
            "Accept: {accept:?}"
        );
    }

    #[test]
    fn picks_the_media_type_the_client_prefers() {
        use ResponseType::*;
        check(None, Ok(Json));
        check(Some(""), Ok(Json));
        check(Some("*/*"), Ok(Json));
        check(Some("application/json"), Ok(Json));
        check(
            Some("application/graphql-response+json"),
            Ok(GraphqlResponseJson),
        );
        check(
            Some("application/json, application/graphql-response+json"),
            Ok(GraphqlResponseJson),
        );
        check(
            Some("application/graphql-response+json;q=0.5, application/json"),
            Ok(Json),
        );
        check(
            Some("application/graphql-response+json, application/json;q=0.9"),
            Ok(GraphqlResponseJson),
        );
        check(Some("text/html, */*;q=0.8"), Ok(Json));
        check(Some("text/html"), Err(()));
        check(Some("application/json;q=0"), Err(()));
    }
}
