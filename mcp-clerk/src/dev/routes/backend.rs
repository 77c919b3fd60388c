//! The Backend API's users, organizations and memberships, in Clerk's
//! response shapes, authenticated with the emulator's secret key:
//!
//! - `GET /v1/users/{user_id}`: a Clerk `user` object;
//! - `GET /v1/users/{user_id}/organization_memberships`: the user's memberships;
//! - `GET /v1/organizations/{org_id}`: a Clerk `organization` object (with
//!   `members_count`);
//! - `GET /v1/organizations/{org_id}/memberships`: its memberships (`limit`,
//!   `offset`, `user_id` filters);
//! - `PATCH /v1/organizations/{org_id}/memberships/{user_id}` `{"role"}` and
//!   `DELETE …/memberships/{user_id}`: change a member's role, remove a member;
//!   both answer the membership (404 when the user is not a member).

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::dev::directory::{DevDirectory, DevOrganization, DevUser, Membership};
use crate::dev::state::Shared;
use crate::dev::util::secret_eq;

pub(crate) fn clerk_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"errors": [{"code": code, "message": message, "long_message": message}]})),
    )
        .into_response()
}

fn not_found(what: &str) -> Response {
    clerk_error(
        StatusCode::NOT_FOUND,
        "resource_not_found",
        &format!("{what} not found"),
    )
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

fn user_json(user: &DevUser, at: u64) -> Value {
    let email_id = format!("idn_{}", user.id.trim_start_matches("user_"));
    json!({
        "object": "user",
        "id": user.id,
        "external_id": null,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "username": user.username,
        "image_url": user.image_url,
        "has_image": user.image_url.is_some(),
        "primary_email_address_id": user.email.as_ref().map(|_| email_id.clone()),
        "primary_phone_number_id": null,
        "email_addresses": user.email.iter().map(|e| json!({
            "object": "email_address", "id": email_id, "email_address": e,
            "verification": {"status": "verified", "strategy": "email_code"},
            "linked_to": [],
        })).collect::<Vec<_>>(),
        "phone_numbers": [],
        "public_metadata": user.public_metadata,
        "private_metadata": {},
        "unsafe_metadata": {},
        "banned": false,
        "locked": false,
        "last_sign_in_at": null,
        "created_at": at,
        "updated_at": at,
    })
}

fn organization_json(org: &DevOrganization, at: u64) -> Value {
    json!({
        "object": "organization",
        "id": org.id,
        "name": org.name,
        "slug": org.slug,
        "image_url": null,
        "has_image": false,
        "members_count": org.members.len(),
        "max_allowed_memberships": 0,
        "admin_delete_enabled": true,
        "public_metadata": {},
        "private_metadata": {},
        "created_at": at,
        "updated_at": at,
    })
}

fn membership_json(user: &DevUser, m: &Membership<'_>, at: u64) -> Value {
    let org = m.organization;
    json!({
        "object": "organization_membership",
        "id": format!("orgmem_{}_{}", org.id.trim_start_matches("org_"), user.id.trim_start_matches("user_")),
        "role": m.role,
        "role_name": m.role.trim_start_matches("org:"),
        "permissions": m.permissions,
        "public_metadata": {},
        "private_metadata": {},
        "organization": organization_json(org, at),
        "public_user_data": {
            "user_id": user.id,
            "identifier": user.email.clone().unwrap_or_else(|| user.id.clone()),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "image_url": user.image_url,
            "has_image": user.image_url.is_some(),
        },
        "created_at": at,
        "updated_at": at,
    })
}

/// The membership of `user_id` in `org_id` as JSON, if there is one.
fn one_membership(dir: &DevDirectory, org_id: &str, user_id: &str, at: u64) -> Option<Value> {
    let user = dir.find_user(user_id)?;
    dir.membership(user_id, org_id)
        .map(|m| membership_json(user, &m, at))
}

#[derive(Debug, Deserialize)]
pub(crate) struct Page {
    limit: Option<usize>,
    offset: Option<usize>,
    user_id: Option<String>,
}

impl Page {
    fn apply(&self, all: Vec<Value>) -> Response {
        let limit = self.limit.unwrap_or(10).clamp(1, 500);
        let offset = self.offset.unwrap_or(0);
        let total = all.len();
        let data: Vec<Value> = all.into_iter().skip(offset).take(limit).collect();
        Json(json!({"data": data, "total_count": total})).into_response()
    }
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
    let dir = shared.directory();
    let Some(user) = dir.find_user(&user_id) else {
        return not_found("User");
    };
    let all = dir
        .memberships(&user.id)
        .iter()
        .map(|m| membership_json(user, m, shared.started_ms))
        .collect();
    page.apply(all)
}

pub(crate) async fn user(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(resp) = authorized(&shared, &headers) {
        return *resp;
    }
    match shared.directory().find_user(&user_id) {
        Some(user) => Json(user_json(user, shared.started_ms)).into_response(),
        None => not_found("User"),
    }
}

pub(crate) async fn organization(
    State(shared): State<Arc<Shared>>,
    Path(org_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(resp) = authorized(&shared, &headers) {
        return *resp;
    }
    match shared.directory().find_organization(&org_id) {
        Some(org) => Json(organization_json(org, shared.started_ms)).into_response(),
        None => not_found("Organization"),
    }
}

pub(crate) async fn members(
    State(shared): State<Arc<Shared>>,
    Path(org_id): Path<String>,
    headers: HeaderMap,
    Query(page): Query<Page>,
) -> Response {
    if let Err(resp) = authorized(&shared, &headers) {
        return *resp;
    }
    let dir = shared.directory();
    let Some(org) = dir.find_organization(&org_id) else {
        return not_found("Organization");
    };
    let all = org
        .members
        .iter()
        .filter(|m| page.user_id.as_ref().is_none_or(|u| *u == m.user_id))
        .filter_map(|m| one_membership(&dir, &org_id, &m.user_id, shared.started_ms))
        .collect();
    page.apply(all)
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RoleBody {
    #[serde(default)]
    role: Option<String>,
}

pub(crate) async fn update_member(
    State(shared): State<Arc<Shared>>,
    Path((org_id, user_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Json<RoleBody>, JsonRejection>,
) -> Response {
    if let Err(resp) = authorized(&shared, &headers) {
        return *resp;
    }
    let role = match body {
        Ok(Json(RoleBody { role: Some(role) })) if !role.trim().is_empty() => role,
        _ => {
            return clerk_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "form_param_missing",
                "role must be given",
            );
        }
    };
    let mut dir = shared.directory_mut();
    if dir.set_role(&org_id, &user_id, role.trim()).is_err() {
        return not_found("Organization membership");
    }
    match one_membership(&dir, &org_id, &user_id, shared.started_ms) {
        Some(m) => Json(m).into_response(),
        None => not_found("Organization membership"),
    }
}

pub(crate) async fn delete_member(
    State(shared): State<Arc<Shared>>,
    Path((org_id, user_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(resp) = authorized(&shared, &headers) {
        return *resp;
    }
    let mut dir = shared.directory_mut();
    let Some(before) = one_membership(&dir, &org_id, &user_id, shared.started_ms) else {
        return not_found("Organization membership");
    };
    match dir.remove_member(&org_id, &user_id) {
        Ok(()) => Json(before).into_response(),
        Err(_) => not_found("Organization membership"),
    }
}
