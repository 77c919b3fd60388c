//! Who is calling: [`ClerkUser`], [`ClerkOrg`] and [`TokenKind`], built from
//! verified claims.
//!
//! Values here are only ever built from a token whose signature, issuer,
//! lifetime and kind were checked by [`crate::token`]. They are cheap to clone
//! (reference counted) and read through methods, so new claims can be added
//! without breaking callers.

mod claims;
mod fpm;
mod machine;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub(crate) use claims::Claims;
pub use claims::{Actor, FactorAges};
pub use machine::ClerkMachine;

/// The kind of Clerk token a caller presented.
///
/// A server accepts OAuth access tokens only unless configured otherwise:
///
/// ```
/// use mcp_clerk::{ClerkConfig, ClerkUser, TokenKind};
///
/// // Also accept session tokens from your own frontend.
/// let config = ClerkConfig::builder()
///     .issuer("https://your-app.clerk.accounts.dev")
///     .accept([TokenKind::OAuth, TokenKind::Session])
///     .build()?;
/// assert!(config.accepts(TokenKind::Session) && !config.accepts(TokenKind::M2M));
///
/// fn audit_name(user: &ClerkUser) -> String {
///     match user.token_kind() {
///         TokenKind::M2M => format!("machine {}", user.id()),
///         kind => format!("{} ({kind})", user.id()),
///     }
/// }
/// # let user = mcp_clerk::ClerkUser::example("user_1", &[]);
/// assert_eq!(audit_name(&user), "user_1 (oauth_token)");
/// # Ok::<(), mcp_clerk::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenKind {
    /// An OAuth access token (`typ: at+jwt`), what MCP clients obtain from Clerk.
    OAuth,
    /// A Clerk session token (`typ: JWT`), issued to your own frontends.
    Session,
    /// A machine-to-machine token (`sub` starting with `mch_`).
    M2M,
    /// A Clerk API key (`ak_…`), verified through the Backend API; its subject
    /// is the user, organization or machine that owns it.
    ApiKey,
}

impl TokenKind {
    /// The name Clerk's SDKs use for this kind (`oauth_token`, `session_token`, `m2m_token`).
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::OAuth => "oauth_token",
            TokenKind::Session => "session_token",
            TokenKind::M2M => "m2m_token",
            TokenKind::ApiKey => "api_key",
        }
    }
}

impl std::fmt::Display for TokenKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verified user (or machine) behind a request.
///
/// A tool receives it as an argument:
///
/// ```
/// use mcp_clerk::ClerkUser;
///
/// fn greeting(user: &ClerkUser) -> String {
///     format!("hello {} (scopes: {})", user.id(), user.scopes().join(" "))
/// }
/// # let user = mcp_clerk::ClerkUser::example("user_123", &["email", "profile"]);
/// # assert_eq!(greeting(&user), "hello user_123 (scopes: email profile)");
/// ```
#[derive(Clone)]
pub struct ClerkUser {
    inner: Arc<UserInner>,
}

#[derive(Debug)]
struct UserInner {
    id: String,
    issuer: String,
    session_id: Option<String>,
    client_id: Option<String>,
    scopes: Vec<String>,
    kind: TokenKind,
    expires_at: u64,
    issued_at: Option<u64>,
    token_id: Option<String>,
    actor: Option<Actor>,
    factor_ages: Option<FactorAges>,
}

impl ClerkUser {
    /// The subject: a user id (`user_…`), or a machine id (`mch_…`) for M2M tokens.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// The issuer (your Clerk Frontend API URL) that signed the token.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// The Clerk session id (`sess_…`), present on session tokens.
    pub fn session_id(&self) -> Option<&str> {
        self.inner.session_id.as_deref()
    }

    /// The OAuth client the token was issued to (`client_id`), present on OAuth tokens.
    pub fn client_id(&self) -> Option<&str> {
        self.inner.client_id.as_deref()
    }

    /// The scopes granted to the token (from `scope`, `scp` or `scopes`).
    pub fn scopes(&self) -> &[String] {
        &self.inner.scopes
    }

    /// Whether the token was granted `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.inner.scopes.iter().any(|s| s == scope)
    }

    /// Which kind of Clerk token the caller presented.
    pub fn token_kind(&self) -> TokenKind {
        self.inner.kind
    }

    /// When the token expires.
    pub fn expires_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.inner.expires_at)
    }

    /// When the token was issued, if it says.
    pub fn issued_at(&self) -> Option<SystemTime> {
        self.inner
            .issued_at
            .map(|s| UNIX_EPOCH + Duration::from_secs(s))
    }

    /// The token id (`jti`), if present.
    pub fn token_id(&self) -> Option<&str> {
        self.inner.token_id.as_deref()
    }

    /// The actor when someone (or an agent) acts on the user's behalf (`act`).
    pub fn actor(&self) -> Option<&Actor> {
        self.inner.actor.as_ref()
    }

    /// Minutes since the first and second factor were verified (`fva`).
    pub fn factor_ages(&self) -> Option<FactorAges> {
        self.inner.factor_ages
    }

    pub(crate) fn expires_at_secs(&self) -> u64 {
        self.inner.expires_at
    }

    /// A user for examples and unit tests of your own code, not backed by any token.
    ///
    /// Its kind is [`TokenKind::OAuth`], its issuer `https://example.clerk.accounts.dev`,
    /// and it expires in one hour.
    #[doc(hidden)]
    pub fn example(id: &str, scopes: &[&str]) -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Self {
            inner: Arc::new(UserInner {
                id: id.to_owned(),
                issuer: "https://example.clerk.accounts.dev".to_owned(),
                session_id: None,
                client_id: Some("example_client".to_owned()),
                scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
                kind: TokenKind::OAuth,
                expires_at: now + 3600,
                issued_at: Some(now),
                token_id: None,
                actor: None,
                factor_ages: None,
            }),
        }
    }
}

impl std::fmt::Debug for ClerkUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClerkUser")
            .field("id", &self.inner.id)
            .field("kind", &self.inner.kind)
            .field("client_id", &self.inner.client_id)
            .field("session_id", &self.inner.session_id)
            .field("scopes", &self.inner.scopes)
            .finish_non_exhaustive()
    }
}

/// The caller's active Clerk organization.
///
/// Session tokens carry the role and permissions; OAuth access tokens carry only
/// the organization id (and only when the client was granted `user:org:read`),
/// so [`role`](Self::role) is `None` and [`permissions_known`](Self::permissions_known)
/// is `false` for them.
///
/// ```
/// use mcp_clerk::ClerkOrg;
///
/// fn can_create(org: &ClerkOrg) -> bool {
///     org.has_role("org:admin") || org.has_permission("org:projects:create")
/// }
/// # let org = mcp_clerk::ClerkOrg::example("org_1", "org:admin", &[]);
/// # assert!(can_create(&org));
/// ```
#[derive(Clone)]
pub struct ClerkOrg {
    inner: Arc<OrgInner>,
}

#[derive(Debug)]
struct OrgInner {
    id: String,
    slug: Option<String>,
    role: Option<String>,
    permissions: Vec<String>,
    permissions_known: bool,
}

impl ClerkOrg {
    /// The organization id (`org_…`).
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// The organization slug, when the token carries it.
    pub fn slug(&self) -> Option<&str> {
        self.inner.slug.as_deref()
    }

    /// The caller's role, with Clerk's `org:` prefix (`org:admin`), when known.
    pub fn role(&self) -> Option<&str> {
        self.inner.role.as_deref()
    }

    /// The caller's permissions in this organization (`org:<feature>:<permission>`).
    pub fn permissions(&self) -> &[String] {
        &self.inner.permissions
    }

    /// Whether the token told us the role and permissions at all. `false` for
    /// OAuth access tokens, which carry only `org_id`.
    pub fn permissions_known(&self) -> bool {
        self.inner.permissions_known
    }

    /// Whether the caller holds `permission` (for example `org:projects:create`).
    pub fn has_permission(&self, permission: &str) -> bool {
        self.inner.permissions.iter().any(|p| p == permission)
    }

    /// Whether the caller's role is `role`. Accepts `org:admin` or `admin`.
    pub fn has_role(&self, role: &str) -> bool {
        let Some(mine) = self.inner.role.as_deref() else {
            return false;
        };
        mine == role || mine.strip_prefix("org:") == Some(role)
    }

    /// An organization for examples and unit tests of your own code, not backed by any token.
    #[doc(hidden)]
    pub fn example(id: &str, role: &str, permissions: &[&str]) -> Self {
        Self::new(
            id.to_owned(),
            None,
            Some(role.to_owned()),
            permissions.iter().map(|s| (*s).to_owned()).collect(),
            true,
        )
    }

    /// An organization whose role and permissions come from a Backend API
    /// membership lookup ([`crate::backend`]), to complete an OAuth token's
    /// id-only organization.
    pub(crate) fn from_membership(
        id: String,
        slug: Option<String>,
        role: String,
        permissions: Vec<String>,
    ) -> Self {
        Self::new(id, slug, Some(role), permissions, true)
    }

    fn new(
        id: String,
        slug: Option<String>,
        role: Option<String>,
        permissions: Vec<String>,
        permissions_known: bool,
    ) -> Self {
        let role = role.map(|r| {
            if r.starts_with("org:") {
                r
            } else {
                format!("org:{r}")
            }
        });
        Self {
            inner: Arc::new(OrgInner {
                id,
                slug,
                role,
                permissions,
                permissions_known,
            }),
        }
    }
}

impl std::fmt::Debug for ClerkOrg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClerkOrg")
            .field("id", &self.inner.id)
            .field("slug", &self.inner.slug)
            .field("role", &self.inner.role)
            .field("permissions", &self.inner.permissions)
            .finish()
    }
}

/// A verified caller: the user and, when the token names one, the active organization.
///
/// This is what the HTTP gate stores in the request extensions after a token
/// verifies; the extractors for [`ClerkUser`] and [`ClerkOrg`] read it. A tool
/// takes it to get both at once:
///
/// ```
/// use mcp_clerk::prelude::*;
/// use mcp_clerk::Identity;
///
/// /// Where am I signed in?
/// #[tool(auth = required)]
/// async fn whereami(caller: Identity) -> String {
///     match caller.org() {
///         Some(org) => format!("{} in {}", caller.user().id(), org.id()),
///         None => format!("{} (personal account)", caller.user().id()),
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// # let user = ClerkUser::example("user_1", &[]);
/// # let org = ClerkOrg::example("org_1", "org:admin", &[]);
/// // A tool stays a plain function: test it with an identity built from parts.
/// assert_eq!(whereami(Identity::new(user, Some(org))).await, "user_1 in org_1");
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Identity {
    user: ClerkUser,
    org: Option<ClerkOrg>,
    /// Set for machine callers (M2M tokens, API keys of machines and
    /// organizations); `user` then describes the same subject.
    machine: Option<ClerkMachine>,
}

impl Identity {
    /// The user.
    pub fn user(&self) -> &ClerkUser {
        &self.user
    }

    /// The active organization, if the token names one.
    pub fn org(&self) -> Option<&ClerkOrg> {
        self.org.as_ref()
    }

    /// The machine, when the caller is one (an M2M token, or an API key owned
    /// by a machine or an organization). Tools that take a [`ClerkUser`] never
    /// run for a machine.
    pub fn machine(&self) -> Option<&ClerkMachine> {
        self.machine.as_ref()
    }

    /// Whether the caller is a machine rather than a person.
    pub fn is_machine(&self) -> bool {
        self.machine.is_some()
    }

    /// The same caller with another organization (the Backend API's view of
    /// the membership, or none when the caller is no longer a member).
    pub(crate) fn with_org(mut self, org: Option<ClerkOrg>) -> Self {
        self.org = org;
        self
    }

    /// Builds an identity from parts (used by tests of your own code).
    pub fn new(user: ClerkUser, org: Option<ClerkOrg>) -> Self {
        Self {
            user,
            org,
            machine: None,
        }
    }

    /// A machine caller built from parts (for tests of your own code).
    ///
    /// ```
    /// use mcp_clerk::{ClerkMachine, Identity, TokenKind};
    ///
    /// let caller = Identity::for_machine(ClerkMachine::example("mch_1", &["mch_2"]), None);
    /// assert!(caller.is_machine());
    /// // `user()` describes the same subject, for code that only logs it.
    /// assert_eq!(caller.user().id(), "mch_1");
    /// assert_eq!(caller.user().token_kind(), TokenKind::M2M);
    /// ```
    pub fn for_machine(machine: ClerkMachine, org: Option<ClerkOrg>) -> Self {
        let user = ClerkUser {
            inner: Arc::new(UserInner {
                id: machine.id().to_owned(),
                issuer: String::new(),
                session_id: None,
                client_id: None,
                scopes: machine.scopes().to_vec(),
                kind: machine.token_kind(),
                expires_at: machine
                    .expires_at()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs()),
                issued_at: None,
                token_id: machine.token_id().map(str::to_owned),
                actor: None,
                factor_ages: None,
            }),
        };
        Self {
            user,
            org,
            machine: Some(machine),
        }
    }

    /// Builds the identity from what the Clerk Backend API said about an
    /// opaque token, the same fields a JWT of that kind gives: subject, client
    /// id (OAuth), scopes, expiry, token id. An API key owned by an
    /// organization names that organization (role and permissions unknown).
    pub(crate) fn from_opaque(issuer: &str, c: &crate::backend::verify::Credential) -> Self {
        use crate::token::OpaqueKind;
        let kind = match c.kind {
            OpaqueKind::OAuth => TokenKind::OAuth,
            OpaqueKind::M2M => TokenKind::M2M,
            OpaqueKind::ApiKey => TokenKind::ApiKey,
        };
        // An API key that never expires is good until Clerk is asked again.
        let expires_at = c.expiration.unwrap_or_else(|| {
            u64::try_from(crate::backend::verify::now_ms() / 1000).unwrap_or(0) + 3600
        });
        let org = match kind {
            TokenKind::ApiKey if c.subject.starts_with("org_") => Some(ClerkOrg::new(
                c.subject.clone(),
                None,
                None,
                Vec::new(),
                false,
            )),
            TokenKind::OAuth => c
                .org_id
                .clone()
                .map(|id| ClerkOrg::new(id, c.org_slug.clone(), None, Vec::new(), false)),
            _ => None,
        };
        let user = ClerkUser {
            inner: Arc::new(UserInner {
                id: c.subject.clone(),
                issuer: issuer.to_owned(),
                session_id: None,
                client_id: c.client_id.clone(),
                scopes: c.scopes.clone(),
                kind,
                expires_at,
                issued_at: c.created_at,
                token_id: Some(c.id.clone()),
                actor: None,
                factor_ages: None,
            }),
        };
        let machine = (!c.subject.starts_with("user_")).then(|| {
            ClerkMachine::new(
                c.subject.clone(),
                kind,
                c.scopes.clone(),
                c.claims.clone(),
                Some(c.id.clone()),
                c.name.clone(),
                expires_at,
            )
        });
        Self { user, org, machine }
    }

    /// Builds the identity from claims whose signature, issuer, lifetime and
    /// kind were verified.
    pub(crate) fn from_verified(
        kind: TokenKind,
        claims: Claims,
        custom_claims: impl FnOnce() -> serde_json::Map<String, serde_json::Value>,
    ) -> Self {
        let org = org_from_claims(kind, &claims);
        let scopes = claims.scopes();
        let factor_ages = claims.factor_ages();
        let Claims {
            sub,
            iss,
            sid,
            client_id,
            azp: _,
            exp,
            iat,
            jti,
            act,
            ..
        } = claims;
        let client_id = match kind {
            TokenKind::OAuth => client_id,
            _ => None,
        };
        let user = ClerkUser {
            inner: Arc::new(UserInner {
                id: sub,
                issuer: iss,
                session_id: sid,
                client_id,
                scopes,
                kind,
                expires_at: exp,
                issued_at: iat,
                token_id: jti,
                actor: act,
                factor_ages,
            }),
        };
        let machine = (kind == TokenKind::M2M).then(|| {
            let u = &user.inner;
            ClerkMachine::new(
                u.id.clone(),
                kind,
                u.scopes.clone(),
                custom_claims(),
                u.token_id.clone(),
                None,
                u.expires_at,
            )
        });
        Self { user, org, machine }
    }
}

fn org_from_claims(kind: TokenKind, claims: &Claims) -> Option<ClerkOrg> {
    match kind {
        TokenKind::M2M | TokenKind::ApiKey => None,
        TokenKind::OAuth => claims
            .org_id
            .as_ref()
            .filter(|id| !id.is_empty())
            .map(|id| ClerkOrg::new(id.clone(), None, None, Vec::new(), false)),
        TokenKind::Session => {
            if claims.v == Some(2) {
                let o = claims.o.as_ref().filter(|o| !o.id.is_empty())?;
                let permissions = fpm::decode_permissions(
                    claims.fea.as_deref(),
                    o.per.as_deref(),
                    o.fpm.as_deref(),
                );
                Some(ClerkOrg::new(
                    o.id.clone(),
                    o.slg.clone(),
                    o.rol.clone(),
                    permissions,
                    true,
                ))
            } else {
                let id = claims.org_id.as_ref().filter(|id| !id.is_empty())?;
                Some(ClerkOrg::new(
                    id.clone(),
                    claims.org_slug.clone(),
                    claims.org_role.clone(),
                    claims.org_permissions.clone().unwrap_or_default(),
                    true,
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn identity(kind: TokenKind, claims: serde_json::Value) -> Identity {
        let claims: Claims = serde_json::from_value(claims).expect("claims");
        Identity::from_verified(kind, claims, serde_json::Map::new)
    }

    #[test]
    fn session_v2_org_with_permissions() {
        let id = identity(
            TokenKind::Session,
            json!({"sub":"user_1","iss":"https://i","exp":10,"iat":1,"sid":"sess_1","v":2,
                   "fea":"o:dashboard,o:teams","fva":[7,-1],
                   "o":{"id":"org_1","slg":"acme","rol":"admin","per":"manage,read","fpm":"3,2"}}),
        );
        let org = id.org().expect("org");
        assert_eq!(org.id(), "org_1");
        assert_eq!(org.slug(), Some("acme"));
        assert_eq!(org.role(), Some("org:admin"));
        assert!(org.has_role("org:admin") && org.has_role("admin") && !org.has_role("member"));
        assert_eq!(
            org.permissions(),
            [
                "org:dashboard:manage",
                "org:dashboard:read",
                "org:teams:read"
            ]
        );
        assert!(org.has_permission("org:teams:read") && !org.has_permission("org:teams:manage"));
        let user = id.user();
        assert_eq!(user.session_id(), Some("sess_1"));
        assert_eq!(user.client_id(), None);
        assert_eq!(
            user.factor_ages(),
            Some(FactorAges {
                first_factor_minutes: Some(7),
                second_factor_minutes: None
            })
        );
    }

    #[test]
    fn session_v2_without_o_has_no_org() {
        let id = identity(
            TokenKind::Session,
            json!({"sub":"user_1","iss":"https://i","exp":10,"v":2,"org_id":"org_ignored"}),
        );
        assert!(id.org().is_none());
    }

    #[test]
    fn session_v1_org_claims() {
        let id = identity(
            TokenKind::Session,
            json!({"sub":"user_1","iss":"https://i","exp":10,"org_id":"org_9","org_slug":"s",
                   "org_role":"org:member","org_permissions":["org:x:read"]}),
        );
        let org = id.org().expect("org");
        assert_eq!(org.role(), Some("org:member"));
        assert_eq!(org.permissions(), ["org:x:read"]);
        assert!(org.permissions_known());
    }

    #[test]
    fn oauth_org_id_only() {
        let id = identity(
            TokenKind::OAuth,
            json!({"sub":"user_1","iss":"https://i","exp":10,"client_id":"c1",
                   "scope":"email user:org:read","org_id":"org_2"}),
        );
        let org = id.org().expect("org");
        assert_eq!(org.id(), "org_2");
        assert_eq!(org.role(), None);
        assert!(!org.permissions_known());
        assert_eq!(id.user().client_id(), Some("c1"));
        assert_eq!(id.user().scopes(), ["email", "user:org:read"]);
        assert!(id.user().has_scope("email") && !id.user().has_scope("profile"));
    }

    #[test]
    fn scopes_from_scp_array_and_m2m_scopes() {
        let id = identity(
            TokenKind::OAuth,
            json!({"sub":"user_1","iss":"https://i","exp":10,"scp":["a","b"]}),
        );
        assert_eq!(id.user().scopes(), ["a", "b"]);
        let id = identity(
            TokenKind::M2M,
            json!({"sub":"mch_1","iss":"https://i","exp":10,"scopes":"x y","org_id":"org_1"}),
        );
        assert_eq!(id.user().scopes(), ["x", "y"]);
        assert!(id.org().is_none());
    }

    #[test]
    fn actor_claim() {
        let id = identity(
            TokenKind::Session,
            json!({"sub":"user_1","iss":"https://i","exp":10,
                   "act":{"sub":"user_admin","sid":"sess_a","type":"agent"}}),
        );
        let act = id.user().actor().expect("actor");
        assert_eq!(act.sub(), "user_admin");
        assert_eq!(act.session_id(), Some("sess_a"));
        assert_eq!(act.kind(), Some("agent"));
    }
}
