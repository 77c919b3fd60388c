//! `POST /oauth/token_info` (RFC 7662 introspection, client credentials) and
//! `POST /oauth/token/revoke` (RFC 7009), as Clerk's Frontend API has them.

use std::sync::Arc;

use axum::Form;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::token::{TokenForm, authenticate};
use super::userinfo::verify;
use crate::dev::error::OAuthError;
use crate::dev::state::{MAX_ENTRIES, Shared};

fn form_of(form: Result<Form<TokenForm>, FormRejection>) -> Result<TokenForm, OAuthError> {
    form.map(|Form(f)| f)
        .map_err(|e| OAuthError::bad_request("invalid_request", e.body_text()))
}

pub(crate) async fn token_info(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, OAuthError> {
    let form = form_of(form)?;
    authenticate(&shared, &headers, &form)?;
    let token = form
        .token
        .as_deref()
        .ok_or_else(|| OAuthError::bad_request("invalid_request", "missing token"))?;
    let body = match verify(&shared, token) {
        Some(c) => {
            let mut body = json!({
                "active": true,
                "token_type": "access_token",
                "client_id": c.client_id,
                "sub": c.sub,
                "scope": c.scope,
                "iat": c.iat,
                "exp": c.exp,
            });
            if let Some(org) = c.org_id {
                body["org_id"] = org.into();
            }
            body
        }
        None => json!({"active": false}),
    };
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

pub(crate) async fn revoke(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, OAuthError> {
    let form = form_of(form)?;
    let client = authenticate(&shared, &headers, &form)?;
    let token = form
        .token
        .as_deref()
        .ok_or_else(|| OAuthError::bad_request("invalid_request", "missing token"))?;
    let access = verify(&shared, token).filter(|c| c.client_id == client.id);
    let mut store = shared.store();
    if store
        .refresh
        .get(token)
        .is_some_and(|g| g.client_id == client.id)
    {
        store.refresh.remove(token);
    } else if let Some(claims) = access
        && store.revoked.len() < MAX_ENTRIES
    {
        store.revoked.insert(claims.jti);
    }
    // RFC 7009 §2.2: 200 whether or not the token was known.
    Ok(StatusCode::OK.into_response())
}
