//! A server started by an example: where it listens and how to stop it.

use std::net::SocketAddr;

use mcp_clerk::dev::{DevClerk, DevClerkServer};
use mcp_clerk::{ClerkConfig, McpServer};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Which Clerk instance an example trusts.
#[derive(Debug)]
pub enum Clerk {
    /// Real Clerk, configured from the environment (`ClerkConfig::from_env`).
    Real(Box<ClerkConfig>),
    /// The local emulator (`mcp_clerk::dev`), started by the example.
    Dev(DevClerkServer),
}

impl Clerk {
    /// Real Clerk when `CLERK_FRONTEND_API_URL`, `MCP_CLERK_FRONTEND_API_URL`
    /// or `CLERK_PUBLISHABLE_KEY` is set; otherwise starts the emulator
    /// (configured by `MCP_CLERK_DEV_*` variables, see `DevClerk::from_env`).
    pub async fn from_env() -> anyhow::Result<Self> {
        Self::from_env_with_dev_addr(None).await
    }

    /// Like [`from_env`](Self::from_env); the emulator listens on
    /// `dev_addr` unless `MCP_CLERK_DEV_ADDR` says otherwise.
    pub async fn from_env_with_dev_addr(dev_addr: Option<SocketAddr>) -> anyhow::Result<Self> {
        let set = |v: &str| std::env::var(v).is_ok_and(|v| !v.trim().is_empty());
        if set("CLERK_FRONTEND_API_URL")
            || set("MCP_CLERK_FRONTEND_API_URL")
            || set("CLERK_PUBLISHABLE_KEY")
        {
            return Ok(Clerk::Real(Box::new(ClerkConfig::from_env()?)));
        }
        let mut dev = DevClerk::from_env()?;
        if let Some(addr) = dev_addr.filter(|_| !set("MCP_CLERK_DEV_ADDR")) {
            dev = dev.bind(addr);
        }
        Ok(Clerk::Dev(dev.start().await?))
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

    /// The config the server uses: the real one, or one trusting the emulator
    /// with `scopes` advertised.
    pub fn config(&self, scopes: &[&str]) -> anyhow::Result<ClerkConfig> {
        Ok(match self {
            Clerk::Real(config) => (**config).clone(),
            Clerk::Dev(dev) => dev
                .config_builder()
                .scopes(scopes.iter().copied())
                .build()?,
        })
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
            move |signal| async move {
                bound.run_until(signal).await?;
                Ok(())
            },
        ))
    }

    /// Serves an axum router (an app that merged MCP into its own routes).
    pub async fn serve_router(
        router: axum::Router,
        addr: &str,
        clerk: Clerk,
    ) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        Ok(Self::spawn(local, clerk, move |signal| async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(signal)
                .await?;
            Ok(())
        }))
    }

    fn spawn<F, Fut>(addr: SocketAddr, clerk: Clerk, run: F) -> Self
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
