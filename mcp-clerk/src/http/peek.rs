//! What an MCP request asks for, read cheaply before rmcp dispatches it.
//!
//! On the 2026-07-28 wire the `Mcp-Method`/`Mcp-Name` headers say it, and
//! rmcp rejects (400, `-32020`) any request whose body disagrees with them, so
//! the gate may decide from the headers alone without touching the body.
//! Otherwise the body is buffered (up to the size limit) and only `method`,
//! `params.name` and `params.uri` are parsed, borrowing from the buffer;
//! everything else is skipped.

use std::borrow::Cow;

use http::HeaderMap;
use serde::Deserialize;

/// One JSON-RPC message's target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// `tools/call` of this tool.
    ToolCall(String),
    /// `resources/read` of this URI (matched to its resource or template by the gate).
    ResourceRead(String),
    /// `prompts/get` of this prompt.
    PromptGet(String),
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
    /// Any JSON value: a `tools/call` whose params carry a stray non-string
    /// `uri` still names its tool (only `resources/read` reads it).
    #[serde(default)]
    uri: Option<serde_json::Value>,
}

fn target(m: Message<'_>) -> Target {
    let Some(params) = m.params else {
        return Target::Other;
    };
    match (m.method.as_deref(), params.name, params.uri) {
        (Some("tools/call"), Some(name), _) => Target::ToolCall(name.into_owned()),
        (Some("prompts/get"), Some(name), _) => Target::PromptGet(name.into_owned()),
        (Some("resources/read"), _, Some(serde_json::Value::String(uri))) => {
            Target::ResourceRead(uri)
        }
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
/// `Mcp-Method` (and, for `tools/call`, `prompts/get` and `resources/read`,
/// exactly one plain `Mcp-Name`: the tool's or prompt's name, the resource's
/// URI). `None` means: read the body.
pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Target> {
    let version = single(headers, "mcp-protocol-version")?;
    if version < "2026-07-28" {
        return None;
    }
    let method = single(headers, "mcp-method")?;
    let target: fn(String) -> Target = match method {
        "tools/call" => Target::ToolCall,
        "prompts/get" => Target::PromptGet,
        "resources/read" => Target::ResourceRead,
        _ => return Some(Target::Other),
    };
    let name = single(headers, "mcp-name")?;
    if name.starts_with("=?") {
        // Base64-wrapped value: read the body instead of decoding here.
        return None;
    }
    Some(target(name.to_owned()))
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
        assert_eq!(from_body(body), Peek::One(Target::PromptGet("p".into())));
        let body = br#"{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"a://b","name":"x"}}"#;
        assert_eq!(
            from_body(body),
            Peek::One(Target::ResourceRead("a://b".into()))
        );
        let body =
            br#"{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"a","uri":"b"}}"#;
        assert_eq!(from_body(body), Peek::Unreadable);
        let body = br#"{"jsonrpc":"2.0","id":1,"method":"prompts/list","params":{"name":"p"}}"#;
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
            ("mcp-method", "resources/read"),
            ("mcp-name", "test://template/1/data"),
        ]);
        assert_eq!(
            from_headers(&h),
            Some(Target::ResourceRead("test://template/1/data".into()))
        );
        let h = headers(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "prompts/get"),
            ("mcp-name", "p"),
        ]);
        assert_eq!(from_headers(&h), Some(Target::PromptGet("p".into())));
        let h = headers(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "prompts/get"),
        ]);
        assert_eq!(from_headers(&h), None);
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

#[cfg(test)]
mod proptests {
    //! Hostile bodies and headers: the peek never panics, and on JSON it
    //! agrees with a full `serde_json::Value` parse about `tools/call` targets.

    use super::*;
    use proptest::prelude::*;

    use crate::test_support::proptest_config;
    use serde_json::{Value, json};

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "\\PC{0,8}".prop_map(Value::from),
            prop_oneof![
                Just("tools/call"),
                Just("resources/read"),
                Just("prompts/get"),
                Just("name"),
                Just("uri"),
                Just("method")
            ]
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("method".to_owned()),
                        Just("params".to_owned()),
                        Just("name".to_owned()),
                        Just("uri".to_owned()),
                        "\\PC{0,6}"
                    ],
                    inner,
                    0..5
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// JSON-RPC-shaped messages with hostile fields.
    fn message() -> impl Strategy<Value = Value> {
        (
            prop_oneof![
                Just(json!("tools/call")),
                Just(json!("tools/list")),
                Just(json!("resources/read")),
                Just(json!("prompts/get")),
                Just(json!("TOOLS/CALL")),
                json_value()
            ],
            prop_oneof![
                "\\PC{0,12}".prop_map(|n| json!({ "name": n, "arguments": {} })),
                "\\PC{0,12}".prop_map(|u| json!({ "uri": u })),
                json_value().prop_map(|n| json!({ "name": n })),
                json_value(),
            ],
        )
            .prop_map(|(method, params)| {
                json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params })
            })
    }

    /// An optional string field as serde's derive reads it: absent and `null`
    /// are `None`, a string is `Some`, anything else fails the whole message.
    fn optional_str(v: Option<&Value>) -> Result<Option<&str>, ()> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(()),
        }
    }

    /// What the peek must say about one message, from a full parse. serde's
    /// derive also reads a struct from a JSON array (fields in order, no
    /// extra elements); rmcp refuses such messages (a 400 after
    /// `http::strict`), so reading them either way is safe, but the model
    /// follows serde.
    fn expected(v: &Value) -> Option<Target> {
        let (method, params) = match v {
            Value::Object(m) => (m.get("method"), m.get("params")),
            Value::Array(a) if a.len() <= 2 => (a.first(), a.get(1)),
            _ => return None,
        };
        let method = optional_str(method).ok()?;
        let (name, uri) = match params {
            None | Some(Value::Null) => (None, None),
            Some(Value::Object(p)) => (
                optional_str(p.get("name")).ok()?,
                p.get("uri").and_then(Value::as_str),
            ),
            Some(Value::Array(p)) if p.len() <= 2 => (
                optional_str(p.first()).ok()?,
                p.get(1).and_then(Value::as_str),
            ),
            Some(_) => return None,
        };
        Some(match (method, name, uri) {
            (Some("tools/call"), Some(name), _) => Target::ToolCall(name.to_owned()),
            (Some("prompts/get"), Some(name), _) => Target::PromptGet(name.to_owned()),
            (Some("resources/read"), _, Some(uri)) => Target::ResourceRead(uri.to_owned()),
            _ => Target::Other,
        })
    }

    proptest! {
        #![proptest_config(proptest_config(256))]

        #[test]
        fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = from_body(&body);
        }

        #[test]
        fn json_bodies_agree_with_a_full_parse(v in prop_oneof![message(), json_value()]) {
            let body = serde_json::to_vec(&v).unwrap();
            let want = match expected(&v) {
                Some(t) => Peek::One(t),
                None => Peek::Unreadable,
            };
            if matches!(v, Value::Array(_)) {
                // Batches: checked below.
                let _ = from_body(&body);
            } else {
                prop_assert_eq!(from_body(&body), want, "{}", v);
            }
        }

        #[test]
        fn batches_agree_with_a_full_parse(
            items in prop::collection::vec(prop_oneof![message(), json_value()], 0..5),
            pad in "[ \t\r\n]{0,3}",
        ) {
            let body = format!("{pad}{}", Value::Array(items.clone()));
            let want: Option<Vec<Target>> = items.iter().map(expected).collect();
            let want = want.map_or(Peek::Unreadable, Peek::Batch);
            prop_assert_eq!(from_body(body.as_bytes()), want, "{}", body);
        }

        #[test]
        fn hostile_headers_never_panic(
            headers in prop::collection::vec(
                (
                    prop_oneof![
                        Just("mcp-protocol-version"),
                        Just("mcp-method"),
                        Just("mcp-name"),
                    ],
                    prop_oneof![
                        Just(b"2026-07-28".to_vec()),
                        Just(b"2025-11-25".to_vec()),
                        Just(b"tools/call".to_vec()),
                        Just(b"=?base64?d2hvYW1p?=".to_vec()),
                        prop::collection::vec(any::<u8>(), 0..24),
                    ],
                ),
                0..6,
            ),
        ) {
            let mut map = HeaderMap::new();
            for (name, value) in headers {
                if let Ok(value) = http::HeaderValue::from_bytes(&value) {
                    map.append(name, value);
                }
            }
            if let Some(Target::ToolCall(name)) = from_headers(&map) {
                // Only ever the single, readable Mcp-Name value.
                let values: Vec<_> = map.get_all("mcp-name").iter().collect();
                prop_assert_eq!(values.len(), 1);
                prop_assert_eq!(values[0].to_str().ok(), Some(name.as_str()));
                prop_assert!(!name.starts_with("=?"));
            }
        }
    }
}
