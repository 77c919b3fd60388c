//! `#[prompt(..)]`: a prompt whose typed arguments (or one `#[args]`
//! struct) give its argument list, through the same schema a tool's get.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ItemFn;

use crate::args::{self, Kind, Param};
use crate::attr::{AttrKind, ToolAttr};
use crate::component::{self, bindings};
use crate::errors::Errors;
use crate::tool::{at, description, policy};

const KIND: AttrKind = AttrKind::Prompt;

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let prompt_attr = ToolAttr::parse_for(attr, KIND, &mut errors);
    let mut func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => return component::not_a_function(KIND, &item),
    };
    let policy_known = errors.is_empty();
    let params = args::analyze(
        &mut func.sig.inputs,
        &prompt_attr,
        policy_known,
        args::Place::Free,
        &mut errors,
    );
    check_completers(&params, &prompt_attr, &mut errors);
    let krate = match &prompt_attr.krate {
        Some(path) => quote!(#path),
        None => quote!(::mcp_clerk),
    };
    let p = quote!(#krate::__private);
    let ret = quote!(#p::PromptDef);
    if !errors.is_empty() {
        let errors = errors.to_compile_errors();
        let factory = component::factory(
            &p,
            &func,
            KIND,
            &ret,
            &quote!(::core::panic!("`#[prompt]` reported a compile error")),
        );
        return quote! { #errors #func #factory };
    }
    let body = def_body(&p, &func, &prompt_attr, &params);
    let factory = component::factory(&p, &func, KIND, &ret, &body);
    quote! { #func #factory }
}

/// Each completer names a plain argument (an `#[args]` struct's fields are
/// not known to the macro: any name is accepted then).
fn check_completers(params: &[Param], attr: &ToolAttr, errors: &mut Errors) {
    if params.iter().any(|p| matches!(p.kind, Kind::Struct)) {
        return;
    }
    let names: Vec<&str> = params
        .iter()
        .filter_map(|p| match &p.kind {
            Kind::Plain { json_name, .. } => Some(json_name.as_str()),
            _ => None,
        })
        .collect();
    for completer in &attr.completers {
        let name = completer.param.to_string();
        if !names.contains(&name.as_str()) {
            let known = names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            errors.push(
                completer.param.span(),
                format_args!("`complete` names `{name}`, which is not an argument of the prompt"),
                Some(&if names.is_empty() {
                    "the prompt takes no arguments from the client".to_owned()
                } else {
                    format!("the prompt's arguments are {known}")
                }),
            );
        }
    }
}

fn def_body(p: &TokenStream, func: &ItemFn, attr: &ToolAttr, params: &[Param]) -> TokenStream {
    let ident = &func.sig.ident;
    let (ret, ret_span) = component::return_type(func);
    let pr = at(p, ret_span);
    let output = quote_spanned! {ret_span=>
        let __mcp_output = #pr::PromptOutput::<#ret>::new();
    };
    let b = bindings(p, params);
    let setup = &b.setup;
    let body = &b.body;
    let requires = &b.requires;
    let call_args = &b.call_args;
    let schema_args = &b.schema_args;
    let await_ = func.sig.asyncness.map(|_| quote!(.await));
    let call = quote_spanned! {func.sig.ident.span()=>
        #ident(#(#call_args),*) #await_
    };
    let name = match &attr.name {
        Some(n) => n.value(),
        None => ident.to_string().trim_start_matches("r#").to_owned(),
    };
    let order: Vec<&str> = params
        .iter()
        .filter_map(|p| match &p.kind {
            Kind::Plain { json_name, .. } => Some(json_name.as_str()),
            _ => None,
        })
        .collect();
    let schema = match &b.struct_arg {
        Some(spec) => quote!(#spec.input_schema(#name)),
        None => quote!(#p::InputSchema::new() #(#schema_args)* .finish()),
    };
    let mut extra = Vec::new();
    if let Some(title) = &attr.title {
        extra.push(quote!(.with_title(#title)));
    }
    if let Some(d) = description(func, attr) {
        extra.push(quote!(.with_description(#d)));
    }
    for c in &attr.completers {
        let param = c.param.to_string();
        let path = &c.path;
        extra.push(quote!(.completer(#param, #path)));
    }
    let policy = policy(p, attr);
    let new_span = func.sig.ident.span();
    quote_spanned! {new_span=>
        #output
        #(#setup)*
        #p::PromptDef::new(
            #name,
            #policy,
            move |mut __mcp_call: #p::ToolCall| async move {
                #body
                ::core::mem::drop(__mcp_call);
                __mcp_output.convert(#call)
            },
        )
        .with_argument_schema_in_order(&#schema, &[#(#order),*])
        #(#extra)*
        #(#requires)*
    }
}
