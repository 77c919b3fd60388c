//! [`ConfigError`]: a bad or missing setting, naming the variable and the fix.

/// A bad or missing setting in [`ClerkConfig`](crate::ClerkConfig).
///
/// Each error names the environment variable it concerns (the builder method
/// that sets the same value is named in the help text) and says how to fix it.
/// Secret values are never included.
///
/// ```
/// use mcp_clerk::{ClerkConfig, ConfigError};
///
/// let env = |name: &str| match name {
///     "CLERK_FRONTEND_API_URL" => Some("https://your-app.clerk.accounts.dev".to_owned()),
///     "MCP_CLERK_RESOURCE_URL" => Some("mcp.example.com/mcp".to_owned()), // no scheme
///     _ => None,
/// };
/// match ClerkConfig::from_env_with(env) {
///     Err(ConfigError::Invalid { var, problem, help }) => {
///         assert_eq!(var, "MCP_CLERK_RESOURCE_URL");
///         eprintln!("{var}: {problem}. {help}");
///     }
///     other => panic!("expected Invalid, got {other:?}"),
/// }
///
/// // Nothing set: the error names the variable to set first.
/// let err = ClerkConfig::from_env_with(|_| None).unwrap_err();
/// assert!(matches!(err, ConfigError::Missing { var: "CLERK_FRONTEND_API_URL", .. }));
/// assert_eq!(err.variable(), Some("CLERK_FRONTEND_API_URL"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required setting is absent.
    #[error("{var} is not set: {help}")]
    Missing {
        /// The environment variable.
        var: &'static str,
        /// How to fix it.
        help: &'static str,
    },
    /// A setting has a value that cannot be used.
    #[error("{var} is invalid: {problem}. {help}")]
    Invalid {
        /// The environment variable.
        var: &'static str,
        /// What is wrong (never contains a secret value).
        problem: String,
        /// How to fix it.
        help: &'static str,
    },
    /// The HTTP client used to fetch the JWKS could not be built.
    #[error("cannot build the HTTP client for the JWKS: {0}")]
    HttpClient(String),
}

impl ConfigError {
    /// The environment variable the error concerns, if any.
    pub fn variable(&self) -> Option<&'static str> {
        match self {
            ConfigError::Missing { var, .. } | ConfigError::Invalid { var, .. } => Some(var),
            ConfigError::HttpClient(_) => None,
        }
    }

    pub(crate) fn invalid(
        var: &'static str,
        problem: impl Into<String>,
        help: &'static str,
    ) -> Self {
        ConfigError::Invalid {
            var,
            problem: problem.into(),
            help,
        }
    }
}
