//! `tools![a, b]` → `Vec<ToolDef>`, `resources![a, b]` → `Vec<AnyResource>`,
//! `prompts![a, b]` → `Vec<PromptDef>`: one expansion for the three lists.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Path, Token};

/// Which list.
#[derive(Clone, Copy)]
pub(crate) enum List {
    Tools,
    Resources,
    Prompts,
}

impl List {
    fn name(self) -> &'static str {
        match self {
            List::Tools => "tools",
            List::Resources => "resources",
            List::Prompts => "prompts",
        }
    }

    fn attr(self) -> &'static str {
        match self {
            List::Tools => "tool",
            List::Resources => "resource",
            List::Prompts => "prompt",
        }
    }

    /// The example in the parse error's help line.
    fn example(self) -> &'static str {
        match self {
            List::Tools => "tools![whoami, projects::create]",
            List::Resources => "resources![a, module::b]",
            List::Prompts => "prompts![a, module::b]",
        }
    }
}

pub(crate) fn expand(input: TokenStream, list: List) -> TokenStream {
    let (name, attr, example) = (list.name(), list.attr(), list.example());
    let paths = match crate::errors::parse_all(
        Punctuated::<Path, Token![,]>::parse_terminated,
        input,
    ) {
        Ok(paths) => paths,
        Err(e) => {
            let message = format!(
                "{e}\n\n= help: `{name}![...]` takes the names of `#[{attr}]` functions: `{example}`"
            );
            return syn::Error::new(e.span(), message).to_compile_error();
        }
    };
    let mut seen: Vec<String> = Vec::new();
    let mut errors = TokenStream::new();
    for path in &paths {
        let key = path.to_token_stream().to_string();
        if seen.contains(&key) {
            let message = format!(
                "`{}` is listed twice\n\n= help: list each {attr} once",
                key.replace(' ', "")
            );
            errors.extend(syn::Error::new_spanned(path, message).to_compile_error());
        }
        seen.push(key);
    }
    // `f::__mcp_clerk_tool_def()` (or `_resource_`, `_prompt_`) resolves `f`
    // in the type namespace: the hidden struct the attribute emits next to
    // the function. No path to mcp-clerk is needed, so this works however the
    // crate is named.
    let getter = format_ident!("__mcp_clerk_{attr}_def");
    let defs = paths.iter().map(|p| {
        quote_spanned! {p.span()=>
            #p::#getter()
        }
    });
    quote! {{
        #errors
        ::std::vec::Vec::from([#(#defs),*])
    }}
}
