//! `resources/list`, `resources/templates/list`, `resources/read` and
//! `resources/subscribe`/`unsubscribe` for the dispatcher: per caller, each
//! asking [`policy::decide`] again.
//!
//! A URI the caller may not read (its organization role or permission is
//! missing) gets the same `-32002` "resource not found" as a URI nothing
//! serves; the reason goes to the log only.

use rmcp::ErrorData;
use rmcp::RoleServer;
use rmcp::model::{ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult};
use rmcp::service::RequestContext;
use serde_json::Value;

use crate::catalog::{Catalog, FoundResource};
use crate::extract;
use crate::policy;
use crate::tool::CallKind;
use crate::tool::dispatch::{Prepared, refused, with_cache_hint};

/// The error for a URI the caller cannot read: unknown, or hidden.
fn not_found(uri: &str) -> ErrorData {
    ErrorData::resource_not_found(
        format!(
            "resource `{uri}` is not available: no such resource, or it needs an organization \
             role or permission you do not have"
        ),
        Some(serde_json::json!({ "uri": uri })),
    )
}

/// The static resources the caller may see.
pub(crate) fn list(catalog: &Catalog, context: &RequestContext<RoleServer>) -> ListResourcesResult {
    let caller = extract::identity(&context.extensions);
    let resources = catalog
        .resources()
        .iter()
        .filter(|r| policy::decide(r.policy(), caller).visible())
        .map(|r| r.descriptor().clone())
        .collect();
    with_cache_hint(
        ListResourcesResult::with_all_items(resources),
        catalog.resources_caller_dependent,
        context,
    )
}

/// The resource templates the caller may see.
pub(crate) fn list_templates(
    catalog: &Catalog,
    context: &RequestContext<RoleServer>,
) -> ListResourceTemplatesResult {
    let caller = extract::identity(&context.extensions);
    let templates = catalog
        .templates()
        .iter()
        .filter(|t| policy::decide(t.policy(), caller).visible())
        .map(|t| t.descriptor().clone())
        .collect();
    with_cache_hint(
        ListResourceTemplatesResult::with_all_items(templates),
        catalog.resources_caller_dependent,
        context,
    )
}

/// Reads `uri`: the static resource of that URI first, else the first
/// template it matches, its variables given to the handler as arguments.
pub(crate) async fn read(
    catalog: &Catalog,
    uri: String,
    prepared: Prepared,
) -> Result<ReadResourceResult, ErrorData> {
    let span = tracing::info_span!(
        "mcp.resource_read",
        uri = %uri,
        user_id = prepared.identity.as_ref().map(|i| i.user().id()),
        outcome = tracing::field::Empty,
    );
    let _entered = span.enter();
    let Some(found) = catalog.resource(&uri) else {
        span.record("outcome", "unknown_resource");
        return Err(not_found(&uri));
    };
    let decision = policy::decide(found.policy(), prepared.identity.as_ref());
    if let Some(error) = refused("resource", &uri, decision, || not_found(&uri)) {
        span.record("outcome", "refused");
        return Err(error);
    }
    drop(_entered);
    let result = match found {
        FoundResource::Static(r) => {
            r.read(prepared.into_call(CallKind::Resource, uri, None))
                .await
        }
        FoundResource::Template(t, values) => {
            let arguments = values
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            t.read(prepared.into_call(CallKind::Resource, uri, Some(arguments)))
                .await
        }
    };
    span.record("outcome", if result.is_ok() { "ok" } else { "error" });
    result
}

/// At most this many subscribed URIs per session.
pub(crate) const MAX_SUBSCRIPTIONS: usize = 256;

/// The URIs one session subscribed to (`resources/subscribe`), bounded.
///
/// mcp-clerk has no resource store of its own to watch: a tool or your code
/// sends `notifications/resources/updated` through the session's `Peer`
/// (`peer.notify_resource_updated(..)`); this set records what the client
/// asked for, and bounds it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Subscriptions(
    std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
);

impl Subscriptions {
    fn set(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<String>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `resources/subscribe`: only to a resource the caller may read (else the
/// same not-found as `resources/read`), at most [`MAX_SUBSCRIPTIONS`].
pub(crate) fn subscribe(
    catalog: &Catalog,
    subscriptions: &Subscriptions,
    uri: String,
    context: &RequestContext<RoleServer>,
) -> Result<(), ErrorData> {
    let Some(found) = catalog.resource(&uri) else {
        return Err(not_found(&uri));
    };
    let decision = policy::decide(found.policy(), extract::identity(&context.extensions));
    if let Some(error) = refused("resource", &uri, decision, || not_found(&uri)) {
        return Err(error);
    }
    let mut set = subscriptions.set();
    if set.len() >= MAX_SUBSCRIPTIONS && !set.contains(&uri) {
        return Err(ErrorData::invalid_request(
            format!("at most {MAX_SUBSCRIPTIONS} subscriptions per session: unsubscribe first"),
            None,
        ));
    }
    set.insert(uri);
    Ok(())
}

/// `resources/unsubscribe`: forgets `uri` (a URI never subscribed is fine).
pub(crate) fn unsubscribe(subscriptions: &Subscriptions, uri: &str) {
    subscriptions.set().remove(uri);
}
