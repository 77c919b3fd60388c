//! [`ClerkConfigBuilder`]: set values in code, validate once in `build()`.

use std::sync::Arc;
use std::time::Duration;

use super::{Accepted, ClerkConfig, ConfigError, Secret, parse};
use crate::TokenKind;

const ISSUER_HELP: &str = "set CLERK_FRONTEND_API_URL (or MCP_CLERK_FRONTEND_API_URL, which takes precedence; builder: `.issuer(..)`) to your Clerk Frontend API URL, \
     e.g. https://your-app.clerk.accounts.dev, or set CLERK_PUBLISHABLE_KEY (builder: `.publishable_key(..)`)";
const RESOURCE_HELP: &str = "set MCP_CLERK_RESOURCE_URL (builder: `.resource_url(..)`) to the exact public URL of \
     the MCP endpoint, path included, e.g. https://mcp.example.com/mcp";

/// Builds a [`ClerkConfig`]; see [`ClerkConfig::builder`].
///
/// Setters only record values; [`build`](Self::build) validates them all and
/// returns the first problem as a [`ConfigError`] naming the setting.
///
/// ```
/// use std::time::Duration;
/// use mcp_clerk::ClerkConfig;
/// use mcp_clerk::config::ClerkConfigBuilder;
///
/// // The environment, with a value decided in code:
/// fn config(public_url: &str) -> Result<ClerkConfig, mcp_clerk::ConfigError> {
///     ClerkConfigBuilder::from_env()?
///         .resource_url(format!("{public_url}/mcp"))
///         .jwks_timeout(Duration::from_secs(2))
///         .build()
/// }
///
/// let err = ClerkConfig::builder()
///     .issuer("https://your-app.clerk.accounts.dev")
///     .secret_key("pk_test_oops") // a publishable key where the secret key goes
///     .build()
///     .unwrap_err();
/// assert_eq!(err.variable(), Some("CLERK_SECRET_KEY"));
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "call .build() to get a ClerkConfig"]
pub struct ClerkConfigBuilder {
    issuer: Option<String>,
    /// The environment variable the issuer was read from, so that errors name
    /// it (`None`: set in code, reported as `CLERK_FRONTEND_API_URL`).
    issuer_var: Option<&'static str>,
    publishable_key: Option<String>,
    jwt_key: Option<Secret>,
    secret_key: Option<Secret>,
    api_url: Option<String>,
    resource_url: Option<String>,
    scopes: Vec<String>,
    accepted: Option<Vec<TokenKind>>,
    audiences: Vec<String>,
    require_audience: bool,
    authorized_parties: Vec<String>,
    accept_pending_sessions: bool,
    clock_skew: Option<Duration>,
    jwks_ttl: Option<Duration>,
    jwks_cooldown: Option<Duration>,
    jwks_timeout: Option<Duration>,
    token_cache_capacity: Option<u64>,
    token_cache_max_ttl: Option<Duration>,
    opaque_token_ttl: Option<Duration>,
    membership_ttl: Option<Duration>,
    backend_timeout: Option<Duration>,
}

impl ClerkConfigBuilder {
    /// Starts from the environment (every variable [`ClerkConfig::from_env`]
    /// reads), so code can override single values before `build()`.
    pub fn from_env() -> Result<Self, ConfigError> {
        super::env::builder_from(|name| std::env::var(name).ok())
    }

    /// The Clerk Frontend API URL (`CLERK_FRONTEND_API_URL`): the token issuer.
    /// Takes precedence over [`publishable_key`](Self::publishable_key).
    pub fn issuer(mut self, url: impl Into<String>) -> Self {
        self.issuer = Some(url.into());
        self.issuer_var = None;
        self
    }

    /// Sets the issuer as read from the environment variable `var`, which
    /// errors about it then name.
    pub(super) fn issuer_from_env(mut self, var: &'static str, url: String) -> Self {
        self.issuer = Some(url);
        self.issuer_var = Some(var);
        self
    }

    /// A publishable key (`pk_test_…`/`pk_live_…`) to derive the issuer from.
    pub fn publishable_key(mut self, key: impl Into<String>) -> Self {
        self.publishable_key = Some(key.into());
        self
    }

    /// The instance's PEM public key (`CLERK_JWT_KEY`), armor optional.
    /// With it, tokens are verified without any network call.
    pub fn jwt_key(mut self, pem: impl Into<String>) -> Self {
        self.jwt_key = Some(Secret(pem.into()));
        self
    }

    /// The Clerk secret key (`CLERK_SECRET_KEY`), for Backend API calls.
    pub fn secret_key(mut self, key: impl Into<String>) -> Self {
        self.secret_key = Some(Secret(key.into()));
        self
    }

    /// The Clerk Backend API base URL (`CLERK_API_URL`, default
    /// `https://api.clerk.com/v1`), used with the secret key to look up what
    /// OAuth access tokens do not carry (organization roles and permissions).
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = Some(url.into());
        self
    }

    /// The exact public URL of the MCP endpoint (`MCP_CLERK_RESOURCE_URL`).
    pub fn resource_url(mut self, url: impl Into<String>) -> Self {
        self.resource_url = Some(url.into());
        self
    }

    /// The scopes advertised to clients (`MCP_CLERK_SCOPES`); replaces earlier values.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The token kinds accepted (`MCP_CLERK_ACCEPT`); default: OAuth access tokens only.
    pub fn accept(mut self, kinds: impl IntoIterator<Item = TokenKind>) -> Self {
        self.accepted = Some(kinds.into_iter().collect());
        self
    }

    /// Extra audiences a token's `aud` may name, besides the resource URL
    /// (`MCP_CLERK_AUDIENCES`); replaces earlier values.
    pub fn audiences<I, S>(mut self, audiences: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.audiences = audiences.into_iter().map(Into::into).collect();
        self
    }

    /// Refuse tokens without `aud` (`MCP_CLERK_REQUIRE_AUDIENCE`). Off by
    /// default, because Clerk's OAuth access tokens carry no `aud` today.
    pub fn require_audience(mut self, yes: bool) -> Self {
        self.require_audience = yes;
        self
    }

    /// Origins allowed in a session token's `azp` (`CLERK_AUTHORIZED_PARTIES`).
    /// When set, a session token without `azp` is refused.
    pub fn authorized_parties<I, S>(mut self, parties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.authorized_parties = parties.into_iter().map(Into::into).collect();
        self
    }

    /// Accept session tokens whose session is `pending` (`sts: pending`). Off by default.
    pub fn accept_pending_sessions(mut self, yes: bool) -> Self {
        self.accept_pending_sessions = yes;
        self
    }

    /// Clock skew tolerated on `exp`, `nbf`, `iat` (`MCP_CLERK_CLOCK_SKEW`; default 5 s).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = Some(skew);
        self
    }

    /// How often the JWKS is refetched (`MCP_CLERK_JWKS_TTL`; default 5 min), in the background
    /// and whether or not requests arrive: a key removed from the JWKS stops verifying, cached
    /// tokens included, within the TTL (plus the cooldown after a failed fetch).
    pub fn jwks_ttl(mut self, ttl: Duration) -> Self {
        self.jwks_ttl = Some(ttl);
        self
    }

    /// Minimum time between two JWKS fetches (`MCP_CLERK_JWKS_COOLDOWN`; default 30 s).
    pub fn jwks_cooldown(mut self, cooldown: Duration) -> Self {
        self.jwks_cooldown = Some(cooldown);
        self
    }

    /// Timeout of one JWKS fetch (`MCP_CLERK_JWKS_TIMEOUT`; default 5 s).
    pub fn jwks_timeout(mut self, timeout: Duration) -> Self {
        self.jwks_timeout = Some(timeout);
        self
    }

    /// Number of verified tokens cached (`MCP_CLERK_TOKEN_CACHE_SIZE`; default 10 000; 0 disables).
    pub fn token_cache_capacity(mut self, entries: u64) -> Self {
        self.token_cache_capacity = Some(entries);
        self
    }

    /// Longest time a verified token is served from the cache before it is
    /// verified again (default 5 min; never beyond the token's `exp`).
    pub fn token_cache_max_ttl(mut self, ttl: Duration) -> Self {
        self.token_cache_max_ttl = Some(ttl);
        self
    }

    /// How long Clerk's answer for an opaque token (`oat_…`, `mt_…`, `ak_…`)
    /// is reused before Clerk is asked again (`MCP_CLERK_OPAQUE_TOKEN_TTL`;
    /// default 60 s; never past the token's expiration; zero asks on every
    /// request). A revoked opaque token is refused at most this long after
    /// its revocation.
    pub fn opaque_token_ttl(mut self, ttl: Duration) -> Self {
        self.opaque_token_ttl = Some(ttl);
        self
    }

    /// How long a caller's organization memberships, read from the Backend
    /// API with the secret key, are reused (`MCP_CLERK_MEMBERSHIP_TTL`;
    /// default 60 s; zero reads them on every request). A member removed
    /// from an organization, or whose role or permissions changed, gets the
    /// new access at most this long after the change, whatever the token
    /// says, session tokens included.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_clerk::ClerkConfig;
    ///
    /// let config = ClerkConfig::builder()
    ///     .issuer("https://clerk.example.com")
    ///     .secret_key("sk_test_example")
    ///     .membership_ttl(Duration::from_secs(5))
    ///     .build()?;
    /// assert_eq!(config.membership_ttl(), Duration::from_secs(5));
    /// # Ok::<(), mcp_clerk::ConfigError>(())
    /// ```
    pub fn membership_ttl(mut self, ttl: Duration) -> Self {
        self.membership_ttl = Some(ttl);
        self
    }

    /// Timeout of one Clerk Backend API request (`MCP_CLERK_BACKEND_TIMEOUT`;
    /// default 5 s). A request that takes longer is a 503 with `Retry-After`.
    pub fn backend_timeout(mut self, timeout: Duration) -> Self {
        self.backend_timeout = Some(timeout);
        self
    }

    /// Validates every setting and builds the config.
    pub fn build(self) -> Result<ClerkConfig, ConfigError> {
        let issuer = match (&self.issuer, &self.publishable_key) {
            (Some(url), _) => parse::web_url(
                self.issuer_var.unwrap_or("CLERK_FRONTEND_API_URL"),
                url,
                ISSUER_HELP,
            )?,
            (None, Some(pk)) => parse::issuer_from_publishable_key(pk)?,
            (None, None) => {
                return Err(ConfigError::Missing {
                    var: "CLERK_FRONTEND_API_URL",
                    help: ISSUER_HELP,
                });
            }
        };
        let jwt_key = self
            .jwt_key
            .as_ref()
            .map(|pem| parse::rsa_public_key(&pem.0).map(Arc::new))
            .transpose()?;
        if let Some(sk) = &self.secret_key
            && !(sk.0.starts_with("sk_test_") || sk.0.starts_with("sk_live_"))
        {
            return Err(ConfigError::invalid(
                "CLERK_SECRET_KEY",
                "it does not start with sk_test_ or sk_live_",
                "copy the secret key from the Clerk Dashboard → API keys (builder: `.secret_key(..)`)",
            ));
        }
        let api_url = match self.api_url.as_deref() {
            Some(url) => parse::web_url(
                "CLERK_API_URL",
                url,
                "set CLERK_API_URL (builder: `.api_url(..)`) to the Backend API base URL, \
                 e.g. https://api.clerk.com/v1, or leave it unset",
            )?,
            None => super::DEFAULT_API_URL.to_owned(),
        };
        let resource_url = self
            .resource_url
            .as_deref()
            .map(|u| parse::web_url("MCP_CLERK_RESOURCE_URL", u, RESOURCE_HELP))
            .transpose()?;
        for scope in &self.scopes {
            let ok = !scope.is_empty()
                && scope
                    .bytes()
                    .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b));
            if !ok {
                return Err(ConfigError::invalid(
                    "MCP_CLERK_SCOPES",
                    format!("`{}` is not a valid OAuth scope", scope.escape_debug()),
                    "use printable ASCII scope names without spaces, quotes or backslashes (RFC 6749 §3.3)",
                ));
            }
        }
        let accepted = match &self.accepted {
            None => Accepted::OAUTH_ONLY,
            Some(kinds) => {
                let accepted = Accepted {
                    oauth: kinds.contains(&TokenKind::OAuth),
                    session: kinds.contains(&TokenKind::Session),
                    m2m: kinds.contains(&TokenKind::M2M),
                    api_key: kinds.contains(&TokenKind::ApiKey),
                };
                if !(accepted.oauth || accepted.session || accepted.m2m || accepted.api_key) {
                    return Err(ConfigError::invalid(
                        "MCP_CLERK_ACCEPT",
                        "no token kind is accepted",
                        "list at least one of oauth, session, m2m, api_key (builder: `.accept([TokenKind::OAuth])`)",
                    ));
                }
                accepted
            }
        };
        if self.audiences.iter().any(|a| a.trim().is_empty()) {
            return Err(ConfigError::invalid(
                "MCP_CLERK_AUDIENCES",
                "an audience is empty",
                "list non-empty audience values (builder: `.audiences(..)`)",
            ));
        }
        if self.require_audience && resource_url.is_none() && self.audiences.is_empty() {
            return Err(ConfigError::invalid(
                "MCP_CLERK_REQUIRE_AUDIENCE",
                "an audience is required but none is configured",
                "also set MCP_CLERK_RESOURCE_URL (builder: `.resource_url(..)`) or MCP_CLERK_AUDIENCES",
            ));
        }
        if self.authorized_parties.iter().any(|p| p.trim().is_empty()) {
            return Err(ConfigError::invalid(
                "CLERK_AUTHORIZED_PARTIES",
                "an authorized party is empty",
                "list origins separated by commas, e.g. https://app.example.com,https://admin.example.com",
            ));
        }
        let clock_skew = self.clock_skew.unwrap_or(super::DEFAULT_CLOCK_SKEW);
        if clock_skew > Duration::from_secs(600) {
            return Err(ConfigError::invalid(
                "MCP_CLERK_CLOCK_SKEW",
                format!("{clock_skew:?} is more than 10 minutes"),
                "use a few seconds (the default, 5 s, matches Clerk's SDKs)",
            ));
        }
        let jwks_timeout = self.jwks_timeout.unwrap_or(super::DEFAULT_JWKS_TIMEOUT);
        if jwks_timeout.is_zero() {
            return Err(ConfigError::invalid(
                "MCP_CLERK_JWKS_TIMEOUT",
                "the timeout is zero",
                "use a positive duration such as 5s",
            ));
        }
        let backend_timeout = self
            .backend_timeout
            .unwrap_or(super::DEFAULT_BACKEND_TIMEOUT);
        if backend_timeout.is_zero() {
            return Err(ConfigError::invalid(
                "MCP_CLERK_BACKEND_TIMEOUT",
                "the timeout is zero",
                "use a positive duration such as 5s",
            ));
        }
        let opaque_token_ttl = self
            .opaque_token_ttl
            .unwrap_or(super::DEFAULT_OPAQUE_TOKEN_TTL);
        let jwks_url = format!("{issuer}/.well-known/jwks.json");
        Ok(ClerkConfig {
            issuer,
            jwks_url,
            jwt_key,
            secret_key: self.secret_key,
            api_url,
            resource_url,
            scopes: self.scopes,
            accepted,
            audiences: self.audiences,
            require_audience: self.require_audience,
            authorized_parties: self.authorized_parties,
            accept_pending_sessions: self.accept_pending_sessions,
            clock_skew,
            jwks_ttl: self.jwks_ttl.unwrap_or(super::DEFAULT_JWKS_TTL),
            jwks_cooldown: self.jwks_cooldown.unwrap_or(super::DEFAULT_JWKS_COOLDOWN),
            jwks_timeout,
            token_cache_capacity: self
                .token_cache_capacity
                .unwrap_or(super::DEFAULT_TOKEN_CACHE_CAPACITY),
            token_cache_max_ttl: self
                .token_cache_max_ttl
                .unwrap_or(super::DEFAULT_TOKEN_CACHE_MAX_TTL),
            opaque_token_ttl,
            membership_ttl: self.membership_ttl.unwrap_or(super::DEFAULT_MEMBERSHIP_TTL),
            backend_timeout,
        })
    }
}
