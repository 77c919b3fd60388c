use mcp_clerk::prelude::*;

#[tool(auth = optional, permission = "org:projects:read")]
async fn projects(org: ClerkOrg) -> String {
    org.id().to_owned()
}

fn main() {}
