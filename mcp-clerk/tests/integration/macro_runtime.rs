//! Runtime behaviour of `#[tool]` functions: build a `ToolCall` (with a real
//! rmcp `RequestContext` from an in-memory service) and run `ToolDef::call`.

use mcp_clerk::__private::rmcp::model::{CallToolResponse, CallToolResult, JsonObject, RequestId};
use mcp_clerk::__private::rmcp::service::{RequestContext, RunningService, serve_directly};
use mcp_clerk::__private::rmcp::{ErrorData, Peer, RoleServer, ServerHandler};
use mcp_clerk::__private::serde_json::{Value, json};
use mcp_clerk::identity::Identity;
use mcp_clerk::prelude::*;
use mcp_clerk::tool::ToolCall;
use mcp_clerk::tool::inject::CancellationToken;

struct Nop;
impl ServerHandler for Nop {}

/// A live rmcp server on an in-memory pipe, for its `Peer`.
fn service() -> RunningService<RoleServer, Nop> {
    let (server, _client) = tokio::io::duplex(4096);
    serve_directly(Nop, server, None)
}

fn context(peer: Peer<RoleServer>) -> RequestContext<RoleServer> {
    RequestContext::new(RequestId::Number(7), peer)
}

async fn call(
    tool: &ToolDef,
    args: Value,
    identity: Option<Identity>,
) -> Result<CallToolResponse, ErrorData> {
    let running = service();
    let arguments: Option<JsonObject> = match args {
        Value::Null => None,
        Value::Object(o) => Some(o),
        other => panic!("arguments must be an object, not {other}"),
    };
    let call = ToolCall::new(
        tool.name(),
        arguments,
        identity,
        context(running.peer().clone()),
    );
    tool.call(call).await
}

fn complete(r: Result<CallToolResponse, ErrorData>) -> CallToolResult {
    match r {
        Ok(CallToolResponse::Complete(r)) => r,
        Ok(_) => panic!("expected a complete result"),
        Err(e) => panic!("expected a result, got a protocol error: {e:?}"),
    }
}

fn text(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("")
}

fn user() -> Identity {
    Identity::new(ClerkUser::example("user_1", &["projects:write"]), None)
}

fn member(permissions: &[&str]) -> Identity {
    Identity::new(
        ClerkUser::example("user_1", &["user:org:read"]),
        Some(ClerkOrg::example("org_9", "org:member", permissions)),
    )
}

/// Answers pong.
#[tool]
async fn ping() -> &'static str {
    "pong"
}

/// Adds two numbers.
#[tool(annotations(read_only, idempotent))]
fn add(a: i64, b: i64) -> String {
    (a + b).to_string()
}

/// Greets someone.
#[tool]
async fn greet(
    name: String,
    #[arg(description = "How many times", default = 1)] times: u32,
    punctuation: Option<String>,
) -> String {
    let p = punctuation.unwrap_or_else(|| "!".into());
    vec![format!("hello {name}{p}"); times as usize].join(" ")
}

#[derive(Serialize, JsonSchema)]
struct Profile {
    id: String,
    org: Option<String>,
}

/// Who am I?
#[tool(auth = required)]
async fn whoami(user: ClerkUser) -> Json<Profile> {
    Json(Profile {
        id: user.id().to_owned(),
        org: None,
    })
}

/// Creates a project.
#[tool(org = required, permission = "org:projects:create")]
async fn create_project(
    user: ClerkUser,
    org: ClerkOrg,
    name: String,
    private: Option<bool>,
) -> Result<Json<Profile>, ToolError> {
    if name.is_empty() {
        return Err(ToolError::invalid_input("`name` must not be empty"));
    }
    let _ = private;
    Ok(Json(Profile {
        id: format!("{}:{name}", user.id()),
        org: Some(org.id().to_owned()),
    }))
}

/// Says who is calling, if anyone.
#[tool(auth = optional)]
async fn maybe(user: Option<ClerkUser>, ct: CancellationToken) -> String {
    assert!(!ct.is_cancelled());
    user.map_or_else(|| "anonymous".to_owned(), |u| u.id().to_owned())
}

#[derive(Deserialize, JsonSchema)]
struct Search {
    /// What to look for.
    query: String,
    limit: Option<u32>,
}

/// Searches.
#[tool(name = "search.run")]
async fn search(#[args] Search { query, limit }: Search) -> Result<String, String> {
    if query == "fail" {
        return Err("search failed".into());
    }
    Ok(format!("{query}:{}", limit.unwrap_or(10)))
}

/// The doc comment, overridden by `description`.
#[tool(
    description = "Archives a project for good.",
    org = optional,
    permissions("org:projects:archive", "org:projects:read"),
    roles("org:admin", "org:owner"),
    annotations(destructive, idempotent = false)
)]
async fn archive(org: ClerkOrg) -> String {
    org.id().to_owned()
}

/// Not destructive, said explicitly.
#[tool(annotations(destructive = false))]
fn harmless() {}

/// Defaults from `Default::default()`.
#[tool]
fn tag(
    #[arg(default)] label: String,
    #[arg(default)] count: u32,
    #[arg(default)] tags: Vec<String>,
) -> String {
    format!("{label:?}/{count}/{tags:?}")
}

/// Raw identifiers: the tool is `type`, the argument `loop`.
#[tool]
fn r#type(r#loop: u32, #[arg(default = 2)] r#in: u32) -> String {
    (r#loop * r#in).to_string()
}

/// Scopes need a caller even when the organization is optional.
#[tool(org = optional, scopes("notes:read"))]
async fn notes(user: ClerkUser, org: Option<ClerkOrg>) -> String {
    format!(
        "{}@{}",
        user.id(),
        org.map_or("-".to_owned(), |o| o.id().to_owned())
    )
}

mod nested {
    use mcp_clerk::prelude::*;

    /// A tool in a module.
    #[tool]
    pub(crate) async fn inner() -> String {
        "inner".into()
    }
}

#[tokio::test]
async fn public_tool_runs() {
    let tools = tools![ping, add, nested::inner];
    assert_eq!(tools.len(), 3);
    let r = complete(call(&tools[0], Value::Null, None).await);
    assert_eq!(text(&r), "pong");
    assert_eq!(r.is_error, Some(false));
    let r = complete(call(&tools[1], json!({"a": 2, "b": 40}), None).await);
    assert_eq!(text(&r), "42");
    let r = complete(call(&tools[2], json!({}), None).await);
    assert_eq!(text(&r), "inner");
}

#[tokio::test]
async fn functions_stay_callable() {
    assert_eq!(ping().await, "pong");
    assert_eq!(add(1, 2), "3");
    assert_eq!(
        greet("ada".into(), 2, Some("?".into())).await,
        "hello ada? hello ada?"
    );
    let user = ClerkUser::example("user_5", &[]);
    assert_eq!(whoami(user).await.0.id, "user_5");
}

#[tokio::test]
async fn defaults_and_options() {
    let tool = &tools![greet][0];
    let r = complete(call(tool, json!({"name": "ada"}), None).await);
    assert_eq!(text(&r), "hello ada!");
    let r = complete(
        call(
            tool,
            json!({"name": "ada", "times": 2, "punctuation": "."}),
            None,
        )
        .await,
    );
    assert_eq!(text(&r), "hello ada. hello ada.");
    let r = complete(
        call(
            tool,
            json!({"name": "ada", "times": null, "punctuation": null}),
            None,
        )
        .await,
    );
    assert_eq!(text(&r), "hello ada!");
}

#[tokio::test]
async fn bad_arguments_are_tool_errors_listing_every_problem() {
    let tool = &tools![greet][0];
    let r = complete(call(tool, json!({"times": "many"}), None).await);
    assert_eq!(r.is_error, Some(true));
    let t = text(&r);
    assert!(t.starts_with("invalid input: "), "{t}");
    assert!(t.contains("missing argument `name`"), "{t}");
    assert!(
        t.contains("argument `times`: invalid type: string \"many\""),
        "{t}"
    );
    let r = complete(call(&tools![add][0], Value::Null, None).await);
    assert_eq!(r.is_error, Some(true));
    assert!(text(&r).contains("missing argument `a`"));
}

#[tokio::test]
async fn injected_user_and_org() {
    let tools = tools![whoami, create_project, maybe];
    let r = complete(call(&tools[0], Value::Null, Some(user())).await);
    assert_eq!(
        r.structured_content,
        Some(json!({"id": "user_1", "org": null}))
    );
    let r = complete(
        call(
            &tools[1],
            json!({"name": "x"}),
            Some(member(&["org:projects:create"])),
        )
        .await,
    );
    assert_eq!(r.structured_content.unwrap()["org"], "org_9");
    let r = complete(call(&tools[1], json!({"name": ""}), Some(member(&[]))).await);
    assert_eq!(r.is_error, Some(true));
    assert_eq!(text(&r), "invalid input: `name` must not be empty");
    assert_eq!(
        text(&complete(call(&tools[2], Value::Null, None).await)),
        "anonymous"
    );
    assert_eq!(
        text(&complete(call(&tools[2], Value::Null, Some(user())).await)),
        "user_1"
    );
}

#[tokio::test]
async fn missing_identity_is_a_protocol_error_not_a_panic() {
    // The dispatcher never calls a tool whose policy the caller fails; called
    // by hand anyway, the tool refuses cleanly.
    let tools = tools![whoami, create_project];
    let e = call(&tools[0], Value::Null, None).await.unwrap_err();
    assert!(e.message.contains("signed-in caller"));
    let e = call(&tools[1], json!({"name": "x"}), Some(user()))
        .await
        .unwrap_err();
    assert!(e.message.contains("organization"));
}

#[tokio::test]
async fn struct_arguments() {
    let tool = &tools![search][0];
    assert_eq!(tool.name(), "search.run");
    let r = complete(call(tool, json!({"query": "rust"}), None).await);
    assert_eq!(text(&r), "rust:10");
    let r = complete(call(tool, json!({"query": "fail"}), None).await);
    assert_eq!(r.is_error, Some(true));
    assert_eq!(text(&r), "search failed");
    let r = complete(call(tool, json!({"limit": 3}), None).await);
    assert_eq!(r.is_error, Some(true));
    assert!(text(&r).contains("missing field `query`"), "{}", text(&r));
}

#[test]
fn policies_follow_the_attribute() {
    use mcp_clerk::policy::Requirement;
    let tools = tools![ping, whoami, create_project, maybe];
    assert!(!tools[0].policy().uses_auth());
    assert!(tools[1].policy().needs_auth());
    assert_eq!(tools[2].policy().effective_org(), Requirement::Required);
    assert_eq!(
        tools[2].policy().permissions().collect::<Vec<_>>(),
        ["org:projects:create"]
    );
    assert_eq!(tools[3].policy().effective_auth(), Requirement::Optional);
}

#[test]
fn descriptors() {
    let tools = tools![ping, add, whoami];
    let d = tools[0].descriptor();
    assert_eq!(d.description.as_deref(), Some("Answers pong."));
    assert!(d.output_schema.is_none());
    let a = tools[1].descriptor().annotations.clone().unwrap();
    assert_eq!(a.read_only_hint, Some(true));
    assert_eq!(a.idempotent_hint, Some(true));
    assert_eq!(a.destructive_hint, None);
    assert!(tools[2].descriptor().output_schema.is_some());
}

#[test]
fn description_key_overrides_the_doc_comment() {
    let tool = &tools![archive][0];
    assert_eq!(
        tool.descriptor().description.as_deref(),
        Some("Archives a project for good.")
    );
}

#[test]
fn annotation_values_are_kept() {
    let tools = tools![archive, harmless];
    let a = tools[0].descriptor().annotations.clone().unwrap();
    assert_eq!(a.destructive_hint, Some(true));
    assert_eq!(a.idempotent_hint, Some(false));
    assert_eq!(a.read_only_hint, None);
    let a = tools[1].descriptor().annotations.clone().unwrap();
    assert_eq!(a.destructive_hint, Some(false));
}

#[test]
fn permission_and_role_values_reach_the_policy() {
    use mcp_clerk::policy::Requirement;
    let policy = tools![archive][0].policy().clone();
    assert_eq!(
        policy.permissions().collect::<Vec<_>>(),
        ["org:projects:archive", "org:projects:read"]
    );
    assert_eq!(
        policy.roles().collect::<Vec<_>>(),
        ["org:admin", "org:owner"]
    );
    // Permissions and roles override `org = optional`.
    assert_eq!(policy.effective_org(), Requirement::Required);
    assert_eq!(policy.effective_auth(), Requirement::Required);
}

#[test]
fn scopes_with_an_optional_org_need_a_caller() {
    use mcp_clerk::policy::Requirement;
    let policy = tools![notes][0].policy().clone();
    assert_eq!(policy.scopes().collect::<Vec<_>>(), ["notes:read"]);
    assert_eq!(policy.org_requirement(), Requirement::Optional);
    assert_eq!(policy.effective_org(), Requirement::Optional);
    assert_eq!(policy.effective_auth(), Requirement::Required);
}

#[tokio::test]
async fn scoped_tool_with_an_optional_org_runs_with_and_without_one() {
    let tool = &tools![notes][0];
    let r = complete(call(tool, Value::Null, Some(user())).await);
    assert_eq!(text(&r), "user_1@-");
    let r = complete(call(tool, Value::Null, Some(member(&[]))).await);
    assert_eq!(text(&r), "user_1@org_9");
}

#[tokio::test]
async fn trait_defaults_are_applied_when_the_argument_is_absent() {
    let tool = &tools![tag][0];
    let r = complete(call(tool, json!({}), None).await);
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    assert_eq!(text(&r), "\"\"/0/[]");
    let r = complete(call(tool, json!({"label": "x", "count": 2, "tags": ["a"]}), None).await);
    assert_eq!(text(&r), "\"x\"/2/[\"a\"]");
    // Nothing is required, and the serializable defaults are in the schema.
    let schema = &tool.descriptor().input_schema;
    assert!(schema.get("required").is_none(), "{schema:?}");
    assert_eq!(schema["properties"]["label"]["default"], "");
    assert_eq!(schema["properties"]["count"]["default"], 0);
    assert_eq!(schema["properties"]["tags"]["default"], json!([]));
}

#[tokio::test]
async fn raw_identifiers_lose_their_prefix() {
    let tool = &tools![r#type][0];
    assert_eq!(tool.name(), "type");
    let schema = &tool.descriptor().input_schema;
    assert_eq!(schema["required"], json!(["loop"]));
    assert!(schema["properties"].get("in").is_some(), "{schema:?}");
    let r = complete(call(tool, json!({"loop": 21}), None).await);
    assert_eq!(text(&r), "42");
    let r = complete(call(tool, json!({"loop": 5, "in": 3}), None).await);
    assert_eq!(text(&r), "15");
}
