//! [`ClerkMachine`]: a caller that is not a person.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::TokenKind;

/// A verified machine caller: an M2M token (`mt_…` or its JWT form, subject
/// `mch_…`), or an API key owned by a machine or an organization.
///
/// A tool receives it when it accepts machines (`#[tool(callers = machines)]`);
/// a tool that takes a [`ClerkUser`](crate::ClerkUser) never runs for one.
///
/// ```
/// use mcp_clerk::prelude::*;
/// use mcp_clerk::ClerkMachine;
///
/// /// Reports usage: for the billing machine only.
/// #[tool(callers = machines, scope = "mch_billing")]
/// async fn report_usage(machine: ClerkMachine) -> String {
///     format!("report from {}", machine.id())
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let machine = ClerkMachine::example("mch_reporter", &["mch_billing"]);
/// assert_eq!(report_usage(machine).await, "report from mch_reporter");
/// # }
/// ```
#[derive(Clone)]
pub struct ClerkMachine {
    inner: Arc<MachineInner>,
}

#[derive(Debug)]
struct MachineInner {
    id: String,
    kind: TokenKind,
    scopes: Vec<String>,
    claims: Map<String, Value>,
    token_id: Option<String>,
    name: Option<String>,
    expires_at: u64,
}

impl ClerkMachine {
    /// The machine (`mch_…`), or for an API key owned by an organization, the
    /// organization (`org_…`).
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// [`TokenKind::M2M`] or [`TokenKind::ApiKey`].
    pub fn token_kind(&self) -> TokenKind {
        self.inner.kind
    }

    /// The scopes the credential carries (for M2M tokens, the machines this
    /// one may talk to).
    pub fn scopes(&self) -> &[String] {
        &self.inner.scopes
    }

    /// Whether the credential carries `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.inner.scopes.iter().any(|s| s == scope)
    }

    /// The custom claims Clerk keeps with the credential.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.inner.claims
    }

    /// Clerk's id of the credential (`mt_…`, `ak_…`; never the secret).
    pub fn token_id(&self) -> Option<&str> {
        self.inner.token_id.as_deref()
    }

    /// The API key's name.
    pub fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }

    /// When the credential expires (or, for an API key without expiry, until
    /// when this verification stands).
    pub fn expires_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.inner.expires_at)
    }

    /// A machine built from parts, for tests of your own tools.
    pub fn example(id: &str, scopes: &[&str]) -> Self {
        Self::new(
            id.to_owned(),
            TokenKind::M2M,
            scopes.iter().map(|s| (*s).to_owned()).collect(),
            Map::new(),
            None,
            None,
            4_102_444_800,
        )
    }

    pub(crate) fn new(
        id: String,
        kind: TokenKind,
        scopes: Vec<String>,
        claims: Map<String, Value>,
        token_id: Option<String>,
        name: Option<String>,
        expires_at: u64,
    ) -> Self {
        Self {
            inner: Arc::new(MachineInner {
                id,
                kind,
                scopes,
                claims,
                token_id,
                name,
                expires_at,
            }),
        }
    }
}

impl std::fmt::Debug for ClerkMachine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClerkMachine")
            .field("id", &self.inner.id)
            .field("kind", &self.inner.kind)
            .field("scopes", &self.inner.scopes)
            .field("token_id", &self.inner.token_id)
            .finish_non_exhaustive()
    }
}
