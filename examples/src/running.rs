//! A server started by an example: where it listens and how to stop it.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::net::SocketAddr;

use mcp_clerk::dev::{DevClerk, DevClerkServer, RequestLog};
use mcp_clerk::{ClerkConfig, McpServer};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The variables whose presence means "use real Clerk" (any one, non-empty).
pub const REAL_CLERK_VARIABLES: &[&str] = &[
    "CLERK_FRONTEND_API_URL",
    "MCP_CLERK_FRONTEND_API_URL",
    "CLERK_PUBLISHABLE_KEY",
];

/// Which Clerk instance an example trusts.
#[derive(Debug)]
pub enum Clerk {
    /// Real Clerk, configured from the environment (`ClerkConfig::from_env`).
    Real(Box<RealClerk>),
    /// The local emulator (`mcp_clerk::dev`), started by the example.
    Dev(DevClerkServer),
}

impl Clerk {
    /// Real Clerk when one of [`REAL_CLERK_VARIABLES`] is set; otherwise
    /// starts the emulator (configured by `MCP_CLERK_DEV_*` variables, see
    /// `DevClerk::from_env`).
    pub async fn from_env() -> anyhow::Result<Self> {
        Self::from_env_with(|name| std::env::var(name).ok(), None).await
    }

    /// Like [`from_env`](Self::from_env); the emulator listens on
    /// `dev_addr` unless `MCP_CLERK_DEV_ADDR` says otherwise.
    pub async fn from_env_with_dev_addr(dev_addr: Option<SocketAddr>) -> anyhow::Result<Self> {
        Self::from_env_with(|name| std::env::var(name).ok(), dev_addr).await
    }

    /// Like [`from_env_with_dev_addr`](Self::from_env_with_dev_addr), reading
    /// variables through `lookup` (empty values count as unset).
    pub async fn from_env_with(
        lookup: impl Fn(&str) -> Option<String>,
        dev_addr: Option<SocketAddr>,
    ) -> anyhow::Result<Self> {
        let set = |v: &str| lookup(v).is_some_and(|v| !v.trim().is_empty());
        if REAL_CLERK_VARIABLES.iter().any(|v| set(v)) {
            return Ok(Clerk::Real(Box::new(RealClerk::from_env_with(&lookup)?)));
        }
        let mut dev = DevClerk::from_env_with(&lookup)?;
        if let Some(addr) = dev_addr.filter(|_| !set("MCP_CLERK_DEV_ADDR")) {
            dev = dev.bind(addr);
        }
        Ok(Clerk::Dev(dev.start().await?))
    }

    /// Real Clerk with a config built by the caller, used as it is.
    pub fn real(config: ClerkConfig) -> Self {
        Clerk::Real(Box::new(RealClerk { config, vars: None }))
    }

    /// The local emulator with default settings (ephemeral port, consent page).
    pub async fn dev() -> anyhow::Result<Self> {
        Ok(Clerk::Dev(DevClerk::new().start().await?))
    }

    /// The emulator, if this is one.
    pub fn dev_server(&self) -> Option<&DevClerkServer> {
        match self {
            Clerk::Dev(d) => Some(d),
            Clerk::Real(_) => None,
        }
    }

    /// The issuer the server trusts.
    pub fn issuer(&self) -> &str {
        match self {
            Clerk::Dev(d) => d.issuer(),
            Clerk::Real(r) => r.issuer(),
        }
    }

    /// The config the server uses, advertising `scopes`: the emulator's, or
    /// the real one (where `MCP_CLERK_SCOPES`, when set, wins).
    pub fn config(&self, scopes: &[&str]) -> anyhow::Result<ClerkConfig> {
        Ok(match self {
            Clerk::Real(real) => real.config(scopes)?,
            Clerk::Dev(dev) => dev
                .config_builder()
                .scopes(scopes.iter().copied())
                .build()?,
        })
    }
}

/// Real Clerk settings, read from the environment.
///
/// Keeps the variables `ClerkConfig` read, so [`config`](Self::config) can
/// rebuild it with the example's scopes when `MCP_CLERK_SCOPES` is unset
/// (otherwise the server would advertise none and clients would register
/// with Clerk's defaults only).
#[derive(Clone)]
pub struct RealClerk {
    config: ClerkConfig,
    /// Every variable read and its value; `None` for a caller-built config.
    vars: Option<BTreeMap<String, Option<String>>>,
}

impl std::fmt::Debug for RealClerk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // values may hold the secret key: names only
        let set: Option<Vec<&str>> = self.vars.as_ref().map(|vars| {
            vars.iter()
                .filter(|(_, v)| v.is_some())
                .map(|(k, _)| k.as_str())
                .collect()
        });
        f.debug_struct("RealClerk")
            .field("config", &self.config)
            .field("variables_set", &set)
            .finish()
    }
}

impl RealClerk {
    /// Reads the config through `lookup` (see `ClerkConfig::from_env_with`).
    pub fn from_env_with(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, mcp_clerk::ConfigError> {
        let seen = RefCell::new(BTreeMap::new());
        let config = ClerkConfig::from_env_with(|name| {
            let value = lookup(name).filter(|v| !v.trim().is_empty());
            seen.borrow_mut().insert(name.to_owned(), value.clone());
            value
        })?;
        Ok(Self {
            config,
            vars: Some(seen.into_inner()),
        })
    }

    /// The issuer (Frontend API URL).
    pub fn issuer(&self) -> &str {
        self.config.issuer()
    }

    /// The config, advertising `scopes` unless the environment named scopes
    /// (`MCP_CLERK_SCOPES`) or the config was built by the caller.
    pub fn config(&self, scopes: &[&str]) -> Result<ClerkConfig, mcp_clerk::ConfigError> {
        match &self.vars {
            Some(vars) if self.config.scopes_supported().is_empty() && !scopes.is_empty() => {
                let scopes = scopes.join(" ");
                ClerkConfig::from_env_with(|name| {
                    if name == "MCP_CLERK_SCOPES" {
                        Some(scopes.clone())
                    } else {
                        vars.get(name).cloned().flatten()
                    }
                })
            }
            _ => Ok(self.config.clone()),
        }
    }
}

/// A running example server.
#[derive(Debug)]
pub struct Running {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// The MCP endpoint, `<base_url>/mcp`.
    pub mcp_url: String,
    /// The Clerk instance the server trusts.
    pub clerk: Clerk,
    /// The requests the server answered (recorded by
    /// [`serve_router`](Self::serve_router) and
    /// [`serve_recorded`](Self::serve_recorded); empty after [`serve`](Self::serve)).
    pub requests: RequestLog,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl Running {
    /// Binds `server` on `addr` and serves it in the background.
    pub async fn serve(server: McpServer, addr: &str, clerk: Clerk) -> anyhow::Result<Self> {
        let bound = server.bind(addr).await?;
        Ok(Self::spawn(
            bound.local_addr(),
            clerk,
            RequestLog::default(),
            move |signal| async move {
                bound.run_until(signal).await?;
                Ok(())
            },
        ))
    }

    /// Like [`serve`](Self::serve), through `McpServer::into_router`, recording
    /// every request in [`requests`](Self::requests).
    pub async fn serve_recorded(
        server: McpServer,
        addr: &str,
        clerk: Clerk,
    ) -> anyhow::Result<Self> {
        Self::serve_router(server.into_router()?, addr, clerk).await
    }

    /// Serves an axum router (an app that merged MCP into its own routes).
    pub async fn serve_router(
        router: axum::Router,
        addr: &str,
        clerk: Clerk,
    ) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let requests = RequestLog::default();
        let router = requests.record(router);
        Ok(Self::spawn(
            local,
            clerk,
            requests,
            move |signal| async move {
                axum::serve(listener, router)
                    .with_graceful_shutdown(signal)
                    .await?;
                Ok(())
            },
        ))
    }

    fn spawn<F, Fut>(addr: SocketAddr, clerk: Clerk, requests: RequestLog, run: F) -> Self
    where
        F: FnOnce(std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>) -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<()>();
        let signal = Box::pin(async move {
            let _ = rx.await;
        });
        let task = tokio::spawn(run(signal));
        let base_url = format!("http://{addr}");
        Running {
            mcp_url: format!("{base_url}/mcp"),
            base_url,
            clerk,
            requests,
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// Serves until Ctrl-C / SIGTERM, then stops.
    pub async fn wait_for_shutdown(self) -> anyhow::Result<()> {
        mcp_clerk::shutdown_signal().await;
        self.stop().await
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(task) => task.await?,
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}
