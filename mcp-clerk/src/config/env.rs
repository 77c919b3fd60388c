//! Reading [`ClerkConfig`] from environment variables.

use super::{ClerkConfig, ClerkConfigBuilder, ConfigError, parse};
use crate::TokenKind;

impl ClerkConfig {
    /// Reads the config from the process environment.
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `MCP_CLERK_FRONTEND_API_URL` or `CLERK_FRONTEND_API_URL` | the issuer (Clerk Frontend API URL) |
    /// | `CLERK_PUBLISHABLE_KEY` | derives the issuer when no URL is set |
    /// | `CLERK_JWT_KEY` | PEM public key: verify without network |
    /// | `CLERK_SECRET_KEY` | secret key (Backend API); never printed |
    /// | `MCP_CLERK_RESOURCE_URL` | exact public URL of the MCP endpoint |
    /// | `MCP_CLERK_SCOPES` | advertised scopes, space or comma separated |
    /// | `MCP_CLERK_ACCEPT` | token kinds: `oauth`, `session`, `m2m`, `api_key` (default `oauth`) |
    /// | `MCP_CLERK_AUDIENCES` | extra accepted audiences |
    /// | `MCP_CLERK_REQUIRE_AUDIENCE` | `true` refuses tokens without `aud` |
    /// | `CLERK_AUTHORIZED_PARTIES` | allowed `azp` origins for session tokens, comma separated |
    /// | `MCP_CLERK_ACCEPT_PENDING_SESSIONS` | `true` accepts `sts: pending` sessions |
    /// | `MCP_CLERK_CLOCK_SKEW` | default `5s` |
    /// | `MCP_CLERK_JWKS_TTL`, `MCP_CLERK_JWKS_COOLDOWN`, `MCP_CLERK_JWKS_TIMEOUT` | defaults `5m`, `30s`, `5s` |
    /// | `MCP_CLERK_TOKEN_CACHE_SIZE` | verified-token cache entries, default 10000, 0 disables |
    /// | `MCP_CLERK_OPAQUE_TOKEN_TTL` | how long Clerk's answer for an opaque token is reused, default `60s` (0 asks every time) |
    /// | `MCP_CLERK_MEMBERSHIP_TTL` | how long a caller's organization memberships (Backend API, secret key) are reused, default `60s` (0 reads them on every request) |
    /// | `MCP_CLERK_BACKEND_TIMEOUT` | timeout of one Backend API request, default `5s` |
    ///
    /// Empty variables count as unset. Durations are seconds (`30`) or carry a
    /// unit (`500ms`, `30s`, `5m`).
    pub fn from_env() -> Result<ClerkConfig, ConfigError> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup`
    /// (for tests, or settings kept in another store).
    pub fn from_env_with(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<ClerkConfig, ConfigError> {
        builder_from(lookup)?.build()
    }
}

pub(super) fn builder_from(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<ClerkConfigBuilder, ConfigError> {
    let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let mut b = ClerkConfig::builder();
    // The variable actually read is the one errors name.
    if let Some(url) = get("MCP_CLERK_FRONTEND_API_URL") {
        b = b.issuer_from_env("MCP_CLERK_FRONTEND_API_URL", url);
    } else if let Some(url) = get("CLERK_FRONTEND_API_URL") {
        b = b.issuer_from_env("CLERK_FRONTEND_API_URL", url);
    }
    if let Some(pk) = get("CLERK_PUBLISHABLE_KEY") {
        b = b.publishable_key(pk);
    }
    if let Some(pem) = get("CLERK_JWT_KEY") {
        b = b.jwt_key(pem);
    }
    if let Some(sk) = get("CLERK_SECRET_KEY") {
        b = b.secret_key(sk.trim().to_owned());
    }
    if let Some(url) = get("CLERK_API_URL") {
        b = b.api_url(url);
    }
    if let Some(url) = get("MCP_CLERK_RESOURCE_URL") {
        b = b.resource_url(url);
    }
    if let Some(scopes) = get("MCP_CLERK_SCOPES") {
        b = b.scopes(parse::list(&scopes));
    }
    if let Some(accept) = get("MCP_CLERK_ACCEPT") {
        b = b.accept(kinds(&accept)?);
    }
    if let Some(aud) = get("MCP_CLERK_AUDIENCES") {
        b = b.audiences(parse::list(&aud));
    }
    if let Some(v) = get("MCP_CLERK_REQUIRE_AUDIENCE") {
        b = b.require_audience(parse::boolean("MCP_CLERK_REQUIRE_AUDIENCE", &v)?);
    }
    if let Some(parties) = get("CLERK_AUTHORIZED_PARTIES") {
        let parties: Vec<String> = parties
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        b = b.authorized_parties(parties);
    }
    if let Some(v) = get("MCP_CLERK_ACCEPT_PENDING_SESSIONS") {
        b = b.accept_pending_sessions(parse::boolean("MCP_CLERK_ACCEPT_PENDING_SESSIONS", &v)?);
    }
    if let Some(v) = get("MCP_CLERK_CLOCK_SKEW") {
        b = b.clock_skew(parse::duration("MCP_CLERK_CLOCK_SKEW", &v)?);
    }
    if let Some(v) = get("MCP_CLERK_JWKS_TTL") {
        b = b.jwks_ttl(parse::duration("MCP_CLERK_JWKS_TTL", &v)?);
    }
    if let Some(v) = get("MCP_CLERK_JWKS_COOLDOWN") {
        b = b.jwks_cooldown(parse::duration("MCP_CLERK_JWKS_COOLDOWN", &v)?);
    }
    if let Some(v) = get("MCP_CLERK_JWKS_TIMEOUT") {
        b = b.jwks_timeout(parse::duration("MCP_CLERK_JWKS_TIMEOUT", &v)?);
    }
    if let Some(v) = get("MCP_CLERK_OPAQUE_TOKEN_TTL") {
        b = b.opaque_token_ttl(parse::duration("MCP_CLERK_OPAQUE_TOKEN_TTL", &v)?);
    }
    if let Some(v) = get("MCP_CLERK_MEMBERSHIP_TTL") {
        b = b.membership_ttl(parse::duration("MCP_CLERK_MEMBERSHIP_TTL", &v)?);
    }
    if let Some(v) = get("MCP_CLERK_BACKEND_TIMEOUT") {
        b = b.backend_timeout(parse::duration("MCP_CLERK_BACKEND_TIMEOUT", &v)?);
    }
    if let Some(v) = get("MCP_CLERK_TOKEN_CACHE_SIZE") {
        let n = v.trim().parse::<u64>().map_err(|_| {
            ConfigError::invalid(
                "MCP_CLERK_TOKEN_CACHE_SIZE",
                format!("`{}` is not a whole number", v.trim()),
                "use a number of entries such as 10000 (0 disables the cache)",
            )
        })?;
        b = b.token_cache_capacity(n);
    }
    Ok(b)
}

fn kinds(value: &str) -> Result<Vec<TokenKind>, ConfigError> {
    let mut out = Vec::new();
    for item in parse::list(value) {
        match item.to_ascii_lowercase().as_str() {
            "oauth" | "oauth_token" => out.push(TokenKind::OAuth),
            "session" | "session_token" => out.push(TokenKind::Session),
            "m2m" | "m2m_token" => out.push(TokenKind::M2M),
            "api_key" | "api_keys" | "apikey" => out.push(TokenKind::ApiKey),
            "any" | "all" => out.extend([
                TokenKind::OAuth,
                TokenKind::Session,
                TokenKind::M2M,
                TokenKind::ApiKey,
            ]),
            other => {
                return Err(ConfigError::invalid(
                    "MCP_CLERK_ACCEPT",
                    format!("unknown token kind `{}`", other.escape_debug()),
                    "use a comma-separated list of oauth, session, m2m, api_key (or any)",
                ));
            }
        }
    }
    Ok(out)
}
