//! The verification pipeline: bearer token → [`Identity`].
//!
//! [`Verifier::verify`] runs, in order:
//! 1. size limit (16 KiB) and opaque-token detection (`oat_`, `mt_`, `ak_`);
//! 2. the verified-token cache (a hit ends here);
//! 3. JWT shape and header: `alg` must be RS256/RS384/RS512, `typ` must be
//!    `at+jwt`, `application/at+jwt` or `JWT`;
//! 4. the key for the header's `kid` (see *Signing keys* below) and the
//!    **signature, before any claim is read**;
//! 5. the claims: kind (OAuth / session / M2M) and whether it is accepted,
//!    `iss` equal to the configured issuer, `exp`/`nbf`/`iat` with clock skew
//!    (Clerk's semantics), the audience policy, and for session tokens the
//!    authorized party (`azp`) and session status (`sts`).
//!
//! # Signing keys
//!
//! With `CLERK_JWT_KEY` the configured PEM key verifies every token (no
//! network; the `kid` is not compared, as in Clerk's SDKs). Otherwise keys come
//! from `{issuer}/.well-known/jwks.json`, parsed once (RSA only):
//! - a known `kid` never waits on the network; after the JWKS TTL (5 min) a
//!   background task refreshes the set;
//! - an unknown `kid` triggers one fetch shared by all concurrent requests
//!   (single flight), then no other fetch for the cooldown (30 s), so a kid
//!   spray cannot cause a fetch storm (`jwk-kid-mismatch`);
//! - when the endpoint fails or times out, known keys keep working; with no
//!   key known, verification fails closed (`jwk-remote-failed-to-load`) and
//!   fetches are retried at most once per second;
//! - a key removed from the JWKS (rotation) stops verifying at once, cached
//!   verifications included.
//!
//! # Verified-token cache
//!
//! A verified token is remembered (keyed on the whole token, bounded, 10 000
//! entries by default) until its `exp` plus clock skew, or 5 minutes, whichever
//! is first; a repeat verification is a hash lookup. Refusals are not cached.

mod bearer;
mod cache;
mod classify;
mod error;
mod jwt;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

pub use bearer::bearer_token;
pub(crate) use bearer::{B64Token, UncheckedBearer, bearer_credentials};
pub use error::{BackendOutage, OpaqueKind, OutageCause, TokenError};

use crate::backend::verify::OpaqueVerifier;
use crate::config::{Accepted, ClerkConfig, ConfigError};
use crate::identity::Claims;
use crate::jwks::KeySource;
use crate::{Identity, TokenKind};
use cache::{ANY_GENERATION, TokenCache};
use jwt::RawJwt;

/// Tokens (and `Authorization` headers) larger than this are refused before decoding.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Verifies Clerk bearer tokens. Cheap to clone (shared state behind an `Arc`).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use mcp_clerk::{ClerkConfig, Verifier};
///
/// let verifier = Verifier::new(
///     &ClerkConfig::builder()
///         .issuer("https://your-app.clerk.accounts.dev")
///         .resource_url("https://mcp.example.com/mcp")
///         .build()?,
/// )?;
/// let err = verifier.verify("not-a-token").await.unwrap_err();
/// assert_eq!(err.reason(), "token-invalid");
/// # Ok(()) }
/// ```
///
/// With [`testing::TestIssuer`](crate::testing) (feature `testing`) you can mint
/// real tokens against a local JWKS to exercise every path.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    issuer: String,
    accepted: Accepted,
    audiences: Vec<String>,
    require_audience: bool,
    authorized_parties: Vec<String>,
    accept_pending_sessions: bool,
    skew_ms: u128,
    keys: KeySource,
    cache: TokenCache,
    /// The Backend API verifier of opaque tokens; `None` without a secret key.
    opaque: Option<OpaqueVerifier>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("issuer", &self.inner.issuer)
            .field("accepted", &self.inner.accepted)
            .finish_non_exhaustive()
    }
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

impl Inner {
    fn check_accepted(&self, kind: TokenKind) -> Result<(), TokenError> {
        if self.accepted.contains(kind) {
            return Ok(());
        }
        Err(TokenError::TypeMismatch(match kind {
            TokenKind::OAuth => "OAuth access tokens are not accepted here",
            TokenKind::Session => "session tokens are not accepted here (only OAuth access tokens)",
            TokenKind::M2M => "M2M tokens are not accepted here",
            TokenKind::ApiKey => "API keys are not accepted here",
        }))
    }
}

impl Verifier {
    /// Builds a verifier for `config`. No network call is made here; the JWKS
    /// is fetched on first use (call [`refresh_keys`](Self::refresh_keys) to
    /// load it at startup).
    pub fn new(config: &ClerkConfig) -> Result<Verifier, ConfigError> {
        let audiences = config.audiences().into_iter().map(str::to_owned).collect();
        if config.opaque_tokens_unverifiable() {
            tracing::warn!(
                "CLERK_SECRET_KEY is not set: opaque OAuth access tokens (oat_…, issued by Clerk \
                 applications created before 2026 unless 'Generate access tokens as JWTs' is on) \
                 will be refused with 401 token-requires-backend-api"
            );
        }
        Ok(Verifier {
            inner: Arc::new(Inner {
                issuer: config.issuer.clone(),
                accepted: config.accepted,
                audiences,
                require_audience: config.require_audience,
                authorized_parties: config.authorized_parties.clone(),
                accept_pending_sessions: config.accept_pending_sessions,
                skew_ms: config.clock_skew.as_millis(),
                keys: KeySource::new(config)?,
                cache: TokenCache::new(config.token_cache_capacity, config.token_cache_max_ttl),
                opaque: OpaqueVerifier::from_config(config),
            }),
        })
    }

    /// Verifies `token` (the bearer token, without `Bearer `) and returns the caller.
    pub async fn verify(&self, token: &str) -> Result<Identity, TokenError> {
        // Its characters are not checked here: one that is not a `b64token`
        // fails to decode, and could not be cached anyway.
        self.verify_raw(token.as_bytes(), || Ok((token, B64Token::new(token))))
            .await
    }

    /// Verifies the token of a request's `Authorization` header; its
    /// characters are only checked when it is not in the cache (see
    /// [`UncheckedBearer`]).
    pub(crate) async fn verify_bearer(
        &self,
        bearer: UncheckedBearer<'_>,
    ) -> Result<Identity, TokenError> {
        self.verify_raw(bearer.as_bytes(), || {
            bearer.check().map(|token| (token.as_str(), Some(token)))
        })
        .await
    }

    /// The cache, then on a miss `text()` (the token as text and the form in
    /// which it may be cached, or why it is refused) and a full verification.
    async fn verify_raw<'t>(
        &self,
        raw: &[u8],
        text: impl FnOnce() -> Result<(&'t str, Option<B64Token<'t>>), TokenError>,
    ) -> Result<Identity, TokenError> {
        let inner = &*self.inner;
        if raw.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge {
                max: MAX_TOKEN_BYTES,
            });
        }
        let generation = inner.keys.generation();
        let now = now_ms();
        if let Some(identity) = inner.cache.get(raw, generation, now) {
            return Ok(identity);
        }
        let (token, cache_key) = text()?;
        // Boxed: the miss path's state (key fetch, decoding, a Backend API
        // call) would otherwise make every caller's future, hits included,
        // that much larger.
        let (identity, deadline_ms, generation) = match classify::opaque_kind(token) {
            Some(kind) => {
                let (identity, until) = Box::pin(self.verify_opaque(kind, token)).await?;
                (identity, until, ANY_GENERATION)
            }
            None => {
                let (identity, deadline) = Box::pin(self.verify_uncached(token)).await?;
                (identity, deadline, generation)
            }
        };
        if let Some(key) = cache_key {
            inner
                .cache
                .insert(key, identity.clone(), deadline_ms, generation, now_ms());
        }
        Ok(identity)
    }

    /// Fetches the issuer's JWKS now and returns how many usable keys it holds
    /// (1 with a PEM key). Useful at startup to fail fast on a wrong issuer.
    pub async fn refresh_keys(&self) -> Result<usize, TokenError> {
        self.inner.keys.refresh().await
    }

    /// Number of verified tokens currently cached.
    #[doc(hidden)]
    pub fn cached_tokens(&self) -> u64 {
        self.inner.cache.len()
    }

    /// An opaque token: accepted kind, then Clerk's answer (cached, single
    /// flight), then the audience policy. Returns the identity and until when
    /// (unix ms) it may be reused.
    async fn verify_opaque(
        &self,
        kind: OpaqueKind,
        token: &str,
    ) -> Result<(Identity, u128), TokenError> {
        let inner = &*self.inner;
        let token_kind = match kind {
            OpaqueKind::OAuth => TokenKind::OAuth,
            OpaqueKind::M2M => TokenKind::M2M,
            OpaqueKind::ApiKey => TokenKind::ApiKey,
        };
        inner.check_accepted(token_kind)?;
        let Some(opaque) = &inner.opaque else {
            return Err(TokenError::OpaqueUnsupported(kind));
        };
        let verified = opaque.verify(kind, token).await?;
        let credential = &verified.credential;
        self.check_audiences(
            (!credential.audiences.is_empty()).then_some(credential.audiences.as_slice()),
        )?;
        let identity = Identity::from_opaque(&inner.issuer, credential);
        Ok((identity, verified.reuse_until_ms))
    }

    async fn verify_uncached(&self, token: &str) -> Result<(Identity, u128), TokenError> {
        let inner = &*self.inner;
        let jwt = RawJwt::parse(token)?;
        let alg = jwt.algorithm()?;
        let typ = classify::typ(&jwt.header)?;
        let key = inner.keys.key_for(jwt.header.kid.as_deref()).await?;
        jwt.verify_signature(&key, alg)?;
        // From here on the claims are authentic.
        let claims = jwt.claims()?;
        let kind = classify::kind(typ, &jwt.header, &claims)?;
        inner.check_accepted(kind)?;
        if claims.iss != inner.issuer {
            return Err(TokenError::InvalidIssuer);
        }
        self.check_times(&claims)?;
        self.check_audience(&claims)?;
        if kind == TokenKind::Session {
            self.check_session(&claims)?;
        }
        let identity = Identity::from_verified(kind, claims, || jwt.custom_claims());
        let deadline_ms = self.deadline_ms(identity.user().expires_at_secs());
        Ok((identity, deadline_ms))
    }

    /// Clerk's semantics: expired if `exp <= now - skew`; not active if
    /// `nbf > now + skew`; `iat` in the future if `iat > now + skew`.
    fn check_times(&self, claims: &Claims) -> Result<(), TokenError> {
        let skew = self.inner.skew_ms;
        let now = now_ms();
        if now >= self.deadline_ms(claims.exp) {
            return Err(TokenError::Expired);
        }
        if claims
            .nbf
            .is_some_and(|nbf| u128::from(nbf) * 1000 > now + skew)
        {
            return Err(TokenError::NotActiveYet);
        }
        if claims
            .iat
            .is_some_and(|iat| u128::from(iat) * 1000 > now + skew)
        {
            return Err(TokenError::IssuedInFuture);
        }
        Ok(())
    }

    /// The unix ms from which a token expiring at `exp` counts as expired
    /// (`exp <= now - skew` ⇔ `now >= exp + skew`).
    fn deadline_ms(&self, exp: u64) -> u128 {
        u128::from(exp) * 1000 + self.inner.skew_ms
    }

    /// A token carrying `aud` must name the resource URL or a configured
    /// audience; a token without `aud` passes unless an audience is required.
    fn check_audience(&self, claims: &Claims) -> Result<(), TokenError> {
        match claims.aud {
            Some(_) => self.check_audiences(Some(claims.audiences())),
            None => self.check_audiences(None::<&[&str]>),
        }
    }

    /// The audience policy for the audiences a token names (`None`: no `aud`
    /// at all), whether from a JWT or from Clerk's answer for an opaque token.
    fn check_audiences<A: AsRef<str>>(&self, named: Option<&[A]>) -> Result<(), TokenError> {
        let inner = &*self.inner;
        let allowed = match named {
            Some(named) => named
                .iter()
                .any(|a| inner.audiences.iter().any(|ok| ok == a.as_ref())),
            None => !inner.require_audience,
        };
        if allowed {
            Ok(())
        } else {
            Err(TokenError::InvalidAudience)
        }
    }

    fn check_session(&self, claims: &Claims) -> Result<(), TokenError> {
        let inner = &*self.inner;
        if !inner.authorized_parties.is_empty() {
            let ok = claims
                .azp
                .as_deref()
                .is_some_and(|azp| inner.authorized_parties.iter().any(|p| p == azp));
            if !ok {
                return Err(TokenError::InvalidAuthorizedParty);
            }
        }
        if !inner.accept_pending_sessions && claims.sts.as_deref() == Some("pending") {
            return Err(TokenError::SessionPending);
        }
        Ok(())
    }
}
