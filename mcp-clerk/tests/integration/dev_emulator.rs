//! The dev Clerk emulator over real HTTP on loopback: discovery, DCR, PKCE
//! authorize (auto-consent and the consent form), token, refresh, userinfo,
//! Backend API memberships, and the tokens' shape (verified against its JWKS).
#![cfg(feature = "dev")]

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use mcp_clerk::dev::{DevClerk, DevClerkServer, DevError};
use serde_json::{Value, json};

const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `application/x-www-form-urlencoded` body (reqwest's `form` feature is off here).
fn form_body<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k.as_ref(), v.as_ref());
    }
    ser.finish()
}

fn post_form<K: AsRef<str>, V: AsRef<str>>(url: &str, pairs: &[(K, V)]) -> reqwest::RequestBuilder {
    http()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(pairs))
}

fn pkce() -> (String, String) {
    let verifier = URL_SAFE_NO_PAD.encode([7u8; 40]);
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    (verifier, URL_SAFE_NO_PAD.encode(digest.as_ref()))
}

/// `GET url`, with `bearer` as the bearer token when given.
async fn get(url: &str, bearer: Option<&str>) -> reqwest::Response {
    let req = http().get(url);
    let req = match bearer {
        Some(token) => req.bearer_auth(token),
        None => req,
    };
    req.send().await.unwrap()
}

/// `GET url` (see [`get`]) and its JSON body.
async fn get_json(url: &str, bearer: Option<&str>) -> Value {
    get(url, bearer).await.json().await.unwrap()
}

/// `/oauth/userinfo` with `token`.
async fn userinfo(clerk: &DevClerkServer, token: &str) -> reqwest::Response {
    get(&format!("{}/oauth/userinfo", clerk.issuer()), Some(token)).await
}

/// The Backend API URL listing `user`'s organization memberships.
fn memberships_url(clerk: &DevClerkServer, user: &str) -> String {
    format!(
        "{}/users/{user}/organization_memberships",
        clerk.backend_api_url()
    )
}

async fn register(clerk: &DevClerkServer, body: Value) -> Value {
    let resp = http()
        .post(format!("{}/oauth/register", clerk.issuer()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    resp.json().await.unwrap()
}

/// The query of a redirect's `location`.
fn redirect_query(resp: &reqwest::Response) -> HashMap<String, String> {
    let url = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    url.query_pairs().into_owned().collect()
}

/// The authorization code in a redirect's `location`.
fn code_of(resp: &reqwest::Response) -> String {
    redirect_query(resp)["code"].clone()
}

async fn authorize(clerk: &DevClerkServer, params: &[(&str, &str)]) -> reqwest::Response {
    let url = url::Url::parse_with_params(&format!("{}/oauth/authorize", clerk.issuer()), params)
        .unwrap();
    http().get(url).send().await.unwrap()
}

/// `/oauth/authorize` for `client_id` with PKCE S256 and `REDIRECT`, then `extra`.
async fn authorize_s256(
    clerk: &DevClerkServer,
    client_id: &str,
    challenge: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ];
    params.extend_from_slice(extra);
    authorize(clerk, &params).await
}

async fn exchange(
    clerk: &DevClerkServer,
    client_id: &str,
    code: &str,
    verifier: &str,
) -> reqwest::Response {
    post_form(
        &format!("{}/oauth/token", clerk.issuer()),
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
            ("client_id", client_id),
            ("resource", "http://127.0.0.1:3000/mcp"),
        ],
    )
    .send()
    .await
    .unwrap()
}

/// Verifies `token` against the emulator's published JWKS; returns (header, claims).
async fn verify(clerk: &DevClerkServer, token: &str) -> (jsonwebtoken::Header, Value) {
    let jwks = get_json(&clerk.jwks_url(), None).await;
    let key = &jwks["keys"][0];
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
    let decoding =
        DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    validation.set_issuer(&[clerk.issuer()]);
    let data = jsonwebtoken::decode::<Value>(token, &decoding, &validation).unwrap();
    (header, data.claims)
}

async fn auto_flow(clerk: &DevClerkServer, scope: Option<&str>) -> (String, Value) {
    let client = register(clerk, json!({"redirect_uris": [REDIRECT], "client_name": "Test", "token_endpoint_auth_method": "none"})).await;
    let client_id = client["client_id"].as_str().unwrap().to_owned();
    let (verifier, challenge) = pkce();
    let mut extra = vec![("state", "xyz"), ("resource", "http://127.0.0.1:3000/mcp")];
    if let Some(scope) = scope {
        extra.push(("scope", scope));
    }
    let resp = authorize_s256(clerk, &client_id, &challenge, &extra).await;
    assert_eq!(resp.status(), 302);
    let q = redirect_query(&resp);
    assert_eq!(q["state"], "xyz");
    assert_eq!(q["iss"], clerk.issuer());
    let resp = exchange(clerk, &client_id, &q["code"], &verifier).await;
    assert_eq!(resp.status(), 200);
    (client_id, resp.json().await.unwrap())
}

#[tokio::test]
async fn discovery_documents_look_like_clerks() {
    let clerk = DevClerk::new().start().await.unwrap();
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
    ] {
        let doc = get_json(&format!("{}{path}", clerk.issuer()), None).await;
        assert_eq!(doc["issuer"], clerk.issuer());
        assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(
            doc["registration_endpoint"],
            format!("{}/oauth/register", clerk.issuer())
        );
        assert_eq!(doc["jwks_uri"], clerk.jwks_url());
        let scopes = doc["scopes_supported"].as_array().unwrap();
        assert!(scopes.contains(&json!("user:org:read")));
    }
    let jwks = get_json(&clerk.jwks_url(), None).await;
    assert_eq!(jwks["keys"][0]["kid"], clerk.kid());
    assert_eq!(jwks["keys"][0]["alg"], "RS256");
}

#[tokio::test]
async fn full_flow_issues_clerk_shaped_access_tokens() {
    let clerk = DevClerk::new().auto_consent(true).start().await.unwrap();
    let (client_id, body) = auto_flow(&clerk, None).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "email profile offline_access");
    assert!(body["refresh_token"].is_string());
    let token = body["access_token"].as_str().unwrap();
    let (header, claims) = verify(&clerk, token).await;
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(claims["sub"], "user_alice");
    assert_eq!(claims["client_id"], client_id.as_str());
    assert_eq!(claims["scope"], "email profile offline_access");
    assert!(claims["jti"].as_str().unwrap().starts_with("oat_"));
    assert!(
        claims.get("aud").is_none(),
        "Clerk OAuth tokens carry no aud"
    );
    assert!(
        claims.get("org_id").is_none(),
        "no org without user:org:read"
    );
    assert_eq!(
        claims["nbf"].as_u64().unwrap() + 10,
        claims["iat"].as_u64().unwrap()
    );
    assert!(claims["exp"].as_u64().unwrap() > claims["iat"].as_u64().unwrap());

    // userinfo with the token
    let info: Value = userinfo(&clerk, token).await.json().await.unwrap();
    assert_eq!(info["sub"], "user_alice");
    assert_eq!(info["email"], "alice@example.com");
    let resp = userinfo(&clerk, "nope").await;
    assert_eq!(resp.status(), 401);

    // refresh keeps the grant, can narrow scopes, cannot widen them
    let refresh = body["refresh_token"].as_str().unwrap();
    let resp = refresh_request(&clerk, &client_id, refresh, Some("email")).await;
    assert_eq!(resp.status(), 200);
    let b: Value = resp.json().await.unwrap();
    assert_eq!(b["scope"], "email");
    let resp = refresh_request(&clerk, &client_id, refresh, Some("openid")).await;
    assert_eq!(resp.status(), 400);
    let b: Value = resp.json().await.unwrap();
    assert_eq!(b["error"], "invalid_scope");
}

#[tokio::test]
async fn org_id_only_with_user_org_read() {
    let clerk = DevClerk::new()
        .default_scopes(["email", "profile", "user:org:read"])
        .auto_consent_as("user_bob", None)
        .start()
        .await
        .unwrap();
    let (_, body) = auto_flow(&clerk, Some("profile user:org:read")).await;
    let (_, claims) = verify(&clerk, body["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["sub"], "user_bob");
    assert_eq!(claims["org_id"], "org_acme");
    assert_eq!(claims["scope"], "profile user:org:read");
    assert!(
        body.get("refresh_token").is_none(),
        "no offline_access, no refresh token"
    );
}

#[tokio::test]
async fn scopes_outside_the_registration_fail_with_invalid_scope() {
    let clerk = DevClerk::new().auto_consent(true).start().await.unwrap();
    let client = register(
        &clerk,
        json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"}),
    )
    .await;
    assert_eq!(client["scope"], "email profile offline_access");
    let (_, challenge) = pkce();
    let resp = authorize_s256(
        &clerk,
        client["client_id"].as_str().unwrap(),
        &challenge,
        &[("scope", "email openid"), ("state", "s1")],
    )
    .await;
    assert_eq!(resp.status(), 302);
    let q = redirect_query(&resp);
    assert_eq!(q["error"], "invalid_scope");
    assert_eq!(q["state"], "s1");
    assert!(q["error_description"].contains("'openid'"));
}

#[tokio::test]
async fn pkce_is_required_and_checked_and_codes_are_single_use() {
    let clerk = DevClerk::new().auto_consent(true).start().await.unwrap();
    let id = &register_public(&clerk).await;
    let (verifier, challenge) = pkce();
    // no PKCE / plain PKCE
    for extra in [
        vec![],
        vec![
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "plain"),
        ],
    ] {
        let mut params = vec![
            ("response_type", "code"),
            ("client_id", id),
            ("redirect_uri", REDIRECT),
        ];
        params.extend(extra);
        let resp = authorize(&clerk, &params).await;
        let q = redirect_query(&resp);
        assert_eq!(q["error"], "invalid_request");
    }
    // unregistered redirect URI: never redirected to
    let resp = authorize(
        &clerk,
        &[
            ("response_type", "code"),
            ("client_id", id),
            ("redirect_uri", "https://evil.example/cb"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert!(resp.headers().get("location").is_none());

    let resp = authorize_s256(&clerk, id, &challenge, &[]).await;
    let code = code_of(&resp);
    let wrong = URL_SAFE_NO_PAD.encode([8u8; 40]);
    let resp = exchange(&clerk, id, &code, &wrong).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );
    // the failed attempt burned the code
    let resp = exchange(&clerk, id, &code, &verifier).await;
    assert_eq!(resp.status(), 400);

    let resp = authorize_s256(&clerk, id, &challenge, &[]).await;
    let code = code_of(&resp);
    assert_eq!(exchange(&clerk, id, &code, &verifier).await.status(), 200);
    assert_eq!(exchange(&clerk, id, &code, &verifier).await.status(), 400);
}

#[tokio::test]
async fn confidential_clients_must_authenticate() {
    let clerk = DevClerk::new().auto_consent(true).start().await.unwrap();
    let client = register(&clerk, json!({"redirect_uris": [REDIRECT]})).await;
    assert_eq!(client["token_endpoint_auth_method"], "client_secret_basic");
    let id = client["client_id"].as_str().unwrap();
    let secret = client["client_secret"].as_str().unwrap();
    let (verifier, challenge) = pkce();
    let c = code_of(&authorize_s256(&clerk, id, &challenge, &[]).await);
    let resp = exchange(&clerk, id, &c, &verifier).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
    let c = code_of(&authorize_s256(&clerk, id, &challenge, &[]).await);
    let resp = post_form(
        &format!("{}/oauth/token", clerk.issuer()),
        &[
            ("grant_type", "authorization_code"),
            ("code", c.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier.as_str()),
        ],
    )
    .basic_auth(id, Some(secret))
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn consent_page_names_client_and_scopes_and_chooses_org() {
    let clerk = DevClerk::new()
        .default_scopes(["email", "profile", "user:org:read"])
        .start()
        .await
        .unwrap();
    let client = register(&clerk, json!({"redirect_uris": [REDIRECT], "client_name": "Inspector <script>", "token_endpoint_auth_method": "none"})).await;
    let id = client["client_id"].as_str().unwrap();
    let (verifier, challenge) = pkce();
    let resp = authorize_pkce(&clerk, id, &challenge, "email user:org:read").await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("Inspector &lt;script&gt;"),
        "client name is shown, escaped"
    );
    assert!(!html.contains("Inspector <script>"));
    assert!(html.contains("user:org:read"));
    assert!(html.contains("org_globex"));
    let request_id = request_id_of(&html);

    // bob is not a member of globex: the page comes back with an error
    let resp = approve(&clerk, &request_id, "user_bob", Some("org_globex")).await;
    assert_eq!(resp.status(), 400);
    let html = resp.text().await.unwrap();
    assert!(html.contains("not a member"));
    let request_id = request_id_of(&html);

    let resp = approve(&clerk, &request_id, "user_alice", Some("org_globex")).await;
    assert_eq!(resp.status(), 303);
    let claims = claims_after_redirect(&clerk, id, &resp, &verifier).await;
    assert_eq!(claims["sub"], "user_alice");
    assert_eq!(claims["org_id"], "org_globex");

    // the same request cannot be answered twice
    let resp = approve(&clerk, &request_id, "user_alice", None).await;
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn deny_redirects_with_access_denied() {
    let clerk = DevClerk::new().start().await.unwrap();
    let id = &register_public(&clerk).await;
    let (_, challenge) = pkce();
    let html = authorize_s256(&clerk, id, &challenge, &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains("<select"),
        "no org chooser without user:org:read"
    );
    let request_id = request_id_of(&html);
    let resp = answer_consent(&clerk, &request_id, "user_alice", None, "deny").await;
    assert_eq!(redirect_query(&resp)["error"], "access_denied");
}

#[tokio::test]
async fn registration_validates_metadata() {
    let clerk = DevClerk::new().start().await.unwrap();
    let url = format!("{}/oauth/register", clerk.issuer());
    for (body, error) in [
        (json!({}), "invalid_redirect_uri"),
        (
            json!({"redirect_uris": ["http://evil.example/cb"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["javascript:alert(1)"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": [REDIRECT], "scope": "root"}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": [REDIRECT], "grant_types": ["password"]}),
            "invalid_client_metadata",
        ),
        (json!({"redirect_uris": 5}), "invalid_client_metadata"),
    ] {
        let resp = http().post(&url).json(&body).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{body}");
        assert_eq!(
            resp.json::<Value>().await.unwrap()["error"],
            error,
            "{body}"
        );
    }
    let client = register(&clerk, json!({"redirect_uris": [REDIRECT, "cursor://anysphere.cursor-mcp/oauth/callback"], "scope": "email user:org:read", "token_endpoint_auth_method": "none"})).await;
    assert_eq!(client["scope"], "email user:org:read");
    assert!(client.get("client_secret").is_none());
}

#[tokio::test]
async fn backend_api_lists_memberships_with_the_secret_key() {
    let clerk = DevClerk::new()
        .secret_key("sk_test_unit")
        .start()
        .await
        .unwrap();
    assert_eq!(clerk.secret_key(), "sk_test_unit");
    let url = memberships_url(&clerk, "user_alice");
    let resp = get(&url, None).await;
    assert_eq!(resp.status(), 401);
    let resp = get(&url, Some("sk_test_wrong")).await;
    assert_eq!(resp.status(), 401);
    let body = get_json(&url, Some("sk_test_unit")).await;
    assert_eq!(body["total_count"], 2);
    let acme = &body["data"][0];
    assert_eq!(acme["object"], "organization_membership");
    assert_eq!(acme["organization"]["id"], "org_acme");
    assert_eq!(acme["role"], "org:admin");
    assert!(
        acme["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("org:projects:create"))
    );
    let resp = get(
        &memberships_url(&clerk, "user_nobody"),
        Some("sk_test_unit"),
    )
    .await;
    assert_eq!(resp.status(), 404);
    let user = get_json(
        &format!("{}/users/user_bob", clerk.backend_api_url()),
        Some("sk_test_unit"),
    )
    .await;
    assert_eq!(
        user["email_addresses"][0]["email_address"],
        "bob@example.com"
    );
}

#[tokio::test]
async fn mints_tokens_directly() {
    let clerk = DevClerk::new().start().await.unwrap();
    let token = clerk
        .token("user_alice")
        .org("org_acme")
        .scope("projects:write")
        .mint()
        .unwrap();
    let (header, claims) = verify(&clerk, &token).await;
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(claims["org_id"], "org_acme");
    assert_eq!(
        claims["scope"],
        "email profile offline_access projects:write user:org:read"
    );

    let session = clerk
        .token("user_alice")
        .org("org_acme")
        .session()
        .mint()
        .unwrap();
    let (header, claims) = verify(&clerk, &session).await;
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    assert_eq!(claims["v"], 2);
    assert_eq!(claims["o"]["id"], "org_acme");
    assert_eq!(claims["o"]["rol"], "admin");
    assert_eq!(claims["fea"], "o:projects,o:sys_memberships");
    assert_eq!(claims["o"]["per"], "create,read,manage");
    assert_eq!(claims["o"]["fpm"], "3,4");
    assert!(claims["sid"].as_str().unwrap().starts_with("sess_"));

    assert!(matches!(
        clerk.token("user_nobody").mint(),
        Err(DevError::UnknownUser(_))
    ));
    assert!(matches!(
        clerk.token("user_bob").org("org_globex").mint(),
        Err(DevError::NotAMember { .. })
    ));
}

#[tokio::test]
async fn refuses_non_loopback_addresses_unless_forced() {
    let err = DevClerk::new()
        .bind("0.0.0.0:0".parse().unwrap())
        .start()
        .await
        .unwrap_err();
    assert!(matches!(err, DevError::NonLoopback(_)), "{err}");
    assert!(err.to_string().contains("MCP_CLERK_DEV_ALLOW_NON_LOOPBACK"));
    let clerk = DevClerk::new()
        .bind("0.0.0.0:0".parse().unwrap())
        .allow_non_loopback()
        .public_url("http://127.0.0.1:1/")
        .start()
        .await
        .unwrap();
    assert_eq!(clerk.issuer(), "http://127.0.0.1:1");
}

#[tokio::test]
async fn audience_binding_is_opt_in() {
    let clerk = DevClerk::new()
        .auto_consent(true)
        .audience_from_resource(true)
        .start()
        .await
        .unwrap();
    let (_, body) = auto_flow(&clerk, None).await;
    let (_, claims) = verify(&clerk, body["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["aud"], "http://127.0.0.1:3000/mcp");
}

#[tokio::test]
async fn backend_handle_reads_memberships_from_the_emulator() {
    let clerk = DevClerk::new().start().await.unwrap();
    let backend = clerk.backend();
    let m = backend
        .membership("user_alice", "org_acme")
        .await
        .unwrap()
        .expect("a member");
    assert_eq!(m.role(), "org:admin");
    assert_eq!(m.slug(), Some("acme"));
    assert!(m.permissions().iter().any(|p| p == "org:projects:create"));
    let org = m.to_org();
    assert!(
        org.permissions_known()
            && org.has_permission("org:projects:create")
            && org.has_role("admin")
    );
    assert!(
        backend
            .membership("user_bob", "org_globex")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        backend
            .membership("user_nobody", "org_acme")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        backend
            .users()
            .memberships("user_alice")
            .await
            .unwrap()
            .len(),
        2
    );

    let wrong = mcp_clerk::backend::Clerk::new("sk_test_wrong").api_url(clerk.backend_api_url());
    let err = wrong
        .membership("user_alice", "org_acme")
        .await
        .unwrap_err();
    assert_eq!(err.reason(), "secret-key-invalid");
    assert!(
        !format!("{wrong:?}").contains("sk_test_wrong"),
        "the secret never shows in Debug"
    );
    let down = mcp_clerk::backend::Clerk::new("sk_test_x").api_url("http://127.0.0.1:9/v1");
    assert_eq!(
        down.membership("user_alice", "org_acme").await.unwrap_err(),
        mcp_clerk::backend::BackendError::Unreachable
    );
}

#[tokio::test]
async fn backend_handle_pages_through_many_memberships() {
    use mcp_clerk::dev::{DevDirectory, DevOrganization, DevUser};
    let mut dir = DevDirectory::new().user(DevUser::new("user_many"));
    for i in 0..150 {
        dir = dir.organization(
            DevOrganization::new(format!("org_{i}"), format!("Org {i}"), format!("o{i}"))
                .member("user_many", "member"),
        );
    }
    let clerk = DevClerk::new().directory(dir).start().await.unwrap();
    let all = clerk
        .backend()
        .users()
        .memberships("user_many")
        .await
        .unwrap();
    assert_eq!(all.len(), 150);
    assert_eq!(all[149].org_id(), "org_149");
}

#[tokio::test]
async fn introspection_and_revocation() {
    let clerk = DevClerk::new().auto_consent(true).start().await.unwrap();
    let (client_id, body) = auto_flow(&clerk, None).await;
    let access = body["access_token"].as_str().unwrap();
    let refresh = body["refresh_token"].as_str().unwrap();
    let info = |token: String| {
        let url = format!("{}/oauth/token_info", clerk.issuer());
        let client_id = client_id.clone();
        async move {
            post_form(
                &url,
                &[("token", token.as_str()), ("client_id", client_id.as_str())],
            )
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
        }
    };
    let active = info(access.to_owned()).await;
    assert_eq!(active["active"], true);
    assert_eq!(active["sub"], "user_alice");
    assert_eq!(active["client_id"], client_id.as_str());
    assert_eq!(info("garbage".into()).await["active"], false);
    // introspection needs client authentication
    let resp = post_form(
        &format!("{}/oauth/token_info", clerk.issuer()),
        &[("token", access)],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 401);

    let revoke = |token: &str| {
        post_form(
            &format!("{}/oauth/token/revoke", clerk.issuer()),
            &[("token", token), ("client_id", client_id.as_str())],
        )
    };
    assert_eq!(revoke(access).send().await.unwrap().status(), 200);
    assert_eq!(info(access.to_owned()).await["active"], false);
    let resp = userinfo(&clerk, access).await;
    assert_eq!(resp.status(), 401);

    assert_eq!(revoke(refresh).send().await.unwrap().status(), 200);
    let resp = refresh_request(&clerk, &client_id, refresh, None).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(
        revoke("unknown").send().await.unwrap().status(),
        200,
        "RFC 7009: unknown tokens are fine"
    );
}

#[tokio::test]
async fn debug_output_holds_no_secrets() {
    let builder = DevClerk::new()
        .secret_key("sk_test_do_not_print")
        .auto_consent(true);
    assert!(!format!("{builder:?}").contains("sk_test_do_not_print"));
    let clerk = builder.start().await.unwrap();
    let (_, body) = auto_flow(&clerk, None).await;
    let debug = format!("{clerk:?} {:?}", clerk.token("user_alice"));
    assert!(!debug.contains("sk_test_do_not_print"), "{debug}");
    assert!(!debug.contains(body["refresh_token"].as_str().unwrap()));
    assert!(!debug.contains(body["access_token"].as_str().unwrap()));
}

#[tokio::test]
async fn openid_scope_adds_an_id_token() {
    let clerk = DevClerk::new().auto_consent(true).start().await.unwrap();
    let client = register(&clerk, json!({"redirect_uris": [REDIRECT], "scope": "openid email", "token_endpoint_auth_method": "none"})).await;
    let id = client["client_id"].as_str().unwrap();
    let (verifier, challenge) = pkce();
    let resp = authorize_s256(&clerk, id, &challenge, &[("nonce", "n-0S6")]).await;
    let code = code_of(&resp);
    let body: Value = exchange(&clerk, id, &code, &verifier)
        .await
        .json()
        .await
        .unwrap();
    let id_token = body["id_token"].as_str().expect("an id_token");
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    let payload: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(id_token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(payload["aud"], id);
    assert_eq!(payload["nonce"], "n-0S6");
    assert_eq!(payload["email"], "alice@example.com");
    assert!(payload.get("name").is_none(), "no profile scope, no name");
}

/// The enrichment recipe for the gate: an OAuth token names only the org, so
/// a permission tool is forbidden until the Backend API membership fills in
/// the role and permissions.
#[tokio::test]
async fn backend_membership_completes_an_oauth_callers_org() {
    use mcp_clerk::backend::Clerk;
    use mcp_clerk::policy::{Decision, Forbidden, ToolPolicy, decide};
    use mcp_clerk::{Identity, Verifier};

    let clerk = DevClerk::new().start().await.unwrap();
    let config = clerk.config_builder().build().unwrap();
    let verifier = Verifier::new(&config).unwrap();
    let backend = Clerk::from_config(&config)
        .expect("the dev config carries the secret key")
        .api_url(clerk.backend_api_url());
    let policy = ToolPolicy::new().permission("org:projects:create");

    for (user, expected) in [
        ("user_alice", Decision::Allow),
        (
            "user_bob",
            Decision::Forbidden(Forbidden::MissingPermission("org:projects:create".into())),
        ),
    ] {
        let token = clerk.token(user).org("org_acme").mint().unwrap();
        let caller = verifier.verify(&token).await.unwrap();
        assert_eq!(
            decide(&policy, Some(&caller)),
            Decision::Forbidden(Forbidden::OrgPermissionsUnknown)
        );
        let org = caller.org().unwrap();
        let membership = backend
            .membership(caller.user().id(), org.id())
            .await
            .unwrap()
            .unwrap();
        let enriched = Identity::new(caller.user().clone(), Some(membership.to_org()));
        assert_eq!(decide(&policy, Some(&enriched)), expected, "{user}");
    }
}

#[tokio::test]
async fn settings_from_environment_variables() {
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    let err = DevClerk::from_env_with(vars(&[("MCP_CLERK_DEV_ADDR", "localhost")])).unwrap_err();
    assert!(err.to_string().contains("MCP_CLERK_DEV_ADDR"), "{err}");
    let err = DevClerk::from_env_with(vars(&[("MCP_CLERK_DEV_CONFIG", "/nonexistent/dev.json")]))
        .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/dev.json"), "{err}");

    let clerk = DevClerk::from_env_with(vars(&[
        ("MCP_CLERK_DEV_AUTO_CONSENT", "user_bob/org_acme"),
        ("MCP_CLERK_DEV_DEFAULT_SCOPES", "email,user:org:read"),
        ("MCP_CLERK_DEV_SECRET_KEY", "sk_test_env"),
        ("MCP_CLERK_DEV_ADDR", "127.0.0.1:0"),
    ]))
    .unwrap()
    .start()
    .await
    .unwrap();
    assert_eq!(clerk.secret_key(), "sk_test_env");
    let (_, body) = auto_flow(&clerk, None).await;
    let (_, claims) = verify(&clerk, body["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["sub"], "user_bob");
    assert_eq!(claims["org_id"], "org_acme");
    assert_eq!(claims["scope"], "email user:org:read");

    // an auto-consent user that does not exist is refused at start
    let err = DevClerk::from_env_with(vars(&[("MCP_CLERK_DEV_AUTO_CONSENT", "user_ghost")]))
        .unwrap()
        .start()
        .await
        .unwrap_err();
    assert!(matches!(err, DevError::UnknownUser(_)), "{err}");
    let err = DevClerk::from_env_with(vars(&[
        ("MCP_CLERK_DEV_ALLOW_NON_LOOPBACK", "0"),
        ("MCP_CLERK_DEV_ADDR", "0.0.0.0:0"),
    ]))
    .unwrap()
    .start()
    .await
    .unwrap_err();
    assert!(matches!(err, DevError::NonLoopback(_)), "{err}");
}

#[tokio::test]
async fn request_log_has_paths_but_no_query_strings() {
    let clerk = DevClerk::new().auto_consent(true).start().await.unwrap();
    let (_, body) = auto_flow(&clerk, None).await;
    let log = clerk.request_log();
    assert_eq!(
        log,
        [
            "POST /oauth/register 201",
            "GET /oauth/authorize 302",
            "POST /oauth/token 200",
        ]
    );
    let all = log.join("\n");
    assert!(!all.contains('?') && !all.contains(body["access_token"].as_str().unwrap()));
}

/// Registers a public client (PKCE, no secret) redirecting to `REDIRECT`;
/// returns its id.
async fn register_public(clerk: &DevClerkServer) -> String {
    let client = register(
        clerk,
        json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"}),
    )
    .await;
    client["client_id"].as_str().unwrap().to_owned()
}

/// Approves the consent request `request_id` as `user_id` (and `org_id`).
async fn approve(
    clerk: &DevClerkServer,
    request_id: &str,
    user_id: &str,
    org_id: Option<&str>,
) -> reqwest::Response {
    answer_consent(clerk, request_id, user_id, org_id, "allow").await
}

/// Answers the consent request `request_id` as `user_id` (and `org_id`)
/// with `decision` (`allow` or `deny`).
async fn answer_consent(
    clerk: &DevClerkServer,
    request_id: &str,
    user_id: &str,
    org_id: Option<&str>,
    decision: &str,
) -> reqwest::Response {
    let mut pairs = vec![("request_id", request_id), ("user_id", user_id)];
    if let Some(org_id) = org_id {
        pairs.push(("org_id", org_id));
    }
    pairs.push(("decision", decision));
    post_form(&format!("{}/oauth/authorize", clerk.issuer()), &pairs)
        .send()
        .await
        .unwrap()
}

/// Follows an approved consent's redirect (state `st`): exchanges the code
/// and returns the verified access token's claims.
async fn claims_after_redirect(
    clerk: &DevClerkServer,
    client_id: &str,
    approved: &reqwest::Response,
    verifier: &str,
) -> Value {
    assert_eq!(approved.status(), 303);
    let q = redirect_query(approved);
    assert_eq!(q["state"], "st");
    let body: Value = exchange(clerk, client_id, &q["code"], verifier)
        .await
        .json()
        .await
        .unwrap();
    verify(clerk, body["access_token"].as_str().unwrap())
        .await
        .1
}

/// `/oauth/authorize` for `client_id` with PKCE S256, `scope`, state `st`.
async fn authorize_pkce(
    clerk: &DevClerkServer,
    client_id: &str,
    challenge: &str,
    scope: &str,
) -> reqwest::Response {
    authorize_s256(
        clerk,
        client_id,
        challenge,
        &[("scope", scope), ("state", "st")],
    )
    .await
}

/// Runs the consent page for `scope` with `client_id`; returns the request id.
async fn consent_request_id(
    clerk: &DevClerkServer,
    client_id: &str,
    challenge: &str,
    scope: &str,
) -> String {
    let resp = authorize_pkce(clerk, client_id, challenge, scope).await;
    assert_eq!(resp.status(), 200);
    request_id_of(&resp.text().await.unwrap())
}

fn request_id_of(html: &str) -> String {
    html.split("name=\"request_id\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

/// The refresh-token grant for `client_id` (narrowed to `scope` when given).
async fn refresh_request(
    clerk: &DevClerkServer,
    client_id: &str,
    refresh_token: &str,
    scope: Option<&str>,
) -> reqwest::Response {
    let mut pairs = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", client_id),
    ];
    if let Some(scope) = scope {
        pairs.push(("scope", scope));
    }
    post_form(&format!("{}/oauth/token", clerk.issuer()), &pairs)
        .send()
        .await
        .unwrap()
}

/// [`refresh_request`] that must succeed; its JSON body.
async fn refresh_with(
    clerk: &DevClerkServer,
    client_id: &str,
    refresh_token: &str,
    scope: Option<&str>,
) -> Value {
    let resp = refresh_request(clerk, client_id, refresh_token, scope).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn a_refresh_that_drops_user_org_read_drops_the_org() {
    let clerk = DevClerk::new()
        .default_scopes(["email", "profile", "offline_access", "user:org:read"])
        .auto_consent_as("user_bob", None)
        .start()
        .await
        .unwrap();
    let (client_id, body) = auto_flow(&clerk, Some("email offline_access user:org:read")).await;
    let (_, claims) = verify(&clerk, body["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["org_id"], "org_acme");
    let refresh_token = body["refresh_token"].as_str().unwrap().to_owned();

    // the full grant again: the organization stays
    let again = refresh_with(&clerk, &client_id, &refresh_token, None).await;
    let (_, claims) = verify(&clerk, again["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["org_id"], "org_acme");
    assert_eq!(claims["scope"], "email offline_access user:org:read");

    // narrowed to `email`: no user:org:read, so no org_id
    let narrowed = refresh_with(&clerk, &client_id, &refresh_token, Some("email")).await;
    let (_, claims) = verify(&clerk, narrowed["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["scope"], "email");
    assert!(
        claims.get("org_id").is_none(),
        "org_id without user:org:read: {claims}"
    );

    // the refresh token itself keeps the full grant
    let full = refresh_with(&clerk, &client_id, &refresh_token, None).await;
    let (_, claims) = verify(&clerk, full["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["org_id"], "org_acme");
}

#[tokio::test]
async fn consent_cannot_pick_an_org_without_user_org_read() {
    let clerk = DevClerk::new().start().await.unwrap();
    let id = &register_public(&clerk).await;
    let (verifier, challenge) = pkce();
    let resp = authorize_pkce(&clerk, id, &challenge, "email profile").await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(
        !html.contains("name=\"org_id\""),
        "no organization chooser without user:org:read"
    );
    let request_id = request_id_of(&html);

    // a hand-made form naming an org anyway is refused, and the page comes back
    let resp = approve(&clerk, &request_id, "user_alice", Some("org_acme")).await;
    assert_eq!(resp.status(), 400);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("did not ask for organization access"),
        "{html}"
    );
    let request_id = request_id_of(&html);

    // approving without an org gives a token without org_id
    let resp = approve(&clerk, &request_id, "user_alice", None).await;
    assert_eq!(resp.status(), 303);
    let claims = claims_after_redirect(&clerk, id, &resp, &verifier).await;
    assert_eq!(claims["sub"], "user_alice");
    assert_eq!(claims["scope"], "email profile");
    assert!(claims.get("org_id").is_none(), "{claims}");
}

#[tokio::test]
async fn with_user_org_read_the_consent_form_sets_the_org() {
    let clerk = DevClerk::new()
        .default_scopes(["email", "user:org:read"])
        .start()
        .await
        .unwrap();
    let id = &register_public(&clerk).await;
    let (verifier, challenge) = pkce();
    let request_id = consent_request_id(&clerk, id, &challenge, "email user:org:read").await;
    let resp = approve(&clerk, &request_id, "user_bob", Some("org_acme")).await;
    assert_eq!(resp.status(), 303);
    let claims = claims_after_redirect(&clerk, id, &resp, &verifier).await;
    assert_eq!(claims["org_id"], "org_acme");
}

/// A unique path under the system temp dir (removed on drop).
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(name: &str, contents: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("mcp-clerk-dev-test-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, contents).unwrap();
        Self(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[tokio::test]
async fn starts_from_a_config_file_named_by_mcp_clerk_dev_config() {
    let file = TempFile::new(
        "clerk-dev.json",
        r#"{
          "users": [
            { "id": "user_zed", "email": "zed@example.org", "first_name": "Zed", "username": "zed" },
            { "id": "user_yan", "email": "yan@example.org" }
          ],
          "organizations": [
            { "id": "org_zeta", "name": "Zeta Labs", "slug": "zeta",
              "members": [
                { "user_id": "user_zed", "role": "org:auditor", "permissions": ["org:invoices:export"] },
                { "user_id": "user_yan", "role": "org:admin" }
              ] }
          ],
          "roles": {
            "org:auditor": ["org:reports:read", "org:ledger:read"],
            "org:admin": ["org:reports:read", "org:reports:write"]
          }
        }"#,
    );
    let path = file.0.to_str().unwrap().to_owned();
    let clerk = DevClerk::from_env_with(|name| match name {
        "MCP_CLERK_DEV_CONFIG" => Some(path.clone()),
        "MCP_CLERK_DEV_AUTO_CONSENT" => Some("1".into()),
        "MCP_CLERK_DEV_DEFAULT_SCOPES" => Some("email profile user:org:read".into()),
        "MCP_CLERK_DEV_SECRET_KEY" => Some("sk_test_file".into()),
        _ => None,
    })
    .unwrap()
    .start()
    .await
    .unwrap();

    // auto-consent signs in as the file's first user, in that user's first org
    let (_, body) = auto_flow(&clerk, None).await;
    let (_, claims) = verify(&clerk, body["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["sub"], "user_zed");
    assert_eq!(claims["org_id"], "org_zeta");
    assert_eq!(claims["scope"], "email profile user:org:read");
    let info: Value = userinfo(&clerk, body["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["email"], "zed@example.org");

    // the Backend API reports the file's role and permissions (role's + member's own)
    let memberships = get_json(&memberships_url(&clerk, "user_zed"), Some("sk_test_file")).await;
    assert_eq!(memberships["total_count"], 1);
    let m = &memberships["data"][0];
    assert_eq!(m["organization"]["id"], "org_zeta");
    assert_eq!(m["organization"]["name"], "Zeta Labs");
    assert_eq!(m["organization"]["slug"], "zeta");
    assert_eq!(m["role"], "org:auditor");
    let mut permissions: Vec<&str> = m["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    permissions.sort_unstable();
    assert_eq!(
        permissions,
        ["org:invoices:export", "org:ledger:read", "org:reports:read"]
    );
    // the sample users are gone
    let resp = get(&memberships_url(&clerk, "user_alice"), Some("sk_test_file")).await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn unknown_client_ids_get_a_page_that_explains_the_restart() {
    let first = DevClerk::new().auto_consent(true).start().await.unwrap();
    let client_id = register_public(&first).await;
    first.shutdown().await;

    // a "restarted" emulator: registrations were in memory
    let clerk = DevClerk::new().auto_consent(true).start().await.unwrap();
    let (_, challenge) = pkce();
    let resp = authorize_s256(&clerk, &client_id, &challenge, &[]).await;
    assert_eq!(resp.status(), 400);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let html = resp.text().await.unwrap();
    assert!(html.contains("invalid_client"), "{html}");
    assert!(html.contains(&client_id), "names the client id: {html}");
    assert!(html.contains("restarted"), "{html}");
    assert!(html.contains("register again"), "{html}");
    assert!(html.contains("clear its cached"), "{html}");
    assert!(html.contains("~/.mcp-auth"), "{html}");

    // hostile client ids are escaped
    let resp = authorize(&clerk, &[("client_id", "<script>x</script>")]).await;
    assert_eq!(resp.status(), 400);
    let html = resp.text().await.unwrap();
    assert!(!html.contains("<script>x"), "{html}");
    assert!(html.contains("&lt;script&gt;x"), "{html}");
}

/// A `MakeWriter` that appends everything to one buffer.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn starting_logs_a_loud_development_only_warning() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .finish();
    // current-thread runtime: `start` runs on this thread, under this subscriber
    // tracing-core caches a callsite's interest process-wide. With a single
    // registered dispatcher it computes that interest from whichever thread
    // registers the callsite first, so another test's thread (no subscriber)
    // could cache "never" for the warning. A second live dispatcher makes it
    // combine the interest of every registered one instead.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let guard = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();
    let clerk = DevClerk::new().start().await.unwrap();
    drop(guard);
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let line = log
        .lines()
        .find(|l| l.contains("dev Clerk emulator running"))
        .unwrap_or_else(|| panic!("no start warning in {log:?}"));
    assert!(line.contains("WARN"), "{line}");
    assert!(
        line.contains("for development only, never in production"),
        "{line}"
    );
    assert!(line.contains(clerk.issuer()), "{line}");
}

/// The Backend API's organization endpoints, over HTTP: Clerk-shaped
/// objects, PATCH (role) and DELETE of a membership reflected by every
/// memberships list, the secret key required.
#[tokio::test]
async fn backend_api_organizations_and_membership_changes() {
    let clerk = DevClerk::new().start().await.unwrap();
    let key = clerk.secret_key().to_owned();
    let api = clerk.backend_api_url();

    let user = get_json(&format!("{api}/users/user_alice"), Some(&key)).await;
    assert_eq!(user["object"], "user");
    assert_eq!(
        user["primary_email_address_id"],
        user["email_addresses"][0]["id"]
    );
    assert_eq!(
        user["email_addresses"][0]["verification"]["status"],
        "verified"
    );
    assert!(user["created_at"].as_u64().is_some() && user["public_metadata"].is_object());

    let org = get_json(&format!("{api}/organizations/org_acme"), Some(&key)).await;
    assert_eq!(
        (org["object"].as_str(), org["members_count"].as_u64()),
        (Some("organization"), Some(2))
    );
    let members = get_json(
        &format!("{api}/organizations/org_acme/memberships"),
        Some(&key),
    )
    .await;
    assert_eq!(members["total_count"], 2);
    assert_eq!(
        members["data"][1]["public_user_data"]["user_id"],
        "user_bob"
    );
    let only_bob = get_json(
        &format!("{api}/organizations/org_acme/memberships?user_id=user_bob"),
        Some(&key),
    )
    .await;
    assert_eq!(only_bob["total_count"], 1);

    for url in [
        format!("{api}/organizations/org_acme"),
        format!("{api}/organizations/org_acme/memberships"),
    ] {
        assert_eq!(get(&url, Some("sk_test_wrong")).await.status(), 401);
    }
    assert_eq!(
        get(&format!("{api}/organizations/org_none"), Some(&key))
            .await
            .status(),
        404
    );

    let member_url = format!("{api}/organizations/org_acme/memberships/user_bob");
    let patch = |body: Value, bearer: String| {
        let url = member_url.clone();
        async move {
            http()
                .patch(url)
                .bearer_auth(bearer)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        patch(json!({"role": "org:admin"}), "sk_test_wrong".into())
            .await
            .status(),
        401
    );
    assert_eq!(patch(json!({}), key.clone()).await.status(), 422);
    let r = patch(json!({"role": "org:admin"}), key.clone()).await;
    assert_eq!(r.status(), 200);
    let updated: Value = r.json().await.unwrap();
    assert_eq!(updated["role"], "org:admin");
    let bobs = get_json(&memberships_url(&clerk, "user_bob"), Some(&key)).await;
    assert_eq!(bobs["data"][0]["role"], "org:admin");
    assert!(
        bobs["data"][0]["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("org:projects:create"))
    );

    let delete = || http().delete(&member_url).bearer_auth(&key).send();
    let r = delete().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap()["public_user_data"]["user_id"],
        "user_bob"
    );
    assert_eq!(delete().await.unwrap().status(), 404, "already removed");
    let bobs = get_json(&memberships_url(&clerk, "user_bob"), Some(&key)).await;
    assert_eq!(bobs["total_count"], 0);
    let org = get_json(&format!("{api}/organizations/org_acme"), Some(&key)).await;
    assert_eq!(org["members_count"], 1);
    // Tokens for the removed membership are no longer minted.
    assert!(matches!(
        clerk.token("user_bob").org("org_acme").mint(),
        Err(DevError::NotAMember { .. })
    ));
    // The builder-side methods change the same directory.
    clerk.add_member("org_acme", "user_bob", "member").unwrap();
    assert_eq!(
        clerk
            .directory()
            .membership("user_bob", "org_acme")
            .unwrap()
            .role,
        "org:member"
    );
    assert!(clerk.set_role("org_globex", "user_bob", "admin").is_err());
}
