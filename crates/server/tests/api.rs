//! API behaviour on SQLite and PostgreSQL: an incident run with its layers and CAP proposal,
//! authentication details (CSRF, tokens, rate limiting), idempotency, bad input, live events
//! and the OpenAPI document.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{App, cap_xml};
use serde_json::{Value, json};
use std::time::Duration;
use tower::ServiceExt;

async fn incident_run(app: &App) {
    let pd = app.login("pk.duty").await;
    let kd = app.login("kz.duty").await;
    let (s, inc) = pd
        .post(
            "/api/incidents",
            json!({"title": "Kashmir scenario", "visibility": "regional",
                   "quake": {"lat": 34.49, "lon": 73.63, "depth_km": 15, "mag": 7.6, "strike_deg": 331, "dip_deg": 29, "rake_deg": 90}}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{inc}");
    let id = inc["id"].as_i64().unwrap();
    let mut done = Value::Null;
    for _ in 0..1200 {
        let (_, v) = kd.get(&format!("/api/incidents/{id}")).await;
        if v["status"] != "running" {
            done = v;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(done["status"], "complete", "{done}");
    assert!(
        ["orange", "red"].contains(&done["alert_level"].as_str().unwrap()),
        "Kashmir M7.6: {}",
        done["alert_level"]
    );
    assert!(done["summary"]["max_mmi"].as_f64().unwrap() > 8.0);
    // The list carries the incident without its run summary (read without it).
    let (_, list) = kd.get("/api/incidents").await;
    let listed = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .expect("listed");
    assert!(listed["summary"].is_null(), "{listed}");
    assert_eq!(
        (&listed["status"], &listed["alert_level"]),
        (&done["status"], &done["alert_level"])
    );
    let (s, layer) = kd
        .get(&format!("/api/incidents/{id}/layers/mmi_contours"))
        .await;
    assert_eq!(s, 200);
    let feats = layer["features"].as_array().unwrap();
    assert!(
        feats.iter().any(|f| f["properties"]["mmi"] == 8),
        "MMI VIII contour present"
    );
    let (_, sl) = kd
        .get(&format!("/api/incidents/{id}/layers/settlements"))
        .await;
    let sf = sl["features"].as_array().unwrap();
    assert!(
        sf.iter().any(|f| f["properties"]["country"] == "PK"
            && f["properties"]["mmi"].as_f64().unwrap() > 7.0)
    );
    let (s, _) = kd.get(&format!("/api/incidents/{id}/layers/nope")).await;
    assert_eq!(s, 404);
    let (s, prop) = pd.get(&format!("/api/incidents/{id}/cap-proposal")).await;
    assert_eq!(s, 200);
    assert!(
        prop["xml"]
            .as_str()
            .unwrap()
            .contains("pk@forewarn.example")
    );
    // Validation answers with the page the public would read: every language's section,
    // Urdu right to left, marked as an unpublished preview.
    let (s, check) = pd
        .post("/api/alerts/validate", json!({"xml": prop["xml"]}))
        .await;
    assert_eq!(s, 200, "{check}");
    assert_eq!(check["valid"], true, "{check}");
    let page = check["preview_html"].as_str().expect("a preview page");
    assert!(page.contains("Preview of a draft: not published"), "{page}");
    assert!(
        !page.contains("cap-xml-link"),
        "no link to an XML that does not exist yet"
    );
    for lang in ["en", "ru", "ur"] {
        assert!(page.contains(&format!("lang=\"{lang}\"")), "{lang}: {page}");
    }
    assert!(page.contains("dir=\"rtl\""), "{page}");
    let (s, broken) = pd
        .post("/api/alerts/validate", json!({"xml": "<alert>"}))
        .await;
    assert_eq!(s, 200, "{broken}");
    assert_eq!(broken["valid"], false);
    assert!(broken["preview_html"].is_null(), "{broken}");
    // The organisation's own sender name, web address and contact (its admin sets them;
    // checked field by field).
    let padm = app.admin("pk").await;
    for (bad, field) in [
        (
            json!({"sender_name": {"ur": "NDMA Pakistan"}}),
            "sender_name.ur",
        ),
        (json!({"sender_name": {"en": ""}}), "sender_name.en"),
        (json!({"web": "javascript:alert(1)"}), "web"),
        (json!({"contact": "x".repeat(301)}), "contact"),
    ] {
        let (s, v) = padm.call("PUT", "/api/orgs/pk/cap-texts", Some(bad)).await;
        assert_eq!((s.as_u16(), v["field"].as_str()), (422, Some(field)), "{v}");
    }
    let texts = json!({
        "sender_name": {"en": "National Disaster Management Authority, Pakistan",
                        "ur": "نیشنل ڈیزاسٹر مینجمنٹ اتھارٹی، پاکستان"},
        "web": "https://ndma.gov.pk", "contact": "NDMA helpline 1700"});
    let (s, v) = padm
        .call("PUT", "/api/orgs/pk/cap-texts", Some(texts))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The organisation list names it in each language it gave (the UI reads it there).
    let (_, orgs) = pd.get("/api/orgs").await;
    let list = orgs["items"].as_array().unwrap();
    let pk = list.iter().find(|o| o["code"] == "pk").unwrap();
    assert_eq!(
        pk["names"]["ur"], "نیشنل ڈیزاسٹر مینجمنٹ اتھارٹی، پاکستان",
        "{pk}"
    );
    let kz = list.iter().find(|o| o["code"] == "kz").unwrap();
    assert_eq!(
        kz["names"]["ru"], "Орган по управлению в чрезвычайных ситуациях: Казахстан",
        "the demo's name: {kz}"
    );
    // Draft from the incident, approve by another user, publish, see it in the feed.
    let (s, a) = pd.post("/api/alerts", json!({"incident_id": id})).await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["incident_id"], id);
    let cap = forewarn_cap::read_alert(a["xml"].as_str().unwrap()).unwrap();
    for info in &cap.infos {
        let want = match info.language.as_str() {
            "en" => "National Disaster Management Authority, Pakistan",
            "ur" => "نیشنل ڈیزاسٹر مینجمنٹ اتھارٹی، پاکستان",
            _ => "",
        };
        if !want.is_empty() {
            assert_eq!(info.sender_name.as_deref(), Some(want));
        }
        assert_eq!(info.web.as_deref(), Some("https://ndma.gov.pk"));
        assert_eq!(info.contact.as_deref(), Some("NDMA helpline 1700"));
    }
    // The Russian headline for Russian readers.
    assert!(
        a["headlines"]["ru"]
            .as_str()
            .unwrap()
            .starts_with("Землетрясение"),
        "{}",
        a["headlines"]
    );
    let pa = app.login("pk.approver").await;
    let aid = a["id"].as_i64().unwrap();
    let (s, v) = pa
        .post(&format!("/api/alerts/{aid}/approve"), json!({}))
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, _) = pa
        .post(&format!("/api/alerts/{aid}/publish"), json!({}))
        .await;
    assert_eq!(s, 200);
    let feed = app.anon().get("/feeds/pk.atom?lang=ru").await.1;
    assert!(feed.as_str().unwrap().contains(&format!("/cap/{aid}.xml")));
    // kz cannot draft an alert from pk's incident.
    let (s, _) = kd.post("/api/alerts", json!({"incident_id": id})).await;
    assert_eq!(s, 403);
}

async fn auth_details(app: &App) {
    let pd = app.login("pk.duty").await;
    // Cookie auth without the CSRF header: 403 naming the header.
    let mut no_csrf = app.login("pk.duty").await;
    no_csrf.csrf = None;
    let (s, v) = no_csrf
        .post("/api/sitreps", json!({"title": "t", "body": "b"}))
        .await;
    assert_eq!(s, 403);
    assert_eq!(v["field"], "X-CSRF-Token");
    let mut bad_csrf = app.login("pk.duty").await;
    bad_csrf.csrf = Some("0".repeat(64));
    assert_eq!(
        bad_csrf
            .post("/api/sitreps", json!({"title": "t", "body": "b"}))
            .await
            .0,
        403
    );
    // GET needs no CSRF header.
    assert_eq!(no_csrf.get("/api/me").await.0, 200);
    // Bearer token: no CSRF needed; revoked token rejected.
    let tok = app.token("pk.duty").await;
    let (s, _) = tok
        .post("/api/sitreps", json!({"title": "by token", "body": "b"}))
        .await;
    assert_eq!(s, 201);
    let (_, me) = tok.get("/api/me").await;
    assert_eq!(me["csrf_token"], Value::Null);
    let mut forged = app.anon();
    forged.bearer = Some("fwt_forged".into());
    assert_eq!(forged.get("/api/me").await.0, 401);
    let tl = pd.get("/api/tokens").await.1;
    let tid = tl["items"][0]["id"].as_i64().unwrap();
    let (s, _) = pd.call("DELETE", &format!("/api/tokens/{tid}"), None).await;
    assert_eq!(s, 204);
    assert_eq!(tok.get("/api/me").await.0, 401);
    // Session cookie attributes.
    let (_, h, _) = app
        .send(
            Request::post("/api/login")
                .header("content-type", "application/json")
                .body(Body::from(
                    json!({"username": "pk.viewer", "password": common::PW}).to_string(),
                ))
                .unwrap(),
        )
        .await;
    let cookies: Vec<String> = h
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("fw_session="))
        .unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"));
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("fw_csrf=") && !c.contains("HttpOnly"))
    );
    // Rate limiting: 5 failures, then 429 even with the right password.
    let anon = app.anon();
    for _ in 0..5 {
        assert_eq!(
            anon.post(
                "/api/login",
                json!({"username": "ru.viewer", "password": "bad-password"})
            )
            .await
            .0,
            401
        );
    }
    let (s, v) = anon
        .post(
            "/api/login",
            json!({"username": "ru.viewer", "password": common::PW}),
        )
        .await;
    assert_eq!(s, 429, "{v}");
    // Other users are unaffected.
    assert_eq!(
        anon.post(
            "/api/login",
            json!({"username": "ru.duty", "password": common::PW})
        )
        .await
        .0,
        200
    );
}

async fn idempotency(app: &App) {
    let pd = app.login("pk.duty").await;
    let send = |key: &str, path: &str, body: Value| {
        pd.request("POST", path)
            .header("content-type", "application/json")
            .header("idempotency-key", key)
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let body =
        json!({"title": "Tents", "resource_type": "shelter", "quantity": 500, "unit": "tent"});
    let (s1, h1, b1) = app.send(send("req-1", "/api/requests", body.clone())).await;
    assert_eq!(s1, 201);
    assert!(h1.get("idempotent-replayed").is_none());
    let (s2, h2, b2) = app.send(send("req-1", "/api/requests", body.clone())).await;
    assert_eq!(s2, 201);
    assert_eq!(h2.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(b1, b2);
    let (_, list) = pd.get("/api/requests").await;
    assert_eq!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["title"] == "Tents")
            .count(),
        1
    );
    // The same key on another path is a conflict.
    let (s3, _, b3) = app
        .send(send(
            "req-1",
            "/api/sitreps",
            json!({"title": "x", "body": "y"}),
        ))
        .await;
    assert_eq!(s3, 409, "{}", String::from_utf8_lossy(&b3));
    // Keys are per user.
    let kd = app.login("kz.duty").await;
    let r = kd
        .request("POST", "/api/sitreps")
        .header("content-type", "application/json")
        .header("idempotency-key", "req-1")
        .body(Body::from(json!({"title": "kz", "body": "y"}).to_string()))
        .unwrap();
    assert_eq!(app.send(r).await.0, 201);
    // A failed request stores nothing: the key stays usable.
    let (s4, _, _) = app
        .send(send(
            "req-2",
            "/api/requests",
            json!({"title": "", "resource_type": "x", "quantity": 1, "unit": "u"}),
        ))
        .await;
    assert_eq!(s4, 422);
    let (s5, _, _) = app.send(send("req-2", "/api/requests", body)).await;
    assert_eq!(s5, 201);
    // An unusable key.
    let (s6, _, b6) = app
        .send(send("bad key with spaces", "/api/requests", json!({})))
        .await;
    assert_eq!(s6, 400);
    assert_eq!(
        serde_json::from_slice::<Value>(&b6).unwrap()["field"],
        "Idempotency-Key"
    );
    // Concurrent duplicates: exactly one record.
    let mut handles = Vec::new();
    for _ in 0..8 {
        let router = app.router.clone();
        let req = send(
            "req-3",
            "/api/sitreps",
            json!({"title": "concurrent", "body": "b"}),
        );
        handles.push(tokio::spawn(async move {
            router.oneshot(req).await.unwrap().status()
        }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), 201);
    }
    let (_, sl) = pd.get("/api/sitreps").await;
    assert_eq!(
        sl["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["title"] == "concurrent")
            .count(),
        1
    );
}

async fn bad_input(app: &App) {
    let pd = app.login("pk.duty").await;
    let raw = |path: &str, ct: &str, body: Vec<u8>| {
        pd.request("POST", path)
            .header("content-type", ct)
            .body(Body::from(body))
            .unwrap()
    };
    let check = |(s, _, b): (StatusCode, axum::http::HeaderMap, Vec<u8>),
                 want: u16,
                 field: Option<&str>| {
        let v: Value = serde_json::from_slice(&b)
            .unwrap_or_else(|_| panic!("JSON error body, got {}", String::from_utf8_lossy(&b)));
        assert_eq!(s.as_u16(), want, "{v}");
        assert!(v["error"].is_string());
        if let Some(f) = field {
            assert_eq!(v["field"], f, "{v}");
        }
    };
    // Malformed JSON.
    check(
        app.send(raw(
            "/api/sitreps",
            "application/json",
            b"{\"title\": ".to_vec(),
        ))
        .await,
        400,
        None,
    );
    check(
        app.send(raw(
            "/api/sitreps",
            "application/json",
            b"{\"title\": \"a\", \"body\": \"b\"} trailing".to_vec(),
        ))
        .await,
        400,
        None,
    );
    // Unknown field, at top level and nested.
    check(
        app.send(raw(
            "/api/sitreps",
            "application/json",
            br#"{"title": "a", "body": "b", "colour": 1}"#.to_vec(),
        ))
        .await,
        422,
        Some("colour"),
    );
    check(
        app.send(raw("/api/incidents", "application/json", br#"{"title": "a", "quake": {"lat": 1, "lon": 2, "depth_km": 3, "mag": 5, "magnitude": 6}}"#.to_vec())).await,
        422,
        Some("quake.magnitude"),
    );
    // Wrong types.
    check(
        app.send(raw(
            "/api/requests",
            "application/json",
            br#"{"title": "a", "resource_type": "b", "quantity": "ten", "unit": "u"}"#.to_vec(),
        ))
        .await,
        422,
        Some("quantity"),
    );
    check(
        app.send(raw(
            "/api/incidents",
            "application/json",
            br#"{"title": "a", "quake": {"lat": "north", "lon": 2, "depth_km": 3, "mag": 5}}"#
                .to_vec(),
        ))
        .await,
        422,
        Some("quake.lat"),
    );
    check(
        app.send(raw(
            "/api/sitreps",
            "application/json",
            br#"{"title": "a", "body": "b", "visibility": "everyone"}"#.to_vec(),
        ))
        .await,
        422,
        Some("visibility"),
    );
    check(
        app.send(raw(
            "/api/alerts/1/update",
            "application/json",
            br#"{"note": "n", "severity": "Huge"}"#.to_vec(),
        ))
        .await,
        422,
        Some("severity"),
    );
    // Missing field, out of range.
    check(
        app.send(raw(
            "/api/sitreps",
            "application/json",
            br#"{"title": "a"}"#.to_vec(),
        ))
        .await,
        422,
        Some("body"),
    );
    check(
        app.send(raw(
            "/api/incidents",
            "application/json",
            br#"{"title": "a", "quake": {"lat": 91, "lon": 2, "depth_km": 3, "mag": 5}}"#.to_vec(),
        ))
        .await,
        422,
        Some("quake.lat"),
    );
    check(
        app.send(raw(
            "/api/requests",
            "application/json",
            br#"{"title": "a", "resource_type": "b", "quantity": -1, "unit": "u"}"#.to_vec(),
        ))
        .await,
        422,
        Some("quantity"),
    );
    // Not JSON at all.
    check(
        app.send(raw("/api/sitreps", "text/plain", b"hello".to_vec()))
            .await,
        415,
        Some("Content-Type"),
    );
    // Oversized body.
    let big = format!(
        "{{\"title\": \"a\", \"body\": \"{}\"}}",
        "x".repeat(2 * 1024 * 1024)
    );
    check(
        app.send(raw("/api/sitreps", "application/json", big.into_bytes()))
            .await,
        413,
        None,
    );
    // Invalid CAP XML.
    check(
        app.send(raw(
            "/api/alerts",
            "application/json",
            br#"{"xml": "<not-cap/>"}"#.to_vec(),
        ))
        .await,
        422,
        Some("xml"),
    );
    // A draft that parses but does not validate cannot be approved.
    let broken = cap_xml("pk").replacen(
        "<msgType>Alert</msgType>",
        "<msgType>Alert</msgType><msgType>Alert</msgType>",
        1,
    );
    let (s, a) = pd.post("/api/alerts", json!({"xml": broken})).await;
    if s == 201 {
        let pa = app.login("pk.approver").await;
        let (s, v) = pa
            .post(&format!("/api/alerts/{}/approve", a["id"]), json!({}))
            .await;
        assert_eq!(s, 422, "{v}");
        assert_eq!(v["field"], "xml");
    } else {
        assert_eq!(s, 422);
    }
    // Invalid state transitions.
    let (_, a) = pd.post("/api/alerts", json!({"xml": cap_xml("pk")})).await;
    let aid = a["id"].as_i64().unwrap();
    let pa = app.login("pk.approver").await;
    assert_eq!(
        pa.post(&format!("/api/alerts/{aid}/publish"), json!({}))
            .await
            .0,
        409
    );
    assert_eq!(
        pd.post(&format!("/api/alerts/{aid}/update"), json!({"note": "n"}))
            .await
            .0,
        409
    );
    assert_eq!(
        pd.post(&format!("/api/alerts/{aid}/cancel"), json!({"note": "n"}))
            .await
            .0,
        409
    );
    // Bodies for actions must be an empty object.
    let (s, v) = pa
        .post(
            &format!("/api/alerts/{aid}/approve"),
            json!({"force": true}),
        )
        .await;
    assert_eq!((s.as_u16(), v["field"].as_str()), (422, Some("force")));
    // Unknown ids and endpoints.
    assert_eq!(pd.get("/api/alerts/99999").await.0, 404);
    let (s, v) = pd.get("/api/alerts/not-a-number").await;
    assert_eq!((s.as_u16(), v["field"].as_str()), (400, Some("id")), "{v}");
    let (s, v) = pd.get("/api/alerts?limit=lots").await;
    assert_eq!(s, 400, "{v}");
    assert!(v["error"].is_string());
    let (s, v) = pd.call("DELETE", "/api/alerts", None).await;
    assert_eq!(s, 405, "{v}");
    assert!(v["error"].is_string());
    assert_eq!(pd.get("/api/nothing-here").await.0, 404);
    // Public visibility is refused for drafts.
    assert_eq!(
        pd.post(
            "/api/alerts",
            json!({"xml": cap_xml("pk"), "visibility": "public"})
        )
        .await
        .0,
        422
    );
}

/// Reads SSE frames until `pred` matches one, or times out.
async fn events(app: &App) {
    let pv = app.login("pk.viewer").await;
    let kv = app.login("kz.viewer").await;
    let pd = app.login("pk.duty").await;
    let kd = app.login("kz.duty").await;
    let open =
        |c: &common::Client<'_>| c.request("GET", "/api/events").body(Body::empty()).unwrap();
    let mut ps = app
        .router
        .clone()
        .oneshot(open(&pv))
        .await
        .unwrap()
        .into_body()
        .into_data_stream();
    let mut ks = app
        .router
        .clone()
        .oneshot(open(&kv))
        .await
        .unwrap()
        .into_body()
        .into_data_stream();
    let (mut pb, mut kb) = (String::new(), String::new());
    // A pk-restricted sitrep, then a regional request and kz's offer on it.
    let (_, s1) = pd
        .post(
            "/api/sitreps",
            json!({"title": "secret", "body": "b", "visibility": "own_org"}),
        )
        .await;
    let (_, r) = pd
        .post(
            "/api/requests",
            json!({"title": "Water", "resource_type": "water", "quantity": 10, "unit": "t"}),
        )
        .await;
    let (_, o) = kd
        .post(
            &format!("/api/requests/{}/offers", r["id"]),
            json!({"quantity": 5}),
        )
        .await;
    let got = common::next_event(&mut ps, &mut pb, |k, d| {
        k == "sitrep.created" && d["record_id"] == s1["id"]
    })
    .await;
    assert!(got.is_some(), "pk sees its sitrep");
    let got = common::next_event(&mut ps, &mut pb, |k, d| {
        k == "offer.created" && d["record_id"] == o["id"]
    })
    .await
    .expect("pk sees the offer live");
    assert_eq!(got.1["payload"]["org"], "kz");
    // kz sees the regional request and its own offer, but never pk's restricted sitrep.
    let mut kinds = Vec::new();
    while let Some((k, d)) = common::next_event(&mut ks, &mut kb, |_, _| true).await {
        kinds.push((k.clone(), d["record_id"].clone()));
        if k == "offer.created" {
            break;
        }
    }
    assert!(
        kinds.iter().any(|(k, _)| k == "request.created"),
        "{kinds:?}"
    );
    assert!(kinds.iter().any(|(k, _)| k == "offer.created"), "{kinds:?}");
    assert!(
        !kinds.iter().any(|(k, _)| k == "sitrep.created"),
        "{kinds:?}"
    );
    // Reconnecting with Last-Event-ID replays what was missed, filtered the same way.
    let (_, s2) = pd
        .post(
            "/api/sitreps",
            json!({"title": "later", "body": "b", "visibility": "regional"}),
        )
        .await;
    let last = app.st.store.last_seq().await.unwrap() - 1;
    let req = kv
        .request("GET", "/api/events")
        .header("last-event-id", last.to_string())
        .body(Body::empty())
        .unwrap();
    let mut rs = app
        .router
        .clone()
        .oneshot(req)
        .await
        .unwrap()
        .into_body()
        .into_data_stream();
    let mut rb = String::new();
    assert!(
        common::next_event(&mut rs, &mut rb, |k, d| k == "sitrep.created"
            && d["record_id"] == s2["id"])
        .await
        .is_some()
    );
}

async fn openapi_and_health(app: &App) {
    let anon = app.anon();
    let (s, doc) = anon.get("/api/openapi.json").await;
    assert_eq!(s, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for e in forewarn_server::routes::endpoints() {
        let op = &doc["paths"][e.path][e.method.to_lowercase()];
        assert!(
            op.is_object(),
            "{} {} missing from the OpenAPI document",
            e.method,
            e.path
        );
        if let Some(req) = e.request {
            assert!(
                doc["components"]["schemas"][req].is_object(),
                "schema {req}"
            );
        }
    }
    // Map labels in the UI's language: the reviewed forms, else the texts' fallback.
    let (s, towns) = anon
        .get("/api/region/settlements.geojson?min_population=1000000&lang=ur")
        .await;
    assert_eq!(s, 200);
    let feats = towns["features"].as_array().unwrap();
    let label_of = |name: &str| {
        feats
            .iter()
            .find(|f| f["properties"]["name"] == name)
            .map(|f| f["properties"]["label"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(label_of("Karachi").as_deref(), Some("کراچی"), "{towns}");
    assert!(feats.iter().all(|f| f["properties"]["label"].is_string()));
    let (s, plain) = anon
        .get("/api/region/settlements.geojson?min_population=1000000")
        .await;
    assert_eq!(s, 200);
    assert!(plain["features"][0]["properties"]["label"].is_null());
    let (s, bad) = anon.get("/api/region/settlements.geojson?lang=xx").await;
    assert_eq!(
        (s.as_u16(), bad["field"].as_str()),
        (422, Some("lang")),
        "{bad}"
    );
    let (s, h) = anon.get("/api/health").await;
    assert_eq!(s, 200);
    assert_eq!(h["database"]["backend"], app.st.store.backend().as_str());
    // After the database goes away, health reports it (503) instead of failing.
    app.st.store.close().await;
    let (s, h) = anon.get("/api/health").await;
    assert_eq!(s, 503, "{h}");
    assert_eq!(h["database"]["status"], "error");
}

async fn all(app: &App) {
    incident_run(app).await;
    auth_details(app).await;
    idempotency(app).await;
    bad_input(app).await;
    events(app).await;
    openapi_and_health(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_sqlite() {
    all(&App::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_postgres() {
    let Some((_pg, urls)) = common::postgres_apps(&["api"]).await else {
        return;
    };
    all(&App::open(&urls[0], None).await).await;
}

/// `forewarn serve --vs30 FILE.tif`: the raster reaches every incident run (as `forewarn quake
/// --vs30`), and an incident given as a point gets the point-source treatment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incident_runs_use_the_servers_vs30_raster() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vs30.tif");
    let spec =
        forewarn_core::GridSpec::covering(&forewarn_core::BBox::new(70.0, 31.0, 77.0, 37.0), 0.05);
    forewarn_core::raster_tiff::write_geotiff(&path, &forewarn_core::Grid::filled(spec, 555.0f32))
        .unwrap();
    let mut app = App::sqlite().await;
    app.st.vs30 = Some(std::sync::Arc::new(
        forewarn_server::Vs30Raster::load(&path).unwrap(),
    ));
    app.router = forewarn_server::router(app.st.clone());
    let pd = app.login("pk.duty").await;
    let (s, inc) = pd
        .post(
            "/api/incidents",
            json!({"title": "point", "quake": {"lat": 34.0, "lon": 73.5, "depth_km": 10, "mag": 6.0}}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{inc}");
    let id = inc["id"].as_i64().unwrap();
    let mut done = Value::Null;
    for _ in 0..1200 {
        let (_, v) = pd.get(&format!("/api/incidents/{id}")).await;
        if v["status"] != "running" {
            done = v;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(done["status"], "complete", "{done}");
    let sm = &done["summary"];
    assert_eq!(sm["vs30"]["raster_file"], path.display().to_string());
    assert!(
        sm["vs30"]["count_by_source"]["grid_cells"]["raster"]
            .as_u64()
            .unwrap()
            > 0,
        "{}",
        sm["vs30"]
    );
    assert_eq!(
        sm["rupture"]["treatment"],
        "point_source_equivalent_distances"
    );
    // A raster that does not open is refused at start, naming the flag.
    let e = forewarn_server::Vs30Raster::load(&dir.path().join("missing.tif"))
        .err()
        .unwrap();
    assert!(e.contains("--vs30") && e.contains("missing.tif"), "{e}");
}
