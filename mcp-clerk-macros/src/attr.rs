//! `#[tool(...)]` keys.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Lit, LitStr, Meta, Token};

use crate::errors::{Errors, closest, parse_all};

/// `required`, `optional` or `none`.
/// Ordered: `None < Optional < Required`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Default)]
pub(crate) enum Level {
    #[default]
    None,
    Optional,
    Required,
}

impl Level {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Optional => "optional",
            Level::Required => "required",
        }
    }
}

/// `callers = users | machines | any`: who may call.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) enum CallersAttr {
    #[default]
    Users,
    Machines,
    Any,
}

impl CallersAttr {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CallersAttr::Users => "users",
            CallersAttr::Machines => "machines",
            CallersAttr::Any => "any",
        }
    }
}

/// The tool annotations (`annotations(read_only, ...)`).
#[derive(Default)]
pub(crate) struct Annotations {
    pub(crate) read_only: Option<bool>,
    pub(crate) destructive: Option<bool>,
    pub(crate) idempotent: Option<bool>,
    pub(crate) open_world: Option<bool>,
    pub(crate) present: bool,
}

/// Which attribute is parsed: the keys and the messages differ.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) enum AttrKind {
    #[default]
    Tool,
    Resource,
    Prompt,
}

impl AttrKind {
    /// What the function becomes, for messages: `tool`, `resource`, `prompt`.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            AttrKind::Tool => "tool",
            AttrKind::Resource => "resource",
            AttrKind::Prompt => "prompt",
        }
    }

    /// The type-name form, for the names of generated items: `Tool`, ….
    pub(crate) fn camel(self) -> &'static str {
        match self {
            AttrKind::Tool => "Tool",
            AttrKind::Resource => "Resource",
            AttrKind::Prompt => "Prompt",
        }
    }

    /// The list macro that collects these functions: `tools`, ….
    pub(crate) fn list(self) -> &'static str {
        match self {
            AttrKind::Tool => "tools",
            AttrKind::Resource => "resources",
            AttrKind::Prompt => "prompts",
        }
    }

    /// The hidden type's getter the list calls: `__mcp_clerk_tool_def`, ….
    pub(crate) fn getter(self) -> proc_macro2::Ident {
        quote::format_ident!("__mcp_clerk_{}_def", self.noun())
    }

    /// Every kind.
    pub(crate) const ALL: [AttrKind; 3] = [AttrKind::Tool, AttrKind::Resource, AttrKind::Prompt];

    /// The attribute as written in messages: `#[tool(...)]`.
    pub(crate) fn attr(self) -> &'static str {
        match self {
            AttrKind::Tool => "#[tool(...)]",
            AttrKind::Resource => "#[resource(...)]",
            AttrKind::Prompt => "#[prompt(...)]",
        }
    }

    fn keys(self) -> &'static [&'static str] {
        match self {
            AttrKind::Tool => KEYS,
            AttrKind::Resource => RESOURCE_KEYS,
            AttrKind::Prompt => PROMPT_KEYS,
        }
    }

    fn keys_help(self) -> &'static str {
        match self {
            AttrKind::Tool => KEYS_HELP,
            AttrKind::Resource => RESOURCE_KEYS_HELP,
            AttrKind::Prompt => PROMPT_KEYS_HELP,
        }
    }

    fn syntax_help(self) -> &'static str {
        match self {
            AttrKind::Tool => KEYS_HELP_SYNTAX,
            AttrKind::Resource => {
                "write the URI, then comma-separated keys, for example `#[resource(\"notes://{id}\", auth = required, mime_type = \"text/plain\")]`"
            }
            AttrKind::Prompt => {
                "write comma-separated keys, for example `#[prompt(auth = required, name = \"summarise\")]`"
            }
        }
    }
}

/// `complete(param = path::to_fn, ..)`: a completer per parameter.
pub(crate) struct Completer {
    pub(crate) param: syn::Ident,
    pub(crate) path: syn::Path,
}

/// Everything `#[tool(...)]` (or `#[resource]`, `#[prompt]`) said.
#[derive(Default)]
pub(crate) struct ToolAttr {
    pub(crate) kind: AttrKind,
    pub(crate) mime_type: Option<LitStr>,
    pub(crate) completers: Vec<Completer>,
    pub(crate) auth: Option<(Level, Span)>,
    pub(crate) org: Option<(Level, Span)>,
    pub(crate) scopes: Vec<LitStr>,
    pub(crate) permissions: Vec<LitStr>,
    pub(crate) roles: Vec<LitStr>,
    pub(crate) callers: Option<(CallersAttr, Span)>,
    pub(crate) name: Option<LitStr>,
    pub(crate) title: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) annotations: Annotations,
    /// `crate = "path"`: where mcp-clerk is, when it is not `::mcp_clerk`.
    pub(crate) krate: Option<syn::Path>,
}

const KEYS: &[&str] = &[
    "auth",
    "org",
    "scope",
    "scopes",
    "permission",
    "permissions",
    "role",
    "roles",
    "callers",
    "name",
    "title",
    "description",
    "annotations",
    "crate",
];

const KEYS_HELP: &str = "supported keys: `auth`, `org`, `scopes(..)`, `permission`, `permissions(..)`, `role`, `roles(..)`, `callers`, `name`, `title`, `description`, `annotations(..)`, `crate`";

const KEYS_HELP_SYNTAX: &str = "write comma-separated keys, for example `#[tool(auth = required, scopes(\"notes:read\"), name = \"notes.list\")]`";

const RESOURCE_KEYS: &[&str] = &[
    "auth",
    "org",
    "scope",
    "scopes",
    "permission",
    "permissions",
    "role",
    "roles",
    "callers",
    "name",
    "title",
    "description",
    "mime_type",
    "complete",
    "crate",
];

const RESOURCE_KEYS_HELP: &str = "supported keys after the URI: `auth`, `org`, `scopes(..)`, `permission`, `permissions(..)`, `role`, `roles(..)`, `callers`, `name`, `title`, `description`, `mime_type`, `complete(..)`, `crate`";

const PROMPT_KEYS: &[&str] = &[
    "auth",
    "org",
    "scope",
    "scopes",
    "permission",
    "permissions",
    "role",
    "roles",
    "callers",
    "name",
    "title",
    "description",
    "complete",
    "crate",
];

const PROMPT_KEYS_HELP: &str = "supported keys: `auth`, `org`, `scopes(..)`, `permission`, `permissions(..)`, `role`, `roles(..)`, `callers`, `name`, `title`, `description`, `complete(..)`, `crate`";

const ANNOTATIONS: &[&str] = &["read_only", "destructive", "idempotent", "open_world"];

impl ToolAttr {
    /// The effective organization requirement: permissions and roles need one.
    pub(crate) fn effective_org(&self) -> Level {
        if !self.permissions.is_empty() || !self.roles.is_empty() {
            Level::Required
        } else {
            self.org.map_or(Level::None, |(l, _)| l)
        }
    }

    /// The effective auth requirement (mirrors `ToolPolicy::effective_auth`):
    /// scopes, permissions or roles need a signed-in caller (`required`);
    /// otherwise the stronger of `auth` and `org`.
    pub(crate) fn effective_auth(&self) -> Level {
        if self.needs_caller() {
            return Level::Required;
        }
        let auth = self.auth.map_or(Level::None, |(l, _)| l);
        let org = self.org.map_or(Level::None, |(l, _)| l);
        auth.max(org)
    }

    /// Scopes, permissions or roles: only a signed-in caller can hold them;
    /// a tool open to machines needs one too (a machine is always signed in).
    fn needs_caller(&self) -> bool {
        !self.scopes.is_empty()
            || !self.permissions.is_empty()
            || !self.roles.is_empty()
            || self.callers() != CallersAttr::Users
    }

    /// Who may call (`users` unless `callers` says otherwise).
    pub(crate) fn callers(&self) -> CallersAttr {
        self.callers.map_or(CallersAttr::Users, |(c, _)| c)
    }

    /// Parses the attribute's arguments, recording every problem in `errors`.
    pub(crate) fn parse(tokens: TokenStream, errors: &mut Errors) -> Self {
        Self::parse_for(tokens, AttrKind::Tool, errors)
    }

    /// Parses the keys of a `kind` attribute.
    pub(crate) fn parse_for(tokens: TokenStream, kind: AttrKind, errors: &mut Errors) -> Self {
        let mut attr = ToolAttr {
            kind,
            ..ToolAttr::default()
        };
        let metas = match parse_all(Punctuated::<Meta, Token![,]>::parse_terminated, tokens) {
            Ok(metas) => metas,
            Err(e) => {
                errors.push_syn(e, kind.syntax_help());
                return attr;
            }
        };
        let mut seen: HashMap<String, Span> = HashMap::new();
        for meta in metas {
            let Some(key) = meta.path().get_ident().map(ToString::to_string) else {
                errors.push(
                    meta.path().span(),
                    "expected a key such as `auth`",
                    Some(kind.keys_help()),
                );
                continue;
            };
            let key_span = meta.path().span();
            if !kind.keys().contains(&key.as_str()) {
                let help = closest(&key, kind.keys()).map(|k| format!("did you mean `{k}`?"));
                errors.push(
                    key_span,
                    format_args!("unknown key `{key}`"),
                    Some(help.as_deref().unwrap_or(kind.keys_help())),
                );
                continue;
            }
            if seen.insert(key.clone(), key_span).is_some() {
                errors.push(
                    key_span,
                    format_args!("duplicate key `{key}`"),
                    Some("give each key once; list several values as `scopes(\"a\", \"b\")`"),
                );
                continue;
            }
            attr.apply(&key, meta, errors);
        }
        attr.check_consistency(errors);
        attr
    }

    fn apply(&mut self, key: &str, meta: Meta, errors: &mut Errors) {
        match key {
            "auth" => self.auth = level(key, &meta, errors),
            "org" => self.org = level(key, &meta, errors),
            // Each value is checked once, when its own key is read.
            "scope" | "scopes" => {
                let new = list_or_one(key, &meta, errors);
                new.iter().for_each(|s| check_scope(s, errors));
                self.scopes.extend(new);
            }
            "permission" | "permissions" => {
                let new = list_or_one(key, &meta, errors);
                new.iter().for_each(|p| check_permission(p, errors));
                self.permissions.extend(new);
            }
            "role" | "roles" => {
                let new = list_or_one(key, &meta, errors);
                new.iter().for_each(|r| check_role(r, errors));
                self.roles.extend(new);
            }
            "callers" => self.callers = callers(&meta, errors),
            "name" => self.name = string(key, &meta, errors),
            "title" => self.title = string(key, &meta, errors),
            "description" => self.description = string(key, &meta, errors),
            "annotations" => self.annotations = annotations(&meta, errors),
            "mime_type" => self.mime_type = string(key, &meta, errors),
            "complete" => self.completers = completers(&meta, errors),
            "crate" => {
                self.krate = string(key, &meta, errors).and_then(|lit| match lit.parse() {
                    Ok(path) => Some(path),
                    Err(_) => {
                        errors.push(
                            lit.span(),
                            "`crate` must be a path",
                            Some("write `crate = \"::my_reexport::mcp_clerk\"`"),
                        );
                        None
                    }
                })
            }
            _ => {}
        }
    }

    /// An explicit `auth` weaker than what `org`, scopes, permissions or roles imply.
    fn check_consistency(&self, errors: &mut Errors) {
        let Some((auth, span)) = self.auth else {
            return;
        };
        let implied = self.effective_auth();
        if auth >= implied {
            return;
        }
        let why = if !self.permissions.is_empty() || !self.roles.is_empty() {
            "permissions and roles need a signed-in caller in an organization".to_owned()
        } else if !self.scopes.is_empty() {
            "scopes need a signed-in caller (`auth = required`)".to_owned()
        } else if self.callers() != CallersAttr::Users {
            format!(
                "`callers = {}` implies `auth = required` (a machine is always signed in)",
                self.callers().as_str()
            )
        } else {
            let org = self.effective_org();
            format!("`org = {}` implies `auth = {}`", org.as_str(), org.as_str())
        };
        errors.push(
            span,
            format_args!(
                "`auth = {}` conflicts with the other keys: {why}",
                auth.as_str()
            ),
            Some("remove the `auth` key (the other keys imply it)"),
        );
    }
}

/// `scope = ".."` (one value) or `scopes(..)` (a list): singular keys end without `s`.
fn list_or_one(key: &str, meta: &Meta, errors: &mut Errors) -> Vec<LitStr> {
    if key.ends_with('s') {
        strings(key, meta, errors)
    } else {
        string(key, meta, errors).into_iter().collect()
    }
}

fn check_scope(s: &LitStr, errors: &mut Errors) {
    let v = s.value();
    if v.is_empty()
        || v.chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '\\')
    {
        errors.push(
            s.span(),
            format_args!("invalid scope {v:?}"),
            Some("a scope is one non-empty word without spaces or quotes; list several as `scopes(\"a\", \"b\")`"),
        );
    }
}

fn check_permission(p: &LitStr, errors: &mut Errors) {
    let v = p.value();
    let parts: Vec<&str> = v.split(':').collect();
    if parts.len() != 3 || parts[0] != "org" || parts.iter().any(|p| p.is_empty()) {
        errors.push(
            p.span(),
            format_args!("invalid permission {v:?}"),
            Some("Clerk permissions look like `org:<feature>:<permission>`, for example `org:projects:create`"),
        );
    }
}

fn check_role(r: &LitStr, errors: &mut Errors) {
    let v = r.value();
    if v.is_empty() || v.chars().any(char::is_whitespace) {
        errors.push(
            r.span(),
            format_args!("invalid role {v:?}"),
            Some("a role is a key such as `admin` or `org:admin`"),
        );
    }
}

fn callers(meta: &Meta, errors: &mut Errors) -> Option<(CallersAttr, Span)> {
    let help = "write `callers = users` (the default), `callers = machines` or `callers = any`";
    let Meta::NameValue(nv) = meta else {
        errors.push(meta.span(), "`callers` needs a value", Some(help));
        return None;
    };
    let word = match &nv.value {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident().map(ToString::to_string),
        _ => None,
    };
    let callers = match word.as_deref() {
        Some("users") => CallersAttr::Users,
        Some("machines") => CallersAttr::Machines,
        Some("any") => CallersAttr::Any,
        _ => {
            errors.push_tokens(&nv.value, "invalid value for `callers`", Some(help));
            return None;
        }
    };
    Some((callers, nv.value.span()))
}

fn level(key: &str, meta: &Meta, errors: &mut Errors) -> Option<(Level, Span)> {
    let help = format!("write `{key} = required`, `{key} = optional` or `{key} = none`");
    let Meta::NameValue(nv) = meta else {
        errors.push(
            meta.span(),
            format_args!("`{key}` needs a value"),
            Some(&help),
        );
        return None;
    };
    let word = match &nv.value {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident().map(ToString::to_string),
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        _ => None,
    };
    let level = match word.as_deref() {
        Some("required") => Level::Required,
        Some("optional") => Level::Optional,
        Some("none") => Level::None,
        _ => {
            errors.push_tokens(
                &nv.value,
                format_args!("invalid value for `{key}`"),
                Some(&help),
            );
            return None;
        }
    };
    Some((level, nv.value.span()))
}

fn string(key: &str, meta: &Meta, errors: &mut Errors) -> Option<LitStr> {
    let help = format!("write `{key} = \"...\"`");
    if let Meta::NameValue(nv) = meta {
        if let Expr::Lit(l) = &nv.value
            && let Lit::Str(s) = &l.lit
        {
            return Some(s.clone());
        }
        errors.push_tokens(
            &nv.value,
            format_args!("`{key}` must be a string literal"),
            Some(&help),
        );
    } else {
        errors.push(
            meta.span(),
            format_args!("`{key}` needs a value"),
            Some(&help),
        );
    }
    None
}

fn strings(key: &str, meta: &Meta, errors: &mut Errors) -> Vec<LitStr> {
    let help = format!("write `{key}(\"a\", \"b\")`");
    let Meta::List(list) = meta else {
        errors.push_tokens(
            meta,
            format_args!("`{key}` takes a list of string literals"),
            Some(&help),
        );
        return Vec::new();
    };
    match list.parse_args_with(Punctuated::<LitStr, Token![,]>::parse_terminated) {
        Ok(items) => items.into_iter().collect(),
        Err(e) => {
            errors.push(
                e.span(),
                format_args!("`{key}` takes a list of string literals"),
                Some(&help),
            );
            Vec::new()
        }
    }
}

fn annotations(meta: &Meta, errors: &mut Errors) -> Annotations {
    let help =
        "write `annotations(read_only, idempotent, destructive = false, open_world = false)`";
    let mut out = Annotations {
        present: true,
        ..Annotations::default()
    };
    let Meta::List(list) = meta else {
        errors.push_tokens(meta, "`annotations` takes a list", Some(help));
        return out;
    };
    let metas = match list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
        Ok(metas) => metas,
        Err(e) => {
            errors.push(e.span(), "invalid `annotations`", Some(help));
            return out;
        }
    };
    let mut seen: HashMap<String, ()> = HashMap::new();
    for meta in metas {
        let name = path_text(meta.path());
        let span = meta.path().span();
        let slot = match name.as_str() {
            "read_only" => &mut out.read_only,
            "destructive" => &mut out.destructive,
            "idempotent" => &mut out.idempotent,
            "open_world" => &mut out.open_world,
            _ => {
                let hint = closest(&name, ANNOTATIONS).map(|k| format!("did you mean `{k}`?"));
                errors.push(
                    span,
                    format_args!("unknown annotation `{name}`"),
                    Some(hint.as_deref().unwrap_or(
                        "supported annotations: `read_only`, `destructive`, `idempotent`, `open_world`",
                    )),
                );
                continue;
            }
        };
        if seen.insert(name.clone(), ()).is_some() {
            errors.push(
                span,
                format_args!("duplicate annotation `{name}`"),
                Some("give each annotation once"),
            );
            continue;
        }
        match &meta {
            Meta::Path(_) => *slot = Some(true),
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(l) => match &l.lit {
                    Lit::Bool(b) => *slot = Some(b.value),
                    _ => errors.push(
                        nv.value.span(),
                        format_args!("`{name}` must be `true` or `false`"),
                        Some(help),
                    ),
                },
                _ => errors.push(
                    nv.value.span(),
                    format_args!("`{name}` must be `true` or `false`"),
                    Some(help),
                ),
            },
            Meta::List(_) => errors.push(
                meta.span(),
                format_args!("`{name}` must be `true` or `false`"),
                Some(help),
            ),
        }
    }
    out
}

/// `complete(param = path::to_fn, ..)`.
fn completers(meta: &Meta, errors: &mut Errors) -> Vec<Completer> {
    let help = "write `complete(param = path::to_completer)`, where the completer is an `async fn(CompletionRequest) -> Vec<String>`";
    let Meta::List(list) = meta else {
        errors.push_tokens(
            meta,
            "`complete` takes a list of `param = completer`",
            Some(help),
        );
        return Vec::new();
    };
    let metas = match list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
        Ok(metas) => metas,
        Err(e) => {
            errors.push(
                e.span(),
                "`complete` takes a list of `param = completer`",
                Some(help),
            );
            return Vec::new();
        }
    };
    let mut out: Vec<Completer> = Vec::new();
    for meta in metas {
        let Meta::NameValue(nv) = &meta else {
            errors.push_tokens(
                &meta,
                "`complete` takes a list of `param = completer`",
                Some(help),
            );
            continue;
        };
        let (Some(param), Expr::Path(path)) = (nv.path.get_ident(), &nv.value) else {
            errors.push_tokens(
                &meta,
                "`complete` takes a list of `param = completer`",
                Some(help),
            );
            continue;
        };
        if out.iter().any(|c| c.param == *param) {
            errors.push(
                param.span(),
                format_args!("`{param}` has two completers"),
                Some("give each parameter one completer"),
            );
            continue;
        }
        out.push(Completer {
            param: param.clone(),
            path: path.path.clone(),
        });
    }
    out
}

/// A key's path as written (`a::b`), for messages.
pub(crate) fn path_text(path: &syn::Path) -> String {
    quote::ToTokens::to_token_stream(path)
        .to_string()
        .replace(' ', "")
}
