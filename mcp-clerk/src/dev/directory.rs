//! The emulator's users, organizations, roles and permissions.
//!
//! Built in code with [`DevDirectory::builder`]-style methods or loaded from a
//! JSON file (see [`DevDirectory::from_json`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::DevError;

/// A development user.
///
/// ```
/// use mcp_clerk::dev::{DevDirectory, DevUser};
///
/// let carol = DevUser::new("user_carol").email("carol@example.com").name("Carol", "Coder");
/// assert_eq!(carol.display_name(), "Carol Coder");
/// let directory = DevDirectory::sample().user(carol);
/// assert!(directory.find_user("user_carol").is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevUser {
    /// The user id (`user_…`), the `sub` of the tokens minted for this user.
    pub id: String,
    /// Primary email address (returned by `/oauth/userinfo` with the `email` scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Profile image URL (the Backend API's `image_url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Public metadata (the Backend API's `public_metadata`).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub public_metadata: serde_json::Map<String, serde_json::Value>,
}

impl DevUser {
    /// A user with only an id.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            email: None,
            first_name: None,
            last_name: None,
            username: None,
            image_url: None,
            public_metadata: serde_json::Map::new(),
        }
    }

    /// Sets the email address.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Sets first and last name.
    pub fn name(mut self, first: impl Into<String>, last: impl Into<String>) -> Self {
        self.first_name = Some(first.into());
        self.last_name = Some(last.into());
        self
    }

    /// Sets the username.
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// Sets the profile image URL.
    pub fn image_url(mut self, url: impl Into<String>) -> Self {
        self.image_url = Some(url.into());
        self
    }

    /// Sets one key of the public metadata.
    ///
    /// ```
    /// use mcp_clerk::dev::DevUser;
    ///
    /// let user = DevUser::new("user_1").public_metadata("plan", "pro");
    /// assert_eq!(user.public_metadata["plan"], "pro");
    /// ```
    pub fn public_metadata(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.public_metadata.insert(key.into(), value.into());
        self
    }

    /// Adds the OIDC standard claims the granted `scopes` allow (`email`:
    /// email and `email_verified`; `profile`: name, given/family name,
    /// preferred username), shared by the ID token and `/oauth/userinfo`.
    pub(crate) fn add_standard_claims<S: AsRef<str>>(
        &self,
        scopes: &[S],
        claims: &mut serde_json::Value,
    ) {
        let granted = |scope: &str| scopes.iter().any(|s| s.as_ref() == scope);
        if granted("email")
            && let Some(email) = &self.email
        {
            claims["email"] = email.as_str().into();
            claims["email_verified"] = true.into();
        }
        if granted("profile") {
            claims["name"] = self.display_name().into();
            if let Some(v) = &self.first_name {
                claims["given_name"] = v.as_str().into();
            }
            if let Some(v) = &self.last_name {
                claims["family_name"] = v.as_str().into();
            }
            if let Some(v) = &self.username {
                claims["preferred_username"] = v.as_str().into();
            }
        }
    }

    /// A display name: full name, else username, else email, else id.
    pub fn display_name(&self) -> String {
        let full = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        if !full.is_empty() {
            return full;
        }
        self.username
            .clone()
            .or_else(|| self.email.clone())
            .unwrap_or_else(|| self.id.clone())
    }
}

/// A user's membership in an organization.
///
/// [`DevOrganization::member`] adds one with a role only; push a `DevMember`
/// to grant permissions on top of the role's:
///
/// ```
/// use mcp_clerk::dev::{DevDirectory, DevMember, DevOrganization, DevUser};
///
/// let mut org = DevOrganization::new("org_initech", "Initech", "initech");
/// org.members.push(DevMember {
///     user_id: "user_dave".into(),
///     role: "member".into(),
///     permissions: vec!["org:billing:read".into()],
/// });
/// let directory = DevDirectory::new()
///     .user(DevUser::new("user_dave"))
///     .organization(org)
///     .role("member", ["org:projects:read"]);
/// let dave = directory.membership("user_dave", "org_initech").unwrap();
/// assert_eq!(dave.permissions, ["org:projects:read", "org:billing:read"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevMember {
    /// The member's user id.
    pub user_id: String,
    /// The member's role, with or without Clerk's `org:` prefix (`org:admin`).
    pub role: String,
    /// Permissions granted on top of the role's (`org:<feature>:<permission>`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<String>,
}

/// A development organization and its members.
///
/// ```
/// use mcp_clerk::dev::{DevDirectory, DevOrganization, DevUser};
///
/// let directory = DevDirectory::new()
///     .user(DevUser::new("user_erin"))
///     .organization(DevOrganization::new("org_hooli", "Hooli", "hooli").member("user_erin", "admin"))
///     .role("admin", ["org:projects:create"]);
/// directory.validate()?; // members must be known users
/// let erin = directory.membership("user_erin", "org_hooli").unwrap();
/// assert_eq!(erin.role, "org:admin");
/// # Ok::<(), mcp_clerk::dev::DevError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevOrganization {
    /// The organization id (`org_…`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// URL slug.
    pub slug: String,
    /// Members and their roles.
    #[serde(default)]
    pub members: Vec<DevMember>,
}

impl DevOrganization {
    /// An organization without members.
    pub fn new(id: impl Into<String>, name: impl Into<String>, slug: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            slug: slug.into(),
            members: Vec::new(),
        }
    }

    /// Adds a member with a role (`admin` or `org:admin`).
    pub fn member(mut self, user_id: impl Into<String>, role: impl Into<String>) -> Self {
        self.members.push(DevMember {
            user_id: user_id.into(),
            role: role.into(),
            permissions: Vec::new(),
        });
        self
    }
}

/// A user's resolved membership: organization, role and every permission.
///
/// What the emulator puts into session tokens and Backend API answers:
///
/// ```
/// use mcp_clerk::dev::DevDirectory;
///
/// let directory = DevDirectory::sample();
/// let bob = directory.membership("user_bob", "org_acme").expect("Bob is in Acme");
/// assert_eq!(bob.organization.name, "Acme Inc");
/// assert_eq!(bob.role, "org:member");
/// assert_eq!(bob.permissions, ["org:projects:read"]);
/// assert!(directory.membership("user_bob", "org_globex").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership<'a> {
    /// The organization.
    pub organization: &'a DevOrganization,
    /// The role, always with the `org:` prefix.
    pub role: String,
    /// The role's permissions plus the member's own, deduplicated, in order.
    pub permissions: Vec<String>,
}

/// Users, organizations and role → permission mappings of the emulator.
///
/// The JSON form (every key optional except `users[].id` and organization ids):
///
/// ```
/// use mcp_clerk::dev::DevDirectory;
///
/// let dir = DevDirectory::from_json(r#"{
///   "users": [{"id": "user_alice", "email": "alice@example.com", "first_name": "Alice"}],
///   "organizations": [{"id": "org_acme", "name": "Acme", "slug": "acme",
///                      "members": [{"user_id": "user_alice", "role": "admin"}]}],
///   "roles": {"org:admin": ["org:projects:create", "org:projects:read"]}
/// }"#).unwrap();
/// let m = dir.memberships("user_alice");
/// assert_eq!(m[0].role, "org:admin");
/// assert!(m[0].permissions.contains(&"org:projects:create".to_string()));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevDirectory {
    /// Users.
    #[serde(default)]
    pub users: Vec<DevUser>,
    /// Organizations.
    #[serde(default)]
    pub organizations: Vec<DevOrganization>,
    /// Role (`org:admin`) → permissions (`org:projects:create`).
    #[serde(default)]
    pub roles: BTreeMap<String, Vec<String>>,
}

impl DevDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// The directory used when none is configured: two users and two organizations.
    ///
    /// - `user_alice` (Alice Admin): `org:admin` of `org_acme` (Acme Inc), `org:member` of `org_globex`;
    /// - `user_bob` (Bob Builder): `org:member` of `org_acme`.
    ///
    /// `org:admin` holds `org:projects:create`, `org:projects:read` and
    /// `org:sys_memberships:manage`; `org:member` holds `org:projects:read`.
    pub fn sample() -> Self {
        Self::new()
            .user(
                DevUser::new("user_alice")
                    .email("alice@example.com")
                    .name("Alice", "Admin")
                    .username("alice"),
            )
            .user(
                DevUser::new("user_bob")
                    .email("bob@example.com")
                    .name("Bob", "Builder")
                    .username("bob"),
            )
            .organization(
                DevOrganization::new("org_acme", "Acme Inc", "acme")
                    .member("user_alice", "org:admin")
                    .member("user_bob", "org:member"),
            )
            .organization(
                DevOrganization::new("org_globex", "Globex", "globex")
                    .member("user_alice", "org:member"),
            )
            .role(
                "org:admin",
                [
                    "org:projects:create",
                    "org:projects:read",
                    "org:sys_memberships:manage",
                ],
            )
            .role("org:member", ["org:projects:read"])
    }

    /// Parses the JSON form and validates it.
    pub fn from_json(json: &str) -> Result<Self, DevError> {
        let dir: Self = serde_json::from_str(json).map_err(|e| DevError::Config(e.to_string()))?;
        dir.validate()?;
        Ok(dir)
    }

    /// Reads and parses a JSON file.
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Self, DevError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| DevError::Config(format!("cannot read {}: {e}", path.display())))?;
        Self::from_json(&text).map_err(|e| DevError::Config(format!("{}: {e}", path.display())))
    }

    /// Adds a user.
    pub fn user(mut self, user: DevUser) -> Self {
        self.users.push(user);
        self
    }

    /// Adds an organization.
    pub fn organization(mut self, org: DevOrganization) -> Self {
        self.organizations.push(org);
        self
    }

    /// Maps a role to its permissions.
    pub fn role<I, S>(mut self, role: impl Into<String>, permissions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.roles.insert(
            prefixed(&role.into()),
            permissions.into_iter().map(Into::into).collect(),
        );
        self
    }

    /// Checks ids are unique and non-empty and every member is a known user.
    pub fn validate(&self) -> Result<(), DevError> {
        let mut seen = std::collections::HashSet::new();
        for u in &self.users {
            if u.id.trim().is_empty() {
                return Err(DevError::Config("a user has an empty id".into()));
            }
            if !seen.insert(u.id.as_str()) {
                return Err(DevError::Config(format!("duplicate user id `{}`", u.id)));
            }
        }
        let mut orgs = std::collections::HashSet::new();
        for o in &self.organizations {
            if o.id.trim().is_empty() {
                return Err(DevError::Config("an organization has an empty id".into()));
            }
            if !orgs.insert(o.id.as_str()) {
                return Err(DevError::Config(format!(
                    "duplicate organization id `{}`",
                    o.id
                )));
            }
            for m in &o.members {
                if self.find_user(&m.user_id).is_none() {
                    return Err(DevError::Config(format!(
                        "organization `{}` lists unknown member `{}`",
                        o.id, m.user_id
                    )));
                }
            }
        }
        Ok(())
    }

    /// Removes `user_id` from `org_id`.
    ///
    /// ```
    /// use mcp_clerk::dev::DevDirectory;
    ///
    /// let mut directory = DevDirectory::sample();
    /// directory.remove_member("org_acme", "user_bob")?;
    /// assert!(directory.membership("user_bob", "org_acme").is_none());
    /// assert!(directory.remove_member("org_acme", "user_bob").is_err());
    /// # Ok::<(), mcp_clerk::dev::DevError>(())
    /// ```
    pub fn remove_member(&mut self, org_id: &str, user_id: &str) -> Result<(), DevError> {
        let org = self.org_mut(org_id)?;
        let before = org.members.len();
        org.members.retain(|m| m.user_id != user_id);
        if org.members.len() == before {
            return Err(not_a_member(user_id, org_id));
        }
        Ok(())
    }

    /// Gives the member `user_id` of `org_id` another role (`admin` or
    /// `org:admin`); their own extra permissions stay.
    ///
    /// ```
    /// use mcp_clerk::dev::DevDirectory;
    ///
    /// let mut directory = DevDirectory::sample();
    /// directory.set_role("org_acme", "user_bob", "admin")?;
    /// assert_eq!(directory.membership("user_bob", "org_acme").unwrap().role, "org:admin");
    /// # Ok::<(), mcp_clerk::dev::DevError>(())
    /// ```
    pub fn set_role(&mut self, org_id: &str, user_id: &str, role: &str) -> Result<(), DevError> {
        let member = self
            .org_mut(org_id)?
            .members
            .iter_mut()
            .find(|m| m.user_id == user_id)
            .ok_or_else(|| not_a_member(user_id, org_id))?;
        member.role = role.to_owned();
        Ok(())
    }

    /// Makes the known user `user_id` a member of `org_id` with `role` (or
    /// changes their role when they already are one).
    pub fn add_member(&mut self, org_id: &str, user_id: &str, role: &str) -> Result<(), DevError> {
        if self.find_user(user_id).is_none() {
            return Err(DevError::UnknownUser(user_id.to_owned()));
        }
        let org = self.org_mut(org_id)?;
        match org.members.iter_mut().find(|m| m.user_id == user_id) {
            Some(member) => member.role = role.to_owned(),
            None => org.members.push(DevMember {
                user_id: user_id.to_owned(),
                role: role.to_owned(),
                permissions: Vec::new(),
            }),
        }
        Ok(())
    }

    fn org_mut(&mut self, org_id: &str) -> Result<&mut DevOrganization, DevError> {
        self.organizations
            .iter_mut()
            .find(|o| o.id == org_id)
            .ok_or_else(|| DevError::Config(format!("unknown organization `{org_id}`")))
    }

    /// The user with this id.
    pub fn find_user(&self, id: &str) -> Option<&DevUser> {
        self.users.iter().find(|u| u.id == id)
    }

    /// The organization with this id.
    pub fn find_organization(&self, id: &str) -> Option<&DevOrganization> {
        self.organizations.iter().find(|o| o.id == id)
    }

    /// Every organization the user belongs to, with role and permissions.
    pub fn memberships(&self, user_id: &str) -> Vec<Membership<'_>> {
        self.organizations
            .iter()
            .filter_map(|o| {
                o.members
                    .iter()
                    .find(|m| m.user_id == user_id)
                    .map(|m| self.resolve(o, m))
            })
            .collect()
    }

    /// The user's membership in one organization.
    pub fn membership(&self, user_id: &str, org_id: &str) -> Option<Membership<'_>> {
        let org = self.find_organization(org_id)?;
        let member = org.members.iter().find(|m| m.user_id == user_id)?;
        Some(self.resolve(org, member))
    }

    fn resolve<'a>(&'a self, org: &'a DevOrganization, member: &DevMember) -> Membership<'a> {
        let role = prefixed(&member.role);
        let mut permissions: Vec<String> = Vec::new();
        let from_role = self
            .roles
            .get(&role)
            .or_else(|| self.roles.get(&role["org:".len()..]))
            .into_iter()
            .flatten();
        for p in from_role.chain(member.permissions.iter()) {
            if !permissions.contains(p) {
                permissions.push(p.clone());
            }
        }
        Membership {
            organization: org,
            role,
            permissions,
        }
    }
}

fn not_a_member(user: &str, org: &str) -> DevError {
    DevError::NotAMember {
        user: user.to_owned(),
        org: org.to_owned(),
    }
}

fn prefixed(role: &str) -> String {
    if role.starts_with("org:") {
        role.to_owned()
    } else {
        format!("org:{role}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_is_valid_and_resolves_roles() {
        let dir = DevDirectory::sample();
        dir.validate().unwrap();
        let alice = dir.memberships("user_alice");
        assert_eq!(alice.len(), 2);
        assert_eq!(alice[0].organization.id, "org_acme");
        assert!(
            alice[0]
                .permissions
                .iter()
                .any(|p| p == "org:projects:create")
        );
        let bob = dir.membership("user_bob", "org_acme").unwrap();
        assert_eq!(bob.role, "org:member");
        assert_eq!(bob.permissions, vec!["org:projects:read".to_string()]);
        assert!(dir.membership("user_bob", "org_globex").is_none());
    }

    #[test]
    fn rejects_unknown_members_and_duplicates() {
        let err = DevDirectory::from_json(
            r#"{"organizations":[{"id":"org_1","name":"x","slug":"x","members":[{"user_id":"user_x","role":"admin"}]}]}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown member"), "{err}");
        let err = DevDirectory::from_json(r#"{"users":[{"id":"u"},{"id":"u"}]}"#).unwrap_err();
        assert!(err.to_string().contains("duplicate"), "{err}");
        assert!(DevDirectory::from_json("not json").is_err());
    }

    #[test]
    fn member_permissions_add_to_role_permissions() {
        let json = r#"{"users":[{"id":"u1"}],
            "organizations":[{"id":"o1","name":"O","slug":"o","members":[{"user_id":"u1","role":"member","permissions":["org:x:y","org:a:b"]}]}],
            "roles":{"org:member":["org:a:b"]}}"#;
        let dir = DevDirectory::from_json(json).unwrap();
        let m = dir.membership("u1", "o1").unwrap();
        assert_eq!(m.role, "org:member");
        assert_eq!(
            m.permissions,
            vec!["org:a:b".to_string(), "org:x:y".to_string()]
        );
    }
}
