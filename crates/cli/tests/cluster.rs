//! Several `forewarn serve` nodes on one PostgreSQL database (issue 15): any node serves any
//! request, and a write on one node reaches the live event stream of every other node within
//! a second; a client that reconnects to another node with `Last-Event-ID` misses nothing; the
//! watch polls on one node and another takes over when that one is killed.

mod node;
use node::{
    EventStream, Server, get_json_with, post_json, post_json_with, start, start_with, tj_injects,
    token, token_as,
};
use serde_json::json;
use std::time::{Duration, Instant};

/// Nodes on one temporary PostgreSQL database.
struct Cluster {
    pg: forewarn_store::pg_temp::TempPostgres,
    /// The database's URL.
    url: String,
    nodes: Vec<Server>,
    dir: tempfile::TempDir,
}

impl Cluster {
    /// Starts one more node.
    fn join(&mut self) -> std::net::SocketAddr {
        self.join_with(&[])
    }
    /// Starts one more node with more `forewarn serve` arguments.
    fn join_with(&mut self, extra: &[&str]) -> std::net::SocketAddr {
        let web = self.dir.path().display().to_string();
        self.nodes.push(start_with(&self.url, &web, extra));
        self.nodes.last().unwrap().addr
    }
    /// Starts a `forewarn worker` (one run at a time) on the cluster's database.
    fn worker(&self) -> Worker {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_forewarn"))
            .args(["worker", "--db", &self.url, "--slots", "1"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start forewarn worker");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.contains("taking runs"), "{line}");
        Worker { child }
    }
}

/// A `forewarn worker` process, killed when dropped.
struct Worker {
    child: std::process::Child,
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The process id in a node name (`host:pid:start_ms`, as incidents record their node).
fn node_pid(node: &serde_json::Value) -> Option<u32> {
    node.as_str()?.rsplit(':').nth(1)?.parse().ok()
}

/// `n` nodes on one temporary PostgreSQL (None when PostgreSQL is not installed outside CI).
fn cluster(n: usize) -> Option<Cluster> {
    cluster_with(n, &[])
}

/// [`cluster`] with more `forewarn serve` arguments for every node.
fn cluster_with(n: usize, extra: &[&str]) -> Option<Cluster> {
    let pg = forewarn_store::pg_temp::for_tests()?;
    let url = pg.create_database("cluster").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut c = Cluster {
        pg,
        url,
        nodes: Vec::new(),
        dir,
    };
    // One after the other: the first seeds the demo, the others find it.
    for _ in 0..n {
        c.join_with(extra);
    }
    Some(c)
}

#[test]
fn a_write_on_one_node_reaches_the_event_streams_of_the_others() {
    let Some(cl) = cluster(3) else {
        return;
    };
    let (a, b, c) = (cl.nodes[0].addr, cl.nodes[1].addr, cl.nodes[2].addr);
    // A token made on node A serves on B and C (sessions and tokens live in the database).
    let auth = format!("Bearer {}", token(a));
    let mut on_b = EventStream::open(b, &auth, None);
    let mut on_c = EventStream::open(c, &auth, None);
    let mut seqs = Vec::new();
    for i in 0..5 {
        let t0 = Instant::now();
        let (s, v) = post_json(
            a,
            &auth,
            "/api/sitreps",
            &json!({"title": format!("cluster {i}"), "body": "written on node A"}),
        );
        assert_eq!(s, 201, "{v}");
        for (name, stream) in [("B", &mut on_b), ("C", &mut on_c)] {
            let got = stream.until("sitrep.created", Duration::from_secs(1));
            let e = got.last().unwrap();
            assert!(
                e.data.contains(&format!("cluster {i}")),
                "node {name}: {e:?}"
            );
            if name == "B" {
                seqs.push(e.id.expect("journal events carry their sequence number"));
            }
            eprintln!("write {i} on A seen on {name} after {:?}", t0.elapsed());
        }
    }
    // A client of node B that reconnects to node C from the second write's id gets writes 2-4,
    // then the live ones.
    drop(on_b);
    let mut again = EventStream::open(c, &auth, Some(seqs[1]));
    let (s, _) = post_json(
        b,
        &auth,
        "/api/sitreps",
        &json!({"title": "cluster 5", "body": "written on node B"}),
    );
    assert_eq!(s, 201);
    let mut titles = Vec::new();
    while titles.len() < 4 {
        let e = again
            .until("sitrep.created", Duration::from_secs(2))
            .pop()
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&e.data).unwrap();
        titles.push(v["payload"]["title"].as_str().unwrap_or("").to_string());
    }
    assert_eq!(titles, ["cluster 2", "cluster 3", "cluster 4", "cluster 5"]);
    // A run's progress (live, not journaled) on node A reaches node C's stream too.
    let (s, v) = post_json(
        a,
        &auth,
        "/api/incidents",
        &json!({"title": "progress across nodes", "quake": {"lat": 34.49, "lon": 73.63, "depth_km": 15, "mag": 6.5}}),
    );
    assert_eq!(s, 202, "{v}");
    // (The demo's example runs, started by each node, report progress too.)
    let mine = format!("\"incident_id\":{}", v["id"]);
    let t0 = Instant::now();
    loop {
        let e = again
            .until("incident.progress", Duration::from_secs(20))
            .pop()
            .unwrap();
        if e.data.contains(&mine) {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "no progress of {mine}"
        );
    }
}

fn watch_state(addr: std::net::SocketAddr, auth: &str) -> (Option<String>, String) {
    let (s, v) = node::get_json(addr, auth, "/api/watch/sources");
    assert_eq!(s, 200, "{v}");
    (
        v["polling_node"].as_str().map(str::to_string),
        v["this_node"].as_str().unwrap().to_string(),
    )
}

/// Automatic incidents (made by the watch) that the token's organisation sees.
fn automatic_incidents(addr: std::net::SocketAddr, auth: &str) -> usize {
    let (s, v) = node::get_json(addr, auth, "/api/incidents?limit=500");
    assert_eq!(s, 200, "{v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| {
            i["created_by"]
                .as_str()
                .is_some_and(|c| c.contains("watch"))
        })
        .count()
}

#[test]
fn the_watch_polls_on_one_node_and_another_takes_over_when_it_dies() {
    let Some(pg) = forewarn_store::pg_temp::for_tests() else {
        return;
    };
    let url = pg.create_database("watch_cluster").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let web = dir.path().display().to_string();
    let (feed, hits) = forewarn_server::bench::feed::serve().unwrap();
    let toml = dir.path().join("watch.toml");
    std::fs::write(&toml, forewarn_server::bench::feed::watch_toml(feed)).unwrap();
    let args = ["--watch", toml.to_str().unwrap()];
    let mut nodes = vec![
        node::start_with(&url, &web, &args),
        node::start_with(&url, &web, &args),
    ];
    let auth = format!("Bearer {}", token(nodes[0].addr));
    // One automatic incident for Pakistan, made once.
    let t0 = Instant::now();
    while automatic_incidents(nodes[0].addr, &auth) == 0 && t0.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(automatic_incidents(nodes[0].addr, &auth), 1);
    // Both nodes name the same polling node, one of them.
    let (p0, me0) = watch_state(nodes[0].addr, &auth);
    let (p1, me1) = watch_state(nodes[1].addr, &auth);
    assert_eq!(p0, p1);
    let leader = p0.expect("a node polls");
    assert!(
        leader == me0 || leader == me1,
        "{leader} is neither {me0} nor {me1}"
    );
    // One poller: about one request a second, not two.
    let before = hits.load(std::sync::atomic::Ordering::SeqCst);
    std::thread::sleep(Duration::from_secs(5));
    let polls = hits.load(std::sync::atomic::Ordering::SeqCst) - before;
    assert!(
        (3..=7).contains(&polls),
        "{polls} requests in 5 s with poll_s = 1"
    );
    // SIGKILL the polling node: the other takes over within the lease (10 s) plus a renewal.
    let alive = if leader == me0 { 1 } else { 0 };
    let survivor = nodes.remove(alive);
    let mut killed = nodes.remove(0);
    killed.child.kill().unwrap();
    let _ = killed.child.wait();
    let t_kill = Instant::now();
    let mut took_over = None;
    while t_kill.elapsed() < Duration::from_secs(20) {
        let (p, me) = watch_state(survivor.addr, &auth);
        if p.as_deref() == Some(me.as_str()) {
            took_over = Some(t_kill.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let took_over = took_over.expect("the surviving node took over the watch within 20 s");
    eprintln!("watch failover after SIGKILL: {took_over:?}");
    assert!(took_over <= Duration::from_secs(13), "{took_over:?}");
    // It polls (the feed sees requests again) and the same event makes no second incident.
    let before = hits.load(std::sync::atomic::Ordering::SeqCst);
    std::thread::sleep(Duration::from_secs(3));
    assert!(hits.load(std::sync::atomic::Ordering::SeqCst) > before);
    assert_eq!(automatic_incidents(survivor.addr, &auth), 1);
}

/// The restore drill of docs/deploy.md: `pg_dump -Fc` of a live database, `pg_restore` into a
/// fresh one, and a node started on the copy serves the same journal.
#[test]
fn a_restore_from_backup_into_a_fresh_database_serves_the_same_journal() {
    let Some(cl) = cluster(1) else {
        return;
    };
    let (pg, dir) = (&cl.pg, &cl.dir);
    let a = cl.nodes[0].addr;
    let auth = format!("Bearer {}", token(a));
    for i in 0..5 {
        let (s, v) = post_json(
            a,
            &auth,
            "/api/sitreps",
            &json!({"title": format!("before the backup {i}"), "body": "drill"}),
        );
        assert_eq!(s, 201, "{v}");
    }
    // The backup, taken while the node runs.
    let dump = pg
        .tool("pg_dump")
        .args(pg.connection_args())
        .args(["-Fc", "-d", "cluster"])
        .output()
        .unwrap();
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let file = dir.path().join("forewarn.dump");
    std::fs::write(&file, &dump.stdout).unwrap();
    // Restored into a fresh database.
    let url = pg.create_database("restored").unwrap();
    let mut restore = pg
        .tool("pg_restore")
        .args(pg.connection_args())
        .args(["--no-owner", "-d", "restored"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut restore.stdin.take().unwrap(), &dump.stdout).unwrap();
    let out = restore.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let copy = start(&url, &dir.path().display().to_string());
    let journal = |addr| {
        let (s, v) = node::get_json(addr, &auth, "/api/activity?limit=1000");
        assert_eq!(s, 200, "{v}");
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["seq"].as_i64().unwrap(),
                    e["kind"].as_str().unwrap().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    let (live, restored) = (journal(a), journal(copy.addr));
    assert!(live.iter().filter(|(_, k)| k == "sitrep.created").count() >= 5);
    // The copy holds the whole journal as it was; what its own node wrote at start (the demo's
    // example run) comes after.
    let last = live[0].0;
    let copied: Vec<_> = restored.into_iter().filter(|(s, _)| *s <= last).collect();
    assert_eq!(live, copied, "the copy serves the same journal");
}

/// Waits until incident `id`'s run has started; the process id of the node running it.
fn started_by(addr: std::net::SocketAddr, auth: &str, id: i64) -> Option<u32> {
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(60) {
        let (s, v) = node::get_json(addr, auth, &format!("/api/incidents/{id}"));
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["status"], "running", "{v}");
        if v["started_at"].is_string() {
            return node_pid(&v["node"]);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("incident {id} did not start");
}

/// Incident `id`'s journal entry kinds.
fn incident_kinds(addr: std::net::SocketAddr, auth: &str, id: i64) -> Vec<String> {
    let (s, log) = node::get_json(addr, auth, "/api/activity?limit=1000");
    assert_eq!(s, 200);
    log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["record_id"] == id && e["record_type"] == "incident")
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

fn incident_status(addr: std::net::SocketAddr, auth: &str, id: i64) -> String {
    let (s, v) = node::get_json(addr, auth, &format!("/api/incidents/{id}"));
    assert_eq!(s, 200, "{v}");
    v["status"].as_str().unwrap().to_string()
}

#[test]
fn a_joining_node_leaves_live_runs_alone_and_the_run_of_a_killed_node_completes_on_another() {
    let Some(mut cl) = cluster(1) else {
        return;
    };
    let a = cl.nodes[0].addr;
    let auth = format!("Bearer {}", token(a));
    let run = |addr| {
        let (s, v) = post_json(
            addr,
            &auth,
            "/api/incidents",
            &json!({"title": "long run", "quake": {"lat": 34.49, "lon": 73.63, "depth_km": 15, "mag": 7.8, "realizations": 200}}),
        );
        assert_eq!(s, 202, "{v}");
        v["id"].as_i64().unwrap()
    };
    // A node joins while node A runs: the run goes on to completion.
    let first = run(a);
    let b = cl.join();
    let t0 = Instant::now();
    let mut status = incident_status(b, &auth, first);
    while status == "running" && t0.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(250));
        status = incident_status(b, &auth, first);
    }
    assert_eq!(
        status, "complete",
        "a run of a live node is not failed by a joining one"
    );
    // The node running it dies mid-run: the other takes the run over once its lease
    // expires, runs it again and journals its result once.
    let second = run(a);
    let holder = started_by(a, &auth, second);
    let at = cl
        .nodes
        .iter()
        .position(|n| Some(n.child.id()) == holder)
        .expect("a node of the cluster runs it");
    let mut dead = cl.nodes.remove(at);
    let b = cl.nodes[0].addr;
    dead.child.kill().unwrap();
    let _ = dead.child.wait();
    let t_kill = Instant::now();
    let mut status = incident_status(b, &auth, second);
    while status == "running" && t_kill.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(250));
        status = incident_status(b, &auth, second);
    }
    eprintln!(
        "the killed node's run completed on another after {:?}",
        t_kill.elapsed()
    );
    assert_eq!(status, "complete");
    let (_, v) = node::get_json(b, &auth, &format!("/api/incidents/{second}"));
    assert_eq!(v["takeovers"], 1, "{v}");
    let kinds = incident_kinds(b, &auth, second);
    let count = |k: &str| kinds.iter().filter(|x| *x == k).count();
    assert_eq!(count("incident.taken_over"), 1, "{kinds:?}");
    assert_eq!(count("incident.completed"), 1, "journaled once: {kinds:?}");
    assert_eq!(count("incident.failed"), 0, "{kinds:?}");
}

/// A rolling restart of both nodes under write load: every acknowledged write is kept, and a
/// request retried on the other node with its Idempotency-Key is applied once.
#[test]
fn a_rolling_restart_under_write_load_loses_no_write_and_applies_none_twice() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    let Some(mut cl) = cluster(2) else {
        return;
    };
    let auth = format!("Bearer {}", token(cl.nodes[0].addr));
    let addrs = Arc::new(Mutex::new(vec![cl.nodes[0].addr, cl.nodes[1].addr]));
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (addrs, stop, acked, auth) = (addrs.clone(), stop.clone(), acked.clone(), auth.clone());
        writers.push(std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let title = format!("rolling {w}-{i}");
                let key = title.replace(' ', "-");
                let body = json!({"title": title, "body": "rolling restart"}).to_string();
                // Until acknowledged: the next node in turn, the same key.
                for attempt in 0..200 {
                    let addr = {
                        let a = addrs.lock().unwrap();
                        a[(i + attempt) % a.len()]
                    };
                    let r = node::http(
                        addr,
                        "POST",
                        "/api/sitreps",
                        &[
                            ("Authorization", &auth),
                            ("Content-Type", "application/json"),
                            ("Idempotency-Key", &key),
                        ],
                        Some(&body),
                    );
                    if let Ok((201, _)) = r {
                        acked.lock().unwrap().push(title.clone());
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }));
    }
    // Restart node 0, then node 1, each after some load (SIGKILL: the hardest stop).
    for k in 0..2 {
        std::thread::sleep(Duration::from_millis(1500));
        let old = cl.nodes.remove(0);
        drop(old); // kills it
        let web = cl.dir.path().display().to_string();
        let fresh = start(&cl.url, &web);
        let mut a = addrs.lock().unwrap();
        a.remove(0);
        a.push(fresh.addr);
        cl.nodes.push(fresh);
        eprintln!(
            "node {k} restarted with {} writes acknowledged",
            acked.lock().unwrap().len()
        );
    }
    std::thread::sleep(Duration::from_millis(1500));
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 50, "{} writes", acked.len());
    // Every acknowledged write is stored exactly once (sitreps listed in pages of 500).
    let mut titles = Vec::new();
    let mut path = "/api/sitreps?limit=500".to_string();
    loop {
        let (s, v) = node::get_json(cl.nodes[0].addr, &auth, &path);
        assert_eq!(s, 200, "{v}");
        titles.extend(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|x| x["title"].as_str())
                .filter(|t| t.starts_with("rolling "))
                .map(str::to_string),
        );
        match v["next"].as_str() {
            Some(n) => path = n.to_string(),
            None => break,
        }
    }
    for t in &acked {
        assert_eq!(titles.iter().filter(|x| *x == t).count(), 1, "'{t}'");
    }
    let mut unique = titles.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), titles.len(), "a write applied twice");
    eprintln!(
        "{} writes acknowledged, {} stored",
        acked.len(),
        titles.len()
    );
}

/// The login limits count every node's attempts: five wrong passwords for one user from one
/// address, spread over two nodes, and the sixth is refused on either.
#[test]
fn login_limits_count_the_attempts_of_every_node() {
    let Some(cl) = cluster(2) else {
        return;
    };
    let login = |addr, password: &str| {
        node::http(
            addr,
            "POST",
            "/api/login",
            &[("Content-Type", "application/json")],
            Some(&json!({"username": "pk.duty", "password": password}).to_string()),
        )
        .unwrap()
        .0
    };
    let (a, b) = (cl.nodes[0].addr, cl.nodes[1].addr);
    // A right password counts nothing.
    assert_eq!(login(a, "forewarn-demo"), 200);
    for i in 0..5 {
        let node = if i % 2 == 0 { a } else { b };
        assert_eq!(login(node, "wrong password"), 401, "attempt {i}");
    }
    // Node B saw two of them: its own limit (5) alone would let this through.
    assert_eq!(login(b, "wrong password"), 429);
    assert_eq!(
        login(a, "forewarn-demo"),
        429,
        "the pair is locked on every node"
    );
}

/// Reads `stream` until the journal entry `kind` of record `id` arrives within `within`.
fn await_entry(stream: &mut EventStream, kind: &str, id: i64, within: Duration) {
    let deadline = Instant::now() + within;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let Some(e) = stream.next(left) else { break };
        let v: serde_json::Value = serde_json::from_str(&e.data).unwrap_or_default();
        if e.event == kind && v["record_id"] == id {
            return;
        }
    }
    panic!("no {kind} of record {id} within {within:?}");
}

/// Three API nodes that run nothing (`--no-runs`) and `forewarn worker` processes: a run
/// created on one node is taken by a worker, its events reach the other nodes' streams, and
/// the run of a worker killed mid-run completes on another worker, journaled once.
#[test]
fn runs_are_jobs_that_workers_take_and_a_killed_workers_run_completes_on_another() {
    let Some(cl) = cluster_with(3, &["--no-runs"]) else {
        return;
    };
    let (a, b, c) = (cl.nodes[0].addr, cl.nodes[1].addr, cl.nodes[2].addr);
    let auth = format!("Bearer {}", token(a));
    let w1 = cl.worker();
    let mut on_b = EventStream::open(b, &auth, None);
    let mut on_c = EventStream::open(c, &auth, None);
    let create = |addr, realizations: u32| {
        let (s, v) = post_json(
            addr,
            &auth,
            "/api/incidents",
            &json!({"title": "queued run", "quake": {"lat": 34.49, "lon": 73.63, "depth_km": 15, "mag": 7.8, "realizations": realizations}}),
        );
        assert_eq!(s, 202, "{v}");
        v["id"].as_i64().unwrap()
    };
    let t0 = Instant::now();
    let first = create(a, 0);
    await_entry(&mut on_b, "incident.created", first, Duration::from_secs(1));
    eprintln!(
        "a write on node A reached node B's stream after {:?}",
        t0.elapsed()
    );
    // Only the worker runs: it journals the start and the result, seen on node C.
    assert_eq!(started_by(b, &auth, first), Some(w1.child.id()));
    await_entry(
        &mut on_c,
        "incident.completed",
        first,
        Duration::from_secs(120),
    );
    // A second worker; the one running the next run is killed mid-run.
    let w2 = cl.worker();
    let second = create(c, 200);
    let holder = started_by(a, &auth, second);
    let mut workers = [w1, w2];
    let at = workers
        .iter()
        .position(|w| Some(w.child.id()) == holder)
        .expect("a worker runs it");
    workers[at].child.kill().unwrap();
    let _ = workers[at].child.wait();
    let t_kill = Instant::now();
    let mut status = incident_status(b, &auth, second);
    while status == "running" && t_kill.elapsed() < Duration::from_secs(180) {
        std::thread::sleep(Duration::from_millis(250));
        status = incident_status(b, &auth, second);
    }
    eprintln!(
        "the killed worker's run completed on another after {:?}",
        t_kill.elapsed()
    );
    assert_eq!(status, "complete");
    let (_, v) = node::get_json(a, &auth, &format!("/api/incidents/{second}"));
    assert_eq!(v["takeovers"], 1, "{v}");
    assert_eq!(
        node_pid(&v["node"]),
        Some(workers[1 - at].child.id()),
        "{v}"
    );
    let kinds = incident_kinds(c, &auth, second);
    let count = |k: &str| kinds.iter().filter(|x| *x == k).count();
    assert_eq!(count("incident.taken_over"), 1, "{kinds:?}");
    assert_eq!(count("incident.completed"), 1, "journaled once: {kinds:?}");
    assert_eq!(count("incident.started"), 2, "{kinds:?}");
}

/// Every journal entry of exercise `id` that `auth` reads, oldest first.
fn exercise_journal(addr: std::net::SocketAddr, auth: &str, id: i64) -> Vec<serde_json::Value> {
    let hdr = id.to_string();
    let mut all = Vec::new();
    let mut before = String::new();
    loop {
        let (s, v) = get_json_with(
            addr,
            auth,
            &format!("/api/activity?limit=500{before}"),
            &[("Forewarn-Exercise", &hdr)],
        );
        assert_eq!(s, 200, "{v}");
        let items = v["items"].as_array().unwrap().clone();
        let Some(last) = items.last().and_then(|e| e["seq"].as_i64()) else {
            break;
        };
        let n = items.len();
        all.extend(items);
        if n < 500 {
            break;
        }
        before = format!("&before_seq={last}");
    }
    all.reverse();
    all
}

/// SIGKILL of the node driving a live exercise: the other node rebuilds it from the journal
/// (plan, hazards, every input at its wall time) within seconds and drives its clock on; no
/// exercise record is journaled twice or lost, and players act through either node (the
/// other forwards to the holder).
#[test]
fn a_live_exercise_resumes_on_another_node_when_its_node_dies() {
    let Some(mut cl) = cluster(2) else {
        return;
    };
    let (a, b) = (cl.nodes[0].addr, cl.nodes[1].addr);
    let rc = format!("Bearer {}", token_as(a, "rc.coordinator"));
    let tj = format!("Bearer {}", token_as(a, "tj.duty"));
    let (s, x) = post_json(
        a,
        &rc,
        "/api/exercises",
        &json!({"scenario": "exercise-pamir.toml", "seed": 7, "bots": true,
                "human_teams": ["tj-coes"], "speed": "x60"}),
    );
    assert_eq!(s, 201, "{x}");
    let id = x["id"].as_i64().unwrap();
    let hdr = id.to_string();
    let in_exercise = [("Forewarn-Exercise", hdr.as_str())];
    let (s, v) = post_json(
        a,
        &rc,
        &format!("/api/exercises/{id}/control"),
        &json!({"op": "start"}),
    );
    assert_eq!(s, 200, "{v}");
    let sitrep = |addr, title: &str| {
        let (s, v) = post_json_with(
            addr,
            &tj,
            "/api/sitreps",
            &json!({"title": title, "body": "Road to Khorog closed at the Pamir bridge."}),
            &in_exercise,
        );
        assert_eq!(s, 201, "{v}");
    };
    sitrep(a, "First report");
    // Players act through either node: node B forwards to node A, which holds the exercise.
    sitrep(b, "Report through node B");
    let t0 = Instant::now();
    let before = loop {
        let got = tj_injects(a, &tj, id).unwrap();
        if got.len() >= 2 {
            break got;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "no injects: {got:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    sitrep(a, "Second report");
    let through_b = tj_injects(b, &tj, id).expect("node B forwards the live view to node A");
    assert!(through_b.len() >= before.len(), "{through_b:?}");
    let mut dead = cl.nodes.remove(0);
    dead.child.kill().unwrap();
    let _ = dead.child.wait();
    let t_kill = Instant::now();
    let resumed = loop {
        if let Some(got) = tj_injects(b, &tj, id) {
            break got;
        }
        assert!(
            t_kill.elapsed() < Duration::from_secs(60),
            "not resumed on the other node"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let took = t_kill.elapsed();
    eprintln!("the exercise was resumed on the other node {took:?} after the kill");
    // Heartbeat 3 s, checked every 0.5 s, then the rebuild: about 4 s (`forewarn bench
    // cluster` measures it alone); the bound is wider because this test shares two cores
    // with the other cluster tests' nodes.
    assert!(took < Duration::from_secs(10), "{took:?}");
    for i in &before {
        assert!(resumed.contains(i), "{i} lost: {resumed:?}");
    }
    let (_, v) = node::get_json(b, &rc, &format!("/api/exercises/{id}"));
    assert_eq!(v["status"], "running", "{v}");
    assert_eq!(node_pid(&v["node"]), Some(cl.nodes[0].child.id()), "{v}");
    // The clock goes on there, and players act through it.
    let t_s = v["t_s"].as_i64().unwrap();
    sitrep(b, "Third report");
    let t1 = Instant::now();
    loop {
        let (_, v) = node::get_json(b, &rc, &format!("/api/exercises/{id}"));
        if v["t_s"].as_i64().unwrap() > t_s + 60 {
            break;
        }
        assert!(
            t1.elapsed() < Duration::from_secs(30),
            "the clock stopped: {v}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // Every exercise record was journaled once (to each of its recipients), none skipped.
    let journal = exercise_journal(b, &rc, id);
    let kinds: Vec<&str> = journal
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    // The takeover is a change of the exercise record (real operations' journal).
    let (_, log) = node::get_json(b, &rc, "/api/activity?limit=500");
    let takeovers = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["record_id"] == id && e["kind"] == "exercise.taken_over")
        .count();
    assert_eq!(takeovers, 1, "{log}");
    let mut seen = std::collections::BTreeSet::new();
    for e in &journal {
        let p = &e["payload"];
        if e["kind"] == "exercise.input" || p.get("t_s").is_none() {
            continue;
        }
        let Some(seq) = p["seq"].as_u64() else {
            continue;
        };
        let key = (
            seq,
            p["team"].as_str().unwrap_or("").to_string(),
            e["org"].clone().to_string(),
        );
        assert!(seen.insert(key.clone()), "record {key:?} journaled twice");
    }
    let seqs: std::collections::BTreeSet<u64> = seen.iter().map(|k| k.0).collect();
    let max = *seqs.iter().max().unwrap();
    assert_eq!(seqs.len() as u64, max, "a record is missing among 1..{max}");
    assert_eq!(
        journal
            .iter()
            .filter(|e| e["kind"] == "exercise.input")
            .count(),
        5,
        "start and four reports: {kinds:?}"
    );
}
