//! Soak test: a bounded, paced mix of the platform's traffic against a running server on
//! loopback (reads, journaled writes, SSE subscribers, small quake runs with their alert
//! workflow, and a live exercise), sampling the server process's resident memory, open file
//! descriptors and the p99 latency at a fixed interval. `forewarn bench soak` starts the
//! server (`serve --demo` on a fresh SQLite file) as a child process and calls [`run`].
//!
//! Every request has one expected status; any other status or a transport error is a
//! failure, counted and described. The workload is paced (sleeps between requests), so the
//! load is the same in every interval and memory growth is not an artefact of rising load.

use super::{BenchError, pct};
use crate::http_client::Conn;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What to run and for how long.
#[derive(Debug, Clone)]
pub struct SoakConfig {
    /// The server under test.
    pub addr: SocketAddr,
    /// Its process id, for /proc/PID/status (VmRSS) and /proc/PID/fd.
    pub server_pid: u32,
    /// Demo users' password.
    pub password: String,
    pub duration: Duration,
    pub sample_every: Duration,
    /// Samples before this are warm-up (not judged for memory growth).
    pub warmup: Duration,
    /// Concurrent reader clients, each at most one request every [`READ_PAUSE`].
    pub readers: usize,
    /// Concurrent writer clients, each one workflow step every [`WRITE_PAUSE`].
    pub writers: usize,
    /// Concurrent SSE subscribers, each reconnecting every [`SSE_HOLD`].
    pub subscribers: usize,
    /// Seconds between the starts of two quake runs.
    pub quake_every: Duration,
}

/// Pause between two reads of one reader client.
pub const READ_PAUSE: Duration = Duration::from_millis(50);
/// Pause between two write steps of one writer client.
pub const WRITE_PAUSE: Duration = Duration::from_millis(200);
/// How long an SSE subscriber holds its stream before reconnecting.
pub const SSE_HOLD: Duration = Duration::from_secs(20);
/// Exercise wall time before the director ends it and starts the next one.
pub const EXERCISE_CYCLE: Duration = Duration::from_secs(120);
/// The longest a small quake run may take before it counts as a failure.
pub const QUAKE_TIMEOUT: Duration = Duration::from_secs(300);
/// How often the sampler reads the server's RSS within an interval (for its floor).
pub const RSS_PROBE: Duration = Duration::from_secs(1);
/// Descriptions of failures kept for the report (the count is always exact).
const MAX_FAILURE_NOTES: usize = 20;

/// One sampling interval.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sample {
    /// Seconds since the load started, at the end of the interval.
    pub t_s: f64,
    /// Requests answered in the interval (SSE connections count once each).
    pub requests: u64,
    pub failures: u64,
    pub p99_ms: f64,
    /// The server's resident set (VmRSS) at the end of the interval, MB.
    pub rss_mb: f64,
    /// The lowest resident set read during the interval (every [`RSS_PROBE`]), MB: what the
    /// server holds between pieces of work. A quake run or an exercise's hazards in flight at
    /// the sampling instant add tens of MB that are given back once done; the floor is what
    /// stays.
    pub rss_floor_mb: f64,
    /// The server's open file descriptors (/proc/PID/fd entries).
    pub open_fds: usize,
    /// SSE events received in the interval, all subscribers.
    pub sse_events: u64,
    /// Quake runs completed so far.
    pub quake_runs: u64,
    /// Live exercises ended so far.
    pub exercises: u64,
}

/// The whole run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SoakReport {
    pub samples: Vec<Sample>,
    pub requests: u64,
    pub failures: u64,
    /// The first failures, described (method, path, expected and actual status).
    pub failure_notes: Vec<String>,
    /// RSS at the first sample after warm-up, MB (`None` if the run ended before).
    pub rss_after_warmup_mb: Option<f64>,
    /// Growth of RSS from that sample to the last one, percent.
    pub rss_growth_pct: Option<f64>,
    /// The RSS floor of the first interval after warm-up, MB.
    pub rss_floor_after_warmup_mb: Option<f64>,
    /// Growth of the RSS floor from that interval to the last one, percent: the judged figure.
    pub rss_floor_growth_pct: Option<f64>,
}

#[derive(Default)]
struct Interval {
    lat_ms: Vec<f64>,
    requests: u64,
    failures: u64,
    sse_events: u64,
}

#[derive(Default)]
struct Stats {
    cur: Mutex<Interval>,
    requests: AtomicU64,
    failures: AtomicU64,
    quake_runs: AtomicU64,
    exercises: AtomicU64,
    notes: Mutex<Vec<String>>,
}

impl Stats {
    fn ok(&self, ms: f64) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut c = self.cur.lock().unwrap_or_else(|p| p.into_inner());
        c.requests += 1;
        c.lat_ms.push(ms);
    }
    fn fail(&self, note: String) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.failures.fetch_add(1, Ordering::Relaxed);
        {
            let mut c = self.cur.lock().unwrap_or_else(|p| p.into_inner());
            c.requests += 1;
            c.failures += 1;
        }
        tracing::warn!("soak failure: {note}");
        let mut n = self.notes.lock().unwrap_or_else(|p| p.into_inner());
        if n.len() < MAX_FAILURE_NOTES {
            n.push(note);
        }
    }
    /// A request that succeeded but whose latency means nothing (an SSE stream's lifetime).
    fn connected(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.cur.lock().unwrap_or_else(|p| p.into_inner()).requests += 1;
    }
    fn sse(&self, events: u64) {
        let mut c = self.cur.lock().unwrap_or_else(|p| p.into_inner());
        c.sse_events += events;
    }
    fn take(&self) -> Interval {
        std::mem::take(&mut *self.cur.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// One user's keep-alive connection with its bearer token.
struct Client<'a> {
    stats: &'a Stats,
    addr: SocketAddr,
    conn: Option<Conn>,
    auth: Option<String>,
    user: String,
}

impl<'a> Client<'a> {
    fn anon(stats: &'a Stats, addr: SocketAddr) -> Client<'a> {
        Client {
            stats,
            addr,
            conn: None,
            auth: None,
            user: "anonymous".into(),
        }
    }

    /// Logs in with the password, creates an API token with the session and uses it.
    async fn login(
        stats: &'a Stats,
        addr: SocketAddr,
        user: &str,
        password: &str,
    ) -> Result<Client<'a>, BenchError> {
        let setup = |what: &str, e: String| BenchError::Setup(format!("{user}: {what}: {e}"));
        let mut conn = Conn::connect(addr)
            .await
            .map_err(|e| setup("connect", e.to_string()))?;
        let crate::http_client::Session { cookie, csrf } = conn
            .login(user, password)
            .await
            .map_err(|e| setup("session", e))?;
        let body = json!({"name": "soak"}).to_string();
        let r = conn
            .request(
                "POST",
                "/api/tokens",
                &[
                    ("Content-Type", "application/json"),
                    ("Cookie", &cookie),
                    ("X-CSRF-Token", &csrf),
                ],
                Some(body.as_bytes()),
            )
            .await
            .map_err(|e| setup("token", e.to_string()))?;
        let token = r.json()["token"].as_str().map(str::to_string);
        let Some(token) = token.filter(|_| r.status == 201) else {
            return Err(setup("token", format!("status {}: {}", r.status, r.text())));
        };
        Ok(Client {
            stats,
            addr,
            conn: Some(conn),
            auth: Some(format!("Bearer {token}")),
            user: user.to_string(),
        })
    }

    /// One request; `Some(body)` when the status is `want`, else a recorded failure.
    async fn call(
        &mut self,
        method: &str,
        path: &str,
        body: Option<Value>,
        exercise: Option<i64>,
        want: u16,
    ) -> Option<Value> {
        let body = body.map(|b| b.to_string());
        let ex = exercise.map(|x| x.to_string());
        let mut headers: Vec<(&str, &str)> = Vec::with_capacity(3);
        if let Some(a) = &self.auth {
            headers.push(("Authorization", a));
        }
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        if let Some(x) = &ex {
            headers.push(("Forewarn-Exercise", x));
        }
        let t = Instant::now();
        let conn = match self.conn.take() {
            Some(c) => Ok(c),
            None => Conn::connect(self.addr).await,
        };
        let result = match conn {
            Ok(mut c) => {
                let r = c
                    .request(method, path, &headers, body.as_deref().map(str::as_bytes))
                    .await;
                if r.is_ok() {
                    self.conn = Some(c);
                }
                r
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(r) if r.status == want => {
                self.stats.ok(t.elapsed().as_secs_f64() * 1e3);
                Some(if r.body.is_empty() {
                    Value::Null
                } else {
                    serde_json::from_slice(&r.body).unwrap_or_else(|_| Value::String(r.text()))
                })
            }
            Ok(r) => {
                let text: String = r.text().chars().take(300).collect();
                self.stats.fail(format!(
                    "{} {method} {path}: expected {want}, got {}: {text}",
                    self.user, r.status
                ));
                None
            }
            Err(e) => {
                self.stats.fail(format!(
                    "{} {method} {path}: transport error: {e}",
                    self.user
                ));
                None
            }
        }
    }
}

fn id_of(v: &Value) -> Option<i64> {
    v["id"].as_i64()
}

/// The server's resident set in MB and its open file descriptors.
pub fn process_usage(pid: u32) -> Result<(f64, usize), String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("reading /proc/{pid}/status: {e}"))?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no VmRSS in /proc/{pid}/status: the server has exited"))?;
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map_err(|e| format!("reading /proc/{pid}/fd: {e}"))?
        .count();
    Ok((kb / 1024.0, fds))
}

const READ_PATHS: [&str; 12] = [
    "/api/me",
    "/api/incidents",
    "/api/alerts",
    "/api/alerts?status=draft",
    "/api/requests",
    "/api/offers",
    "/api/sitreps",
    "/api/activity?limit=50",
    "/api/exercises",
    "/api/orgs",
    "/api/health",
    "/feeds/index.json",
];

async fn reader(mut c: Client<'_>, deadline: Instant) {
    let mut i = 0usize;
    while Instant::now() < deadline {
        let path = READ_PATHS[i % READ_PATHS.len()];
        c.call("GET", path, None, None, 200).await;
        i += 1;
        tokio::time::sleep(READ_PAUSE).await;
    }
}

/// Sitreps and the request -> offer -> accept -> deploy -> release -> close cycle between
/// two organisations.
async fn writer(n: usize, mut req: Client<'_>, mut off: Client<'_>, deadline: Instant) {
    let mut i = 0u64;
    let pause = || tokio::time::sleep(WRITE_PAUSE);
    while Instant::now() < deadline {
        i += 1;
        let sitrep =
            json!({"title": format!("soak {n}-{i}"), "body": "soak test situation report"});
        req.call("POST", "/api/sitreps", Some(sitrep), None, 201)
            .await;
        pause().await;
        let r = json!({"title": format!("soak tents {n}-{i}"), "resource_type": "shelter",
            "quantity": 10, "unit": "tent"});
        let Some(rid) = req
            .call("POST", "/api/requests", Some(r), None, 201)
            .await
            .as_ref()
            .and_then(id_of)
        else {
            pause().await;
            continue;
        };
        pause().await;
        let offer = json!({"quantity": 5, "eta_hours": 12});
        let oid = off
            .call(
                "POST",
                &format!("/api/requests/{rid}/offers"),
                Some(offer),
                None,
                201,
            )
            .await
            .as_ref()
            .and_then(id_of);
        pause().await;
        if let Some(oid) = oid {
            // Accept (requester), report en route (offerer), release (requester).
            let steps = [
                (true, "accept", json!({})),
                (false, "status", json!({"deploy_status": "en_route"})),
                (true, "release", json!({})),
            ];
            for (by_requester, step, body) in steps {
                let c = if by_requester { &mut req } else { &mut off };
                let path = format!("/api/offers/{oid}/{step}");
                if c.call("POST", &path, Some(body), None, 200).await.is_none() {
                    break;
                }
                pause().await;
            }
        }
        req.call(
            "POST",
            &format!("/api/requests/{rid}/close"),
            Some(json!({})),
            None,
            200,
        )
        .await;
        pause().await;
    }
}

/// Opens `/api/events`, counts events for [`SSE_HOLD`] (or until the deadline), closes and
/// reconnects.
async fn subscriber(
    stats: &Stats,
    addr: SocketAddr,
    auth: String,
    user: String,
    deadline: Instant,
) {
    while Instant::now() < deadline {
        let hold_end = (Instant::now() + SSE_HOLD).min(deadline);
        match sse_hold(addr, &auth, hold_end, stats).await {
            Ok(()) => stats.connected(),
            Err(e) => {
                stats.fail(format!("{user} GET /api/events: {e}"));
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

async fn sse_hold(
    addr: SocketAddr,
    auth: &str,
    until: Instant,
    stats: &Stats,
) -> Result<(), String> {
    let mut s = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let req = format!(
        "GET /api/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\nAccept: text/event-stream\r\n\r\n"
    );
    s.write_all(req.as_bytes())
        .await
        .map_err(|e| format!("write: {e}"))?;
    let mut buf = vec![0u8; 16 * 1024];
    let mut head = Vec::new();
    // The status line and headers.
    let mut carry = loop {
        let n = tokio::time::timeout(Duration::from_secs(30), s.read(&mut buf))
            .await
            .map_err(|_| "no response head within 30 s".to_string())?
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("connection closed before the response head".into());
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(p) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            let status_line = String::from_utf8_lossy(&head[..p]);
            let status = status_line.split(' ').nth(1).unwrap_or("");
            if status != "200" {
                return Err(format!("expected 200, got {status}"));
            }
            break head.split_off(p + 4);
        }
        if head.len() > 64 * 1024 {
            return Err("response head over 64 KiB".into());
        }
    };
    // Count `event:` lines until the hold ends; the server must keep the stream open.
    loop {
        let mut events = 0u64;
        while let Some(p) = carry.iter().position(|&b| b == b'\n') {
            if carry[..p].starts_with(b"event:") {
                events += 1;
            }
            carry.drain(..=p);
        }
        stats.sse(events);
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Err(_) => return Ok(()),
            Ok(Ok(0)) => return Err("the server closed the stream".into()),
            Ok(Ok(n)) => carry.extend_from_slice(&buf[..n]),
            Ok(Err(e)) => return Err(format!("read: {e}")),
        }
        if carry.len() > 1024 * 1024 {
            return Err("an SSE line over 1 MiB".into());
        }
    }
}

/// A small quake run every `every`: create, wait for completion, read its layers, draft an
/// alert from its CAP proposal, approve, publish, fetch the published CAP and the feed, close.
async fn quakes(
    stats: &Stats,
    mut duty: Client<'_>,
    mut appr: Client<'_>,
    mut anon: Client<'_>,
    every: Duration,
    deadline: Instant,
) {
    let mut i = 0u64;
    while Instant::now() < deadline {
        let next = Instant::now() + every;
        i += 1;
        // Small and in the region: M5.0 near Muzaffarabad, medians only.
        let inc = json!({"title": format!("soak quake {i}"), "quake": {"lat": 34.4, "lon": 73.5,
            "depth_km": 10.0, "mag": 5.0, "realizations": 0}});
        if let Some(id) = duty
            .call("POST", "/api/incidents", Some(inc), None, 202)
            .await
            .as_ref()
            .and_then(id_of)
        {
            quake_cycle(stats, &mut duty, &mut appr, &mut anon, id).await;
        }
        let wait = next.min(deadline).saturating_duration_since(Instant::now());
        tokio::time::sleep(wait).await;
    }
}

async fn quake_cycle(
    stats: &Stats,
    duty: &mut Client<'_>,
    appr: &mut Client<'_>,
    anon: &mut Client<'_>,
    id: i64,
) {
    let t0 = Instant::now();
    loop {
        let Some(v) = duty
            .call("GET", &format!("/api/incidents/{id}"), None, None, 200)
            .await
        else {
            return;
        };
        match v["status"].as_str() {
            Some("complete") => break,
            Some("running") if t0.elapsed() < QUAKE_TIMEOUT => {
                tokio::time::sleep(Duration::from_millis(500)).await
            }
            other => {
                stats.fail(format!(
                    "incident {id}: status {other:?} after {:.0} s: {}",
                    t0.elapsed().as_secs_f64(),
                    v["error"]
                ));
                return;
            }
        }
    }
    stats.quake_runs.fetch_add(1, Ordering::Relaxed);
    for layer in ["mmi_contours", "settlements"] {
        let path = format!("/api/incidents/{id}/layers/{layer}");
        duty.call("GET", &path, None, None, 200).await;
    }
    let path = format!("/api/incidents/{id}/cap-proposal");
    duty.call("GET", &path, None, None, 200).await;
    let draft = json!({"incident_id": id});
    if let Some(aid) = duty
        .call("POST", "/api/alerts", Some(draft), None, 201)
        .await
        .as_ref()
        .and_then(id_of)
    {
        let approve = format!("/api/alerts/{aid}/approve");
        let publish = format!("/api/alerts/{aid}/publish");
        if appr
            .call("POST", &approve, Some(json!({})), None, 200)
            .await
            .is_some()
            && duty
                .call("POST", &publish, Some(json!({})), None, 200)
                .await
                .is_some()
        {
            anon.call("GET", &format!("/cap/{aid}.xml"), None, None, 200)
                .await;
            anon.call("GET", "/feeds/pk.atom?lang=en", None, None, 200)
                .await;
        }
    }
    let close = format!("/api/incidents/{id}/close");
    duty.call("POST", &close, Some(json!({})), None, 200).await;
}

/// The Pamir exercise, over and over: the regional centre directs, Tajikistan and
/// Kyrgyzstan play (bots play the other teams), each player acknowledges its injects and
/// writes a situation report inside the exercise; ended after [`EXERCISE_CYCLE`].
async fn exercises(
    stats: &Stats,
    mut dir: Client<'_>,
    mut players: Vec<Client<'_>>,
    deadline: Instant,
) {
    while Instant::now() < deadline {
        let plan = json!({"scenario": "exercise-pamir.toml", "bots": true,
            "human_teams": ["tj-coes", "kg-mchs"], "speed": "x60"});
        let Some(id) = dir
            .call("POST", "/api/exercises", Some(plan), None, 201)
            .await
            .as_ref()
            .and_then(id_of)
        else {
            tokio::time::sleep(Duration::from_secs(5)).await;
            continue;
        };
        let control = format!("/api/exercises/{id}/control");
        let start = json!({"op": "start"});
        if dir
            .call("POST", &control, Some(start), None, 200)
            .await
            .is_none()
        {
            continue;
        }
        let cycle_end = (Instant::now() + EXERCISE_CYCLE).min(deadline);
        let mut acked: BTreeSet<(usize, String)> = BTreeSet::new();
        let mut round = 0u64;
        while Instant::now() < cycle_end {
            round += 1;
            for (p, c) in players.iter_mut().enumerate() {
                let path = format!("/api/exercises/{id}/injects");
                let Some(v) = c.call("GET", &path, None, None, 200).await else {
                    continue;
                };
                let new: Vec<String> = v["items"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|i| i["acknowledged"] == false)
                    .filter_map(|i| i["inject"].as_str().map(str::to_string))
                    .filter(|i| !acked.contains(&(p, i.clone())))
                    .collect();
                for inject in new {
                    let ack = json!({"inject": inject});
                    let path = format!("/api/exercises/{id}/acknowledge");
                    if c.call("POST", &path, Some(ack), None, 200).await.is_some() {
                        acked.insert((p, inject));
                    }
                }
                let sitrep = json!({"title": format!("exercise sitrep {round}"),
                    "body": "soak test, inside the exercise"});
                c.call("POST", "/api/sitreps", Some(sitrep), Some(id), 201)
                    .await;
                c.call("GET", "/api/sitreps", None, Some(id), 200).await;
            }
            dir.call("GET", &format!("/api/exercises/{id}"), None, None, 200)
                .await;
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        let end = json!({"op": "end"});
        if dir
            .call("POST", &control, Some(end), None, 200)
            .await
            .is_some()
        {
            stats.exercises.fetch_add(1, Ordering::Relaxed);
            dir.call(
                "GET",
                &format!("/api/exercises/{id}/report"),
                None,
                None,
                200,
            )
            .await;
            dir.call(
                "GET",
                &format!("/api/exercises/{id}/metrics"),
                None,
                None,
                200,
            )
            .await;
        }
    }
}

/// Runs the soak against `cfg.addr`; `on_sample` gets each sample as it is taken.
pub async fn run_async(
    cfg: &SoakConfig,
    on_sample: &mut (dyn FnMut(&Sample) + Send),
) -> Result<SoakReport, BenchError> {
    let stats = Stats::default();
    let addr = cfg.addr;
    let pw = cfg.password.as_str();
    let login = |u: &'static str| Client::login(&stats, addr, u, pw);
    // Fail before the load if the server is not measurable.
    process_usage(cfg.server_pid).map_err(BenchError::Setup)?;

    let mut readers = Vec::new();
    let reader_users = ["pk.viewer", "kz.duty", "rc.coordinator", "cn.approver"];
    for i in 0..cfg.readers {
        readers.push(login(reader_users[i % reader_users.len()]).await?);
    }
    let pairs = [
        ("pk.duty", "kz.duty"),
        ("in.duty", "cn.duty"),
        ("ru.duty", "uz.duty"),
    ];
    let mut writers = Vec::new();
    for i in 0..cfg.writers {
        let (a, b) = pairs[i % pairs.len()];
        writers.push((login(a).await?, login(b).await?));
    }
    let sub_users = ["pk.viewer", "kz.viewer", "rc.coordinator", "tj.viewer"];
    let mut subs = Vec::new();
    for i in 0..cfg.subscribers {
        let u = sub_users[i % sub_users.len()];
        let c = login(u).await?;
        subs.push((c.auth.unwrap_or_default(), c.user));
    }
    let q_duty = login("pk.duty").await?;
    let q_appr = login("pk.approver").await?;
    let director = login("rc.coordinator").await?;
    let players = vec![login("tj.duty").await?, login("kg.duty").await?];

    let t0 = Instant::now();
    let deadline = t0 + cfg.duration;
    let load = async {
        let mut all: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>>> =
            Vec::new();
        for c in readers {
            all.push(Box::pin(reader(c, deadline)));
        }
        for (n, (a, b)) in writers.into_iter().enumerate() {
            all.push(Box::pin(writer(n, a, b, deadline)));
        }
        for (auth, user) in subs {
            all.push(Box::pin(subscriber(&stats, addr, auth, user, deadline)));
        }
        let anon = Client::anon(&stats, addr);
        all.push(Box::pin(quakes(
            &stats,
            q_duty,
            q_appr,
            anon,
            cfg.quake_every,
            deadline,
        )));
        all.push(Box::pin(exercises(&stats, director, players, deadline)));
        futures_util::future::join_all(all).await;
    };
    let sampler = async {
        let mut samples = Vec::new();
        let mut next = t0 + cfg.sample_every;
        let mut last = false;
        loop {
            let at = if next >= deadline {
                last = true;
                deadline
            } else {
                next
            };
            let mut floor_mb = f64::INFINITY;
            loop {
                let probe = std::time::Instant::now() + RSS_PROBE;
                if probe >= at {
                    break;
                }
                tokio::time::sleep_until(probe.into()).await;
                match process_usage(cfg.server_pid) {
                    Ok((mb, _)) => floor_mb = floor_mb.min(mb),
                    Err(e) => {
                        stats.fail(format!("server process: {e}"));
                        return samples;
                    }
                }
            }
            tokio::time::sleep_until(at.into()).await;
            let iv = stats.take();
            let (rss_mb, open_fds) = match process_usage(cfg.server_pid) {
                Ok(u) => u,
                Err(e) => {
                    stats.fail(format!("server process: {e}"));
                    return samples;
                }
            };
            let floor_mb = floor_mb.min(rss_mb);
            let mut lat = iv.lat_ms;
            lat.sort_by(f64::total_cmp);
            let s = Sample {
                t_s: (t0.elapsed().as_secs_f64() * 10.0).round() / 10.0,
                requests: iv.requests,
                failures: iv.failures,
                p99_ms: (pct(&lat, 0.99) * 10.0).round() / 10.0,
                rss_mb: (rss_mb * 10.0).round() / 10.0,
                rss_floor_mb: (floor_mb * 10.0).round() / 10.0,
                open_fds,
                sse_events: iv.sse_events,
                quake_runs: stats.quake_runs.load(Ordering::Relaxed),
                exercises: stats.exercises.load(Ordering::Relaxed),
            };
            on_sample(&s);
            samples.push(s);
            if last {
                return samples;
            }
            next += cfg.sample_every;
        }
    };
    // The sampler stops at the deadline; requests still in flight then finish (and count).
    let ((), samples) = tokio::join!(load, sampler);
    let first_warm = samples.iter().find(|s| s.t_s >= cfg.warmup.as_secs_f64());
    let growth_pct =
        |from: f64, to: f64| (from > 0.0).then(|| ((to - from) / from * 1000.0).round() / 10.0);
    let warm = first_warm.map(|s| s.rss_mb);
    let growth = match (warm, samples.last()) {
        (Some(w), Some(l)) => growth_pct(w, l.rss_mb),
        _ => None,
    };
    let warm_floor = first_warm.map(|s| s.rss_floor_mb);
    let floor_growth = match (warm_floor, samples.last()) {
        (Some(w), Some(l)) => growth_pct(w, l.rss_floor_mb),
        _ => None,
    };
    let notes = stats
        .notes
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    Ok(SoakReport {
        samples,
        requests: stats.requests.load(Ordering::Relaxed),
        failures: stats.failures.load(Ordering::Relaxed),
        failure_notes: notes,
        rss_after_warmup_mb: warm,
        rss_growth_pct: growth,
        rss_floor_after_warmup_mb: warm_floor,
        rss_floor_growth_pct: floor_growth,
    })
}

/// [`run_async`] on its own multi-threaded runtime.
pub fn run(
    cfg: &SoakConfig,
    on_sample: &mut (dyn FnMut(&Sample) + Send),
) -> Result<SoakReport, BenchError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| BenchError::Setup(e.to_string()))?;
    rt.block_on(run_async(cfg, on_sample))
}
