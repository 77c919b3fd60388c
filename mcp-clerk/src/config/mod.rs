//! [`ClerkConfig`]: which Clerk instance to trust and how strictly.
//!
//! Build it from the environment with [`ClerkConfig::from_env`] or in code with
//! [`ClerkConfig::builder`]. Everything is validated when the config is built,
//! so a running server never discovers a bad setting at request time.

mod builder;
mod env;
mod error;
pub(crate) mod parse;

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::DecodingKey;

use crate::TokenKind;

pub use builder::ClerkConfigBuilder;
pub use error::ConfigError;

/// Clerk's Backend API base URL, the default of `CLERK_API_URL`.
pub const DEFAULT_API_URL: &str = "https://api.clerk.com/v1";

/// Default clock skew tolerated on `exp`, `nbf` and `iat` (as Clerk's SDKs).
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(5);
/// Default lifetime of a fetched JWKS before it is refreshed in the background.
pub const DEFAULT_JWKS_TTL: Duration = Duration::from_secs(300);
/// Default minimum time between two JWKS fetches triggered by unknown key ids.
pub const DEFAULT_JWKS_COOLDOWN: Duration = Duration::from_secs(30);
/// Default timeout of one JWKS fetch (connect + response).
pub const DEFAULT_JWKS_TIMEOUT: Duration = Duration::from_secs(5);
/// Default number of verified tokens kept in the cache.
pub const DEFAULT_TOKEN_CACHE_CAPACITY: u64 = 10_000;
/// Default longest time a verified token is served from the cache.
pub const DEFAULT_TOKEN_CACHE_MAX_TTL: Duration = Duration::from_secs(300);
/// Default time Clerk's answer for an opaque token is reused: a revoked
/// opaque token is refused at most this long after its revocation.
pub const DEFAULT_OPAQUE_TOKEN_TTL: Duration = Duration::from_secs(60);
/// Default time a caller's organization memberships, read from the Backend
/// API, are reused: a member removed from an organization, or whose role
/// changed, gets the new access at most this long after the change.
pub const DEFAULT_MEMBERSHIP_TTL: Duration = Duration::from_secs(60);
/// Default timeout of one Clerk Backend API request (connect + answer).
pub const DEFAULT_BACKEND_TIMEOUT: Duration = Duration::from_secs(5);

/// The token kinds a server accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Accepted {
    pub(crate) oauth: bool,
    pub(crate) session: bool,
    pub(crate) m2m: bool,
    pub(crate) api_key: bool,
}

impl Accepted {
    pub(crate) const OAUTH_ONLY: Accepted = Accepted {
        oauth: true,
        session: false,
        m2m: false,
        api_key: false,
    };

    pub(crate) fn contains(self, kind: TokenKind) -> bool {
        match kind {
            TokenKind::OAuth => self.oauth,
            TokenKind::Session => self.session,
            TokenKind::M2M => self.m2m,
            TokenKind::ApiKey => self.api_key,
        }
    }
}

/// A secret that never appears in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(pub(crate) String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"[redacted]\"")
    }
}

/// How to verify Clerk tokens for one MCP server.
///
/// ```
/// use std::time::Duration;
/// use mcp_clerk::{ClerkConfig, TokenKind};
///
/// let config = ClerkConfig::builder()
///     .issuer("https://your-app.clerk.accounts.dev")
///     .resource_url("https://mcp.example.com/mcp")
///     .scopes(["email", "profile"])
///     .accept([TokenKind::OAuth, TokenKind::Session])
///     .clock_skew(Duration::from_secs(5))
///     .build()?;
/// assert_eq!(config.issuer(), "https://your-app.clerk.accounts.dev");
/// assert_eq!(config.resource_url(), Some("https://mcp.example.com/mcp"));
/// assert!(config.accepts(TokenKind::Session) && !config.accepts(TokenKind::M2M));
/// # Ok::<(), mcp_clerk::ConfigError>(())
/// ```
///
/// The same from the environment (see [`from_env`](Self::from_env) for every variable):
///
/// ```
/// # use mcp_clerk::ClerkConfig;
/// let env = |name: &str| match name {
///     "CLERK_PUBLISHABLE_KEY" => Some("pk_test_Y2xlcmsuZXhhbXBsZS5jb20k".to_owned()),
///     "MCP_CLERK_RESOURCE_URL" => Some("https://mcp.example.com/mcp".to_owned()),
///     _ => None,
/// };
/// let config = ClerkConfig::from_env_with(env)?;
/// assert_eq!(config.issuer(), "https://clerk.example.com");
/// # Ok::<(), mcp_clerk::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct ClerkConfig {
    pub(crate) issuer: String,
    pub(crate) jwks_url: String,
    pub(crate) jwt_key: Option<Arc<DecodingKey>>,
    pub(crate) secret_key: Option<Secret>,
    pub(crate) api_url: String,
    pub(crate) resource_url: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) accepted: Accepted,
    pub(crate) audiences: Vec<String>,
    pub(crate) require_audience: bool,
    pub(crate) authorized_parties: Vec<String>,
    pub(crate) accept_pending_sessions: bool,
    pub(crate) clock_skew: Duration,
    pub(crate) jwks_ttl: Duration,
    pub(crate) jwks_cooldown: Duration,
    pub(crate) jwks_timeout: Duration,
    pub(crate) token_cache_capacity: u64,
    pub(crate) token_cache_max_ttl: Duration,
    pub(crate) opaque_token_ttl: Duration,
    pub(crate) membership_ttl: Duration,
    pub(crate) backend_timeout: Duration,
}

impl ClerkConfig {
    /// A builder; only the issuer (or a publishable key) is required.
    pub fn builder() -> ClerkConfigBuilder {
        ClerkConfigBuilder::default()
    }

    /// The Clerk issuer (Frontend API URL, no trailing slash). Tokens must carry
    /// exactly this `iss`; it is also the OAuth authorization server.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Where the signing keys are fetched (`{issuer}/.well-known/jwks.json`),
    /// unless a PEM key is configured.
    pub fn jwks_url(&self) -> &str {
        &self.jwks_url
    }

    /// Whether a PEM public key (`CLERK_JWT_KEY`) is configured, so
    /// verification needs no network.
    pub fn has_jwt_key(&self) -> bool {
        self.jwt_key.is_some()
    }

    /// The Clerk secret key (`CLERK_SECRET_KEY`), for Backend API calls.
    /// Never logged: `Debug` prints it as `[redacted]`.
    pub fn secret_key(&self) -> Option<&str> {
        self.secret_key.as_ref().map(|s| s.0.as_str())
    }

    /// The Clerk Backend API base URL (`CLERK_API_URL`; default
    /// `https://api.clerk.com/v1`, no trailing slash).
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// The exact public URL of the MCP endpoint (path included, no trailing
    /// slash), the RFC 9728 `resource` and the audience tokens may name.
    pub fn resource_url(&self) -> Option<&str> {
        self.resource_url.as_deref()
    }

    /// The scopes advertised to clients (`scopes_supported`).
    pub fn scopes_supported(&self) -> &[String] {
        &self.scopes
    }

    /// Whether tokens of `kind` are accepted.
    pub fn accepts(&self, kind: TokenKind) -> bool {
        self.accepted.contains(kind)
    }

    /// The audiences a token's `aud` may name: the resource URL (when set)
    /// followed by the explicitly configured audiences.
    pub fn audiences(&self) -> Vec<&str> {
        self.resource_url
            .iter()
            .chain(self.audiences.iter())
            .map(String::as_str)
            .collect()
    }

    /// Whether a token without `aud` is refused.
    pub fn require_audience(&self) -> bool {
        self.require_audience
    }

    /// The authorized parties (`azp`) allowed on session tokens; empty means any.
    pub fn authorized_parties(&self) -> &[String] {
        &self.authorized_parties
    }

    /// The clock skew tolerated on `exp`, `nbf` and `iat`.
    pub fn clock_skew(&self) -> Duration {
        self.clock_skew
    }

    /// How long a fetched JWKS is used before it is refreshed in the background.
    pub fn jwks_ttl(&self) -> Duration {
        self.jwks_ttl
    }

    /// Minimum time between two JWKS fetches.
    pub fn jwks_cooldown(&self) -> Duration {
        self.jwks_cooldown
    }

    /// The timeout of one JWKS fetch.
    pub fn jwks_timeout(&self) -> Duration {
        self.jwks_timeout
    }

    /// How many verified tokens are cached (0 disables the cache).
    pub fn token_cache_capacity(&self) -> u64 {
        self.token_cache_capacity
    }

    /// How long Clerk's answer for an opaque token is reused (never past the
    /// token's expiration; zero asks Clerk on every request).
    pub fn opaque_token_ttl(&self) -> Duration {
        self.opaque_token_ttl
    }

    /// How long a caller's organization memberships, read from the Backend
    /// API, are reused before they are read again (zero reads them on every
    /// request). Only with a secret key.
    pub fn membership_ttl(&self) -> Duration {
        self.membership_ttl
    }

    /// The timeout of one Clerk Backend API request.
    pub fn backend_timeout(&self) -> Duration {
        self.backend_timeout
    }

    /// Whether opaque tokens of an accepted kind can reach this server while it
    /// has no secret key to verify them (the server warns at start-up).
    pub(crate) fn opaque_tokens_unverifiable(&self) -> bool {
        self.secret_key.is_none() && self.accepted.oauth
    }
}

impl std::fmt::Debug for ClerkConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClerkConfig")
            .field("issuer", &self.issuer)
            .field("jwks_url", &self.jwks_url)
            .field("jwt_key", &self.jwt_key.as_ref().map(|_| "[pem]"))
            .field("secret_key", &self.secret_key)
            .field("api_url", &self.api_url)
            .field("resource_url", &self.resource_url)
            .field("scopes", &self.scopes)
            .field("accepted", &self.accepted)
            .field("audiences", &self.audiences)
            .field("require_audience", &self.require_audience)
            .field("authorized_parties", &self.authorized_parties)
            .field("accept_pending_sessions", &self.accept_pending_sessions)
            .field("clock_skew", &self.clock_skew)
            .field("jwks_ttl", &self.jwks_ttl)
            .field("jwks_cooldown", &self.jwks_cooldown)
            .field("jwks_timeout", &self.jwks_timeout)
            .field("token_cache_capacity", &self.token_cache_capacity)
            .field("token_cache_max_ttl", &self.token_cache_max_ttl)
            .field("opaque_token_ttl", &self.opaque_token_ttl)
            .field("membership_ttl", &self.membership_ttl)
            .field("backend_timeout", &self.backend_timeout)
            .finish()
    }
}
