//! [`McpServer`]: tools + Clerk config → an axum [`Router`] or a running server.
//!
//! Defaults, and why:
//! - **Stateless, JSON responses.** Each POST is answered on its own with
//!   `application/json` (SSE only when a tool emits notifications first). It
//!   is the fastest mode measured here (≈35 µs of rmcp CPU per call against
//!   ≈60 µs for SSE or stateful), scales horizontally without sticky sessions,
//!   holds no per-session memory (≈53 KB each otherwise), leaves no session id
//!   to hijack, and is what 2026-07-28 clients get anyway. rmcp clients and
//!   2025-11-25 clients work unchanged (they simply receive no session id).
//!   Switch to [`SessionMode::Stateful`] for server→client requests outside a
//!   call (standalone GET stream); sessions are then bound to their creator.
//! - **Host allow-list**: loopback names plus the resource URL's host.
//! - **Origin allow-list**: the resource URL's origin plus loopback origins on
//!   any port; requests without `Origin` (non-browser clients) pass.
//! - **Resource URL**: taken from [`ClerkConfig::resource_url`]. When it is not
//!   set, the discovery documents derive it from the request's `Host` and the
//!   MCP path, for loopback hosts only (local development). Production must
//!   set it: RFC 9728 requires `resource` to be the exact URL clients use.
//! - **TCP_NODELAY** on every accepted socket (without it every SSE-framed
//!   response waits ≈44 ms for a delayed ACK).
//! - **Limits and drain** ([`serve`](McpServer::serve), [`bind`](McpServer::bind)):
//!   header, body and idle timeouts, a connection cap under the file limit
//!   ([`ServeLimits`]); on SIGTERM, `/readyz` turns 503, calls in flight
//!   finish, then rmcp is cancelled ([`Drain`]).

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{MethodRouter, any_service};
use rmcp::ServerHandler;
use rmcp::transport::StreamableHttpServerConfig;
use rmcp::transport::StreamableHttpService;
use rmcp::transport::streamable_http_server::session::SessionStore as RmcpSessionStore;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use tokio::net::{TcpListener, ToSocketAddrs};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::backend::Clerk;
use crate::catalog::Catalog;
use crate::config::{ClerkConfig, ConfigError};
use crate::http::gate::{self, Gate, Policies};
use crate::http::resource::{ResourceInfo, split_origin};
use crate::http::{
    self as mcp_http, Discovery, HostPolicy, OriginPolicy, SessionLimits, SessionRegistry,
    SharedSessionStore, StoreBook, StoreEvent,
};
use crate::policy::{Requirement, ToolPolicy};
use crate::prompt::PromptDef;
use crate::resource::AnyResource;
use crate::serve::{self, Drain, Health, LIVENESS_PATH, READINESS_PATH, ServeLimits, Signal};
use crate::token::Verifier;
use crate::tool::ToolDef;
use crate::tool::dispatch::Dispatcher;
use crate::tool::guard::{Guarded, PolicyTable};
use crate::tool::state::{StateKey, States};

/// The default request body limit (the same as rmcp's).
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The shortest keep-alive rmcp's session workers get (see `build`).
const RMCP_KEEP_ALIVE_FLOOR: std::time::Duration = std::time::Duration::from_secs(3600);

/// Whether the server keeps MCP sessions.
///
/// ```
/// use mcp_clerk::{ClerkConfig, McpServer, SessionMode};
///
/// assert_eq!(SessionMode::default(), SessionMode::Stateless);
/// // Server-to-client requests outside a call need sessions (bound to their creator):
/// let config = ClerkConfig::builder().issuer("https://your-app.clerk.accounts.dev").build()?;
/// let router = McpServer::new("notes", "1.0.0")
///     .clerk(config)
///     .session_mode(SessionMode::Stateful)
///     .into_router()?;
/// # let _ = router;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SessionMode {
    /// No sessions: every request stands alone (default; scales horizontally).
    #[default]
    Stateless,
    /// `Mcp-Session-Id` sessions for clients before 2026-07-28, each bound to
    /// the principal that created it.
    Stateful,
}

/// Why a server could not be built.
///
/// Every check runs when the server is built, before it listens:
///
/// ```
/// use mcp_clerk::prelude::*;
/// use mcp_clerk::BuildError;
///
/// /// Who am I?
/// #[tool(auth = required)]
/// async fn whoami(user: ClerkUser) -> String {
///     user.id().to_owned()
/// }
///
/// match McpServer::new("notes", "1.0.0").tools(tools![whoami]).into_router() {
///     Err(BuildError::MissingConfig(tool)) => assert_eq!(tool, "whoami"),
///     other => panic!("expected MissingConfig, got {other:?}"),
/// }
/// // Two modules registering a tool of the same name:
/// let twice = McpServer::new("notes", "1.0.0").tools(tools![whoami]).tools(tools![whoami]);
/// assert!(matches!(twice.into_router(), Err(BuildError::DuplicateTool(name)) if name == "whoami"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// Two tools share a name.
    #[error("duplicate tool name `{0}`: tool names must be unique")]
    DuplicateTool(String),
    /// A tool needs auth but no Clerk config was given.
    #[error(
        "tool `{0}` needs authentication but the server has no Clerk config; \
         call `.clerk(ClerkConfig::from_env()?)`"
    )]
    MissingConfig(String),
    /// A tool takes a [`State<T>`](crate::tool::state::State) the server was
    /// not given with [`McpServer::state`].
    #[error(
        "tool `{tool}` takes `State<{type_name}>` but the server has no such state; \
         call `.state(value)` with a `{type_name}`"
    )]
    MissingState {
        /// The tool.
        tool: String,
        /// The state's type name.
        type_name: &'static str,
    },
    /// A tool takes [`Clerk`](crate::backend::Clerk) (the Clerk Backend API)
    /// but the server's Clerk config has no secret key.
    #[error(
        "tool `{0}` takes `Clerk` (the Clerk Backend API) but the server has no secret key; \
         set CLERK_SECRET_KEY (builder: `ClerkConfig::builder().secret_key(..)`)"
    )]
    MissingSecretKey(String),
    /// The MCP path is not an absolute path.
    #[error("invalid MCP path `{0}`: it must start with `/` and not end with `/`")]
    InvalidPath(String),
    /// An Origin allow-list entry does not parse.
    #[error(
        "invalid allowed origin `{0}`: use `scheme://host`, `scheme://host:port` or `scheme://host:*`"
    )]
    InvalidOrigin(String),
    /// A session store was given to a stateless server.
    #[error(
        "a session store shares stateful sessions, but the server is stateless; \
         call `.session_mode(SessionMode::Stateful)`"
    )]
    StoreWithoutSessions,
    /// Both `tools` (or resources, or prompts) and an rmcp handler were given.
    #[error(
        "a server serves either mcp-clerk tools, resources and prompts or one rmcp handler, not both"
    )]
    ToolsAndHandler,
    /// Two resources share a URI, two templates a URI template, or two
    /// prompts a name.
    #[error("duplicate {kind} `{name}`: each must be registered once")]
    DuplicateComponent {
        /// What is registered twice.
        kind: crate::catalog::ComponentKind,
        /// Its URI, URI template or name.
        name: String,
    },
    /// A resource template that is not an RFC 6570 level-1 template.
    #[error("invalid URI template `{template}`: {reason}")]
    InvalidUriTemplate {
        /// The template as written.
        template: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A resource, template or prompt needs auth but no Clerk config was given.
    #[error(
        "{kind} `{name}` needs authentication but the server has no Clerk config; \
         call `.clerk(ClerkConfig::from_env()?)`"
    )]
    ComponentMissingConfig {
        /// What needs it.
        kind: crate::catalog::ComponentKind,
        /// Its URI, URI template or name.
        name: String,
    },
    /// A resource, template or prompt takes a [`State<T>`](crate::tool::state::State)
    /// the server was not given with [`McpServer::state`].
    #[error(
        "{kind} `{name}` takes `State<{type_name}>` but the server has no such state; \
         call `.state(value)` with a `{type_name}`"
    )]
    ComponentMissingState {
        /// What takes it.
        kind: crate::catalog::ComponentKind,
        /// Its URI, URI template or name.
        name: String,
        /// The state's type name.
        type_name: &'static str,
    },
    /// The verifier could not be built from the config.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Why [`McpServer::serve`] stopped.
///
/// ```
/// use mcp_clerk::{McpServer, ServeError};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // the port is taken: binding fails with an I/O error, not a panic
/// let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let addr = taken.local_addr().unwrap();
/// match McpServer::new("notes", "1.0.0").bind(addr).await {
///     Err(ServeError::Io(e)) => assert_eq!(e.kind(), std::io::ErrorKind::AddrInUse),
///     other => panic!("expected an I/O error, got {other:?}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The server could not be built.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// Binding or serving failed.
    #[error("server I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Where rmcp keeps sessions: nowhere (stateless), or in a session manager
/// shared with the gate's [`SessionRegistry`].
#[derive(Clone)]
enum Sessions {
    Stateless,
    Stateful(Arc<LocalSessionManager>),
}

/// Mounts the resolved MCP handler.
type Mount = Box<dyn FnOnce(StreamableHttpServerConfig, Sessions) -> MethodRouter + Send>;
/// Mounts a plain rmcp handler behind its policy table.
type HandlerMount =
    Box<dyn FnOnce(StreamableHttpServerConfig, Sessions, Arc<PolicyTable>) -> MethodRouter + Send>;

/// An MCP server whose tools are protected by Clerk.
///
/// ```no_run
/// use mcp_clerk::{ClerkConfig, McpServer, ToolDef};
/// use mcp_clerk::policy::{Requirement, ToolPolicy};
/// use mcp_clerk::__private::rmcp::model::{CallToolResult, ContentBlock, Tool};
///
/// # async fn run() -> anyhow::Result<()> {
/// let whoami = ToolDef::new(
///     Tool::new("whoami", "Who am I?", std::sync::Arc::new(Default::default())),
///     ToolPolicy::new().auth(Requirement::Required),
///     |call| async move {
///         let id = call.user().map(|u| u.id().to_owned()).unwrap_or_default();
///         Ok(CallToolResult::success(vec![ContentBlock::text(id)]).into())
///     },
/// );
/// McpServer::new("projects", "1.0.0")
///     .clerk(ClerkConfig::from_env()?)
///     .tools([whoami])
///     .serve("127.0.0.1:3000")
///     .await?;
/// # Ok(()) }
/// ```
///
/// To merge into an existing axum app, use [`into_router`](Self::into_router)
/// and `app.merge(router)` (merge at the root: the well-known discovery paths
/// must stay at the origin).
#[must_use = "a server does nothing until it is served or turned into a router"]
pub struct McpServer {
    name: String,
    version: String,
    instructions: Option<String>,
    tools: Vec<ToolDef>,
    handler: Option<HandlerMount>,
    policies: HashMap<String, ToolPolicy>,
    default_policy: ToolPolicy,
    config: Option<ClerkConfig>,
    mcp_path: Option<String>,
    session_mode: SessionMode,
    json_response: bool,
    allowed_hosts: Option<Vec<String>>,
    extra_origins: Vec<String>,
    any_origin: bool,
    max_body_bytes: usize,
    resource_name: Option<String>,
    resource_documentation: Option<String>,
    limits: ServeLimits,
    drain: Drain,
    session_limits: SessionLimits,
    session_store: Option<Arc<dyn SharedSessionStore>>,
    states: States,
    resources: Vec<AnyResource>,
    prompts: Vec<PromptDef>,
}

impl std::fmt::Debug for McpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpServer")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("tools", &self.tools)
            .field("resources", &self.resources)
            .field("prompts", &self.prompts)
            .field("rmcp_handler", &self.handler.is_some())
            .field("config", &self.config)
            .field("mcp_path", &self.mcp_path)
            .field("session_mode", &self.session_mode)
            .field("session_limits", &self.session_limits)
            .field("session_store", &self.session_store.is_some())
            .finish_non_exhaustive()
    }
}

impl McpServer {
    /// A server called `name` (reported to clients with `version`).
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            instructions: None,
            tools: Vec::new(),
            handler: None,
            policies: HashMap::new(),
            default_policy: ToolPolicy::new().auth(Requirement::Required),
            config: None,
            mcp_path: None,
            session_mode: SessionMode::Stateless,
            json_response: true,
            allowed_hosts: None,
            extra_origins: Vec::new(),
            any_origin: false,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            resource_name: None,
            resource_documentation: None,
            limits: ServeLimits::default(),
            drain: Drain::default(),
            session_limits: SessionLimits::default(),
            session_store: None,
            states: States::default(),
            resources: Vec::new(),
            prompts: Vec::new(),
        }
    }

    /// Timeouts and the connection cap of [`serve`](Self::serve) and
    /// [`bind`](Self::bind) (see [`ServeLimits`] for the defaults). A router
    /// from [`into_router`](Self::into_router) is served by your own server:
    /// give it the same limits there.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_clerk::{McpServer, ServeLimits};
    ///
    /// let server = McpServer::new("notes", "1.0.0")
    ///     .serve_limits(ServeLimits::default().idle_timeout(Duration::from_secs(30)));
    /// # let _ = server;
    /// ```
    pub fn serve_limits(mut self, limits: ServeLimits) -> Self {
        self.limits = limits;
        self
    }

    /// How [`serve`](Self::serve) and [`BoundServer`] stop (see [`Drain`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_clerk::{Drain, McpServer};
    ///
    /// let server = McpServer::new("notes", "1.0.0")
    ///     .drain(Drain::default().delay(Duration::from_secs(10)).deadline(Duration::from_secs(60)));
    /// # let _ = server;
    /// ```
    pub fn drain(mut self, drain: Drain) -> Self {
        self.drain = drain;
        self
    }

    /// Instructions sent to clients on initialize.
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Adds tools (duplicate names are a [`BuildError`]).
    pub fn tools(mut self, tools: impl IntoIterator<Item = ToolDef>) -> Self {
        self.tools.extend(tools);
        self
    }

    /// Shares `value` with every tool that takes a [`State<T>`](crate::tool::state::State)
    /// of its type (cloned per call: give a pool, a client or an `Arc`). Call
    /// it once per type; a second value of the same type replaces the first.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use mcp_clerk::prelude::*;
    ///
    /// #[derive(Clone)]
    /// struct Db(Arc<Vec<&'static str>>);
    ///
    /// /// How many rows?
    /// #[tool]
    /// async fn rows(State(db): State<Db>) -> String {
    ///     db.0.len().to_string()
    /// }
    ///
    /// let router = McpServer::new("db", "1")
    ///     .state(Db(Arc::new(vec!["a", "b"])))
    ///     .state(42_u32) // any number of states, one per type
    ///     .tools(tools![rows])
    ///     .into_router()?;
    /// # let _ = router;
    /// # Ok::<(), mcp_clerk::BuildError>(())
    /// ```
    pub fn state<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.states.insert(value);
        self
    }

    /// Adds one tool.
    pub fn tool(mut self, tool: ToolDef) -> Self {
        self.tools.push(tool);
        self
    }

    /// Adds resources and resource templates (`resources![..]`, or
    /// [`ResourceDef`](crate::resource::ResourceDef)s and
    /// [`ResourceTemplateDef`](crate::resource::ResourceTemplateDef)s built by
    /// hand). A duplicate URI or template, or a template that does not parse,
    /// is a [`BuildError`]. The server advertises the `resources` capability
    /// only when it has some.
    ///
    /// ```
    /// use mcp_clerk::prelude::*;
    ///
    /// /// Today's message.
    /// #[resource("test://motd", mime_type = "text/plain")]
    /// async fn motd() -> String {
    ///     "hello".into()
    /// }
    ///
    /// /// One note of the caller's.
    /// #[resource("notes://{id}", auth = required)]
    /// async fn note(user: ClerkUser, id: u32) -> String {
    ///     format!("note {id} of {}", user.id())
    /// }
    ///
    /// let server = McpServer::new("notes", "1").resources(resources![motd, note]);
    /// # let _ = server;
    /// ```
    pub fn resources<R: Into<AnyResource>>(
        mut self,
        resources: impl IntoIterator<Item = R>,
    ) -> Self {
        self.resources.extend(resources.into_iter().map(Into::into));
        self
    }

    /// Adds one resource or resource template.
    pub fn resource(mut self, resource: impl Into<AnyResource>) -> Self {
        self.resources.push(resource.into());
        self
    }

    /// Adds prompts (`prompts![..]`, or [`PromptDef`](crate::prompt::PromptDef)s
    /// built by hand; a duplicate name is a [`BuildError`]). The server
    /// advertises the `prompts` capability only when it has some.
    ///
    /// ```
    /// use mcp_clerk::prelude::*;
    ///
    /// /// Asks for a summary.
    /// #[prompt(auth = required)]
    /// async fn summarise(user: ClerkUser, #[arg(description = "What to summarise")] topic: String) -> String {
    ///     format!("Summarise {topic} for {}", user.id())
    /// }
    ///
    /// let server = McpServer::new("notes", "1").prompts(prompts![summarise]);
    /// # let _ = server;
    /// ```
    pub fn prompts(mut self, prompts: impl IntoIterator<Item = PromptDef>) -> Self {
        self.prompts.extend(prompts);
        self
    }

    /// Adds one prompt.
    pub fn prompt(mut self, prompt: PromptDef) -> Self {
        self.prompts.push(prompt);
        self
    }

    /// The Clerk instance whose tokens are accepted. Without it, only tools
    /// with no auth requirement can be served.
    pub fn clerk(mut self, config: ClerkConfig) -> Self {
        self.config = Some(config);
        self
    }

    /// The path of the MCP endpoint. Default: the path of the configured
    /// resource URL, else `/mcp`.
    pub fn mcp_path(mut self, path: impl Into<String>) -> Self {
        self.mcp_path = Some(path.into());
        self
    }

    /// How many stateful sessions live, per caller and in all, and how long an
    /// unused one lasts (see [`SessionLimits`] for the defaults and what
    /// happens at a cap). Applies in [`SessionMode::Stateful`], to
    /// [`into_router`](Self::into_router) as well.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_clerk::{McpServer, SessionLimits, SessionMode};
    ///
    /// let server = McpServer::new("notes", "1.0.0")
    ///     .session_mode(SessionMode::Stateful)
    ///     .session_limits(SessionLimits::default().per_principal(4).idle_timeout(Duration::from_secs(120)));
    /// # let _ = server;
    /// ```
    pub fn session_limits(mut self, limits: SessionLimits) -> Self {
        self.session_limits = limits;
        self
    }

    /// Shares stateful sessions with other replicas through `store` (for
    /// Redis: [`RedisSessionStore`](crate::RedisSessionStore), feature
    /// `redis`), so a balancer may send any request to any replica.
    ///
    /// rmcp gets the store to restore a session on a replica that has not
    /// seen it; the gate keeps each session's owner there and checks it on
    /// every request, on whichever replica it lands; a `DELETE` removes the
    /// session from the store, and every replica then answers 404. Entries
    /// expire after the idle timeout of [`SessionLimits`], refreshed on use.
    /// When the store cannot answer in time the request gets `503` with
    /// `Retry-After` (`data.reason` `session_store_unavailable` or
    /// `session_store_timeout`). The store must be given with
    /// [`SessionMode::Stateful`] ([`BuildError::StoreWithoutSessions`]).
    ///
    /// ```
    /// # #[cfg(feature = "redis")] {
    /// use mcp_clerk::{McpServer, RedisSessionStore, SessionMode};
    ///
    /// let server = McpServer::new("notes", "1.0.0")
    ///     .session_mode(SessionMode::Stateful)
    ///     .session_store(RedisSessionStore::new("redis://127.0.0.1:6379/")?);
    /// # let _ = server;
    /// # }
    /// # Ok::<(), mcp_clerk::ConfigError>(())
    /// ```
    pub fn session_store(mut self, store: impl SharedSessionStore) -> Self {
        self.session_store = Some(Arc::new(store));
        self
    }

    /// Stateless (default) or stateful sessions.
    pub fn session_mode(mut self, mode: SessionMode) -> Self {
        self.session_mode = mode;
        self
    }

    /// In stateless mode, answer with `application/json` when possible
    /// (default `true`; `false` always streams SSE).
    pub fn json_response(mut self, json: bool) -> Self {
        self.json_response = json;
        self
    }

    /// Replaces the `Host` allow-list (`host` or `host:port` entries; an empty
    /// list allows any host, which is not recommended).
    pub fn allowed_hosts<I, S>(mut self, hosts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_hosts = Some(hosts.into_iter().map(Into::into).collect());
        self
    }

    /// Adds browser origins allowed to call the MCP route (`scheme://host`,
    /// `scheme://host:port`, `scheme://host:*`).
    pub fn allowed_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.extra_origins
            .extend(origins.into_iter().map(Into::into));
        self
    }

    /// Allows any `Origin` (turns the Origin check off; not recommended).
    pub fn allow_any_origin(mut self) -> Self {
        self.any_origin = true;
        self
    }

    /// The largest accepted request body (default 4 MiB; 413 beyond).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// `resource_name` in the protected resource metadata (default: the server name).
    pub fn resource_name(mut self, name: impl Into<String>) -> Self {
        self.resource_name = Some(name.into());
        self
    }

    /// `resource_documentation` in the protected resource metadata.
    pub fn resource_documentation(mut self, url: impl Into<String>) -> Self {
        self.resource_documentation = Some(url.into());
        self
    }

    /// Serves a plain rmcp handler (for example a `#[tool_router]` struct)
    /// behind the gate instead of mcp-clerk tools. Its tools get
    /// [`default_policy`](Self::default_policy) (auth required) unless
    /// [`policy`](Self::policy) names them; the extractors in
    /// [`extract`](crate::extract) read the caller inside them.
    pub fn rmcp_handler<H>(mut self, handler: H) -> Self
    where
        H: ServerHandler + Clone,
    {
        self.handler = Some(Box::new(move |config, mode, table| {
            let factory = move || Ok(Guarded::new(handler.clone(), table.clone()));
            mount(factory, config, mode)
        }));
        self
    }

    /// The policy of one tool of an [`rmcp_handler`](Self::rmcp_handler).
    pub fn policy(mut self, tool: impl Into<String>, policy: ToolPolicy) -> Self {
        self.policies.insert(tool.into(), policy);
        self
    }

    /// The policy of the tools of an [`rmcp_handler`](Self::rmcp_handler) not
    /// named by [`policy`](Self::policy) (default: auth required).
    pub fn default_policy(mut self, policy: ToolPolicy) -> Self {
        self.default_policy = policy;
        self
    }

    /// Builds the axum router: the MCP route (gate, CORS, rmcp) and, with a
    /// Clerk config, the discovery routes.
    pub fn into_router(self) -> Result<Router, BuildError> {
        Ok(self.build()?.0)
    }

    fn build(self) -> Result<(Router, CancelOnShutdown, String), BuildError> {
        let McpServer {
            name,
            version,
            instructions,
            tools,
            handler,
            policies,
            default_policy,
            config,
            mcp_path,
            session_mode,
            json_response,
            allowed_hosts,
            extra_origins,
            any_origin,
            max_body_bytes,
            resource_name,
            resource_documentation,
            limits: _,
            drain: _,
            session_limits,
            session_store,
            mut states,
            resources,
            prompts,
        } = self;
        if session_store.is_some() && session_mode != SessionMode::Stateful {
            return Err(BuildError::StoreWithoutSessions);
        }

        // The Backend API handle: the one given with `.state(..)`, else the
        // config's (with a secret key). Tools taking `Clerk` read it as a
        // state, so a server without it fails the state check below.
        let clerk_key = StateKey::of::<Clerk>();
        let clerk: Option<Clerk> = states
            .get::<Clerk>()
            .or_else(|| config.as_ref().and_then(Clerk::from_config));
        if let Some(clerk) = &clerk
            && !states.contains(&clerk_key)
        {
            states.insert(clerk.clone());
        }

        let resource_url = config.as_ref().and_then(|c| c.resource_url());
        let mcp_path = match mcp_path {
            Some(p) => p,
            None => match resource_url.map(|u| split_origin(u).1) {
                Some(p) if !p.is_empty() => p.to_owned(),
                _ => "/mcp".to_owned(),
            },
        };
        if !mcp_path.starts_with('/') || mcp_path.len() < 2 || mcp_path.ends_with('/') {
            return Err(BuildError::InvalidPath(mcp_path));
        }

        // Tools or handler, and their policies.
        let (policy_source, service): (Policies, Mount) = match handler {
            Some(_) if !tools.is_empty() || !resources.is_empty() || !prompts.is_empty() => {
                return Err(BuildError::ToolsAndHandler);
            }
            Some(handler) => {
                let table = Arc::new(PolicyTable::new(policies, default_policy));
                let policies = Policies::Table(table.clone());
                let mount_handler: Mount =
                    Box::new(move |config, mode| handler(config, mode, table));
                (policies, mount_handler)
            }
            None => {
                let catalog = Catalog::new(tools, resources, prompts)?;
                if let Some(error) = catalog.missing_state(&states) {
                    // `Clerk` is a state like any other, but its absence
                    // means one thing: no secret key.
                    return Err(match error {
                        BuildError::MissingState { tool, type_name }
                            if type_name == clerk_key.type_name() =>
                        {
                            BuildError::MissingSecretKey(tool)
                        }
                        other => other,
                    });
                }
                if config.is_none()
                    && let Some(error) = catalog.missing_config()
                {
                    return Err(error);
                }
                let catalog = Arc::new(catalog);
                let dispatcher = Dispatcher::new(
                    &name,
                    &version,
                    instructions.as_deref(),
                    catalog.clone(),
                    states,
                );
                let mount_dispatcher: Mount = Box::new(move |config, mode| {
                    mount(move || Ok(dispatcher.for_session()), config, mode)
                });
                (Policies::Catalog(catalog), mount_dispatcher)
            }
        };
        if config.is_none()
            && let Some(tool) = policy_source.first_using_auth()
        {
            return Err(BuildError::MissingConfig(tool));
        }

        // Host and Origin.
        let resource_authority = resource_url.map(|u| {
            let origin = split_origin(u).0;
            origin.split_once("://").map(|(_, a)| a).unwrap_or(origin)
        });
        let resource_host = resource_authority.and_then(|a| {
            a.parse::<http::uri::Authority>()
                .ok()
                .map(|a| a.host().to_owned())
        });
        let hosts =
            allowed_hosts.unwrap_or_else(|| mcp_http::default_hosts(resource_host.as_deref()));
        let origins = if any_origin {
            OriginPolicy::any()
        } else {
            let p = OriginPolicy::with_defaults(
                resource_url.map(|u| split_origin(u).0),
                extra_origins.iter().map(String::as_str),
            );
            if let Some(bad) = p.invalid().first() {
                return Err(BuildError::InvalidOrigin(bad.clone()));
            }
            p
        };
        let origins = Arc::new(origins);

        // rmcp.
        let mut rmcp_config = StreamableHttpServerConfig::default()
            .with_legacy_session_mode(session_mode == SessionMode::Stateful)
            .with_json_response(json_response)
            .with_allowed_hosts(hosts.clone())
            .with_max_request_body_bytes(max_body_bytes);
        if hosts.is_empty() {
            rmcp_config = rmcp_config.disable_allowed_hosts();
        }
        if let Some(store) = &session_store {
            store.expire_after(session_limits.idle_timeout_value());
            let rmcp_store: Arc<dyn RmcpSessionStore> = store.clone();
            rmcp_config.session_store = Some(rmcp_store);
        }
        let cancel = rmcp_config.cancellation_token.clone();
        let shutdown = CancelOnShutdown(Box::new(move || cancel.cancel()));
        // The gate's registry decides when a session ends and closes it here.
        // rmcp's own keep-alive only reaps what the registry never saw (an
        // `initialize` cut off before its answer); it also ends a session
        // whose call sends nothing for that long, hence at least an hour.
        let rmcp_sessions = (session_mode == SessionMode::Stateful).then(|| {
            let mut manager = LocalSessionManager::default();
            manager.session_config.keep_alive = Some(
                session_limits
                    .idle_timeout_value()
                    .saturating_mul(2)
                    .max(RMCP_KEEP_ALIVE_FLOOR),
            );
            Arc::new(manager)
        });
        let rmcp_router = service(
            rmcp_config,
            match &rmcp_sessions {
                Some(manager) => Sessions::Stateful(Arc::clone(manager)),
                None => Sessions::Stateless,
            },
        );

        // The gate.
        let verifier = config.as_ref().map(Verifier::new).transpose()?;
        let host_policy = HostPolicy::new(hosts.iter().map(String::as_str));
        let resource = ResourceInfo::new(resource_url, &mcp_path).with_hosts(host_policy.clone());
        let all_need_auth = policy_source.all_need_auth();
        let sessions = (session_mode == SessionMode::Stateful).then(|| {
            let idle = session_limits.idle_timeout_value();
            let capacity = session_limits.max_sessions_value() as u64;
            let registry =
                SessionRegistry::new(session_limits, rmcp_sessions.clone(), verifier.is_none());
            match session_store {
                None => registry,
                Some(store) => shared_registry(registry, store, idle, capacity),
            }
        });
        let clerk = clerk.filter(|_| policy_source.any_uses_org());
        if let Some(clerk) = &clerk {
            tracing::debug!(
                membership_ttl_ms = clerk.membership_lifetime().as_millis() as u64,
                "organization memberships are re-read from the Clerk Backend API"
            );
        }
        // scopes_supported and the scopes every 401 asks for: the configured
        // scopes, else every scope a tool asks for.
        let advertised: Vec<String> = match config.as_ref().map(|c| c.scopes_supported()) {
            Some(scopes) if !scopes.is_empty() => scopes.to_vec(),
            _ => policy_source.challenge_scopes(),
        };
        let gate = Arc::new(Gate {
            verifier,
            policies: policy_source,
            all_need_auth,
            base_scopes: advertised.clone(),
            resource: resource.clone(),
            hosts: host_policy,
            origins: origins.clone(),
            max_body: max_body_bytes,
            sessions,
            clerk,
        });

        let mcp = Router::new()
            .route(&mcp_path, rmcp_router)
            .layer(axum::middleware::from_fn_with_state(gate, gate::run))
            // Ambiguous Host/Origin → 400 before the gate; bodies rmcp cannot
            // read → JSON-RPC's 400 (`http::strict`).
            .layer(axum::middleware::from_fn_with_state(
                mcp_http::strict::Strict {
                    max_body: max_body_bytes,
                },
                mcp_http::strict::run,
            ))
            // Answers depend on the caller (tool lists, results, challenges):
            // no cache may keep or share them. 2026-07-28 peers also get
            // `cacheScope: private` on caller-dependent tool lists.
            .layer(SetResponseHeaderLayer::if_not_present(
                http::header::CACHE_CONTROL,
                http::HeaderValue::from_static("private, no-store"),
            ))
            .layer(mcp_http::mcp_cors(origins));

        let router = match &config {
            None => mcp,
            Some(config) => mcp.merge(mcp_http::discovery_router(Discovery {
                resource,
                mcp_path: &mcp_path,
                issuer: config.issuer(),
                scopes: &advertised,
                resource_name: Some(resource_name.as_deref().unwrap_or(&name)),
                resource_documentation: resource_documentation.as_deref(),
                upstream_timeout: config.jwks_timeout(),
            })),
        };
        Ok((router, shutdown, mcp_path))
    }

    /// Binds `addr` (use port 0 for an ephemeral port) and returns the bound
    /// server; [`BoundServer::local_addr`] tells where it listens.
    ///
    /// The bound server also answers the readiness route ([`READINESS_PATH`],
    /// 503 from the moment a stop signal arrives) and the liveness route
    /// ([`LIVENESS_PATH`]), unless the MCP path is one of them.
    pub async fn bind(self, addr: impl ToSocketAddrs) -> Result<BoundServer, ServeError> {
        let limits = self.limits.clone();
        let drain = self.drain.clone();
        let (router, cancel, mcp_path) = self.build()?;
        let health = Health::new();
        let router = if mcp_path == READINESS_PATH || mcp_path == LIVENESS_PATH {
            router
        } else {
            router.merge(health.routes())
        };
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        Ok(BoundServer {
            listener,
            serving: serve::Serving {
                app: router,
                limits,
                drain,
                health,
                cancel: cancel.0,
            },
            local_addr,
        })
    }

    /// Binds `addr` and serves until Ctrl-C or SIGTERM, then drains (see [`Drain`]).
    pub async fn serve(self, addr: impl ToSocketAddrs) -> Result<(), ServeError> {
        let bound = self.bind(addr).await?;
        tracing::info!(addr = %bound.local_addr(), "mcp server listening");
        bound.run().await
    }
}

/// The registry of a replica sharing its sessions through `store`: the gate
/// asks the store, and the store's reports of ended sessions close the local
/// workers and drop cached owners. An owner is cached at most a quarter of
/// the idle timeout, so the store's expiry is refreshed in time.
fn shared_registry(
    registry: SessionRegistry,
    store: Arc<dyn SharedSessionStore>,
    idle: Duration,
    capacity: u64,
) -> SessionRegistry {
    let (timeout, cache_for) = (store.call_timeout(), store.owner_cache_lifetime());
    let book = Arc::new(StoreBook::new(
        Arc::clone(&store),
        timeout,
        cache_for.min(idle / 4),
        capacity,
    ));
    let registry = registry.with_store(Arc::clone(&book));
    let weak_book = Arc::downgrade(&book);
    let weak_registry = registry.downgrade();
    store.watch(Arc::new(move |event| {
        if let Some(book) = weak_book.upgrade() {
            book.on_event(&event);
        }
        if let (StoreEvent::Ended(id), Some(registry)) = (&event, weak_registry.upgrade()) {
            registry.end_local(id);
        }
    }));
    registry
}

/// Mounts an rmcp handler factory as a Streamable HTTP router.
fn mount<S, F>(factory: F, config: StreamableHttpServerConfig, sessions: Sessions) -> MethodRouter
where
    S: ServerHandler + Send + 'static,
    F: Fn() -> Result<S, std::io::Error> + Send + Sync + 'static,
{
    match sessions {
        Sessions::Stateful(manager) => {
            any_service(StreamableHttpService::new(factory, manager, config))
        }
        Sessions::Stateless => any_service(StreamableHttpService::new(
            factory,
            Arc::new(NeverSessionManager::default()),
            config,
        )),
    }
}

/// Cancels rmcp's streams when the server shuts down.
struct CancelOnShutdown(Box<dyn FnOnce() + Send>);

/// A server bound to a socket, not yet serving.
///
/// Binding first tells you the port (bind port 0 in tests), and
/// [`run_until`](Self::run_until) stops it on your own signal:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use mcp_clerk::prelude::*;
///
/// /// Answers pong.
/// #[tool]
/// async fn ping() -> &'static str {
///     "pong"
/// }
///
/// let bound = McpServer::new("demo", "1").tools(tools![ping]).bind("127.0.0.1:0").await?;
/// let addr = bound.local_addr();
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let server = tokio::spawn(bound.run_until(async move {
///     let _ = stopped.await;
/// }));
///
/// tokio::net::TcpStream::connect(addr).await?; // it is listening
/// stop.send(()).ok();
/// server.await??; // shut down gracefully
/// # Ok(()) }
/// ```
#[must_use = "call run() or run_until() to serve"]
pub struct BoundServer {
    listener: TcpListener,
    serving: serve::Serving,
    local_addr: SocketAddr,
}

impl std::fmt::Debug for BoundServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoundServer")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl BoundServer {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until Ctrl-C or SIGTERM, then drains (see [`Drain`]).
    pub async fn run(self) -> Result<(), ServeError> {
        self.serve(serve::drain_signal()).await
    }

    /// Serves until `signal` completes, then drains as after Ctrl-C (see
    /// [`Drain`]): stops accepting connections once the drain's delay is
    /// over (none unless configured), lets calls in flight finish within its
    /// deadline, then ends open SSE streams and closes what is left.
    pub async fn run_until(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        self.serve(async move {
            signal.await;
            Signal::Other
        })
        .await
    }

    async fn serve(self, stop: impl Future<Output = Signal> + Send) -> Result<(), ServeError> {
        serve::run(self.listener, self.serving, stop).await?;
        Ok(())
    }
}

/// Completes on Ctrl-C, or SIGTERM on Unix.
///
/// [`McpServer::serve`] and [`BoundServer::run`] wait for it; use it yourself
/// when the MCP routes are merged into your own axum app:
///
/// ```no_run
/// # async fn run(config: mcp_clerk::ClerkConfig) -> Result<(), Box<dyn std::error::Error>> {
/// use mcp_clerk::{McpServer, shutdown_signal};
///
/// let mcp = McpServer::new("notes", "1.0.0").clerk(config).into_router()?;
/// let app = axum::Router::new()
///     .route("/health", axum::routing::get(|| async { "ok" }))
///     .merge(mcp);
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await?;
/// axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
/// # Ok(()) }
/// ```
pub async fn shutdown_signal() {
    serve::drain_signal().await;
    tracing::info!("shutting down");
}
