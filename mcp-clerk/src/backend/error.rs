//! [`BackendError`]: why a Clerk Backend API read failed.

use std::time::Duration;

use crate::token::{BackendOutage, OutageCause};

/// The `Retry-After` advised when Clerk sent none.
pub(crate) const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(5);

/// Why a Clerk Backend API read ([`Clerk`](super::Clerk)) failed.
///
/// The same failure rules as the verification of opaque tokens: every
/// variant is the server's problem, not the caller's (a user or organization
/// that does not exist is `Ok(None)`, not an error), each has a Clerk-style
/// [`reason`](Self::reason) and a [`retry_after`](Self::retry_after) (Clerk's
/// own `Retry-After` when it sent one). Nothing of the secret key is ever in
/// an error.
///
/// ```
/// use std::time::Duration;
/// use mcp_clerk::backend::BackendError;
///
/// let err = BackendError::RateLimited { retry_after: Duration::from_secs(7) };
/// assert_eq!(err.reason(), "backend-api-rate-limited");
/// assert_eq!(err.retry_after(), Duration::from_secs(7));
/// assert_eq!(
///     err.to_string(),
///     "the Clerk Backend API is rate limiting requests (backend-api-rate-limited); retry in 7 s"
/// );
///
/// // A tool returns it as a ToolError with `?`:
/// let tool_error: mcp_clerk::ToolError = BackendError::Timeout.into();
/// assert!(tool_error.message().contains("backend-api-timeout"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// Clerk refused the secret key (401/403): `CLERK_SECRET_KEY` does not
    /// hold this instance's secret key. Logged once a minute at most.
    #[error("the Clerk Backend API refused CLERK_SECRET_KEY (secret-key-invalid)")]
    SecretKeyRefused,
    /// No complete answer within the Backend API timeout.
    #[error("the Clerk Backend API did not answer in time (backend-api-timeout)")]
    Timeout,
    /// The Backend API could not be reached.
    #[error("the Clerk Backend API is unreachable (backend-api-unreachable)")]
    Unreachable,
    /// Clerk is rate limiting (429).
    #[error(
        "the Clerk Backend API is rate limiting requests (backend-api-rate-limited); retry in {} s",
        retry_after.as_secs()
    )]
    RateLimited {
        /// Clerk's `Retry-After` (5 s when it sent none).
        retry_after: Duration,
    },
    /// Clerk failed (5xx).
    #[error(
        "the Clerk Backend API failed with status {status} (backend-api-failed); retry in {} s",
        retry_after.as_secs()
    )]
    Failing {
        /// The status Clerk answered.
        status: u16,
        /// Clerk's `Retry-After` (5 s when it sent none).
        retry_after: Duration,
    },
    /// An answer that is not Clerk's: garbage, too large, or an unexpected status.
    #[error("the Clerk Backend API answered something unexpected (unexpected-error)")]
    UnexpectedAnswer,
}

impl BackendError {
    /// A Clerk-style reason code: `secret-key-invalid`, `backend-api-timeout`,
    /// `backend-api-unreachable`, `backend-api-rate-limited`,
    /// `backend-api-failed` or `unexpected-error` (the codes of
    /// [`TokenError::BackendUnavailable`](crate::TokenError::BackendUnavailable)).
    pub fn reason(&self) -> &'static str {
        match self {
            BackendError::SecretKeyRefused => "secret-key-invalid",
            BackendError::Timeout => "backend-api-timeout",
            BackendError::Unreachable => "backend-api-unreachable",
            BackendError::RateLimited { .. } => "backend-api-rate-limited",
            BackendError::Failing { .. } => "backend-api-failed",
            BackendError::UnexpectedAnswer => "unexpected-error",
        }
    }

    /// When to try again: Clerk's `Retry-After` for 429 and 5xx, else 5 s.
    pub fn retry_after(&self) -> Duration {
        match self {
            BackendError::RateLimited { retry_after }
            | BackendError::Failing { retry_after, .. } => *retry_after,
            _ => DEFAULT_RETRY_AFTER,
        }
    }

    /// The same failure as an outage of the Backend API, the form the
    /// token verifier reports.
    pub fn outage(&self) -> BackendOutage {
        let cause = match self {
            BackendError::SecretKeyRefused => OutageCause::SecretKeyRefused,
            BackendError::Timeout => OutageCause::Timeout,
            BackendError::Unreachable => OutageCause::Unreachable,
            BackendError::RateLimited { .. } => OutageCause::RateLimited,
            BackendError::Failing { .. } => OutageCause::Failing,
            BackendError::UnexpectedAnswer => OutageCause::UnexpectedAnswer,
        };
        BackendOutage::new(cause, self.retry_after())
    }
}

impl From<BackendError> for crate::ToolError {
    fn from(error: BackendError) -> Self {
        crate::ToolError::new(error.to_string())
    }
}
