//! Procedural macros for [mcp-clerk](https://docs.rs/mcp-clerk).
//!
//! Use them through the `mcp-clerk` crate (`mcp_clerk::tool`,
//! `mcp_clerk::tools!`), which documents them; this crate is an implementation
//! detail and generates code that names only `::mcp_clerk::__private` paths.
//!
//! Set `MCP_CLERK_MACROS_DEBUG=1` to print every expansion to stderr.

mod args;
mod attr;
mod errors;
mod tool;
mod tools;

use proc_macro::TokenStream;

fn debug(name: &str, output: &proc_macro2::TokenStream) {
    if std::env::var_os("MCP_CLERK_MACROS_DEBUG").is_some_and(|v| v != "0" && !v.is_empty()) {
        eprintln!("--- mcp-clerk {name} expansion ---\n{output}\n---");
    }
}

/// (`#[tool]` is implemented in `mcp-clerk-macros`; use it as `mcp_clerk::tool`.)
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    let output = tool::expand(attr.into(), item.into());
    debug("#[tool]", &output);
    output.into()
}

/// (`tools!` is implemented in `mcp-clerk-macros`; use it as `mcp_clerk::tools`.)
#[proc_macro]
pub fn tools(input: TokenStream) -> TokenStream {
    let output = tools::expand(input.into());
    debug("tools!", &output);
    output.into()
}
