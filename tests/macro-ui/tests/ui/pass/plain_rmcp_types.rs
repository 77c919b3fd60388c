//! rmcp context types are injected by name, and a sync function works too.
#![deny(warnings)]

use mcp_clerk::__private::rmcp::model::{Extensions, RequestId};
use mcp_clerk::__private::rmcp::service::RequestContext;
use mcp_clerk::__private::rmcp::{Peer, RoleServer};
use mcp_clerk::prelude::*;

/// Uses every rmcp context type.
#[tool]
async fn context(
    ctx: RequestContext<RoleServer>,
    peer: Peer<RoleServer>,
    ext: Extensions,
    id: RequestId,
    text: String,
) -> String {
    let _ = (ctx, peer, ext, id);
    text
}

fn main() {
    let _ = tools![context];
}
