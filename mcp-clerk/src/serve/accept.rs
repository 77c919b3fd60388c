//! The accept loop and each connection's task.

use std::convert::Infallible;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use http::{Method, Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

use super::ServeLimits;
use super::conn::{Activity, DeadlineBody, TrackedBody, Verdict, Watched};
use super::drain::Health;

/// How long a connection gets to close once it was told to.
pub(crate) const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// Connections and what they are told.
pub(crate) struct Connections {
    app: Router,
    limits: ServeLimits,
    health: Arc<Health>,
    permits: Arc<Semaphore>,
    tasks: JoinSet<()>,
    /// `true`: finish the request in progress, then close.
    shutdown: watch::Sender<bool>,
    /// Bumped when the cap is reached: idle connections close.
    pressure: watch::Sender<u64>,
}

impl Connections {
    pub(crate) fn new(app: Router, limits: ServeLimits, health: Arc<Health>, cap: usize) -> Self {
        Self {
            app,
            limits,
            health,
            permits: Arc::new(Semaphore::new(cap)),
            tasks: JoinSet::new(),
            shutdown: watch::channel(false).0,
            pressure: watch::channel(0).0,
        }
    }

    /// Accepts connections until `stop` completes, and returns its output.
    pub(crate) async fn accept_until<T>(
        &mut self,
        listener: &TcpListener,
        stop: impl Future<Output = T>,
    ) -> T {
        let mut stop = pin!(stop);
        loop {
            while self.tasks.try_join_next().is_some() {}
            // Accept first, then wait for a slot: at the cap, the pressure to
            // close idle connections applies only once a client is waiting,
            // and at most one accepted socket waits beyond the cap.
            let tcp = tokio::select! {
                out = &mut stop => return out,
                accepted = listener.accept() => match accepted {
                    Ok((tcp, _)) => tcp,
                    Err(e) => {
                        accept_error(&e).await;
                        continue;
                    }
                },
            };
            let permit = tokio::select! {
                out = &mut stop => return out,
                permit = self.permit() => permit,
            };
            self.spawn(tcp, permit);
        }
    }

    async fn permit(&self) -> OwnedSemaphorePermit {
        if let Ok(p) = self.permits.clone().try_acquire_owned() {
            return p;
        }
        tracing::warn!(
            "connection cap reached: closing idle keep-alive connections, new ones wait"
        );
        self.pressure.send_modify(|n| *n = n.wrapping_add(1));
        match self.permits.clone().acquire_owned().await {
            Ok(p) => p,
            // The semaphore is never closed.
            Err(_) => std::future::pending().await,
        }
    }

    fn spawn(&mut self, tcp: TcpStream, permit: OwnedSemaphorePermit) {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "could not set TCP_NODELAY");
        }
        let activity = Activity::new(&self.limits);
        let service = TowerToHyperService::new(Tracked {
            app: self.app.clone(),
            activity: activity.clone(),
            health: self.health.clone(),
        });
        let io = TokioIo::new(Watched::new(tcp, activity.clone()));
        let shutdown = self.shutdown.subscribe();
        let pressure = self.pressure.subscribe();
        self.tasks.spawn(async move {
            let _permit = permit;
            let conn = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
            watch_connection(conn, &activity, shutdown, pressure).await;
        });
    }

    /// Tells every connection to finish what it is doing and close.
    pub(crate) fn shut_down(&self) {
        self.shutdown.send_replace(true);
    }

    /// Waits up to `grace` for the connections to close, then drops the rest.
    pub(crate) async fn close(mut self, grace: Duration) {
        let all = async { while self.tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(grace, all).await.is_err() {
            tracing::warn!(
                connections = self.tasks.len(),
                "closing connections that did not finish in time"
            );
            self.tasks.shutdown().await;
        }
    }
}

/// Drives one connection, closing it when it is too slow, idle, or told to.
async fn watch_connection<C>(
    conn: C,
    activity: &Activity,
    mut shutdown: watch::Receiver<bool>,
    mut pressure: watch::Receiver<u64>,
) where
    C: Future<Output = hyper::Result<()>> + GracefulShutdown,
{
    let mut conn = pin!(conn);
    let mut closing = *shutdown.borrow_and_update();
    if closing {
        conn.as_mut().shut_down();
    }
    loop {
        let wake = match activity.verdict() {
            Verdict::WaitUntil(at) => at,
            Verdict::TooSlow => {
                tracing::debug!("closing a connection whose request was too slow");
                return;
            }
            Verdict::Idle => {
                conn.as_mut().shut_down();
                let _ = tokio::time::timeout(CLOSE_GRACE, conn).await;
                return;
            }
        };
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::trace!(error = %e, "connection ended with an error");
                }
                return;
            }
            () = tokio::time::sleep_until(wake) => {}
            () = activity.changed() => {}
            changed = shutdown.changed(), if !closing => {
                if changed.is_ok() && *shutdown.borrow() {
                    closing = true;
                    conn.as_mut().shut_down();
                }
            }
            changed = pressure.changed() => {
                if changed.is_ok() && activity.is_idle_keep_alive() {
                    conn.as_mut().shut_down();
                    let _ = tokio::time::timeout(CLOSE_GRACE, conn).await;
                    return;
                }
            }
        }
    }
}

/// hyper's graceful shutdown, named so the watch can be tested on its own.
trait GracefulShutdown {
    fn shut_down(self: Pin<&mut Self>);
}

impl<I, S> GracefulShutdown for hyper::server::conn::http1::Connection<I, S>
where
    S: hyper::service::HttpService<Incoming>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    I: hyper::rt::Read + hyper::rt::Write + Unpin,
    S::ResBody: hyper::body::Body + 'static,
    <S::ResBody as hyper::body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn shut_down(self: Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

async fn accept_error(e: &std::io::Error) {
    // Out of file descriptors (EMFILE/ENFILE) or memory: back off so the
    // loop does not spin, and let connections close.
    tracing::warn!(error = %e, "accept failed");
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// The app, with each request's head, body and response tied to its
/// connection's clock and to the calls in flight.
#[derive(Clone)]
struct Tracked {
    app: Router,
    activity: Arc<Activity>,
    health: Arc<Health>,
}

impl tower::Service<Request<Incoming>> for Tracked {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Incoming>) -> Self::Future {
        let in_flight = self.activity.request_started();
        // A standalone GET stream never ends by itself: it is not a call the
        // drain waits for.
        let call = (request.method() != Method::GET).then(|| self.health.call());
        let activity = self.activity.clone();
        let request = request.map(|body| Body::new(DeadlineBody::new(body, activity)));
        let app = self.app.clone();
        Box::pin(async move {
            let response = app.oneshot(request).await?;
            Ok(response.map(|body| Body::new(TrackedBody::new(body, (in_flight, call)))))
        })
    }
}
