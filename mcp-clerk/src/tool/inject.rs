//! Arguments a tool receives from the call rather than from the client's JSON:
//! [`FromToolCall`].
//!
//! `#[tool]` recognises these argument types by name and never puts them in the
//! input schema:
//!
//! | argument | value | needs |
//! |---|---|---|
//! | [`ClerkUser`] | the verified caller | `auth = required` (or `org = required`, scopes, permissions) |
//! | `Option<ClerkUser>` | the caller, if a valid token was sent | `auth = optional` |
//! | [`ClerkOrg`] | the caller's active organization | `org = required` (or a permission/role) |
//! | `Option<ClerkOrg>` | the active organization, if any | `org = optional` |
//! | [`Identity`], `Option<Identity>` | user and organization together | like `ClerkUser` |
//! | [`ClerkMachine`] | the machine caller (M2M token, API key of a machine or organization) | `callers = machines` |
//! | `Option<ClerkMachine>` | the machine, when the caller is one | `callers = any` |
//! | [`RequestContext<RoleServer>`] | rmcp's request context | |
//! | [`CancellationToken`] | cancelled when the client cancels the request | |
//! | [`Peer<RoleServer>`] | the connected client (notifications, sampling, …) | |
//! | [`Extensions`] | the request's extensions (`http::request::Parts` inside) | |
//! | [`RequestId`] | the JSON-RPC request id | |
//! | [`Progress`](crate::tool::notify::Progress) | reports `notifications/progress` for this call (when the client sent a progress token) | |
//! | [`ClientLog`](crate::tool::notify::ClientLog) | sends `notifications/message` at or above the client's `logging/setLevel` | |
//! | [`State<T>`](crate::tool::state::State) | a clone of the state given with [`McpServer::state`](crate::McpServer::state) | the server was given a `T` (checked when it is built) |
//! | [`Clerk`] | the Clerk Backend API (users, organizations, memberships) | a secret key in the server's Clerk config (checked when it is built) |
//!
//! Any other type implementing [`FromToolCall`] can be injected by marking the
//! argument `#[inject]`.

use rmcp::model::{Extensions, RequestId};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, Peer, RoleServer};

pub use tokio_util::sync::CancellationToken;

use crate::backend::Clerk;
use crate::identity::{ClerkMachine, ClerkOrg, ClerkUser, Identity};
use crate::tool::ToolCall;

/// A value read from the [`ToolCall`] itself (the caller, the request context)
/// rather than from the client's arguments.
///
/// ```
/// use mcp_clerk::prelude::*;
/// use mcp_clerk::tool::ToolCall;
/// use mcp_clerk::tool::inject::FromToolCall;
/// use rmcp::ErrorData;
///
/// /// The caller's user id, or "anonymous".
/// struct CallerId(String);
///
/// impl FromToolCall for CallerId {
///     fn from_tool_call(call: &mut ToolCall) -> Result<Self, ErrorData> {
///         Ok(CallerId(call.user().map_or("anonymous", |u| u.id()).to_owned()))
///     }
/// }
///
/// /// Says hello.
/// #[tool(auth = optional)]
/// async fn hello(#[inject] caller: CallerId, greeting: String) -> String {
///     format!("{greeting}, {}", caller.0)
/// }
///
/// // Injected arguments are not part of the input schema.
/// let tool = tools![hello].remove(0);
/// let properties = tool.descriptor().input_schema["properties"].as_object().unwrap();
/// assert!(properties.contains_key("greeting") && !properties.contains_key("caller"));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be injected into a tool",
    label = "not an injectable type",
    note = "injected arguments are `ClerkUser`, `ClerkOrg`, `Identity`, `ClerkMachine` (or `Option` of those), `State<T>`, `Clerk`, `Progress`, `ClientLog`, `RequestContext<RoleServer>`, `CancellationToken`, `Peer<RoleServer>`, `Extensions` and `RequestId`",
    note = "to read this argument from the client's JSON instead, mark it `#[arg]`"
)]
pub trait FromToolCall: Sized {
    /// Reads the value from the call. An `Err` is sent to the client as a
    /// JSON-RPC error.
    fn from_tool_call(call: &mut ToolCall) -> Result<Self, ErrorData>;

    /// The server state this argument reads, if any: checked when the server
    /// is built (see [`State`](crate::tool::state::State)). `None` by default.
    fn required_state() -> Option<crate::tool::state::StateKey> {
        None
    }
}

fn no_user() -> ErrorData {
    ErrorData::invalid_request("this tool needs a signed-in caller", None)
}

/// The caller when it is a person: a machine is never a `ClerkUser` (the
/// policy already refused it; this is the second line).
fn person(call: &ToolCall) -> Option<&ClerkUser> {
    call.identity()
        .filter(|id| !id.is_machine())
        .map(Identity::user)
}

impl FromToolCall for ClerkUser {
    fn from_tool_call(call: &mut ToolCall) -> Result<Self, ErrorData> {
        person(call).cloned().ok_or_else(no_user)
    }
}

impl FromToolCall for Option<ClerkUser> {
    fn from_tool_call(call: &mut ToolCall) -> Result<Self, ErrorData> {
        Ok(person(call).cloned())
    }
}

impl FromToolCall for ClerkMachine {
    fn from_tool_call(call: &mut ToolCall) -> Result<Self, ErrorData> {
        call.identity()
            .and_then(Identity::machine)
            .cloned()
            .ok_or_else(|| ErrorData::invalid_request("this tool needs a machine caller", None))
    }
}

impl FromToolCall for Option<ClerkMachine> {
    fn from_tool_call(call: &mut ToolCall) -> Result<Self, ErrorData> {
        Ok(call.identity().and_then(Identity::machine).cloned())
    }
}

impl FromToolCall for ClerkOrg {
    fn from_tool_call(call: &mut ToolCall) -> Result<Self, ErrorData> {
        call.org().cloned().ok_or_else(|| {
            ErrorData::invalid_request("this tool needs an active organization", None)
        })
    }
}

impl FromToolCall for Option<ClerkOrg> {
    fn from_tool_call(call: &mut ToolCall) -> Result<Self, ErrorData> {
        Ok(call.org().cloned())
    }
}

impl FromToolCall for Identity {
    fn from_tool_call(call: &mut ToolCall) -> Result<Self, ErrorData> {
        call.identity().cloned().ok_or_else(no_user)
    }
}

impl FromToolCall for Option<Identity> {
    fn from_tool_call(call: &mut ToolCall) -> Result<Self, ErrorData> {
        Ok(call.identity().cloned())
    }
}

impl FromToolCall for RequestContext<RoleServer> {
    fn from_tool_call(call: &mut ToolCall) -> Result<Self, ErrorData> {
        Ok(call.context().clone())
    }
}

impl FromToolCall for CancellationToken {
    fn from_tool_call(call: &mut ToolCall) -> Result<Self, ErrorData> {
        Ok(call.context().ct.clone())
    }
}

impl FromToolCall for Peer<RoleServer> {
    fn from_tool_call(call: &mut ToolCall) -> Result<Self, ErrorData> {
        Ok(call.context().peer.clone())
    }
}

impl FromToolCall for Extensions {
    fn from_tool_call(call: &mut ToolCall) -> Result<Self, ErrorData> {
        Ok(call.context().extensions.clone())
    }
}

impl FromToolCall for RequestId {
    fn from_tool_call(call: &mut ToolCall) -> Result<Self, ErrorData> {
        Ok(call.context().id.clone())
    }
}

/// The server's Backend API handle. It is kept with the server's states, so
/// a server that cannot build one (no secret key) is refused when it is
/// built ([`BuildError::MissingSecretKey`](crate::BuildError::MissingSecretKey)),
/// the same check as for a missing `State<T>`.
impl FromToolCall for Clerk {
    fn from_tool_call(call: &mut ToolCall) -> Result<Self, ErrorData> {
        call.states.get::<Clerk>().ok_or_else(|| {
            // Unreachable through `McpServer`; a hand-made `ToolCall` may lack it.
            ErrorData::internal_error(
                "the server has no Clerk Backend API handle (set CLERK_SECRET_KEY)",
                None,
            )
        })
    }

    fn required_state() -> Option<crate::tool::state::StateKey> {
        Some(crate::tool::state::StateKey::of::<Clerk>())
    }
}
