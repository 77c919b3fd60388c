//! Policies for a plain rmcp handler ([`McpServer::rmcp_handler`]).
//!
//! The gate answers 401 and 403 for such a handler from the [`PolicyTable`],
//! but organization roles and permissions are refused with a tool *result*,
//! which only something inside the MCP session can produce. [`Guarded`] wraps
//! the user's handler and asks [`policy::decide`] again for every `tools/call`
//! (refusing with the same tool error as mcp-clerk's own tools) and every
//! `tools/list` (hiding what the caller may not call), so a plain rmcp tool
//! with `.policy("admin", ToolPolicy::new().role("admin"))` is as protected as
//! a `#[tool(role = "admin")]` function.
//!
//! [`McpServer::rmcp_handler`]: crate::McpServer::rmcp_handler

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

#[allow(clippy::wildcard_imports)]
use rmcp::model::*;
use rmcp::service::{
    MaybeSendFuture, NotificationContext, RequestContext, RoleServer, SubscriptionContext,
};
use rmcp::{ErrorData, ServerHandler};

use crate::extract;
use crate::policy::{self, ToolPolicy};
use crate::tool::dispatch::{checked_call, with_cache_hint};

/// Per-tool policies of a plain rmcp handler, and the policy of the rest.
#[derive(Debug)]
pub(crate) struct PolicyTable {
    pub(crate) by_name: HashMap<String, ToolPolicy>,
    pub(crate) default: ToolPolicy,
    /// Whether some tool may be hidden from some caller (then tool lists are
    /// private to the caller); derived once from the policies.
    caller_dependent: bool,
}

impl PolicyTable {
    pub(crate) fn new(by_name: HashMap<String, ToolPolicy>, default: ToolPolicy) -> Self {
        let mut table = Self {
            by_name,
            default,
            caller_dependent: false,
        };
        let caller_dependent = table.all().any(ToolPolicy::hidden_from_some);
        table.caller_dependent = caller_dependent;
        table
    }

    /// The policy of the tool called `name`.
    pub(crate) fn get(&self, name: &str) -> &ToolPolicy {
        self.by_name.get(name).unwrap_or(&self.default)
    }

    /// Every policy of the table, the default first.
    pub(crate) fn all(&self) -> impl Iterator<Item = &ToolPolicy> {
        std::iter::once(&self.default).chain(self.by_name.values())
    }
}

/// A plain rmcp handler behind the policy table: `tools/call` and
/// `tools/list` ask [`policy::decide`]; everything else is the inner handler's.
#[derive(Clone)]
pub(crate) struct Guarded<H> {
    inner: H,
    table: Arc<PolicyTable>,
}

impl<H> Guarded<H> {
    pub(crate) fn new(inner: H, table: Arc<PolicyTable>) -> Self {
        Self { inner, table }
    }
}

/// Forwards `ServerHandler` methods to the inner handler unchanged.
macro_rules! forward {
    ($(fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $out:ty;)*) => {$(
        fn $name(&self $(, $arg: $ty)*) -> impl Future<Output = $out> + MaybeSendFuture + '_ {
            self.inner.$name($($arg),*)
        }
    )*};
}

type Ctx = RequestContext<RoleServer>;
type NotCtx = NotificationContext<RoleServer>;
type Res<T> = Result<T, ErrorData>;

#[allow(deprecated)] // forwards rmcp's deprecated hooks too, so none is lost
impl<H: ServerHandler> ServerHandler for Guarded<H> {
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: Ctx,
    ) -> Res<CallToolResponse> {
        let identity = extract::identity(&context.extensions).cloned();
        let policy = self.table.get(&request.name);
        checked_call(request, Some(((), policy)), identity, |(), request, _| {
            self.inner.call_tool(request, context)
        })
        .await
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: Ctx,
    ) -> Res<ListToolsResult> {
        let caller = extract::identity(&context.extensions).cloned();
        let hint_context = context.clone();
        let mut result = self.inner.list_tools(request, context).await?;
        result
            .tools
            .retain(|t| policy::decide(self.table.get(&t.name), caller.as_ref()).visible());
        Ok(with_cache_hint(
            result,
            self.table.caller_dependent,
            &hint_context,
        ))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.inner.get_tool(name)
    }

    fn get_info(&self) -> ServerConfig {
        self.inner.get_info()
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        self.inner.supported_protocol_versions()
    }

    fn negotiate_initialize(
        &self,
        request: &InitializeRequestParams,
    ) -> Result<InitializeResult, ErrorData> {
        self.inner.negotiate_initialize(request)
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        self.inner.accepted_subscription_filter(requested)
    }

    forward! {
        fn ping(&self, context: Ctx) -> Res<()>;
        fn initialize(&self, request: InitializeRequestParams, context: Ctx) -> Res<InitializeResult>;
        fn discover(&self, context: Ctx) -> Res<DiscoverResult>;
        fn complete(&self, request: CompleteRequestParams, context: Ctx) -> Res<CompleteResult>;
        fn set_level(&self, request: SetLevelRequestParams, context: Ctx) -> Res<()>;
        fn get_prompt(&self, request: GetPromptRequestParams, context: Ctx) -> Res<GetPromptResponse>;
        fn list_prompts(&self, request: Option<PaginatedRequestParams>, context: Ctx) -> Res<ListPromptsResult>;
        fn list_resources(&self, request: Option<PaginatedRequestParams>, context: Ctx) -> Res<ListResourcesResult>;
        fn list_resource_templates(&self, request: Option<PaginatedRequestParams>, context: Ctx) -> Res<ListResourceTemplatesResult>;
        fn read_resource(&self, request: ReadResourceRequestParams, context: Ctx) -> Res<ReadResourceResponse>;
        fn listen(&self, context: SubscriptionContext) -> Res<()>;
        fn subscribe(&self, request: SubscribeRequestParams, context: Ctx) -> Res<()>;
        fn unsubscribe(&self, request: UnsubscribeRequestParams, context: Ctx) -> Res<()>;
        fn on_custom_request(&self, request: CustomRequest, context: Ctx) -> Res<CustomResult>;
        fn on_cancelled(&self, notification: CancelledNotificationParam, context: NotCtx) -> ();
        fn on_progress(&self, notification: ProgressNotificationParam, context: NotCtx) -> ();
        fn on_initialized(&self, context: NotCtx) -> ();
        fn on_roots_list_changed(&self, context: NotCtx) -> ();
        fn on_custom_notification(&self, notification: CustomNotification, context: NotCtx) -> ();
        fn get_task(&self, request: GetTaskParams, context: Ctx) -> Res<GetTaskResult>;
        fn update_task(&self, request: UpdateTaskParams, context: Ctx) -> Res<()>;
        fn cancel_task(&self, request: CancelTaskParams, context: Ctx) -> Res<()>;
        fn list_skills(&self, request: Option<PaginatedRequestParams>, context: Ctx) -> Res<ListSkillsResult>;
        fn get_skill(&self, request: GetSkillRequestParams, context: Ctx) -> Res<GetSkillResult>;
        fn read_resource_directory(&self, request: ReadResourceDirectoryRequestParams, context: Ctx) -> Res<ReadResourceDirectoryResult>;
    }
}
