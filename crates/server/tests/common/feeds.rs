//! Feeds served to the watch by a local HTTP server (with ETags and optional delays), the
//! watch started on a test app, and waiting helpers: shared by the watch and alarm tests.
//!
//! Feed shapes: USGS GeoJSON summary feed
//! (<https://earthquake.usgs.gov/earthquakes/feed/v1.0/geojson.php>) and the FDSN event text
//! format of fdsnws-event 1.2 (<https://www.fdsn.org/webservices/fdsnws-event-1.2.pdf>); ids
//! and values are invented.

use super::{App, Client};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use forewarn_server::watch::{self, WatchService};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One served document: its body, ETag and a delay before answering.
#[derive(Clone, Default)]
pub struct Doc {
    pub body: String,
    pub etag: String,
    pub delay_ms: u64,
}

#[derive(Clone, Default)]
pub struct Feeds {
    pub docs: Arc<Mutex<HashMap<String, Doc>>>,
    /// Requests answered 304 per document.
    pub not_modified: Arc<Mutex<HashMap<String, u64>>>,
    /// Every change of a document gets a new ETag.
    pub versions: Arc<std::sync::atomic::AtomicU64>,
}

impl Feeds {
    pub fn set(&self, name: &str, body: String) {
        let mut d = self.docs.lock().unwrap();
        let version = self
            .versions
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let e = d.entry(name.to_string()).or_default();
        e.etag = format!("\"{name}-v{version}\"");
        e.body = body;
    }
    pub fn delay(&self, name: &str, ms: u64) {
        self.docs
            .lock()
            .unwrap()
            .entry(name.into())
            .or_default()
            .delay_ms = ms;
    }
}

pub async fn serve_doc(State(f): State<Feeds>, Path(name): Path<String>, h: HeaderMap) -> Response {
    let doc = f.docs.lock().unwrap().get(&name).cloned();
    let Some(doc) = doc else {
        return StatusCode::NOT_FOUND.into_response();
    };
    tokio::time::sleep(Duration::from_millis(doc.delay_ms)).await;
    if h.get("if-none-match").and_then(|v| v.to_str().ok()) == Some(doc.etag.as_str()) {
        *f.not_modified.lock().unwrap().entry(name).or_default() += 1;
        return (StatusCode::NOT_MODIFIED, [("etag", doc.etag)]).into_response();
    }
    (StatusCode::OK, [("etag", doc.etag)], doc.body).into_response()
}

pub async fn feed_server(feeds: Feeds) -> SocketAddr {
    let app = axum::Router::new()
        .route("/{name}", axum::routing::get(serve_doc))
        .with_state(feeds);
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    addr
}

/// A USGS summary feed with one feature.
pub fn usgs(id: &str, mag: f64, lon: f64, lat: f64, status: &str, updated_ms: i64) -> String {
    json!({
        "type": "FeatureCollection",
        "metadata": {"generated": updated_ms, "title": "USGS test feed", "status": 200, "count": 1},
        "features": [{
            "type": "Feature",
            "properties": {"mag": mag, "place": "near Islamabad, Pakistan", "time": 1_736_481_040_000i64,
                "updated": updated_ms, "status": status, "net": "us", "code": id.trim_start_matches("us"),
                "ids": format!(",{id},"), "sources": ",us,", "magType": "mww", "type": "earthquake"},
            "geometry": {"type": "Point", "coordinates": [lon, lat, 15.0]},
            "id": id
        }]
    })
    .to_string()
}

pub const FDSN_HEADER: &str = "#EventID|Time|Latitude|Longitude|Depth/km|Author|Catalog|Contributor|ContributorID|MagType|Magnitude|MagAuthor|EventLocationName|EventType\n";

pub async fn start_watch(app: &App, toml: &str) -> Arc<WatchService> {
    let cfg = forewarn_watch::config::parse(toml).expect("watch config");
    let svc = Arc::new(
        WatchService::new(&app.st, cfg, watch::demo_rules().unwrap())
            .await
            .unwrap(),
    );
    watch::start(&app.st, svc.clone());
    svc
}

pub async fn until<T>(what: &str, secs: u64, mut f: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn auto_incidents(c: &Client<'_>) -> Vec<Value> {
    let (_, v) = c.get("/api/incidents").await;
    v["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| i["origin"] == "auto")
        .collect()
}

pub async fn drafts_of(c: &Client<'_>, incident: i64) -> Vec<Value> {
    let (_, v) = c
        .get(&format!("/api/alerts?status=draft&incident_id={incident}"))
        .await;
    v["items"].as_array().cloned().unwrap_or_default()
}
