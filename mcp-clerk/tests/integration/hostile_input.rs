//! Hostile input, property-tested: the verifier, the `Authorization` header
//! parser, v2 permission claims inside signed tokens, and the whole server
//! over loopback HTTP. Nothing panics, every refusal carries a known reason
//! code (or the right status and challenge), nothing but the original token
//! verifies, and no token is echoed back in an error or a response.
//!
//! Case counts are bounded so the file runs in a few seconds in debug; the
//! inputs are random on every run (no failure files are written). A failing
//! case is printed shrunk; keep it as an example test once fixed.
#![cfg(feature = "testing")]

use std::sync::OnceLock;
use std::time::Duration;

use crate::http_support::*;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::header::AUTHORIZATION;
use http::{HeaderMap, HeaderValue};
use mcp_clerk::testing::{TestIssuer, TokenBuilder};
use mcp_clerk::token::{MAX_TOKEN_BYTES, bearer_token};
use mcp_clerk::{Identity, McpServer, TokenError, TokenKind, Verifier};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value, json};

/// Every reason code a [`TokenError`] can carry (`token/error.rs`).
const REASONS: [&str; 17] = [
    "authorization-header-invalid",
    "token-too-large",
    "token-invalid",
    "token-invalid-algorithm",
    "token-invalid-signature",
    "token-verification-failed",
    "jwk-kid-mismatch",
    "jwk-remote-failed-to-load",
    "token-expired",
    "token-not-active-yet",
    "token-iat-in-the-future",
    "token-invalid-issuer",
    "token-invalid-audience",
    "token-invalid-authorized-parties",
    "session-token-pending",
    "token-type-mismatch",
    "token-requires-backend-api",
];

/// The user every valid token of the fixture names.
const USER: &str = "user_hostile";

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// One issuer, verifiers and server shared by every property, on a runtime
/// of its own (proptest bodies are synchronous).
struct Fixture {
    rt: tokio::runtime::Runtime,
    issuer: TestIssuer,
    /// Accepts OAuth access tokens only (the default).
    oauth: Verifier,
    /// Accepts every kind of Clerk token.
    all_kinds: Verifier,
    /// Valid tokens: OAuth, session v2 with permissions, M2M.
    valid: [String; 3],
    server: Running,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let (issuer, oauth, all_kinds, valid, server) = rt.block_on(async {
            let issuer = TestIssuer::start().await;
            let oauth = Verifier::new(&issuer.config()).unwrap();
            let all_kinds = Verifier::new(
                &issuer
                    .config_builder()
                    .accept([TokenKind::OAuth, TokenKind::Session, TokenKind::M2M])
                    .build()
                    .unwrap(),
            )
            .unwrap();
            let valid = [
                issuer.oauth_token(USER).sign(),
                issuer
                    .session_token(USER)
                    .org("org_1", "acme", "admin")
                    .org_features("o:projects,u:x", "create,read", "3")
                    .expires_in(Duration::from_secs(3600))
                    .sign(),
                issuer.m2m_token("mch_hostile").sign(),
            ];
            let config = issuer
                .config_builder()
                .scopes(["email", "profile"])
                .build()
                .unwrap();
            let server = start(
                McpServer::new("hostile", "1.0.0")
                    .clerk(config)
                    .max_body_bytes(4096)
                    .tools(every_kind_of_tool()),
            )
            .await;
            (issuer, oauth, all_kinds, valid, server)
        });
        Fixture {
            rt,
            issuer,
            oauth,
            all_kinds,
            valid,
            server,
        }
    })
}

impl Fixture {
    fn verify(&self, verifier: &Verifier, token: &str) -> Result<Identity, TokenError> {
        self.rt.block_on(verifier.verify(token))
    }
}

/// A refusal carries a known reason code and does not repeat the token.
fn check_refusal(err: &TokenError, token: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        REASONS.contains(&err.reason()),
        "unknown reason code {}",
        err.reason()
    );
    if token.len() >= 16 {
        prop_assert!(
            !err.to_string().contains(token),
            "Display repeats the token"
        );
        prop_assert!(
            !format!("{err:?}").contains(token),
            "Debug repeats the token"
        );
    }
    Ok(())
}

/// Only a token equal to one of the fixture's valid tokens may verify.
fn check_verdict(
    result: &Result<Identity, TokenError>,
    token: &str,
    valid: &[String],
) -> Result<(), TestCaseError> {
    match result {
        Ok(identity) => {
            prop_assert!(
                valid.iter().any(|v| v == token),
                "a token that is not the original verified: {token:?}"
            );
            let debug = format!("{identity:?}");
            prop_assert!(
                !debug.contains(token),
                "Debug of the identity repeats the token"
            );
        }
        Err(err) => {
            prop_assert!(
                !valid.iter().any(|v| v == token),
                "the original token was refused: {err:?}"
            );
            check_refusal(err, token)?;
        }
    }
    Ok(())
}

/// Arbitrary JSON, biased towards the shapes Clerk claims and JSON-RPC use.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
        prop_oneof![
            Just("tools/call"),
            Just("whoami"),
            Just("notes"),
            Just("ping"),
            Just("o:a,o:b"),
            Just("18446744073709551617"),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("name".to_owned()),
                    Just("id".to_owned()),
                    Just("method".to_owned()),
                    "\\PC{0,6}"
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn json_object() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map("\\PC{0,6}", json_value(), 0..5)
        .prop_map(|m| m.into_iter().collect())
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

// ---------------------------------------------------------------------------
// 1. The verifier
// ---------------------------------------------------------------------------

/// A JWT header: plausible fields with hostile values, plus random ones.
fn jwt_header() -> impl Strategy<Value = Map<String, Value>> {
    let kid = fixture().issuer.kid();
    (
        prop_oneof![
            Just(json!("RS256")),
            Just(json!("RS512")),
            Just(json!("none")),
            Just(json!("HS256")),
            json_value()
        ],
        prop_oneof![Just(json!("at+jwt")), Just(json!("JWT")), json_value()],
        prop_oneof![Just(json!(kid)), json_value()],
        prop::option::of(json_value()),
        json_object(),
    )
        .prop_map(|(alg, typ, kid, crit, mut extra)| {
            extra.insert("alg".into(), alg);
            extra.insert("typ".into(), typ);
            extra.insert("kid".into(), kid);
            if let Some(crit) = crit {
                extra.insert("crit".into(), crit);
            }
            extra
        })
}

/// JWT claims: plausible fields with hostile values, plus random ones.
fn jwt_claims() -> impl Strategy<Value = Map<String, Value>> {
    let iss = fixture().issuer.issuer().to_owned();
    let time = || {
        prop_oneof![
            Just(json!(4_102_444_800u64)), // 2100
            Just(json!(0)),
            Just(json!(-1)),
            Just(json!(u64::MAX)),
            Just(json!(1e300)),
            json_value()
        ]
    };
    (
        prop_oneof![Just(json!(iss)), json_value()],
        prop_oneof![Just(json!(USER)), Just(json!("mch_x")), json_value()],
        time(),
        time(),
        json_object(),
    )
        .prop_map(|(iss, sub, exp, nbf, mut extra)| {
            extra.insert("iss".into(), iss);
            extra.insert("sub".into(), sub);
            extra.insert("exp".into(), exp);
            extra.insert("nbf".into(), nbf);
            extra
        })
}

/// A JWT part: base64url of arbitrary bytes or of a JSON object.
fn part(object: impl Strategy<Value = Map<String, Value>>) -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| b64(&b)),
        object.prop_map(|o| b64(&serde_json::to_vec(&o).unwrap())),
    ]
}

/// A change to a valid token.
#[derive(Debug, Clone)]
enum Mutation {
    /// Replace characters: (part 0..3, position in the part, new character).
    Replace(Vec<(usize, Index, char)>),
    Insert(Index, char),
    Delete(Index),
    Truncate(Index),
    Extend(String),
}

fn token_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => prop::sample::select(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                .chars()
                .collect::<Vec<_>>()
        ),
        1 => prop::sample::select(vec!['.', '=', '+', '/', ' ', '\0', 'é']),
        1 => any::<char>(),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => prop::collection::vec((0usize..3, any::<Index>(), token_char()), 1..4)
            .prop_map(Mutation::Replace),
        1 => (any::<Index>(), token_char()).prop_map(|(i, c)| Mutation::Insert(i, c)),
        1 => any::<Index>().prop_map(Mutation::Delete),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => prop::collection::vec(token_char(), 1..8)
            .prop_map(|c| Mutation::Extend(c.into_iter().collect())),
    ]
}

fn mutate(token: &str, mutation: &Mutation) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    match mutation {
        Mutation::Replace(changes) => {
            let dots: Vec<usize> = token
                .char_indices()
                .filter(|(_, c)| *c == '.')
                .map(|(i, _)| i)
                .collect();
            for (part, at, c) in changes {
                // Part bounds in the original (ASCII) token.
                let start = match part {
                    0 => 0,
                    p => dots[p - 1] + 1,
                };
                let end = dots.get(*part).copied().unwrap_or(chars.len());
                if end > start {
                    chars[start + at.index(end - start)] = *c;
                }
            }
        }
        Mutation::Insert(at, c) => chars.insert(at.index(chars.len() + 1), *c),
        Mutation::Delete(at) => {
            chars.remove(at.index(chars.len()));
        }
        Mutation::Truncate(at) => chars.truncate(at.index(chars.len())),
        Mutation::Extend(more) => chars.extend(more.chars()),
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(config(256))]

    /// (a) Arbitrary strings, dotted strings and oversized strings.
    #[test]
    fn verifier_refuses_arbitrary_strings(
        token in prop_oneof![
            any::<String>(),
            "[A-Za-z0-9_=+/-]{0,40}(\\.[A-Za-z0-9_=+/-]{0,60}){0,4}",
            "(oat|mt|ak)_[A-Za-z0-9.]{0,24}",
            (MAX_TOKEN_BYTES - 4..MAX_TOKEN_BYTES + 4).prop_map(|n| "a.b.".repeat(n / 4 + 1)),
        ],
    ) {
        let f = fixture();
        for verifier in [&f.oauth, &f.all_kinds] {
            check_verdict(&f.verify(verifier, &token), &token, &f.valid)?;
        }
    }

    /// (b) Three base64url parts of arbitrary bytes or hostile JSON objects,
    /// with a random signature or a real one lifted from a valid token.
    #[test]
    fn verifier_refuses_forged_parts(
        header in part(jwt_header()),
        claims in part(jwt_claims()),
        signature in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..300).prop_map(|b| b64(&b)),
            (0usize..3).prop_map(|i| {
                fixture().valid[i].rsplit('.').next().unwrap().to_owned()
            }),
        ],
    ) {
        let f = fixture();
        let token = format!("{header}.{claims}.{signature}");
        for verifier in [&f.oauth, &f.all_kinds] {
            check_verdict(&f.verify(verifier, &token), &token, &f.valid)?;
        }
    }

    /// (c) A valid token with bytes changed in its header, payload or
    /// signature, or truncated or extended, verifies only if unchanged.
    #[test]
    fn verifier_refuses_mutated_tokens(which in 0usize..3, mutation in mutation()) {
        let f = fixture();
        let token = mutate(&f.valid[which], &mutation);
        check_verdict(&f.verify(&f.all_kinds, &token), &token, &f.valid)?;
        if which == 0 {
            check_verdict(&f.verify(&f.oauth, &token), &token, &f.valid)?;
        }
    }
}

/// A signed token of any kind with hostile claim and header values.
#[derive(Debug, Clone)]
enum Override {
    Claim(&'static str, Value),
    Without(&'static str),
    Header(&'static str, String),
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// One claim set to a hostile value: the checked claims get values on
/// either side of each check, every claim may get any JSON.
fn claim_override() -> impl Strategy<Value = Override> {
    let iss = fixture().issuer.issuer().to_owned();
    let now = unix_now();
    let time = prop_oneof![
        3 => prop::sample::select(vec![
            json!(now - 3600),
            json!(now + 3600),
            json!(now + 600_000),
            json!(0),
            json!(-1),
            json!(u64::MAX),
            json!(1.5e300),
            json!("1700000000"),
        ]),
        1 => json_value(),
    ];
    let issuer = prop_oneof![
        3 => prop::sample::select(vec![
            json!(iss.clone()),
            json!(format!("{iss}/")),
            json!(iss.to_uppercase()),
            json!("https://evil.example"),
        ]),
        1 => json_value(),
    ];
    let audience = prop_oneof![
        3 => prop::sample::select(vec![
            Value::Null,
            json!("https://evil.example/mcp"),
            json!([]),
            json!(["https://evil.example/mcp"]),
        ]),
        1 => json_value(),
    ];
    let status = prop_oneof![
        3 => prop::sample::select(vec![json!("pending"), json!("active"), json!("")]),
        1 => json_value(),
    ];
    let other = prop::sample::select(vec![
        "sub",
        "scope",
        "client_id",
        "sid",
        "azp",
        "v",
        "o",
        "fea",
        "org_id",
        "org_role",
        "org_slug",
        "org_permissions",
        "act",
        "fva",
        "jti",
        "x_random",
    ]);
    let plausible = prop_oneof![
        3 => prop::sample::select(vec![
            json!("mch_x"),
            json!(""),
            json!(2),
            json!(1),
            json!("email notes:read"),
            json!(["org:a:b"]),
            json!({"id": "org_2", "rol": "admin", "per": "read", "fpm": "1"}),
            json!({"sub": "user_other"}),
            json!([0, -1]),
        ]),
        2 => json_value(),
    ];
    prop_oneof![
        (prop::sample::select(vec!["exp", "nbf", "iat"]), time),
        (Just("iss"), issuer),
        (Just("aud"), audience),
        (Just("sts"), status),
        (other, plausible),
    ]
    .prop_map(|(name, value)| Override::Claim(name, value))
}

fn overrides() -> impl Strategy<Value = Vec<Override>> {
    let any_claim = prop::sample::select(vec![
        "iss", "sub", "exp", "nbf", "iat", "aud", "sid", "sts", "v", "o", "scope",
    ]);
    let header = prop::sample::select(vec!["typ", "cat", "cty", "x_random"]);
    prop::collection::vec(
        prop_oneof![
            6 => claim_override(),
            1 => any_claim.prop_map(Override::Without),
            1 => (header, prop_oneof![
                Just("JWT".to_owned()),
                Just("at+jwt".to_owned()),
                Just("cl_B7d4PD333AAA".to_owned()),
                Just("cl_B7d4PD222AAA".to_owned()),
                "\\PC{0,8}",
            ])
                .prop_map(|(n, v)| Override::Header(n, v)),
        ],
        1..4,
    )
}

fn builder(kind: usize) -> TokenBuilder<'static> {
    let issuer = &fixture().issuer;
    match kind {
        0 => issuer.oauth_token(USER),
        1 => issuer.session_token(USER).org("org_1", "acme", "admin"),
        2 => issuer.session_v1_token(USER),
        _ => issuer.m2m_token("mch_hostile"),
    }
}

proptest! {
    #![proptest_config(config(96))]

    /// (d) Correctly signed tokens whose claims and headers hold hostile
    /// values: the claims are authentic, so they get past the signature.
    #[test]
    fn verifier_survives_signed_hostile_claims(kind in 0usize..4, changes in overrides()) {
        let f = fixture();
        let mut b = builder(kind);
        for change in &changes {
            b = match change {
                Override::Claim(name, value) => b.claim(name, value),
                Override::Without(name) => b.without(name),
                Override::Header(name, value) => b.header(name, value),
            };
        }
        let token = b.sign();
        match f.verify(&f.all_kinds, &token) {
            Ok(identity) => {
                // Accepted only if the claims, as signed, check out.
                let claims: Value = serde_json::from_slice(
                    &URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap(),
                )
                .unwrap();
                let user = identity.user();
                let now = unix_now();
                let secs = |name: &str| claims.get(name).and_then(Value::as_u64);
                prop_assert_eq!(claims["iss"].as_str(), Some(f.issuer.issuer()));
                prop_assert_eq!(claims["sub"].as_str(), Some(user.id()));
                prop_assert!(secs("exp").is_some_and(|exp| exp.saturating_add(120) > now), "{claims}");
                prop_assert!(secs("nbf").is_none_or(|nbf| nbf < now + 120), "{claims}");
                prop_assert!(secs("iat").is_none_or(|iat| iat < now + 120), "{claims}");
                // No audience is configured: a token naming one is refused.
                prop_assert!(claims.get("aud").is_none_or(Value::is_null), "{claims}");
                if user.token_kind() == TokenKind::Session {
                    prop_assert_ne!(claims["sts"].as_str(), Some("pending"));
                }
                let debug = format!("{identity:?}");
                prop_assert!(!debug.contains(&token), "Debug of the identity repeats the token");
            }
            Err(err) => check_refusal(&err, &token)?,
        }
    }
}

// ---------------------------------------------------------------------------
// 2. The Authorization header
// ---------------------------------------------------------------------------

/// RFC 6750 `b64token`, written independently of the parser.
fn is_b64token(t: &str) -> bool {
    let body = t.trim_end_matches('=');
    !body.is_empty()
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~+/".contains(c))
}

/// A header value: `<scheme><spaces><credentials><spaces>` from plausible and
/// hostile pieces, or arbitrary bytes.
fn authorization_value() -> impl Strategy<Value = Vec<u8>> {
    let scheme = prop_oneof![
        Just("Bearer"),
        Just("bearer"),
        Just("BEARER"),
        Just("bEaReR"),
        Just("Basic"),
        Just("Bearer:"),
        Just("Bearerx"),
        Just(""),
    ];
    let credentials = prop_oneof![
        4 => "[A-Za-z0-9._~+/-]{1,40}={0,2}",
        1 => "[A-Za-z0-9._~+/=-]{0,40}",
        1 => "[ -~]{0,40}",
        1 => "\\PC{0,20}",
        1 => (MAX_TOKEN_BYTES - 2..MAX_TOKEN_BYTES + 3).prop_map(|n| "a".repeat(n)),
    ];
    prop_oneof![
        4 => (
            "[ \t]{0,2}",
            scheme,
            "[ \t]{0,3}",
            credentials,
            "[ \t]{0,2}",
        )
            .prop_map(|(a, s, b, c, d)| format!("{a}{s}{b}{c}{d}").into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..48),
    ]
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn bearer_token_reads_only_well_formed_headers(
        values in prop::collection::vec(authorization_value(), 0..3),
    ) {
        let mut headers = HeaderMap::new();
        for v in &values {
            if let Ok(v) = HeaderValue::from_bytes(v) {
                headers.append(AUTHORIZATION, v);
            }
        }
        let sent: Vec<&HeaderValue> = headers.get_all(AUTHORIZATION).iter().collect();
        let result = bearer_token(&headers);
        match (&result, sent.as_slice()) {
            (Ok(None), []) => {}
            (Ok(found), []) => prop_assert!(false, "token without a header: {found:?}"),
            (Ok(Some(token)), [one]) => {
                let value = one.to_str().unwrap();
                prop_assert!(value.contains(token));
                prop_assert!(is_b64token(token), "{token:?}");
                prop_assert!(token.len() <= MAX_TOKEN_BYTES);
                // The rest is the Bearer scheme and spaces.
                let rest = value.trim_matches([' ', '\t']);
                let scheme = rest.strip_suffix(token).unwrap_or_else(|| panic!("{value:?}"));
                prop_assert!(scheme.ends_with([' ', '\t']), "{value:?}");
                prop_assert!(scheme.trim_end_matches([' ', '\t']).eq_ignore_ascii_case("bearer"));
            }
            (Ok(found), _) => prop_assert!(false, "{found:?} from {} headers", sent.len()),
            (Err(err), sent) => {
                prop_assert!(!sent.is_empty());
                prop_assert!(
                    ["authorization-header-invalid", "token-too-large"].contains(&err.reason())
                );
                for v in sent {
                    let v = String::from_utf8_lossy(v.as_bytes());
                    let token = v.trim_matches([' ', '\t']);
                    let token = token.split_once([' ', '\t']).map_or(token, |(_, t)| t.trim());
                    check_refusal(err, token)?;
                    if sent.len() == 1 {
                        // Completeness: one well-formed Bearer header is read.
                        let well_formed = v.trim_matches([' ', '\t']).split_once([' ', '\t'])
                            .is_some_and(|(s, t)| s.eq_ignore_ascii_case("bearer")
                                && is_b64token(t.trim_matches([' ', '\t']))
                                && t.trim_matches([' ', '\t']).len() <= MAX_TOKEN_BYTES);
                        prop_assert!(!well_formed, "well-formed header refused: {v:?} ({err})");
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// 3. v2 permission claims inside signed session tokens
// ---------------------------------------------------------------------------

/// `fea`: features with (and without) scope prefixes, or anything.
fn fea_claim() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "(o|ou|uo|u):[a-z]{1,4}(, ?(o|ou|uo|u|x)?:[a-z]{0,4}){0,4}",
        1 => "((o|u|ou|uo|x)?:?[a-z:]{0,4}[, ]{0,2}){0,5}",
        1 => "\\PC{0,24}",
    ]
}

/// `per`: permission names, or anything.
fn per_claim() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z]{1,4}(, ?[a-z:]{0,4}){0,5}",
        1 => "\\PC{0,24}",
    ]
}

/// `fpm`: masks, small and huge, and malformed ones.
fn fpm_claim() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[0-9]{1,3}(, ?[0-9]{1,3}){0,4}",
        1 => "[0-9]{1,40}(,[0-9]{20,60}){0,3}",
        1 => "([0-9]{0,30}|-[0-9]{1,5}|1e3|0x1|\\+1|1\\.5|[0-9]{4096,4100})(,[0-9 -]{0,25}){0,4}",
        1 => "\\PC{0,24}",
    ]
}

/// The names `fea` and `per` define, read independently of the decoder.
fn claim_names(fea: &str, per: &str) -> (Vec<String>, Vec<String>) {
    let features = fea
        .split(',')
        .filter_map(|e| {
            let (scope, f) = e.trim().split_once(':')?;
            (["o", "ou", "uo"].contains(&scope) && !f.is_empty()).then(|| f.to_owned())
        })
        .collect();
    let permissions = per
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    (features, permissions)
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn signed_permission_claims_decode_to_given_names_or_nothing(
        fea in fea_claim(),
        per in per_claim(),
        fpm in fpm_claim(),
        raw in prop::option::weighted(0.25, (json_value(), json_value(), json_value())),
    ) {
        let f = fixture();
        let mut b = f
            .issuer
            .session_token(USER)
            .org("org_1", "acme", "admin")
            .org_features(&fea, &per, &fpm);
        if let Some((fea, per, fpm)) = &raw {
            // Non-string claim values: the claims do not decode (fail closed).
            b = b
                .claim("fea", fea)
                .claim("o", json!({"id": "org_1", "rol": "admin", "per": per, "fpm": fpm}));
        }
        let token = b.sign();
        match f.verify(&f.all_kinds, &token) {
            Ok(identity) => {
                let org = identity.org().expect("the org claim");
                let (features, permissions) = match &raw {
                    None => claim_names(&fea, &per),
                    Some((fea, per, _)) => claim_names(
                        fea.as_str().unwrap_or_default(),
                        per.as_str().unwrap_or_default(),
                    ),
                };
                for p in org.permissions() {
                    prop_assert!(
                        features
                            .iter()
                            .any(|f| permissions.iter().any(|q| *p == format!("org:{f}:{q}"))),
                        "{p:?} not from fea={fea:?} per={per:?}"
                    );
                }
            }
            Err(err) => check_refusal(&err, &token)?,
        }
    }
}

// ---------------------------------------------------------------------------
// 5. The whole server over loopback HTTP
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Auth {
    Absent,
    /// Any header value (often not Bearer at all).
    Raw(Vec<u8>),
    /// `Bearer <random>`.
    Random(String),
    /// `Bearer <valid token, changed>`.
    Mutated(usize, Mutation),
    /// `Bearer <valid OAuth token>`.
    Valid,
    /// Two headers.
    Twice,
}

#[derive(Debug, Clone)]
struct HostileRequest {
    method: &'static str,
    auth: Auth,
    headers: Vec<(&'static str, Vec<u8>)>,
    body: Vec<u8>,
}

fn header_value(options: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::sample::select(options).prop_map(|s| s.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..32),
    ]
}

/// Present with probability `p`.
fn sometimes(
    p: f64,
    value: impl Strategy<Value = Vec<u8>>,
) -> impl Strategy<Value = Option<Vec<u8>>> {
    prop::option::weighted(p, value)
}

/// Mostly (6 in 7) the value a real client sends, else absent or another value.
fn usually(
    good: &'static str,
    others: &'static [&'static str],
) -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        6 => Just(Some(good.as_bytes().to_vec())),
        1 => prop::option::of(header_value(others)),
    ]
}

fn rpc_message() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            4 => Just(json!("tools/call")),
            1 => Just(json!("tools/list")),
            1 => Just(json!("initialize")),
            1 => Just(json!("ping")),
            1 => Just(json!("notifications/initialized")),
            1 => json_value(),
        ],
        prop_oneof![
            (
                prop::sample::select(vec![
                    "ping", "whoami", "notes", "org_info", "admin_only", "headers", "nope",
                ]),
                prop_oneof![3 => Just(json!({})), 1 => json_value()],
            )
                .prop_map(|(name, args)| json!({"name": name, "arguments": args})),
            json_value(),
        ],
        prop_oneof![4 => Just(json!(1)), 1 => json_value()],
    )
        .prop_map(|(method, params, id)| {
            json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
        })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => rpc_message().prop_map(|m| serde_json::to_vec(&m).unwrap()),
        1 => prop::collection::vec(rpc_message(), 0..4)
            .prop_map(|m| serde_json::to_vec(&m).unwrap()),
        1 => json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        1 => prop::collection::vec(any::<u8>(), 0..128),
        1 => (4000usize..4200).prop_map(|n| {
            let pad = "x".repeat(n);
            serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": "whoami", "arguments": {"pad": pad}}}))
            .unwrap()
        }),
    ]
}

/// A `Host` header instead of the real one: loopback spellings, refused
/// hosts, userinfo, garbage.
fn host() -> impl Strategy<Value = Option<Vec<u8>>> {
    let port = fixture().server.base.rsplit(':').next().unwrap().to_owned();
    prop_oneof![
        6 => Just(None),
        1 => prop::sample::select(vec![
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
            "LOCALHOST".to_owned(),
            "127.0.0.2".to_owned(),
            "evil.example".to_owned(),
            format!("127.0.0.1:{port}.evil.example"),
            format!("x@localhost:{port}"),
            String::new(),
        ])
        .prop_map(|h| Some(h.into_bytes())),
        1 => prop::collection::vec(any::<u8>(), 0..24).prop_map(Some),
    ]
}

fn hostile_request() -> impl Strategy<Value = HostileRequest> {
    let auth = prop_oneof![
        2 => Just(Auth::Absent),
        1 => authorization_value().prop_map(Auth::Raw),
        1 => "[A-Za-z0-9._-]{1,64}".prop_map(Auth::Random),
        3 => ((0usize..3), mutation()).prop_map(|(w, m)| Auth::Mutated(w, m)),
        2 => Just(Auth::Valid),
        1 => Just(Auth::Twice),
    ];
    let headers = (
        usually(
            "application/json",
            &[
                "application/json; charset=utf-8",
                "text/plain",
                "application/x-www-form-urlencoded",
            ],
        ),
        usually(
            "application/json, text/event-stream",
            &["application/json", "text/event-stream", "*/*"],
        ),
        usually("2025-11-25", &["2025-06-18", "2026-07-28", "2099-01-01"]),
        sometimes(
            0.2,
            header_value(&["tools/call", "tools/list", "initialize"]),
        ),
        sometimes(
            0.2,
            header_value(&[
                "ping",
                "whoami",
                "notes",
                "admin_only",
                "=?base64?d2hvYW1p?=",
            ]),
        ),
        sometimes(
            0.15,
            header_value(&["abc", "00000000-0000-0000-0000-000000000000"]),
        ),
        sometimes(
            0.15,
            header_value(&[
                "http://127.0.0.1:9",
                "http://localhost:3000",
                "https://evil.example",
                "null",
            ]),
        ),
    )
        .prop_map(|(ct, accept, version, method, name, session, origin)| {
            [
                ("content-type", ct),
                ("accept", accept),
                ("mcp-protocol-version", version),
                ("mcp-method", method),
                ("mcp-name", name),
                ("mcp-session-id", session),
                ("origin", origin),
            ]
            .into_iter()
            .filter_map(|(n, v)| v.map(|v| (n, v)))
            .collect::<Vec<_>>()
        });
    let headers = (headers, host()).prop_map(|(mut headers, host)| {
        if let Some(host) = host {
            headers.push(("host", host));
        }
        headers
    });
    (
        prop_oneof![
            4 => Just("POST"),
            1 => prop::sample::select(vec!["GET", "DELETE", "PUT", "OPTIONS"]),
        ],
        auth,
        headers,
        body(),
    )
        .prop_map(|(method, auth, headers, body)| HostileRequest {
            method,
            auth,
            headers,
            body,
        })
}

/// What came back, and what the request carried as its token.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
    /// The credential sent (the token, or the whole header value).
    token: Option<String>,
}

async fn send(f: &Fixture, client: &reqwest::Client, r: &HostileRequest) -> Answer {
    let mut headers = HeaderMap::new();
    for (name, value) in &r.headers {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.append(*name, value);
        }
    }
    let token = match &r.auth {
        Auth::Absent => None,
        Auth::Raw(raw) => HeaderValue::from_bytes(raw).ok().map(|v| {
            headers.append(AUTHORIZATION, v);
            String::from_utf8_lossy(raw).into_owned()
        }),
        Auth::Random(t) => Some(t.clone()),
        Auth::Mutated(which, m) => Some(mutate(&f.valid[*which], m)),
        Auth::Valid => Some(f.valid[0].clone()),
        Auth::Twice => {
            headers.append(
                AUTHORIZATION,
                HeaderValue::from_str(&format!("Bearer {}", f.valid[0])).unwrap(),
            );
            Some(f.valid[0].clone())
        }
    };
    if !matches!(r.auth, Auth::Absent | Auth::Raw(_))
        && let Some(token) = &token
    {
        // A token that is not a valid header value (a mutation may add any
        // character) is sent as raw bytes when possible.
        if let Ok(v) = HeaderValue::from_bytes(format!("Bearer {token}").as_bytes()) {
            headers.append(AUTHORIZATION, v);
        }
    }
    let method = http::Method::from_bytes(r.method.as_bytes()).unwrap();
    let response = client
        .request(method, &f.server.url)
        .headers(headers)
        .body(r.body.clone())
        .send()
        .await
        .expect("the server answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    Answer {
        status,
        headers,
        body,
        token,
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn check_answer(f: &Fixture, r: &HostileRequest, a: &Answer) -> Result<(), TestCaseError> {
    let body = String::from_utf8_lossy(&a.body);
    prop_assert!(a.status < 500, "{} {body}", a.status);
    let challenges: Vec<&str> = a
        .headers
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap_or("<not ascii>"))
        .collect();
    // The last parameter points at the metadata: derived from the real
    // address, or from a loopback `Host` the request sent instead.
    let own_host = !r.headers.iter().any(|(name, _)| *name == "host");
    let points_at_metadata = |challenge: &str| {
        let Some((_, url)) = challenge.split_once("resource_metadata=\"") else {
            return false;
        };
        let Some(url) = url.strip_suffix('"') else {
            return false;
        };
        if own_host {
            url == format!("{}{PRM_PATH}", f.server.base)
        } else {
            url.starts_with("http://") && url.ends_with(PRM_PATH) && !url.contains('"')
        }
    };
    match a.status {
        401 => {
            prop_assert_eq!(challenges.len(), 1, "{:?}", challenges);
            prop_assert!(challenges[0].starts_with("Bearer "), "{}", challenges[0]);
            prop_assert!(points_at_metadata(challenges[0]), "{}", challenges[0]);
        }
        403 if challenges.is_empty() => prop_assert!(
            body.starts_with("Forbidden: Host") || body.starts_with("Forbidden: Origin"),
            "403 without a challenge: {body}"
        ),
        403 => {
            prop_assert_eq!(challenges.len(), 1, "{:?}", challenges);
            prop_assert!(challenges[0].starts_with("Bearer error=\"insufficient_scope\""));
            prop_assert!(points_at_metadata(challenges[0]), "{}", challenges[0]);
        }
        _ => {}
    }
    if let Some(token) = a.token.as_deref().filter(|t| t.len() >= 16) {
        for (name, value) in &a.headers {
            prop_assert!(
                !contains(value.as_bytes(), token.as_bytes()),
                "token in {name}"
            );
        }
        prop_assert!(!contains(&a.body, token.as_bytes()), "token in the body");
    }
    // No protected tool ran for a caller without the valid token, and no tool
    // ever saw the Authorization header.
    let valid = a.token.as_deref() == Some(&f.valid[0]) && !matches!(r.auth, Auth::Twice);
    prop_assert!(valid || !body.contains(USER), "protected output: {body}");
    prop_assert!(!body.contains("authorization_visible=true"));
    Ok(())
}

#[test]
fn server_survives_hostile_requests() {
    let f = fixture();
    let client = client();
    let mut runner = TestRunner::new(config(96));
    let result = runner.run(&hostile_request(), |r| {
        let answer = f.rt.block_on(send(f, &client, &r));
        check_answer(f, &r, &answer)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // Still serving, and still right.
    f.rt.block_on(async {
        let answer = message(post(&f.server.url, Some(&f.valid[0]), &call("whoami")).await).await;
        assert_eq!(tool_text(&answer), (format!("{USER}|-|test_client"), false));
        let answer = message(post(&f.server.url, None, &call("ping")).await).await;
        assert_eq!(tool_text(&answer), ("pong".to_owned(), false));
        let r = post(&f.server.url, None, &call("whoami")).await;
        assert_eq!(r.status(), 401);
        assert!(challenge(&r).contains("resource_metadata="));
    });
}
