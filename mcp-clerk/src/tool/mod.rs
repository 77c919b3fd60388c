//! The runtime form of a tool: descriptor, policy and handler.
//!
//! `#[tool]` only generates calls into this module, so everything here is
//! usable by hand:
//!
//! ```
//! use mcp_clerk::policy::{Requirement, ToolPolicy};
//! use mcp_clerk::tool::{ToolCall, ToolDef};
//! use mcp_clerk::__private::rmcp::model::{CallToolResult, ContentBlock, Tool};
//! use std::sync::Arc;
//!
//! let descriptor = Tool::new(
//!     "whoami",
//!     "Who am I?",
//!     Arc::new(serde_json::Map::new()),
//! );
//! let tool = ToolDef::new(
//!     descriptor,
//!     ToolPolicy::new().auth(Requirement::Required),
//!     |call: ToolCall| async move {
//!         let id = call.user().map(|u| u.id().to_owned()).unwrap_or_default();
//!         Ok(CallToolResult::success(vec![ContentBlock::text(id)]).into())
//!     },
//! );
//! assert_eq!(tool.name(), "whoami");
//! ```

pub(crate) mod dispatch;
pub(crate) mod guard;

pub mod args;
pub mod inject;
pub mod output;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::RoleServer;
use rmcp::model::{CallToolResponse, JsonObject, Tool};
use rmcp::service::RequestContext;

use crate::identity::{ClerkOrg, ClerkUser, Identity};
use crate::policy::ToolPolicy;

/// The boxed future a tool handler returns.
pub type ToolFuture =
    Pin<Box<dyn Future<Output = Result<CallToolResponse, ErrorData>> + Send + 'static>>;

/// A type-erased tool handler.
pub type ToolHandler = Arc<dyn Fn(ToolCall) -> ToolFuture + Send + Sync + 'static>;

/// One call of a tool: its arguments, the verified caller and rmcp's request context.
pub struct ToolCall {
    name: String,
    arguments: Option<JsonObject>,
    identity: Option<Identity>,
    context: RequestContext<RoleServer>,
}

impl ToolCall {
    /// Builds a call (the dispatcher does this; tests may too).
    pub fn new(
        name: impl Into<String>,
        arguments: Option<JsonObject>,
        identity: Option<Identity>,
        context: RequestContext<RoleServer>,
    ) -> Self {
        Self {
            name: name.into(),
            arguments,
            identity,
            context,
        }
    }

    /// The tool's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The JSON arguments the client sent.
    pub fn arguments(&self) -> Option<&JsonObject> {
        self.arguments.as_ref()
    }

    /// Takes the arguments out of the call.
    pub fn take_arguments(&mut self) -> Option<JsonObject> {
        self.arguments.take()
    }

    /// The verified caller, if a valid token was presented.
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }

    /// The verified user, if any.
    pub fn user(&self) -> Option<&ClerkUser> {
        self.identity.as_ref().map(Identity::user)
    }

    /// The caller's active organization, if any.
    pub fn org(&self) -> Option<&ClerkOrg> {
        self.identity.as_ref().and_then(Identity::org)
    }

    /// rmcp's request context (cancellation token, peer, extensions).
    pub fn context(&self) -> &RequestContext<RoleServer> {
        &self.context
    }

    /// rmcp's request context, mutably.
    pub fn context_mut(&mut self) -> &mut RequestContext<RoleServer> {
        &mut self.context
    }
}

/// A tool: what clients see ([`Tool`]), who may call it ([`ToolPolicy`]) and what it does.
#[derive(Clone)]
pub struct ToolDef {
    descriptor: Tool,
    policy: ToolPolicy,
    handler: ToolHandler,
}

impl ToolDef {
    /// Builds a tool from its descriptor, policy and an async handler.
    pub fn new<F, Fut>(descriptor: Tool, policy: ToolPolicy, handler: F) -> Self
    where
        F: Fn(ToolCall) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<CallToolResponse, ErrorData>> + Send + 'static,
    {
        Self {
            descriptor,
            policy,
            handler: Arc::new(move |call| Box::pin(handler(call))),
        }
    }

    /// The tool's name.
    pub fn name(&self) -> &str {
        &self.descriptor.name
    }

    /// The descriptor clients see in `tools/list`.
    pub fn descriptor(&self) -> &Tool {
        &self.descriptor
    }

    /// Who may call the tool.
    pub fn policy(&self) -> &ToolPolicy {
        &self.policy
    }

    /// Replaces the policy (for example to switch auth off in a benchmark).
    pub fn with_policy(mut self, policy: ToolPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Runs the handler.
    pub fn call(&self, call: ToolCall) -> ToolFuture {
        (self.handler)(call)
    }
}

impl std::fmt::Debug for ToolDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolDef")
            .field("name", &self.descriptor.name)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}
