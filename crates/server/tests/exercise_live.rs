//! A live exercise through the API: the director creates and drives the Pamir exercise, two
//! player organisations (Tajikistan, Kyrgyzstan) each see only their own injects and act
//! through the normal endpoints, an evaluator rates an objective, and the report is written at
//! the end. Exercise traffic never reaches real lists, feeds or the real activity log.

mod common;

use axum::body::Body;
use axum::http::StatusCode;
use common::{App, Client, next_event, next_event_within};
use serde_json::{Value, json};
use std::time::Duration;
use tower::ServiceExt;

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

fn inject_ids(v: &Value) -> Vec<String> {
    items(v)
        .iter()
        .filter_map(|i| i["inject"].as_str().map(str::to_string))
        .collect()
}

async fn control(c: &Client<'_>, id: i64, body: Value) -> Value {
    let (s, v) = c.post(&format!("/api/exercises/{id}/control"), body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_exercise_end_to_end() {
    let app = App::sqlite().await;
    let rc = app.login("rc.coordinator").await;
    let tj = app.login("tj.duty").await;
    let tja = app.login("tj.approver").await;
    let kg = app.login("kg.duty").await;
    let pk = app.login("pk.duty").await;
    let tjv = app.login("tj.viewer").await;

    // Bad creations name the field.
    let bad = [
        (&rc, json!({"scenario": "../Cargo.toml"}), 422, "scenario"),
        (
            &rc,
            json!({"scenario": "exercise-none.toml"}),
            422,
            "scenario",
        ),
        (&rc, json!({"toml": "[exercise]\nname = 1\n"}), 422, "toml"),
        (
            &rc,
            json!({"scenario": "exercise-pamir.toml", "human_teams": ["nobody"]}),
            422,
            "human_teams[0]",
        ),
        (
            &rc,
            json!({"scenario": "exercise-pamir.toml", "speed": "max"}),
            422,
            "speed",
        ),
        (
            &rc,
            json!({"scenario": "exercise-pamir.toml", "colour": "red"}),
            422,
            "colour",
        ),
    ];
    for (c, body, want, field) in bad {
        let (s, v) = c.post("/api/exercises", body.clone()).await;
        assert_eq!(s.as_u16(), want, "{body}: {v}");
        assert_eq!(v["field"], field, "{body}: {v}");
    }
    // Only the director team's organisation creates; viewers never do.
    let (s, _) = pk
        .post("/api/exercises", json!({"scenario": "exercise-pamir.toml"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = tjv
        .post("/api/exercises", json!({"scenario": "exercise-pamir.toml"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // A plan sent as TOML text (as the screen's file picker does) is accepted too.
    let text = std::fs::read_to_string(app.st.scenarios_dir.join("exercise-pamir.toml")).unwrap();
    let (s, v) = rc
        .post("/api/exercises", json!({"toml": text, "speed": "x10"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["speed"], "x10");
    assert_eq!(v["scenario"], "exercise.toml");
    let (s, sc) = rc.get("/api/exercises/scenarios").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        items(&sc)
            .iter()
            .any(|i| i["file"] == "exercise-pamir.toml" && i["name"] == "Pamir Shield 2026")
    );
    let (s, x) = rc
        .post(
            "/api/exercises",
            json!({"scenario": "exercise-pamir.toml", "seed": 7, "bots": true,
                   "human_teams": ["tj-coes", "kg-mchs"], "speed": "x60"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{x}");
    assert_eq!(x["status"], "planned");
    let id = x["id"].as_i64().unwrap();

    // Participation: Pakistan takes no part.
    let (s, _) = pk.get(&format!("/api/exercises/{id}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = pk.in_exercise(id).get("/api/incidents").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["field"], serde_json::Value::Null);
    let (s, v) = tj.in_exercise(9999).get("/api/incidents").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(v["field"], "Forewarn-Exercise");
    let (s, v) = tj.get(&format!("/api/exercises/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["my_team"], "tj-coes");
    assert_eq!(v["my_roles"], json!(["player"]));

    // Only the director's organisation controls the clock.
    let (s, _) = tj
        .post(
            &format!("/api/exercises/{id}/control"),
            json!({"op": "start"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = rc
        .post(
            &format!("/api/exercises/{id}/control"),
            json!({"op": "pause"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    // Kyrgyzstan's real event stream and its exercise stream, opened before the start.
    let open = |path: &str| kg.request("GET", path).body(Body::empty()).unwrap();
    let mut real_stream = app
        .router
        .clone()
        .oneshot(open("/api/events"))
        .await
        .unwrap()
        .into_body()
        .into_data_stream();
    let mut ex_stream = app
        .router
        .clone()
        .oneshot(open(&format!("/api/events?exercise={id}")))
        .await
        .unwrap()
        .into_body()
        .into_data_stream();
    let (mut real_buf, mut ex_buf) = (String::new(), String::new());
    let v = control(&rc, id, json!({"op": "start"})).await;
    assert_eq!(v["status"], "running");
    let (s, v) = rc
        .post(
            &format!("/api/exercises/{id}/control"),
            json!({"op": "warp"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "op");
    let v = control(&rc, id, json!({"op": "jump", "to": "T+3h30m"})).await;
    assert!(v["t_s"].as_i64().unwrap() >= 3 * 3600 + 1800, "{v}");

    // Each team sees only its own injects.
    let (_, ti) = tj.get(&format!("/api/exercises/{id}/injects")).await;
    let (_, ki) = kg.get(&format!("/api/exercises/{id}/injects")).await;
    let (ti, ki) = (inject_ids(&ti), inject_ids(&ki));
    assert!(
        ti.contains(&"i02".into()) && !ki.contains(&"i02".into()),
        "{ti:?} {ki:?}"
    );
    assert!(
        ki.contains(&"i13".into()) && !ti.contains(&"i13".into()),
        "{ti:?} {ki:?}"
    );
    assert!(ti.contains(&"i07".into()) && ki.contains(&"i07".into()));
    // Injects arrive live on the exercise stream, only Kyrgyzstan's...
    let got = next_event(&mut ex_stream, &mut ex_buf, |k, d| {
        k == "exercise.inject" && d["payload"]["inject"] == "i13"
    })
    .await;
    assert!(got.is_some(), "kg's inject i13 arrives live");
    assert!(!ex_buf.contains("\"inject\":\"i02\""));
    // ...and never on the real stream.
    let leaked = next_event_within(
        &mut real_stream,
        &mut real_buf,
        Duration::from_secs(2),
        |_, d| !d["exercise_id"].is_null(),
    )
    .await;
    assert!(
        leaked.is_none(),
        "exercise traffic on the real stream: {leaked:?}"
    );
    // Injects also arrive in each organisation's exercise activity log, and only there.
    let (_, tact) = tj.in_exercise(id).get("/api/activity").await;
    let kinds: Vec<String> = items(&tact)
        .iter()
        .filter(|e| e["kind"] == "exercise.inject")
        .filter_map(|e| e["payload"]["inject"].as_str().map(str::to_string))
        .collect();
    assert!(kinds.contains(&"i02".into()) && !kinds.contains(&"i13".into()));
    let (s, _) = tj
        .post(
            &format!("/api/exercises/{id}/acknowledge"),
            json!({"inject": "i02"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = tj
        .post(
            &format!("/api/exercises/{id}/acknowledge"),
            json!({"inject": "i13"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["field"], "inject");

    // The earthquake has begun: Tajikistan has an exercise incident with a CAP proposal.
    let (_, incs) = tj.in_exercise(id).get("/api/incidents").await;
    let inc = items(&incs)
        .into_iter()
        .find(|i| i["org"] == "tj" && i["exercise_hazard"] == "eq-sarez")
        .unwrap_or_else(|| panic!("no exercise incident: {incs}"));
    assert_eq!(inc["exercise_id"], id);
    let iid = inc["id"].as_i64().unwrap();
    let (s, layer) = tj
        .in_exercise(id)
        .get(&format!("/api/incidents/{iid}/layers/settlements"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(!items(&json!({"items": layer["features"]})).is_empty());
    // An exercise incident holds the scenario's figures, not a run's table: no exposure.csv,
    // with the reason.
    let (s, v) = tj
        .in_exercise(id)
        .get(&format!("/api/incidents/{iid}/exposure.csv"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert!(common::error_says(&v, "no exposure by intensity"), "{v}");
    // Its layers open from a plain download link (no exercise header) for a participant, as
    // its page does, and for nobody else.
    let (s, v) = tj
        .get(&format!("/api/incidents/{iid}/layers/settlements"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["type"], "FeatureCollection");
    let (s, _) = pk
        .get(&format!("/api/incidents/{iid}/layers/settlements"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Its page is the scenario's: the countries the shaking reaches, with their people and
    // intensity, and no run's panels (no fatalities shown as "none", no table by intensity).
    let page = scenario_page(&tj, iid, "en").await;
    assert!(page.contains("People at risk (MMI ≥ VI)"), "{page}");
    assert!(page.contains("<td>Tajikistan</td>"), "{page}");
    assert!(!page.contains("Estimated fatalities") && !page.contains("rpt-exposure"));
    assert!(
        page.contains("class=\"rpt-epicentre\""),
        "the footprint mapped: {page}"
    );
    let (s, _) = pk.get(&format!("/api/incidents/{iid}/report.html")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Not in the real incident list, and not readable outside the exercise.
    let (_, real) = tj.get("/api/incidents").await;
    assert!(items(&real).iter().all(|i| i["exercise_id"].is_null()));
    let (s, _) = tj.get(&format!("/api/incidents/{iid}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // An Actual alert cannot be drafted in an exercise.
    let actual =
        common::cap_xml("tj").replace("<status>Exercise</status>", "<status>Actual</status>");
    let (s, v) = tj
        .in_exercise(id)
        .post("/api/alerts", json!({"xml": actual}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "xml");
    // Draft from the exercise incident, approve as another user, publish.
    let (s, a) = tj
        .in_exercise(id)
        .post("/api/alerts", json!({"incident_id": iid}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(a["cap_status"], "Exercise");
    let aid = a["id"].as_i64().unwrap();
    let (s, v) = tja
        .in_exercise(id)
        .post(&format!("/api/alerts/{aid}/approve"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = tj
        .in_exercise(id)
        .post(&format!("/api/alerts/{aid}/publish"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Never in the real Atom feed or the real alert list.
    let (s, feed) = app.anon().get("/feeds/tj.atom").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        !feed
            .as_str()
            .unwrap_or("")
            .contains(&format!("/cap/{aid}.xml"))
    );
    let (_, ra) = tj.get("/api/alerts").await;
    assert!(items(&ra).is_empty(), "{ra}");
    let (s, _) = app.anon().get(&format!("/cap/{aid}.xml")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.anon().get(&format!("/cap/{aid}.html")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Participants in the exercise read its page (marked EXERCISE).
    let (s, page) = tj.get(&format!("/cap/{aid}.html")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.as_str()
            .is_some_and(|p| p.contains(">EXERCISE</span>")),
        "{page}"
    );

    // A request for USAR and a Kyrgyz offer, both fed to the consequence model.
    let (s, r) = tj
        .in_exercise(id)
        .post(
            "/api/requests",
            json!({"title": "USAR for Rushon", "resource_type": "usar_team", "quantity": 1, "unit": "team"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert!(r["exercise_ref"].is_string(), "{r}");
    let rid = r["id"].as_i64().unwrap();
    let (s, o) = kg
        .in_exercise(id)
        .post(
            &format!("/api/requests/{rid}/offers"),
            json!({"quantity": 1, "eta_hours": 12}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    let (s, _) = tj
        .in_exercise(id)
        .post(
            "/api/sitreps",
            json!({"title": "Sitrep 1", "body": "Rushon cut off; USAR requested."}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, rr) = tj.get("/api/requests").await;
    assert!(items(&rr).is_empty(), "{rr}");
    let (_, rs) = tj.get("/api/sitreps").await;
    assert!(items(&rs).is_empty(), "{rs}");

    // Evaluators rate; players do not.
    let (s, _) = tj
        .post(
            &format!("/api/exercises/{id}/ratings"),
            json!({"objective": "obj-eq-info", "rating": "S"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = rc
        .post(
            &format!("/api/exercises/{id}/ratings"),
            json!({"objective": "obj-none", "rating": "S"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "objective");
    let (s, _) = rc
        .post(
            &format!("/api/exercises/{id}/ratings"),
            json!({"objective": "obj-eq-info", "rating": "S", "note": "Warning issued late."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // Pause and resume.
    let v = control(&rc, id, json!({"op": "pause"})).await;
    assert_eq!(v["status"], "paused");
    assert_eq!(v["clock_paused"], true);
    let v = control(&rc, id, json!({"op": "resume"})).await;
    assert_eq!(v["status"], "running");

    // The outburst flood begins 5 h after the earthquake: its incident's page lists the
    // flooded settlements with their depth and arrival, in the page's language.
    control(&rc, id, json!({"op": "jump", "to": "T+6h"})).await;
    let (_, incs) = tj.in_exercise(id).get("/api/incidents").await;
    let flood = items(&incs)
        .into_iter()
        .find(|i| i["org"] == "tj" && i["exercise_hazard"] == "sarez-flood")
        .unwrap_or_else(|| panic!("no flood incident: {incs}"));
    let fid = flood["id"].as_i64().unwrap();
    let (_, layer) = tj
        .get(&format!("/api/incidents/{fid}/layers/settlements"))
        .await;
    let flooded = layer["features"].as_array().map_or(0, Vec::len);
    assert!(flooded > 0, "{layer}");
    let page = scenario_page(&tj, fid, "ru").await;
    assert!(page.contains("Сценарий учения"), "{page}");
    assert!(page.contains("Наибольшая глубина затопления, м"), "{page}");
    assert_eq!(
        page.matches("<tr>").count(),
        flooded.min(100) + 1,
        "a row per flooded settlement: {page}"
    );
    assert!(
        page.contains("<svg class=\"rpt-map\""),
        "the flooded area mapped"
    );

    // The exercise journal holds the players' actions.
    let (_, xact) = rc.in_exercise(id).get("/api/activity?limit=1000").await;
    let actions: Vec<(String, String)> = items(&xact)
        .iter()
        .filter(|e| e["kind"] == "exercise.action")
        .map(|e| {
            (
                e["payload"]["team"].as_str().unwrap_or("").to_string(),
                e["payload"]["action"]["kind"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect();
    for want in [
        ("tj-coes", "acknowledge"),
        ("tj-coes", "public_warning"),
        ("tj-coes", "request"),
        ("kg-mchs", "offer"),
        ("tj-coes", "sitrep"),
        ("evaluators", "rate"),
    ] {
        assert!(
            actions.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} not in {actions:?}"
        );
    }
    // ...and none of it is in the real activity log.
    let (_, ract) = rc.get("/api/activity?limit=1000").await;
    assert!(items(&ract).iter().all(|e| e["exercise_id"].is_null()));
    assert!(!items(&ract).iter().any(|e| e["kind"] == "exercise.inject"));

    // The report is written at the end.
    let (s, _) = kg.get(&format!("/api/exercises/{id}/report")).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let v = control(&rc, id, json!({"op": "end"})).await;
    assert_eq!(v["status"], "ended");
    assert!(v["totals"]["people_at_risk"].as_f64().unwrap() > 0.0, "{v}");
    let (s, html) = kg.get(&format!("/api/exercises/{id}/report")).await;
    assert_eq!(s, StatusCode::OK);
    let html = html.as_str().unwrap_or("");
    assert!(html.contains("Pamir Shield 2026") && html.contains("<svg"));
    let (s, m) = rc.get(&format!("/api/exercises/{id}/metrics")).await;
    assert_eq!(s, StatusCode::OK);
    let obj = m["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "obj-eq-info")
        .unwrap();
    assert_eq!(obj["rating"], "S", "{obj}");
    let (s, _) = pk.get(&format!("/api/exercises/{id}/report")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = rc
        .post(
            &format!("/api/exercises/{id}/control"),
            json!({"op": "resume"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

/// Ended exercises do not pile up in memory: they let go of their hazard results at once, and
/// beyond `MAX_ENDED_HELD` the oldest is dropped and answered from the store (record, report)
/// like one of a previous process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ended_exercises_leave_memory_beyond_the_bound() {
    let app = App::sqlite().await;
    let rc = app.login("rc.coordinator").await;
    let n = forewarn_server::exercises::MAX_ENDED_HELD + 1;
    let mut ids = Vec::new();
    for _ in 0..n {
        let (s, x) = rc
            .post(
                "/api/exercises",
                json!({"scenario": "exercise-pamir.toml", "seed": 1}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{x}");
        let id = x["id"].as_i64().unwrap();
        control(&rc, id, json!({"op": "start"})).await;
        // While it runs it holds its hazard results; once ended, none (they are the bulk of an
        // ended exercise's memory and nothing reads them after the end).
        assert!(app.st.exercises.hazards_held() > 0);
        let v = control(&rc, id, json!({"op": "end"})).await;
        assert_eq!(v["status"], "ended");
        assert_eq!(app.st.exercises.hazards_held(), 0);
        ids.push(id);
    }
    // The first is no longer live: its injects are a 409 naming why, its record and report
    // come from the store.
    let (s, v) = rc.get(&format!("/api/exercises/{}/injects", ids[0])).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["error"].as_str().unwrap_or("").contains("not live"),
        "{v}"
    );
    let (s, v) = rc.get(&format!("/api/exercises/{}", ids[0])).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "ended");
    let (s, _) = rc.get(&format!("/api/exercises/{}/report", ids[0])).await;
    assert_eq!(s, StatusCode::OK);
    // The newest is still held.
    let (s, v) = rc
        .get(&format!("/api/exercises/{}/injects", ids[n - 1]))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

/// The page of exercise incident `id` in `lang`, as a participant opens it from its link
/// (no exercise header).
async fn scenario_page(c: &Client<'_>, id: i64, lang: &str) -> String {
    let (s, v) = c
        .get(&format!("/api/incidents/{id}/report.html?lang={lang}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let page = v.as_str().unwrap_or_default().to_string();
    assert!(page.contains("data-scenario=\"true\""), "{page}");
    page
}
