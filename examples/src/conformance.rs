//! The fixture of the official MCP conformance suite
//! (`@modelcontextprotocol/conformance`, `server` mode), written with
//! mcp-clerk's public API only: its tools (text, image, audio, embedded
//! resources, logging, progress, errors, sampling, elicitation, a JSON Schema
//! 2020-12 input schema), resources (text, binary, a template, one to
//! subscribe to), prompts (simple, with arguments and their completion, with
//! an embedded resource, with an image).
//!
//! The suite sends no tokens, so this server runs with auth switched off
//! (no Clerk config, every component public), stateful with SSE responses:
//! sampling and elicitation are requests from the server to the client in
//! the middle of a call, which need a session to answer on.
//! `tests/tests/conformance.rs` runs the suite against it.

use std::sync::Arc;
use std::time::Duration;

use mcp_clerk::policy::ToolPolicy;
use mcp_clerk::prelude::*;
use mcp_clerk::tool::notify::{ClientLog, Progress};
use mcp_clerk::{McpServer, SessionMode, ToolCall, ToolDef};
#[allow(deprecated)] // sampling: SEP-2577 deprecates it; 2025-11-25 clients still have it
use rmcp::model::CreateMessageRequestParams;
use rmcp::model::{
    CallToolResult, ContentBlock, ElicitRequestParams, PromptMessage, ResourceContents, Role, Tool,
};
use rmcp::{Peer, RoleServer};
use serde_json::{Value, json};

/// A 1×1 red PNG.
pub const RED_PIXEL_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

/// A WAV file with a header and no samples.
pub const EMPTY_WAV: &str = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA=";

/// Returns simple text.
#[tool]
pub async fn test_simple_text() -> &'static str {
    "This is a simple text response for testing."
}

/// Returns an image.
#[tool]
pub async fn test_image_content() -> ContentBlock {
    ContentBlock::image(RED_PIXEL_PNG, "image/png")
}

/// Returns audio.
#[tool]
pub async fn test_audio_content() -> ContentBlock {
    ContentBlock::audio(EMPTY_WAV, "audio/wav")
}

/// Returns an embedded resource.
#[tool]
pub async fn test_embedded_resource() -> ContentBlock {
    ContentBlock::resource(text_contents(
        "test://embedded-resource",
        "text/plain",
        "This is an embedded resource content.",
    ))
}

/// Returns text, an image and an embedded resource.
#[tool]
pub async fn test_multiple_content_types() -> Vec<ContentBlock> {
    vec![
        ContentBlock::text("Multiple content types test:"),
        ContentBlock::image(RED_PIXEL_PNG, "image/png"),
        ContentBlock::resource(text_contents(
            "test://mixed-content-resource",
            "application/json",
            r#"{"test":"data","value":123}"#,
        )),
    ]
}

/// Sends three log messages while it runs.
#[tool]
pub async fn test_tool_with_logging(log: ClientLog) -> &'static str {
    log.info("Tool execution started").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    log.info("Tool processing data").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    log.info("Tool execution completed").await;
    "Tool with logging executed successfully"
}

/// Reports progress 0, 50 and 100 of 100.
#[tool]
pub async fn test_tool_with_progress(progress: Progress) -> &'static str {
    for (i, step) in [0.0, 50.0, 100.0].into_iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        progress.report(step, Some(100.0), None).await;
    }
    "Tool with progress executed successfully"
}

/// Always fails.
#[tool]
pub async fn test_error_handling() -> Result<String, ToolError> {
    Err(ToolError::new(
        "This tool intentionally returns an error for testing",
    ))
}

/// Asks the client's LLM (`sampling/createMessage`).
#[tool]
#[allow(deprecated)] // SEP-2577 deprecates sampling; 2025-11-25 clients still have it
pub async fn test_sampling(
    peer: Peer<RoleServer>,
    #[arg(description = "The prompt to send to the LLM")] prompt: String,
) -> Result<String, ToolError> {
    let sampling = peer
        .peer_info()
        .is_some_and(|i| i.capabilities.sampling.is_some());
    if !sampling {
        return Err(ToolError::new("the client does not support sampling"));
    }
    let params: CreateMessageRequestParams = serde_json::from_value(json!({
        "messages": [{"role": "user", "content": {"type": "text", "text": prompt}}],
        "maxTokens": 100,
    }))
    .map_err(ToolError::from_error)?;
    let answer = peer
        .create_message(params)
        .await
        .map_err(ToolError::from_error)?;
    let answer = serde_json::to_value(answer).map_err(ToolError::from_error)?;
    Ok(format!("LLM response: {}", text_of(&answer["content"])))
}

/// Asks the user (`elicitation/create`) for a name and an email address.
#[tool]
pub async fn test_elicitation(
    peer: Peer<RoleServer>,
    #[arg(description = "The message to show the user")] message: String,
) -> Result<String, ToolError> {
    let answer = elicit(
        &peer,
        json!({
            "message": message,
            "requestedSchema": {
                "type": "object",
                "properties": {
                    "username": {"type": "string", "description": "User's response"},
                    "email": {"type": "string", "description": "User's email address"},
                },
                "required": ["username", "email"],
            },
        }),
    )
    .await?;
    Ok(format!(
        "User response: action={}, content={}",
        answer["action"].as_str().unwrap_or("?"),
        answer.get("content").unwrap_or(&Value::Null)
    ))
}

/// Elicitation with a default for every primitive type (SEP-1034).
#[tool]
pub async fn test_elicitation_sep1034_defaults(
    peer: Peer<RoleServer>,
) -> Result<String, ToolError> {
    let answer = elicit(
        &peer,
        json!({
            "message": "Please review and update the form fields with defaults",
            "requestedSchema": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "description": "User name", "default": "John Doe"},
                    "age": {"type": "integer", "description": "User age", "default": 30},
                    "score": {"type": "number", "description": "User score", "default": 95.5},
                    "status": {
                        "type": "string",
                        "description": "User status",
                        "enum": ["active", "inactive", "pending"],
                        "default": "active",
                    },
                    "verified": {"type": "boolean", "description": "Verification status", "default": true},
                },
            },
        }),
    )
    .await?;
    Ok(completed(&answer))
}

/// Elicitation with the five enum forms (SEP-1330).
#[tool]
pub async fn test_elicitation_sep1330_enums(peer: Peer<RoleServer>) -> Result<String, ToolError> {
    let answer = elicit(
        &peer,
        json!({
            "message": "Please select options from the enum fields",
            "requestedSchema": {
                "type": "object",
                "properties": {
                    "untitledSingle": {
                        "type": "string",
                        "description": "Select one option",
                        "enum": ["option1", "option2", "option3"],
                    },
                    "titledSingle": {
                        "type": "string",
                        "description": "Select one option with titles",
                        "oneOf": [
                            {"const": "value1", "title": "First Option"},
                            {"const": "value2", "title": "Second Option"},
                            {"const": "value3", "title": "Third Option"},
                        ],
                    },
                    "legacyEnum": {
                        "type": "string",
                        "description": "Select one option (legacy)",
                        "enum": ["opt1", "opt2", "opt3"],
                        "enumNames": ["Option One", "Option Two", "Option Three"],
                    },
                    "untitledMulti": {
                        "type": "array",
                        "description": "Select multiple options",
                        "minItems": 1,
                        "maxItems": 3,
                        "items": {"type": "string", "enum": ["option1", "option2", "option3"]},
                    },
                    "titledMulti": {
                        "type": "array",
                        "description": "Select multiple options with titles",
                        "minItems": 1,
                        "maxItems": 3,
                        "items": {
                            "anyOf": [
                                {"const": "value1", "title": "First Choice"},
                                {"const": "value2", "title": "Second Choice"},
                                {"const": "value3", "title": "Third Choice"},
                            ],
                        },
                    },
                },
            },
        }),
    )
    .await?;
    Ok(completed(&answer))
}

/// `json_schema_2020_12_tool`: an input schema with `$schema`, `$defs` and
/// `additionalProperties`, kept as written (SEP-1613). Built by hand: its
/// schema is the point, not its arguments.
pub fn json_schema_2020_12_tool() -> ToolDef {
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {
            "address": {
                "type": "object",
                "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
            },
        },
        "properties": {
            "name": {"type": "string"},
            "address": {"$ref": "#/$defs/address"},
        },
        "additionalProperties": false,
    });
    let Value::Object(schema) = schema else {
        unreachable!("an object literal")
    };
    ToolDef::new(
        Tool::new(
            "json_schema_2020_12_tool",
            "Tool with JSON Schema 2020-12 features",
            Arc::new(schema),
        ),
        ToolPolicy::new(),
        |call: ToolCall| async move {
            let args = Value::Object(call.arguments().cloned().unwrap_or_default());
            Ok(
                CallToolResult::success(vec![ContentBlock::text(format!("received {args}"))])
                    .into(),
            )
        },
    )
}

/// Sends `elicitation/create` with `params` and returns the answer as JSON.
async fn elicit(peer: &Peer<RoleServer>, params: Value) -> Result<Value, ToolError> {
    let elicitation = peer
        .peer_info()
        .is_some_and(|i| i.capabilities.elicitation.is_some());
    if !elicitation {
        return Err(ToolError::new("the client does not support elicitation"));
    }
    let params: ElicitRequestParams =
        serde_json::from_value(params).map_err(ToolError::from_error)?;
    let answer = peer
        .create_elicitation(params)
        .await
        .map_err(ToolError::from_error)?;
    serde_json::to_value(answer).map_err(ToolError::from_error)
}

fn completed(answer: &Value) -> String {
    format!(
        "Elicitation completed: action={}, content={}",
        answer["action"].as_str().unwrap_or("?"),
        answer.get("content").unwrap_or(&Value::Null)
    )
}

/// The text of a sampling answer's content (one block or a list of them).
fn text_of(content: &Value) -> String {
    match content {
        Value::Array(blocks) => blocks.iter().map(text_of).collect::<Vec<_>>().join(" "),
        block => block["text"].as_str().unwrap_or_default().to_owned(),
    }
}

fn text_contents(uri: &str, mime_type: &str, text: &str) -> ResourceContents {
    ResourceContents::TextResourceContents {
        uri: uri.to_owned(),
        mime_type: Some(mime_type.to_owned()),
        text: text.to_owned(),
        meta: None,
    }
}

/// A static text resource.
#[resource("test://static-text", mime_type = "text/plain")]
pub async fn static_text() -> &'static str {
    "This is the content of the static text resource."
}

/// A static binary resource (a PNG).
#[resource("test://static-binary", mime_type = "image/png")]
pub async fn static_binary() -> ResourceContents {
    ResourceContents::BlobResourceContents {
        uri: "test://static-binary".to_owned(),
        mime_type: Some("image/png".to_owned()),
        blob: RED_PIXEL_PNG.to_owned(),
        meta: None,
    }
}

/// A resource to subscribe to.
#[resource("test://watched-resource", mime_type = "text/plain")]
pub async fn watched_resource() -> &'static str {
    "Watched resource content"
}

/// Data for one id, from a URI template.
#[resource("test://template/{id}/data", mime_type = "application/json")]
pub async fn template_data(id: String) -> String {
    json!({"id": id, "templateTest": true, "data": format!("Data for ID: {id}")}).to_string()
}

/// A simple prompt without arguments.
#[prompt]
pub async fn test_simple_prompt() -> &'static str {
    "This is a simple prompt for testing."
}

async fn complete_arg1(request: CompletionRequest) -> Vec<String> {
    ["paris", "park", "party"]
        .into_iter()
        .filter(|v| v.starts_with(request.value()))
        .map(str::to_owned)
        .collect()
}

/// A prompt with two required arguments.
#[prompt(complete(arg1 = complete_arg1))]
pub async fn test_prompt_with_arguments(
    #[arg(description = "First test argument")] arg1: String,
    #[arg(description = "Second test argument")] arg2: String,
) -> String {
    format!("Prompt with arguments: arg1='{arg1}', arg2='{arg2}'")
}

/// A prompt embedding the resource it is given.
#[prompt]
pub async fn test_prompt_with_embedded_resource(
    #[arg(rename = "resourceUri", description = "URI of the resource to embed")]
    resource_uri: String,
) -> Vec<PromptMessage> {
    vec![
        PromptMessage::new(
            Role::User,
            ContentBlock::resource(text_contents(
                &resource_uri,
                "text/plain",
                "Embedded resource content for testing.",
            )),
        ),
        PromptMessage::new_text(Role::User, "Please process the embedded resource above."),
    ]
}

/// A prompt with an image.
#[prompt]
pub async fn test_prompt_with_image() -> Vec<PromptMessage> {
    vec![
        PromptMessage::new(Role::User, ContentBlock::image(RED_PIXEL_PNG, "image/png")),
        PromptMessage::new_text(Role::User, "Please analyze the image above."),
    ]
}

/// The conformance server: every fixture component, auth off, stateful
/// sessions with SSE responses.
pub fn server() -> McpServer {
    McpServer::new("mcp-clerk-conformance", env!("CARGO_PKG_VERSION"))
        .tools(tools![
            test_simple_text,
            test_image_content,
            test_audio_content,
            test_embedded_resource,
            test_multiple_content_types,
            test_tool_with_logging,
            test_tool_with_progress,
            test_error_handling,
            test_sampling,
            test_elicitation,
            test_elicitation_sep1034_defaults,
            test_elicitation_sep1330_enums,
        ])
        .tool(json_schema_2020_12_tool())
        .resources(resources![
            static_text,
            static_binary,
            watched_resource,
            template_data
        ])
        .prompts(prompts![
            test_simple_prompt,
            test_prompt_with_arguments,
            test_prompt_with_embedded_resource,
            test_prompt_with_image
        ])
        .session_mode(SessionMode::Stateful)
        .json_response(false)
}
