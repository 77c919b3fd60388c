//! The Backend API handle tools take (`Clerk`): typed users, organizations
//! and memberships from the emulator, the per-id cache, the build-time check
//! for a secret key, and a hostile Backend API (garbage, 5xx, 429 with
//! `Retry-After`, a refused key, a hang), where every failure is a typed
//! error with its reason and nothing of the secret key shows.
#![cfg(all(feature = "testing", feature = "dev"))]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mcp_clerk::backend::{BackendError, Clerk, ClerkUserData};
use mcp_clerk::dev::DevClerk;
use mcp_clerk::prelude::*;
use mcp_clerk::{BuildError, ClerkConfig};
use serde_json::{Value, json};

use crate::http_support::*;

#[tokio::test]
async fn users_organizations_and_memberships_come_typed_from_the_backend_api() {
    let dev = DevClerk::new().start().await.unwrap();
    let clerk = dev.backend();

    let alice = clerk
        .users()
        .get("user_alice")
        .await
        .unwrap()
        .expect("Alice");
    assert_eq!(alice.id, "user_alice");
    assert_eq!(
        alice.primary_email_address.as_deref(),
        Some("alice@example.com")
    );
    assert_eq!(alice.email_addresses.len(), 1);
    assert!(alice.email_addresses[0].verified);
    assert_eq!(
        (
            alice.first_name.as_deref(),
            alice.last_name.as_deref(),
            alice.username.as_deref()
        ),
        (Some("Alice"), Some("Admin"), Some("alice"))
    );
    assert!(
        alice.created_at.is_some_and(|t| t > 1_600_000_000_000),
        "unix ms"
    );
    assert_eq!(alice.last_sign_in_at, None);
    // Structured output: Clerk's names.
    let json = serde_json::to_value(&alice).unwrap();
    assert_eq!(json["primary_email_address"], "alice@example.com");
    assert_eq!(
        json["email_addresses"][0]["email_address"],
        "alice@example.com"
    );

    let acme = clerk
        .organizations()
        .get("org_acme")
        .await
        .unwrap()
        .expect("Acme");
    assert_eq!(
        (acme.name.as_str(), acme.slug.as_deref()),
        ("Acme Inc", Some("acme"))
    );
    assert_eq!(acme.members_count, Some(2));

    let members = clerk.organizations().memberships("org_acme").await.unwrap();
    let roles: Vec<(&str, &str)> = members.iter().map(|m| (m.user_id(), m.role())).collect();
    assert_eq!(
        roles,
        [("user_alice", "org:admin"), ("user_bob", "org:member")]
    );
    let bob = clerk
        .membership("user_bob", "org_acme")
        .await
        .unwrap()
        .expect("Bob");
    assert_eq!(bob.permissions(), ["org:projects:read"]);

    // Unknown ids are `None` / empty; ids not shaped like Clerk's never reach a URL.
    assert!(clerk.users().get("user_nobody").await.unwrap().is_none());
    assert!(
        clerk
            .organizations()
            .get("org_nothing")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        clerk
            .organizations()
            .memberships("org_nothing")
            .await
            .unwrap()
            .is_empty()
    );
    let before = dev.request_log().len();
    for id in ["../v1/organizations/org_acme", "user_alice?x=1", ""] {
        assert!(clerk.users().get(id).await.unwrap().is_none(), "{id}");
    }
    assert_eq!(
        dev.request_log().len(),
        before,
        "no request for a malformed id"
    );
}

#[tokio::test]
async fn reads_within_the_cache_lifetime_make_one_backend_api_request() {
    let dev = DevClerk::new().start().await.unwrap();
    let clerk = dev.backend();
    for _ in 0..3 {
        clerk.users().get("user_bob").await.unwrap().unwrap();
        clerk
            .organizations()
            .get("org_acme")
            .await
            .unwrap()
            .unwrap();
    }
    // Concurrent first reads of one id share one request.
    let reads: Vec<_> = (0..20)
        .map(|_| {
            let c = clerk.clone();
            tokio::spawn(async move { c.users().get("user_alice").await })
        })
        .collect();
    for r in reads {
        assert!(r.await.unwrap().unwrap().is_some());
    }
    assert_eq!(
        dev.request_log(),
        [
            "GET /v1/users/user_bob 200",
            "GET /v1/organizations/org_acme 200",
            "GET /v1/users/user_alice 200"
        ]
    );
    // A zero lifetime reads every time.
    let uncached = dev.backend().cache_ttl(Duration::ZERO);
    uncached.users().get("user_bob").await.unwrap();
    uncached.users().get("user_bob").await.unwrap();
    let bob_reads = dev
        .request_log()
        .iter()
        .filter(|l| *l == "GET /v1/users/user_bob 200")
        .count();
    assert_eq!(bob_reads, 3);
}

/// What the hostile Backend API answers for `GET /v1/users/{id}`.
#[derive(Clone)]
enum Answer {
    Json(StatusCode, Value),
    Raw(StatusCode, &'static str),
    WithRetryAfter(StatusCode, &'static str),
    Huge,
    Hang,
}

async fn hostile_users_api() -> (String, Arc<Mutex<Answer>>, Arc<Mutex<usize>>) {
    let answer = Arc::new(Mutex::new(Answer::Raw(StatusCode::OK, "{}")));
    let hits = Arc::new(Mutex::new(0));
    let (a, h) = (answer.clone(), hits.clone());
    let app = Router::new().route(
        "/v1/users/{id}",
        get(move |Path(_id): Path<String>| {
            let (a, h) = (a.clone(), h.clone());
            async move {
                *h.lock().unwrap() += 1;
                let answer = a.lock().unwrap().clone();
                match answer {
                    Answer::Json(status, v) => (status, axum::Json(v)).into_response(),
                    Answer::Raw(status, s) => (status, s).into_response(),
                    Answer::WithRetryAfter(status, after) => {
                        let mut r: Response = status.into_response();
                        r.headers_mut()
                            .insert(header::RETRY_AFTER, HeaderValue::from_static(after));
                        r
                    }
                    Answer::Huge => {
                        let body = format!("{{\"id\":\"{}\"}}", "x".repeat(10 * 1024 * 1024));
                        (StatusCode::OK, body).into_response()
                    }
                    Answer::Hang => {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        StatusCode::OK.into_response()
                    }
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/v1"), answer, hits)
}

#[tokio::test]
async fn a_hostile_users_endpoint_gives_typed_errors_with_reasons_and_never_the_key() {
    const SECRET: &str = "sk_test_hostile_users_secret";
    let (api_url, answer, hits) = hostile_users_api().await;
    let clerk = Clerk::new(SECRET)
        .api_url(api_url)
        .timeout(Duration::from_millis(500))
        .cache_ttl(Duration::from_secs(60));
    let user = json!({"object": "user", "id": "user_1", "first_name": "One",
        "primary_email_address_id": "idn_1",
        "email_addresses": [{"id": "idn_1", "email_address": "one@example.com"}]});
    let s5 = Duration::from_secs(5);
    let cases: Vec<(Answer, BackendError)> = vec![
        (
            Answer::Raw(StatusCode::OK, "{not json"),
            BackendError::UnexpectedAnswer,
        ),
        (
            Answer::Raw(StatusCode::OK, "[1,2,3]"),
            BackendError::UnexpectedAnswer,
        ),
        (Answer::Huge, BackendError::UnexpectedAnswer),
        (
            Answer::Json(StatusCode::OK, {
                let mut other = user.clone();
                other["id"] = "user_someone_else".into();
                other
            }),
            BackendError::UnexpectedAnswer,
        ),
        (
            Answer::Raw(StatusCode::INTERNAL_SERVER_ERROR, "oops"),
            BackendError::Failing {
                status: 500,
                retry_after: s5,
            },
        ),
        (
            Answer::WithRetryAfter(StatusCode::SERVICE_UNAVAILABLE, "9"),
            BackendError::Failing {
                status: 503,
                retry_after: Duration::from_secs(9),
            },
        ),
        (
            Answer::WithRetryAfter(StatusCode::TOO_MANY_REQUESTS, "17"),
            BackendError::RateLimited {
                retry_after: Duration::from_secs(17),
            },
        ),
        (
            Answer::Json(StatusCode::UNAUTHORIZED, json!({"errors": []})),
            BackendError::SecretKeyRefused,
        ),
        (
            Answer::Raw(StatusCode::IM_A_TEAPOT, ""),
            BackendError::UnexpectedAnswer,
        ),
        (Answer::Hang, BackendError::Timeout),
    ];
    for (a, expected) in cases {
        *answer.lock().unwrap() = a;
        let err = clerk.users().get("user_1").await.unwrap_err();
        assert_eq!(err, expected);
        let text = format!("{err} {err:?} {}", mcp_clerk::ToolError::from(err.clone()));
        assert!(text.contains(err.reason()), "{text}");
        assert!(!text.contains(SECRET), "{text}");
    }
    assert_eq!(
        BackendError::RateLimited {
            retry_after: Duration::from_secs(17)
        }
        .retry_after(),
        Duration::from_secs(17)
    );
    assert!(!format!("{clerk:?}").contains(SECRET));

    // Failures were never cached: the next good answer is read, then cached.
    let before = *hits.lock().unwrap();
    *answer.lock().unwrap() = Answer::Json(StatusCode::OK, user);
    let one = clerk.users().get("user_1").await.unwrap().expect("user");
    assert_eq!(
        one.primary_email_address.as_deref(),
        Some("one@example.com")
    );
    *answer.lock().unwrap() = Answer::Raw(StatusCode::INTERNAL_SERVER_ERROR, "");
    assert!(
        clerk.users().get("user_1").await.unwrap().is_some(),
        "cached"
    );
    assert_eq!(*hits.lock().unwrap(), before + 1);

    // A 404 is no user, not an error.
    *answer.lock().unwrap() = Answer::Json(StatusCode::NOT_FOUND, json!({"errors": []}));
    assert!(clerk.users().get("user_2").await.unwrap().is_none());
}

/// Gets data about the Clerk user that authorized this request.
#[tool(auth = required, name = "get-clerk-user-data")]
async fn user_data(user: ClerkUser, clerk: Clerk) -> Result<Json<ClerkUserData>, ToolError> {
    let data = clerk.users().get(user.id()).await?;
    data.map(Json)
        .ok_or_else(|| ToolError::not_found("the user no longer exists"))
}

#[tokio::test]
async fn a_tool_taking_clerk_is_not_built_without_a_secret_key() {
    let no_key = ClerkConfig::builder()
        .issuer("https://clerk.example.com")
        .build()
        .unwrap();
    let err = McpServer::new("no-key", "1")
        .clerk(no_key.clone())
        .tools(tools![user_data])
        .into_router()
        .unwrap_err();
    assert!(matches!(&err, BuildError::MissingSecretKey(tool) if tool == "get-clerk-user-data"));
    let message = err.to_string();
    assert!(
        message.contains("get-clerk-user-data") && message.contains("CLERK_SECRET_KEY"),
        "{message}"
    );
    // No Clerk config at all: the same, before the missing config.
    assert!(matches!(
        McpServer::new("none", "1")
            .tools(tools![user_data])
            .into_router(),
        Err(BuildError::MissingSecretKey(_))
    ));

    // A secret key in the config, or a handle given as state, builds.
    let with_key = ClerkConfig::builder()
        .issuer("https://clerk.example.com")
        .secret_key("sk_test_builds")
        .build()
        .unwrap();
    assert!(
        McpServer::new("key", "1")
            .clerk(with_key)
            .tools(tools![user_data])
            .into_router()
            .is_ok()
    );
    assert!(
        McpServer::new("state", "1")
            .clerk(no_key)
            .state(Clerk::new("sk_test_state"))
            .tools(tools![user_data])
            .into_router()
            .is_ok()
    );
}

#[tokio::test]
async fn a_tool_reads_its_caller_through_the_handle_over_http() {
    let dev = DevClerk::new().start().await.unwrap();
    let server = start(
        McpServer::new("user-data", "1")
            .clerk(dev.config_builder().build().unwrap())
            .tools(tools![user_data]),
    )
    .await;
    let token = dev.token("user_bob").mint().unwrap();
    let r = post(&server.url, Some(&token), &call("get-clerk-user-data")).await;
    let m = message(r).await;
    let data = &m["result"]["structuredContent"];
    assert_eq!(data["id"], "user_bob", "{m}");
    assert_eq!(data["primary_email_address"], "bob@example.com");
    assert_eq!(data["last_name"], "Builder");
    // The second call is served from the handle's cache.
    let r = post(&server.url, Some(&token), &call("get-clerk-user-data")).await;
    assert_eq!(
        message(r).await["result"]["structuredContent"]["id"],
        "user_bob"
    );
    let reads = dev
        .request_log()
        .iter()
        .filter(|l| l.starts_with("GET /v1/users/user_bob "))
        .count();
    assert_eq!(reads, 1, "{:?}", dev.request_log());
}
