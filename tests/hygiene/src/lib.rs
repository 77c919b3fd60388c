//! Hygiene test for `#[tool]`: this crate depends on `mcp-clerk` alone, denies
//! every warning and missing docs, shadows common names, and has a module
//! without the standard prelude. It only has to compile (`cargo build -p
//! mcp-clerk-hygiene`); its tests check the tools also run.
//!
//! Types deriving serde and schemars traits name mcp-clerk's re-exports with
//! `#[serde(crate = "mcp_clerk::serde")]` and
//! `#[schemars(crate = "mcp_clerk::schemars")]`.
#![deny(warnings, missing_docs)]

use mcp_clerk::prelude::*;

/// Arguments of [`search`].
#[derive(Deserialize, JsonSchema)]
#[serde(crate = "mcp_clerk::serde")]
#[schemars(crate = "mcp_clerk::schemars")]
pub struct Search {
    /// What to look for.
    pub query: String,
    /// At most this many hits.
    pub limit: Option<u32>,
}

/// A search hit.
#[derive(Serialize, JsonSchema)]
#[serde(crate = "mcp_clerk::serde")]
#[schemars(crate = "mcp_clerk::schemars")]
pub struct Hit {
    /// The hit's title.
    pub title: String,
}

/// Answers pong.
#[tool]
pub async fn ping() -> &'static str {
    "pong"
}

/// Who am I?
#[tool(auth = required)]
pub async fn whoami(user: ClerkUser) -> String {
    user.id().to_owned()
}

/// Searches.
#[tool(auth = optional, annotations(read_only))]
pub async fn search(caller: Option<ClerkUser>, #[args] search: Search) -> Json<Vec<Hit>> {
    let _ = caller;
    let limit = search.limit.unwrap_or(10) as usize;
    Json(
        vec![Hit {
            title: search.query,
        }]
        .into_iter()
        .take(limit)
        .collect(),
    )
}

/// Creates a project.
#[tool(org = required, permission = "org:projects:create", scopes("projects:write"))]
pub(crate) async fn create_project(
    org: ClerkOrg,
    name: String,
    #[arg(description = "Visible to members only", default = true)] private: bool,
) -> Result<String, ToolError> {
    if name.is_empty() {
        return Err(ToolError::invalid_input("empty name"));
    }
    Ok(format!("{}/{name}/{private}", org.id()))
}

/// Names the generated code must not pick up by accident.
mod shadow {
    #![allow(dead_code, non_camel_case_types, clippy::all)]
    use ::mcp_clerk::tool as tool_attr;

    struct Option;
    struct Result;
    struct Some;
    struct Ok;
    struct Err;
    struct Vec;
    struct Box;
    struct String;
    struct Arg;
    struct ToolDef;
    struct ToolCall;
    struct Json;
    mod mcp_clerk {}
    mod core {}
    mod std {}
    fn drop() {}
    #[allow(non_upper_case_globals)]
    const v: u8 = 0;
    #[allow(non_upper_case_globals)]
    const e: u8 = 0;

    /// Who is calling (an injected argument next to the shadowing names).
    #[tool_attr(auth = optional)]
    pub(crate) fn who(user: ::core::option::Option<::mcp_clerk::ClerkUser>) -> &'static str {
        if user.is_some() {
            "someone"
        } else {
            "anonymous"
        }
    }

    /// Adds.
    #[tool_attr]
    pub(crate) fn add(a: i64, #[arg(default = 1)] b: i64) -> ::std::string::String {
        ::std::string::ToString::to_string(&(a + b))
    }
}

/// A module without the implicit prelude.
mod no_prelude {
    #![no_implicit_prelude]

    /// Echoes.
    #[::mcp_clerk::tool]
    pub(crate) fn echo(
        text: ::std::string::String,
        times: ::std::option::Option<u8>,
    ) -> ::std::string::String {
        let _ = times;
        text
    }
}

/// Stands for a framework that re-exports mcp-clerk under another name.
pub mod framework {
    pub use ::mcp_clerk as clerk;
}

/// A tool whose crate reaches mcp-clerk only through a re-export.
mod via_reexport {
    use crate::framework::clerk::tool;

    /// Answers ok.
    #[tool(crate = "crate::framework::clerk")]
    pub(crate) fn reexported() -> &'static str {
        "ok"
    }
}

/// Every tool of this crate.
pub fn all_tools() -> Vec<ToolDef> {
    tools![
        ping,
        whoami,
        search,
        create_project,
        shadow::add,
        shadow::who,
        no_prelude::echo,
        via_reexport::reexported,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tools_build() {
        let names: Vec<String> = all_tools().iter().map(|t| t.name().to_owned()).collect();
        assert_eq!(
            names,
            [
                "ping",
                "whoami",
                "search",
                "create_project",
                "add",
                "who",
                "echo",
                "reexported"
            ]
        );
    }

    #[tokio::test]
    async fn functions_stay_callable() {
        assert_eq!(ping().await, "pong");
        assert_eq!(shadow::add(1, 2), "3");
        assert_eq!(no_prelude::echo("x".into(), None), "x");
    }
}
