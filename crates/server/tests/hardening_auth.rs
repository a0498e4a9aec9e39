//! Issue 11 hardening of authentication and input handling, against the real router over a
//! SQLite file: login races and lock-outs, login memory bounds, trusted proxies, Secure
//! cookies and links from `--public-url`, the text rules of every JSON body, idempotency keys
//! reused with another body, and store failures mapped to 500 or 503.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use forewarn_server::login_guard::LoginLimits;
use forewarn_server::settings::HttpSettings;
use forewarn_server::{AppState, router};
use forewarn_store::Store;
use serde_json::{Value, json};
use std::net::{IpAddr, SocketAddr};
use tower::ServiceExt;

const PW: &str = "test-password-1";

struct TestApp {
    st: AppState,
    router: Router,
    db_path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

async fn app_with(settings: HttpSettings) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("t.db");
    let store = Store::open(&db_path.display().to_string()).await.unwrap();
    let st = AppState::with_settings(
        store,
        Some(std::env::temp_dir().join("forewarn-no-web")),
        settings,
    );
    forewarn_server::demo::seed_accounts(&st, PW).await.unwrap();
    TestApp {
        router: router(st.clone()),
        st,
        db_path,
        _dir: dir,
    }
}

async fn default_app() -> TestApp {
    app_with(HttpSettings::default()).await
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
    raw: String,
}

/// Sends `req` as if from TCP peer `peer` (`None`: in-process, no peer).
async fn send(router: &Router, mut req: Request<Body>, peer: Option<&str>) -> Resp {
    if let Some(p) = peer {
        let ip: IpAddr = p.parse().unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(ip, 40_000)));
    }
    let r = router.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .unwrap();
    let raw = String::from_utf8_lossy(&bytes).into_owned();
    Resp {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        raw,
    }
}

fn login_req(user: &str, pw: &str) -> Request<Body> {
    login_req_with(user, pw, &[])
}

fn login_req_with(user: &str, pw: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut b = Request::post("/api/login").header("content-type", "application/json");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Body::from(
        json!({"username": user, "password": pw}).to_string(),
    ))
    .unwrap()
}

/// A logged-in session: cookie header and CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

async fn login(app: &TestApp, user: &str) -> Session {
    let r = send(&app.router, login_req(user, PW), Some("192.0.2.200")).await;
    assert_eq!(r.status, 200, "{}", r.raw);
    let cookie = r
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    Session {
        cookie,
        csrf: r.body["csrf_token"].as_str().unwrap().to_string(),
    }
}

fn post_as(s: &Session, path: &str, body: &str, extra: &[(&str, &str)]) -> Request<Body> {
    let mut b = Request::post(path)
        .header("content-type", "application/json")
        .header("cookie", &s.cookie)
        .header("x-csrf-token", &s.csrf);
    for (k, v) in extra {
        b = b.header(*k, *v);
    }
    b.body(Body::from(body.to_string())).unwrap()
}

fn get_as(s: &Session, path: &str) -> Request<Body> {
    Request::get(path)
        .header("cookie", &s.cookie)
        .body(Body::empty())
        .unwrap()
}

/// Sends `reqs` all at once from `peer`, returning the statuses and Retry-After headers.
async fn parallel(
    app: &TestApp,
    reqs: Vec<Request<Body>>,
    peer: &'static str,
) -> Vec<(u16, Option<u64>)> {
    let mut handles = Vec::new();
    for req in reqs {
        let router = app.router.clone();
        handles.push(tokio::spawn(async move {
            let r = send(&router, req, Some(peer)).await;
            let retry = r
                .headers
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok());
            (r.status.as_u16(), retry)
        }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_are_counted_before_the_check() {
    let app = default_app().await;
    let checks_before = app.st.password_checks.started();
    let reqs = (0..30)
        .map(|i| login_req("ru.viewer", &format!("wrong-guess-{i}")))
        .collect();
    let out = parallel(&app, reqs, "203.0.113.10").await;
    let failures = out.iter().filter(|(s, _)| *s == 401).count();
    let limited = out.iter().filter(|(s, _)| *s == 429).count();
    assert!(
        (1..=5).contains(&failures),
        "at most 5 guesses may be checked: {out:?}"
    );
    assert_eq!(failures + limited, 30, "{out:?}");
    assert!(
        out.iter()
            .filter(|(s, _)| *s == 429)
            .all(|(_, r)| r.is_some_and(|r| (1..=300).contains(&r))),
        "every 429 has a Retry-After within the window: {out:?}"
    );
    assert!(app.st.password_checks.started() - checks_before <= 5);
    // The right password is refused until the window ends.
    let r = send(
        &app.router,
        login_req("ru.viewer", PW),
        Some("203.0.113.10"),
    )
    .await;
    assert_eq!(r.status, 429, "{}", r.raw);
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=300).contains(&wait), "{wait}");
    assert_eq!(r.body["field"], "username");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_right_password_in_a_burst_does_not_raise_the_count() {
    let app = default_app().await;
    let mut reqs: Vec<_> = (0..29)
        .map(|i| login_req("kz.viewer", &format!("wrong-guess-{i}")))
        .collect();
    reqs.insert(13, login_req("kz.viewer", PW));
    let out = parallel(&app, reqs, "203.0.113.11").await;
    let failures = out.iter().filter(|(s, _)| *s == 401).count();
    let ok = out.iter().filter(|(s, _)| *s == 200).count();
    assert!(failures <= 5, "{out:?}");
    assert!(ok <= 1, "{out:?}");
    assert_eq!(
        out.iter()
            .filter(|(s, _)| ![200, 401, 429].contains(s))
            .count(),
        0,
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attacker_cannot_lock_the_owner_out_from_another_address() {
    let app = default_app().await;
    for i in 0..8 {
        let r = send(
            &app.router,
            login_req("pk.duty", &format!("guess-{i}")),
            Some("203.0.113.66"),
        )
        .await;
        assert_eq!(r.status, if i < 5 { 401 } else { 429 }, "{i}: {}", r.raw);
    }
    // The owner, elsewhere, logs in.
    let r = send(&app.router, login_req("pk.duty", PW), Some("198.51.100.20")).await;
    assert_eq!(r.status, 200, "{}", r.raw);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarding_headers_count_only_from_a_trusted_proxy() {
    // No trusted proxy: a client cannot pick new addresses with X-Forwarded-For.
    let app = default_app().await;
    for i in 0..7 {
        let fake = format!("198.18.0.{i}");
        let r = send(
            &app.router,
            login_req_with(
                "tj.duty",
                "wrong",
                &[
                    ("x-forwarded-for", &fake),
                    ("forwarded", &format!("for={fake}")),
                ],
            ),
            Some("203.0.113.30"),
        )
        .await;
        assert_eq!(r.status, if i < 5 { 401 } else { 429 }, "{i}: {}", r.raw);
    }
    // Behind a trusted proxy, the proxy's X-Forwarded-For names each client.
    let proxy = "10.1.2.3";
    let app = app_with(HttpSettings {
        trusted_proxies: vec![proxy.parse().unwrap()],
        ..HttpSettings::default()
    })
    .await;
    for i in 0..6 {
        let r = send(
            &app.router,
            login_req_with(
                "tj.duty",
                "wrong",
                &[("x-forwarded-for", "1.1.1.1, 203.0.113.40")],
            ),
            Some(proxy),
        )
        .await;
        assert_eq!(r.status, if i < 5 { 401 } else { 429 }, "{i}: {}", r.raw);
    }
    // Another client behind the same proxy is not locked out.
    let r = send(
        &app.router,
        login_req_with("tj.duty", PW, &[("x-forwarded-for", "203.0.113.41")]),
        Some(proxy),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.raw);
    // A peer that is not the proxy cannot use the header to escape its own lock.
    for i in 0..6 {
        let r = send(
            &app.router,
            login_req_with(
                "tj.duty",
                "wrong",
                &[("x-forwarded-for", &format!("198.18.1.{i}"))],
            ),
            Some("203.0.113.50"),
        )
        .await;
        assert_eq!(r.status, if i < 5 { 401 } else { 429 }, "{i}: {}", r.raw);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_or_control_character_logins_are_refused_before_any_work() {
    let app = default_app().await;
    let checks = app.st.password_checks.started();
    let entries = app.st.limiter.entry_count();
    // A 1 MB user name: refused by the login body limit.
    let r = send(
        &app.router,
        login_req(&"u".repeat(1 << 20), "x"),
        Some("203.0.113.70"),
    )
    .await;
    assert_eq!(r.status, 413, "{}", r.raw);
    assert!(r.raw.contains("4096"), "{}", r.raw);
    // Within the body limit but over the text limits.
    let r = send(
        &app.router,
        login_req(&"u".repeat(65), "x"),
        Some("203.0.113.70"),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.raw);
    assert_eq!(r.body["field"], "username");
    assert!(r.raw.contains("64"), "{}", r.raw);
    let r = send(
        &app.router,
        login_req("pk.duty", &"p".repeat(201)),
        Some("203.0.113.70"),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.raw);
    assert_eq!(r.body["field"], "password");
    let r = send(
        &app.router,
        login_req("pk.duty\u{0}", "x"),
        Some("203.0.113.70"),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.raw);
    assert_eq!(r.body["field"], "username");
    assert_eq!(
        app.st.password_checks.started(),
        checks,
        "no argon2 check ran"
    );
    assert_eq!(app.st.limiter.entry_count(), entries, "no limiter entry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limiter_entries_stay_bounded_under_distinct_user_names() {
    let app = default_app().await;
    // One address spraying distinct user names is stopped by the per-address limit, so its
    // entries stop growing: 1 address + at most 30 (pair, account) entries.
    let mut statuses = Vec::new();
    for i in 0..40 {
        let r = send(
            &app.router,
            login_req(&format!("nobody-{i}"), "wrong"),
            Some("203.0.113.80"),
        )
        .await;
        statuses.push(r.status.as_u16());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 30);
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 10);
    assert!(
        app.st.limiter.entry_count() <= 61,
        "{}",
        app.st.limiter.entry_count()
    );

    // Many addresses: each table holds at most max_entries; new keys beyond get 503.
    let app = app_with(HttpSettings {
        login: LoginLimits {
            max_entries: 8,
            ..LoginLimits::default()
        },
        ..HttpSettings::default()
    })
    .await;
    let mut full = 0;
    for i in 0..20 {
        let r = send(
            &app.router,
            login_req(&format!("nobody-{i}"), "wrong"),
            Some(&format!("198.51.100.{}", 100 + i)),
        )
        .await;
        match r.status.as_u16() {
            401 => {}
            503 => {
                assert!(r.headers.contains_key("retry-after"));
                full += 1;
            }
            s => panic!("{s}: {}", r.raw),
        }
        assert!(app.st.limiter.entry_count() <= 3 * 8);
    }
    assert_eq!(full, 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_checks_run_in_a_bounded_pool() {
    let app = app_with(HttpSettings {
        login: LoginLimits {
            concurrent_checks: 1,
            check_wait: std::time::Duration::from_millis(200),
            ..LoginLimits::default()
        },
        ..HttpSettings::default()
    })
    .await;
    // Occupy the only slot until told to stop.
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let pool = app.st.password_checks.clone();
    let held = tokio::spawn(async move { pool.run(move || wait.recv().is_ok()).await });
    while !app.st.password_checks.saturated() {
        tokio::task::yield_now().await;
    }
    let r = send(&app.router, login_req("pk.duty", PW), Some("203.0.113.90")).await;
    assert_eq!(r.status, 503, "{}", r.raw);
    assert_eq!(r.headers["retry-after"], "1");
    release.send(()).unwrap();
    assert!(held.await.unwrap().unwrap());
    // The refused attempt was not counted: the next one is checked.
    let r = send(&app.router, login_req("pk.duty", PW), Some("203.0.113.90")).await;
    assert_eq!(r.status, 200, "{}", r.raw);
}

fn cookies(h: &HeaderMap) -> Vec<String> {
    h.get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secure_cookies_and_links_follow_the_public_url() {
    let app = app_with(HttpSettings {
        public_url: Some("https://warn.example.org/fw/".parse().unwrap()),
        secure_cookies: true,
        ..HttpSettings::default()
    })
    .await;
    let r = send(&app.router, login_req("pk.duty", PW), Some("192.0.2.1")).await;
    assert_eq!(r.status, 200);
    let cs = cookies(&r.headers);
    assert_eq!(cs.len(), 2);
    assert!(cs.iter().all(|c| c.contains("; Secure")), "{cs:?}");
    let feed = send(
        &app.router,
        Request::get("/feeds/pk.atom")
            .header("host", "evil.example")
            .body(Body::empty())
            .unwrap(),
        Some("192.0.2.1"),
    )
    .await;
    assert_eq!(feed.status, 200, "{}", feed.raw);
    assert!(
        feed.raw
            .contains("https://warn.example.org/fw/feeds/pk.atom"),
        "{}",
        feed.raw
    );
    assert!(!feed.raw.contains("evil.example"), "{}", feed.raw);

    // Without a public URL (loopback servers): no Secure, links from the Host header.
    let app = default_app().await;
    let r = send(&app.router, login_req("pk.duty", PW), Some("127.0.0.1")).await;
    assert!(cookies(&r.headers).iter().all(|c| !c.contains("Secure")));
    let feed = send(
        &app.router,
        Request::get("/feeds/pk.atom")
            .header("host", "127.0.0.1:8080")
            .body(Body::empty())
            .unwrap(),
        Some("127.0.0.1"),
    )
    .await;
    assert!(
        feed.raw.contains("http://127.0.0.1:8080/feeds/pk.atom"),
        "{}",
        feed.raw
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_server_needs_a_public_url() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = |bind: &str, public_url: Option<&str>| forewarn_server::ServerConfig {
        db: dir.path().join("s.db").display().to_string(),
        bind: bind.parse().unwrap(),
        demo: None,
        web_dir: Some(dir.path().to_path_buf()),
        scenarios_dir: None,
        public_url: public_url.map(|u| u.parse().unwrap()),
        trusted_proxies: vec![],
        vs30: None,
        watch: None,
        runs: true,
        node_url: None,
    };
    let e = forewarn_server::prepare(&cfg("0.0.0.0:0", None))
        .await
        .err()
        .expect("refused");
    assert!(e.to_string().contains("--public-url"), "{e}");
    let (st, _) = forewarn_server::prepare(&cfg("0.0.0.0:0", Some("https://warn.example.org")))
        .await
        .unwrap();
    assert!(st.settings.secure_cookies);
    let (st, _) = forewarn_server::prepare(&cfg("127.0.0.1:0", None))
        .await
        .unwrap();
    assert!(!st.settings.secure_cookies);
    assert!(
        "ftp://x"
            .parse::<forewarn_server::settings::PublicUrl>()
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_json_body_obeys_the_text_rules() {
    let app = default_app().await;
    let s = login(&app, "pk.duty").await;
    let cases: [(&str, Value, &str); 6] = [
        (
            "/api/sitreps",
            json!({"title": "ok\u{1b}[2J", "body": "b"}),
            "title",
        ),
        (
            "/api/sitreps",
            json!({"title": "t", "body": "nul\u{0}byte"}),
            "body",
        ),
        (
            "/api/sitreps",
            json!({"title": "t".repeat(301), "body": "b"}),
            "title",
        ),
        (
            "/api/requests",
            json!({"title": "Tents", "resource_type": "shelter", "quantity": 1, "unit": "tent", "description": "c1\u{9b}31m"}),
            "description",
        ),
        (
            "/api/incidents",
            json!({"title": "q", "quake": {"lat": 34.0, "lon": 73.0, "depth_km": 10.0, "mag": 6.0, "gmpe": "x\u{7f}"}}),
            "quake.gmpe",
        ),
        ("/api/tokens", json!({"name": "n".repeat(301)}), "name"),
    ];
    for (path, body, field) in cases {
        let r = send(&app.router, post_as(&s, path, &body.to_string(), &[]), None).await;
        assert_eq!(r.status, 422, "{path} {body}: {}", r.raw);
        assert_eq!(r.body["field"], field, "{}", r.raw);
        assert!(
            r.raw.contains("U+") || r.raw.contains("characters"),
            "{}",
            r.raw
        );
    }
    // Tabs and line feeds are text.
    let r = send(
        &app.router,
        post_as(
            &s,
            "/api/sitreps",
            &json!({"title": "Flood\tupdate", "body": "line 1\nline 2"}).to_string(),
            &[],
        ),
        None,
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.raw);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_reused_with_another_body_is_refused() {
    let app = default_app().await;
    let s = login(&app, "pk.duty").await;
    let key = [("idempotency-key", "sitrep-1")];
    let first = json!({"title": "Morning", "body": "all quiet"}).to_string();
    let r1 = send(&app.router, post_as(&s, "/api/sitreps", &first, &key), None).await;
    assert_eq!(r1.status, 201, "{}", r1.raw);
    let r2 = send(&app.router, post_as(&s, "/api/sitreps", &first, &key), None).await;
    assert_eq!(r2.status, 201);
    assert_eq!(r2.headers["idempotent-replayed"], "true");
    assert_eq!(r1.raw, r2.raw);
    let other = json!({"title": "Evening", "body": "river rising"}).to_string();
    let r3 = send(&app.router, post_as(&s, "/api/sitreps", &other, &key), None).await;
    assert_eq!(r3.status, 422, "{}", r3.raw);
    assert_eq!(r3.body["field"], "Idempotency-Key");
    // Nothing was written for the refused request.
    let list = send(&app.router, get_as(&s, "/api/sitreps"), None).await;
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", list.raw);
    assert_eq!(items[0]["title"], "Morning");
}

/// Runs SQL on the server's SQLite file through the `sqlite3` shell, a connection of its own
/// (only the store crate links SQL; see ARCHITECTURE.md).
async fn sql(app: &TestApp, stmt: &str) {
    let out = std::process::Command::new("sqlite3")
        .arg("-cmd")
        .arg(".timeout 5000")
        .arg(&app.db_path)
        .arg(stmt)
        .output()
        .expect("the sqlite3 shell (Debian package sqlite3, installed by .ci/run)");
    assert!(
        out.status.success(),
        "sqlite3 {stmt}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn assert_no_internals(r: &Resp) {
    assert!(
        r.body["error_id"].as_str().is_some_and(|id| id.len() == 16),
        "{}",
        r.raw
    );
    for leak in [
        "journal", "records", "trigger", "boom", "sqlite", "SQL", "expected", "key must",
    ] {
        assert!(!r.raw.contains(leak), "{leak} in {}", r.raw);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_faults_are_500_and_unavailability_is_503() {
    let app = default_app().await;
    let s = login(&app, "pk.duty").await;
    let r = send(
        &app.router,
        post_as(&s, "/api/sitreps", r#"{"title":"t","body":"b"}"#, &[]),
        None,
    )
    .await;
    assert_eq!(r.status, 201);
    let id = r.body["id"].as_i64().unwrap();
    // A corrupt stored record: 500 with an error id, no internals.
    sql(
        &app,
        &format!("UPDATE records SET data = '{{broken' WHERE record_type = 'sitrep' AND id = {id}"),
    )
    .await;
    let r = send(&app.router, get_as(&s, &format!("/api/sitreps/{id}")), None).await;
    assert_eq!(r.status, 500, "{}", r.raw);
    assert_no_internals(&r);
    // A constraint failure on write: 500, not "database unavailable".
    sql(
        &app,
        "CREATE TRIGGER no_journal BEFORE INSERT ON journal BEGIN SELECT RAISE(ABORT, 'boom'); END",
    )
    .await;
    let r = send(
        &app.router,
        post_as(&s, "/api/sitreps", r#"{"title":"t2","body":"b"}"#, &[]),
        None,
    )
    .await;
    assert_eq!(r.status, 500, "{}", r.raw);
    assert_no_internals(&r);
    sql(&app, "DROP TRIGGER no_journal").await;
    // The database going away: 503 with Retry-After.
    app.st.store.close().await;
    let r = send(&app.router, get_as(&s, "/api/sitreps"), None).await;
    assert_eq!(r.status, 503, "{}", r.raw);
    assert!(r.headers.contains_key("retry-after"));
    assert!(r.raw.contains("database unavailable"), "{}", r.raw);
    assert_no_internals(&r);
}
