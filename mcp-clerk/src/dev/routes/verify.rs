//! The Backend API's verify, create and revoke endpoints for opaque
//! credentials, in Clerk's shapes, all authenticated with the secret key:
//!
//! - `POST /v1/oauth_applications/access_tokens/verify` `{"access_token"}` (or
//!   the deprecated `{"secret"}`): an `oat_…` token, or a JWT access token
//!   (`{"active": false}` once it is invalid or expired);
//! - `POST /v1/m2m_tokens/verify` `{"token"}` (`mt_…` or the JWT form),
//!   `POST /v1/api_keys/verify` `{"secret"}`;
//! - `POST /v1/m2m_tokens` `{"machine_id", "scopes", "claims",
//!   "seconds_until_expiration", "token_format"}` (Clerk authenticates this one
//!   with the machine's own secret key; the emulator takes the instance key
//!   and a `machine_id`), `POST /v1/api_keys` `{"subject", "name", "scopes",
//!   "claims", "seconds_until_expiration"}`;
//! - `POST /v1/m2m_tokens/{id}/revoke`, `POST /v1/api_keys/{id}/revoke`
//!   `{"revocation_reason"}`.
//!
//! A 404 is Clerk's answer for a credential it does not know.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::backend::{authorized, clerk_error};
use super::userinfo;
use crate::dev::opaque::NewGrant;
use crate::dev::state::Shared;
use crate::token::OpaqueKind;

/// The longest lifetime a created credential may ask for (10 years).
const MAX_TTL_SECS: u64 = 10 * 365 * 86_400;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct VerifyBody {
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    secret: Option<String>,
}

fn not_found() -> Response {
    clerk_error(StatusCode::NOT_FOUND, "resource_not_found", "Not found")
}

fn unprocessable(message: &str) -> Response {
    clerk_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "form_param_invalid",
        message,
    )
}

/// Clerk's verify answer for a valid, unrevoked JWT (times in milliseconds).
fn live_jwt_answer(id: &str, subject: &str, scopes: &str, iat: u64, exp: u64) -> Value {
    json!({
        "id": id,
        "subject": subject,
        "scopes": scopes.split_whitespace().collect::<Vec<_>>(),
        "revoked": false,
        "revocation_reason": null,
        "expired": false,
        "expiration": exp * 1000,
        "created_at": iat * 1000,
        "updated_at": iat * 1000,
    })
}

/// The request's body, once the secret key is checked: what every Backend
/// API route here starts with.
fn admitted<T: Default>(
    shared: &Shared,
    headers: &HeaderMap,
    body: Result<Json<T>, JsonRejection>,
) -> Result<T, Box<Response>> {
    authorized(shared, headers)?;
    body_of(body)
}

fn body_of<T: Default>(body: Result<Json<T>, JsonRejection>) -> Result<T, Box<Response>> {
    body.map(|Json(b)| b).map_err(|e| {
        Box::new(clerk_error(
            StatusCode::BAD_REQUEST,
            "request_body_invalid",
            &e.body_text(),
        ))
    })
}

/// The stored opaque credential of `kind` behind `secret`, as Clerk reports it.
fn stored(shared: &Shared, kind: OpaqueKind, secret: &str) -> Response {
    let store = shared.store();
    match store.opaque.get(secret).filter(|g| g.kind == kind) {
        Some(g) => {
            let mut body = g.to_json();
            if store.revoked.contains(&g.id) {
                body["revoked"] = true.into();
                body["revocation_reason"] = "revoked".into();
            }
            Json(body).into_response()
        }
        None => not_found(),
    }
}

pub(crate) async fn oauth_access_token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Result<Json<VerifyBody>, JsonRejection>,
) -> Response {
    let body = match admitted(&shared, &headers, body) {
        Ok(b) => b,
        Err(resp) => return *resp,
    };
    let Some(token) = body.access_token.or(body.secret) else {
        return unprocessable("access_token is required");
    };
    if !token.contains('.') {
        return stored(&shared, OpaqueKind::OAuth, &token);
    }
    match userinfo::verify(&shared, &token) {
        Some(c) => {
            let mut body = live_jwt_answer(&c.jti, &c.sub, &c.scope, c.iat, c.exp);
            body["object"] = "clerk_idp_oauth_access_token".into();
            body["client_id"] = c.client_id.into();
            Json(body).into_response()
        }
        None => Json(json!({"active": false})).into_response(),
    }
}

#[derive(Deserialize)]
struct M2mClaims {
    sub: String,
    jti: String,
    #[serde(default)]
    scopes: String,
    iat: u64,
    exp: u64,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

pub(crate) async fn m2m_token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Result<Json<VerifyBody>, JsonRejection>,
) -> Response {
    let body = match admitted(&shared, &headers, body) {
        Ok(b) => b,
        Err(resp) => return *resp,
    };
    let Some(token) = body.token.or(body.secret) else {
        return unprocessable("token is required");
    };
    if !token.contains('.') {
        return stored(&shared, OpaqueKind::M2M, &token);
    }
    let jwk = shared.minter.key().jwk();
    let (Some(n), Some(e)) = (jwk["n"].as_str(), jwk["e"].as_str()) else {
        return not_found();
    };
    let Ok(key) = DecodingKey::from_rsa_components(n, e) else {
        return not_found();
    };
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    validation.set_issuer(&[&shared.settings.issuer]);
    match jsonwebtoken::decode::<M2mClaims>(&token, &key, &validation) {
        Ok(t) if t.claims.sub.starts_with("mch_") => {
            let c = t.claims;
            let mut claims = c.rest;
            for k in ["iss", "nbf"] {
                claims.remove(k);
            }
            let mut body = live_jwt_answer(&c.jti, &c.sub, &c.scopes, c.iat, c.exp);
            body["object"] = "machine_to_machine_token".into();
            body["claims"] = Value::Object(claims);
            Json(body).into_response()
        }
        _ => not_found(),
    }
}

pub(crate) async fn api_key(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Result<Json<VerifyBody>, JsonRejection>,
) -> Response {
    let body = match admitted(&shared, &headers, body) {
        Ok(b) => b,
        Err(resp) => return *resp,
    };
    match body.secret {
        Some(secret) => stored(&shared, OpaqueKind::ApiKey, &secret),
        None => unprocessable("secret is required"),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CreateBody {
    #[serde(default)]
    machine_id: Option<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    claims: Option<Map<String, Value>>,
    #[serde(default)]
    seconds_until_expiration: Option<u64>,
    #[serde(default)]
    token_format: Option<String>,
}

fn ttl_of(body: &CreateBody, default: Option<u64>) -> Option<Duration> {
    body.seconds_until_expiration
        .or(default)
        .map(|s| Duration::from_secs(s.clamp(1, MAX_TTL_SECS)))
}

pub(crate) async fn create_m2m_token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Result<Json<CreateBody>, JsonRejection>,
) -> Response {
    let body = match admitted(&shared, &headers, body) {
        Ok(b) => b,
        Err(resp) => return *resp,
    };
    let Some(machine) = body.machine_id.clone().filter(|m| m.starts_with("mch_")) else {
        return unprocessable("machine_id must name a machine (mch_…)");
    };
    let ttl = ttl_of(&body, Some(3600)).unwrap_or(Duration::from_secs(3600));
    let claims = body.claims.clone().unwrap_or_default();
    if body.token_format.as_deref() == Some("jwt") {
        let token = shared.m2m_jwt(&machine, &body.scopes, ttl, &claims);
        return Json(json!({
            "object": "machine_to_machine_token",
            "subject": machine,
            "scopes": body.scopes,
            "claims": claims,
            "token": token,
        }))
        .into_response();
    }
    let issued = shared.issue_opaque(NewGrant {
        kind: OpaqueKind::M2M,
        subject: machine,
        client_id: None,
        org_id: None,
        scopes: body.scopes,
        claims,
        name: None,
        ttl: Some(ttl),
    });
    created(issued, "token")
}

pub(crate) async fn create_api_key(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Result<Json<CreateBody>, JsonRejection>,
) -> Response {
    let body = match admitted(&shared, &headers, body) {
        Ok(b) => b,
        Err(resp) => return *resp,
    };
    let subject = body
        .subject
        .clone()
        .filter(|s| ["user_", "org_", "mch_"].iter().any(|p| s.starts_with(p)));
    let Some(subject) = subject else {
        return unprocessable("subject must be a user_, org_ or mch_ id");
    };
    let issued = shared.issue_opaque(NewGrant {
        kind: OpaqueKind::ApiKey,
        subject,
        client_id: None,
        org_id: None,
        ttl: ttl_of(&body, None),
        scopes: body.scopes,
        claims: body.claims.unwrap_or_default(),
        name: Some(body.name.unwrap_or_else(|| "dev key".into())),
    });
    created(issued, "secret")
}

fn created(
    issued: Result<(String, crate::dev::opaque::Grant), crate::dev::DevError>,
    field: &str,
) -> Response {
    match issued {
        Ok((secret, grant)) => {
            let mut body = grant.to_json();
            body[field] = secret.into();
            Json(body).into_response()
        }
        Err(_) => clerk_error(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "the emulator holds as many credentials as it may",
        ),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RevokeBody {
    #[serde(default)]
    revocation_reason: Option<String>,
}

fn revoke(
    shared: &Shared,
    headers: &HeaderMap,
    kind: OpaqueKind,
    id: &str,
    body: Result<Json<RevokeBody>, JsonRejection>,
) -> Response {
    if let Err(resp) = authorized(shared, headers) {
        return *resp;
    }
    let reason = body
        .ok()
        .and_then(|Json(b)| b.revocation_reason)
        .unwrap_or_else(|| "revoked".into());
    match shared.store().opaque.revoke_id(kind, id, &reason) {
        Some(g) => Json(g.to_json()).into_response(),
        None => not_found(),
    }
}

pub(crate) async fn revoke_m2m_token(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<RevokeBody>, JsonRejection>,
) -> Response {
    revoke(&shared, &headers, OpaqueKind::M2M, &id, body)
}

pub(crate) async fn revoke_api_key(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<RevokeBody>, JsonRejection>,
) -> Response {
    revoke(&shared, &headers, OpaqueKind::ApiKey, &id, body)
}
