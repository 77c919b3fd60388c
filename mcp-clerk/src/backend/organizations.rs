//! Organizations: `GET /v1/organizations/{id}` into a typed
//! [`ClerkOrganization`], and its memberships
//! (`GET /v1/organizations/{id}/memberships`).

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::api::is_clerk_id;
use super::error::BackendError;
use super::handle::Clerk;
use super::memberships::{self, Of, OrgMembership};

/// A Clerk organization, as the Backend API reports it. Timestamps are unix
/// milliseconds.
///
/// ```
/// # #[cfg(feature = "dev")]
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dev = mcp_clerk::dev::DevClerk::new().start().await?;
/// let clerk = dev.backend();
/// let acme = clerk.organizations().get("org_acme").await?.expect("Acme exists");
/// assert_eq!((acme.name.as_str(), acme.slug.as_deref()), ("Acme Inc", Some("acme")));
/// assert_eq!(acme.members_count, Some(2));
///
/// let members = clerk.organizations().memberships("org_acme").await?;
/// assert_eq!(members.iter().map(|m| m.user_id()).collect::<Vec<_>>(), ["user_alice", "user_bob"]);
/// # Ok(()) }
/// # #[cfg(not(feature = "dev"))] fn main() {}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct ClerkOrganization {
    /// The organization id (`org_…`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// URL slug.
    pub slug: Option<String>,
    /// Logo URL.
    pub image_url: Option<String>,
    /// Public metadata.
    pub public_metadata: Map<String, Value>,
    /// How many members it has (Clerk sends it on request; the emulator always).
    pub members_count: Option<u64>,
    /// When it was created (unix ms).
    pub created_at: Option<u64>,
    /// When it was last updated (unix ms).
    pub updated_at: Option<u64>,
}

#[derive(Deserialize)]
struct OrganizationJson {
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    image_url: Option<String>,
    #[serde(default)]
    public_metadata: Option<Map<String, Value>>,
    #[serde(default)]
    members_count: Option<u64>,
    #[serde(default)]
    created_at: Option<u64>,
    #[serde(default)]
    updated_at: Option<u64>,
}

/// The organizations of the instance: [`Clerk::organizations`].
#[derive(Debug, Clone, Copy)]
pub struct Organizations<'a> {
    pub(crate) clerk: &'a Clerk,
}

impl Organizations<'_> {
    /// The organization `org_id`, or `None` when Clerk knows none (or the id
    /// is not shaped like a Clerk id). Cached per id for the handle's
    /// [`cache_ttl`](Clerk::cache_ttl).
    pub async fn get(&self, org_id: &str) -> Result<Option<ClerkOrganization>, BackendError> {
        if !is_clerk_id(org_id) {
            return Ok(None);
        }
        let inner = self.clerk.inner();
        let org = inner
            .organizations
            .get_or_fetch(org_id, async {
                let query = [("include_members_count", "true".to_owned())];
                let json: Option<OrganizationJson> =
                    inner.api.get(&["organizations", org_id], &query).await?;
                if json.as_ref().is_some_and(|o| o.id != org_id) {
                    return Err(BackendError::UnexpectedAnswer);
                }
                Ok(json.map(|o| {
                    Arc::new(ClerkOrganization {
                        id: o.id,
                        name: o.name,
                        slug: o.slug,
                        image_url: o.image_url,
                        public_metadata: o.public_metadata.unwrap_or_default(),
                        members_count: o.members_count,
                        created_at: o.created_at,
                        updated_at: o.updated_at,
                    })
                }))
            })
            .await?;
        Ok(org.map(|o| (*o).clone()))
    }

    /// Every membership of `org_id` (at most 1000), empty for an unknown
    /// organization. Cached per organization for the handle's
    /// [`membership_ttl`](Clerk::membership_ttl).
    pub async fn memberships(&self, org_id: &str) -> Result<Vec<OrgMembership>, BackendError> {
        if !is_clerk_id(org_id) {
            return Ok(Vec::new());
        }
        let inner = self.clerk.inner();
        let list = inner
            .org_memberships
            .get_or_fetch(org_id, async {
                memberships::list(&inner.api, Of::Organization(org_id))
                    .await
                    .map(Arc::new)
            })
            .await?;
        Ok(list.to_vec())
    }
}
