//! `forewarn bench cluster`: several `forewarn serve` nodes on one PostgreSQL (docs/deploy.md).
//!
//! 1. Journaled writes/s and latency with 1, 2 and 3 nodes (in this process, each node with its
//!    own store and listener; `forewarn_server::bench::run_cluster`).
//! 2. Failover of the watch: two `serve --watch` child processes polling a local feed; the
//!    polling one is killed (SIGKILL) and the time until the other polls is measured.
//! 3. Failover of a run: an incident run on one child process, which is killed; the times until
//!    another node takes the run over and until it completes there are measured.
//! 4. Failover of a live exercise: the node driving it is killed; the time until the other
//!    node has rebuilt it from the journal and serves its live views is measured.

use super::server_child::{ServerChild, start_node};
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// One HTTP/1.1 request on a fresh connection (blocking): status, headers and body.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Result<(u16, String, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.unwrap_or("");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes())?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").context("incomplete response")?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .context("bad status line")?;
    Ok((status, head.to_string(), rest.to_string()))
}

/// A bearer token of the demo's Pakistani duty officer on node `addr`.
fn token(addr: SocketAddr) -> Result<String> {
    token_as(addr, "pk.duty")
}

/// A bearer token of demo user `user` on node `addr`.
fn token_as(addr: SocketAddr, user: &str) -> Result<String> {
    let (s, head, b) = http(
        addr,
        "POST",
        "/api/login",
        &[("Content-Type", "application/json")],
        Some(&json!({"username": user, "password": "forewarn-demo"}).to_string()),
    )?;
    if s != 200 {
        bail!("login: HTTP {s} {b}");
    }
    let csrf = serde_json::from_str::<Value>(&b)?["csrf_token"]
        .as_str()
        .context("no csrf_token")?
        .to_string();
    let cookie = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, v)| {
            v.trim()
                .split(';')
                .next()
                .filter(|c| c.starts_with("fw_session="))
        })
        .context("no session cookie")?
        .to_string();
    let (s, _, b) = http(
        addr,
        "POST",
        "/api/tokens",
        &[
            ("Content-Type", "application/json"),
            ("Cookie", &cookie),
            ("X-CSRF-Token", &csrf),
        ],
        Some(r#"{"name": "bench cluster"}"#),
    )?;
    if s != 201 {
        bail!("token: HTTP {s} {b}");
    }
    serde_json::from_str::<Value>(&b)?["token"]
        .as_str()
        .map(|t| format!("Bearer {t}"))
        .context("no token in the answer")
}

fn call(
    addr: SocketAddr,
    auth: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Result<Value> {
    let b = body.map(|v| v.to_string());
    let (s, _, text) = http(
        addr,
        method,
        path,
        &[
            ("Authorization", auth),
            ("Content-Type", "application/json"),
        ],
        b.as_deref(),
    )?;
    if !(200..300).contains(&s) {
        bail!("{method} {path}: HTTP {s} {text}");
    }
    Ok(serde_json::from_str(&text)?)
}

/// Waits until `f` gives a value, at most `limit`; the value and the time it took.
fn until<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<(T, Duration)> {
    let t0 = Instant::now();
    while t0.elapsed() < limit {
        if let Some(v) = f() {
            return Some((v, t0.elapsed()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// Two nodes with `--watch`; kill the polling one; seconds until the other polls.
fn watch_failover(url: &str, dir: &std::path::Path) -> Result<f64> {
    let (feed, _) = forewarn_server::bench::feed::serve()?;
    let toml = dir.join("watch.toml");
    std::fs::write(&toml, forewarn_server::bench::feed::watch_toml(feed))?;
    let args = ["--watch".into(), toml.clone().into_os_string()];
    let mut nodes: Vec<(ServerChild, SocketAddr)> = vec![
        start_node(None, Some(url), &args)?,
        start_node(None, Some(url), &args)?,
    ];
    let auth = token(nodes[0].1)?;
    let state = |addr: SocketAddr| -> Option<(String, String)> {
        let v = call(addr, &auth, "GET", "/api/watch/sources", None).ok()?;
        Some((
            v["polling_node"].as_str()?.to_string(),
            v["this_node"].as_str()?.to_string(),
        ))
    };
    let ((leader, _), _) = until(Duration::from_secs(30), || state(nodes[0].1))
        .context("no node took the watch lease within 30 s")?;
    let mut which = None;
    for (i, n) in nodes.iter().enumerate() {
        if state(n.1).is_some_and(|(_, me)| me == leader) {
            which = Some(i);
        }
    }
    let i = which.context("the polling node is not one of the two")?;
    let (mut dead, _) = nodes.remove(i);
    let survivor = nodes[0].1;
    dead.child.kill()?;
    let _ = dead.child.wait();
    let (_, took) = until(Duration::from_secs(60), || {
        state(survivor).filter(|(p, me)| p == me)
    })
    .context("the surviving node did not take over the watch within 60 s")?;
    Ok(took.as_secs_f64())
}

/// Two nodes; a long run taken by one of them, which is killed; seconds until the other has
/// taken it over and until it has completed there.
fn run_failover(url: &str) -> Result<(f64, f64)> {
    let a = start_node(None, Some(url), &[])?;
    let b = start_node(None, Some(url), &[])?;
    let auth = token(a.1)?;
    let inc = call(
        a.1,
        &auth,
        "POST",
        "/api/incidents",
        Some(
            json!({"title": "bench cluster: a long run", "quake": {"lat": 34.49, "lon": 73.63, "depth_km": 15, "mag": 7.8, "realizations": 200}}),
        ),
    )?;
    let id = inc["id"].as_i64().context("no incident id")?;
    let path = format!("/api/incidents/{id}");
    // The node that took the run from the queue (its name holds its process id).
    let (holder, _) = until(Duration::from_secs(60), || {
        let v = call(a.1, &auth, "GET", &path, None).ok()?;
        v["started_at"].as_str()?;
        v["node"].as_str()?.rsplit(':').nth(1)?.parse::<u32>().ok()
    })
    .context("the run did not start within 60 s")?;
    let (mut dead, survivor) = if a.0.child.id() == holder {
        (a, b)
    } else {
        (b, a)
    };
    dead.0.child.kill()?;
    let _ = dead.0.child.wait();
    let t0 = Instant::now();
    until(Duration::from_secs(60), || {
        let v = call(survivor.1, &auth, "GET", &path, None).ok()?;
        (v["takeovers"] == 1).then_some(())
    })
    .context("the killed node's run was not taken over within 60 s")?;
    let taken = t0.elapsed().as_secs_f64();
    until(Duration::from_secs(300), || {
        let v = call(survivor.1, &auth, "GET", &path, None).ok()?;
        (v["status"] == "complete").then_some(())
    })
    .context("the run taken over did not complete within 300 s")?;
    Ok((taken, t0.elapsed().as_secs_f64()))
}

/// Two nodes; a live exercise driven by one, which is killed; seconds until the other serves
/// the exercise's live views (rebuilt from the journal), and the records it had journaled.
fn exercise_failover(url: &str) -> Result<(f64, usize)> {
    let a = start_node(None, Some(url), &[])?;
    let b = start_node(None, Some(url), &[])?;
    let rc = token_as(a.1, "rc.coordinator")?;
    let x = call(
        a.1,
        &rc,
        "POST",
        "/api/exercises",
        Some(
            json!({"scenario": "exercise-pamir.toml", "seed": 7, "bots": true,
                    "human_teams": ["tj-coes"], "speed": "x60"}),
        ),
    )?;
    let id = x["id"].as_i64().context("no exercise id")?;
    call(
        a.1,
        &rc,
        "POST",
        &format!("/api/exercises/{id}/control"),
        Some(json!({"op": "start"})),
    )?;
    // Let it run a little (a minute of scenario time a second).
    std::thread::sleep(Duration::from_secs(5));
    let path = format!("/api/exercises/{id}/msel");
    let (mut dead, survivor) = (a, b);
    dead.0.child.kill()?;
    let _ = dead.0.child.wait();
    let t0 = Instant::now();
    until(Duration::from_secs(60), || {
        call(survivor.1, &rc, "GET", &path, None).ok()
    })
    .context("the exercise was not resumed within 60 s")?;
    let took = t0.elapsed().as_secs_f64();
    let v = call(
        survivor.1,
        &rc,
        "GET",
        &format!("/api/exercises/{id}"),
        None,
    )?;
    Ok((took, v["t_s"].as_i64().unwrap_or(0) as usize))
}

pub fn run(seconds: f64, clients: usize) -> Result<()> {
    println!("forewarn bench cluster: {}", super::machine());
    println!(
        "  writes: closed loop, {clients} clients spread over the nodes in turn, each POSTing journaled situation reports with a bearer token, {seconds} s per case; nodes in this process, each with its own store (pool, write batch, journal tailer) and listener, on one temporary PostgreSQL"
    );
    for f in forewarn_server::bench::run_cluster(seconds, clients)? {
        println!("  {} node(s): {}", f.nodes, super::write_figures(&f));
    }
    let pg = forewarn_server::bench::TempPostgres::start().context("PostgreSQL")?;
    let dir = tempfile::tempdir()?;
    let url = pg.create_database("failover_watch")?;
    let w = watch_failover(&url, dir.path())?;
    println!(
        "  failover of the watch: SIGKILL of the polling node (of 2), the other polls after {w:.1} s (lease 10 s, renewed every 2 s)"
    );
    let url = pg.create_database("failover_run")?;
    let (taken, done) = run_failover(&url)?;
    println!(
        "  failover of a run: SIGKILL of the node running an incident (M7.8, 200 realisations; of 2), the other takes it over after {taken:.1} s (job lease 10 s, renewed every 2 s; free jobs looked for every 1 s) and completes it {done:.1} s after the kill"
    );
    let url = pg.create_database("failover_exercise")?;
    let (took, t_s) = exercise_failover(&url)?;
    println!(
        "  failover of a live exercise: SIGKILL of the node driving the Pamir exercise (x60, bots; of 2), the other serves it again after {took:.1} s (heartbeat 3 s, checked every 0.5 s, then the hazards recomputed and the inputs replayed); scenario time T+{t_s} s when read"
    );
    println!(
        "  note: all nodes and PostgreSQL share this machine's cores, so more nodes cannot add write capacity here: the figures show what the cross-node journal (one write lock, NOTIFY, per-node tailers) costs, not how a cluster of machines scales"
    );
    Ok(())
}
