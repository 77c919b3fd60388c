//! [`RedisSessionStore`]: sessions and their owners in Redis (feature `redis`).
//!
//! One hash per session, `<prefix>session:<id>`, with the fields `state`
//! (rmcp's `initialize` parameters, JSON) and `owner` (the owner key), and a
//! key TTL of the idle timeout, refreshed by every owner check. A `DELETE`
//! removes the hash and publishes the id on `<prefix>ended`, which every
//! replica hears (RESP3 push messages on a connection of its own) and uses
//! to drop the session's cached owner and its local worker.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, IntoConnectionInfo, ProtocolVersion, PushKind, Script, Value};
use rmcp::transport::streamable_http_server::session::{
    SessionState, SessionStore as RmcpSessionStore, SessionStoreError as RmcpStoreError,
};
use tokio::sync::OnceCell;

use super::store::{OwnerCheck, SharedSessionStore, StoreError, StoreEvent, StoreFuture};
use crate::config::ConfigError;

/// The variable [`RedisSessionStore::from_env`] reads.
pub const REDIS_URL_VAR: &str = "MCP_CLERK_REDIS_URL";

const CHECK: &str = r"
local owner = redis.call('HGET', KEYS[1], 'owner')
if not owner then return 0 end
if owner == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if owner == 'anonymous' then
  redis.call('HSET', KEYS[1], 'owner', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 2
end
return 3
";

const BIND: &str = r"
if redis.call('HEXISTS', KEYS[1], 'state') == 0 then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
";

/// Stateful sessions shared by replicas through Redis: any replica restores
/// a session another created, checks its owner in Redis (one round trip per
/// request, or none while the owner is cached: see
/// [`owner_cache`](Self::owner_cache)), and a `DELETE` on one replica ends
/// the session on all of them. Give it to
/// [`McpServer::session_store`](crate::McpServer::session_store).
///
/// Every Redis call is bounded by [`timeout`](Self::timeout) (default
/// 500 ms); when Redis is down or slow the gate answers `503` with
/// `Retry-After: 1` and never serves a session it could not check. The
/// connection is made on first use and re-made after a failure (redis-rs's
/// `ConnectionManager`).
///
/// ```
/// use mcp_clerk::{McpServer, RedisSessionStore, SessionMode};
///
/// let store = RedisSessionStore::new("redis://127.0.0.1:6379/")?;
/// let server = McpServer::new("notes", "1.0.0")
///     .session_mode(SessionMode::Stateful)
///     .session_store(store);
/// # let _ = server;
/// # Ok::<(), mcp_clerk::ConfigError>(())
/// ```
pub struct RedisSessionStore {
    shared: Arc<Inner>,
}

struct Inner {
    client: Client,
    /// The URL without credentials, for `Debug`.
    shown: String,
    prefix: String,
    timeout: Duration,
    owner_cache: Duration,
    ttl_ms: AtomicU64,
    commands: OnceCell<ConnectionManager>,
    events: OnceLock<()>,
    check: Script,
    bind: Script,
}

impl std::fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSessionStore")
            .field("url", &self.shared.shown)
            .field("prefix", &self.shared.prefix)
            .field("timeout", &self.shared.timeout)
            .field("owner_cache", &self.shared.owner_cache)
            .finish()
    }
}

fn unavailable(e: &redis::RedisError) -> StoreError {
    // redis-rs errors name the command and the server's message, never the
    // URL or the password.
    StoreError::Unavailable(format!("redis: {}", e.kind_name()))
}

trait KindName {
    fn kind_name(&self) -> String;
}

impl KindName for redis::RedisError {
    fn kind_name(&self) -> String {
        if self.is_timeout() {
            "timeout".to_owned()
        } else if self.is_connection_refusal() {
            "connection refused".to_owned()
        } else if self.is_connection_dropped() || self.is_io_error() {
            "connection lost".to_owned()
        } else {
            format!("{:?}", self.kind())
        }
    }
}

impl RedisSessionStore {
    /// A store on the Redis server at `url` (`redis://[user:password@]host[:port][/db]`,
    /// or `rediss://` with TLS support compiled into redis-rs). Nothing is
    /// connected until first use.
    pub fn new(url: &str) -> Result<Self, ConfigError> {
        let bad = |problem: String| {
            ConfigError::invalid(
                REDIS_URL_VAR,
                problem,
                "give a Redis URL such as redis://127.0.0.1:6379/",
            )
        };
        let parsed = url::Url::parse(url).map_err(|e| bad(format!("not a URL ({e})")))?;
        let shown = format!(
            "{}://{}{}{}",
            parsed.scheme(),
            parsed.host_str().unwrap_or(""),
            parsed.port().map(|p| format!(":{p}")).unwrap_or_default(),
            parsed.path()
        );
        let info = url
            .into_connection_info()
            .map_err(|e| bad(format!("not a Redis URL ({:?})", e.kind())))?;
        let redis = info
            .redis_settings()
            .clone()
            .set_protocol(ProtocolVersion::RESP3);
        let client = Client::open(info.set_redis_settings(redis))
            .map_err(|e| bad(format!("not usable ({:?})", e.kind())))?;
        Ok(Self {
            shared: Arc::new(Inner {
                client,
                shown,
                prefix: "mcp-clerk:".to_owned(),
                timeout: Duration::from_millis(500),
                owner_cache: Duration::from_secs(1),
                ttl_ms: AtomicU64::new(300_000),
                commands: OnceCell::new(),
                events: OnceLock::new(),
                check: Script::new(CHECK),
                bind: Script::new(BIND),
            }),
        })
    }

    /// The store named by `MCP_CLERK_REDIS_URL`, or `None` when it is unset.
    ///
    /// ```
    /// use mcp_clerk::RedisSessionStore;
    ///
    /// let store = RedisSessionStore::from_env_with(|var| {
    ///     (var == "MCP_CLERK_REDIS_URL").then(|| "redis://127.0.0.1:6379/".to_owned())
    /// })?;
    /// assert!(store.is_some());
    /// assert!(RedisSessionStore::from_env_with(|_| None)?.is_none());
    /// # Ok::<(), mcp_clerk::ConfigError>(())
    /// ```
    pub fn from_env() -> Result<Option<Self>, ConfigError> {
        Self::from_env_with(|var| std::env::var(var).ok())
    }

    /// [`from_env`](Self::from_env) with your own variable lookup.
    pub fn from_env_with(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ConfigError> {
        lookup(REDIS_URL_VAR)
            .filter(|v| !v.trim().is_empty())
            .map(|v| Self::new(v.trim()))
            .transpose()
    }

    fn inner_mut(&mut self) -> &mut Inner {
        Arc::get_mut(&mut self.shared).expect("configured before it is shared")
    }

    /// The prefix of every key and channel (default `mcp-clerk:`), for
    /// servers sharing one Redis database.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.inner_mut().prefix = prefix.into();
        self
    }

    /// The longest any Redis call may take, connecting included (default
    /// 500 ms); beyond it the request gets 503.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.inner_mut().timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long a replica trusts an owner Redis confirmed (default 1 s;
    /// `Duration::ZERO` asks Redis on every request). The cache is used only
    /// while this replica hears ended sessions, and an ended session is
    /// dropped from it when the report arrives, so a `DELETE` elsewhere
    /// takes effect at once; the lifetime bounds how long an owner
    /// outlives a report lost in a dropped connection, and how late the
    /// expiry is refreshed.
    pub fn owner_cache(mut self, lifetime: Duration) -> Self {
        self.inner_mut().owner_cache = lifetime;
        self
    }

    /// The owner cache's lifetime.
    pub fn owner_cache_value(&self) -> Duration {
        self.shared.owner_cache
    }

    /// The timeout of each call.
    pub fn timeout_value(&self) -> Duration {
        self.shared.timeout
    }
}

impl Inner {
    fn key(&self, id: &str) -> String {
        format!("{}session:{id}", self.prefix)
    }

    fn channel(&self) -> String {
        format!("{}ended", self.prefix)
    }

    fn ttl_ms(&self) -> u64 {
        self.ttl_ms.load(Ordering::Relaxed).max(1)
    }

    fn config(&self) -> ConnectionManagerConfig {
        ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(1))
    }

    async fn conn(&self) -> Result<ConnectionManager, StoreError> {
        let conn = tokio::time::timeout(
            self.timeout,
            self.commands.get_or_try_init(|| async {
                self.client
                    .get_connection_manager_with_config(self.config())
                    .await
            }),
        )
        .await
        .map_err(|_| StoreError::Timeout(self.timeout))?
        .map_err(|e| unavailable(&e))?;
        Ok(conn.clone())
    }

    async fn state(&self, id: &str) -> Result<Option<SessionState>, StoreError> {
        let mut conn = self.conn().await?;
        let json: Option<String> = redis::cmd("HGET")
            .arg(self.key(id))
            .arg("state")
            .query_async(&mut conn)
            .await
            .map_err(|e| unavailable(&e))?;
        json.map(|j| {
            serde_json::from_str(&j)
                .map_err(|e| StoreError::Unavailable(format!("a stored session is not valid: {e}")))
        })
        .transpose()
    }

    async fn put_state(&self, id: &str, state: &SessionState) -> Result<(), StoreError> {
        let json = serde_json::to_string(state)
            .map_err(|e| StoreError::Unavailable(format!("cannot encode the session: {e}")))?;
        let mut conn = self.conn().await?;
        let key = self.key(id);
        redis::pipe()
            .atomic()
            .cmd("HSET")
            .arg(&key)
            .arg("state")
            .arg(json)
            .ignore()
            .cmd("PEXPIRE")
            .arg(&key)
            .arg(self.ttl_ms())
            .ignore()
            .query_async::<()>(&mut conn)
            .await
            .map_err(|e| unavailable(&e))
    }

    async fn end(&self, id: &str) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        redis::pipe()
            .atomic()
            .cmd("DEL")
            .arg(self.key(id))
            .ignore()
            .cmd("PUBLISH")
            .arg(self.channel())
            .arg(id)
            .ignore()
            .query_async::<()>(&mut conn)
            .await
            .map_err(|e| unavailable(&e))
    }

    async fn check(&self, id: &str, caller: &str) -> Result<OwnerCheck, StoreError> {
        let mut conn = self.conn().await?;
        let answer: i64 = self
            .check
            .key(self.key(id))
            .arg(caller)
            .arg(self.ttl_ms())
            .invoke_async(&mut conn)
            .await
            .map_err(|e| unavailable(&e))?;
        Ok(match answer {
            1 => OwnerCheck::Owned,
            2 => OwnerCheck::Claimed,
            3 => OwnerCheck::Another,
            _ => OwnerCheck::Unknown,
        })
    }

    async fn bind(&self, id: &str, owner: &str) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        let bound: i64 = self
            .bind
            .key(self.key(id))
            .arg(owner)
            .arg(self.ttl_ms())
            .invoke_async(&mut conn)
            .await
            .map_err(|e| unavailable(&e))?;
        if bound == 1 {
            Ok(())
        } else {
            Err(StoreError::Unavailable(
                "the session's state was not stored".to_owned(),
            ))
        }
    }

    async fn keep_alive(&self, ids: &[String]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn().await?;
        let mut pipe = redis::pipe();
        for id in ids {
            pipe.cmd("PEXPIRE")
                .arg(self.key(id))
                .arg(self.ttl_ms())
                .ignore();
        }
        pipe.query_async::<()>(&mut conn)
            .await
            .map_err(|e| unavailable(&e))
    }
}

/// Subscribes to ended sessions on a connection of its own and reports them;
/// re-subscribes after the connection drops (reporting `Lost`, then `Live`).
async fn listen(inner: Arc<Inner>, on_event: Arc<dyn Fn(StoreEvent) + Send + Sync>) {
    let channel = inner.channel();
    let mut backoff = Duration::from_millis(50);
    loop {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let config = inner.config().set_number_of_retries(0).set_push_sender(tx);
        let subscribed = async {
            let mut conn = inner
                .client
                .get_connection_manager_with_config(config)
                .await?;
            conn.subscribe(&channel).await?;
            Ok::<_, redis::RedisError>(conn)
        };
        match tokio::time::timeout(inner.timeout, subscribed).await {
            Ok(Ok(conn)) => {
                backoff = Duration::from_millis(50);
                while let Some(push) = rx.recv().await {
                    match push.kind {
                        PushKind::Subscribe => on_event(StoreEvent::Live),
                        PushKind::Message => {
                            if let Some(Value::BulkString(id)) = push.data.get(1)
                                && let Ok(id) = std::str::from_utf8(id)
                            {
                                on_event(StoreEvent::Ended(id.to_owned()));
                            }
                        }
                        PushKind::Disconnection => break,
                        _ => {}
                    }
                }
                drop(conn);
                on_event(StoreEvent::Lost);
            }
            Ok(Err(e)) => {
                tracing::debug!(error = %unavailable(&e), "subscribing to ended sessions");
            }
            Err(_) => tracing::debug!("subscribing to ended sessions timed out"),
        }
        if Arc::strong_count(&inner) == 1 {
            return; // the store is gone
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
}

fn rmcp_error(e: StoreError) -> RmcpStoreError {
    Box::new(e)
}

type RmcpFuture<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, RmcpStoreError>> + Send + 'a>>;

impl RmcpSessionStore for RedisSessionStore {
    fn load<'a, 'b, 'c>(&'a self, session_id: &'b str) -> RmcpFuture<'c, Option<SessionState>>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        Box::pin(async move {
            tokio::time::timeout(self.shared.timeout, self.shared.state(session_id))
                .await
                .map_err(|_| rmcp_error(StoreError::Timeout(self.shared.timeout)))?
                .map_err(rmcp_error)
        })
    }

    fn store<'a, 'b, 'd, 'c>(
        &'a self,
        session_id: &'b str,
        state: &'d SessionState,
    ) -> RmcpFuture<'c, ()>
    where
        'a: 'c,
        'b: 'c,
        'd: 'c,
        Self: 'c,
    {
        Box::pin(async move {
            tokio::time::timeout(
                self.shared.timeout,
                self.shared.put_state(session_id, state),
            )
            .await
            .map_err(|_| rmcp_error(StoreError::Timeout(self.shared.timeout)))?
            .map_err(rmcp_error)
        })
    }

    fn delete<'a, 'b, 'c>(&'a self, session_id: &'b str) -> RmcpFuture<'c, ()>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        Box::pin(async move {
            tokio::time::timeout(self.shared.timeout, self.shared.end(session_id))
                .await
                .map_err(|_| rmcp_error(StoreError::Timeout(self.shared.timeout)))?
                .map_err(rmcp_error)
        })
    }
}

impl SharedSessionStore for RedisSessionStore {
    fn expire_after(&self, idle: Duration) {
        let ms = u64::try_from(idle.as_millis()).unwrap_or(u64::MAX).max(1);
        self.shared.ttl_ms.store(ms, Ordering::Relaxed);
    }

    fn bind<'a>(&'a self, id: &'a str, owner: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(self.shared.bind(id, owner))
    }

    fn check<'a>(&'a self, id: &'a str, caller: &'a str) -> StoreFuture<'a, OwnerCheck> {
        Box::pin(self.shared.check(id, caller))
    }

    fn end<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(self.shared.end(id))
    }

    fn keep_alive<'a>(&'a self, ids: &'a [String]) -> StoreFuture<'a, ()> {
        Box::pin(self.shared.keep_alive(ids))
    }

    fn call_timeout(&self) -> Duration {
        self.shared.timeout
    }

    fn owner_cache_lifetime(&self) -> Duration {
        self.shared.owner_cache
    }

    fn watch(&self, on_event: Arc<dyn Fn(StoreEvent) + Send + Sync>) {
        if self.shared.owner_cache.is_zero() || self.shared.events.set(()).is_err() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(listen(Arc::clone(&self.shared), on_event));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_never_shown_with_their_password() {
        let store = RedisSessionStore::new("redis://user:s3cret@127.0.0.1:6390/2").unwrap();
        let shown = format!("{store:?}");
        assert!(shown.contains("127.0.0.1:6390/2"), "{shown}");
        assert!(!shown.contains("s3cret"), "{shown}");
        for bad in ["", "not a url", "http://127.0.0.1/"] {
            let e = RedisSessionStore::new(bad).unwrap_err();
            assert_eq!(e.variable(), Some(REDIS_URL_VAR), "{bad}");
        }
    }
}
