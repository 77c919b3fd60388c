//! One client connection's clock: what it is doing and since when.
//!
//! hyper 1.12 has one timer for an HTTP/1 connection, the header read
//! timeout, and it also runs while a keep-alive connection waits for its next
//! request, so it cannot give a short header limit and a longer idle limit at
//! once. The connection's own state does it instead:
//! - [`Watched`] (the socket) notes when bytes arrive while no request is in
//!   progress: a request head has started;
//! - [`Activity::request_started`] (the service) marks the head complete and a
//!   request in progress, [`InFlight`] (the response body) marks it finished;
//! - [`DeadlineBody`] ends a request body that takes longer than its limit;
//! - [`Activity::verdict`] (the connection's task) reads that state and says
//!   when to close: a head or body too slow, or no request for the idle time.
//!
//! Times are milliseconds since a process-wide start, in atomics: the socket,
//! the service and the watchdog run on different tasks.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::{Instant, Sleep};

use super::ServeLimits;

/// Milliseconds since the first call, on tokio's clock.
fn now_ms() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    // +1 so that 0 can mean "never".
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX) + 1
}

fn instant_at(ms: u64) -> Instant {
    let now = now_ms();
    let now_i = Instant::now();
    if ms >= now {
        now_i + Duration::from_millis(ms - now)
    } else {
        now_i
            .checked_sub(Duration::from_millis(now - ms))
            .unwrap_or(now_i)
    }
}

/// What one connection is doing.
#[derive(Debug)]
pub(crate) struct Activity {
    /// Requests whose response has not finished (HTTP/1: 0 or 1).
    busy: AtomicUsize,
    /// When the connection last had no request (opened, or a response ended).
    idle_since: AtomicU64,
    /// When bytes of the next request head first arrived (0: none yet).
    head_started: AtomicU64,
    /// Requests started on this connection.
    requests: AtomicUsize,
    /// A body was too slow: close now.
    doomed: AtomicBool,
    wake: Notify,
    limits: Limits,
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    header: u64,
    body: Duration,
    idle: u64,
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// What the connection's task should do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Nothing yet; look again at this time.
    WaitUntil(Instant),
    /// No request for the idle time: close (gracefully: nothing is in flight).
    Idle,
    /// A request head or body too slow: drop the connection.
    TooSlow,
}

impl Activity {
    pub(crate) fn new(limits: &ServeLimits) -> Arc<Self> {
        Arc::new(Self {
            busy: AtomicUsize::new(0),
            idle_since: AtomicU64::new(now_ms()),
            head_started: AtomicU64::new(0),
            requests: AtomicUsize::new(0),
            doomed: AtomicBool::new(false),
            wake: Notify::new(),
            limits: Limits {
                header: ms(limits.header_read_timeout_value()),
                body: limits.body_read_timeout_value(),
                idle: ms(limits.idle_timeout_value()),
            },
        })
    }

    /// Bytes arrived from the client.
    fn bytes_read(&self) {
        if self.busy.load(Ordering::Relaxed) == 0 && self.head_started.load(Ordering::Relaxed) == 0
        {
            self.head_started.store(now_ms(), Ordering::Relaxed);
        }
    }

    /// A request head is complete and the service was called.
    pub(crate) fn request_started(self: &Arc<Self>) -> InFlight {
        self.busy.fetch_add(1, Ordering::Relaxed);
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.head_started.store(0, Ordering::Relaxed);
        InFlight(self.clone())
    }

    /// Whether no request is in progress and none has started arriving.
    pub(crate) fn is_idle(&self) -> bool {
        self.busy.load(Ordering::Relaxed) == 0 && self.head_started.load(Ordering::Relaxed) == 0
    }

    /// Whether the connection served a request and now waits, idle, for the
    /// next one: the connections closed first when the cap is reached (a new
    /// connection that has sent nothing yet is the header timeout's).
    pub(crate) fn is_idle_keep_alive(&self) -> bool {
        self.requests.load(Ordering::Relaxed) > 0 && self.is_idle()
    }

    /// The request body took too long.
    fn doom(&self) {
        self.doomed.store(true, Ordering::Relaxed);
        self.wake.notify_one();
    }

    /// Completes when the state changed in a way that needs a new verdict.
    pub(crate) async fn changed(&self) {
        self.wake.notified().await;
    }

    /// The body deadline for a request whose head just completed.
    pub(crate) fn body_deadline(&self) -> Instant {
        Instant::now() + self.limits.body
    }

    pub(crate) fn verdict(&self) -> Verdict {
        if self.doomed.load(Ordering::Relaxed) {
            return Verdict::TooSlow;
        }
        let now = now_ms();
        if self.busy.load(Ordering::Relaxed) > 0 {
            // The body has its own deadline; a response may stream for long.
            return Verdict::WaitUntil(instant_at(now + self.limits.idle));
        }
        let head = self.head_started.load(Ordering::Relaxed);
        if head != 0 {
            let due = head.saturating_add(self.limits.header);
            return if now >= due {
                Verdict::TooSlow
            } else {
                Verdict::WaitUntil(instant_at(due))
            };
        }
        let due = self
            .idle_since
            .load(Ordering::Relaxed)
            .saturating_add(self.limits.idle);
        if now >= due {
            return Verdict::Idle;
        }
        // A head may start any moment: look again within the header limit.
        Verdict::WaitUntil(instant_at(due.min(now + self.limits.header)))
    }
}

/// A request in progress on its connection; dropped with the response body.
#[derive(Debug)]
pub(crate) struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.idle_since.store(now_ms(), Ordering::Relaxed);
        self.0.busy.fetch_sub(1, Ordering::Relaxed);
        self.0.wake.notify_one();
    }
}

/// The client socket, noting when a request head starts to arrive.
pub(crate) struct Watched<IO> {
    io: IO,
    activity: Arc<Activity>,
}

impl<IO> Watched<IO> {
    pub(crate) fn new(io: IO, activity: Arc<Activity>) -> Self {
        Self { io, activity }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Watched<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.bytes_read();
        }
        result
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Watched<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// A request body read longer than the body read timeout.
#[derive(Debug, thiserror::Error)]
#[error("the request body was not received within the body read timeout")]
pub struct BodyReadTimeout;

/// A request body that fails (and dooms its connection) past its deadline.
/// The timer is only created when the client makes the server wait.
pub(crate) struct DeadlineBody<B> {
    inner: B,
    deadline: Instant,
    sleep: Option<Pin<Box<Sleep>>>,
    activity: Arc<Activity>,
}

impl<B> DeadlineBody<B> {
    pub(crate) fn new(inner: B, activity: Arc<Activity>) -> Self {
        Self {
            inner,
            deadline: activity.body_deadline(),
            sleep: None,
            activity,
        }
    }
}

impl<B> Body for DeadlineBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => return Poll::Ready(frame.map(|f| f.map_err(Into::into))),
            Poll::Pending => {}
        }
        let deadline = this.deadline;
        let sleep = this
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        ready!(sleep.as_mut().poll(cx));
        this.activity.doom();
        Poll::Ready(Some(Err(Box::new(BodyReadTimeout))))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A response body that holds a guard (its request's [`InFlight`], a session
/// lease) until it ends.
pub(crate) struct TrackedBody<B, G> {
    inner: B,
    _guard: G,
}

impl<B, G> TrackedBody<B, G> {
    /// `guard` is dropped with the body: when the response has been sent, or
    /// the connection carrying it is gone.
    pub(crate) fn new(inner: B, guard: G) -> Self {
        Self {
            inner,
            _guard: guard,
        }
    }
}

impl<B, G> Body for TrackedBody<B, G>
where
    B: Body<Data = Bytes> + Unpin,
    G: Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request body whose client never sends anything.
    struct Silent;

    impl Body for Silent {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            Poll::Pending
        }
    }

    fn limits(header: u64, idle: u64) -> ServeLimits {
        ServeLimits::default()
            .header_read_timeout(Duration::from_millis(header))
            .idle_timeout(Duration::from_millis(idle))
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_connection_is_idle_after_the_idle_time() {
        let a = Activity::new(&limits(1_000, 5_000));
        assert!(matches!(a.verdict(), Verdict::WaitUntil(_)));
        tokio::time::advance(Duration::from_millis(5_100)).await;
        assert_eq!(a.verdict(), Verdict::Idle);
    }

    #[tokio::test(start_paused = true)]
    async fn a_started_head_must_finish_within_the_header_time() {
        let a = Activity::new(&limits(1_000, 60_000));
        a.bytes_read();
        tokio::time::advance(Duration::from_millis(900)).await;
        assert!(matches!(a.verdict(), Verdict::WaitUntil(_)));
        a.bytes_read(); // a byte every so often does not reset it
        tokio::time::advance(Duration::from_millis(200)).await;
        assert_eq!(a.verdict(), Verdict::TooSlow);
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_in_progress_is_never_idle_and_its_end_restarts_the_clock() {
        let a = Activity::new(&limits(1_000, 2_000));
        a.bytes_read();
        let call = a.request_started();
        tokio::time::advance(Duration::from_millis(10_000)).await;
        assert!(matches!(a.verdict(), Verdict::WaitUntil(_)));
        assert!(!a.is_idle());
        assert!(!a.is_idle_keep_alive());
        drop(call);
        assert!(a.is_idle());
        assert!(a.is_idle_keep_alive());
        tokio::time::advance(Duration::from_millis(1_500)).await;
        assert!(matches!(a.verdict(), Verdict::WaitUntil(_)));
        tokio::time::advance(Duration::from_millis(600)).await;
        assert_eq!(a.verdict(), Verdict::Idle);
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_body_dooms_the_connection() {
        let a = Activity::new(&limits(1_000, 2_000).body_read_timeout(Duration::from_secs(3)));
        let _call = a.request_started();
        let mut body = DeadlineBody::new(Silent, a.clone());
        let frame = http_body_util::BodyExt::frame(&mut body).await;
        assert!(matches!(frame, Some(Err(e)) if e.is::<BodyReadTimeout>()));
        assert_eq!(a.verdict(), Verdict::TooSlow);
    }
}
