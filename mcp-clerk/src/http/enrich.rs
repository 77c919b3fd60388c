//! Organization details for OAuth callers, from the Clerk Backend API.
//!
//! Clerk's OAuth access tokens name the active organization (`org_id`) but
//! not the caller's role or permissions in it. When the server has a secret
//! key and some tool needs a role or permission, the gate looks the
//! membership up ([`BackendClient::membership`], cached per user) and stores
//! an [`Identity`] whose organization carries them, so `tools/list`, the gate
//! and the dispatcher all decide on the same, complete identity.
//!
//! Fail closed: when the lookup fails or the user is no longer a member, the
//! identity stays as the token says (role and permissions unknown), and
//! [`policy::decide`](crate::policy::decide) refuses role- and
//! permission-gated tools.

use crate::TokenKind;
use crate::backend::BackendClient;
use crate::identity::Identity;

/// Whether the token names an organization but not the caller's role in it.
pub(crate) fn lacks_org_details(identity: &Identity) -> bool {
    identity.user().token_kind() == TokenKind::OAuth
        && identity.org().is_some_and(|org| !org.permissions_known())
}

/// `identity` with its organization's role and permissions filled in from
/// the Backend API, or unchanged when they cannot be known.
pub(crate) async fn with_org_details(backend: &BackendClient, identity: Identity) -> Identity {
    if !lacks_org_details(&identity) {
        return identity;
    }
    let Some(org) = identity.org() else {
        return identity;
    };
    match backend.membership(identity.user().id(), org.id()).await {
        Ok(Some(membership)) => Identity::new(identity.user().clone(), Some(membership.to_org())),
        Ok(None) => {
            tracing::debug!(
                user_id = identity.user().id(),
                org_id = org.id(),
                "the token's organization has no membership for this user"
            );
            identity
        }
        Err(e) => {
            tracing::warn!(
                reason = e.reason(),
                "organization membership lookup failed; role and permissions stay unknown"
            );
            identity
        }
    }
}
