//! `#[tool]`: the function stays as written; a hidden type named like it
//! implements `ToolFactory`, building the `ToolDef`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, LitStr, ReturnType, Type};

use crate::args::{self, Default, Kind, Param};
use crate::attr::{Level, ToolAttr};
use crate::errors::Errors;

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let tool_attr = ToolAttr::parse(attr, &mut errors);
    let mut func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(e) => {
            let message = "`#[tool]` goes on a function: `async fn name(..) -> .. { .. }`";
            let error = syn::Error::new(e.span(), message).to_compile_error();
            return quote! { #error #item };
        }
    };
    let params = args::analyze(&mut func.sig.inputs, &tool_attr, &mut errors);
    check_signature(&func, &mut errors);
    let name = tool_name(&func, &tool_attr, &mut errors);

    let ident = &func.sig.ident;
    let vis = &func.vis;
    let factory = quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code, missing_docs, unreachable_pub)]
        #vis struct #ident {}
    };
    let has_receiver = func.sig.receiver().is_some();
    if !errors.is_empty() {
        let errors = errors.to_compile_errors();
        if has_receiver {
            // In an `impl` block: a struct or impl here would be two more errors.
            return quote! { #errors #func };
        }
        return quote! {
            #errors
            #func
            #factory
            #[allow(clippy::all)]
            impl ::mcp_clerk::__private::ToolFactory for #ident {
                fn tool_def() -> ::mcp_clerk::__private::ToolDef {
                    ::core::panic!("`#[tool]` reported a compile error")
                }
            }
        };
    }
    let body = tool_def_body(&func, &tool_attr, &params, &name);
    quote! {
        #func
        #factory
        #[allow(clippy::all)]
        impl ::mcp_clerk::__private::ToolFactory for #ident {
            fn tool_def() -> ::mcp_clerk::__private::ToolDef {
                #body
            }
        }
    }
}

fn check_signature(func: &ItemFn, errors: &mut Errors) {
    let generics = &func.sig.generics;
    if !generics.params.is_empty() || generics.where_clause.is_some() {
        errors.push_tokens(
            generics,
            "`#[tool]` functions cannot be generic",
            Some("tools are registered once with concrete types: remove the type and lifetime parameters"),
        );
    }
    if let Some(v) = &func.sig.variadic {
        errors.push(v.span(), "`#[tool]` functions cannot be variadic", None);
    }
    if let ReturnType::Type(_, ty) = &func.sig.output
        && let Type::ImplTrait(t) = &**ty
    {
        errors.push_tokens(
            t,
            "`#[tool]` functions cannot return `impl Trait`",
            Some("name the return type, for example `String`, `Json<T>` or `Result<T, ToolError>`"),
        );
    }
}

/// The MCP name: `name = ".."` or the function's name; 1–128 of `A-Z a-z 0-9 _ - .`.
fn tool_name(func: &ItemFn, attr: &ToolAttr, errors: &mut Errors) -> LitStr {
    let (value, span) = match &attr.name {
        Some(lit) => (lit.value(), lit.span()),
        None => {
            let ident = func.sig.ident.to_string();
            (
                ident.trim_start_matches("r#").to_owned(),
                func.sig.ident.span(),
            )
        }
    };
    let bad = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')));
    let problem = if value.is_empty() {
        Some("it is empty".to_owned())
    } else if value.chars().count() > 128 {
        Some(format!(
            "it is {} characters long (at most 128)",
            value.chars().count()
        ))
    } else {
        bad.map(|c| format!("it contains {c:?}"))
    };
    if let Some(problem) = problem {
        errors.push(
            span,
            format_args!("invalid tool name {value:?}: {problem}"),
            Some("MCP tool names are 1 to 128 characters of `A-Z a-z 0-9 _ - .`; set one with `name = \"...\"`"),
        );
    }
    LitStr::new(&value, span)
}

/// The description: `description = ".."` or the doc comment.
fn description(func: &ItemFn, attr: &ToolAttr) -> Option<String> {
    if let Some(d) = &attr.description {
        return Some(d.value());
    }
    let lines: Vec<String> = func
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .flat_map(|s| {
            // `///` alone is an empty string, which has no `lines()`: keep it as a blank line.
            s.split('\n')
                .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    let text = lines.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

fn opt_str(value: Option<String>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

fn level(level: Level) -> TokenStream {
    match level {
        Level::None => quote!(::mcp_clerk::__private::Requirement::None),
        Level::Optional => quote!(::mcp_clerk::__private::Requirement::Optional),
        Level::Required => quote!(::mcp_clerk::__private::Requirement::Required),
    }
}

fn policy(attr: &ToolAttr) -> TokenStream {
    let mut out = quote!(::mcp_clerk::__private::ToolPolicy::new());
    if let Some((l, _)) = attr.auth {
        let l = level(l);
        out = quote!(#out.auth(#l));
    }
    if let Some((l, _)) = attr.org {
        let l = level(l);
        out = quote!(#out.org(#l));
    }
    for s in &attr.scopes {
        out = quote!(#out.scope(#s));
    }
    for p in &attr.permissions {
        out = quote!(#out.permission(#p));
    }
    for r in &attr.roles {
        out = quote!(#out.role(#r));
    }
    out
}

fn annotations(attr: &ToolAttr) -> TokenStream {
    let a = &attr.annotations;
    if !a.present {
        return quote!(::core::option::Option::None);
    }
    let mut out = quote!(::mcp_clerk::__private::rmcp::model::ToolAnnotations::new());
    for (value, method) in [
        (a.read_only, "read_only"),
        (a.destructive, "destructive"),
        (a.idempotent, "idempotent"),
        (a.open_world, "open_world"),
    ] {
        if let Some(v) = value {
            let method = format_ident!("{method}");
            out = quote!(#out.#method(#v));
        }
    }
    quote!(::core::option::Option::Some(#out))
}

fn tool_def_body(func: &ItemFn, attr: &ToolAttr, params: &[Param], name: &LitStr) -> TokenStream {
    let ident = &func.sig.ident;
    let ret: Type = match &func.sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    let ret_span = match &func.sig.output {
        ReturnType::Default => func.sig.ident.span(),
        ReturnType::Type(_, ty) => ty.span(),
    };
    let output = quote_spanned! {ret_span=>
        let __mcp_output = ::mcp_clerk::__private::Output::<#ret>::new();
    };

    let mut setup = Vec::new();
    let mut schema_args = Vec::new();
    let mut injects = Vec::new();
    let mut takes = Vec::new();
    let mut binds = Vec::new();
    let mut call_args = Vec::new();
    let mut struct_arg = None;
    for (i, param) in params.iter().enumerate() {
        let ty = &param.ty;
        let span = ty.span();
        let value = format_ident!("__mcp_v{i}");
        call_args.push(value.clone());
        match &param.kind {
            Kind::Inject => injects.push(quote_spanned! {span=>
                let #value = match <#ty as ::mcp_clerk::__private::FromToolCall>::from_tool_call(&mut __mcp_call) {
                    ::core::result::Result::Ok(v) => v,
                    ::core::result::Result::Err(e) => return ::core::result::Result::Err(e),
                };
            }),
            Kind::Struct => {
                let spec = format_ident!("__mcp_a{i}");
                setup.push(quote_spanned! {span=>
                    let #spec = ::mcp_clerk::__private::StructArgs::<#ty>::new();
                });
                struct_arg = Some(spec.clone());
                takes.push(quote!(__mcp_arguments.take_struct(&#spec)));
                binds.push(quote!(::core::option::Option::Some(#value)));
            }
            Kind::Plain { json_name, description, default } => {
                let spec = format_ident!("__mcp_a{i}");
                let (with_default, default_json) = match default {
                    None => (quote!(), quote!(::core::option::Option::None)),
                    Some(Default::Trait(dspan)) => (
                        quote_spanned!(*dspan=> .with_default(<#ty as ::core::default::Default>::default)),
                        quote_spanned! {*dspan=> {
                            #[allow(unused_imports)]
                            use ::mcp_clerk::__private::{OpaqueDefault as _, SerializeDefault as _};
                            let __mcp_d: #ty = ::core::default::Default::default();
                            (&::mcp_clerk::__private::DefaultValue(&__mcp_d)).json()
                        }},
                    ),
                    Some(Default::Expr(expr)) => (
                        quote_spanned!(expr.span()=> .with_default(|| -> #ty { #expr })),
                        quote_spanned! {expr.span()=> {
                            #[allow(unused_imports)]
                            use ::mcp_clerk::__private::{OpaqueDefault as _, SerializeDefault as _};
                            let __mcp_d: #ty = #expr;
                            (&::mcp_clerk::__private::DefaultValue(&__mcp_d)).json()
                        }},
                    ),
                };
                setup.push(quote_spanned! {span=>
                    let #spec = ::mcp_clerk::__private::Arg::<#ty>::new(#json_name) #with_default;
                });
                let description = opt_str(description.as_ref().map(LitStr::value));
                schema_args.push(quote!(.arg(&#spec, #description, #default_json)));
                takes.push(quote!(__mcp_arguments.take(&#spec)));
                binds.push(quote!(::core::option::Option::Some(#value)));
            }
        }
    }

    let input_schema = match &struct_arg {
        Some(spec) => quote!(#spec.input_schema(#name)),
        None => quote!(::mcp_clerk::__private::InputSchema::new() #(#schema_args)* .finish()),
    };
    let parse = if takes.is_empty() {
        quote!()
    } else {
        quote! {
            let mut __mcp_arguments = ::mcp_clerk::__private::Arguments::new(__mcp_call.take_arguments());
            let (#(#binds,)*) = (#(#takes,)*) else {
                return __mcp_arguments.into_response();
            };
        }
    };
    let await_ = func.sig.asyncness.map(|_| quote!(.await));
    let call = quote_spanned! {func.sig.ident.span()=>
        #ident(#(#call_args),*) #await_
    };
    let title = opt_str(attr.title.as_ref().map(LitStr::value));
    let desc = opt_str(description(func, attr));
    let annotations = annotations(attr);
    let policy = policy(attr);
    let new_span = func.sig.ident.span();
    let tooldef = quote_spanned! {new_span=> ::mcp_clerk::__private::ToolDef::new };
    quote! {
        #output
        #(#setup)*
        let __mcp_descriptor = ::mcp_clerk::__private::descriptor(
            #name,
            #title,
            #desc,
            #input_schema,
            __mcp_output.schema(),
            #annotations,
        );
        #tooldef(
            __mcp_descriptor,
            #policy,
            move |mut __mcp_call: ::mcp_clerk::__private::ToolCall| async move {
                #(#injects)*
                #parse
                ::core::mem::drop(__mcp_call);
                __mcp_output.convert(#call)
            },
        )
    }
}
