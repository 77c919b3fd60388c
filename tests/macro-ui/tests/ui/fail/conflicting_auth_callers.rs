use mcp_clerk::ClerkMachine;
use mcp_clerk::prelude::*;

// A machine is always signed in.
#[tool(auth = optional, callers = machines)]
async fn report(machine: ClerkMachine) -> String {
    machine.id().to_owned()
}

fn main() {}
