use mcp_clerk::prelude::*;

#[tool(org = optional)]
async fn my_org(org: ClerkOrg) -> String {
    org.id().to_owned()
}

fn main() {}
