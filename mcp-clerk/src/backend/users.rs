//! Users: `GET /v1/users/{user_id}` into a typed [`ClerkUserData`], and a
//! user's organization memberships.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::api::is_clerk_id;
use super::error::BackendError;
use super::handle::Clerk;
use super::memberships::OrgMembership;

/// A Clerk user, as the Backend API reports it (`GET /v1/users/{id}`): the
/// fields a tool usually needs, in Clerk's names. Timestamps are unix
/// milliseconds, as Clerk sends them.
///
/// It serializes to the same names, so a tool can return it as structured
/// output (`Json<ClerkUserData>`). Read it with [`Users::get`]:
///
/// ```
/// # #[cfg(feature = "dev")]
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dev = mcp_clerk::dev::DevClerk::new().start().await?;
/// let clerk = dev.backend();
/// let alice = clerk.users().get("user_alice").await?.expect("Alice exists");
/// assert_eq!(alice.primary_email_address.as_deref(), Some("alice@example.com"));
/// assert_eq!((alice.first_name.as_deref(), alice.username.as_deref()), (Some("Alice"), Some("alice")));
/// assert!(clerk.users().get("user_nobody").await?.is_none());
/// # Ok(()) }
/// # #[cfg(not(feature = "dev"))] fn main() {}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct ClerkUserData {
    /// The user id (`user_…`).
    pub id: String,
    /// The primary email address, if the user has one.
    pub primary_email_address: Option<String>,
    /// Every email address of the user.
    pub email_addresses: Vec<EmailAddress>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Username.
    pub username: Option<String>,
    /// Profile image URL.
    pub image_url: Option<String>,
    /// Public metadata (readable by the frontend too).
    pub public_metadata: Map<String, Value>,
    /// When the user was created (unix ms).
    pub created_at: Option<u64>,
    /// When the user was last updated (unix ms).
    pub updated_at: Option<u64>,
    /// When the user last signed in (unix ms), if ever.
    pub last_sign_in_at: Option<u64>,
}

/// One email address of a [`ClerkUserData`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct EmailAddress {
    /// Clerk's id of the address (`idn_…`).
    pub id: String,
    /// The address.
    pub email_address: String,
    /// Whether Clerk verified it.
    pub verified: bool,
}

/// Clerk's user JSON (the fields read; unknown ones are ignored).
#[derive(Deserialize)]
struct UserJson {
    id: String,
    #[serde(default)]
    primary_email_address_id: Option<String>,
    #[serde(default)]
    email_addresses: Vec<EmailJson>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    image_url: Option<String>,
    #[serde(default)]
    public_metadata: Option<Map<String, Value>>,
    #[serde(default)]
    created_at: Option<u64>,
    #[serde(default)]
    updated_at: Option<u64>,
    #[serde(default)]
    last_sign_in_at: Option<u64>,
}

#[derive(Deserialize)]
struct EmailJson {
    id: String,
    email_address: String,
    #[serde(default)]
    verification: Option<VerificationJson>,
}

#[derive(Deserialize)]
struct VerificationJson {
    #[serde(default)]
    status: Option<String>,
}

impl From<UserJson> for ClerkUserData {
    fn from(u: UserJson) -> Self {
        let primary = u.primary_email_address_id.as_deref().and_then(|id| {
            u.email_addresses
                .iter()
                .find(|e| e.id == id)
                .map(|e| e.email_address.clone())
        });
        Self {
            id: u.id,
            primary_email_address: primary,
            email_addresses: u
                .email_addresses
                .into_iter()
                .map(|e| EmailAddress {
                    verified: e
                        .verification
                        .and_then(|v| v.status)
                        .is_some_and(|s| s == "verified"),
                    id: e.id,
                    email_address: e.email_address,
                })
                .collect(),
            first_name: u.first_name,
            last_name: u.last_name,
            username: u.username,
            image_url: u.image_url,
            public_metadata: u.public_metadata.unwrap_or_default(),
            created_at: u.created_at,
            updated_at: u.updated_at,
            last_sign_in_at: u.last_sign_in_at,
        }
    }
}

/// The users of the instance: [`Clerk::users`].
#[derive(Debug, Clone, Copy)]
pub struct Users<'a> {
    pub(crate) clerk: &'a Clerk,
}

impl Users<'_> {
    /// The user `user_id`, or `None` when Clerk knows no such user (or the id
    /// is not shaped like a Clerk id). Cached per id for the handle's
    /// [`cache_ttl`](Clerk::cache_ttl); concurrent first reads share one
    /// request.
    pub async fn get(&self, user_id: &str) -> Result<Option<ClerkUserData>, BackendError> {
        if !is_clerk_id(user_id) {
            return Ok(None);
        }
        let inner = self.clerk.inner();
        let user = inner
            .users
            .get_or_fetch(user_id, async {
                let json: Option<UserJson> = inner.api.get(&["users", user_id], &[]).await?;
                let user = json.map(ClerkUserData::from);
                // An answer about another user is not an answer.
                if user.as_ref().is_some_and(|u| u.id != user_id) {
                    return Err(BackendError::UnexpectedAnswer);
                }
                Ok(user.map(Arc::new))
            })
            .await?;
        Ok(user.map(|u| (*u).clone()))
    }

    /// Every organization membership of `user_id` (at most 1000), empty for
    /// an unknown user. Cached per user for the handle's
    /// [`membership_ttl`](Clerk::membership_ttl), the cache the server's
    /// membership checks read.
    pub async fn memberships(&self, user_id: &str) -> Result<Vec<OrgMembership>, BackendError> {
        Ok(self.clerk.user_memberships(user_id).await?.to_vec())
    }
}
