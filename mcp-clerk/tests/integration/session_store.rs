//! The Redis session store over loopback, with a real `redis-server` of the
//! test's own (ephemeral port, `--save '' --appendonly no`, killed at the
//! end) and two in-process replicas sharing it: a session created on one is
//! served on the other to its owner only, a `DELETE` on one ends it on both,
//! the key's TTL is the idle timeout and is refreshed on use, an expired
//! session is gone everywhere, and Redis down is a 503 with `Retry-After`,
//! not a hang and never a session served unchecked.
//!
//! `redis-server` must be installed (`scripts/test.sh` installs the Debian
//! package): the tests fail, not skip, without it.
#![cfg(all(feature = "testing", feature = "redis"))]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mcp_clerk::testing::TestIssuer;
use mcp_clerk::{
    BuildError, McpServer, RedisSessionStore, SessionLimits, SessionMode, SharedSessionStore,
};
use serde_json::{Value, json};

use crate::http_support::{
    Running, call, initialize, mcp_post, message, ping, post, send_as, start, tool_text, whoami,
};

const PATIENCE: Duration = Duration::from_secs(20);

/// A `redis-server` process of this test, killed when dropped.
pub(crate) struct Redis {
    child: Child,
    port: u16,
}

impl Redis {
    /// Starts a server on a free ephemeral port.
    pub(crate) fn start() -> Redis {
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("bind 127.0.0.1:0")
                .port();
            if let Some(redis) = Redis::on(port) {
                return redis;
            }
        }
        panic!("redis-server did not start");
    }

    /// Starts a server on `port`; `None` when it exits (port taken).
    pub(crate) fn on(port: u16) -> Option<Redis> {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "run redis-server: {e}; `bash scripts/test.sh` installs it \
                     (Debian package redis-server)"
                )
            });
        let mut redis = Redis { child, port };
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if redis.child.try_wait().ok().flatten().is_some() {
                return None;
            }
            if redis.cli(&["PING"]) == "PONG" {
                return Some(redis);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server on {port} never answered");
    }

    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Runs one command with `redis-cli`; its output, trimmed.
    pub(crate) fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .stderr(Stdio::null())
            .output()
            .expect("run redis-cli");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// How many owner checks (scripts) Redis has run.
    pub(crate) fn owner_checks(&self) -> u64 {
        let info = self.cli(&["INFO", "commandstats"]);
        ["cmdstat_evalsha:calls=", "cmdstat_eval:calls="]
            .iter()
            .filter_map(|p| {
                let rest = &info[info.find(p)? + p.len()..];
                rest.split(',').next()?.parse::<u64>().ok()
            })
            .sum()
    }

    /// Waits until `n` replicas listen for ended sessions.
    pub(crate) async fn subscribers(&self, n: usize) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let out = self.cli(&["PUBSUB", "NUMSUB", "mcp-clerk:ended"]);
            if out
                .lines()
                .nth(1)
                .and_then(|l| l.trim().parse::<usize>().ok())
                == Some(n)
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{n} subscribers never came: {out}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Kills the server (SIGKILL) and waits for it.
    pub(crate) fn kill(mut self) -> u16 {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.port
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn store(redis: &Redis) -> RedisSessionStore {
    RedisSessionStore::new(&redis.url()).expect("store")
}

async fn replica(issuer: &TestIssuer, store: RedisSessionStore, limits: SessionLimits) -> Running {
    start(
        McpServer::new("s", "1")
            .clerk(issuer.config())
            .session_mode(SessionMode::Stateful)
            .session_limits(limits)
            .session_store(store)
            .tools([ping(), whoami()]),
    )
    .await
}

/// Two replicas sharing `redis`.
async fn pair(issuer: &TestIssuer, redis: &Redis, limits: SessionLimits) -> [Running; 2] {
    [
        replica(issuer, store(redis), limits.clone()).await,
        replica(issuer, store(redis), limits).await,
    ]
}

async fn open(url: &str, token: Option<&str>) -> String {
    let r = post(url, token, &initialize()).await;
    assert_eq!(r.status(), 200, "initialize");
    let id = r.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    let _ = r.text().await;
    let r = in_session(
        url,
        token,
        &id,
        &json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
    )
    .await;
    assert_eq!(r.status(), 202, "initialized");
    id
}

fn session_request(url: &str, id: &str) -> reqwest::RequestBuilder {
    mcp_post(url)
        .header("mcp-protocol-version", "2025-11-25")
        .header("mcp-session-id", id)
}

async fn in_session(url: &str, token: Option<&str>, id: &str, body: &Value) -> reqwest::Response {
    send_as(session_request(url, id).json(body), token).await
}

/// `whoami` in session `id`: `Ok(user id)`, or `Err(status)`.
async fn whoami_in(url: &str, token: Option<&str>, id: &str) -> Result<String, u16> {
    let r = in_session(url, token, id, &call("whoami")).await;
    if r.status() != 200 {
        return Err(r.status().as_u16());
    }
    let text = tool_text(&message(r).await).0;
    Ok(text.split('|').next().unwrap_or_default().to_owned())
}

async fn delete(url: &str, token: &str, id: &str) -> u16 {
    let client = crate::http_support::client();
    let r = client
        .delete(url)
        .header("mcp-protocol-version", "2025-11-25")
        .header("mcp-session-id", id)
        .bearer_auth(token)
        .send()
        .await
        .expect("DELETE");
    r.status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_made_on_one_replica_serves_its_owner_on_the_other_and_no_one_else() {
    let redis = Redis::start();
    let issuer = TestIssuer::start().await;
    let [a, b] = pair(&issuer, &redis, SessionLimits::default()).await;
    let alice = issuer.oauth_token("user_alice").sign();
    let bob = issuer.oauth_token("user_bob").sign();

    let id = open(&a.url, Some(&alice)).await;
    for url in [&b.url, &a.url, &b.url] {
        assert_eq!(
            whoami_in(url, Some(&alice), &id).await,
            Ok("user_alice".into())
        );
    }
    for url in [&a.url, &b.url] {
        assert_eq!(whoami_in(url, Some(&bob), &id).await, Err(404), "bob");
        let r = in_session(url, None, &id, &call("ping")).await;
        assert_eq!(r.status(), 404, "anonymous");
    }
    // An anonymous session is claimed by its first signed-in user, on any replica.
    let anon = open(&a.url, None).await;
    let r = in_session(&b.url, None, &anon, &call("ping")).await;
    assert_eq!(r.status(), 200, "anonymous on the other replica");
    let _ = r.text().await;
    assert_eq!(
        whoami_in(&b.url, Some(&bob), &anon).await,
        Ok("user_bob".into())
    );
    for url in [&a.url, &b.url] {
        assert_eq!(whoami_in(url, Some(&alice), &anon).await, Err(404));
        let r = in_session(url, None, &anon, &call("ping")).await;
        assert_eq!(r.status(), 404, "claimed: anonymous use refused");
    }
    // Nothing in Redis names the user.
    let keys = redis.cli(&["KEYS", "*"]);
    let owner = redis.cli(&["HGET", &format!("mcp-clerk:session:{id}"), "owner"]);
    assert!(owner.starts_with("p:"), "{owner}");
    assert!(!keys.contains("alice") && !owner.contains("alice"));
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_on_one_replica_ends_the_session_on_every_replica() {
    let redis = Redis::start();
    let issuer = TestIssuer::start().await;
    let [a, b] = pair(&issuer, &redis, SessionLimits::default()).await;
    let alice = issuer.oauth_token("user_alice").sign();
    let bob = issuer.oauth_token("user_bob").sign();
    redis.subscribers(2).await;
    for _ in 0..3 {
        let id = open(&a.url, Some(&alice)).await;
        // both replicas hold a worker and a cached owner: repeated calls do
        // not ask Redis again (so only the report of the DELETE can end them)
        let checks = redis.owner_checks();
        for url in [&a.url, &b.url, &a.url, &b.url, &a.url, &b.url] {
            assert_eq!(
                whoami_in(url, Some(&alice), &id).await,
                Ok("user_alice".into())
            );
        }
        assert!(
            redis.owner_checks() - checks <= 2,
            "the owner cache is used"
        );
        assert_eq!(delete(&b.url, &bob, &id).await, 404, "not bob's to end");
        assert_eq!(
            whoami_in(&a.url, Some(&alice), &id).await,
            Ok("user_alice".into())
        );
        assert_eq!(delete(&b.url, &alice, &id).await, 202);
        for url in [&a.url, &b.url] {
            assert_eq!(whoami_in(url, Some(&alice), &id).await, Err(404), "{url}");
        }
        assert_eq!(
            redis.cli(&["EXISTS", &format!("mcp-clerk:session:{id}")]),
            "0"
        );
    }
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_expires_with_the_idle_timeout_and_use_refreshes_it() {
    let redis = Redis::start();
    let issuer = TestIssuer::start().await;
    let idle = Duration::from_secs(2);
    let [a, b] = pair(&issuer, &redis, SessionLimits::default().idle_timeout(idle)).await;
    let alice = issuer.oauth_token("user_alice").sign();
    let id = open(&a.url, Some(&alice)).await;
    let key = format!("mcp-clerk:session:{id}");
    let pttl = || redis.cli(&["PTTL", &key]).parse::<i64>().unwrap();
    let first = pttl();
    assert!(first > 0 && first <= 2000, "TTL {first} ms");
    // let it age, then use it on the other replica: the TTL is back near 2 s
    let deadline = Instant::now() + PATIENCE;
    while pttl() > 1500 {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let aged = pttl();
    assert_eq!(
        whoami_in(&b.url, Some(&alice), &id).await,
        Ok("user_alice".into())
    );
    assert!(pttl() > aged, "refreshed on use");
    // unused, it expires in Redis, and then on every replica
    let deadline = Instant::now() + PATIENCE;
    while redis.cli(&["EXISTS", &key]) != "0" {
        assert!(Instant::now() < deadline, "the key never expired");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for url in [&b.url, &a.url] {
        assert_eq!(whoami_in(url, Some(&alice), &id).await, Err(404), "{url}");
    }
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_is_a_503_with_retry_after_and_no_session_is_served_unchecked() {
    let redis = Redis::start();
    let issuer = TestIssuer::start().await;
    let a = replica(
        &issuer,
        store(&redis).timeout(Duration::from_millis(300)),
        SessionLimits::default(),
    )
    .await;
    let alice = issuer.oauth_token("user_alice").sign();
    let id = open(&a.url, Some(&alice)).await;
    assert_eq!(
        whoami_in(&a.url, Some(&alice), &id).await,
        Ok("user_alice".into())
    );
    let port = redis.kill();

    let answers = [
        in_session(&a.url, Some(&alice), &id, &call("whoami")).await,
        post(&a.url, Some(&alice), &initialize()).await,
        send_as(
            crate::http_support::client()
                .delete(&a.url)
                .header("mcp-protocol-version", "2025-11-25")
                .header("mcp-session-id", &id),
            Some(&alice),
        )
        .await,
    ];
    for r in answers {
        assert_eq!(r.status(), 503, "store down");
        assert_eq!(r.headers()["retry-after"], "1");
        assert!(r.headers().get("mcp-session-id").is_none());
        let body: Value = r.json().await.unwrap();
        let reason = body["error"]["data"]["reason"].as_str().unwrap();
        assert!(reason.starts_with("session_store_"), "{body}");
        assert!(!body.to_string().contains(&port.to_string()), "{body}");
    }

    // Redis back (empty: no persistence): the session is gone, new ones work.
    let redis = Redis::on(port).expect("redis-server again on its port");
    let deadline = Instant::now() + PATIENCE;
    let fresh = loop {
        let r = post(&a.url, Some(&alice), &initialize()).await;
        if r.status() == 200 {
            break r.headers()["mcp-session-id"].to_str().unwrap().to_owned();
        }
        assert_eq!(r.status(), 503);
        assert!(Instant::now() < deadline, "the store never reconnected");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(whoami_in(&a.url, Some(&alice), &id).await, Err(404));
    assert_eq!(
        whoami_in(&a.url, Some(&alice), &fresh).await,
        Ok("user_alice".into())
    );
    drop(redis);
    a.stop().await;
}

#[tokio::test]
async fn a_store_needs_stateful_sessions() {
    let store = RedisSessionStore::new("redis://127.0.0.1:1/").unwrap();
    assert!(!store.owner_cache_lifetime().is_zero());
    let err = McpServer::new("s", "1")
        .session_store(store)
        .tools([ping()])
        .into_router()
        .unwrap_err();
    assert!(matches!(err, BuildError::StoreWithoutSessions), "{err}");
}
