//! Procedural macros for [mcp-clerk](https://docs.rs/mcp-clerk).
//!
//! Use them through the `mcp-clerk` crate (`mcp_clerk::tool`,
//! `mcp_clerk::tools!`), which documents them; this crate is an implementation
//! detail and generates code that names only `::mcp_clerk::__private` paths.
//!
//! Set `MCP_CLERK_MACROS_DEBUG=1` to print every expansion to stderr (cargo
//! does not track the variable: touch a file or `cargo clean -p <crate>` to
//! re-expand).

mod args;
mod attr;
mod component;
mod errors;
mod lists;
mod prompt;
mod resource;
mod tool;
mod tool_impl;

use proc_macro::TokenStream;

/// The variable that turns on printing every expansion.
const DEBUG_VAR: &str = "MCP_CLERK_MACROS_DEBUG";

/// Prints one expansion to stderr when `MCP_CLERK_MACROS_DEBUG=1`.
///
/// Cargo does not track the variable (`proc_macro::tracked_env` is unstable),
/// so setting it does not rebuild anything: touch the file or
/// `cargo clean -p <crate>` to see the expansions.
fn debug(name: &str, output: &proc_macro2::TokenStream) {
    let value = std::env::var_os(DEBUG_VAR);
    // A failed write to stderr is not worth failing the build over.
    let _ = write_debug(
        &mut std::io::stderr().lock(),
        value.as_deref(),
        name,
        output,
    );
}

/// Writes the expansion to `out` when `value` (the variable's value) is `1`.
fn write_debug(
    out: &mut impl std::io::Write,
    value: Option<&std::ffi::OsStr>,
    name: &str,
    output: &proc_macro2::TokenStream,
) -> std::io::Result<()> {
    if value.is_some_and(|v| v == "1") {
        writeln!(out, "--- mcp-clerk {name} expansion ---\n{output}\n---")?;
    }
    Ok(())
}

/// (`#[tool]` is implemented in `mcp-clerk-macros`; use it as `mcp_clerk::tool`.)
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    let output = tool::expand(attr.into(), item.into());
    debug("#[tool]", &output);
    output.into()
}

/// (`#[tool_impl]` is implemented in `mcp-clerk-macros`; use it as `mcp_clerk::tool_impl`.)
#[proc_macro_attribute]
pub fn tool_impl(attr: TokenStream, item: TokenStream) -> TokenStream {
    let output = tool_impl::expand(attr.into(), item.into());
    debug("#[tool_impl]", &output);
    output.into()
}

/// (`tools!` is implemented in `mcp-clerk-macros`; use it as `mcp_clerk::tools`.)
#[proc_macro]
pub fn tools(input: TokenStream) -> TokenStream {
    let output = lists::expand(input.into(), attr::AttrKind::Tool);
    debug("tools!", &output);
    output.into()
}

/// (`#[resource]` is implemented in `mcp-clerk-macros`; use it as `mcp_clerk::resource`.)
#[proc_macro_attribute]
pub fn resource(attr: TokenStream, item: TokenStream) -> TokenStream {
    let output = resource::expand(attr.into(), item.into());
    debug("#[resource]", &output);
    output.into()
}

/// (`#[prompt]` is implemented in `mcp-clerk-macros`; use it as `mcp_clerk::prompt`.)
#[proc_macro_attribute]
pub fn prompt(attr: TokenStream, item: TokenStream) -> TokenStream {
    let output = prompt::expand(attr.into(), item.into());
    debug("#[prompt]", &output);
    output.into()
}

/// (`resources!` is implemented in `mcp-clerk-macros`; use it as `mcp_clerk::resources`.)
#[proc_macro]
pub fn resources(input: TokenStream) -> TokenStream {
    let output = lists::expand(input.into(), attr::AttrKind::Resource);
    debug("resources!", &output);
    output.into()
}

/// (`prompts!` is implemented in `mcp-clerk-macros`; use it as `mcp_clerk::prompts`.)
#[proc_macro]
pub fn prompts(input: TokenStream) -> TokenStream {
    let output = lists::expand(input.into(), attr::AttrKind::Prompt);
    debug("prompts!", &output);
    output.into()
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use quote::quote;

    use super::write_debug;

    fn written(value: Option<&str>) -> String {
        let mut out = Vec::new();
        let expansion = quote!(
            fn generated() {}
        );
        write_debug(&mut out, value.map(OsStr::new), "#[tool]", &expansion).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn debug_prints_the_expansion_when_the_variable_is_1() {
        let text = written(Some("1"));
        assert!(
            text.starts_with("--- mcp-clerk #[tool] expansion ---\n"),
            "{text}"
        );
        assert!(text.contains("fn generated () { }"), "{text}");
        assert!(text.ends_with("\n---\n"), "{text}");
    }

    #[test]
    fn debug_prints_nothing_otherwise() {
        for value in [None, Some(""), Some("0"), Some("true"), Some("11")] {
            assert_eq!(written(value), "", "{value:?}");
        }
    }
}
