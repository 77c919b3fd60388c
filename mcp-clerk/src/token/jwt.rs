//! The compact JWT form: splitting, header decoding, `alg` allow-list,
//! signature verification and payload decoding.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

use super::TokenError;
use crate::identity::Claims;

/// The three parts of a compact JWS, borrowed from the token.
pub(crate) struct RawJwt<'a> {
    /// `header.payload`, the bytes the signature covers.
    pub(crate) signing_input: &'a str,
    pub(crate) payload: &'a str,
    pub(crate) signature: &'a str,
    pub(crate) header: Header,
}

/// The JOSE header fields mcp-clerk reads.
#[derive(Debug, Deserialize)]
pub(crate) struct Header {
    #[serde(default)]
    pub(crate) alg: Option<String>,
    #[serde(default)]
    pub(crate) typ: Option<String>,
    #[serde(default)]
    pub(crate) kid: Option<String>,
    /// Clerk's token category (`cl_B7d4PD…`).
    #[serde(default)]
    pub(crate) cat: Option<String>,
    #[serde(default)]
    pub(crate) crit: Option<serde_json::Value>,
}

impl<'a> RawJwt<'a> {
    /// Splits and decodes the header. Anything but three base64url parts is `token-invalid`.
    pub(crate) fn parse(token: &'a str) -> Result<Self, TokenError> {
        let mut parts = token.splitn(4, '.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed(
                "not a JWT (expected three dot-separated parts)",
            ));
        };
        // An empty signature is let through here so that `alg: none` tokens
        // are reported as `token-invalid-algorithm`; it can never verify.
        if h.is_empty() || p.is_empty() {
            return Err(TokenError::Malformed("a JWT part is empty"));
        }
        let header_json = URL_SAFE_NO_PAD
            .decode(h)
            .map_err(|_| TokenError::Malformed("the header is not base64url"))?;
        // serde would also read a struct from a JSON array: insist on an object.
        if header_json.trim_ascii_start().first() != Some(&b'{') {
            return Err(TokenError::Malformed("the header is not a JSON object"));
        }
        let header: Header = serde_json::from_slice(&header_json)
            .map_err(|_| TokenError::Malformed("the header is not a JSON object"))?;
        if header.crit.is_some() {
            return Err(TokenError::Malformed(
                "critical header extensions are not supported",
            ));
        }
        Ok(Self {
            signing_input: &token[..h.len() + 1 + p.len()],
            payload: p,
            signature: s,
            header,
        })
    }

    /// The header's `alg`, if it is on the allow-list (RS256, RS384, RS512).
    pub(crate) fn algorithm(&self) -> Result<Algorithm, TokenError> {
        match self.header.alg.as_deref() {
            Some("RS256") => Ok(Algorithm::RS256),
            Some("RS384") => Ok(Algorithm::RS384),
            Some("RS512") => Ok(Algorithm::RS512),
            _ => Err(TokenError::InvalidAlgorithm),
        }
    }

    /// Verifies the signature with `key`.
    pub(crate) fn verify_signature(
        &self,
        key: &DecodingKey,
        alg: Algorithm,
    ) -> Result<(), TokenError> {
        match jsonwebtoken::crypto::verify(self.signature, self.signing_input.as_bytes(), key, alg)
        {
            Ok(true) => Ok(()),
            Ok(false) => Err(TokenError::InvalidSignature),
            Err(e) => match e.kind() {
                jsonwebtoken::errors::ErrorKind::Base64(_) => {
                    Err(TokenError::Malformed("the signature is not base64url"))
                }
                _ => Err(TokenError::VerificationFailed),
            },
        }
    }

    /// The claims beyond the registered ones (`iss`, `sub`, `aud`, `exp`,
    /// `nbf`, `iat`, `jti`, `scope(s)`), for M2M tokens, whose custom claims
    /// a machine caller exposes. Only call after the signature verified.
    pub(crate) fn custom_claims(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut map: serde_json::Map<String, serde_json::Value> = URL_SAFE_NO_PAD
            .decode(self.payload)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .unwrap_or_default();
        for registered in [
            "iss", "sub", "aud", "exp", "nbf", "iat", "jti", "scope", "scopes",
        ] {
            map.remove(registered);
        }
        map
    }

    /// Decodes the claims. Only call after the signature verified.
    pub(crate) fn claims(&self) -> Result<Claims, TokenError> {
        let json = URL_SAFE_NO_PAD
            .decode(self.payload)
            .map_err(|_| TokenError::Malformed("the payload is not base64url"))?;
        if json.trim_ascii_start().first() != Some(&b'{') {
            return Err(TokenError::Malformed("the claims are not a JSON object"));
        }
        serde_json::from_slice(&json).map_err(|_| {
            TokenError::Malformed(
                "the claims are not valid (sub, iss and exp are required; types must match)",
            )
        })
    }
}
