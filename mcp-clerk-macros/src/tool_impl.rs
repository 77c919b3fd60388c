//! `#[tool_impl]`: the `#[tool]` methods of an inherent `impl` block become
//! the tools of one shared value, `value.into_tools()` (`ToolSet`).
//!
//! Each method goes through the same analysis as a free `#[tool]` function
//! (keys, injected arguments, schema, checks); `&self` is the value, kept in
//! one `Arc` that every handler clones.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ImplItem, ImplItemFn, ItemFn, ItemImpl, Meta};

use crate::args::{self, Place};
use crate::attr::ToolAttr;
use crate::errors::Errors;
use crate::tool::{self, Callee};

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    if let Some(first) = attr.clone().into_iter().next() {
        errors.push(
            first.span(),
            "`#[tool_impl]` takes no arguments",
            Some(
                "put the keys on each method: `#[tool(auth = required)] async fn name(&self, ..)`",
            ),
        );
    }
    let mut block: ItemImpl = match syn::parse2(item.clone()) {
        Ok(block) => block,
        Err(_) => {
            let first = item.clone().into_iter().next();
            let span = first.map_or_else(proc_macro2::Span::call_site, |t| t.span());
            errors.push(
                span,
                "`#[tool_impl]` goes on an `impl` block",
                Some("write `#[tool_impl]` above `impl Type { .. }` whose methods carry `#[tool]`"),
            );
            let errors = errors.to_compile_errors();
            return quote! { #errors #item };
        }
    };
    if let Some((path, _)) = &block.trait_ {
        errors.push_tokens(
            path,
            "`#[tool_impl]` goes on an inherent `impl` block, not a trait implementation",
            Some("write the tools in `impl Type { .. }`"),
        );
    }
    let generics = &block.generics;
    if !generics.params.is_empty() || generics.where_clause.is_some() {
        errors.push_tokens(
            generics,
            "a `#[tool_impl]` block cannot be generic",
            Some("tools are registered with concrete types: implement them for one type"),
        );
    }

    let mut krate = None;
    let mut bodies = Vec::new();
    for item in &mut block.items {
        let ImplItem::Fn(method) = item else { continue };
        let before = errors.len();
        let Some(tool_attr) = take_tool_attr(method, &mut errors) else {
            continue;
        };
        if krate.is_none() {
            krate = tool_attr.krate.clone();
        }
        bodies.push(method_tool(method, &tool_attr, before, &mut errors));
    }
    if bodies.is_empty() && errors.is_empty() {
        errors.push_tokens(
            &block.self_ty,
            "this `#[tool_impl]` block has no `#[tool]` methods",
            Some("mark the methods clients may call with `#[tool(..)]`, or remove `#[tool_impl]`"),
        );
    }
    let krate = match krate {
        Some(path) => quote!(#path),
        None => quote!(::mcp_clerk),
    };
    let p = quote!(#krate::__private);
    let self_ty = &block.self_ty;
    let tools = if errors.is_empty() {
        let bodies = bodies.into_iter().flatten().map(|(p_body, span)| {
            quote_spanned! {span=> {
                let __mcp_self = #p::Arc::clone(&__mcp_self);
                #p_body
            }}
        });
        quote! { #p::Vec::from([#(#bodies),*]) }
    } else {
        quote! { ::core::panic!("`#[tool_impl]` reported a compile error") }
    };
    let errors = errors.to_compile_errors();
    let set = quote_spanned! {self_ty.span()=>
        #[allow(clippy::all)]
        impl #p::ToolSet for #self_ty {
            fn into_tools(self) -> #p::Vec<#p::ToolDef> {
                #[allow(unused_variables)]
                let __mcp_self = #p::Arc::new(self);
                #tools
            }
        }
    };
    quote! {
        #errors
        #block
        #set
    }
}

/// Removes the method's `#[tool(..)]` (or `#[mcp_clerk::tool(..)]`) and
/// parses its keys; `None` for a method without one.
fn take_tool_attr(method: &mut ImplItemFn, errors: &mut Errors) -> Option<ToolAttr> {
    let at = method
        .attrs
        .iter()
        .position(|a| a.path().segments.last().is_some_and(|s| s.ident == "tool"))?;
    let attr = method.attrs.remove(at);
    let tokens = match attr.meta {
        Meta::Path(_) => TokenStream::new(),
        Meta::List(list) => list.tokens,
        Meta::NameValue(nv) => {
            errors.push_tokens(
                &nv,
                "expected `#[tool]` or `#[tool(..)]`",
                Some("write the keys in parentheses: `#[tool(auth = required)]`"),
            );
            TokenStream::new()
        }
    };
    Some(ToolAttr::parse(tokens, errors))
}

/// The `ToolDef` expression of one method (`None` when it has errors), with
/// the span of its name; the method's helper attributes are stripped in place.
fn method_tool(
    method: &mut ImplItemFn,
    attr: &ToolAttr,
    before: usize,
    errors: &mut Errors,
) -> Option<(TokenStream, proc_macro2::Span)> {
    // A mistake in the attribute leaves the policy unknown (as for `#[tool]`).
    let policy_known = errors.len() == before;
    let mut func = ItemFn {
        attrs: method.attrs.clone(),
        vis: method.vis.clone(),
        modifiers: method.modifiers.clone(),
        sig: method.sig.clone(),
        block: Box::new(method.block.clone()),
    };
    let params = args::analyze(
        &mut func.sig.inputs,
        attr,
        policy_known,
        Place::Method,
        errors,
    );
    tool::check_signature(&func, errors);
    let name = tool::tool_name(&func, attr, errors);
    // `...` cannot appear in a method; the stripped helpers go back.
    method.sig.inputs = func.sig.inputs.clone();
    if errors.len() != before {
        return None;
    }
    let callee = if func.sig.receiver().is_some() {
        Callee::Method
    } else {
        Callee::Associated
    };
    let krate = match &attr.krate {
        Some(path) => quote!(#path),
        None => quote!(::mcp_clerk),
    };
    let p = quote!(#krate::__private);
    let body = tool::tool_def_body(&p, &func, attr, &params, &name, callee);
    Some((body, func.sig.ident.span()))
}
