use mcp_clerk::ClerkMachine;
use mcp_clerk::prelude::*;

#[tool(callers = machines)]
async fn report(machine: Option<ClerkMachine>) -> String {
    machine.map(|m| m.id().to_owned()).unwrap_or_default()
}

fn main() {}
