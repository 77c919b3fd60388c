//! What a prompt handler returns: [`IntoPromptResult`].
//!
//! | return type | result |
//! |---|---|
//! | `String`, `&'static str` | one user message with the text |
//! | [`PromptMessage`], `Vec<PromptMessage>` | those messages |
//! | [`GetPromptResult`] | as given |
//! | `Result<T, E>` | `T` as above; `E` ([`ToolError`](crate::ToolError) or [`ErrorData`]) becomes a JSON-RPC error |

use rmcp::ErrorData;
use rmcp::model::{GetPromptResult, PromptMessage, Role};

/// A value a prompt can return (see the [module table](self)).
///
/// ```
/// use mcp_clerk::prompt::IntoPromptResult;
///
/// let result = "Summarise the notes".to_owned().into_prompt_result().unwrap();
/// let json = serde_json::to_value(&result).unwrap();
/// assert_eq!(json["messages"][0]["role"], "user");
/// assert_eq!(json["messages"][0]["content"]["text"], "Summarise the notes");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a prompt",
    label = "not a prompt's result",
    note = "a prompt returns `String` (one user message), `PromptMessage`, `Vec<PromptMessage>`, `GetPromptResult`, or a `Result` of one of those with `ToolError` or `ErrorData`"
)]
pub trait IntoPromptResult {
    /// The `prompts/get` result.
    fn into_prompt_result(self) -> Result<GetPromptResult, ErrorData>;
}

impl IntoPromptResult for String {
    fn into_prompt_result(self) -> Result<GetPromptResult, ErrorData> {
        Ok(GetPromptResult::new(vec![PromptMessage::new_text(
            Role::User,
            self,
        )]))
    }
}

impl IntoPromptResult for &'static str {
    fn into_prompt_result(self) -> Result<GetPromptResult, ErrorData> {
        self.to_owned().into_prompt_result()
    }
}

impl IntoPromptResult for PromptMessage {
    fn into_prompt_result(self) -> Result<GetPromptResult, ErrorData> {
        Ok(GetPromptResult::new(vec![self]))
    }
}

impl IntoPromptResult for Vec<PromptMessage> {
    fn into_prompt_result(self) -> Result<GetPromptResult, ErrorData> {
        Ok(GetPromptResult::new(self))
    }
}

impl IntoPromptResult for GetPromptResult {
    fn into_prompt_result(self) -> Result<GetPromptResult, ErrorData> {
        Ok(self)
    }
}

impl<T: IntoPromptResult, E: Into<ErrorData>> IntoPromptResult for Result<T, E> {
    fn into_prompt_result(self) -> Result<GetPromptResult, ErrorData> {
        self.map_err(Into::into)?.into_prompt_result()
    }
}
