//! Sessions shared by replicas: [`SharedSessionStore`] (rmcp's
//! `SessionStore`, which restores a session on any replica, plus the owner of
//! each session) and the gate's view of it, [`StoreBook`]: a bounded timeout
//! on every call and a brief, bounded cache of confirmed owners that is used
//! only while the store reports ended sessions.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use aws_lc_rs::digest;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use rmcp::transport::streamable_http_server::session::SessionStore as RmcpSessionStore;

use super::Owner;

/// What a [`SharedSessionStore`] call returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// The owner key of sessions created anonymously (see [`SharedSessionStore`]).
pub const ANONYMOUS_OWNER: &str = "anonymous";

/// Why the session store could not answer. The gate answers
/// `503 Service Unavailable` with `Retry-After` and a JSON-RPC error whose
/// `data.reason` is [`reason`](Self::reason); a session is never handed out
/// unchecked.
///
/// ```
/// use std::time::Duration;
/// use mcp_clerk::StoreError;
///
/// let e = StoreError::Timeout(Duration::from_millis(500));
/// assert_eq!(e.reason(), "session_store_timeout");
/// assert!(e.to_string().contains("500ms"));
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store did not answer in time.
    #[error("the session store did not answer within {0:?}")]
    Timeout(Duration),
    /// The store refused the call or cannot be reached (the message never
    /// contains credentials).
    #[error("the session store is unavailable: {0}")]
    Unavailable(String),
}

impl StoreError {
    /// The reason code sent to clients.
    pub fn reason(&self) -> &'static str {
        match self {
            StoreError::Timeout(_) => "session_store_timeout",
            StoreError::Unavailable(_) => "session_store_unavailable",
        }
    }
}

impl IntoResponse for StoreError {
    /// 503 with `Retry-After: 1` and a JSON-RPC error.
    fn into_response(self) -> Response {
        tracing::warn!(reason = self.reason(), error = %self, "session store unavailable");
        let body = serde_json::json!({
            "jsonrpc": "2.0",
            "id": null,
            "error": {
                "code": -32000,
                "message": "the session store is unavailable; retry later",
                "data": { "reason": self.reason() },
            },
        });
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, HeaderValue::from_static("1"))],
            axum::Json(body),
        )
            .into_response()
    }
}

/// What the store says about a caller presenting a session id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerCheck {
    /// No such session (never created, expired or ended).
    Unknown,
    /// The caller owns it (its expiry was refreshed).
    Owned,
    /// It was anonymous and is now the caller's (its expiry was refreshed).
    Claimed,
    /// Someone else's.
    Another,
}

/// What a store reports to the replicas (see [`SharedSessionStore::watch`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreEvent {
    /// The report stream is up: ended sessions will be reported.
    Live,
    /// The report stream is down: ended sessions may go unreported.
    Lost,
    /// The session was ended (a `DELETE` on some replica).
    Ended(String),
}

/// A session store shared by replicas: rmcp's `SessionStore` (the
/// `initialize` parameters rmcp replays to restore a session on a replica
/// that has not seen it) plus the session's *owner*, so the gate on every
/// replica refuses the session to anyone else.
///
/// Owners are opaque keys: [`ANONYMOUS_OWNER`] for a session created
/// anonymously (the first signed-in caller claims it), else a digest of the
/// principal (issuer, subject, OAuth client id). Every entry expires after
/// the idle timeout the server gives [`expire_after`](Self::expire_after),
/// and each successful [`check`](Self::check) refreshes it.
///
/// [`RedisSessionStore`](crate::RedisSessionStore) (feature `redis`) is the
/// implementation; a plain rmcp `SessionStore` is not enough, because a
/// replica could not tell whose a restored session is.
pub trait SharedSessionStore: RmcpSessionStore {
    /// How long an unused session lives (set by the server from
    /// [`SessionLimits`](crate::SessionLimits)).
    fn expire_after(&self, idle: Duration);

    /// Records `owner` for session `id`, which rmcp has just stored. Fails
    /// when the session's state is not in the store.
    fn bind<'a>(&'a self, id: &'a str, owner: &'a str) -> StoreFuture<'a, ()>;

    /// In one round trip: whether `caller` owns `id`; claims an anonymous
    /// session for a signed-in caller; refreshes the expiry of an owned one.
    fn check<'a>(&'a self, id: &'a str, caller: &'a str) -> StoreFuture<'a, OwnerCheck>;

    /// Ends `id` on every replica: removes it and reports
    /// [`StoreEvent::Ended`].
    fn end<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()>;

    /// Refreshes the expiry of sessions busy on this replica (an open stream
    /// or a long call sends no new requests).
    fn keep_alive<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, ()>;

    /// The longest the gate waits for any call (default 500 ms).
    fn call_timeout(&self) -> Duration {
        Duration::from_millis(500)
    }

    /// How long the gate may trust an owner this store confirmed, while
    /// [`watch`](Self::watch) reports ended sessions (default zero: never).
    fn owner_cache_lifetime(&self) -> Duration {
        Duration::ZERO
    }

    /// Starts reporting events to `on_event` (called once, inside a Tokio
    /// runtime). The default reports nothing, so the gate never caches.
    fn watch(&self, on_event: Arc<dyn Fn(StoreEvent) + Send + Sync>) {
        let _ = on_event;
    }
}

impl Owner {
    /// This owner's key in a shared store.
    pub(crate) fn store_key(&self) -> Arc<str> {
        match self {
            Owner::Anonymous => Arc::from(ANONYMOUS_OWNER),
            Owner::Principal(p) => {
                let mut ctx = digest::Context::new(&digest::SHA256);
                for part in [
                    p.issuer.as_str(),
                    p.subject.as_str(),
                    p.client_id.as_deref().unwrap_or(""),
                ] {
                    ctx.update(&(part.len() as u64).to_be_bytes());
                    ctx.update(part.as_bytes());
                }
                let hex: String = ctx
                    .finish()
                    .as_ref()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                Arc::from(format!("p:{hex}"))
            }
        }
    }
}

/// The gate's view of a shared store.
pub(crate) struct StoreBook {
    store: Arc<dyn SharedSessionStore>,
    timeout: Duration,
    /// Session id → owner key, for ids the store confirmed a moment ago.
    cache: moka::sync::Cache<Arc<str>, Arc<str>>,
    /// Whether ended sessions are being reported (else the cache is unused).
    live: AtomicBool,
    /// Bumped on every ended session or lost report stream: a check that
    /// started before must not fill the cache.
    generation: AtomicU64,
}

impl std::fmt::Debug for StoreBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreBook")
            .field("timeout", &self.timeout)
            .field("live", &self.live.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl StoreBook {
    pub(crate) fn new(
        store: Arc<dyn SharedSessionStore>,
        timeout: Duration,
        cache_for: Duration,
        capacity: u64,
    ) -> Self {
        Self {
            store,
            timeout,
            cache: moka::sync::Cache::builder()
                .max_capacity(capacity)
                .time_to_live(cache_for.max(Duration::from_millis(1)))
                .build(),
            live: AtomicBool::new(false),
            generation: AtomicU64::new(0),
        }
    }

    async fn bounded<T>(&self, call: StoreFuture<'_, T>) -> Result<T, StoreError> {
        tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| StoreError::Timeout(self.timeout))?
    }

    /// Whether `caller` owns `id`: from the cache while it is trustworthy,
    /// else one round trip.
    pub(crate) async fn check(&self, id: &str, caller: &Owner) -> Result<OwnerCheck, StoreError> {
        let key = caller.store_key();
        let live = self.live.load(Ordering::Acquire);
        if live && self.cache.get(id).is_some_and(|owner| owner == key) {
            return Ok(OwnerCheck::Owned);
        }
        let generation = self.generation.load(Ordering::Acquire);
        let answer = self.bounded(self.store.check(id, &key)).await?;
        match answer {
            // An anonymous owner may be claimed on another replica at any
            // moment: only a principal's binding, which never changes, is cached.
            OwnerCheck::Owned | OwnerCheck::Claimed => {
                if live
                    && *key != *ANONYMOUS_OWNER
                    && self.live.load(Ordering::Acquire)
                    && self.generation.load(Ordering::Acquire) == generation
                {
                    self.cache.insert(Arc::from(id), key);
                }
            }
            OwnerCheck::Unknown => self.cache.invalidate(id),
            OwnerCheck::Another => {}
        }
        Ok(answer)
    }

    pub(crate) async fn bind(&self, id: &str, owner: &Owner) -> Result<(), StoreError> {
        self.bounded(self.store.bind(id, &owner.store_key())).await
    }

    pub(crate) async fn end(&self, id: &str) -> Result<(), StoreError> {
        self.forget(id);
        self.bounded(self.store.end(id)).await
    }

    pub(crate) async fn keep_alive(&self, ids: &[String]) -> Result<(), StoreError> {
        self.bounded(self.store.keep_alive(ids)).await
    }

    /// Drops a cached owner (the session ended).
    pub(crate) fn forget(&self, id: &str) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.cache.invalidate(id);
    }

    /// Takes a report from the store.
    pub(crate) fn on_event(&self, event: &StoreEvent) {
        match event {
            StoreEvent::Live => self.live.store(true, Ordering::Release),
            StoreEvent::Lost => {
                self.live.store(false, Ordering::Release);
                self.generation.fetch_add(1, Ordering::AcqRel);
                self.cache.invalidate_all();
            }
            StoreEvent::Ended(id) => self.forget(id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{ClerkUser, Identity};

    #[test]
    fn owner_keys_are_digests_that_differ_per_principal() {
        let a = Owner::of(Some(&Identity::new(
            ClerkUser::example("user_a", &[]),
            None,
        )));
        let b = Owner::of(Some(&Identity::new(
            ClerkUser::example("user_b", &[]),
            None,
        )));
        let (ka, kb) = (a.store_key(), b.store_key());
        assert!(ka.starts_with("p:") && ka.len() == 66, "{ka}");
        assert_ne!(ka, kb);
        assert_eq!(ka, a.store_key());
        assert!(!ka.contains("user_a"));
        assert_eq!(&*Owner::Anonymous.store_key(), ANONYMOUS_OWNER);
    }
}
