//! The notes example over loopback HTTP: state shared by tools, a resource
//! template and a prompt, each scoped to the caller's organization.

use mcp_clerk::testing::{TestIssuer, call_tool, message, post};
use mcp_clerk_examples::notes;
use serde_json::{Value, json};

fn rpc(method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
}

#[tokio::test]
async fn each_organization_sees_only_its_notes_in_every_component() {
    let issuer = TestIssuer::start().await;
    let bound = notes::server(issuer.config())
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let url = format!("http://{}/mcp", bound.local_addr());
    let server = tokio::spawn(bound.run_until(std::future::pending()));
    let acme = issuer.oauth_token("user_alice").org_id("org_acme").sign();
    let globex = issuer.oauth_token("user_bob").org_id("org_globex").sign();

    let added = call_tool(&url, Some(&acme), "add_note", json!({"text": "ship it"}))
        .await
        .unwrap();
    assert_eq!(added["result"]["content"][0]["text"], "note 0 added");

    // The resource template: the note of the caller's organization only.
    let read = |token: String| {
        let url = url.clone();
        async move {
            let r = post(
                &url,
                Some(&token),
                &rpc("resources/read", json!({"uri": "notes://notes/0"})),
            )
            .await
            .unwrap();
            message(r).await.unwrap()
        }
    };
    let mine = read(acme.clone()).await;
    let text = mine["result"]["contents"][0]["text"].as_str().unwrap();
    let note: Value = serde_json::from_str(text).unwrap();
    assert_eq!(
        (note["author"].as_str(), note["text"].as_str()),
        (Some("user_alice"), Some("ship it"))
    );
    let theirs = read(globex.clone()).await;
    assert_eq!(theirs["error"]["code"], -32002, "{theirs}");

    // The prompt carries the caller's organization's notes.
    let prompt = |token: String| {
        let url = url.clone();
        async move {
            let r = post(
                &url,
                Some(&token),
                &rpc("prompts/get", json!({"name": "summarise_notes"})),
            )
            .await
            .unwrap();
            message(r).await.unwrap()["result"]["messages"][0]["content"]["text"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    assert!(
        prompt(acme.clone())
            .await
            .contains("- ship it (by user_alice)")
    );
    assert!(!prompt(globex.clone()).await.contains("ship it"));

    // Anonymous callers are challenged before any of it.
    let r = post(
        &url,
        None,
        &rpc("prompts/get", json!({"name": "summarise_notes"})),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 401);
    server.abort();
}
