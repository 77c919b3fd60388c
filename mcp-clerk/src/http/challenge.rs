//! `WWW-Authenticate: Bearer …` challenges (RFC 6750 §3, RFC 9728 §5.1).
//!
//! Parameter order is fixed: `error`, `error_description`, `scope`,
//! `resource_metadata` (last, as the reference SDKs emit it). Every value is a
//! quoted string: `"` and `\` are escaped, control characters (CR and LF
//! included) are removed and non-ASCII characters are replaced by `?`, so no
//! value can split or forge a header.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

/// The `error` code of a challenge.
///
/// ```
/// use mcp_clerk::http::{Challenge, ChallengeError};
///
/// let error = ChallengeError::InvalidToken;
/// assert_eq!((error.as_str(), error.status().as_u16()), ("invalid_token", 401));
///
/// let metadata = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
/// let challenge = Challenge::new(metadata).error(error).description("the token expired");
/// assert!(challenge.header_value().starts_with(
///     "Bearer error=\"invalid_token\", error_description=\"the token expired\""
/// ));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeError {
    /// A token was sent and it is malformed, expired, revoked or otherwise invalid (401).
    InvalidToken,
    /// The token is valid but lacks scopes the request needs (403).
    InsufficientScope,
}

impl ChallengeError {
    /// The RFC 6750 code.
    pub fn as_str(self) -> &'static str {
        match self {
            ChallengeError::InvalidToken => "invalid_token",
            ChallengeError::InsufficientScope => "insufficient_scope",
        }
    }

    /// The HTTP status that carries this error.
    pub fn status(self) -> StatusCode {
        match self {
            ChallengeError::InvalidToken => StatusCode::UNAUTHORIZED,
            ChallengeError::InsufficientScope => StatusCode::FORBIDDEN,
        }
    }
}

/// A Bearer challenge.
///
/// ```
/// use mcp_clerk::http::{Challenge, ChallengeError};
///
/// let c = Challenge::new("https://mcp.example.com/.well-known/oauth-protected-resource/mcp")
///     .error(ChallengeError::InsufficientScope)
///     .scopes(["notes:read", "user:org:read"]);
/// assert_eq!(
///     c.header_value(),
///     "Bearer error=\"insufficient_scope\", scope=\"notes:read user:org:read\", \
///      resource_metadata=\"https://mcp.example.com/.well-known/oauth-protected-resource/mcp\""
/// );
/// assert_eq!(c.status(), http::StatusCode::FORBIDDEN);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    resource_metadata: String,
    error: Option<ChallengeError>,
    description: Option<String>,
    scopes: Vec<String>,
}

impl Challenge {
    /// A challenge without an `error` (no credentials were sent) pointing at
    /// the protected resource metadata URL.
    pub fn new(resource_metadata: impl Into<String>) -> Self {
        Self {
            resource_metadata: resource_metadata.into(),
            error: None,
            description: None,
            scopes: Vec::new(),
        }
    }

    /// Sets the `error` code.
    pub fn error(mut self, error: ChallengeError) -> Self {
        self.error = Some(error);
        self
    }

    /// Sets `error_description` (keep it generic; it is shown to clients).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the scopes the request needs (`scope`; duplicates are dropped).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.clear();
        for s in scopes {
            let s = s.into();
            if !s.is_empty() && !self.scopes.contains(&s) {
                self.scopes.push(s);
            }
        }
        self
    }

    /// The HTTP status: 403 for `insufficient_scope`, else 401.
    pub fn status(&self) -> StatusCode {
        self.error
            .map(ChallengeError::status)
            .unwrap_or(StatusCode::UNAUTHORIZED)
    }

    /// The `WWW-Authenticate` value.
    pub fn header_value(&self) -> String {
        let mut out = String::with_capacity(96 + self.resource_metadata.len());
        out.push_str("Bearer ");
        let mut first = true;
        let mut param = |out: &mut String, name: &str, value: &str| {
            if !first {
                out.push_str(", ");
            }
            first = false;
            out.push_str(name);
            out.push_str("=\"");
            push_quoted(out, value);
            out.push('"');
        };
        if let Some(error) = self.error {
            param(&mut out, "error", error.as_str());
        }
        if let Some(description) = &self.description {
            param(&mut out, "error_description", description);
        }
        param(&mut out, "scope", &self.scopes.join(" "));
        param(&mut out, "resource_metadata", &self.resource_metadata);
        out
    }

    /// The complete HTTP response: status, `WWW-Authenticate`, a small JSON body.
    pub fn into_response(self) -> Response {
        let status = self.status();
        let value = HeaderValue::from_str(&self.header_value())
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
        let mut body = serde_json::Map::new();
        body.insert(
            "error".into(),
            self.error
                .map(|e| e.as_str())
                .unwrap_or("unauthorized")
                .into(),
        );
        if let Some(d) = &self.description {
            body.insert("error_description".into(), sanitize(d).into());
        }
        let mut response = (status, axum::Json(serde_json::Value::Object(body))).into_response();
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
        response
    }
}

impl IntoResponse for Challenge {
    fn into_response(self) -> Response {
        Challenge::into_response(self)
    }
}

/// Appends `value` as the inside of a quoted-string.
fn push_quoted(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\t' | ' '..='~' => out.push(c),
            c if c.is_control() => {}
            _ => out.push('?'),
        }
    }
}

/// `value` without control characters and with non-ASCII replaced.
fn sanitize(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c.is_ascii() { c } else { '?' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRM: &str = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

    #[test]
    fn no_credentials_has_no_error_but_scope_and_metadata() {
        let c = Challenge::new(PRM).scopes(["a", "b"]);
        assert_eq!(
            c.header_value(),
            format!("Bearer scope=\"a b\", resource_metadata=\"{PRM}\"")
        );
        assert_eq!(c.status(), StatusCode::UNAUTHORIZED);
    }

    #[test]
    fn scope_is_always_present() {
        let c = Challenge::new(PRM);
        assert_eq!(
            c.header_value(),
            format!("Bearer scope=\"\", resource_metadata=\"{PRM}\"")
        );
    }

    #[test]
    fn invalid_token_has_error_and_description() {
        let c = Challenge::new(PRM)
            .error(ChallengeError::InvalidToken)
            .description("token-expired")
            .scopes(["a"]);
        assert_eq!(
            c.header_value(),
            format!(
                "Bearer error=\"invalid_token\", error_description=\"token-expired\", \
                 scope=\"a\", resource_metadata=\"{PRM}\""
            )
        );
        assert_eq!(c.status(), StatusCode::UNAUTHORIZED);
    }

    #[test]
    fn values_are_escaped_and_crlf_stripped() {
        let c = Challenge::new("https://x/\"\r\nSet-Cookie: a=b")
            .error(ChallengeError::InvalidToken)
            .description("bad \"quote\" \\ back\r\nInjected: yes é");
        let v = c.header_value();
        assert!(!v.contains('\r') && !v.contains('\n'));
        assert!(v.contains(r#"error_description="bad \"quote\" \\ backInjected: yes ?""#));
        assert!(v.contains(r#"resource_metadata="https://x/\"Set-Cookie: a=b""#));
        // the header value is valid and the response carries it
        let response = c.into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(response.headers().get(header::WWW_AUTHENTICATE).is_some());
    }

    #[test]
    fn duplicate_and_empty_scopes_are_dropped() {
        let c = Challenge::new(PRM).scopes(["a", "", "a", "b"]);
        assert!(c.header_value().contains("scope=\"a b\""));
    }

    #[test]
    fn insufficient_scope_is_403() {
        let r = Challenge::new(PRM)
            .error(ChallengeError::InsufficientScope)
            .scopes(["x"])
            .into_response();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let v = r.headers()[header::WWW_AUTHENTICATE].to_str().unwrap();
        assert!(v.starts_with("Bearer error=\"insufficient_scope\""));
    }
}
