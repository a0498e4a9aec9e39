//! Hardening of the alert workflow (issue #11), on SQLite and PostgreSQL: the server owns a CAP
//! message's sender and identifier and refuses references to another organisation's thread;
//! feeds come from the organisation's records; the two-person rule covers revisers; lists and
//! feeds page instead of truncating. On SQLite only: exercise alerts at `/cap` are for the
//! exercise's participants, exercise incidents propose Exercise messages, and the browser tests
//! under web/e2e are not served.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{App, Client, cap_xml};
use forewarn_cap::CapTime;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

fn ids(v: &Value) -> Vec<i64> {
    items(v).iter().filter_map(|i| i["id"].as_i64()).collect()
}

/// Drafts `xml` as `drafter`, approves as `approver`, publishes as `drafter`; the alert.
async fn publish(drafter: &Client<'_>, approver: &Client<'_>, xml: String) -> Value {
    let (s, a) = drafter.post("/api/alerts", json!({"xml": xml})).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let id = a["id"].as_i64().unwrap();
    let (s, v) = approver
        .post(&format!("/api/alerts/{id}/approve"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = drafter
        .post(&format!("/api/alerts/{id}/publish"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

/// The text body of a GET (CAP XML, Atom).
async fn text(c: &Client<'_>, path: &str) -> (StatusCode, String) {
    let (s, v) = c.get(path).await;
    (s, v.as_str().map(str::to_string).unwrap_or_default())
}

/// A Cancel of the published message `prev_xml`, with a headline, sent a minute later.
fn cancel_of(prev_xml: &str, headline: &str) -> String {
    let prev = forewarn_cap::read_alert(prev_xml).unwrap();
    let mut c = forewarn_cap::cancel(&prev, prev.sent.plus_seconds(60), "ALL CLEAR").unwrap();
    for i in &mut c.infos {
        i.headline = Some(headline.into());
    }
    c.to_xml()
}

/// Pakistan cannot cancel, impersonate or bury India's alert.
async fn impersonation(app: &App) {
    let ind = app.login("in.duty").await;
    let ina = app.login("in.approver").await;
    let pd = app.login("pk.duty").await;
    let pa = app.login("pk.approver").await;
    let anon = app.anon();

    let india = publish(&ind, &ina, cap_xml("in")).await;
    let in_id = india["id"].as_i64().unwrap();
    assert_eq!(india["sender"], "in@forewarn.example");
    assert_eq!(
        india["identifier"],
        format!("urn:forewarn:in:alert:{in_id}")
    );
    let (s, in_xml) = text(&anon, &format!("/cap/{in_id}.xml")).await;
    assert_eq!(s, StatusCode::OK);

    // The attack: a Cancel with India's sender referencing India's published alert.
    let forged = cancel_of(&in_xml, "ALL CLEAR");
    assert!(forged.contains("<sender>in@forewarn.example</sender>"));
    let (s, v) = pd.post("/api/alerts", json!({"xml": forged})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "references", "{v}");
    // The same reference slipped into one of Pakistan's drafts by a revision.
    let (s, own) = pd.post("/api/alerts", json!({"xml": cap_xml("pk")})).await;
    assert_eq!(s, StatusCode::CREATED, "{own}");
    let own_id = own["id"].as_i64().unwrap();
    let (s, v) = pd
        .post(
            &format!("/api/alerts/{own_id}/revise"),
            json!({"xml": cancel_of(&in_xml, "ALL CLEAR")}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "references", "{v}");
    // India's alert is untouched.
    let (_, still) = ind.get(&format!("/api/alerts/{in_id}")).await;
    assert_eq!(still["status"], "published");

    // India's sender and identifier in Pakistan's XML are replaced by Pakistan's own.
    let posing = cap_xml("pk")
        .replace("pk@forewarn.example", "in@forewarn.example")
        .replacen(
            &format!(
                "<identifier>{}</identifier>",
                forewarn_cap::read_alert(&cap_xml("pk")).unwrap().identifier
            ),
            &format!("<identifier>urn:forewarn:in:alert:{in_id}</identifier>"),
            1,
        );
    assert!(posing.contains(&format!("urn:forewarn:in:alert:{in_id}")));
    let pk = publish(&pd, &pa, posing).await;
    let pk_id = pk["id"].as_i64().unwrap();
    assert_eq!(pk["sender"], "pk@forewarn.example");
    assert_eq!(pk["identifier"], format!("urn:forewarn:pk:alert:{pk_id}"));
    let (s, pk_xml) = text(&anon, &format!("/cap/{pk_id}.xml")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        pk_xml.contains("<sender>pk@forewarn.example</sender>"),
        "{pk_xml}"
    );
    assert!(!pk_xml.contains("in@forewarn.example"), "{pk_xml}");
    forewarn_cap::require_valid(&pk_xml).unwrap();

    // Each feed holds its organisation's records, whatever the XML said.
    let (_, pk_feed) = text(&anon, "/feeds/pk.atom").await;
    let (_, in_feed) = text(&anon, "/feeds/in.atom").await;
    assert!(pk_feed.contains(&format!("/cap/{pk_id}.xml")), "{pk_feed}");
    assert!(!pk_feed.contains(&format!("/cap/{in_id}.xml")), "{pk_feed}");
    assert!(in_feed.contains(&format!("/cap/{in_id}.xml")), "{in_feed}");
    assert!(!in_feed.contains(&format!("/cap/{pk_id}.xml")), "{in_feed}");
    // Every language's feed has the alert (ru is one of cap_xml's two languages; zh is not).
    for lang in ["ru", "zh"] {
        let (s, f) = text(&anon, &format!("/feeds/pk.atom?lang={lang}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(f.contains(&format!("/cap/{pk_id}.xml")), "{lang}: {f}");
    }

    // A reference to Pakistan's own message with a wrong sent time is refused too.
    let wrong_sent = cancel_of(&pk_xml, "ALL CLEAR").replace(
        &forewarn_cap::read_alert(&pk_xml).unwrap().sent.to_string(),
        &CapTime::parse("2020-01-01T00:00:00-00:00")
            .unwrap()
            .to_string(),
    );
    let (s, v) = pd.post("/api/alerts", json!({"xml": wrong_sent})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "references", "{v}");

    // Pakistan's own Cancel of its own thread, as XML, continues the thread.
    let (s, c) = pd
        .post(
            "/api/alerts",
            json!({"xml": cancel_of(&pk_xml, "ALL CLEAR")}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(c["msg_type"], "Cancel");
    assert_eq!(c["supersedes"], pk_id);
    let cid = c["id"].as_i64().unwrap();
    let (s, v) = pa
        .post(&format!("/api/alerts/{cid}/approve"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = pd
        .post(&format!("/api/alerts/{cid}/publish"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, prev) = pd.get(&format!("/api/alerts/{pk_id}")).await;
    assert_eq!(prev["status"], "cancelled");
    // The thread is closed: another Cancel of it has no published message to continue.
    let (s, v) = pd
        .post("/api/alerts", json!({"xml": cancel_of(&pk_xml, "again")}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "references");
    // The server's own Update of India's alert carries India's sender and a thread reference.
    let (s, up) = ind
        .post(
            &format!("/api/alerts/{in_id}/update"),
            json!({"note": "revised", "headline": "Update"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{up}");
    assert_eq!(up["supersedes"], in_id);
    assert_eq!(up["sender"], "in@forewarn.example");
    let up_xml = up["xml"].as_str().unwrap();
    forewarn_cap::require_valid(up_xml).unwrap();
    assert!(up_xml.contains(&format!("urn:forewarn:in:alert:{in_id}")));
}

/// Whoever drafted or revised the current text may not approve it.
async fn two_person_rule(app: &App) {
    let rc = app.login("rc.coordinator").await;
    let (s, v) = rc
        .post(
            "/api/users",
            json!({"username": "pk.lead", "display_name": "Pakistan lead", "org": "pk",
                   "roles": ["duty_officer", "approver"], "password": common::PW}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let pd = app.login("pk.duty").await;
    let lead = app.login("pk.lead").await;
    let pa = app.login("pk.approver").await;
    let (s, a) = pd.post("/api/alerts", json!({"xml": cap_xml("pk")})).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let id = a["id"].as_i64().unwrap();
    let evacuate = cap_xml("pk").replacen("<headline>", "<headline>EVACUATE NOW ", 1);
    let (s, r) = lead
        .post(
            &format!("/api/alerts/{id}/revise"),
            json!({"xml": evacuate}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["drafted_by"], "pk.duty");
    assert_eq!(r["revisions"][0]["by"], "pk.lead");
    assert!(r["headline"].as_str().unwrap().starts_with("EVACUATE NOW"));
    // The bypass: the reviser approves their own text.
    let (s, v) = lead
        .post(&format!("/api/alerts/{id}/approve"), json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(v["error"].as_str().unwrap().contains("pk.lead"), "{v}");
    let (_, still) = pd.get(&format!("/api/alerts/{id}")).await;
    assert_eq!(still["status"], "draft");
    // A user who wrote none of it may.
    let (s, v) = pa
        .post(&format!("/api/alerts/{id}/approve"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["approved_by"], "pk.approver");
    // The drafter stays an author after someone else's revision.
    let (s, b) = lead
        .post("/api/alerts", json!({"xml": cap_xml("pk")}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let bid = b["id"].as_i64().unwrap();
    let (s, _) = pd
        .post(
            &format!("/api/alerts/{bid}/revise"),
            json!({"xml": cap_xml("pk")}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = lead
        .post(&format!("/api/alerts/{bid}/approve"), json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    // Transitions come from one table: a published alert cannot be revised or approved.
    let (s, _) = pd
        .post(&format!("/api/alerts/{id}/publish"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = pd
        .post(
            &format!("/api/alerts/{id}/revise"),
            json!({"xml": cap_xml("pk")}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = pa
        .post(&format!("/api/alerts/{id}/approve"), json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
}

/// Follows `next` from `first` to the end; every id once.
async fn all_pages(c: &Client<'_>, first: &str) -> (Vec<i64>, usize) {
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut url = Some(first.to_string());
    while let Some(u) = url {
        let (s, v) = c.get(&u).await;
        assert_eq!(s, StatusCode::OK, "{u}: {v}");
        seen.extend(ids(&v));
        pages += 1;
        assert!(pages < 100, "runaway paging at {u}");
        url = v["next"].as_str().map(str::to_string);
    }
    (seen, pages)
}

/// Lists and feeds page with `limit` and a cursor; filters apply before the cut.
async fn pagination(app: &App) {
    let kd = app.login("kz.duty").await;
    let ka = app.login("kz.approver").await;
    let cd = app.login("cn.duty").await;
    let ca = app.login("cn.approver").await;
    let anon = app.anon();
    // Seven situation reports: pages of 3, 3 and 1 with `next` links, nothing lost or doubled.
    let mut made = Vec::new();
    for i in 0..7 {
        let (s, v) = kd
            .post(
                "/api/sitreps",
                json!({"title": format!("sitrep {i}"), "body": "b", "visibility": "own_org"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        made.push(v["id"].as_i64().unwrap());
    }
    let (s, p1) = kd.get("/api/sitreps?limit=3").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ids(&p1).len(), 3);
    let next = p1["next"].as_str().unwrap();
    assert!(next.starts_with("/api/sitreps?limit=3&before="), "{next}");
    let (seen, pages) = all_pages(&kd, "/api/sitreps?limit=3").await;
    made.reverse();
    assert_eq!(seen, made);
    assert_eq!(pages, 3);

    // Filters apply in the query: two kz alerts published among many cn ones and kz drafts.
    let mut published = Vec::new();
    for _ in 0..2 {
        published.push(
            publish(&kd, &ka, cap_xml("kz")).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    for _ in 0..4 {
        let (s, _) = kd.post("/api/alerts", json!({"xml": cap_xml("kz")})).await;
        assert_eq!(s, StatusCode::CREATED);
        publish(&cd, &ca, cap_xml("cn")).await;
    }
    let (seen, pages) = all_pages(&kd, "/api/alerts?status=published&limit=1").await;
    let kz_pub: BTreeSet<i64> = published.iter().copied().collect();
    assert!(kz_pub.iter().all(|i| seen.contains(i)), "{seen:?}");
    assert!(pages >= 2);
    let (_, p) = kd.get("/api/alerts?status=published&limit=1").await;
    // A list item has no CAP XML (read without it); the alert's own GET has it.
    let item = &p["items"][0];
    assert!(
        item["xml"].is_null() && item["status"] == "published",
        "{item}"
    );
    let (_, one) = kd.get(&format!("/api/alerts/{}", item["id"])).await;
    assert!(one["xml"].as_str().unwrap().contains("<alert"), "{one}");
    assert!(
        p["next"].as_str().unwrap().contains("&status=published"),
        "{p}"
    );
    // The kz feed, one entry a page, reaches both kz alerts past the newer cn ones.
    let mut feed_ids = Vec::new();
    let mut url = Some("/feeds/kz.atom?limit=1".to_string());
    let mut pages = 0;
    while let Some(u) = url {
        let (s, f) = text(&anon, &u).await;
        assert_eq!(s, StatusCode::OK, "{u}");
        assert_eq!(f.matches("<entry").count(), 1, "{f}");
        assert!(f.contains("rel=\"first\""), "{f}");
        for id in &published {
            if f.contains(&format!("/cap/{id}.xml")) {
                feed_ids.push(*id);
            }
        }
        pages += 1;
        // RFC 5005 next link, made relative to follow it in-process.
        url = f
            .split("<link rel=\"next\" type=\"application/atom+xml\" href=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .map(|h| {
                let h = h.replace("&amp;", "&");
                h[h.find("/feeds/").unwrap()..].to_string()
            });
        if pages == 1 {
            assert!(url.is_some(), "first page has a next link: {f}");
        }
        assert!(pages <= 3);
    }
    published.reverse();
    assert_eq!(feed_ids, published);
    // The Atom document is well-formed (xmllint).
    let (_, f) = text(&anon, "/feeds/kz.atom?limit=1").await;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("kz.atom");
    std::fs::write(&p, &f).unwrap();
    let st = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg(&p)
        .status()
        .expect("xmllint (libxml2-utils) is installed");
    assert!(st.success(), "{f}");

    // Bad paging input names the field and the limit.
    for (url, field) in [
        ("/api/alerts?limit=0", "limit"),
        ("/api/incidents?limit=501", "limit"),
        ("/api/requests?before=0", "before"),
        ("/api/offers?status=a%20b", "status"),
        ("/api/incidents?incident_id=1", "incident_id"),
        ("/api/sitreps?request_id=1", "request_id"),
    ] {
        let (s, v) = kd.get(url).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {v}");
        assert_eq!(v["field"], field, "{url}: {v}");
    }
    let (s, v) = kd.get("/api/alerts?limit=501").await;
    assert!(v["error"].as_str().unwrap().contains("500"), "{s} {v}");
    for (url, field) in [
        ("/feeds/kz.atom?limit=201", "limit"),
        ("/feeds/kz.atom?before=-1", "before"),
        ("/feeds/kz.atom?lang=%3Cx%3E", "lang"),
    ] {
        let (s, v) = anon.get(url).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {v}");
        assert_eq!(v["field"], field, "{url}: {v}");
    }
    // Offers filter by request.
    let (s, r) = kd
        .post(
            "/api/requests",
            json!({"title": "tents", "resource_type": "shelter_tents", "quantity": 10, "unit": "tent"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let rid = r["id"].as_i64().unwrap();
    let (s, o) = cd
        .post(
            &format!("/api/requests/{rid}/offers"),
            json!({"quantity": 5}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    let (_, mine) = cd.get(&format!("/api/offers?request_id={rid}")).await;
    assert_eq!(ids(&mine), vec![o["id"].as_i64().unwrap()]);
    let (_, none) = cd
        .get(&format!("/api/offers?request_id={}", rid + 1000))
        .await;
    assert!(ids(&none).is_empty());
    assert!(none["next"].is_null());
}

async fn all(app: &App) {
    impersonation(app).await;
    two_person_rule(app).await;
    pagination(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hardening_sqlite() {
    all(&App::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hardening_postgres() {
    let Some((_pg, urls)) = common::postgres_apps(&["hardening"]).await else {
        return;
    };
    all(&App::open(&urls[0], None).await).await;
}

/// An exercise's alert is read at /cap only by its participants; an incident run inside an
/// exercise proposes an Exercise message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exercise_cap_for_participants_only() {
    let app = App::sqlite().await;
    let rc = app.login("rc.coordinator").await;
    let tj = app.login("tj.duty").await;
    let tja = app.login("tj.approver").await;
    let kg = app.login("kg.duty").await;
    let pk = app.login("pk.duty").await;
    let (s, x) = rc
        .post(
            "/api/exercises",
            json!({"scenario": "exercise-pamir.toml", "human_teams": ["tj-coes", "kg-mchs"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{x}");
    let xid = x["id"].as_i64().unwrap();
    let (tjx, tjax) = (tj.in_exercise(xid), tja.in_exercise(xid));
    let a = publish(&tjx, &tjax, cap_xml("tj")).await;
    let aid = a["id"].as_i64().unwrap();
    assert_eq!(a["cap_status"], "Exercise");
    let path = format!("/cap/{aid}.xml");
    for (who, c, want) in [
        ("pk.duty (not in the exercise)", &pk, StatusCode::NOT_FOUND),
        ("anonymous", &app.anon(), StatusCode::NOT_FOUND),
        ("tj.duty", &tj, StatusCode::OK),
        ("kg.duty", &kg, StatusCode::OK),
    ] {
        let (s, v) = c.get(&path).await;
        assert_eq!(s, want, "{who}: {v}");
    }
    // Like the API.
    let (s, _) = pk.get(&format!("/api/alerts/{aid}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A quake incident created inside the exercise: its proposal is an Exercise message.
    let (s, inc) = tjx
        .post(
            "/api/incidents",
            json!({"title": "exercise quake", "quake": {"lat": 38.6, "lon": 70.9, "depth_km": 12, "mag": 6.8}}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{inc}");
    let iid = inc["id"].as_i64().unwrap();
    let mut done = Value::Null;
    for _ in 0..1800 {
        let (_, v) = tjx.get(&format!("/api/incidents/{iid}")).await;
        if v["status"] != "running" {
            done = v;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(done["status"], "complete", "{done}");
    let (s, prop) = tjx.get(&format!("/api/incidents/{iid}/cap-proposal")).await;
    assert_eq!(s, StatusCode::OK, "{prop}");
    let xml = prop["xml"].as_str().unwrap();
    assert!(xml.contains("<status>Exercise</status>"), "{xml}");
    assert!(!xml.contains("<status>Actual</status>"));
    let (s, d) = tjx.post("/api/alerts", json!({"incident_id": iid})).await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    assert_eq!(d["cap_status"], "Exercise");
}

/// Only the UI is served from the web directory: never the browser tests or their packages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_tests_not_served() {
    let app = App::sqlite().await;
    let mut st = app.st.clone();
    let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
    assert!(web.join("e2e/package.json").is_file());
    st.web_dir = Some(web);
    let router = forewarn_server::router(st);
    let get = |path: &'static str| {
        let router = router.clone();
        async move {
            use tower::ServiceExt;
            let resp = router
                .oneshot(Request::get(path).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let status = resp.status();
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .unwrap();
            (status, String::from_utf8_lossy(&body).into_owned())
        }
    };
    for path in [
        "/e2e/",
        "/e2e",
        "/e2e/package.json",
        "/e2e/e2e.test.mjs",
        "/e2e/README.md",
        "/e2e/.gitignore",
        "/e2e/screenshots",
        "/node_modules/playwright-core/package.json",
        "/js/tests/x.js",
    ] {
        let (s, body) = get(path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {body}");
        assert!(!body.contains("playwright"), "{path}");
    }
    let (s, body) = get("/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("<html"), "{body}");
    let (s, _) = get("/app.css").await;
    assert_eq!(s, StatusCode::OK);
    // The single-page app fallback still works for UI routes.
    let (s, body) = get("/alerts").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("<html"));
}
