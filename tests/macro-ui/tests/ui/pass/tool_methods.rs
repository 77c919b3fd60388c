//! `#[tool_impl]`: tools as methods of a type holding its own state.
#![deny(warnings)]

use std::sync::atomic::{AtomicU64, Ordering};

use mcp_clerk::prelude::*;

#[derive(Clone)]
struct Prefix(String);

/// The shared value.
struct Projects {
    created: AtomicU64,
}

#[tool_impl]
impl Projects {
    /// Creates a project in the caller's organization.
    #[tool(org = required, permission = "org:projects:create", annotations(destructive))]
    async fn create_project(
        &self,
        user: ClerkUser,
        org: ClerkOrg,
        State(prefix): State<Prefix>,
        #[arg(description = "The project's name")] name: String,
    ) -> Result<String, ToolError> {
        let n = self.created.fetch_add(1, Ordering::Relaxed) + 1;
        Ok(format!("{}{name} #{n} by {} in {}", prefix.0, user.id(), org.id()))
    }

    /// How many were created.
    #[mcp_clerk::tool(name = "count", annotations(read_only))]
    fn created(&self) -> String {
        self.created.load(Ordering::Relaxed).to_string()
    }

    /// An associated function is a tool too.
    #[tool]
    async fn version() -> &'static str {
        "1"
    }

    /// A plain helper, not a tool.
    fn reset(&self) {
        self.created.store(0, Ordering::Relaxed);
    }
}

fn main() {
    let projects = Projects {
        created: AtomicU64::new(0),
    };
    projects.reset();
    let tools = projects.into_tools();
    let names: Vec<&str> = tools.iter().map(|t| t.name()).collect();
    assert_eq!(names, ["create_project", "count", "version"]);
    let _server = McpServer::new("projects", "1")
        .state(Prefix("p-".into()))
        .tools(tools);
}
