//! Organization memberships, Clerk's `organization_membership` object, read
//! page by page from `GET /v1/users/{id}/organization_memberships` or
//! `GET /v1/organizations/{id}/memberships`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::api::Api;
use super::error::BackendError;
use crate::identity::ClerkOrg;

/// How many memberships are read at most for one user or organization (10
/// pages of 100).
const MAX_MEMBERSHIPS: usize = 1000;
const PAGE: usize = 100;

/// A user's membership in one organization, as the Backend API reports it.
///
/// Here against the dev emulator's Backend API (feature `dev`):
///
/// ```
/// # #[cfg(feature = "dev")]
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dev = mcp_clerk::dev::DevClerk::new().start().await?;
/// # let clerk = dev.backend();
/// let acme = clerk.membership("user_alice", "org_acme").await?.expect("a member");
/// assert_eq!((acme.org_id(), acme.slug()), ("org_acme", Some("acme")));
/// assert_eq!((acme.user_id(), acme.role()), ("user_alice", "org:admin"));
///
/// // Completes an OAuth token's id-only organization:
/// let org = acme.to_org();
/// assert!(org.permissions_known() && org.has_permission("org:projects:create"));
/// # Ok(()) }
/// # #[cfg(not(feature = "dev"))] fn main() {}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct OrgMembership {
    id: String,
    org_id: String,
    slug: Option<String>,
    name: Option<String>,
    user_id: String,
    role: String,
    permissions: Vec<String>,
    created_at: Option<u64>,
}

impl OrgMembership {
    /// Clerk's id of the membership (`orgmem_…`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The organization id (`org_…`).
    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    /// The organization's slug.
    pub fn slug(&self) -> Option<&str> {
        self.slug.as_deref()
    }

    /// The organization's name.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The member's user id (`user_…`).
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The member's role (`org:admin`).
    pub fn role(&self) -> &str {
        &self.role
    }

    /// The member's permissions (`org:<feature>:<permission>`).
    pub fn permissions(&self) -> &[String] {
        &self.permissions
    }

    /// When the user joined (unix ms).
    pub fn created_at(&self) -> Option<u64> {
        self.created_at
    }

    /// A [`ClerkOrg`] with the role and permissions known, to replace the
    /// organization a token names.
    pub fn to_org(&self) -> ClerkOrg {
        ClerkOrg::from_membership(
            self.org_id.clone(),
            self.slug.clone(),
            self.role.clone(),
            self.permissions.clone(),
        )
    }
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    data: Vec<MembershipJson>,
    #[serde(default)]
    total_count: Option<usize>,
}

#[derive(Deserialize)]
struct MembershipJson {
    #[serde(default)]
    id: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    permissions: Vec<String>,
    organization: OrganizationRef,
    #[serde(default)]
    public_user_data: Option<PublicUserData>,
    #[serde(default)]
    created_at: Option<u64>,
}

#[derive(Deserialize)]
struct OrganizationRef {
    id: String,
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct PublicUserData {
    #[serde(default)]
    user_id: Option<String>,
}

/// Whose memberships are listed.
#[derive(Clone, Copy)]
pub(crate) enum Of<'a> {
    User(&'a str),
    Organization(&'a str),
}

/// Every membership of a user or an organization (at most
/// [`MAX_MEMBERSHIPS`]); empty when Clerk does not know the id. An answer
/// about another user or organization than asked is not Clerk's.
pub(crate) async fn list(api: &Api, of: Of<'_>) -> Result<Vec<OrgMembership>, BackendError> {
    let path: [&str; 3] = match of {
        Of::User(id) => ["users", id, "organization_memberships"],
        Of::Organization(id) => ["organizations", id, "memberships"],
    };
    let mut out = Vec::new();
    while out.len() < MAX_MEMBERSHIPS {
        let query = [
            ("limit", PAGE.to_string()),
            ("offset", out.len().to_string()),
        ];
        let Some(page) = api.get::<Page>(&path, &query).await? else {
            return Ok(Vec::new());
        };
        let got = page.data.len();
        for m in page.data {
            let user_id = m
                .public_user_data
                .and_then(|p| p.user_id)
                .unwrap_or_default();
            let member = OrgMembership {
                id: m.id,
                org_id: m.organization.id,
                slug: m.organization.slug,
                name: m.organization.name,
                user_id,
                role: m.role,
                permissions: m.permissions,
                created_at: m.created_at,
            };
            let about_asked = match of {
                // Clerk's per-user list may leave `public_user_data` out.
                Of::User(id) => member.user_id.is_empty() || member.user_id == id,
                Of::Organization(id) => member.org_id == id,
            };
            if !about_asked {
                return Err(BackendError::UnexpectedAnswer);
            }
            out.push(OrgMembership {
                user_id: match of {
                    Of::User(id) => id.to_owned(),
                    Of::Organization(_) => member.user_id.clone(),
                },
                ..member
            });
        }
        let total = page.total_count.unwrap_or(out.len());
        if got == 0 || out.len() >= total {
            break;
        }
    }
    Ok(out)
}
