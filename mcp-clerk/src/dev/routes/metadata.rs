//! JWKS and discovery documents (RFC 8414 and OpenID Connect Discovery).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::dev::state::Shared;

fn cors_json(value: Value) -> Response {
    (
        [
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Json(value),
    )
        .into_response()
}

pub(crate) async fn jwks(State(shared): State<Arc<Shared>>) -> Response {
    cors_json(json!({ "keys": [shared.minter.key().jwk()] }))
}

/// The RFC 8414 document, with the keys of Clerk's sample (clerk.md §4.1).
pub(crate) fn as_metadata(shared: &Shared) -> Value {
    let iss = &shared.settings.issuer;
    json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/oauth/authorize"),
        "token_endpoint": format!("{iss}/oauth/token"),
        "registration_endpoint": format!("{iss}/oauth/register"),
        "userinfo_endpoint": format!("{iss}/oauth/userinfo"),
        "revocation_endpoint": format!("{iss}/oauth/token/revoke"),
        "introspection_endpoint": format!("{iss}/oauth/token_info"),
        "jwks_uri": format!("{iss}/.well-known/jwks.json"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "scopes_supported": shared.settings.scopes_supported,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "email", "name", "org_id"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "service_documentation": "https://clerk.com/docs",
        "ui_locales_supported": ["en"],
    })
}

pub(crate) async fn authorization_server(State(shared): State<Arc<Shared>>) -> Response {
    cors_json(as_metadata(&shared))
}

pub(crate) async fn openid_configuration(State(shared): State<Arc<Shared>>) -> Response {
    cors_json(as_metadata(&shared))
}
