//! The verification pipeline against a real TestIssuer over loopback HTTP:
//! every acceptance and rejection path, with its reason code.
#![cfg(feature = "testing")]

use std::time::Duration;

use mcp_clerk::config::ClerkConfigBuilder;
use mcp_clerk::testing::TestIssuer;
use mcp_clerk::{ClerkConfig, TokenKind, Verifier};
use serde_json::json;

fn verifier(config: &ClerkConfig) -> Verifier {
    Verifier::new(config).expect("verifier")
}

/// A verifier for `issuer`'s config as changed by `tune`.
fn verifier_with(
    issuer: &TestIssuer,
    tune: impl FnOnce(ClerkConfigBuilder) -> ClerkConfigBuilder,
) -> Verifier {
    verifier(&tune(issuer.config_builder()).build().unwrap())
}

/// An OAuth token for `u` with the given `exp` and `iat` (Unix seconds).
fn oauth_exp_iat(issuer: &TestIssuer, exp: u64, iat: u64) -> String {
    issuer.oauth_token("u").exp(exp).claim("iat", iat).sign()
}

async fn reason(verifier: &Verifier, token: &str) -> &'static str {
    match verifier.verify(token).await {
        Ok(id) => panic!("token unexpectedly verified: {:?}", id.user()),
        Err(e) => {
            let text = e.to_string();
            assert!(
                token.len() < 16 || !text.contains(token),
                "error text must not contain the token"
            );
            e.reason()
        }
    }
}

fn all_kinds(issuer: &TestIssuer) -> ClerkConfig {
    issuer
        .config_builder()
        .accept([TokenKind::OAuth, TokenKind::Session, TokenKind::M2M])
        .build()
        .unwrap()
}

#[tokio::test]
async fn oauth_token_verifies_into_identity() {
    let issuer = TestIssuer::start().await;
    let v = verifier(&issuer.config());
    let token = issuer
        .oauth_token("user_1")
        .client_id("client_abc")
        .scope("email profile user:org:read")
        .org_id("org_7")
        .sign();
    let id = v.verify(&token).await.unwrap();
    let user = id.user();
    assert_eq!(user.id(), "user_1");
    assert_eq!(user.issuer(), issuer.issuer());
    assert_eq!(user.token_kind(), TokenKind::OAuth);
    assert_eq!(user.client_id(), Some("client_abc"));
    assert_eq!(user.scopes(), ["email", "profile", "user:org:read"]);
    assert!(user.token_id().unwrap().starts_with("oat_"));
    let org = id.org().unwrap();
    assert_eq!(org.id(), "org_7");
    assert!(!org.permissions_known());
}

#[tokio::test]
async fn application_at_jwt_and_rs384_rs512_verify() {
    let issuer = TestIssuer::start().await;
    let v = verifier(&issuer.config());
    let t = issuer
        .oauth_token("user_1")
        .typ("application/at+jwt")
        .sign();
    assert_eq!(
        v.verify(&t).await.unwrap().user().token_kind(),
        TokenKind::OAuth
    );
    for alg in ["RS384", "RS512"] {
        let t = issuer.oauth_token("user_1").alg(alg).sign();
        v.verify(&t).await.unwrap_or_else(|e| panic!("{alg}: {e}"));
    }
}

#[tokio::test]
async fn session_v2_and_v1_and_m2m_when_accepted() {
    let issuer = TestIssuer::start().await;
    let v = verifier(&all_kinds(&issuer));
    let t = issuer
        .session_token("user_2")
        .org("org_1", "acme", "admin")
        .org_features("o:dashboard,o:teams", "manage,read", "3,2")
        .sign();
    let id = v.verify(&t).await.unwrap();
    assert_eq!(id.user().token_kind(), TokenKind::Session);
    assert!(id.user().session_id().unwrap().starts_with("sess_"));
    let org = id.org().unwrap();
    assert_eq!(org.role(), Some("org:admin"));
    assert_eq!(
        org.permissions(),
        [
            "org:dashboard:manage",
            "org:dashboard:read",
            "org:teams:read"
        ]
    );

    let t = issuer
        .session_v1_token("user_3")
        .org("org_2", "beta", "org:member")
        .org_permissions(&["org:x:read"])
        .sign();
    let id = v.verify(&t).await.unwrap();
    assert_eq!(id.org().unwrap().role(), Some("org:member"));
    assert_eq!(id.org().unwrap().permissions(), ["org:x:read"]);

    let t = issuer.m2m_token("mch_1").scope("read write").sign();
    let id = v.verify(&t).await.unwrap();
    assert_eq!(id.user().token_kind(), TokenKind::M2M);
    assert_eq!(id.user().scopes(), ["read", "write"]);
}

#[tokio::test]
async fn kinds_not_accepted_are_type_mismatch() {
    let issuer = TestIssuer::start().await;
    let oauth_only = verifier(&issuer.config());
    assert_eq!(
        reason(&oauth_only, &issuer.session_token("u").sign()).await,
        "token-type-mismatch"
    );
    assert_eq!(
        reason(&oauth_only, &issuer.session_v1_token("u").sign()).await,
        "token-type-mismatch"
    );
    assert_eq!(
        reason(&oauth_only, &issuer.m2m_token("mch_1").sign()).await,
        "token-type-mismatch"
    );
    let sessions_only = verifier_with(&issuer, |b| b.accept([TokenKind::Session]));
    assert_eq!(
        reason(&sessions_only, &issuer.oauth_token("u").sign()).await,
        "token-type-mismatch"
    );
}

#[tokio::test]
async fn clerk_categories_are_honoured() {
    let issuer = TestIssuer::start().await;
    let v = verifier(&all_kinds(&issuer));
    // An M2M-category JWT without a machine subject is not a session.
    let t = issuer
        .session_token("user_1")
        .header("cat", "cl_B7d4PD333AAA")
        .sign();
    assert_eq!(reason(&v, &t).await, "token-type-mismatch");
    // JWT templates are not sessions.
    let t = issuer
        .session_token("user_1")
        .header("cat", "cl_B7d4PD222AAA")
        .sign();
    assert_eq!(reason(&v, &t).await, "token-type-mismatch");
    // "Ignore" category and absent category are sessions.
    let t = issuer
        .session_token("user_1")
        .header("cat", "cl_I7d4PD111III")
        .sign();
    v.verify(&t).await.unwrap();
    let t = issuer.session_token("user_1").without_header("cat").sign();
    v.verify(&t).await.unwrap();
    // A typ JWT without sid is not a session token.
    let t = issuer.session_token("user_1").without("sid").sign();
    assert_eq!(reason(&v, &t).await, "token-type-mismatch");
}

#[tokio::test]
async fn header_and_signature_failures() {
    let issuer = TestIssuer::start().await;
    let v = verifier(&issuer.config());
    assert_eq!(
        reason(&v, &issuer.oauth_token("u").signed_by_wrong_key().sign()).await,
        "token-invalid-signature"
    );
    assert_eq!(
        reason(&v, &issuer.oauth_token("u").alg_none().sign()).await,
        "token-invalid-algorithm"
    );
    assert_eq!(
        reason(&v, &issuer.oauth_token("u").hs256_with_public_key().sign()).await,
        "token-invalid-algorithm"
    );
    for alg in ["ES256", "PS256", "HS512", "EdDSA"] {
        // Header claims another alg; the signature is RS256 but must not even be tried.
        let t = issuer.oauth_token("u").sign();
        let forged = reheader(&t, alg);
        assert_eq!(
            reason(&v, &forged).await,
            "token-invalid-algorithm",
            "{alg}"
        );
    }
    assert_eq!(
        reason(
            &v,
            &issuer
                .oauth_token("u")
                .without_header("alg")
                .sign_unchecked()
        )
        .await,
        "token-invalid-algorithm"
    );
    assert_eq!(
        reason(&v, &issuer.oauth_token("u").typ("id_token").sign()).await,
        "token-invalid"
    );
    assert_eq!(
        reason(&v, &issuer.oauth_token("u").without_header("typ").sign()).await,
        "token-invalid"
    );
    assert_eq!(
        reason(&v, &issuer.oauth_token("u").kid("ins_unknown").sign()).await,
        "jwk-kid-mismatch"
    );
    assert_eq!(
        reason(&v, &issuer.oauth_token("u").oversized().sign()).await,
        "token-too-large"
    );
}

/// Rewrites a signed token's header with `edit`, keeping the signature.
fn edit_header(token: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts = token.split('.');
    let header = parts.next().unwrap();
    let rest: Vec<&str> = parts.collect();
    let mut json: serde_json::Value = serde_json::from_slice(&b64.decode(header).unwrap()).unwrap();
    edit(&mut json);
    format!(
        "{}.{}",
        b64.encode(serde_json::to_vec(&json).unwrap()),
        rest.join(".")
    )
}

/// Replaces the `alg` of a signed token's header, keeping the signature.
fn reheader(token: &str, alg: &str) -> String {
    edit_header(token, |json| json["alg"] = serde_json::json!(alg))
}

trait SignUnchecked {
    fn sign_unchecked(self) -> String;
}

impl SignUnchecked for mcp_clerk::testing::TokenBuilder<'_> {
    /// Signs as RS256, then removes `alg` from the header.
    fn sign_unchecked(self) -> String {
        edit_header(&self.sign_with_header_alg(), |json| {
            json.as_object_mut().unwrap().remove("alg");
        })
    }
}

trait SignWithAlg {
    fn sign_with_header_alg(self) -> String;
}

impl SignWithAlg for mcp_clerk::testing::TokenBuilder<'_> {
    fn sign_with_header_alg(self) -> String {
        self.alg("RS256").sign()
    }
}

#[tokio::test]
async fn malformed_tokens_are_token_invalid() {
    let issuer = TestIssuer::start().await;
    let v = verifier(&issuer.config());
    for t in [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!.!!.!!",
        "bm90anNvbg.e30.c2ln",
        "W10.e30.c2ln",
        "eyJhbGciOiJSUzI1NiJ9..sig",
    ] {
        assert_eq!(reason(&v, t).await, "token-invalid", "{t:?}");
    }
    // A valid signature over claims of the wrong shape.
    let t = issuer.oauth_token("u").claim("exp", "tomorrow").sign();
    assert_eq!(reason(&v, &t).await, "token-invalid");
    let t = issuer.oauth_token("u").without("sub").sign();
    assert_eq!(reason(&v, &t).await, "token-invalid");
    let t = issuer.oauth_token("u").without("exp").sign();
    assert_eq!(reason(&v, &t).await, "token-invalid");
}

#[tokio::test]
async fn opaque_tokens_need_the_backend_api() {
    let issuer = TestIssuer::start().await;
    let v = verifier(&issuer.config());
    assert_eq!(
        reason(&v, "oat_0123456789abcdef0123456789abcdef").await,
        "token-requires-backend-api"
    );
    // Kinds the server does not accept are refused as such, before anything else.
    for t in ["mt_abc", "ak_abc"] {
        assert_eq!(reason(&v, t).await, "token-type-mismatch", "{t}");
    }
    let all = verifier(
        &issuer
            .config_builder()
            .accept([TokenKind::OAuth, TokenKind::M2M, TokenKind::ApiKey])
            .build()
            .unwrap(),
    );
    for t in ["mt_abc", "ak_abc"] {
        assert_eq!(reason(&all, t).await, "token-requires-backend-api", "{t}");
    }
    assert_eq!(
        issuer.jwks_fetches(),
        0,
        "opaque tokens never touch the JWKS"
    );
}

#[tokio::test]
async fn issuer_must_match_exactly() {
    let issuer = TestIssuer::start().await;
    let v = verifier(&issuer.config());
    let wrong = [
        "https://evil.clerk.accounts.dev",
        &format!("{}/", issuer.issuer()),
        &issuer.issuer().replace("127.0.0.1", "localhost"),
    ];
    for iss in wrong {
        let t = issuer.oauth_token("u").issuer_url(iss).sign();
        assert_eq!(reason(&v, &t).await, "token-invalid-issuer", "{iss}");
    }
}

#[tokio::test]
async fn time_claims_follow_clerk_semantics() {
    let issuer = TestIssuer::start().await;
    let v = verifier(&issuer.config());
    assert_eq!(
        reason(&v, &issuer.oauth_token("u").expired().sign()).await,
        "token-expired"
    );
    assert!(
        v.verify(&issuer.oauth_token("u").expired().sign())
            .await
            .unwrap_err()
            .is_expired()
    );
    assert_eq!(
        reason(
            &v,
            &issuer
                .oauth_token("u")
                .not_before_in(Duration::from_secs(60))
                .sign()
        )
        .await,
        "token-not-active-yet"
    );
    assert_eq!(
        reason(&v, &issuer.oauth_token("u").issued_in_future().sign()).await,
        "token-iat-in-the-future"
    );
    // Within the 5 s skew: nbf 3 s ahead is fine, exp 3 s ago is fine.
    v.verify(
        &issuer
            .oauth_token("u")
            .not_before_in(Duration::from_secs(3))
            .sign(),
    )
    .await
    .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    v.verify(&oauth_exp_iat(&issuer, now - 3, now - 60))
        .await
        .unwrap();
    // exp <= now - skew is expired: 6 s ago with a 5 s skew.
    assert_eq!(
        reason(&v, &oauth_exp_iat(&issuer, now - 6, now - 60)).await,
        "token-expired"
    );
    // With zero skew, exp 3 s ago is expired.
    let strict = verifier_with(&issuer, |b| b.clock_skew(Duration::ZERO));
    assert_eq!(
        reason(&strict, &oauth_exp_iat(&issuer, now - 3, now - 60)).await,
        "token-expired"
    );
}

#[tokio::test]
async fn audience_policy() {
    let issuer = TestIssuer::start().await;
    let resource = "http://127.0.0.1:9/mcp";
    let v = verifier_with(&issuer, |b| b.resource_url(resource));
    // No aud: accepted as issuer-bound.
    v.verify(&issuer.oauth_token("u").sign()).await.unwrap();
    // aud naming the resource, as a string or in an array.
    v.verify(&issuer.oauth_token("u").audience(resource).sign())
        .await
        .unwrap();
    v.verify(
        &issuer
            .oauth_token("u")
            .audiences(&["other", resource])
            .sign(),
    )
    .await
    .unwrap();
    // aud naming something else, or nothing.
    assert_eq!(
        reason(
            &v,
            &issuer
                .oauth_token("u")
                .audience("https://other.example/mcp")
                .sign()
        )
        .await,
        "token-invalid-audience"
    );
    assert_eq!(
        reason(
            &v,
            &issuer
                .oauth_token("u")
                .audience(&format!("{resource}/"))
                .sign()
        )
        .await,
        "token-invalid-audience"
    );
    assert_eq!(
        reason(&v, &issuer.oauth_token("u").audiences(&[]).sign()).await,
        "token-invalid-audience"
    );
    // Without a resource URL or audiences, a token carrying aud is refused (fail closed).
    let bare = verifier(&issuer.config());
    assert_eq!(
        reason(&bare, &issuer.oauth_token("u").audience(resource).sign()).await,
        "token-invalid-audience"
    );
    // Explicit extra audiences.
    let extra = verifier_with(&issuer, |b| b.audiences(["mch_peer"]));
    extra
        .verify(&issuer.oauth_token("u").audiences(&["mch_peer"]).sign())
        .await
        .unwrap();
    // require_audience refuses tokens without aud.
    let strict = verifier_with(&issuer, |b| b.resource_url(resource).require_audience(true));
    assert_eq!(
        reason(&strict, &issuer.oauth_token("u").sign()).await,
        "token-invalid-audience"
    );
    strict
        .verify(&issuer.oauth_token("u").audience(resource).sign())
        .await
        .unwrap();
}

#[tokio::test]
async fn session_azp_and_status() {
    let issuer = TestIssuer::start().await;
    let v = verifier_with(&issuer, |b| {
        b.accept([TokenKind::Session])
            .authorized_parties(["https://app.example.com"])
    });
    v.verify(
        &issuer
            .session_token("u")
            .azp("https://app.example.com")
            .sign(),
    )
    .await
    .unwrap();
    assert_eq!(
        reason(
            &v,
            &issuer.session_token("u").azp("https://evil.example").sign()
        )
        .await,
        "token-invalid-authorized-parties"
    );
    assert_eq!(
        reason(&v, &issuer.session_token("u").without("azp").sign()).await,
        "token-invalid-authorized-parties"
    );
    assert_eq!(
        reason(
            &v,
            &issuer
                .session_token("u")
                .azp("https://app.example.com")
                .pending()
                .sign()
        )
        .await,
        "session-token-pending"
    );
    // Without authorized parties configured, any azp (or none) passes.
    let open = verifier_with(&issuer, |b| b.accept([TokenKind::Session]));
    open.verify(&issuer.session_token("u").without("azp").sign())
        .await
        .unwrap();
    // Pending sessions can be allowed explicitly.
    let lenient = verifier_with(&issuer, |b| {
        b.accept([TokenKind::Session]).accept_pending_sessions(true)
    });
    lenient
        .verify(&issuer.session_token("u").pending().sign())
        .await
        .unwrap();
    // azp is not checked on OAuth tokens.
    let mixed = verifier_with(&issuer, |b| {
        b.authorized_parties(["https://app.example.com"])
    });
    mixed.verify(&issuer.oauth_token("u").sign()).await.unwrap();
}

#[tokio::test]
async fn pem_key_verifies_without_network_and_ignores_kid() {
    let issuer = TestIssuer::start().await;
    let v = verifier_with(&issuer, |b| b.jwt_key(issuer.public_pem()));
    v.verify(&issuer.oauth_token("u").sign()).await.unwrap();
    // kid is not compared with a PEM key (like Clerk's SDK); the signature still is.
    let other_kid = issuer
        .oauth_token("u")
        .header("kid", "local-anything")
        .sign();
    v.verify(&other_kid).await.unwrap();
    assert_eq!(
        reason(&v, &issuer.oauth_token("u").signed_by_wrong_key().sign()).await,
        "token-invalid-signature"
    );
    assert_eq!(issuer.jwks_fetches(), 0);
    assert_eq!(v.refresh_keys().await, Ok(1));
}

#[tokio::test]
async fn pem_key_without_armor_on_one_line_verifies() {
    let issuer = TestIssuer::start().await;
    let body: String = issuer
        .public_pem()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let v = verifier_with(&issuer, |b| b.jwt_key(body));
    v.verify(&issuer.oauth_token("u").sign()).await.unwrap();
    assert_eq!(issuer.jwks_fetches(), 0);
}

#[tokio::test]
async fn bearer_header_to_identity() {
    use http::header::AUTHORIZATION;
    use http::{HeaderMap, HeaderValue};

    let issuer = TestIssuer::start().await;
    let v = verifier(&issuer.config());
    let token = issuer.oauth_token("user_9").sign();
    let mut headers = HeaderMap::new();
    assert_eq!(mcp_clerk::bearer_token(&headers), Ok(None));
    headers.insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("bEaReR {token}")).unwrap(),
    );
    let found = mcp_clerk::bearer_token(&headers).unwrap().unwrap();
    assert_eq!(v.verify(found).await.unwrap().user().id(), "user_9");
    headers.append(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    assert_eq!(
        mcp_clerk::bearer_token(&headers).unwrap_err().reason(),
        "authorization-header-invalid"
    );
    let oversized = issuer.oauth_token("u").oversized().sign();
    let mut headers = HeaderMap::new();
    headers.insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {oversized}")).unwrap(),
    );
    assert_eq!(
        mcp_clerk::bearer_token(&headers).unwrap_err().reason(),
        "token-too-large"
    );
}

#[tokio::test]
async fn crit_header_is_refused_before_any_key_is_fetched() {
    let issuer = TestIssuer::start().await;
    let v = verifier(&issuer.config());
    // Validly signed by the issuer's key; only the `crit` header is wrong.
    for crit in [json!(["exp"]), json!(["b64"]), json!([])] {
        let t = issuer.oauth_token("u").header("crit", &crit).sign();
        assert_eq!(reason(&v, &t).await, "token-invalid", "crit {crit}");
    }
    assert_eq!(issuer.jwks_fetches(), 0, "refused from the header alone");
    // The same token without `crit` verifies: the refusal is about `crit`.
    v.verify(&issuer.oauth_token("u").sign()).await.unwrap();
}

#[tokio::test]
async fn missing_kid_is_refused_with_a_remote_jwks() {
    let issuer = TestIssuer::start().await;
    let v = verifier(&issuer.config());
    // Signed by the one published key, but the header does not say which key.
    let t = issuer.oauth_token("u").without_header("kid").sign();
    assert_eq!(reason(&v, &t).await, "token-invalid");
    assert_eq!(issuer.jwks_fetches(), 0, "no kid, no JWKS lookup");
    let t = issuer.oauth_token("u").header("kid", "").sign();
    assert_eq!(reason(&v, &t).await, "jwk-kid-mismatch");
    // With a PEM key the kid is not needed (Clerk's SDK behaviour).
    let pem = verifier_with(&issuer, |b| b.jwt_key(issuer.public_pem()));
    let t = issuer.oauth_token("u").without_header("kid").sign();
    assert_eq!(pem.verify(&t).await.unwrap().user().id(), "u");
}

#[tokio::test]
async fn unknown_clerk_category_is_type_mismatch() {
    let issuer = TestIssuer::start().await;
    let v = verifier(&all_kinds(&issuer));
    for cat in ["cl_B7d4PD999ZZZ", "", "session"] {
        let t = issuer.session_token("user_1").header("cat", cat).sign();
        assert_eq!(reason(&v, &t).await, "token-type-mismatch", "cat {cat:?}");
    }
    // The same session token with Clerk's session category verifies.
    let t = issuer
        .session_token("user_1")
        .header("cat", "cl_B7d4PD111AAA")
        .sign();
    assert_eq!(
        v.verify(&t).await.unwrap().user().token_kind(),
        TokenKind::Session
    );
}

/// Replaces the signature part of a compact token.
fn with_signature(token: &str, signature: &str) -> String {
    let (input, _) = token.rsplit_once('.').unwrap();
    format!("{input}.{signature}")
}

#[tokio::test]
async fn signature_that_is_not_base64url_is_token_invalid() {
    let issuer = TestIssuer::start().await;
    let v = verifier(&issuer.config());
    let good = issuer.oauth_token("u").sign();
    v.verify(&good).await.unwrap();
    for sig in ["*not*base64*", "c2ln=", "a b", "ÿÿÿÿ"] {
        assert_eq!(
            reason(&v, &with_signature(&good, sig)).await,
            "token-invalid",
            "{sig:?}"
        );
    }
    // The real signature in the standard base64 alphabet (or padded) is not
    // base64url: refused, never decoded leniently. Find a signature that
    // contains `-` or `_` (all but ~1 in 50 000 do).
    let (token, sig) = (0..10)
        .map(|_| issuer.oauth_token("u").sign())
        .find_map(|t| {
            let sig = t.rsplit_once('.').unwrap().1.to_owned();
            sig.contains(['-', '_']).then_some((t, sig))
        })
        .expect("a signature with - or _");
    v.verify(&token).await.unwrap();
    let standard = sig.replace('-', "+").replace('_', "/");
    assert_eq!(
        reason(&v, &with_signature(&token, &standard)).await,
        "token-invalid"
    );
    let padded = format!("{sig}==");
    assert_eq!(
        reason(&v, &with_signature(&token, &padded)).await,
        "token-invalid"
    );
    // Valid base64url of the wrong bytes is a bad signature, not a malformed token.
    assert_eq!(
        reason(&v, &with_signature(&good, "AAAA")).await,
        "token-invalid-signature"
    );
    assert_eq!(
        reason(&v, &with_signature(&good, "")).await,
        "token-invalid-signature"
    );
}

/// `token-verification-failed` is what the crypto layer reports when the key
/// cannot be used for the algorithm (a non-RSA key for RS256). Key parsing
/// makes that unreachable: only RSA keys of 2048 to 8192 bits are ever held.
/// The closest reachable path: a JWKS publishing unusable keys under the
/// token's kid. They are skipped, so the token finds no key.
#[tokio::test]
async fn unusable_jwks_keys_under_the_tokens_kid_are_never_tried() {
    use axum::routing::get;

    let issuer = TestIssuer::start().await;
    let kid = issuer.kid();
    let mut small_rsa = issuer.jwks()["keys"][0].clone();
    // A 1024-bit modulus (128 bytes): too small, skipped.
    small_rsa["n"] = json!(base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        [0xC5u8; 128]
    ));
    let mut wrong_alg = issuer.jwks()["keys"][0].clone();
    wrong_alg["alg"] = json!("PS256");
    let mut encryption = issuer.jwks()["keys"][0].clone();
    encryption["use"] = json!("enc");
    let ec = json!({
        "kty": "EC", "crv": "P-256", "kid": kid,
        "x": "sPUeSJ47yqcsVFZrOiiY556R7TSS6DdLE6Rj421ZDE8",
        "y": "vhLK8tpgGmtMPY4lZPsKpcpUMxCgWWDujcyGLaEb2n8",
    });
    let hmac = json!({"kty": "oct", "kid": kid, "k": "c2VjcmV0"});
    for (what, jwk) in [
        ("RSA-1024", small_rsa),
        ("alg PS256", wrong_alg),
        ("use enc", encryption),
        ("EC", ec),
        ("oct", hmac),
    ] {
        let doc = json!({ "keys": [jwk] });
        let app = axum::Router::new().route(
            "/.well-known/jwks.json",
            get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let v = verifier(&ClerkConfig::builder().issuer(url.clone()).build().unwrap());
        let t = issuer.oauth_token("u").issuer_url(&url).sign();
        assert_eq!(
            reason(&v, &t).await,
            "jwk-remote-failed-to-load",
            "{what}: no usable key at all"
        );
        server.abort();
    }
}

#[tokio::test]
async fn signature_is_checked_before_any_claim() {
    let issuer = TestIssuer::start().await;
    let v = verifier(&all_kinds(&issuer));
    let resource_bound = verifier_with(&issuer, |b| {
        b.resource_url("http://127.0.0.1:9/mcp")
            .require_audience(true)
    });
    type Shape = for<'a> fn(&'a TestIssuer) -> mcp_clerk::testing::TokenBuilder<'a>;
    // Each of these is refused for its claims when signed by the issuer…
    let cases: [(&str, Shape); 6] = [
        ("token-expired", |i| i.oauth_token("u").expired()),
        ("token-invalid-issuer", |i| {
            i.oauth_token("u").issuer_url("https://evil.example")
        }),
        ("token-not-active-yet", |i| {
            i.oauth_token("u").not_before_in(Duration::from_secs(600))
        }),
        ("token-iat-in-the-future", |i| {
            i.oauth_token("u").issued_in_future()
        }),
        ("token-invalid", |i| {
            i.oauth_token("u").claim("exp", "tomorrow")
        }),
        ("token-type-mismatch", |i| {
            i.session_token("u").header("cat", "cl_B7d4PD222AAA")
        }),
    ];
    for (code, shape) in cases {
        assert_eq!(reason(&v, &shape(&issuer).sign()).await, code);
        // …and for its signature, first, when forged.
        assert_eq!(
            reason(&v, &shape(&issuer).signed_by_wrong_key().sign()).await,
            "token-invalid-signature",
            "forged and {code}"
        );
    }
    // Wrong audience: the same order.
    let aud = || {
        issuer
            .oauth_token("u")
            .audience("https://other.example/mcp")
    };
    assert_eq!(
        reason(&resource_bound, &aud().sign()).await,
        "token-invalid-audience"
    );
    assert_eq!(
        reason(&resource_bound, &aud().signed_by_wrong_key().sign()).await,
        "token-invalid-signature"
    );
    // Forged, expired and from the wrong issuer at once.
    let t = issuer
        .oauth_token("u")
        .expired()
        .issuer_url("https://evil.example")
        .signed_by_wrong_key()
        .sign();
    assert_eq!(reason(&v, &t).await, "token-invalid-signature");
}
