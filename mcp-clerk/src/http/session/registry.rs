//! The live stateful sessions: who owns each, when it was last used, whether
//! a request is in flight on it, and the caps of [`SessionLimits`].
//!
//! The registry is authoritative: rmcp's own keep-alive is set longer than
//! the idle timeout, and every session the registry drops (evicted, idle,
//! deleted) is closed in rmcp's session manager too, so rmcp never holds a
//! session the gate no longer accounts for.
//!
//! With a shared store ([`StoreBook`]) the store owns the bindings and the
//! sessions' lifetimes; the registry then keeps this replica's workers
//! (adopting a session another replica created when its owner uses it here)
//! with the same caps and leases, and keeps the busy ones alive in the store.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use rmcp::transport::streamable_http_server::SessionManager;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use serde_json::json;
use tokio::time::Instant;

use super::{Owner, SessionLimits, StoreBook};
use crate::identity::Identity;

/// Why a new session was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionRefusal {
    /// The caller is at its own cap and every one of its sessions is busy.
    CallerFull { retry_after: Duration },
    /// The server is at its global cap and no anonymous session is idle.
    ServerFull { retry_after: Duration },
}

impl SessionRefusal {
    fn status_and_message(self) -> (StatusCode, Duration, &'static str) {
        match self {
            SessionRefusal::CallerFull { retry_after } => (
                StatusCode::TOO_MANY_REQUESTS,
                retry_after,
                "too many sessions for this caller, each with a request in flight; \
                 retry later or end a session with DELETE",
            ),
            SessionRefusal::ServerFull { retry_after } => (
                StatusCode::SERVICE_UNAVAILABLE,
                retry_after,
                "the server holds as many sessions as it may; retry later",
            ),
        }
    }
}

impl IntoResponse for SessionRefusal {
    /// 429 or 503 with `Retry-After` and a JSON-RPC error whose
    /// `data.reason` is `too_many_sessions`.
    fn into_response(self) -> Response {
        let (status, retry_after, message) = self.status_and_message();
        let body = json!({
            "jsonrpc": "2.0",
            "id": null,
            "error": {
                "code": -32000,
                "message": message,
                "data": { "reason": "too_many_sessions" },
            },
        });
        let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        (
            status,
            [(header::RETRY_AFTER, HeaderValue::from(secs.max(1)))],
            axum::Json(body),
        )
            .into_response()
    }
}

/// The live sessions. Cheap to clone (one `Arc`).
#[derive(Clone)]
pub(crate) struct SessionRegistry {
    shared: Arc<Shared>,
}

struct Shared {
    limits: SessionLimits,
    /// Anonymous callers share this cap (the global cap without a verifier).
    anonymous_cap: usize,
    table: Mutex<Table>,
    /// rmcp's session manager, where dropped sessions are closed.
    rmcp: Option<Arc<LocalSessionManager>>,
    /// The shared store, when replicas share sessions.
    store: Option<Arc<StoreBook>>,
    sweeper: AtomicBool,
}

impl std::fmt::Debug for SessionRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRegistry")
            .field("limits", &self.shared.limits)
            .field("sessions", &self.len())
            .finish()
    }
}

/// See [`SessionRegistry::downgrade`].
pub(crate) struct WeakRegistry(Weak<Shared>);

impl WeakRegistry {
    pub(crate) fn upgrade(&self) -> Option<SessionRegistry> {
        self.0.upgrade().map(|shared| SessionRegistry { shared })
    }
}

/// A place for one new session, taken before `initialize` reaches rmcp so
/// that concurrent `initialize`s cannot overshoot a cap. Dropped unbound (no
/// session was created), it frees the place.
pub(crate) struct Reservation {
    shared: Arc<Shared>,
    owner: Option<Owner>,
}

/// A request in flight on a session: the session is not idle until it drops.
pub(crate) struct Lease {
    shared: Arc<Shared>,
    id: Arc<str>,
}

#[derive(Default)]
struct Table {
    sessions: HashMap<Arc<str>, Entry>,
    /// Every session by last use (tick), oldest first.
    by_use: BTreeMap<u64, Arc<str>>,
    /// Each owner's sessions by last use.
    by_owner: HashMap<Owner, BTreeMap<u64, Arc<str>>>,
    /// Places reserved by `initialize`s in flight, per owner and in all.
    pending: HashMap<Owner, usize>,
    pending_total: usize,
    tick: u64,
}

struct Entry {
    owner: Owner,
    tick: u64,
    last_used: Instant,
    leases: u32,
}

impl SessionRegistry {
    /// `rmcp` is the session manager whose sessions this registry accounts
    /// for; `anonymous_only` says every caller is anonymous (no verifier),
    /// so anonymous callers get the global cap.
    pub(crate) fn new(
        limits: SessionLimits,
        rmcp: Option<Arc<LocalSessionManager>>,
        anonymous_only: bool,
    ) -> Self {
        let anonymous_cap = if anonymous_only {
            limits.max_sessions_value()
        } else {
            limits.anonymous_value()
        };
        Self {
            shared: Arc::new(Shared {
                limits,
                anonymous_cap,
                table: Mutex::new(Table::default()),
                rmcp,
                store: None,
                sweeper: AtomicBool::new(false),
            }),
        }
    }

    /// The registry of a replica that shares its sessions through `store`.
    pub(crate) fn with_store(self, store: Arc<StoreBook>) -> Self {
        let mut shared = Arc::into_inner(self.shared).expect("not shared yet");
        shared.store = Some(store);
        Self {
            shared: Arc::new(shared),
        }
    }

    /// A handle that does not keep the registry alive.
    pub(crate) fn downgrade(&self) -> WeakRegistry {
        WeakRegistry(Arc::downgrade(&self.shared))
    }

    /// The shared store, if any.
    pub(crate) fn store(&self) -> Option<&Arc<StoreBook>> {
        self.shared.store.as_ref()
    }

    /// Leases session `id` for `caller`, whom the shared store has just
    /// confirmed as its owner: the local entry if there is one, else a new
    /// one (rmcp restores the worker from the store), within the caps.
    pub(crate) fn adopt(&self, id: &str, caller: Owner) -> Result<Lease, SessionRefusal> {
        self.start_sweeper();
        let shared = &self.shared;
        let now = Instant::now();
        let mut evicted = Vec::new();
        let lease = {
            let mut t = shared.lock();
            if let Some((key, entry)) = t.sessions.get_key_value(id) {
                let key = Arc::clone(key);
                if entry.owner != caller {
                    t.reown(&key, caller.clone());
                }
                t.lease(&key, now)
            } else {
                if t.count(&caller) >= shared.cap_for(&caller) {
                    match t.oldest_idle(&caller) {
                        Some(old) => evicted.push(t.remove(&old)),
                        None => {
                            return Err(SessionRefusal::CallerFull {
                                retry_after: Duration::from_secs(1),
                            });
                        }
                    }
                }
                if t.total() >= shared.limits.max_sessions_value() {
                    match t.oldest_idle(&Owner::Anonymous) {
                        Some(old) => evicted.push(t.remove(&old)),
                        None => {
                            return Err(SessionRefusal::ServerFull {
                                retry_after: t.next_expiry(now, shared.limits.idle_timeout_value()),
                            });
                        }
                    }
                }
                let key: Arc<str> = Arc::from(id);
                t.insert(Arc::clone(&key), caller, now);
                t.lease(&key, now)
            }
        };
        shared.close(evicted.into_iter().flatten());
        Ok(Lease {
            shared: Arc::clone(shared),
            id: lease,
        })
    }

    /// Ends session `id` on this replica: forgets it and closes its worker
    /// (it ended elsewhere, or the store no longer knows it).
    pub(crate) fn end_local(&self, id: &str) {
        let closed = {
            let mut t = self.shared.lock();
            match t.sessions.get_key_value(id) {
                Some((key, _)) => {
                    let key = Arc::clone(key);
                    t.remove(&key)
                }
                None => Some(Arc::from(id)),
            }
        };
        self.shared.close(closed);
    }

    /// How many sessions are live.
    pub(crate) fn len(&self) -> usize {
        self.shared.lock().sessions.len()
    }

    /// Reserves a place for a session `caller` is about to create, evicting
    /// the caller's (or an anonymous) least recently used idle session when a
    /// cap is reached.
    pub(crate) fn admit(&self, caller: Option<&Identity>) -> Result<Reservation, SessionRefusal> {
        self.start_sweeper();
        let shared = &self.shared;
        let owner = Owner::of(caller);
        let now = Instant::now();
        let mut evicted = Vec::new();
        {
            let mut t = shared.lock();
            if t.count(&owner) >= shared.cap_for(&owner) {
                match t.oldest_idle(&owner) {
                    Some(id) => evicted.push(t.remove(&id)),
                    None => {
                        return Err(SessionRefusal::CallerFull {
                            retry_after: Duration::from_secs(1),
                        });
                    }
                }
            }
            if t.total() >= shared.limits.max_sessions_value() {
                match t.oldest_idle(&Owner::Anonymous) {
                    Some(id) => evicted.push(t.remove(&id)),
                    None => {
                        return Err(SessionRefusal::ServerFull {
                            retry_after: t.next_expiry(now, shared.limits.idle_timeout_value()),
                        });
                    }
                }
            }
            *t.pending.entry(owner.clone()).or_default() += 1;
            t.pending_total += 1;
        }
        shared.close(evicted.into_iter().flatten());
        Ok(Reservation {
            shared: Arc::clone(shared),
            owner: Some(owner),
        })
    }

    /// Checks that `caller` may use session `id`: `None` when the session is
    /// unknown, expired or someone else's. An anonymous session is claimed
    /// by the first signed-in caller that uses it.
    pub(crate) fn check(&self, id: &str, caller: Option<&Identity>) -> Option<Lease> {
        let shared = &self.shared;
        let now = Instant::now();
        let caller = Owner::of(caller);
        let mut closed = None;
        let lease = {
            let mut t = shared.lock();
            let (key, entry) = t.sessions.get_key_value(id)?;
            let key = Arc::clone(key);
            let idle_for = now.saturating_duration_since(entry.last_used);
            if entry.leases == 0 && idle_for >= shared.limits.idle_timeout_value() {
                closed = t.remove(&key);
                None
            } else if entry.owner == caller {
                Some(t.lease(&key, now))
            } else if entry.owner == Owner::Anonymous {
                t.reown(&key, caller.clone());
                // Leased first, so it is not the one evicted.
                let lease = t.lease(&key, now);
                if t.count(&caller) > shared.cap_for(&caller) {
                    closed = t.oldest_idle(&caller).and_then(|old| t.remove(&old));
                }
                Some(lease)
            } else {
                None
            }
        };
        shared.close(closed);
        lease.map(|id| Lease {
            shared: Arc::clone(shared),
            id,
        })
    }

    /// Forgets a session rmcp has closed (after a successful `DELETE`).
    pub(crate) fn forget(&self, id: &str) {
        let mut t = self.shared.lock();
        if let Some((key, _)) = t.sessions.get_key_value(id) {
            let key = Arc::clone(key);
            t.remove(&key);
        }
    }

    /// Closes the sessions idle longer than the timeout; returns how many.
    #[cfg(test)]
    pub(crate) fn sweep(&self) -> usize {
        self.shared.sweep(Instant::now())
    }

    /// Sweeps in the background, about four times per idle timeout, for as
    /// long as the registry lives (started on first use, inside a runtime).
    fn start_sweeper(&self) {
        if self.shared.sweeper.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.shared.sweeper.store(false, Ordering::Release);
            return;
        };
        let every = (self.shared.limits.idle_timeout_value() / 4)
            .clamp(Duration::from_millis(50), Duration::from_secs(30));
        let weak: Weak<Shared> = Arc::downgrade(&self.shared);
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(shared) = weak.upgrade() else { break };
                shared.sweep(Instant::now());
                shared.keep_busy_alive().await;
            }
        });
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn cap_for(&self, owner: &Owner) -> usize {
        match owner {
            Owner::Anonymous => self.anonymous_cap,
            Owner::Principal(_) => self.limits.per_principal_value(),
        }
    }

    fn sweep(&self, now: Instant) -> usize {
        let idle = self.limits.idle_timeout_value();
        let expired: Vec<Arc<str>> = {
            let mut t = self.lock();
            let ids: Vec<Arc<str>> = t
                .by_use
                .values()
                .map_while(|id| {
                    let e = &t.sessions[id];
                    (now.saturating_duration_since(e.last_used) >= idle).then_some((id, e.leases))
                })
                .filter(|(_, leases)| *leases == 0)
                .map(|(id, _)| Arc::clone(id))
                .collect();
            ids.into_iter().filter_map(|id| t.remove(&id)).collect()
        };
        let n = expired.len();
        if n > 0 {
            tracing::debug!(sessions = n, "closed idle sessions");
        }
        self.close(expired);
        n
    }

    /// Refreshes the store's expiry of the sessions with a request in flight.
    async fn keep_busy_alive(&self) {
        let Some(store) = &self.store else { return };
        let busy: Vec<String> = {
            let t = self.lock();
            t.sessions
                .iter()
                .filter(|(_, e)| e.leases > 0)
                .map(|(id, _)| id.to_string())
                .collect()
        };
        for chunk in busy.chunks(256) {
            if let Err(e) = store.keep_alive(chunk).await {
                tracing::debug!(error = %e, "refreshing busy sessions in the store");
                break;
            }
        }
    }

    /// Closes sessions in rmcp (in the background: closing waits on each
    /// session's worker).
    fn close(&self, ids: impl IntoIterator<Item = Arc<str>>) {
        let ids: Vec<Arc<str>> = ids.into_iter().collect();
        if ids.is_empty() {
            return;
        }
        let (Some(rmcp), Ok(runtime)) = (&self.rmcp, tokio::runtime::Handle::try_current()) else {
            return;
        };
        let rmcp = Arc::clone(rmcp);
        runtime.spawn(async move {
            for id in ids {
                if let Err(e) = rmcp.close_session(&id).await {
                    tracing::debug!(error = %e, "closing an evicted session");
                }
            }
        });
    }
}

impl Table {
    fn count(&self, owner: &Owner) -> usize {
        self.by_owner.get(owner).map_or(0, BTreeMap::len)
            + self.pending.get(owner).copied().unwrap_or(0)
    }

    fn total(&self) -> usize {
        self.sessions.len() + self.pending_total
    }

    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }

    /// The owner's least recently used session with no request in flight.
    fn oldest_idle(&self, owner: &Owner) -> Option<Arc<str>> {
        self.by_owner
            .get(owner)?
            .values()
            .find(|id| self.sessions[*id].leases == 0)
            .cloned()
    }

    /// How long until the least recently used idle session expires (≥ 1 s).
    fn next_expiry(&self, now: Instant, idle: Duration) -> Duration {
        let left = self
            .by_use
            .values()
            .map(|id| &self.sessions[id])
            .find(|e| e.leases == 0)
            .map_or(idle, |e| {
                idle.saturating_sub(now.saturating_duration_since(e.last_used))
            });
        left.max(Duration::from_secs(1))
    }

    fn insert(&mut self, id: Arc<str>, owner: Owner, now: Instant) {
        self.remove(&id);
        let tick = self.next_tick();
        self.by_use.insert(tick, Arc::clone(&id));
        self.by_owner
            .entry(owner.clone())
            .or_default()
            .insert(tick, Arc::clone(&id));
        self.sessions.insert(
            id,
            Entry {
                owner,
                tick,
                last_used: now,
                leases: 0,
            },
        );
    }

    fn remove(&mut self, id: &Arc<str>) -> Option<Arc<str>> {
        let (key, entry) = self.sessions.remove_entry(id)?;
        self.by_use.remove(&entry.tick);
        self.unlist(&entry.owner, entry.tick);
        Some(key)
    }

    fn unlist(&mut self, owner: &Owner, tick: u64) {
        if let Some(list) = self.by_owner.get_mut(owner) {
            list.remove(&tick);
            if list.is_empty() {
                self.by_owner.remove(owner);
            }
        }
    }

    /// Marks a session used now and moves it to the back of both orders.
    fn touch(&mut self, id: &Arc<str>, now: Instant) {
        let tick = self.next_tick();
        let Some(entry) = self.sessions.get_mut(id) else {
            return;
        };
        let (old, owner) = (entry.tick, entry.owner.clone());
        entry.tick = tick;
        entry.last_used = now;
        self.by_use.remove(&old);
        self.by_use.insert(tick, Arc::clone(id));
        self.unlist(&owner, old);
        self.by_owner
            .entry(owner)
            .or_default()
            .insert(tick, Arc::clone(id));
    }

    fn lease(&mut self, id: &Arc<str>, now: Instant) -> Arc<str> {
        self.touch(id, now);
        if let Some(e) = self.sessions.get_mut(id) {
            e.leases += 1;
        }
        Arc::clone(id)
    }

    /// Gives a session to another owner.
    fn reown(&mut self, id: &Arc<str>, owner: Owner) {
        let Some(entry) = self.sessions.get_mut(id) else {
            return;
        };
        let (old, tick) = (
            std::mem::replace(&mut entry.owner, owner.clone()),
            entry.tick,
        );
        self.unlist(&old, tick);
        self.by_owner
            .entry(owner)
            .or_default()
            .insert(tick, Arc::clone(id));
    }
}

impl Reservation {
    /// Records the session rmcp created in the reserved place.
    pub(crate) fn bind(mut self, id: &str) {
        let owner = self.owner.take().unwrap_or(Owner::Anonymous);
        let mut t = self.shared.lock();
        release(&mut t, &owner);
        t.insert(Arc::from(id), owner, Instant::now());
    }
}

fn release(t: &mut Table, owner: &Owner) {
    if let Some(n) = t.pending.get_mut(owner) {
        *n -= 1;
        if *n == 0 {
            t.pending.remove(owner);
        }
        t.pending_total -= 1;
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some(owner) = self.owner.take() {
            release(&mut self.shared.lock(), &owner);
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let mut t = self.shared.lock();
        if let Some(e) = t.sessions.get_mut(&self.id) {
            e.leases -= 1;
            t.touch(&self.id, Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::ClerkUser;

    fn user(sub: &str) -> Identity {
        Identity::new(ClerkUser::example(sub, &[]), None)
    }

    fn registry(limits: SessionLimits) -> SessionRegistry {
        SessionRegistry::new(limits, None, false)
    }

    fn open(r: &SessionRegistry, id: &str, caller: Option<&Identity>) {
        r.admit(caller).expect("admitted").bind(id);
    }

    #[test]
    fn sessions_belong_to_their_creator() {
        let r = registry(SessionLimits::default());
        let (a, b) = (user("user_a"), user("user_b"));
        open(&r, "s1", Some(&a));
        assert!(r.check("s1", Some(&a)).is_some());
        assert!(r.check("s1", Some(&b)).is_none());
        assert!(r.check("s1", None).is_none());
        assert!(r.check("unknown", Some(&a)).is_none());
        r.forget("s1");
        assert!(r.check("s1", Some(&a)).is_none());
        assert_eq!(r.len(), 0);
    }

    #[test]
    fn anonymous_sessions_are_claimed_once() {
        let r = registry(SessionLimits::default());
        let (a, b) = (user("user_a"), user("user_b"));
        open(&r, "s2", None);
        assert!(r.check("s2", None).is_some());
        assert!(r.check("s2", Some(&a)).is_some());
        assert!(r.check("s2", Some(&a)).is_some());
        assert!(r.check("s2", Some(&b)).is_none());
        assert!(r.check("s2", None).is_none());
    }

    #[test]
    fn a_principal_at_its_cap_loses_its_least_recently_used_session() {
        let r = registry(SessionLimits::default().per_principal(2));
        let (a, b) = (user("user_a"), user("user_b"));
        open(&r, "a1", Some(&a));
        open(&r, "a2", Some(&a));
        open(&r, "b1", Some(&b));
        drop(r.check("a1", Some(&a))); // a1 is now the most recent
        open(&r, "a3", Some(&a));
        assert!(r.check("a2", Some(&a)).is_none(), "a2 was evicted");
        assert!(r.check("a1", Some(&a)).is_some());
        assert!(r.check("a3", Some(&a)).is_some());
        assert!(r.check("b1", Some(&b)).is_some(), "others keep theirs");
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn busy_sessions_are_not_evicted() {
        let r = registry(SessionLimits::default().per_principal(1));
        let a = user("user_a");
        open(&r, "a1", Some(&a));
        let busy = r.check("a1", Some(&a)).expect("lease");
        assert!(matches!(
            r.admit(Some(&a)),
            Err(SessionRefusal::CallerFull { .. })
        ));
        drop(busy);
        open(&r, "a2", Some(&a));
        assert!(r.check("a1", Some(&a)).is_none());
    }

    #[test]
    fn reservations_count_until_bound_or_dropped() {
        let r = registry(SessionLimits::default().per_principal(1));
        let a = user("user_a");
        let first = r.admit(Some(&a)).expect("admitted");
        assert!(
            matches!(r.admit(Some(&a)), Err(SessionRefusal::CallerFull { .. })),
            "concurrent initializes cannot overshoot the cap"
        );
        drop(first);
        open(&r, "a1", Some(&a));
    }

    #[test]
    fn the_global_cap_evicts_anonymous_sessions_then_refuses() {
        let r = registry(SessionLimits::default().max_sessions(3).anonymous(3));
        let (a, b) = (user("user_a"), user("user_b"));
        open(&r, "anon1", None);
        open(&r, "anon2", None);
        open(&r, "a1", Some(&a));
        open(&r, "b1", Some(&b));
        assert!(r.check("anon1", None).is_none(), "oldest anonymous evicted");
        assert!(r.check("anon2", None).is_some());
        open(&r, "a2", Some(&a));
        assert!(r.check("anon2", None).is_none());
        match r.admit(Some(&b)) {
            Err(SessionRefusal::ServerFull { retry_after }) => {
                assert!(retry_after >= Duration::from_secs(1));
                assert!(retry_after <= Duration::from_secs(300));
            }
            other => panic!("expected ServerFull, got {:?}", other.err()),
        }
        assert!(matches!(
            r.admit(None),
            Err(SessionRefusal::ServerFull { .. })
        ));
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn anonymous_callers_share_one_cap_unless_everyone_is_anonymous() {
        let r = registry(SessionLimits::default().anonymous(2));
        for i in 0..10 {
            open(&r, &format!("anon{i}"), None);
        }
        assert_eq!(r.len(), 2);
        assert!(r.check("anon9", None).is_some());
        let open_server = SessionRegistry::new(
            SessionLimits::default().anonymous(2).max_sessions(5),
            None,
            true,
        );
        for i in 0..10 {
            open(&open_server, &format!("anon{i}"), None);
        }
        assert_eq!(open_server.len(), 5);
    }

    #[test]
    fn claiming_keeps_the_claimer_under_its_cap() {
        let r = registry(SessionLimits::default().per_principal(1));
        let a = user("user_a");
        open(&r, "a1", Some(&a));
        open(&r, "anon", None);
        assert!(r.check("anon", Some(&a)).is_some());
        assert!(r.check("a1", Some(&a)).is_none());
        assert_eq!(r.len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn idle_sessions_expire_unless_busy() {
        let r = registry(SessionLimits::default().idle_timeout(Duration::from_secs(10)));
        let a = user("user_a");
        open(&r, "idle", Some(&a));
        open(&r, "busy", Some(&a));
        let lease = r.check("busy", Some(&a)).expect("lease");
        tokio::time::advance(Duration::from_secs(11)).await;
        assert_eq!(r.sweep(), 1);
        assert!(r.check("idle", Some(&a)).is_none());
        drop(lease);
        assert!(r.check("busy", Some(&a)).is_some(), "used just now");
        tokio::time::advance(Duration::from_secs(11)).await;
        assert!(r.check("busy", Some(&a)).is_none(), "expired on use too");
        assert_eq!(r.len(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn the_sweeper_runs_by_itself() {
        let r = registry(SessionLimits::default().idle_timeout(Duration::from_secs(4)));
        open(&r, "s", None);
        tokio::time::sleep(Duration::from_secs(6)).await;
        assert_eq!(r.len(), 0);
    }
}
