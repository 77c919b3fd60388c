//! [`SessionLimits`]: how many stateful sessions a server holds, and for how long.

use std::time::Duration;

use crate::config::{ConfigError, parse};

/// How many stateful sessions ([`SessionMode::Stateful`](crate::SessionMode))
/// the server keeps, per caller and in all, and how long an unused one lives.
///
/// A session costs ≈50 KB (rmcp's worker, channels and the handler), and any
/// client may open one with a single `initialize`. The limits keep that
/// bounded whatever clients do:
///
/// - **Per principal** (issuer, user, OAuth client): a principal's new session
///   evicts its own least recently used idle session when it is at the cap.
///   Clients that abandon sessions (most do) therefore never lock themselves
///   out.
/// - **Anonymous** callers (a server with public tools) share one lower cap,
///   with the same eviction, so a flood of anonymous `initialize`s only
///   recycles anonymous sessions. On a server without a Clerk config every
///   caller is anonymous, and the shared cap is the global cap.
/// - **Globally**: at the cap, a new session evicts the least recently used
///   idle anonymous session; when there is none, it is refused with
///   `503 Service Unavailable`, a `Retry-After` header (the time until the
///   next session expires) and a JSON-RPC error whose `data.reason` is
///   `too_many_sessions`. A principal whose sessions are all busy
///   (a request in flight on each) at its own cap gets `429` the same way.
/// - **Idle timeout**: a session with no request for this long is closed
///   (a session with a request in flight, such as an open SSE stream or a
///   long tool call, is never idle). Its id then gets 404, which tells the
///   client to initialize again.
///
/// ```
/// use std::time::Duration;
/// use mcp_clerk::SessionLimits;
///
/// let limits = SessionLimits::default()
///     .per_principal(4)
///     .idle_timeout(Duration::from_secs(60));
/// assert_eq!(limits.per_principal_value(), 4);
/// assert_eq!(SessionLimits::default().max_sessions_value(), 4096);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionLimits {
    max: usize,
    per_principal: usize,
    anonymous: usize,
    idle: Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            max: 4096,
            per_principal: 16,
            anonymous: 256,
            idle: Duration::from_secs(300),
        }
    }
}

impl SessionLimits {
    /// Limits from `MCP_CLERK_MAX_SESSIONS`, `MCP_CLERK_SESSIONS_PER_USER`,
    /// `MCP_CLERK_ANONYMOUS_SESSIONS` (counts) and
    /// `MCP_CLERK_SESSION_IDLE_TIMEOUT` (a duration such as `5m`); unset
    /// variables keep the defaults.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_with(|var| std::env::var(var).ok())
    }

    /// [`from_env`](Self::from_env) with your own variable lookup.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_clerk::SessionLimits;
    ///
    /// let limits = SessionLimits::from_env_with(|var| match var {
    ///     "MCP_CLERK_SESSIONS_PER_USER" => Some("8".to_owned()),
    ///     "MCP_CLERK_SESSION_IDLE_TIMEOUT" => Some("2m".to_owned()),
    ///     _ => None,
    /// })?;
    /// assert_eq!(limits.per_principal_value(), 8);
    /// assert_eq!(limits.idle_timeout_value(), Duration::from_secs(120));
    /// # Ok::<(), mcp_clerk::ConfigError>(())
    /// ```
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut limits = Self::default();
        if let Some(v) = lookup("MCP_CLERK_MAX_SESSIONS") {
            limits.max = parse::positive_count(
                "MCP_CLERK_MAX_SESSIONS",
                &v,
                "give the most stateful sessions to keep in all, e.g. 4096",
            )?;
        }
        if let Some(v) = lookup("MCP_CLERK_SESSIONS_PER_USER") {
            limits.per_principal = parse::positive_count(
                "MCP_CLERK_SESSIONS_PER_USER",
                &v,
                "give the most sessions one signed-in principal may keep, e.g. 16",
            )?;
        }
        if let Some(v) = lookup("MCP_CLERK_ANONYMOUS_SESSIONS") {
            limits.anonymous = parse::positive_count(
                "MCP_CLERK_ANONYMOUS_SESSIONS",
                &v,
                "give the most sessions anonymous callers may keep together, e.g. 256",
            )?;
        }
        if let Some(v) = lookup("MCP_CLERK_SESSION_IDLE_TIMEOUT") {
            limits.idle = parse::positive_duration("MCP_CLERK_SESSION_IDLE_TIMEOUT", &v)?;
        }
        Ok(limits)
    }

    /// The most sessions kept in all (default 4,096: ≈200 MB at ≈50 KB each).
    pub fn max_sessions(mut self, max: usize) -> Self {
        self.max = max.max(1);
        self
    }

    /// The most sessions one signed-in principal keeps (default 16).
    pub fn per_principal(mut self, max: usize) -> Self {
        self.per_principal = max.max(1);
        self
    }

    /// The most sessions anonymous callers keep together (default 256).
    pub fn anonymous(mut self, max: usize) -> Self {
        self.anonymous = max.max(1);
        self
    }

    /// How long a session lives without a request (default 5 min).
    pub fn idle_timeout(mut self, idle: Duration) -> Self {
        self.idle = idle.max(Duration::from_millis(1));
        self
    }

    /// The global cap.
    pub fn max_sessions_value(&self) -> usize {
        self.max
    }

    /// The per-principal cap.
    pub fn per_principal_value(&self) -> usize {
        self.per_principal
    }

    /// The shared anonymous cap.
    pub fn anonymous_value(&self) -> usize {
        self.anonymous
    }

    /// The idle timeout.
    pub fn idle_timeout_value(&self) -> Duration {
        self.idle
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_values_are_checked() {
        let bad = |var: &'static str, value: &'static str| {
            SessionLimits::from_env_with(|v| (v == var).then(|| value.to_owned())).unwrap_err()
        };
        for var in [
            "MCP_CLERK_MAX_SESSIONS",
            "MCP_CLERK_SESSIONS_PER_USER",
            "MCP_CLERK_ANONYMOUS_SESSIONS",
        ] {
            assert_eq!(bad(var, "0").variable(), Some(var));
            assert_eq!(bad(var, "many").variable(), Some(var));
        }
        assert_eq!(
            bad("MCP_CLERK_SESSION_IDLE_TIMEOUT", "0s").variable(),
            Some("MCP_CLERK_SESSION_IDLE_TIMEOUT")
        );
        let all = SessionLimits::from_env_with(|v| {
            Some(
                match v {
                    "MCP_CLERK_MAX_SESSIONS" => "100",
                    "MCP_CLERK_SESSIONS_PER_USER" => "3",
                    "MCP_CLERK_ANONYMOUS_SESSIONS" => "7",
                    _ => "9s",
                }
                .to_owned(),
            )
        })
        .unwrap();
        assert_eq!(
            all,
            SessionLimits::default()
                .max_sessions(100)
                .per_principal(3)
                .anonymous(7)
                .idle_timeout(Duration::from_secs(9))
        );
    }
}
