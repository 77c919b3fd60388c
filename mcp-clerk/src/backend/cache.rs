//! A bounded per-id cache with a lifetime, single flight per key: concurrent
//! first reads of one id share one Backend API request. Failures are never
//! cached. A zero lifetime reads through on every call.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::error::BackendError;

/// Entries kept at most per cache.
pub(crate) const CAPACITY: u64 = 10_000;

pub(crate) struct TtlCache<V> {
    ttl: Duration,
    entries: Option<moka::future::Cache<String, V>>,
}

impl<V: Clone + Send + Sync + 'static> TtlCache<V> {
    pub(crate) fn new(ttl: Duration) -> Self {
        let entries = (!ttl.is_zero()).then(|| {
            moka::future::Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(ttl)
                .build()
        });
        Self { ttl, entries }
    }

    pub(crate) fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The cached value of `key`, else `fetch`'s (cached when it succeeds).
    pub(crate) async fn get_or_fetch<F>(&self, key: &str, fetch: F) -> Result<V, BackendError>
    where
        F: Future<Output = Result<V, BackendError>>,
    {
        match &self.entries {
            None => fetch.await,
            Some(entries) => entries
                .try_get_with(key.to_owned(), fetch)
                .await
                .map_err(|e: Arc<BackendError>| (*e).clone()),
        }
    }
}
