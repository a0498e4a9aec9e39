//! Interoperability of what the server publishes: the OpenAPI document passes
//! `openapi-spec-validator`; CAP XML and Atom say `charset=utf-8` and show in a browser; each
//! published alert has a page in all its languages; responses are compressed; the web UI is
//! served from the copy embedded in the binary.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::App;
use forewarn_cap::*;
use serde_json::json;
use std::io::Read;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_is_valid_openapi_3_1() {
    let app = App::sqlite().await;
    let (s, h, body) = app
        .send(
            Request::get("/api/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        h[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    // Every reference names a schema of the document.
    let text = String::from_utf8_lossy(&body);
    let missing: std::collections::BTreeSet<&str> = text
        .split("\"#/components/schemas/")
        .skip(1)
        .map(|r| r.split('"').next().unwrap())
        .filter(|name| !doc["components"]["schemas"][name].is_object())
        .collect();
    assert!(
        missing.is_empty(),
        "references to missing schemas: {missing:?}"
    );
    let Some(python) = common::python_with("openapi_spec_validator") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, &body).unwrap();
    let o = std::process::Command::new(&python)
        .args([
            "-c",
            "import sys, json\nfrom openapi_spec_validator import validate\nvalidate(json.load(open(sys.argv[1])))\nprint('valid')",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success() && out.contains("valid"),
        "openapi-spec-validator: {out}{err}"
    );
}

/// A four-language (en, ru, zh, ur) alert of `org`.
fn four_language_xml(org: &str) -> String {
    common::cap_xml_with(
        org,
        forewarn_cap::Status::Actual,
        &["en", "ru", "zh", "ur"],
        "test area <b>&",
    )
}

fn content_type(h: &axum::http::HeaderMap) -> String {
    h.get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cap_and_atom_are_utf8_and_each_alert_has_a_page() {
    let app = App::sqlite().await;
    let pd = app.login("pk.duty").await;
    let pa = app.login("pk.approver").await;
    let (s, a) = pd
        .post("/api/alerts", json!({"xml": four_language_xml("pk")}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let id = a["id"].as_i64().unwrap();
    // A draft has neither a public XML nor a public page.
    for ext in ["xml", "html"] {
        let (s, _) = app.anon().get(&format!("/cap/{id}.{ext}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{ext}");
    }
    let (s, page) = pd.get(&format!("/cap/{id}.html")).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let (s, v) = pa
        .post(&format!("/api/alerts/{id}/approve"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = pd
        .post(&format!("/api/alerts/{id}/publish"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let get = |path: String, accept: Option<&'static str>| {
        let mut r = Request::get(path);
        if let Some(a) = accept {
            r = r.header(header::ACCEPT, a);
        }
        app.send(r.body(Body::empty()).unwrap())
    };
    // The XML shows in a browser: an XML type with its charset, never an attachment.
    let (s, h, xml) = get(
        format!("/cap/{id}.xml"),
        Some("text/html,application/xml;q=0.9,*/*;q=0.8"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(content_type(&h), "application/xml; charset=utf-8");
    assert!(h.get(header::CONTENT_DISPOSITION).is_none());
    let xml = String::from_utf8(xml).unwrap();
    assert!(xml.contains("<language>ur</language>"), "{xml}");
    let (_, h, _) = get(format!("/cap/{id}.xml"), Some("application/cap+xml")).await;
    assert_eq!(content_type(&h), "application/cap+xml; charset=utf-8");

    // The page: all four languages, Urdu right to left, text escaped, a link to the XML.
    let (s, h, page) = get(format!("/cap/{id}.html"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(content_type(&h), "text/html; charset=utf-8");
    let page = String::from_utf8(page).unwrap();
    let cap = read_alert(&xml).unwrap();
    assert_eq!(cap.languages(), vec!["en", "ru", "zh", "ur"]);
    for (k, info) in cap.infos.iter().enumerate() {
        let dir = if info.language == "ur" { "rtl" } else { "ltr" };
        assert!(
            page.contains(&format!(
                "id=\"info-{k}\" lang=\"{}\" dir=\"{dir}\"",
                info.language
            )),
            "{page}"
        );
        assert!(page.contains(&escape_html(info.headline.as_deref().unwrap())));
    }
    assert!(
        page.contains("test area &lt;b&gt;&amp;") && !page.contains("<b>&"),
        "{page}"
    );
    assert!(page.contains(&format!("href=\"/cap/{id}.xml\"")));
    assert!(page.contains("<svg class=\"cap-area\""));

    // Atom says its charset too.
    let (s, h, feed) = get("/feeds/pk.atom?lang=ur".into(), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(content_type(&h), "application/atom+xml; charset=utf-8");
    assert!(
        String::from_utf8(feed)
            .unwrap()
            .contains(&format!("/cap/{id}.xml"))
    );

    // Unknown extensions and ids are 404.
    for path in [
        format!("/cap/{id}.txt"),
        "/cap/999999.html".into(),
        "/cap/x.html".into(),
    ] {
        let (s, _, _) = get(path.clone(), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_are_compressed_when_asked() {
    let app = App::sqlite().await;
    let plain = app
        .send(
            Request::get("/api/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(plain.1.get(header::CONTENT_ENCODING).is_none());
    let (s, h, gz) = app
        .send(
            Request::get("/api/openapi.json")
                .header(header::ACCEPT_ENCODING, "gzip")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_ENCODING], "gzip");
    assert!(
        gz.len() * 3 < plain.2.len(),
        "{} of {}",
        gz.len(),
        plain.2.len()
    );
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut text)
        .unwrap();
    assert_eq!(text, plain.2);
    let (_, h, br) = app
        .send(
            Request::get("/api/region/countries.geojson")
                .header(header::ACCEPT_ENCODING, "br")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(h[header::CONTENT_ENCODING], "br");
    assert!(!br.is_empty());
    // Live event streams are never buffered by a compressor (headers only: the stream
    // does not end).
    let c = app.login("pk.viewer").await;
    let resp = {
        use tower::ServiceExt;
        app.router
            .clone()
            .oneshot(
                c.request("GET", "/api/events")
                    .header(header::ACCEPT_ENCODING, "gzip, br")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap()
    };
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(content_type(resp.headers()).starts_with("text/event-stream"));
    assert!(
        resp.headers().get(header::CONTENT_ENCODING).is_none(),
        "{:?}",
        resp.headers()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_web_ui_is_served_without_a_directory() {
    let app = App::sqlite().await;
    let mut st = app.st.clone();
    st.web_dir = None;
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
            let ct = content_type(resp.headers());
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .unwrap();
            (status, ct, String::from_utf8_lossy(&body).into_owned())
        }
    };
    let index =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/index.html"))
            .unwrap();
    for path in ["/", "/index.html", "/incidents"] {
        let (s, ct, body) = get(path).await;
        assert_eq!(s, StatusCode::OK, "{path}");
        assert_eq!(ct, "text/html; charset=utf-8");
        assert_eq!(body, index, "{path}");
    }
    let (s, ct, _) = get("/js/app.js").await;
    assert_eq!(
        (s, ct.as_str()),
        (StatusCode::OK, "text/javascript; charset=utf-8")
    );
    for path in ["/e2e/package.json", "/e2e/e2e.test.mjs", "/nope.js"] {
        let (s, _, body) = get(path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        assert!(!body.contains("playwright"));
    }
    let files = forewarn_server::web_assets::web_files();
    assert!(files.iter().any(|f| f == "index.html"));
    assert!(
        !files
            .iter()
            .any(|f| f.starts_with("e2e/") || f.contains("node_modules")),
        "{files:?}"
    );
    // The bundled scenarios come from the binary too, written to a temporary directory that
    // goes with the state.
    assert!(app.st.scenarios_dir.join("exercise-pamir.toml").is_file());
    let dir = app.st.scenarios_dir.clone();
    assert!(dir.starts_with(std::env::temp_dir()), "{}", dir.display());
    drop(router);
    drop(app);
    assert!(!dir.exists(), "{} left behind", dir.display());
}

async fn run_quake(c: &common::Client<'_>, title: &str, lat: f64, mag: f64) -> i64 {
    let (s, inc) = c
        .post(
            "/api/incidents",
            json!({"title": title, "quake": {"lat": lat, "lon": 73.63, "depth_km": 15, "mag": mag, "gmpe": "bssa14"}}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{inc}");
    let id = inc["id"].as_i64().unwrap();
    for _ in 0..1200 {
        let (_, v) = c.get(&format!("/api/incidents/{id}")).await;
        if v["status"] != "running" {
            assert_eq!(v["status"], "complete", "{v}");
            return id;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("incident {id} did not finish");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incident_page_of_a_run_and_what_changed() {
    let app = App::sqlite().await;
    let pd = app.login("pk.duty").await;
    let first = run_quake(&pd, "Muzaffarabad first estimate", 34.40, 6.6).await;
    let second = run_quake(&pd, "Muzaffarabad update", 34.49, 6.9).await;
    let page = |path: String| {
        let r = pd.request("GET", &path).body(Body::empty()).unwrap();
        app.send(r)
    };
    let (s, h, body) = page(format!("/api/incidents/{second}/report.html")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(content_type(&h), "text/html; charset=utf-8");
    let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'self'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    let html = String::from_utf8(body).unwrap();
    for part in [
        "id=\"rpt-fatalities\"",
        "id=\"rpt-losses\"",
        "id=\"rpt-exposure\"",
        "id=\"rpt-settlements\"",
        "class=\"rpt-map\"",
        "class=\"rpt-epicentre\"",
        "Muzaffarabad",
        "Perceived shaking",
        "PROXY",
        "Wald &amp; Allen 2007",
    ] {
        assert!(html.contains(part), "{part} missing");
    }
    // The earlier run of the same event is found and compared with.
    assert!(
        html.contains(&format!("#{first} Muzaffarabad first estimate")),
        "no comparison"
    );
    assert!(html.contains("class=\"rpt-changed\""));
    // previous=0: no comparison; the first run has nothing before it.
    let (_, _, body) = page(format!("/api/incidents/{second}/report.html?previous=0")).await;
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("No earlier run of this event")
    );
    let (_, _, body) = page(format!("/api/incidents/{first}/report.html")).await;
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("No earlier run of this event")
    );
    // The exposure table for a spreadsheet: the summary's people per intensity, per country.
    let (s, h, body) = page(format!("/api/incidents/{second}/exposure.csv")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(content_type(&h), "text/csv; charset=utf-8");
    assert_eq!(
        h[header::CONTENT_DISPOSITION].to_str().unwrap(),
        format!("attachment; filename=\"incident-{second}-exposure.csv\"")
    );
    let csv = String::from_utf8(body).unwrap();
    let (_, inc) = pd.get(&format!("/api/incidents/{second}")).await;
    let pk = csv.lines().find(|l| l.starts_with("PK,Pakistan,")).unwrap();
    let cells: Vec<f64> = pk.split(',').skip(2).map(|v| v.parse().unwrap()).collect();
    for (k, roman) in ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
        .iter()
        .enumerate()
    {
        assert_eq!(
            cells[k],
            inc["summary"]["exposure_by_mmi"]["PK"][roman]
                .as_f64()
                .unwrap(),
            "{roman}"
        );
    }
    assert!(cells[10] > 0.0, "people at MMI V+: {pk}");
    // Russian.
    let (s, _, body) = page(format!("/api/incidents/{second}/report.html?lang=ru")).await;
    assert_eq!(s, StatusCode::OK);
    let ru = String::from_utf8(body).unwrap();
    assert!(ru.contains("<html lang=\"ru\" dir=\"ltr\">") && ru.contains("Ощущаемые сотрясения"));
    // Bad input names its field.
    for (q, field) in [
        ("lang=xx", "lang"),
        ("previous=999", "previous"),
        (&*format!("previous={second}"), "previous"),
        ("nope=1", "query"),
    ] {
        let (s, v) = pd
            .get(&format!("/api/incidents/{second}/report.html?{q}"))
            .await;
        assert!(s.is_client_error(), "{q}: {s}");
        if field != "query" {
            assert_eq!(v["field"], field, "{q}: {v}");
        }
    }
    // Another organisation's own_org incident is not there.
    let kd = app.login("kz.duty").await;
    let (s, _) = kd
        .get(&format!("/api/incidents/{second}/report.html"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
