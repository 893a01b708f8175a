//! The portal's own routes (`/portal/...`: pages, sign-in and out, QR codes) and the management
//! routes added for it (admin tokens, the claims preview, an offer's progress, statistics), with
//! their refusals, on both engines. The browser side runs in headless Chromium in interop/.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};
use sigil_crypto::SigningAlgorithm;
use sigil_testkit::Engine;

use crate::helpers::{Reply, TestApp, assert_bad_request, assert_error, reply, spawn_app};
use crate::on_both_engines;
use crate::wallet::{Wallet, pre_authorized_code};

on_both_engines!(
    portal_pages_carry_a_strict_policy_and_need_no_session,
    a_session_reaches_the_api_and_every_change_needs_its_csrf_token,
    a_session_ends_with_its_token_and_a_forged_cookie_is_refused,
    admin_tokens_are_created_once_listed_without_secrets_and_revoked,
    the_claims_preview_gives_seed_004s_results,
    an_offer_is_followed_from_waiting_to_credential_issued,
    statistics_count_issuance_offers_and_refusals,
    qr_codes_are_drawn_for_a_session_only_and_bounded,
    a_claims_source_test_reports_a_failure_as_an_outcome,
    a_session_of_the_configured_token_ends_when_the_token_changes,
);

const SD_JWT: &str = "https://credentials.example.com/portal";

fn sd_jwt(claim_mappings: Value) -> Value {
    json!({"name": "Portal", "format": "dc+sd-jwt", "vct": SD_JWT, "claimMappings": claim_mappings})
}

/// A signed-in portal session: its cookie (`name=value`) and CSRF token.
struct Session {
    cookie: String,
    csrf: String,
    set_cookie: String,
}

async fn sign_in(app: &TestApp, token: &str) -> Reply {
    reply(
        app.client
            .post(app.url("/portal/session"))
            .json(&json!({"token": token})),
    )
    .await
}

async fn session(app: &TestApp, token: &str) -> Session {
    let r = sign_in(app, token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let set_cookie = r.headers["set-cookie"].to_str().unwrap().to_string();
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    Session {
        cookie,
        csrf: r.body["csrfToken"].as_str().unwrap().to_string(),
        set_cookie,
    }
}

impl Session {
    /// A read with this session's cookie.
    async fn get(&self, app: &TestApp, path: &str) -> Reply {
        with_session(app, reqwest::Method::GET, path, &self.cookie, None, None).await
    }

    /// A request with this session's cookie, `csrf` as its CSRF token (none, or another value).
    async fn send(
        &self,
        app: &TestApp,
        method: reqwest::Method,
        path: &str,
        csrf: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        with_session(app, method, path, &self.cookie, csrf, body).await
    }
}

/// A request with the session's cookie, and its CSRF token when `csrf` is given.
async fn with_session(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    cookie: &str,
    csrf: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut headers = HeaderMap::new();
    headers.insert("cookie", HeaderValue::from_str(cookie).unwrap());
    if let Some(csrf) = csrf {
        headers.insert("x-csrf-token", HeaderValue::from_str(csrf).unwrap());
    }
    let mut request = app.client.request(method, app.url(path)).headers(headers);
    if let Some(body) = body {
        request = request.json(&body);
    }
    reply(request).await
}

async fn configuration_count(app: &TestApp) -> usize {
    app.get("/v1/openid/credential-configurations?limit=1000")
        .await
        .body["data"]
        .as_array()
        .unwrap()
        .len()
}

async fn portal_pages_carry_a_strict_policy_and_need_no_session(engine: Engine) {
    let app = spawn_app(engine).await;
    for (path, content_type) in [
        ("/portal/", "text/html; charset=utf-8"),
        ("/portal/assets/portal.js", "text/javascript; charset=utf-8"),
        ("/portal/assets/portal.css", "text/css; charset=utf-8"),
    ] {
        let r = reply(app.client.get(app.url(path))).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.headers["content-type"], content_type, "{path}");
        let csp = r.headers["content-security-policy"].to_str().unwrap();
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe"), "{path}: {csp}");
        assert_eq!(r.headers["x-frame-options"], "DENY");
        assert_eq!(r.headers["referrer-policy"], "no-referrer");
        assert_eq!(r.headers["x-content-type-options"], "nosniff");
    }
    // Nothing in the page comes from elsewhere, and no script is inline.
    let page = reply(app.client.get(app.url("/portal/"))).await.text;
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "{page}"
    );
    assert!(!page.contains("<script>"), "{page}");
    let script = reply(app.client.get(app.url("/portal/assets/portal.js")))
        .await
        .text;
    assert!(
        !script.contains("innerHTML"),
        "the portal never parses text as HTML"
    );
    let r = reply(
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(app.url("/portal")),
    )
    .await;
    assert_eq!(r.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.headers["location"], "/portal/");
    assert_error(
        &reply(app.client.get(app.url("/portal/nothing"))).await,
        StatusCode::NOT_FOUND,
        "NotFound",
    );
    assert_error(
        &reply(app.client.get(app.url("/portal/session"))).await,
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
    );
}

async fn a_session_reaches_the_api_and_every_change_needs_its_csrf_token(engine: Engine) {
    let app = spawn_app(engine).await;
    // Refusals at sign-in: a wrong token, a body that is not JSON, a body of the wrong shape.
    assert_error(
        &sign_in(&app, "sigil_at_wrong").await,
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
    );
    let form = reply(
        app.client
            .post(app.url("/portal/session"))
            .form(&[("token", app.token.as_str())]),
    )
    .await;
    assert_error(
        &form,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UnsupportedMediaType",
    );
    let shape = reply(
        app.client
            .post(app.url("/portal/session"))
            .json(&json!({"token": app.token, "extra": 1})),
    )
    .await;
    assert_bad_request(&shape, "token", "body");

    let s = session(&app, &app.token).await;
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"] {
        assert!(s.set_cookie.contains(attribute), "{}", s.set_cookie);
    }
    assert!(
        !s.set_cookie.contains("Secure"),
        "http test server: {}",
        s.set_cookie
    );
    let current = s.get(&app, "/portal/session").await;
    assert_eq!(current.status, StatusCode::OK, "{}", current.text);
    assert_eq!(current.body["csrfToken"], s.csrf.as_str());
    assert!(
        current.body["actor"]
            .as_str()
            .unwrap()
            .starts_with("admin-token:"),
        "{}",
        current.text
    );
    assert_eq!(current.headers["cache-control"], "no-store");

    // Reads need only the cookie.
    let users = s.get(&app, "/v1/users").await;
    assert_eq!(users.status, StatusCode::OK, "{}", users.text);

    // Changes need the CSRF token: none, a wrong one, two of them — refused, nothing made.
    let body = sd_jwt(json!({"email": {"mapFrom": "claims.email"}}));
    let path = "/v1/openid/credential-configurations";
    for csrf in [None, Some("A".repeat(43)), Some(format!("{}x", s.csrf))] {
        let r = s
            .send(
                &app,
                reqwest::Method::POST,
                path,
                csrf.as_deref(),
                Some(body.clone()),
            )
            .await;
        assert_error(&r, StatusCode::FORBIDDEN, "Forbidden");
    }
    let mut headers = HeaderMap::new();
    headers.insert("cookie", HeaderValue::from_str(&s.cookie).unwrap());
    headers.append("x-csrf-token", HeaderValue::from_str(&s.csrf).unwrap());
    headers.append("x-csrf-token", HeaderValue::from_str(&s.csrf).unwrap());
    let twice = reply(app.client.post(app.url(path)).headers(headers).json(&body)).await;
    assert_error(&twice, StatusCode::FORBIDDEN, "Forbidden");
    assert_eq!(configuration_count(&app).await, 0, "nothing was created");

    // With it, the API answers as it does to a bearer token: validation included.
    let made = s
        .send(
            &app,
            reqwest::Method::POST,
            path,
            Some(&s.csrf),
            Some(body.clone()),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let mut bad = body.clone();
    bad["vct"] = json!("not a type");
    let refused = s
        .send(
            &app,
            reqwest::Method::POST,
            path,
            Some(&s.csrf),
            Some(bad.clone()),
        )
        .await;
    let direct = app.post(path, bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.body, direct.body,
        "the same error as the API gives a bearer token"
    );

    // A wrong bearer token is not rescued by a good cookie.
    let mut headers = HeaderMap::new();
    headers.insert("cookie", HeaderValue::from_str(&s.cookie).unwrap());
    headers.insert("authorization", HeaderValue::from_static("Bearer wrong"));
    let r = reply(app.client.get(app.url("/v1/users")).headers(headers)).await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "Unauthorized");

    // Signing out needs the CSRF token too, and clears the cookie.
    let r = s
        .send(&app, reqwest::Method::DELETE, "/portal/session", None, None)
        .await;
    assert_error(&r, StatusCode::FORBIDDEN, "Forbidden");
    let r = s
        .send(
            &app,
            reqwest::Method::DELETE,
            "/portal/session",
            Some(&s.csrf),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let cleared = r.headers["set-cookie"].to_str().unwrap();
    assert!(
        cleared.starts_with("sigil_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
}

async fn a_session_ends_with_its_token_and_a_forged_cookie_is_refused(engine: Engine) {
    let app = spawn_app(engine).await;
    let created = app
        .post("/v1/admin-tokens", json!({"name": "operator"}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let token = created.body["token"].as_str().unwrap();
    let id = created.body["id"].as_str().unwrap();
    let s = session(&app, token).await;
    let r = s.get(&app, "/portal/session").await;
    assert_eq!(r.body["actor"], format!("admin-token:{id}"));

    // Forgeries: another expiry, another actor, another MAC, garbage.
    let value = s.cookie.strip_prefix("sigil_session=").unwrap();
    let parts: Vec<&str> = value.split('.').collect();
    assert_eq!(parts.len(), 4);
    let forged = [
        format!("{}.{}.{}.{}", parts[0], "9999999999", parts[2], parts[3]),
        format!(
            "{}.{}.{}.{}",
            "YWRtaW4tdG9rZW46Y29uZmlndXJlZA", parts[1], parts[2], parts[3]
        ),
        format!("{}.{}.{}.{}", parts[0], parts[1], parts[2], "A".repeat(43)),
        "garbage".to_string(),
        String::new(),
    ];
    for f in forged {
        let r = with_session(
            &app,
            reqwest::Method::GET,
            "/v1/users",
            &format!("sigil_session={f}"),
            None,
            None,
        )
        .await;
        assert_error(&r, StatusCode::UNAUTHORIZED, "Unauthorized");
    }

    // Revoking the token ends the session at once.
    let r = app.delete(&format!("/v1/admin-tokens/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let r = s.get(&app, "/v1/users").await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "Unauthorized");
    assert_error(
        &sign_in(&app, token).await,
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
    );
}

async fn admin_tokens_are_created_once_listed_without_secrets_and_revoked(engine: Engine) {
    let app = spawn_app(engine).await;
    let created = app
        .post("/v1/admin-tokens", json!({"name": "  CI deploy  "}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["name"], "CI deploy");
    let token = created.body["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("sigil_at_"), "{token}");
    let id = created.body["id"].as_str().unwrap().to_string();
    // The new token is an admin token.
    let r = reply(
        app.client
            .get(app.url("/v1/admin-tokens"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let listed = r.body["data"].as_array().unwrap();
    let mine = listed.iter().find(|t| t["id"] == id.as_str()).unwrap();
    assert_eq!(mine["name"], "CI deploy");
    assert!(mine.get("revokedAt").is_none());
    assert!(
        !r.text.contains(&token),
        "a listed token never shows its value"
    );
    assert!(mine.get("token").is_none() && mine.get("tokenHash").is_none());

    // Refusals: a blank or long name, an unknown member, no token; nothing is created.
    let before = app.get("/v1/admin-tokens").await.body["data"]
        .as_array()
        .unwrap()
        .len();
    for name in [json!(""), json!("   "), json!("x".repeat(129)), json!(7)] {
        assert_bad_request(
            &app.post("/v1/admin-tokens", json!({"name": name})).await,
            "name",
            "body",
        );
    }
    assert_bad_request(
        &app.post("/v1/admin-tokens", json!({"name": "x", "scope": "all"}))
            .await,
        "scope",
        "body",
    );
    let anonymous = reply(
        app.client
            .post(app.url("/v1/admin-tokens"))
            .json(&json!({"name": "x"})),
    )
    .await;
    assert_error(&anonymous, StatusCode::UNAUTHORIZED, "Unauthorized");
    let anonymous = reply(app.client.get(app.url("/v1/admin-tokens"))).await;
    assert_error(&anonymous, StatusCode::UNAUTHORIZED, "Unauthorized");
    assert_eq!(
        app.get("/v1/admin-tokens").await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        before
    );

    // Revoking: 204, then the token is refused, the list says when, and a second revoke is 404.
    assert_eq!(
        app.delete(&format!("/v1/admin-tokens/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    let r = reply(app.client.get(app.url("/v1/users")).bearer_auth(&token)).await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "Unauthorized");
    let listed = app.get("/v1/admin-tokens").await.body;
    let mine = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap()
        .clone();
    assert!(mine["revokedAt"].is_string(), "{mine}");
    assert_error(
        &app.delete(&format!("/v1/admin-tokens/{id}")).await,
        StatusCode::NOT_FOUND,
        "NotFound",
    );
    assert_error(
        &app.delete("/v1/admin-tokens/01890000-0000-7000-8000-000000000000")
            .await,
        StatusCode::NOT_FOUND,
        "NotFound",
    );
}

/// Seed 004's examples through the preview, each with the subject the seed shows.
async fn the_claims_preview_gives_seed_004s_results(engine: Engine) {
    let app = spawn_app(engine).await;
    let preview = |mappings: Value, user: Value| {
        let app = &app;
        async move {
            app.post(
                "/v1/openid/credential-configurations/preview",
                json!({"configuration": sd_jwt(mappings), "user": user}),
            )
            .await
        }
    };
    let seed_user = json!({"authenticationProvider": {"url": "https://account.example.com",
        "subjectId": "145214ad-3635-4aff-b51d-61d69a3c8eee"}, "claims": {"email": "john.doe@example.com"}});
    let bare_user =
        json!({"authenticationProvider": {}, "claims": {"email": "john.doe@example.com"}});

    let required = preview(
        json!({"dateOfBirth": {"mapFrom": "claims.dateOfBirth", "required": true},
               "email": {"mapFrom": "claims.email", "required": false}}),
        seed_user.clone(),
    )
    .await;
    assert_eq!(required.status, StatusCode::OK, "{}", required.text);
    assert_eq!(required.body["issuable"], false);
    assert!(required.body.get("claims").is_none());
    assert!(
        required.body["message"]
            .as_str()
            .unwrap()
            .contains("dateOfBirth"),
        "{}",
        required.text
    );

    let optional = preview(
        json!({"dateOfBirth": {"mapFrom": "claims.dateOfBirth", "required": false},
               "email": {"mapFrom": "claims.email", "required": false}}),
        seed_user.clone(),
    )
    .await;
    assert_eq!(
        optional.body,
        json!({"issuable": true, "claims": {"email": "john.doe@example.com"}})
    );

    let default = preview(
        json!({"dateOfBirth": {"mapFrom": "claims.dateOfBirth", "defaultValue": "Not provided"},
               "email": {"mapFrom": "claims.email", "required": true}}),
        bare_user.clone(),
    )
    .await;
    assert_eq!(
        default.body,
        json!({"issuable": true, "claims": {"dateOfBirth": "Not provided", "email": "john.doe@example.com"}})
    );

    let fixed = preview(
        json!({"email": {"defaultValue": "noreply@example.com"}}),
        bare_user.clone(),
    )
    .await;
    assert_eq!(
        fixed.body,
        json!({"issuable": true, "claims": {"email": "noreply@example.com"}})
    );

    let types = preview(
        json!({"staticStringValue": {"defaultValue": "foo"}, "staticNumericValue": {"defaultValue": 12.34},
               "staticJsonValue": {"defaultValue": {"foo": "bar"}}, "staticArrayValue": {"defaultValue": ["foo", "bar"]}}),
        bare_user.clone(),
    )
    .await;
    assert_eq!(
        types.body["claims"],
        json!({"staticStringValue": "foo", "staticNumericValue": 12.34, "staticJsonValue": {"foo": "bar"}, "staticArrayValue": ["foo", "bar"]})
    );

    // The configuration is validated as on create; problems name it under `configuration.`.
    let mut no_vct = sd_jwt(json!({}));
    no_vct.as_object_mut().unwrap().remove("vct");
    let r = app
        .post(
            "/v1/openid/credential-configurations/preview",
            json!({"configuration": no_vct, "user": {}}),
        )
        .await;
    assert_bad_request(&r, "configuration.vct", "body");
    let r = app
        .post(
            "/v1/openid/credential-configurations/preview",
            json!({"configuration": sd_jwt(json!({"email": {"mapFrom": "nowhere.email"}})), "user": {}}),
        )
        .await;
    assert_bad_request(&r, "configuration.claimMappings.email.mapFrom", "body");
    let r = app
        .post(
            "/v1/openid/credential-configurations/preview",
            json!({"configuration": sd_jwt(json!({}))}),
        )
        .await;
    assert_bad_request(&r, "user", "body");
    let anonymous = reply(
        app.client
            .post(app.url("/v1/openid/credential-configurations/preview"))
            .json(&json!({"configuration": sd_jwt(json!({})), "user": {}})),
    )
    .await;
    assert_error(&anonymous, StatusCode::UNAUTHORIZED, "Unauthorized");
    assert_eq!(
        configuration_count(&app).await,
        0,
        "a preview stores nothing"
    );
}

async fn an_offer_is_followed_from_waiting_to_credential_issued(engine: Engine) {
    // (The authorization-code journey to `credential_issued` runs in interop/tests/authorization.test.js.)
    let app = spawn_app(engine).await;
    let config = app
        .configuration(sd_jwt(json!({"email": {"mapFrom": "claims.email"}})))
        .await;
    let offer = app
        .offer(json!({"credentials": [config], "claims": {"email": "a@example.com"}}))
        .await;
    let id = offer.body["id"].as_str().unwrap();
    let path = format!("/v1/openid/offers/pre-authorized/{id}");
    let r = app.get(&path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["state"], "waiting");
    assert_eq!(r.body["credentialsIssued"], 0);
    assert!(r.body.get("redeemedAt").is_none());

    let token = app
        .redeem(
            &pre_authorized_code(offer.body["uri"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(token.status, StatusCode::OK);
    let r = app.get(&path).await;
    assert_eq!(r.body["state"], "redeemed");
    assert!(r.body["redeemedAt"].is_string());

    let wallet = Wallet::new(SigningAlgorithm::Es256);
    let nonce = app.c_nonce().await;
    let access = token.body["access_token"].as_str().unwrap();
    let c = app
        .credential(access, json!({"credential_configuration_id": config, "proofs": {"jwt": [wallet.proof(&app.base, &nonce)]}}))
        .await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.text);
    let r = app.get(&path).await;
    assert_eq!(r.body["state"], "credential_issued");
    assert_eq!(r.body["credentialsIssued"], 1);

    // An offer that expired unredeemed.
    let short = app
        .offer(json!({"credentials": [config], "claims": {}, "expiresIn": {"seconds": 1}}))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let r = app
        .get(&format!(
            "/v1/openid/offers/pre-authorized/{}",
            short.body["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(r.body["state"], "expired", "{}", r.text);

    // An authorization-code offer has its own route; each route knows only its kind of offer.
    let code_offer = app
        .post("/v1/openid/offers", json!({"credentials": [config]}))
        .await;
    assert_eq!(
        code_offer.status,
        StatusCode::CREATED,
        "{}",
        code_offer.text
    );
    let code_path = format!(
        "/v1/openid/offers/authorization-code/{}",
        code_offer.body["id"].as_str().unwrap()
    );
    let r = app.get(&code_path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["state"], "waiting");
    assert_eq!(r.body["credentialsIssued"], 0);
    assert_error(
        &app.get(&format!(
            "/v1/openid/offers/pre-authorized/{}",
            code_offer.body["id"].as_str().unwrap()
        ))
        .await,
        StatusCode::NOT_FOUND,
        "NotFound",
    );
    assert_error(
        &app.get(&format!("/v1/openid/offers/authorization-code/{id}"))
            .await,
        StatusCode::NOT_FOUND,
        "NotFound",
    );
    assert_error(
        &reply(app.client.get(app.url(&code_path))).await,
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
    );

    // Unknown, malformed and deleted ids are 404; without a token, 401.
    assert_error(
        &app.get("/v1/openid/offers/pre-authorized/01890000-0000-7000-8000-000000000000")
            .await,
        StatusCode::NOT_FOUND,
        "NotFound",
    );
    assert_error(
        &app.get("/v1/openid/offers/pre-authorized/nope").await,
        StatusCode::NOT_FOUND,
        "NotFound",
    );
    assert_eq!(app.delete(&path).await.status, StatusCode::NO_CONTENT);
    assert_error(&app.get(&path).await, StatusCode::NOT_FOUND, "NotFound");
    let anonymous = reply(app.client.get(app.url(&path))).await;
    assert_error(&anonymous, StatusCode::UNAUTHORIZED, "Unauthorized");
}

async fn statistics_count_issuance_offers_and_refusals(engine: Engine) {
    let app = spawn_app(engine).await;
    let empty = app.get("/v1/statistics").await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.text);
    assert_eq!(empty.body["issued"], json!([]));
    assert_eq!(empty.body["offersWaiting"], 0);

    let config = app
        .configuration(sd_jwt(json!({"email": {"mapFrom": "claims.email"}})))
        .await;
    let wallet = Wallet::new(SigningAlgorithm::Es256);
    for _ in 0..2 {
        let r = app
            .full_flow(
                &wallet,
                &config,
                json!({"credentials": [config], "claims": {"email": "a@example.com"}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    app.offer(json!({"credentials": [config], "claims": {}}))
        .await;
    // Two refusals: an unknown code (invalid_grant) twice.
    for _ in 0..2 {
        let r = app.redeem("not-a-code", None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    }
    let r = app.get("/v1/statistics?days=7").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let issued = r.body["issued"].as_array().unwrap();
    assert_eq!(issued.len(), 1, "{}", r.text);
    assert_eq!(issued[0]["configurationId"], config.as_str());
    assert_eq!(issued[0]["configurationName"], "Portal");
    assert_eq!(issued[0]["format"], "dc+sd-jwt");
    assert_eq!(issued[0]["count"], 2);
    let today = issued[0]["day"].as_str().unwrap();
    assert_eq!(today.len(), 10);
    assert!(r.body["since"].as_str().unwrap() <= today);
    assert_eq!(r.body["offersWaiting"], 1);
    assert_eq!(r.body["offersExpired"], 0);
    let failures = r.body["failures"].as_array().unwrap();
    assert_eq!(
        failures
            .iter()
            .find(|f| f["code"] == "invalid_grant")
            .map(|f| f["count"].clone()),
        Some(json!(2)),
        "{}",
        r.text
    );

    for days in ["0", "367", "x", "-1"] {
        assert_bad_request(
            &app.get(&format!("/v1/statistics?days={days}")).await,
            "days",
            "query",
        );
    }
    assert_bad_request(&app.get("/v1/statistics?weeks=1").await, "weeks", "query");
    assert_error(
        &reply(app.client.get(app.url("/v1/statistics"))).await,
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
    );
}

async fn qr_codes_are_drawn_for_a_session_only_and_bounded(engine: Engine) {
    let app = spawn_app(engine).await;
    let s = session(&app, &app.token).await;
    let text = "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fexample.com%2Fo%2F1";
    let path = format!("/portal/qr.svg?text={}", urlencode(text));
    let r = s.get(&app, &path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.headers["content-type"], "image/svg+xml");
    assert!(
        r.text.contains("<svg") && r.text.contains("</svg>"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("<script"), "no script in the drawing");
    let anonymous = reply(app.client.get(app.url(&path))).await;
    assert_error(&anonymous, StatusCode::UNAUTHORIZED, "Unauthorized");
    let bearer = reply(app.client.get(app.url(&path)).bearer_auth(&app.token)).await;
    assert_error(&bearer, StatusCode::UNAUTHORIZED, "Unauthorized");
    for bad in [
        String::from("/portal/qr.svg"),
        String::from("/portal/qr.svg?text="),
        format!("/portal/qr.svg?text={}", "a".repeat(2_049)),
    ] {
        let r = s.get(&app, &bad).await;
        assert_bad_request(&r, "text", "query");
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The test of a claims source: a source that cannot be reached is a `failed` outcome (200),
/// with the reason; the request's own faults are the API's usual refusals. The answered case
/// runs against a real HTTPS claims source in interop/tests/portal.test.js.
async fn a_claims_source_test_reports_a_failure_as_an_outcome(engine: Engine) {
    let app = spawn_app(engine).await;
    let r = app
        .post(
            "/v1/claim-sources",
            json!({"name": "Registry", "url": "https://registry.invalid/claims",
                   "requestParameters": {"email": {"mapFrom": "claims.email"}},
                   "authorization": {"type": "api-key", "value": "k"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let path = format!("/v1/claim-sources/{}/test", r.body["id"].as_str().unwrap());
    let r = app
        .post(&path, json!({"claims": {"email": "a@example.com"}}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["outcome"], "failed");
    let message = r.body["message"].as_str().unwrap();
    assert!(
        message.contains("Registry") && !message.contains("no credential"),
        "{message}"
    );
    assert!(r.body.get("claims").is_none());

    assert_bad_request(&app.post(&path, json!({})).await, "claims", "body");
    assert_bad_request(
        &app.post(&path, json!({"claims": []})).await,
        "claims",
        "body",
    );
    assert_error(
        &app.post(
            "/v1/claim-sources/01890000-0000-7000-8000-000000000000/test",
            json!({"claims": {}}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "NotFound",
    );
    let anonymous = reply(app.client.post(app.url(&path)).json(&json!({"claims": {}}))).await;
    assert_error(&anonymous, StatusCode::UNAUTHORIZED, "Unauthorized");
}

/// A session opened with the token fixed by configuration is bound to it: another configured
/// token, or none, ends it (a stored token's sessions end with its revocation, tested above).
async fn a_session_of_the_configured_token_ends_when_the_token_changes(engine: Engine) {
    let mut app = spawn_app(engine).await;
    let first = "configured-token-one-0123456789abcdefghijklmnop";
    app.config.admin_token = Some(sigil_crypto::SecretString::new(first.to_string()));
    app.restart().await;
    let s = session(&app, first).await;
    let r = s.get(&app, "/portal/session").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["actor"], "admin-token:configured");
    assert_eq!(s.get(&app, "/v1/users").await.status, StatusCode::OK);
    // Restarted with the same token, the session holds (the key is the master key's).
    app.restart().await;
    assert_eq!(s.get(&app, "/v1/users").await.status, StatusCode::OK);

    app.config.admin_token = Some(sigil_crypto::SecretString::new(
        "configured-token-two-0123456789abcdefghijklmnop".to_string(),
    ));
    app.restart().await;
    let old = reply(app.client.get(app.url("/v1/users")).bearer_auth(first)).await;
    assert_error(&old, StatusCode::UNAUTHORIZED, "Unauthorized");
    assert_error(
        &s.get(&app, "/v1/users").await,
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
    );
    app.config.admin_token = None;
    app.restart().await;
    assert_error(
        &s.get(&app, "/v1/users").await,
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
    );
}
