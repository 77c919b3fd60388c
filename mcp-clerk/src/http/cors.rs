//! CORS for browser-based MCP clients.
//!
//! - Metadata documents: any origin (`*`), GET/HEAD/OPTIONS, and the
//!   `MCP-Protocol-Version` header (the TypeScript SDK sends it on discovery).
//! - The MCP route: origins from the same allow-list the gate enforces; any
//!   request header (`Mcp-Param-*` names are dynamic); `WWW-Authenticate`,
//!   `Mcp-Session-Id` and `MCP-Protocol-Version` exposed so a browser client
//!   can read the challenge and its session.

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderName, Method, header};
use tower_http::cors::{AllowHeaders, AllowOrigin, Any, CorsLayer};

use super::origin::OriginPolicy;

const MCP_PROTOCOL_VERSION: HeaderName = HeaderName::from_static("mcp-protocol-version");
const MCP_SESSION_ID: HeaderName = HeaderName::from_static("mcp-session-id");

/// CORS for the well-known metadata documents.
pub(crate) fn metadata_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
        .allow_headers([
            MCP_PROTOCOL_VERSION,
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
        ])
        .max_age(Duration::from_secs(86_400))
}

/// CORS for the MCP route.
pub(crate) fn mcp_cors(origins: Arc<OriginPolicy>) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, _| {
            origins.allows(origin.as_bytes())
        }))
        .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([
            header::WWW_AUTHENTICATE,
            MCP_SESSION_ID,
            MCP_PROTOCOL_VERSION,
        ])
        .max_age(Duration::from_secs(3600))
}
