//! `POST /oauth/register`: RFC 7591 dynamic client registration, with
//! Clerk's defaults (confidential `client_secret_basic` clients unless
//! `token_endpoint_auth_method: none`; default scopes when `scope` is absent).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::dev::error::OAuthError;
use crate::dev::state::{Client, Shared, Store};
use crate::dev::util::{client_id, now, secret, split_scopes};

#[derive(Debug, Deserialize)]
pub(crate) struct RegisterRequest {
    #[serde(default)]
    redirect_uris: Vec<String>,
    client_name: Option<String>,
    scope: Option<String>,
    grant_types: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
    token_endpoint_auth_method: Option<String>,
}

fn metadata_error(msg: impl Into<String>) -> OAuthError {
    OAuthError::bad_request("invalid_client_metadata", msg)
}

/// Redirect URIs must be absolute, without fragment; `http` only on loopback
/// hosts (native-app custom schemes such as `cursor://` are allowed).
pub(crate) fn check_redirect_uri(uri: &str) -> Result<(), OAuthError> {
    let bad =
        |why: &str| OAuthError::bad_request("invalid_redirect_uri", format!("{why}: {uri:?}"));
    let parsed = url::Url::parse(uri).map_err(|_| bad("not an absolute URL"))?;
    if parsed.fragment().is_some() {
        return Err(bad("redirect URIs must not have a fragment"));
    }
    match parsed.scheme() {
        "https" => Ok(()),
        "http" => match parsed.host() {
            Some(url::Host::Domain("localhost")) => Ok(()),
            Some(url::Host::Ipv4(ip)) if ip.is_loopback() => Ok(()),
            Some(url::Host::Ipv6(ip)) if ip.is_loopback() => Ok(()),
            _ => Err(bad("http redirect URIs must point at a loopback host")),
        },
        "javascript" | "data" | "file" => Err(bad("scheme not allowed")),
        _ => Ok(()),
    }
}

pub(crate) async fn register(
    State(shared): State<Arc<Shared>>,
    body: Result<Json<RegisterRequest>, JsonRejection>,
) -> Result<Response, OAuthError> {
    let Json(req) = body
        .map_err(|e| metadata_error(format!("invalid registration request: {}", e.body_text())))?;
    if req.redirect_uris.is_empty() {
        return Err(OAuthError::bad_request(
            "invalid_redirect_uri",
            "redirect_uris must list at least one URI",
        ));
    }
    if req.redirect_uris.len() > 20 {
        return Err(metadata_error("at most 20 redirect_uris"));
    }
    for uri in &req.redirect_uris {
        check_redirect_uri(uri)?;
    }
    let auth_method = req
        .token_endpoint_auth_method
        .clone()
        .unwrap_or_else(|| "client_secret_basic".to_owned());
    if !matches!(
        auth_method.as_str(),
        "none" | "client_secret_basic" | "client_secret_post"
    ) {
        return Err(metadata_error(format!(
            "unsupported token_endpoint_auth_method `{auth_method}`"
        )));
    }
    let grant_types = req
        .grant_types
        .clone()
        .unwrap_or_else(|| vec!["authorization_code".to_owned(), "refresh_token".to_owned()]);
    if let Some(g) = grant_types
        .iter()
        .find(|g| !matches!(g.as_str(), "authorization_code" | "refresh_token"))
    {
        return Err(metadata_error(format!("unsupported grant type `{g}`")));
    }
    if let Some(rt) = &req.response_types
        && rt.iter().any(|r| r != "code")
    {
        return Err(metadata_error("only the `code` response type is supported"));
    }
    let scopes = match req.scope.as_deref().map(split_scopes) {
        Some(scopes) if !scopes.is_empty() => {
            if let Some(s) = scopes
                .iter()
                .find(|s| !shared.settings.scopes_supported.contains(s))
            {
                return Err(metadata_error(format!("unknown scope `{s}`")));
            }
            scopes
        }
        _ => shared.settings.default_scopes.clone(),
    };
    let client = Client {
        id: client_id(),
        secret: (auth_method != "none").then(secret),
        name: req.client_name.clone().filter(|n| !n.trim().is_empty()),
        redirect_uris: req.redirect_uris.clone(),
        scopes,
        auth_method,
        grant_types,
        issued_at: now(),
    };
    {
        let mut store = shared.store();
        if !Store::has_room(store.clients.len()) {
            return Err(OAuthError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "too many registered clients; restart the dev emulator",
            ));
        }
        store.clients.insert(client.id.clone(), client.clone());
    }
    tracing::info!(client_id = %client.id, name = ?client.name, "dev clerk: registered client");
    let mut body = json!({
        "client_id": client.id,
        "client_id_issued_at": client.issued_at,
        "redirect_uris": client.redirect_uris,
        "grant_types": client.grant_types,
        "response_types": ["code"],
        "token_endpoint_auth_method": client.auth_method,
        "scope": client.scopes.join(" "),
    });
    if let Some(name) = &client.name {
        body["client_name"] = name.as_str().into();
    }
    if let Some(secret) = &client.secret {
        body["client_secret"] = secret.as_str().into();
        body["client_secret_expires_at"] = 0.into();
    }
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(body),
    )
        .into_response())
}
