//! Machine callers over HTTP: M2M tokens and API keys reach only the tools
//! that declare `callers = machines` or `callers = any`; a tool that takes a
//! `ClerkUser` never runs for one (refused and hidden from its list), and an
//! API key owned by a user acts as that user.
#![cfg(all(feature = "testing", feature = "dev"))]

use mcp_clerk::dev::DevClerk;
use mcp_clerk::prelude::*;
use mcp_clerk::{ClerkMachine, Identity, McpServer, TokenKind};
use serde_json::{Value, json};

use crate::http_support::*;

/// For people: the signed-in user's id.
#[tool(auth = required)]
async fn person_only(user: ClerkUser) -> String {
    user.id().to_owned()
}

/// For machines: the machine, its credential kind and scopes.
#[tool(callers = machines)]
async fn machine_only(machine: ClerkMachine) -> String {
    format!(
        "{}|{}|{}",
        machine.id(),
        machine.token_kind(),
        machine.scopes().join(",")
    )
}

/// For both: says which one called.
#[tool(callers = any)]
async fn anyone(caller: Identity, machine: Option<ClerkMachine>) -> String {
    match machine {
        Some(m) => format!("machine {}", m.id()),
        None => format!("person {}", caller.user().id()),
    }
}

/// For machines holding a scope.
#[tool(callers = machines, scope = "mch_billing")]
async fn billing(machine: ClerkMachine) -> String {
    format!("billing for {}", machine.id())
}

fn names(list: &Value) -> Vec<String> {
    let mut names: Vec<String> = list["result"]["tools"]
        .as_array()
        .expect("a tool list")
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn machines_reach_only_the_tools_that_accept_them() {
    let clerk = DevClerk::new().start().await.unwrap();
    let config = clerk
        .config_builder()
        .accept([TokenKind::OAuth, TokenKind::M2M, TokenKind::ApiKey])
        .build()
        .unwrap();
    let server = start(McpServer::new("machines", "1").clerk(config).tools(tools![
        person_only,
        machine_only,
        anyone,
        billing
    ]))
    .await;

    let person = clerk.token("user_alice").mint().unwrap();
    let m2m = clerk
        .m2m_token("mch_reporter")
        .scopes(["mch_billing"])
        .create()
        .unwrap();
    let m2m_jwt = clerk.m2m_token("mch_other").jwt().create().unwrap();
    let machine_key = clerk.api_key("mch_cron").create().unwrap();
    let user_key = clerk.api_key("user_bob").create().unwrap();

    let answer = |token: &str, tool: &str| {
        let (url, token, tool) = (server.url.clone(), token.to_owned(), tool.to_owned());
        async move {
            let r = post(&url, Some(&token), &call(&tool)).await;
            assert_eq!(r.status(), 200, "{tool}");
            tool_text(&message(r).await)
        }
    };

    // A person: their tools; the machine tools refuse (the generic answer of
    // a forbidden tool; the reason goes to the log) and are not listed.
    assert_eq!(
        answer(&person, "person_only").await,
        ("user_alice".into(), false)
    );
    assert_eq!(
        answer(&person, "anyone").await,
        ("person user_alice".into(), false)
    );
    let (text, is_error) = answer(&person, "machine_only").await;
    assert!(is_error && text.contains("is not available"), "{text}");
    let list = message(post(&server.url, Some(&person), &rpc("tools/list", json!({}))).await).await;
    assert_eq!(names(&list), ["anyone", "person_only"]);

    // Machines, in each credential form: never the person tool.
    for (token, id, kind) in [
        (&m2m, "mch_reporter", "m2m_token"),
        (&m2m_jwt, "mch_other", "m2m_token"),
        (&machine_key, "mch_cron", "api_key"),
    ] {
        let (text, is_error) = answer(token, "person_only").await;
        assert!(is_error && text.contains("is not available"), "{text}");
        let (text, is_error) = answer(token, "machine_only").await;
        assert!(
            !is_error && text.starts_with(&format!("{id}|{kind}|")),
            "{text}"
        );
        assert_eq!(
            answer(token, "anyone").await,
            (format!("machine {id}"), false)
        );
    }
    let list = message(post(&server.url, Some(&m2m), &rpc("tools/list", json!({}))).await).await;
    assert_eq!(names(&list), ["anyone", "billing", "machine_only"]);
    // Only the machine holding the scope runs the scoped tool.
    assert_eq!(
        answer(&m2m, "billing").await,
        ("billing for mch_reporter".into(), false)
    );
    let r = post(&server.url, Some(&machine_key), &call("billing")).await;
    assert_eq!(
        r.status(),
        403,
        "a missing scope is a step-up, as for people"
    );

    // An API key owned by a user acts as that user.
    assert_eq!(
        answer(&user_key, "person_only").await,
        ("user_bob".into(), false)
    );
    assert_eq!(
        answer(&user_key, "anyone").await,
        ("person user_bob".into(), false)
    );
    let (_, is_error) = answer(&user_key, "machine_only").await;
    assert!(is_error);
}

#[tokio::test]
async fn a_server_that_does_not_accept_machines_refuses_them_before_any_tool() {
    let clerk = DevClerk::new().start().await.unwrap();
    let server = start(
        McpServer::new("people", "1")
            .clerk(clerk.config_builder().build().unwrap())
            .tools(tools![person_only, anyone]),
    )
    .await;
    let m2m = clerk.m2m_token("mch_reporter").create().unwrap();
    let r = post(&server.url, Some(&m2m), &call("anyone")).await;
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.contains("invalid_token"), "{challenge}");
}
