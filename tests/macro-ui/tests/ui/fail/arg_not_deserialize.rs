use mcp_clerk::prelude::*;

struct Point {
    x: i32,
}

#[tool]
async fn show(point: Point, label: String) -> String {
    format!("{label}: {}", point.x)
}

fn main() {}
