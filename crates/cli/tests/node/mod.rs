//! A real `forewarn serve` process for the CLI's tests: start it on a free loopback port,
//! plain HTTP/1.1 requests, a bearer token, and a reader of its live event stream.

#![allow(dead_code)] // each test binary uses its own part

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// One HTTP/1.1 request on a fresh connection; `Err` when the server is unreachable or the
/// connection breaks before a full response.
pub fn http_full(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> std::io::Result<(u16, String, String)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
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
    let (head, rest) = text.split_once("\r\n\r\n").ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "incomplete response")
    })?;
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("bad status line"))?;
    let len: Option<usize> = head.lines().find_map(|l| {
        l.to_ascii_lowercase()
            .strip_prefix("content-length:")
            .and_then(|v| v.trim().parse().ok())
    });
    if len.is_some_and(|n| rest.len() < n) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "truncated body",
        ));
    }
    Ok((status, head.to_string(), rest.to_string()))
}

pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> std::io::Result<(u16, String)> {
    http_full(addr, method, path, headers, body).map(|(s, _, b)| (s, b))
}

pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
}

pub fn start(db: &str, web: &str) -> Server {
    start_with(db, web, &[])
}

/// [`start`] with more arguments of `forewarn serve` (`--watch FILE`, ...).
pub fn start_with(db: &str, web: &str, extra: &[&str]) -> Server {
    let addr = free_addr();
    let mut child = Command::new(env!("CARGO_BIN_EXE_forewarn"))
        .args([
            "serve",
            "--db",
            db,
            "--bind",
            &addr.to_string(),
            "--demo",
            "--web-dir",
            web,
        ])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start forewarn serve");
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(60) {
        if let Ok((200, _)) = http(addr, "GET", "/api/health", &[], None) {
            return Server { child, addr };
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("forewarn serve did not become healthy");
}

/// Logs in as pk.duty (cookie + CSRF) and creates a bearer token for the burst.
pub fn token(addr: SocketAddr) -> String {
    token_as(addr, "pk.duty")
}

/// Logs in as demo user `user` and creates a bearer token.
pub fn token_as(addr: SocketAddr, user: &str) -> String {
    let (s, head, b) = http_full(
        addr,
        "POST",
        "/api/login",
        &[("Content-Type", "application/json")],
        Some(&json!({"username": user, "password": "forewarn-demo"}).to_string()),
    )
    .unwrap();
    assert_eq!(s, 200, "{b}");
    let csrf = serde_json::from_str::<Value>(&b).unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();
    let session = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, v)| {
            v.trim()
                .strip_prefix("fw_session=")
                .map(|v| v.split(';').next().unwrap_or("").to_string())
        })
        .expect("session cookie");
    let cookie = format!("fw_session={session}");
    let (s, b) = http(
        addr,
        "POST",
        "/api/tokens",
        &[
            ("Content-Type", "application/json"),
            ("Cookie", &cookie),
            ("X-CSRF-Token", &csrf),
        ],
        Some(r#"{"name": "durability"}"#),
    )
    .unwrap();
    assert_eq!(s, 201, "{b}");
    serde_json::from_str::<Value>(&b).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One server-sent event: its id (a journal sequence number, if any) and kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Sse {
    pub id: Option<i64>,
    pub event: String,
    pub data: String,
}

/// An open `GET /api/events` stream.
pub struct EventStream {
    reader: BufReader<TcpStream>,
}

impl EventStream {
    /// Opens the stream with `auth` (an Authorization header value), from `last_event_id` when
    /// given. Asked as HTTP/1.0, so that the body is the plain stream (no chunk framing).
    pub fn open(addr: SocketAddr, auth: &str, last_event_id: Option<i64>) -> EventStream {
        let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap();
        let mut req = format!(
            "GET /api/events HTTP/1.0\r\nHost: {addr}\r\nAccept: text/event-stream\r\nAuthorization: {auth}\r\n"
        );
        if let Some(id) = last_event_id {
            req.push_str(&format!("Last-Event-ID: {id}\r\n"));
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes()).unwrap();
        let mut reader = BufReader::new(s);
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.contains(" 200 "), "event stream: {status}");
        loop {
            let mut l = String::new();
            reader.read_line(&mut l).unwrap();
            if l.trim().is_empty() {
                break;
            }
        }
        EventStream { reader }
    }

    /// The next event within `timeout` (keep-alive comments and chunk sizes skipped), or None.
    pub fn next(&mut self, timeout: Duration) -> Option<Sse> {
        let deadline = Instant::now() + timeout;
        let (mut id, mut event, mut data) = (None, String::new(), String::new());
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            self.reader
                .get_ref()
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .unwrap();
            let mut l = String::new();
            match self.reader.read_line(&mut l) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(_) => return None,
            }
            let l = l.trim_end_matches(['\r', '\n']);
            if let Some(v) = l.strip_prefix("id:") {
                id = v.trim().parse().ok();
            } else if let Some(v) = l.strip_prefix("event:") {
                event = v.trim().to_string();
            } else if let Some(v) = l.strip_prefix("data:") {
                data.push_str(v.trim_start());
            } else if l.is_empty() && !event.is_empty() {
                return Some(Sse { id, event, data });
            }
        }
    }

    /// Events until one of `kind` arrives within `timeout` (that one last).
    pub fn until(&mut self, kind: &str, timeout: Duration) -> Vec<Sse> {
        let deadline = Instant::now() + timeout;
        let mut out = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.next(left) {
                Some(e) => {
                    let done = e.event == kind;
                    out.push(e);
                    if done {
                        return out;
                    }
                }
                None => break,
            }
        }
        panic!("no '{kind}' event within {timeout:?}; got {out:?}");
    }
}

/// `GET` with a bearer `auth`; the status and parsed body.
pub fn get_json(addr: SocketAddr, auth: &str, path: &str) -> (u16, Value) {
    let (s, b) = http(addr, "GET", path, &[("Authorization", auth)], None).unwrap();
    (s, serde_json::from_str(&b).unwrap_or(json!({"raw": b})))
}

/// `POST` a JSON body with a bearer `auth`; the status and parsed body.
pub fn post_json(addr: SocketAddr, auth: &str, path: &str, body: &Value) -> (u16, Value) {
    post_json_with(addr, auth, path, body, &[])
}

/// [`post_json`] with more headers (`Forewarn-Exercise`, ...).
pub fn post_json_with(
    addr: SocketAddr,
    auth: &str,
    path: &str,
    body: &Value,
    extra: &[(&str, &str)],
) -> (u16, Value) {
    let mut headers = vec![
        ("Authorization", auth),
        ("Content-Type", "application/json"),
    ];
    headers.extend_from_slice(extra);
    let (s, b) = http(addr, "POST", path, &headers, Some(&body.to_string())).unwrap();
    (s, serde_json::from_str(&b).unwrap_or(json!({"raw": b})))
}

/// `GET` with a bearer `auth` and more headers; the status and parsed body.
pub fn get_json_with(
    addr: SocketAddr,
    auth: &str,
    path: &str,
    extra: &[(&str, &str)],
) -> (u16, Value) {
    let mut headers = vec![("Authorization", auth)];
    headers.extend_from_slice(extra);
    let (s, b) = http(addr, "GET", path, &headers, None).unwrap();
    (s, serde_json::from_str(&b).unwrap_or(json!({"raw": b})))
}

/// The injects delivered to Tajikistan's team in exercise `id`, as node `addr` holds them
/// (`inject@t_s`, sorted); `None` while that node serves no live exercise `id`.
pub fn tj_injects(addr: SocketAddr, auth: &str, id: i64) -> Option<Vec<String>> {
    let (s, v) = get_json(addr, auth, &format!("/api/exercises/{id}/injects"));
    if s != 200 {
        return None;
    }
    let mut ids: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| format!("{}@{}", i["inject"].as_str().unwrap(), i["t_s"]))
        .collect();
    ids.sort();
    Some(ids)
}
