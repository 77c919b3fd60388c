//! Token verification cost, side by side:
//!
//! - `bare_rs256_aws_lc`: the RSA-2048 PKCS#1 SHA-256 signature check alone
//!   (`aws_lc_rs::signature::UnparsedPublicKey`, what jsonwebtoken does), over
//!   the same signing input and signature as the token;
//! - `cold_pem` / `cold_jwks`: a full `Verifier::verify` with the token cache
//!   disabled (every call parses, checks the signature and the claims, and
//!   builds the identity), keyed by a PEM key or by a loaded JWKS;
//! - `cold_pem_miss_insert`: the same with the cache on (a miss plus the insert);
//! - `warm`: a cache hit.
//!
//! Run: `cargo bench -p mcp-clerk --bench verify --features testing`.
//! Targets: warm ≤ 1 µs; cold ≤ 1.5 × bare.

// `criterion_group!` defines an undocumented `pub fn`.
#![allow(missing_docs)]

mod support;

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use criterion::{Criterion, criterion_group, criterion_main};
use mcp_clerk::testing::TestIssuer;
use mcp_clerk::{Identity, TokenError, Verifier};
use support::{interleaved, ready};

fn verify(v: &Verifier, token: &str) -> Result<Identity, TokenError> {
    ready(v.verify(token))
}

fn spki_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).expect("PEM body")
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _guard = rt.enter();
    let issuer = rt.block_on(TestIssuer::start());
    // A Clerk-v2-like session token (~900 bytes), as in perf-baseline.md §1.
    let token = issuer
        .session_token("user_2xhQ7Hq9bY3vZkLmN0pR4sT6uW8")
        .org("org_2xhQ7Hq9bY3vZkLmN0pR4sT6uW9", "acme", "admin")
        .org_features("o:dashboard,o:teams", "manage,read", "3,2")
        .claim("pla", "o:pro")
        .sign();
    let accept = [mcp_clerk::TokenKind::OAuth, mcp_clerk::TokenKind::Session];

    let cold_pem = Verifier::new(
        &issuer
            .config_builder()
            .accept(accept)
            .jwt_key(issuer.public_pem())
            .token_cache_capacity(0)
            .build()
            .unwrap(),
    )
    .unwrap();
    let cold_jwks = Verifier::new(
        &issuer
            .config_builder()
            .accept(accept)
            .token_cache_capacity(0)
            .build()
            .unwrap(),
    )
    .unwrap();
    rt.block_on(cold_jwks.refresh_keys()).unwrap();
    let warm = Verifier::new(&issuer.config_builder().accept(accept).build().unwrap()).unwrap();
    rt.block_on(warm.verify(&token)).unwrap();
    verify(&cold_pem, &token).unwrap();
    verify(&cold_jwks, &token).unwrap();
    verify(&warm, &token).unwrap();
    println!("token: {} bytes", token.len());

    // The bare signature check over the same input.
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    let der = spki_der(&issuer.public_pem());
    let bare = aws_lc_rs::signature::UnparsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        &der,
    );
    bare.verify(signing_input.as_bytes(), &signature)
        .expect("bare verify");
    let parsed = aws_lc_rs::signature::ParsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        &der,
    )
    .unwrap();
    parsed
        .verify_sig(signing_input.as_bytes(), &signature)
        .expect("parsed verify");

    interleaved(&[
        ("bare_rs256_aws_lc", &|| {
            bare.verify(black_box(signing_input.as_bytes()), black_box(&signature))
                .unwrap()
        }),
        ("cold_pem", &|| {
            drop(verify(&cold_pem, black_box(&token)).unwrap())
        }),
        ("cold_jwks", &|| {
            drop(verify(&cold_jwks, black_box(&token)).unwrap())
        }),
    ]);

    let mut g = c.benchmark_group("verify");
    g.bench_function("bare_rs256_aws_lc", |b| {
        b.iter(|| {
            bare.verify(black_box(signing_input.as_bytes()), black_box(&signature))
                .unwrap()
        })
    });
    g.bench_function("bare_rs256_aws_lc_parsed_key", |b| {
        b.iter(|| {
            parsed
                .verify_sig(black_box(signing_input.as_bytes()), black_box(&signature))
                .unwrap()
        })
    });
    g.bench_function("cold_pem", |b| {
        b.iter(|| verify(&cold_pem, black_box(&token)).unwrap())
    });
    g.bench_function("cold_jwks", |b| {
        b.iter(|| verify(&cold_jwks, black_box(&token)).unwrap())
    });
    // A miss with the cache on, in steady state: entries live 1 ns, so every
    // call misses, verifies and re-inserts (the real cost of a new token).
    let miss = Verifier::new(
        &issuer
            .config_builder()
            .accept(accept)
            .jwt_key(issuer.public_pem())
            .token_cache_max_ttl(std::time::Duration::from_nanos(1))
            .build()
            .unwrap(),
    )
    .unwrap();
    g.bench_function("cold_pem_miss_insert", |b| {
        b.iter(|| verify(&miss, black_box(&token)).unwrap())
    });
    g.bench_function("warm", |b| {
        b.iter(|| verify(&warm, black_box(&token)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
