//! Strict HTTP on the MCP route: the layer just outside the gate.
//!
//! Before anything else, a request is refused with a plain 400 when it is
//! ambiguous about where it is going or where it comes from: more than one
//! `Host` header, more than one `Origin` header, or a request target carrying
//! an authority (absolute-form, or HTTP/2's `:authority`) that names another
//! host than `Host`, or carries userinfo. RFC 9112 §3.2.2 lets the target's
//! authority win and the `Host` be replaced; refusing the disagreement is the
//! strict choice, so no check ever reads one while rmcp reads the other. An
//! authority without `Host` becomes the `Host` ([`super::resource::ensure_host`])
//! and meets the same allow-list.
//!
//! After the gate and rmcp: rmcp 3.11 answers any body it cannot read as a
//! JSON-RPC message with a 415 and serde's message. This layer keeps the
//! body's chunks as they stream past (reference-counted clones of the frames
//! rmcp reads, no copy and no parse) for POSTs whose `Content-Type` is JSON
//! (rmcp's only source of that 415 then), and turns that 415 into JSON-RPC's
//! answer: 400 with `-32700` (not JSON), `-32600` (JSON but not a JSON-RPC
//! message; a batch on a protocol version without batches; an empty batch)
//! or `-32602` (a request of a known method whose params rmcp cannot read).
//! The body is parsed only on that error path, so a valid request pays for no
//! extra parse, and the gate's answers (401 before 400 for anonymous callers
//! on protected servers) are left as they are.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use http_body::Frame;
use serde_json::{Value, json};

/// The first protocol version without JSON-RPC batches.
const NO_BATCHES_SINCE: &str = "2025-06-18";

/// What the layer needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Strict {
    /// The body limit (the gate's and rmcp's); no more is kept.
    pub(crate) max_body: usize,
}

fn bad_request(message: &'static str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        message,
    )
        .into_response()
}

/// The port of an authority, or the scheme's default.
fn port_or_default(authority: &http::uri::Authority, scheme: Option<&str>) -> Option<u16> {
    authority.port_u16().or(match scheme {
        Some(s) if s.eq_ignore_ascii_case("https") => Some(443),
        Some(s) if s.eq_ignore_ascii_case("http") => Some(80),
        _ => None,
    })
}

/// Refuses requests that are ambiguous about their host or origin; the error
/// is the 400's message.
pub(crate) fn check_headers(uri: &http::Uri, headers: &HeaderMap) -> Result<(), &'static str> {
    if headers.get_all(header::HOST).iter().nth(1).is_some() {
        return Err("Bad Request: more than one Host header");
    }
    if headers.get_all(header::ORIGIN).iter().nth(1).is_some() {
        return Err("Bad Request: more than one Origin header");
    }
    let Some(target) = uri.authority() else {
        return Ok(());
    };
    if target.as_str().contains('@') {
        return Err("Bad Request: the request target's authority carries userinfo");
    }
    let Some(host) = headers.get(header::HOST) else {
        return Ok(());
    };
    let scheme = uri.scheme_str();
    let same = super::resource::request_authority(headers).is_some_and(|h| {
        h.host().eq_ignore_ascii_case(target.host())
            && port_or_default(&h, scheme) == port_or_default(target, scheme)
    });
    if !same {
        tracing::debug!(status = 400, host = ?host, "request target and Host disagree");
        return Err("Bad Request: the request target's authority and the Host header disagree");
    }
    Ok(())
}

/// Whether rmcp will try to read this request's body as JSON-RPC (a POST
/// with rmcp's reading of a JSON `Content-Type`).
fn json_post(method: &Method, headers: &HeaderMap) -> bool {
    method == Method::POST
        && headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split_once(';')
                    .map_or(v, |(essence, _)| essence)
                    .trim()
                    .eq_ignore_ascii_case("application/json")
            })
}

/// The chunks of a body seen so far (at most `limit` bytes).
#[derive(Debug, Default)]
struct Seen {
    chunks: Vec<Bytes>,
    len: usize,
    overflow: bool,
}

/// A body that keeps (reference-counted) clones of the frames read from it.
struct Tee {
    inner: Body,
    seen: Arc<Mutex<Seen>>,
    limit: usize,
}

impl http_body::Body for Tee {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let frame = ready!(Pin::new(&mut self.inner).poll_frame(cx));
        if let Some(Ok(frame)) = &frame
            && let Some(data) = frame.data_ref()
        {
            let limit = self.limit;
            let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
            if seen.len.saturating_add(data.len()) > limit {
                seen.overflow = true;
            } else if !seen.overflow {
                seen.len += data.len();
                seen.chunks.push(data.clone());
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// The axum middleware function.
pub(crate) async fn run(State(strict): State<Strict>, request: Request, next: Next) -> Response {
    if let Err(message) = check_headers(request.uri(), request.headers()) {
        return bad_request(message);
    }
    if !json_post(request.method(), request.headers()) {
        return next.run(request).await;
    }
    let version = request
        .headers()
        .get("mcp-protocol-version")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let seen = Arc::new(Mutex::new(Seen::default()));
    let request = request.map(|inner| {
        Body::new(Tee {
            inner,
            seen: seen.clone(),
            limit: strict.max_body,
        })
    });
    let response = next.run(request).await;
    if response.status() != StatusCode::UNSUPPORTED_MEDIA_TYPE {
        return response;
    }
    let seen = std::mem::take(&mut *seen.lock().unwrap_or_else(PoisonError::into_inner));
    if seen.overflow {
        return response;
    }
    let mut body = BytesMut::with_capacity(seen.len);
    for chunk in &seen.chunks {
        body.extend_from_slice(chunk);
    }
    let refusal = classify(&body, version.as_deref());
    tracing::debug!(
        status = 400,
        code = refusal.code,
        "unreadable JSON-RPC body"
    );
    refusal.into_response()
}

/// A JSON-RPC refusal of a body rmcp could not read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Refusal {
    pub(crate) code: i64,
    pub(crate) message: String,
    pub(crate) detail: Option<String>,
    pub(crate) id: Value,
}

impl Refusal {
    fn invalid_request(detail: &str) -> Self {
        Self {
            code: -32600,
            message: "Invalid Request".to_owned(),
            detail: Some(detail.to_owned()),
            id: Value::Null,
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(detail) = self.detail {
            error["data"] = json!({ "detail": detail });
        }
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"jsonrpc": "2.0", "id": self.id, "error": error})),
        )
            .into_response()
    }
}

/// Whether `v` looks like a protocol version (`YYYY-MM-DD`), so it may be echoed.
fn is_version(v: &str) -> bool {
    v.len() == 10
        && v.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

/// The protocol version a batch is judged by: the `MCP-Protocol-Version`
/// header, else an `initialize` element's `params.protocolVersion`, else
/// `2025-03-26` (what the spec says to assume without the header).
fn batch_version<'a>(header: Option<&'a str>, batch: &'a [Value]) -> &'a str {
    header
        .or_else(|| {
            batch.iter().find_map(|m| {
                (m.get("method")?.as_str()? == "initialize")
                    .then(|| m.get("params")?.get("protocolVersion")?.as_str())
                    .flatten()
            })
        })
        .unwrap_or("2025-03-26")
}

/// Why rmcp could not read `body` (a JSON `Content-Type` POST it answered
/// with 415), as JSON-RPC says it. `version` is the `MCP-Protocol-Version`
/// header.
pub(crate) fn classify(body: &[u8], version: Option<&str>) -> Refusal {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Refusal {
                code: -32700,
                message: "Parse error".to_owned(),
                // Syntax and EOF messages name a position, never the input.
                detail: Some(if e.is_syntax() || e.is_eof() {
                    format!("the body is not valid JSON: {e}")
                } else {
                    "the body is not valid JSON".to_owned()
                }),
                id: Value::Null,
            };
        }
    };
    match &value {
        Value::Array(batch) if batch.is_empty() => {
            Refusal::invalid_request("an empty JSON-RPC batch")
        }
        Value::Array(batch) => {
            let v = batch_version(version, batch);
            if !(is_version(v) && v < NO_BATCHES_SINCE) {
                let shown = if is_version(v) { v } else { "this version" };
                return Refusal {
                    code: -32600,
                    message: format!(
                        "Invalid Request: JSON-RPC batches are not supported in protocol version {shown}"
                    ),
                    detail: Some(format!(
                        "batches were removed in {NO_BATCHES_SINCE}; send each message in its own request"
                    )),
                    id: Value::Null,
                };
            }
            // Allowed by the protocol version, but rmcp 3.11 reads one
            // message per request.
            Refusal::invalid_request(
                "this server does not process JSON-RPC batches; send each message in its own request",
            )
        }
        Value::Object(m) => {
            let jsonrpc = m.get("jsonrpc").and_then(Value::as_str) == Some("2.0");
            let id = match m.get("id") {
                None => Some(Value::Null),
                Some(id @ Value::String(_)) => Some(id.clone()),
                Some(id @ Value::Number(n)) if n.is_i64() || n.is_u64() => Some(id.clone()),
                Some(_) => None,
            };
            match (jsonrpc, id, m.get("method").and_then(Value::as_str)) {
                (true, Some(id), Some(_)) => Refusal {
                    code: -32602,
                    message: "Invalid params".to_owned(),
                    detail: Some("the params of this method could not be read".to_owned()),
                    id,
                },
                (false, ..) => Refusal::invalid_request(
                    "not a JSON-RPC 2.0 message (\"jsonrpc\": \"2.0\" is missing)",
                ),
                _ => {
                    Refusal::invalid_request("not a JSON-RPC 2.0 request, notification or response")
                }
            }
        }
        _ => Refusal::invalid_request("a JSON-RPC message is a JSON object"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.append(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        m
    }

    #[test]
    fn duplicate_and_disagreeing_hosts_are_refused() {
        let origin_form: http::Uri = "/mcp".parse().unwrap();
        assert!(check_headers(&origin_form, &h(&[("host", "localhost")])).is_ok());
        for bad in [
            h(&[("host", "localhost"), ("host", "localhost")]),
            h(&[("origin", "http://a"), ("origin", "http://a")]),
        ] {
            assert!(check_headers(&origin_form, &bad).is_err());
        }
        let absolute: http::Uri = "http://127.0.0.1:8080/mcp".parse().unwrap();
        assert!(check_headers(&absolute, &h(&[("host", "127.0.0.1:8080")])).is_ok());
        assert!(check_headers(&absolute, &HeaderMap::new()).is_ok());
        assert!(check_headers(&absolute, &h(&[("host", "evil.example")])).is_err());
        assert!(check_headers(&absolute, &h(&[("host", "127.0.0.1:8081")])).is_err());
        assert!(check_headers(&absolute, &h(&[("host", "x@127.0.0.1:8080")])).is_err());
        let default_port: http::Uri = "http://LOCALHOST/mcp".parse().unwrap();
        assert!(check_headers(&default_port, &h(&[("host", "localhost:80")])).is_ok());
        let userinfo: http::Uri = "http://u@localhost/mcp".parse().unwrap();
        assert!(check_headers(&userinfo, &HeaderMap::new()).is_err());
    }

    #[test]
    fn classifies_what_rmcp_cannot_read() {
        let c = |b: &str, v: Option<&str>| classify(b.as_bytes(), v);
        assert_eq!(c("{", None).code, -32700);
        assert_eq!(c("", None).code, -32700);
        assert_eq!(c("\u{1}", None).code, -32700);
        assert_eq!(c("42", None).code, -32600);
        assert_eq!(c(r#"{"id":1,"method":"ping"}"#, None).code, -32600);
        assert_eq!(
            c(r#"{"jsonrpc":"2.0","id":{},"method":"x"}"#, None).code,
            -32600
        );
        assert_eq!(c("[]", None).code, -32600);
        let r = c(
            r#"{"jsonrpc":"2.0","id":"a","method":"tools/call","params":5}"#,
            None,
        );
        assert_eq!((r.code, r.id), (-32602, json!("a")));
        let batch = r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#;
        for v in ["2025-06-18", "2025-11-25", "2026-07-28", "junk"] {
            let r = c(batch, Some(v));
            assert_eq!(r.code, -32600);
            assert!(
                r.message.contains("not supported in protocol version"),
                "{v}"
            );
            assert!(!r.message.contains("junk"));
        }
        for v in [None, Some("2025-03-26"), Some("2024-11-05")] {
            let r = c(batch, v);
            assert!(!r.message.contains("protocol version"), "{v:?}");
        }
        let init = r#"[{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}]"#;
        assert!(c(init, None).message.contains("2025-11-25"));
    }
}
