//! Test harness: the router in-process over a SQLite file or a temporary PostgreSQL database,
//! demo accounts, and a small client that logs in with cookies + CSRF or a bearer token.
#![allow(dead_code)]

pub mod feeds;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use forewarn_server::{AppState, router};
use forewarn_store::Store;
use serde_json::{Value, json};
use tower::ServiceExt;

pub const PW: &str = "test-password-1";

pub struct App {
    pub st: AppState,
    pub router: Router,
    _dir: Option<tempfile::TempDir>,
}

impl App {
    pub async fn open(db: &str, dir: Option<tempfile::TempDir>) -> App {
        let store = Store::open(db).await.expect("open store");
        let st = AppState::new(store, std::env::temp_dir().join("forewarn-no-web"), false);
        forewarn_server::demo::seed_accounts(&st, PW)
            .await
            .expect("seed");
        App {
            router: router(st.clone()),
            st,
            _dir: dir,
        }
    }

    pub async fn sqlite() -> App {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db").display().to_string();
        App::open(&db, Some(dir)).await
    }

    /// Sends a raw request.
    pub async fn send(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap_or_default()
            .to_vec();
        (status, headers, body)
    }

    pub fn anon(&self) -> Client<'_> {
        Client {
            app: self,
            cookie: None,
            csrf: None,
            bearer: None,
            user: String::new(),
            exercise: None,
        }
    }

    /// `<org>.admin`, an administrator of organisation `org` made by the regional centre,
    /// logged in.
    pub async fn admin(&self, org: &str) -> Client<'_> {
        let rc = self.login("rc.coordinator").await;
        let (s, v) = rc
            .post(
                "/api/users",
                json!({"username": format!("{org}.admin"), "display_name": format!("{org} admin"),
                       "org": org, "roles": ["admin"], "password": PW}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        self.login(&format!("{org}.admin")).await
    }

    /// A client logged in by session cookie.
    pub async fn login(&self, user: &str) -> Client<'_> {
        let (s, h, b) = self
            .send(
                Request::post("/api/login")
                    .header("content-type", "application/json")
                    .body(Body::from(
                        json!({"username": user, "password": PW}).to_string(),
                    ))
                    .unwrap(),
            )
            .await;
        assert_eq!(
            s,
            StatusCode::OK,
            "login {user}: {}",
            String::from_utf8_lossy(&b)
        );
        let cookie = h
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .collect::<Vec<_>>()
            .join("; ");
        let v: Value = serde_json::from_slice(&b).unwrap();
        Client {
            app: self,
            cookie: Some(cookie),
            csrf: v["csrf_token"].as_str().map(str::to_string),
            bearer: None,
            user: user.into(),
            exercise: None,
        }
    }

    /// A client with an API token.
    pub async fn token(&self, user: &str) -> Client<'_> {
        let c = self.login(user).await;
        let (s, v) = c.post("/api/tokens", json!({"name": "test"})).await;
        assert_eq!(s, StatusCode::CREATED);
        Client {
            app: self,
            cookie: None,
            csrf: None,
            bearer: v["token"].as_str().map(str::to_string),
            user: user.into(),
            exercise: None,
        }
    }
}

pub struct Client<'a> {
    pub app: &'a App,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
    pub user: String,
    /// Sent as the Forewarn-Exercise header.
    pub exercise: Option<i64>,
}

impl Client<'_> {
    pub fn request(&self, method: &str, path: &str) -> axum::http::request::Builder {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(c) = &self.cookie {
            b = b.header("cookie", c);
        }
        if let Some(t) = &self.csrf {
            b = b.header("x-csrf-token", t);
        }
        if let Some(t) = &self.bearer {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        if let Some(x) = self.exercise {
            b = b.header("forewarn-exercise", x.to_string());
        }
        b
    }

    /// The same user acting inside exercise `id`.
    pub fn in_exercise(&self, id: i64) -> Self {
        Client {
            app: self.app,
            cookie: self.cookie.clone(),
            csrf: self.csrf.clone(),
            bearer: self.bearer.clone(),
            user: self.user.clone(),
            exercise: Some(id),
        }
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut b = self.request(method, path);
        let body = match body {
            Some(v) => {
                b = b.header("content-type", "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let (s, _, bytes) = self.app.send(b.body(body).unwrap()).await;
        let v = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        assert!(
            s.as_u16() < 500 || s == StatusCode::SERVICE_UNAVAILABLE && path == "/api/health",
            "{method} {path} -> {s}: {v}"
        );
        (s, v)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call("POST", path, Some(body)).await
    }
}

/// The error body `v` of a refused request says `words`.
pub fn error_says(v: &Value, words: &str) -> bool {
    v["error"].as_str().is_some_and(|e| e.contains(words))
}

/// A valid CAP 1.2 alert for organisation `org` (generated by forewarn-cap): an Exercise
/// message in English and Russian.
pub fn cap_xml(org: &str) -> String {
    cap_xml_with(
        org,
        forewarn_cap::Status::Exercise,
        &["en", "ru"],
        "test area",
    )
}

/// A valid CAP 1.2 alert for organisation `org` with `status`, `languages` and an area
/// description (generated by forewarn-cap; an Orange M6.8 near Muzaffarabad).
pub fn cap_xml_with(
    org: &str,
    status: forewarn_cap::Status,
    languages: &[&str],
    area_desc: &str,
) -> String {
    use forewarn_cap::*;
    let t = |s: &str| CapTime::parse(s).unwrap();
    let ring: Vec<(f64, f64)> = (0..24)
        .map(|i| {
            let a = i as f64 / 24.0 * std::f64::consts::TAU;
            (73.6 + 0.8 * a.cos(), 34.4 + 0.6 * a.sin())
        })
        .collect();
    let w = ImpactWarning {
        hazard: Hazard::Earthquake,
        event_id: "test-event".into(),
        event_time: t("2026-01-10T03:50:40-00:00"),
        sent: t("2026-01-10T04:20:00-00:00"),
        alert_level: AlertLevel::Orange,
        likelihood: 0.6,
        place: Place::Settlement {
            name: LocalName::same("Muzaffarabad"),
            country_iso2: "PK".into(),
            distance_km: 3.0,
            town: true,
        },
        facts: ImpactFacts {
            magnitude: Some(6.8),
            depth_km: Some(15.0),
            max_mmi: Some(8.2),
            people_exposed: Some(900_000),
            median_deaths: Some(300.0),
            people_affected: None,
            peak_depth_m: None,
            economic_loss_usd: Some(4.0e8),
        },
        areas: vec![ImpactArea {
            country_iso2: org.to_uppercase(),
            zone: Zone::Named(area_desc.into()),
            places: vec![],
            footprints_lon_lat: vec![ring],
            geocodes: vec![],
            urgency: None,
            onset: None,
        }],
        status,
        sender: format!("{org}@forewarn.example"),
        languages: languages.iter().map(|l| l.to_string()).collect(),
        observed: false,
    };
    generate(&w, &WarningConfig::embedded().unwrap())
        .expect("generate")
        .to_xml()
}

/// Runs `f` against a fresh PostgreSQL database, or skips (see pg_temp::for_tests).
pub async fn postgres_apps(
    names: &[&str],
) -> Option<(forewarn_store::pg_temp::TempPostgres, Vec<String>)> {
    let pg = forewarn_store::pg_temp::for_tests()?;
    let urls = names
        .iter()
        .map(|n| pg.create_database(n).expect("create database"))
        .collect();
    Some((pg, urls))
}

/// The next Server-Sent Event on `stream` for which `pred(kind, data)` holds, within 10 s.
pub async fn next_event(
    stream: &mut (impl futures_util::Stream<Item = Result<axum::body::Bytes, axum::Error>> + Unpin),
    buf: &mut String,
    pred: impl Fn(&str, &Value) -> bool,
) -> Option<(String, Value)> {
    next_event_within(stream, buf, std::time::Duration::from_secs(10), pred).await
}

/// [`next_event`] with a deadline of `within`.
pub async fn next_event_within(
    stream: &mut (impl futures_util::Stream<Item = Result<axum::body::Bytes, axum::Error>> + Unpin),
    buf: &mut String,
    within: std::time::Duration,
    pred: impl Fn(&str, &Value) -> bool,
) -> Option<(String, Value)> {
    use futures_util::StreamExt;
    let deadline = tokio::time::Instant::now() + within;
    loop {
        while let Some(i) = buf.find("\n\n") {
            let frame: String = buf.drain(..i + 2).collect();
            let kind = frame
                .lines()
                .find_map(|l| l.strip_prefix("event: "))
                .unwrap_or("")
                .to_string();
            let data = frame
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .and_then(|d| serde_json::from_str(d).ok())
                .unwrap_or(Value::Null);
            if pred(&kind, &data) {
                return Some((kind, data));
            }
        }
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(b))) => buf.push_str(&String::from_utf8_lossy(&b)),
            _ => return None,
        }
    }
}

/// The Python interpreter with `module` importable (`$FOREWARN_PYTHON`, set by .ci/run, or
/// `python3`); `None` skips with a message, a failure under CI=true.
pub fn python_with(module: &str) -> Option<String> {
    let python = std::env::var("FOREWARN_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    assert!(
        std::env::var("CI").map(|v| v != "true").unwrap_or(true),
        "CI=true but the Python module {module} is not importable by {python} (.ci/run installs it and sets FOREWARN_PYTHON)"
    );
    eprintln!("skipping: the Python module {module} is not importable by {python} (see .ci/run)");
    None
}
