use mcp_clerk::prelude::*;

#[tool(permission = "projects.create")]
async fn create(org: ClerkOrg) -> String {
    org.id().to_owned()
}

fn main() {}
