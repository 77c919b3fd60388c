use mcp_clerk::prelude::*;

struct Server;

#[tool_impl]
impl Server {
    /// Who am I?
    #[tool]
    async fn whoami(&self, user: ClerkUser) -> String {
        user.id().to_owned()
    }
}

fn main() {}
