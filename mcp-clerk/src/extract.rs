//! rmcp extractors for the verified caller.
//!
//! The HTTP gate stores the verified [`Identity`] in the request extensions.
//! rmcp's Streamable HTTP service moves the request head
//! ([`http::request::Parts`]) into the JSON-RPC request's extensions, so the
//! identity sits one level down: `context.extensions → Parts → Identity`.
//! rmcp's own `Extension<Identity>` does not look there; the extractors in this
//! module do.
//!
//! They implement rmcp's [`FromContextPart`] for [`ToolCallContext`], so they
//! work in plain rmcp `#[tool]` methods served behind the mcp-clerk gate:
//!
//! ```
//! use mcp_clerk::{ClerkOrg, ClerkUser};
//! use mcp_clerk::extract::MaybeUser;
//!
//! // In an rmcp `#[tool_router]` impl:
//! // #[tool(description = "Who am I?")]
//! async fn whoami(user: ClerkUser) -> String {
//!     user.id().to_owned()
//! }
//!
//! // #[tool(description = "Greets signed-in users by id, everyone else as guest.")]
//! async fn hello(MaybeUser(user): MaybeUser) -> String {
//!     match user {
//!         Some(user) => format!("hello {}", user.id()),
//!         None => "hello guest".to_owned(),
//!     }
//! }
//!
//! // #[tool(description = "The caller's organization.")]
//! async fn my_org(org: ClerkOrg) -> String {
//!     org.id().to_owned()
//! }
//! # let _ = (whoami, hello, my_org);
//! ```
//!
//! `Option<ClerkUser>` cannot implement rmcp's trait (Rust's orphan rule: both
//! the trait and `Option` are foreign), hence [`MaybeUser`] and [`MaybeOrg`].
//! Tools written with mcp-clerk's own `#[tool]` take `Option<ClerkUser>`
//! directly.

use rmcp::ErrorData;
use rmcp::handler::server::common::FromContextPart;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::Extensions;

use crate::identity::{ClerkOrg, ClerkUser, Identity};

/// The verified identity the gate stored for this request, if any.
///
/// Reads `http::request::Parts` from rmcp's extensions, then the [`Identity`]
/// inside its extensions.
pub fn identity(extensions: &Extensions) -> Option<&Identity> {
    extensions
        .get::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Identity>())
}

fn no_user() -> ErrorData {
    ErrorData::invalid_request(
        "this tool needs a signed-in user: no verified Clerk identity on the request",
        None,
    )
}

fn no_org() -> ErrorData {
    ErrorData::invalid_request(
        "this tool needs an active organization: the caller's token names none",
        None,
    )
}

impl<S> FromContextPart<ToolCallContext<'_, S>> for Identity {
    fn from_context_part(context: &mut ToolCallContext<'_, S>) -> Result<Self, ErrorData> {
        identity(&context.request_context.extensions)
            .cloned()
            .ok_or_else(no_user)
    }
}

impl<S> FromContextPart<ToolCallContext<'_, S>> for ClerkUser {
    fn from_context_part(context: &mut ToolCallContext<'_, S>) -> Result<Self, ErrorData> {
        identity(&context.request_context.extensions)
            .map(|id| id.user().clone())
            .ok_or_else(no_user)
    }
}

impl<S> FromContextPart<ToolCallContext<'_, S>> for ClerkOrg {
    fn from_context_part(context: &mut ToolCallContext<'_, S>) -> Result<Self, ErrorData> {
        let Some(identity) = identity(&context.request_context.extensions) else {
            return Err(no_user());
        };
        identity.org().cloned().ok_or_else(no_org)
    }
}

/// The verified user when the caller presented a valid token, else `None`
/// (the rmcp-extractor form of `Option<ClerkUser>`).
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<ClerkUser>);

impl<S> FromContextPart<ToolCallContext<'_, S>> for MaybeUser {
    fn from_context_part(context: &mut ToolCallContext<'_, S>) -> Result<Self, ErrorData> {
        Ok(MaybeUser(
            identity(&context.request_context.extensions).map(|id| id.user().clone()),
        ))
    }
}

/// The caller's active organization when the token names one, else `None`
/// (the rmcp-extractor form of `Option<ClerkOrg>`).
#[derive(Debug, Clone)]
pub struct MaybeOrg(pub Option<ClerkOrg>);

impl<S> FromContextPart<ToolCallContext<'_, S>> for MaybeOrg {
    fn from_context_part(context: &mut ToolCallContext<'_, S>) -> Result<Self, ErrorData> {
        Ok(MaybeOrg(
            identity(&context.request_context.extensions).and_then(|id| id.org().cloned()),
        ))
    }
}
