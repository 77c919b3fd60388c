//! Runnable mcp-clerk servers. Each example is a module with a `start`
//! function (used by its binary in `src/bin/` and by the test suite, which
//! starts every example and calls it once) and the tools it serves.
//!
//! | binary | module | shows |
//! |---|---|---|
//! | `quickstart` | [`quickstart`] | `#[tool]` with auth, org + permission and public tools; the local Clerk emulator when no Clerk settings are present |
//! | `axum_app` | [`axum_app`] | adding MCP to an existing axum app: one merged router |
//! | `organizations` | [`organizations`] | organizations, roles and permissions |
//! | `clerk_user_data` | [`clerk_user_data`] | Clerk's `get-clerk-user-data` tool: the Clerk Backend API (`Clerk`) inside a tool, structured output |
//! | `long_calls` | [`long_calls`] | a slow tool under `serve`'s limits and graceful drain (SIGTERM) |
//! | `conformance` | [`conformance`] | the official conformance suite's fixture (tools, resources, prompts), auth off |
//! | — | [`notes`] | application state, org-scoped tools, a resource template and a prompt |
//! | `dev_clerk` | — | the local Clerk emulator alone, printing a token per dev user |
//!
//! Testing your own tools with `mcp_clerk::testing` is shown in
//! `examples/tests/testing_your_tools.rs`.

pub mod axum_app;
pub mod clerk_user_data;
pub mod conformance;
pub mod long_calls;
pub mod notes;
pub mod organizations;
pub mod quickstart;
mod running;

pub use mcp_clerk::dev::RequestLog;
pub use running::{Clerk, REAL_CLERK_VARIABLES, RealClerk, Running};

/// Logs to stderr for an example binary: `RUST_LOG`, default `info,rmcp=warn`.
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,rmcp=warn".into()),
        )
        .init();
}

/// Where an example binary serves MCP: `MCP_ADDR`, default `127.0.0.1:3000`.
pub fn listen_addr() -> String {
    std::env::var("MCP_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned())
}
