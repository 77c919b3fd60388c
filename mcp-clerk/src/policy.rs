//! Per-tool access rules and the one function that applies them.
//!
//! [`decide`] is pure and is the only place access is decided: the HTTP gate
//! (401/403), the per-caller tool list and the call dispatcher all call it, so
//! they can never disagree.

use std::borrow::Cow;

use crate::identity::{Identity, TokenKind};

/// The scope an OAuth client needs for Clerk to put the active organization
/// (`org_id`) into its access token.
pub const ORG_SCOPE: &str = "user:org:read";

/// Whether a tool needs a signed-in caller.
///
/// `#[tool(auth = optional)]` is `ToolPolicy::new().auth(Requirement::Optional)`:
///
/// ```
/// use mcp_clerk::policy::{Decision, Requirement, ToolPolicy, decide};
///
/// let optional = ToolPolicy::new().auth(Requirement::Optional);
/// assert_eq!(decide(&optional, None), Decision::Allow); // anonymous callers get in
///
/// let required = ToolPolicy::new().auth(Requirement::Required);
/// assert!(matches!(decide(&required, None), Decision::Unauthenticated { .. }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Requirement {
    /// Anyone may call; identity is ignored.
    #[default]
    None,
    /// Anyone may call; a valid token is used when present.
    Optional,
    /// A valid token is required.
    Required,
}

/// Who may call a tool: people, machines, or both.
///
/// Machines are M2M tokens and API keys owned by a machine or an organization
/// (accepted only when the server accepts those kinds, `MCP_CLERK_ACCEPT`). A
/// tool for people never runs for a machine, and the other way round:
///
/// ```
/// use mcp_clerk::policy::{Callers, Decision, Forbidden, ToolPolicy, decide};
/// use mcp_clerk::{ClerkMachine, ClerkUser, Identity};
/// use mcp_clerk::policy::Requirement;
///
/// let person = Identity::new(ClerkUser::example("user_1", &[]), None);
/// let machine = Identity::for_machine(ClerkMachine::example("mch_1", &[]), None);
///
/// let for_people = ToolPolicy::new().auth(Requirement::Required);
/// assert_eq!(decide(&for_people, Some(&machine)), Decision::Forbidden(Forbidden::MachineCaller));
///
/// let for_machines = ToolPolicy::new().callers(Callers::Machines);
/// assert!(for_machines.needs_auth()); // a machine is always signed in
/// assert_eq!(decide(&for_machines, Some(&machine)), Decision::Allow);
/// assert_eq!(decide(&for_machines, Some(&person)), Decision::Forbidden(Forbidden::PersonCaller));
///
/// let for_both = ToolPolicy::new().callers(Callers::Any);
/// assert_eq!(decide(&for_both, Some(&person)), Decision::Allow);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum Callers {
    /// Signed-in people only (the default); machines are refused.
    #[default]
    Users,
    /// Machines only.
    Machines,
    /// People and machines.
    Any,
}

/// The access rules of one tool.
///
/// ```
/// use mcp_clerk::policy::{Requirement, ToolPolicy};
///
/// let policy = ToolPolicy::new()
///     .org(Requirement::Required)
///     .scope("projects:write")
///     .permission("org:projects:create");
/// assert!(policy.needs_auth());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolPolicy {
    auth: Requirement,
    org: Requirement,
    scopes: Vec<Cow<'static, str>>,
    permissions: Vec<Cow<'static, str>>,
    roles: Vec<Cow<'static, str>>,
    callers: Callers,
}

impl ToolPolicy {
    /// A public tool: no auth, no organization, no scopes.
    pub const fn new() -> Self {
        Self {
            auth: Requirement::None,
            org: Requirement::None,
            scopes: Vec::new(),
            permissions: Vec::new(),
            roles: Vec::new(),
            callers: Callers::Users,
        }
    }

    /// Who may call: people (the default), machines, or both. Anything but
    /// people-only needs a signed-in caller.
    pub fn callers(mut self, callers: Callers) -> Self {
        self.callers = callers;
        self
    }

    /// Who may call ([`callers`](Self::callers)).
    pub fn callers_allowed(&self) -> Callers {
        self.callers
    }

    /// Sets whether a signed-in caller is needed.
    pub fn auth(mut self, auth: Requirement) -> Self {
        self.auth = auth;
        self
    }

    /// Sets whether an active organization is needed. Anything but
    /// [`Requirement::None`] implies auth of at least the same strength.
    pub fn org(mut self, org: Requirement) -> Self {
        self.org = org;
        self
    }

    /// Adds an OAuth scope the token must carry.
    pub fn scope(mut self, scope: impl Into<Cow<'static, str>>) -> Self {
        push_unique(&mut self.scopes, scope.into());
        self
    }

    /// Adds an organization permission the caller must hold (`org:<feature>:<permission>`).
    /// Implies an organization is required.
    pub fn permission(mut self, permission: impl Into<Cow<'static, str>>) -> Self {
        push_unique(&mut self.permissions, permission.into());
        self
    }

    /// Adds an organization role the caller may hold; the caller must hold one
    /// of the listed roles (`org:admin`). Implies an organization is required.
    pub fn role(mut self, role: impl Into<Cow<'static, str>>) -> Self {
        let role = role.into();
        let role = if role.starts_with("org:") {
            role
        } else {
            Cow::Owned(format!("org:{role}"))
        };
        push_unique(&mut self.roles, role);
        self
    }

    /// The effective auth requirement: scopes, permissions and roles need a caller
    /// (`Required`); otherwise the stronger of the auth and organization requirements.
    pub fn effective_auth(&self) -> Requirement {
        if !self.scopes.is_empty() || self.callers != Callers::Users {
            return Requirement::Required;
        }
        match (self.auth, self.effective_org()) {
            (Requirement::Required, _) | (_, Requirement::Required) => Requirement::Required,
            (Requirement::Optional, _) | (_, Requirement::Optional) => Requirement::Optional,
            _ => Requirement::None,
        }
    }

    /// The effective organization requirement (permissions and roles need an organization).
    pub fn effective_org(&self) -> Requirement {
        if !self.permissions.is_empty() || !self.roles.is_empty() {
            Requirement::Required
        } else {
            self.org
        }
    }

    /// Whether calling the tool needs a valid token.
    pub fn needs_auth(&self) -> bool {
        self.effective_auth() == Requirement::Required
    }

    /// Whether a token, when present, is read at all.
    pub fn uses_auth(&self) -> bool {
        self.effective_auth() != Requirement::None
    }

    /// Whether the tool may be hidden from some callers (it needs an
    /// organization, so `decide` can refuse it as `Forbidden`): a tool list
    /// containing it depends on the caller.
    pub(crate) fn hidden_from_some(&self) -> bool {
        self.effective_org() == Requirement::Required
    }

    /// The declared auth requirement.
    pub fn auth_requirement(&self) -> Requirement {
        self.auth
    }

    /// The declared organization requirement.
    pub fn org_requirement(&self) -> Requirement {
        self.org
    }

    /// The scopes the token must carry.
    pub fn scopes(&self) -> impl ExactSizeIterator<Item = &str> {
        self.scopes.iter().map(|s| s.as_ref())
    }

    /// The permissions the caller must all hold.
    pub fn permissions(&self) -> impl ExactSizeIterator<Item = &str> {
        self.permissions.iter().map(|s| s.as_ref())
    }

    /// The roles of which the caller must hold one.
    pub fn roles(&self) -> impl ExactSizeIterator<Item = &str> {
        self.roles.iter().map(|s| s.as_ref())
    }

    /// Every scope a fully authorized OAuth call needs: the tool's scopes, plus
    /// [`ORG_SCOPE`] when an organization is required.
    pub fn challenge_scopes(&self) -> Vec<String> {
        let mut out: Vec<String> = self.scopes.iter().map(|s| s.to_string()).collect();
        if self.effective_org() == Requirement::Required && !out.iter().any(|s| s == ORG_SCOPE) {
            out.push(ORG_SCOPE.to_owned());
        }
        out
    }
}

fn push_unique(list: &mut Vec<Cow<'static, str>>, item: Cow<'static, str>) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Why a signed-in caller may not use a tool, when signing in again would not help.
///
/// ```
/// use mcp_clerk::policy::{Decision, Forbidden, ToolPolicy, decide};
/// # use mcp_clerk::{ClerkOrg, ClerkUser, Identity};
///
/// let policy = ToolPolicy::new().permission("org:projects:create");
/// # let member = ClerkOrg::example("org_acme", "org:member", &["org:projects:read"]);
/// # let bob = Identity::new(ClerkUser::example("user_bob", &[]), Some(member));
/// // Bob is a member of his active organization, without that permission:
/// let Decision::Forbidden(why) = decide(&policy, Some(&bob)) else { panic!() };
/// assert_eq!(why, Forbidden::MissingPermission("org:projects:create".into()));
/// assert_eq!(why.to_string(), "missing permission `org:projects:create`");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Forbidden {
    /// The tool needs an active organization and the caller's session has none
    /// (session and M2M tokens cannot step up to get one).
    NoOrganization,
    /// The caller lacks this organization permission.
    MissingPermission(String),
    /// The caller holds none of these roles.
    MissingRole(Vec<String>),
    /// A machine called a tool for people.
    MachineCaller,
    /// A person called a tool for machines.
    PersonCaller,
    /// The token names the organization but not the caller's role or
    /// permissions (OAuth access tokens carry only `org_id`).
    OrgPermissionsUnknown,
}

impl std::fmt::Display for Forbidden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Forbidden::NoOrganization => f.write_str("this tool needs an active organization"),
            Forbidden::MissingPermission(p) => write!(f, "missing permission `{p}`"),
            Forbidden::MissingRole(roles) => {
                write!(f, "needs one of the roles `{}`", roles.join("`, `"))
            }
            Forbidden::MachineCaller => f.write_str("this tool is not for machine callers"),
            Forbidden::PersonCaller => f.write_str("this tool is for machine callers only"),
            Forbidden::OrgPermissionsUnknown => {
                f.write_str("the access token does not carry organization roles or permissions")
            }
        }
    }
}

/// The outcome of [`decide`].
///
/// What each outcome becomes on the wire, as the HTTP gate answers it:
///
/// ```
/// use mcp_clerk::policy::{Decision, ToolPolicy, decide};
/// # use mcp_clerk::{ClerkUser, Identity};
///
/// fn status(decision: &Decision) -> u16 {
///     match decision {
///         Decision::Allow | Decision::Forbidden(_) => 200, // a forbidden call is a tool error
///         Decision::Unauthenticated { .. } => 401,
///         Decision::InsufficientScope { .. } => 403,
///     }
/// }
///
/// let policy = ToolPolicy::new().scope("notes:write");
/// # let reader = Identity::new(ClerkUser::example("user_1", &["notes:read"]), None);
/// // An OAuth token granted only `notes:read`:
/// let decision = decide(&policy, Some(&reader));
/// assert_eq!(decision, Decision::InsufficientScope { scopes: vec!["notes:write".into()] });
/// assert_eq!(status(&decision), 403);
/// assert!(decision.visible()); // listed: the client can step up
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The caller may use the tool.
    Allow,
    /// A token is needed and none was presented: answer 401 with these scopes.
    Unauthenticated {
        /// Every scope the call needs.
        scopes: Vec<String>,
    },
    /// The token lacks scopes (or an OAuth token lacks an organization): answer
    /// 403 `insufficient_scope` listing every scope the call needs.
    InsufficientScope {
        /// Every scope the call needs (not only the missing ones).
        scopes: Vec<String>,
    },
    /// Signing in again would not help: a tool error result.
    Forbidden(Forbidden),
}

impl Decision {
    /// Whether the caller may see the tool in `tools/list`: everything but
    /// [`Decision::Forbidden`] (a caller who can step up should find the tool).
    pub fn visible(&self) -> bool {
        !matches!(self, Decision::Forbidden(_))
    }
}

/// Decides whether `caller` may use a tool with `policy`.
///
/// `caller` is the verified identity, or `None` when no token was presented.
/// (Invalid tokens never get here: the gate answers them with 401.)
///
/// Order: authentication, then scopes and organization (both step-up-able and
/// reported together), then organization presence for non-OAuth tokens, then
/// roles and permissions.
///
/// Scopes are checked for tokens that carry them (OAuth and M2M). Session
/// tokens are the user's own first-party credential and are not scope-limited.
///
/// ```
/// use mcp_clerk::policy::{decide, Decision, Requirement, ToolPolicy};
///
/// let policy = ToolPolicy::new().auth(Requirement::Required).scope("notes:read");
/// assert_eq!(
///     decide(&policy, None),
///     Decision::Unauthenticated { scopes: vec!["notes:read".into()] },
/// );
/// ```
pub fn decide(policy: &ToolPolicy, caller: Option<&Identity>) -> Decision {
    let auth = policy.effective_auth();
    let org_req = policy.effective_org();
    let Some(caller) = caller else {
        return if auth == Requirement::Required {
            Decision::Unauthenticated {
                scopes: policy.challenge_scopes(),
            }
        } else {
            Decision::Allow
        };
    };
    if auth == Requirement::None {
        return Decision::Allow;
    }
    match (policy.callers, caller.is_machine()) {
        (Callers::Users, true) if auth == Requirement::Required => {
            return Decision::Forbidden(Forbidden::MachineCaller);
        }
        // An optional caller: the machine is not a person, and the tool
        // receives none (see `FromToolCall for Option<ClerkUser>`).
        (Callers::Users, true) => return Decision::Allow,
        (Callers::Machines, false) => return Decision::Forbidden(Forbidden::PersonCaller),
        _ => {}
    }
    let user = caller.user();
    let kind = user.token_kind();
    let org = caller.org();

    let scope_limited = matches!(kind, TokenKind::OAuth | TokenKind::M2M | TokenKind::ApiKey);
    let missing_scope = scope_limited && policy.scopes().any(|s| !user.has_scope(s));
    let missing_org_oauth =
        kind == TokenKind::OAuth && org_req == Requirement::Required && org.is_none();
    if missing_scope || missing_org_oauth {
        return Decision::InsufficientScope {
            scopes: policy.challenge_scopes(),
        };
    }
    if org_req != Requirement::Required {
        return Decision::Allow;
    }
    let Some(org) = org else {
        return Decision::Forbidden(Forbidden::NoOrganization);
    };
    if policy.roles.is_empty() && policy.permissions.is_empty() {
        return Decision::Allow;
    }
    if !org.permissions_known() {
        return Decision::Forbidden(Forbidden::OrgPermissionsUnknown);
    }
    if !policy.roles.is_empty() && !policy.roles().any(|r| org.has_role(r)) {
        return Decision::Forbidden(Forbidden::MissingRole(
            policy.roles().map(str::to_owned).collect(),
        ));
    }
    if let Some(p) = policy.permissions().find(|p| !org.has_permission(p)) {
        return Decision::Forbidden(Forbidden::MissingPermission(p.to_owned()));
    }
    Decision::Allow
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{ClerkOrg, ClerkUser, Identity};

    fn oauth(scopes: &[&str], org: Option<ClerkOrg>) -> Identity {
        Identity::new(ClerkUser::example("user_1", scopes), org)
    }

    fn scopes(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn public_tool_allows_everyone() {
        let p = ToolPolicy::new();
        assert_eq!(decide(&p, None), Decision::Allow);
        assert_eq!(decide(&p, Some(&oauth(&[], None))), Decision::Allow);
    }

    #[test]
    fn scopes_require_a_caller_even_with_an_optional_org() {
        let p = ToolPolicy::new()
            .org(Requirement::Optional)
            .scope("notes:read");
        assert_eq!(p.effective_auth(), Requirement::Required);
        assert_eq!(
            decide(&p, None),
            Decision::Unauthenticated {
                scopes: scopes(&["notes:read"])
            }
        );
        let p = ToolPolicy::new()
            .auth(Requirement::Optional)
            .scope("notes:read");
        assert!(p.needs_auth());
    }

    #[test]
    fn optional_auth_allows_anonymous() {
        let p = ToolPolicy::new().auth(Requirement::Optional);
        assert_eq!(decide(&p, None), Decision::Allow);
        let p = ToolPolicy::new().org(Requirement::Optional);
        assert_eq!(decide(&p, None), Decision::Allow);
        assert_eq!(decide(&p, Some(&oauth(&[], None))), Decision::Allow);
    }

    #[test]
    fn required_auth_challenges_anonymous_with_scopes() {
        let p = ToolPolicy::new().auth(Requirement::Required).scope("a");
        assert_eq!(
            decide(&p, None),
            Decision::Unauthenticated {
                scopes: scopes(&["a"])
            }
        );
        let p = ToolPolicy::new().org(Requirement::Required).scope("a");
        assert_eq!(
            decide(&p, None),
            Decision::Unauthenticated {
                scopes: scopes(&["a", ORG_SCOPE])
            }
        );
    }

    #[test]
    fn missing_scope_lists_every_needed_scope() {
        let p = ToolPolicy::new().scope("a").scope("b");
        assert_eq!(
            decide(&p, Some(&oauth(&["a"], None))),
            Decision::InsufficientScope {
                scopes: scopes(&["a", "b"])
            }
        );
        assert_eq!(decide(&p, Some(&oauth(&["a", "b"], None))), Decision::Allow);
    }

    #[test]
    fn oauth_without_org_steps_up_for_org_scope() {
        let p = ToolPolicy::new().org(Requirement::Required).scope("a");
        assert_eq!(
            decide(&p, Some(&oauth(&["a"], None))),
            Decision::InsufficientScope {
                scopes: scopes(&["a", ORG_SCOPE])
            }
        );
        let org = ClerkOrg::example("org_1", "org:member", &[]);
        assert_eq!(decide(&p, Some(&oauth(&["a"], Some(org)))), Decision::Allow);
    }

    #[test]
    fn permissions_and_roles_are_forbidden_not_challenged() {
        let org = ClerkOrg::example("org_1", "org:member", &["org:p:read"]);
        let caller = oauth(&[], Some(org));
        let p = ToolPolicy::new().permission("org:p:write");
        assert_eq!(
            decide(&p, Some(&caller)),
            Decision::Forbidden(Forbidden::MissingPermission("org:p:write".into()))
        );
        assert!(!decide(&p, Some(&caller)).visible());
        let p = ToolPolicy::new().permission("org:p:read");
        assert_eq!(decide(&p, Some(&caller)), Decision::Allow);
        let p = ToolPolicy::new().role("admin");
        assert_eq!(
            decide(&p, Some(&caller)),
            Decision::Forbidden(Forbidden::MissingRole(vec!["org:admin".into()]))
        );
        let p = ToolPolicy::new().role("admin").role("org:member");
        assert_eq!(decide(&p, Some(&caller)), Decision::Allow);
        // anonymous callers still see (and get challenged for) permission tools
        let p = ToolPolicy::new().permission("org:p:write");
        assert!(decide(&p, None).visible());
        assert_eq!(
            decide(&p, None),
            Decision::Unauthenticated {
                scopes: scopes(&[ORG_SCOPE])
            }
        );
    }
}
