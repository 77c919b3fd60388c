//! Collecting every error of one expansion (serde's `Ctxt`, darling's accumulator).

use proc_macro2::{Span, TokenStream};
use std::fmt::Display;

/// Every error found so far, each with its span and an optional help line.
#[derive(Default)]
pub(crate) struct Errors {
    errors: Vec<syn::Error>,
}

impl Errors {
    /// Records `message` at `span`, with a `help:` line when given.
    pub(crate) fn push(&mut self, span: Span, message: impl Display, help: Option<&str>) {
        let text = match help {
            Some(help) => format!("{message}\n\n= help: {help}"),
            None => message.to_string(),
        };
        self.errors.push(syn::Error::new(span, text));
    }

    /// Records `message` spanning all of `tokens` (first to last token, also on stable).
    pub(crate) fn push_tokens(
        &mut self,
        tokens: impl quote::ToTokens,
        message: impl Display,
        help: Option<&str>,
    ) {
        let text = match help {
            Some(help) => format!("{message}\n\n= help: {help}"),
            None => message.to_string(),
        };
        self.errors.push(syn::Error::new_spanned(tokens, text));
    }

    /// Records a syn parse error at its own span, with a `help:` line naming
    /// the expected form (syn's messages say what was wrong, not what to write).
    pub(crate) fn push_syn(&mut self, error: syn::Error, help: &str) {
        for e in error {
            self.push(e.span(), e, Some(help));
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.errors.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `compile_error!`s for every error.
    pub(crate) fn to_compile_errors(&self) -> TokenStream {
        self.errors
            .iter()
            .map(syn::Error::to_compile_error)
            .collect()
    }
}

/// Runs `parser` over all of `tokens`. syn reports "unexpected end of input"
/// at the macro's call site (the whole attribute); it is moved to the last
/// token, where the input stops short.
pub(crate) fn parse_all<P: syn::parse::Parser>(
    parser: P,
    tokens: TokenStream,
) -> syn::Result<P::Output> {
    let last = tokens.clone().into_iter().last().map(|t| t.span());
    parser.parse2(tokens).map_err(|e| match last {
        Some(span) if e.to_string().starts_with("unexpected end of input") => {
            syn::Error::new(span, e)
        }
        _ => e,
    })
}

/// Levenshtein distance, for "did you mean" hints.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest of `candidates` to `word`, if it is close enough to be a typo.
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (distance(word, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3) && *d < c.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys() {
        assert_eq!(closest("scope", &["scopes", "auth"]), Some("scopes"));
        assert_eq!(closest("authh", &["scopes", "auth"]), Some("auth"));
        assert_eq!(closest("xyz", &["scopes", "auth"]), None);
    }
}
