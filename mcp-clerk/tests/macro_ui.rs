//! Compile-time behaviour of `#[tool]` and `tools![]` (trybuild).
//!
//! `tests/ui/pass/*.rs` must compile; each `tests/ui/fail/*.rs` must fail with
//! exactly the message in its `.stderr` (one case per error message).
//!
//! After changing a message, regenerate the snapshots and review the diff:
//!
//! ```text
//! TRYBUILD=overwrite cargo test -p mcp-clerk --test macro_ui
//! ```
//!
//! The snapshots are rustc 1.95's wording; another compiler may word the
//! trait-bound errors differently.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
