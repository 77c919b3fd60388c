//! Test helpers (feature `testing`): a local Clerk-like issuer with a real
//! RSA-2048 key and a real JWKS endpoint on `127.0.0.1`, and a builder that
//! mints Clerk-shaped tokens (OAuth access tokens, session tokens v1/v2, M2M),
//! including deliberately broken ones; [`call_tool`] calls a tool over HTTP as
//! the holder of a token.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use mcp_clerk::testing::TestIssuer;
//! use mcp_clerk::{TokenKind, Verifier};
//!
//! let issuer = TestIssuer::start().await;
//! let verifier = Verifier::new(&issuer.config())?;
//!
//! // A Clerk OAuth access token, as an MCP client would present it.
//! let token = issuer.oauth_token("user_123").scope("email profile").org_id("org_1").sign();
//! let caller = verifier.verify(&token).await?;
//! assert_eq!(caller.user().id(), "user_123");
//! assert_eq!(caller.user().token_kind(), TokenKind::OAuth);
//! assert_eq!(caller.org().map(|o| o.id()), Some("org_1"));
//!
//! // Broken tokens are refused with Clerk's reason codes.
//! let expired = issuer.oauth_token("user_123").expired().sign();
//! assert_eq!(verifier.verify(&expired).await.unwrap_err().reason(), "token-expired");
//! assert_eq!(issuer.jwks_fetches(), 1);
//! # Ok(()) }
//! ```
//!
//! Session tokens are refused unless the config accepts them:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use mcp_clerk::testing::TestIssuer;
//! use mcp_clerk::{TokenKind, Verifier};
//!
//! let issuer = TestIssuer::start().await;
//! let verifier = Verifier::new(
//!     &issuer.config_builder().accept([TokenKind::OAuth, TokenKind::Session]).build()?,
//! )?;
//! let token = issuer
//!     .session_token("user_1")
//!     .org("org_1", "acme", "admin")
//!     .org_features("o:projects", "create,read", "3")
//!     .sign();
//! let caller = verifier.verify(&token).await?;
//! assert!(caller.org().unwrap().has_permission("org:projects:create"));
//! # Ok(()) }
//! ```

mod client;
mod issuer;
mod token;

pub use client::{ACCEPT, TestClientError, call_tool, message, post};
pub use issuer::{JwksMode, TestIssuer};
pub use token::TokenBuilder;
