//! Bad input on the management API: authentication, malformed bodies, wrong types, unknown fields,
//! unknown ids, size limits. Every answer is seed 002's `{code, message, details}`.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sigil_testkit::Engine;

use crate::helpers::{assert_bad_request, assert_error, reply, spawn_app, spawn_app_with};
use crate::on_both_engines;

const ADMIN_ROUTES: &[(&str, &str)] = &[
    ("GET", "/v1/openid/configuration"),
    ("PUT", "/v1/openid/configuration"),
    (
        "POST",
        "/v1/openid/configuration/interaction-hook/rotate-secret",
    ),
    ("GET", "/v1/openid/credential-configurations"),
    ("POST", "/v1/openid/credential-configurations"),
    (
        "GET",
        "/v1/openid/credential-configurations/0190b1d2-0000-7000-8000-000000000000",
    ),
    (
        "PUT",
        "/v1/openid/credential-configurations/0190b1d2-0000-7000-8000-000000000000",
    ),
    (
        "DELETE",
        "/v1/openid/credential-configurations/0190b1d2-0000-7000-8000-000000000000",
    ),
    ("GET", "/v1/users"),
    ("POST", "/v1/users"),
    ("GET", "/v1/users/0190b1d2-0000-7000-8000-000000000000"),
    ("PUT", "/v1/users/0190b1d2-0000-7000-8000-000000000000"),
    ("DELETE", "/v1/users/0190b1d2-0000-7000-8000-000000000000"),
];

on_both_engines!(
    every_admin_route_needs_a_valid_bearer_token,
    malformed_json_names_where_it_broke,
    wrong_types_and_unknown_fields_name_the_param,
    unknown_ids_are_404,
    oversized_deep_and_non_json_bodies_are_refused,
    query_errors_name_the_query_param,
);

async fn every_admin_route_needs_a_valid_bearer_token(engine: Engine) {
    let app = spawn_app(engine).await;
    for (method, path) in ADMIN_ROUTES {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let cases: Vec<(&str, Option<Vec<String>>)> = vec![
            ("none", None),
            (
                "wrong",
                Some(vec!["Bearer sigil_at_not-a-real-token".into()]),
            ),
            ("empty", Some(vec!["Bearer ".into()])),
            ("basic", Some(vec![format!("Basic {}", app.token)])),
            ("bare", Some(vec![app.token.clone()])),
            (
                "twice",
                Some(vec![
                    format!("Bearer {}", app.token),
                    format!("Bearer {}", app.token),
                ]),
            ),
        ];
        for (name, headers) in cases {
            let mut req = app
                .client
                .request(method.clone(), app.url(path))
                .header("content-type", "application/json")
                .body("{}");
            for h in headers.unwrap_or_default() {
                req = req.header("authorization", h);
            }
            let r = reply(req).await;
            assert_error(&r, StatusCode::UNAUTHORIZED, "Unauthorized");
            assert_eq!(
                r.headers["www-authenticate"], "Bearer",
                "{method} {path} ({name})"
            );
        }
    }
    // The right token, in any case of the scheme name, passes.
    let ok = reply(
        app.client
            .get(app.url("/v1/users"))
            .header("authorization", format!("bearer {}", app.token)),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
}

async fn malformed_json_names_where_it_broke(engine: Engine) {
    let app = spawn_app(engine).await;
    let cases: &[(&str, &str)] = &[
        (r#"{"interactionHook": {"url": }}"#, "interactionHook.url"),
        (
            r#"{"interactionHook": {"url": "https://a.example/h", "claims": [}}"#,
            "interactionHook.claims.0",
        ),
        (r#"{"interactionHook": "#, "interactionHook"),
        (r#"{"interactionHook": {}} trailing"#, ""),
        ("", ""),
        ("{'single': 'quotes'}", ""),
    ];
    for (body, param) in cases {
        let r = app
            .raw(
                Method::PUT,
                "/v1/openid/configuration",
                "application/json",
                body.as_bytes().to_vec(),
            )
            .await;
        assert_bad_request(&r, param, "body");
        assert!(
            r.body["details"][0]["msg"]
                .as_str()
                .unwrap()
                .starts_with("Malformed JSON"),
            "{}",
            r.text
        );
    }
    assert_eq!(
        app.get("/v1/openid/configuration").await.body,
        json!({}),
        "nothing was written"
    );
}

async fn wrong_types_and_unknown_fields_name_the_param(engine: Engine) {
    let app = spawn_app(engine).await;
    let r = app
        .put(
            "/v1/openid/configuration",
            json!({"interactionHook": {"url": 42}}),
        )
        .await;
    assert_bad_request(&r, "interactionHook.url", "body");
    assert_eq!(r.body["details"][0]["value"], 42);
    let r = app.put("/v1/openid/configuration", json!([1, 2])).await;
    assert_bad_request(&r, "", "body");
    let r = app
        .put(
            "/v1/openid/configuration",
            json!({"interactionHook": {"url": "https://a.example/h", "colour": "red"}}),
        )
        .await;
    assert_bad_request(&r, "interactionHook.colour", "body");
    assert!(
        r.body["details"][0]["msg"]
            .as_str()
            .unwrap()
            .contains("unknown field `colour`"),
        "{}",
        r.text
    );
    assert_eq!(r.body["details"][0]["value"], "red");
    let r = app
        .post("/v1/users", json!({"claims": {}, "role": "admin"}))
        .await;
    assert_bad_request(&r, "role", "body");
    let r = app.post("/v1/users", json!({"claims": []})).await;
    assert_bad_request(&r, "claims", "body");
    let r = app
        .post(
            "/v1/users",
            json!({"authenticationProvider": {"url": "https://idp.example"}}),
        )
        .await;
    assert_bad_request(&r, "authenticationProvider.subjectId", "body");
    let r = app.post("/v1/openid/credential-configurations", json!({"name": "x", "format": "ldp_vc", "type": "T", "claimMappings": {"a": {"mapFrom": 1}}})).await;
    assert_bad_request(&r, "claimMappings.a.mapFrom", "body");
}

async fn unknown_ids_are_404(engine: Engine) {
    let app = spawn_app(engine).await;
    for id in [
        "0190b1d2-0000-7000-8000-000000000000",
        "nope",
        "%20",
        "1%27%20OR%201=1",
    ] {
        for base in ["/v1/users", "/v1/openid/credential-configurations"] {
            let path = format!("{base}/{id}");
            assert_error(&app.get(&path).await, StatusCode::NOT_FOUND, "NotFound");
            assert_error(&app.delete(&path).await, StatusCode::NOT_FOUND, "NotFound");
        }
        let put = app
            .put(&format!("/v1/users/{id}"), json!({"claims": {}}))
            .await;
        assert_error(&put, StatusCode::NOT_FOUND, "NotFound");
        let put = app
            .put(
                &format!("/v1/openid/credential-configurations/{id}"),
                json!({"name": "n", "format": "cwt", "type": "T"}),
            )
            .await;
        assert_error(&put, StatusCode::NOT_FOUND, "NotFound");
    }
    assert_error(
        &app.get("/v1/no-such-thing").await,
        StatusCode::NOT_FOUND,
        "NotFound",
    );
    assert_error(
        &app.admin(Method::PATCH, "/v1/users", None).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
    );
}

async fn oversized_deep_and_non_json_bodies_are_refused(engine: Engine) {
    // A small limit, so the client has sent the whole body before the 413 arrives.
    let app = spawn_app_with(engine, &[("server.max_body_bytes", "4096")]).await;
    let big = format!(r#"{{"claims": {{"blob": "{}"}}}}"#, "x".repeat(5000));
    let r = app
        .raw(
            Method::POST,
            "/v1/users",
            "application/json",
            big.into_bytes(),
        )
        .await;
    assert_error(&r, StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLarge");
    assert!(
        r.body["message"].as_str().unwrap().contains("4096"),
        "{}",
        r.text
    );
    let deep = format!(
        r#"{{"claims": {{"a": {}1{}}}}}"#,
        "[".repeat(2_000),
        "]".repeat(2_000)
    );
    let r = app
        .raw(
            Method::POST,
            "/v1/users",
            "application/json",
            deep.into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let detail = &r.body["details"][0];
    assert!(
        detail["param"]
            .as_str()
            .unwrap()
            .starts_with("claims.a.0.0"),
        "{}",
        r.text
    );
    assert!(
        detail["param"].as_str().unwrap().len() < 64,
        "the param stays short: {}",
        r.text
    );
    assert!(
        detail["msg"].as_str().unwrap().contains("recursion limit"),
        "{}",
        r.text
    );
    let r = app
        .raw(
            Method::POST,
            "/v1/users",
            "text/plain",
            b"{\"claims\": {}}".to_vec(),
        )
        .await;
    assert_error(
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UnsupportedMediaType",
    );
    let listed = app.get("/v1/users").await;
    assert_eq!(listed.body["data"], json!([]), "nothing was written");
}

async fn query_errors_name_the_query_param(engine: Engine) {
    let app = spawn_app(engine).await;
    for (query, param) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("cursor=garbage", "cursor"),
        ("colour=red", "colour"),
        (
            "authenticationProviderUrl=not-a-url",
            "authenticationProviderUrl",
        ),
    ] {
        let r = app.get(&format!("/v1/users?{query}")).await;
        assert_bad_request(&r, param, "query");
    }
    let r = app
        .get("/v1/openid/credential-configurations?limit=-1")
        .await;
    assert_bad_request(&r, "limit", "query");
}

/// SECURITY.md J1: with `server.admin_listen`, the management API is reachable only there.
#[tokio::test]
async fn a_separate_admin_listener_keeps_admin_routes_off_the_public_one() {
    let app = spawn_app_with(Engine::Sqlite, &[("server.admin_listen", "127.0.0.1:0")]).await;
    let admin = app
        .server
        .as_ref()
        .unwrap()
        .admin_addr
        .expect("admin listener bound");
    assert_ne!(admin, app.server.as_ref().unwrap().public_addr);
    let public_users = app.get("/v1/users").await;
    assert_error(&public_users, StatusCode::NOT_FOUND, "NotFound");
    let admin_users = reply(
        app.client
            .get(format!("http://{admin}/v1/users"))
            .bearer_auth(&app.token),
    )
    .await;
    assert_eq!(admin_users.status, StatusCode::OK, "{}", admin_users.text);
    let unauthenticated = reply(app.client.get(format!("http://{admin}/v1/users"))).await;
    assert_error(&unauthenticated, StatusCode::UNAUTHORIZED, "Unauthorized");
    for path in ["/health/ready", "/v1/oauth/jwks"] {
        assert_eq!(
            reply(app.client.get(app.url(path))).await.status,
            StatusCode::OK,
            "{path} stays public"
        );
    }
}
