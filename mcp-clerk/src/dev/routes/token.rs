//! `POST /oauth/token`: `authorization_code` (PKCE S256, redirect URI and
//! client checks, single-use codes) and `refresh_token` grants.

use std::sync::Arc;

use axum::Form;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::json;

use crate::dev::DevTokenFormat;
use crate::dev::error::OAuthError;
use crate::dev::mint::AccessGrant;
use crate::dev::state::{CODE_TTL_SECS, Client, RefreshGrant, Shared, Store};
use crate::dev::util::{
    now, pkce_s256_matches, secret, secret_eq, split_scopes, valid_pkce_string,
};
use crate::policy::ORG_SCOPE;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct TokenForm {
    pub(crate) token: Option<String>,
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    refresh_token: Option<String>,
    scope: Option<String>,
    resource: Option<String>,
}

fn invalid_grant(msg: &str) -> OAuthError {
    OAuthError::bad_request("invalid_grant", msg)
}

fn form_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// `client_secret_basic` credentials from the `Authorization` header.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || OAuthError::invalid_client("malformed Basic credentials");
    let value = value.to_str().map_err(|_| bad())?;
    let Some((scheme, rest)) = value.split_once(' ') else {
        return Err(bad());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(bad());
    }
    let decoded = STANDARD.decode(rest.trim()).map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    Ok(Some((form_decode(id), form_decode(secret))))
}

pub(crate) fn authenticate(
    shared: &Shared,
    headers: &HeaderMap,
    form: &TokenForm,
) -> Result<Client, OAuthError> {
    let basic = basic_credentials(headers)?;
    let (client_id, presented) = match (&basic, form.client_id.as_deref()) {
        (Some((id, _)), Some(form_id)) if id != form_id => {
            return Err(OAuthError::invalid_client(
                "client_id differs from the Basic credentials",
            ));
        }
        (Some((id, secret)), _) => (id.clone(), Some(secret.clone())),
        (None, Some(id)) => (id.to_owned(), form.client_secret.clone()),
        (None, None) => return Err(OAuthError::invalid_client("missing client authentication")),
    };
    let client = shared
        .store()
        .clients
        .get(&client_id)
        .cloned()
        .ok_or_else(|| OAuthError::invalid_client("unknown client"))?;
    if let Some(expected) = &client.secret {
        match presented.as_deref() {
            Some(p) if secret_eq(p, expected) => {}
            _ => return Err(OAuthError::invalid_client("client authentication failed")),
        }
    }
    Ok(client)
}

pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, OAuthError> {
    let Form(form) = form.map_err(|e| OAuthError::bad_request("invalid_request", e.body_text()))?;
    let client = authenticate(&shared, &headers, &form)?;
    let body = match form.grant_type.as_deref() {
        Some("authorization_code") => authorization_code(&shared, &client, &form)?,
        Some("refresh_token") => refresh(&shared, &client, &form)?,
        Some(other) => {
            return Err(OAuthError::bad_request(
                "unsupported_grant_type",
                format!("unsupported grant_type `{other}`"),
            ));
        }
        None => {
            return Err(OAuthError::bad_request(
                "invalid_request",
                "missing grant_type",
            ));
        }
    };
    Ok((
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        Json(body),
    )
        .into_response())
}

fn authorization_code(
    shared: &Shared,
    client: &Client,
    form: &TokenForm,
) -> Result<serde_json::Value, OAuthError> {
    let code = form
        .code
        .as_deref()
        .ok_or_else(|| OAuthError::bad_request("invalid_request", "missing code"))?;
    // Single use: the code is gone whatever happens next.
    let approval = shared
        .store()
        .codes
        .remove(code)
        .ok_or_else(|| invalid_grant("unknown, used or expired authorization code"))?;
    let req = &approval.request;
    if req.client_id != client.id {
        return Err(invalid_grant("the code was issued to another client"));
    }
    if now() > req.created + CODE_TTL_SECS {
        return Err(invalid_grant("the authorization code expired"));
    }
    match form.redirect_uri.as_deref() {
        Some(uri) if uri == req.redirect_uri => {}
        None if client.redirect_uris.len() == 1 => {}
        _ => {
            return Err(invalid_grant(
                "redirect_uri does not match the authorization request",
            ));
        }
    }
    let verifier = form
        .code_verifier
        .as_deref()
        .ok_or_else(|| invalid_grant("missing code_verifier (PKCE is required)"))?;
    if !valid_pkce_string(verifier) || !pkce_s256_matches(verifier, &req.code_challenge) {
        return Err(invalid_grant("PKCE verification failed"));
    }
    let resource = match (form.resource.as_deref(), req.resource.as_deref()) {
        (Some(a), Some(b)) if a != b => {
            return Err(OAuthError::bad_request(
                "invalid_target",
                "resource differs from the authorization request",
            ));
        }
        (a, b) => a.or(b).map(str::to_owned),
    };
    let mut body = issue(
        shared,
        client,
        &approval.user_id,
        approval.org_id.clone(),
        req.scopes.clone(),
        resource.clone(),
    )?;
    if req.scopes.iter().any(|s| s == "openid")
        && let Some(user) = shared.directory().find_user(&approval.user_id)
    {
        body["id_token"] = shared
            .minter
            .id_token(
                user,
                &client.id,
                req.nonce.as_deref(),
                &req.scopes,
                shared.settings.access_ttl_secs,
            )
            .into();
    }
    let wants_refresh = shared.settings.issue_refresh_tokens
        && req.scopes.iter().any(|s| s == "offline_access")
        && client.grant_types.iter().any(|g| g == "refresh_token");
    if wants_refresh {
        let refresh_token = secret();
        let mut store = shared.store();
        if Store::has_room(store.refresh.len()) {
            store.refresh.insert(
                refresh_token.clone(),
                RefreshGrant {
                    client_id: client.id.clone(),
                    user_id: approval.user_id.clone(),
                    org_id: approval.org_id.clone(),
                    scopes: req.scopes.clone(),
                    resource,
                },
            );
            body["refresh_token"] = refresh_token.into();
        }
    }
    tracing::info!(client_id = %client.id, user = %approval.user_id, scope = %req.scopes.join(" "), "dev clerk: issued access token");
    Ok(body)
}

fn refresh(
    shared: &Shared,
    client: &Client,
    form: &TokenForm,
) -> Result<serde_json::Value, OAuthError> {
    let token = form
        .refresh_token
        .as_deref()
        .ok_or_else(|| OAuthError::bad_request("invalid_request", "missing refresh_token"))?;
    let grant = shared
        .store()
        .refresh
        .get(token)
        .cloned()
        .ok_or_else(|| invalid_grant("unknown refresh token"))?;
    if grant.client_id != client.id {
        return Err(invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    let scopes = match form.scope.as_deref().map(split_scopes) {
        Some(s) if !s.is_empty() => {
            if let Some(extra) = s.iter().find(|s| !grant.scopes.contains(s)) {
                return Err(OAuthError::bad_request(
                    "invalid_scope",
                    format!("scope '{extra}' was not granted to this refresh token"),
                ));
            }
            s
        }
        _ => grant.scopes.clone(),
    };
    let resource = form.resource.clone().or(grant.resource.clone());
    let mut body = issue(
        shared,
        client,
        &grant.user_id,
        grant.org_id.clone(),
        scopes,
        resource,
    )?;
    body["refresh_token"] = token.into();
    Ok(body)
}

fn issue(
    shared: &Shared,
    client: &Client,
    user_id: &str,
    org_id: Option<String>,
    scopes: Vec<String>,
    resource: Option<String>,
) -> Result<serde_json::Value, OAuthError> {
    let ttl = shared.settings.access_ttl_secs;
    // As at Clerk: `org_id` only while `user:org:read` is granted. A refresh
    // that narrows the scopes drops the organization with the scope.
    let org_id = org_id.filter(|_| scopes.iter().any(|s| s == ORG_SCOPE));
    let grant = AccessGrant {
        user_id: user_id.to_owned(),
        client_id: client.id.clone(),
        org_id,
        audience: resource.filter(|_| shared.settings.audience_from_resource),
        ttl_secs: ttl,
        scopes,
    };
    let access_token = match shared.settings.token_format {
        DevTokenFormat::Opaque => shared.issue_opaque_access_token(&grant).map_err(|_| {
            OAuthError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "the emulator cannot issue more tokens",
            )
        })?,
        _ => shared.minter.access_token(&grant),
    };
    Ok(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": ttl,
        "scope": grant.scopes.join(" "),
    }))
}
