//! The Clerk JWT claims mcp-clerk reads, for every token kind.

use serde::Deserialize;

/// The claims of a Clerk JWT (OAuth access token, session token v1/v2, M2M).
///
/// Unknown claims are ignored. A claim of the wrong JSON type makes the token
/// invalid (fail closed).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Claims {
    pub(crate) sub: String,
    pub(crate) iss: String,
    pub(crate) exp: u64,
    #[serde(default)]
    pub(crate) nbf: Option<u64>,
    #[serde(default)]
    pub(crate) iat: Option<u64>,
    #[serde(default)]
    pub(crate) jti: Option<String>,
    #[serde(default)]
    pub(crate) sid: Option<String>,
    #[serde(default)]
    pub(crate) azp: Option<String>,
    #[serde(default)]
    pub(crate) client_id: Option<String>,
    #[serde(default)]
    pub(crate) aud: Option<OneOrMany>,
    /// OAuth: space-separated scopes.
    #[serde(default)]
    pub(crate) scope: Option<OneOrMany>,
    /// OAuth: scopes as an array.
    #[serde(default)]
    pub(crate) scp: Option<OneOrMany>,
    /// M2M: space-separated scopes.
    #[serde(default)]
    pub(crate) scopes: Option<OneOrMany>,
    /// Session token version (`2` for v2; absent for v1).
    #[serde(default)]
    pub(crate) v: Option<u32>,
    /// Session status (`active` or `pending`).
    #[serde(default)]
    pub(crate) sts: Option<String>,
    #[serde(default)]
    pub(crate) fva: Option<Vec<i64>>,
    #[serde(default)]
    pub(crate) fea: Option<String>,
    #[serde(default)]
    pub(crate) o: Option<OrgClaim>,
    #[serde(default)]
    pub(crate) org_id: Option<String>,
    #[serde(default)]
    pub(crate) org_slug: Option<String>,
    #[serde(default)]
    pub(crate) org_role: Option<String>,
    #[serde(default)]
    pub(crate) org_permissions: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) act: Option<Actor>,
}

impl Claims {
    /// Granted scopes: `scope` wins over `scp`, which wins over `scopes`.
    pub(crate) fn scopes(&self) -> Vec<String> {
        let source = self
            .scope
            .as_ref()
            .or(self.scp.as_ref())
            .or(self.scopes.as_ref());
        match source {
            Some(OneOrMany::One(s)) => s.split_whitespace().map(str::to_owned).collect(),
            Some(OneOrMany::Many(v)) => v.iter().filter(|s| !s.is_empty()).cloned().collect(),
            None => Vec::new(),
        }
    }

    pub(crate) fn factor_ages(&self) -> Option<FactorAges> {
        let fva = self.fva.as_ref()?;
        let age = |i: usize| {
            fva.get(i)
                .copied()
                .filter(|m| *m >= 0)
                .and_then(|m| u32::try_from(m).ok())
        };
        Some(FactorAges {
            first_factor_minutes: age(0),
            second_factor_minutes: age(1),
        })
    }

    /// The audiences named by `aud` (a string or an array).
    pub(crate) fn audiences(&self) -> &[String] {
        match &self.aud {
            Some(OneOrMany::One(s)) => std::slice::from_ref(s),
            Some(OneOrMany::Many(v)) => v,
            None => &[],
        }
    }
}

/// A claim that may be a single string or an array of strings.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// The v2 session token's active organization object (`o`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OrgClaim {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) slg: Option<String>,
    #[serde(default)]
    pub(crate) rol: Option<String>,
    #[serde(default)]
    pub(crate) per: Option<String>,
    #[serde(default)]
    pub(crate) fpm: Option<String>,
}

/// Someone acting on the user's behalf (Clerk's `act` claim: impersonation or an agent).
///
/// Read it with [`ClerkUser::actor`](crate::ClerkUser::actor), for example to
/// record who really made a change:
///
/// ```
/// use mcp_clerk::ClerkUser;
///
/// fn changed_by(user: &ClerkUser) -> String {
///     match user.actor() {
///         Some(actor) => format!("{} on behalf of {}", actor.sub(), user.id()),
///         None => user.id().to_owned(),
///     }
/// }
/// # #[cfg(feature = "testing")]
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// #     let issuer = mcp_clerk::testing::TestIssuer::start().await;
/// #     let verifier = mcp_clerk::Verifier::new(&issuer.config()).unwrap();
/// #     let act = serde_json::json!({"sub": "user_support", "sid": "sess_9", "type": "agent"});
/// #     let token = issuer.oauth_token("user_1").claim("act", act).sign();
/// #     let caller = verifier.verify(&token).await.unwrap();
/// #     assert_eq!(changed_by(caller.user()), "user_support on behalf of user_1");
/// #     let actor = caller.user().actor().unwrap();
/// #     assert_eq!((actor.session_id(), actor.kind()), (Some("sess_9"), Some("agent")));
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Actor {
    sub: String,
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    sid: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

impl Actor {
    /// The acting user's id.
    pub fn sub(&self) -> &str {
        &self.sub
    }
    /// The issuer of the actor's identity, if given.
    pub fn issuer(&self) -> Option<&str> {
        self.iss.as_deref()
    }
    /// The actor's session id, if given.
    pub fn session_id(&self) -> Option<&str> {
        self.sid.as_deref()
    }
    /// The actor type (for example `agent`), if given.
    pub fn kind(&self) -> Option<&str> {
        self.kind.as_deref()
    }
}

/// Minutes since each authentication factor was verified (Clerk's `fva` claim).
///
/// `None` means the factor was never verified (Clerk writes `-1`). Session
/// tokens carry it; [`ClerkUser::factor_ages`](crate::ClerkUser::factor_ages)
/// reads it, for example to ask for a recent second factor before a
/// sensitive action:
///
/// ```
/// use mcp_clerk::identity::FactorAges;
///
/// fn second_factor_within(ages: Option<FactorAges>, minutes: u32) -> bool {
///     ages.and_then(|a| a.second_factor_minutes).is_some_and(|m| m <= minutes)
/// }
///
/// let fresh = FactorAges { first_factor_minutes: Some(30), second_factor_minutes: Some(2) };
/// let password_only = FactorAges { first_factor_minutes: Some(1), second_factor_minutes: None };
/// assert!(second_factor_within(Some(fresh), 10));
/// assert!(!second_factor_within(Some(password_only), 10));
/// assert!(!second_factor_within(None, 10)); // no `fva` claim (OAuth access tokens)
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactorAges {
    /// Minutes since the first factor (password, OTP, …) was verified.
    pub first_factor_minutes: Option<u32>,
    /// Minutes since the second factor was verified.
    pub second_factor_minutes: Option<u32>,
}
