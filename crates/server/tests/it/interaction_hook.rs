//! `PUT/GET /v1/openid/configuration` (seeds 000 and 001).

use reqwest::StatusCode;
use serde_json::{Value, json};
use sigil_testkit::Engine;

use crate::helpers::{assert_bad_request, assert_error, spawn_app};
use crate::on_both_engines;

const PATH: &str = "/v1/openid/configuration";

fn hook(url: &str) -> Value {
    // Seed 001's request.
    json!({"interactionHook": {"url": url, "claims": [], "sessionTimeoutInSec": 1200, "disabled": false}})
}

fn decoded_secret(body: &Value) -> Vec<u8> {
    let secret = body["interactionHook"]["secret"]
        .as_str()
        .expect("secret is a string");
    sigil_crypto::b64::decode(secret).expect("secret is standard base64")
}

on_both_engines!(
    each_url_rule_is_a_400_naming_the_url,
    other_fields_are_validated_and_named,
    valid_put_returns_a_32_byte_secret_and_get_returns_the_same,
    a_second_put_keeps_the_secret,
    the_secret_rotates_on_request,
    a_put_without_a_hook_removes_it,
    a_rejected_put_changes_nothing,
);

async fn each_url_rule_is_a_400_naming_the_url(engine: Engine) {
    let app = spawn_app(engine).await;
    for (url, why) in [
        ("http://example-university.com/callback", "https"),
        ("https://203.0.113.7/callback", "IP address"),
        ("https://[2001:db8::1]/callback", "IP address"),
        ("https://example-university.com/callback?next=1", "query"),
        ("not a url", "valid URL"),
        ("", "valid URL"),
        ("https://example-university.com/callback#frag", "fragment"),
    ] {
        let reply = app.put(PATH, hook(url)).await;
        assert_bad_request(&reply, "interactionHook.url", "body");
        let detail = &reply.body["details"][0];
        assert_eq!(detail["value"], url);
        assert!(
            detail["msg"].as_str().unwrap().contains(why),
            "{url}: {}",
            reply.text
        );
    }
}

async fn other_fields_are_validated_and_named(engine: Engine) {
    let app = spawn_app(engine).await;
    let ok = "https://example-university.com/callback";
    for (body, param) in [
        (
            json!({"interactionHook": {"url": ok, "sessionTimeoutInSec": 10}}),
            "interactionHook.sessionTimeoutInSec",
        ),
        (
            json!({"interactionHook": {"url": ok, "sessionTimeoutInSec": 86400}}),
            "interactionHook.sessionTimeoutInSec",
        ),
        (
            json!({"interactionHook": {"url": ok, "sessionTimeoutInSec": "1200"}}),
            "interactionHook.sessionTimeoutInSec",
        ),
        (
            json!({"interactionHook": {"url": ok, "claims": "email"}}),
            "interactionHook.claims",
        ),
        (
            json!({"interactionHook": {"url": ok, "claims": ["email", 7]}}),
            "interactionHook.claims.1",
        ),
        (
            json!({"interactionHook": {"url": ok, "claims": ["email", "email"]}}),
            "interactionHook.claims.1",
        ),
        (
            json!({"interactionHook": {"url": ok, "claims": [""]}}),
            "interactionHook.claims.0",
        ),
        (
            json!({"interactionHook": {"url": ok, "disabled": "no"}}),
            "interactionHook.disabled",
        ),
        (
            json!({"interactionHook": {"claims": []}}),
            "interactionHook.url",
        ),
        (
            json!({"interactionHook": {"url": ok, "secret": "mine"}}),
            "interactionHook.secret",
        ),
        (json!({"interactionHooks": {"url": ok}}), "interactionHooks"),
        (
            json!({"interactionHook": "https://example.com"}),
            "interactionHook",
        ),
    ] {
        let reply = app.put(PATH, body.clone()).await;
        assert_bad_request(&reply, param, "body");
    }
}

async fn valid_put_returns_a_32_byte_secret_and_get_returns_the_same(engine: Engine) {
    let app = spawn_app(engine).await;
    assert_eq!(
        app.get(PATH).await.body,
        json!({}),
        "nothing configured yet"
    );
    let put = app
        .put(PATH, hook("https://example-university.com/callback"))
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    assert_eq!(decoded_secret(&put.body).len(), 32);
    let mut expected = hook("https://example-university.com/callback");
    expected["interactionHook"]["secret"] = put.body["interactionHook"]["secret"].clone();
    assert_eq!(put.body, expected, "seed 001's response shape");
    let get = app.get(PATH).await;
    assert_eq!(get.status, StatusCode::OK);
    assert_eq!(get.body, put.body);
    assert_eq!(
        get.headers["cache-control"], "no-store",
        "the secret must not be cached"
    );
}

async fn a_second_put_keeps_the_secret(engine: Engine) {
    let app = spawn_app(engine).await;
    let first = app
        .put(PATH, hook("https://example-university.com/callback"))
        .await;
    let second = app
        .put(PATH, json!({"interactionHook": {"url": "https://hooks.example.org/mfa", "claims": ["email", "given_name"], "disabled": true}}))
        .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    assert_eq!(
        second.body["interactionHook"]["secret"],
        first.body["interactionHook"]["secret"]
    );
    assert_eq!(
        second.body["interactionHook"]["url"],
        "https://hooks.example.org/mfa"
    );
    assert_eq!(
        second.body["interactionHook"]["claims"],
        json!(["email", "given_name"])
    );
    assert_eq!(second.body["interactionHook"]["disabled"], true);
    assert!(
        second.body["interactionHook"]
            .get("sessionTimeoutInSec")
            .is_none(),
        "unset means the default applies"
    );
    assert_eq!(
        app.get(PATH).await.body,
        second.body,
        "one hook per deployment: the latest PUT"
    );
}

async fn the_secret_rotates_on_request(engine: Engine) {
    let app = spawn_app(engine).await;
    let rotate = "/v1/openid/configuration/interaction-hook/rotate-secret";
    assert_error(
        &app.post(rotate, json!({})).await,
        StatusCode::NOT_FOUND,
        "NotFound",
    );
    let first = app
        .put(PATH, hook("https://example-university.com/callback"))
        .await;
    let rotated = app.post(rotate, json!({})).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
    assert_ne!(
        rotated.body["interactionHook"]["secret"],
        first.body["interactionHook"]["secret"]
    );
    assert_eq!(decoded_secret(&rotated.body).len(), 32);
    assert_eq!(
        rotated.body["interactionHook"]["url"],
        first.body["interactionHook"]["url"]
    );
    assert_eq!(app.get(PATH).await.body, rotated.body);
    let kept = app
        .put(PATH, hook("https://example-university.com/other"))
        .await;
    assert_eq!(
        kept.body["interactionHook"]["secret"],
        rotated.body["interactionHook"]["secret"]
    );
}

async fn a_put_without_a_hook_removes_it(engine: Engine) {
    let app = spawn_app(engine).await;
    let first = app
        .put(PATH, hook("https://example-university.com/callback"))
        .await;
    let cleared = app.put(PATH, json!({})).await;
    assert_eq!(cleared.status, StatusCode::OK);
    assert_eq!(cleared.body, json!({}));
    assert_eq!(app.get(PATH).await.body, json!({}));
    let again = app
        .put(PATH, hook("https://example-university.com/callback"))
        .await;
    assert_ne!(
        again.body["interactionHook"]["secret"], first.body["interactionHook"]["secret"],
        "a new hook gets a new secret"
    );
}

async fn a_rejected_put_changes_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let good = app
        .put(PATH, hook("https://example-university.com/callback"))
        .await;
    assert_bad_request(
        &app.put(PATH, hook("http://evil.example/cb")).await,
        "interactionHook.url",
        "body",
    );
    assert_eq!(app.get(PATH).await.body, good.body);
}
