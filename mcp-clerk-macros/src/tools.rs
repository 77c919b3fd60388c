//! `tools![a, b, path::c]` → `Vec<ToolDef>`.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Path, Token};

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let paths = match crate::errors::parse_all(
        Punctuated::<Path, Token![,]>::parse_terminated,
        input,
    ) {
        Ok(paths) => paths,
        Err(e) => {
            let message = format!(
                "{e}\n\n= help: `tools![...]` takes the names of `#[tool]` functions: `tools![whoami, projects::create]`"
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
                "`{}` is listed twice\n\n= help: list each tool once",
                key.replace(' ', "")
            );
            errors.extend(syn::Error::new_spanned(path, message).to_compile_error());
        }
        seen.push(key);
    }
    // `f::__mcp_clerk_tool_def()` resolves `f` in the type namespace: the
    // hidden struct `#[tool]` emits next to the function. No path to
    // mcp-clerk is needed, so this works however the crate is named.
    let defs = paths.iter().map(|p| {
        quote_spanned! {p.span()=>
            #p::__mcp_clerk_tool_def()
        }
    });
    quote! {{
        #errors
        ::std::vec::Vec::from([#(#defs),*])
    }}
}
