//! ClerkConfig: environment variables, builder, validation errors that name
//! the variable, publishable-key derivation, PEM keys with or without armor.

use std::collections::HashMap;
use std::time::Duration;

use mcp_clerk::{ClerkConfig, ConfigError, TokenKind};

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

fn err(vars: &[(&str, &str)]) -> ConfigError {
    ClerkConfig::from_env_with(env(vars)).expect_err("config should be refused")
}

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A real RSA-2048 SPKI public key (PEM body, 64-column lines).
const PEM: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo
4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u
+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyeh
kd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ
0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdg
cKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbc
mwIDAQAB
-----END PUBLIC KEY-----
";

#[test]
fn minimal_env_gives_secure_defaults() {
    let c = ClerkConfig::from_env_with(env(&[(
        "CLERK_FRONTEND_API_URL",
        "https://clerk.example.com/",
    )]))
    .unwrap();
    assert_eq!(c.issuer(), "https://clerk.example.com");
    assert_eq!(
        c.jwks_url(),
        "https://clerk.example.com/.well-known/jwks.json"
    );
    assert!(c.accepts(TokenKind::OAuth));
    assert!(!c.accepts(TokenKind::Session) && !c.accepts(TokenKind::M2M));
    assert_eq!(c.resource_url(), None);
    assert!(c.scopes_supported().is_empty());
    assert!(!c.require_audience() && c.authorized_parties().is_empty());
    assert_eq!(c.clock_skew(), Duration::from_secs(5));
    assert_eq!(c.jwks_ttl(), Duration::from_secs(300));
    assert_eq!(c.jwks_cooldown(), Duration::from_secs(30));
    assert!(!c.has_jwt_key() && c.secret_key().is_none());
}

#[test]
fn every_variable_is_read() {
    let c = ClerkConfig::from_env_with(env(&[
        ("MCP_CLERK_FRONTEND_API_URL", "https://a.clerk.accounts.dev"),
        ("CLERK_FRONTEND_API_URL", "https://ignored.example.com"),
        ("CLERK_SECRET_KEY", "sk_test_abc"),
        ("MCP_CLERK_RESOURCE_URL", "https://mcp.example.com/mcp/"),
        ("MCP_CLERK_SCOPES", "email, profile  user:org:read"),
        ("MCP_CLERK_ACCEPT", "oauth,session,m2m"),
        ("MCP_CLERK_AUDIENCES", "mch_a mch_b"),
        ("MCP_CLERK_REQUIRE_AUDIENCE", "true"),
        (
            "CLERK_AUTHORIZED_PARTIES",
            "https://app.example.com, https://admin.example.com",
        ),
        ("MCP_CLERK_CLOCK_SKEW", "2"),
        ("MCP_CLERK_JWKS_TTL", "10m"),
        ("MCP_CLERK_JWKS_COOLDOWN", "1500ms"),
        ("MCP_CLERK_JWKS_TIMEOUT", "3s"),
        ("MCP_CLERK_TOKEN_CACHE_SIZE", "0"),
    ]))
    .unwrap();
    assert_eq!(c.issuer(), "https://a.clerk.accounts.dev");
    assert_eq!(c.secret_key(), Some("sk_test_abc"));
    assert_eq!(c.resource_url(), Some("https://mcp.example.com/mcp"));
    assert_eq!(c.scopes_supported(), ["email", "profile", "user:org:read"]);
    assert!(
        c.accepts(TokenKind::OAuth) && c.accepts(TokenKind::Session) && c.accepts(TokenKind::M2M)
    );
    assert_eq!(
        c.audiences(),
        ["https://mcp.example.com/mcp", "mch_a", "mch_b"]
    );
    assert!(c.require_audience());
    assert_eq!(
        c.authorized_parties(),
        ["https://app.example.com", "https://admin.example.com"]
    );
    assert_eq!(c.clock_skew(), Duration::from_secs(2));
    assert_eq!(c.jwks_ttl(), Duration::from_secs(600));
    assert_eq!(c.jwks_cooldown(), Duration::from_millis(1500));
    assert_eq!(c.jwks_timeout(), Duration::from_secs(3));
    assert_eq!(c.token_cache_capacity(), 0);
}

#[test]
fn secret_key_is_redacted_in_debug() {
    let c = ClerkConfig::builder()
        .issuer("https://clerk.example.com")
        .secret_key("sk_live_supersecretvalue")
        .jwt_key(PEM)
        .build()
        .unwrap();
    let text = format!("{c:?}");
    assert!(!text.contains("supersecretvalue"), "{text}");
    assert!(text.contains("[redacted]"));
    assert!(!text.contains("MIIBIjAN"));
    let builder = format!(
        "{:?}",
        ClerkConfig::builder().secret_key("sk_live_supersecretvalue")
    );
    assert!(!builder.contains("supersecretvalue"), "{builder}");
}

#[test]
fn publishable_key_derives_the_issuer() {
    let pk = format!("pk_test_{}", b64("clerk.example.com$"));
    let c = ClerkConfig::from_env_with(env(&[("CLERK_PUBLISHABLE_KEY", &pk)])).unwrap();
    assert_eq!(c.issuer(), "https://clerk.example.com");
    // Live key, without padding.
    let pk = format!(
        "pk_live_{}",
        b64("happy-cat-12.clerk.accounts.dev$").trim_end_matches('=')
    );
    let c = ClerkConfig::builder().publishable_key(pk).build().unwrap();
    assert_eq!(c.issuer(), "https://happy-cat-12.clerk.accounts.dev");
    // An explicit URL wins over the publishable key.
    let c = ClerkConfig::from_env_with(env(&[
        (
            "CLERK_PUBLISHABLE_KEY",
            &format!("pk_test_{}", b64("a.example.com$")),
        ),
        ("CLERK_FRONTEND_API_URL", "https://b.example.com"),
    ]))
    .unwrap();
    assert_eq!(c.issuer(), "https://b.example.com");
}

#[test]
fn bad_publishable_keys_name_the_variable() {
    for pk in [
        "sk_test_abc".to_owned(),
        "pk_test_!!!".to_owned(),
        format!("pk_test_{}", b64("clerk.example.com")),
        format!("pk_test_{}", b64("$")),
        format!("pk_test_{}", b64("bad host/$")),
    ] {
        let e = err(&[("CLERK_PUBLISHABLE_KEY", &pk)]);
        assert_eq!(e.variable(), Some("CLERK_PUBLISHABLE_KEY"), "{pk}: {e}");
        assert!(e.to_string().contains("CLERK_PUBLISHABLE_KEY"));
    }
}

#[test]
fn missing_issuer_says_how_to_fix_it() {
    let e = err(&[("CLERK_FRONTEND_API_URL", "  ")]);
    assert!(
        matches!(
            e,
            ConfigError::Missing {
                var: "CLERK_FRONTEND_API_URL",
                ..
            }
        ),
        "{e}"
    );
    let text = e.to_string();
    assert!(
        text.contains("CLERK_FRONTEND_API_URL") && text.contains("CLERK_PUBLISHABLE_KEY"),
        "{text}"
    );
}

#[test]
fn http_issuer_only_on_loopback() {
    for ok in [
        "http://localhost:4000",
        "http://127.0.0.1:4000",
        "http://127.1.2.3",
        "http://[::1]:4000",
    ] {
        ClerkConfig::builder()
            .issuer(ok)
            .build()
            .unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    for bad in [
        "http://clerk.example.com",
        "http://10.0.0.1",
        "http://[::2]",
        "http://localhost.example.com",
    ] {
        let e = ClerkConfig::builder().issuer(bad).build().unwrap_err();
        assert_eq!(e.variable(), Some("CLERK_FRONTEND_API_URL"), "{bad}");
        assert!(e.to_string().contains("https://"), "{e}");
    }
    for bad in [
        "clerk.example.com",
        "ftp://clerk.example.com",
        "https://clerk.example.com?x=1",
        "https://u:p@clerk.example.com",
    ] {
        let e = err(&[("CLERK_FRONTEND_API_URL", bad)]);
        assert_eq!(e.variable(), Some("CLERK_FRONTEND_API_URL"), "{bad}");
    }
}

#[test]
fn resource_url_is_exact_and_validated() {
    let c = ClerkConfig::builder()
        .issuer("https://clerk.example.com")
        .resource_url("https://MCP.example.com:443/v1/mcp/")
        .build()
        .unwrap();
    assert_eq!(c.resource_url(), Some("https://mcp.example.com/v1/mcp"));
    for bad in [
        "/mcp",
        "http://mcp.example.com/mcp",
        "https://mcp.example.com/mcp#frag",
    ] {
        let e = err(&[
            ("CLERK_FRONTEND_API_URL", "https://clerk.example.com"),
            ("MCP_CLERK_RESOURCE_URL", bad),
        ]);
        assert_eq!(e.variable(), Some("MCP_CLERK_RESOURCE_URL"), "{bad}: {e}");
    }
}

#[test]
fn pem_key_with_or_without_armor() {
    let base = || ClerkConfig::builder().issuer("https://clerk.example.com");
    assert!(base().jwt_key(PEM).build().unwrap().has_jwt_key());
    // No armor, one line.
    let body: String = PEM.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(base().jwt_key(body.clone()).build().unwrap().has_jwt_key());
    // Armor on one line, as in some dashboards and .env files.
    let one_line = format!("-----BEGIN PUBLIC KEY-----{body}-----END PUBLIC KEY-----");
    assert!(base().jwt_key(one_line).build().unwrap().has_jwt_key());
    // Escaped newlines, as in a quoted .env value.
    let escaped = PEM.replace('\n', "\\n");
    let c = ClerkConfig::from_env_with(env(&[
        ("CLERK_FRONTEND_API_URL", "https://clerk.example.com"),
        ("CLERK_JWT_KEY", &escaped),
    ]))
    .unwrap();
    assert!(c.has_jwt_key());
}

/// A P-256 public key (not RSA).
const EC_PEM: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEsPUeSJ47yqcsVFZrOiiY556R7TSS
6DdLE6Rj421ZDE++hLK8tpgGmtMPY4lZPsKpcpUMxCgWWDujcyGLaEb2nw==
-----END PUBLIC KEY-----
";

/// An RSA-1024 public key (too small to verify RS256 with aws-lc).
const RSA_1024_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCnCuRRfch5erSA+8VzgxwqCjGc
mkhj50jqKpI8tEn7bp8cl+R3Yc1E00xS6S2KKe+MTRsYjMJ7Glmnr1h2NfAjwpPl
qu24P+7NfSqliBQSnWQla27UL00uxQkNxnt55CqdUoQndZ/2Xm3vXTFC/X0f4A5d
qYw9b+1j/UgBcKu84wIDAQAB
-----END PUBLIC KEY-----
";

#[test]
fn bad_pem_keys_name_the_variable() {
    let truncated: String = PEM
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<String>()[..100]
        .to_owned();
    for bad in [
        "not a key".to_owned(),
        truncated,
        "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----".to_owned(),
        "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----".to_owned(),
        EC_PEM.to_owned(),
        RSA_1024_PEM.to_owned(),
    ] {
        let e = err(&[
            ("CLERK_FRONTEND_API_URL", "https://clerk.example.com"),
            ("CLERK_JWT_KEY", &bad),
        ]);
        assert_eq!(e.variable(), Some("CLERK_JWT_KEY"), "{e}");
        assert!(
            !e.to_string().contains("MIIE"),
            "the key is not echoed: {e}"
        );
    }
}

#[test]
fn other_bad_settings_name_their_variable() {
    let issuer = ("CLERK_FRONTEND_API_URL", "https://clerk.example.com");
    let cases: &[(&str, &str)] = &[
        ("CLERK_SECRET_KEY", "pk_test_oops"),
        ("MCP_CLERK_ACCEPT", "oauth,cookies"),
        ("MCP_CLERK_ACCEPT", ","),
        ("MCP_CLERK_SCOPES", "email \"quoted\""),
        ("MCP_CLERK_REQUIRE_AUDIENCE", "maybe"),
        ("MCP_CLERK_REQUIRE_AUDIENCE", "true"),
        ("MCP_CLERK_CLOCK_SKEW", "5x"),
        ("MCP_CLERK_CLOCK_SKEW", "1h"),
        ("MCP_CLERK_CLOCK_SKEW", "3600"),
        ("MCP_CLERK_JWKS_TTL", "soon"),
        ("MCP_CLERK_JWKS_COOLDOWN", "-1"),
        ("MCP_CLERK_JWKS_TIMEOUT", "0"),
        ("MCP_CLERK_TOKEN_CACHE_SIZE", "lots"),
        ("MCP_CLERK_ACCEPT_PENDING_SESSIONS", "perhaps"),
    ];
    for (var, value) in cases {
        let e = err(&[issuer, (var, value)]);
        assert_eq!(e.variable(), Some(*var), "{var}={value}: {e}");
        assert!(e.to_string().starts_with(var), "{e}");
    }
    // MCP_CLERK_ACCEPT with "," parses to an empty list and is refused too.
    let e = ClerkConfig::builder()
        .issuer("https://clerk.example.com")
        .accept([])
        .build()
        .unwrap_err();
    assert_eq!(e.variable(), Some("MCP_CLERK_ACCEPT"));
}

#[test]
fn builder_overrides_env() {
    let mut b = mcp_clerk::config::ClerkConfigBuilder::from_env().expect("env builder");
    b = b
        .issuer("https://override.example.com")
        .accept([TokenKind::Session]);
    let c = b.build().unwrap();
    assert_eq!(c.issuer(), "https://override.example.com");
    assert!(c.accepts(TokenKind::Session) && !c.accepts(TokenKind::OAuth));
}

#[test]
fn backend_api_url_defaults_to_clerk_and_is_validated() {
    let base = [("CLERK_FRONTEND_API_URL", "https://x.clerk.accounts.dev")];
    let c = ClerkConfig::from_env_with(env(&base)).unwrap();
    assert_eq!(c.api_url(), "https://api.clerk.com/v1");
    let c = ClerkConfig::from_env_with(env(&[
        base[0],
        ("CLERK_API_URL", "http://127.0.0.1:9999/v1/"),
    ]))
    .unwrap();
    assert_eq!(c.api_url(), "http://127.0.0.1:9999/v1");
    let e = err(&[base[0], ("CLERK_API_URL", "http://api.example.com/v1")]);
    assert_eq!(e.variable(), Some("CLERK_API_URL"));
    assert!(e.to_string().contains("CLERK_API_URL"), "{e}");
}

#[test]
fn issuer_errors_name_the_variable_that_was_read() {
    for var in ["MCP_CLERK_FRONTEND_API_URL", "CLERK_FRONTEND_API_URL"] {
        for bad in [
            "clerk.example.com",
            "http://clerk.example.com",
            "https://clerk.example.com?x=1",
        ] {
            let e = err(&[(var, bad)]);
            assert_eq!(e.variable(), Some(var), "{var}={bad}: {e}");
            assert!(
                e.to_string().starts_with(&format!("{var} is invalid")),
                "{e}"
            );
        }
    }
    // Both set: MCP_CLERK_FRONTEND_API_URL is the one read, so the one named.
    let e = err(&[
        ("MCP_CLERK_FRONTEND_API_URL", "ftp://clerk.example.com"),
        ("CLERK_FRONTEND_API_URL", "https://fine.example.com"),
    ]);
    assert_eq!(e.variable(), Some("MCP_CLERK_FRONTEND_API_URL"), "{e}");
    // A good MCP_ value hides a bad CLERK_ value (it is never read).
    let c = ClerkConfig::from_env_with(env(&[
        ("MCP_CLERK_FRONTEND_API_URL", "https://fine.example.com"),
        ("CLERK_FRONTEND_API_URL", "ftp://clerk.example.com"),
    ]))
    .unwrap();
    assert_eq!(c.issuer(), "https://fine.example.com");
    // An issuer set in code after reading the environment is reported under
    // the builder's name for it, not the environment variable.
    let e = mcp_clerk::config::ClerkConfigBuilder::from_env()
        .expect("env builder")
        .issuer("ftp://clerk.example.com")
        .build()
        .unwrap_err();
    assert_eq!(e.variable(), Some("CLERK_FRONTEND_API_URL"), "{e}");
}
