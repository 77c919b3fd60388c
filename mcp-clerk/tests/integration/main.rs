//! mcp-clerk's integration tests, one module per area, linked into one test
//! binary: each binary links the whole runtime with rmcp, axum and aws-lc, so a
//! binary per file cost ~50 MB of disk and a link step each.
//!
//! Run one area with a filter: `cargo test -p mcp-clerk --all-features --test
//! integration http_gate::`. Modules needing the `testing` or `dev` feature gate
//! themselves with an inner `#![cfg]`. The tracing tests live in their own binary
//! (`tests/http_tracing.rs`) because they install a global subscriber.

#[cfg(feature = "testing")]
mod http_support;

mod backend_api;
mod components;
mod dev_emulator;
mod hostile_input;
mod http_extract;
mod http_gate;
mod http_gate_strict;
mod http_gate_wire;
mod http_metadata;
mod http_org_details;
mod http_server;
mod http_sessions;
mod machine_callers;
mod macro_methods;
mod macro_runtime;
mod macro_schema;
mod membership_freshness;
mod opaque_tokens;
mod serve_drain;
mod serve_limits;
mod session_store;
mod tool_notify;
mod tool_state;
mod verifier_config;
mod verifier_jwks;
mod verifier_verify;
