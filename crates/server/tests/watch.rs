//! The proactive watch end to end inside the server: a local HTTP server (below) serves
//! feeds written from each format's documentation, with ETags and optional delays; the watch
//! polls it, associates reports, makes automatic incidents, runs them on the pool and drafts
//! CAP alerts for the usual approval.
//!
//! Feed shapes: USGS GeoJSON summary feed
//! (<https://earthquake.usgs.gov/earthquakes/feed/v1.0/geojson.php>) and the FDSN event text
//! format of fdsnws-event 1.2 (<https://www.fdsn.org/webservices/fdsnws-event-1.2.pdf>); ids
//! and values are invented.

mod common;

use axum::http::StatusCode;
use common::App;
use common::feeds::{
    FDSN_HEADER, Feeds, auto_incidents, drafts_of, feed_server, start_watch, until, usgs,
};
use forewarn_server::watch::{self, WatchService};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_agencies_one_incident_then_update_then_cancel() {
    let app = App::sqlite().await;
    let feeds = Feeds::default();
    let addr = feed_server(feeds.clone()).await;
    // USGS reports M6.0; EMSC the same earthquake 4 s later, 12 km away, M6.1.
    feeds.set(
        "usgs",
        usgs(
            "us7000abcd",
            6.0,
            73.2,
            33.8,
            "automatic",
            1_736_481_300_000,
        ),
    );
    feeds.set(
        "emsc",
        format!("{FDSN_HEADER}20250110_0000042|2025-01-10T03:50:44.0|33.85|73.32|12.0|EMSC|EMSC-RTS|EMSC|1|mw|6.1|EMSC|PAKISTAN|earthquake\n"),
    );
    start_watch(
        &app,
        &format!(
            "[association]\nagency_order = [\"us\", \"emsc\"]\n\n[[source]]\nname = \"usgs\"\nkind = \"usgs-geojson\"\nurl = \"http://{addr}/usgs\"\npoll_s = 1\n\n[[source]]\nname = \"emsc\"\nkind = \"fdsn-text\"\nurl = \"http://{addr}/emsc\"\npoll_s = 1\n"
        ),
    )
    .await;
    let pd = app.login("pk.duty").await;
    let pa = app.login("pk.approver").await;
    let kd = app.login("kg.duty").await;

    // One automatic incident with both agencies' ids, its run complete with an alert level,
    // and a draft made for it.
    let inc = until(
        "a complete automatic incident with both ids",
        240,
        async || {
            let v = auto_incidents(&pd).await;
            assert!(v.len() <= 1, "one event gave {} incidents: {v:?}", v.len());
            let i = v.into_iter().next()?;
            (i["status"] == "complete"
                && i["source_event_ids"] == json!(["20250110_0000042", "us7000abcd"]))
            .then_some(i)
        },
    )
    .await;
    assert!(inc["alert_level"].is_string(), "{inc}");
    assert_eq!(inc["created_by"], "watch");
    let iid = inc["id"].as_i64().unwrap();
    let draft = until("the draft alert", 30, async || {
        drafts_of(&pd, iid).await.into_iter().next()
    })
    .await;
    assert_eq!(draft["incident_id"], iid);
    assert_eq!(draft["msg_type"], "Alert");
    // Kyrgyzstan's duty officer sees none of it.
    assert!(auto_incidents(&kd).await.is_empty());
    let (s, _) = kd.get(&format!("/api/incidents/{iid}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Manual incidents say so.
    let (s, m) = kd
        .post(
            "/api/incidents",
            json!({"title": "manual", "quake": {"lat": 30.0, "lon": 70.0, "depth_km": 10.0, "mag": 5.0, "realizations": 0}}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{m}");
    assert_eq!(m["origin"], "manual");

    // The usual two-person approval, then publication.
    let did = draft["id"].as_i64().unwrap();
    let (s, v) = pa
        .post(&format!("/api/alerts/{did}/approve"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = pd
        .post(&format!("/api/alerts/{did}/publish"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // USGS revises the magnitude to 7.5: a re-run, and a draft Update in the same thread.
    feeds.set(
        "usgs",
        usgs("us7000abcd", 7.5, 73.2, 33.8, "reviewed", 1_736_482_000_000),
    );
    let upd = until("the draft Update", 240, async || {
        drafts_of(&pd, iid)
            .await
            .into_iter()
            .find(|a| a["msg_type"] == "Update")
    })
    .await;
    assert_eq!(upd["supersedes"], did);
    assert_eq!(upd["drafted_by"], "watch");
    let (_, i2) = pd.get(&format!("/api/incidents/{iid}")).await;
    assert_eq!(i2["quake"]["mag"], 7.5);
    assert_eq!(auto_incidents(&pd).await.len(), 1);

    // Both agencies delete the event: a draft Cancel of the published message; the
    // unpublished Update draft is rejected with the reason.
    feeds.set(
        "usgs",
        usgs("us7000abcd", 7.5, 73.2, 33.8, "deleted", 1_736_483_000_000),
    );
    feeds.set(
        "emsc",
        format!("{FDSN_HEADER}20250110_0000042|2025-01-10T03:50:44.0|33.85|73.32|12.0|EMSC|EMSC-RTS|EMSC|1|mw|6.1|EMSC|PAKISTAN|not existing\n"),
    );
    let cancel = until("the draft Cancel", 60, async || {
        drafts_of(&pd, iid)
            .await
            .into_iter()
            .find(|a| a["msg_type"] == "Cancel")
    })
    .await;
    assert_eq!(cancel["supersedes"], did);
    let (_, u) = pd.get(&format!("/api/alerts/{}", upd["id"])).await;
    assert!(
        u["rejection"]
            .as_str()
            .is_some_and(|r| r.contains("deleted")),
        "{u}"
    );
    // The Cancel is a valid CAP message: it is approved like any draft.
    let (s, v) = pa
        .post(&format!("/api/alerts/{}/approve", cancel["id"]), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // The sources' health, with the ETags honoured (304s while nothing changed).
    let (s, v) = pd.get("/api/watch/sources").await;
    assert_eq!(s, StatusCode::OK);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for it in items {
        assert_eq!(it["health"]["status"], "ok", "{it}");
        assert!(it["last_success"].is_string(), "{it}");
        assert!(it["items_seen"].as_u64().unwrap() >= 1, "{it}");
        assert!(it["items_accepted"].as_u64().unwrap() >= 1, "{it}");
        assert_eq!(it["items_rejected"], 0, "{it}");
    }
    assert!(feeds.not_modified.lock().unwrap().values().sum::<u64>() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_items_are_rejected_and_a_slow_source_backs_off_and_recovers() {
    let app = App::sqlite().await;
    let feeds = Feeds::default();
    let addr = feed_server(feeds.clone()).await;
    // A malformed line (latitude not a number), then a good one (M4.6: below every
    // organisation's threshold, so read and accepted without an incident).
    feeds.set(
        "emsc",
        format!("{FDSN_HEADER}e1|2025-01-10T04:10:00|not-a-latitude|74.6|10|EMSC||EMSC|||4.6||KYRGYZSTAN|earthquake\ne2|2025-01-10T05:00:00|42.8|74.6|10|EMSC||EMSC|||4.6||KYRGYZSTAN|earthquake\n"),
    );
    feeds.set("slow", usgs("us7000slow", 4.5, 74.6, 42.8, "automatic", 1));
    feeds.delay("slow", 3_000);
    let svc = start_watch(
        &app,
        &format!(
            "[[source]]\nname = \"emsc\"\nkind = \"fdsn-text\"\nurl = \"http://{addr}/emsc\"\npoll_s = 1\n\n[[source]]\nname = \"slow\"\nkind = \"usgs-geojson\"\nurl = \"http://{addr}/slow\"\npoll_s = 1\ntimeout_s = 1\n"
        ),
    )
    .await;
    let v = app.login("kg.viewer").await;
    let source = async |name: &str| -> Value {
        let (_, l) = v.get("/api/watch/sources").await;
        l["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == name)
            .cloned()
            .unwrap()
    };
    let emsc = until("the emsc source polled", 30, async || {
        let s = source("emsc").await;
        (s["items_seen"] == 2).then_some(s)
    })
    .await;
    assert_eq!(emsc["items_rejected"], 1, "{emsc}");
    assert_eq!(emsc["items_accepted"], 1, "{emsc}");
    assert_eq!(emsc["status"], "ok");
    let r = &emsc["recent_rejections"][0];
    assert_eq!(r["at"], "line 2");
    assert!(
        r["reason"].as_str().unwrap().contains("not a number"),
        "{r}"
    );
    assert_eq!(svc.assoc.lock().await.events().len(), 1);

    // The slow source times out, and waits twice as long after each failure.
    let slow = until("two failures of the slow source", 30, async || {
        let s = source("slow").await;
        (s["consecutive_failures"].as_u64() >= Some(2)).then_some(s)
    })
    .await;
    assert_eq!(slow["status"], "failing");
    assert!(
        slow["last_error"].as_str().unwrap().contains("timed out"),
        "{slow}"
    );
    assert!(slow["next_poll_in_s"].as_f64().unwrap() >= 4.0, "{slow}");
    assert!(slow["last_success"].is_null());
    // It answers in time again: the source recovers.
    feeds.delay("slow", 0);
    let ok = until("the slow source recovered", 60, async || {
        let s = source("slow").await;
        (s["status"] == "ok").then_some(s)
    })
    .await;
    assert_eq!(ok["consecutive_failures"], 0);
    assert_eq!(ok["next_poll_in_s"], 1.0);
    assert!(ok["last_success"].is_string());
    assert!(ok["last_error"].is_string(), "the last error is kept: {ok}");
    // Anonymous callers see nothing.
    let (s, _) = app.anon().get("/api/watch/sources").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_regional_admin_pauses_and_resumes_a_source() {
    let app = App::sqlite().await;
    let feeds = Feeds::default();
    let addr = feed_server(feeds.clone()).await;
    feeds.set("q", usgs("us7000paus", 4.5, 74.6, 42.8, "automatic", 1));
    start_watch(
        &app,
        &format!("[[source]]\nname = \"q\"\nkind = \"usgs-geojson\"\nurl = \"http://{addr}/q\"\npoll_s = 1\n"),
    )
    .await;
    let rc = app.login("rc.coordinator").await;
    let pd = app.login("pk.duty").await;
    let source = async || -> Value {
        let (_, l) = rc.get("/api/watch/sources").await;
        l["items"][0].clone()
    };
    until("the first poll", 30, async || {
        (source().await["polls"].as_u64()? >= 1).then_some(())
    })
    .await;
    // Only the regional centre's admin; an unknown source is 404.
    let (s, _) = pd
        .post(
            "/api/watch/sources/q/pause",
            json!({"reason": "maintenance"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = rc.post("/api/watch/sources/nope/pause", json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = rc
        .post(
            "/api/watch/sources/q/pause",
            json!({"reason": "maintenance"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "paused");
    assert_eq!(v["changed_by"], "rc.coordinator");
    let paused = until("the source shown paused", 10, async || {
        let s = source().await;
        (s["status"] == "paused" && s["paused"] == true).then_some(s)
    })
    .await;
    // No poll while paused.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(source().await["polls"], paused["polls"]);
    let (s, v) = rc.post("/api/watch/sources/q/resume", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "active");
    let polls = paused["polls"].as_u64().unwrap();
    until("polling again", 10, async || {
        let s = source().await;
        (s["polls"].as_u64()? > polls && s["status"] == "ok").then_some(())
    })
    .await;
    let (_, log) = rc.get("/api/activity?limit=50").await;
    let kinds: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"watch_source.paused"), "{kinds:?}");
    assert!(kinds.contains(&"watch_source.resumed"), "{kinds:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_publish_publishes_the_watchs_draft_at_the_chosen_levels_only() {
    let app = App::sqlite().await;
    let feeds = Feeds::default();
    let addr = feed_server(feeds.clone()).await;
    let pa = app.admin("pk").await;
    let pd = app.login("pk.duty").await;
    let kd = app.login("kz.duty").await;

    // Off until the organisation's admin sets it; validated; only its own admin.
    let (s, v) = pd.get("/api/orgs/pk/auto-publish").await;
    assert_eq!((s, &v["status"]), (StatusCode::OK, &json!("off")), "{v}");
    let (s, _) = pa
        .call(
            "PUT",
            "/api/orgs/pk/auto-publish",
            Some(json!({"levels": ["purple"]})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = pd
        .call(
            "PUT",
            "/api/orgs/pk/auto-publish",
            Some(json!({"levels": ["red"]})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a duty officer may not");
    let (s, _) = kd
        .call(
            "PUT",
            "/api/orgs/pk/auto-publish",
            Some(json!({"levels": ["red"]})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "another organisation may not");
    let (s, v) = pa
        .call(
            "PUT",
            "/api/orgs/pk/auto-publish",
            Some(json!({"levels": ["red", "orange", "red"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["levels"], json!(["orange", "red"]));
    assert_eq!(v["status"], "on");
    let (_, v) = kd.get("/api/orgs/pk/auto-publish").await;
    assert_eq!(
        v["levels"],
        json!(["orange", "red"]),
        "visible to everyone logged in"
    );

    // An M7.4 under Muzaffarabad: Red, so its draft is published at once.
    feeds.set(
        "usgs",
        usgs("us7000auto", 7.4, 73.5, 34.4, "reviewed", 1_736_481_300_000),
    );
    start_watch(
        &app,
        &format!("[[source]]\nname = \"usgs\"\nkind = \"usgs-geojson\"\nurl = \"http://{addr}/usgs\"\npoll_s = 1\n"),
    )
    .await;
    let published = until("the published alert", 300, async || {
        let (_, v) = pd.get("/api/alerts?status=published").await;
        v["items"].as_array()?.first().cloned()
    })
    .await;
    assert_eq!(
        published["published_by"], "watch (auto-publish)",
        "{published}"
    );
    assert_eq!(published["approved_by"], "watch (auto-publish)");
    let id = published["id"].as_i64().unwrap();
    let anon = app.anon();
    let (s, _) = anon.get(&format!("/cap/{id}.xml")).await;
    assert_eq!(s, StatusCode::OK, "public at its CAP URL");
    let (_, log) = pd.get("/api/activity?limit=100").await;
    let kinds: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"auto_publish.changed"), "{kinds:?}");
    assert!(kinds.contains(&"alert.published"), "{kinds:?}");
}

/// A lake gauge crossing its level starts the flood scenario linked to it: an automatic flood
/// incident for the organisation named, its run with the downstream settlements and the
/// water's arrival, and a draft warning for approval that names the reaches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gauge_crossing_starts_its_flood_run_and_a_draft() {
    let app = App::sqlite().await;
    let feeds = Feeds::default();
    let addr = feed_server(feeds.clone()).await;
    feeds.set(
        "lake",
        "time,value\n2025-06-01T01:00:00Z,3.10\n2025-06-01T03:00:00Z,4.05\n".into(),
    );
    start_watch(
        &app,
        &format!(
            "[[source]]\nname = \"sarez-lake\"\nkind = \"gauge-csv\"\nurl = \"http://{addr}/lake\"\npoll_s = 1\nlevel_threshold = 3.9\nalarm_orgs = [\"tj\"]\nflood_scenario = \"sarez-outburst.toml\"\n"
        ),
    )
    .await;
    let td = app.login("tj.duty").await;
    let inc = until("the flood incident to complete", 120, async || {
        let (_, v) = td.get("/api/incidents").await;
        v["items"]
            .as_array()?
            .iter()
            .find(|i| i["hazard"] == "flood" && i["status"] == "complete")
            .cloned()
    })
    .await;
    assert_eq!(inc["origin"], "auto", "{inc}");
    assert_eq!(
        inc["source_event_ids"][0], "sarez-lake:1748746800000",
        "{inc}"
    );
    assert_eq!(inc["flood"]["scenario"], "sarez-outburst.toml");
    let level = inc["alert_level"].as_str().unwrap();
    assert!(["orange", "red"].contains(&level), "{inc}");
    let id = inc["id"].as_i64().unwrap();
    // The warning's value is in the estimate: deaths without and with a warning.
    let (_, full) = td.get(&format!("/api/incidents/{id}")).await;
    let ll = &full["summary"]["life_loss"];
    assert!(
        ll["with_warning"].as_f64().unwrap() < ll["without_warning"].as_f64().unwrap(),
        "{full}"
    );
    assert_eq!(full["summary"]["gauge"]["source"], "sarez-lake");
    // Its map layers: the flooded area and the settlements reached, with arrival times.
    let (s, towns) = td
        .get(&format!("/api/incidents/{id}/layers/settlements"))
        .await;
    assert_eq!(s, 200);
    let reached = towns["features"].as_array().unwrap();
    assert!(!reached.is_empty(), "{towns}");
    assert!(
        reached
            .iter()
            .all(|f| f["properties"]["arrival_early_h"].is_number()),
        "{towns}"
    );
    let (s, extent) = td
        .get(&format!("/api/incidents/{id}/layers/flood_extent"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(extent["features"][0]["geometry"]["type"], "MultiPolygon");
    let (s, _) = td
        .get(&format!("/api/incidents/{id}/layers/mmi_contours"))
        .await;
    assert_eq!(s, 404, "a flood has no shaking contours");
    // Its page leads with the three life-loss numbers and lists the settlements reached.
    let (s, page) = td
        .call(
            "GET",
            &format!("/api/incidents/{id}/report.html?lang=ur"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{page}");
    let page = page.as_str().unwrap_or_default();
    let ll = &full["summary"]["life_loss"];
    // Modelled tolls are written to two significant figures.
    let shown = |v: &Value| forewarn_engine::report::deaths_text(v.as_f64().unwrap(), "ur");
    for (id, key) in [
        ("rpt-deaths-without-warning", "without_warning"),
        ("rpt-deaths-with-warning", "with_warning"),
        ("rpt-lives-saved", "lives_saved"),
    ] {
        assert!(
            page.contains(&format!("id=\"{id}\">{}<", shown(&ll[key]))),
            "{id}: {page}"
        );
    }
    assert!(page.contains("dir=\"rtl\"") && page.contains("انتباہ سے بچائی گئی جانیں"));
    assert!(page.contains("id=\"rpt-flood-settlements\""), "{page}");
    assert!(page.contains("fill=\"#3182BD\""), "the extent on the map");
    // Its exposure table is an earthquake run's.
    let (s, _) = td
        .call("GET", &format!("/api/incidents/{id}/exposure.csv"), None)
        .await;
    assert_eq!(s, 409, "no exposure by intensity for a flood");
    // The draft for the usual approval, its areas the downstream reaches, onset the crossing.
    let draft = until("the draft warning", 30, async || {
        let (_, v) = td.get("/api/alerts?status=draft").await;
        v["items"]
            .as_array()?
            .iter()
            .find(|a| a["incident_id"] == id)
            .cloned()
    })
    .await;
    assert_eq!(draft["drafted_by"], "watch", "{draft}");
    let (_, full) = td.get(&format!("/api/alerts/{}", draft["id"])).await;
    let cap = forewarn_cap::read_alert(full["xml"].as_str().unwrap()).unwrap();
    let en = cap.infos.iter().find(|i| i.language == "en").unwrap();
    assert!(en.areas.len() >= 2, "downstream reaches: {:?}", en.areas);
    // The water's first arrival, counted from the crossing (03:00), not from the model run.
    let onset = en.onset.map(|t| t.to_string()).unwrap_or_default();
    assert!(
        onset.starts_with("2025-06-01T0") && onset.as_str() > "2025-06-01T03:00:00",
        "{onset}"
    );
    // Another organisation is not concerned.
    let kd = app.login("kg.duty").await;
    let (_, v) = kd.get("/api/incidents").await;
    assert!(
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["hazard"] != "flood"),
        "{v}"
    );
}

/// An organisation's admin sets its watch rules: checked field by field, journaled, drawn as
/// an area, answered for a point, followed by the running watch at once (off: no incident;
/// on again: the next report makes one) and kept for the next start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_the_watch_rules_and_the_watch_follows_them() {
    let app = App::sqlite().await;
    let pa = app.admin("pk").await;
    let pd = app.login("pk.duty").await;
    let kd = app.login("kz.duty").await;
    let rc = app.login("rc.coordinator").await;
    let (s, v) = pd.get("/api/orgs/pk/watch-rules").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (&v["origin"], &v["watching"]),
        (&json!("none"), &json!(false))
    );
    let (s, _) = pd.get("/api/orgs/zz/watch-rules").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let feeds = Feeds::default();
    let addr = feed_server(feeds.clone()).await;
    feeds.set("usgs", usgs("us7000rul1", 4.0, 60.0, 60.0, "reviewed", 1));
    let toml = format!(
        "[[source]]\nname = \"usgs\"\nkind = \"usgs-geojson\"\nurl = \"http://{addr}/usgs\"\npoll_s = 1\n"
    );
    let svc = start_watch(&app, &toml).await;
    let (_, v) = pd.get("/api/orgs/pk/watch-rules").await;
    assert_eq!(v["origin"], "demo", "{v}");
    assert_eq!(
        (&v["enabled"], &v["buffer_km"]),
        (&json!(true), &json!(100.0))
    );
    assert_eq!(v["sources"], json!(["usgs"]));

    // Only the organisation's own admin; every field checked against its limit.
    let good = json!({"enabled": true, "buffer_km": 150, "draft_from": "yellow",
        "magnitude_steps": [{"max_depth_km": 70, "min_mag": 5.0}, {"max_depth_km": null, "min_mag": 6.5}],
        "trusted_sources": ["usgs"]});
    for (who, status) in [(&pd, StatusCode::FORBIDDEN), (&kd, StatusCode::FORBIDDEN)] {
        let (s, _) = who
            .call("PUT", "/api/orgs/pk/watch-rules", Some(good.clone()))
            .await;
        assert_eq!(s, status);
    }
    let (s, v) = rc
        .call("PUT", "/api/orgs/rc/watch-rules", Some(good.clone()))
        .await;
    assert_eq!(
        (s, &v["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("org")),
        "{v}"
    );
    let bad = |path: &str, value: Value| {
        let mut b = good.clone();
        let mut at = &mut b;
        let parts: Vec<&str> = path.split('.').collect();
        for (i, p) in parts.iter().enumerate() {
            let next = match p.parse::<usize>() {
                Ok(n) => &mut at[n],
                Err(_) => &mut at[*p],
            };
            if i + 1 == parts.len() {
                *next = value.clone();
                break;
            }
            at = next;
        }
        b
    };
    let cases = [
        (bad("buffer_km", json!(9999)), "buffer_km"),
        (bad("buffer_km", json!(-1)), "buffer_km"),
        (
            bad("magnitude_steps.0.max_depth_km", Value::Null),
            "magnitude_steps[0].max_depth_km",
        ),
        (
            bad("magnitude_steps.1.max_depth_km", json!(50)),
            "magnitude_steps[1].max_depth_km",
        ),
        (
            bad("magnitude_steps.1.min_mag", json!(12)),
            "magnitude_steps[1].min_mag",
        ),
        (bad("magnitude_steps", json!([])), "magnitude_steps"),
        (
            bad("trusted_sources", json!(["nope"])),
            "trusted_sources[0]",
        ),
        (bad("draft_from", json!("purple")), "draft_from"),
    ];
    for (body, field) in cases {
        let (s, v) = pa.call("PUT", "/api/orgs/pk/watch-rules", Some(body)).await;
        assert_eq!(
            (s, v["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{v}"
        );
    }
    let (s, v) = pa
        .call("PUT", "/api/orgs/pk/watch-rules", Some(good.clone()))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (&v["origin"], &v["changed_by"]),
        (&json!("stored"), &json!("pk.admin"))
    );
    assert_eq!(
        (&v["buffer_km"], &v["draft_from"]),
        (&json!(150.0), &json!("yellow"))
    );
    let (_, v) = kd.get("/api/orgs/pk/watch-rules").await;
    assert_eq!(
        v["magnitude_steps"][1]["min_mag"], 6.5,
        "readable by all: {v}"
    );
    // In force at once.
    let pk = svc.org("pk").expect("pk has rules");
    assert_eq!(pk.rules.area.buffer_km, 150.0);
    assert_eq!(pk.rules.trusted_sources, vec!["usgs".to_string()]);

    // The area: the country grown by the buffer (150 km is 1.35 degrees of latitude).
    let (s, a) = pd.get("/api/orgs/pk/watch-rules/area?buffer_km=150").await;
    assert_eq!(s, StatusCode::OK);
    let north = |f: &Value| {
        f["geometry"]["coordinates"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p[0].as_array().unwrap().iter())
            .map(|c| c[1].as_f64().unwrap())
            .fold(f64::NEG_INFINITY, f64::max)
    };
    let feats = a["features"].as_array().unwrap();
    assert_eq!(
        (
            &feats[0]["properties"]["part"],
            &feats[1]["properties"]["part"]
        ),
        (&json!("country"), &json!("area"))
    );
    let grown = north(&feats[1]) - north(&feats[0]);
    assert!(
        (1.25..=1.45).contains(&grown),
        "north edge moved {grown} degrees"
    );
    let (s, v) = pd.get("/api/orgs/pk/watch-rules/area?buffer_km=501").await;
    assert_eq!(
        (s, &v["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("buffer_km"))
    );

    // Would an event there concern Pakistan?
    let check = async |q: &str| {
        pd.get(&format!("/api/orgs/pk/watch-rules/check?{q}"))
            .await
            .1
    };
    let v = check("lat=35.92&lon=74.31&depth_km=15&mag=6.0").await;
    assert_eq!(
        (&v["passes"], &v["distance_km"]),
        (&json!(true), &json!(0.0)),
        "Gilgit: {v}"
    );
    let v = check("lat=35.92&lon=74.31&depth_km=150&mag=6.2").await;
    assert_eq!(
        (&v["passes"], &v["magnitude_ok"], &v["min_mag"]),
        (&json!(false), &json!(false), &json!(6.5)),
        "{v}"
    );
    let v = check("lat=55.75&lon=37.62&depth_km=10&mag=7.0").await;
    assert_eq!(
        (&v["passes"], &v["in_area"]),
        (&json!(false), &json!(false)),
        "Moscow: {v}"
    );
    assert!(v["distance_km"].as_f64().unwrap() > 2000.0);
    let (s, v) = pd
        .get("/api/orgs/pk/watch-rules/check?lat=95&lon=0&depth_km=1&mag=5")
        .await;
    assert_eq!(
        (s, &v["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("lat"))
    );

    // Off: an M7.0 under Islamabad makes no incident for Pakistan.
    let off = bad("enabled", json!(false));
    let (s, _) = pa.call("PUT", "/api/orgs/pk/watch-rules", Some(off)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(svc.org("pk").is_none());
    feeds.set("usgs", usgs("us7000rul2", 7.0, 73.05, 33.70, "reviewed", 2));
    let source = async || -> Value {
        let (_, l) = pd.get("/api/watch/sources").await;
        l["items"][0].clone()
    };
    until("the event read", 30, async || {
        (source().await["items_accepted"].as_u64()? >= 2).then_some(())
    })
    .await;
    let of_pk = async || -> Vec<Value> {
        let all = auto_incidents(&pd).await;
        all.into_iter().filter(|i| i["org"] == "pk").collect()
    };
    assert!(of_pk().await.is_empty(), "no incident while off");
    // On again: the event's next revision concerns Pakistan.
    let (s, _) = pa
        .call("PUT", "/api/orgs/pk/watch-rules", Some(good.clone()))
        .await;
    assert_eq!(s, StatusCode::OK);
    feeds.set("usgs", usgs("us7000rul2", 7.0, 73.05, 33.70, "reviewed", 3));
    let inc = until("the automatic incident", 30, async || {
        of_pk().await.first().cloned()
    })
    .await;
    assert_eq!(inc["source_event_ids"], json!(["us7000rul2"]), "{inc}");

    // Kept: a watch started again takes the stored rules, not the demo defaults.
    let cfg = forewarn_watch::config::parse(&toml).unwrap();
    let again = WatchService::new(&app.st, cfg, watch::demo_rules().unwrap())
        .await
        .unwrap();
    assert_eq!(again.org("pk").unwrap().rules.area.buffer_km, 150.0);
    assert_eq!(again.org("kz").unwrap().rules.area.buffer_km, 100.0);
    let (_, log) = pd.get("/api/activity?limit=100").await;
    let changes = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "watch_rules.changed")
        .count();
    assert_eq!(changes, 3, "journaled: {log}");
}

/// The regional centre's admin adds a source without a restart: checked like the file (422
/// names the key), http(s) only, journaled, polled at once (its event makes an incident),
/// pausable, and watched again after a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_regional_admin_adds_a_source_without_a_restart() {
    let app = App::sqlite().await;
    let rc = app.login("rc.coordinator").await;
    let pd = app.login("pk.duty").await;
    let feeds = Feeds::default();
    let addr = feed_server(feeds.clone()).await;
    let def = json!({"name": "added", "kind": "usgs-geojson", "url": format!("http://{addr}/added"), "poll_s": 1});
    // Without --watch there is nothing to add to.
    let (s, _) = rc.post("/api/watch/sources", def.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let toml = format!(
        "[[source]]\nname = \"file\"\nkind = \"usgs-geojson\"\nurl = \"http://{addr}/file\"\npoll_s = 1\n"
    );
    let svc = start_watch(&app, &toml).await;
    let (s, _) = pd.post("/api/watch/sources", def.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a duty officer may not");
    let with = |k: &str, v: Value| {
        let mut b = def.clone();
        b[k] = v;
        b
    };
    let cases = [
        (with("poll_s", json!(0)), "poll_s"),
        (with("kind", json!("rss")), "kind"),
        (with("url", json!("file:///etc/")), "url"),
        (with("name", json!("file")), "name"),
        (with("agency", Value::Null), "agency"),
        (with("flood_scenario", json!("nope.toml")), "flood_scenario"),
    ];
    for (body, field) in cases {
        let (s, v) = rc.post("/api/watch/sources", body).await;
        assert_eq!(
            (s, v["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{v}"
        );
    }
    feeds.set(
        "added",
        usgs("us7000addd", 7.0, 73.05, 33.70, "reviewed", 1),
    );
    let (s, v) = rc.post("/api/watch/sources", def.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        (&v["name"], &v["added_by"]),
        (&json!("added"), &json!("rc.coordinator"))
    );
    let polled = until("the added source polled", 30, async || {
        let (_, l) = pd.get("/api/watch/sources").await;
        let src = l["items"]
            .as_array()?
            .iter()
            .find(|s| s["name"] == "added")?
            .clone();
        (src["status"] == "ok").then_some(src)
    })
    .await;
    assert_eq!(polled["added_through_api"], true, "{polled}");
    let inc = until("the incident from the added source", 30, async || {
        let all = auto_incidents(&pd).await;
        all.into_iter().find(|i| i["org"] == "pk")
    })
    .await;
    assert_eq!(inc["source_event_ids"], json!(["us7000addd"]));
    // Rules may trust it; it pauses like the file's sources.
    let (s, v) = rc.post("/api/watch/sources/added/pause", json!({})).await;
    assert_eq!((s, &v["status"]), (StatusCode::OK, &json!("paused")), "{v}");
    let (_, log) = rc.get("/api/activity?limit=50").await;
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "watch_source.added"),
        "{log}"
    );
    // A restart watches it again, after the file's sources.
    let cfg = forewarn_watch::config::parse(&toml).unwrap();
    let again = WatchService::new(&app.st, cfg, watch::demo_rules().unwrap())
        .await
        .unwrap();
    let names: Vec<String> = again.sources().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["file", "added"]);
    assert!(svc.has_source("added"));
}
