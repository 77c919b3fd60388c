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

#[cfg(any(test, feature = "testing", feature = "dev"))]
mod keys;

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

// --- macros (tool output, ToolError, __private) ---

// --- dev emulator ---
#[cfg(feature = "dev")]
pub mod dev;

pub use identity::{ClerkOrg, ClerkUser, Identity, TokenKind};
pub use policy::ToolPolicy;
pub use tool::{ToolCall, ToolDef};

/// Items generated code refers to. Not a public API: names here may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use rmcp;
    pub use schemars;
    pub use serde;
    pub use serde_json;
}
