//! Helpers shared by the benchmarks (each bench includes this as `mod support;`).
#![allow(dead_code)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Polls a verification that needs no I/O (keys already known) to completion
/// without a runtime round trip, so the numbers are the verifier's own cost.
pub(crate) fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("verification awaited I/O inside the benchmark"),
    }
}

/// On a shared, noisy machine separate criterion runs drift by ±30 %; this
/// alternates the cases in short rounds and prints per-case medians and the
/// ratio to the first case, which is the fair comparison.
pub(crate) fn interleaved(cases: &[(&str, &dyn Fn())]) {
    const ROUNDS: usize = 21;
    const PER_ROUND: u32 = 200;
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(ROUNDS); cases.len()];
    for _ in 0..ROUNDS {
        for (i, (_, f)) in cases.iter().enumerate() {
            let start = std::time::Instant::now();
            for _ in 0..PER_ROUND {
                f();
            }
            samples[i].push(start.elapsed().as_secs_f64() * 1e6 / f64::from(PER_ROUND));
        }
    }
    let medians: Vec<f64> = samples
        .iter_mut()
        .map(|s| {
            s.sort_by(f64::total_cmp);
            s[s.len() / 2]
        })
        .collect();
    for ((name, _), m) in cases.iter().zip(&medians) {
        println!(
            "interleaved {name:<20} {m:>8.2} µs/op  ({:.2}× {})",
            m / medians[0],
            cases[0].0
        );
    }
}
