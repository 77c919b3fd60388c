use mcp_clerk::prelude::*;

// One expansion reports every mistake, and the function is still emitted
// (the call in `main` compiles).
#[tool(scope = "a", name = "bad name")]
async fn broken(org: ClerkOrg, user: Option<ClerkUser>, (x, y): (u8, u8)) -> String {
    let _ = (user, x, y);
    org.id().to_owned()
}

fn main() {
    let _future = broken(ClerkOrg::example("org_1", "org:admin", &[]), None, (1, 2));
}
