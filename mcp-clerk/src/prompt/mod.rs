//! Prompts under the same policies as tools.
//!
//! A [`PromptDef`] is what clients see in `prompts/list` (name, title,
//! description, arguments), who may get it ([`ToolPolicy`], decided by the
//! HTTP gate for `prompts/get` and again by the dispatcher, which hides from
//! `prompts/list` what the caller may not get) and its handler. `#[prompt]`
//! generates one from a function whose typed arguments give the argument list
//! (through the same JSON schema a tool's arguments get); by hand:
//!
//! ```
//! use mcp_clerk::policy::ToolPolicy;
//! use mcp_clerk::prompt::PromptDef;
//! use mcp_clerk::ToolCall;
//! use rmcp::model::{GetPromptResult, PromptArgument, PromptMessage, Role};
//!
//! let review = PromptDef::new("review", ToolPolicy::new(), |call: ToolCall| async move {
//!     let code = call.arguments().and_then(|a| a.get("code")?.as_str()).unwrap_or_default();
//!     let message = PromptMessage::new_text(Role::User, format!("Review this code:\n{code}"));
//!     Ok(GetPromptResult::new(vec![message]))
//! })
//! .with_description("Asks for a code review")
//! .with_arguments(vec![PromptArgument::new("code").with_required(true)]);
//! assert_eq!(review.name(), "review");
//! ```

pub(crate) mod dispatch;
pub mod output;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::model::{GetPromptResult, JsonObject, Prompt, PromptArgument};
use serde_json::Value;

pub use output::IntoPromptResult;

use crate::complete::{Completers, CompletionRequest};
use crate::policy::ToolPolicy;
use crate::tool::ToolCall;
use crate::tool::state::StateKey;

/// The boxed future a prompt handler returns.
pub type PromptFuture =
    Pin<Box<dyn Future<Output = Result<GetPromptResult, ErrorData>> + Send + 'static>>;

type Handler = Arc<dyn Fn(ToolCall) -> PromptFuture + Send + Sync + 'static>;

/// A prompt: descriptor, policy, handler and argument completers.
#[derive(Clone)]
pub struct PromptDef {
    descriptor: Prompt,
    policy: ToolPolicy,
    handler: Handler,
    states: Vec<StateKey>,
    completers: Completers,
}

impl PromptDef {
    /// A prompt called `name`. The handler gets a [`ToolCall`] of kind
    /// [`CallKind::Prompt`](crate::tool::CallKind) with the client's arguments.
    pub fn new<F, Fut>(name: impl Into<String>, policy: ToolPolicy, handler: F) -> Self
    where
        F: Fn(ToolCall) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<GetPromptResult, ErrorData>> + Send + 'static,
    {
        Self {
            descriptor: Prompt::new(name, None::<String>, None),
            policy,
            handler: Arc::new(move |call| Box::pin(handler(call))),
            states: Vec::new(),
            completers: Completers::default(),
        }
    }

    /// Sets the title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.descriptor.title = Some(title.into());
        self
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.descriptor.description = Some(description.into());
        self
    }

    /// Sets the arguments clients see.
    pub fn with_arguments(mut self, arguments: Vec<PromptArgument>) -> Self {
        self.descriptor.arguments = (!arguments.is_empty()).then_some(arguments);
        self
    }

    /// Sets the arguments from an object schema (what `#[prompt]` does with
    /// the schema of its typed arguments): each property is an argument, with
    /// the property's `title` and `description`, required when the schema
    /// lists it in `required`.
    ///
    /// ```
    /// use mcp_clerk::policy::ToolPolicy;
    /// use mcp_clerk::prompt::PromptDef;
    ///
    /// let schema = serde_json::json!({
    ///     "type": "object",
    ///     "properties": {"topic": {"type": "string", "description": "What about"}, "n": {"type": "integer"}},
    ///     "required": ["topic"],
    /// });
    /// let def = PromptDef::new("p", ToolPolicy::new(), |_| async { unreachable!() })
    ///     .with_argument_schema_in_order(schema.as_object().unwrap(), &["topic", "n"]);
    /// let args = def.descriptor().arguments.as_ref().unwrap();
    /// assert_eq!((args[0].name.as_str(), args[0].required), ("topic", Some(true)));
    /// assert_eq!(args[0].description.as_deref(), Some("What about"));
    /// assert_eq!((args[1].name.as_str(), args[1].required), ("n", Some(false)));
    /// ```
    pub fn with_argument_schema(self, schema: &JsonObject) -> Self {
        self.with_arguments(arguments_from_schema(schema, &[]))
    }

    /// [`with_argument_schema`](Self::with_argument_schema), listing the
    /// arguments named in `order` first, in that order (a schema's properties
    /// are a map: `#[prompt]` passes the function's argument order).
    pub fn with_argument_schema_in_order(self, schema: &JsonObject, order: &[&str]) -> Self {
        self.with_arguments(arguments_from_schema(schema, order))
    }

    /// Declares a state the handler reads (see [`ToolDef::requires_state`](crate::ToolDef::requires_state)).
    pub fn requires_state(mut self, key: impl Into<Option<StateKey>>) -> Self {
        if let Some(key) = key.into()
            && !self.states.contains(&key)
        {
            self.states.push(key);
        }
        self
    }

    /// Replaces the policy.
    pub fn with_policy(mut self, policy: ToolPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Completes the argument `param` for `completion/complete` (see
    /// [`ResourceTemplateDef::completer`](crate::resource::ResourceTemplateDef::completer)).
    pub fn completer<F, Fut>(mut self, param: impl Into<String>, completer: F) -> Self
    where
        F: Fn(CompletionRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<String>> + Send + 'static,
    {
        self.completers.insert(param, completer);
        self
    }

    /// The prompt's name.
    pub fn name(&self) -> &str {
        &self.descriptor.name
    }

    /// What clients see in `prompts/list`.
    pub fn descriptor(&self) -> &Prompt {
        &self.descriptor
    }

    /// Who may get it.
    pub fn policy(&self) -> &ToolPolicy {
        &self.policy
    }

    /// The state types the handler reads.
    pub fn required_states(&self) -> &[StateKey] {
        &self.states
    }

    pub(crate) fn completers(&self) -> &Completers {
        &self.completers
    }

    /// Runs the handler.
    pub fn get(&self, call: ToolCall) -> PromptFuture {
        (self.handler)(call)
    }
}

impl std::fmt::Debug for PromptDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PromptDef")
            .field("name", &self.descriptor.name)
            .field("policy", &self.policy)
            .field("completers", &self.completers)
            .finish_non_exhaustive()
    }
}

/// The prompt arguments an object schema describes.
fn arguments_from_schema(schema: &JsonObject, order: &[&str]) -> Vec<PromptArgument> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut properties: Vec<(&String, &Value)> = properties.iter().collect();
    properties.sort_by_key(|(name, _)| order.iter().position(|o| o == name).unwrap_or(order.len()));
    properties
        .into_iter()
        .map(|(name, property)| {
            let mut argument =
                PromptArgument::new(name.as_str()).with_required(required.contains(&name.as_str()));
            if let Some(title) = property.get("title").and_then(Value::as_str) {
                argument = argument.with_title(title);
            }
            if let Some(description) = property.get("description").and_then(Value::as_str) {
                argument = argument.with_description(description);
            }
            argument
        })
        .collect()
}
