//! The verified-token cache: a repeat verification is a hash lookup.
//!
//! - Keyed on the **full token string** (not a digest), so two tokens can
//!   never share an entry, whatever the hash function does: a lookup compares
//!   the whole token. The hash (moka's default, randomly keyed SipHash) covers
//!   only the token's last 32 bytes and its length: those bytes lie inside the
//!   signature, which is unpredictable for every token that can be inserted
//!   (only verified tokens are), so entries spread evenly, and hashing costs
//!   ~20 ns instead of ~150 ns for a 900-byte token. A token crafted to share
//!   a cached token's tail only costs a failed full comparison.
//! - Bounded (`moka`, TinyLFU admission and LRU eviction); capacity 0 disables it.
//! - An entry expires at the token's deadline (`exp` + clock skew, Clerk's
//!   semantics) or after the max TTL, whichever is first; a hit also rechecks
//!   the deadline, so an expired identity is never served even before moka
//!   evicts the entry.
//! - An entry is void when the key set it was verified under lost a key
//!   (rotation): the JWKS generation is part of the entry.
//! - Only RFC 6750 `b64token`s are cached (every verified JWT is one), so the
//!   gate looks a header's token up *before* checking its characters: a hit
//!   stands for the check, a miss is checked before decoding.
//! - Failures are not cached: a refused token costs a full verification each
//!   time, which keeps the cache free of attacker-chosen entries (only tokens
//!   with a valid signature from the issuer can ever be inserted).

use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

use moka::{Equivalent, Expiry};

use super::bearer::B64Token;
use crate::Identity;

/// The generation of entries that do not depend on the signing keys (opaque
/// tokens verified by the Backend API): a key rotation leaves them alone.
pub(crate) const ANY_GENERATION: u64 = u64::MAX;

/// Bytes of the token's tail that are hashed.
const HASHED_TAIL: usize = 32;

fn hash_token<H: Hasher>(bytes: &[u8], state: &mut H) {
    state.write(&bytes[bytes.len().saturating_sub(HASHED_TAIL)..]);
    state.write_usize(bytes.len());
}

/// The cache key: the whole token.
#[derive(PartialEq, Eq)]
struct TokenKey(Box<str>);

impl Hash for TokenKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_token(self.0.as_bytes(), state);
    }
}

/// A borrowed token, to look up a [`TokenKey`] without allocating.
struct TokenRef<'a>(&'a [u8]);

impl Hash for TokenRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_token(self.0, state);
    }
}

impl Equivalent<TokenKey> for TokenRef<'_> {
    fn equivalent(&self, key: &TokenKey) -> bool {
        self.0 == key.0.as_bytes()
    }
}

#[derive(Clone)]
struct Entry {
    identity: Identity,
    /// Unix milliseconds from which the token counts as expired.
    deadline_ms: u128,
    generation: u64,
    ttl: Duration,
}

struct EntryExpiry;

impl Expiry<TokenKey, Entry> for EntryExpiry {
    fn expire_after_create(
        &self,
        _key: &TokenKey,
        value: &Entry,
        _now: Instant,
    ) -> Option<Duration> {
        Some(value.ttl)
    }
}

pub(crate) struct TokenCache {
    cache: Option<moka::sync::Cache<TokenKey, Entry>>,
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
    ///
    /// `token` is the raw bytes of the header's token: whatever they are, they
    /// only match a token that was inserted, and so checked.
    pub(crate) fn get(&self, token: &[u8], generation: u64, now_ms: u128) -> Option<Identity> {
        let cache = self.cache.as_ref()?;
        let entry = cache.get(&TokenRef(token))?;
        let stale_keys = entry.generation != generation && entry.generation != ANY_GENERATION;
        if stale_keys || now_ms >= entry.deadline_ms {
            cache.invalidate(&TokenRef(token));
            return None;
        }
        Some(entry.identity)
    }

    /// Remembers a verified identity until `deadline_ms` (unix ms), at most the max TTL.
    /// Only a [`B64Token`] can be remembered (every verified JWT is one), so a
    /// cache hit stands for that check.
    pub(crate) fn insert(
        &self,
        token: B64Token<'_>,
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
            TokenKey(token.as_str().into()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClerkUser;

    fn identity(id: &str) -> Identity {
        Identity::new(ClerkUser::example(id, &[]), None)
    }

    const NOW: u128 = 1_000_000;

    fn b64(token: &str) -> B64Token<'_> {
        B64Token::new(token).expect("a b64token")
    }

    #[test]
    fn tokens_sharing_a_tail_do_not_share_an_entry() {
        let cache = TokenCache::new(100, Duration::from_secs(60));
        let tail = "t".repeat(HASHED_TAIL);
        let a = format!("aaaa.bbbb.{tail}");
        let b = format!("zzzz.bbbb.{tail}");
        cache.insert(b64(&a), identity("user_a"), NOW + 10_000, 0, NOW);
        assert_eq!(
            cache.get(a.as_bytes(), 0, NOW).unwrap().user().id(),
            "user_a"
        );
        assert!(cache.get(b.as_bytes(), 0, NOW).is_none());
        cache.insert(b64(&b), identity("user_b"), NOW + 10_000, 0, NOW);
        assert_eq!(
            cache.get(a.as_bytes(), 0, NOW).unwrap().user().id(),
            "user_a"
        );
        assert_eq!(
            cache.get(b.as_bytes(), 0, NOW).unwrap().user().id(),
            "user_b"
        );
        assert!(cache.get(b"short", 0, NOW).is_none());
    }

    #[test]
    fn entries_die_at_the_deadline_and_with_the_key_generation() {
        let cache = TokenCache::new(100, Duration::from_secs(60));
        cache.insert(b64("tok"), identity("u"), NOW + 5_000, 3, NOW);
        assert!(cache.get(b"tok", 3, NOW + 4_999).is_some());
        assert!(
            cache.get(b"tok", 3, NOW + 5_000).is_none(),
            "deadline reached"
        );
        cache.insert(b64("tok"), identity("u"), NOW + 5_000, 3, NOW);
        assert!(
            cache.get(b"tok", 4, NOW).is_none(),
            "key generation changed"
        );
        cache.insert(b64("old"), identity("u"), NOW, 3, NOW);
        assert!(
            cache.get(b"old", 3, NOW - 1).is_none(),
            "already expired: not inserted"
        );
        assert_eq!(TokenCache::new(0, Duration::from_secs(60)).len(), 0);
    }

    #[test]
    fn only_b64tokens_are_remembered() {
        // `insert` takes nothing else: these cannot reach the cache
        for odd in ["a b", "tok\"", "t\u{e9}k", "=="] {
            assert!(B64Token::new(odd).is_none(), "{odd:?}");
        }
        let cache = TokenCache::new(100, Duration::from_secs(60));
        cache.insert(b64("a.b_c-d"), identity("u"), NOW + 5_000, 0, NOW);
        assert!(cache.get(b"a.b_c-d", 0, NOW).is_some());
    }
}
