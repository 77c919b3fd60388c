use mcp_clerk::ClerkMachine;
use mcp_clerk::prelude::*;

#[tool(auth = required)]
async fn report(machine: ClerkMachine) -> String {
    machine.id().to_owned()
}

fn main() {}
