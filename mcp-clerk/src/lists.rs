//! The errors of a function listed in the wrong list: `tools![a_resource]`,
//! `resources![a_prompt]`, ….
//!
//! `#[tool]`, `#[resource]` and `#[prompt]` give the hidden type named like
//! the function a getter for each of the other two lists, bounded by one of
//! these traits for the list's probe, which implements none of them. So
//! listing a `#[resource]` in `tools![..]` is one error with this message
//! (`F` is the function's hidden type, printed with its name), instead of
//! rustc's "no function named `__mcp_clerk_tool_def`". They live here rather
//! than in the expansion because `#[diagnostic::..]` does not resolve in a
//! `#![no_implicit_prelude]` module.

/// A private type, so no trait below is reported as having no
/// implementations (which would suggest adding one).
#[doc(hidden)]
pub enum Never {}

macro_rules! wrong_list {
    ($($trait:ident: $message:literal, $label:literal, $note:literal;)*) => {$(
        #[doc(hidden)]
        #[diagnostic::on_unimplemented(message = $message, label = $label, note = $note)]
        pub trait $trait<F> {}
        #[diagnostic::do_not_recommend]
        impl<F> $trait<F> for Never {}
    )*};
}

wrong_list! {
    ToolInResources:
        "`{F}` is a `#[tool]` function, not a `#[resource]`",
        "`resources![...]` lists only `#[resource]` functions",
        "list `{F}` in `tools![...]`";
    ToolInPrompts:
        "`{F}` is a `#[tool]` function, not a `#[prompt]`",
        "`prompts![...]` lists only `#[prompt]` functions",
        "list `{F}` in `tools![...]`";
    ResourceInTools:
        "`{F}` is a `#[resource]` function, not a `#[tool]`",
        "`tools![...]` lists only `#[tool]` functions",
        "list `{F}` in `resources![...]`";
    ResourceInPrompts:
        "`{F}` is a `#[resource]` function, not a `#[prompt]`",
        "`prompts![...]` lists only `#[prompt]` functions",
        "list `{F}` in `resources![...]`";
    PromptInTools:
        "`{F}` is a `#[prompt]` function, not a `#[tool]`",
        "`tools![...]` lists only `#[tool]` functions",
        "list `{F}` in `prompts![...]`";
    PromptInResources:
        "`{F}` is a `#[prompt]` function, not a `#[resource]`",
        "`resources![...]` lists only `#[resource]` functions",
        "list `{F}` in `prompts![...]`";
}
