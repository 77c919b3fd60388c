//! [`TestIssuer`]: a JWKS server on an ephemeral loopback port.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::token::{Kind, TokenBuilder};
use crate::config::{ClerkConfig, ClerkConfigBuilder};
use crate::keys::SigningKey;

/// How the test issuer's JWKS endpoint behaves.
///
/// Switch it with [`TestIssuer::set_jwks_mode`] to see what your server does
/// when Clerk is down: with no key loaded yet, verification fails closed with
/// a server-side error (a 503, not the caller's fault).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use mcp_clerk::Verifier;
/// use mcp_clerk::testing::{JwksMode, TestIssuer};
///
/// let issuer = TestIssuer::start().await;
/// issuer.set_jwks_mode(JwksMode::Fail);
/// let verifier = Verifier::new(&issuer.config())?;
///
/// let err = verifier.verify(&issuer.oauth_token("user_1").sign()).await.unwrap_err();
/// assert_eq!(err.reason(), "jwk-remote-failed-to-load");
/// assert!(err.is_server_side());
/// assert_eq!(issuer.jwks_fetches(), 1);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwksMode {
    /// Serve the current key (the default).
    Serve,
    /// Answer 500 Internal Server Error.
    Fail,
    /// Never answer (until the client gives up), to exercise timeouts.
    Hang,
}

pub(crate) struct IssuerState {
    current: RwLock<Arc<SigningKey>>,
    /// A key that is never published: tokens it signs must fail.
    pub(crate) stray: SigningKey,
    fetches: AtomicUsize,
    mode: AtomicU8,
    rotations: AtomicUsize,
    /// Further keys published beside the current one (never signing).
    extra: RwLock<Vec<serde_json::Value>>,
}

impl IssuerState {
    fn document(&self) -> serde_json::Value {
        let current = Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()));
        let mut keys = vec![current.jwk()];
        keys.extend(
            self.extra
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .cloned(),
        );
        serde_json::json!({ "keys": keys })
    }
}

/// A local stand-in for a Clerk instance's Frontend API: it serves
/// `/.well-known/jwks.json` on `http://127.0.0.1:<port>` with a real RSA-2048
/// key, counts the fetches, can rotate its key, fail or hang, and mints
/// Clerk-shaped tokens signed with that key.
///
/// The server stops when the `TestIssuer` is dropped. See the
/// [module documentation](crate::testing) for more examples.
///
/// Key rotation, as a verifier sees it: a token under the new key id makes
/// it fetch the JWKS again, once.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use mcp_clerk::Verifier;
/// use mcp_clerk::testing::TestIssuer;
///
/// let issuer = TestIssuer::start().await;
/// let config = issuer.config_builder().jwks_cooldown(Duration::ZERO).build()?;
/// let verifier = Verifier::new(&config)?;
/// verifier.verify(&issuer.oauth_token("user_1").sign()).await?;
///
/// let new_kid = issuer.rotate_key();
/// assert_eq!(issuer.kid(), new_kid);
/// verifier.verify(&issuer.oauth_token("user_1").sign()).await?;
/// assert_eq!(issuer.jwks_fetches(), 2);
/// # Ok(()) }
/// ```
pub struct TestIssuer {
    url: String,
    state: Arc<IssuerState>,
    server: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for TestIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestIssuer")
            .field("issuer", &self.url)
            .field("kid", &self.kid())
            .finish_non_exhaustive()
    }
}

impl TestIssuer {
    /// Generates a key and starts serving its JWKS on an ephemeral `127.0.0.1` port.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound (a test environment problem).
    pub async fn start() -> TestIssuer {
        let state = Arc::new(IssuerState {
            current: RwLock::new(Arc::new(SigningKey::generate("ins_test_0"))),
            stray: SigningKey::generate("ins_test_0"),
            fetches: AtomicUsize::new(0),
            mode: AtomicU8::new(JwksMode::Serve as u8),
            rotations: AtomicUsize::new(0),
            extra: RwLock::new(Vec::new()),
        });
        let app = axum::Router::new()
            .route("/.well-known/jwks.json", get(jwks))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("TestIssuer: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("TestIssuer: local address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestIssuer {
            url: format!("http://{addr}"),
            state,
            server,
        }
    }

    /// The issuer URL (`http://127.0.0.1:<port>`), the `iss` of minted tokens.
    pub fn issuer(&self) -> &str {
        &self.url
    }

    /// The JWKS URL (`{issuer}/.well-known/jwks.json`).
    pub fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.url)
    }

    /// The current key id.
    pub fn kid(&self) -> String {
        self.current().kid().to_owned()
    }

    /// The current public key as PEM, the form of `CLERK_JWT_KEY`.
    pub fn public_pem(&self) -> String {
        self.current().public_pem()
    }

    /// The JWKS document currently served.
    pub fn jwks(&self) -> serde_json::Value {
        self.state.document()
    }

    /// Publishes one more key, freshly generated, under `kid`, beside the
    /// current one; it signs nothing. Under the current `kid` it makes that
    /// kid ambiguous, which a verifier must refuse (`jwk-kid-mismatch`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use mcp_clerk::testing::TestIssuer;
    ///
    /// let issuer = TestIssuer::start().await;
    /// issuer.publish_extra_key(&issuer.kid());
    /// let keys = issuer.jwks()["keys"].as_array().unwrap().clone();
    /// assert_eq!(keys.len(), 2);
    /// assert_eq!(keys[0]["kid"], keys[1]["kid"]);
    /// assert_ne!(keys[0]["n"], keys[1]["n"]);
    /// # }
    /// ```
    pub fn publish_extra_key(&self, kid: &str) {
        let jwk = SigningKey::generate(kid.to_owned()).jwk();
        self.state
            .extra
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(jwk);
    }

    /// How many times the JWKS was requested (including failed and hung requests).
    pub fn jwks_fetches(&self) -> usize {
        self.state.fetches.load(Ordering::SeqCst)
    }

    /// Switches the JWKS endpoint between serving, failing (500) and hanging.
    pub fn set_jwks_mode(&self, mode: JwksMode) {
        self.state.mode.store(mode as u8, Ordering::SeqCst);
    }

    /// Replaces the signing key with a fresh one (new `kid`); the old key is no
    /// longer published. Returns the new key id.
    pub fn rotate_key(&self) -> String {
        let n = self.state.rotations.fetch_add(1, Ordering::SeqCst) + 1;
        let key = Arc::new(SigningKey::generate(format!("ins_test_{n}")));
        let kid = key.kid().to_owned();
        *self
            .state
            .current
            .write()
            .unwrap_or_else(|e| e.into_inner()) = key;
        kid
    }

    /// A config builder with this issuer filled in (OAuth tokens only, default
    /// TTL/cooldown), ready for further settings.
    pub fn config_builder(&self) -> ClerkConfigBuilder {
        ClerkConfig::builder().issuer(self.url.clone())
    }

    /// A config for this issuer with default settings.
    ///
    /// # Panics
    ///
    /// Never in practice: the issuer URL is always valid.
    pub fn config(&self) -> ClerkConfig {
        self.config_builder().build().expect("TestIssuer config")
    }

    /// An OAuth access token (`typ: at+jwt`) for `user_id`: `client_id`,
    /// `scope` `"email profile"`, a `jti` `oat_…`, valid for one hour, no `aud`.
    pub fn oauth_token(&self, user_id: &str) -> TokenBuilder<'_> {
        TokenBuilder::new(self, Kind::OAuth, user_id)
    }

    /// A v2 session token (`typ: JWT`, `v: 2`, `sid`, `azp`, `sts: active`,
    /// `fva`), valid for one minute like Clerk's.
    pub fn session_token(&self, user_id: &str) -> TokenBuilder<'_> {
        TokenBuilder::new(self, Kind::SessionV2, user_id)
    }

    /// A v1 session token (no `v`; organizations as `org_*` claims).
    pub fn session_v1_token(&self, user_id: &str) -> TokenBuilder<'_> {
        TokenBuilder::new(self, Kind::SessionV1, user_id)
    }

    /// An M2M token for `machine_id` (should start with `mch_`), with the M2M `cat` header.
    pub fn m2m_token(&self, machine_id: &str) -> TokenBuilder<'_> {
        TokenBuilder::new(self, Kind::M2M, machine_id)
    }

    pub(crate) fn current(&self) -> Arc<SigningKey> {
        Arc::clone(&self.state.current.read().unwrap_or_else(|e| e.into_inner()))
    }

    pub(crate) fn stray_key(&self) -> &SigningKey {
        &self.state.stray
    }
}

impl Drop for TestIssuer {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn jwks(State(state): State<Arc<IssuerState>>) -> Response {
    state.fetches.fetch_add(1, Ordering::SeqCst);
    match state.mode.load(Ordering::SeqCst) {
        m if m == JwksMode::Fail as u8 => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "JWKS failure (TestIssuer in Fail mode)",
        )
            .into_response(),
        m if m == JwksMode::Hang as u8 => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
        _ => Json(state.document()).into_response(),
    }
}
