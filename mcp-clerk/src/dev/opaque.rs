//! Opaque credentials the emulator issues, as a Clerk instance does: OAuth
//! access tokens in the opaque format (`oat_…`, every Clerk application created
//! before 2026), M2M tokens (`mt_…`, or their JWT form) and API keys (`ak_…`),
//! with revocation that the Backend API's verify endpoints then report.

use std::collections::HashMap;
use std::time::Duration;

use jsonwebtoken::{Algorithm, Header};
use serde_json::{Map, Value, json};

use super::DevClerkServer;
use super::error::DevError;
use super::state::{MAX_ENTRIES, Shared};
use super::util::{clerk_id, now, random_hex};
use crate::token::OpaqueKind;

/// Which format the emulator's OAuth access tokens take.
///
/// Clerk issues JWT access tokens by default only for applications created
/// since January 2026; older ones issue opaque `oat_…` tokens, which only the
/// Backend API can verify (the resource server needs `CLERK_SECRET_KEY`).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use mcp_clerk::Verifier;
/// use mcp_clerk::dev::{DevClerk, DevTokenFormat};
///
/// let clerk = DevClerk::new().token_format(DevTokenFormat::Opaque).start().await?;
/// let token = clerk.token("user_alice").mint()?;
/// assert!(token.starts_with("oat_"));
///
/// // The config from `config_builder` carries the emulator's secret key, so
/// // the verifier asks its Backend API:
/// let verifier = Verifier::new(&clerk.config_builder().build()?)?;
/// assert_eq!(verifier.verify(&token).await?.user().id(), "user_alice");
/// assert_eq!(
///     clerk.request_log(),
///     ["POST /v1/oauth_applications/access_tokens/verify 200"]
/// );
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DevTokenFormat {
    /// `at+jwt` access tokens, verified with the JWKS (the default).
    #[default]
    Jwt,
    /// Opaque `oat_…` access tokens, verified through the Backend API.
    Opaque,
}

impl DevTokenFormat {
    /// Reads `jwt` or `opaque` (`MCP_CLERK_DEV_TOKEN_FORMAT`).
    pub(crate) fn parse(value: &str) -> Result<Self, DevError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "jwt" => Ok(Self::Jwt),
            "opaque" => Ok(Self::Opaque),
            other => Err(DevError::Config(format!(
                "MCP_CLERK_DEV_TOKEN_FORMAT `{}` is neither `jwt` nor `opaque`",
                other.escape_debug()
            ))),
        }
    }
}

/// One opaque credential.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub(crate) kind: OpaqueKind,
    /// Clerk's id of the credential (not the secret).
    pub(crate) id: String,
    pub(crate) subject: String,
    pub(crate) client_id: Option<String>,
    pub(crate) org_id: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) claims: Map<String, Value>,
    pub(crate) name: Option<String>,
    pub(crate) created: u64,
    /// Unix seconds; `None` never expires.
    pub(crate) expiration: Option<u64>,
    pub(crate) revocation_reason: Option<String>,
}

impl Grant {
    pub(crate) fn expired(&self) -> bool {
        self.expiration.is_some_and(|e| e <= now())
    }

    /// The Backend API's verify answer, in Clerk's shape (milliseconds).
    pub(crate) fn to_json(&self) -> Value {
        let ms = |s: u64| s * 1000;
        let mut body = json!({
            "id": self.id,
            "subject": self.subject,
            "scopes": self.scopes,
            "revoked": self.revocation_reason.is_some(),
            "revocation_reason": self.revocation_reason,
            "expired": self.expired(),
            "expiration": self.expiration.map(ms),
            "created_at": ms(self.created),
            "updated_at": ms(self.created),
        });
        match self.kind {
            OpaqueKind::OAuth => {
                body["object"] = "clerk_idp_oauth_access_token".into();
                body["client_id"] = self.client_id.clone().into();
            }
            OpaqueKind::M2M => {
                body["object"] = "machine_to_machine_token".into();
                body["claims"] = Value::Object(self.claims.clone());
            }
            _ => {
                body["object"] = "api_key".into();
                body["type"] = "api_key".into();
                body["name"] = self.name.clone().into();
                body["claims"] = Value::Object(self.claims.clone());
            }
        }
        body
    }
}

/// The opaque credentials, by secret and by id. Bounded: expired ones are
/// dropped when the map is full, and then nothing more is issued.
#[derive(Default)]
pub(crate) struct OpaqueStore {
    by_secret: HashMap<String, Grant>,
    by_id: HashMap<String, String>,
}

impl OpaqueStore {
    pub(crate) fn insert(&mut self, secret: String, grant: Grant) -> Result<(), DevError> {
        if self.by_secret.len() >= MAX_ENTRIES {
            let by_id = &mut self.by_id;
            self.by_secret.retain(|_, g| {
                let keep = !g.expired();
                if !keep {
                    by_id.remove(&g.id);
                }
                keep
            });
            if self.by_secret.len() >= MAX_ENTRIES {
                return Err(DevError::Config(
                    "the emulator holds as many opaque credentials as it may".into(),
                ));
            }
        }
        self.by_id.insert(grant.id.clone(), secret.clone());
        self.by_secret.insert(secret, grant);
        Ok(())
    }

    pub(crate) fn get(&self, secret: &str) -> Option<&Grant> {
        self.by_secret.get(secret)
    }

    /// Revokes by secret; whether it was known.
    pub(crate) fn revoke_secret(&mut self, secret: &str, reason: &str) -> bool {
        match self.by_secret.get_mut(secret) {
            Some(g) => {
                g.revocation_reason.get_or_insert_with(|| reason.to_owned());
                true
            }
            None => false,
        }
    }

    /// Revokes by id (of `kind`); the grant after revocation.
    pub(crate) fn revoke_id(&mut self, kind: OpaqueKind, id: &str, reason: &str) -> Option<Grant> {
        let secret = self.by_id.get(id)?.clone();
        let g = self.by_secret.get_mut(&secret).filter(|g| g.kind == kind)?;
        g.revocation_reason.get_or_insert_with(|| reason.to_owned());
        Some(g.clone())
    }
}

/// What a new opaque credential holds.
pub(crate) struct NewGrant {
    pub(crate) kind: OpaqueKind,
    pub(crate) subject: String,
    pub(crate) client_id: Option<String>,
    pub(crate) org_id: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) claims: Map<String, Value>,
    pub(crate) name: Option<String>,
    pub(crate) ttl: Option<Duration>,
}

impl Shared {
    /// An opaque OAuth access token (`oat_…`) for `grant`.
    pub(crate) fn issue_opaque_access_token(
        &self,
        grant: &super::mint::AccessGrant,
    ) -> Result<String, DevError> {
        let (secret, _) = self.issue_opaque(NewGrant {
            kind: OpaqueKind::OAuth,
            subject: grant.user_id.clone(),
            client_id: Some(grant.client_id.clone()),
            org_id: grant.org_id.clone(),
            scopes: grant.scopes.clone(),
            claims: Map::new(),
            name: None,
            ttl: Some(Duration::from_secs(grant.ttl_secs)),
        })?;
        Ok(secret)
    }

    /// Issues an opaque credential and returns its secret and grant.
    pub(crate) fn issue_opaque(&self, new: NewGrant) -> Result<(String, Grant), DevError> {
        let created = now();
        let secret = format!("{}{}", new.kind.prefix(), random_hex::<16>());
        let grant = Grant {
            kind: new.kind,
            id: clerk_id(new.kind.prefix()),
            subject: new.subject,
            client_id: new.client_id,
            org_id: new.org_id,
            scopes: new.scopes,
            claims: new.claims,
            name: new.name,
            created,
            expiration: new.ttl.map(|t| created + t.as_secs().max(1)),
            revocation_reason: None,
        };
        self.store().opaque.insert(secret.clone(), grant.clone())?;
        Ok((secret, grant))
    }

    /// An M2M token in Clerk's JWT form: `sub` the machine, `jti` an `mt_` id,
    /// `scopes` space-joined.
    pub(crate) fn m2m_jwt(
        &self,
        machine_id: &str,
        scopes: &[String],
        ttl: Duration,
        claims: &Map<String, Value>,
    ) -> String {
        let iat = now();
        let mut body = claims.clone();
        for (k, v) in [
            ("iss", json!(self.settings.issuer)),
            ("sub", json!(machine_id)),
            ("jti", json!(clerk_id("mt_"))),
            ("iat", json!(iat)),
            ("nbf", json!(iat.saturating_sub(10))),
            ("exp", json!(iat + ttl.as_secs().max(1))),
            ("scopes", json!(scopes.join(" "))),
        ] {
            body.insert(k.to_owned(), v);
        }
        let key = self.minter.key();
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some("JWT".into());
        header.kid = Some(key.kid().to_owned());
        key.sign(&header, &body)
    }
}

/// An M2M token being created by [`DevClerkServer::m2m_token`].
#[derive(Debug)]
#[must_use = "call .create() to get the token"]
pub struct DevMachineToken<'a> {
    server: &'a DevClerkServer,
    machine_id: String,
    scopes: Vec<String>,
    claims: Map<String, Value>,
    ttl: Duration,
    jwt: bool,
}

impl DevMachineToken<'_> {
    /// The scopes (for Clerk M2M tokens: the machines this one may talk to).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// A custom claim.
    pub fn claim(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.claims.insert(name.into(), value.into());
        self
    }

    /// The lifetime (default 1 hour).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The JWT form instead of an opaque `mt_…` token.
    pub fn jwt(mut self) -> Self {
        self.jwt = true;
        self
    }

    /// Creates the token.
    pub fn create(self) -> Result<String, DevError> {
        let shared = &self.server.shared;
        if self.jwt {
            return Ok(shared.m2m_jwt(&self.machine_id, &self.scopes, self.ttl, &self.claims));
        }
        let (secret, _) = shared.issue_opaque(NewGrant {
            kind: OpaqueKind::M2M,
            subject: self.machine_id,
            client_id: None,
            org_id: None,
            scopes: self.scopes,
            claims: self.claims,
            name: None,
            ttl: Some(self.ttl),
        })?;
        Ok(secret)
    }
}

/// An API key being created by [`DevClerkServer::api_key`].
#[derive(Debug)]
#[must_use = "call .create() to get the key"]
pub struct DevApiKey<'a> {
    server: &'a DevClerkServer,
    subject: String,
    name: String,
    scopes: Vec<String>,
    claims: Map<String, Value>,
    ttl: Option<Duration>,
}

impl DevApiKey<'_> {
    /// The scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// A custom claim.
    pub fn claim(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.claims.insert(name.into(), value.into());
        self
    }

    /// The key's name (default `dev key`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// An expiry (API keys do not expire by default).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Creates the key and returns its secret (`ak_…`).
    pub fn create(self) -> Result<String, DevError> {
        let (secret, _) = self.server.shared.issue_opaque(NewGrant {
            kind: OpaqueKind::ApiKey,
            subject: self.subject,
            client_id: None,
            org_id: None,
            scopes: self.scopes,
            claims: self.claims,
            name: Some(self.name),
            ttl: self.ttl,
        })?;
        Ok(secret)
    }
}

impl DevClerkServer {
    /// Starts creating an M2M token for machine `machine_id` (`mch_…`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use mcp_clerk::dev::DevClerk;
    ///
    /// let clerk = DevClerk::new().start().await?;
    /// let opaque = clerk.m2m_token("mch_reporter").scopes(["mch_billing"]).create()?;
    /// assert!(opaque.starts_with("mt_"));
    /// let jwt = clerk.m2m_token("mch_reporter").jwt().create()?;
    /// assert_eq!(jwt.split('.').count(), 3);
    /// # Ok(()) }
    /// ```
    pub fn m2m_token(&self, machine_id: impl Into<String>) -> DevMachineToken<'_> {
        DevMachineToken {
            server: self,
            machine_id: machine_id.into(),
            scopes: Vec::new(),
            claims: Map::new(),
            ttl: Duration::from_secs(3600),
            jwt: false,
        }
    }

    /// Starts creating an API key owned by `subject` (a `user_…`, `org_…` or
    /// `mch_…`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use mcp_clerk::dev::DevClerk;
    ///
    /// let clerk = DevClerk::new().start().await?;
    /// let key = clerk.api_key("user_alice").scopes(["notes:read"]).create()?;
    /// assert!(key.starts_with("ak_"));
    /// assert!(clerk.revoke(&key));
    /// # Ok(()) }
    /// ```
    pub fn api_key(&self, subject: impl Into<String>) -> DevApiKey<'_> {
        DevApiKey {
            server: self,
            subject: subject.into(),
            name: "dev key".into(),
            scopes: Vec::new(),
            claims: Map::new(),
            ttl: None,
        }
    }

    /// Revokes an opaque credential (`oat_…`, `mt_…`, `ak_…`) by its secret, or
    /// a JWT access token by its `jti`; the verify endpoints report it revoked
    /// from then on. Returns whether the credential was known.
    pub fn revoke(&self, token: &str) -> bool {
        if self
            .shared
            .store()
            .opaque
            .revoke_secret(token, "revoked in the emulator")
        {
            return true;
        }
        // Verified before the store is locked again (verification reads it).
        let Some(claims) = super::routes::access_claims(&self.shared, token) else {
            return false;
        };
        let mut store = self.shared.store();
        store.revoked.len() < MAX_ENTRIES && store.revoked.insert(claims.jti)
    }
}
