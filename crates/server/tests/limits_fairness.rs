//! Hardening of runs and exercises through the HTTP API (issue #11): who may create an
//! exercise (the exercise-director right), the size limits of plans and runs (422 naming the
//! field and the limit), plan paths confined to the bundled scenarios and uploaded files,
//! the run pool's time limit, cancellation and fair queue, and acknowledgements journaled
//! before they are answered.

mod common;

use axum::http::StatusCode;
use common::{App, Client};
use forewarn_server::pool::PoolConfig;
use serde_json::{Value, json};
use std::time::Duration;

/// A small plan: one organisation in `country` that directs and plays, no hazards, one inject
/// at the start that expects an action; `extra` is appended.
fn plan(country: &str, extra: &str) -> String {
    format!(
        r#"[exercise]
name = "Limits test"
hseep_type = "tabletop"
languages = ["en"]
start = "2026-05-12T06:00:00+05:00"
duration = "6h"
speed = "x60"

[[organisation]]
id = "org"
name = "Test organisation"
country = "{country}"

[[team]]
id = "dir"
name = "Director"
organisation = "org"
role = "director"
language = "en"

[[team]]
id = "play"
name = "Players"
organisation = "org"
role = "player"
language = "en"

[[inject]]
id = "first"
at = "T+0m"
from = "Control"
to = ["play"]
channel = "message"
expected_action = "Acknowledge"
content.en = "Exercise starts"
{extra}"#
    )
}

fn quake_hazard(extra: &str) -> String {
    format!(
        "\n[[hazard]]\nid = \"eq\"\nkind = \"earthquake\"\nat = \"T+1h\"\nlon = 73.63\nlat = 34.49\ndepth_km = 26\n{extra}\n"
    )
}

async fn create(c: &Client<'_>, body: Value) -> (StatusCode, Value) {
    c.post("/api/exercises", body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_regional_centre_or_a_granted_organisation_creates_exercises() {
    let app = App::sqlite().await;
    let rc = app.login("rc.coordinator").await;
    let pk = app.login("pk.duty").await;
    let tj = app.login("tj.duty").await;
    let body = json!({"toml": plan("PK", "")});
    // The plan names Pakistan as director: that alone gives no right.
    let (s, v) = create(&pk, body.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(common::error_says(&v, "exercise-director right"), "{v}");
    // Only the regional centre's admin grants.
    let (s, _) = tj
        .post("/api/orgs/pk/exercise-director", json!({"granted": true}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = rc
        .post("/api/orgs/pk/exercise-director", json!({"granted": true}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "granted");
    let (s, v) = create(&pk, body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // Granted, pk still cannot direct a plan whose director team is someone else's.
    let (s, _) = create(&pk, json!({"toml": plan("TJ", "")})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Revoked: refused again; the change is journaled.
    let (s, _) = rc
        .post("/api/orgs/pk/exercise-director", json!({"granted": false}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = create(&pk, body).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, log) = rc.get("/api/activity").await;
    let changes = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "exercise_director.changed")
        .count();
    assert_eq!(changes, 2, "{log}");
    // The regional centre always may.
    let (s, v) = create(&rc, json!({"toml": plan("RC", "")})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_plans_and_runs_are_refused_naming_the_field_and_the_limit() {
    let app = App::sqlite().await;
    let rc = app.login("rc.coordinator").await;
    let pk = app.login("pk.duty").await;
    let base = plan("RC", "");
    let cases: Vec<(String, &[&str])> = vec![
        (
            base.replace("duration = \"6h\"", "duration = \"20000000d\""),
            &["exercise.duration", "limit"],
        ),
        (
            plan("RC", &quake_hazard("mag = 9.5\nspacing_km = 0.06")),
            &["spacing_km", "limit of 1000000 cells"],
        ),
        (
            plan(
                "RC",
                "\n[[hazard]]\nid = \"fl\"\nkind = \"flood\"\nat = \"T+1h\"\nscenario = \"sarez-outburst.toml\"\nduration_h = 1e6\n",
            ),
            &["duration_h", "limit of 336 h"],
        ),
        (
            plan(
                "RC",
                &(0..21)
                    .map(|k| {
                        quake_hazard("mag = 5").replace("id = \"eq\"", &format!("id = \"eq{k}\""))
                    })
                    .collect::<String>(),
            ),
            &["hazard", "over the limit of 20"],
        ),
        (
            base.replace(
                "language = \"en\"\n\n[[team]]\nid = \"play\"",
                "language = \"en\"\nbot.sitrep_every_h = 0.0001\n\n[[team]]\nid = \"play\"",
            ),
            &["sitrep_every_h", "limit of 1 h"],
        ),
    ];
    for (toml, needles) in cases {
        let (s, v) = create(&rc, json!({"toml": toml})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["field"], "toml", "{v}");
        let msg = v["error"].as_str().unwrap();
        for n in needles {
            assert!(msg.contains(n), "'{n}' not in {msg}");
        }
    }
    // An incident run with too many realisations.
    let (s, v) = pk
        .post(
            "/api/incidents",
            json!({"title": "big", "quake": {"lat": 34.5, "lon": 73.6, "depth_km": 20, "mag": 7, "realizations": 5000}}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "quake.realizations");
    assert!(v["error"].as_str().unwrap().contains("limit of 200"), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_paths_stay_inside_the_bundled_scenarios_and_the_uploaded_files() {
    let app = App::sqlite().await;
    let rc = app.login("rc.coordinator").await;
    let server_dir = app.st.scenarios_dir.canonicalize().unwrap();
    let flood = |name: &str| {
        plan(
            "RC",
            &format!(
                "\n[[hazard]]\nid = \"fl\"\nkind = \"flood\"\nat = \"T+1h\"\nscenario = \"{name}\"\n"
            ),
        )
    };
    let mut messages = Vec::new();
    for bad in [
        "/etc/shadow",
        "/etc/no-such-file",
        "/proc/self/pagemap",
        "../Cargo.toml",
        "../../../../etc/passwd",
    ] {
        let (s, v) = create(&rc, json!({"toml": flood(bad)})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
        let msg = v["error"].as_str().unwrap().to_string();
        assert!(msg.contains("no absolute path or '..'"), "{msg}");
        assert!(
            !msg.contains("root:") && !msg.contains("[package]"),
            "content leaked: {msg}"
        );
        assert!(
            !msg.contains(&server_dir.display().to_string()),
            "server path: {msg}"
        );
        messages.push(msg.replace(bad, "X"));
    }
    // Whether the file exists makes no difference to the answer.
    assert_eq!(messages[0], messages[1]);
    // A missing relative name shows no server path either.
    let (s, v) = create(&rc, json!({"toml": flood("none.toml")})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let msg = v["error"].as_str().unwrap();
    assert!(msg.contains("no file 'none.toml'"), "{msg}");
    assert!(!msg.contains(&server_dir.display().to_string()), "{msg}");
    // A rupture uploaded with the plan is used; the same name without the upload is not.
    let nrml = std::fs::read_to_string(app.st.scenarios_dir.join("kashmir-2005.xml")).unwrap();
    let toml = plan(
        "RC",
        "\n[[hazard]]\nid = \"eq\"\nkind = \"earthquake\"\nat = \"T+1h\"\nrupture = \"my-rupture.xml\"\nspacing_km = 10\n",
    );
    let (s, v) = create(&rc, json!({"toml": toml.clone()})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = create(
        &rc,
        json!({"toml": toml.clone(), "files": [{"name": "../x.xml", "text": nrml.clone()}]}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "files[0].name");
    let (s, v) = create(
        &rc,
        json!({"toml": toml, "files": [{"name": "my-rupture.xml", "text": nrml}]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

async fn incident(c: &Client<'_>, title: &str, quake: Value) -> i64 {
    let (s, v) = c
        .post("/api/incidents", json!({"title": title, "quake": quake}))
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    v["id"].as_i64().unwrap()
}

/// Polls incident `id` until `pred` holds (at most 10 minutes: debug builds on a busy
/// machine are slow; the checks themselves are on order, not time).
async fn wait_for(c: &Client<'_>, id: i64, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..6000 {
        let (_, v) = c.get(&format!("/api/incidents/{id}")).await;
        if pred(&v) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("incident {id}: {what} did not happen");
}

fn slow() -> Value {
    json!({"lat": 34.49, "lon": 73.63, "depth_km": 26, "mag": 9.5, "realizations": 200})
}

/// The journal sequence number of incident `id`'s `incident.started` entry, as `c` reads it.
async fn started_seq(c: &Client<'_>, id: i64) -> Option<i64> {
    let (_, log) = c.get("/api/activity?limit=500").await;
    log["items"].as_array().unwrap().iter().find_map(|e| {
        (e["kind"] == "incident.started" && e["record_id"] == id)
            .then(|| e["seq"].as_i64().unwrap())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_organisations_run_starts_before_the_queued_runs_of_a_busy_one() {
    let app = App::sqlite().await;
    app.st.pool.set_config(PoolConfig {
        slots: 1,
        per_org: 1,
        timeout: Duration::from_secs(3600),
    });
    let pk = app.login("pk.duty").await;
    let india = app.login("in.duty").await;
    let pk1 = incident(&pk, "pk1", slow()).await;
    wait_for(&pk, pk1, "start", |v| v["started_at"].is_string()).await;
    let pk2 = incident(&pk, "pk2", slow()).await;
    let pk3 = incident(&pk, "pk3", slow()).await;
    let in1 = incident(
        &india,
        "in1",
        json!({"lat": 28.6, "lon": 77.2, "depth_km": 10, "mag": 5.0, "realizations": 0}),
    )
    .await;
    // The queue takes organisations in turn: India's run is next, then Pakistan's.
    let pos = |v: &Value| v["queue_position"].as_i64();
    let (_, v) = india.get(&format!("/api/incidents/{in1}")).await;
    assert_eq!(pos(&v), Some(1), "{v}");
    let (_, v) = pk.get(&format!("/api/incidents/{pk2}")).await;
    assert_eq!(pos(&v), Some(2), "{v}");
    let (_, v) = pk.get(&format!("/api/incidents/{pk3}")).await;
    assert_eq!(pos(&v), Some(3), "{v}");
    let (_, v) = pk.get(&format!("/api/incidents/{pk1}")).await;
    assert_eq!(pos(&v), None, "running: {v}");
    // Closing the running incident cancels its run.
    let (s, v) = pk
        .post(&format!("/api/incidents/{pk1}/close"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let v = wait_for(&india, in1, "completion", |v| v["status"] == "complete").await;
    assert!(v["summary"].is_object());
    wait_for(&pk, pk2, "start", |v| v["started_at"].is_string()).await;
    // Closing a queued incident: its run never starts.
    for id in [pk3, pk2] {
        let (s, v) = pk
            .post(&format!("/api/incidents/{id}/close"), json!({}))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    // Start order from the journal: pk1, then India's run, then pk2; pk3 never.
    let s_pk1 = started_seq(&pk, pk1).await.expect("pk1 started");
    let s_in1 = started_seq(&india, in1).await.expect("in1 started");
    let s_pk2 = started_seq(&pk, pk2).await.expect("pk2 started");
    assert!(s_pk1 < s_in1 && s_in1 < s_pk2, "{s_pk1} {s_in1} {s_pk2}");
    assert_eq!(started_seq(&pk, pk3).await, None);
    // Cancelled runs store nothing; the incidents stay closed.
    for id in [pk1, pk2, pk3] {
        let (_, v) = pk.get(&format!("/api/incidents/{id}")).await;
        assert_eq!(v["status"], "closed", "{v}");
        assert!(v["summary"].is_null(), "{v}");
    }
    // The pool is free again.
    for _ in 0..600 {
        if app.st.pool.counts() == (0, 0) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the pool still holds runs: {:?}", app.st.pool.counts());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_over_the_time_limit_fails_with_the_reason() {
    let app = App::sqlite().await;
    app.st.pool.set_config(PoolConfig {
        slots: 1,
        per_org: 1,
        timeout: Duration::from_secs(1),
    });
    let pk = app.login("pk.duty").await;
    let id = incident(&pk, "too long", slow()).await;
    let v = wait_for(&pk, id, "failure", |v| v["status"] == "failed").await;
    let err = v["error"].as_str().unwrap();
    assert!(
        err.contains("timed out") && err.contains("limit of 1 s"),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledgement_is_journaled_before_it_is_answered() {
    let app = App::sqlite().await;
    let rc = app.login("rc.coordinator").await;
    let (s, v) = create(&rc, json!({"toml": plan("RC", "")})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, v) = rc
        .post(
            &format!("/api/exercises/{id}/control"),
            json!({"op": "start"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let rcx = rc.in_exercise(id);
    for _ in 0..200 {
        let (_, v) = rc.get(&format!("/api/exercises/{id}/injects")).await;
        if !v["items"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (s, v) = rc
        .post(
            &format!("/api/exercises/{id}/acknowledge"),
            json!({"inject": "first"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Right after the answer, the journal holds the acknowledgement.
    let (_, log) = rcx.get("/api/activity?limit=500").await;
    let acked =
        log["items"].as_array().unwrap().iter().any(|e| {
            e["kind"] == "exercise.action" && e["payload"]["action"]["kind"] == "acknowledge"
        });
    assert!(acked, "{log}");
    // A second acknowledgement of the same inject is refused and changes nothing.
    let (s, v) = rc
        .post(
            &format!("/api/exercises/{id}/acknowledge"),
            json!({"inject": "nope"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["field"], "inject");
}
