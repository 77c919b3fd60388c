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
pub mod notify;
pub mod state;

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

/// A value whose methods are tools: implemented by
/// [`#[tool_impl]`](crate::tool_impl) for the type of its `impl` block.
///
/// ```
/// use mcp_clerk::prelude::*;
///
/// struct Greeter {
///     greeting: String,
/// }
///
/// #[tool_impl]
/// impl Greeter {
///     /// Greets someone.
///     #[tool]
///     async fn greet(&self, name: String) -> String {
///         format!("{}, {name}", self.greeting)
///     }
/// }
///
/// let tools = Greeter { greeting: "hello".into() }.into_tools();
/// let server = McpServer::new("greeter", "1").tools(tools);
/// # let _ = server;
/// ```
pub trait ToolSet: Send + Sync + Sized + 'static {
    /// The tools, sharing `self` (kept in one `Arc`).
    fn into_tools(self) -> Vec<ToolDef>;
}

/// The boxed future a tool handler returns.
pub type ToolFuture =
    Pin<Box<dyn Future<Output = Result<CallToolResponse, ErrorData>> + Send + 'static>>;

/// A type-erased tool handler.
pub type ToolHandler = Arc<dyn Fn(ToolCall) -> ToolFuture + Send + Sync + 'static>;

/// What a [`ToolCall`] calls. Resources and prompts are called with the same
/// context as tools, so every injected argument ([`FromToolCall`](inject::FromToolCall))
/// works in `#[tool]`, `#[resource]` and `#[prompt]` functions alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallKind {
    /// `tools/call`.
    Tool,
    /// `resources/read` of a static resource or a resource template.
    Resource,
    /// `prompts/get`.
    Prompt,
}

/// One call of a tool (or read of a resource, or get of a prompt: see
/// [`CallKind`]): its arguments, the verified caller and rmcp's request context.
///
/// What a hand-written handler receives (`#[tool]` reads it for you):
///
/// ```
/// use mcp_clerk::policy::{Requirement, ToolPolicy};
/// use mcp_clerk::{ToolCall, ToolDef};
/// use rmcp::ErrorData;
/// use rmcp::model::{CallToolResponse, CallToolResult, ContentBlock, Tool};
///
/// async fn greet(call: ToolCall) -> Result<CallToolResponse, ErrorData> {
///     let name = call.arguments().and_then(|args| args.get("name")?.as_str());
///     let name = name.ok_or_else(|| ErrorData::invalid_params("`name` is missing", None))?;
///     let by = call.user().map_or("a guest", |user| user.id());
///     let text = format!("hello {name}, from {by}");
///     Ok(CallToolResult::success(vec![ContentBlock::text(text)]).into())
/// }
///
/// let schema = serde_json::json!({"type": "object", "properties": {"name": {"type": "string"}}});
/// let descriptor = Tool::new("greet", "Greets someone", schema.as_object().cloned().unwrap());
/// let tool = ToolDef::new(descriptor, ToolPolicy::new().auth(Requirement::Optional), greet);
/// # #[cfg(feature = "testing")]
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// #     let issuer = mcp_clerk::testing::TestIssuer::start().await;
/// #     let bound = mcp_clerk::McpServer::new("demo", "1").clerk(issuer.config()).tool(tool)
/// #         .bind("127.0.0.1:0").await.unwrap();
/// #     let url = format!("http://{}/mcp", bound.local_addr());
/// #     tokio::spawn(bound.run_until(std::future::pending()));
/// #     let token = issuer.oauth_token("user_1").sign();
/// #     let args = serde_json::json!({"name": "Ada"});
/// #     let answer = mcp_clerk::testing::call_tool(&url, Some(&token), "greet", args.clone()).await.unwrap();
/// #     assert_eq!(answer["result"]["content"][0]["text"], "hello Ada, from user_1");
/// #     let answer = mcp_clerk::testing::call_tool(&url, None, "greet", args).await.unwrap();
/// #     assert_eq!(answer["result"]["content"][0]["text"], "hello Ada, from a guest");
/// # });
/// ```
pub struct ToolCall {
    kind: CallKind,
    name: String,
    arguments: Option<JsonObject>,
    identity: Option<Identity>,
    context: RequestContext<RoleServer>,
    states: state::States,
    log_threshold: notify::LogThreshold,
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
            kind: CallKind::Tool,
            name: name.into(),
            arguments,
            identity,
            context,
            states: state::States::default(),
            log_threshold: notify::LogThreshold::default(),
        }
    }

    /// Makes this the call of another kind of component: a resource read
    /// (`name` is then the URI read, `arguments` the template's parameters)
    /// or a prompt (`name` is the prompt's, `arguments` the client's).
    pub fn with_kind(mut self, kind: CallKind) -> Self {
        self.kind = kind;
        self
    }

    /// What is being called: a tool, a resource or a prompt.
    pub fn kind(&self) -> CallKind {
        self.kind
    }

    /// Gives the call a state value, as [`McpServer::state`](crate::McpServer::state)
    /// does for every call (for calls built by hand, in tests).
    pub fn with_state<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.states.insert(value);
        self
    }

    pub(crate) fn with_states(mut self, states: state::States) -> Self {
        self.states = states;
        self
    }

    pub(crate) fn with_log_threshold(mut self, threshold: notify::LogThreshold) -> Self {
        self.log_threshold = threshold;
        self
    }

    /// The tool's name; for a resource read the URI, for a prompt its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The JSON arguments the client sent (a template's parameters for a
    /// resource read, as strings; a prompt's arguments).
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
///
/// `tools![…]` gives one per `#[tool]` function; [`ToolDef::new`] builds one
/// by hand (see the [module docs](self)).
///
/// ```
/// use mcp_clerk::policy::ToolPolicy;
/// use mcp_clerk::prelude::*;
///
/// /// Lists the caller's notes.
/// #[tool(auth = required, scope = "notes:read")]
/// async fn list_notes(user: ClerkUser) -> String {
///     format!("no notes for {}", user.id())
/// }
///
/// let tool: ToolDef = tools![list_notes].remove(0);
/// assert_eq!(tool.name(), "list_notes");
/// assert_eq!(tool.descriptor().description.as_deref(), Some("Lists the caller's notes."));
/// assert_eq!(tool.policy().scopes().collect::<Vec<_>>(), ["notes:read"]);
///
/// // A load test can serve the same tool without auth:
/// let open = tool.with_policy(ToolPolicy::new());
/// assert!(!open.policy().needs_auth());
/// ```
#[derive(Clone)]
pub struct ToolDef {
    descriptor: Tool,
    policy: ToolPolicy,
    handler: ToolHandler,
    states: Vec<state::StateKey>,
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
            states: Vec::new(),
        }
    }

    /// Declares that the handler reads a state of this type (`#[tool]` does
    /// it for each `State<T>` argument; `None` is ignored). Building a server
    /// without that state is a [`BuildError::MissingState`](crate::BuildError::MissingState).
    pub fn requires_state(mut self, key: impl Into<Option<state::StateKey>>) -> Self {
        if let Some(key) = key.into()
            && !self.states.contains(&key)
        {
            self.states.push(key);
        }
        self
    }

    /// The state types the handler reads.
    pub fn required_states(&self) -> &[state::StateKey] {
        &self.states
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
