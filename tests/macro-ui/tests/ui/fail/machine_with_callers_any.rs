use mcp_clerk::ClerkMachine;
use mcp_clerk::prelude::*;

// People call it too: the machine is not always there.
#[tool(callers = any)]
async fn report(machine: ClerkMachine) -> String {
    machine.id().to_owned()
}

fn main() {}
