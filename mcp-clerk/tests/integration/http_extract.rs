//! The extractors in a plain rmcp `#[tool_router]` server served behind the gate.
#![cfg(feature = "testing")]

use crate::http_support::*;
use mcp_clerk::extract::{MaybeOrg, MaybeUser};
use mcp_clerk::policy::{Requirement, ToolPolicy};
use mcp_clerk::testing::TestIssuer;
use mcp_clerk::{ClerkOrg, ClerkUser, Identity, McpServer};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::{tool, tool_handler, tool_router};

#[derive(Clone)]
struct Plain {
    tool_router: ToolRouter<Plain>,
}

#[tool_router]
impl Plain {
    fn new() -> Self {
        Self {
            tool_router: Self::tool_router(),
        }
    }

    #[tool(description = "Who am I?")]
    async fn whoami(&self, user: ClerkUser) -> String {
        format!("{}:{}", user.id(), user.token_kind())
    }

    #[tool(description = "The caller's organization.")]
    async fn my_org(&self, org: ClerkOrg) -> String {
        org.id().to_owned()
    }

    #[tool(description = "Greets anyone.")]
    async fn hello(&self, MaybeUser(user): MaybeUser, MaybeOrg(org): MaybeOrg) -> String {
        match (user, org) {
            (Some(u), Some(o)) => format!("hello {} of {}", u.id(), o.id()),
            (Some(u), None) => format!("hello {}", u.id()),
            _ => "hello guest".to_owned(),
        }
    }

    #[tool(description = "Raw identity.")]
    async fn raw(&self, identity: Identity) -> String {
        identity.user().client_id().unwrap_or("-").to_owned()
    }
}

#[tool_handler(router = self.tool_router)]
impl rmcp::ServerHandler for Plain {}

async fn server(issuer: &TestIssuer) -> Running {
    start(
        McpServer::new("plain", "1")
            .clerk(issuer.config())
            .rmcp_handler(Plain::new())
            .policy("hello", ToolPolicy::new().auth(Requirement::Optional))
            .policy("my_org", ToolPolicy::new().org(Requirement::Required)),
    )
    .await
}

#[tokio::test]
async fn extractors_read_the_identity_the_gate_stored() {
    let issuer = TestIssuer::start().await;
    let server = server(&issuer).await;
    let token = issuer
        .oauth_token("user_9")
        .client_id("cli_1")
        .scope("user:org:read")
        .org_id("org_9")
        .sign();
    let text = |m: serde_json::Value| tool_text(&m);
    let r = post(&server.url, Some(&token), &call("whoami")).await;
    assert_eq!(text(message(r).await), ("user_9:oauth_token".into(), false));
    let r = post(&server.url, Some(&token), &call("my_org")).await;
    assert_eq!(text(message(r).await), ("org_9".into(), false));
    let r = post(&server.url, Some(&token), &call("hello")).await;
    assert_eq!(
        text(message(r).await),
        ("hello user_9 of org_9".into(), false)
    );
    let r = post(&server.url, Some(&token), &call("raw")).await;
    assert_eq!(text(message(r).await), ("cli_1".into(), false));
}

#[tokio::test]
async fn optional_extractors_without_a_token_and_policies_from_the_table() {
    let issuer = TestIssuer::start().await;
    let server = server(&issuer).await;
    // `hello` is optional-auth: anonymous works
    let r = post(&server.url, None, &call("hello")).await;
    assert_eq!(tool_text(&message(r).await), ("hello guest".into(), false));
    // tools not named get the default policy: auth required → 401
    let r = post(&server.url, None, &call("whoami")).await;
    assert_eq!(r.status(), 401);
    // `my_org` needs an org: an OAuth token without one steps up
    let token = issuer.oauth_token("user_9").sign();
    let r = post(&server.url, Some(&token), &call("my_org")).await;
    assert_eq!(r.status(), 403);
    assert!(challenge(&r).contains("user:org:read"));
}

#[tokio::test]
async fn missing_identity_is_a_clear_protocol_error() {
    // The gate is bypassed on purpose (auth = none for `whoami`): the extractor
    // refuses with a message, it does not invent a user.
    let issuer = TestIssuer::start().await;
    let server = start(
        McpServer::new("plain", "1")
            .clerk(issuer.config())
            .rmcp_handler(Plain::new())
            .default_policy(ToolPolicy::new()),
    )
    .await;
    let r = post(&server.url, None, &call("whoami")).await;
    let m = message(r).await;
    assert_eq!(m["error"]["code"], -32600, "{m}");
    assert!(
        m["error"]["message"]
            .as_str()
            .unwrap()
            .contains("signed-in user")
    );
}

/// Roles and permissions on plain rmcp tools are enforced inside the session
/// (a tool error, as for `#[tool]` functions), and such tools are hidden from
/// callers who may not call them.
#[tokio::test]
async fn roles_and_permissions_guard_plain_rmcp_tools() {
    let issuer = TestIssuer::start().await;
    let config = oauth_and_session_config(&issuer);
    let server = start(
        McpServer::new("plain", "1")
            .clerk(config)
            .rmcp_handler(Plain::new())
            .policy("my_org", ToolPolicy::new().role("admin"))
            .policy("raw", ToolPolicy::new().permission("org:audit:read")),
    )
    .await;
    let member = issuer
        .session_token("user_1")
        .org("org_1", "acme", "member")
        .sign();
    let admin = issuer
        .session_v1_token("user_2")
        .org("org_1", "acme", "admin")
        .org_permissions(&["org:audit:read"])
        .sign();

    let listed = |m: serde_json::Value| -> Vec<String> {
        m["result"]["tools"]
            .as_array()
            .expect("a tool list")
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let list = rpc("tools/list", serde_json::json!({}));
    let r = post(&server.url, Some(&member), &list).await;
    assert_eq!(r.status(), 200);
    let tools = listed(message(r).await);
    assert!(tools.contains(&"whoami".to_owned()), "{tools:?}");
    assert!(!tools.contains(&"my_org".to_owned()), "{tools:?}");
    assert!(!tools.contains(&"raw".to_owned()), "{tools:?}");
    let r = post(&server.url, Some(&admin), &list).await;
    let tools = listed(message(r).await);
    assert!(tools.contains(&"my_org".to_owned()), "{tools:?}");
    assert!(tools.contains(&"raw".to_owned()), "{tools:?}");

    for tool in ["my_org", "raw"] {
        let r = post(&server.url, Some(&member), &call(tool)).await;
        assert_eq!(
            r.status(),
            200,
            "a refusal is a tool result, not an HTTP error"
        );
        let (text, is_error) = tool_text(&message(r).await);
        assert!(is_error, "{tool}: {text}");
        assert!(text.contains("is not available"), "{tool}: {text}");
    }
    let r = post(&server.url, Some(&admin), &call("my_org")).await;
    assert_eq!(tool_text(&message(r).await), ("org_1".into(), false));
    let r = post(&server.url, Some(&admin), &call("raw")).await;
    assert_eq!(tool_text(&message(r).await), ("-".into(), false));
}
