//! `prompts/list` and `prompts/get` for the dispatcher: per caller, each
//! asking [`policy::decide`] again.
//!
//! A prompt the caller may not get (its organization role or permission is
//! missing) gets the same `-32602` as a name nothing serves; the reason goes
//! to the log only.

use rmcp::ErrorData;
use rmcp::RoleServer;
use rmcp::model::{GetPromptResult, JsonObject, ListPromptsResult};
use rmcp::service::RequestContext;

use crate::catalog::Catalog;
use crate::extract;
use crate::policy;
use crate::tool::CallKind;
use crate::tool::dispatch::{Prepared, refused, with_cache_hint};

/// The error for a prompt the caller cannot get: unknown, or hidden.
pub(crate) fn unavailable(name: &str) -> ErrorData {
    ErrorData::invalid_params(
        format!(
            "prompt `{name}` is not available: no such prompt, or it needs an organization \
             role or permission you do not have"
        ),
        None,
    )
}

/// The prompts the caller may see.
pub(crate) fn list(catalog: &Catalog, context: &RequestContext<RoleServer>) -> ListPromptsResult {
    let caller = extract::identity(&context.extensions);
    let prompts = catalog
        .prompts()
        .iter()
        .filter(|p| policy::decide(p.policy(), caller).visible())
        .map(|p| p.descriptor().clone())
        .collect();
    with_cache_hint(
        ListPromptsResult::with_all_items(prompts),
        catalog.prompts_caller_dependent,
        context,
    )
}

/// Gets the prompt called `name` with the client's `arguments`.
pub(crate) async fn get(
    catalog: &Catalog,
    name: String,
    arguments: Option<JsonObject>,
    prepared: Prepared,
) -> Result<GetPromptResult, ErrorData> {
    let span = tracing::info_span!(
        "mcp.prompt_get",
        prompt = %name,
        user_id = prepared.identity.as_ref().map(|i| i.user().id()),
        outcome = tracing::field::Empty,
    );
    let _entered = span.enter();
    let Some(prompt) = catalog.prompt(&name) else {
        span.record("outcome", "unknown_prompt");
        return Err(unavailable(&name));
    };
    let decision = policy::decide(prompt.policy(), prepared.identity.as_ref());
    if let Some(error) = refused("prompt", &name, decision, || unavailable(&name)) {
        span.record("outcome", "refused");
        return Err(error);
    }
    drop(_entered);
    let result = prompt
        .get(prepared.into_call(CallKind::Prompt, name, arguments))
        .await;
    span.record("outcome", if result.is_ok() { "ok" } else { "error" });
    result
}
