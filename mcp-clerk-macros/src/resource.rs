//! `#[resource("uri", ..)]`: a static resource, or a resource template when
//! the URI has `{variables}` (each one a typed argument of the function).

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::{ItemFn, LitStr};

use crate::args::{self, Kind, Param};
use crate::attr::{AttrKind, ToolAttr};
use crate::component::{self, bindings};
use crate::errors::Errors;
use crate::tool::{at, description, opt_str, policy};

const KIND: AttrKind = AttrKind::Resource;

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let (uri, rest) = split_uri(attr, &mut errors);
    let res_attr = ToolAttr::parse_for(rest, KIND, &mut errors);
    let mut func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => return component::not_a_function(KIND, &item),
    };
    let policy_known = errors.is_empty();
    let params = args::analyze(
        &mut func.sig.inputs,
        &res_attr,
        policy_known,
        args::Place::Free,
        &mut errors,
    );
    let variables = uri.as_ref().map(|u| template_variables(u, &mut errors));
    if let (Some(uri), Some(Ok(vars))) = (&uri, &variables) {
        check_params(uri, vars, &params, &res_attr, &mut errors);
    }

    let krate = match &res_attr.krate {
        Some(path) => quote!(#path),
        None => quote!(::mcp_clerk),
    };
    let p = quote!(#krate::__private);
    let ret = quote!(#p::AnyResource);
    let (Some(uri), Some(Ok(vars)), true) = (uri, variables, errors.is_empty()) else {
        let errors = errors.to_compile_errors();
        let factory = component::factory(
            &p,
            &func,
            KIND,
            &ret,
            &quote!(::core::panic!("`#[resource]` reported a compile error")),
        );
        return quote! { #errors #func #factory };
    };
    let body = def_body(&p, &func, &res_attr, &params, &uri, !vars.is_empty());
    let factory = component::factory(&p, &func, KIND, &ret, &body);
    quote! { #func #factory }
}

/// The leading URI literal and the keys after it.
fn split_uri(attr: TokenStream, errors: &mut Errors) -> (Option<LitStr>, TokenStream) {
    let mut tokens = attr.into_iter().peekable();
    let first = tokens.peek().cloned();
    let uri = match &first {
        Some(TokenTree::Literal(lit)) => {
            syn::parse2::<LitStr>(TokenTree::Literal(lit.clone()).into()).ok()
        }
        _ => None,
    };
    let Some(uri) = uri else {
        let span = first.map_or_else(Span::call_site, |t| t.span());
        errors.push(
            span,
            "`#[resource]` needs the resource's URI first",
            Some("write `#[resource(\"scheme://path\", ..)]`, or `#[resource(\"scheme://{id}\", ..)]` for a template"),
        );
        return (None, TokenStream::new());
    };
    tokens.next();
    match tokens.next() {
        None => {}
        Some(TokenTree::Punct(p)) if p.as_char() == ',' => {}
        Some(other) => {
            errors.push(
                other.span(),
                "expected `,` after the URI",
                Some("write `#[resource(\"scheme://path\", name = \"..\")]`"),
            );
            // The keys cannot be read without their comma: one error.
            return (Some(uri), TokenStream::new());
        }
    }
    (Some(uri), tokens.collect())
}

/// The `{variables}` of the URI (empty for a static URI), or the error
/// reported at the URI when it is not a level-1 template.
fn template_variables(uri: &LitStr, errors: &mut Errors) -> Result<Vec<String>, ()> {
    let value = uri.value();
    let mut vars = Vec::new();
    let mut rest = value.as_str();
    let mut last_was_var = false;
    let fail = |errors: &mut Errors, why: String| {
        errors.push(
            uri.span(),
            format_args!("invalid URI template {value:?}: {why}"),
            Some("RFC 6570 level 1: `{name}` variables of `A-Z a-z 0-9 _`, each once, with a literal between two of them, for example `notes://{org}/{id}`"),
        );
    };
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('{') {
            let Some(end) = after.find('}') else {
                fail(errors, "a `{` has no `}`".to_owned());
                return Err(());
            };
            let name = &after[..end];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                fail(errors, format!("`{{{name}}}` is not a plain variable name"));
                return Err(());
            }
            if last_was_var {
                fail(
                    errors,
                    format!("`{{{name}}}` follows another variable directly"),
                );
                return Err(());
            }
            if vars.iter().any(|v| v == name) {
                fail(errors, format!("`{{{name}}}` appears twice"));
                return Err(());
            }
            vars.push(name.to_owned());
            last_was_var = true;
            rest = &after[end + 1..];
        } else {
            let c = rest.chars().next().unwrap_or_default();
            if c == '}' {
                fail(errors, "a `}` has no `{`".to_owned());
                return Err(());
            }
            last_was_var = false;
            rest = &rest[c.len_utf8()..];
        }
    }
    Ok(vars)
}

/// Every variable has an argument, every plain argument a variable, every
/// completer a variable; no `#[args]` struct.
fn check_params(
    uri: &LitStr,
    vars: &[String],
    params: &[Param],
    attr: &ToolAttr,
    errors: &mut Errors,
) {
    let mut plain = Vec::new();
    for param in params {
        match &param.kind {
            Kind::Plain { json_name, .. } => {
                if !vars.contains(json_name) {
                    let help = if vars.is_empty() {
                        "a static resource takes no arguments from the client: add `{name}` to the URI to make it a template, or inject the value".to_owned()
                    } else {
                        format!(
                            "the URI's variables are {}: rename the argument or add `{{{json_name}}}` to the URI",
                            list(vars)
                        )
                    };
                    errors.push_tokens(
                        &param.ty,
                        format_args!("argument `{json_name}` is not in the URI {:?}", uri.value()),
                        Some(&help),
                    );
                }
                plain.push(json_name.as_str());
            }
            Kind::Struct => errors.push_tokens(
                &param.ty,
                "`#[args]` cannot be used on a resource",
                Some("take each URI variable as an argument of its own: `async fn note(id: u32)` for `notes://{id}`"),
            ),
            Kind::Inject => {}
        }
    }
    // With an `#[args]` struct (refused above) the variables are not checked
    // again: one mistake, one error.
    let has_struct = params.iter().any(|p| matches!(p.kind, Kind::Struct));
    for var in vars.iter().filter(|_| !has_struct) {
        if !plain.contains(&var.as_str()) {
            errors.push(
                uri.span(),
                format_args!("`{{{var}}}` in the URI has no argument"),
                Some(&format!(
                    "add an argument `{var}: String` (or another type that reads from the text) to the function"
                )),
            );
        }
    }
    for completer in &attr.completers {
        let name = completer.param.to_string();
        if !vars.contains(&name) {
            errors.push(
                completer.param.span(),
                format_args!("`complete` names `{name}`, which is not a variable of the URI"),
                Some(&if vars.is_empty() {
                    "only resource templates (URIs with `{variables}`) have completions".to_owned()
                } else {
                    format!("the URI's variables are {}", list(vars))
                }),
            );
        }
    }
}

fn list(vars: &[String]) -> String {
    vars.iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn def_body(
    p: &TokenStream,
    func: &ItemFn,
    attr: &ToolAttr,
    params: &[Param],
    uri: &LitStr,
    template: bool,
) -> TokenStream {
    let ident = &func.sig.ident;
    let (ret, ret_span) = component::return_type(func);
    let pr = at(p, ret_span);
    let output = quote_spanned! {ret_span=>
        let __mcp_output = #pr::ResourceOutput::<#ret>::new();
    };
    let b = bindings(p, params);
    let setup = &b.setup;
    let body = &b.body;
    let requires = &b.requires;
    let call_args = &b.call_args;
    let await_ = func.sig.asyncness.map(|_| quote!(.await));
    let call = quote_spanned! {func.sig.ident.span()=>
        #ident(#(#call_args),*) #await_
    };
    let name = match &attr.name {
        Some(n) => n.value(),
        None => ident.to_string().trim_start_matches("r#").to_owned(),
    };
    let mime = opt_str(attr.mime_type.as_ref().map(LitStr::value));
    let mut extra = Vec::new();
    if let Some(title) = &attr.title {
        extra.push(quote!(.with_title(#title)));
    }
    if let Some(d) = description(func, attr) {
        extra.push(quote!(.with_description(#d)));
    }
    if let Some(m) = &attr.mime_type {
        extra.push(quote!(.with_mime_type(#m)));
    }
    for c in &attr.completers {
        let param = c.param.to_string();
        let path = &c.path;
        extra.push(quote!(.completer(#param, #path)));
    }
    let def = if template {
        quote!(#p::ResourceTemplateDef)
    } else {
        quote!(#p::ResourceDef)
    };
    let policy = policy(p, attr);
    let new_span = func.sig.ident.span();
    quote_spanned! {new_span=>
        #output
        #(#setup)*
        let __mcp_def = #def::new(
            #uri,
            #name,
            #policy,
            move |mut __mcp_call: #p::ToolCall| async move {
                #body
                let __mcp_uri = ::std::string::String::from(__mcp_call.name());
                ::core::mem::drop(__mcp_call);
                __mcp_output.convert(#call, &__mcp_uri, #mime)
            },
        )
        #(#extra)*
        #(#requires)*;
        #p::AnyResource::from(__mcp_def)
    }
}
