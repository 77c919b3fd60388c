//! Membership freshness: the caller's organization as the Clerk Backend API
//! says it is now, not as the token said when it was issued.
//!
//! Clerk's OAuth access tokens name the active organization (`org_id`) but
//! not the caller's role or permissions in it; session tokens carry role and
//! permissions, frozen until the token expires. With a secret key, the gate
//! reads the caller's memberships ([`Clerk::membership`], cached per user for
//! `MCP_CLERK_MEMBERSHIP_TTL`) and replaces the token's organization with the
//! membership: its current role and permissions, or no organization at all
//! when the caller is no longer a member. `tools/list`, the gate and the
//! dispatcher then decide on the same, current identity.
//!
//! Fail closed: when the Backend API cannot answer, the request is refused
//! with the documented 503 (the gate), never decided on stale claims.

use crate::backend::{BackendError, Clerk};
use crate::identity::Identity;

/// Whether the caller's organization is checked: a person (or a user's API
/// key) with an organization. Machines have no user membership.
pub(crate) fn applies(identity: &Identity) -> bool {
    !identity.is_machine() && identity.org().is_some()
}

/// `identity` with its organization as the Backend API reports the
/// membership now.
pub(crate) async fn fresh(clerk: &Clerk, identity: Identity) -> Result<Identity, BackendError> {
    let Some(org) = identity.org().filter(|_| applies(&identity)) else {
        return Ok(identity);
    };
    match clerk.membership(identity.user().id(), org.id()).await? {
        Some(membership) => Ok(identity.with_org(Some(membership.to_org()))),
        None => {
            tracing::debug!(
                user_id = identity.user().id(),
                org_id = org.id(),
                "the token's organization has no membership for this user (any more)"
            );
            Ok(identity.with_org(None))
        }
    }
}
