//! What a resource handler returns: [`IntoResourceContents`].
//!
//! | return type | contents |
//! |---|---|
//! | `String`, `&'static str` | text, with the resource's MIME type (else `text/plain`) |
//! | `Vec<u8>` | a blob (base64), with the resource's MIME type (else `application/octet-stream`) |
//! | [`ResourceContents`], `Vec<ResourceContents>` | as given (a missing MIME type gets the resource's) |
//! | [`ReadResourceResult`] | as given |
//! | `Result<T, E>` | `T` as above; `E` ([`ToolError`](crate::ToolError) or [`ErrorData`]) becomes a JSON-RPC error |

use base64::Engine as _;
use rmcp::ErrorData;
use rmcp::model::{ReadResourceResult, ResourceContents};

/// A value a resource read can return (see the [module table](self)).
///
/// ```
/// use mcp_clerk::resource::IntoResourceContents;
///
/// let read = vec![0u8, 1, 2].into_resource_result("test://bin", Some("image/png")).unwrap();
/// let json = serde_json::to_value(&read.contents[0]).unwrap();
/// assert_eq!(json["blob"], "AAEC");
/// assert_eq!(json["mimeType"], "image/png");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a resource",
    label = "not a resource's contents",
    note = "a resource returns `String` (text), `Vec<u8>` (a blob), `ResourceContents`, `Vec<ResourceContents>`, `ReadResourceResult`, or a `Result` of one of those with `ToolError` or `ErrorData`"
)]
pub trait IntoResourceContents {
    /// The result of reading `uri`, whose declared MIME type is `mime_type`.
    fn into_resource_result(
        self,
        uri: &str,
        mime_type: Option<&str>,
    ) -> Result<ReadResourceResult, ErrorData>;
}

fn text(text: String, uri: &str, mime_type: Option<&str>) -> ReadResourceResult {
    ReadResourceResult::new(vec![
        ResourceContents::text(text, uri).with_mime_type(mime_type.unwrap_or("text/plain")),
    ])
}

impl IntoResourceContents for String {
    fn into_resource_result(
        self,
        uri: &str,
        mime_type: Option<&str>,
    ) -> Result<ReadResourceResult, ErrorData> {
        Ok(text(self, uri, mime_type))
    }
}

impl IntoResourceContents for &'static str {
    fn into_resource_result(
        self,
        uri: &str,
        mime_type: Option<&str>,
    ) -> Result<ReadResourceResult, ErrorData> {
        Ok(text(self.to_owned(), uri, mime_type))
    }
}

impl IntoResourceContents for Vec<u8> {
    fn into_resource_result(
        self,
        uri: &str,
        mime_type: Option<&str>,
    ) -> Result<ReadResourceResult, ErrorData> {
        let blob = base64::engine::general_purpose::STANDARD.encode(self);
        Ok(ReadResourceResult::new(vec![
            ResourceContents::blob(blob, uri)
                .with_mime_type(mime_type.unwrap_or("application/octet-stream")),
        ]))
    }
}

fn with_default_mime(contents: ResourceContents, mime_type: Option<&str>) -> ResourceContents {
    let has = match &contents {
        ResourceContents::TextResourceContents { mime_type, .. }
        | ResourceContents::BlobResourceContents { mime_type, .. } => mime_type.is_some(),
        _ => true,
    };
    match mime_type {
        Some(m) if !has => contents.with_mime_type(m),
        _ => contents,
    }
}

impl IntoResourceContents for ResourceContents {
    fn into_resource_result(
        self,
        _uri: &str,
        mime_type: Option<&str>,
    ) -> Result<ReadResourceResult, ErrorData> {
        Ok(ReadResourceResult::new(vec![with_default_mime(
            self, mime_type,
        )]))
    }
}

impl IntoResourceContents for Vec<ResourceContents> {
    fn into_resource_result(
        self,
        _uri: &str,
        mime_type: Option<&str>,
    ) -> Result<ReadResourceResult, ErrorData> {
        Ok(ReadResourceResult::new(
            self.into_iter()
                .map(|c| with_default_mime(c, mime_type))
                .collect(),
        ))
    }
}

impl IntoResourceContents for ReadResourceResult {
    fn into_resource_result(
        self,
        _uri: &str,
        _mime_type: Option<&str>,
    ) -> Result<ReadResourceResult, ErrorData> {
        Ok(self)
    }
}

impl<T: IntoResourceContents, E: Into<ErrorData>> IntoResourceContents for Result<T, E> {
    fn into_resource_result(
        self,
        uri: &str,
        mime_type: Option<&str>,
    ) -> Result<ReadResourceResult, ErrorData> {
        self.map_err(Into::into)?
            .into_resource_result(uri, mime_type)
    }
}
