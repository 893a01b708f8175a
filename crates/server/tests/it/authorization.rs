//! The authorization code flow's management API (wallet clients, the authentication provider,
//! claims sources, authorization-code offers) and the refusals of the authorization and token
//! endpoints that need no identity provider. The journey through a real OpenID Provider, the
//! interaction hook and claims sources runs in interop/tests/authorization.test.js.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sigil_testkit::Engine;

use crate::helpers::{TestApp, assert_bad_request, assert_error, reply, spawn_app};
use crate::on_both_engines;

on_both_engines!(
    url_rules_apply_to_client_redirect_uris_and_claims_sources,
    clients_crud_with_a_secret_shown_once,
    authentication_provider_is_one_per_deployment_and_masks_its_secret,
    claim_sources_mask_secrets_and_are_referenced_by_configurations,
    authorize_never_redirects_to_an_unregistered_uri,
    authorize_errors_after_the_redirect_uri_go_back_with_state_and_iss,
    par_refuses_bad_requests_and_request_uris_are_single_use,
    token_endpoint_refuses_unknown_codes_and_mixed_grants,
);

const WALLET_CB: &str = "https://wallet.example/cb";

async fn client(app: &TestApp, body: Value) -> Value {
    let r = app.post("/v1/openid/clients", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body
}

async fn sd_jwt_configuration(app: &TestApp) -> String {
    let r = app
        .post(
            "/v1/openid/credential-configurations",
            json!({"name": "Badge", "format": "dc+sd-jwt", "vct": "https://issuer.example/badge",
                   "claimMappings": {"email": {"mapFrom": "claims.email"}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_str().unwrap().to_string()
}

/// A browser-style GET that does not follow redirects.
async fn browse(app: &TestApp, path_and_query: &str) -> crate::helpers::Reply {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    reply(client.get(app.url(path_and_query))).await
}

fn query(params: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.extend_pairs(params);
    s.finish()
}

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

async fn url_rules_apply_to_client_redirect_uris_and_claims_sources(engine: Engine) {
    let app = spawn_app(engine).await;
    for (uri, why) in [
        ("http://wallet.example/cb", "https"),
        ("https://10.0.0.7/cb", "IP address"),
        ("https://wallet.example/cb?x=1", "query"),
        ("not a url", "valid URL"),
    ] {
        let r = app
            .post(
                "/v1/openid/clients",
                json!({"name": "w", "redirectUris": [WALLET_CB, uri]}),
            )
            .await;
        assert_bad_request(&r, "redirectUris.1", "body");
        assert_eq!(r.body["details"][0]["value"], uri);
        assert!(
            r.body["details"][0]["msg"].as_str().unwrap().contains(why),
            "{}",
            r.text
        );

        let r = app
            .post(
                "/v1/claim-sources",
                json!({"name": "s", "url": uri, "authorization": {"type": "api-key", "value": "k"}}),
            )
            .await;
        assert_bad_request(&r, "url", "body");
        assert!(
            r.body["details"][0]["msg"].as_str().unwrap().contains(why),
            "{}",
            r.text
        );
    }
    // Native apps may use loopback IPs (any port) and private-use schemes, never `localhost`.
    let native = client(
        &app,
        json!({"name": "n", "applicationType": "native",
               "redirectUris": ["http://127.0.0.1/cb", "com.example.wallet:/cb"]}),
    )
    .await;
    assert_eq!(native["applicationType"], "native");
    let r = app
        .post(
            "/v1/openid/clients",
            json!({"name": "n", "applicationType": "native", "redirectUris": ["http://localhost/cb"]}),
        )
        .await;
    assert_bad_request(&r, "redirectUris.0", "body");
    let r = app
        .post(
            "/v1/openid/clients",
            json!({"name": "w", "redirectUris": [], "tokenEndpointAuthMethod": "private_key_jwt"}),
        )
        .await;
    assert_bad_request(&r, "redirectUris", "body");
    assert_bad_request(&r, "tokenEndpointAuthMethod", "body");
}

async fn clients_crud_with_a_secret_shown_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let created = client(
        &app,
        json!({"name": "Wallet", "redirectUris": [WALLET_CB], "tokenEndpointAuthMethod": "client_secret_basic"}),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    assert!(created["secret"].as_str().unwrap().len() >= 43);
    let path = format!("/v1/openid/clients/{id}");
    let read = app.get(&path).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.body.get("secret").is_none(), "{}", read.text);
    assert_eq!(read.body["redirectUris"], json!([WALLET_CB]));
    let listed = app.get("/v1/openid/clients").await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
    let updated = app
        .put(
            &path,
            json!({"name": "Renamed", "redirectUris": [WALLET_CB, "https://wallet.example/cb2"],
                            "tokenEndpointAuthMethod": "client_secret_basic"}),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert!(
        updated.body.get("secret").is_none(),
        "the secret is kept, not re-shown"
    );
    assert_eq!(app.delete(&path).await.status, StatusCode::NO_CONTENT);
    assert_error(&app.get(&path).await, StatusCode::NOT_FOUND, "NotFound");
    let unknown = app
        .post(
            "/v1/openid/clients",
            json!({"name": "w", "redirectUris": [WALLET_CB], "scope": "x"}),
        )
        .await;
    assert_bad_request(&unknown, "scope", "body");
}

fn provider(secret: &str) -> Value {
    json!({"url": "https://idp.example", "clientId": "sigil", "clientSecret": secret,
           "claimsToPersist": ["email"], "forwardedRequestParameters": ["login_hint"]})
}

async fn authentication_provider_is_one_per_deployment_and_masks_its_secret(engine: Engine) {
    let app = spawn_app(engine).await;
    const PATH: &str = "/v1/users/authentication-providers";
    let r = app.post(PATH, provider("s3cret-value")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["clientSecret"], "****");
    assert_eq!(r.body["scope"], json!(["openid", "profile", "email"]));
    assert_eq!(r.body["tokenEndpointAuthMethod"], "client_secret_post");
    assert_eq!(
        r.body["redirectUrl"],
        format!("{}/v1/oauth/authentication/callback", app.base)
    );
    assert!(!r.text.contains("s3cret-value"));
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_error(
        &app.post(PATH, provider("other")).await,
        StatusCode::CONFLICT,
        "Conflict",
    );
    let item = format!("{PATH}/{id}");
    let kept = app.put(&item, provider("****")).await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.text);
    for (body, param) in [
        (
            json!({"url": "http://idp.example", "clientId": "a", "clientSecret": "b"}),
            "url",
        ),
        (
            json!({"url": "https://idp.example", "clientId": "", "clientSecret": "b"}),
            "clientId",
        ),
        (
            json!({"url": "https://idp.example", "clientId": "a", "clientSecret": "b",
                   "staticRequestParameters": {"redirect_uri": "https://evil.example"}}),
            "staticRequestParameters.redirect_uri",
        ),
        (
            json!({"url": "https://idp.example", "clientId": "a", "clientSecret": "b",
                   "tokenEndpointAuthMethod": "none"}),
            "tokenEndpointAuthMethod",
        ),
    ] {
        assert_bad_request(&app.put(&item, body).await, param, "body");
    }
    assert_eq!(
        app.get(PATH).await.body["data"].as_array().unwrap().len(),
        1
    );
    assert_eq!(app.delete(&item).await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.post(PATH, provider("again")).await.status,
        StatusCode::CREATED
    );
}

async fn claim_sources_mask_secrets_and_are_referenced_by_configurations(engine: Engine) {
    let app = spawn_app(engine).await;
    let r = app
        .post(
            "/v1/claim-sources",
            json!({"name": "Registry", "url": "https://registry.example/claims",
                   "requestParameters": {"email": {"mapFrom": "claims.email"}},
                   "authorization": {"type": "oauth-client-credentials",
                                     "tokenEndpoint": "https://registry.example/token",
                                     "clientId": "sigil", "clientSecret": "cc-secret"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["requestMethod"], "GET");
    assert_eq!(r.body["authorization"]["clientSecret"], "****");
    assert!(!r.text.contains("cc-secret"));
    let source = r.body["id"].as_str().unwrap().to_string();
    for (body, param) in [
        (
            json!({"name": "s", "url": "https://a.example", "requestMethod": "PUT"}),
            "requestMethod",
        ),
        (
            json!({"name": "s", "url": "https://a.example", "requestParameters": {"p": {}}}),
            "requestParameters.p",
        ),
        (
            json!({"name": "s", "url": "https://a.example",
                   "requestParameters": {"p": {"mapFrom": "user.email"}}}),
            "requestParameters.p.mapFrom",
        ),
        (
            json!({"name": "s", "url": "https://a.example", "authorization": {"type": "basic"}}),
            "authorization.type",
        ),
    ] {
        let r = app.post("/v1/claim-sources", body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
        assert!(
            r.body["details"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["param"].as_str().unwrap().starts_with(param)),
            "{param}: {}",
            r.text
        );
    }
    let config = |claim_source: &str| {
        json!({"name": "Badge", "format": "dc+sd-jwt", "vct": "https://issuer.example/badge",
               "claimSourceId": claim_source, "claimMappings": {"email": {"mapFrom": "claims.email"}}})
    };
    let bad = app
        .post(
            "/v1/openid/credential-configurations",
            config("0190f0e2-7c1a-7000-8000-000000000000"),
        )
        .await;
    // An id that names nothing is a 404.
    assert_error(&bad, StatusCode::NOT_FOUND, "NotFound");
    let good = app
        .post("/v1/openid/credential-configurations", config(&source))
        .await;
    assert_eq!(good.status, StatusCode::CREATED, "{}", good.text);
    assert_eq!(good.body["claimSourceId"], source);
    let item = format!("/v1/claim-sources/{source}");
    assert_error(&app.delete(&item).await, StatusCode::CONFLICT, "Conflict");
    let config_id = good.body["id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/v1/openid/credential-configurations/{config_id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.delete(&item).await.status, StatusCode::NO_CONTENT);
}

async fn authorize_never_redirects_to_an_unregistered_uri(engine: Engine) {
    let app = spawn_app(engine).await;
    sd_jwt_configuration(&app).await;
    let c = client(&app, json!({"name": "w", "redirectUris": [WALLET_CB]})).await;
    let id = c["id"].as_str().unwrap();
    for redirect in [
        "https://wallet.example/cb/",
        "https://wallet.example/CB",
        "https://wallet.example/cb?x=1",
        "https://wallet.example:8443/cb",
        "https://evil.example/cb",
    ] {
        // A bad scope too: an attacker triggers an error to bounce the user (SECURITY C7).
        let r = browse(
            &app,
            &format!(
                "/v1/oauth/authorize?{}",
                query(&[
                    ("client_id", id),
                    ("redirect_uri", redirect),
                    ("response_type", "code"),
                    ("scope", "nope")
                ])
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{redirect}: {}", r.text);
        assert!(r.headers.get("location").is_none(), "{redirect}");
        assert!(r.text.contains("<h1>"), "an HTML page: {}", r.text);
    }
    for q in [
        query(&[
            ("client_id", "0190f0e2-7c1a-7000-8000-000000000000"),
            ("redirect_uri", WALLET_CB),
        ]),
        query(&[("redirect_uri", WALLET_CB)]),
        "client_id=a&client_id=b".to_string(),
    ] {
        let r = browse(&app, &format!("/v1/oauth/authorize?{q}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
        assert!(r.headers.get("location").is_none(), "{q}");
    }
}

fn location_params(r: &crate::helpers::Reply) -> std::collections::BTreeMap<String, String> {
    let location = r
        .headers
        .get("location")
        .expect("a redirect")
        .to_str()
        .unwrap();
    assert!(location.starts_with(WALLET_CB), "{location}");
    let url = url::Url::parse(location).unwrap();
    url.query_pairs().into_owned().collect()
}

async fn authorize_errors_after_the_redirect_uri_go_back_with_state_and_iss(engine: Engine) {
    let app = spawn_app(engine).await;
    let config = sd_jwt_configuration(&app).await;
    let c = client(&app, json!({"name": "w", "redirectUris": [WALLET_CB]})).await;
    let id = c["id"].as_str().unwrap();
    let scope = "dc+sd-jwt:https://issuer.example/badge";
    let details =
        json!([{"type": "openid_credential", "credential_configuration_id": config}]).to_string();
    let bad_details =
        json!([{"type": "openid_credential", "credential_configuration_id": "nope"}]).to_string();
    for (extra, error) in [
        (vec![("scope", scope)], "invalid_request"), // no code_challenge
        (
            vec![
                ("scope", scope),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "plain"),
            ],
            "invalid_request",
        ),
        (
            vec![("scope", scope), ("code_challenge", CHALLENGE)],
            "invalid_request",
        ), // method defaults to plain
        (
            vec![
                ("scope", scope),
                ("code_challenge", "short"),
                ("code_challenge_method", "S256"),
            ],
            "invalid_request",
        ),
        (
            vec![
                ("scope", "dc+sd-jwt:unknown"),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ],
            "invalid_scope",
        ),
        (
            vec![
                ("authorization_details", bad_details.as_str()),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ],
            "invalid_authorization_details",
        ),
        (
            vec![
                ("scope", scope),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
                ("issuer_state", "made-up"),
            ],
            "invalid_request",
        ),
        // Valid, but no authentication provider is configured.
        (
            vec![
                ("authorization_details", details.as_str()),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ],
            "server_error",
        ),
    ] {
        let mut params = vec![
            ("client_id", id),
            ("redirect_uri", WALLET_CB),
            ("response_type", "code"),
            ("state", "xyz"),
        ];
        params.extend(extra.iter().copied());
        let r = browse(&app, &format!("/v1/oauth/authorize?{}", query(&params))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{extra:?}: {}", r.text);
        let p = location_params(&r);
        assert_eq!(
            p.get("error").map(String::as_str),
            Some(error),
            "{extra:?}: {p:?}"
        );
        assert_eq!(p.get("state").map(String::as_str), Some("xyz"));
        assert_eq!(p.get("iss"), Some(&app.base));
        assert!(!p.contains_key("code"));
    }
    let r = browse(
        &app,
        &format!(
            "/v1/oauth/authorize?{}",
            query(&[
                ("client_id", id),
                ("response_type", "token"),
                ("state", "s")
            ])
        ),
    )
    .await;
    assert_eq!(
        location_params(&r).get("error").map(String::as_str),
        Some("unsupported_response_type")
    );
}

async fn par_refuses_bad_requests_and_request_uris_are_single_use(engine: Engine) {
    let app = spawn_app(engine).await;
    sd_jwt_configuration(&app).await;
    let c = client(&app, json!({"name": "w", "redirectUris": [WALLET_CB]})).await;
    let id = c["id"].as_str().unwrap();
    let scope = "dc+sd-jwt:https://issuer.example/badge";
    let http = reqwest::Client::new();
    let par = |form: Vec<(&'static str, String)>| {
        let req = http.post(app.url("/v1/oauth/par")).form(&form);
        reply(req)
    };
    let base = |id: &str| {
        vec![
            ("client_id", id.to_string()),
            ("response_type", "code".to_string()),
            ("redirect_uri", WALLET_CB.to_string()),
            ("scope", scope.to_string()),
            ("code_challenge", CHALLENGE.to_string()),
            ("code_challenge_method", "S256".to_string()),
        ]
    };
    let unknown = par(base("0190f0e2-7c1a-7000-8000-000000000000")).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.body["error"], "invalid_client");
    let mut plain = base(id);
    plain.retain(|(k, _)| *k != "code_challenge_method");
    plain.push(("code_challenge_method", "plain".into()));
    let r = par(plain).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"], "invalid_request");
    let mut other_redirect = base(id);
    other_redirect.retain(|(k, _)| *k != "redirect_uri");
    other_redirect.push(("redirect_uri", "https://evil.example/cb".into()));
    assert_eq!(par(other_redirect).await.body["error"], "invalid_request");
    // RFC 9449 §10: dpop_jkt must be a base64url SHA-256 thumbprint.
    for jkt in ["not-a-thumbprint", "AAAA", "%%%"] {
        let mut bound = base(id);
        bound.push(("dpop_jkt", jkt.into()));
        let r = par(bound).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
        assert!(r.text.contains("dpop_jkt"), "{}", r.text);
    }
    let mut bound = base(id);
    bound.push(("dpop_jkt", sigil_crypto::b64url::encode([7u8; 32])));
    assert_eq!(par(bound).await.status, StatusCode::CREATED);

    let ok = par(base(id)).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    assert_eq!(ok.body["expires_in"], 90);
    let request_uri = ok.body["request_uri"].as_str().unwrap();
    assert!(request_uri.starts_with("urn:ietf:params:oauth:request_uri:"));
    // Another client cannot use it; the first use consumes it (here: no provider, so an error
    // redirect), the second finds nothing.
    let other = client(&app, json!({"name": "o", "redirectUris": [WALLET_CB]})).await;
    let stolen = browse(
        &app,
        &format!(
            "/v1/oauth/authorize?{}",
            query(&[
                ("client_id", other["id"].as_str().unwrap()),
                ("request_uri", request_uri)
            ])
        ),
    )
    .await;
    assert_eq!(stolen.status, StatusCode::BAD_REQUEST);
    let first = browse(
        &app,
        &format!(
            "/v1/oauth/authorize?{}",
            query(&[("client_id", id), ("request_uri", request_uri)])
        ),
    )
    .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.text);
    assert_eq!(
        location_params(&first).get("error").map(String::as_str),
        Some("server_error")
    );
    let second = browse(
        &app,
        &format!(
            "/v1/oauth/authorize?{}",
            query(&[("client_id", id), ("request_uri", request_uri)])
        ),
    )
    .await;
    assert_eq!(second.status, StatusCode::BAD_REQUEST);
    assert!(second.headers.get("location").is_none());
}

async fn token_endpoint_refuses_unknown_codes_and_mixed_grants(engine: Engine) {
    let app = spawn_app(engine).await;
    let c = client(&app, json!({"name": "w", "redirectUris": [WALLET_CB]})).await;
    let id = c["id"].as_str().unwrap();
    let http = reqwest::Client::new();
    let token = |form: Vec<(&str, &str)>| reply(http.post(app.url("/v1/oauth/token")).form(&form));
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let r = token(vec![
        ("grant_type", "authorization_code"),
        ("client_id", id),
        ("code", "made-up"),
        ("redirect_uri", WALLET_CB),
        ("code_verifier", verifier),
    ])
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"], "invalid_grant");
    let r = token(vec![
        ("grant_type", "authorization_code"),
        ("client_id", id),
        ("code", "made-up"),
        ("tx_code", "1234"),
    ])
    .await;
    assert_eq!(r.body["error"], "invalid_request");
    let r = token(vec![
        ("grant_type", "authorization_code"),
        ("code", "made-up"),
    ])
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body["error"], "invalid_client");
    let confidential = client(&app, json!({"name": "c", "redirectUris": [WALLET_CB], "tokenEndpointAuthMethod": "client_secret_basic"})).await;
    let r = reply(
        http.post(app.url("/v1/oauth/token"))
            .basic_auth(confidential["id"].as_str().unwrap(), Some("wrong"))
            .form(&[("grant_type", "authorization_code"), ("code", "made-up")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body["error"], "invalid_client");
    assert!(
        r.headers
            .get("www-authenticate")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
}
