//! What a stopping server tells the outside, and what it waits for.
//!
//! [`Health`] backs the readiness route (`/readyz`: 200 while serving, 503
//! from the moment a stop signal arrives) and the liveness route (`/livez`:
//! 200 while the process serves at all). It also counts the calls in flight:
//! every request but a standalone `GET` stream (which never ends by itself),
//! so the drain knows when the last call has answered.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderValue, StatusCode, header};
use tokio::sync::Notify;

/// The readiness route's path.
pub const READINESS_PATH: &str = "/readyz";
/// The liveness route's path.
pub const LIVENESS_PATH: &str = "/livez";

/// Which signal stopped the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    /// SIGTERM: an orchestrator (Kubernetes, systemd, a deploy script).
    Terminate,
    /// Ctrl-C: a person at a terminal.
    Interrupt,
    /// The caller's own future ([`BoundServer::run_until`](crate::BoundServer::run_until)).
    Other,
}

/// Readiness and the calls in flight, shared by the routes, the service and
/// the drain.
#[derive(Debug, Default)]
pub(crate) struct Health {
    draining: AtomicBool,
    calls: AtomicUsize,
    idle: Notify,
}

impl Health {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// From now on the readiness route answers 503.
    pub(crate) fn start_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    pub(crate) fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    /// Counts a call until the returned guard (held by its response body) drops.
    pub(crate) fn call(self: &Arc<Self>) -> Call {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Call(self.clone())
    }

    pub(crate) fn calls_in_flight(&self) -> usize {
        self.calls.load(Ordering::Acquire)
    }

    /// Completes once no call is in flight.
    pub(crate) async fn no_calls(&self) {
        loop {
            let notified = self.idle.notified();
            if self.calls_in_flight() == 0 {
                return;
            }
            notified.await;
        }
    }

    /// `/readyz` and `/livez`.
    pub(crate) fn routes(self: &Arc<Self>) -> Router {
        let health = self.clone();
        Router::new()
            .route(
                READINESS_PATH,
                get(move || {
                    let draining = health.is_draining();
                    async move {
                        if draining {
                            text(StatusCode::SERVICE_UNAVAILABLE, "draining\n")
                        } else {
                            text(StatusCode::OK, "ready\n")
                        }
                    }
                }),
            )
            .route(
                LIVENESS_PATH,
                get(|| async { text(StatusCode::OK, "live\n") }),
            )
    }
}

fn text(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

/// One call in flight.
#[derive(Debug)]
pub(crate) struct Call(Arc<Health>);

impl Drop for Call {
    fn drop(&mut self) {
        if self.0.calls.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// Completes on Ctrl-C or SIGTERM and says which.
pub(crate) async fn signal() -> Signal {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => Signal::Interrupt,
        () = terminate => Signal::Terminate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn no_calls_waits_for_the_last_call() {
        let h = Health::new();
        let a = h.call();
        let b = h.call();
        assert_eq!(h.calls_in_flight(), 2);
        let waiter = tokio::spawn({
            let h = h.clone();
            async move { h.no_calls().await }
        });
        drop(a);
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(b);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("no_calls completes")
            .unwrap();
    }
}
