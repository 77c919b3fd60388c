//! Runnable mcp-clerk servers. Each example is a module with a `start`
//! function (used by its binary in `src/bin/` and by the test suite, which
//! starts every example and calls it once) and the tools it serves.
//!
//! | binary | module | shows |
//! |---|---|---|
//! | `quickstart` | [`quickstart`] | `#[tool]` with auth, org + permission and public tools; the local Clerk emulator when no Clerk settings are present |
//! | `axum_app` | [`axum_app`] | adding MCP to an existing axum app: one merged router |
//! | `organizations` | [`organizations`] | organizations, roles and permissions |
//! | `dev_clerk` | — | the local Clerk emulator alone, printing a token per dev user |
//!
//! Testing your own tools with `mcp_clerk::testing` is shown in
//! `examples/tests/testing_your_tools.rs`.

pub mod axum_app;
pub mod organizations;
pub mod quickstart;
mod running;

pub use running::{Clerk, REAL_CLERK_VARIABLES, RealClerk, RequestLog, Running};
