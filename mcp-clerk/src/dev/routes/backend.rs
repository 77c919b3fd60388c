//! The Backend API endpoints the runtime uses to learn an OAuth caller's
//! organization role and permissions (OAuth tokens carry only `org_id`):
//! `GET /v1/users/{user_id}/organization_memberships` and `GET /v1/users/{user_id}`,
//! authenticated with the emulator's secret key, in Clerk's response shapes.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::dev::directory::{DevUser, Membership};
use crate::dev::state::Shared;
use crate::dev::util::secret_eq;

pub(crate) fn clerk_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"errors": [{"code": code, "message": message, "long_message": message}]})),
    )
        .into_response()
}

pub(crate) fn authorized(shared: &Shared, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    match presented {
        Some(key) if secret_eq(key, &shared.settings.secret_key) => Ok(()),
        _ => Err(Box::new(clerk_error(
            StatusCode::UNAUTHORIZED,
            "authentication_invalid",
            "The provided secret key is invalid.",
        ))),
    }
}

fn user_json(user: &DevUser) -> Value {
    let email_id = format!("idn_{}", user.id.trim_start_matches("user_"));
    json!({
        "object": "user",
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "username": user.username,
        "primary_email_address_id": user.email.as_ref().map(|_| email_id.clone()),
        "email_addresses": user.email.iter().map(|e| json!({
            "object": "email_address", "id": email_id, "email_address": e,
        })).collect::<Vec<_>>(),
        "public_metadata": {},
    })
}

fn membership_json(user: &DevUser, m: &Membership<'_>) -> Value {
    let org = m.organization;
    json!({
        "object": "organization_membership",
        "id": format!("orgmem_{}_{}", org.id.trim_start_matches("org_"), user.id.trim_start_matches("user_")),
        "role": m.role,
        "role_name": m.role.trim_start_matches("org:"),
        "permissions": m.permissions,
        "public_metadata": {},
        "organization": {
            "object": "organization",
            "id": org.id,
            "name": org.name,
            "slug": org.slug,
            "public_metadata": {},
        },
        "public_user_data": {
            "user_id": user.id,
            "identifier": user.email.clone().unwrap_or_else(|| user.id.clone()),
            "first_name": user.first_name,
            "last_name": user.last_name,
        },
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct Page {
    limit: Option<usize>,
    offset: Option<usize>,
}

pub(crate) async fn organization_memberships(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    Query(page): Query<Page>,
) -> Response {
    if let Err(resp) = authorized(&shared, &headers) {
        return *resp;
    }
    let Some(user) = shared.directory.find_user(&user_id) else {
        return clerk_error(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "User not found",
        );
    };
    let all = shared.directory.memberships(&user.id);
    let limit = page.limit.unwrap_or(10).clamp(1, 500);
    let offset = page.offset.unwrap_or(0);
    let data: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(|m| membership_json(user, m))
        .collect();
    Json(json!({"data": data, "total_count": all.len()})).into_response()
}

pub(crate) async fn user(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(resp) = authorized(&shared, &headers) {
        return *resp;
    }
    match shared.directory.find_user(&user_id) {
        Some(user) => Json(user_json(user)).into_response(),
        None => clerk_error(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "User not found",
        ),
    }
}
