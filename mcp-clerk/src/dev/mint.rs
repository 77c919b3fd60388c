//! Signs Clerk-shaped tokens: OAuth `at+jwt` access tokens, v2 session
//! tokens and OIDC ID tokens, all with the emulator's instance key.

use std::sync::Arc;

use jsonwebtoken::{Algorithm, Header};
use serde::Serialize;

use super::directory::{DevUser, Membership};
use super::util::{clerk_id, now};
use crate::keys::SigningKey;

/// What an OAuth access token grants.
#[derive(Debug, Clone)]
pub(crate) struct AccessGrant {
    pub(crate) user_id: String,
    pub(crate) client_id: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) org_id: Option<String>,
    pub(crate) audience: Option<String>,
    pub(crate) ttl_secs: u64,
}

#[derive(Serialize)]
struct AccessClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    client_id: &'a str,
    scope: String,
    jti: &'a str,
    iat: u64,
    nbf: u64,
    exp: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    org_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<&'a str>,
}

#[derive(Serialize)]
struct SessionOrg {
    id: String,
    slg: String,
    rol: String,
    per: String,
    fpm: String,
}

#[derive(Serialize)]
struct SessionClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    sid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    azp: Option<&'a str>,
    jti: String,
    iat: u64,
    nbf: u64,
    exp: u64,
    v: u8,
    fva: [i64; 2],
    sts: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fea: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    o: Option<SessionOrg>,
}

/// The signer: instance key plus issuer.
#[derive(Clone, Debug)]
pub(crate) struct Minter {
    key: Arc<SigningKey>,
    issuer: String,
}

impl Minter {
    pub(crate) fn new(key: Arc<SigningKey>, issuer: String) -> Self {
        Self { key, issuer }
    }

    pub(crate) fn key(&self) -> &SigningKey {
        &self.key
    }

    fn header(&self, typ: &str) -> Header {
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some(typ.to_owned());
        header.kid = Some(self.key.kid().to_owned());
        header
    }

    /// An OAuth access token shaped like Clerk's: `typ: at+jwt`, no `aud`
    /// (unless the emulator was asked to bind audiences), `org_id` only when given.
    pub(crate) fn access_token(&self, grant: &AccessGrant) -> String {
        let iat = now();
        let jti = clerk_id("oat_");
        let claims = AccessClaims {
            iss: &self.issuer,
            sub: &grant.user_id,
            client_id: &grant.client_id,
            scope: grant.scopes.join(" "),
            jti: &jti,
            iat,
            nbf: iat.saturating_sub(10),
            exp: iat + grant.ttl_secs,
            org_id: grant.org_id.as_deref(),
            aud: grant.audience.as_deref(),
        };
        self.key.sign(&self.header("at+jwt"), &claims)
    }

    /// A v2 session token (`typ: JWT`, `v: 2`) with the `o` claim encoding the
    /// membership's role and permissions the way Clerk does (`fea`/`per`/`fpm`).
    pub(crate) fn session_token(
        &self,
        user_id: &str,
        membership: Option<&Membership<'_>>,
        azp: Option<&str>,
        ttl_secs: u64,
    ) -> String {
        let iat = now();
        let (fea, o) = match membership {
            Some(m) => {
                let enc = encode_permissions(&m.permissions);
                (
                    Some(enc.fea),
                    Some(SessionOrg {
                        id: m.organization.id.clone(),
                        slg: m.organization.slug.clone(),
                        rol: m.role.trim_start_matches("org:").to_owned(),
                        per: enc.per,
                        fpm: enc.fpm,
                    }),
                )
            }
            None => (None, None),
        };
        let claims = SessionClaims {
            iss: &self.issuer,
            sub: user_id,
            sid: clerk_id("sess_"),
            azp,
            jti: clerk_id(""),
            iat,
            nbf: iat.saturating_sub(10),
            exp: iat + ttl_secs,
            v: 2,
            fva: [0, -1],
            sts: "active",
            fea: fea.filter(|f| !f.is_empty()),
            o,
        };
        self.key.sign(&self.header("JWT"), &claims)
    }

    /// An OIDC ID token for the `openid` scope.
    pub(crate) fn id_token(
        &self,
        user: &DevUser,
        client_id: &str,
        nonce: Option<&str>,
        scopes: &[String],
        ttl_secs: u64,
    ) -> String {
        let iat = now();
        let mut claims = serde_json::json!({
            "iss": self.issuer,
            "sub": user.id,
            "aud": client_id,
            "iat": iat,
            "nbf": iat.saturating_sub(10),
            "exp": iat + ttl_secs,
            "jti": clerk_id(""),
        });
        if let Some(nonce) = nonce {
            claims["nonce"] = nonce.into();
        }
        user.add_standard_claims(scopes, &mut claims);
        self.key.sign(&self.header("JWT"), &claims)
    }
}

/// Permissions in Clerk's compact v2 encoding.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct EncodedPermissions {
    /// `o:<feature>` entries, comma-joined.
    pub(crate) fea: String,
    /// Permission names, comma-joined.
    pub(crate) per: String,
    /// One decimal bitmask per feature (bit k = `per[k]`), comma-joined.
    pub(crate) fpm: String,
}

/// Encodes `org:<feature>:<permission>` names as Clerk's `fea`/`per`/`fpm`.
/// Names of another shape are skipped; at most 128 distinct permission names.
pub(crate) fn encode_permissions(permissions: &[String]) -> EncodedPermissions {
    let mut features: Vec<&str> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for p in permissions {
        let mut parts = p.splitn(3, ':');
        let (Some("org"), Some(feature), Some(name)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if feature.is_empty() || name.is_empty() || feature.contains(',') || name.contains(',') {
            continue;
        }
        let fi = index_of(&mut features, feature);
        let ni = index_of(&mut names, name);
        if ni < 128 {
            pairs.push((fi, ni));
        }
    }
    names.truncate(128);
    let mut masks = vec![0u128; features.len()];
    for (fi, ni) in pairs {
        masks[fi] |= 1u128 << ni;
    }
    EncodedPermissions {
        fea: features
            .iter()
            .map(|f| format!("o:{f}"))
            .collect::<Vec<_>>()
            .join(","),
        per: names.join(","),
        fpm: masks
            .iter()
            .map(u128::to_string)
            .collect::<Vec<_>>()
            .join(","),
    }
}

fn index_of<'a>(list: &mut Vec<&'a str>, item: &'a str) -> usize {
    match list.iter().position(|x| *x == item) {
        Some(i) => i,
        None => {
            list.push(item);
            list.len() - 1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_docs_example() {
        let perms: Vec<String> = [
            "org:dashboard:manage",
            "org:dashboard:read",
            "org:teams:read",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let enc = encode_permissions(&perms);
        assert_eq!(
            enc,
            EncodedPermissions {
                fea: "o:dashboard,o:teams".into(),
                per: "manage,read".into(),
                fpm: "3,2".into(),
            }
        );
    }

    #[test]
    fn skips_malformed_names() {
        let perms: Vec<String> = ["admin", "org::x", "org:a,b:c", "org:x:y"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let enc = encode_permissions(&perms);
        assert_eq!(enc.fea, "o:x");
        assert_eq!(enc.per, "y");
        assert_eq!(enc.fpm, "1");
    }
}
