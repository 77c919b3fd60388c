//! [`TokenError`]: why a bearer token was refused, with Clerk's reason codes.

use std::fmt;

/// Which opaque (non-JWT) Clerk token was presented.
///
/// Opaque tokens are recognised by their prefix, before any network call:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use mcp_clerk::token::OpaqueKind;
/// use mcp_clerk::{ClerkConfig, TokenError, Verifier};
///
/// let config = ClerkConfig::builder().issuer("https://your-app.clerk.accounts.dev").build()?;
/// let verifier = Verifier::new(&config)?;
///
/// let err = verifier.verify("oat_8f2b6c1d9e0a4f7b").await.unwrap_err();
/// assert_eq!(err, TokenError::OpaqueUnsupported(OpaqueKind::OAuth));
/// assert_eq!(err.reason(), "token-requires-backend-api");
/// assert_eq!(OpaqueKind::OAuth.prefix(), "oat_");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OpaqueKind {
    /// An opaque OAuth access token (`oat_…`).
    OAuth,
    /// An opaque machine-to-machine token (`mt_…`).
    M2M,
    /// An API key (`ak_…`).
    ApiKey,
}

impl OpaqueKind {
    /// The token prefix (`oat_`, `mt_`, `ak_`).
    pub fn prefix(self) -> &'static str {
        match self {
            OpaqueKind::OAuth => "oat_",
            OpaqueKind::M2M => "mt_",
            OpaqueKind::ApiKey => "ak_",
        }
    }
}

impl fmt::Display for OpaqueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OpaqueKind::OAuth => "opaque OAuth access token",
            OpaqueKind::M2M => "opaque M2M token",
            OpaqueKind::ApiKey => "API key",
        })
    }
}

/// Why a bearer token (or the `Authorization` header carrying it) was refused.
///
/// Every variant maps to a stable reason code ([`reason`](Self::reason)) in the
/// style of Clerk's SDKs (`token-expired`, `token-invalid-signature`, …). The
/// `Display` text is safe to show a client: it never contains the token or any
/// claim value taken from it.
///
/// ```
/// use mcp_clerk::TokenError;
///
/// fn status(err: &TokenError) -> u16 {
///     // Every token error is a 401 (`invalid_token`); the reason code goes to logs.
///     tracing_reason(err.reason());
///     401
/// }
/// # fn tracing_reason(_: &str) {}
/// assert_eq!(TokenError::Expired.reason(), "token-expired");
/// assert!(TokenError::Expired.is_expired());
/// assert_eq!(status(&TokenError::Expired), 401);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The `Authorization` header is malformed: not `Bearer <token>`, empty,
    /// more than one token, not visible ASCII, or sent more than once.
    #[error("malformed Authorization header: {0}")]
    MalformedAuthorization(&'static str),
    /// The token (or the header carrying it) is larger than 16 KiB.
    #[error("token too large (more than {max} bytes)")]
    TooLarge {
        /// The limit in bytes.
        max: usize,
    },
    /// The token is not a well-formed JWT (or one of its parts does not decode).
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// The header's `alg` is not RS256, RS384 or RS512.
    #[error("token algorithm not allowed (only RS256, RS384, RS512)")]
    InvalidAlgorithm,
    /// The signature does not verify.
    #[error("token signature is invalid")]
    InvalidSignature,
    /// The key could not be used to verify the token.
    #[error("token verification failed")]
    VerificationFailed,
    /// No key with the token's `kid` is known, even after refreshing the JWKS.
    #[error("no signing key matches the token's kid")]
    KidMismatch,
    /// The JWKS could not be loaded and no key is known for this token.
    #[error("signing keys could not be loaded from the issuer's JWKS")]
    JwksUnavailable,
    /// The token expired (`exp`).
    #[error("token expired")]
    Expired,
    /// The token is not valid yet (`nbf`).
    #[error("token not active yet")]
    NotActiveYet,
    /// The token claims to be issued in the future (`iat`).
    #[error("token issued in the future")]
    IssuedInFuture,
    /// The token's `iss` is not the configured Clerk issuer.
    #[error("token issuer is not the configured Clerk issuer")]
    InvalidIssuer,
    /// The token's `aud` does not name this resource, or an audience is
    /// required and the token has none.
    #[error("token audience does not match this resource")]
    InvalidAudience,
    /// A session token's `azp` is missing or not an authorized party.
    #[error("token authorized party (azp) is not allowed")]
    InvalidAuthorizedParty,
    /// A session token whose session is `pending` (the user must still pick an organization).
    #[error("session is pending")]
    SessionPending,
    /// The token is of a kind this server does not accept (for example a
    /// session token where only OAuth access tokens are accepted).
    #[error("token type not accepted: {0}")]
    TypeMismatch(&'static str),
    /// An opaque Clerk token on a server without a secret key: verifying it
    /// needs the Clerk Backend API.
    #[error(
        "{0} needs the Clerk Backend API to be verified: set CLERK_SECRET_KEY on the server \
         (or turn on 'Generate access tokens as JWTs' for the OAuth application in the Clerk dashboard)"
    )]
    OpaqueUnsupported(OpaqueKind),
    /// Clerk does not know this opaque token (the Backend API answered 404,
    /// or `active: false`).
    #[error("{0} is not known to Clerk")]
    NotRecognized(OpaqueKind),
    /// Clerk reports the opaque token as revoked.
    #[error("token revoked")]
    Revoked,
    /// The Clerk Backend API could not verify an opaque token: unreachable,
    /// too slow, rate limiting, failing, answering something unexpected, or
    /// refusing the secret key. The server's problem, not the client's: a 503.
    #[error("the Clerk Backend API could not verify the token ({0})")]
    BackendUnavailable(BackendOutage),
}

/// Why the Clerk Backend API could not verify an opaque token, and when to retry.
///
/// ```
/// use std::time::Duration;
/// use mcp_clerk::TokenError;
/// use mcp_clerk::token::{BackendOutage, OutageCause};
///
/// let err = TokenError::BackendUnavailable(BackendOutage::new(OutageCause::RateLimited, Duration::from_secs(7)));
/// assert!(err.is_server_side());
/// assert_eq!(err.reason(), "backend-api-rate-limited");
/// assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackendOutage {
    pub(crate) cause: OutageCause,
    pub(crate) retry_after: std::time::Duration,
}

impl BackendOutage {
    /// An outage of `cause`, to be retried after `retry_after`.
    pub fn new(cause: OutageCause, retry_after: std::time::Duration) -> Self {
        Self { cause, retry_after }
    }

    /// What went wrong.
    pub fn cause(&self) -> OutageCause {
        self.cause
    }

    /// When the client may retry (Clerk's `Retry-After` when it sent one).
    pub fn retry_after(&self) -> std::time::Duration {
        self.retry_after
    }
}

impl fmt::Display for BackendOutage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.cause {
            OutageCause::Unreachable => "unreachable",
            OutageCause::Timeout => "timed out",
            OutageCause::RateLimited => "rate limited",
            OutageCause::Failing => "server error",
            OutageCause::UnexpectedAnswer => "unexpected answer",
            OutageCause::SecretKeyRefused => "the secret key was refused",
        })
    }
}

/// What made the Clerk Backend API unavailable ([`BackendOutage::cause`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OutageCause {
    /// No connection (refused, reset, DNS).
    Unreachable,
    /// No complete answer within the Backend API timeout.
    Timeout,
    /// 429 Too Many Requests.
    RateLimited,
    /// A 5xx answer.
    Failing,
    /// An answer that is not Clerk's JSON (garbage, too large, an unexpected status).
    UnexpectedAnswer,
    /// 401/403: `CLERK_SECRET_KEY` is wrong for this instance.
    SecretKeyRefused,
}

impl TokenError {
    /// The reason code, in the style of Clerk's SDKs.
    ///
    /// | variant | code |
    /// |---|---|
    /// | `MalformedAuthorization` | `authorization-header-invalid` |
    /// | `TooLarge` | `token-too-large` |
    /// | `Malformed` | `token-invalid` |
    /// | `InvalidAlgorithm` | `token-invalid-algorithm` |
    /// | `InvalidSignature` | `token-invalid-signature` |
    /// | `VerificationFailed` | `token-verification-failed` |
    /// | `KidMismatch` | `jwk-kid-mismatch` |
    /// | `JwksUnavailable` | `jwk-remote-failed-to-load` |
    /// | `Expired` | `token-expired` |
    /// | `NotActiveYet` | `token-not-active-yet` |
    /// | `IssuedInFuture` | `token-iat-in-the-future` |
    /// | `InvalidIssuer` | `token-invalid-issuer` |
    /// | `InvalidAudience` | `token-invalid-audience` |
    /// | `InvalidAuthorizedParty` | `token-invalid-authorized-parties` |
    /// | `SessionPending` | `session-token-pending` |
    /// | `TypeMismatch` | `token-type-mismatch` |
    /// | `OpaqueUnsupported` | `token-requires-backend-api` |
    /// | `NotRecognized` | `token-unknown` |
    /// | `Revoked` | `token-revoked` |
    /// | `BackendUnavailable` | `backend-api-unreachable`, `backend-api-timeout`, `backend-api-rate-limited`, `backend-api-failed`, `unexpected-error`, `secret-key-invalid` |
    pub fn reason(&self) -> &'static str {
        match self {
            TokenError::MalformedAuthorization(_) => "authorization-header-invalid",
            TokenError::TooLarge { .. } => "token-too-large",
            TokenError::Malformed(_) => "token-invalid",
            TokenError::InvalidAlgorithm => "token-invalid-algorithm",
            TokenError::InvalidSignature => "token-invalid-signature",
            TokenError::VerificationFailed => "token-verification-failed",
            TokenError::KidMismatch => "jwk-kid-mismatch",
            TokenError::JwksUnavailable => "jwk-remote-failed-to-load",
            TokenError::Expired => "token-expired",
            TokenError::NotActiveYet => "token-not-active-yet",
            TokenError::IssuedInFuture => "token-iat-in-the-future",
            TokenError::InvalidIssuer => "token-invalid-issuer",
            TokenError::InvalidAudience => "token-invalid-audience",
            TokenError::InvalidAuthorizedParty => "token-invalid-authorized-parties",
            TokenError::SessionPending => "session-token-pending",
            TokenError::TypeMismatch(_) => "token-type-mismatch",
            TokenError::OpaqueUnsupported(_) => "token-requires-backend-api",
            TokenError::NotRecognized(_) => "token-unknown",
            TokenError::Revoked => "token-revoked",
            TokenError::BackendUnavailable(o) => match o.cause {
                OutageCause::Unreachable => "backend-api-unreachable",
                OutageCause::Timeout => "backend-api-timeout",
                OutageCause::RateLimited => "backend-api-rate-limited",
                OutageCause::Failing => "backend-api-failed",
                OutageCause::UnexpectedAnswer => "unexpected-error",
                OutageCause::SecretKeyRefused => "secret-key-invalid",
            },
        }
    }

    /// Whether the token was refused only because it expired.
    pub fn is_expired(&self) -> bool {
        matches!(self, TokenError::Expired)
    }

    /// Whether the failure is on the server's side (its signing keys could not
    /// be loaded, or the Clerk Backend API could not verify an opaque token),
    /// not the client's. The token may be fine: the answer is a 503.
    pub fn is_server_side(&self) -> bool {
        matches!(
            self,
            TokenError::JwksUnavailable | TokenError::BackendUnavailable(_)
        )
    }

    /// For a server-side failure, when the client may retry.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            TokenError::JwksUnavailable => Some(std::time::Duration::from_secs(5)),
            TokenError::BackendUnavailable(o) => Some(o.retry_after),
            _ => None,
        }
    }

    /// Whether the `Authorization` header itself is at fault (its shape, its
    /// characters or its size): nothing about the request needs to be read to
    /// refuse it.
    pub(crate) fn is_header_fault(&self) -> bool {
        matches!(
            self,
            TokenError::MalformedAuthorization(_) | TokenError::TooLarge { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_clerk_style_and_display_is_generic() {
        let all = [
            TokenError::MalformedAuthorization("x"),
            TokenError::TooLarge { max: 16 },
            TokenError::Malformed("x"),
            TokenError::InvalidAlgorithm,
            TokenError::InvalidSignature,
            TokenError::VerificationFailed,
            TokenError::KidMismatch,
            TokenError::JwksUnavailable,
            TokenError::Expired,
            TokenError::NotActiveYet,
            TokenError::IssuedInFuture,
            TokenError::InvalidIssuer,
            TokenError::InvalidAudience,
            TokenError::InvalidAuthorizedParty,
            TokenError::SessionPending,
            TokenError::TypeMismatch("x"),
            TokenError::OpaqueUnsupported(OpaqueKind::OAuth),
            TokenError::NotRecognized(OpaqueKind::OAuth),
            TokenError::Revoked,
        ];
        let outages = [
            OutageCause::Unreachable,
            OutageCause::Timeout,
            OutageCause::RateLimited,
            OutageCause::Failing,
            OutageCause::UnexpectedAnswer,
            OutageCause::SecretKeyRefused,
        ]
        .map(|c| TokenError::BackendUnavailable(BackendOutage::new(c, std::time::Duration::ZERO)));
        let all: Vec<TokenError> = all.into_iter().chain(outages).collect();
        let mut codes: Vec<_> = all.iter().map(TokenError::reason).collect();
        for code in &codes {
            assert!(
                code.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{code}"
            );
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len(), "codes are distinct");
        assert!(TokenError::Expired.is_expired() && !TokenError::NotActiveYet.is_expired());
    }
}
