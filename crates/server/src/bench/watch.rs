//! `forewarn bench watch`: a recorded feed replayed to a real `forewarn serve --demo --watch`
//! and the time from the moment an item is first served to (a) its automatic incident and
//! (b) its draft alert existing.
//!
//! The feed: 60 events over 10 minutes of feed time, one every 10 s, replayed `speed` times
//! faster. Five are in the region above the demo thresholds; the other 55 are elsewhere in
//! the world, or in the region below the thresholds. A second agency (FDSN text) reports every
//! event again 3 s of feed time later, 0.1° away with a magnitude 0.1 larger (duplicates the
//! watch must associate); every sixth event is revised by its first agency a minute later
//! (magnitude +0.05, reviewed), and one in-region event by +0.3 (a re-run). Both sources are
//! polled every 2 s. Timestamps of incidents and alerts are the server's (`created_at`, same
//! host clock as the feed server's).

use crate::http_client::Conn;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Events in the feed.
pub const EVENTS: usize = 60;
/// Feed time between two events, s.
pub const EVERY_S: f64 = 10.0;
/// Poll interval of both sources, s.
pub const POLL_S: f64 = 2.0;

/// One scripted event.
#[derive(Debug, Clone)]
pub struct Scripted {
    pub id: String,
    pub t_s: f64,
    pub lon: f64,
    pub lat: f64,
    pub depth_km: f64,
    pub mag: f64,
    /// In the region and above the demo thresholds: must give an incident and a draft.
    pub expected: bool,
    /// (feed time s, magnitude change) of the first agency's revision.
    pub revision: Option<(f64, f64)>,
}

/// The script (deterministic).
pub fn script() -> Vec<Scripted> {
    // Epicentres well inside five member states (Pakistan, Tajikistan, Kyrgyzstan, Iran,
    // Kazakhstan), shallow, M6.0-6.5.
    let region = [
        (73.0, 33.9, 15.0, 6.5),
        (70.8, 38.6, 20.0, 6.3),
        (74.6, 41.5, 15.0, 6.0),
        (57.0, 30.5, 10.0, 6.2),
        (77.0, 43.3, 15.0, 6.1),
    ];
    let in_region_at = [5, 17, 29, 41, 53];
    let mut seed: u64 = 20_250_110;
    let mut rnd = || {
        // Numerical Recipes LCG.
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223) % (1 << 32);
        seed as f64 / (1u64 << 32) as f64
    };
    (0..EVENTS)
        .map(|i| {
            let (lon, lat, depth_km, mag, expected) =
                match in_region_at.iter().position(|&k| k == i) {
                    Some(k) => {
                        let r = region[k];
                        (r.0, r.1, r.2, r.3, true)
                    }
                    None if i % 7 == 3 => {
                        // In the region below every threshold (M4.6).
                        (66.0 + 8.0 * rnd(), 37.0 + 4.0 * rnd(), 10.0, 4.6, false)
                    }
                    None => {
                        // The western Pacific, Indonesia and the Andes: outside every area.
                        let zones = [(140.0, 35.0), (120.0, -5.0), (-72.0, -25.0)];
                        let z = zones[i % 3];
                        (
                            z.0 + 6.0 * rnd(),
                            z.1 + 6.0 * rnd(),
                            10.0 + 60.0 * rnd(),
                            4.5 + 2.5 * rnd(),
                            false,
                        )
                    }
                };
            let revision = if i == 29 {
                Some((i as f64 * EVERY_S + 120.0, 0.3))
            } else if i % 6 == 0 {
                Some((i as f64 * EVERY_S + 60.0, 0.05))
            } else {
                None
            };
            Scripted {
                id: format!("usbench{i:03}"),
                t_s: i as f64 * EVERY_S,
                lon: (lon * 1000.0f64).round() / 1000.0,
                lat: (lat * 1000.0f64).round() / 1000.0,
                depth_km: depth_km.round(),
                mag: (mag * 10.0f64).round() / 10.0,
                expected,
                revision,
            }
        })
        .collect()
}

/// The replaying feed server's state.
pub struct FeedState {
    pub speed: f64,
    pub events: Vec<Scripted>,
    /// When the feed clock started (None: not yet; the feeds are empty).
    pub start: Mutex<Option<Instant>>,
    /// When each event was first served (by either source), wall time.
    pub first_served: Mutex<BTreeMap<String, SystemTime>>,
}

/// Feed time 0 of the script in ms since the epoch (2025-01-10T00:00:00Z).
const T0_MS: i64 = 1_736_467_200_000;

impl FeedState {
    fn feed_s(&self) -> Option<f64> {
        self.start
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .map(|s| s.elapsed().as_secs_f64() * self.speed)
    }

    fn mark(&self, ids: &[&str]) {
        let now = SystemTime::now();
        let mut m = self.first_served.lock().unwrap_or_else(|p| p.into_inner());
        for id in ids {
            m.entry(id.to_string()).or_insert(now);
        }
    }
}

fn etag_of(body: &str) -> String {
    use sha2::Digest;
    let h = sha2::Sha256::digest(body.as_bytes());
    format!(
        "\"{}\"",
        h.iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

fn conditional(h: &HeaderMap, body: String, ctype: &'static str) -> Response {
    let etag = etag_of(&body);
    if h.get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return (StatusCode::NOT_MODIFIED, [("etag", etag)]).into_response();
    }
    (
        StatusCode::OK,
        [("etag", etag), ("content-type", ctype.to_string())],
        body,
    )
        .into_response()
}

async fn usgs_feed(State(s): State<Arc<FeedState>>, h: HeaderMap) -> Response {
    let Some(f) = s.feed_s() else {
        return conditional(
            &h,
            json!({"type": "FeatureCollection", "features": []}).to_string(),
            "application/geo+json",
        );
    };
    let mut features = Vec::new();
    let mut ids = Vec::new();
    for e in s.events.iter().filter(|e| e.t_s <= f) {
        let (mag, status, updated) = match e.revision {
            Some((rt, dm)) if rt <= f => (e.mag + dm, "reviewed", T0_MS + (rt * 1000.0) as i64),
            _ => (e.mag, "automatic", T0_MS + (e.t_s * 1000.0) as i64),
        };
        ids.push(e.id.as_str());
        features.push(json!({
            "type": "Feature",
            "properties": {"mag": (mag * 100.0f64).round() / 100.0, "place": format!("bench event {}", e.id), "time": T0_MS + (e.t_s * 1000.0) as i64,
                "updated": updated, "status": status, "net": "us", "code": e.id.trim_start_matches("us"),
                "ids": format!(",{},", e.id), "sources": ",us,", "magType": "mww", "type": "earthquake"},
            "geometry": {"type": "Point", "coordinates": [e.lon, e.lat, e.depth_km]},
            "id": e.id,
        }));
    }
    let body = json!({"type": "FeatureCollection", "metadata": {"title": "forewarn bench watch"}, "features": features}).to_string();
    let r = conditional(&h, body, "application/geo+json");
    if r.status() == StatusCode::OK {
        s.mark(&ids);
    }
    r
}

async fn fdsn_feed(State(s): State<Arc<FeedState>>, h: HeaderMap) -> Response {
    let mut body = String::from(
        "#EventID|Time|Latitude|Longitude|Depth/km|Author|Catalog|Contributor|ContributorID|MagType|Magnitude|MagAuthor|EventLocationName|EventType\n",
    );
    let f = s.feed_s().unwrap_or(-1.0);
    let mut ids = Vec::new();
    for e in s.events.iter().filter(|e| e.t_s + 3.0 <= f) {
        let t = crate::watch::act::format_feed_time(T0_MS + (e.t_s * 1000.0) as i64 + 1500);
        body.push_str(&format!(
            "em{}|{t}|{:.3}|{:.3}|{:.1}|EMSC|EMSC-RTS|EMSC|{}|mw|{:.1}|EMSC|bench|earthquake\n",
            e.id.trim_start_matches("usbench"),
            e.lat + 0.1,
            e.lon + 0.1,
            e.depth_km,
            e.id,
            e.mag + 0.1
        ));
        ids.push(e.id.as_str());
    }
    let r = conditional(&h, body, "text/plain");
    if r.status() == StatusCode::OK {
        s.mark(&ids);
    }
    r
}

/// Starts the replaying feed server on a free loopback port.
pub async fn start_feed(speed: f64) -> Result<(Arc<FeedState>, SocketAddr), String> {
    let st = Arc::new(FeedState {
        speed,
        events: script(),
        start: Mutex::new(None),
        first_served: Mutex::new(BTreeMap::new()),
    });
    let app = axum::Router::new()
        .route("/usgs.geojson", axum::routing::get(usgs_feed))
        .route("/fdsn.txt", axum::routing::get(fdsn_feed))
        .with_state(st.clone());
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = l.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(l, app).await {
            tracing::error!("bench feed server: {e}");
        }
    });
    Ok((st, addr))
}

/// The watch file for the feed server at `feed`.
pub fn watch_toml(feed: SocketAddr) -> String {
    format!(
        "[association]\nagency_order = [\"us\", \"emsc\"]\n\n[[source]]\nname = \"bench-usgs\"\nkind = \"usgs-geojson\"\nurl = \"http://{feed}/usgs.geojson\"\npoll_s = {POLL_S}\n\n[[source]]\nname = \"bench-emsc\"\nkind = \"fdsn-text\"\nurl = \"http://{feed}/fdsn.txt\"\npoll_s = {POLL_S}\n"
    )
}

/// The figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WatchFigures {
    pub events: usize,
    pub expected: usize,
    pub speed: f64,
    pub incident_ms: Vec<f64>,
    pub draft_ms: Vec<f64>,
    pub p50_incident_ms: f64,
    pub p95_incident_ms: f64,
    pub p50_draft_ms: f64,
    pub p95_draft_ms: f64,
    /// The same from the moment the item was published in the feed (feed time), which adds
    /// the wait for the next poll (up to the 2 s interval).
    pub published_incident_ms: Vec<f64>,
    pub published_draft_ms: Vec<f64>,
    /// Expected events without an incident, or without a draft.
    pub missed: Vec<String>,
    /// Events that should have given nothing but gave an incident.
    pub unexpected: Vec<String>,
    /// (event, organisation) pairs with more than one incident.
    pub duplicated: Vec<String>,
    pub source_health: Value,
}

fn pct(v: &[f64], p: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return f64::NAN;
    }
    s[(((s.len() - 1) as f64) * p).round() as usize]
}

fn ts_ms(s: &str) -> Option<f64> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.timestamp_millis() as f64)
}

fn sys_ms(t: SystemTime) -> f64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

async fn get_json(conn: &mut Conn, path: &str, cookie: &str) -> Result<Value, String> {
    let r = conn
        .request("GET", path, &[("Cookie", cookie)], None)
        .await
        .map_err(|e| format!("GET {path}: {e}"))?;
    if r.status != 200 {
        return Err(format!("GET {path}: status {}: {}", r.status, r.text()));
    }
    Ok(r.json())
}

/// Starts the feed clock and measures until every expected event has its draft (or the feed
/// ended more than `grace` ago).
pub async fn measure(
    feed: Arc<FeedState>,
    server: SocketAddr,
    password: &str,
    grace: Duration,
) -> Result<WatchFigures, String> {
    let mut conn = Conn::connect(server).await.map_err(|e| e.to_string())?;
    let cookie = conn.login("rc.coordinator", password).await?.cookie;
    *feed.start.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
    let start_sys_ms = sys_ms(SystemTime::now());
    let feed_wall = Duration::from_secs_f64(EVENTS as f64 * EVERY_S / feed.speed);
    let started = Instant::now();
    let expected: BTreeSet<String> = feed
        .events
        .iter()
        .filter(|e| e.expected)
        .map(|e| e.id.clone())
        .collect();
    let (incidents, drafts) = loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let inc = get_json(&mut conn, "/api/incidents?limit=500", &cookie).await?;
        let al = get_json(&mut conn, "/api/alerts?status=draft&limit=500", &cookie).await?;
        let incidents: Vec<Value> = inc["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|i| i["origin"] == "auto")
            .collect();
        let drafts: Vec<Value> = al["items"].as_array().cloned().unwrap_or_default();
        let with_draft: BTreeSet<String> = incidents
            .iter()
            .filter(|i| drafts.iter().any(|d| d["incident_id"] == i["id"]))
            .flat_map(|i| {
                i["source_event_ids"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        let done =
            started.elapsed() >= feed_wall && expected.iter().all(|e| with_draft.contains(e));
        if done || started.elapsed() >= feed_wall + grace {
            break (incidents, drafts);
        }
    };
    let served = feed
        .first_served
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let mut fig = WatchFigures {
        events: feed.events.len(),
        expected: expected.len(),
        speed: feed.speed,
        incident_ms: vec![],
        draft_ms: vec![],
        p50_incident_ms: 0.0,
        p95_incident_ms: 0.0,
        p50_draft_ms: 0.0,
        p95_draft_ms: 0.0,
        published_incident_ms: vec![],
        published_draft_ms: vec![],
        missed: vec![],
        unexpected: vec![],
        duplicated: vec![],
        source_health: get_json(&mut conn, "/api/watch/sources", &cookie).await?,
    };
    let mut per_org: BTreeMap<(String, String), usize> = BTreeMap::new();
    for e in &feed.events {
        let mine: Vec<&Value> = incidents
            .iter()
            .filter(|i| {
                i["source_event_ids"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x == e.id.as_str()))
            })
            .collect();
        for i in &mine {
            *per_org
                .entry((e.id.clone(), i["org"].as_str().unwrap_or("").to_string()))
                .or_default() += 1;
        }
        if !e.expected {
            if !mine.is_empty() {
                fig.unexpected.push(e.id.clone());
            }
            continue;
        }
        let Some(first) = served.get(&e.id).map(|t| sys_ms(*t)) else {
            fig.missed.push(format!("{} (never served)", e.id));
            continue;
        };
        let inc_at = mine
            .iter()
            .filter_map(|i| i["created_at"].as_str().and_then(ts_ms))
            .fold(f64::INFINITY, f64::min);
        let draft_at = drafts
            .iter()
            .filter(|d| mine.iter().any(|i| i["id"] == d["incident_id"]))
            .filter_map(|d| d["created_at"].as_str().and_then(ts_ms))
            .fold(f64::INFINITY, f64::min);
        let published = start_sys_ms + e.t_s / feed.speed * 1000.0;
        if inc_at.is_finite() {
            fig.incident_ms.push(inc_at - first);
            fig.published_incident_ms.push(inc_at - published);
        } else {
            fig.missed.push(format!("{} (no incident)", e.id));
        }
        if draft_at.is_finite() {
            fig.draft_ms.push(draft_at - first);
            fig.published_draft_ms.push(draft_at - published);
        } else {
            fig.missed.push(format!("{} (no draft)", e.id));
        }
    }
    fig.duplicated = per_org
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|((e, o), n)| format!("{e}/{o} x{n}"))
        .collect();
    fig.p50_incident_ms = pct(&fig.incident_ms, 0.5);
    fig.p95_incident_ms = pct(&fig.incident_ms, 0.95);
    fig.p50_draft_ms = pct(&fig.draft_ms, 0.5);
    fig.p95_draft_ms = pct(&fig.draft_ms, 0.95);
    Ok(fig)
}

/// The whole benchmark for synchronous callers (the CLI): starts the feed server on its own
/// runtime, lets `start_server` start `forewarn serve` with the watch file text it is given
/// (returning a guard that keeps the server alive, and its address), and measures.
pub fn run_blocking<G>(
    speed: f64,
    password: &str,
    grace: Duration,
    start_server: impl FnOnce(&str) -> Result<(G, SocketAddr), String>,
) -> Result<(WatchFigures, G, SocketAddr), String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting the async runtime: {e}"))?;
    let (feed, feed_addr) = rt.block_on(start_feed(speed))?;
    let (guard, addr) = start_server(&watch_toml(feed_addr))?;
    let fig = rt.block_on(measure(feed, addr, password, grace))?;
    Ok((fig, guard, addr))
}
