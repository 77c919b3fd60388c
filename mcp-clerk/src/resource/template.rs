//! RFC 6570 level-1 URI templates (`test://template/{id}/data`): parsing and
//! matching a URI back to the template's variables.
//!
//! Level 1 is simple string expansion: a variable's value is
//! percent-encoded except for unreserved characters, so an expanded value
//! never contains `/`, `?`, `#` or any other reserved character. Matching
//! therefore takes, for each variable, the longest run of characters up to
//! the next literal part that contains none of them, and percent-decodes it.
//! Two variables side by side (`{a}{b}`) could split a value anywhere and
//! are refused when the template is parsed.

use std::fmt;

/// Why a URI template was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UriTemplateError {
    /// A `{` without its `}`, or a `}` without its `{`.
    #[error("unbalanced braces at byte {0}")]
    Unbalanced(usize),
    /// A variable name that is empty or not `A-Z a-z 0-9 _`.
    #[error(
        "invalid variable name {0:?}: use `A-Z a-z 0-9 _` (level-1 templates have no operators)"
    )]
    InvalidName(String),
    /// The same variable twice.
    #[error("variable `{0}` appears twice")]
    Duplicate(String),
    /// Two variables with nothing between them.
    #[error("variables `{0}` and `{1}` are adjacent: put a literal such as `/` between them")]
    Adjacent(String, String),
    /// No variable at all (then it is a static resource).
    #[error("no `{{variable}}`: register a static resource instead")]
    NoVariables,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Var(String),
}

/// A parsed level-1 URI template.
///
/// ```
/// use mcp_clerk::resource::UriTemplate;
///
/// let t = UriTemplate::parse("test://template/{id}/data").unwrap();
/// assert_eq!(t.variables().collect::<Vec<_>>(), ["id"]);
/// let vars = t.matches("test://template/a%20b/data").unwrap();
/// assert_eq!(vars, [("id".to_owned(), "a b".to_owned())]);
/// assert!(t.matches("test://template/a/b/data").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriTemplate {
    source: String,
    parts: Vec<Part>,
}

/// Characters a level-1 expansion never leaves unencoded (RFC 3986 reserved).
fn reserved(c: char) -> bool {
    matches!(
        c,
        ':' | '/'
            | '?'
            | '#'
            | '['
            | ']'
            | '@'
            | '!'
            | '$'
            | '&'
            | '\''
            | '('
            | ')'
            | '*'
            | '+'
            | ','
            | ';'
            | '='
    )
}

impl UriTemplate {
    /// Parses `template`.
    pub fn parse(template: &str) -> Result<Self, UriTemplateError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = template.char_indices();
        while let Some((i, c)) = rest.next() {
            match c {
                '{' => {
                    let mut name = String::new();
                    loop {
                        match rest.next() {
                            Some((_, '}')) => break,
                            Some((_, '{')) | None => return Err(UriTemplateError::Unbalanced(i)),
                            Some((_, c)) => name.push(c),
                        }
                    }
                    if name.is_empty()
                        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    {
                        return Err(UriTemplateError::InvalidName(name));
                    }
                    if !literal.is_empty() {
                        parts.push(Part::Literal(std::mem::take(&mut literal)));
                    }
                    if let Some(Part::Var(prev)) = parts.last() {
                        return Err(UriTemplateError::Adjacent(prev.clone(), name));
                    }
                    if parts
                        .iter()
                        .any(|p| matches!(p, Part::Var(v) if *v == name))
                    {
                        return Err(UriTemplateError::Duplicate(name));
                    }
                    parts.push(Part::Var(name));
                }
                '}' => return Err(UriTemplateError::Unbalanced(i)),
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        if !parts.iter().any(|p| matches!(p, Part::Var(_))) {
            return Err(UriTemplateError::NoVariables);
        }
        Ok(Self {
            source: template.to_owned(),
            parts,
        })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The variables, in order.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(v) => Some(v.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// The variables' values if `uri` is an expansion of this template
    /// (percent-decoded; a value that does not decode to UTF-8 does not match).
    pub fn matches(&self, uri: &str) -> Option<Vec<(String, String)>> {
        let mut rest = uri;
        let mut out = Vec::new();
        for (i, part) in self.parts.iter().enumerate() {
            match part {
                Part::Literal(lit) => rest = rest.strip_prefix(lit.as_str())?,
                Part::Var(name) => {
                    // The value runs to the next literal (or the end), and
                    // holds no reserved character.
                    let end = rest.find(reserved).unwrap_or(rest.len());
                    let (candidate, after) = match self.parts.get(i + 1) {
                        Some(Part::Literal(next)) => {
                            let at = rest[..].find(next.as_str())?;
                            if at > end {
                                return None;
                            }
                            (&rest[..at], &rest[at..])
                        }
                        _ => (&rest[..end], &rest[end..]),
                    };
                    if candidate.is_empty() {
                        return None;
                    }
                    out.push((name.clone(), percent_decode(candidate)?));
                    rest = after;
                }
            }
        }
        rest.is_empty().then_some(out)
    }
}

impl fmt::Display for UriTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// `%XX` decoding; `None` on a broken escape or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(t: &str, uri: &str) -> Option<Vec<(String, String)>> {
        UriTemplate::parse(t).unwrap().matches(uri)
    }

    #[test]
    fn matches_level_one_expansions() {
        assert_eq!(
            vars("test://template/{id}/data", "test://template/42/data"),
            Some(vec![("id".into(), "42".into())])
        );
        assert_eq!(
            vars("notes://{org}/{note}", "notes://org_1/n%2F2"),
            Some(vec![
                ("org".into(), "org_1".into()),
                ("note".into(), "n/2".into())
            ])
        );
        assert_eq!(vars("a://{x}", "a://"), None);
        assert_eq!(vars("a://{x}", "a://b/c"), None);
        assert_eq!(vars("a://{x}/d", "a://b/c/d"), None);
        assert_eq!(vars("a://{x}/d", "a://b/d/e"), None);
        assert_eq!(vars("a://{x}", "b://c"), None);
        assert_eq!(vars("a://{x}", "a://%zz"), None);
        assert_eq!(vars("a://{x}", "a://%ff"), None);
        assert_eq!(vars("a://{x}", "a://b?c=d"), None);
        assert_eq!(
            vars("a://{x}.json", "a://b.json"),
            Some(vec![("x".into(), "b".into())])
        );
    }

    #[test]
    fn refuses_what_level_one_cannot_match() {
        use UriTemplateError as E;
        assert_eq!(UriTemplate::parse("a://{x"), Err(E::Unbalanced(4)));
        assert_eq!(UriTemplate::parse("a://x}"), Err(E::Unbalanced(5)));
        assert_eq!(
            UriTemplate::parse("a://{}"),
            Err(E::InvalidName(String::new()))
        );
        assert_eq!(
            UriTemplate::parse("a://{+x}"),
            Err(E::InvalidName("+x".into()))
        );
        assert_eq!(
            UriTemplate::parse("a://{x}/{x}"),
            Err(E::Duplicate("x".into()))
        );
        assert_eq!(
            UriTemplate::parse("a://{x}{y}"),
            Err(E::Adjacent("x".into(), "y".into()))
        );
        assert_eq!(UriTemplate::parse("a://x"), Err(E::NoVariables));
    }
}
