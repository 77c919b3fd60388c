//! The JWKS key source and the verified-token cache, against a real
//! TestIssuer JWKS endpoint over loopback HTTP.
#![cfg(feature = "testing")]

use std::time::Duration;

use mcp_clerk::config::ClerkConfigBuilder;
use mcp_clerk::testing::{JwksMode, TestIssuer};
use mcp_clerk::{ClerkConfig, Identity, TokenError, Verifier};

fn verifier(config: ClerkConfig) -> Verifier {
    Verifier::new(&config).expect("verifier")
}

/// A verifier for `issuer`'s config as changed by `tune`.
fn verifier_with(
    issuer: &TestIssuer,
    tune: impl FnOnce(ClerkConfigBuilder) -> ClerkConfigBuilder,
) -> Verifier {
    verifier(tune(issuer.config_builder()).build().unwrap())
}

/// Verifies every token in its own task, all started at once; the results in order.
async fn verify_concurrently(
    v: &Verifier,
    tokens: Vec<String>,
) -> Vec<Result<Identity, TokenError>> {
    let mut tasks = Vec::new();
    for token in tokens {
        let v = v.clone();
        tasks.push(tokio::spawn(async move { v.verify(&token).await }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    results
}

/// Time since the Unix epoch.
fn since_epoch() -> Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
}

async fn code(v: &Verifier, token: &str) -> &'static str {
    v.verify(token)
        .await
        .expect_err("token should be refused")
        .reason()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_concurrent_requests_share_one_fetch() {
    let issuer = TestIssuer::start().await;
    let v = verifier_with(&issuer, |b| b.jwks_cooldown(Duration::from_millis(300)));
    // Nothing loaded yet: 100 concurrent first requests (distinct tokens) share one fetch.
    // Sign first (signing is slow in debug builds), then start all requests at once.
    let tokens: Vec<String> = (0..100)
        .map(|i| issuer.oauth_token(&format!("user_{i}")).sign())
        .collect();
    for result in verify_concurrently(&v, tokens).await {
        result.expect("verifies");
    }
    assert_eq!(issuer.jwks_fetches(), 1);

    // After the cooldown, 100 concurrent requests with one unknown kid: exactly one more fetch.
    let tokens: Vec<String> = (0..100)
        .map(|i| {
            issuer
                .oauth_token(&format!("user_{i}"))
                .kid("ins_unknown")
                .sign()
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(400)).await;
    for result in verify_concurrently(&v, tokens).await {
        assert_eq!(result.unwrap_err().reason(), "jwk-kid-mismatch");
    }
    assert_eq!(issuer.jwks_fetches(), 2);
}

#[tokio::test]
async fn kid_spray_inside_the_cooldown_causes_no_fetch() {
    let issuer = TestIssuer::start().await;
    let v = verifier(issuer.config());
    v.verify(&issuer.oauth_token("u").sign()).await.unwrap();
    assert_eq!(issuer.jwks_fetches(), 1);
    for i in 0..200 {
        let t = issuer
            .oauth_token("u")
            .kid(&format!("ins_spray_{i}"))
            .sign();
        assert_eq!(code(&v, &t).await, "jwk-kid-mismatch");
    }
    assert_eq!(issuer.jwks_fetches(), 1, "the spray triggered a fetch");
    // Known keys keep working.
    v.verify(&issuer.oauth_token("u").sign()).await.unwrap();
}

#[tokio::test]
async fn endpoint_down_known_keys_still_verify() {
    let issuer = TestIssuer::start().await;
    let v = verifier_with(&issuer, |b| {
        b.jwks_ttl(Duration::from_millis(50))
            .jwks_cooldown(Duration::ZERO)
    });
    v.verify(&issuer.oauth_token("u").sign()).await.unwrap();
    issuer.set_jwks_mode(JwksMode::Fail);
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The key set is stale: each verification may start a background refresh,
    // which fails; the known key keeps verifying.
    for i in 0..5 {
        v.verify(&issuer.oauth_token(&format!("user_{i}")).sign())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        issuer.jwks_fetches() >= 2,
        "a background refresh was attempted"
    );
    // An unknown kid while the endpoint is down: the keys could not be loaded.
    let t = issuer.oauth_token("u").kid("ins_new").sign();
    assert_eq!(code(&v, &t).await, "jwk-remote-failed-to-load");
}

#[tokio::test]
async fn hanging_endpoint_does_not_block_known_keys() {
    let issuer = TestIssuer::start().await;
    let v = verifier_with(&issuer, |b| {
        b.jwks_ttl(Duration::ZERO)
            .jwks_cooldown(Duration::ZERO)
            .jwks_timeout(Duration::from_millis(300))
    });
    v.verify(&issuer.oauth_token("u").sign()).await.unwrap();
    issuer.set_jwks_mode(JwksMode::Hang);
    // Stale keys: background refreshes hang, verification of the known kid goes on.
    for i in 0..5 {
        v.verify(&issuer.oauth_token(&format!("user_{i}")).sign())
            .await
            .unwrap();
    }
    // An unknown kid waits for one fetch, which times out.
    let t = issuer.oauth_token("u").kid("ins_new").sign();
    assert_eq!(code(&v, &t).await, "jwk-remote-failed-to-load");
}

#[tokio::test]
async fn no_keys_fails_closed_then_recovers() {
    let issuer = TestIssuer::start().await;
    issuer.set_jwks_mode(JwksMode::Fail);
    let v = verifier_with(&issuer, |b| b.jwks_cooldown(Duration::from_millis(200)));
    let token = issuer.oauth_token("u").sign();
    assert_eq!(code(&v, &token).await, "jwk-remote-failed-to-load");
    assert!(v.verify(&token).await.unwrap_err().is_server_side());
    // Inside the cooldown: no new fetch, still closed.
    assert_eq!(code(&v, &token).await, "jwk-remote-failed-to-load");
    assert_eq!(issuer.jwks_fetches(), 1);
    issuer.set_jwks_mode(JwksMode::Serve);
    tokio::time::sleep(Duration::from_millis(250)).await;
    v.verify(&token).await.unwrap();
    assert_eq!(issuer.jwks_fetches(), 2);
}

#[tokio::test]
async fn hanging_endpoint_with_no_keys_fails_closed() {
    let issuer = TestIssuer::start().await;
    issuer.set_jwks_mode(JwksMode::Hang);
    let v = verifier_with(&issuer, |b| b.jwks_timeout(Duration::from_millis(200)));
    assert_eq!(
        code(&v, &issuer.oauth_token("u").sign()).await,
        "jwk-remote-failed-to-load"
    );
    assert_eq!(
        v.refresh_keys().await.unwrap_err().reason(),
        "jwk-remote-failed-to-load"
    );
}

#[tokio::test]
async fn unreachable_issuer_fails_closed() {
    // Bind and drop a listener to get a port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let v = verifier(
        ClerkConfig::builder()
            .issuer(format!("http://127.0.0.1:{port}"))
            .build()
            .unwrap(),
    );
    let issuer = TestIssuer::start().await;
    let token = issuer
        .oauth_token("u")
        .issuer_url(&format!("http://127.0.0.1:{port}"))
        .sign();
    assert_eq!(code(&v, &token).await, "jwk-remote-failed-to-load");
}

#[tokio::test]
async fn rotated_key_is_picked_up_and_old_tokens_stop_verifying() {
    let issuer = TestIssuer::start().await;
    let v = verifier_with(&issuer, |b| b.jwks_cooldown(Duration::ZERO));
    let old = issuer.oauth_token("u").sign();
    v.verify(&old).await.unwrap();
    assert_eq!(v.cached_tokens(), 1);
    let new_kid = issuer.rotate_key();
    assert_eq!(issuer.kid(), new_kid);
    let fresh = issuer.oauth_token("u").sign();
    v.verify(&fresh).await.unwrap();
    assert_eq!(issuer.jwks_fetches(), 2);
    // The old key left the JWKS: the cached verification of the old token is void.
    assert_eq!(code(&v, &old).await, "jwk-kid-mismatch");
}

#[tokio::test]
async fn refresh_keys_loads_the_jwks() {
    let issuer = TestIssuer::start().await;
    let v = verifier(issuer.config());
    assert_eq!(v.refresh_keys().await, Ok(1));
    assert_eq!(issuer.jwks_fetches(), 1);
    v.verify(&issuer.oauth_token("u").sign()).await.unwrap();
    assert_eq!(issuer.jwks_fetches(), 1, "no fetch after warm-up");
    assert_eq!(issuer.jwks()["keys"][0]["kid"], issuer.kid());
}

#[tokio::test]
async fn cache_hit_does_not_refetch() {
    let issuer = TestIssuer::start().await;
    let v = verifier_with(&issuer, |b| b.jwks_cooldown(Duration::ZERO));
    let token = issuer.oauth_token("u").sign();
    let first = v.verify(&token).await.unwrap();
    assert_eq!(issuer.jwks_fetches(), 1);
    for _ in 0..100 {
        let again = v.verify(&token).await.unwrap();
        assert_eq!(again.user().id(), first.user().id());
    }
    // Hits never reach the key source (the scheduled refresh waits for the TTL).
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(issuer.jwks_fetches(), 1);
    assert_eq!(v.cached_tokens(), 1);
}

#[tokio::test]
async fn expired_cached_token_is_rejected() {
    let issuer = TestIssuer::start().await;
    let v = verifier_with(&issuer, |b| b.clock_skew(Duration::ZERO));
    let now = since_epoch().as_secs();
    let token = issuer.oauth_token("u").exp(now + 2).sign();
    v.verify(&token).await.unwrap();
    v.verify(&token).await.unwrap();
    assert_eq!(v.cached_tokens(), 1, "the token is served from the cache");
    // Wait until exp has passed (exp is in whole seconds).
    loop {
        let t = since_epoch().as_millis();
        if t >= u128::from(now + 2) * 1000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(code(&v, &token).await, "token-expired");
}

#[tokio::test]
async fn failures_are_not_cached_and_cache_can_be_disabled() {
    let issuer = TestIssuer::start().await;
    let v = verifier(issuer.config());
    let bad = issuer.oauth_token("u").signed_by_wrong_key().sign();
    assert_eq!(code(&v, &bad).await, "token-invalid-signature");
    assert_eq!(code(&v, &bad).await, "token-invalid-signature");
    assert_eq!(v.cached_tokens(), 0);
    // The cache is on: a good token does enter it.
    v.verify(&issuer.oauth_token("u").sign()).await.unwrap();
    assert_eq!(v.cached_tokens(), 1);

    let uncached = verifier_with(&issuer, |b| b.token_cache_capacity(0));
    let token = issuer.oauth_token("u").sign();
    uncached.verify(&token).await.unwrap();
    uncached.verify(&token).await.unwrap();
    assert_eq!(uncached.cached_tokens(), 0);
}

#[tokio::test]
async fn with_no_keys_retries_are_limited_to_one_per_second() {
    let issuer = TestIssuer::start().await;
    issuer.set_jwks_mode(JwksMode::Fail);
    // Default cooldown (30 s); with no key known the retry window is 1 s.
    let v = verifier(issuer.config());
    let token = issuer.oauth_token("u").sign();
    for _ in 0..20 {
        assert_eq!(code(&v, &token).await, "jwk-remote-failed-to-load");
    }
    assert_eq!(issuer.jwks_fetches(), 1);
    issuer.set_jwks_mode(JwksMode::Serve);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    v.verify(&token).await.unwrap();
    assert_eq!(issuer.jwks_fetches(), 2);
}

#[tokio::test]
async fn cache_stays_within_its_capacity() {
    const CAPACITY: u64 = 4;
    let issuer = TestIssuer::start().await;
    let v = verifier_with(&issuer, |b| b.token_cache_capacity(CAPACITY));
    let tokens: Vec<String> = (0..40)
        .map(|i| issuer.oauth_token(&format!("user_{i}")).sign())
        .collect();
    for (i, token) in tokens.iter().enumerate() {
        let id = v.verify(token).await.unwrap();
        assert_eq!(id.user().id(), format!("user_{i}"));
        let cached = v.cached_tokens();
        assert!(cached <= CAPACITY, "{cached} cached after {} tokens", i + 1);
    }
    assert!(v.cached_tokens() >= 1, "the cache is in use");
    // Tokens evicted (or never admitted) still verify, with the right identity.
    for _ in 0..3 {
        for (i, token) in tokens.iter().enumerate() {
            let id = v.verify(token).await.unwrap();
            assert_eq!(id.user().id(), format!("user_{i}"));
        }
        assert!(v.cached_tokens() <= CAPACITY, "{}", v.cached_tokens());
    }
    assert_eq!(issuer.jwks_fetches(), 1);
}

#[tokio::test]
async fn cache_entry_never_outlives_the_max_ttl() {
    let issuer = TestIssuer::start().await;
    let v = verifier_with(&issuer, |b| {
        b.token_cache_max_ttl(Duration::from_millis(300))
    });
    let token = issuer.oauth_token("u").sign();
    v.verify(&token).await.unwrap();
    v.verify(&token).await.unwrap();
    assert_eq!(v.cached_tokens(), 1);
    // The entry dies at the max TTL (the count is read after moka's pending
    // evictions run), long before the token's own expiry in an hour.
    let mut count = 1;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        count = v.cached_tokens();
        if count == 0 {
            break;
        }
    }
    assert_eq!(count, 0, "the entry outlived its max TTL");
    v.verify(&token).await.unwrap();
    assert_eq!(v.cached_tokens(), 1, "verified again and cached anew");
}

#[tokio::test]
async fn a_removed_key_stops_verifying_cached_and_fresh_tokens_within_ttl_and_cooldown() {
    let issuer = TestIssuer::start().await;
    let (ttl, cooldown) = (Duration::from_millis(400), Duration::from_millis(200));
    let v = verifier_with(&issuer, |b| b.jwks_ttl(ttl).jwks_cooldown(cooldown));
    let cached = issuer.oauth_token("user_cached").sign();
    let fresh = issuer.oauth_token("user_fresh").sign(); // never verified before the removal
    v.verify(&cached).await.unwrap();
    assert_eq!(issuer.jwks_fetches(), 1);
    issuer.rotate_key(); // the signing key leaves the JWKS
    // No request at all meanwhile: the refresh runs on the TTL by itself.
    tokio::time::sleep(ttl + cooldown + Duration::from_millis(300)).await;
    assert!(issuer.jwks_fetches() >= 2, "refreshed without any request");
    assert_eq!(code(&v, &cached).await, "jwk-kid-mismatch", "cached token");
    assert_eq!(code(&v, &fresh).await, "jwk-kid-mismatch", "fresh token");
    v.verify(&issuer.oauth_token("user_new").sign())
        .await
        .unwrap();
}

#[tokio::test]
async fn the_scheduled_refresh_stops_with_the_verifier() {
    let issuer = TestIssuer::start().await;
    let v = verifier_with(&issuer, |b| {
        b.jwks_ttl(Duration::from_millis(100))
            .jwks_cooldown(Duration::ZERO)
    });
    v.verify(&issuer.oauth_token("u").sign()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(issuer.jwks_fetches() >= 2, "refreshes on its TTL");
    drop(v);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after_drop = issuer.jwks_fetches();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        issuer.jwks_fetches(),
        after_drop,
        "no refresh after the drop"
    );
}

#[tokio::test]
async fn a_kid_listed_twice_with_different_keys_is_refused() {
    let issuer = TestIssuer::start().await;
    let v = verifier_with(&issuer, |b| {
        b.jwks_ttl(Duration::from_millis(300))
            .jwks_cooldown(Duration::ZERO)
    });
    let token = issuer.oauth_token("u").sign();
    v.verify(&token).await.unwrap();
    // The JWKS now lists the token's kid twice: which key is meant cannot be
    // told, so neither is used, for cached and new tokens alike.
    issuer.publish_extra_key(&issuer.kid());
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(code(&v, &token).await, "jwk-kid-mismatch");
    assert_eq!(
        code(&v, &issuer.oauth_token("other").sign()).await,
        "jwk-kid-mismatch"
    );
    // A fresh verifier refuses it from its first fetch.
    let fresh = verifier(issuer.config());
    assert_eq!(code(&fresh, &token).await, "jwk-kid-mismatch");
}
