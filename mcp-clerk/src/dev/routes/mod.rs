//! The emulator's HTTP surface, shaped like Clerk's Frontend API (and the Backend API's
//! users, organizations, memberships and opaque-credential endpoints).

mod authorize;
mod backend;
mod consent;
mod introspect;
mod metadata;
mod register;
mod token;
mod userinfo;
mod verify;

pub(crate) use userinfo::verify as access_claims;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, patch, post};

use super::state::Shared;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let router = Router::new()
        .route("/.well-known/jwks.json", get(metadata::jwks))
        .route(
            "/.well-known/oauth-authorization-server",
            get(metadata::authorization_server),
        )
        .route(
            "/.well-known/openid-configuration",
            get(metadata::openid_configuration),
        )
        .route("/oauth/register", post(register::register))
        .route(
            "/oauth/authorize",
            get(authorize::authorize_get).post(authorize::authorize_post),
        )
        .route("/oauth/token", post(token::token))
        .route("/oauth/token_info", post(introspect::token_info))
        .route("/oauth/token/revoke", post(introspect::revoke))
        .route(
            "/oauth/userinfo",
            get(userinfo::userinfo).post(userinfo::userinfo),
        )
        .route(
            "/v1/users/{user_id}/organization_memberships",
            get(backend::organization_memberships),
        )
        .route("/v1/users/{user_id}", get(backend::user))
        .route("/v1/organizations/{org_id}", get(backend::organization))
        .route(
            "/v1/organizations/{org_id}/memberships",
            get(backend::members),
        )
        .route(
            "/v1/organizations/{org_id}/memberships/{user_id}",
            patch(backend::update_member).delete(backend::delete_member),
        )
        .route(
            "/v1/oauth_applications/access_tokens/verify",
            post(verify::oauth_access_token),
        )
        .route("/v1/m2m_tokens/verify", post(verify::m2m_token))
        .route("/v1/api_keys/verify", post(verify::api_key))
        .route("/v1/m2m_tokens", post(verify::create_m2m_token))
        .route("/v1/api_keys", post(verify::create_api_key))
        .route("/v1/m2m_tokens/{id}/revoke", post(verify::revoke_m2m_token))
        .route("/v1/api_keys/{id}/revoke", post(verify::revoke_api_key));
    shared.requests.record(router).with_state(shared)
}
