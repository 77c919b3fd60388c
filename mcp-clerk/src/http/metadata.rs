//! RFC 9728 protected resource metadata (PRM).
//!
//! Served at `/.well-known/oauth-protected-resource` and at
//! `/.well-known/oauth-protected-resource/<mcp path>` (clients probe the
//! path-suffixed URL first, then the root; some only probe the root), for GET
//! and HEAD, with `Access-Control-Allow-Origin: *`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use serde::Serialize;

use super::resource::{ResourceInfo, ensure_host};

/// The RFC 9728 document for one MCP endpoint.
///
/// ```
/// use mcp_clerk::http::ProtectedResourceMetadata;
///
/// let doc = ProtectedResourceMetadata::new(
///     "https://mcp.example.com/mcp",
///     "https://clerk.example.com",
/// )
/// .scopes_supported(["email", "profile"])
/// .resource_name("Projects");
/// let json = serde_json::to_value(&doc).unwrap();
/// assert_eq!(json["authorization_servers"][0], "https://clerk.example.com");
/// assert_eq!(json["bearer_methods_supported"][0], "header");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtectedResourceMetadata {
    resource: String,
    authorization_servers: Vec<String>,
    scopes_supported: Vec<String>,
    bearer_methods_supported: [&'static str; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_documentation: Option<String>,
}

impl ProtectedResourceMetadata {
    /// A document for `resource` (the exact MCP URL) protected by `issuer`.
    pub fn new(resource: impl Into<String>, issuer: impl Into<String>) -> Self {
        Self {
            resource: resource.into(),
            authorization_servers: vec![issuer.into()],
            scopes_supported: Vec::new(),
            bearer_methods_supported: ["header"],
            resource_name: None,
            resource_documentation: None,
        }
    }

    /// Sets `scopes_supported`.
    pub fn scopes_supported<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes_supported = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `resource_name` (shown by clients on consent screens).
    pub fn resource_name(mut self, name: impl Into<String>) -> Self {
        self.resource_name = Some(name.into());
        self
    }

    /// Sets `resource_documentation` (a URL).
    pub fn resource_documentation(mut self, url: impl Into<String>) -> Self {
        self.resource_documentation = Some(url.into());
        self
    }

    /// The `resource` value.
    pub fn resource(&self) -> &str {
        &self.resource
    }
}

/// What the metadata handler needs.
#[derive(Debug)]
pub(crate) struct MetadataState {
    resource: ResourceInfo,
    /// The document with an empty `resource`, filled in per request when derived.
    template: ProtectedResourceMetadata,
    /// The serialised document when the resource URL is configured.
    fixed: Option<Bytes>,
}

impl MetadataState {
    pub(crate) fn new(
        resource: ResourceInfo,
        issuer: &str,
        scopes: &[String],
        name: Option<&str>,
        documentation: Option<&str>,
    ) -> Self {
        let mut template = ProtectedResourceMetadata::new(String::new(), issuer)
            .scopes_supported(scopes.iter().cloned());
        template.resource_name = name.map(str::to_owned);
        template.resource_documentation = documentation.map(str::to_owned);
        let fixed = resource.configured().map(|r| {
            let mut doc = template.clone();
            doc.resource = r.resource.clone();
            Bytes::from(serde_json::to_vec(&doc).unwrap_or_default())
        });
        Self {
            resource,
            template,
            fixed,
        }
    }

    fn document(&self, headers: &HeaderMap) -> Option<Bytes> {
        if let Some(fixed) = &self.fixed {
            return Some(fixed.clone());
        }
        let resolved = self.resource.resolve(headers)?;
        let mut doc = self.template.clone();
        doc.resource = resolved.resource.clone();
        serde_json::to_vec(&doc).ok().map(Bytes::from)
    }
}

async fn serve_metadata(
    State(state): State<Arc<MetadataState>>,
    uri: Uri,
    mut headers: HeaderMap,
) -> Response {
    ensure_host(&uri, &mut headers);
    match state.document(&headers) {
        Some(body) => json_document(body),
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({
                "error": "resource_url_not_configured",
                "error_description": "this server has no configured resource URL; set \
                    MCP_CLERK_RESOURCE_URL (metadata is derived from the Host header only \
                    for loopback hosts)",
            })),
        )
            .into_response(),
    }
}

async fn no_content() -> StatusCode {
    StatusCode::NO_CONTENT
}

async fn method_not_allowed() -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        [(
            header::ALLOW,
            HeaderValue::from_static("GET, HEAD, OPTIONS"),
        )],
    )
        .into_response()
}

/// A discovery document: JSON, cacheable for an hour.
pub(super) fn json_document(body: Bytes) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}

/// The method rules every discovery document shares: GET and HEAD go to
/// `get`, OPTIONS answers 204, anything else 405 with `Allow`.
pub(super) fn document_methods<S>(get: MethodRouter<S>) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    get.options(no_content).fallback(method_not_allowed)
}

/// GET/HEAD serve the document, OPTIONS answers 204, anything else 405 with `Allow`.
pub(crate) fn metadata_route(state: Arc<MetadataState>) -> MethodRouter {
    document_methods(get(serve_metadata)).with_state(state)
}
