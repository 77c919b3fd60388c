//! Cost of a generated tool's handler, outside any transport: building the
//! `ToolCall`, injecting the caller, parsing the JSON arguments, calling the
//! function and converting its result.
//!
//! - `no_args`: `#[tool] async fn ping() -> &'static str`;
//! - `plain_args`: three plain arguments (one defaulted, one optional) and an
//!   injected `ClerkUser`;
//! - `struct_args`: the same arguments through one `#[args]` struct;
//! - `bad_args`: a call whose arguments are wrong (the tool error path);
//! - `tools_list_build`: `tools![..]` for three tools (schemas generated), done
//!   once at startup.
//!
//! Run: `cargo bench -p mcp-clerk --bench tool_call`.

// `criterion_group!` defines an undocumented `pub fn`.
#![allow(missing_docs)]

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use criterion::{Criterion, criterion_group, criterion_main};
use mcp_clerk::__private::rmcp::model::{JsonObject, RequestId};
use mcp_clerk::__private::rmcp::service::{RequestContext, RunningService, serve_directly};
use mcp_clerk::__private::rmcp::{RoleServer, ServerHandler};
use mcp_clerk::__private::serde_json::json;
use mcp_clerk::identity::Identity;
use mcp_clerk::prelude::*;
use mcp_clerk::tool::ToolCall;

/// Polls a future that needs no I/O to completion.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

struct Nop;
impl ServerHandler for Nop {}

/// Answers pong.
#[tool]
async fn ping() -> &'static str {
    "pong"
}

/// Greets.
#[tool(auth = required)]
async fn greet(
    user: ClerkUser,
    name: String,
    #[arg(default = 1)] times: u32,
    punctuation: Option<String>,
) -> String {
    let _ = (user, times, punctuation);
    name
}

#[derive(Deserialize, JsonSchema)]
struct GreetArgs {
    name: String,
    #[serde(default)]
    times: u32,
    punctuation: Option<String>,
}

/// Greets (struct arguments).
#[tool(auth = required)]
async fn greet_struct(user: ClerkUser, #[args] args: GreetArgs) -> String {
    let _ = (user, args.times, args.punctuation);
    args.name
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _guard = runtime.enter();
    let (server, _client) = tokio::io::duplex(4096);
    let running: RunningService<RoleServer, Nop> = serve_directly(Nop, server, None);
    let context = RequestContext::new(RequestId::Number(1), running.peer().clone());
    let identity = Identity::new(ClerkUser::example("user_1", &[]), None);
    let args: JsonObject = json!({"name": "ada", "punctuation": "!"})
        .as_object()
        .cloned()
        .unwrap();
    let bad: JsonObject = json!({"times": "x"}).as_object().cloned().unwrap();
    let tools = tools![ping, greet, greet_struct];

    let mut group = c.benchmark_group("tool_call");
    let mut run = |label: &str, tool: &ToolDef, args: Option<&JsonObject>| {
        group.bench_function(label, |b| {
            b.iter(|| {
                let call = ToolCall::new(
                    tool.name(),
                    args.cloned(),
                    Some(identity.clone()),
                    context.clone(),
                );
                black_box(ready(tool.call(call)).unwrap())
            })
        });
    };
    run("no_args", &tools[0], None);
    run("plain_args", &tools[1], Some(&args));
    run("struct_args", &tools[2], Some(&args));
    run("bad_args", &tools[1], Some(&bad));
    group.bench_function("tools_list_build", |b| {
        b.iter(|| black_box(tools![ping, greet, greet_struct]))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
