//! [`ToolError`]: the error a tool returns to its caller.

use std::borrow::Cow;

use rmcp::model::{CallToolResult, ContentBlock};

/// What kind of failure a [`ToolError`] reports.
///
/// The kind is for your own code and logs; clients see the message, prefixed
/// by [`ToolErrorKind::prefix`] for the kinds that have one.
///
/// ```
/// use mcp_clerk::{ToolError, ToolErrorKind};
///
/// let err = ToolError::not_found("no note with id 7");
/// assert_eq!(err.kind(), ToolErrorKind::NotFound);
/// assert_eq!(err.to_string(), "not found: no note with id 7");
///
/// // Map your own errors onto a kind:
/// let err = ToolError::with_kind(ToolErrorKind::Forbidden, "notes are read-only on Sundays");
/// assert_eq!(err.to_string(), "forbidden: notes are read-only on Sundays");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ToolErrorKind {
    /// The tool ran and failed.
    Failed,
    /// The arguments were wrong (bad values, missing fields).
    InvalidInput,
    /// The caller may not do this (beyond what the tool's policy checks).
    Forbidden,
    /// What the caller asked for does not exist.
    NotFound,
}

impl ToolErrorKind {
    /// The text put before the message in the result (`""` for [`ToolErrorKind::Failed`]).
    pub fn prefix(self) -> &'static str {
        match self {
            ToolErrorKind::Failed => "",
            ToolErrorKind::InvalidInput => "invalid input: ",
            ToolErrorKind::Forbidden => "forbidden: ",
            ToolErrorKind::NotFound => "not found: ",
        }
    }
}

/// The error a tool returns to its caller: `Result<T, ToolError>`.
///
/// It becomes a tool result with `isError: true` whose text is the message,
/// so the model can read it and react. The message is shown to the client
/// as it is: never put secrets (tokens, keys, internal addresses) in it.
/// (A protocol-level JSON-RPC error is what `Result<T, ErrorData>` gives.)
///
/// ```
/// use mcp_clerk::prelude::*;
///
/// /// Divides two numbers.
/// #[tool]
/// fn divide(a: f64, b: f64) -> Result<String, ToolError> {
///     if b == 0.0 {
///         return Err(ToolError::invalid_input("`b` must not be zero"));
///     }
///     Ok((a / b).to_string())
/// }
///
/// assert_eq!(divide(1.0, 4.0).unwrap(), "0.25");
/// assert_eq!(divide(1.0, 0.0).unwrap_err().to_string(), "invalid input: `b` must not be zero");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", kind.prefix())]
pub struct ToolError {
    kind: ToolErrorKind,
    message: Cow<'static, str>,
}

impl ToolError {
    /// A failure with this message.
    pub fn new(message: impl Into<Cow<'static, str>>) -> Self {
        Self::with_kind(ToolErrorKind::Failed, message)
    }

    /// The arguments were wrong.
    pub fn invalid_input(message: impl Into<Cow<'static, str>>) -> Self {
        Self::with_kind(ToolErrorKind::InvalidInput, message)
    }

    /// The caller may not do this.
    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        Self::with_kind(ToolErrorKind::Forbidden, message)
    }

    /// What the caller asked for does not exist.
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::with_kind(ToolErrorKind::NotFound, message)
    }

    /// An error of the given kind.
    pub fn with_kind(kind: ToolErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// A failure whose message is `error`'s `Display` text (for `map_err(ToolError::from_error)`).
    pub fn from_error(error: impl std::fmt::Display) -> Self {
        Self::new(error.to_string())
    }

    /// The kind of failure.
    pub fn kind(&self) -> ToolErrorKind {
        self.kind
    }

    /// The message, without the kind's prefix.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The tool result clients receive: the text, with `isError: true`.
    pub fn into_call_tool_result(self) -> CallToolResult {
        CallToolResult::error(vec![ContentBlock::text(self.to_string())])
    }
}

impl From<String> for ToolError {
    fn from(message: String) -> Self {
        Self::new(message)
    }
}

impl From<&'static str> for ToolError {
    fn from(message: &'static str) -> Self {
        Self::new(message)
    }
}

/// A `ToolError` returned by a `#[resource]` or `#[prompt]` function: those
/// have no error results, so it becomes a JSON-RPC error whose message is the
/// error's text (`invalid input` → `-32602`, `not found` → `-32002`,
/// `forbidden` → `-32600`, a failure → `-32603`).
///
/// ```
/// use mcp_clerk::ToolError;
/// use rmcp::ErrorData;
///
/// let e: ErrorData = ToolError::not_found("no note 7").into();
/// assert_eq!(e.code.0, -32002);
/// assert_eq!(e.message, "not found: no note 7");
/// ```
impl From<ToolError> for rmcp::ErrorData {
    fn from(error: ToolError) -> Self {
        let message = error.to_string();
        match error.kind {
            ToolErrorKind::InvalidInput => Self::invalid_params(message, None),
            ToolErrorKind::NotFound => Self::resource_not_found(message, None),
            ToolErrorKind::Forbidden => Self::invalid_request(message, None),
            ToolErrorKind::Failed => Self::internal_error(message, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_is_prefixed_by_kind() {
        assert_eq!(ToolError::new("boom").to_string(), "boom");
        assert_eq!(ToolError::forbidden("no").to_string(), "forbidden: no");
        assert_eq!(ToolError::not_found("x").kind(), ToolErrorKind::NotFound);
        assert_eq!(ToolError::invalid_input("y").message(), "y");
        let r = ToolError::from_error(std::fmt::Error).into_call_tool_result();
        assert_eq!(r.is_error, Some(true));
    }
}
