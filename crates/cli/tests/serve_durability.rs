//! Durability of `forewarn serve`: SIGKILL the real binary during a burst of concurrent
//! POSTs, restart it on the same SQLite file, and check that every acknowledged (2xx) write
//! is present exactly once; then retry the unacknowledged ones with their Idempotency-Keys and
//! check that nothing is duplicated. A live exercise is resumed where it was after such a
//! restart.

mod node;
use node::{get_json, http, post_json, post_json_with, start, tj_injects, token, token_as};
use serde_json::{Value, json};
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn titles(addr: SocketAddr, auth: &str) -> Vec<String> {
    // Lists come in pages of at most 500; follow `next` to the end.
    let mut out = Vec::new();
    let mut path = "/api/sitreps?limit=500".to_string();
    loop {
        let (s, b) = http(addr, "GET", &path, &[("Authorization", auth)], None).unwrap();
        assert_eq!(s, 200, "{b}");
        let v: Value = serde_json::from_str(&b).unwrap();
        out.extend(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["title"].as_str().unwrap().to_string())
                .filter(|t| t.starts_with("burst ")),
        );
        match v["next"].as_str() {
            Some(next) => path = next.to_string(),
            None => return out,
        }
    }
}

#[test]
fn sigkill_during_concurrent_posts_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("durability.db").display().to_string();
    let web = dir.path().display().to_string();
    let mut server = start(&db, &web);
    let auth = format!("Bearer {}", token(server.addr));

    const THREADS: usize = 16;
    const PER_THREAD: usize = 55;
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let unacked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut handles = Vec::new();
    for t in 0..THREADS {
        let (acked, unacked, stop, auth, addr) = (
            acked.clone(),
            unacked.clone(),
            stop.clone(),
            auth.clone(),
            server.addr,
        );
        handles.push(std::thread::spawn(move || {
            for i in 0..PER_THREAD {
                let title = format!("burst {t}-{i}");
                if stop.load(Ordering::Relaxed) {
                    unacked.lock().unwrap().push(title);
                    continue;
                }
                let body = json!({"title": title, "body": "durability"}).to_string();
                match http(
                    addr,
                    "POST",
                    "/api/sitreps",
                    &[
                        ("Authorization", &auth),
                        ("Content-Type", "application/json"),
                        ("Idempotency-Key", &title.replace(' ', "-")),
                    ],
                    Some(&body),
                ) {
                    Ok((201, _)) => acked.lock().unwrap().push(title),
                    _ => {
                        stop.store(true, Ordering::Relaxed);
                        unacked.lock().unwrap().push(title);
                    }
                }
            }
        }));
    }
    // Kill mid-burst: once a few dozen writes are acknowledged.
    let t0 = Instant::now();
    while acked.lock().unwrap().len() < 60 && t0.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(2));
    }
    server.child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix
    let _ = server.child.wait();
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let unacked = unacked.lock().unwrap().clone();
    assert!(
        acked.len() >= 60,
        "burst too short: {} acknowledged",
        acked.len()
    );
    assert!(
        !unacked.is_empty(),
        "the kill came after the burst ended; nothing was in flight"
    );
    assert_eq!(acked.len() + unacked.len(), THREADS * PER_THREAD);
    eprintln!(
        "killed with {} writes acknowledged and {} not",
        acked.len(),
        unacked.len()
    );

    let mut server = start(&db, &web);
    let after = titles(server.addr, &auth);
    for t in &acked {
        assert_eq!(
            after.iter().filter(|x| *x == t).count(),
            1,
            "acknowledged write '{t}' must be present exactly once"
        );
    }
    eprintln!(
        "after restart: {} present ({} committed without an acknowledgement)",
        after.len(),
        after.len() - acked.len()
    );
    let mut sorted = after.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), after.len(), "no duplicates after the crash");

    // Retry everything not acknowledged with the same keys (some may have committed before the
    // kill without their response arriving): each title must end up exactly once.
    for t in &unacked {
        let body = json!({"title": t, "body": "durability"}).to_string();
        let (s, b) = http(
            server.addr,
            "POST",
            "/api/sitreps",
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
                ("Idempotency-Key", &t.replace(' ', "-")),
            ],
            Some(&body),
        )
        .unwrap();
        assert_eq!(s, 201, "{b}");
    }
    let fin = titles(server.addr, &auth);
    assert_eq!(fin.len(), THREADS * PER_THREAD);
    let mut sorted = fin.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        sorted.len(),
        THREADS * PER_THREAD,
        "each write exactly once"
    );

    // The journal agrees with the projection: one sitrep.created entry per sitrep.
    let (s, b) = http(
        server.addr,
        "GET",
        "/api/activity?limit=1000",
        &[("Authorization", &auth)],
        None,
    )
    .unwrap();
    assert_eq!(s, 200);
    let v: Value = serde_json::from_str(&b).unwrap();
    let created = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["kind"] == "sitrep.created"
                && e["payload"]["title"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("burst "))
        })
        .count();
    assert_eq!(created, THREADS * PER_THREAD);
    server.child.kill().ok();
    let _ = server.child.wait();
}

/// A client that asks for a large response and hangs up without reading it must cost the
/// server that one connection, not the process (it died of SIGPIPE when the CLI restored the
/// default SIGPIPE action for every command).
#[test]
fn clients_that_hang_up_mid_response_do_not_kill_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hangup.db").display().to_string();
    let web = dir.path().display().to_string();
    let mut server = start(&db, &web);
    for _ in 0..12 {
        let mut s = TcpStream::connect_timeout(&server.addr, Duration::from_secs(2)).unwrap();
        let req = format!(
            "GET /api/region/settlements.geojson?min_population=0 HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            server.addr
        );
        s.write_all(req.as_bytes()).unwrap();
        std::thread::sleep(Duration::from_millis(150));
        drop(s);
    }
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server exited after clients hung up"
    );
    let (status, _) = http(server.addr, "GET", "/api/health", &[], None).unwrap();
    assert_eq!(status, 200);
    let _ = server.child.kill();
    let _ = server.child.wait();
}

/// SIGKILL of the one process on a SQLite file with a live exercise: the restarted process
/// rebuilds the exercise from the journal and runs it on (it used to mark it interrupted).
#[test]
fn a_live_exercise_resumes_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db").display().to_string();
    let web = dir.path().display().to_string();
    let first = start(&db, &web);
    let rc = format!("Bearer {}", token_as(first.addr, "rc.coordinator"));
    let tj = format!("Bearer {}", token_as(first.addr, "tj.duty"));
    let (s, x) = post_json(
        first.addr,
        &rc,
        "/api/exercises",
        &json!({"scenario": "exercise-pamir.toml", "seed": 3, "bots": true,
                "human_teams": ["tj-coes"], "speed": "x60"}),
    );
    assert_eq!(s, 201, "{x}");
    let id = x["id"].as_i64().unwrap();
    let (s, v) = post_json(
        first.addr,
        &rc,
        &format!("/api/exercises/{id}/control"),
        &json!({"op": "start"}),
    );
    assert_eq!(s, 200, "{v}");
    let hdr = id.to_string();
    let (s, v) = post_json_with(
        first.addr,
        &tj,
        "/api/sitreps",
        &json!({"title": "Before the restart", "body": "Bridge at Khorog closed."}),
        &[("Forewarn-Exercise", &hdr)],
    );
    assert_eq!(s, 201, "{v}");
    let t0 = Instant::now();
    let before = loop {
        let got = tj_injects(first.addr, &tj, id).unwrap();
        if got.len() >= 2 {
            break got;
        }
        assert!(t0.elapsed() < Duration::from_secs(120), "{got:?}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let mut first = first;
    first.child.kill().unwrap();
    let _ = first.child.wait();
    let again = start(&db, &web);
    let t_restart = Instant::now();
    let resumed = loop {
        if let Some(got) = tj_injects(again.addr, &tj, id) {
            break got;
        }
        assert!(t_restart.elapsed() < Duration::from_secs(60), "not resumed");
        std::thread::sleep(Duration::from_millis(100));
    };
    eprintln!(
        "resumed {:?} after the restarted server answered",
        t_restart.elapsed()
    );
    for i in &before {
        assert!(resumed.contains(i), "{i} lost: {resumed:?}");
    }
    let (_, v) = get_json(again.addr, &rc, &format!("/api/exercises/{id}"));
    assert_eq!(v["status"], "running", "{v}");
    let (s, v) = post_json_with(
        again.addr,
        &tj,
        "/api/sitreps",
        &json!({"title": "After the restart", "body": "Bridge reopened for one lane."}),
        &[("Forewarn-Exercise", &hdr)],
    );
    assert_eq!(s, 201, "{v}");
}
