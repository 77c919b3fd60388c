//! [`TokenBuilder`]: Clerk-shaped tokens, valid or deliberately broken.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::TestIssuer;
use crate::token::MAX_TOKEN_BYTES;

/// Clerk's token categories (`cat` header).
const CAT_SESSION: &str = "cl_B7d4PD111AAA";
const CAT_M2M: &str = "cl_B7d4PD333AAA";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    OAuth,
    SessionV1,
    SessionV2,
    M2M,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signing {
    /// The issuer's current key.
    Issuer,
    /// A key that is not published (same `kid` unless overridden).
    StrayKey,
    /// `alg: none`, empty signature.
    None,
    /// `alg: HS256` with the issuer's public PEM as the HMAC secret (key confusion).
    Hs256PublicKey,
}

/// Mints one token. Start from [`TestIssuer::oauth_token`],
/// [`session_token`](TestIssuer::session_token),
/// [`session_v1_token`](TestIssuer::session_v1_token) or
/// [`m2m_token`](TestIssuer::m2m_token), adjust, then [`sign`](Self::sign).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// # let issuer = mcp_clerk::testing::TestIssuer::start().await;
/// let wrong_audience = issuer.oauth_token("user_1").audience("https://other.example/mcp").sign();
/// let pending = issuer.session_token("user_1").pending().sign();
/// let forged = issuer.oauth_token("user_1").signed_by_wrong_key().sign();
/// # let _ = (wrong_audience, pending, forged);
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "call .sign() to get the token"]
pub struct TokenBuilder<'a> {
    issuer: &'a TestIssuer,
    kind: Kind,
    header: Map<String, Value>,
    claims: Map<String, Value>,
    signing: Signing,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    aws_lc_rs::rand::fill(&mut buf).expect("system randomness");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

fn secs(d: Duration) -> u64 {
    d.as_secs()
}

impl<'a> TokenBuilder<'a> {
    pub(crate) fn new(issuer: &'a TestIssuer, kind: Kind, subject: &str) -> Self {
        let now = now();
        let mut header = Map::new();
        header.insert("alg".into(), json!("RS256"));
        header.insert("kid".into(), json!(issuer.kid()));
        let mut claims = Map::new();
        claims.insert("iss".into(), json!(issuer.issuer()));
        claims.insert("sub".into(), json!(subject));
        claims.insert("iat".into(), json!(now));
        claims.insert("nbf".into(), json!(now - 10));
        match kind {
            Kind::OAuth => {
                header.insert("typ".into(), json!("at+jwt"));
                claims.insert("client_id".into(), json!("test_client"));
                claims.insert("scope".into(), json!("email profile"));
                claims.insert("jti".into(), json!(format!("oat_{}", random_hex(16))));
                claims.insert("exp".into(), json!(now + 3600));
            }
            Kind::SessionV1 | Kind::SessionV2 => {
                header.insert("typ".into(), json!("JWT"));
                claims.insert("sid".into(), json!(format!("sess_{}", random_hex(12))));
                claims.insert("azp".into(), json!("http://localhost:3000"));
                claims.insert("jti".into(), json!(random_hex(10)));
                claims.insert("exp".into(), json!(now + 60));
                if kind == Kind::SessionV2 {
                    header.insert("cat".into(), json!(CAT_SESSION));
                    claims.insert("v".into(), json!(2));
                    claims.insert("fva".into(), json!([0, -1]));
                    claims.insert("sts".into(), json!("active"));
                }
            }
            Kind::M2M => {
                header.insert("typ".into(), json!("JWT"));
                header.insert("cat".into(), json!(CAT_M2M));
                claims.insert("jti".into(), json!(format!("mt_{}", random_hex(16))));
                claims.insert("exp".into(), json!(now + 3600));
            }
        }
        Self {
            issuer,
            kind,
            header,
            claims,
            signing: Signing::Issuer,
        }
    }

    /// Sets any claim.
    pub fn claim(mut self, name: &str, value: impl serde::Serialize) -> Self {
        let value = serde_json::to_value(value).expect("claim value serializes");
        self.claims.insert(name.to_owned(), value);
        self
    }

    /// Removes a claim (for example `azp`, `sid` or `exp`).
    pub fn without(mut self, name: &str) -> Self {
        self.claims.remove(name);
        self
    }

    /// Sets any header field (for example `cat`).
    pub fn header(mut self, name: &str, value: impl serde::Serialize) -> Self {
        let value = serde_json::to_value(value).expect("header value serializes");
        self.header.insert(name.to_owned(), value);
        self
    }

    /// Removes a header field (for example `typ` or `kid`).
    pub fn without_header(mut self, name: &str) -> Self {
        self.header.remove(name);
        self
    }

    /// Sets the OAuth `client_id`.
    pub fn client_id(self, client_id: &str) -> Self {
        self.claim("client_id", client_id)
    }

    /// Sets the granted scopes, space separated (`scope` for OAuth tokens,
    /// `scopes` for M2M tokens).
    pub fn scope(self, scopes: &str) -> Self {
        let name = if self.kind == Kind::M2M {
            "scopes"
        } else {
            "scope"
        };
        self.claim(name, scopes)
    }

    /// Sets the OAuth `org_id` (what Clerk adds with the `user:org:read` scope).
    pub fn org_id(self, org_id: &str) -> Self {
        self.claim("org_id", org_id)
    }

    /// Sets the active organization of a session token: `o` (v2, role without
    /// the `org:` prefix) or `org_id`/`org_slug`/`org_role` (v1, with it).
    pub fn org(self, id: &str, slug: &str, role: &str) -> Self {
        let bare = role.strip_prefix("org:").unwrap_or(role);
        match self.kind {
            Kind::SessionV1 => self
                .claim("org_id", id)
                .claim("org_slug", slug)
                .claim("org_role", format!("org:{bare}")),
            _ => self.claim("o", json!({ "id": id, "slg": slug, "rol": bare })),
        }
    }

    /// v2 permissions: the `fea` claim and `o.per`/`o.fpm` (see Clerk's docs on
    /// decoding `o.fpm`). Call after [`org`](Self::org).
    pub fn org_features(mut self, fea: &str, per: &str, fpm: &str) -> Self {
        self.claims.insert("fea".into(), json!(fea));
        if let Some(Value::Object(o)) = self.claims.get_mut("o") {
            o.insert("per".into(), json!(per));
            o.insert("fpm".into(), json!(fpm));
        }
        self
    }

    /// v1 permissions (`org_permissions`).
    pub fn org_permissions(self, permissions: &[&str]) -> Self {
        self.claim("org_permissions", permissions)
    }

    /// Sets `azp` (the session token's authorized party).
    pub fn azp(self, origin: &str) -> Self {
        self.claim("azp", origin)
    }

    /// Marks the session `pending` (`sts: pending`).
    pub fn pending(self) -> Self {
        self.claim("sts", "pending")
    }

    /// Sets `aud` to one string.
    pub fn audience(self, aud: &str) -> Self {
        self.claim("aud", aud)
    }

    /// Sets `aud` to an array.
    pub fn audiences(self, aud: &[&str]) -> Self {
        self.claim("aud", aud)
    }

    /// Sets `iss` (a wrong issuer when it is not the test issuer's URL).
    pub fn issuer_url(self, iss: &str) -> Self {
        self.claim("iss", iss)
    }

    /// Expires `d` from now.
    pub fn expires_in(self, d: Duration) -> Self {
        let exp = now() + secs(d);
        self.claim("exp", exp)
    }

    /// Expired one minute ago (issued two minutes ago), beyond the default clock skew.
    pub fn expired(self) -> Self {
        let now = now();
        self.claim("exp", now - 60)
            .claim("iat", now - 120)
            .claim("nbf", now - 130)
    }

    /// Sets `exp` to an absolute unix time (seconds).
    pub fn exp(self, unix_secs: u64) -> Self {
        self.claim("exp", unix_secs)
    }

    /// Not valid before `d` from now (`nbf`).
    pub fn not_before_in(self, d: Duration) -> Self {
        let nbf = now() + secs(d);
        self.claim("nbf", nbf)
    }

    /// `iat` one minute in the future (and `nbf` now).
    pub fn issued_in_future(self) -> Self {
        let now = now();
        self.claim("iat", now + 60).claim("nbf", now)
    }

    /// Sets the header `typ` (for example `"JWT"` on an OAuth token, or `"id_token"`).
    pub fn typ(self, typ: &str) -> Self {
        self.header("typ", typ)
    }

    /// Sets the header `kid` (a `kid` the JWKS does not publish makes
    /// `jwk-kid-mismatch`; the token is then signed by an unpublished key).
    pub fn kid(mut self, kid: &str) -> Self {
        if kid != self.issuer.kid() && self.signing == Signing::Issuer {
            self.signing = Signing::StrayKey;
        }
        self.header("kid", kid)
    }

    /// Signs with RS384 or RS512 (`alg`) instead of RS256. Other values make a
    /// token whose `alg` is refused.
    pub fn alg(self, alg: &str) -> Self {
        self.header("alg", alg)
    }

    /// Signs with a key that is not published, under the current `kid`.
    pub fn signed_by_wrong_key(mut self) -> Self {
        self.signing = Signing::StrayKey;
        self
    }

    /// `alg: none` and an empty signature.
    pub fn alg_none(mut self) -> Self {
        self.signing = Signing::None;
        self.header("alg", "none")
    }

    /// `alg: HS256`, signed with HMAC keyed by the issuer's public PEM (the
    /// classic RSA/HMAC key-confusion attack).
    pub fn hs256_with_public_key(mut self) -> Self {
        self.signing = Signing::Hs256PublicKey;
        self.header("alg", "HS256")
    }

    /// Pads the claims so the token exceeds 16 KiB.
    pub fn oversized(self) -> Self {
        self.claim("padding", "x".repeat(MAX_TOKEN_BYTES))
    }

    /// Signs and returns the compact token.
    pub fn sign(self) -> String {
        let header = Value::Object(self.header);
        let claims = Value::Object(self.claims);
        match self.signing {
            Signing::Issuer => sign_rsa(&self.issuer.current(), &header, &claims),
            Signing::StrayKey => sign_rsa(self.issuer.stray_key(), &header, &claims),
            Signing::None => format!("{}.", signing_input(&header, &claims)),
            Signing::Hs256PublicKey => {
                let input = signing_input(&header, &claims);
                let pem = self.issuer.public_pem();
                let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, pem.as_bytes());
                let tag = aws_lc_rs::hmac::sign(&key, input.as_bytes());
                format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
            }
        }
    }
}

fn signing_input(header: &Value, claims: &Value) -> String {
    let h = URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).expect("header JSON"));
    let c = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims JSON"));
    format!("{h}.{c}")
}

fn sign_rsa(key: &crate::keys::SigningKey, header: &Value, claims: &Value) -> String {
    let header: jsonwebtoken::Header = serde_json::from_value(header.clone())
        .expect("RSA header (alg must be RS256, RS384 or RS512)");
    key.sign(&header, claims)
}
