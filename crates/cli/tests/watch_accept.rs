//! The watch's acceptance interface through the real binary:
//! `forewarn serve --demo --watch FILE.toml --bind 127.0.0.1:PORT --db sqlite://PATH` with a
//! local feed server (a USGS GeoJSON summary feed written from
//! <https://earthquake.usgs.gov/earthquakes/feed/v1.0/geojson.php>, served with an ETag), then
//! `GET /api/incidents`, `GET /api/alerts?status=draft` and `GET /api/watch/sources` as
//! Pakistan's duty officer; and a bad watch file refused with its line and field.

mod common;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const FEED: &str = r#"{"type":"FeatureCollection","metadata":{"title":"USGS test feed"},"features":[{"type":"Feature","properties":{"mag":6.6,"place":"12 km NE of Islamabad, Pakistan","time":1736481040000,"updated":1736481300000,"status":"automatic","net":"us","code":"7000abcd","ids":",us7000abcd,","sources":",us,","magType":"mww","type":"earthquake"},"geometry":{"type":"Point","coordinates":[73.15,33.75,12.0]},"id":"us7000abcd"}]}"#;
const ETAG: &str = "\"feed-1\"";

/// Serves FEED at any path, answering 304 to `If-None-Match: "feed-1"`.
fn feed_server() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || {
                let mut r = BufReader::new(s);
                let mut cached = false;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if line.to_ascii_lowercase().starts_with("if-none-match:")
                        && line.contains(ETAG)
                    {
                        cached = true;
                    }
                }
                let resp = if cached {
                    format!(
                        "HTTP/1.1 304 Not Modified\r\nETag: {ETAG}\r\nConnection: close\r\n\r\n"
                    )
                } else {
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: {ETAG}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{FEED}",
                        FEED.len()
                    )
                };
                let _ = r.get_mut().write_all(resp.as_bytes());
            });
        }
    });
    addr
}

fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: &str,
    body: Option<&str>,
) -> (u16, String, String) {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nCookie: {cookie}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, rest) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), rest.to_string())
}

#[test]
fn serve_demo_watch_gives_automatic_incident_draft_and_health() {
    let feed = feed_server();
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("watch.toml");
    std::fs::write(
        &toml,
        format!("[[source]]\nname = \"usgs\"\nkind = \"usgs-geojson\"\nurl = \"http://{feed}/summary.geojson\"\npoll_s = 1\n"),
    )
    .unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let db = format!("sqlite://{}", dir.path().join("w.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_forewarn"))
        .args(["serve", "--demo", "--watch"])
        .arg(&toml)
        .args(["--bind", &format!("127.0.0.1:{port}"), "--db", &db])
        .env("FOREWARN_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let t0 = Instant::now();
    let result = std::panic::catch_unwind(|| {
        while TcpStream::connect(addr).is_err() {
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let (s, head, b) = http(
            addr,
            "POST",
            "/api/login",
            "",
            Some(&json!({"username": "pk.duty", "password": "forewarn-demo"}).to_string()),
        );
        assert_eq!(s, 200, "{b}");
        let cookie = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, v)| v.trim().split(';').next().map(str::to_string))
            .collect::<Vec<_>>()
            .join("; ");
        let get = |path: &str| -> Value {
            let (s, _, b) = http(addr, "GET", path, &cookie, None);
            assert_eq!(s, 200, "{path}: {b}");
            serde_json::from_str(&b).unwrap()
        };
        // The automatic incident, with its source ids and, once the run is complete, its level.
        let inc = loop {
            let v = get("/api/incidents");
            let auto: Vec<&Value> = v["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| i["origin"] == "auto")
                .collect();
            assert!(auto.len() <= 1, "{v}");
            if let Some(i) = auto.first().filter(|i| i["alert_level"].is_string()) {
                break (*i).clone();
            }
            assert!(
                t0.elapsed() < Duration::from_secs(300),
                "no complete automatic incident: {v}"
            );
            std::thread::sleep(Duration::from_millis(300));
        };
        assert_eq!(inc["source_event_ids"], json!(["us7000abcd"]));
        assert_eq!(inc["org"], "pk");
        // The seeded demo incident is a manual one.
        let all = get("/api/incidents");
        assert!(
            all["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["origin"] == "manual")
        );
        // Its draft alert.
        let draft = loop {
            let v = get("/api/alerts?status=draft");
            if let Some(a) = v["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["incident_id"] == inc["id"])
            {
                break a.clone();
            }
            assert!(t0.elapsed() < Duration::from_secs(300), "no draft: {v}");
            std::thread::sleep(Duration::from_millis(300));
        };
        assert_eq!(draft["status"], "draft");
        // The source's health; after the first poll the ETag makes every poll a 304.
        std::thread::sleep(Duration::from_millis(2500));
        let src = get("/api/watch/sources");
        let s = &src["items"][0];
        assert_eq!(s["name"], "usgs");
        assert_eq!(s["kind"], "usgs-geojson");
        assert!(s["last_success"].is_string(), "{s}");
        assert_eq!(
            (
                s["items_seen"].as_u64(),
                s["items_accepted"].as_u64(),
                s["items_rejected"].as_u64()
            ),
            (Some(1), Some(1), Some(0)),
            "{s}"
        );
        assert!(s["not_modified"].as_u64() >= Some(1), "{s}");
    });
    let _ = child.kill();
    let _ = child.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

#[test]
fn a_bad_watch_file_names_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("watch.toml");
    std::fs::write(
        &toml,
        "[[source]]\nname = \"usgs\"\nkind = \"usgs-geojson\"\nurl = \"ftp://x/\"\npoll_s = 60\n",
    )
    .unwrap();
    let o = common::forewarn(&[
        "serve",
        "--watch",
        toml.to_str().unwrap(),
        "--db",
        dir.path().join("x.db").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    let e = common::stderr(&o);
    assert!(e.contains("line 4") && e.contains("source[0].url"), "{e}");
}
