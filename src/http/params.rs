//! The GraphQL-over-HTTP request parameters, read from a JSON body (POST) or a query
//! string (GET), with a precise error for every malformed one.

use serde_json::{Map, Value};

use super::error::HttpError;

/// `query`, `operationName`, `variables` and `extensions` of one operation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    /// Absent when a persisted query is sent by hash only.
    pub query: Option<String>,
    pub operation_name: Option<String>,
    pub variables: Option<Map<String, Value>>,
    pub extensions: Option<Map<String, Value>>,
}

/// A POST body: one operation, or (when allowed) a JSON array of at most `max_batch`.
pub fn from_body(body: &[u8], max_batch: usize) -> Result<Vec<Params>, HttpError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(HttpError::EmptyBody);
    }
    let text = std::str::from_utf8(body).map_err(|_| HttpError::NotUtf8)?;
    let value: Value =
        serde_json::from_str(text).map_err(|e| HttpError::MalformedJson(e.to_string()))?;
    match value {
        Value::Object(map) => Ok(vec![from_object(map)?]),
        Value::Array(items) if max_batch == 0 => Err(HttpError::Batching(format!(
            "disabled on this server (got {} operations; send one JSON object per request)",
            items.len()
        ))),
        Value::Array(items) if items.len() > max_batch => Err(HttpError::Batching(format!(
            "limited to {max_batch} operations (got {})",
            items.len()
        ))),
        Value::Array(items) if items.is_empty() => Err(HttpError::Batching(
            "empty (expected at least one operation)".into(),
        )),
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Object(map) => from_object(map),
                other => Err(HttpError::InvalidParameter(format!(
                    "operation {i} of the batch is {} (expected a JSON object)",
                    kind(&other)
                ))),
            })
            .collect(),
        other => Err(HttpError::InvalidParameter(format!(
            "the request body is {} (expected a JSON object with a `query`)",
            kind(&other)
        ))),
    }
}

fn from_object(mut map: Map<String, Value>) -> Result<Params, HttpError> {
    Ok(Params {
        query: string(&mut map, "query")?,
        operation_name: string(&mut map, "operationName")?,
        variables: object(map.remove("variables"), "variables")?,
        extensions: object(map.remove("extensions"), "extensions")?,
    })
}

/// A GET query string: `query`, `operationName`, and `variables`/`extensions` as JSON text.
pub fn from_query_string(pairs: Vec<(String, String)>) -> Result<Params, HttpError> {
    let mut params = Params::default();
    for (key, value) in pairs {
        match key.as_str() {
            "query" => params.query = Some(value),
            "operationName" => params.operation_name = Some(value).filter(|v| !v.is_empty()),
            "variables" | "extensions" => {
                let parsed: Value = serde_json::from_str(&value).map_err(|e| {
                    HttpError::InvalidParameter(format!(
                        "`{key}` is not valid JSON: {e} (expected a JSON object)"
                    ))
                })?;
                let field = if key == "variables" {
                    &mut params.variables
                } else {
                    &mut params.extensions
                };
                *field = object(
                    Some(parsed),
                    if key == "variables" {
                        "variables"
                    } else {
                        "extensions"
                    },
                )?;
            }
            _ => {}
        }
    }
    Ok(params)
}

fn string(map: &mut Map<String, Value>, key: &str) -> Result<Option<String>, HttpError> {
    match map.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(HttpError::InvalidParameter(format!(
            "`{key}` is {} (expected a string)",
            kind(&other)
        ))),
    }
}

fn object(value: Option<Value>, key: &str) -> Result<Option<Map<String, Value>>, HttpError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(other) => Err(HttpError::InvalidParameter(format!(
            "`{key}` is {} (expected a JSON object)",
            kind(&other)
        ))),
    }
}

/// "a string", "an array", ... for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(body: &str, expected: Result<usize, &str>) {
        let got = from_body(body.as_bytes(), 2)
            .map(|ops| ops.len())
            .map_err(|e| e.to_string());
        assert_eq!(
            got.as_ref().map(|n| *n).map_err(String::as_str),
            expected,
            "body {body:?}"
        );
    }

    #[test]
    fn reads_one_operation_and_refuses_malformed_parameters() {
        check(
            r#"{"query":"{ a }","variables":null,"operationName":null,"extensions":{}}"#,
            Ok(1),
        );
        check(r#"[{"query":"{ a }"},{"query":"{ b }"}]"#, Ok(2));
        check(
            r#"[{},{},{}]"#,
            Err("batched requests (a JSON array) are limited to 2 operations (got 3)"),
        );
        check(
            "",
            Err("the request body is empty (expected a JSON object with a `query`)"),
        );
        check(
            r#"{"query":0}"#,
            Err("`query` is a number (expected a string)"),
        );
        check(
            r#"{"query":"{ a }","variables":"x"}"#,
            Err("`variables` is a string (expected a JSON object)"),
        );
        check(
            r#"{"query":"{ a }","operationName":["x"]}"#,
            Err("`operationName` is an array (expected a string)"),
        );
        check(
            r#"{"query":"{ a }","extensions":false}"#,
            Err("`extensions` is a boolean (expected a JSON object)"),
        );
        check(
            "42",
            Err("the request body is a number (expected a JSON object with a `query`)"),
        );
        assert!(matches!(
            from_body(b"{ \"not a JSON", 0),
            Err(HttpError::MalformedJson(_))
        ));
        assert_eq!(from_body(&[0xff, 0xfe], 0), Err(HttpError::NotUtf8));
    }

    #[test]
    fn reads_get_parameters_with_json_variables() {
        let params = from_query_string(vec![
            ("query".into(), "query($s: String!) { a(s: $s) }".into()),
            ("variables".into(), r#"{"s":"x"}"#.into()),
            ("operationName".into(), "".into()),
        ])
        .unwrap();
        assert_eq!(params.variables.unwrap()["s"], "x");
        assert_eq!(params.operation_name, None);
        let error = from_query_string(vec![("variables".into(), "[1]".into())]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`variables` is an array (expected a JSON object)"
        );
    }
}
