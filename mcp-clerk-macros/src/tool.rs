//! `#[tool]`: the function stays as written; a hidden type named like it
//! implements `ToolFactory`, building the `ToolDef`.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, LitStr, ReturnType, Type};

use crate::args::{self, Default, Kind, Param, Place};
use crate::attr::{CallersAttr, Level, ToolAttr};
use crate::errors::Errors;

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let tool_attr = ToolAttr::parse(attr, &mut errors);
    let mut func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let error = not_a_function(&item).to_compile_error();
            return quote! { #error #item };
        }
    };
    // A mistake in the attribute leaves the policy unknown: checking the
    // injected arguments against it would report one typo twice.
    let policy_known = errors.is_empty();
    let params = args::analyze(
        &mut func.sig.inputs,
        &tool_attr,
        policy_known,
        Place::Free,
        &mut errors,
    );
    check_signature(&func, &mut errors);
    let name = tool_name(&func, &tool_attr, &mut errors);

    let ident = &func.sig.ident;
    let krate = match &tool_attr.krate {
        Some(path) => quote!(#path),
        None => quote!(::mcp_clerk),
    };
    let p = quote!(#krate::__private);
    // A braced struct lives in the type namespace only, so it can share the
    // function's name; `tools![f]` calls `f::__mcp_clerk_tool_def(..)`.
    let factory = crate::component::factory(
        &p,
        &func,
        crate::attr::AttrKind::Tool,
        &quote!(#p::ToolDef),
        &quote!(<Self as #p::ToolFactory>::tool_def()),
    );
    let has_receiver = func.sig.receiver().is_some();
    // Reported above; emitted as is, rustc would report `...` a second time.
    if func.sig.variadic.take().is_some() {
        let inputs = std::mem::take(&mut func.sig.inputs);
        func.sig.inputs = inputs
            .into_pairs()
            .map(syn::punctuated::Pair::into_value)
            .collect();
    }
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
            impl #p::ToolFactory for #ident {
                fn tool_def() -> #p::ToolDef {
                    ::core::panic!("`#[tool]` reported a compile error")
                }
            }
        };
    }
    let body = tool_def_body(&p, &func, &tool_attr, &params, &name, Callee::Free);
    quote! {
        #func
        #factory
        #[allow(clippy::all)]
        impl #p::ToolFactory for #ident {
            fn tool_def() -> #p::ToolDef {
                #body
            }
        }
    }
}

/// The error for an item that is not a function, at its name (or, for an
/// item without one, its first token), with what to write instead.
pub(crate) fn not_a_function(item: &TokenStream) -> syn::Error {
    let message = "`#[tool]` goes on a function\n\n= help: write `#[tool]` above a free `async fn` (or `fn`): `#[tool] async fn name(..) -> .. { .. }`";
    let name = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Struct(i)) => Some(i.ident),
        Ok(syn::Item::Enum(i)) => Some(i.ident),
        Ok(syn::Item::Union(i)) => Some(i.ident),
        Ok(syn::Item::Trait(i)) => Some(i.ident),
        Ok(syn::Item::Type(i)) => Some(i.ident),
        Ok(syn::Item::Const(i)) => Some(i.ident),
        Ok(syn::Item::Static(i)) => Some(i.ident),
        Ok(syn::Item::Mod(i)) => Some(i.ident),
        _ => None,
    };
    match name {
        Some(ident) => syn::Error::new(ident.span(), message),
        None => match item.clone().into_iter().next() {
            Some(first) => syn::Error::new(first.span(), message),
            None => syn::Error::new(Span::call_site(), message),
        },
    }
}

pub(crate) fn check_signature(func: &ItemFn, errors: &mut Errors) {
    let generics = &func.sig.generics;
    if !generics.params.is_empty() || generics.where_clause.is_some() {
        errors.push_tokens(
            generics,
            "`#[tool]` functions cannot be generic",
            Some("tools are registered once with concrete types: remove the type and lifetime parameters"),
        );
    }
    if let syn::Safety::Unsafe(u) = &func.sig.safety {
        errors.push_tokens(
            u,
            "`#[tool]` functions cannot be `unsafe`",
            Some("clients call tools with arbitrary arguments: make the function safe and keep `unsafe` blocks inside it"),
        );
    }
    if let Some(v) = &func.sig.variadic {
        errors.push_tokens(
            v,
            "`#[tool]` functions cannot be variadic",
            Some("clients send named JSON arguments: take a `Vec<T>` argument instead of `...`"),
        );
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
pub(crate) fn tool_name(func: &ItemFn, attr: &ToolAttr, errors: &mut Errors) -> LitStr {
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
        let shown: String = if value.chars().count() > 40 {
            value.chars().take(40).chain(['…']).collect()
        } else {
            value.clone()
        };
        errors.push(
            span,
            format_args!("invalid tool name {shown:?}: {problem}"),
            Some("MCP tool names are 1 to 128 characters of `A-Z a-z 0-9 _ - .`; set one with `name = \"...\"`"),
        );
    }
    LitStr::new(&value, span)
}

/// The description: `description = ".."` or the doc comment.
pub(crate) fn description(func: &ItemFn, attr: &ToolAttr) -> Option<String> {
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

/// `tokens` with every span set to `span`, so a trait-bound error on a
/// generated path points at the user's token (`quote_spanned!` does not
/// re-span interpolated tokens).
pub(crate) fn at(tokens: &TokenStream, span: Span) -> TokenStream {
    tokens
        .clone()
        .into_iter()
        .map(|mut tt| {
            if let TokenTree::Group(g) = &tt {
                let mut group = proc_macro2::Group::new(g.delimiter(), at(&g.stream(), span));
                group.set_span(span);
                return TokenTree::Group(group);
            }
            tt.set_span(span);
            tt
        })
        .collect()
}

pub(crate) fn opt_str(value: Option<String>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

fn level(p: &TokenStream, level: Level) -> TokenStream {
    match level {
        Level::None => quote!(#p::Requirement::None),
        Level::Optional => quote!(#p::Requirement::Optional),
        Level::Required => quote!(#p::Requirement::Required),
    }
}

pub(crate) fn policy(p: &TokenStream, attr: &ToolAttr) -> TokenStream {
    let mut out = quote!(#p::ToolPolicy::new());
    if let Some((l, _)) = attr.auth {
        let l = level(p, l);
        out = quote!(#out.auth(#l));
    }
    if let Some((l, _)) = attr.org {
        let l = level(p, l);
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
    match attr.callers() {
        CallersAttr::Users => {}
        CallersAttr::Machines => out = quote!(#out.callers(#p::Callers::Machines)),
        CallersAttr::Any => out = quote!(#out.callers(#p::Callers::Any)),
    }
    out
}

fn annotations(p: &TokenStream, attr: &ToolAttr) -> TokenStream {
    let a = &attr.annotations;
    if !a.present {
        return quote!(::core::option::Option::None);
    }
    let mut out = quote!(#p::rmcp::model::ToolAnnotations::new());
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

/// How the generated handler calls the user's function.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Callee {
    /// `f(..)`: a free function.
    Free,
    /// `__mcp_this.f(..)`: a `&self` method of a `#[tool_impl]` block, on the
    /// shared value (`__mcp_self`, an `Arc<Self>` in scope).
    Method,
    /// `Self::f(..)`: an associated function of a `#[tool_impl]` block.
    Associated,
}

pub(crate) fn tool_def_body(
    p: &TokenStream,
    func: &ItemFn,
    attr: &ToolAttr,
    params: &[Param],
    name: &LitStr,
    callee: Callee,
) -> TokenStream {
    let ident = &func.sig.ident;
    let ret: Type = match &func.sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    let ret_span = match &func.sig.output {
        ReturnType::Default => func.sig.ident.span(),
        ReturnType::Type(_, ty) => ty.span(),
    };
    let pr = at(p, ret_span);
    let output = quote_spanned! {ret_span=>
        let __mcp_output = #pr::Output::<#ret>::new();
    };

    let mut setup = Vec::new();
    let mut schema_args = Vec::new();
    let mut injects = Vec::new();
    let mut requires = Vec::new();
    let mut takes = Vec::new();
    let mut binds = Vec::new();
    let mut call_args = Vec::new();
    let mut struct_arg = None;
    for (i, param) in params.iter().enumerate() {
        let ty = &param.ty;
        let span = ty.span();
        let value = format_ident!("__mcp_v{i}");
        call_args.push(value.clone());
        let ps = at(p, span);
        match &param.kind {
            Kind::Inject => {
                injects.push(quote_spanned! {span=>
                    let #value = match <#ty as #ps::FromToolCall>::from_tool_call(&mut __mcp_call) {
                        ::core::result::Result::Ok(__mcp_ok) => __mcp_ok,
                        ::core::result::Result::Err(__mcp_err) => return ::core::result::Result::Err(__mcp_err),
                    };
                });
                // A `State<T>` (or any injected type needing server state)
                // is checked when the server is built.
                requires.push(quote_spanned! {span=>
                    .requires_state(<#ty as #ps::FromToolCall>::required_state())
                });
            }
            Kind::Struct => {
                let spec = format_ident!("__mcp_a{i}");
                setup.push(quote_spanned! {span=>
                    let #spec = #ps::StructArgs::<#ty>::new();
                });
                struct_arg = Some(spec.clone());
                takes.push(quote!(__mcp_arguments.take_struct(&#spec)));
                binds.push(quote!(::core::option::Option::Some(#value)));
            }
            Kind::Plain {
                json_name,
                description,
                default,
            } => {
                let spec = format_ident!("__mcp_a{i}");
                // The user's default is written once, in one `fn() -> T`
                // that both the handler and the schema call: a mistake in
                // it (a type mismatch, no `Default` impl) is one error.
                let (with_default, default_json) = match default {
                    None => (quote!(), quote!(::core::option::Option::None)),
                    Some(default) => {
                        let dfn = format_ident!("__mcp_default{i}");
                        let item = match default {
                            Default::Trait(dspan) => quote_spanned! {*dspan=>
                                fn #dfn() -> #ty {
                                    <#ty as ::core::default::Default>::default()
                                }
                            },
                            Default::Expr(expr) => quote_spanned! {expr.span()=>
                                fn #dfn() -> #ty {
                                    #expr
                                }
                            },
                        };
                        setup.push(item);
                        (
                            quote!(.with_default(#dfn)),
                            quote! {{
                                #[allow(unused_imports)]
                                use #p::{OpaqueDefault as _, SerializeDefault as _};
                                let __mcp_d: #ty = #dfn();
                                (&#p::DefaultValue(&__mcp_d)).json()
                            }},
                        )
                    }
                };
                setup.push(quote_spanned! {span=>
                    let #spec = #ps::Arg::<#ty>::new(#json_name) #with_default;
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
        None => quote!(#p::InputSchema::new() #(#schema_args)* .finish()),
    };
    let parse = if takes.is_empty() {
        quote!()
    } else {
        quote! {
            let mut __mcp_arguments = #p::Arguments::new(__mcp_call.take_arguments());
            let (#(#binds,)*) = (#(#takes,)*) else {
                return __mcp_arguments.into_response();
            };
        }
    };
    let await_ = func.sig.asyncness.map(|_| quote!(.await));
    let call = match callee {
        Callee::Free => quote_spanned! {func.sig.ident.span()=>
            #ident(#(#call_args),*) #await_
        },
        Callee::Method => quote_spanned! {func.sig.ident.span()=>
            __mcp_this.#ident(#(#call_args),*) #await_
        },
        Callee::Associated => quote_spanned! {func.sig.ident.span()=>
            Self::#ident(#(#call_args),*) #await_
        },
    };
    // A method's handler holds its own `Arc` of the shared value.
    let this = match callee {
        Callee::Method => quote!(let __mcp_this = #p::Arc::clone(&__mcp_self);),
        Callee::Free | Callee::Associated => quote!(),
    };
    let title = opt_str(attr.title.as_ref().map(LitStr::value));
    let desc = opt_str(description(func, attr));
    let annotations = annotations(p, attr);
    let policy = policy(p, attr);
    let new_span = func.sig.ident.span();
    let pn = at(p, new_span);
    let tooldef = quote_spanned! {new_span=> #pn::ToolDef::new };
    // The call and the handler are spanned at the function's name: a future
    // that is not `Send` is reported there, not at `#[tool]`.
    let tooldef = quote_spanned! {new_span=>
        #tooldef(
            __mcp_descriptor,
            #policy,
            move |mut __mcp_call: #p::ToolCall| {
                #this
                async move {
                    #(#injects)*
                    #parse
                    ::core::mem::drop(__mcp_call);
                    __mcp_output.convert(#call)
                }
            },
        )
        #(#requires)*
    };
    quote! {
        #output
        #(#setup)*
        let __mcp_descriptor = #p::descriptor(
            #name,
            #title,
            #desc,
            #input_schema,
            __mcp_output.schema(),
            #annotations,
        );
        #tooldef
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::{TokenStream, TokenTree};
    use quote::quote;

    /// Every token of `stream`, groups flattened (delimiters dropped).
    fn flatten(stream: TokenStream, out: &mut Vec<TokenTree>) {
        for tt in stream {
            match tt {
                TokenTree::Group(g) => {
                    out.push(TokenTree::Punct(proc_macro2::Punct::new(
                        ';',
                        proc_macro2::Spacing::Alone,
                    )));
                    flatten(g.stream(), out);
                }
                other => out.push(other),
            }
        }
    }

    /// The first segment of every absolute path (`::a::b` → `a`, and `__private`
    /// for `::mcp_clerk::__private`).
    fn absolute_roots(stream: TokenStream) -> Vec<String> {
        let mut tokens = Vec::new();
        flatten(stream, &mut tokens);
        let mut roots = Vec::new();
        for i in 0..tokens.len().saturating_sub(2) {
            let is_colon2 = matches!((&tokens[i], &tokens[i + 1]),
                (TokenTree::Punct(a), TokenTree::Punct(b)) if a.as_char() == ':' && b.as_char() == ':');
            if !is_colon2 {
                continue;
            }
            let continues_path = i > 0
                && match &tokens[i - 1] {
                    TokenTree::Ident(_) => true,
                    TokenTree::Punct(p) => p.as_char() == '>' || p.as_char() == ':',
                    _ => false,
                };
            if continues_path {
                continue;
            }
            let root = tokens[i + 2].to_string();
            if root == "mcp_clerk" {
                roots.push(
                    tokens
                        .get(i + 5)
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                );
            } else {
                roots.push(root);
            }
        }
        roots
    }

    fn expand(attr: TokenStream, item: TokenStream) -> String {
        super::expand(attr, item).to_string()
    }

    #[test]
    fn generated_paths_are_absolute_and_private() {
        let out = super::expand(
            quote!(
                org = required,
                permission = "org:p:create",
                annotations(read_only)
            ),
            quote! {
                /// Creates.
                async fn create(
                    user: ClerkUser,
                    org: ClerkOrg,
                    #[arg(description = "Name", default = String::from("x"))] name: String,
                    #[arg(default)] n: u32,
                    flag: Option<bool>,
                ) -> Result<Json<Project>, ToolError> { todo() }
            },
        );
        let roots = absolute_roots(out.clone());
        assert!(!roots.is_empty());
        for root in &roots {
            assert!(
                root == "__private" || root == "core",
                "generated path `::{root}` in {out}"
            );
        }
    }

    #[test]
    fn helper_attributes_are_stripped() {
        let out = expand(
            quote!(),
            quote!(
                fn f(#[arg(description = "d")] a: u8, #[inject] b: X, #[args] c: Y) {}
            ),
        );
        assert!(!out.contains("# [arg"), "{out}");
        assert!(!out.contains("# [inject"), "{out}");
        assert!(!out.contains("# [args"), "{out}");
    }

    #[test]
    fn errors_keep_the_function_and_a_dummy_factory() {
        let out = expand(
            quote!(auth = sometimes, bogus),
            quote!(
                async fn f(user: ClerkUser) {}
            ),
        );
        // `sometimes` and `bogus`; `ClerkUser` is not checked against an unknown policy.
        assert_eq!(out.matches("compile_error").count(), 2, "{out}");
        assert!(out.contains("async fn f"), "{out}");
        assert!(out.contains("ToolFactory for f"), "{out}");
    }

    #[test]
    fn methods_get_no_factory() {
        let out = expand(
            quote!(),
            quote!(
                async fn f(&self) {}
            ),
        );
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
        assert!(!out.contains("struct f"), "{out}");
    }

    #[test]
    fn effective_requirements_follow_the_policy_rules() {
        use crate::attr::{Level, ToolAttr};
        use crate::errors::Errors;
        let parse = |t: TokenStream| {
            let mut errors = Errors::default();
            let attr = ToolAttr::parse(t, &mut errors);
            assert!(errors.is_empty());
            (attr.effective_auth(), attr.effective_org())
        };
        assert_eq!(parse(quote!()), (Level::None, Level::None));
        assert_eq!(parse(quote!(scopes("a"))), (Level::Required, Level::None));
        assert_eq!(
            parse(quote!(org = optional)),
            (Level::Optional, Level::Optional)
        );
        assert_eq!(
            parse(quote!(role = "admin")),
            (Level::Required, Level::Required)
        );
        assert_eq!(
            parse(quote!(auth = optional, org = optional)),
            (Level::Optional, Level::Optional)
        );
        // Scopes, permissions and roles need a caller whatever `org` says.
        assert_eq!(
            parse(quote!(org = optional, scopes("x"))),
            (Level::Required, Level::Optional)
        );
        assert_eq!(
            parse(quote!(org = optional, role = "admin")),
            (Level::Required, Level::Required)
        );
    }

    /// The number of errors `#[tool(attr)]` reports.
    fn attr_errors(attr: TokenStream) -> usize {
        let mut errors = crate::errors::Errors::default();
        crate::attr::ToolAttr::parse(attr, &mut errors);
        errors
            .to_compile_errors()
            .to_string()
            .matches("compile_error")
            .count()
    }

    #[test]
    fn explicit_auth_weaker_than_scopes_is_a_conflict() {
        assert_eq!(
            attr_errors(quote!(auth = optional, org = optional, scopes("x"))),
            1
        );
        assert_eq!(attr_errors(quote!(auth = none, scope = "x")), 1);
        assert_eq!(attr_errors(quote!(org = optional, scopes("x"))), 0);
        assert_eq!(
            attr_errors(quote!(auth = required, org = optional, scopes("x"))),
            0
        );
    }

    #[test]
    fn each_value_is_checked_once() {
        assert_eq!(attr_errors(quote!(scope = "a b", scopes("c"))), 1);
        assert_eq!(attr_errors(quote!(scopes("a b"), scope = "c")), 1);
        assert_eq!(
            attr_errors(quote!(permission = "bad", permissions("org:a:b"))),
            1
        );
        assert_eq!(attr_errors(quote!(role = "a b", roles("c"))), 1);
    }
}
