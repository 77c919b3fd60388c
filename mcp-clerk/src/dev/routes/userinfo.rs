//! `GET|POST /oauth/userinfo`: the user behind an access token the emulator
//! issued, with the fields Clerk returns for the granted scopes.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::json;

use crate::dev::state::Shared;
use crate::policy::ORG_SCOPE;

/// The claims of an access token the emulator issued.
#[derive(Deserialize)]
pub(crate) struct AccessClaims {
    pub(crate) sub: String,
    #[serde(default)]
    pub(crate) scope: String,
    #[serde(default)]
    pub(crate) org_id: Option<String>,
    #[serde(default)]
    pub(crate) client_id: String,
    #[serde(default)]
    pub(crate) jti: String,
    #[serde(default)]
    pub(crate) iat: u64,
    pub(crate) exp: u64,
}

fn unauthorized(description: &str) -> Response {
    let challenge = format!("Bearer error=\"invalid_token\", error_description=\"{description}\"");
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, challenge)],
        Json(json!({"error": "invalid_token", "error_description": description})),
    )
        .into_response()
}

/// Verifies an access token this emulator issued: an opaque `oat_…` token it
/// holds (not expired, not revoked), or a JWT it signed (signature, `typ`,
/// `iss`, `exp`, not revoked).
pub(crate) fn verify(shared: &Shared, token: &str) -> Option<AccessClaims> {
    if token.starts_with("oat_") {
        let store = shared.store();
        let g = store
            .opaque
            .get(token)
            .filter(|g| g.kind == crate::token::OpaqueKind::OAuth)?;
        if g.expired() || g.revocation_reason.is_some() || store.revoked.contains(&g.id) {
            return None;
        }
        return Some(AccessClaims {
            sub: g.subject.clone(),
            scope: g.scopes.join(" "),
            org_id: g.org_id.clone(),
            client_id: g.client_id.clone().unwrap_or_default(),
            jti: g.id.clone(),
            iat: g.created,
            exp: g.expiration.unwrap_or(u64::MAX),
        });
    }
    let header = jsonwebtoken::decode_header(token).ok()?;
    if header.typ.as_deref() != Some("at+jwt") {
        return None;
    }
    let jwk = shared.minter.key().jwk();
    let key = DecodingKey::from_rsa_components(jwk["n"].as_str()?, jwk["e"].as_str()?).ok()?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    validation.set_issuer(&[&shared.settings.issuer]);
    validation.leeway = 5;
    let claims = jsonwebtoken::decode::<AccessClaims>(token, &key, &validation)
        .ok()?
        .claims;
    (!shared.store().revoked.contains(&claims.jti)).then_some(claims)
}

pub(crate) async fn userinfo(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let Ok(Some(token)) = crate::token::bearer_token(&headers) else {
        return unauthorized("missing bearer token");
    };
    let Some(claims) = verify(&shared, token) else {
        return unauthorized("the access token is invalid or expired");
    };
    let directory = shared.directory();
    let Some(user) = directory.find_user(&claims.sub) else {
        return unauthorized("the user no longer exists");
    };
    let scopes: Vec<&str> = claims.scope.split(' ').collect();
    let mut body = json!({
        "object": "oauth_user_info",
        "instance_id": shared.settings.instance_id,
        "user_id": user.id,
        "sub": user.id,
    });
    user.add_standard_claims(&scopes, &mut body);
    if scopes.contains(&"profile") {
        if let Some(v) = &user.username {
            body["username"] = v.as_str().into();
        }
        body["picture"] = "".into();
    }
    if scopes.contains(&ORG_SCOPE)
        && let Some(org) = claims
            .org_id
            .as_deref()
            .and_then(|id| directory.find_organization(id))
    {
        body["org_id"] = org.id.as_str().into();
        body["org_name"] = org.name.as_str().into();
        body["org_slug"] = org.slug.as_str().into();
    }
    ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}
