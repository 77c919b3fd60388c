//! RSA signing keys for the test issuer ([`crate::testing`]) and the local
//! Clerk emulator ([`crate::dev`]): real RSA-2048 keys, generated per process.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{EncodingKey, Header};
use serde::Serialize;

/// An RSA-2048 private key with a key id, able to sign JWTs and publish its JWK.
pub(crate) struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    n: String,
    e: String,
    public_der: Vec<u8>,
}

impl SigningKey {
    /// Generates a fresh RSA-2048 key.
    pub(crate) fn generate(kid: impl Into<String>) -> Self {
        let pair = KeyPair::generate(KeySize::Rsa2048).expect("RSA-2048 key generation");
        let pkcs8 = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der<'static>>::as_der(&pair)
            .expect("PKCS#8 encoding");
        let pem = pem_armor("PRIVATE KEY", pkcs8.as_ref());
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("jsonwebtoken RSA key");
        let public = pair.public_key();
        let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
        let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
        let public_der = AsDer::<aws_lc_rs::encoding::PublicKeyX509Der<'static>>::as_der(public)
            .expect("SPKI encoding")
            .as_ref()
            .to_vec();
        Self {
            kid: kid.into(),
            encoding,
            n,
            e,
            public_der,
        }
    }

    /// The key id (`kid`) put in headers and the JWKS.
    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK, the way Clerk publishes it.
    pub(crate) fn jwk(&self) -> serde_json::Value {
        serde_json::json!({
            "use": "sig",
            "kty": "RSA",
            "kid": self.kid,
            "alg": "RS256",
            "n": self.n,
            "e": self.e,
        })
    }

    /// The public key as a PEM (`-----BEGIN PUBLIC KEY-----`), the form of `CLERK_JWT_KEY`.
    pub(crate) fn public_pem(&self) -> String {
        pem_armor("PUBLIC KEY", &self.public_der)
    }

    /// Signs `claims` under `header` (its `alg` must be RS256, RS384 or RS512).
    pub(crate) fn sign(&self, header: &Header, claims: &impl Serialize) -> String {
        jsonwebtoken::encode(header, claims, &self.encoding).expect("sign JWT")
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

fn pem_armor(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};

    #[test]
    fn signs_tokens_that_verify_with_its_jwk_and_pem() {
        let key = SigningKey::generate("ins_test");
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(key.kid().to_owned());
        let token = key.sign(
            &header,
            &serde_json::json!({"sub": "user_1", "exp": 4_000_000_000u64}),
        );
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_aud = false;
        let jwk = key.jwk();
        let from_jwk = DecodingKey::from_rsa_components(
            jwk["n"].as_str().unwrap(),
            jwk["e"].as_str().unwrap(),
        )
        .unwrap();
        jsonwebtoken::decode::<serde_json::Value>(&token, &from_jwk, &validation).unwrap();
        let from_pem = DecodingKey::from_rsa_pem(key.public_pem().as_bytes()).unwrap();
        jsonwebtoken::decode::<serde_json::Value>(&token, &from_pem, &validation).unwrap();
    }
}
