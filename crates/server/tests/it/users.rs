//! `/v1/users`: seed 004's user object, uniqueness by provider and subject, filters, paging.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sigil_testkit::Engine;

use crate::helpers::{assert_bad_request, assert_error, spawn_app};
use crate::on_both_engines;

fn seed_user(subject: &str) -> Value {
    json!({
        "authenticationProvider": {"url": "https://account.example.com", "subjectId": subject},
        "claims": {"given_name": "John", "family_name": "Doe", "email": "john.doe@example.com",
                   "address": {"formatted": "123FooRd,BarWorld"}}
    })
}

on_both_engines!(users_round_trip_and_stay_unique, users_filter_and_page);

async fn users_round_trip_and_stay_unique(engine: Engine) {
    let app = spawn_app(engine).await;
    let created = app
        .post(
            "/v1/users",
            seed_user("145214ad-3635-4aff-b51d-61d69a3c8eee"),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_string();
    let mut expected = seed_user("145214ad-3635-4aff-b51d-61d69a3c8eee");
    expected["id"] = json!(id);
    assert_eq!(created.body, expected);
    let path = format!("/v1/users/{id}");
    assert_eq!(app.get(&path).await.body, created.body);

    let dup = app
        .post(
            "/v1/users",
            seed_user("145214ad-3635-4aff-b51d-61d69a3c8eee"),
        )
        .await;
    assert_error(&dup, StatusCode::CONFLICT, "Conflict");

    let anonymous = app
        .post("/v1/users", json!({"claims": {"email": "a@b.example"}}))
        .await;
    assert_eq!(anonymous.status, StatusCode::CREATED);
    assert!(anonymous.body.get("authenticationProvider").is_none());
    assert_eq!(
        app.post("/v1/users", json!({})).await.status,
        StatusCode::CREATED,
        "claims default to {{}}"
    );

    let updated = app
        .put(&path, json!({"claims": {"email": "new@example.com"}}))
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(
        updated.body,
        json!({"id": id, "claims": {"email": "new@example.com"}})
    );
    assert_eq!(app.get(&path).await.body, updated.body);

    let anon_path = format!("/v1/users/{}", anonymous.body["id"].as_str().unwrap());
    let other = app.post("/v1/users", seed_user("other")).await;
    let taken = app.put(&anon_path, seed_user("other")).await;
    assert_error(&taken, StatusCode::CONFLICT, "Conflict");
    assert_eq!(app.get(&anon_path).await.body, anonymous.body);
    assert_eq!(other.status, StatusCode::CREATED);

    assert_bad_request(
        &app.post(
            "/v1/users",
            json!({"authenticationProvider": {"url": "ftp://x", "subjectId": "s"}}),
        )
        .await,
        "authenticationProvider.url",
        "body",
    );
    assert_bad_request(
        &app.post(
            "/v1/users",
            json!({"authenticationProvider": {"url": "https://x.example", "subjectId": ""}}),
        )
        .await,
        "authenticationProvider.subjectId",
        "body",
    );

    assert_eq!(app.delete(&path).await.status, StatusCode::NO_CONTENT);
    assert_error(&app.get(&path).await, StatusCode::NOT_FOUND, "NotFound");
}

async fn users_filter_and_page(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut user = seed_user(&format!("subject-{}", i % 2));
        user["authenticationProvider"]["url"] = json!(format!("https://idp{i}.example.com"));
        ids.push(
            app.post("/v1/users", user).await.body["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let by_subject = app.get("/v1/users?subjectId=subject-1").await;
    let got: Vec<&str> = by_subject.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, [ids[1].as_str(), ids[3].as_str()]);
    let both = app
        .get("/v1/users?subjectId=subject-0&authenticationProviderUrl=https://idp2.example.com")
        .await;
    assert_eq!(both.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(both.body["data"][0]["id"], ids[2].as_str());
    let none = app.get("/v1/users?subjectId=nobody").await;
    assert_eq!(none.body, json!({"data": []}));

    let first = app.get("/v1/users?limit=3").await;
    assert_eq!(first.body["data"].as_array().unwrap().len(), 3);
    let cursor = first.body["nextCursor"].as_str().unwrap();
    let second = app.get(&format!("/v1/users?limit=3&cursor={cursor}")).await;
    let rest: Vec<&str> = second.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(rest, [ids[3].as_str(), ids[4].as_str()]);
    assert!(second.body.get("nextCursor").is_none());
}
