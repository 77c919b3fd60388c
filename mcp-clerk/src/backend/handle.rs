//! [`Clerk`]: the Backend API handle a tool takes as an argument.

use std::sync::Arc;
use std::time::Duration;

use super::api::{Api, is_clerk_id};
use super::cache::TtlCache;
use super::error::BackendError;
use super::memberships::{self, Of, OrgMembership};
use super::organizations::{ClerkOrganization, Organizations};
use super::users::{ClerkUserData, Users};
use crate::config::{
    ClerkConfig, DEFAULT_API_URL, DEFAULT_BACKEND_TIMEOUT, DEFAULT_MEMBERSHIP_TTL,
};

/// How long a user or organization read is reused by default.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(30);

/// The Clerk Backend API, with the instance's secret key: users,
/// organizations and memberships, each cached per id for a short while
/// (bounded, single flight per id, failures never cached).
///
/// A tool takes it as an argument; the server builds it from its config's
/// `CLERK_SECRET_KEY` (a server without one is not built: see
/// [`BuildError::MissingSecretKey`](crate::BuildError::MissingSecretKey)).
/// The port of Clerk's `get-clerk-user-data` tool:
///
/// ```
/// use mcp_clerk::prelude::*;
/// use mcp_clerk::backend::ClerkUserData;
///
/// /// Gets data about the Clerk user that authorized this request.
/// #[tool(auth = required, name = "get-clerk-user-data")]
/// async fn get_clerk_user_data(user: ClerkUser, clerk: Clerk) -> Result<Json<ClerkUserData>, ToolError> {
///     let data = clerk.users().get(user.id()).await?;
///     data.map(Json).ok_or_else(|| ToolError::not_found("the user no longer exists"))
/// }
/// # let _ = tools![get_clerk_user_data];
/// ```
///
/// By hand (here against the dev emulator, feature `dev`):
///
/// ```
/// # #[cfg(feature = "dev")]
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use mcp_clerk::backend::Clerk;
///
/// let dev = mcp_clerk::dev::DevClerk::new().start().await?;
/// let clerk = Clerk::new(dev.secret_key())
///     .api_url(dev.backend_api_url())
///     .cache_ttl(Duration::from_secs(10));
/// let bob = clerk.users().get("user_bob").await?.expect("Bob exists");
/// assert_eq!(bob.last_name.as_deref(), Some("Builder"));
/// // Within the cache lifetime: no second request.
/// clerk.users().get("user_bob").await?;
/// assert_eq!(dev.request_log(), ["GET /v1/users/user_bob 200"]);
///
/// // The secret key never shows:
/// assert!(!format!("{clerk:?}").contains(dev.secret_key()));
/// # Ok(()) }
/// # #[cfg(not(feature = "dev"))] fn main() {}
/// ```
#[derive(Clone)]
pub struct Clerk {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Settings {
    secret_key: Arc<str>,
    api_url: String,
    timeout: Duration,
    cache_ttl: Duration,
    membership_ttl: Duration,
}

pub(crate) struct Inner {
    settings: Settings,
    pub(crate) api: Api,
    pub(crate) users: TtlCache<Option<Arc<ClerkUserData>>>,
    pub(crate) organizations: TtlCache<Option<Arc<ClerkOrganization>>>,
    pub(crate) user_memberships: TtlCache<Arc<Vec<OrgMembership>>>,
    pub(crate) org_memberships: TtlCache<Arc<Vec<OrgMembership>>>,
}

impl std::fmt::Debug for Clerk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.inner.settings;
        f.debug_struct("Clerk")
            .field("api_url", &s.api_url)
            .field("secret_key", &"[redacted]")
            .field("cache_ttl", &s.cache_ttl)
            .field("membership_ttl", &s.membership_ttl)
            .finish_non_exhaustive()
    }
}

impl Clerk {
    /// A handle on Clerk's production Backend API with `secret_key`
    /// (`sk_live_…`/`sk_test_…`): users and organizations cached 30 s,
    /// memberships 60 s, requests bounded by 5 s.
    pub fn new(secret_key: impl Into<String>) -> Self {
        Self::with(Settings {
            secret_key: Arc::from(secret_key.into()),
            api_url: DEFAULT_API_URL.to_owned(),
            timeout: DEFAULT_BACKEND_TIMEOUT,
            cache_ttl: DEFAULT_CACHE_TTL,
            membership_ttl: DEFAULT_MEMBERSHIP_TTL,
        })
    }

    /// The handle of `config`: its secret key, Backend API URL, timeout and
    /// membership lifetime; `None` without a secret key.
    pub fn from_config(config: &ClerkConfig) -> Option<Self> {
        let key = config.secret_key()?;
        Some(Self::with(Settings {
            secret_key: Arc::from(key),
            api_url: config.api_url().to_owned(),
            timeout: config.backend_timeout(),
            cache_ttl: DEFAULT_CACHE_TTL,
            membership_ttl: config.membership_ttl(),
        }))
    }

    fn with(settings: Settings) -> Self {
        let api = Api::new(&settings.secret_key, &settings.api_url, settings.timeout);
        Self {
            inner: Arc::new(Inner {
                api,
                users: TtlCache::new(settings.cache_ttl),
                organizations: TtlCache::new(settings.cache_ttl),
                user_memberships: TtlCache::new(settings.membership_ttl),
                org_memberships: TtlCache::new(settings.membership_ttl),
                settings,
            }),
        }
    }

    fn change(self, f: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = self.inner.settings.clone();
        f(&mut settings);
        Self::with(settings)
    }

    /// Another Backend API base URL (the dev emulator's `<issuer>/v1`, or a proxy).
    pub fn api_url(self, url: impl Into<String>) -> Self {
        let url = url.into().trim_end_matches('/').to_owned();
        self.change(|s| s.api_url = url)
    }

    /// How long a user or organization read is reused (default 30 s; zero
    /// reads on every call).
    pub fn cache_ttl(self, ttl: Duration) -> Self {
        self.change(|s| s.cache_ttl = ttl)
    }

    /// How long memberships are reused (default 60 s, or the config's
    /// `MCP_CLERK_MEMBERSHIP_TTL`; zero reads on every call).
    pub fn membership_ttl(self, ttl: Duration) -> Self {
        self.change(|s| s.membership_ttl = ttl)
    }

    /// The timeout of one Backend API request (default 5 s).
    pub fn timeout(self, timeout: Duration) -> Self {
        self.change(|s| s.timeout = timeout)
    }

    /// The Backend API base URL.
    pub fn base_url(&self) -> &str {
        self.inner.api.api_url()
    }

    /// The users: `clerk.users().get(id)`, `clerk.users().memberships(id)`.
    pub fn users(&self) -> Users<'_> {
        Users { clerk: self }
    }

    /// The organizations: `clerk.organizations().get(id)`,
    /// `clerk.organizations().memberships(id)`.
    pub fn organizations(&self) -> Organizations<'_> {
        Organizations { clerk: self }
    }

    /// The membership of `user_id` in `org_id`, or `None` when the user is
    /// not (or no longer) a member, or either does not exist. Read from the
    /// user's memberships (one cached request per user per
    /// [`membership_ttl`](Self::membership_ttl)).
    pub async fn membership(
        &self,
        user_id: &str,
        org_id: &str,
    ) -> Result<Option<OrgMembership>, BackendError> {
        Ok(self
            .user_memberships(user_id)
            .await?
            .iter()
            .find(|m| m.org_id() == org_id)
            .cloned())
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    pub(crate) async fn user_memberships(
        &self,
        user_id: &str,
    ) -> Result<Arc<Vec<OrgMembership>>, BackendError> {
        if !is_clerk_id(user_id) {
            return Ok(Arc::default());
        }
        let inner = &*self.inner;
        inner
            .user_memberships
            .get_or_fetch(user_id, async {
                memberships::list(&inner.api, Of::User(user_id))
                    .await
                    .map(Arc::new)
            })
            .await
    }

    /// The membership lifetime (for the gate's log and tests).
    pub(crate) fn membership_lifetime(&self) -> Duration {
        self.inner.user_memberships.ttl()
    }
}
