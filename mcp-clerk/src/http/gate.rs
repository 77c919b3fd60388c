//! The gate: every request to the MCP route passes here before rmcp.
//!
//! In order (after [`super::strict`], which refuses a second `Host` or
//! `Origin` and a request target disagreeing with `Host`, and turns bodies
//! rmcp cannot read into JSON-RPC's 400s):
//! 1. `Host` and `Origin` allow-lists → 403.
//! 2. Without a verifier (no Clerk config: a server of public tools) the
//!    request goes straight to rmcp.
//! 3. What the request targets: the 2026-07-28 `Mcp-Method`/`Mcp-Name`
//!    headers when rmcp will hold the body to them, else a bounded peek at
//!    the body (413 beyond the limit).
//! 4. The bearer token (header only) is verified. A malformed header or an
//!    invalid/expired token → 401 `error="invalid_token"`; the JWKS being
//!    unreachable → 503 (the token may be fine, re-authorizing would not help).
//! 5. [`policy::decide`] for the target: `Unauthenticated` → 401 without
//!    `error`; `InsufficientScope` → 403 `insufficient_scope` listing every
//!    scope the call needs; `Allow` and `Forbidden` pass (the dispatcher
//!    answers `Forbidden` with a tool error). A server whose tools all need
//!    auth challenges every anonymous request (initialize, GET, DELETE …).
//!    In a JSON-RPC batch the strongest outcome of its elements wins (401 over
//!    403), with the union of their scopes.
//! 6. Stateful sessions: a session id is only accepted from the principal that
//!    created it (404 otherwise). With a shared store the owner is checked
//!    there (503 when the store cannot answer), and a `DELETE` ends the
//!    session in the store before rmcp sees it.
//! 7. The `Authorization` header is removed (the token never travels further),
//!    the verified [`Identity`] is stored in the request extensions, and rmcp
//!    handles the request.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use super::challenge::{Challenge, ChallengeError};
use super::enrich;
use super::origin::{HostPolicy, OriginPolicy};
use super::peek::{self, Peek, Target};
use super::resource::{ResourceInfo, ensure_host};
use super::session::registry::Lease;
use super::session::{Owner, OwnerCheck, SessionRegistry, StoreBook};
use crate::backend::{BackendError, Clerk};
use crate::catalog::Catalog;
use crate::identity::Identity;
use crate::policy::{self, Decision, ToolPolicy};
use crate::serve::conn::TrackedBody;
use crate::token::{TokenError, Verifier, bearer_credentials};
use crate::tool::guard::PolicyTable;

const SESSION_HEADER: HeaderName = HeaderName::from_static("mcp-session-id");

/// Above this many tools the gate does not pre-check every policy for a
/// caller and always reads the target from the request.
const MAX_PRECHECK_POLICIES: usize = 32;

/// Where the gate finds each component's policy.
#[derive(Debug)]
pub(crate) enum Policies {
    /// mcp-clerk's own tools, resources, templates and prompts.
    Catalog(Arc<Catalog>),
    /// A plain rmcp handler: per-name policies and a default for the rest.
    Table(Arc<PolicyTable>),
}

impl Policies {
    /// The policy of what `target` calls, reads or gets; `None` for a
    /// request that targets no known component.
    fn get(&self, target: &Target) -> Option<&ToolPolicy> {
        match (self, target) {
            (_, Target::Other) => None,
            (Policies::Catalog(c), Target::ToolCall(name)) => c.tools.policy(name),
            (Policies::Catalog(c), Target::ResourceRead(uri)) => {
                c.resource(uri).map(|found| found.policy())
            }
            (Policies::Catalog(c), Target::PromptGet(name)) => c.prompt(name).map(|p| p.policy()),
            (Policies::Table(table), Target::ToolCall(name)) => Some(table.get(name)),
            // A plain rmcp handler's policies name tools only.
            (Policies::Table(_), _) => None,
        }
    }

    /// Whether some policy would ask `caller` to step up (403), so the gate
    /// must know which tool a request calls. When none would, an
    /// authenticated request passes whatever it targets and its body is not
    /// read. Asks [`policy::decide`] for every policy (at most
    /// [`MAX_PRECHECK_POLICIES`]; beyond that the gate always peeks).
    fn may_need_step_up(&self, caller: &Identity) -> bool {
        let step_up = |p: &ToolPolicy| {
            matches!(
                policy::decide(p, Some(caller)),
                Decision::InsufficientScope { .. } | Decision::Unauthenticated { .. }
            )
        };
        match self {
            Policies::Catalog(c) => c.len() > MAX_PRECHECK_POLICIES || c.policies().any(step_up),
            Policies::Table(table) => {
                table.by_name.len() >= MAX_PRECHECK_POLICIES || table.all().any(step_up)
            }
        }
    }

    /// Whether some tool's access depends on the caller's organization (so
    /// the caller's current membership is worth reading).
    pub(crate) fn any_uses_org(&self) -> bool {
        let needs = |p: &ToolPolicy| p.effective_org() != crate::policy::Requirement::None;
        match self {
            Policies::Catalog(c) => c.policies().any(needs),
            Policies::Table(table) => table.all().any(needs),
        }
    }

    /// Every scope some tool's challenge asks for, deduplicated, in order.
    pub(crate) fn challenge_scopes(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self {
            Policies::Catalog(c) => {
                for p in c.policies() {
                    union(&mut out, p.challenge_scopes());
                }
            }
            Policies::Table(table) => {
                union(&mut out, table.default.challenge_scopes());
                let mut names: Vec<&String> = table.by_name.keys().collect();
                names.sort();
                for n in names {
                    union(&mut out, table.by_name[n].challenge_scopes());
                }
            }
        }
        out
    }

    /// The name of a tool whose policy uses auth (`"(default policy)"` when
    /// only a plain handler's default does), or `None` when none does.
    pub(crate) fn first_using_auth(&self) -> Option<String> {
        match self {
            // Checked by `Catalog::missing_config`, which names the kind.
            Policies::Catalog(_) => None,
            Policies::Table(table) => table
                .by_name
                .iter()
                .find(|(_, p)| p.uses_auth())
                .map(|(n, _)| n.clone())
                .or_else(|| {
                    table
                        .default
                        .uses_auth()
                        .then(|| "(default policy)".to_owned())
                }),
        }
    }

    /// Whether every tool needs a valid token.
    pub(crate) fn all_need_auth(&self) -> bool {
        match self {
            Policies::Catalog(c) => c.all_need_auth(),
            Policies::Table(table) => table.all().all(ToolPolicy::needs_auth),
        }
    }
}

/// Everything the gate needs; shared by all requests.
#[derive(Debug)]
pub(crate) struct Gate {
    pub(crate) verifier: Option<Verifier>,
    pub(crate) policies: Policies,
    pub(crate) all_need_auth: bool,
    pub(crate) base_scopes: Vec<String>,
    pub(crate) resource: ResourceInfo,
    pub(crate) hosts: HostPolicy,
    pub(crate) origins: Arc<OriginPolicy>,
    pub(crate) max_body: usize,
    pub(crate) sessions: Option<SessionRegistry>,
    /// Reads callers' current organization memberships (`http::enrich`),
    /// when the config has a secret key and some tool uses organizations.
    pub(crate) clerk: Option<Clerk>,
}

/// What the gate concluded about a request.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Pass,
    Unauthenticated(Vec<String>),
    InsufficientScope(Vec<String>),
}

fn union(into: &mut Vec<String>, more: Vec<String>) {
    for s in more {
        if !into.contains(&s) {
            into.push(s);
        }
    }
}

impl Gate {
    fn verdict_for(&self, target: &Target, caller: Option<&Identity>) -> Verdict {
        match self.policies.get(target).map(|p| policy::decide(p, caller)) {
            Some(Decision::Unauthenticated { scopes }) => Verdict::Unauthenticated(scopes),
            Some(Decision::InsufficientScope { scopes }) => Verdict::InsufficientScope(scopes),
            Some(Decision::Allow | Decision::Forbidden(_)) => Verdict::Pass,
            // Not a known tool call: only an all-auth server needs a token.
            None if self.all_need_auth && caller.is_none() => Verdict::Unauthenticated(Vec::new()),
            None => Verdict::Pass,
        }
    }

    fn verdict(&self, peek: &Peek, caller: Option<&Identity>) -> Verdict {
        match peek {
            Peek::One(t) => self.verdict_for(t, caller),
            Peek::Unreadable | Peek::NotRead => self.verdict_for(&Target::Other, caller),
            Peek::Batch(targets) => {
                let mut unauth: Option<Vec<String>> = None;
                let mut scope: Option<Vec<String>> = None;
                for t in targets {
                    match self.verdict_for(t, caller) {
                        Verdict::Pass => {}
                        Verdict::Unauthenticated(s) => union(unauth.get_or_insert_default(), s),
                        Verdict::InsufficientScope(s) => union(scope.get_or_insert_default(), s),
                    }
                }
                match (unauth, scope) {
                    (Some(mut u), s) => {
                        union(&mut u, s.unwrap_or_default());
                        Verdict::Unauthenticated(u)
                    }
                    (None, Some(s)) => Verdict::InsufficientScope(s),
                    (None, None) => Verdict::Pass,
                }
            }
        }
    }

    /// The scopes a 401 asks for: the advertised scopes plus what the call needs.
    fn scopes_401(&self, needed: Vec<String>) -> Vec<String> {
        let mut out = self.base_scopes.clone();
        union(&mut out, needed);
        out
    }

    fn challenge(&self, headers: &HeaderMap) -> Challenge {
        let url = self
            .resource
            .resolve(headers)
            .map(|r| r.metadata_url.clone())
            .unwrap_or_default();
        Challenge::new(url)
    }

    fn unauthenticated(&self, headers: &HeaderMap, needed: Vec<String>) -> Response {
        tracing::debug!(status = 401, "mcp request needs authentication");
        self.challenge(headers)
            .scopes(self.scopes_401(needed))
            .into_response()
    }

    fn invalid_token(&self, headers: &HeaderMap, peek: &Peek, error: &TokenError) -> Response {
        if let Some(retry_after) = error.retry_after() {
            tracing::warn!(reason = error.reason(), "token verification unavailable");
            let description = match error {
                TokenError::BackendUnavailable(_) => {
                    "the server could not verify the token with the Clerk Backend API; retry later"
                }
                _ => "the server could not load its signing keys; retry later",
            };
            return unavailable(description, error.reason(), retry_after);
        }
        tracing::debug!(
            status = 401,
            reason = error.reason(),
            "mcp request with invalid token"
        );
        let needed = match self.verdict(peek, None) {
            Verdict::Unauthenticated(s) | Verdict::InsufficientScope(s) => s,
            Verdict::Pass => Vec::new(),
        };
        self.challenge(headers)
            .error(ChallengeError::InvalidToken)
            .description(format!("{error} ({})", error.reason()))
            .scopes(self.scopes_401(needed))
            .into_response()
    }
}

/// The documented 503: the server cannot decide now; `Retry-After` says when
/// to try again (Clerk's own when it sent one).
fn unavailable(description: &str, reason: &str, retry_after: std::time::Duration) -> Response {
    let secs = retry_after.as_secs().max(1);
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, HeaderValue::from(secs))],
        axum::Json(serde_json::json!({
            "error": "temporarily_unavailable",
            "error_description": description,
            "reason": reason,
        })),
    )
        .into_response()
}

/// Fail closed: the caller's organization membership could not be read.
fn membership_unavailable(error: &BackendError) -> Response {
    tracing::warn!(
        reason = error.reason(),
        "organization membership check unavailable; refusing with 503"
    );
    unavailable(
        "the server could not check the caller's organization membership with the Clerk \
         Backend API; retry later",
        error.reason(),
        error.retry_after(),
    )
}

fn plain(status: StatusCode, message: &'static str) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        message,
    )
        .into_response()
}

/// The scopes a 403 asks for: those the token already has, then the missing
/// ones the call needs. Clients of the 2025-11-25 revision (the TypeScript SDK
/// among them) re-authorize with exactly the challenged scopes, so naming only
/// the missing ones would cost them what they had; clients of 2026-07-28
/// union the challenge with their scopes anyway.
fn scopes_403(caller: Option<&Identity>, needed: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = caller
        .map(|c| c.user().scopes().to_vec())
        .unwrap_or_default();
    union(&mut out, needed);
    out
}

/// Reads the body up to `limit` bytes (413 beyond).
async fn read_body(body: Body, limit: usize, headers: &HeaderMap) -> Result<Bytes, Response> {
    let too_large = || {
        plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Payload Too Large: request body exceeds the limit",
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|l| l > limit as u64) {
        return Err(too_large());
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(_) => Err(plain(
            StatusCode::BAD_REQUEST,
            "Bad Request: the request body could not be read",
        )),
    }
}

/// The axum middleware function.
pub(crate) async fn run(State(gate): State<Arc<Gate>>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    ensure_host(&parts.uri, &mut parts.headers);
    if !gate.hosts.check(&parts.headers) {
        return plain(
            StatusCode::FORBIDDEN,
            "Forbidden: Host header is not allowed",
        );
    }
    if !gate.origins.check(&parts.headers) {
        return plain(
            StatusCode::FORBIDDEN,
            "Forbidden: Origin header is not allowed",
        );
    }
    let Some(verifier) = &gate.verifier else {
        // Public tools only: a token sent anyway is never forwarded.
        parts.headers.remove(header::AUTHORIZATION);
        return forward(&gate, parts, body, None, next).await;
    };
    if parts.method == Method::OPTIONS {
        // Not a CORS preflight (the CORS layer answered those): rmcp says 405.
        parts.headers.remove(header::AUTHORIZATION);
        return next.run(Request::from_parts(parts, body)).await;
    }

    // Who is asking? A malformed header (its shape; its characters, checked
    // on a cache miss) is refused before the body is read.
    let verified = match bearer_credentials(&parts.headers) {
        Ok(None) => None,
        Ok(Some(bearer)) => Some(verifier.verify_bearer(bearer).await),
        Err(e) => Some(Err(e)),
    };
    if let Some(Err(e)) = &verified
        && e.is_header_fault()
    {
        return gate.invalid_token(&parts.headers, &Peek::Unreadable, e);
    }
    // The caller's organization as Clerk says it is now (role changes and
    // removals within the membership lifetime), before anything is decided.
    let verified = match verified {
        Some(Ok(identity)) => match &gate.clerk {
            Some(clerk) if enrich::applies(&identity) => {
                match Box::pin(enrich::fresh(clerk, identity)).await {
                    Ok(identity) => Some(Ok(identity)),
                    Err(e) => return membership_unavailable(&e),
                }
            }
            _ => Some(Ok(identity)),
        },
        other => other,
    };
    let identity = match &verified {
        Some(Ok(identity)) => Some(identity),
        _ => None,
    };

    // What does the request ask for? Not needed when an authenticated caller
    // could not be asked to step up for any tool: then the body streams to
    // rmcp untouched.
    let needs_target = match identity {
        Some(identity) => gate.policies.may_need_step_up(identity),
        None => true,
    };
    let (peek, body) = if parts.method != Method::POST {
        (Peek::One(Target::Other), body)
    } else if !needs_target {
        (Peek::NotRead, body)
    } else if let Some(target) = peek::from_headers(&parts.headers) {
        (Peek::One(target), body)
    } else {
        match Box::pin(read_body(body, gate.max_body, &parts.headers)).await {
            Ok(bytes) => (peek::from_body(&bytes), Body::from(bytes)),
            Err(response) => return response,
        }
    };

    let identity = match verified {
        None => None,
        Some(Ok(identity)) => Some(identity),
        Some(Err(e)) => return gate.invalid_token(&parts.headers, &peek, &e),
    };
    parts.headers.remove(header::AUTHORIZATION);

    match gate.verdict(&peek, identity.as_ref()) {
        Verdict::Pass => {}
        Verdict::Unauthenticated(needed) => return gate.unauthenticated(&parts.headers, needed),
        Verdict::InsufficientScope(needed) => {
            tracing::debug!(status = 403, "mcp request lacks scopes");
            return gate
                .challenge(&parts.headers)
                .error(ChallengeError::InsufficientScope)
                .description("the access token lacks scopes this request needs")
                .scopes(scopes_403(identity.as_ref(), needed))
                .into_response();
        }
    }

    forward(&gate, parts, body, identity, next).await
}

/// Hands the request to rmcp, keeping the session books: sessions belong to
/// whoever created them and are counted. A request on a session holds a
/// lease (the session is busy until its response ends); a request that may
/// create one holds a reserved place.
async fn forward(
    gate: &Gate,
    mut parts: http::request::Parts,
    body: Body,
    identity: Option<Identity>,
    next: Next,
) -> Response {
    let Some(sessions) = &gate.sessions else {
        // Stateless: no books to keep.
        if let Some(identity) = identity {
            parts.extensions.insert(identity);
        }
        return next.run(Request::from_parts(parts, body)).await;
    };
    let presented = parts
        .headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut lease = None;
    let mut reservation = None;
    match &presented {
        Some(id) => match sessions.store() {
            Some(store) => {
                match Box::pin(shared_lease(sessions, store, id, &parts, &identity)).await {
                    Ok(l) => lease = Some(l),
                    Err(response) => return response,
                }
            }
            None => match sessions.check(id, identity.as_ref()) {
                Some(l) => lease = Some(l),
                None => return session_not_found(),
            },
        },
        None if parts.method == Method::POST => match sessions.admit(identity.as_ref()) {
            Ok(r) => reservation = Some(r),
            Err(refusal) => {
                tracing::info!(?refusal, "new session refused");
                return refusal.into_response();
            }
        },
        None => {}
    }

    let method = parts.method.clone();
    let owner = Owner::of(identity.as_ref());
    if let Some(identity) = identity {
        parts.extensions.insert(identity);
    }
    let response = next.run(Request::from_parts(parts, body)).await;

    if let Some(reservation) = reservation
        && let Some(created) = response
            .headers()
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
    {
        if let Some(store) = sessions.store()
            && let Err(e) = store.bind(created, &owner).await
        {
            // Other replicas could not check the owner: no such session.
            sessions.end_local(created);
            return e.into_response();
        }
        reservation.bind(created);
    }
    if let Some(id) = &presented
        && method == Method::DELETE
        && response.status().is_success()
    {
        sessions.forget(id);
    }
    match lease {
        Some(lease) => response.map(|body| Body::new(TrackedBody::new(body, lease))),
        None => response,
    }
}

fn session_not_found() -> Response {
    tracing::debug!(status = 404, "session unknown, expired or another's");
    plain(StatusCode::NOT_FOUND, "Not Found: Session not found")
}

/// A lease on a session whose owner lives in the shared store: one check
/// there (or the brief cache), then this replica's books. A `DELETE` ends
/// the session in the store before rmcp closes the local worker, so that
/// when the client hears it succeeded, no replica serves the session.
async fn shared_lease(
    sessions: &SessionRegistry,
    store: &StoreBook,
    id: &str,
    parts: &http::request::Parts,
    identity: &Option<Identity>,
) -> Result<Lease, Response> {
    let caller = Owner::of(identity.as_ref());
    match store.check(id, &caller).await {
        Err(e) => Err(e.into_response()),
        Ok(OwnerCheck::Unknown) => {
            sessions.end_local(id);
            Err(session_not_found())
        }
        Ok(OwnerCheck::Another) => Err(session_not_found()),
        Ok(OwnerCheck::Owned | OwnerCheck::Claimed) => {
            let lease = sessions.adopt(id, caller).map_err(|refusal| {
                tracing::info!(?refusal, "session refused on this replica");
                refusal.into_response()
            })?;
            if parts.method == Method::DELETE {
                store.end(id).await.map_err(IntoResponse::into_response)?;
            }
            Ok(lease)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{ClerkOrg, ClerkUser};
    use crate::policy::Requirement;

    fn gate(policies: Policies) -> Gate {
        let all_need_auth = policies.all_need_auth();
        Gate {
            verifier: None,
            policies,
            all_need_auth,
            base_scopes: vec!["email".into()],
            resource: ResourceInfo::new(Some("https://mcp.example.com/mcp"), "/mcp"),
            hosts: HostPolicy::new([]),
            origins: Arc::new(OriginPolicy::any()),
            max_body: 1024,
            sessions: None,
            clerk: None,
        }
    }

    fn table(default: ToolPolicy, named: &[(&str, ToolPolicy)]) -> Policies {
        Policies::Table(Arc::new(PolicyTable::new(
            named
                .iter()
                .map(|(n, p)| ((*n).to_owned(), p.clone()))
                .collect(),
            default,
        )))
    }

    fn call(name: &str) -> Target {
        Target::ToolCall(name.to_owned())
    }

    #[test]
    fn mixed_server_lets_anonymous_initialize_and_challenges_protected_calls() {
        let g = gate(table(
            ToolPolicy::new(),
            &[(
                "secret",
                ToolPolicy::new().auth(Requirement::Required).scope("s"),
            )],
        ));
        assert!(!g.all_need_auth);
        assert_eq!(g.verdict(&Peek::One(Target::Other), None), Verdict::Pass);
        assert_eq!(g.verdict(&Peek::One(call("ping")), None), Verdict::Pass);
        assert_eq!(
            g.verdict(&Peek::One(call("secret")), None),
            Verdict::Unauthenticated(vec!["s".into()])
        );
        assert_eq!(g.scopes_401(vec!["s".into()]), ["email", "s"]);
    }

    #[test]
    fn all_auth_server_challenges_everything_anonymous() {
        let g = gate(table(ToolPolicy::new().auth(Requirement::Required), &[]));
        assert!(g.all_need_auth);
        assert_eq!(
            g.verdict(&Peek::One(Target::Other), None),
            Verdict::Unauthenticated(vec![])
        );
        assert_eq!(
            g.verdict(&Peek::Unreadable, None),
            Verdict::Unauthenticated(vec![])
        );
        let user = Identity::new(ClerkUser::example("user_1", &[]), None);
        assert_eq!(
            g.verdict(&Peek::One(Target::Other), Some(&user)),
            Verdict::Pass
        );
    }

    #[test]
    fn batches_take_the_strongest_outcome_and_all_scopes() {
        let g = gate(table(
            ToolPolicy::new(),
            &[
                ("a", ToolPolicy::new().scope("sa")),
                (
                    "b",
                    ToolPolicy::new().org(Requirement::Required).scope("sb"),
                ),
            ],
        ));
        let user = Identity::new(ClerkUser::example("user_1", &[]), None);
        let batch = Peek::Batch(vec![Target::Other, call("a"), call("b")]);
        assert_eq!(
            g.verdict(&batch, Some(&user)),
            Verdict::InsufficientScope(vec!["sa".into(), "sb".into(), "user:org:read".into()])
        );
        assert_eq!(
            g.verdict(&batch, None),
            Verdict::Unauthenticated(vec!["sa".into(), "sb".into(), "user:org:read".into()])
        );
        assert_eq!(
            g.verdict(&Peek::Batch(vec![call("x")]), None),
            Verdict::Pass
        );
    }

    #[test]
    fn forbidden_passes_to_the_dispatcher() {
        let g = gate(table(
            ToolPolicy::new(),
            &[("admin", ToolPolicy::new().role("admin"))],
        ));
        let org = ClerkOrg::example("org_1", "org:member", &[]);
        let user = Identity::new(ClerkUser::example("user_1", &[]), Some(org));
        assert_eq!(
            g.verdict(&Peek::One(call("admin")), Some(&user)),
            Verdict::Pass
        );
    }
}
