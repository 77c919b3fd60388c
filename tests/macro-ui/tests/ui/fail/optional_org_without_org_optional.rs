use mcp_clerk::prelude::*;

#[tool(auth = required)]
async fn my_org(org: Option<ClerkOrg>) -> String {
    org.map(|o| o.id().to_owned()).unwrap_or_default()
}

fn main() {}
