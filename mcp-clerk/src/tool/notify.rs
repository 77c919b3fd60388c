//! Talking to the client from inside a tool: [`Progress`]
//! (`notifications/progress`, tied to the call's progress token) and
//! [`ClientLog`] (`notifications/message`, filtered by the level the client
//! set with `logging/setLevel`). Both are injected arguments.
//!
//! Cancellation ([`CancellationToken`](crate::tool::inject::CancellationToken)),
//! sampling and elicitation go through [`Peer<RoleServer>`](rmcp::Peer),
//! also injectable.

#![allow(deprecated)] // rmcp marks MCP logging deprecated (SEP-2577); clients still use it

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use rmcp::model::{
    LoggingLevel, LoggingMessageNotificationParam, ProgressNotificationParam, ProgressToken,
};
use rmcp::{ErrorData, Peer, RoleServer};

use super::ToolCall;
use super::inject::FromToolCall;

/// Reports progress of the current call to the client, when the client asked
/// for it (sent a `progressToken`); otherwise reporting does nothing.
///
/// ```
/// use mcp_clerk::prelude::*;
/// use mcp_clerk::tool::notify::Progress;
///
/// /// Counts to `n`, reporting each step.
/// #[tool]
/// async fn count(progress: Progress, n: u32) -> String {
///     for i in 1..=n {
///         progress.report(f64::from(i), Some(f64::from(n)), Some(&format!("step {i}"))).await;
///     }
///     format!("counted to {n}")
/// }
/// # let _ = tools![count];
/// ```
#[derive(Clone)]
pub struct Progress {
    peer: Peer<RoleServer>,
    token: Option<ProgressToken>,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("requested", &self.token.is_some())
            .finish()
    }
}

impl Progress {
    /// Whether the client asked for progress on this call.
    pub fn is_requested(&self) -> bool {
        self.token.is_some()
    }

    /// Sends `notifications/progress` (`progress` should grow with each
    /// report; `total` when known). Returns whether it was sent: not when the
    /// client asked for no progress or is gone (a tool goes on either way).
    pub async fn report(&self, progress: f64, total: Option<f64>, message: Option<&str>) -> bool {
        let Some(token) = &self.token else {
            return false;
        };
        let mut param = ProgressNotificationParam::new(token.clone(), progress);
        param.total = total;
        param.message = message.map(str::to_owned);
        self.peer.notify_progress(param).await.is_ok()
    }
}

impl FromToolCall for Progress {
    fn from_tool_call(call: &mut ToolCall) -> Result<Self, ErrorData> {
        Ok(Progress {
            peer: call.context().peer.clone(),
            token: call.context().meta.get_progress_token(),
        })
    }
}

/// The severity of a [`ClientLog`] message (MCP's syslog levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum LogLevel {
    /// `debug`
    Debug,
    /// `info`
    Info,
    /// `notice`
    Notice,
    /// `warning`
    Warning,
    /// `error`
    Error,
    /// `critical`
    Critical,
    /// `alert`
    Alert,
    /// `emergency`
    Emergency,
}

impl LogLevel {
    const ALL: [LogLevel; 8] = [
        LogLevel::Debug,
        LogLevel::Info,
        LogLevel::Notice,
        LogLevel::Warning,
        LogLevel::Error,
        LogLevel::Critical,
        LogLevel::Alert,
        LogLevel::Emergency,
    ];

    fn rmcp(self) -> LoggingLevel {
        match self {
            LogLevel::Debug => LoggingLevel::Debug,
            LogLevel::Info => LoggingLevel::Info,
            LogLevel::Notice => LoggingLevel::Notice,
            LogLevel::Warning => LoggingLevel::Warning,
            LogLevel::Error => LoggingLevel::Error,
            LogLevel::Critical => LoggingLevel::Critical,
            LogLevel::Alert => LoggingLevel::Alert,
            LogLevel::Emergency => LoggingLevel::Emergency,
        }
    }

    pub(crate) fn from_rmcp(level: LoggingLevel) -> Self {
        LogLevel::ALL
            .into_iter()
            .find(|l| l.rmcp() == level)
            .unwrap_or(LogLevel::Info)
    }
}

/// The least severe level a client is sent, per connection (session): set
/// by `logging/setLevel`, [`LogLevel::Info`] until then.
#[derive(Debug, Clone)]
pub(crate) struct LogThreshold(Arc<AtomicU8>);

impl Default for LogThreshold {
    fn default() -> Self {
        Self(Arc::new(AtomicU8::new(LogLevel::Info as u8)))
    }
}

impl LogThreshold {
    pub(crate) fn set(&self, level: LogLevel) {
        self.0.store(level as u8, Ordering::Relaxed);
    }

    fn admits(&self, level: LogLevel) -> bool {
        level as u8 >= self.0.load(Ordering::Relaxed)
    }
}

/// Sends log messages to the client (`notifications/message`), at or above
/// the level it set with `logging/setLevel` (`info` until it sets one).
///
/// ```
/// use mcp_clerk::prelude::*;
/// use mcp_clerk::tool::notify::ClientLog;
///
/// /// Imports a file, telling the client how it went.
/// #[tool]
/// async fn import(log: ClientLog, name: String) -> String {
///     log.info(format!("importing {name}")).await;
///     log.debug("parsed the header").await; // sent only after `logging/setLevel` debug
///     "imported".to_owned()
/// }
/// # let _ = tools![import];
/// ```
#[derive(Clone)]
pub struct ClientLog {
    peer: Peer<RoleServer>,
    threshold: LogThreshold,
    logger: Option<String>,
}

impl std::fmt::Debug for ClientLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientLog")
            .field("logger", &self.logger)
            .finish_non_exhaustive()
    }
}

impl ClientLog {
    /// The same log under a logger name (the message's `logger` field).
    pub fn named(mut self, logger: impl Into<String>) -> Self {
        self.logger = Some(logger.into());
        self
    }

    /// Sends `data` (any JSON: a string, an object) at `level`, if the client
    /// wants that level. Returns whether it was sent.
    pub async fn log(&self, level: LogLevel, data: impl Into<serde_json::Value>) -> bool {
        if !self.threshold.admits(level) {
            return false;
        }
        let mut param = LoggingMessageNotificationParam::new(level.rmcp(), data.into());
        param.logger = self.logger.clone();
        self.peer.notify_logging_message(param).await.is_ok()
    }

    /// [`log`](Self::log) at `debug`.
    pub async fn debug(&self, data: impl Into<serde_json::Value>) -> bool {
        self.log(LogLevel::Debug, data).await
    }

    /// [`log`](Self::log) at `info`.
    pub async fn info(&self, data: impl Into<serde_json::Value>) -> bool {
        self.log(LogLevel::Info, data).await
    }

    /// [`log`](Self::log) at `warning`.
    pub async fn warning(&self, data: impl Into<serde_json::Value>) -> bool {
        self.log(LogLevel::Warning, data).await
    }

    /// [`log`](Self::log) at `error`.
    pub async fn error(&self, data: impl Into<serde_json::Value>) -> bool {
        self.log(LogLevel::Error, data).await
    }
}

impl FromToolCall for ClientLog {
    fn from_tool_call(call: &mut ToolCall) -> Result<Self, ErrorData> {
        Ok(ClientLog {
            peer: call.context().peer.clone(),
            threshold: call.log_threshold.clone(),
            logger: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_map_both_ways_and_the_threshold_filters() {
        for level in LogLevel::ALL {
            assert_eq!(LogLevel::from_rmcp(level.rmcp()), level);
        }
        let t = LogThreshold::default();
        assert!(!t.admits(LogLevel::Debug));
        assert!(t.admits(LogLevel::Info) && t.admits(LogLevel::Emergency));
        t.set(LogLevel::Error);
        assert!(!t.admits(LogLevel::Warning) && t.admits(LogLevel::Error));
        t.set(LogLevel::Debug);
        assert!(t.admits(LogLevel::Debug));
    }
}
