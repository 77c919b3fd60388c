//! Resources and resource templates under the same policies as tools.
//!
//! A [`ResourceDef`] is one static URI; a [`ResourceTemplateDef`] an RFC 6570
//! level-1 [`UriTemplate`] whose variables become the handler's parameters.
//! Both carry a [`ToolPolicy`], decided by the HTTP gate (401 / 403 step-up
//! for `resources/read`) and again by the dispatcher, which also hides from
//! `resources/list` and `resources/templates/list` what the caller may not
//! read. `#[resource]` generates them; they work by hand too:
//!
//! ```
//! use mcp_clerk::policy::{Requirement, ToolPolicy};
//! use mcp_clerk::resource::{ResourceDef, ResourceTemplateDef};
//! use mcp_clerk::ToolCall;
//! use rmcp::model::{ReadResourceResult, ResourceContents};
//!
//! let motd = ResourceDef::new("test://motd", "motd", ToolPolicy::new(), |call: ToolCall| async move {
//!     Ok(ReadResourceResult::new(vec![ResourceContents::text("hello", call.name())]))
//! })
//! .with_mime_type("text/plain");
//! assert_eq!(motd.uri(), "test://motd");
//!
//! let note = ResourceTemplateDef::new(
//!     "notes://{id}",
//!     "note",
//!     ToolPolicy::new().auth(Requirement::Required),
//!     |call: ToolCall| async move {
//!         let id = call.arguments().and_then(|a| a.get("id")?.as_str()).unwrap_or_default();
//!         Ok(ReadResourceResult::new(vec![ResourceContents::text(format!("note {id}"), call.name())]))
//!     },
//! );
//! assert_eq!(note.template().unwrap().variables().collect::<Vec<_>>(), ["id"]);
//! ```

pub(crate) mod dispatch;
pub mod output;
mod template;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::model::{ReadResourceResult, Resource, ResourceTemplate};

pub use output::IntoResourceContents;
pub use template::{UriTemplate, UriTemplateError};

use crate::complete::{Completers, CompletionRequest};
use crate::policy::ToolPolicy;
use crate::tool::ToolCall;
use crate::tool::state::StateKey;

/// The boxed future a resource handler returns.
pub type ResourceFuture =
    Pin<Box<dyn Future<Output = Result<ReadResourceResult, ErrorData>> + Send + 'static>>;

type Handler = Arc<dyn Fn(ToolCall) -> ResourceFuture + Send + Sync + 'static>;

fn boxed<F, Fut>(handler: F) -> Handler
where
    F: Fn(ToolCall) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<ReadResourceResult, ErrorData>> + Send + 'static,
{
    Arc::new(move |call| Box::pin(handler(call)))
}

fn add_state(states: &mut Vec<StateKey>, key: Option<StateKey>) {
    if let Some(key) = key
        && !states.contains(&key)
    {
        states.push(key);
    }
}

/// A static resource: one URI, what clients see in `resources/list`, who may
/// read it and what reading it returns.
#[derive(Clone)]
pub struct ResourceDef {
    descriptor: Resource,
    policy: ToolPolicy,
    handler: Handler,
    states: Vec<StateKey>,
}

impl ResourceDef {
    /// A resource at `uri` called `name`. The handler gets a [`ToolCall`] of
    /// kind [`CallKind::Resource`](crate::tool::CallKind) whose `name()` is the URI.
    pub fn new<F, Fut>(
        uri: impl Into<String>,
        name: impl Into<String>,
        policy: ToolPolicy,
        handler: F,
    ) -> Self
    where
        F: Fn(ToolCall) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ReadResourceResult, ErrorData>> + Send + 'static,
    {
        Self {
            descriptor: Resource::new(uri, name),
            policy,
            handler: boxed(handler),
            states: Vec::new(),
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

    /// Sets the MIME type (also given to contents that do not name one).
    pub fn with_mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.descriptor.mime_type = Some(mime_type.into());
        self
    }

    /// Declares a state the handler reads (see [`ToolDef::requires_state`](crate::ToolDef::requires_state)).
    pub fn requires_state(mut self, key: impl Into<Option<StateKey>>) -> Self {
        add_state(&mut self.states, key.into());
        self
    }

    /// Replaces the policy.
    pub fn with_policy(mut self, policy: ToolPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The URI.
    pub fn uri(&self) -> &str {
        &self.descriptor.uri
    }

    /// What clients see in `resources/list`.
    pub fn descriptor(&self) -> &Resource {
        &self.descriptor
    }

    /// Who may read it.
    pub fn policy(&self) -> &ToolPolicy {
        &self.policy
    }

    /// The state types the handler reads.
    pub fn required_states(&self) -> &[StateKey] {
        &self.states
    }

    /// Runs the handler.
    pub fn read(&self, call: ToolCall) -> ResourceFuture {
        (self.handler)(call)
    }
}

impl std::fmt::Debug for ResourceDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceDef")
            .field("uri", &self.descriptor.uri)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// A resource template: URIs matching an RFC 6570 level-1 template, whose
/// variables reach the handler as the call's arguments (strings).
#[derive(Clone)]
pub struct ResourceTemplateDef {
    descriptor: ResourceTemplate,
    template: Result<UriTemplate, UriTemplateError>,
    policy: ToolPolicy,
    handler: Handler,
    states: Vec<StateKey>,
    completers: Completers,
}

impl ResourceTemplateDef {
    /// A template such as `notes://{org}/{id}` called `name`. An invalid
    /// template is a [`BuildError::InvalidUriTemplate`](crate::BuildError::InvalidUriTemplate)
    /// when the server is built.
    pub fn new<F, Fut>(
        uri_template: impl Into<String>,
        name: impl Into<String>,
        policy: ToolPolicy,
        handler: F,
    ) -> Self
    where
        F: Fn(ToolCall) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ReadResourceResult, ErrorData>> + Send + 'static,
    {
        let uri_template = uri_template.into();
        Self {
            template: UriTemplate::parse(&uri_template),
            descriptor: ResourceTemplate::new(uri_template, name),
            policy,
            handler: boxed(handler),
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

    /// Sets the MIME type (also given to contents that do not name one).
    pub fn with_mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.descriptor.mime_type = Some(mime_type.into());
        self
    }

    /// Declares a state the handler reads (see [`ToolDef::requires_state`](crate::ToolDef::requires_state)).
    pub fn requires_state(mut self, key: impl Into<Option<StateKey>>) -> Self {
        add_state(&mut self.states, key.into());
        self
    }

    /// Replaces the policy.
    pub fn with_policy(mut self, policy: ToolPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Completes the template variable `param` for `completion/complete`.
    ///
    /// ```
    /// use mcp_clerk::complete::CompletionRequest;
    /// use mcp_clerk::policy::ToolPolicy;
    /// use mcp_clerk::resource::ResourceTemplateDef;
    /// use rmcp::model::ReadResourceResult;
    ///
    /// async fn ids(request: CompletionRequest) -> Vec<String> {
    ///     (1..=3).map(|n| n.to_string()).filter(|n| n.starts_with(request.value())).collect()
    /// }
    /// let def = ResourceTemplateDef::new("test://template/{id}/data", "data", ToolPolicy::new(),
    ///     |_call| async { Ok(ReadResourceResult::new(vec![])) })
    ///     .completer("id", ids);
    /// # let _ = def;
    /// ```
    pub fn completer<F, Fut>(mut self, param: impl Into<String>, completer: F) -> Self
    where
        F: Fn(CompletionRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<String>> + Send + 'static,
    {
        self.completers.insert(param, completer);
        self
    }

    /// The template as written.
    pub fn uri_template(&self) -> &str {
        &self.descriptor.uri_template
    }

    /// The parsed template, or why it does not parse.
    pub fn template(&self) -> Result<&UriTemplate, &UriTemplateError> {
        self.template.as_ref()
    }

    /// What clients see in `resources/templates/list`.
    pub fn descriptor(&self) -> &ResourceTemplate {
        &self.descriptor
    }

    /// Who may read its resources.
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

    /// The variables' values when `uri` matches this template.
    pub fn matches(&self, uri: &str) -> Option<Vec<(String, String)>> {
        self.template.as_ref().ok()?.matches(uri)
    }

    /// Runs the handler.
    pub fn read(&self, call: ToolCall) -> ResourceFuture {
        (self.handler)(call)
    }
}

impl std::fmt::Debug for ResourceTemplateDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceTemplateDef")
            .field("uri_template", &self.descriptor.uri_template)
            .field("policy", &self.policy)
            .field("completers", &self.completers)
            .finish_non_exhaustive()
    }
}

/// A static resource or a template: what `resources![..]` lists and
/// [`McpServer::resources`](crate::McpServer::resources) takes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AnyResource {
    /// One URI.
    Static(ResourceDef),
    /// A URI template.
    Template(ResourceTemplateDef),
}

impl From<ResourceDef> for AnyResource {
    fn from(def: ResourceDef) -> Self {
        Self::Static(def)
    }
}

impl From<ResourceTemplateDef> for AnyResource {
    fn from(def: ResourceTemplateDef) -> Self {
        Self::Template(def)
    }
}

impl AnyResource {
    /// The URI or the URI template.
    pub fn uri(&self) -> &str {
        match self {
            Self::Static(r) => r.uri(),
            Self::Template(t) => t.uri_template(),
        }
    }

    /// Who may read it.
    pub fn policy(&self) -> &ToolPolicy {
        match self {
            Self::Static(r) => r.policy(),
            Self::Template(t) => t.policy(),
        }
    }
}
