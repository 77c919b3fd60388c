//! Which kind of Clerk token this is (Clerk's discrimination rules).
//!
//! Opaque tokens are recognised by prefix (`oat_`, `mt_`, `ak_`). For JWTs:
//! a `sub` starting with `mch_` is an M2M token; `typ` `at+jwt` or
//! `application/at+jwt` is an OAuth access token; `typ` `JWT` with a `sid` and
//! a session (or absent, or "ignore") `cat` category is a session token.
//! Anything else is refused: an unknown `typ` is `token-invalid`, a Clerk
//! token of another kind (JWT template, M2M category without a machine
//! subject) is `token-type-mismatch`.

use super::jwt::Header;
use super::{OpaqueKind, TokenError};
use crate::TokenKind;
use crate::identity::Claims;

/// Clerk token categories (`cat` header), kept in sync with Clerk's SDKs.
pub(crate) mod category {
    /// Session token.
    pub(crate) const SESSION: &str = "cl_B7d4PD111AAA";
    /// JWT template token.
    pub(crate) const JWT_TEMPLATE: &str = "cl_B7d4PD222AAA";
    /// Machine-to-machine token.
    pub(crate) const M2M: &str = "cl_B7d4PD333AAA";
    /// "Ignore" category: treated like an absent category.
    pub(crate) const IGNORE: &str = "cl_I7d4PD111III";
}

/// The opaque token kind, if `token` has an opaque Clerk prefix and no JWT shape.
pub(crate) fn opaque_kind(token: &str) -> Option<OpaqueKind> {
    if token.contains('.') {
        return None;
    }
    [OpaqueKind::OAuth, OpaqueKind::M2M, OpaqueKind::ApiKey]
        .into_iter()
        .find(|k| token.starts_with(k.prefix()))
}

/// The `typ` family, checked before the signature (header only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Typ {
    /// `at+jwt` / `application/at+jwt`.
    AccessToken,
    /// `JWT`.
    Jwt,
}

pub(crate) fn typ(header: &Header) -> Result<Typ, TokenError> {
    match header.typ.as_deref() {
        Some(t)
            if t.eq_ignore_ascii_case("at+jwt") || t.eq_ignore_ascii_case("application/at+jwt") =>
        {
            Ok(Typ::AccessToken)
        }
        Some(t) if t.eq_ignore_ascii_case("JWT") => Ok(Typ::Jwt),
        Some(_) => Err(TokenError::Malformed(
            "unsupported typ (expected at+jwt or JWT)",
        )),
        None => Err(TokenError::Malformed("the token header has no typ")),
    }
}

/// The kind of a JWT whose signature verified.
pub(crate) fn kind(typ: Typ, header: &Header, claims: &Claims) -> Result<TokenKind, TokenError> {
    let cat = header.cat.as_deref();
    if claims.sub.starts_with("mch_") {
        return Ok(TokenKind::M2M);
    }
    if cat == Some(category::M2M) {
        return Err(TokenError::TypeMismatch(
            "M2M-category token without a machine subject",
        ));
    }
    match typ {
        Typ::AccessToken => Ok(TokenKind::OAuth),
        Typ::Jwt => match cat {
            None | Some(category::SESSION) | Some(category::IGNORE) => {
                if claims.sid.as_deref().is_some_and(|s| !s.is_empty()) {
                    Ok(TokenKind::Session)
                } else {
                    Err(TokenError::TypeMismatch(
                        "a JWT without sid is not a session token",
                    ))
                }
            }
            Some(category::JWT_TEMPLATE) => Err(TokenError::TypeMismatch(
                "JWT template tokens are not accepted",
            )),
            Some(_) => Err(TokenError::TypeMismatch("unknown Clerk token category")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opaque_prefixes() {
        assert_eq!(opaque_kind("oat_0123"), Some(OpaqueKind::OAuth));
        assert_eq!(opaque_kind("mt_0123"), Some(OpaqueKind::M2M));
        assert_eq!(opaque_kind("ak_0123"), Some(OpaqueKind::ApiKey));
        assert_eq!(opaque_kind("oat_x.y.z"), None);
        assert_eq!(opaque_kind("sess_1"), None);
    }
}
