//! The function's parameters: injected, plain (schema properties) or one `#[args]` struct.

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, FnArg, GenericArgument, LitStr, Meta, Pat, PathArguments, Token, Type};

use crate::attr::{CallersAttr, Level, ToolAttr};
use crate::errors::{Errors, closest};

/// What an injected argument is, for the policy checks.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Injected {
    User,
    OptUser,
    Machine,
    OptMachine,
    Org,
    OptOrg,
    Other,
}

/// How a parameter gets its value.
pub(crate) enum Kind {
    /// Read from the call (`FromToolCall`).
    Inject,
    /// One property of the input schema.
    Plain {
        json_name: String,
        description: Option<LitStr>,
        default: Option<Default>,
    },
    /// All the arguments, as one struct.
    Struct,
}

/// `#[arg(default)]` or `#[arg(default = expr)]`.
pub(crate) enum Default {
    Trait(Span),
    Expr(Expr),
}

pub(crate) struct Param {
    pub(crate) ty: Type,
    pub(crate) kind: Kind,
}

const ARG_KEYS: &[&str] = &["description", "default", "rename"];

const ARG_HELP: &str = "write `#[arg(description = \"...\", default = <expr>, rename = \"...\")]` (each key optional; `default` alone means `Default::default()`)";

/// Where the function is: a free function, or a method inside a
/// `#[tool_impl]` block (where `&self` is the value the tools share).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Free,
    Method,
}

/// Reads every parameter, strips the helper attributes from `inputs`, and
/// records every problem (the policy rules only when `policy_known`).
pub(crate) fn analyze(
    inputs: &mut Punctuated<FnArg, Token![,]>,
    attr: &ToolAttr,
    policy_known: bool,
    place: Place,
    errors: &mut Errors,
) -> Vec<Param> {
    let mut params = Vec::new();
    let mut struct_span: Option<Span> = None;
    let mut plain_span: Option<Span> = None;
    for input in inputs.iter_mut() {
        let typed = match input {
            FnArg::Receiver(r) => {
                check_receiver(r, attr, place, errors);
                continue;
            }
            FnArg::Typed(t) => t,
        };
        let helpers = take_helpers(&mut typed.attrs, errors);
        let ty = (*typed.ty).clone();
        let kind = if helpers.inject {
            Kind::Inject
        } else if helpers.args {
            Kind::Struct
        } else if helpers.arg.is_none() && injected(&ty).is_some() {
            Kind::Inject
        } else {
            let arg = helpers.arg.unwrap_or_default();
            let json_name = match (&arg.rename, &*typed.pat) {
                (Some(rename), _) => rename.value(),
                (None, Pat::Ident(pi)) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                    pi.ident.to_string().trim_start_matches("r#").to_owned()
                }
                (None, pat) => {
                    errors.push_tokens(
                        pat,
                        "a tool argument must be a plain name (it becomes the JSON property)",
                        Some("bind it to a name, or add `#[arg(rename = \"name\")]`, or take a struct with `#[args]`"),
                    );
                    String::new()
                }
            };
            Kind::Plain {
                json_name,
                description: arg.description,
                default: arg.default,
            }
        };
        match &kind {
            Kind::Inject if policy_known => check_injected(&ty, attr, errors),
            Kind::Inject => {}
            Kind::Struct => {
                if struct_span.is_some() {
                    errors.push_tokens(
                        &*typed,
                        "only one `#[args]` argument is allowed",
                        Some("put every field in one struct"),
                    );
                } else if plain_span.is_some() {
                    errors.push_tokens(
                        &*typed,
                        "`#[args]` cannot be combined with plain arguments",
                        Some("move the plain arguments into the `#[args]` struct"),
                    );
                }
                struct_span.get_or_insert(typed.span());
                check_owned(&ty, errors);
            }
            Kind::Plain { json_name, .. } => {
                if struct_span.is_some() {
                    errors.push_tokens(
                        &*typed,
                        "plain arguments cannot be combined with an `#[args]` struct",
                        Some("move this argument into the `#[args]` struct"),
                    );
                }
                if let Some(prev) = params.iter().find_map(|p: &Param| match &p.kind {
                    Kind::Plain { json_name: n, .. } if n == json_name && !n.is_empty() => Some(n),
                    _ => None,
                }) {
                    errors.push_tokens(
                        &typed.pat,
                        format_args!("two arguments are named `{prev}`"),
                        Some("rename one with `#[arg(rename = \"...\")]`"),
                    );
                }
                plain_span.get_or_insert(typed.span());
                check_owned(&ty, errors);
            }
        }
        params.push(Param { ty, kind });
    }
    params
}

#[derive(Default)]
struct ArgAttr {
    description: Option<LitStr>,
    default: Option<Default>,
    rename: Option<LitStr>,
}

#[derive(Default)]
struct Helpers {
    arg: Option<ArgAttr>,
    args: bool,
    inject: bool,
}

/// Removes `#[arg(..)]`, `#[args]` and `#[inject]` from a parameter.
fn take_helpers(attrs: &mut Vec<Attribute>, errors: &mut Errors) -> Helpers {
    let mut helpers = Helpers::default();
    let mut count = 0;
    attrs.retain(|a| {
        let Some(name) = a.path().get_ident().map(ToString::to_string) else {
            return true;
        };
        match name.as_str() {
            "arg" => {
                count += 1;
                helpers.arg = Some(parse_arg(a, errors));
            }
            "args" | "inject" => {
                count += 1;
                if !matches!(a.meta, Meta::Path(_)) {
                    errors.push_tokens(
                        &a.meta,
                        format_args!("`#[{name}]` takes no arguments"),
                        Some(&format!("write `#[{name}]` alone")),
                    );
                }
                if name == "args" {
                    helpers.args = true;
                } else {
                    helpers.inject = true;
                }
            }
            _ => return true,
        }
        if count == 2 {
            errors.push_tokens(
                a,
                "use only one of `#[arg]`, `#[args]` and `#[inject]` on an argument",
                Some("`#[arg(..)]` makes a schema property, `#[args]` a struct of all the arguments, `#[inject]` a value read from the call: keep the one you mean"),
            );
        }
        false
    });
    helpers
}

fn parse_arg(attr: &Attribute, errors: &mut Errors) -> ArgAttr {
    let mut out = ArgAttr::default();
    let list = match &attr.meta {
        Meta::Path(_) => return out,
        Meta::List(list) => list,
        Meta::NameValue(nv) => {
            errors.push_tokens(nv, "`#[arg]` takes a list of keys", Some(ARG_HELP));
            return out;
        }
    };
    let metas = match list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
        Ok(m) => m,
        Err(e) => {
            errors.push_syn(e, ARG_HELP);
            return out;
        }
    };
    let mut seen = Vec::new();
    for meta in metas {
        let key = crate::attr::path_text(meta.path());
        let span = meta.path().span();
        if !ARG_KEYS.contains(&key.as_str()) {
            let hint = closest(&key, ARG_KEYS).map(|k| format!("did you mean `{k}`?"));
            errors.push(
                span,
                format_args!("unknown `#[arg]` key `{key}`"),
                Some(
                    hint.as_deref()
                        .unwrap_or("supported keys: `description`, `default`, `rename`"),
                ),
            );
            continue;
        }
        if seen.contains(&key) {
            errors.push(
                span,
                format_args!("duplicate `#[arg]` key `{key}`"),
                Some("give each key once"),
            );
            continue;
        }
        seen.push(key.clone());
        match (key.as_str(), meta) {
            ("default", Meta::Path(p)) => out.default = Some(Default::Trait(p.span())),
            ("default", Meta::NameValue(nv)) => out.default = Some(Default::Expr(nv.value)),
            ("description" | "rename", Meta::NameValue(nv)) => match nv.value {
                Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => {
                    if key == "rename" {
                        out.rename = Some(s);
                    } else {
                        out.description = Some(s);
                    }
                }
                other => errors.push_tokens(
                    other,
                    format_args!("`{key}` must be a string literal"),
                    Some(&format!("write `{key} = \"...\"`")),
                ),
            },
            ("description" | "rename", meta) => errors.push_tokens(
                meta,
                format_args!("`{key}` needs a value"),
                Some(&format!("write `{key} = \"...\"`")),
            ),
            (_, meta) => errors.push_tokens(
                meta,
                "`default` is written `default` or `default = <expr>`",
                Some("write `#[arg(default)]` for `Default::default()`, or `#[arg(default = <expr>)]`"),
            ),
        }
    }
    out
}

/// The last path segment of a type, with its generic arguments.
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        Type::Group(g) => last_segment(&g.elem),
        Type::Paren(p) => last_segment(&p.elem),
        _ => None,
    }
}

/// `Option<T>`'s `T`.
fn option_inner(ty: &Type) -> Option<&Type> {
    let seg = last_segment(ty)?;
    if seg.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(t)) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

/// A receiver: only `&self`, and only inside a `#[tool_impl]` block.
fn check_receiver(r: &syn::Receiver, attr: &ToolAttr, place: Place, errors: &mut Errors) {
    if attr.kind != crate::attr::AttrKind::Tool {
        let noun = attr.kind.noun();
        errors.push_tokens(
            r,
            format_args!("a `#[{noun}]` function cannot be a method (`self` receiver)"),
            Some("write a free function and take the shared value as `State<T>`, given to the server with `McpServer::state(value)`"),
        );
    } else if place == Place::Free {
        errors.push_tokens(
            r,
            "`#[tool]` on a method needs `#[tool_impl]` on its `impl` block",
            Some("write `#[tool_impl]` above `impl Type { .. }` and register the tools with `.tools(value.into_tools())`, or write a free function taking `State<T>`"),
        );
    } else if !matches!(r.kind, syn::ReceiverKind::Reference(_, _, None)) {
        errors.push_tokens(
            r,
            "a `#[tool]` method takes `&self`",
            Some("calls run concurrently on one shared value: take `&self` and keep what changes behind a `Mutex` or an atomic"),
        );
    }
}

/// Whether (and as what) a type is injected, judged by its name.
pub(crate) fn injected(ty: &Type) -> Option<Injected> {
    if let Some(inner) = option_inner(ty) {
        let name = last_segment(inner)?.ident.to_string();
        return match name.as_str() {
            "ClerkUser" | "Identity" => Some(Injected::OptUser),
            "ClerkOrg" => Some(Injected::OptOrg),
            "ClerkMachine" => Some(Injected::OptMachine),
            _ => None,
        };
    }
    let name = last_segment(ty)?.ident.to_string();
    match name.as_str() {
        "ClerkUser" | "Identity" => Some(Injected::User),
        "ClerkOrg" => Some(Injected::Org),
        "ClerkMachine" => Some(Injected::Machine),
        "RequestContext" | "CancellationToken" | "Peer" | "Extensions" | "RequestId" | "State"
        | "Progress" | "ClientLog" | "Clerk" => Some(Injected::Other),
        _ => None,
    }
}

fn type_name(ty: &Type) -> String {
    quote::ToTokens::to_token_stream(ty)
        .to_string()
        .replace(" < ", "<")
        .replace(" >", ">")
        .replace("< ", "<")
}

/// The policy rules for `ClerkUser`, `ClerkOrg` and their `Option`s.
fn check_injected(ty: &Type, attr: &ToolAttr, errors: &mut Errors) {
    let Some(kind) = injected(ty) else {
        return;
    };
    let auth = attr.effective_auth();
    let org = attr.effective_org();
    let name = type_name(ty);
    let span = ty;
    let callers = attr.callers();
    let noun = attr.kind.noun();
    let at = attr.kind.attr();
    let is_clerk_user = option_inner(ty)
        .and_then(last_segment)
        .or_else(|| last_segment(ty))
        .is_some_and(|s| s.ident == "ClerkUser");
    if is_clerk_user && callers != CallersAttr::Users {
        errors.push_tokens(
            span,
            format_args!(
                "a {noun} that takes `{name}` never runs for a machine, but this {noun} has `callers = {}`",
                callers.as_str()
            ),
            Some(if callers == CallersAttr::Any {
                "take `Identity` (its `machine()` tells people and machines apart), or remove `callers`"
            } else {
                "take `ClerkMachine` for the machine caller, or remove `callers`"
            }),
        );
        return;
    }
    match kind {
        Injected::Machine if callers != CallersAttr::Machines => errors.push_tokens(
            span,
            format_args!(
                "`{name}` needs `callers = machines`, but this {noun} has `callers = {}`",
                callers.as_str()
            ),
            Some(&*if callers == CallersAttr::Any {
                format!("take `Option<ClerkMachine>` (people call this {noun} too), or set `callers = machines`")
            } else {
                format!("add `callers = machines` to `{at}`")
            }),
        ),
        Injected::OptMachine if callers != CallersAttr::Any => errors.push_tokens(
            span,
            format_args!(
                "`{name}` needs `callers = any`, but this {noun} has `callers = {}`",
                callers.as_str()
            ),
            Some(&*if callers == CallersAttr::Machines {
                "take `ClerkMachine` (it is always present with `callers = machines`), or set `callers = any`".to_owned()
            } else {
                format!("add `callers = any` to `{at}` (people and machines), or `callers = machines`")
            }),
        ),
        Injected::User if auth != Level::Required => errors.push_tokens(
            span,
            format_args!(
                "`{name}` needs `auth = required`, but this {noun} has `auth = {}`",
                auth.as_str()
            ),
            Some(&*if auth == Level::Optional {
                "take `Option<..>` for an optional caller, or set `auth = required`".to_owned()
            } else {
                format!("add `auth = required` to `{at}`")
            }),
        ),
        Injected::OptUser if auth == Level::Required => errors.push_tokens(
            span,
            format_args!("`{name}` is always `Some` in a {noun} with `auth = required`"),
            Some("take the value without `Option`, or set `auth = optional`"),
        ),
        Injected::OptUser if auth == Level::None => errors.push_tokens(
            span,
            format_args!("`{name}` is always `None` in a public {noun} (`auth = none`)"),
            Some(&format!("add `auth = optional` to `{at}`")),
        ),
        Injected::Org if org != Level::Required => errors.push_tokens(
            span,
            format_args!(
                "`{name}` needs `org = required`, but this {noun} has `org = {}`",
                org.as_str()
            ),
            Some(&*if org == Level::Optional {
                "take `Option<ClerkOrg>` for an optional organization, or set `org = required`".to_owned()
            } else {
                format!("add `org = required` to `{at}`")
            }),
        ),
        Injected::OptOrg if org != Level::Optional => errors.push_tokens(
            span,
            format_args!(
                "`{name}` needs `org = optional`, but this {noun} has `org = {}`",
                org.as_str()
            ),
            Some(&*if org == Level::Required {
                "take `ClerkOrg` (it is always present with `org = required`), or set `org = optional`".to_owned()
            } else {
                format!("add `org = optional` to `{at}`")
            }),
        ),
        _ => {}
    }
}

/// Plain and `#[args]` arguments are read from JSON: they must own their data.
fn check_owned(ty: &Type, errors: &mut Errors) {
    match ty {
        Type::Reference(r) if injected(&r.elem).is_some() => errors.push_tokens(
            r,
            "injected arguments are taken by value",
            Some("drop the `&`: `ClerkUser` and `ClerkOrg` are cheap to clone"),
        ),
        Type::Reference(r) => errors.push_tokens(
            r,
            "tool arguments must be owned types",
            Some("arguments are read from the client's JSON: take `String` instead of `&str`, `Vec<T>` instead of `&[T]`"),
        ),
        Type::ImplTrait(t) => errors.push_tokens(
            t,
            "`impl Trait` cannot be a tool argument",
            Some("name a concrete type that implements `Deserialize` and `JsonSchema`"),
        ),
        _ => {}
    }
}
