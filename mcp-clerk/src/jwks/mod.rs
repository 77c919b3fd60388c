//! Where verification keys come from: a remote JWKS (cached, single-flight,
//! rate limited, stale-tolerant) or a static PEM key (`CLERK_JWT_KEY`).
//!
//! Behaviour of the remote source:
//! - Keys are fetched from `{issuer}/.well-known/jwks.json` and parsed once
//!   into [`jsonwebtoken::DecodingKey`]s (RSA only; other keys are skipped).
//! - A known `kid` is answered from memory, without waiting on the network.
//! - A scheduled task (started on first use, ended when the source is
//!   dropped) refetches the key set whenever it is TTL old, whether or not
//!   requests arrive: cache hits never reach the key source, so this is what
//!   makes a key removed from the JWKS stop verifying cached tokens. A stale
//!   key set met by a request also starts a background refresh.
//! - An unknown `kid` triggers one refetch shared by every request waiting for
//!   it (single flight). After any fetch, unknown kids cannot trigger another
//!   until the cooldown has passed, so a kid spray cannot cause a fetch storm.
//! - When a fetch fails or times out, the keys already known keep working.
//!   With no key known at all, verification fails closed (and fetches are
//!   retried at most once per second, or per cooldown if shorter).
//! - A successful fetch replaces the key set. A key removed, or replaced
//!   under its `kid`, stops verifying at once: new tokens find no key, and
//!   cached verifications die with the key generation. A fetch that yields no
//!   usable key is treated as a failure.
//! - A `kid` listed twice with different keys is refused (`jwk-kid-mismatch`,
//!   and a warning in the log): the token header cannot say which key is
//!   meant, and "the last one wins" would let whoever can append a key to the
//!   document choose. The same key listed twice counts once.

mod parse;
mod remote;

use std::sync::Arc;

use jsonwebtoken::DecodingKey;

use crate::config::{ClerkConfig, ConfigError};
use crate::token::TokenError;

use remote::RemoteJwks;

/// The verification key source of a [`Verifier`](crate::Verifier).
#[derive(Clone)]
pub(crate) enum KeySource {
    /// A configured PEM key: no network, the token's `kid` is not compared
    /// (like Clerk's JS SDK with `jwtKey`).
    Static(Arc<DecodingKey>),
    /// The issuer's JWKS.
    Remote(Arc<RemoteJwks>),
}

impl KeySource {
    pub(crate) fn new(config: &ClerkConfig) -> Result<Self, ConfigError> {
        match &config.jwt_key {
            Some(key) => Ok(KeySource::Static(Arc::clone(key))),
            None => Ok(KeySource::Remote(Arc::new(RemoteJwks::new(config)?))),
        }
    }

    /// The key for a token whose header names `kid`.
    pub(crate) async fn key_for(&self, kid: Option<&str>) -> Result<Arc<DecodingKey>, TokenError> {
        match self {
            KeySource::Static(key) => Ok(Arc::clone(key)),
            KeySource::Remote(remote) => {
                let kid = kid.ok_or(TokenError::Malformed("the token header has no kid"))?;
                remote.key_for(kid).await
            }
        }
    }

    /// A counter that changes whenever a key stops being trusted (removed from
    /// the JWKS). Cached verifications made under an older generation are void.
    pub(crate) fn generation(&self) -> u64 {
        match self {
            KeySource::Static(_) => 0,
            KeySource::Remote(remote) => remote.generation(),
        }
    }

    /// Fetches the JWKS now (ignoring TTL and cooldown), returning how many
    /// usable keys it holds. A static key source returns 1.
    pub(crate) async fn refresh(&self) -> Result<usize, TokenError> {
        match self {
            KeySource::Static(_) => Ok(1),
            KeySource::Remote(remote) => remote.refresh_now().await,
        }
    }
}
