//! The rmcp [`ServerHandler`] that serves a set of [`ToolDef`]s.
//!
//! It lists tools per caller and dispatches calls, asking
//! [`policy::decide`](crate::policy::decide) every time (the HTTP gate asks the
//! same function first, so the two never disagree; the second check is defence
//! in depth and the only check when a request bypassed the gate).
//!
//! Refusals:
//! - unknown tool, or a tool whose organization permission/role the caller
//!   lacks (hidden from that caller's `tools/list`): the *same* tool error
//!   result (`isError: true`), so a caller cannot probe which hidden tools
//!   exist. The precise reason goes to the server log only.
//! - a call that needs authentication or more scopes reaching the dispatcher
//!   (only possible without the gate): a tool error result naming what is
//!   missing.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, CompleteRequestParams,
    CompleteResult, ContentBlock, GetPromptRequestParams, GetPromptResponse, Implementation,
    JsonObject, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult,
    ListToolsResult, PaginatedRequestParams, PromptsCapability, ProtocolVersion,
    ReadResourceRequestParams, ReadResourceResponse, ResourcesCapability, ServerCapabilities,
    ServerConfig, SubscribeRequestParams, Tool, UnsubscribeRequestParams,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use tracing::Instrument;

use crate::catalog::Catalog;
use crate::extract;
use crate::identity::Identity;
use crate::policy::{self, Decision, ToolPolicy};
use crate::tool::notify::{LogLevel, LogThreshold};
use crate::tool::state::States;
use crate::tool::{CallKind, ToolCall, ToolDef};
use crate::{complete, prompt, resource};

/// The message for a tool the caller cannot see: unknown, or hidden because the
/// caller lacks the organization permission or role it needs.
pub(crate) fn unavailable_message(name: &str) -> String {
    format!(
        "tool `{name}` is not available: no such tool, or it needs an organization \
         role or permission you do not have"
    )
}

/// The tools of one server, indexed by name (part of the server's
/// [`Catalog`]).
#[derive(Debug)]
pub(crate) struct ToolTable {
    tools: Vec<ToolDef>,
    index: HashMap<String, usize>,
    /// Whether some tool may be hidden from some caller (its list is private).
    pub(crate) caller_dependent: bool,
}

impl ToolTable {
    /// Indexes `tools`; `Err(name)` on the first duplicate name.
    pub(crate) fn new(tools: Vec<ToolDef>) -> Result<Self, String> {
        let mut index = HashMap::with_capacity(tools.len());
        for (i, tool) in tools.iter().enumerate() {
            if index.insert(tool.name().to_owned(), i).is_some() {
                return Err(tool.name().to_owned());
            }
        }
        let caller_dependent = tools.iter().any(|t| t.policy().hidden_from_some());
        Ok(Self {
            tools,
            index,
            caller_dependent,
        })
    }

    /// The tool called `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&ToolDef> {
        self.index.get(name).map(|&i| &self.tools[i])
    }

    /// The policy of the tool called `name`.
    pub(crate) fn policy(&self, name: &str) -> Option<&ToolPolicy> {
        self.get(name).map(ToolDef::policy)
    }

    /// How many tools there are.
    pub(crate) fn len(&self) -> usize {
        self.tools.len()
    }

    /// All tools, in registration order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &ToolDef> {
        self.tools.iter()
    }
}

/// The rmcp handler for a [`Catalog`]: tools here, resources in
/// [`crate::resource::dispatch`], prompts in [`crate::prompt::dispatch`],
/// completions in [`crate::complete`]. Cheap to clone (one `Arc`).
#[derive(Clone, Debug)]
pub(crate) struct Dispatcher {
    inner: Arc<Inner>,
    /// The client's `logging/setLevel`, per session (see [`Dispatcher::for_session`]).
    log_threshold: LogThreshold,
    /// The session's `resources/subscribe` URIs.
    subscriptions: resource::dispatch::Subscriptions,
}

#[derive(Debug)]
struct Inner {
    info: ServerConfig,
    catalog: Arc<Catalog>,
    states: States,
}

impl Dispatcher {
    #[allow(deprecated)] // `enable_logging`: MCP logging (SEP-2577); clients still use it
    pub(crate) fn new(
        name: &str,
        version: &str,
        instructions: Option<&str>,
        catalog: Arc<Catalog>,
        states: States,
    ) -> Self {
        let mut capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_logging()
            .build();
        // Advertised only when there is something behind them.
        if catalog.has_resources() {
            let mut resources = ResourcesCapability::default();
            resources.subscribe = Some(true);
            capabilities.resources = Some(resources);
        }
        if !catalog.prompts().is_empty() {
            capabilities.prompts = Some(PromptsCapability::default());
        }
        if catalog.has_completers() {
            capabilities.completions = Some(JsonObject::new());
        }
        let mut info =
            ServerConfig::new(capabilities).with_server_info(Implementation::new(name, version));
        if let Some(instructions) = instructions {
            info = info.with_instructions(instructions);
        }
        Self {
            inner: Arc::new(Inner {
                info,
                catalog,
                states,
            }),
            log_threshold: LogThreshold::default(),
            subscriptions: Default::default(),
        }
    }

    /// What a resource read or prompt get needs of this session: the caller,
    /// the states, the log threshold and rmcp's context.
    fn prepare(&self, context: RequestContext<RoleServer>) -> Prepared {
        Prepared {
            identity: extract::identity(&context.extensions).cloned(),
            states: self.inner.states.clone(),
            log_threshold: self.log_threshold.clone(),
            context,
        }
    }

    /// The handler of one new session (rmcp asks for one per session, or per
    /// request when stateless): the tools are shared, the log level is its own.
    pub(crate) fn for_session(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            log_threshold: LogThreshold::default(),
            subscriptions: Default::default(),
        }
    }
}

/// One request's caller and context, from which the [`ToolCall`] of a
/// resource read or prompt get is made once its policy allows it.
pub(crate) struct Prepared {
    pub(crate) identity: Option<Identity>,
    states: States,
    log_threshold: LogThreshold,
    context: RequestContext<RoleServer>,
}

impl Prepared {
    /// The call of `kind` for `name` with `arguments`.
    pub(crate) fn into_call(
        self,
        kind: CallKind,
        name: String,
        arguments: Option<rmcp::model::JsonObject>,
    ) -> ToolCall {
        ToolCall::new(name, arguments, self.identity, self.context)
            .with_kind(kind)
            .with_states(self.states)
            .with_log_threshold(self.log_threshold)
    }
}

/// Why a resource read or prompt get was refused, as the JSON-RPC error the
/// client gets: `Forbidden` looks exactly like an unknown `name` (`hidden`),
/// so a caller cannot probe for what is hidden from it; the reason is logged.
/// `None` when the decision allows it.
pub(crate) fn refused(
    what: &str,
    name: &str,
    decision: Decision,
    hidden: impl FnOnce() -> ErrorData,
) -> Option<ErrorData> {
    match decision {
        Decision::Allow => None,
        Decision::Forbidden(reason) => {
            tracing::info!(%reason, "{what} refused");
            Some(hidden())
        }
        Decision::Unauthenticated { .. } => Some(ErrorData::invalid_request(
            format!("{what} `{name}` needs a signed-in user"),
            None,
        )),
        Decision::InsufficientScope { scopes } => Some(ErrorData::invalid_request(
            format!("{what} `{name}` needs the scopes `{}`", scopes.join(" ")),
            None,
        )),
    }
}

/// The outcome recorded on the tool-call span.
fn outcome_of(result: &Result<CallToolResponse, ErrorData>) -> &'static str {
    match result {
        Ok(CallToolResponse::Complete(r)) if r.is_error == Some(true) => "tool_error",
        Ok(_) => "ok",
        Err(_) => "protocol_error",
    }
}

fn tool_error(message: String) -> Result<CallToolResponse, ErrorData> {
    Ok(CallToolResult::error(vec![ContentBlock::text(message)]).into())
}

impl ServerHandler for Dispatcher {
    fn get_info(&self) -> ServerConfig {
        self.inner.info.clone()
    }

    #[allow(deprecated)] // MCP logging (SEP-2577); clients still send it
    async fn set_level(
        &self,
        request: rmcp::model::SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.log_threshold.set(LogLevel::from_rmcp(request.level));
        Ok(())
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.inner
            .catalog
            .tools
            .get(name)
            .map(|t| t.descriptor().clone())
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let caller = extract::identity(&context.extensions);
        let tools: Vec<Tool> = self
            .inner
            .catalog
            .tools
            .iter()
            .filter(|t| policy::decide(t.policy(), caller).visible())
            .map(|t| t.descriptor().clone())
            .collect();
        Ok(with_cache_hint(
            ListToolsResult::with_all_items(tools),
            self.inner.catalog.tools.caller_dependent,
            &context,
        ))
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(resource::dispatch::list(&self.inner.catalog, &context))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(resource::dispatch::list_templates(
            &self.inner.catalog,
            &context,
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let prepared = self.prepare(context);
        resource::dispatch::read(&self.inner.catalog, request.uri, prepared)
            .await
            .map(Into::into)
    }

    #[allow(deprecated)] // legacy-only in 2026-07-28; 2025-11-25 clients use it
    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        resource::dispatch::subscribe(
            &self.inner.catalog,
            &self.subscriptions,
            request.uri,
            &context,
        )
    }

    #[allow(deprecated)] // legacy-only in 2026-07-28; 2025-11-25 clients use it
    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        resource::dispatch::unsubscribe(&self.subscriptions, &request.uri);
        Ok(())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(prompt::dispatch::list(&self.inner.catalog, &context))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let prepared = self.prepare(context);
        prompt::dispatch::get(
            &self.inner.catalog,
            request.name,
            request.arguments,
            prepared,
        )
        .await
        .map(Into::into)
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        complete::complete(
            &self.inner.catalog,
            &self.inner.states,
            request,
            extract::identity(&context.extensions).cloned(),
        )
        .await
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let identity = extract::identity(&context.extensions).cloned();
        let catalog = self.inner.catalog.clone();
        let states = self.inner.states.clone();
        let threshold = self.log_threshold.clone();
        let tool = catalog.tools.get(&request.name).map(|t| (t, t.policy()));
        checked_call(request, tool, identity, |tool, request, identity| {
            tool.call(
                ToolCall::new(request.name, request.arguments, identity, context)
                    .with_states(states)
                    .with_log_threshold(threshold),
            )
        })
        .await
    }
}

/// Runs one `tools/call` under its span (tool, caller, outcome, latency):
/// an unknown tool (`target` is `None`) and a call [`policy::decide`]
/// refuses under the target's policy get a tool error; otherwise `run` is
/// awaited with the target. Shared by the dispatcher and
/// [`Guarded`](super::guard::Guarded).
pub(crate) async fn checked_call<T, F, Fut>(
    request: CallToolRequestParams,
    target: Option<(T, &ToolPolicy)>,
    identity: Option<Identity>,
    run: F,
) -> Result<CallToolResponse, ErrorData>
where
    F: FnOnce(T, CallToolRequestParams, Option<Identity>) -> Fut,
    Fut: Future<Output = Result<CallToolResponse, ErrorData>>,
{
    let started = Instant::now();
    let span = call_span(&request.name, identity.as_ref());
    async move {
        let (outcome, result) = match target {
            None => (
                "unknown_tool",
                tool_error(unavailable_message(&request.name)),
            ),
            Some((target, policy)) => {
                match refusal(&request.name, policy::decide(policy, identity.as_ref())) {
                    Some((outcome, refused)) => (outcome, Ok(refused.into())),
                    None => {
                        let result = run(target, request, identity).await;
                        (outcome_of(&result), result)
                    }
                }
            }
        };
        record_outcome(started, outcome);
        result
    }
    .instrument(span)
    .await
}

/// A list result that carries 2026-07-28 cache hints.
pub(crate) trait CacheHinted: Sized {
    fn hinted(self, ttl_ms: u64, scope: CacheScope) -> Self;
}

macro_rules! cache_hinted {
    ($($t:ty),*) => {$(
        impl CacheHinted for $t {
            fn hinted(self, ttl_ms: u64, scope: CacheScope) -> Self {
                self.with_ttl_ms(ttl_ms).with_cache_scope(scope)
            }
        }
    )*};
}

cache_hinted!(
    ListToolsResult,
    rmcp::model::ListResourcesResult,
    rmcp::model::ListResourceTemplatesResult,
    rmcp::model::ListPromptsResult
);

/// Marks a list result for 2026-07-28 peers: never cached across callers
/// when some item may be hidden from some caller.
pub(crate) fn with_cache_hint<L: CacheHinted>(
    result: L,
    caller_dependent: bool,
    context: &RequestContext<RoleServer>,
) -> L {
    let cache_hints = context
        .protocol_version()
        .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28);
    if !cache_hints {
        return result;
    }
    let scope = if caller_dependent {
        CacheScope::Private
    } else {
        CacheScope::Public
    };
    result.hinted(0, scope)
}

/// The span of one tool call: tool, caller, and (recorded at the end) outcome
/// and latency.
fn call_span(tool: &str, identity: Option<&Identity>) -> tracing::Span {
    let user = identity.map(Identity::user);
    tracing::info_span!(
        "mcp.tool_call",
        tool = %tool,
        user_id = user.map(|u| u.id()),
        org_id = identity.and_then(|i| i.org()).map(|o| o.id()),
        client_id = user.and_then(|u| u.client_id()),
        outcome = tracing::field::Empty,
        latency_us = tracing::field::Empty,
    )
}

/// Records the outcome and latency on the current tool-call span, and logs them.
fn record_outcome(started: Instant, outcome: &'static str) {
    let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let span = tracing::Span::current();
    span.record("outcome", outcome);
    span.record("latency_us", latency_us);
    tracing::info!(outcome, latency_us, "tool call");
}

/// The tool error result for a refused call and its outcome, or `None` when
/// the decision allows the call.
fn refusal(name: &str, decision: Decision) -> Option<(&'static str, CallToolResult)> {
    let (outcome, message) = match decision {
        Decision::Allow => return None,
        Decision::Forbidden(reason) => {
            tracing::info!(%reason, "tool call refused");
            ("forbidden", unavailable_message(name))
        }
        Decision::Unauthenticated { .. } => (
            "unauthenticated",
            format!("tool `{name}` needs a signed-in user"),
        ),
        Decision::InsufficientScope { scopes } => (
            "insufficient_scope",
            format!("tool `{name}` needs the scopes `{}`", scopes.join(" ")),
        ),
    };
    Some((
        outcome,
        CallToolResult::error(vec![ContentBlock::text(message)]),
    ))
}
