//! What `#[resource]` and `#[prompt]` share: reading the injected and plain
//! arguments inside the generated handler, and the hidden factory type.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, ReturnType, Type};

use crate::args::{Kind, Param};
use crate::attr::AttrKind;
use crate::tool::at;

/// The statements of a generated handler that bind every parameter to
/// `__mcp_v{i}`, and the setup before the handler (the `Arg`s).
pub(crate) struct Bindings {
    /// `let __mcp_a{i} = Arg::<T>::new(..)` / `StructArgs::<T>::new()`.
    pub(crate) setup: Vec<TokenStream>,
    /// `.arg(&__mcp_a{i}, description, None)` for the schema.
    pub(crate) schema_args: Vec<TokenStream>,
    /// The `#[args]` struct's spec, if any.
    pub(crate) struct_arg: Option<syn::Ident>,
    /// Inside the handler: injections, then the arguments.
    pub(crate) body: TokenStream,
    /// `.requires_state(..)` for each injected argument.
    pub(crate) requires: Vec<TokenStream>,
    /// `__mcp_v0, __mcp_v1, ..`.
    pub(crate) call_args: Vec<syn::Ident>,
}

/// Binds every parameter; plain ones are read with
/// `Arguments::from_strings` (templates and prompts send strings) and a
/// problem is a JSON-RPC `invalid_params` error listing all of them.
pub(crate) fn bindings(p: &TokenStream, params: &[Param]) -> Bindings {
    let mut out = Bindings {
        setup: Vec::new(),
        schema_args: Vec::new(),
        struct_arg: None,
        body: TokenStream::new(),
        requires: Vec::new(),
        call_args: Vec::new(),
    };
    let mut injects = Vec::new();
    let mut takes = Vec::new();
    let mut binds = Vec::new();
    for (i, param) in params.iter().enumerate() {
        let ty = &param.ty;
        let span = ty.span();
        let value = format_ident!("__mcp_v{i}");
        out.call_args.push(value.clone());
        let ps = at(p, span);
        match &param.kind {
            Kind::Inject => {
                injects.push(quote_spanned! {span=>
                    let #value = match <#ty as #ps::FromToolCall>::from_tool_call(&mut __mcp_call) {
                        ::core::result::Result::Ok(__mcp_ok) => __mcp_ok,
                        ::core::result::Result::Err(__mcp_err) => return ::core::result::Result::Err(__mcp_err),
                    };
                });
                out.requires.push(quote_spanned! {span=>
                    .requires_state(<#ty as #ps::FromToolCall>::required_state())
                });
            }
            Kind::Struct => {
                let spec = format_ident!("__mcp_a{i}");
                out.setup.push(quote_spanned! {span=>
                    let #spec = #ps::StructArgs::<#ty>::new();
                });
                out.struct_arg = Some(spec.clone());
                takes.push(quote!(__mcp_arguments.take_struct(&#spec)));
                binds.push(quote!(::core::option::Option::Some(#value)));
            }
            Kind::Plain {
                json_name,
                description,
                ..
            } => {
                let spec = format_ident!("__mcp_a{i}");
                out.setup.push(quote_spanned! {span=>
                    let #spec = #ps::Arg::<#ty>::new(#json_name);
                });
                let description =
                    crate::tool::opt_str(description.as_ref().map(syn::LitStr::value));
                out.schema_args
                    .push(quote!(.arg(&#spec, #description, ::core::option::Option::None)));
                takes.push(quote!(__mcp_arguments.take(&#spec)));
                binds.push(quote!(::core::option::Option::Some(#value)));
            }
        }
    }
    let parse = if takes.is_empty() {
        quote!()
    } else {
        quote! {
            let mut __mcp_arguments = #p::Arguments::from_strings(__mcp_call.take_arguments());
            let (#(#binds,)*) = (#(#takes,)*) else {
                return ::core::result::Result::Err(__mcp_arguments.into_error_data());
            };
        }
    };
    out.body = quote! {
        #(#injects)*
        #parse
    };
    out
}

/// The function's return type and where to report a wrong one.
pub(crate) fn return_type(func: &ItemFn) -> (Type, Span) {
    match &func.sig.output {
        ReturnType::Default => (syn::parse_quote!(()), func.sig.ident.span()),
        ReturnType::Type(_, ty) => ((**ty).clone(), ty.span()),
    }
}

/// The hidden type named like the function, with `__mcp_clerk_<kind>_def(..)`
/// returning `ret` (what `tools![..]`, `resources![..]` and `prompts![..]`
/// call; the argument is the list's probe, see lists.rs).
///
/// It also gets the other two kinds' getters, bounded by a trait of
/// `p::lists` the probe does not implement: a `#[resource]` listed in
/// `tools![..]` is one error naming the list it belongs in, not rustc's "no
/// function named `__mcp_clerk_tool_def`".
pub(crate) fn factory(
    p: &TokenStream,
    func: &ItemFn,
    kind: AttrKind,
    ret: &TokenStream,
    body: &TokenStream,
) -> TokenStream {
    let ident = &func.sig.ident;
    let vis = &func.vis;
    let getter = kind.getter();
    let wrong = AttrKind::ALL
        .into_iter()
        .filter(|&other| other != kind)
        .map(|other| {
            let getter = other.getter();
            let bound = format_ident!("{}In{}s", kind.camel(), other.camel());
            quote! {
                #[doc(hidden)]
                #[allow(dead_code, missing_docs, unreachable_pub)]
                #vis fn #getter<P: #p::#bound<Self>, R>(_: P) -> R {
                    loop {}
                }
            }
        });
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code, missing_docs, unreachable_pub)]
        #vis struct #ident {}

        #[allow(clippy::all)]
        impl #ident {
            #[doc(hidden)]
            #[allow(dead_code, missing_docs, unreachable_pub)]
            #vis fn #getter<P>(_: P) -> #ret {
                #body
            }
            #(#wrong)*
        }
    }
}

/// `#[resource]` / `#[prompt]` on something that is not a function.
pub(crate) fn not_a_function(kind: AttrKind, item: &TokenStream) -> TokenStream {
    let noun = kind.noun();
    let span = item
        .clone()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |t| t.span());
    let message = format!(
        "`#[{noun}]` goes on a function\n\n= help: write `#[{noun}(..)]` above a free `async fn`"
    );
    let error = syn::Error::new(span, message).to_compile_error();
    quote! { #error #item }
}
