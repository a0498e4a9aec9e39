//! The `forewarn serve --demo` child process of the server benchmarks: started on a free
//! loopback port (its address read from its first line), killed when dropped.

use anyhow::{Context, Result};
use std::path::Path;
use std::process::Command;

/// The child `forewarn serve --demo`; killed when dropped.
pub struct ServerChild {
    pub child: std::process::Child,
    _dir: tempfile::TempDir,
    stderr_path: std::path::PathBuf,
}

impl Drop for ServerChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServerChild {
    pub fn stderr_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.stderr_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

/// Starts `forewarn serve --demo` on a fresh SQLite file and a free loopback port; returns
/// it with the address from its "listening on" line.
pub fn start_server(data: Option<&Path>) -> Result<(ServerChild, std::net::SocketAddr)> {
    start_server_with(data, &[])
}

/// [`start_server`] with extra `serve` arguments.
pub fn start_server_with(
    data: Option<&Path>,
    extra: &[std::ffi::OsString],
) -> Result<(ServerChild, std::net::SocketAddr)> {
    start_node(data, None, extra)
}

/// `forewarn serve --demo` on database `db` (a fresh SQLite file when `None`) with extra
/// arguments.
pub fn start_node(
    data: Option<&Path>,
    db: Option<&str>,
    extra: &[std::ffi::OsString],
) -> Result<(ServerChild, std::net::SocketAddr)> {
    use std::io::BufRead;
    let dir = tempfile::tempdir().context("creating a temporary directory")?;
    let db: std::ffi::OsString = match db {
        Some(url) => url.into(),
        None => dir.path().join("soak.db").into(),
    };
    let stderr_path = dir.path().join("server.stderr");
    let stderr = std::fs::File::create(&stderr_path)?;
    let mut cmd = Command::new(std::env::current_exe()?);
    if let Some(d) = data {
        cmd.arg("--data").arg(d);
    }
    cmd.args(["serve", "--demo", "--bind", "127.0.0.1:0", "--db"])
        .arg(&db)
        .args(extra)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(stderr);
    let mut child = cmd.spawn().context("starting `forewarn serve --demo`")?;
    let stdout = child.stdout.take();
    let mut server = ServerChild {
        child,
        _dir: dir,
        stderr_path,
    };
    let mut line = String::new();
    if let Some(out) = stdout {
        let mut r = std::io::BufReader::new(out);
        r.read_line(&mut line)?;
        // Keep draining stdout so that the server never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut r, &mut std::io::sink()));
    }
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok());
    match addr {
        Some(a) => Ok((server, a)),
        None => {
            let _ = server.child.kill();
            let _ = server.child.wait();
            anyhow::bail!(
                "the server did not start (first line '{}'); its stderr:\n{}",
                line.trim(),
                server.stderr_tail()
            )
        }
    }
}
