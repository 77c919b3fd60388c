use mcp_clerk::prelude::*;

mod notes {
    use mcp_clerk::prelude::*;

    /// Lists notes.
    #[tool]
    pub async fn list() -> &'static str {
        "[]"
    }
}

fn main() {
    let _tools = tools![notes::list, notes :: list];
}
