//! What a tool may return: [`IntoToolOutput`].
//!
//! `#[tool]` converts the function's return value with this trait, and asks it
//! for the output schema ([`IntoToolOutput::output_schema`]), so the schema
//! follows the return *type* (type aliases included), not its spelling.
//!
//! | return type | result |
//! |---|---|
//! | `String`, `&'static str`, `Cow<'static, str>` | one text block |
//! | `()` | no content |
//! | [`Json<T>`] | `structuredContent` (plus a text copy), `outputSchema` from `T` |
//! | `ContentBlock`, `Vec<ContentBlock>` | those blocks |
//! | `CallToolResult`, `CallToolResponse` | as is |
//! | [`ToolError`], `Box<dyn Error + Send + Sync>` | a text block with `isError: true` |
//! | `ErrorData` | a JSON-RPC error (not a tool result) |
//! | `Result<T, E>` | `T`'s result, or `E`'s with `isError: true` |

use std::borrow::Cow;
use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::Json;
use rmcp::handler::server::tool::schema_for_output;
use rmcp::model::{CallToolResponse, CallToolResult, ContentBlock, JsonObject};
use schemars::JsonSchema;
use serde::Serialize;

use crate::error::ToolError;

/// A value a tool can return.
///
/// Implemented explicitly for the types in the [module table](self); implement it
/// for your own types to return them directly.
///
/// ```
/// use mcp_clerk::prelude::*;
/// use mcp_clerk::tool::output::IntoToolOutput;
/// use rmcp::ErrorData;
/// use rmcp::model::{CallToolResponse, CallToolResult, ContentBlock};
///
/// /// A note, shown to the model as a title block and a body block.
/// struct Note {
///     title: String,
///     body: String,
/// }
///
/// impl IntoToolOutput for Note {
///     fn into_tool_output(self) -> Result<CallToolResponse, ErrorData> {
///         let blocks = vec![ContentBlock::text(self.title), ContentBlock::text(self.body)];
///         Ok(CallToolResult::success(blocks).into())
///     }
/// }
///
/// /// The latest note.
/// #[tool]
/// async fn latest_note() -> Result<Note, ToolError> {
///     Ok(Note { title: "Groceries".into(), body: "milk, eggs".into() })
/// }
///
/// let note = Note { title: "Todo".into(), body: "ship it".into() };
/// let Ok(CallToolResponse::Complete(result)) = note.into_tool_output() else { panic!() };
/// assert_eq!(result.content.len(), 2);
/// assert_eq!(tools![latest_note][0].name(), "latest_note");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a tool",
    label = "this return type is not supported by `#[tool]`",
    note = "a tool returns `String`, `&'static str`, `()`, `Json<T>`, `CallToolResult`, `ContentBlock`, or `Result<T, E>` of those with `E` = `ToolError`, `String` or `ErrorData`",
    note = "wrap a serializable value in `Json(..)` to return structured content"
)]
pub trait IntoToolOutput {
    /// Converts the value into the tool's response. `Err` is a protocol error.
    fn into_tool_output(self) -> Result<CallToolResponse, ErrorData>;

    /// The `outputSchema` this type implies (`Some` for [`Json<T>`] and `Result<Json<T>, _>`).
    fn output_schema() -> Option<Arc<JsonObject>>
    where
        Self: Sized,
    {
        None
    }
}

fn text(text: impl Into<String>) -> Result<CallToolResponse, ErrorData> {
    Ok(CallToolResult::success(vec![ContentBlock::text(text.into())]).into())
}

impl IntoToolOutput for String {
    fn into_tool_output(self) -> Result<CallToolResponse, ErrorData> {
        text(self)
    }
}

impl IntoToolOutput for &str {
    fn into_tool_output(self) -> Result<CallToolResponse, ErrorData> {
        text(self)
    }
}

impl IntoToolOutput for Cow<'_, str> {
    fn into_tool_output(self) -> Result<CallToolResponse, ErrorData> {
        text(self)
    }
}

impl IntoToolOutput for () {
    fn into_tool_output(self) -> Result<CallToolResponse, ErrorData> {
        Ok(CallToolResult::success(Vec::new()).into())
    }
}

impl IntoToolOutput for ContentBlock {
    fn into_tool_output(self) -> Result<CallToolResponse, ErrorData> {
        Ok(CallToolResult::success(vec![self]).into())
    }
}

impl IntoToolOutput for Vec<ContentBlock> {
    fn into_tool_output(self) -> Result<CallToolResponse, ErrorData> {
        Ok(CallToolResult::success(self).into())
    }
}

impl IntoToolOutput for CallToolResult {
    fn into_tool_output(self) -> Result<CallToolResponse, ErrorData> {
        Ok(self.into())
    }
}

impl IntoToolOutput for CallToolResponse {
    fn into_tool_output(self) -> Result<CallToolResponse, ErrorData> {
        Ok(self)
    }
}

impl<T: Serialize + JsonSchema + 'static> IntoToolOutput for Json<T> {
    fn into_tool_output(self) -> Result<CallToolResponse, ErrorData> {
        rmcp::handler::server::tool::IntoCallToolResult::into_call_tool_result(self)
    }

    fn output_schema() -> Option<Arc<JsonObject>> {
        Some(schema_for_output::<T>())
    }
}

impl IntoToolOutput for ToolError {
    fn into_tool_output(self) -> Result<CallToolResponse, ErrorData> {
        Ok(self.into_call_tool_result().into())
    }
}

impl IntoToolOutput for Box<dyn std::error::Error + Send + Sync> {
    fn into_tool_output(self) -> Result<CallToolResponse, ErrorData> {
        Ok(CallToolResult::error(vec![ContentBlock::text(self.to_string())]).into())
    }
}

impl IntoToolOutput for ErrorData {
    fn into_tool_output(self) -> Result<CallToolResponse, ErrorData> {
        Err(self)
    }
}

impl<T: IntoToolOutput, E: IntoToolOutput> IntoToolOutput for Result<T, E> {
    fn into_tool_output(self) -> Result<CallToolResponse, ErrorData> {
        match self {
            Ok(value) => value.into_tool_output(),
            Err(error) => match error.into_tool_output()? {
                CallToolResponse::Complete(mut result) => {
                    result.is_error = Some(true);
                    Ok(result.into())
                }
                _ => Err(ErrorData::internal_error(
                    "a tool error must be a complete result",
                    None,
                )),
            },
        }
    }

    fn output_schema() -> Option<Arc<JsonObject>> {
        T::output_schema()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(r: Result<CallToolResponse, ErrorData>) -> CallToolResult {
        match r {
            Ok(CallToolResponse::Complete(r)) => r,
            _ => panic!("expected a complete result"),
        }
    }

    #[derive(Serialize, JsonSchema)]
    struct Out {
        n: u32,
    }

    #[test]
    fn strings_are_text() {
        let r = complete("pong".into_tool_output());
        assert_eq!(r.is_error, Some(false));
        assert_eq!(r.content.len(), 1);
        assert!(<&str as IntoToolOutput>::output_schema().is_none());
    }

    #[test]
    fn errors_set_is_error() {
        let r: Result<String, ToolError> = Err(ToolError::new("boom"));
        let r = complete(r.into_tool_output());
        assert_eq!(r.is_error, Some(true));
        let r: Result<String, String> = Err("bad".into());
        assert_eq!(complete(r.into_tool_output()).is_error, Some(true));
        let r: Result<String, ErrorData> = Err(ErrorData::internal_error("x", None));
        assert!(r.into_tool_output().is_err());
    }

    #[test]
    fn json_has_output_schema_through_result() {
        let schema = <Result<Json<Out>, ToolError> as IntoToolOutput>::output_schema().unwrap();
        assert_eq!(schema["type"], "object");
        let r = complete(Json(Out { n: 3 }).into_tool_output());
        assert_eq!(r.structured_content.unwrap()["n"], 3);
    }
}
