//! What an MCP request asks for, read cheaply before rmcp dispatches it.
//!
//! On the 2026-07-28 wire the `Mcp-Method`/`Mcp-Name` headers say it, and
//! rmcp rejects (400, `-32020`) any request whose body disagrees with them, so
//! the gate may decide from the headers alone without touching the body.
//! Otherwise the body is buffered (up to the size limit) and only `method` and
//! `params.name` are parsed, borrowing from the buffer; everything else is
//! skipped.

use std::borrow::Cow;

use http::HeaderMap;
use serde::Deserialize;

/// One JSON-RPC message's target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// `tools/call` of this tool.
    ToolCall(String),
    /// Any other method, a notification or a response.
    Other,
}

/// What a whole request targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Peek {
    /// One message.
    One(Target),
    /// A JSON-RPC batch (rmcp rejects batches, but the gate challenges first
    /// when any element needs auth).
    Batch(Vec<Target>),
    /// Not a JSON-RPC message the gate can read; rmcp will reject it.
    Unreadable,
    /// Not read: the verdict does not depend on it (an authenticated caller
    /// no tool would ask to step up).
    NotRead,
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow, default)]
    method: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    params: Option<Params<'a>>,
}

#[derive(Deserialize)]
struct Params<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
}

fn target(m: Message<'_>) -> Target {
    match (m.method.as_deref(), m.params.and_then(|p| p.name)) {
        (Some("tools/call"), Some(name)) => Target::ToolCall(name.into_owned()),
        _ => Target::Other,
    }
}

/// Reads the target from a JSON body.
pub(crate) fn from_body(body: &[u8]) -> Peek {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        match serde_json::from_slice::<Vec<Message<'_>>>(body) {
            Ok(ms) => Peek::Batch(ms.into_iter().map(target).collect()),
            Err(_) => Peek::Unreadable,
        }
    } else {
        match serde_json::from_slice::<Message<'_>>(body) {
            Ok(m) => Peek::One(target(m)),
            Err(_) => Peek::Unreadable,
        }
    }
}

/// The only value of header `name`, if it has exactly one readable value.
fn single<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    if values.next().is_some() {
        return None;
    }
    first.to_str().ok()
}

/// The target from the 2026-07-28 standard headers, when rmcp will hold the
/// body to them: `MCP-Protocol-Version` ≥ 2026-07-28 and exactly one plain
/// `Mcp-Method` (and, for `tools/call`, exactly one plain `Mcp-Name`).
/// `None` means: read the body.
pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Target> {
    let version = single(headers, "mcp-protocol-version")?;
    if version < "2026-07-28" {
        return None;
    }
    let method = single(headers, "mcp-method")?;
    if method != "tools/call" {
        return Some(Target::Other);
    }
    let name = single(headers, "mcp-name")?;
    if name.starts_with("=?") {
        // Base64-wrapped value: read the body instead of decoding here.
        return None;
    }
    Some(Target::ToolCall(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tool_calls_and_other_methods() {
        let body = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{"x":[1,{"name":"no"}]}}}"#;
        assert_eq!(
            from_body(body),
            Peek::One(Target::ToolCall("whoami".into()))
        );
        let body = br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
        assert_eq!(from_body(body), Peek::One(Target::Other));
        let body = br#"{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"p"}}"#;
        assert_eq!(from_body(body), Peek::One(Target::Other));
        let body = br#"{"jsonrpc":"2.0","id":1,"result":{}}"#;
        assert_eq!(from_body(body), Peek::One(Target::Other));
        let body = br#"{"jsonrpc":"2.0","method":"tools/call","params":{"name":"w\u0068oami"}}"#;
        assert_eq!(
            from_body(body),
            Peek::One(Target::ToolCall("whoami".into()))
        );
    }

    #[test]
    fn batches_and_garbage() {
        let body = br#" [{"method":"ping"},{"method":"tools/call","params":{"name":"a"}}]"#;
        assert_eq!(
            from_body(body),
            Peek::Batch(vec![Target::Other, Target::ToolCall("a".into())])
        );
        assert_eq!(from_body(b"not json"), Peek::Unreadable);
        assert_eq!(
            from_body(br#"{"method":"tools/call","params":[1]}"#),
            Peek::Unreadable
        );
        assert_eq!(from_body(b""), Peek::Unreadable);
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn standard_headers_only_on_2026() {
        let h = headers(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "whoami"),
        ]);
        assert_eq!(from_headers(&h), Some(Target::ToolCall("whoami".into())));
        let h = headers(&[
            ("mcp-protocol-version", "2025-11-25"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "whoami"),
        ]);
        assert_eq!(from_headers(&h), None);
        let h = headers(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/list"),
        ]);
        assert_eq!(from_headers(&h), Some(Target::Other));
        let h = headers(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "a"),
            ("mcp-name", "b"),
        ]);
        assert_eq!(from_headers(&h), None);
        let h = headers(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "=?base64?d2hvYW1p?="),
        ]);
        assert_eq!(from_headers(&h), None);
    }
}
