//! Resources, resource templates and prompts under the same policies as
//! tools, over real loopback HTTP: per-caller lists, reads and gets allowed,
//! the gate's 401 and 403 step-up (from the body and from the 2026-07-28
//! headers), role-forbidden components hidden and refused exactly like
//! unknown ones, template parameters typed from the URI, completions, an
//! org-scoped resource answering with the caller's organization, state, and
//! the build errors.
#![cfg(feature = "testing")]

use std::sync::Arc;

use mcp_clerk::__private::rmcp::model::{PromptMessage, Role};
use mcp_clerk::prelude::*;
use mcp_clerk::testing::TestIssuer;
use mcp_clerk::{BuildError, ComponentKind};
use serde_json::{Value, json};

use crate::http_support::*;

/// A plain text resource anyone may read.
#[resource("test://static-text", name = "static_text", mime_type = "text/plain")]
async fn static_text() -> String {
    "This is the content of the static text resource.".into()
}

/// A binary resource anyone may read.
#[resource("test://static-binary", mime_type = "image/png")]
async fn static_binary() -> Vec<u8> {
    vec![0x89, b'P', b'N', b'G']
}

async fn ids(request: CompletionRequest) -> Vec<String> {
    (1..=150)
        .map(|n| n.to_string())
        .filter(|n| n.starts_with(request.value()))
        .collect()
}

/// A template: `{id}` is a typed argument; signed-in callers only.
#[resource("test://template/{id}/data", auth = required, complete(id = ids))]
async fn template_data(user: ClerkUser, id: u32) -> Result<String, ToolError> {
    if id == 0 {
        return Err(ToolError::not_found("no data 0"));
    }
    Ok(format!("data {id} for {}", user.id()))
}

/// Needs the `notes:read` scope.
#[resource("notes://all", scope = "notes:read")]
async fn all_notes() -> &'static str {
    "every note"
}

/// The caller's organization, from the caller's own token.
#[resource("org://current", org = required, mime_type = "application/json")]
async fn current_org(org: ClerkOrg) -> String {
    json!({"org": org.id(), "slug": org.slug()}).to_string()
}

/// Admins only.
#[resource("admin://audit", role = "admin")]
async fn audit() -> String {
    "audit log".into()
}

/// A prompt without arguments.
#[prompt(name = "test_simple_prompt")]
async fn simple_prompt() -> String {
    "This is a simple prompt for testing.".into()
}

async fn styles(request: CompletionRequest) -> Vec<String> {
    ["formal", "friendly", "funny"]
        .into_iter()
        .filter(|s| s.starts_with(request.value()))
        .map(String::from)
        .collect()
}

/// A prompt with typed arguments; needs the `notes:read` scope.
#[prompt(scope = "notes:read", complete(style = styles))]
async fn summarise(
    user: ClerkUser,
    #[arg(description = "What to summarise")] topic: String,
    words: Option<u32>,
    style: Option<String>,
) -> Vec<PromptMessage> {
    vec![PromptMessage::new_text(
        Role::User,
        format!(
            "Summarise {topic} for {} in {} words, {}",
            user.id(),
            words.unwrap_or(100),
            style.as_deref().unwrap_or("plain")
        ),
    )]
}

/// Admins only.
#[prompt(role = "admin")]
async fn admin_prompt() -> String {
    "admin prompt".into()
}

/// A public tool beside them.
#[tool]
async fn ping() -> &'static str {
    "pong"
}

async fn server(issuer: &TestIssuer) -> Running {
    start(
        McpServer::new("components", "1")
            .clerk(oauth_and_session_config(issuer))
            // `self::`: `http_support::*` also brings a `ping`, so a bare
            // `ping` is ambiguous to the import `tools![]` makes (E0659).
            .tools(tools![self::ping])
            .resources(resources![
                static_text,
                static_binary,
                template_data,
                all_notes,
                current_org,
                audit
            ])
            .prompts(prompts![simple_prompt, summarise, admin_prompt]),
    )
    .await
}

fn read(uri: &str) -> Value {
    rpc("resources/read", json!({ "uri": uri }))
}

fn get(name: &str, arguments: Value) -> Value {
    rpc(
        "prompts/get",
        json!({ "name": name, "arguments": arguments }),
    )
}

fn listed(message: &Value, key: &str, field: &str) -> Vec<String> {
    message["result"][key]
        .as_array()
        .unwrap_or_else(|| panic!("no `{key}` list: {message}"))
        .iter()
        .map(|item| item[field].as_str().unwrap().to_owned())
        .collect()
}

async fn lists(url: &str, token: Option<&str>) -> (Vec<String>, Vec<String>, Vec<String>) {
    let resources = message(post(url, token, &rpc("resources/list", json!({}))).await).await;
    let templates =
        message(post(url, token, &rpc("resources/templates/list", json!({}))).await).await;
    let prompts = message(post(url, token, &rpc("prompts/list", json!({}))).await).await;
    (
        listed(&resources, "resources", "uri"),
        listed(&templates, "resourceTemplates", "uriTemplate"),
        listed(&prompts, "prompts", "name"),
    )
}

fn member(issuer: &TestIssuer) -> String {
    issuer
        .session_token("user_member")
        .org("org_1", "acme", "member")
        .sign()
}

fn admin(issuer: &TestIssuer) -> String {
    issuer
        .session_token("user_admin")
        .org("org_1", "acme", "admin")
        .sign()
}

#[tokio::test]
async fn lists_are_per_caller_and_hide_what_a_role_forbids() {
    let issuer = TestIssuer::start().await;
    let server = server(&issuer).await;
    let every_resource = [
        "test://static-text",
        "test://static-binary",
        "notes://all",
        "org://current",
        "admin://audit",
    ];
    let every_prompt = ["test_simple_prompt", "summarise", "admin_prompt"];
    // Anonymous: protected ones stay visible, so the challenge is discoverable.
    let (r, t, p) = lists(&server.url, None).await;
    assert_eq!(r, every_resource);
    assert_eq!(t, ["test://template/{id}/data"]);
    assert_eq!(p, every_prompt);
    // A member lacks the admin role: those are hidden.
    let (r, t, p) = lists(&server.url, Some(&member(&issuer))).await;
    assert_eq!(r, every_resource[..4]);
    assert_eq!(t, ["test://template/{id}/data"]);
    assert_eq!(p, every_prompt[..2]);
    let (r, _, p) = lists(&server.url, Some(&admin(&issuer))).await;
    assert_eq!(r, every_resource);
    assert_eq!(p, every_prompt);
    // Descriptors carry what the attributes said.
    let resources = message(post(&server.url, None, &rpc("resources/list", json!({}))).await).await;
    let text = &resources["result"]["resources"][0];
    assert_eq!(text["name"], "static_text");
    assert_eq!(text["mimeType"], "text/plain");
    assert_eq!(
        text["description"],
        "A plain text resource anyone may read."
    );
    let prompts = message(post(&server.url, None, &rpc("prompts/list", json!({}))).await).await;
    let args = &prompts["result"]["prompts"][1]["arguments"];
    assert_eq!(
        args,
        &json!([
            {"name": "topic", "description": "What to summarise", "required": true},
            {"name": "words", "required": false},
            {"name": "style", "required": false},
        ])
    );
    server.stop().await;
}

#[tokio::test]
async fn public_resources_and_prompts_are_read_anonymously() {
    let issuer = TestIssuer::start().await;
    let server = server(&issuer).await;
    let m = message(post(&server.url, None, &read("test://static-text")).await).await;
    assert_eq!(
        m["result"]["contents"],
        json!([{
            "uri": "test://static-text",
            "mimeType": "text/plain",
            "text": "This is the content of the static text resource."
        }])
    );
    let m = message(post(&server.url, None, &read("test://static-binary")).await).await;
    assert_eq!(m["result"]["contents"][0]["blob"], "iVBORw==");
    assert_eq!(m["result"]["contents"][0]["mimeType"], "image/png");
    let m = message(post(&server.url, None, &get("test_simple_prompt", json!({}))).await).await;
    assert_eq!(
        m["result"]["messages"],
        json!([{"role": "user", "content": {"type": "text", "text": "This is a simple prompt for testing."}}])
    );
    server.stop().await;
}

#[tokio::test]
async fn anonymous_callers_of_protected_components_get_the_401_challenge() {
    let issuer = TestIssuer::start().await;
    let server = server(&issuer).await;
    for body in [
        read("test://template/7/data"),
        read("notes://all"),
        get("summarise", json!({"topic": "x"})),
    ] {
        let r = post(&server.url, None, &body).await;
        assert_eq!(r.status(), 401, "{body}");
        let c = challenge(&r);
        assert!(c.contains("resource_metadata=\""), "{c}");
        assert!(!c.contains("error="), "no token, no error: {c}");
    }
    // The scoped ones ask for their scope in the 401 already.
    let r = post(&server.url, None, &read("notes://all")).await;
    assert!(challenge(&r).contains("notes:read"));
    // An invalid token is `invalid_token` on a resource too.
    let r = post(&server.url, Some("not-a-token"), &read("notes://all")).await;
    assert_eq!(r.status(), 401);
    assert!(challenge(&r).contains("error=\"invalid_token\""));
    server.stop().await;
}

/// POSTs `body` on the 2026-07-28 wire with the standard headers.
async fn post_2026(url: &str, method: &str, name: &str, body: &Value) -> reqwest::Response {
    client()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", ACCEPT)
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", method)
        .header("mcp-name", name)
        .json(body)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn the_gate_reads_2026_headers_for_resources_and_prompts() {
    let issuer = TestIssuer::start().await;
    let server = server(&issuer).await;
    // `Mcp-Name` is the URI for resources/read, the name for prompts/get.
    let r = post_2026(
        &server.url,
        "resources/read",
        "test://template/7/data",
        &read("test://template/7/data"),
    )
    .await;
    assert_eq!(r.status(), 401);
    challenge(&r);
    let r = post_2026(
        &server.url,
        "prompts/get",
        "summarise",
        &get("summarise", json!({})),
    )
    .await;
    assert_eq!(r.status(), 401);
    challenge(&r);
    server.stop().await;
}

#[tokio::test]
async fn a_missing_scope_is_a_403_step_up() {
    let issuer = TestIssuer::start().await;
    let server = server(&issuer).await;
    let token = issuer.oauth_token("user_1").scope("email").sign();
    for body in [read("notes://all"), get("summarise", json!({"topic": "x"}))] {
        let r = post(&server.url, Some(&token), &body).await;
        assert_eq!(r.status(), 403, "{body}");
        let c = challenge(&r);
        assert!(c.contains("error=\"insufficient_scope\""), "{c}");
        assert!(c.contains("scope=\"email notes:read\""), "{c}");
    }
    let token = issuer
        .oauth_token("user_1")
        .scope("email notes:read")
        .sign();
    let m = message(post(&server.url, Some(&token), &read("notes://all")).await).await;
    assert_eq!(m["result"]["contents"][0]["text"], "every note");
    let m = message(
        post(
            &server.url,
            Some(&token),
            &get(
                "summarise",
                json!({"topic": "notes", "words": "20", "style": "friendly"}),
            ),
        )
        .await,
    )
    .await;
    assert_eq!(
        m["result"]["messages"][0]["content"]["text"],
        "Summarise notes for user_1 in 20 words, friendly"
    );
    server.stop().await;
}

#[tokio::test]
async fn role_forbidden_components_are_refused_like_unknown_ones() {
    let issuer = TestIssuer::start().await;
    let server = server(&issuer).await;
    let member = member(&issuer);
    let forbidden = message(post(&server.url, Some(&member), &read("admin://audit")).await).await;
    let unknown = message(post(&server.url, Some(&member), &read("admin://nothing")).await).await;
    assert_eq!(forbidden["error"]["code"], -32002, "{forbidden}");
    assert_eq!(
        forbidden["error"]["message"]
            .as_str()
            .unwrap()
            .replace("admin://audit", "X"),
        unknown["error"]["message"]
            .as_str()
            .unwrap()
            .replace("admin://nothing", "X"),
    );
    assert!(forbidden.get("result").is_none());
    let forbidden =
        message(post(&server.url, Some(&member), &get("admin_prompt", json!({}))).await).await;
    let unknown = message(post(&server.url, Some(&member), &get("nothing", json!({}))).await).await;
    assert_eq!(forbidden["error"]["code"], -32602, "{forbidden}");
    assert_eq!(
        forbidden["error"]["message"]
            .as_str()
            .unwrap()
            .replace("admin_prompt", "X"),
        unknown["error"]["message"]
            .as_str()
            .unwrap()
            .replace("nothing", "X"),
    );
    // The admin reads and gets them.
    let admin = admin(&issuer);
    let m = message(post(&server.url, Some(&admin), &read("admin://audit")).await).await;
    assert_eq!(m["result"]["contents"][0]["text"], "audit log");
    let m = message(post(&server.url, Some(&admin), &get("admin_prompt", json!({}))).await).await;
    assert_eq!(
        m["result"]["messages"][0]["content"]["text"],
        "admin prompt"
    );
    server.stop().await;
}

#[tokio::test]
async fn template_parameters_are_typed_from_the_uri() {
    let issuer = TestIssuer::start().await;
    let server = server(&issuer).await;
    let token = issuer.oauth_token("user_1").sign();
    let m = message(post(&server.url, Some(&token), &read("test://template/42/data")).await).await;
    assert_eq!(
        m["result"]["contents"][0],
        json!({"uri": "test://template/42/data", "mimeType": "text/plain", "text": "data 42 for user_1"})
    );
    // Not a u32: the arguments' problem as invalid params.
    let m = message(post(&server.url, Some(&token), &read("test://template/abc/data")).await).await;
    assert_eq!(m["error"]["code"], -32602, "{m}");
    assert!(
        m["error"]["message"]
            .as_str()
            .unwrap()
            .contains("argument `id`"),
        "{m}"
    );
    // The function's own ToolError::not_found is -32002.
    let m = message(post(&server.url, Some(&token), &read("test://template/0/data")).await).await;
    assert_eq!(m["error"]["code"], -32002, "{m}");
    assert_eq!(m["error"]["message"], "not found: no data 0");
    // A URI the template does not match is not found.
    let m = message(post(&server.url, Some(&token), &read("test://template/1/2/data")).await).await;
    assert_eq!(m["error"]["code"], -32002, "{m}");
    server.stop().await;
}

fn complete(reference: Value, argument: &str, value: &str) -> Value {
    rpc(
        "completion/complete",
        json!({"ref": reference, "argument": {"name": argument, "value": value}}),
    )
}

#[tokio::test]
async fn completions_for_template_parameters_and_prompt_arguments() {
    let issuer = TestIssuer::start().await;
    let server = server(&issuer).await;
    let init = message(post(&server.url, None, &initialize()).await).await;
    let caps = &init["result"]["capabilities"];
    assert!(caps.get("resources").is_some(), "{caps}");
    assert!(caps.get("prompts").is_some(), "{caps}");
    assert!(caps.get("completions").is_some(), "{caps}");

    let token = issuer.oauth_token("user_1").scope("notes:read").sign();
    let template = json!({"type": "ref/resource", "uri": "test://template/{id}/data"});
    let m = message(
        post(
            &server.url,
            Some(&token),
            &complete(template.clone(), "id", "14"),
        )
        .await,
    )
    .await;
    assert_eq!(
        m["result"]["completion"]["values"],
        json!([
            "14", "140", "141", "142", "143", "144", "145", "146", "147", "148", "149"
        ])
    );
    assert_eq!(m["result"]["completion"]["hasMore"], false);
    // 150 candidates: capped at the protocol's 100, with hasMore.
    let m = message(
        post(
            &server.url,
            Some(&token),
            &complete(template.clone(), "id", ""),
        )
        .await,
    )
    .await;
    assert_eq!(
        m["result"]["completion"]["values"]
            .as_array()
            .unwrap()
            .len(),
        100
    );
    assert_eq!(m["result"]["completion"]["hasMore"], true);
    let prompt = json!({"type": "ref/prompt", "name": "summarise"});
    let m = message(
        post(
            &server.url,
            Some(&token),
            &complete(prompt.clone(), "style", "f"),
        )
        .await,
    )
    .await;
    assert_eq!(
        m["result"]["completion"]["values"],
        json!(["formal", "friendly", "funny"])
    );
    // An argument without a completer: no values.
    let m = message(
        post(
            &server.url,
            Some(&token),
            &complete(prompt.clone(), "topic", "a"),
        )
        .await,
    )
    .await;
    assert_eq!(m["result"]["completion"]["values"], json!([]));
    // The policy is decided first: no completions of a protected template
    // for an anonymous caller.
    let m = message(post(&server.url, None, &complete(template, "id", "1")).await).await;
    assert!(m.get("result").is_none(), "{m}");
    assert!(
        m["error"]["message"]
            .as_str()
            .unwrap()
            .contains("signed-in"),
        "{m}"
    );
    server.stop().await;
}

#[tokio::test]
async fn an_org_scoped_resource_answers_with_the_callers_organization() {
    let issuer = TestIssuer::start().await;
    let server = server(&issuer).await;
    let token = issuer
        .oauth_token("user_1")
        .scope("user:org:read")
        .org_id("org_42")
        .sign();
    let m = message(post(&server.url, Some(&token), &read("org://current")).await).await;
    let text = m["result"]["contents"][0]["text"].as_str().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(text).unwrap()["org"],
        "org_42"
    );
    assert_eq!(m["result"]["contents"][0]["mimeType"], "application/json");
    let other = issuer
        .session_token("user_2")
        .org("org_7", "seven", "member")
        .sign();
    let m = message(post(&server.url, Some(&other), &read("org://current")).await).await;
    let text = m["result"]["contents"][0]["text"].as_str().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(text).unwrap(),
        json!({"org": "org_7", "slug": "seven"})
    );
    // An OAuth token without an organization steps up for `user:org:read`.
    let token = issuer.oauth_token("user_1").scope("email").sign();
    let r = post(&server.url, Some(&token), &read("org://current")).await;
    assert_eq!(r.status(), 403);
    assert!(challenge(&r).contains("user:org:read"));
    server.stop().await;
}

#[derive(Clone)]
struct Motd(Arc<str>);

/// Reads the server's state.
#[resource("test://motd")]
async fn motd(State(motd): State<Motd>) -> String {
    motd.0.to_string()
}

/// Reads the server's state too.
#[prompt]
async fn motd_prompt(State(motd): State<Motd>) -> String {
    format!("Say: {}", motd.0)
}

#[tokio::test]
async fn state_reaches_resources_and_prompts() {
    let server = start(
        McpServer::new("s", "1")
            .state(Motd("hello".into()))
            .resources(resources![motd])
            .prompts(prompts![motd_prompt]),
    )
    .await;
    let m = message(post(&server.url, None, &read("test://motd")).await).await;
    assert_eq!(m["result"]["contents"][0]["text"], "hello");
    let m = message(post(&server.url, None, &get("motd_prompt", json!({}))).await).await;
    assert_eq!(m["result"]["messages"][0]["content"]["text"], "Say: hello");
    // Only what the server has is advertised.
    let init = message(post(&server.url, None, &initialize()).await).await;
    assert!(init["result"]["capabilities"].get("completions").is_none());
    server.stop().await;
}

#[test]
fn build_errors_name_the_component() {
    let e = McpServer::new("s", "1")
        .resources(resources![motd])
        .into_router()
        .unwrap_err();
    assert!(
        matches!(&e, BuildError::ComponentMissingState { kind: ComponentKind::Resource, name, type_name }
            if name == "test://motd" && type_name.ends_with("Motd")),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with("resource `test://motd` takes `State<"),
        "{e}"
    );
    let e = McpServer::new("s", "1")
        .prompts(prompts![motd_prompt])
        .into_router()
        .unwrap_err();
    assert!(
        matches!(
            e,
            BuildError::ComponentMissingState {
                kind: ComponentKind::Prompt,
                ..
            }
        ),
        "{e}"
    );
    let e = McpServer::new("s", "1")
        .resources(resources![all_notes])
        .into_router()
        .unwrap_err();
    assert!(
        matches!(&e, BuildError::ComponentMissingConfig { kind: ComponentKind::Resource, name } if name == "notes://all"),
        "{e}"
    );
    let e = McpServer::new("s", "1")
        .prompts(prompts![simple_prompt])
        .prompts(prompts![simple_prompt])
        .into_router()
        .unwrap_err();
    assert!(
        matches!(&e, BuildError::DuplicateComponent { kind: ComponentKind::Prompt, name } if name == "test_simple_prompt"),
        "{e}"
    );
    let bad = mcp_clerk::ResourceTemplateDef::new(
        "test://{a}{b}",
        "bad",
        mcp_clerk::ToolPolicy::new(),
        |_call| async {
            Ok(mcp_clerk::__private::rmcp::model::ReadResourceResult::new(
                vec![],
            ))
        },
    );
    let e = McpServer::new("s", "1")
        .resource(bad)
        .into_router()
        .unwrap_err();
    assert!(matches!(e, BuildError::InvalidUriTemplate { .. }), "{e}");
}

#[tokio::test]
async fn a_server_of_protected_components_challenges_every_anonymous_request() {
    let issuer = TestIssuer::start().await;
    let server = start(
        McpServer::new("s", "1")
            .clerk(issuer.config())
            .resources(resources![template_data])
            .prompts(prompts![summarise]),
    )
    .await;
    let r = post(&server.url, None, &initialize()).await;
    assert_eq!(r.status(), 401);
    challenge(&r);
    let token = issuer.oauth_token("user_1").sign();
    assert_eq!(
        post(&server.url, Some(&token), &initialize())
            .await
            .status(),
        200
    );
    server.stop().await;
}

#[tokio::test]
async fn rmcp_client_lists_reads_gets_and_completes() {
    use mcp_clerk::__private::rmcp::ServiceExt;
    use mcp_clerk::__private::rmcp::model::{GetPromptRequestParams, ReadResourceRequestParams};
    use mcp_clerk::__private::rmcp::transport::StreamableHttpClientTransport;
    use mcp_clerk::__private::rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;

    let issuer = TestIssuer::start().await;
    let server = server(&issuer).await;
    let token = issuer.oauth_token("user_1").scope("notes:read").sign();
    let config =
        StreamableHttpClientTransportConfig::with_uri(server.url.clone()).auth_header(token);
    let client =
        ().serve(StreamableHttpClientTransport::from_config(config))
            .await
            .expect("connect");
    let info = client.peer_info().expect("server info");
    assert!(info.capabilities.resources.is_some() && info.capabilities.prompts.is_some());
    let resources = client.list_all_resources().await.unwrap();
    // An OAuth token without an organization may still step up for the
    // admin resource (`user:org:read`), so it stays listed.
    let uris: Vec<&str> = resources.iter().map(|r| r.uri.as_str()).collect();
    assert_eq!(
        uris,
        [
            "test://static-text",
            "test://static-binary",
            "notes://all",
            "org://current",
            "admin://audit"
        ]
    );
    let templates = client.list_all_resource_templates().await.unwrap();
    assert_eq!(templates[0].uri_template, "test://template/{id}/data");
    let read = client
        .read_resource(ReadResourceRequestParams::new("test://template/9/data"))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&read.contents[0]).unwrap()["text"],
        "data 9 for user_1"
    );
    let prompt = client
        .get_prompt(
            GetPromptRequestParams::new("summarise")
                .with_arguments(json!({"topic": "rmcp"}).as_object().unwrap().clone()),
        )
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&prompt.messages[0]).unwrap()["content"]["text"],
        "Summarise rmcp for user_1 in 100 words, plain"
    );
    let values = client
        .complete_resource_simple("test://template/{id}/data", "id", "12")
        .await
        .unwrap();
    assert_eq!(
        values,
        [
            "12", "120", "121", "122", "123", "124", "125", "126", "127", "128", "129"
        ]
    );
    let values = client
        .complete_prompt_simple("summarise", "style", "fo")
        .await
        .unwrap();
    assert_eq!(values, ["formal"]);
    let _ = client.cancel().await;
    server.stop().await;
}
