//! The verified-token cache: a repeat verification is a hash lookup.
//!
//! - Keyed on the **full token string** (not a digest), so two tokens can
//!   never share an entry, whatever the hash function does.
//! - Bounded (`moka`, TinyLFU admission and LRU eviction); capacity 0 disables it.
//! - An entry expires at the token's deadline (`exp` + clock skew, Clerk's
//!   semantics) or after the max TTL, whichever is first; a hit also rechecks
//!   the deadline, so an expired identity is never served even before moka
//!   evicts the entry.
//! - An entry is void when the key set it was verified under lost a key
//!   (rotation): the JWKS generation is part of the entry.
//! - Failures are not cached: a refused token costs a full verification each
//!   time, which keeps the cache free of attacker-chosen entries (only tokens
//!   with a valid signature from the issuer can ever be inserted).

use std::time::{Duration, Instant};

use moka::Expiry;

use crate::Identity;

#[derive(Clone)]
struct Entry {
    identity: Identity,
    /// Unix milliseconds from which the token counts as expired.
    deadline_ms: u128,
    generation: u64,
    ttl: Duration,
}

struct EntryExpiry;

impl Expiry<Box<str>, Entry> for EntryExpiry {
    fn expire_after_create(
        &self,
        _key: &Box<str>,
        value: &Entry,
        _now: Instant,
    ) -> Option<Duration> {
        Some(value.ttl)
    }
}

pub(crate) struct TokenCache {
    cache: Option<moka::sync::Cache<Box<str>, Entry>>,
    max_ttl: Duration,
}

impl TokenCache {
    pub(crate) fn new(capacity: u64, max_ttl: Duration) -> Self {
        let cache = (capacity > 0 && !max_ttl.is_zero()).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(capacity)
                .expire_after(EntryExpiry)
                .build()
        });
        Self { cache, max_ttl }
    }

    /// The cached identity for `token`, if it was verified under key
    /// generation `generation` and has not reached its deadline at `now_ms`.
    pub(crate) fn get(&self, token: &str, generation: u64, now_ms: u128) -> Option<Identity> {
        let cache = self.cache.as_ref()?;
        let entry = cache.get(token)?;
        if entry.generation != generation || now_ms >= entry.deadline_ms {
            cache.invalidate(token);
            return None;
        }
        Some(entry.identity)
    }

    /// Remembers a verified identity until `deadline_ms` (unix ms), at most the max TTL.
    pub(crate) fn insert(
        &self,
        token: &str,
        identity: Identity,
        deadline_ms: u128,
        generation: u64,
        now_ms: u128,
    ) {
        let Some(cache) = &self.cache else {
            return;
        };
        let remaining = deadline_ms.saturating_sub(now_ms);
        let remaining = Duration::from_millis(u64::try_from(remaining).unwrap_or(u64::MAX));
        let ttl = remaining.min(self.max_ttl);
        if ttl.is_zero() {
            return;
        }
        cache.insert(
            token.into(),
            Entry {
                identity,
                deadline_ms,
                generation,
                ttl,
            },
        );
    }

    /// Number of cached tokens (approximate: moka applies writes lazily).
    pub(crate) fn len(&self) -> u64 {
        self.cache.as_ref().map_or(0, |c| {
            c.run_pending_tasks();
            c.entry_count()
        })
    }
}
