//! Binding stateful sessions to the principal that created them.
//!
//! rmcp accepts any caller presenting a known `Mcp-Session-Id`. The gate
//! records who created each session (issuer, subject, OAuth client id; or
//! anonymous) and refuses the session id to anyone else with **404 Session
//! not found**, the status that tells a client to start a new session, and
//! which does not reveal whose session it was.
//!
//! A session created anonymously (allowed on a mixed server) is bound to the
//! first principal that uses it with a valid token; from then on anonymous use
//! is refused too. Session ids the gate never saw (or forgot after the idle
//! time) are refused the same way, so a binding can never be skipped.

use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;

use crate::identity::Identity;

/// Who created a session.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Principal {
    issuer: String,
    subject: String,
    client_id: Option<String>,
}

impl Principal {
    pub(crate) fn of(identity: &Identity) -> Self {
        let user = identity.user();
        Self {
            issuer: user.issuer().to_owned(),
            subject: user.id().to_owned(),
            client_id: user.client_id().map(str::to_owned),
        }
    }
}

/// The outcome of presenting a session id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionCheck {
    /// Same principal (or an anonymous session now claimed by this caller).
    Ok,
    /// Unknown session or another principal's: answer 404.
    Refused,
}

/// Session id → principal (`None` = created anonymously).
#[derive(Clone)]
pub(crate) struct SessionBindings {
    map: Cache<Arc<str>, Option<Arc<Principal>>>,
}

impl std::fmt::Debug for SessionBindings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionBindings")
            .field("entries", &self.map.entry_count())
            .finish()
    }
}

impl SessionBindings {
    /// Bindings idle longer than `idle` are forgotten (the session is then refused).
    pub(crate) fn new(capacity: u64, idle: Duration) -> Self {
        Self {
            map: Cache::builder()
                .max_capacity(capacity)
                .time_to_idle(idle)
                .build(),
        }
    }

    /// Records a session created by `caller`.
    pub(crate) fn bind(&self, session_id: &str, caller: Option<&Identity>) {
        self.map.insert(
            Arc::from(session_id),
            caller.map(|c| Arc::new(Principal::of(c))),
        );
    }

    /// Checks that `caller` may use `session_id`.
    pub(crate) fn check(&self, session_id: &str, caller: Option<&Identity>) -> SessionCheck {
        let Some(bound) = self.map.get(session_id) else {
            return SessionCheck::Refused;
        };
        match (bound, caller) {
            (None, None) => SessionCheck::Ok,
            (Some(owner), Some(caller)) if *owner == Principal::of(caller) => SessionCheck::Ok,
            (None, Some(caller)) => {
                // Claim the anonymous session, unless someone else claimed it meanwhile.
                let mine = Arc::new(Principal::of(caller));
                let entry = self
                    .map
                    .entry(Arc::from(session_id))
                    .and_compute_with(|current| match current.map(|e| e.into_value()) {
                        Some(None) => moka::ops::compute::Op::Put(Some(mine.clone())),
                        _ => moka::ops::compute::Op::Nop,
                    });
                match entry {
                    moka::ops::compute::CompResult::ReplacedWith(_) => SessionCheck::Ok,
                    moka::ops::compute::CompResult::Unchanged(e)
                        if e.value().as_deref() == Some(&*mine) =>
                    {
                        SessionCheck::Ok
                    }
                    _ => SessionCheck::Refused,
                }
            }
            _ => SessionCheck::Refused,
        }
    }

    /// Forgets a session (after a successful DELETE).
    pub(crate) fn forget(&self, session_id: &str) {
        self.map.invalidate(session_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::ClerkUser;

    fn id(sub: &str) -> Identity {
        Identity::new(ClerkUser::example(sub, &[]), None)
    }

    #[test]
    fn bound_sessions_refuse_other_principals() {
        let b = SessionBindings::new(100, Duration::from_secs(60));
        b.bind("s1", Some(&id("user_a")));
        assert_eq!(b.check("s1", Some(&id("user_a"))), SessionCheck::Ok);
        assert_eq!(b.check("s1", Some(&id("user_b"))), SessionCheck::Refused);
        assert_eq!(b.check("s1", None), SessionCheck::Refused);
        assert_eq!(
            b.check("unknown", Some(&id("user_a"))),
            SessionCheck::Refused
        );
        b.forget("s1");
        assert_eq!(b.check("s1", Some(&id("user_a"))), SessionCheck::Refused);
    }

    #[test]
    fn anonymous_sessions_are_claimed_once() {
        let b = SessionBindings::new(100, Duration::from_secs(60));
        b.bind("s2", None);
        assert_eq!(b.check("s2", None), SessionCheck::Ok);
        assert_eq!(b.check("s2", Some(&id("user_a"))), SessionCheck::Ok);
        assert_eq!(b.check("s2", Some(&id("user_a"))), SessionCheck::Ok);
        assert_eq!(b.check("s2", Some(&id("user_b"))), SessionCheck::Refused);
        assert_eq!(b.check("s2", None), SessionCheck::Refused);
    }
}
