//! `completion/complete`: completers for resource template parameters and
//! prompt arguments.
//!
//! A completer is an async function from a [`CompletionRequest`] to the
//! suggested values, attached to a definition with
//! [`ResourceTemplateDef::completer`](crate::resource::ResourceTemplateDef::completer)
//! or [`PromptDef::completer`](crate::prompt::PromptDef::completer) (the
//! macros' `complete(param = path::to_fn)` key does the same). The dispatcher
//! asks [`policy::decide`](crate::policy::decide) for the template or prompt
//! first, so a caller is never offered values of a component it may not use,
//! and keeps at most [`MAX_VALUES`] values (the protocol's limit), setting
//! `hasMore` when there were more.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::identity::{ClerkOrg, ClerkUser, Identity};
use crate::tool::state::States;

/// The most values one completion returns (MCP's limit).
pub const MAX_VALUES: usize = 100;

/// What the client is completing.
///
/// ```
/// use mcp_clerk::complete::CompletionRequest;
///
/// async fn colours(request: CompletionRequest) -> Vec<String> {
///     ["red", "green", "blue"]
///         .into_iter()
///         .filter(|c| c.starts_with(request.value()))
///         .map(String::from)
///         .collect()
/// }
/// # let _ = colours;
/// ```
#[derive(Debug, Clone)]
pub struct CompletionRequest {
    argument: String,
    value: String,
    context: HashMap<String, String>,
    identity: Option<Identity>,
    states: States,
}

impl CompletionRequest {
    /// A request (the dispatcher builds them; tests may too).
    pub fn new(
        argument: impl Into<String>,
        value: impl Into<String>,
        context: HashMap<String, String>,
        identity: Option<Identity>,
    ) -> Self {
        Self {
            argument: argument.into(),
            value: value.into(),
            context,
            identity,
            states: States::default(),
        }
    }

    pub(crate) fn with_states(mut self, states: States) -> Self {
        self.states = states;
        self
    }

    /// The parameter or argument being completed.
    pub fn argument(&self) -> &str {
        &self.argument
    }

    /// What the client has typed so far.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The values of the other arguments the client already knows.
    pub fn context(&self, argument: &str) -> Option<&str> {
        self.context.get(argument).map(String::as_str)
    }

    /// The verified caller, if any.
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }

    /// The verified user, when the caller is a person.
    pub fn user(&self) -> Option<&ClerkUser> {
        self.identity
            .as_ref()
            .filter(|i| !i.is_machine())
            .map(Identity::user)
    }

    /// The caller's active organization, if any.
    pub fn org(&self) -> Option<&ClerkOrg> {
        self.identity.as_ref().and_then(Identity::org)
    }

    /// A clone of the server's state of type `T`
    /// ([`McpServer::state`](crate::McpServer::state)), if it was given one.
    pub fn state<T: Clone + 'static>(&self) -> Option<T> {
        self.states.get::<T>()
    }
}

/// The boxed future a completer returns.
pub type CompleterFuture = Pin<Box<dyn Future<Output = Vec<String>> + Send + 'static>>;

type Completer = Arc<dyn Fn(CompletionRequest) -> CompleterFuture + Send + Sync + 'static>;

/// The completers of one template or prompt, by parameter name.
#[derive(Clone, Default)]
pub(crate) struct Completers(Vec<(String, Completer)>);

impl std::fmt::Debug for Completers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| name))
            .finish()
    }
}

impl Completers {
    /// Adds (or replaces) the completer of `param`.
    pub(crate) fn insert<F, Fut>(&mut self, param: impl Into<String>, completer: F)
    where
        F: Fn(CompletionRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<String>> + Send + 'static,
    {
        let param = param.into();
        self.0.retain(|(name, _)| *name != param);
        let completer: Completer = Arc::new(move |request| Box::pin(completer(request)));
        self.0.push((param, completer));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The values for `request`, at most [`MAX_VALUES`], and whether there
    /// were more; `None` when no completer is attached to the argument.
    pub(crate) async fn complete(&self, request: CompletionRequest) -> Option<(Vec<String>, bool)> {
        let (_, completer) = self.0.iter().find(|(name, _)| name == request.argument())?;
        let mut values = completer(request).await;
        let more = values.len() > MAX_VALUES;
        values.truncate(MAX_VALUES);
        Some((values, more))
    }
}

/// Answers `completion/complete` from the catalog: the prompt or template the
/// reference names, decided for the caller first (a component the caller may
/// not use gets the same error as an unknown one), then its completer for the
/// argument (none: no values).
pub(crate) async fn complete(
    catalog: &crate::catalog::Catalog,
    states: &States,
    request: rmcp::model::CompleteRequestParams,
    identity: Option<Identity>,
) -> Result<rmcp::model::CompleteResult, rmcp::ErrorData> {
    use rmcp::model::{CompleteResult, CompletionInfo, Reference};

    use crate::policy;
    use crate::tool::dispatch::refused;

    let (what, name, policy, completers) = match &request.r#ref {
        Reference::Prompt(p) => {
            let prompt = catalog
                .prompt(&p.name)
                .ok_or_else(|| unavailable("prompt", &p.name))?;
            (
                "prompt",
                p.name.as_str(),
                prompt.policy(),
                prompt.completers(),
            )
        }
        Reference::Resource(r) => {
            let template = catalog
                .template(&r.uri)
                .ok_or_else(|| unavailable("resource template", &r.uri))?;
            (
                "resource template",
                r.uri.as_str(),
                template.policy(),
                template.completers(),
            )
        }
        _ => {
            return Err(rmcp::ErrorData::invalid_params(
                "unknown completion reference",
                None,
            ));
        }
    };
    let decision = policy::decide(policy, identity.as_ref());
    if let Some(error) = refused(what, name, decision, || unavailable(what, name)) {
        return Err(error);
    }
    let context = request
        .context
        .and_then(|c| c.arguments)
        .unwrap_or_default();
    let completion = CompletionRequest::new(
        request.argument.name,
        request.argument.value,
        context,
        identity,
    )
    .with_states(states.clone());
    let info = match completers.complete(completion).await {
        Some((values, more)) => {
            CompletionInfo::with_pagination(values, None, more).unwrap_or_default()
        }
        None => CompletionInfo::default(),
    };
    Ok(CompleteResult::new(info))
}

/// The error for a completion reference the caller cannot use: unknown, or hidden.
fn unavailable(what: &str, name: &str) -> rmcp::ErrorData {
    rmcp::ErrorData::invalid_params(
        format!(
            "{what} `{name}` is not available: no such {what}, or it needs an organization \
             role or permission you do not have"
        ),
        None,
    )
}
