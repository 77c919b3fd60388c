//! Errors of the emulator and the OAuth error responses it sends.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An error starting or using the development emulator.
///
/// The emulator signs tokens for whoever asks, so it refuses a public
/// address unless told otherwise:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use mcp_clerk::dev::{DevClerk, DevError};
///
/// match DevClerk::new().bind(([0, 0, 0, 0], 3001).into()).start().await {
///     Err(DevError::NonLoopback(addr)) => assert_eq!(addr.port(), 3001),
///     other => panic!("expected NonLoopback, got {other:?}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DevError {
    /// The users/organizations configuration is invalid.
    #[error("invalid dev emulator configuration: {0}")]
    Config(String),
    /// Refused to listen on a non-loopback address.
    #[error(
        "refusing to bind the dev Clerk emulator to non-loopback address {0}: it issues tokens to anyone \
         (call `allow_non_loopback()` or set MCP_CLERK_DEV_ALLOW_NON_LOOPBACK=1 if you really mean it)"
    )]
    NonLoopback(std::net::SocketAddr),
    /// Binding the listener failed.
    #[error("cannot bind the dev Clerk emulator to {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Minting a token for an unknown user.
    #[error("unknown dev user `{0}`")]
    UnknownUser(String),
    /// Minting a token for an organization the user is not a member of.
    #[error("dev user `{user}` is not a member of organization `{org}`")]
    NotAMember {
        /// The user id.
        user: String,
        /// The organization id.
        org: String,
    },
}

/// An RFC 6749 §5.2 error body: `{"error": "...", "error_description": "..."}`.
#[derive(Debug, Clone)]
pub(crate) struct OAuthError {
    status: StatusCode,
    code: &'static str,
    description: String,
}

impl OAuthError {
    pub(crate) fn new(
        status: StatusCode,
        code: &'static str,
        description: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            description: description.into(),
        }
    }

    pub(crate) fn bad_request(code: &'static str, description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, description)
    }

    pub(crate) fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": self.code,
            "error_description": self.description,
        });
        let mut resp = (self.status, Json(body)).into_response();
        resp.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Basic realm=\"dev-clerk\""),
            );
        }
        resp
    }
}
