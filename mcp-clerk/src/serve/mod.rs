//! Serving over TCP: limits on what a client can hold, and a graceful drain.
//!
//! `axum::serve` has no header, body or idle timeouts and no connection cap,
//! and cancelling rmcp when the stop signal arrives fails every call in
//! flight. [`McpServer::serve`](crate::McpServer::serve) and
//! [`BoundServer`](crate::BoundServer) run this loop instead:
//! - `accept`: the file-descriptor soft limit raised to the hard limit, a
//!   connection cap below it (idle connections make room when it is reached),
//!   HTTP/1.1 connections with `TCP_NODELAY`;
//! - `conn`: each connection's header, body and idle clocks;
//! - `drain`: readiness and liveness routes and the calls in flight;
//! - `options`: [`ServeLimits`] and [`Drain`].

mod accept;
pub(crate) mod conn;
mod drain;
mod options;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

pub use conn::BodyReadTimeout;
pub(crate) use drain::{Health, Signal, signal as drain_signal};
pub use drain::{LIVENESS_PATH, READINESS_PATH};
pub use options::{
    DEFAULT_MAX_CONNECTIONS, DEFAULT_SIGTERM_DELAY, Drain, RESERVED_FILE_DESCRIPTORS, ServeLimits,
};

use accept::{CLOSE_GRACE, Connections};

/// Raises the file-descriptor soft limit to the hard limit (when asked) and
/// returns the limit in force, if the platform has one.
fn file_limit(raise: bool) -> Option<u64> {
    if !rlimit::Resource::NOFILE.is_supported() {
        return None;
    }
    let (soft, hard) = rlimit::Resource::NOFILE.get().ok()?;
    if !raise || soft >= hard {
        return Some(soft);
    }
    match rlimit::increase_nofile_limit(hard) {
        Ok(now) => {
            tracing::debug!(from = soft, to = now, "raised the open file limit");
            Some(now)
        }
        Err(e) => {
            tracing::warn!(error = %e, soft, hard, "could not raise the open file limit");
            Some(soft)
        }
    }
}

/// Everything [`run`] needs besides the listener.
pub(crate) struct Serving {
    pub(crate) app: Router,
    pub(crate) limits: ServeLimits,
    pub(crate) drain: Drain,
    pub(crate) health: Arc<Health>,
    /// Cancels rmcp: ends standalone streams and sessions.
    pub(crate) cancel: Box<dyn FnOnce() + Send>,
}

/// Serves until `stop` completes, then drains (see [`Drain`]).
pub(crate) async fn run(
    listener: TcpListener,
    serving: Serving,
    stop: impl Future<Output = Signal> + Send,
) -> std::io::Result<()> {
    let Serving {
        app,
        limits,
        drain,
        health,
        cancel,
    } = serving;
    let cap = limits.connection_cap(file_limit(limits.raises_file_limit()));
    tracing::debug!(max_connections = cap, "accepting connections");
    let mut connections = Connections::new(app, limits, health.clone(), cap);

    let signal = connections.accept_until(&listener, stop).await;
    health.start_draining();
    let delay = drain.delay_for(signal);
    tracing::info!(
        ?delay,
        deadline = ?drain.deadline_value(),
        "stopping: readiness is now 503"
    );
    // A second signal cuts the drain short.
    let mut again = std::pin::pin!(drain::signal());
    let cut_short = connections
        .accept_until(&listener, async {
            tokio::select! {
                () = tokio::time::sleep(delay) => false,
                _ = &mut again => true,
            }
        })
        .await;
    drop(listener);
    connections.shut_down();
    if !cut_short {
        let in_flight = health.calls_in_flight();
        tokio::select! {
            finished = tokio::time::timeout(drain.deadline_value(), health.no_calls()) => {
                if finished.is_err() {
                    tracing::warn!(
                        calls = health.calls_in_flight(),
                        "drain deadline passed with calls in flight"
                    );
                } else if in_flight > 0 {
                    tracing::info!(calls = in_flight, "calls in flight finished");
                }
            }
            _ = &mut again => tracing::warn!("second signal: stopping now"),
        }
    }
    cancel();
    connections.close(CLOSE_GRACE).await;
    Ok(())
}
