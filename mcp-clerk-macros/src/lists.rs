//! `tools![a, b]` → `Vec<ToolDef>`, `resources![a, b]` → `Vec<AnyResource>`,
//! `prompts![a, b]` → `Vec<PromptDef>`: one expansion for the three lists.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Path, Token};

use crate::attr::AttrKind;

/// The example in the parse error's help line.
fn example(kind: AttrKind) -> &'static str {
    match kind {
        AttrKind::Tool => "tools![whoami, projects::create]",
        AttrKind::Resource => "resources![a, module::b]",
        AttrKind::Prompt => "prompts![a, module::b]",
    }
}

pub(crate) fn expand(input: TokenStream, kind: AttrKind) -> TokenStream {
    let (name, attr, example) = (kind.list(), kind.noun(), example(kind));
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
    let defs = paths.iter().map(|p| listed(p, kind));
    quote! {{
        #errors
        ::std::vec::Vec::from([#(#defs),*])
    }}
}

/// One listed path: its hidden type's `__mcp_clerk_<attr>_def(..)`.
///
/// `use p as __mcp_clerk_listed;` binds the name in every namespace `p`
/// resolves in: always the function (value namespace), and the hidden struct
/// the attribute emits beside it (type namespace) when there is one. A single
/// import shadows a glob import namespace by namespace, so when `p` has no
/// hidden struct the type namespace falls through to the glob: a fallback
/// whose getter demands a trait nothing implements, with our message. No
/// path to mcp-clerk is needed, so this works however the crate is named, and
/// the fallback is only reached (and only fails) when it is used. (A function
/// with another attribute has the other getters, failing with their own
/// message: mcp-clerk's `lists.rs`.)
///
/// Being an import, the path is resolved early, where rustc refuses a name a
/// macro defined when an outer scope (a glob import, a crate, the prelude)
/// has it too: E0659, whose help says to write `self::f`. Late resolution, as
/// in `f::__mcp_clerk_tool_def()`, has no fallback for a missing hidden type
/// (rustc's E0433), so the import it is.
fn listed(path: &Path, kind: AttrKind) -> TokenStream {
    let attr = kind.noun();
    let getter = kind.getter();
    let shown = path.to_token_stream().to_string().replace(' ', "");
    let message = format!("`{shown}` is not a `#[{attr}]` function");
    let label = format!("`{}![...]` lists only `#[{attr}]` functions", kind.list());
    let name = path.segments.last().map(|s| &s.ident);
    let note = format!(
        "add `#[{attr}]` (or `#[{attr}(..)]`) above `fn {}`",
        name.map_or_else(String::new, ToString::to_string)
    );
    // At the function's own name: on stable a path's span is its first token.
    let span = name.map_or_else(|| path.span(), proc_macro2::Ident::span);
    quote_spanned! {span=>
        {
            #[allow(unused_imports)]
            use #path as __mcp_clerk_listed;
            #[allow(unused_imports)]
            use __mcp_clerk_unlisted::*;
            #[allow(non_camel_case_types, dead_code, unreachable_pub, clippy::all)]
            mod __mcp_clerk_unlisted {
                #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
                pub trait Listed {}
                #[diagnostic::do_not_recommend]
                impl Listed for __mcp_clerk_listed {}
                pub struct __mcp_clerk_unlisted_probe;
                pub struct __mcp_clerk_listed {}
                impl __mcp_clerk_listed {
                    pub fn #getter<P: Listed, R>(_: P) -> R {
                        loop {}
                    }
                }
            }
            __mcp_clerk_listed::#getter(__mcp_clerk_unlisted::__mcp_clerk_unlisted_probe)
        }
    }
}
