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

/// An RSA key's modulus and exponent, leading zeros stripped.
pub(crate) type RsaParts = (Vec<u8>, Vec<u8>);

/// The modulus and exponent of each usable key, by `kid`.
pub(crate) type Material = HashMap<String, RsaParts>;

/// A parsed JWKS: the usable keys, and the key ids refused as ambiguous.
pub(crate) struct Parsed {
    pub(crate) keys: KeyMap,
    /// Each usable key's modulus and exponent: a key replaced under the same
    /// `kid` is a removal too.
    pub(crate) material: Material,
    /// Key ids listed more than once with different keys. Which one signed a
    /// token cannot be told from its header, so none of them verifies
    /// (`jwk-kid-mismatch`), rather than whichever came last.
    pub(crate) ambiguous: Vec<String>,
}

/// Parses a JWKS body. Keys that are not RSA signature keys with a `kid`, an
/// RS256/384/512 (or absent) `alg` and a modulus of at least 2048 bits are
/// skipped; a `kid` listed twice with the same key counts once. Returns `Err`
/// if the body is not a JWKS at all.
pub(crate) fn parse_jwks(body: &[u8]) -> Result<Parsed, &'static str> {
    let doc: Document =
        serde_json::from_slice(body).map_err(|_| "the response is not a JWKS document")?;
    let mut found: HashMap<String, Option<RsaParts>> = HashMap::new();
    for value in doc.keys {
        let Ok(jwk) = serde_json::from_value::<RsaJwk>(value) else {
            continue;
        };
        let Some((kid, n, e)) = usable(jwk) else {
            continue;
        };
        match found.get_mut(&kid) {
            None => {
                found.insert(kid, Some((n, e)));
            }
            Some(seen) => {
                if seen.as_ref() != Some(&(n, e)) {
                    *seen = None;
                }
            }
        }
    }
    let mut parsed = Parsed {
        keys: KeyMap::new(),
        material: Material::new(),
        ambiguous: Vec::new(),
    };
    for (kid, key) in found {
        match key {
            Some((n, e)) => {
                let key = DecodingKey::from_rsa_raw_components(&n, &e);
                parsed.keys.insert(kid.clone(), Arc::new(key));
                parsed.material.insert(kid, (n, e));
            }
            None => parsed.ambiguous.push(kid),
        }
    }
    parsed.ambiguous.sort();
    Ok(parsed)
}

/// The key id and the modulus and exponent (leading zeros stripped) of a
/// usable key.
fn usable(jwk: RsaJwk) -> Option<(String, Vec<u8>, Vec<u8>)> {
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
    let n: Vec<u8> = n.into_iter().skip_while(|b| *b == 0).collect();
    let e: Vec<u8> = e.into_iter().skip_while(|b| *b == 0).collect();
    if !(256..=1024).contains(&n.len()) || e.is_empty() || e.len() > 8 {
        return None;
    }
    Some((kid, n, e))
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
        let parsed = parse_jwks(body.to_string().as_bytes()).unwrap();
        assert_eq!(parsed.keys.keys().collect::<Vec<_>>(), ["ins_good"]);
        assert!(parsed.ambiguous.is_empty());
        assert!(parse_jwks(b"<html>").is_err());
        assert!(parse_jwks(b"{\"keys\":[]}").unwrap().keys.is_empty());
    }

    #[test]
    fn a_kid_listed_twice_with_different_keys_is_refused() {
        let one = SigningKey::generate("ins_twice").jwk();
        let other = SigningKey::generate("ins_twice").jwk();
        let good = SigningKey::generate("ins_good").jwk();
        let body = json!({"keys":[one, good.clone(), other, good]});
        let parsed = parse_jwks(body.to_string().as_bytes()).unwrap();
        assert_eq!(parsed.keys.keys().collect::<Vec<_>>(), ["ins_good"]);
        assert_eq!(parsed.ambiguous, ["ins_twice"]);
    }
}
