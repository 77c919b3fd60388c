//! Stateful sessions: bound to the principal that created them, and bounded.
//!
//! rmcp accepts any caller presenting a known `Mcp-Session-Id`. The gate
//! records who created each session (issuer, subject, OAuth client id; or
//! anonymous) and refuses the session id to anyone else with **404 Session
//! not found**, the status that tells a client to start a new session, and
//! which does not reveal whose session it was.
//!
//! A session created anonymously (allowed on a mixed server) is bound to the
//! first principal that uses it with a valid token; from then on anonymous use
//! is refused too. Session ids the gate never saw (or dropped: idle, evicted,
//! deleted) are refused the same way, so a binding can never be skipped.
//!
//! How many sessions live, and for how long, is [`SessionLimits`]'s business
//! (`registry`). With a [`SharedSessionStore`] (`store`; `redis` holds the
//! Redis one) the owners live in the store instead, so every replica checks
//! them, and the registry keeps only this replica's workers.

mod limits;
#[cfg(feature = "redis")]
mod redis;
pub(crate) mod registry;
mod store;

pub use limits::SessionLimits;
#[cfg(feature = "redis")]
pub use redis::{REDIS_URL_VAR, RedisSessionStore};
pub(crate) use registry::SessionRegistry;
pub(crate) use store::StoreBook;
pub use store::{
    ANONYMOUS_OWNER, OwnerCheck, SharedSessionStore, StoreError, StoreEvent, StoreFuture,
};

use std::sync::Arc;

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

/// Whose a session is: a principal's, or the anonymous callers' together.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Owner {
    Anonymous,
    Principal(Arc<Principal>),
}

impl Owner {
    pub(crate) fn of(caller: Option<&Identity>) -> Self {
        match caller {
            None => Owner::Anonymous,
            Some(identity) => Owner::Principal(Arc::new(Principal::of(identity))),
        }
    }
}
