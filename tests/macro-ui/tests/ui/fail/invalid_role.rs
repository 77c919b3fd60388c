use mcp_clerk::prelude::*;

#[tool(role = "org admin")]
async fn admin(org: ClerkOrg) -> String {
    org.id().to_owned()
}

fn main() {}
