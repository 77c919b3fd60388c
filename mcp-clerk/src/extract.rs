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
/// inside its extensions. Use it where no extractor applies, such as a
/// hand-written `ServerHandler` method:
///
/// ```
/// use mcp_clerk::extract::identity;
/// use rmcp::RoleServer;
/// use rmcp::model::Extensions;
/// use rmcp::service::RequestContext;
///
/// fn caller_id(context: &RequestContext<RoleServer>) -> Option<&str> {
///     identity(&context.extensions).map(|caller| caller.user().id())
/// }
///
/// // Where the gate leaves it: the request head, inside rmcp's extensions.
/// # let caller = mcp_clerk::Identity::new(mcp_clerk::ClerkUser::example("user_1", &[]), None);
/// let (mut parts, ()) = http::Request::new(()).into_parts();
/// parts.extensions.insert(caller);
/// let mut extensions = Extensions::new();
/// extensions.insert(parts);
/// assert_eq!(identity(&extensions).map(|c| c.user().id()), Some("user_1"));
/// assert!(identity(&Extensions::new()).is_none());
/// ```
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
///
/// Give the tool an optional-auth policy, so anonymous callers get through
/// the gate:
///
/// ```
/// use mcp_clerk::extract::MaybeUser;
/// use mcp_clerk::policy::{Requirement, ToolPolicy};
/// use mcp_clerk::McpServer;
/// use rmcp::handler::server::router::tool::ToolRouter;
/// use rmcp::{tool, tool_handler, tool_router};
///
/// #[derive(Clone)]
/// struct Greeter {
///     tool_router: ToolRouter<Greeter>,
/// }
///
/// #[tool_router]
/// impl Greeter {
///     #[tool(description = "Greets signed-in users by id, everyone else as guest.")]
///     async fn hello(&self, MaybeUser(user): MaybeUser) -> String {
///         user.map_or("hello guest".to_owned(), |user| format!("hello {}", user.id()))
///     }
/// }
///
/// #[tool_handler(router = self.tool_router)]
/// impl rmcp::ServerHandler for Greeter {}
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # #[cfg(feature = "testing")] let issuer = mcp_clerk::testing::TestIssuer::start().await;
/// # #[cfg(feature = "testing")] let config = issuer.config();
/// # #[cfg(not(feature = "testing"))]
/// # let config = mcp_clerk::ClerkConfig::builder().issuer("https://your-app.clerk.accounts.dev").build()?;
/// let server = McpServer::new("greeter", "1.0.0")
///     .clerk(config)
///     .rmcp_handler(Greeter { tool_router: Greeter::tool_router() })
///     .policy("hello", ToolPolicy::new().auth(Requirement::Optional));
/// # #[cfg(feature = "testing")] {
/// #     use mcp_clerk::testing::call_tool;
/// #     let bound = server.bind("127.0.0.1:0").await?;
/// #     let url = format!("http://{}/mcp", bound.local_addr());
/// #     tokio::spawn(bound.run_until(std::future::pending()));
/// #     let args = serde_json::json!({});
/// #     let answer = call_tool(&url, None, "hello", args.clone()).await?;
/// #     assert_eq!(answer["result"]["content"][0]["text"], "hello guest");
/// #     let token = issuer.oauth_token("user_1").sign();
/// #     let answer = call_tool(&url, Some(&token), "hello", args).await?;
/// #     assert_eq!(answer["result"]["content"][0]["text"], "hello user_1");
/// # }
/// # #[cfg(not(feature = "testing"))] server.into_router()?;
/// # Ok(()) }
/// ```
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
///
/// ```
/// use mcp_clerk::extract::MaybeOrg;
/// use mcp_clerk::policy::{Requirement, ToolPolicy};
/// use mcp_clerk::{ClerkConfig, McpServer};
/// use rmcp::handler::server::router::tool::ToolRouter;
/// use rmcp::{tool, tool_handler, tool_router};
///
/// #[derive(Clone)]
/// struct Projects {
///     tool_router: ToolRouter<Projects>,
/// }
///
/// #[tool_router]
/// impl Projects {
///     #[tool(description = "The projects of the active organization, else personal ones.")]
///     async fn projects(&self, MaybeOrg(org): MaybeOrg) -> String {
///         org.map_or("personal projects".to_owned(), |org| format!("projects of {}", org.id()))
///     }
/// }
///
/// #[tool_handler(router = self.tool_router)]
/// impl rmcp::ServerHandler for Projects {}
///
/// let config = ClerkConfig::builder().issuer("https://your-app.clerk.accounts.dev").build()?;
/// let router = McpServer::new("projects", "1.0.0")
///     .clerk(config)
///     .rmcp_handler(Projects { tool_router: Projects::tool_router() })
///     .policy("projects", ToolPolicy::new().auth(Requirement::Required).org(Requirement::Optional))
///     .into_router()?;
/// # let _ = router;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct MaybeOrg(pub Option<ClerkOrg>);

impl<S> FromContextPart<ToolCallContext<'_, S>> for MaybeOrg {
    fn from_context_part(context: &mut ToolCallContext<'_, S>) -> Result<Self, ErrorData> {
        Ok(MaybeOrg(
            identity(&context.request_context.extensions).and_then(|id| id.org().cloned()),
        ))
    }
}
