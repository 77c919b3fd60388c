//! One Backend API read: `GET {api_url}/{segments}?{query}` with the secret
//! key, bounded in time and size, its status mapped onto [`BackendError`].

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;

use super::error::{BackendError, DEFAULT_RETRY_AFTER};
use super::verify::retry_after;

/// Largest answer read (a page of 100 memberships is a few tens of KiB).
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// How often a refused secret key is logged at most.
const KEY_ERROR_LOG_INTERVAL: Duration = Duration::from_secs(60);

/// Longest id accepted in a path (Clerk's are about 30 characters).
const MAX_ID_LEN: usize = 128;

/// Whether `id` has the shape of a Clerk id (`user_…`, `org_…`): ASCII
/// letters, digits and `_`, at most 128 characters. Anything else names no
/// Clerk object and is never put into a URL.
pub(crate) fn is_clerk_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The HTTP side of the Backend API client.
pub(crate) struct Api {
    http: reqwest::Client,
    base: String,
    secret_key: Box<str>,
    key_error_logged: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("api_url", &self.base)
            .field("secret_key", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl Api {
    pub(crate) fn new(secret_key: &str, api_url: &str, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            http,
            base: api_url.trim_end_matches('/').to_owned(),
            secret_key: secret_key.into(),
            key_error_logged: Mutex::new(None),
        }
    }

    pub(crate) fn api_url(&self) -> &str {
        &self.base
    }

    /// `GET {base}/{path}` (every segment a Clerk id or a fixed word);
    /// `Ok(None)` on 404.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        path: &[&str],
        query: &[(&str, String)],
    ) -> Result<Option<T>, BackendError> {
        let mut url = url::Url::parse(&format!("{}/{}", self.base, path.join("/")))
            .map_err(|_| BackendError::Unreachable)?;
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let started = Instant::now();
        let response = self
            .http
            .get(url)
            .bearer_auth(&*self.secret_key)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    BackendError::Timeout
                } else {
                    BackendError::Unreachable
                }
            })?;
        let status = response.status().as_u16();
        tracing::debug!(
            status,
            endpoint = path.first().copied().unwrap_or(""),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "clerk backend api read"
        );
        match status {
            200 => {}
            404 => return Ok(None),
            401 | 403 => {
                self.log_key_refused(status);
                return Err(BackendError::SecretKeyRefused);
            }
            429 => {
                return Err(BackendError::RateLimited {
                    retry_after: retry_after(response.headers()).unwrap_or(DEFAULT_RETRY_AFTER),
                });
            }
            500..=599 => {
                return Err(BackendError::Failing {
                    status,
                    retry_after: retry_after(response.headers()).unwrap_or(DEFAULT_RETRY_AFTER),
                });
            }
            _ => return Err(BackendError::UnexpectedAnswer),
        }
        let body = read_bounded(response).await?;
        serde_json::from_slice(&body)
            .map(Some)
            .map_err(|_| BackendError::UnexpectedAnswer)
    }

    fn log_key_refused(&self, status: u16) {
        let mut last = self
            .key_error_logged
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if last.is_none_or(|at| at.elapsed() >= KEY_ERROR_LOG_INTERVAL) {
            *last = Some(Instant::now());
            tracing::error!(
                status,
                "the Clerk Backend API refused CLERK_SECRET_KEY: users, organizations and \
                 memberships cannot be read (organization callers get 503) until \
                 CLERK_SECRET_KEY holds this instance's secret key"
            );
        }
    }
}

async fn read_bounded(mut response: reqwest::Response) -> Result<Vec<u8>, BackendError> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        return Err(BackendError::UnexpectedAnswer);
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                    return Err(BackendError::UnexpectedAnswer);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) if e.is_timeout() => return Err(BackendError::Timeout),
            Err(_) => return Err(BackendError::Unreachable),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_clerk_id;

    #[test]
    fn only_clerk_shaped_ids_reach_a_url() {
        assert!(is_clerk_id("user_2xhAbc09"));
        for bad in [
            "",
            "..",
            "user/../x",
            "user_1?x=1",
            "user 1",
            &"a".repeat(129),
        ] {
            assert!(!is_clerk_id(bad), "{bad:?}");
        }
    }
}
