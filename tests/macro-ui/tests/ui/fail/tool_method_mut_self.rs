use mcp_clerk::prelude::*;

struct Counter {
    n: u64,
}

#[tool_impl]
impl Counter {
    /// Counts.
    #[tool]
    async fn bump(&mut self) -> String {
        self.n += 1;
        self.n.to_string()
    }
}

fn main() {}
