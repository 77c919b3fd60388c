//! A small Clerk Backend API client for what access tokens do not say.
//!
//! Clerk's OAuth access tokens carry only `org_id`, not the caller's role or
//! permissions in that organization. [`BackendClient::membership`] looks the
//! membership up (`GET /v1/users/{user_id}/organization_memberships`, with
//! the instance's secret key) and caches the answer per user for a short
//! while, so a tool gated by `permission = "…"` or `role = "…"` can be
//! decided for OAuth callers too.
//!
//! ```no_run
//! # async fn run() -> Result<(), mcp_clerk::backend::BackendError> {
//! use mcp_clerk::backend::BackendClient;
//!
//! let backend = BackendClient::new("sk_test_…");
//! if let Some(m) = backend.membership("user_123", "org_456").await? {
//!     println!("{} in {}: {:?}", m.role(), m.org_id(), m.permissions());
//! }
//! # Ok(()) }
//! ```

pub(crate) mod verify;

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::config::ClerkConfig;
use crate::identity::ClerkOrg;

/// Clerk's production Backend API base URL.
pub use crate::config::DEFAULT_API_URL;

/// How many memberships are read at most for one user (10 pages of 100).
const MAX_MEMBERSHIPS: usize = 1000;
const PAGE: usize = 100;

/// A Backend API failure.
///
/// Fail closed: without an answer, the caller's role is unknown.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use mcp_clerk::backend::{BackendClient, BackendError};
///
/// # let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
/// # let api_url = format!("http://127.0.0.1:{port}/v1");
/// // An API URL where nothing listens:
/// let backend = BackendClient::new("sk_test_example").api_url(api_url);
/// let role = match backend.membership("user_1", "org_1").await {
///     Ok(membership) => membership.map(|m| m.role().to_owned()),
///     Err(e) => {
///         assert!(matches!(e, BackendError::Unreachable(_)));
///         assert_eq!(e.reason(), "backend-api-unreachable");
///         None
///     }
/// };
/// assert_eq!(role, None);
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// The secret key was refused (401/403). Clerk's reason: `secret-key-invalid`.
    #[error("the Clerk secret key was refused (secret-key-invalid)")]
    SecretKeyInvalid,
    /// The Backend API answered with an unexpected status.
    #[error("the Clerk Backend API answered {0}")]
    Status(u16),
    /// The Backend API could not be reached or timed out.
    #[error("the Clerk Backend API is unreachable: {0}")]
    Unreachable(String),
    /// The answer was not the expected JSON.
    #[error("unexpected Clerk Backend API response: {0}")]
    Decode(String),
}

impl BackendError {
    /// A Clerk-style reason code: `secret-key-invalid`, `unexpected-error`, ….
    pub fn reason(&self) -> &'static str {
        match self {
            BackendError::SecretKeyInvalid => "secret-key-invalid",
            BackendError::Status(_) | BackendError::Decode(_) => "unexpected-error",
            BackendError::Unreachable(_) => "backend-api-unreachable",
        }
    }
}

/// A user's membership in one organization, as the Backend API reports it.
///
/// Here against the dev emulator's Backend API (feature `dev`):
///
/// ```
/// # #[cfg(feature = "dev")]
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let clerk = mcp_clerk::dev::DevClerk::new().start().await?;
/// # let backend = clerk.backend_client();
/// let acme = backend.membership("user_alice", "org_acme").await?.expect("a member");
/// assert_eq!((acme.org_id(), acme.slug()), ("org_acme", Some("acme")));
/// assert_eq!(acme.role(), "org:admin");
///
/// // Completes an OAuth token's id-only organization:
/// let org = acme.to_org();
/// assert!(org.permissions_known() && org.has_permission("org:projects:create"));
/// # Ok(()) }
/// # #[cfg(not(feature = "dev"))] fn main() {}
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgMembership {
    org_id: String,
    slug: Option<String>,
    name: Option<String>,
    role: String,
    permissions: Vec<String>,
}

impl OrgMembership {
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

    /// The member's role (`org:admin`).
    pub fn role(&self) -> &str {
        &self.role
    }

    /// The member's permissions (`org:<feature>:<permission>`).
    pub fn permissions(&self) -> &[String] {
        &self.permissions
    }

    /// A [`ClerkOrg`] with the role and permissions known, to replace the
    /// id-only organization of an OAuth token.
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
    role: String,
    #[serde(default)]
    permissions: Vec<String>,
    organization: OrganizationJson,
}

#[derive(Deserialize)]
struct OrganizationJson {
    id: String,
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

/// A cached Backend API client (see the [module docs](self)).
///
/// With a real instance, [`from_config`](Self::from_config) takes the
/// secret key from the config; here the dev emulator (feature `dev`) stands
/// in for Clerk:
///
/// ```
/// # #[cfg(feature = "dev")]
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use mcp_clerk::backend::BackendClient;
/// use mcp_clerk::dev::DevClerk;
///
/// let clerk = DevClerk::new().start().await?;
/// let backend = BackendClient::new(clerk.secret_key())
///     .api_url(clerk.backend_api_url())
///     .cache_ttl(Duration::from_secs(30));
///
/// let memberships = backend.organization_memberships("user_alice").await?;
/// assert_eq!(memberships.len(), 2);
/// // Served from the cache: one Backend API request for both lookups.
/// assert!(backend.membership("user_alice", "org_globex").await?.is_some());
/// assert_eq!(clerk.request_log().len(), 1);
/// # Ok(()) }
/// # #[cfg(not(feature = "dev"))] fn main() {}
/// ```
#[derive(Clone)]
pub struct BackendClient {
    http: reqwest::Client,
    api_url: String,
    secret_key: Arc<str>,
    cache: moka::sync::Cache<String, Arc<Vec<OrgMembership>>>,
}

impl std::fmt::Debug for BackendClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackendClient")
            .field("api_url", &self.api_url)
            .field("secret_key", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl BackendClient {
    /// A client for Clerk's production Backend API with `secret_key`
    /// (`sk_live_…`/`sk_test_…`), caching memberships for 60 s.
    pub fn new(secret_key: impl Into<String>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Self {
            http,
            api_url: DEFAULT_API_URL.to_owned(),
            secret_key: Arc::from(secret_key.into()),
            cache: cache(Duration::from_secs(60)),
        }
    }

    /// A client using the config's secret key, or `None` when it has none.
    pub fn from_config(config: &ClerkConfig) -> Option<Self> {
        config
            .secret_key()
            .map(|key| Self::new(key).api_url(config.api_url()))
    }

    /// Another Backend API base URL (the dev emulator's `<issuer>/v1`, or a proxy).
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = url.into().trim_end_matches('/').to_owned();
        self
    }

    /// How long a user's memberships are reused (default 60 s; zero disables caching).
    pub fn cache_ttl(mut self, ttl: Duration) -> Self {
        self.cache = cache(ttl);
        self
    }

    /// Every organization membership of `user_id` (cached).
    pub async fn organization_memberships(
        &self,
        user_id: &str,
    ) -> Result<Arc<Vec<OrgMembership>>, BackendError> {
        if let Some(hit) = self.cache.get(user_id) {
            return Ok(hit);
        }
        let fresh = Arc::new(self.fetch(user_id).await?);
        self.cache.insert(user_id.to_owned(), fresh.clone());
        Ok(fresh)
    }

    /// The membership of `user_id` in `org_id`, or `None` when the user is
    /// not (or no longer) a member, or does not exist.
    pub async fn membership(
        &self,
        user_id: &str,
        org_id: &str,
    ) -> Result<Option<OrgMembership>, BackendError> {
        Ok(self
            .organization_memberships(user_id)
            .await?
            .iter()
            .find(|m| m.org_id == org_id)
            .cloned())
    }

    async fn fetch(&self, user_id: &str) -> Result<Vec<OrgMembership>, BackendError> {
        let mut out = Vec::new();
        let mut base = url::Url::parse(&self.api_url)
            .map_err(|e| BackendError::Unreachable(format!("invalid API URL: {e}")))?;
        base.path_segments_mut()
            .map_err(|_| BackendError::Unreachable("invalid API URL".into()))?
            .extend(["users", user_id, "organization_memberships"]);
        while out.len() < MAX_MEMBERSHIPS {
            let mut url = base.clone();
            url.query_pairs_mut()
                .append_pair("limit", &PAGE.to_string())
                .append_pair("offset", &out.len().to_string());
            let resp = self
                .http
                .get(url)
                .bearer_auth(&*self.secret_key)
                .send()
                .await
                .map_err(|e| BackendError::Unreachable(e.without_url().to_string()))?;
            match resp.status().as_u16() {
                200 => {}
                401 | 403 => return Err(BackendError::SecretKeyInvalid),
                404 => return Ok(Vec::new()),
                other => return Err(BackendError::Status(other)),
            }
            let page: Page = resp
                .json()
                .await
                .map_err(|e| BackendError::Decode(e.without_url().to_string()))?;
            let got = page.data.len();
            out.extend(page.data.into_iter().map(|m| OrgMembership {
                org_id: m.organization.id,
                slug: m.organization.slug,
                name: m.organization.name,
                role: m.role,
                permissions: m.permissions,
            }));
            let total = page.total_count.unwrap_or(out.len());
            if got == 0 || out.len() >= total {
                break;
            }
        }
        Ok(out)
    }
}

fn cache(ttl: Duration) -> moka::sync::Cache<String, Arc<Vec<OrgMembership>>> {
    moka::sync::Cache::builder()
        .max_capacity(10_000)
        .time_to_live(ttl)
        .build()
}
