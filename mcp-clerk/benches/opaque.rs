//! Opaque access tokens (`oat_…`) against JWT access tokens, side by side,
//! both issued by the local Clerk emulator on a loopback port:
//!
//! - `jwt_hit` / `opaque_hit`: `Verifier::verify` answered from the token
//!   cache (what every call after the first costs, for both formats);
//! - `jwt_cold`: a full JWT verification (cache off, keys loaded);
//! - `opaque_cold_loopback`: a full opaque verification (cache off): one
//!   `POST /v1/oauth_applications/access_tokens/verify` to the emulator's
//!   Backend API over loopback HTTP, the answer parsed into an identity.
//!
//! Run: `cargo bench -p mcp-clerk --bench opaque --features testing,dev`.
//! Targets: `opaque_hit` within 1.2× of `jwt_hit` (a hit must not care which
//! format the token had); the cold opaque verify is a network round trip,
//! paid once per token per `MCP_CLERK_OPAQUE_TOKEN_TTL`.

// `criterion_group!` defines an undocumented `pub fn`.
#![allow(missing_docs)]

mod support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use mcp_clerk::Verifier;
use mcp_clerk::dev::{DevClerk, DevTokenFormat};
use support::{interleaved, ready};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let _guard = rt.enter();
    let clerk = rt
        .block_on(DevClerk::new().token_format(DevTokenFormat::Opaque).start())
        .unwrap();
    let opaque = clerk
        .token("user_alice")
        .scope("notes:read")
        .mint()
        .unwrap();
    let jwt = clerk
        .token("user_alice")
        .scope("notes:read")
        .jwt()
        .mint()
        .unwrap();
    let config = || clerk.config_builder();

    let cached = Verifier::new(&config().build().unwrap()).unwrap();
    rt.block_on(cached.verify(&opaque)).unwrap();
    rt.block_on(cached.verify(&jwt)).unwrap();
    let jwt_cold = Verifier::new(&config().token_cache_capacity(0).build().unwrap()).unwrap();
    rt.block_on(jwt_cold.refresh_keys()).unwrap();
    ready(jwt_cold.verify(&jwt)).unwrap();
    let opaque_cold =
        Verifier::new(&config().opaque_token_ttl(Duration::ZERO).build().unwrap()).unwrap();
    rt.block_on(opaque_cold.verify(&opaque)).unwrap();
    println!(
        "tokens: opaque {} bytes, JWT {} bytes",
        opaque.len(),
        jwt.len()
    );

    interleaved(&[
        ("jwt_hit", &|| {
            drop(ready(cached.verify(black_box(&jwt))).unwrap())
        }),
        ("opaque_hit", &|| {
            drop(ready(cached.verify(black_box(&opaque))).unwrap())
        }),
        ("jwt_cold", &|| {
            drop(ready(jwt_cold.verify(black_box(&jwt))).unwrap())
        }),
    ]);

    let mut g = c.benchmark_group("opaque");
    g.bench_function("jwt_hit", |b| {
        b.iter(|| ready(cached.verify(black_box(&jwt))).unwrap())
    });
    g.bench_function("opaque_hit", |b| {
        b.iter(|| ready(cached.verify(black_box(&opaque))).unwrap())
    });
    g.bench_function("jwt_cold", |b| {
        b.iter(|| ready(jwt_cold.verify(black_box(&jwt))).unwrap())
    });
    g.bench_function("opaque_cold_loopback", |b| {
        b.iter(|| rt.block_on(opaque_cold.verify(black_box(&opaque))).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
