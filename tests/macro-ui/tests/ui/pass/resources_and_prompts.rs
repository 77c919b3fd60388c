//! `#[resource]`, `#[prompt]`, `resources![..]` and `prompts![..]` with every key.
use mcp_clerk::__private::rmcp::model::{PromptMessage, ReadResourceResult, ResourceContents, Role};
use mcp_clerk::prelude::*;

#[derive(Clone)]
struct Db;

async fn ids(request: CompletionRequest) -> Vec<String> {
    vec![request.value().to_owned()]
}

/// Static text.
#[resource("test://static-text", name = "static_text", title = "Static", description = "Text", mime_type = "text/plain")]
async fn static_text() -> String {
    String::new()
}

/// Bytes.
#[resource("test://static-binary")]
fn static_binary() -> Vec<u8> {
    Vec::new()
}

/// A template with injected arguments and state.
#[resource("notes://{org_id}/{id}", org = required, permission = "org:notes:read", complete(id = ids))]
async fn note(org: ClerkOrg, State(_db): State<Db>, org_id: String, id: u32) -> Result<ReadResourceResult, ToolError> {
    let text = format!("{org_id} {id} {}", org.id());
    Ok(ReadResourceResult::new(vec![ResourceContents::text(text, "notes://x")]))
}

/// A prompt with every kind of argument.
#[prompt(auth = optional, name = "summarise", title = "Summarise", complete(topic = ids))]
async fn summarise(
    user: Option<ClerkUser>,
    #[arg(description = "What")] topic: String,
    words: Option<u32>,
) -> Vec<PromptMessage> {
    let by = user.map_or("a guest".to_owned(), |u| u.id().to_owned());
    vec![PromptMessage::new_text(Role::User, format!("{topic} {words:?} {by}"))]
}

#[derive(Deserialize, JsonSchema)]
struct Review {
    code: String,
}

/// A prompt with an `#[args]` struct, for machines.
#[prompt(callers = machines, scopes("review"))]
async fn review(#[args] review: Review) -> Result<String, ToolError> {
    Ok(review.code)
}

fn main() {
    let resources: Vec<AnyResource> = resources![static_text, static_binary, note];
    let prompts: Vec<PromptDef> = prompts![summarise, review];
    let _ = McpServer::new("s", "1").state(Db).resources(resources).prompts(prompts);
}
