//! The emulator's in-memory state: settings, directory, registered clients
//! and pending grants. Every map is bounded; expired entries are pruned.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::RequestLog;
use super::directory::DevDirectory;
use super::mint::Minter;
use super::util::now;

/// How many registered clients / pending grants the emulator keeps at most.
pub(crate) const MAX_ENTRIES: usize = 10_000;
/// Authorization codes and consent requests live 10 minutes, as at Clerk.
pub(crate) const CODE_TTL_SECS: u64 = 600;

/// Who approves authorization requests without showing the consent page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AutoConsent {
    /// The user; `None` = the first user of the directory.
    pub(crate) user: Option<String>,
    /// The organization when `user:org:read` is requested; `None` = the user's first.
    pub(crate) org: Option<String>,
}

/// Fixed settings of a running emulator.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) issuer: String,
    pub(crate) instance_id: String,
    pub(crate) default_scopes: Vec<String>,
    pub(crate) scopes_supported: Vec<String>,
    pub(crate) auto_consent: Option<AutoConsent>,
    pub(crate) access_ttl_secs: u64,
    pub(crate) secret_key: String,
    pub(crate) audience_from_resource: bool,
    pub(crate) issue_refresh_tokens: bool,
    pub(crate) token_format: super::opaque::DevTokenFormat,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("issuer", &self.issuer)
            .field("instance_id", &self.instance_id)
            .field("default_scopes", &self.default_scopes)
            .field("auto_consent", &self.auto_consent)
            .field("token_format", &self.token_format)
            .field("secret_key", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// A client registered through DCR.
#[derive(Clone)]
pub(crate) struct Client {
    pub(crate) id: String,
    pub(crate) secret: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) auth_method: String,
    pub(crate) grant_types: Vec<String>,
    pub(crate) issued_at: u64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("redirect_uris", &self.redirect_uris)
            .field("scopes", &self.scopes)
            .field("auth_method", &self.auth_method)
            .finish_non_exhaustive()
    }
}

/// A validated authorization request waiting for the consent decision.
#[derive(Debug, Clone)]
pub(crate) struct AuthRequest {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) state: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) code_challenge: String,
    pub(crate) resource: Option<String>,
    pub(crate) nonce: Option<String>,
    pub(crate) created: u64,
}

/// What the user approved: the request plus user and organization.
#[derive(Debug, Clone)]
pub(crate) struct Approval {
    pub(crate) request: AuthRequest,
    pub(crate) user_id: String,
    pub(crate) org_id: Option<String>,
}

/// A refresh token's grant.
#[derive(Debug, Clone)]
pub(crate) struct RefreshGrant {
    pub(crate) client_id: String,
    pub(crate) user_id: String,
    pub(crate) org_id: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) resource: Option<String>,
}

/// Keys of `pending`, `codes` and `refresh` are secrets: no `Debug`.
#[derive(Default)]
pub(crate) struct Store {
    pub(crate) clients: HashMap<String, Client>,
    pub(crate) pending: HashMap<String, AuthRequest>,
    pub(crate) codes: HashMap<String, Approval>,
    pub(crate) refresh: HashMap<String, RefreshGrant>,
    /// `jti`s of revoked access tokens (introspection and userinfo refuse them).
    pub(crate) revoked: HashSet<String>,
    /// Opaque credentials: `oat_` access tokens, `mt_` M2M tokens, `ak_` API keys.
    pub(crate) opaque: super::opaque::OpaqueStore,
}

impl Store {
    /// Drops consent requests and codes older than [`CODE_TTL_SECS`].
    pub(crate) fn prune(&mut self) {
        let cutoff = now().saturating_sub(CODE_TTL_SECS);
        self.pending.retain(|_, r| r.created >= cutoff);
        self.codes.retain(|_, a| a.request.created >= cutoff);
    }

    /// Whether another entry fits into a map of `len` entries.
    pub(crate) fn has_room(len: usize) -> bool {
        len < MAX_ENTRIES
    }
}

/// Everything the handlers share.
pub(crate) struct Shared {
    pub(crate) settings: Settings,
    /// Users and organizations; memberships change at run time
    /// (`DevClerkServer::remove_member`, the Backend API's DELETE/PATCH).
    directory: RwLock<DevDirectory>,
    pub(crate) minter: Minter,
    /// When the emulator started (unix ms): the `created_at` of its users
    /// and organizations.
    pub(crate) started_ms: u64,
    store: Mutex<Store>,
    /// The requests the emulator answered.
    pub(crate) requests: RequestLog,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Shared {
    pub(crate) fn new(settings: Settings, directory: DevDirectory, minter: Minter) -> Self {
        Self {
            settings,
            directory: RwLock::new(directory),
            minter,
            started_ms: super::util::now() * 1000,
            store: Mutex::new(Store::default()),
            requests: RequestLog::default(),
        }
    }

    /// The directory, for reading (never held across an `.await`).
    pub(crate) fn directory(&self) -> RwLockReadGuard<'_, DevDirectory> {
        self.directory.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The directory, for changing memberships.
    pub(crate) fn directory_mut(&self) -> RwLockWriteGuard<'_, DevDirectory> {
        self.directory.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Locks the store (a poisoned lock is recovered: the maps stay consistent
    /// because no handler panics while holding it).
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}
