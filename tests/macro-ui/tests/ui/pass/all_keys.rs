//! Every key of `#[tool(...)]`, and every kind of argument.
#![deny(warnings)]

use mcp_clerk::__private::rmcp::model::CallToolResult;
use mcp_clerk::ClerkUser as User;
use mcp_clerk::prelude::*;
use mcp_clerk::tool::inject::CancellationToken;

#[derive(Serialize, JsonSchema)]
struct Project {
    id: String,
}

#[derive(Deserialize, JsonSchema)]
struct NewProject {
    name: String,
    private: Option<bool>,
}

/// Creates a project.
#[tool(
    auth = required,
    org = required,
    scopes("projects:write"),
    scope = "projects:read",
    permission = "org:projects:create",
    permissions("org:projects:read"),
    role = "admin",
    roles("org:owner"),
    name = "projects.create",
    title = "Create project",
    description = "Creates a project in the caller's organization.",
    annotations(read_only = false, destructive = false, idempotent, open_world = false)
)]
async fn create_project(
    user: ClerkUser,
    org: ClerkOrg,
    ct: CancellationToken,
    #[args] new: NewProject,
) -> Result<Json<Project>, ToolError> {
    let _ = (ct, new.private);
    Ok(Json(Project {
        id: format!("{}/{}/{}", org.id(), user.id(), new.name),
    }))
}

/// Optional caller and organization, a renamed import injected with `#[inject]`.
#[tool(org = optional)]
fn optional(
    user: Option<ClerkUser>,
    org: Option<ClerkOrg>,
    #[inject] _me: Option<User>,
    #[arg(description = "A number", default = 3)] n: u8,
    #[arg(default)] flag: bool,
    #[arg(rename = "type")] kind: String,
    r#loop: Option<u32>,
) -> CallToolResult {
    let _ = (user, org, n, flag, kind, r#loop);
    CallToolResult::success(Vec::new())
}

/// Unit return.
#[tool]
fn nothing() {}

mod more {
    use mcp_clerk::prelude::*;

    /// In a module.
    #[tool(auth = optional)]
    pub(crate) async fn inner(user: Option<ClerkUser>) -> Result<String, String> {
        Ok(user.map(|u| u.id().to_owned()).unwrap_or_default())
    }
}

fn main() {
    let tools: Vec<ToolDef> = tools![create_project, optional, nothing, more::inner,];
    assert_eq!(tools.len(), 4);
    let empty: Vec<ToolDef> = tools![];
    assert!(empty.is_empty());
}
