//! A bounded log of the requests a server answered, for tests that check
//! what a client did (the emulator keeps one; a test can wrap its MCP server
//! in another and merge the two by time).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How many requests a [`RequestLog`] keeps.
const CAPACITY: usize = 1000;

/// `METHOD /path STATUS` of the requests a server answered (no query strings:
/// they hold authorization codes), each with the moment its response was
/// produced. Keeps the last 1000. Cheap to clone (one `Arc`).
///
/// ```
/// use axum::routing::get;
/// use mcp_clerk::dev::RequestLog;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let log = RequestLog::default();
/// let app = log.record(axum::Router::new().route("/health", get(|| async { "ok" })));
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let url = format!("http://{}/health?probe=1", listener.local_addr().unwrap());
/// tokio::spawn(async move { axum::serve(listener, app).await });
/// reqwest::get(&url).await.unwrap();
/// assert_eq!(log.entries(), ["GET /health 200"]);
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct RequestLog(Arc<Mutex<VecDeque<(Instant, String)>>>);

impl RequestLog {
    /// The recorded requests, oldest first.
    pub fn entries(&self) -> Vec<String> {
        self.timed().into_iter().map(|(_, line)| line).collect()
    }

    /// The recorded requests with when each response was produced, oldest first.
    pub fn timed(&self) -> Vec<(Instant, String)> {
        let log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        log.iter().cloned().collect()
    }

    fn push(&self, line: String) {
        let mut log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if log.len() == CAPACITY {
            log.pop_front();
        }
        log.push_back((Instant::now(), line));
    }

    /// `router` with every request it answers recorded here.
    pub fn record<S>(&self, router: axum::Router<S>) -> axum::Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        let log = self.clone();
        router.layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let log = log.clone();
                async move {
                    let line = format!("{} {}", request.method(), request.uri().path());
                    let response = next.run(request).await;
                    log.push(format!("{line} {}", response.status().as_u16()));
                    response
                }
            },
        ))
    }
}
