//! A copy of the `forewarn` binary in an empty directory serves its web UI at `/` (the UI is
//! embedded, not read from a path compiled into the binary).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Ok((status, text))
}

#[test]
fn a_copied_binary_serves_its_ui_from_an_empty_directory() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("forewarn");
    std::fs::copy(env!("CARGO_BIN_EXE_forewarn"), &bin).unwrap();
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut child = Command::new(&bin)
        .args([
            "serve",
            "--db",
            "sqlite://t.db",
            "--bind",
            &addr.to_string(),
        ])
        .current_dir(dir.path())
        // The embedded scenarios are written under TMPDIR: keep them in the test's directory
        // (the server is killed, so it cannot remove them itself).
        .env("TMPDIR", dir.path())
        .env("FOREWARN_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    let mut health = None;
    while t0.elapsed() < Duration::from_secs(60) {
        if let Ok((200, _)) = get(addr, "/api/health") {
            health = Some(());
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let index = get(addr, "/");
    let css = get(addr, "/app.css");
    let e2e = get(addr, "/e2e/package.json");
    let _ = child.kill();
    let _ = child.wait();
    assert!(health.is_some(), "the copied binary did not become healthy");
    let (s, body) = index.unwrap();
    assert_eq!(s, 200, "{body}");
    assert!(
        body.to_ascii_lowercase()
            .contains("content-type: text/html; charset=utf-8"),
        "{body}"
    );
    assert!(
        body.contains("<html") && body.contains("js/app.js"),
        "{body}"
    );
    assert_eq!(css.unwrap().0, 200);
    assert_eq!(e2e.unwrap().0, 404);
}
