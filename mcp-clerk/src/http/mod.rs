//! The OAuth resource-server side of HTTP: discovery documents, challenges,
//! CORS and the gate in front of rmcp's Streamable HTTP service.
//!
//! [`McpServer`](crate::McpServer) assembles all of it; the types here are
//! public for servers that want to build challenges or metadata themselves.
//!
//! Routes added next to the MCP route (merge the router into your app at the
//! root, do not nest it, so the well-known paths stay at the origin):
//!
//! | path | what |
//! |---|---|
//! | `/.well-known/oauth-protected-resource` and `…/oauth-protected-resource/<mcp path>` | RFC 9728 metadata |
//! | `/.well-known/oauth-authorization-server`, `/.well-known/openid-configuration` | cached mirror of Clerk's metadata, for older clients |

mod as_mirror;
mod challenge;
mod cors;
mod enrich;
pub(crate) mod gate;
mod metadata;
mod origin;
mod peek;
pub(crate) mod resource;
mod session;
pub(crate) mod strict;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;

pub use challenge::{Challenge, ChallengeError};
pub use metadata::ProtectedResourceMetadata;

pub(crate) use origin::{HostPolicy, OriginPolicy, default_hosts};
pub use session::SessionLimits;
pub use session::{
    ANONYMOUS_OWNER, OwnerCheck, SharedSessionStore, StoreError, StoreEvent, StoreFuture,
};
#[cfg(feature = "redis")]
pub use session::{REDIS_URL_VAR, RedisSessionStore};
pub(crate) use session::{SessionRegistry, StoreBook};

use as_mirror::{Mirror, OAUTH_AS_PATH, OIDC_PATH};
use metadata::{MetadataState, metadata_route};
use resource::{PRM_WELL_KNOWN, ResourceInfo};

/// The CORS layer of the MCP route.
pub(crate) fn mcp_cors(origins: Arc<OriginPolicy>) -> tower_http::cors::CorsLayer {
    cors::mcp_cors(origins)
}

/// What the discovery routes serve.
pub(crate) struct Discovery<'a> {
    pub(crate) resource: ResourceInfo,
    pub(crate) mcp_path: &'a str,
    pub(crate) issuer: &'a str,
    pub(crate) scopes: &'a [String],
    pub(crate) resource_name: Option<&'a str>,
    pub(crate) resource_documentation: Option<&'a str>,
    pub(crate) upstream_timeout: Duration,
}

/// The well-known routes: PRM (root and path-suffixed) and the AS mirror.
pub(crate) fn discovery_router(d: Discovery<'_>) -> Router {
    let mut paths = vec![PRM_WELL_KNOWN.to_owned()];
    for suffix in [d.resource.public_path(), d.mcp_path] {
        let p = format!("{PRM_WELL_KNOWN}{suffix}");
        if !suffix.is_empty() && suffix != "/" && !paths.contains(&p) {
            paths.push(p);
        }
    }
    let state = Arc::new(MetadataState::new(
        d.resource,
        d.issuer,
        d.scopes,
        d.resource_name,
        d.resource_documentation,
    ));
    let mut router = Router::new();
    for p in &paths {
        router = router.route(p, metadata_route(state.clone()));
    }
    for path in [OAUTH_AS_PATH, OIDC_PATH] {
        let mirror = Arc::new(Mirror::new(d.issuer, path, d.upstream_timeout));
        router = router.route(path, as_mirror::mirror_route(mirror));
    }
    router.layer(cors::metadata_cors())
}
