//! [`ServeLimits`] and [`Drain`]: what [`McpServer::serve`](crate::McpServer::serve)
//! and [`BoundServer`](crate::BoundServer) hold a client to, and how they stop.

use std::time::Duration;

use crate::config::ConfigError;
use crate::config::parse;

/// How long a client may take, and how many connections it may hold.
///
/// Every limit exists because a client that ignores it can hold a socket
/// (≈30 KB and one file descriptor) for as long as it likes: a request head
/// sent one byte every 2 s, a body one byte every 5 s, an idle keep-alive
/// connection. With the common 1,024 file limit, about a thousand of them shut
/// every other client out.
///
/// ```
/// use std::time::Duration;
/// use mcp_clerk::ServeLimits;
///
/// let limits = ServeLimits::default()
///     .header_read_timeout(Duration::from_secs(5))
///     .max_connections(2_000);
/// assert_eq!(limits.header_read_timeout_value(), Duration::from_secs(5));
/// assert_eq!(ServeLimits::default().idle_timeout_value(), Duration::from_secs(75));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeLimits {
    header_read: Duration,
    body_read: Duration,
    idle: Duration,
    max_connections: Option<usize>,
    raise_file_limit: bool,
}

impl Default for ServeLimits {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(30),
            idle: Duration::from_secs(75),
            max_connections: None,
            raise_file_limit: true,
        }
    }
}

/// Connections allowed when [`ServeLimits::max_connections`] is not set, at most.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;

/// File descriptors kept free of client connections when the cap is derived
/// from the file limit (the listener, outbound calls to Clerk, logs, files).
pub const RESERVED_FILE_DESCRIPTORS: u64 = 128;

impl ServeLimits {
    /// Limits from `MCP_CLERK_HEADER_TIMEOUT`, `MCP_CLERK_BODY_TIMEOUT`,
    /// `MCP_CLERK_IDLE_TIMEOUT` (durations such as `10s`, `2m`) and
    /// `MCP_CLERK_MAX_CONNECTIONS`; unset variables keep the defaults.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_clerk::ServeLimits;
    ///
    /// let limits = ServeLimits::from_env_with(|var| match var {
    ///     "MCP_CLERK_IDLE_TIMEOUT" => Some("20s".to_owned()),
    ///     _ => None,
    /// })?;
    /// assert_eq!(limits.idle_timeout_value(), Duration::from_secs(20));
    /// # Ok::<(), mcp_clerk::ConfigError>(())
    /// ```
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_with(|var| std::env::var(var).ok())
    }

    /// [`from_env`](Self::from_env) with your own variable lookup.
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut limits = Self::default();
        if let Some(v) = lookup("MCP_CLERK_HEADER_TIMEOUT") {
            limits.header_read = parse::positive_duration("MCP_CLERK_HEADER_TIMEOUT", &v)?;
        }
        if let Some(v) = lookup("MCP_CLERK_BODY_TIMEOUT") {
            limits.body_read = parse::positive_duration("MCP_CLERK_BODY_TIMEOUT", &v)?;
        }
        if let Some(v) = lookup("MCP_CLERK_IDLE_TIMEOUT") {
            limits.idle = parse::positive_duration("MCP_CLERK_IDLE_TIMEOUT", &v)?;
        }
        if let Some(v) = lookup("MCP_CLERK_MAX_CONNECTIONS") {
            limits.max_connections = Some(parse::positive_count(
                "MCP_CLERK_MAX_CONNECTIONS",
                &v,
                "give the most client connections to hold open at once, e.g. 2000",
            )?);
        }
        Ok(limits)
    }

    /// How long a client may take to send a complete request head, from the
    /// moment the connection starts waiting for it (default 10 s). Then the
    /// connection is closed.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read = timeout;
        self
    }

    /// How long a client may take to send a whole request body, from the end
    /// of its head (default 30 s). Then the connection is closed.
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read = timeout;
        self
    }

    /// How long a keep-alive connection may stay open with no request in
    /// progress (default 75 s: longer than the 60 s idle timeout of nginx's
    /// upstream keep-alive and of common cloud load balancers, so the balancer
    /// always closes first and never reuses a connection the server is
    /// closing). Idle connections are also closed early when the connection
    /// cap is reached.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle = timeout;
        self
    }

    /// The most client connections held open at once (default: the file
    /// limit less [`RESERVED_FILE_DESCRIPTORS`], at most
    /// [`DEFAULT_MAX_CONNECTIONS`]). At the cap, idle keep-alive connections
    /// are closed to make room and new connections wait in the listen backlog.
    /// A value above the file limit is lowered to fit under it.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = Some(max.max(1));
        self
    }

    /// Whether to raise the file-descriptor soft limit to the hard limit when
    /// the server starts (default `true`).
    pub fn raise_file_limit(mut self, raise: bool) -> Self {
        self.raise_file_limit = raise;
        self
    }

    /// The header read timeout.
    pub fn header_read_timeout_value(&self) -> Duration {
        self.header_read
    }

    /// The body read timeout.
    pub fn body_read_timeout_value(&self) -> Duration {
        self.body_read
    }

    /// The idle keep-alive timeout.
    pub fn idle_timeout_value(&self) -> Duration {
        self.idle
    }

    pub(crate) fn raises_file_limit(&self) -> bool {
        self.raise_file_limit
    }

    /// The connection cap for a process whose file limit is `file_limit`.
    pub(crate) fn connection_cap(&self, file_limit: Option<u64>) -> usize {
        let room = file_limit.map(|l| {
            usize::try_from(l.saturating_sub(RESERVED_FILE_DESCRIPTORS).max(1))
                .unwrap_or(usize::MAX)
        });
        match (self.max_connections, room) {
            (Some(max), Some(room)) => max.min(room),
            (Some(max), None) => max,
            (None, Some(room)) => DEFAULT_MAX_CONNECTIONS.min(room),
            (None, None) => DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// How a server stops on SIGTERM or Ctrl-C.
///
/// 1. The readiness route (`/readyz`) answers 503 at once, so a load balancer
///    or Kubernetes takes the replica out of rotation.
/// 2. For [`delay`](Self::delay) the server keeps serving as before (new
///    connections included), while the balancer notices.
/// 3. The listener closes (new connections are refused); idle connections
///    close; calls in flight run to completion, for at most
///    [`deadline`](Self::deadline).
/// 4. rmcp is cancelled (ending standalone SSE streams and sessions) and the
///    remaining connections are closed. `serve` returns `Ok(())`.
///
/// A second signal skips what is left of the delay and the deadline.
///
/// ```
/// use std::time::Duration;
/// use mcp_clerk::Drain;
///
/// let drain = Drain::default().delay(Duration::from_secs(10)).deadline(Duration::from_secs(60));
/// assert_eq!(drain.delay_value(), Duration::from_secs(10));
/// assert_eq!(Drain::default().deadline_value(), Duration::from_secs(30));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drain {
    delay: Option<Duration>,
    deadline: Duration,
}

impl Default for Drain {
    fn default() -> Self {
        Self {
            delay: None,
            deadline: Duration::from_secs(30),
        }
    }
}

/// The readiness delay after SIGTERM when [`Drain::delay`] is not set.
pub const DEFAULT_SIGTERM_DELAY: Duration = Duration::from_secs(5);

impl Drain {
    /// Settings from `MCP_CLERK_DRAIN_DELAY` and `MCP_CLERK_DRAIN_DEADLINE`
    /// (durations such as `5s`, `0s`); unset variables keep the defaults.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_with(|var| std::env::var(var).ok())
    }

    /// [`from_env`](Self::from_env) with your own variable lookup.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_clerk::Drain;
    ///
    /// let drain = Drain::from_env_with(|var| (var == "MCP_CLERK_DRAIN_DELAY").then(|| "0s".to_owned()))?;
    /// assert_eq!(drain.delay_value(), Duration::ZERO);
    /// # Ok::<(), mcp_clerk::ConfigError>(())
    /// ```
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut drain = Self::default();
        if let Some(v) = lookup("MCP_CLERK_DRAIN_DELAY") {
            drain.delay = Some(parse::duration("MCP_CLERK_DRAIN_DELAY", &v)?);
        }
        if let Some(v) = lookup("MCP_CLERK_DRAIN_DEADLINE") {
            drain.deadline = parse::duration("MCP_CLERK_DRAIN_DEADLINE", &v)?;
        }
        Ok(drain)
    }

    /// How long the readiness route reports 503 before the listener closes.
    /// Default: 5 s after SIGTERM (what an orchestrator sends; it needs the
    /// time to stop routing to this replica), none after Ctrl-C (a person at
    /// a terminal). Setting it applies to both.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// How long calls in flight may take to finish once the listener is
    /// closed (default 30 s, Kubernetes' default grace period; set the
    /// pod's `terminationGracePeriodSeconds` above delay + deadline).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The configured delay (the SIGTERM default when unset).
    pub fn delay_value(&self) -> Duration {
        self.delay.unwrap_or(DEFAULT_SIGTERM_DELAY)
    }

    /// The delay after a signal of this kind.
    pub(crate) fn delay_for(&self, signal: crate::serve::Signal) -> Duration {
        match (self.delay, signal) {
            (Some(d), _) => d,
            (None, crate::serve::Signal::Terminate) => DEFAULT_SIGTERM_DELAY,
            (None, crate::serve::Signal::Interrupt | crate::serve::Signal::Other) => Duration::ZERO,
        }
    }

    /// The deadline for calls in flight.
    pub fn deadline_value(&self) -> Duration {
        self.deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_under_the_file_limit() {
        let d = ServeLimits::default();
        assert_eq!(d.connection_cap(Some(1024)), 896);
        assert_eq!(d.connection_cap(Some(1 << 20)), DEFAULT_MAX_CONNECTIONS);
        assert_eq!(d.connection_cap(Some(10)), 1);
        assert_eq!(
            d.clone().max_connections(5_000).connection_cap(Some(1024)),
            896
        );
        assert_eq!(
            d.clone().max_connections(100).connection_cap(Some(1024)),
            100
        );
        assert_eq!(d.max_connections(7).connection_cap(None), 7);
    }

    #[test]
    fn env_values_are_checked() {
        let bad = |var: &'static str, value: &'static str| {
            ServeLimits::from_env_with(|v| (v == var).then(|| value.to_owned())).unwrap_err()
        };
        assert_eq!(
            bad("MCP_CLERK_IDLE_TIMEOUT", "0s").variable(),
            Some("MCP_CLERK_IDLE_TIMEOUT")
        );
        assert_eq!(
            bad("MCP_CLERK_MAX_CONNECTIONS", "lots").variable(),
            Some("MCP_CLERK_MAX_CONNECTIONS")
        );
        assert_eq!(
            bad("MCP_CLERK_MAX_CONNECTIONS", "0").variable(),
            Some("MCP_CLERK_MAX_CONNECTIONS")
        );
        assert_eq!(
            bad("MCP_CLERK_HEADER_TIMEOUT", "soon").variable(),
            Some("MCP_CLERK_HEADER_TIMEOUT")
        );
    }

    #[test]
    fn ctrl_c_skips_the_default_delay_but_not_a_configured_one() {
        use crate::serve::Signal;
        let d = Drain::default();
        assert_eq!(d.delay_for(Signal::Terminate), DEFAULT_SIGTERM_DELAY);
        assert_eq!(d.delay_for(Signal::Interrupt), Duration::ZERO);
        let d = d.delay(Duration::from_secs(2));
        assert_eq!(d.delay_for(Signal::Interrupt), Duration::from_secs(2));
    }
}
