//! `GET|POST /oauth/authorize`: validates the request (registered client and
//! redirect URI, PKCE S256, scopes within the client's registration), then
//! shows the consent page or, with auto-consent, approves at once.

use std::sync::Arc;

use axum::Form;
use axum::extract::Query;
use axum::extract::State;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::consent::{consent_page, error_page, unknown_client_page};
use crate::dev::state::{Approval, AuthRequest, Client, Shared, Store};
use crate::dev::util::{now, secret, split_scopes, valid_pkce_string};
use crate::policy::ORG_SCOPE;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AuthorizeParams {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    resource: Option<String>,
    nonce: Option<String>,
    prompt: Option<String>,
    // consent form fields (POST)
    request_id: Option<String>,
    user_id: Option<String>,
    org_id: Option<String>,
    decision: Option<String>,
}

fn html_error(status: StatusCode, message: &str) -> Response {
    (status, no_store(), Html(error_page(message))).into_response()
}

fn no_store() -> [(header::HeaderName, &'static str); 1] {
    [(header::CACHE_CONTROL, "no-store")]
}

/// The client's redirect URI with `params` (+ `state`, `iss`) appended.
fn redirect_with(
    shared: &Shared,
    redirect_uri: &str,
    state: Option<&str>,
    params: &[(&str, &str)],
    status: StatusCode,
) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return html_error(StatusCode::BAD_REQUEST, "invalid redirect_uri");
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
        if let Some(state) = state {
            q.append_pair("state", state);
        }
        q.append_pair("iss", &shared.settings.issuer);
    }
    (status, [(header::LOCATION, url.to_string())], no_store()).into_response()
}

fn redirect_error(
    shared: &Shared,
    redirect_uri: &str,
    state: Option<&str>,
    error: &str,
    description: &str,
) -> Response {
    tracing::info!(
        error,
        description,
        "dev clerk: authorization request refused"
    );
    redirect_with(
        shared,
        redirect_uri,
        state,
        &[("error", error), ("error_description", description)],
        StatusCode::FOUND,
    )
}

/// RFC 8252 §7.3: loopback IP redirect URIs match on any port.
fn redirect_matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    let (Ok(a), Ok(b)) = (url::Url::parse(registered), url::Url::parse(requested)) else {
        return false;
    };
    let loopback_ip = |u: &url::Url| match u.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    };
    a.scheme() == "http"
        && b.scheme() == "http"
        && loopback_ip(&a)
        && a.host() == b.host()
        && a.path() == b.path()
        && a.query() == b.query()
}

pub(crate) async fn authorize_get(
    State(shared): State<Arc<Shared>>,
    params: Result<Query<AuthorizeParams>, QueryRejection>,
) -> Response {
    match params {
        Ok(Query(p)) => start(&shared, p),
        Err(e) => html_error(StatusCode::BAD_REQUEST, &e.body_text()),
    }
}

pub(crate) async fn authorize_post(
    State(shared): State<Arc<Shared>>,
    form: Result<Form<AuthorizeParams>, FormRejection>,
) -> Response {
    match form {
        Ok(Form(p)) if p.request_id.is_some() => decide(&shared, p),
        Ok(Form(p)) => start(&shared, p),
        Err(e) => html_error(StatusCode::BAD_REQUEST, &e.body_text()),
    }
}

/// Validates a new authorization request.
fn start(shared: &Shared, p: AuthorizeParams) -> Response {
    let Some(client_id) = p.client_id.as_deref().filter(|c| !c.is_empty()) else {
        return html_error(StatusCode::BAD_REQUEST, "missing client_id");
    };
    let Some(client) = shared.store().clients.get(client_id).cloned() else {
        tracing::warn!(
            client_id,
            "dev clerk: authorization request from an unknown client (registered with an earlier run?)"
        );
        return (
            StatusCode::BAD_REQUEST,
            no_store(),
            Html(unknown_client_page(client_id)),
        )
            .into_response();
    };
    let redirect_uri = match p.redirect_uri.as_deref() {
        Some(uri)
            if client
                .redirect_uris
                .iter()
                .any(|r| redirect_matches(r, uri)) =>
        {
            uri.to_owned()
        }
        Some(_) => {
            return html_error(
                StatusCode::BAD_REQUEST,
                "redirect_uri does not match any URI registered for this client",
            );
        }
        None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
        None => return html_error(StatusCode::BAD_REQUEST, "missing redirect_uri"),
    };
    let state = p.state.as_deref();
    let fail = |error: &str, description: &str| {
        redirect_error(shared, &redirect_uri, state, error, description)
    };

    if p.response_type.as_deref() != Some("code") {
        return fail("unsupported_response_type", "response_type must be `code`");
    }
    let Some(challenge) = p.code_challenge.as_deref().filter(|c| !c.is_empty()) else {
        return fail(
            "invalid_request",
            "PKCE is required: missing code_challenge",
        );
    };
    if p.code_challenge_method.as_deref() != Some("S256") {
        return fail("invalid_request", "code_challenge_method must be S256");
    }
    if !valid_pkce_string(challenge) {
        return fail("invalid_request", "malformed code_challenge");
    }
    let scopes = match p.scope.as_deref().map(split_scopes) {
        Some(s) if !s.is_empty() => s,
        _ => client.scopes.clone(),
    };
    if let Some(s) = scopes.iter().find(|s| !client.scopes.contains(s)) {
        return fail(
            "invalid_scope",
            &format!("The OAuth 2.0 Client is not allowed to request scope '{s}'."),
        );
    }
    if let Some(resource) = p.resource.as_deref() {
        let ok = url::Url::parse(resource).is_ok_and(|u| u.fragment().is_none());
        if !ok {
            return fail(
                "invalid_target",
                "resource must be an absolute URI without fragment",
            );
        }
    }
    let request = AuthRequest {
        client_id: client.id.clone(),
        redirect_uri: redirect_uri.clone(),
        state: p.state.clone(),
        scopes,
        code_challenge: challenge.to_owned(),
        resource: p.resource.clone(),
        nonce: p.nonce.clone(),
        created: now(),
    };
    if let Some(auto) = &shared.settings.auto_consent {
        let user = auto
            .user
            .clone()
            .or_else(|| shared.directory().users.first().map(|u| u.id.clone()));
        let Some(user) = user else {
            return fail(
                "server_error",
                "the dev emulator has no users to sign in as",
            );
        };
        let org = if request.scopes.iter().any(|s| s == ORG_SCOPE) {
            auto.org.clone().or_else(|| {
                shared
                    .directory()
                    .memberships(&user)
                    .first()
                    .map(|m| m.organization.id.clone())
            })
        } else {
            None
        };
        tracing::info!(client_id = %client.id, user = %user, org = ?org, "dev clerk: auto-consent");
        return approve(shared, request, user, org, StatusCode::FOUND);
    }
    if p.prompt.as_deref() == Some("none") {
        return fail("consent_required", "interactive consent is required");
    }
    let request_id = secret();
    let page = consent_page(&request_id, &client, &request, &shared.directory(), None);
    {
        let mut store = shared.store();
        store.prune();
        if !Store::has_room(store.pending.len()) {
            return fail(
                "temporarily_unavailable",
                "too many pending authorization requests",
            );
        }
        store.pending.insert(request_id, request);
    }
    (StatusCode::OK, no_store(), Html(page)).into_response()
}

/// Handles the consent form.
fn decide(shared: &Shared, p: AuthorizeParams) -> Response {
    let request_id = p.request_id.unwrap_or_default();
    let Some(request) = shared.store().pending.remove(&request_id) else {
        return html_error(
            StatusCode::BAD_REQUEST,
            "this authorization request expired or was already answered; start again from the client",
        );
    };
    if p.decision.as_deref() != Some("allow") {
        return redirect_error(
            shared,
            &request.redirect_uri,
            request.state.as_deref(),
            "access_denied",
            "the user denied the request",
        );
    }
    let reshow = |shared: &Shared, request: AuthRequest, msg: &str| -> Response {
        let client: Option<Client> = shared.store().clients.get(&request.client_id).cloned();
        let Some(client) = client else {
            return html_error(StatusCode::BAD_REQUEST, "unknown client");
        };
        let id = secret();
        let page = consent_page(&id, &client, &request, &shared.directory(), Some(msg));
        shared.store().pending.insert(id, request);
        (StatusCode::BAD_REQUEST, no_store(), Html(page)).into_response()
    };
    let user_id = p.user_id.unwrap_or_default();
    if shared.directory().find_user(&user_id).is_none() {
        return reshow(shared, request, "choose a user");
    }
    let org_id = p.org_id.filter(|o| !o.is_empty());
    if let Some(org) = &org_id {
        if !request.scopes.iter().any(|s| s == ORG_SCOPE) {
            return reshow(
                shared,
                request,
                "the client did not ask for organization access",
            );
        }
        if shared.directory().membership(&user_id, org).is_none() {
            return reshow(
                shared,
                request,
                "that user is not a member of that organization",
            );
        }
    }
    approve(shared, request, user_id, org_id, StatusCode::SEE_OTHER)
}

fn approve(
    shared: &Shared,
    request: AuthRequest,
    user_id: String,
    org_id: Option<String>,
    status: StatusCode,
) -> Response {
    let code = secret();
    let redirect_uri = request.redirect_uri.clone();
    let state = request.state.clone();
    {
        let mut store = shared.store();
        store.prune();
        if !Store::has_room(store.codes.len()) {
            drop(store);
            return redirect_error(
                shared,
                &redirect_uri,
                state.as_deref(),
                "temporarily_unavailable",
                "too many outstanding authorization codes",
            );
        }
        store.codes.insert(
            code.clone(),
            Approval {
                request: AuthRequest {
                    created: now(),
                    ..request
                },
                user_id,
                org_id,
            },
        );
    }
    redirect_with(
        shared,
        &redirect_uri,
        state.as_deref(),
        &[("code", &code)],
        status,
    )
}

#[cfg(test)]
mod tests {
    use super::redirect_matches;

    #[test]
    fn loopback_redirects_match_on_any_port_only() {
        assert!(redirect_matches(
            "http://127.0.0.1:1/cb",
            "http://127.0.0.1:5555/cb"
        ));
        assert!(!redirect_matches(
            "http://127.0.0.1:1/cb",
            "http://127.0.0.1:5555/other"
        ));
        assert!(!redirect_matches(
            "https://a.example/cb",
            "https://a.example:444/cb"
        ));
        assert!(!redirect_matches(
            "http://localhost:1/cb",
            "http://localhost:2/cb"
        ));
        assert!(redirect_matches("cursor://cb", "cursor://cb"));
    }
}
