//! Opaque Clerk credentials verified through the Backend API.
//!
//! An opaque token (`oat_…`, `mt_…`, `ak_…`) says nothing by itself: only
//! Clerk knows whom it stands for. [`OpaqueVerifier`] asks the Backend API
//! with the instance's secret key:
//!
//! | token | endpoint | body |
//! |---|---|---|
//! | `oat_…` OAuth access token | `POST /oauth_applications/access_tokens/verify` | `{"access_token": …}` |
//! | `mt_…` M2M token | `POST /m2m_tokens/verify` | `{"token": …}` |
//! | `ak_…` API key | `POST /api_keys/verify` | `{"secret": …}` |
//!
//! Answers are remembered per token for a short, configurable lifetime
//! (default 60 s, never past the token's `expiration`): opaque tokens exist so
//! that revocation is instant, and a revoked token is refused once its entry
//! ends. Concurrent first uses of one token share one request (single flight).
//! Refusals are never remembered as successes.
//!
//! Failures are split the way a client needs them: Clerk saying the token is
//! unknown, revoked, expired or of another kind is the client's problem (401
//! `invalid_token`); Clerk unreachable, slow, rate limiting, failing, answering
//! something that is not its JSON, or refusing the secret key is the server's
//! (503 with `Retry-After`, Clerk's own when it sent one). Nothing of the
//! token or the secret key reaches a log line or an error.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde_json::Value;

use crate::config::ClerkConfig;
use crate::policy::ORG_SCOPE;
use crate::token::{BackendOutage, OpaqueKind, OutageCause, TokenError};

/// Largest verify answer read (Clerk's are a few hundred bytes).
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// The `Retry-After` sent when Clerk sent none.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(5);

/// Longest `Retry-After` passed on from Clerk.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// How often a refused secret key is logged at most.
const KEY_ERROR_LOG_INTERVAL: Duration = Duration::from_secs(60);

/// What Clerk said about a valid, active opaque credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Credential {
    /// Which kind of token was verified.
    pub(crate) kind: OpaqueKind,
    /// Clerk's id of the token (`oat_…`, `mt_…`, `ak_…`; not the token).
    pub(crate) id: String,
    /// `user_…`, `mch_…` or `org_…`.
    pub(crate) subject: String,
    /// The OAuth client the token was issued to (OAuth only).
    pub(crate) client_id: Option<String>,
    pub(crate) scopes: Vec<String>,
    /// Custom claims (M2M tokens and API keys).
    pub(crate) claims: serde_json::Map<String, Value>,
    /// The API key's name.
    pub(crate) name: Option<String>,
    /// Audiences Clerk reports for the token, if any.
    pub(crate) audiences: Vec<String>,
    /// Unix seconds; `None` for credentials that do not expire (API keys).
    pub(crate) expiration: Option<u64>,
    /// Unix seconds.
    pub(crate) created_at: Option<u64>,
    /// The organization the user picked at consent (OAuth tokens granted
    /// `user:org:read`), from the Frontend API's `/oauth/userinfo`.
    pub(crate) org_id: Option<String>,
    pub(crate) org_slug: Option<String>,
}

/// A verified credential and until when (unix ms) it may be reused.
#[derive(Debug, Clone)]
pub(crate) struct Verified {
    pub(crate) credential: Arc<Credential>,
    pub(crate) reuse_until_ms: u128,
    ttl: Duration,
}

struct ReuseExpiry;

impl moka::Expiry<Box<str>, Verified> for ReuseExpiry {
    fn expire_after_create(&self, _: &Box<str>, value: &Verified, _: Instant) -> Option<Duration> {
        Some(value.ttl)
    }
}

/// The Backend API verifier (see the [module docs](self)). Cheap to clone.
#[derive(Clone)]
pub(crate) struct OpaqueVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    api_url: String,
    /// `{issuer}/oauth/userinfo`: where an opaque token's organization is read.
    userinfo_url: String,
    secret_key: Box<str>,
    ttl: Duration,
    answers: moka::future::Cache<Box<str>, Verified>,
    key_error_logged: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for OpaqueVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpaqueVerifier")
            .field("api_url", &self.inner.api_url)
            .field("secret_key", &"[redacted]")
            .field("ttl", &self.inner.ttl)
            .finish_non_exhaustive()
    }
}

pub(crate) fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

impl OpaqueVerifier {
    /// A verifier for `config`, or `None` without a secret key.
    pub(crate) fn from_config(config: &ClerkConfig) -> Option<Self> {
        let secret_key = config.secret_key()?;
        let http = reqwest::Client::builder()
            .timeout(config.backend_timeout)
            .connect_timeout(config.backend_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .ok()?;
        let answers = moka::future::Cache::builder()
            .max_capacity(config.token_cache_capacity.max(1))
            .expire_after(ReuseExpiry)
            .build();
        Some(Self {
            inner: Arc::new(Inner {
                http,
                api_url: config.api_url().trim_end_matches('/').to_owned(),
                userinfo_url: format!("{}/oauth/userinfo", config.issuer()),
                secret_key: secret_key.into(),
                ttl: config.opaque_token_ttl,
                answers,
                key_error_logged: Mutex::new(None),
            }),
        })
    }

    /// Verifies `token` (of `kind`), from the cache or with one Backend API
    /// request shared by every concurrent caller with the same token.
    pub(crate) async fn verify(
        &self,
        kind: OpaqueKind,
        token: &str,
    ) -> Result<Verified, TokenError> {
        let inner = &self.inner;
        let key: Box<str> = token.into();
        if let Some(hit) = inner.answers.get(&key).await {
            if now_ms() < hit.reuse_until_ms {
                return Ok(hit);
            }
            inner.answers.invalidate(&key).await;
        }
        inner
            .answers
            .try_get_with(key, async {
                let mut credential = self.ask(kind, token).await?;
                if kind == OpaqueKind::OAuth && credential.scopes.iter().any(|s| s == ORG_SCOPE) {
                    let (id, slug) = self.organization(token).await?;
                    credential.org_id = id;
                    credential.org_slug = slug;
                }
                Ok(self.reuse(credential))
            })
            .await
            .map_err(|e: Arc<TokenError>| (*e).clone())
    }

    /// How long an answer may be reused: the configured lifetime, never past
    /// the token's expiration.
    fn reuse(&self, credential: Credential) -> Verified {
        let now = now_ms();
        let mut until = now + self.inner.ttl.as_millis();
        if let Some(exp) = credential.expiration {
            until = until.min(u128::from(exp) * 1000);
        }
        let ttl = Duration::from_millis(u64::try_from(until.saturating_sub(now)).unwrap_or(0));
        Verified {
            credential: Arc::new(credential),
            reuse_until_ms: until,
            ttl,
        }
    }

    async fn ask(&self, kind: OpaqueKind, token: &str) -> Result<Credential, TokenError> {
        let inner = &*self.inner;
        let (path, field) = match kind {
            OpaqueKind::OAuth => ("oauth_applications/access_tokens/verify", "access_token"),
            OpaqueKind::M2M => ("m2m_tokens/verify", "token"),
            OpaqueKind::ApiKey => ("api_keys/verify", "secret"),
        };
        let url = format!("{}/{path}", inner.api_url);
        let started = Instant::now();
        let response = inner
            .http
            .post(url)
            .bearer_auth(&*inner.secret_key)
            .json(&serde_json::json!({ field: token }))
            .send()
            .await
            .map_err(|e| {
                outage(if e.is_timeout() {
                    OutageCause::Timeout
                } else {
                    OutageCause::Unreachable
                })
            })?;
        let status = response.status().as_u16();
        tracing::debug!(
            status,
            kind = kind.prefix(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "clerk backend api verify"
        );
        match status {
            200 => {}
            // Clerk does not know the token (or it is malformed).
            400 | 404 | 410 | 422 => return Err(TokenError::NotRecognized(kind)),
            401 | 403 => {
                self.log_key_refused(status);
                return Err(outage(OutageCause::SecretKeyRefused));
            }
            429 => {
                return Err(outage_after(
                    OutageCause::RateLimited,
                    retry_after(response.headers()),
                ));
            }
            500..=599 => {
                return Err(outage_after(
                    OutageCause::Failing,
                    retry_after(response.headers()),
                ));
            }
            _ => return Err(outage(OutageCause::UnexpectedAnswer)),
        }
        let body = read_bounded(response).await?;
        let answer: Answer =
            serde_json::from_slice(&body).map_err(|_| outage(OutageCause::UnexpectedAnswer))?;
        answer.into_credential(kind, now_ms() / 1000)
    }

    /// The organization an opaque OAuth token was granted: Clerk's verify
    /// answer does not carry it (a JWT access token's `org_id` claim does), its
    /// Frontend API's userinfo does, with the token itself as credential.
    async fn organization(
        &self,
        token: &str,
    ) -> Result<(Option<String>, Option<String>), TokenError> {
        let response = self
            .inner
            .http
            .get(&self.inner.userinfo_url)
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| {
                outage(if e.is_timeout() {
                    OutageCause::Timeout
                } else {
                    OutageCause::Unreachable
                })
            })?;
        match response.status().as_u16() {
            200 => {}
            // Revoked or expired between the two requests.
            401 | 403 => return Err(TokenError::NotRecognized(OpaqueKind::OAuth)),
            429 => {
                return Err(outage_after(
                    OutageCause::RateLimited,
                    retry_after(response.headers()),
                ));
            }
            500..=599 => {
                return Err(outage_after(
                    OutageCause::Failing,
                    retry_after(response.headers()),
                ));
            }
            _ => return Err(outage(OutageCause::UnexpectedAnswer)),
        }
        #[derive(Deserialize)]
        struct UserInfo {
            #[serde(default)]
            org_id: Option<String>,
            #[serde(default)]
            org_slug: Option<String>,
        }
        let body = read_bounded(response).await?;
        let info: UserInfo =
            serde_json::from_slice(&body).map_err(|_| outage(OutageCause::UnexpectedAnswer))?;
        Ok((info.org_id.filter(|id| !id.is_empty()), info.org_slug))
    }

    fn log_key_refused(&self, status: u16) {
        let mut last = self
            .inner
            .key_error_logged
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if last.is_none_or(|at| at.elapsed() >= KEY_ERROR_LOG_INTERVAL) {
            *last = Some(Instant::now());
            tracing::error!(
                status,
                "the Clerk Backend API refused CLERK_SECRET_KEY: opaque tokens cannot be verified \
                 (every such request gets 503) until CLERK_SECRET_KEY holds this instance's secret key"
            );
        }
    }
}

fn outage(cause: OutageCause) -> TokenError {
    outage_after(cause, None)
}

fn outage_after(cause: OutageCause, retry_after: Option<Duration>) -> TokenError {
    TokenError::BackendUnavailable(BackendOutage {
        cause,
        retry_after: retry_after.unwrap_or(DEFAULT_RETRY_AFTER),
    })
}

/// Clerk's `Retry-After` in seconds (an HTTP date is not expected from Clerk
/// and falls back to the default), at least one second, at most an hour.
pub(crate) fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let secs: u64 = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs).clamp(Duration::from_secs(1), MAX_RETRY_AFTER))
}

async fn read_bounded(mut response: reqwest::Response) -> Result<Vec<u8>, TokenError> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        return Err(outage(OutageCause::UnexpectedAnswer));
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                    return Err(outage(OutageCause::UnexpectedAnswer));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) if e.is_timeout() => return Err(outage(OutageCause::Timeout)),
            Err(_) => return Err(outage(OutageCause::Unreachable)),
        }
    }
}

/// A verify answer, for every kind (the fields Clerk documents; unknown
/// fields are ignored).
#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    object: Option<String>,
    #[serde(default)]
    id: Option<String>,
    /// `{"active": false}`: the answer for a token that is not (or no longer) valid.
    #[serde(default)]
    active: Option<bool>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    scopes: Option<Scopes>,
    #[serde(default)]
    revoked: Option<bool>,
    #[serde(default)]
    expired: Option<bool>,
    #[serde(default)]
    expiration: Option<u64>,
    #[serde(default)]
    created_at: Option<u64>,
    #[serde(default)]
    claims: Option<Value>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    aud: Option<Scopes>,
}

/// A list Clerk sends as an array (or, in some answers, one space-joined string).
#[derive(Deserialize)]
#[serde(untagged)]
enum Scopes {
    List(Vec<String>),
    Joined(String),
}

impl Scopes {
    fn into_vec(self) -> Vec<String> {
        match self {
            Scopes::List(v) => v,
            Scopes::Joined(s) => s.split_whitespace().map(str::to_owned).collect(),
        }
    }
}

/// Clerk's Backend API writes most timestamps in unix milliseconds and some
/// in seconds: anything past the year 5000 in seconds is read as milliseconds.
fn unix_secs(value: u64) -> u64 {
    if value > 100_000_000_000 {
        value / 1000
    } else {
        value
    }
}

impl Answer {
    fn into_credential(self, kind: OpaqueKind, now_secs: u128) -> Result<Credential, TokenError> {
        if self.active == Some(false) {
            return Err(TokenError::NotRecognized(kind));
        }
        let expected_object = match kind {
            OpaqueKind::OAuth => "clerk_idp_oauth_access_token",
            OpaqueKind::M2M => "machine_to_machine_token",
            OpaqueKind::ApiKey => "api_key",
        };
        if self.object.as_deref().is_some_and(|o| o != expected_object) {
            return Err(TokenError::TypeMismatch(
                "the Clerk Backend API describes a credential of another kind",
            ));
        }
        let (Some(id), Some(subject)) = (self.id, self.subject) else {
            return Err(outage(OutageCause::UnexpectedAnswer));
        };
        if self.revoked == Some(true) {
            return Err(TokenError::Revoked);
        }
        let expiration = self.expiration.map(unix_secs);
        if self.expired == Some(true) || expiration.is_some_and(|e| u128::from(e) <= now_secs) {
            return Err(TokenError::Expired);
        }
        let subject_ok = match kind {
            OpaqueKind::OAuth => subject.starts_with("user_"),
            OpaqueKind::M2M => subject.starts_with("mch_"),
            OpaqueKind::ApiKey => ["user_", "org_", "mch_"]
                .iter()
                .any(|p| subject.starts_with(p)),
        };
        if !subject_ok {
            return Err(TokenError::TypeMismatch(match kind {
                OpaqueKind::OAuth => "the OAuth access token's subject is not a user",
                OpaqueKind::M2M => "the M2M token's subject is not a machine",
                OpaqueKind::ApiKey => {
                    "the API key's subject is not a user, organization or machine"
                }
            }));
        }
        if kind == OpaqueKind::OAuth && self.client_id.as_deref().is_none_or(str::is_empty) {
            return Err(outage(OutageCause::UnexpectedAnswer));
        }
        let claims = match self.claims {
            Some(Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        Ok(Credential {
            kind,
            id,
            subject,
            client_id: self.client_id.filter(|_| kind == OpaqueKind::OAuth),
            scopes: self.scopes.map(Scopes::into_vec).unwrap_or_default(),
            claims,
            name: self.name,
            audiences: self.aud.map(Scopes::into_vec).unwrap_or_default(),
            expiration,
            created_at: self.created_at.map(unix_secs),
            org_id: None,
            org_slug: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(json: Value) -> Result<Credential, TokenError> {
        serde_json::from_value::<Answer>(json)
            .unwrap()
            .into_credential(OpaqueKind::OAuth, 1_000)
    }

    #[test]
    fn reads_clerks_oauth_answer() {
        let c = answer(serde_json::json!({
            "object": "clerk_idp_oauth_access_token", "id": "oat_1", "client_id": "client_1",
            "subject": "user_1", "scopes": ["email", "profile"], "revoked": false,
            "revocation_reason": null, "expired": false, "expiration": 2_000_000_000_000_u64,
            "created_at": 1_700_000_000_000_u64, "updated_at": 1_700_000_000_000_u64,
        }))
        .unwrap();
        assert_eq!(
            (c.subject.as_str(), c.client_id.as_deref()),
            ("user_1", Some("client_1"))
        );
        assert_eq!(c.scopes, ["email", "profile"]);
        assert_eq!(
            (c.expiration, c.created_at),
            (Some(2_000_000_000), Some(1_700_000_000)),
            "ms read as s"
        );
    }

    #[test]
    fn refusals_keep_their_reason() {
        let base = serde_json::json!({"object": "clerk_idp_oauth_access_token", "id": "oat_1",
            "client_id": "c", "subject": "user_1", "expiration": 2_000});
        let with = |k: &str, v: Value| {
            let mut j = base.clone();
            j[k] = v;
            answer(j).unwrap_err()
        };
        assert_eq!(with("revoked", true.into()), TokenError::Revoked);
        assert_eq!(with("expired", true.into()), TokenError::Expired);
        assert_eq!(with("expiration", 999.into()), TokenError::Expired);
        assert_eq!(
            with("subject", "mch_1".into()).reason(),
            "token-type-mismatch"
        );
        assert_eq!(
            with("object", "api_key".into()).reason(),
            "token-type-mismatch"
        );
        assert_eq!(
            answer(serde_json::json!({"active": false})).unwrap_err(),
            TokenError::NotRecognized(OpaqueKind::OAuth)
        );
        assert!(
            answer(serde_json::json!({"id": "oat_1"}))
                .unwrap_err()
                .is_server_side()
        );
    }
}
