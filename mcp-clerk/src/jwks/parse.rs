//! Turning a JWKS document into pre-parsed RSA verification keys.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use serde::Deserialize;

#[derive(Deserialize)]
struct Document {
    keys: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct RsaJwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default, rename = "use")]
    use_: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

/// The usable keys of a JWKS, by `kid`.
pub(crate) type KeyMap = HashMap<String, Arc<DecodingKey>>;

/// Parses a JWKS body. Keys that are not RSA signature keys with a `kid`, an
/// RS256/384/512 (or absent) `alg` and a modulus of at least 2048 bits are
/// skipped. Returns `Err` if the body is not a JWKS at all.
pub(crate) fn parse_jwks(body: &[u8]) -> Result<KeyMap, &'static str> {
    let doc: Document =
        serde_json::from_slice(body).map_err(|_| "the response is not a JWKS document")?;
    let mut keys = KeyMap::new();
    for value in doc.keys {
        let Ok(jwk) = serde_json::from_value::<RsaJwk>(value) else {
            continue;
        };
        if let Some((kid, key)) = usable(jwk) {
            keys.insert(kid, Arc::new(key));
        }
    }
    Ok(keys)
}

fn usable(jwk: RsaJwk) -> Option<(String, DecodingKey)> {
    if jwk.kty != "RSA" {
        return None;
    }
    if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
        return None;
    }
    if jwk
        .alg
        .as_deref()
        .is_some_and(|a| !matches!(a, "RS256" | "RS384" | "RS512"))
    {
        return None;
    }
    let kid = jwk.kid.filter(|k| !k.is_empty())?;
    let n = URL_SAFE_NO_PAD.decode(jwk.n?).ok()?;
    let e = URL_SAFE_NO_PAD.decode(jwk.e?).ok()?;
    let n_len = n.iter().skip_while(|b| **b == 0).count();
    let e_len = e.iter().skip_while(|b| **b == 0).count();
    if !(256..=1024).contains(&n_len) || e_len == 0 || e_len > 8 {
        return None;
    }
    Some((kid, DecodingKey::from_rsa_raw_components(&n, &e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;
    use serde_json::json;

    #[test]
    fn keeps_rsa_signature_keys_and_skips_the_rest() {
        let good = SigningKey::generate("ins_good").jwk();
        let mut enc = SigningKey::generate("ins_enc").jwk();
        enc["use"] = json!("enc");
        let mut ps = SigningKey::generate("ins_ps").jwk();
        ps["alg"] = json!("PS256");
        let mut no_kid = SigningKey::generate("x").jwk();
        no_kid.as_object_mut().unwrap().remove("kid");
        let small = json!({"kty":"RSA","kid":"small","n":"AQAB","e":"AQAB"});
        let ec = json!({"kty":"EC","kid":"ec","crv":"P-256","x":"AA","y":"AA"});
        let body = json!({"keys":[good, enc, ps, no_kid, small, ec, 42]});
        let keys = parse_jwks(body.to_string().as_bytes()).unwrap();
        assert_eq!(keys.keys().collect::<Vec<_>>(), ["ins_good"]);
        assert!(parse_jwks(b"<html>").is_err());
        assert!(parse_jwks(b"{\"keys\":[]}").unwrap().is_empty());
    }
}
