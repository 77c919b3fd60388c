//! `callers`: tools for machines, and for people and machines.
#![deny(warnings)]

use mcp_clerk::prelude::*;
use mcp_clerk::{ClerkMachine, Identity};

/// Reports usage: machines only.
#[tool(callers = machines, scope = "mch_billing")]
async fn report_usage(machine: ClerkMachine) -> String {
    machine.id().to_owned()
}

/// Anyone signed in, person or machine.
#[tool(callers = any, org = optional)]
async fn whoami(caller: Identity, machine: Option<ClerkMachine>, org: Option<ClerkOrg>) -> String {
    let _ = org;
    match machine {
        Some(m) => format!("machine {}", m.id()),
        None => format!("user {}", caller.user().id()),
    }
}

/// People only (the default), said out loud.
#[tool(callers = users, auth = required)]
async fn me(user: ClerkUser) -> String {
    user.id().to_owned()
}

fn main() {
    let tools = tools![report_usage, whoami, me];
    assert_eq!(tools.len(), 3);
}
