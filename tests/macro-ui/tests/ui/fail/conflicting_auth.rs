use mcp_clerk::prelude::*;

#[tool(auth = none, org = required)]
async fn my_org(org: ClerkOrg) -> String {
    org.id().to_owned()
}

fn main() {}
