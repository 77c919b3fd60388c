//! Opaque Clerk credentials (`oat_…`, `mt_…`, `ak_…`) verified through the
//! Backend API: against the emulator (the real shapes, revocation, expiry),
//! and against a hostile Backend API (garbage, huge bodies, hangs, 429, 5xx,
//! refused key), where every answer is a 401 with its reason or the
//! documented 503, and nothing of the token or secret key leaks.
#![cfg(all(feature = "testing", feature = "dev"))]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post as route_post;
use mcp_clerk::dev::{DevClerk, DevTokenFormat};
use mcp_clerk::{ClerkConfig, McpServer, TokenError, TokenKind, Verifier};
use serde_json::{Value, json};

use crate::http_support::*;

const VERIFY: &str = "POST /v1/oauth_applications/access_tokens/verify 200";

async fn opaque_clerk() -> mcp_clerk::dev::DevClerkServer {
    DevClerk::new()
        .token_format(DevTokenFormat::Opaque)
        .start()
        .await
        .unwrap()
}

fn verifies(clerk: &mcp_clerk::dev::DevClerkServer) -> usize {
    clerk
        .request_log()
        .iter()
        .filter(|l| l.contains("/verify"))
        .count()
}

#[tokio::test]
async fn an_opaque_token_reaches_tools_exactly_like_a_jwt() {
    let clerk = opaque_clerk().await;
    let config = clerk.config_builder().build().unwrap();
    let server = start(
        McpServer::new("opaque", "1")
            .clerk(config)
            .tools([whoami(), notes()]),
    )
    .await;
    let opaque = clerk
        .token("user_alice")
        .client_id("client_a")
        .mint()
        .unwrap();
    let jwt = clerk
        .token("user_alice")
        .client_id("client_a")
        .jwt()
        .mint()
        .unwrap();
    assert!(opaque.starts_with("oat_") && opaque.len() == 36, "{opaque}");

    let mut lists = Vec::new();
    for token in [&opaque, &jwt] {
        let r = post(&server.url, Some(token), &call("whoami")).await;
        assert_eq!(r.status(), 200);
        assert_eq!(
            tool_text(&message(r).await),
            ("user_alice|-|client_a".to_owned(), false)
        );
        // Without `notes:read` both get the same 403 step-up challenge.
        let r = post(&server.url, Some(token), &call("notes")).await;
        assert_eq!(r.status(), 403);
        assert_scopes_include(&challenge(&r), &["notes:read"]);
        let r = post(&server.url, Some(token), &rpc("tools/list", json!({}))).await;
        let tools = message(r).await["result"]["tools"].clone();
        lists.push(tools);
    }
    assert_eq!(lists[0], lists[1], "the same tool list for both formats");
    // One Backend API request for the opaque token, whatever the calls.
    assert_eq!(verifies(&clerk), 1, "{:?}", clerk.request_log());

    // The organization picked at consent: the verify answer does not carry
    // it, the Frontend API's userinfo does; the role then comes from the
    // Backend API as for a JWT.
    let in_org = clerk.token("user_alice").org("org_acme").mint().unwrap();
    let org_server = start(
        McpServer::new("opaque-org", "1")
            .clerk(clerk.config_builder().build().unwrap())
            .tools([whoami(), admin_only()]),
    )
    .await;
    let r = post(&org_server.url, Some(&in_org), &call("whoami")).await;
    assert_eq!(
        tool_text(&message(r).await),
        ("user_alice|org_acme|dev_client".to_owned(), false)
    );
    let r = post(&org_server.url, Some(&in_org), &call("admin_only")).await;
    assert_eq!(tool_text(&message(r).await), ("admin".to_owned(), false));
    let log = clerk.request_log();
    assert!(
        log.contains(&"GET /oauth/userinfo 200".to_owned()),
        "{log:?}"
    );

    let scoped = clerk.token("user_bob").scope("notes:read").mint().unwrap();
    let r = post(&server.url, Some(&scoped), &call("notes")).await;
    assert_eq!(r.status(), 200);
    assert!(!tool_text(&message(r).await).1);
}

#[tokio::test]
async fn a_hundred_concurrent_first_uses_make_one_backend_api_request() {
    let clerk = opaque_clerk().await;
    let verifier = Verifier::new(&clerk.config_builder().build().unwrap()).unwrap();
    let token = clerk.token("user_alice").mint().unwrap();
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let (v, t) = (verifier.clone(), token.clone());
            tokio::spawn(async move { v.verify(&t).await })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap().user().id(), "user_alice");
    }
    assert_eq!(clerk.request_log(), [VERIFY]);
}

#[tokio::test]
async fn a_revoked_opaque_token_is_refused_once_its_cache_entry_ends() {
    let clerk = opaque_clerk().await;
    let config = clerk
        .config_builder()
        .opaque_token_ttl(Duration::from_millis(300))
        .build()
        .unwrap();
    let server = start(
        McpServer::new("opaque", "1")
            .clerk(config)
            .tools([whoami()]),
    )
    .await;
    let token = clerk.token("user_alice").mint().unwrap();
    let r = post(&server.url, Some(&token), &call("whoami")).await;
    assert_eq!(r.status(), 200);
    assert!(clerk.revoke(&token));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let refused = loop {
        let r = post(&server.url, Some(&token), &call("whoami")).await;
        if r.status() == 401 {
            break r;
        }
        assert!(tokio::time::Instant::now() < deadline, "never refused");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let challenge = challenge(&refused);
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    assert!(challenge.contains("token-revoked"), "{challenge}");
    assert!(!challenge.contains(&token));
}

#[tokio::test]
async fn unknown_and_expired_opaque_tokens_get_clerks_reason() {
    let clerk = opaque_clerk().await;
    let verifier = Verifier::new(&clerk.config_builder().build().unwrap()).unwrap();
    let unknown = verifier
        .verify("oat_0123456789abcdef0123456789abcdef")
        .await;
    assert_eq!(unknown.unwrap_err().reason(), "token-unknown");
    let short = clerk
        .token("user_alice")
        .ttl(Duration::from_secs(1))
        .mint()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        verifier.verify(&short).await.unwrap_err(),
        TokenError::Expired
    );
    // Refusals are not remembered: each costs a request.
    let again = verifier
        .verify("oat_0123456789abcdef0123456789abcdef")
        .await;
    assert!(again.is_err());
    assert_eq!(verifies(&clerk), 3);
}

#[tokio::test]
async fn without_a_secret_key_an_opaque_token_gets_a_401_that_says_what_to_set() {
    let clerk = opaque_clerk().await;
    let config = ClerkConfig::builder()
        .issuer(clerk.issuer())
        .build()
        .unwrap();
    let server = start(
        McpServer::new("opaque", "1")
            .clerk(config)
            .tools([whoami()]),
    )
    .await;
    let token = clerk.token("user_alice").mint().unwrap();
    let r = post(&server.url, Some(&token), &call("whoami")).await;
    assert_eq!(r.status(), 401);
    let challenge = challenge(&r);
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    assert!(challenge.contains("CLERK_SECRET_KEY"), "{challenge}");
    assert!(
        challenge.contains("token-requires-backend-api"),
        "{challenge}"
    );
    assert_eq!(verifies(&clerk), 0);
}

#[tokio::test]
async fn machine_credentials_are_verified_when_accepted() {
    let clerk = DevClerk::new().start().await.unwrap();
    let machine_key = clerk.api_key("mch_reporter").create().unwrap();
    let user_key = clerk
        .api_key("user_alice")
        .scopes(["notes:read"])
        .create()
        .unwrap();
    let org_key = clerk.api_key("org_acme").create().unwrap();
    let m2m = clerk
        .m2m_token("mch_reporter")
        .scopes(["mch_billing"])
        .create()
        .unwrap();
    let m2m_jwt = clerk.m2m_token("mch_reporter").jwt().create().unwrap();

    let oauth_only = Verifier::new(&clerk.config_builder().build().unwrap()).unwrap();
    for t in [&machine_key, &m2m, &m2m_jwt] {
        assert_eq!(
            oauth_only.verify(t).await.unwrap_err().reason(),
            "token-type-mismatch"
        );
    }
    assert_eq!(verifies(&clerk), 0, "refused before any request");

    let all = Verifier::new(
        &clerk
            .config_builder()
            .accept([TokenKind::OAuth, TokenKind::M2M, TokenKind::ApiKey])
            .build()
            .unwrap(),
    )
    .unwrap();
    let id = all.verify(&m2m).await.unwrap();
    assert_eq!(
        (id.user().id(), id.user().token_kind()),
        ("mch_reporter", TokenKind::M2M)
    );
    assert_eq!(id.user().scopes(), ["mch_billing"]);
    assert_eq!(
        all.verify(&m2m_jwt).await.unwrap().user().id(),
        "mch_reporter"
    );
    let id = all.verify(&user_key).await.unwrap();
    assert_eq!(
        (id.user().id(), id.user().token_kind()),
        ("user_alice", TokenKind::ApiKey)
    );
    assert!(id.user().has_scope("notes:read"));
    let id = all.verify(&org_key).await.unwrap();
    assert_eq!(id.org().map(|o| o.id()), Some("org_acme"));

    // Revoked through the emulator's Backend API, by id.
    let created: Value = reqwest::Client::new()
        .post(format!("{}/api_keys", clerk.backend_api_url()))
        .bearer_auth(clerk.secret_key())
        .json(&json!({"subject": "user_bob", "name": "ci"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = created["secret"].as_str().unwrap();
    let fresh = Verifier::new(
        &clerk
            .config_builder()
            .accept([TokenKind::ApiKey])
            .opaque_token_ttl(Duration::ZERO)
            .build()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(fresh.verify(secret).await.unwrap().user().id(), "user_bob");
    let r = reqwest::Client::new()
        .post(format!(
            "{}/api_keys/{}/revoke",
            clerk.backend_api_url(),
            created["id"].as_str().unwrap()
        ))
        .bearer_auth(clerk.secret_key())
        .json(&json!({"revocation_reason": "leaked"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(fresh.verify(secret).await.unwrap_err(), TokenError::Revoked);
}

/// What the hostile Backend API answers.
#[derive(Clone)]
enum Answer {
    Json(StatusCode, Value),
    Raw(StatusCode, &'static str),
    Huge,
    Hang,
    RateLimited(&'static str),
}

#[derive(Clone)]
struct Hostile {
    answer: Arc<Mutex<Answer>>,
    seen: Arc<Mutex<Vec<String>>>,
}

async fn hostile_backend() -> (String, Hostile) {
    let state = Hostile {
        answer: Arc::new(Mutex::new(Answer::Raw(StatusCode::OK, "{}"))),
        seen: Arc::default(),
    };
    let handler_state = state.clone();
    let app = Router::new().route(
        "/v1/oauth_applications/access_tokens/verify",
        route_post(move |body: String| {
            let state = handler_state.clone();
            async move {
                state.seen.lock().unwrap().push(body);
                let answer = state.answer.lock().unwrap().clone();
                match answer {
                    Answer::Json(status, v) => (status, axum::Json(v)).into_response(),
                    Answer::Raw(status, s) => (status, s).into_response(),
                    Answer::Huge => {
                        let body = format!("{{\"id\":\"{}\"}}", "x".repeat(10 * 1024 * 1024));
                        (StatusCode::OK, body).into_response()
                    }
                    Answer::Hang => {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        StatusCode::OK.into_response()
                    }
                    Answer::RateLimited(after) => {
                        let mut r: Response = StatusCode::TOO_MANY_REQUESTS.into_response();
                        r.headers_mut()
                            .insert(header::RETRY_AFTER, HeaderValue::from_static(after));
                        r
                    }
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/v1"), state)
}

fn valid_answer() -> Value {
    json!({"object": "clerk_idp_oauth_access_token", "id": "oat_id1", "client_id": "client_1",
           "subject": "user_1", "scopes": ["email"], "revoked": false, "expired": false,
           "expiration": 4_000_000_000_000u64, "created_at": 1_700_000_000_000u64})
}

#[tokio::test]
async fn a_hostile_backend_api_gets_a_401_with_its_reason_or_the_documented_503() {
    const SECRET: &str = "sk_test_hostile_secret_value";
    let (api_url, hostile) = hostile_backend().await;
    let config = ClerkConfig::builder()
        .issuer("https://clerk.example.com")
        .secret_key(SECRET)
        .api_url(api_url)
        .backend_timeout(Duration::from_millis(500))
        .opaque_token_ttl(Duration::ZERO)
        .build()
        .unwrap();
    let server = start(
        McpServer::new("hostile", "1")
            .clerk(config)
            .tools([whoami()]),
    )
    .await;
    let token = "oat_00112233445566778899aabbccddeeff";

    let cases: Vec<(Answer, u16, &str)> = vec![
        (Answer::Json(StatusCode::OK, valid_answer()), 200, ""),
        (
            Answer::Raw(StatusCode::OK, "{not json"),
            503,
            "unexpected-error",
        ),
        (
            Answer::Raw(StatusCode::OK, "[1,2,3]"),
            503,
            "unexpected-error",
        ),
        (Answer::Huge, 503, "unexpected-error"),
        (Answer::Hang, 503, "backend-api-timeout"),
        (
            Answer::Json(StatusCode::OK, json!({"active": false})),
            401,
            "token-unknown",
        ),
        (
            Answer::Json(StatusCode::OK, {
                let mut v = valid_answer();
                v["subject"] = "mch_intruder".into();
                v
            }),
            401,
            "token-type-mismatch",
        ),
        (
            Answer::Json(StatusCode::OK, {
                let mut v = valid_answer();
                v["aud"] = json!(["https://another-resource.example.com/mcp"]);
                v
            }),
            401,
            "token-invalid-audience",
        ),
        (
            Answer::Json(StatusCode::OK, {
                let mut v = valid_answer();
                v["revoked"] = true.into();
                v
            }),
            401,
            "token-revoked",
        ),
        (
            Answer::Json(StatusCode::NOT_FOUND, json!({"errors": []})),
            401,
            "token-unknown",
        ),
        (Answer::RateLimited("17"), 503, "backend-api-rate-limited"),
        (
            Answer::Raw(StatusCode::BAD_GATEWAY, "oops"),
            503,
            "backend-api-failed",
        ),
        (
            Answer::Json(StatusCode::UNAUTHORIZED, json!({"errors": []})),
            503,
            "secret-key-invalid",
        ),
        (
            Answer::Raw(StatusCode::IM_A_TEAPOT, ""),
            503,
            "unexpected-error",
        ),
    ];
    for (answer, status, reason) in cases {
        *hostile.answer.lock().unwrap() = answer;
        let r = post(&server.url, Some(token), &call("whoami")).await;
        assert_eq!(r.status().as_u16(), status, "case {reason}");
        let headers = format!("{:?}", r.headers());
        if status == 503 {
            let after = &r.headers()[header::RETRY_AFTER];
            let expected = if reason == "backend-api-rate-limited" {
                "17"
            } else {
                "5"
            };
            assert_eq!(after, expected, "case {reason}");
        }
        let body = r.text().await.unwrap();
        for secret in [token, SECRET] {
            assert!(
                !body.contains(secret) && !headers.contains(secret),
                "{reason}"
            );
        }
        if status != 200 {
            assert!(
                body.contains(reason) || headers.contains(reason),
                "case {reason}: {headers} {body}"
            );
        }
    }
    // The Backend API got the token in Clerk's body field (and nothing else).
    let seen = hostile.seen.lock().unwrap();
    assert_eq!(seen[0], json!({"access_token": token}).to_string());
}

#[tokio::test]
async fn a_failed_verification_is_not_remembered_as_a_success() {
    let (api_url, hostile) = hostile_backend().await;
    let verifier = Verifier::new(
        &ClerkConfig::builder()
            .issuer("https://clerk.example.com")
            .secret_key("sk_test_x")
            .api_url(api_url)
            .build()
            .unwrap(),
    )
    .unwrap();
    let token = "oat_00112233445566778899aabbccddeeff";
    *hostile.answer.lock().unwrap() = Answer::Raw(StatusCode::SERVICE_UNAVAILABLE, "");
    assert!(verifier.verify(token).await.unwrap_err().is_server_side());
    *hostile.answer.lock().unwrap() = Answer::Json(StatusCode::OK, valid_answer());
    assert_eq!(verifier.verify(token).await.unwrap().user().id(), "user_1");
    // Now cached: the answer changing does not matter within the lifetime.
    *hostile.answer.lock().unwrap() = Answer::Raw(StatusCode::SERVICE_UNAVAILABLE, "");
    assert!(verifier.verify(token).await.is_ok());
    assert_eq!(hostile.seen.lock().unwrap().len(), 2);
}
