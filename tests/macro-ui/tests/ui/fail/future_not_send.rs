use std::rc::Rc;

use mcp_clerk::prelude::*;

async fn pause() {}

/// Holds an `Rc` across an `.await`: the server runs tools on a multi-threaded
/// runtime, so the future must be `Send`.
#[tool]
async fn counter() -> String {
    let count = Rc::new(1);
    pause().await;
    count.to_string()
}

fn main() {}
