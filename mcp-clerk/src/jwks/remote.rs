//! The remote JWKS: TTL cache, single-flight refetch, cooldown, stale keys.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;

use super::parse::{KeyMap, Material, parse_jwks};
use crate::config::{ClerkConfig, ConfigError};
use crate::token::TokenError;

/// Minimum time between fetches while no key is known.
const NO_KEYS_RETRY: Duration = Duration::from_secs(1);

/// The shortest wait between two scheduled refreshes (a TTL of zero would
/// otherwise fetch in a loop).
const MIN_REFRESH_INTERVAL: Duration = Duration::from_millis(250);

/// Largest JWKS body accepted.
const MAX_JWKS_BYTES: usize = 1024 * 1024;

pub(crate) struct RemoteJwks {
    url: String,
    client: reqwest::Client,
    ttl: Duration,
    cooldown: Duration,
    state: RwLock<State>,
    /// Held for the duration of one fetch: the single flight.
    fetch_lock: tokio::sync::Mutex<()>,
    refreshing: AtomicBool,
    /// Whether the scheduled refresh (`keep_fresh`) runs.
    scheduled: AtomicBool,
    generation: AtomicU64,
}

#[derive(Default)]
struct State {
    keys: Arc<KeyMap>,
    /// The current keys' material, to tell a key replaced under its `kid`.
    material: Material,
    /// Key ids the JWKS lists with more than one key: refused.
    ambiguous: Vec<String>,
    /// When the current key set was fetched.
    loaded_at: Option<Instant>,
    /// When the last fetch (successful or not) finished.
    last_attempt: Option<Instant>,
    /// Whether the last fetch failed.
    last_failed: bool,
    /// Number of finished fetches.
    attempts: u64,
}

impl State {
    fn is_ambiguous(&self, kid: &str) -> bool {
        self.ambiguous.iter().any(|k| k == kid)
    }
}

impl RemoteJwks {
    pub(super) fn new(config: &ClerkConfig) -> Result<Self, ConfigError> {
        let client = reqwest::Client::builder()
            .timeout(config.jwks_timeout)
            .connect_timeout(config.jwks_timeout)
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(concat!("mcp-clerk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConfigError::HttpClient(e.to_string()))?;
        Ok(Self {
            url: config.jwks_url.clone(),
            client,
            ttl: config.jwks_ttl,
            cooldown: config.jwks_cooldown,
            state: RwLock::new(State::default()),
            fetch_lock: tokio::sync::Mutex::new(()),
            refreshing: AtomicBool::new(false),
            scheduled: AtomicBool::new(false),
            generation: AtomicU64::new(0),
        })
    }

    pub(super) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a fetch now would come too soon after the last one. While no
    /// key is known at all (Clerk unreachable at startup), retries are allowed
    /// once per second (or per cooldown, if shorter): every request fails
    /// anyway, and the server recovers quickly once the JWKS is reachable.
    fn in_cooldown(&self, state: &State, now: Instant) -> bool {
        let window = self.retry_window(state);
        state
            .last_attempt
            .is_some_and(|t| now.saturating_duration_since(t) < window)
    }

    /// The least time between two fetches: the cooldown, or less while no
    /// key is known (see [`in_cooldown`](Self::in_cooldown)).
    fn retry_window(&self, state: &State) -> Duration {
        if state.keys.is_empty() {
            self.cooldown.min(NO_KEYS_RETRY)
        } else {
            self.cooldown
        }
    }

    pub(super) async fn key_for(
        self: &Arc<Self>,
        kid: &str,
    ) -> Result<Arc<DecodingKey>, TokenError> {
        self.keep_fresh();
        let seen_attempts = {
            let state = self.read();
            let now = Instant::now();
            if let Some(key) = state.keys.get(kid) {
                let stale = state
                    .loaded_at
                    .is_none_or(|t| now.saturating_duration_since(t) >= self.ttl);
                let key = Arc::clone(key);
                if stale && !self.in_cooldown(&state, now) {
                    drop(state);
                    self.spawn_refresh();
                }
                return Ok(key);
            }
            if state.is_ambiguous(kid) {
                return Err(TokenError::KidMismatch);
            }
            if self.in_cooldown(&state, now) {
                return Err(unknown_kid_error(&state));
            }
            state.attempts
        };
        // Single flight: one fetch at a time; whoever waited for it reuses its result.
        let _flight = self.fetch_lock.lock().await;
        {
            let state = self.read();
            if let Some(key) = state.keys.get(kid) {
                return Ok(Arc::clone(key));
            }
            if state.is_ambiguous(kid) {
                return Err(TokenError::KidMismatch);
            }
            if state.attempts != seen_attempts || self.in_cooldown(&state, Instant::now()) {
                return Err(unknown_kid_error(&state));
            }
        }
        match self.fetch_and_store().await {
            Ok(keys) => keys.get(kid).cloned().ok_or(TokenError::KidMismatch),
            Err(()) => Err(TokenError::JwksUnavailable),
        }
    }

    /// Starts the scheduled refresh, once: the key set is refetched when it
    /// is TTL old (or, after a failure, when the cooldown allows), whether or
    /// not requests arrive. Cache hits never reach the key source, so without
    /// it a key removed from the JWKS would keep verifying cached tokens. The
    /// task ends when the key source is dropped.
    fn keep_fresh(self: &Arc<Self>) {
        if self.scheduled.load(Ordering::Acquire) || self.scheduled.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            self.scheduled.store(false, Ordering::Release);
            return;
        };
        let weak = Arc::downgrade(self);
        handle.spawn(async move {
            loop {
                let wait = match weak.upgrade() {
                    Some(this) => this.until_due(Instant::now()),
                    None => break,
                };
                tokio::time::sleep(wait).await;
                let Some(this) = weak.upgrade() else { break };
                let _flight = this.fetch_lock.lock().await;
                let now = Instant::now();
                if this.until_due(now).is_zero() {
                    let _ = this.fetch_and_store().await;
                }
            }
        });
    }

    /// How long until the key set is due for a refresh (zero: now), at least
    /// [`MIN_REFRESH_INTERVAL`] after the last attempt.
    fn until_due(&self, now: Instant) -> Duration {
        let state = self.read();
        let fresh_until = state.loaded_at.map(|t| t + self.ttl);
        let window = self.retry_window(&state).max(MIN_REFRESH_INTERVAL);
        let earliest = state.last_attempt.map(|t| t + window);
        let due = match (fresh_until, earliest) {
            (Some(f), Some(e)) => f.max(e),
            (None, Some(e)) => e,
            (f, None) => f.unwrap_or(now),
        };
        due.saturating_duration_since(now)
    }

    /// Refreshes in the background unless a refresh is already running.
    fn spawn_refresh(self: &Arc<Self>) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let this = Arc::clone(self);
        handle.spawn(async move {
            {
                let _flight = this.fetch_lock.lock().await;
                let now = Instant::now();
                let due = {
                    let state = this.read();
                    let stale = state
                        .loaded_at
                        .is_none_or(|t| now.saturating_duration_since(t) >= this.ttl);
                    stale && !this.in_cooldown(&state, now)
                };
                if due {
                    let _ = this.fetch_and_store().await;
                }
            }
            this.refreshing.store(false, Ordering::Release);
        });
    }

    pub(super) async fn refresh_now(self: &Arc<Self>) -> Result<usize, TokenError> {
        self.keep_fresh();
        let _flight = self.fetch_lock.lock().await;
        match self.fetch_and_store().await {
            Ok(keys) => Ok(keys.len()),
            Err(()) => Err(TokenError::JwksUnavailable),
        }
    }

    /// Fetches the JWKS and installs it. Must be called with `fetch_lock` held.
    async fn fetch_and_store(&self) -> Result<Arc<KeyMap>, ()> {
        let result = self.fetch().await;
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.attempts += 1;
        state.last_attempt = Some(Instant::now());
        match result {
            Ok((keys, material, ambiguous)) => {
                // A key gone, or replaced under its kid: cached verifications
                // made with it are void.
                let removed = state
                    .material
                    .iter()
                    .any(|(kid, old)| material.get(kid) != Some(old));
                state.material = material;
                state.ambiguous = ambiguous;
                if removed {
                    self.generation.fetch_add(1, Ordering::AcqRel);
                }
                tracing::debug!(url = %self.url, keys = keys.len(), "JWKS loaded");
                let keys = Arc::new(keys);
                state.keys = Arc::clone(&keys);
                state.loaded_at = state.last_attempt;
                state.last_failed = false;
                Ok(keys)
            }
            Err(problem) => {
                tracing::warn!(
                    url = %self.url,
                    %problem,
                    known_keys = state.keys.len(),
                    "JWKS fetch failed; keeping the keys already known"
                );
                state.last_failed = true;
                Err(())
            }
        }
    }

    async fn fetch(&self) -> Result<(KeyMap, Material, Vec<String>), String> {
        let mut response = self
            .client
            .get(&self.url)
            .header(http::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("HTTP status {status}"));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_JWKS_BYTES as u64)
        {
            return Err("response too large".to_owned());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e))? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err("response too large".to_owned());
            }
            body.extend_from_slice(&chunk);
        }
        let parsed = parse_jwks(&body).map_err(str::to_owned)?;
        if !parsed.ambiguous.is_empty() {
            tracing::warn!(
                url = %self.url,
                kids = ?parsed.ambiguous,
                "the JWKS lists these key ids more than once with different keys; \
                 tokens naming them are refused (jwk-kid-mismatch)"
            );
        }
        // Ambiguous keys are still keys the issuer published: the set is
        // installed (and the old key under that kid stops verifying).
        if parsed.keys.is_empty() && parsed.ambiguous.is_empty() {
            return Err("the JWKS holds no usable RSA signing key".to_owned());
        }
        Ok((parsed.keys, parsed.material, parsed.ambiguous))
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "connection failed".to_owned()
    } else {
        e.to_string()
    }
}

fn unknown_kid_error(state: &State) -> TokenError {
    if state.keys.is_empty() || state.last_failed {
        TokenError::JwksUnavailable
    } else {
        TokenError::KidMismatch
    }
}
