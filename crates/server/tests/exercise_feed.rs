//! The exercise feed: a plan's scripted catalogue reports (scenarios/exercise-gilgit-feed.toml)
//! go through the watch's own pipeline inside the exercise: association of two agencies'
//! reports, each player organisation's rules in force, an automatic incident with its quake
//! run, a draft warning of status Exercise for approval, a re-run on the revision; nothing of
//! it reaches the real scope.

mod common;

use axum::http::StatusCode;
use common::App;
use common::feeds::until;
use serde_json::{Value, json};

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exercise_feed_drives_the_automatic_chain_inside_the_exercise() {
    let app = App::sqlite().await;
    let rc = app.login("rc.coordinator").await;
    let pk = app.login("pk.duty").await;
    let cn = app.login("cn.duty").await;
    let (s, x) = rc
        .post(
            "/api/exercises",
            json!({"scenario": "exercise-gilgit-feed.toml", "seed": 7, "bots": false, "speed": "x60"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{x}");
    let id = x["id"].as_i64().unwrap();
    let control = async |body: Value| {
        let (s, v) = rc.post(&format!("/api/exercises/{id}/control"), body).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    };
    control(json!({"op": "start"})).await;
    // USGS's automatic solution is published at T+5m.
    control(json!({"op": "jump", "to": "T+6m"})).await;
    let px = pk.in_exercise(id);
    let auto_of = async |c: &common::Client<'_>| -> Vec<Value> {
        let (_, v) = c.get("/api/incidents").await;
        items(&v)
            .into_iter()
            .filter(|i| i["origin"] == "auto")
            .collect()
    };
    let inc = until(
        "Pakistan's automatic incident in the exercise",
        30,
        async || auto_of(&px).await.into_iter().next(),
    )
    .await;
    assert_eq!(inc["exercise_id"], id, "{inc}");
    assert_eq!(inc["org"], "pk");
    assert_eq!(inc["source_event_ids"], json!(["us7000drill"]));
    assert!(
        inc["title"].as_str().unwrap().starts_with("EXERCISE: "),
        "{inc}"
    );
    // China is alarmed exactly when its rules in force say the event concerns it.
    let (_, check) = cn
        .get("/api/orgs/cn/watch-rules/check?lat=35.92&lon=74.31&depth_km=10&mag=6.6")
        .await;
    let cx = cn.in_exercise(id);
    let cn_auto = auto_of(&cx).await;
    assert_eq!(
        cn_auto.len(),
        usize::from(check["passes"] == true),
        "{check} {cn_auto:?}"
    );
    // Nothing of it is real.
    assert!(auto_of(&pk).await.is_empty(), "no real automatic incident");

    // The run completes and the watch drafts a warning of status Exercise for approval.
    let inc_id = inc["id"].as_i64().unwrap();
    let draft = until("the exercise draft", 300, async || {
        let (_, v) = px.get("/api/alerts?status=draft").await;
        items(&v)
            .into_iter()
            .find(|a| a["incident_id"] == inc_id && a["drafted_by"] == "watch")
    })
    .await;
    assert_eq!(draft["exercise_id"], id, "{draft}");
    let (_, full) = px.get(&format!("/api/alerts/{}", draft["id"])).await;
    let xml = full["xml"].as_str().unwrap();
    assert!(xml.contains("<status>Exercise</status>"), "{xml}");
    let (_, real) = pk.get("/api/alerts?status=draft").await;
    assert!(items(&real).is_empty(), "no real draft: {real}");

    // Pakistan's reviewed solution at T+12m is the same event: one incident, both ids, re-run.
    control(json!({"op": "jump", "to": "T+13m"})).await;
    let revised = until("the revision", 30, async || {
        let i = auto_of(&px).await.into_iter().next()?;
        (i["watch"]["runs"] == 2).then_some(i)
    })
    .await;
    assert_eq!(revised["id"], inc_id, "one incident for the event");
    let ids = revised["source_event_ids"].as_array().unwrap();
    assert!(
        ids.contains(&json!("pk2026drill01")) && ids.contains(&json!("us7000drill")),
        "{revised}"
    );
    assert_eq!(revised["watch"]["preferred"]["mag"], 6.8, "{revised}");

    // The log of the exercise shows the reports.
    let (_, log) = px.get("/api/activity?limit=100").await;
    let feeds = items(&log)
        .iter()
        .filter(|e| e["kind"] == "exercise.feed")
        .count();
    assert_eq!(feeds, 2, "{log}");
}
