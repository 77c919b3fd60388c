//! A cached mirror of the issuer's authorization-server metadata at the
//! resource origin, for clients older than 2025-06-18 that look for
//! `/.well-known/oauth-authorization-server` (RFC 8414) or
//! `/.well-known/openid-configuration` on the MCP server itself.
//!
//! The document is fetched from the issuer on first use and kept for a TTL
//! (one hour). A failed fetch answers 502 with a JSON error and is remembered
//! only briefly (five seconds), so a Clerk outage is not hammered and not
//! prolonged. One fetch runs at a time per document.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use bytes::Bytes;
use http::{StatusCode, header};
use tokio::sync::Mutex;

use super::metadata::{document_methods, json_document};

/// The RFC 8414 path.
pub(crate) const OAUTH_AS_PATH: &str = "/.well-known/oauth-authorization-server";
/// The OpenID Connect discovery path.
pub(crate) const OIDC_PATH: &str = "/.well-known/openid-configuration";

/// How long a fetched document is served.
pub(crate) const MIRROR_TTL: Duration = Duration::from_secs(3600);
/// How long a failed fetch is remembered.
pub(crate) const FAILURE_TTL: Duration = Duration::from_secs(5);
/// Largest document accepted from the issuer.
const MAX_DOCUMENT: usize = 256 * 1024;

#[derive(Debug, Clone)]
enum Entry {
    Empty,
    Fresh { body: Bytes, until: Instant },
    Failed { reason: String, until: Instant },
}

/// One mirrored document.
#[derive(Debug)]
pub(crate) struct Mirror {
    upstream: String,
    client: reqwest::Client,
    ttl: Duration,
    failure_ttl: Duration,
    entry: Mutex<Entry>,
}

impl Mirror {
    /// Mirrors `{issuer}{path}`.
    pub(crate) fn new(issuer: &str, path: &str, timeout: Duration) -> Self {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            upstream: format!("{}{path}", issuer.trim_end_matches('/')),
            client,
            ttl: MIRROR_TTL,
            failure_ttl: FAILURE_TTL,
            entry: Mutex::new(Entry::Empty),
        }
    }

    async fn fetch(&self) -> Result<Bytes, String> {
        let response = self
            .client
            .get(&self.upstream)
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    "timed out".to_owned()
                } else {
                    "connection failed".to_owned()
                }
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("status {}", status.as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|l| l > MAX_DOCUMENT as u64)
        {
            return Err("document too large".to_owned());
        }
        let body = response
            .bytes()
            .await
            .map_err(|_| "body read failed".to_owned())?;
        if body.len() > MAX_DOCUMENT {
            return Err("document too large".to_owned());
        }
        // Must be a JSON object; it is served verbatim.
        match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(serde_json::Value::Object(_)) => Ok(body),
            _ => Err("not a JSON object".to_owned()),
        }
    }

    /// The document, from cache or freshly fetched.
    pub(crate) async fn get(&self) -> Result<Bytes, String> {
        let mut entry = self.entry.lock().await;
        let now = Instant::now();
        match &*entry {
            Entry::Fresh { body, until } if *until > now => return Ok(body.clone()),
            Entry::Failed { reason, until } if *until > now => return Err(reason.clone()),
            _ => {}
        }
        match self.fetch().await {
            Ok(body) => {
                *entry = Entry::Fresh {
                    body: body.clone(),
                    until: Instant::now() + self.ttl,
                };
                Ok(body)
            }
            Err(reason) => {
                tracing::warn!(upstream = %self.upstream, %reason, "authorization server metadata fetch failed");
                *entry = Entry::Failed {
                    reason: reason.clone(),
                    until: Instant::now() + self.failure_ttl,
                };
                Err(reason)
            }
        }
    }
}

async fn serve_mirror(State(mirror): State<Arc<Mirror>>) -> Response {
    match mirror.get().await {
        Ok(body) => json_document(body),
        Err(reason) => (
            StatusCode::BAD_GATEWAY,
            axum::Json(serde_json::json!({
                "error": "upstream_unavailable",
                "error_description": format!(
                    "could not fetch the authorization server metadata from the issuer ({reason})"
                ),
            })),
        )
            .into_response(),
    }
}

/// GET/HEAD serve the mirrored document, OPTIONS 204, anything else 405.
pub(crate) fn mirror_route(mirror: Arc<Mirror>) -> MethodRouter {
    document_methods(get(serve_mirror)).with_state(mirror)
}
