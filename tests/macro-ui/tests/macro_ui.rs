//! Compile-time behaviour of `#[tool]` and `tools![]` (trybuild).
//!
//! `tests/ui/pass/*.rs` must compile; each `tests/ui/fail/*.rs` must fail with
//! exactly the message in its `.stderr`: one case per message the macros can
//! emit, each showing one error with its `= help:` line (except
//! `every_error_reported.rs`, which shows that one expansion reports several
//! mistakes at once). A function listed in the wrong list (`tools![plain]`,
//! `tools![a_resource]`) is a trait-bound error whose message the macros
//! write with `#[diagnostic::on_unimplemented]`; there the line is a `= note:`,
//! the only extra line rustc lets a crate add to such an error.
//!
//! The snapshots are written with **rustc 1.95** (the pinned compiler): rustc's
//! own wording (E0277 notes, "future cannot be sent", E0433) changes between
//! releases, so on any other compiler the test is ignored rather than failing
//! on wording (the way axum gates its UI tests with `rustversion`).
//!
//! After changing a message, or when moving the pin to a new compiler,
//! regenerate the snapshots with that compiler and review every changed
//! `.stderr` (one error, at the right token, with a help line):
//!
//! ```text
//! TRYBUILD=overwrite cargo test -p mcp-clerk-macro-ui --test macro_ui
//! ```
//!
//! then update the version in the `rustversion` attribute below.

#[rustversion::attr(
    not(stable(1.95)),
    ignore = "UI snapshots are written with rustc 1.95's messages"
)]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
