//! A local Clerk emulator for development and tests (feature `dev`).
//!
//! [`DevClerk`] starts an axum app on a loopback port that has the shape of
//! Clerk's Frontend API, so real MCP clients (MCP Inspector, Claude, Cursor,
//! the TypeScript SDK, rmcp) can run the whole OAuth flow against your server
//! without a Clerk account:
//!
//! | endpoint | what it does |
//! |---|---|
//! | `/.well-known/jwks.json` | the instance's RSA public key (new `kid` each start) |
//! | `/.well-known/oauth-authorization-server`, `/.well-known/openid-configuration` | discovery, issuer = the emulator's base URL, PKCE `S256` only |
//! | `POST /oauth/register` | RFC 7591 dynamic client registration; no `scope` ⇒ the default scopes (`email profile offline_access`) |
//! | `/oauth/authorize` | PKCE S256 required, `resource` accepted, HTML consent page with a dev user and organization chooser, or auto-consent |
//! | `POST /oauth/token` | `authorization_code` (PKCE, redirect URI and client checks) and `refresh_token` |
//! | `/oauth/userinfo` | the user behind an access token |
//! | `GET /v1/users/{id}`, `GET /v1/users/{id}/organization_memberships` | the Backend API's Clerk-shaped user and its memberships (secret key auth, as every `/v1` route) |
//! | `GET /v1/organizations/{id}`, `GET /v1/organizations/{id}/memberships` | an organization and its members |
//! | `PATCH`, `DELETE /v1/organizations/{id}/memberships/{user_id}` | change a member's role, remove a member (also [`DevClerkServer::set_role`], [`DevClerkServer::remove_member`]) |
//! | `POST /v1/oauth_applications/access_tokens/verify`, `/v1/m2m_tokens/verify`, `/v1/api_keys/verify` | opaque-credential verification |
//!
//! Access tokens look like Clerk's: header `typ: at+jwt` and `kid`; claims
//! `iss`, `sub`, `client_id`, `scope`, `jti` (`oat_…`), `iat`, `nbf`, `exp`;
//! **no `aud`**; `org_id` only when `user:org:read` was granted and an
//! organization was chosen.
//!
//! The emulator refuses to listen on a non-loopback address unless forced, and
//! prints a warning when it starts: it signs tokens for whoever asks.
//!
//! ```no_run
//! # async fn run() -> Result<(), mcp_clerk::dev::DevError> {
//! use mcp_clerk::dev::DevClerk;
//!
//! let clerk = DevClerk::new().auto_consent(true).start().await?;
//! println!("issuer: {}", clerk.issuer());
//! let token = clerk.token("user_alice").org("org_acme").mint()?;
//! # let _ = token; Ok(()) }
//! ```

mod directory;
mod error;
mod mint;
mod opaque;
mod request_log;
mod routes;
mod state;
mod util;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::serve::ListenerExt as _;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use directory::{DevDirectory, DevMember, DevOrganization, DevUser, Membership};
pub use error::DevError;
pub use opaque::{DevApiKey, DevMachineToken, DevTokenFormat};
pub use request_log::RequestLog;

use crate::keys::SigningKey;
use crate::policy::ORG_SCOPE;
use mint::{AccessGrant, Minter};
use state::{AutoConsent, Settings, Shared};

/// The scopes a client registered without `scope` gets, as at Clerk.
pub const DEFAULT_SCOPES: &[&str] = &["email", "profile", "offline_access"];

/// The scopes Clerk advertises (with Organizations enabled).
pub const SCOPES_SUPPORTED: &[&str] = &[
    "openid",
    "profile",
    "email",
    "public_metadata",
    "private_metadata",
    "offline_access",
    ORG_SCOPE,
];

/// Builder for the development emulator. See the [module docs](self).
///
/// ```
/// use mcp_clerk::dev::{DevClerk, DevDirectory, DevOrganization, DevUser};
///
/// let dev = DevClerk::new()
///     .directory(
///         DevDirectory::new()
///             .user(DevUser::new("user_1").email("one@example.com"))
///             .organization(DevOrganization::new("org_1", "One", "one").member("user_1", "admin"))
///             .role("admin", ["org:projects:create"]),
///     )
///     .default_scopes(["email", "profile", "user:org:read"])
///     .auto_consent_as("user_1", Some("org_1"));
/// # let _ = dev;
/// ```
#[derive(Clone)]
pub struct DevClerk {
    directory: DevDirectory,
    bind: SocketAddr,
    allow_non_loopback: bool,
    public_url: Option<String>,
    default_scopes: Vec<String>,
    extra_scopes: Vec<String>,
    auto_consent: Option<AutoConsent>,
    access_ttl: Duration,
    secret_key: Option<String>,
    audience_from_resource: bool,
    refresh_tokens: bool,
    token_format: DevTokenFormat,
}

impl std::fmt::Debug for DevClerk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevClerk")
            .field("bind", &self.bind)
            .field("public_url", &self.public_url)
            .field("default_scopes", &self.default_scopes)
            .field("auto_consent", &self.auto_consent)
            .field("token_format", &self.token_format)
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

impl Default for DevClerk {
    fn default() -> Self {
        Self::new()
    }
}

fn truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

impl DevClerk {
    /// An emulator with the [sample directory](DevDirectory::sample) on
    /// `127.0.0.1:0` (an ephemeral port), showing the consent page.
    pub fn new() -> Self {
        Self {
            directory: DevDirectory::sample(),
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            allow_non_loopback: false,
            public_url: None,
            default_scopes: DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            extra_scopes: Vec::new(),
            auto_consent: None,
            access_ttl: Duration::from_secs(86_400),
            secret_key: None,
            token_format: DevTokenFormat::Jwt,
            audience_from_resource: false,
            refresh_tokens: true,
        }
    }

    /// [`DevClerk::new`] adjusted by environment variables:
    ///
    /// | variable | effect |
    /// |---|---|
    /// | `MCP_CLERK_DEV_CONFIG` | path of a JSON [`DevDirectory`] |
    /// | `MCP_CLERK_DEV_ADDR` | listen address (default `127.0.0.1:0`) |
    /// | `MCP_CLERK_DEV_AUTO_CONSENT` | `1`/`true`: approve as the first user; `user_id` or `user_id/org_id`: approve as that user |
    /// | `MCP_CLERK_DEV_DEFAULT_SCOPES` | space-separated default scopes for clients registered without `scope` |
    /// | `MCP_CLERK_DEV_PUBLIC_URL` | the issuer, when clients reach the emulator through another URL |
    /// | `MCP_CLERK_DEV_SECRET_KEY` | the Backend API secret key (default: random `sk_test_dev_…`) |
    /// | `MCP_CLERK_DEV_TOKEN_FORMAT` | `jwt` (default) or `opaque`: the format of OAuth access tokens |
    /// | `MCP_CLERK_DEV_ALLOW_NON_LOOPBACK` | `1` to allow a non-loopback listen address |
    pub fn from_env() -> Result<Self, DevError> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup`.
    ///
    /// ```
    /// use mcp_clerk::dev::DevClerk;
    ///
    /// let dev = DevClerk::from_env_with(|name| match name {
    ///     "MCP_CLERK_DEV_AUTO_CONSENT" => Some("user_bob/org_acme".into()),
    ///     _ => None,
    /// })
    /// .unwrap();
    /// # let _ = dev;
    /// ```
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, DevError> {
        let env = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mut dev = Self::new();
        if let Some(path) = env("MCP_CLERK_DEV_CONFIG") {
            dev.directory = DevDirectory::from_file(path.trim())?;
        }
        if let Some(addr) = env("MCP_CLERK_DEV_ADDR") {
            dev.bind = addr.trim().parse().map_err(|e| {
                DevError::Config(format!(
                    "MCP_CLERK_DEV_ADDR `{}` is not a socket address (like 127.0.0.1:3001): {e}",
                    addr.trim()
                ))
            })?;
        }
        if let Some(v) = env("MCP_CLERK_DEV_AUTO_CONSENT") {
            let v = v.trim();
            dev.auto_consent = if truthy(v) {
                Some(AutoConsent {
                    user: None,
                    org: None,
                })
            } else if matches!(
                v.to_ascii_lowercase().as_str(),
                "0" | "false" | "no" | "off"
            ) {
                None
            } else {
                let (user, org) = match v.split_once('/') {
                    Some((u, o)) => (u.to_owned(), Some(o.to_owned())),
                    None => (v.to_owned(), None),
                };
                Some(AutoConsent {
                    user: Some(user),
                    org,
                })
            };
        }
        if let Some(scopes) = env("MCP_CLERK_DEV_DEFAULT_SCOPES") {
            dev.default_scopes = util::split_scopes(&scopes.replace(',', " "));
        }
        dev.public_url =
            env("MCP_CLERK_DEV_PUBLIC_URL").map(|u| u.trim().trim_end_matches('/').to_owned());
        dev.secret_key = env("MCP_CLERK_DEV_SECRET_KEY").map(|k| k.trim().to_owned());
        if let Some(format) = env("MCP_CLERK_DEV_TOKEN_FORMAT") {
            dev.token_format = DevTokenFormat::parse(&format)?;
        }
        dev.allow_non_loopback =
            env("MCP_CLERK_DEV_ALLOW_NON_LOOPBACK").is_some_and(|v| truthy(&v));
        Ok(dev)
    }

    /// The format of the OAuth access tokens issued (default JWT). With
    /// [`DevTokenFormat::Opaque`] the emulator behaves like a Clerk application
    /// created before 2026: `oat_…` tokens that only the Backend API verifies.
    pub fn token_format(mut self, format: DevTokenFormat) -> Self {
        self.token_format = format;
        self
    }

    /// Replaces the users and organizations.
    pub fn directory(mut self, directory: DevDirectory) -> Self {
        self.directory = directory;
        self
    }

    /// Loads users and organizations from a JSON file (see [`DevDirectory`]).
    pub fn config_file(mut self, path: impl AsRef<std::path::Path>) -> Result<Self, DevError> {
        self.directory = DevDirectory::from_file(path)?;
        Ok(self)
    }

    /// The listen address (default `127.0.0.1:0`). Non-loopback addresses are
    /// refused by [`start`](Self::start) unless [`allow_non_loopback`](Self::allow_non_loopback).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Allows a non-loopback listen address. Anyone who can reach it gets tokens.
    pub fn allow_non_loopback(mut self) -> Self {
        self.allow_non_loopback = true;
        self
    }

    /// The issuer URL, when clients reach the emulator through another URL
    /// (default `http://<listen address>`). A trailing `/` is removed.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into().trim_end_matches('/').to_owned());
        self
    }

    /// The scopes a client registered without `scope` is allowed
    /// (default [`DEFAULT_SCOPES`]). Asking later for any other scope fails
    /// with `invalid_scope`, as at Clerk.
    pub fn default_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.default_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Advertises and allows a custom scope besides [`SCOPES_SUPPORTED`].
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.extra_scopes.push(scope.into());
        self
    }

    /// Approves every authorization request at once (as the directory's first
    /// user, and that user's first organization when `user:org:read` is asked),
    /// for headless clients and tests. Off by default.
    pub fn auto_consent(mut self, on: bool) -> Self {
        self.auto_consent = on.then_some(AutoConsent {
            user: None,
            org: None,
        });
        self
    }

    /// Approves every authorization request as `user` (and `org` when the
    /// client asks for `user:org:read`).
    pub fn auto_consent_as(mut self, user: impl Into<String>, org: Option<&str>) -> Self {
        self.auto_consent = Some(AutoConsent {
            user: Some(user.into()),
            org: org.map(str::to_owned),
        });
        self
    }

    /// Lifetime of access tokens (default one day, as at Clerk).
    pub fn access_token_ttl(mut self, ttl: Duration) -> Self {
        self.access_ttl = ttl;
        self
    }

    /// The Backend API secret key (default: a random `sk_test_dev_…`).
    pub fn secret_key(mut self, key: impl Into<String>) -> Self {
        self.secret_key = Some(key.into());
        self
    }

    /// Puts the client's `resource` into the access token's `aud` (Clerk does
    /// not yet; use it to test audience binding). Off by default.
    pub fn audience_from_resource(mut self, on: bool) -> Self {
        self.audience_from_resource = on;
        self
    }

    /// Whether `offline_access` yields refresh tokens (default on). Turning it
    /// off makes clients step up through the authorize endpoint.
    pub fn refresh_tokens(mut self, on: bool) -> Self {
        self.refresh_tokens = on;
        self
    }

    /// Binds the listener and serves the emulator in a background task.
    pub async fn start(self) -> Result<DevClerkServer, DevError> {
        self.directory.validate()?;
        let mut scopes_supported: Vec<String> =
            SCOPES_SUPPORTED.iter().map(|s| (*s).to_owned()).collect();
        for s in self.extra_scopes.iter().chain(self.default_scopes.iter()) {
            if !scopes_supported.contains(s) {
                scopes_supported.push(s.clone());
            }
        }
        if let Some(auto) = &self.auto_consent
            && let Some(user) = &auto.user
        {
            if self.directory.find_user(user).is_none() {
                return Err(DevError::UnknownUser(user.clone()));
            }
            if let Some(org) = &auto.org
                && self.directory.membership(user, org).is_none()
            {
                return Err(DevError::NotAMember {
                    user: user.clone(),
                    org: org.clone(),
                });
            }
        }
        if !self.bind.ip().is_loopback() && !self.allow_non_loopback {
            return Err(DevError::NonLoopback(self.bind));
        }
        let listener = tokio::net::TcpListener::bind(self.bind)
            .await
            .map_err(|source| DevError::Bind {
                addr: self.bind,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| DevError::Bind {
            addr: self.bind,
            source,
        })?;
        let issuer = self
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"));
        let instance_id = util::clerk_id("ins_dev");
        let key = Arc::new(SigningKey::generate(instance_id.clone()));
        let minter = Minter::new(key, issuer.clone());
        let settings = Settings {
            issuer: issuer.clone(),
            instance_id,
            default_scopes: self.default_scopes,
            scopes_supported,
            auto_consent: self.auto_consent,
            access_ttl_secs: self.access_ttl.as_secs().max(1),
            secret_key: self
                .secret_key
                .unwrap_or_else(|| format!("sk_test_dev_{}", util::secret())),
            audience_from_resource: self.audience_from_resource,
            issue_refresh_tokens: self.refresh_tokens,
            token_format: self.token_format,
        };
        let shared = Arc::new(Shared::new(settings, self.directory, minter));
        let app = routes::router(shared.clone()).layer(tower_http::cors::CorsLayer::permissive());
        let (tx, rx) = oneshot::channel::<()>();
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "dev clerk emulator stopped");
            }
        });
        let loud = if addr.ip().is_loopback() {
            ""
        } else {
            " ON A NON-LOOPBACK ADDRESS"
        };
        eprintln!(
            "\n  !! mcp-clerk DEV Clerk emulator{loud} at {issuer}\n  !! for local development only: it signs tokens for anyone who asks. Never use it in production.\n"
        );
        tracing::warn!(%issuer, %addr, "mcp-clerk dev Clerk emulator running: for development only, never in production");
        Ok(DevClerkServer {
            shared,
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }
}

/// A running emulator. Dropping it stops the server.
///
/// Point the resource server at it with [`config_builder`](Self::config_builder):
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use mcp_clerk::Verifier;
/// use mcp_clerk::dev::DevClerk;
///
/// let clerk = DevClerk::new().start().await?;
/// let config = clerk.config_builder().resource_url("http://127.0.0.1:3000/mcp").build()?;
/// let verifier = Verifier::new(&config)?;
///
/// let token = clerk.token("user_alice").org("org_acme").mint()?;
/// let caller = verifier.verify(&token).await?;
/// assert_eq!(caller.org().map(|org| org.id()), Some("org_acme"));
/// assert_eq!(clerk.request_log(), ["GET /.well-known/jwks.json 200"]);
/// clerk.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct DevClerkServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl DevClerkServer {
    /// The issuer / Frontend API URL (`http://127.0.0.1:<port>`), what
    /// `CLERK_ISSUER`-style settings of the resource server should name.
    pub fn issuer(&self) -> &str {
        &self.shared.settings.issuer
    }

    /// The address the emulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `<issuer>/.well-known/jwks.json`.
    pub fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.issuer())
    }

    /// The signing key's public half as PEM (the form of `CLERK_JWT_KEY`).
    pub fn public_pem(&self) -> String {
        self.shared.minter.key().public_pem()
    }

    /// The key id (`kid`) of the signing key, also the instance id.
    pub fn kid(&self) -> &str {
        self.shared.minter.key().kid()
    }

    /// The Backend API secret key (`Authorization: Bearer <key>` on `/v1/...`).
    pub fn secret_key(&self) -> &str {
        &self.shared.settings.secret_key
    }

    /// The Backend API base URL (`<issuer>/v1`).
    pub fn backend_api_url(&self) -> String {
        format!("{}/v1", self.issuer())
    }

    /// A [`ClerkConfigBuilder`](crate::config::ClerkConfigBuilder) that trusts
    /// this emulator: its issuer and its Backend API secret key. Add the
    /// resource URL and scopes, then `build()`.
    pub fn config_builder(&self) -> crate::config::ClerkConfigBuilder {
        crate::ClerkConfig::builder()
            .issuer(self.issuer())
            .secret_key(self.secret_key().to_owned())
            .api_url(self.backend_api_url())
    }

    /// A [`Clerk`](crate::backend::Clerk) Backend API handle talking to this
    /// emulator with its secret key.
    pub fn backend(&self) -> crate::backend::Clerk {
        crate::backend::Clerk::new(self.secret_key()).api_url(self.backend_api_url())
    }

    /// The most recent requests (at most 1000), oldest first, as
    /// `METHOD /path STATUS` — without query strings, which carry codes. Handy
    /// to see which steps of the OAuth flow a client went through.
    pub fn request_log(&self) -> Vec<String> {
        self.shared.requests.entries()
    }

    /// [`request_log`](Self::request_log) with the moment each response was
    /// produced, to merge it with another server's log into one timeline
    /// (which steps a client took, in which order, across servers).
    pub fn request_log_timed(&self) -> Vec<(std::time::Instant, String)> {
        self.shared.requests.timed()
    }

    /// The users and organizations as they are now (a copy: memberships
    /// change with [`remove_member`](Self::remove_member) and the like).
    pub fn directory(&self) -> DevDirectory {
        self.shared.directory().clone()
    }

    /// Removes `user_id` from `org_id`, as `DELETE
    /// /v1/organizations/{org}/memberships/{user}` does: the Backend API's
    /// membership endpoints stop listing it at once (tokens already minted
    /// keep their claims, as at Clerk).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let clerk = mcp_clerk::dev::DevClerk::new().start().await?;
    /// let backend = clerk.backend().membership_ttl(std::time::Duration::ZERO);
    /// assert!(backend.membership("user_bob", "org_acme").await?.is_some());
    /// clerk.remove_member("org_acme", "user_bob")?;
    /// assert!(backend.membership("user_bob", "org_acme").await?.is_none());
    /// # Ok(()) }
    /// ```
    pub fn remove_member(&self, org_id: &str, user_id: &str) -> Result<(), DevError> {
        self.shared.directory_mut().remove_member(org_id, user_id)
    }

    /// Gives the member `user_id` of `org_id` another role (`admin` or
    /// `org:admin`), as `PATCH /v1/organizations/{org}/memberships/{user}` does.
    pub fn set_role(&self, org_id: &str, user_id: &str, role: &str) -> Result<(), DevError> {
        self.shared.directory_mut().set_role(org_id, user_id, role)
    }

    /// Makes the known user `user_id` a member of `org_id` with `role` (or
    /// changes the role of a member).
    pub fn add_member(&self, org_id: &str, user_id: &str, role: &str) -> Result<(), DevError> {
        self.shared
            .directory_mut()
            .add_member(org_id, user_id, role)
    }

    /// Starts minting a token for `user_id` directly, without the OAuth flow.
    ///
    /// By default an OAuth access token with the default scopes, client id
    /// `dev_client` and the configured lifetime.
    pub fn token(&self, user_id: impl Into<String>) -> DevToken<'_> {
        DevToken {
            server: self,
            user_id: user_id.into(),
            org_id: None,
            scopes: self.shared.settings.default_scopes.clone(),
            client_id: "dev_client".to_owned(),
            ttl: Duration::from_secs(self.shared.settings.access_ttl_secs),
            audience: None,
            session: false,
            opaque: self.shared.settings.token_format == DevTokenFormat::Opaque,
        }
    }

    /// Stops the server and waits (at most 5 s) for it to finish.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for DevClerkServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A token being minted by [`DevClerkServer::token`].
///
/// Minting checks the directory, so tokens are only ever issued for real
/// memberships:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use mcp_clerk::dev::{DevClerk, DevError};
/// use mcp_clerk::{TokenKind, Verifier};
///
/// let clerk = DevClerk::new().start().await?;
/// let config = clerk.config_builder().accept([TokenKind::OAuth, TokenKind::Session]).build()?;
/// let verifier = Verifier::new(&config)?;
///
/// // A session token carries the organization role and permissions.
/// let session = clerk.token("user_bob").org("org_acme").session().mint()?;
/// let org = verifier.verify(&session).await?.org().cloned().expect("org");
/// assert!(org.has_role("member") && org.has_permission("org:projects:read"));
///
/// let stranger = clerk.token("user_bob").org("org_globex").mint();
/// assert!(matches!(stranger, Err(DevError::NotAMember { .. })));
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "call .mint() to get the token"]
pub struct DevToken<'a> {
    server: &'a DevClerkServer,
    user_id: String,
    org_id: Option<String>,
    scopes: Vec<String>,
    client_id: String,
    ttl: Duration,
    audience: Option<String>,
    session: bool,
    opaque: bool,
}

impl DevToken<'_> {
    /// An opaque `oat_…` OAuth access token, whatever the emulator's
    /// [`token_format`](DevClerk::token_format).
    pub fn opaque(mut self) -> Self {
        self.opaque = true;
        self
    }

    /// A JWT OAuth access token, whatever the emulator's format.
    pub fn jwt(mut self) -> Self {
        self.opaque = false;
        self
    }

    /// Replaces the scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a scope.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        let scope = scope.into();
        if !self.scopes.contains(&scope) {
            self.scopes.push(scope);
        }
        self
    }

    /// The active organization. For OAuth tokens this puts `org_id` into the
    /// token and adds `user:org:read` to the scopes, as Clerk would.
    pub fn org(mut self, org_id: impl Into<String>) -> Self {
        self.org_id = Some(org_id.into());
        self
    }

    /// The OAuth `client_id` claim (default `dev_client`).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self
    }

    /// The token's lifetime.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Adds an `aud` claim (Clerk's OAuth tokens carry none today).
    pub fn audience(mut self, aud: impl Into<String>) -> Self {
        self.audience = Some(aud.into());
        self
    }

    /// Mints a v2 **session** token (`typ: JWT`) instead, whose `o` claim
    /// carries the organization role and permissions.
    pub fn session(mut self) -> Self {
        self.session = true;
        self
    }

    /// Signs the token.
    ///
    /// Fails for an unknown user or an organization the user is not a member of.
    pub fn mint(self) -> Result<String, DevError> {
        let shared = &self.server.shared;
        let directory = shared.directory();
        if directory.find_user(&self.user_id).is_none() {
            return Err(DevError::UnknownUser(self.user_id));
        }
        let membership = match &self.org_id {
            Some(org) => Some(directory.membership(&self.user_id, org).ok_or_else(|| {
                DevError::NotAMember {
                    user: self.user_id.clone(),
                    org: org.clone(),
                }
            })?),
            None => None,
        };
        let ttl = self.ttl.as_secs().max(1);
        if self.session {
            return Ok(shared
                .minter
                .session_token(&self.user_id, membership.as_ref(), None, ttl));
        }
        let mut scopes = self.scopes;
        if self.org_id.is_some() && !scopes.iter().any(|s| s == ORG_SCOPE) {
            scopes.push(ORG_SCOPE.to_owned());
        }
        let grant = AccessGrant {
            user_id: self.user_id,
            client_id: self.client_id,
            scopes,
            org_id: self.org_id,
            audience: self.audience,
            ttl_secs: ttl,
        };
        if self.opaque {
            return shared.issue_opaque_access_token(&grant);
        }
        Ok(shared.minter.access_token(&grant))
    }
}
