//! The Clerk Backend API: opaque-token verification (`verify`, used by the
//! [`Verifier`](crate::Verifier)) and [`Clerk`], the handle tools use to read
//! users, organizations and memberships.
//!
//! | call | endpoint | cached |
//! |---|---|---|
//! | [`clerk.users().get(id)`](Users::get) | `GET /v1/users/{id}` | per id, [`cache_ttl`](Clerk::cache_ttl) (30 s) |
//! | [`clerk.users().memberships(id)`](Users::memberships), [`clerk.membership(user, org)`](Clerk::membership) | `GET /v1/users/{id}/organization_memberships` | per user, [`membership_ttl`](Clerk::membership_ttl) (`MCP_CLERK_MEMBERSHIP_TTL`, 60 s) |
//! | [`clerk.organizations().get(id)`](Organizations::get) | `GET /v1/organizations/{id}` | per id, `cache_ttl` |
//! | [`clerk.organizations().memberships(id)`](Organizations::memberships) | `GET /v1/organizations/{id}/memberships` | per organization, `membership_ttl` |
//!
//! The server reads the caller's memberships through the same handle to keep
//! organization roles fresh: a member removed from an organization, or whose
//! role changed, gets the new access within `membership_ttl`, not at token
//! expiry.
//!
//! Every failure is a [`BackendError`] with a Clerk-style reason; an unknown
//! user or organization is `Ok(None)` (or an empty list). The secret key is in
//! no `Debug` output, log line or error.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use mcp_clerk::backend::{BackendError, Clerk};
//!
//! # let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
//! # let api_url = format!("http://127.0.0.1:{port}/v1");
//! // An API URL where nothing listens:
//! let clerk = Clerk::new("sk_test_example").api_url(api_url);
//! let err = clerk.users().get("user_1").await.unwrap_err();
//! assert_eq!(err, BackendError::Unreachable);
//! assert_eq!(err.reason(), "backend-api-unreachable");
//! assert!(!err.to_string().contains("sk_test_example"));
//! # }
//! ```

mod api;
mod cache;
mod error;
mod handle;
mod memberships;
mod organizations;
mod users;
pub(crate) mod verify;

/// Clerk's production Backend API base URL.
pub use crate::config::DEFAULT_API_URL;
pub use error::BackendError;
pub use handle::{Clerk, DEFAULT_CACHE_TTL};
pub use memberships::OrgMembership;
pub use organizations::{ClerkOrganization, Organizations};
pub use users::{ClerkUserData, EmailAddress, Users};
