//! # mcp-clerk
//!
//! Build [MCP](https://modelcontextprotocol.io) servers whose tools are protected by
//! [Clerk](https://clerk.com). Write a plain `async fn`, mark it
//! `#[tool(auth = required, org = required)]`, and serve it over Streamable HTTP:
//! MCP clients run the OAuth flow against Clerk, and the tool receives a verified
//! [`ClerkUser`] and [`ClerkOrg`] as typed arguments.
//!
//! See the README for a quickstart and `ARCHITECTURE.md` for the request path.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod identity;
pub mod policy;
pub mod tool;

// --- resources, templates, prompts, completion (one catalog with the tools) ---
mod catalog;
pub mod complete;
pub mod prompt;
pub mod resource;
pub use catalog::ComponentKind;

#[cfg(any(test, feature = "testing", feature = "dev"))]
mod keys;
mod lists;

// --- verifier (config, jwks, token, testing) ---
pub mod config;
mod jwks;
pub mod token;
pub use config::{ClerkConfig, ConfigError};
pub use token::{TokenError, Verifier, bearer_token};
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

// --- resource server (http, server, extract) ---
pub mod extract;
pub mod http;
mod server;
pub use server::{
    BoundServer, BuildError, DEFAULT_MAX_BODY_BYTES, McpServer, ServeError, SessionMode,
    shutdown_signal,
};
pub mod serve;
pub use http::SessionLimits;
pub use http::{
    ANONYMOUS_OWNER, OwnerCheck, SharedSessionStore, StoreError, StoreEvent, StoreFuture,
};
#[cfg(feature = "redis")]
pub use http::{REDIS_URL_VAR, RedisSessionStore};
pub use serve::{Drain, ServeLimits};

// --- macros (tool output, ToolError, __private) ---
pub mod error;
pub mod prelude;

pub use error::{ToolError, ToolErrorKind};
#[cfg(feature = "macros")]
#[doc = include_str!("docs/prompt.md")]
#[doc(inline)]
pub use mcp_clerk_macros::prompt;
#[cfg(feature = "macros")]
/// The prompts of `#[prompt]` functions, as a `Vec<PromptDef>` for
/// [`McpServer::prompts`]: `prompts![summarise, notes::review]`.
#[doc(inline)]
pub use mcp_clerk_macros::prompts;
#[cfg(feature = "macros")]
#[doc = include_str!("docs/resource.md")]
#[doc(inline)]
pub use mcp_clerk_macros::resource;
#[cfg(feature = "macros")]
/// The resources and resource templates of `#[resource]` functions, as a
/// `Vec<AnyResource>` for [`McpServer::resources`]:
/// `resources![motd, notes::note]`.
#[doc(inline)]
pub use mcp_clerk_macros::resources;
#[cfg(feature = "macros")]
#[doc = include_str!("docs/tool.md")]
#[doc(inline)]
pub use mcp_clerk_macros::tool;
#[cfg(feature = "macros")]
#[doc = include_str!("docs/tool_impl.md")]
#[doc(inline)]
pub use mcp_clerk_macros::tool_impl;
#[cfg(feature = "macros")]
#[doc = include_str!("docs/tools.md")]
#[doc(inline)]
pub use mcp_clerk_macros::tools;
/// Structured tool output: `Json<T>` puts `T` in `structuredContent` and its
/// schema in the tool's `outputSchema`.
pub use rmcp::Json;
/// schemars, re-exported for `#[schemars(crate = "mcp_clerk::schemars")]`.
#[doc(no_inline)]
pub use schemars;
/// serde, re-exported for `#[serde(crate = "mcp_clerk::serde")]`.
#[doc(no_inline)]
pub use serde;

#[cfg(test)]
mod test_support;

// --- dev emulator ---
pub mod backend;
#[cfg(feature = "dev")]
pub mod dev;

pub use backend::Clerk;
pub use identity::{ClerkMachine, ClerkOrg, ClerkUser, Identity, TokenKind};
pub use policy::ToolPolicy;
pub use prompt::PromptDef;
pub use resource::{AnyResource, ResourceDef, ResourceTemplateDef};
pub use tool::state::State;
pub use tool::{CallKind, ToolCall, ToolDef, ToolSet};

/// Items generated code refers to. Not a public API: names here may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use rmcp;
    pub use schemars;
    pub use serde;
    pub use serde_json;

    pub use crate::lists::*;
    pub use crate::policy::{Callers, Requirement, ToolPolicy};
    pub use crate::prompt::PromptDef;
    pub use crate::resource::{AnyResource, ResourceDef, ResourceTemplateDef};
    pub use crate::tool::args::{Arg, Arguments, InputSchema, StructArgs};
    pub use crate::tool::inject::FromToolCall;
    pub use crate::tool::output::IntoToolOutput;
    pub use crate::tool::{ToolCall, ToolDef, ToolSet};
    pub use std::sync::Arc;
    pub use std::vec::Vec;

    use std::borrow::Cow;

    use rmcp::ErrorData;
    use rmcp::model::{CallToolResponse, JsonObject, Tool, ToolAnnotations};

    /// Implemented by `#[tool]` for the hidden type named like the function
    /// (`tools![f]` calls the type's inherent `f::__mcp_clerk_tool_def(..)`,
    /// which calls this).
    pub trait ToolFactory {
        /// The tool's runtime form.
        fn tool_def() -> ToolDef;
    }

    /// The descriptor clients see in `tools/list`.
    pub fn descriptor(
        name: &'static str,
        title: Option<&'static str>,
        description: Option<&'static str>,
        input_schema: Arc<JsonObject>,
        output_schema: Option<Arc<JsonObject>>,
        annotations: Option<ToolAnnotations>,
    ) -> Tool {
        let mut tool = Tool::new_with_raw(name, description.map(Cow::Borrowed), input_schema);
        if let Some(title) = title {
            tool = tool.with_title(title);
        }
        if let Some(schema) = output_schema {
            tool = tool.with_raw_output_schema(schema);
        }
        if let Some(annotations) = annotations {
            tool = tool.with_annotations(annotations);
        }
        tool
    }

    /// How a tool's return type becomes a response; built once, so a return
    /// type that is not [`IntoToolOutput`] yields one compile error.
    pub struct Output<R> {
        convert: fn(R) -> Result<CallToolResponse, ErrorData>,
        schema: fn() -> Option<Arc<JsonObject>>,
    }

    impl<R> Clone for Output<R> {
        fn clone(&self) -> Self {
            *self
        }
    }

    impl<R> Copy for Output<R> {}

    impl<R> Output<R> {
        /// The conversion of `R`.
        #[allow(clippy::new_without_default)]
        pub fn new() -> Self
        where
            R: IntoToolOutput,
        {
            Self {
                convert: R::into_tool_output,
                schema: R::output_schema,
            }
        }

        /// Converts a return value.
        pub fn convert(&self, value: R) -> Result<CallToolResponse, ErrorData> {
            (self.convert)(value)
        }

        /// The output schema `R` implies.
        pub fn schema(&self) -> Option<Arc<JsonObject>> {
            (self.schema)()
        }
    }

    /// How a resource's return type becomes its contents (one compile error
    /// for a type that is not [`IntoResourceContents`](crate::resource::IntoResourceContents)).
    pub struct ResourceOutput<R>(
        fn(R, &str, Option<&str>) -> Result<rmcp::model::ReadResourceResult, ErrorData>,
    );

    impl<R> Clone for ResourceOutput<R> {
        fn clone(&self) -> Self {
            *self
        }
    }

    impl<R> Copy for ResourceOutput<R> {}

    impl<R> ResourceOutput<R> {
        /// The conversion of `R`.
        #[allow(clippy::new_without_default)]
        pub fn new() -> Self
        where
            R: crate::resource::IntoResourceContents,
        {
            Self(R::into_resource_result)
        }

        /// Converts a return value read from `uri`.
        pub fn convert(
            &self,
            value: R,
            uri: &str,
            mime_type: Option<&str>,
        ) -> Result<rmcp::model::ReadResourceResult, ErrorData> {
            (self.0)(value, uri, mime_type)
        }
    }

    /// How a prompt's return type becomes its result (one compile error for
    /// a type that is not [`IntoPromptResult`](crate::prompt::IntoPromptResult)).
    pub struct PromptOutput<R>(fn(R) -> Result<rmcp::model::GetPromptResult, ErrorData>);

    impl<R> Clone for PromptOutput<R> {
        fn clone(&self) -> Self {
            *self
        }
    }

    impl<R> Copy for PromptOutput<R> {}

    impl<R> PromptOutput<R> {
        /// The conversion of `R`.
        #[allow(clippy::new_without_default)]
        pub fn new() -> Self
        where
            R: crate::prompt::IntoPromptResult,
        {
            Self(R::into_prompt_result)
        }

        /// Converts a return value.
        pub fn convert(&self, value: R) -> Result<rmcp::model::GetPromptResult, ErrorData> {
            (self.0)(value)
        }
    }

    /// The JSON form of an argument's default value, for the schema. Call as
    /// `(&DefaultValue(&value)).json()` with [`SerializeDefault`] and
    /// [`OpaqueDefault`] in scope: serializable values give `Some`.
    pub struct DefaultValue<'a, T>(pub &'a T);

    /// See [`DefaultValue`].
    pub trait SerializeDefault {
        /// The value as JSON.
        fn json(&self) -> Option<serde_json::Value>;
    }

    impl<T: serde::Serialize> SerializeDefault for DefaultValue<'_, T> {
        fn json(&self) -> Option<serde_json::Value> {
            serde_json::to_value(self.0).ok()
        }
    }

    /// See [`DefaultValue`].
    pub trait OpaqueDefault {
        /// `None`: the value is not serializable.
        fn json(&self) -> Option<serde_json::Value>;
    }

    impl<T> OpaqueDefault for &DefaultValue<'_, T> {
        fn json(&self) -> Option<serde_json::Value> {
            None
        }
    }
}

/// The README's Rust examples, compiled as doc tests.
#[cfg(all(doctest, feature = "dev", feature = "redis"))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
