//! A throwaway PostgreSQL server for tests and benchmarks: `initdb` in a temporary directory,
//! `pg_ctl start` on a free 127.0.0.1 port, `pg_ctl stop` on drop.
//!
//! Binaries are looked up in `$PG_BIN`, then `/usr/lib/postgresql/<version>/bin` (highest
//! version first), then `PATH`. PostgreSQL refuses to run as root; as root the server runs as
//! the `postgres` system user (the data directory is handed to it).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
pub enum PgTempError {
    #[error(
        "PostgreSQL binaries (initdb, pg_ctl) not found in $PG_BIN, /usr/lib/postgresql/*/bin or PATH"
    )]
    NotInstalled,
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{what} failed: {output}")]
    Command { what: String, output: String },
}

/// A running temporary PostgreSQL server.
pub struct TempPostgres {
    bin: PathBuf,
    data: PathBuf,
    _dir: tempfile::TempDir,
    ids: Option<(u32, u32)>,
    pub port: u16,
}

fn find_bin() -> Option<PathBuf> {
    let has = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    if let Some(d) = std::env::var_os("PG_BIN").map(PathBuf::from)
        && has(&d)
    {
        return Some(d);
    }
    if let Ok(rd) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<(u32, PathBuf)> = rd
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                e.file_name()
                    .to_str()
                    .and_then(|s| s.parse::<u32>().ok())
                    .map(|v| (v, e.path().join("bin")))
            })
            .filter(|(_, p)| has(p))
            .collect();
        versions.sort();
        if let Some((_, p)) = versions.pop() {
            return Some(p);
        }
    }
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).find(|d| has(d)))
}

/// The `postgres` system user's uid and gid, from /etc/passwd.
fn postgres_user() -> Option<(u32, u32)> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() > 3 && f[0] == "postgres" {
            Some((f[2].parse().ok()?, f[3].parse().ok()?))
        } else {
            None
        }
    })
}

fn is_root() -> bool {
    // The owner of a file we just created is our effective uid.
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

fn free_port() -> Result<u16, std::io::Error> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// True when PostgreSQL binaries are available.
pub fn available() -> bool {
    find_bin().is_some()
}

impl TempPostgres {
    /// Starts a server. [`PgTempError::NotInstalled`] when the binaries are missing.
    pub fn start() -> Result<TempPostgres, PgTempError> {
        let bin = find_bin().ok_or(PgTempError::NotInstalled)?;
        let dir = tempfile::Builder::new().prefix("forewarn-pg").tempdir()?;
        let data = dir.path().join("data");
        let uid = if is_root() {
            let (uid, gid) = postgres_user().ok_or_else(|| PgTempError::Command {
                what: "running PostgreSQL as root".into(),
                output: "no 'postgres' user to run it as".into(),
            })?;
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))?;
            Some((uid, gid))
        } else {
            None
        };
        let run = |what: &str, args: &[&str]| -> Result<(), PgTempError> {
            let mut c = Command::new(bin.join(what));
            c.args(args).current_dir(dir.path());
            if let Some((u, g)) = uid {
                use std::os::unix::process::CommandExt;
                c.uid(u).gid(g);
            }
            let out = c.output()?;
            if !out.status.success() {
                return Err(PgTempError::Command {
                    what: format!("{what} {}", args.join(" ")),
                    output: format!(
                        "{}{}",
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr)
                    ),
                });
            }
            Ok(())
        };
        let data_s = data.display().to_string();
        run(
            "initdb",
            &[
                "-D",
                &data_s,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        let mut last = None;
        for _ in 0..5 {
            let port = free_port()?;
            let opts = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300",
                dir.path().display()
            );
            let log = dir.path().join("pg.log").display().to_string();
            match run(
                "pg_ctl",
                &[
                    "-D", &data_s, "-w", "-t", "60", "-l", &log, "-o", &opts, "start",
                ],
            ) {
                Ok(()) => {
                    return Ok(TempPostgres {
                        bin,
                        data,
                        _dir: dir,
                        ids: uid,
                        port,
                    });
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(PgTempError::NotInstalled))
    }

    /// URL of the `postgres` database as user `postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Creates a fresh database and returns its URL.
    /// A command for the PostgreSQL client tool `name` (`pg_dump`, `pg_restore`, `psql`) of
    /// this server's installation, run as the server's user when this process is root. The
    /// caller adds the connection arguments ([`TempPostgres::connection_args`]).
    pub fn tool(&self, name: &str) -> Command {
        let mut c = Command::new(self.bin.join(name));
        if let Some((u, g)) = self.ids {
            use std::os::unix::process::CommandExt;
            c.uid(u).gid(g);
        }
        c
    }

    /// `-h 127.0.0.1 -p PORT -U postgres`: how the client tools reach this server.
    pub fn connection_args(&self) -> Vec<String> {
        vec![
            "-h".into(),
            "127.0.0.1".into(),
            "-p".into(),
            self.port.to_string(),
            "-U".into(),
            "postgres".into(),
        ]
    }

    pub fn create_database(&self, name: &str) -> Result<String, PgTempError> {
        let mut c = Command::new(self.bin.join("psql"));
        c.args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            &format!("CREATE DATABASE \"{name}\""),
        ]);
        if let Some((u, g)) = self.ids {
            use std::os::unix::process::CommandExt;
            c.uid(u).gid(g);
        }
        let out = c.output()?;
        if !out.status.success() {
            return Err(PgTempError::Command {
                what: format!("CREATE DATABASE {name}"),
                output: String::from_utf8_lossy(&out.stderr).into_owned(),
            });
        }
        Ok(format!(
            "postgres://postgres@127.0.0.1:{}/{name}",
            self.port
        ))
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        let mut c = Command::new(self.bin.join("pg_ctl"));
        c.args([
            "-D",
            &self.data.display().to_string(),
            "-m",
            "immediate",
            "-w",
            "stop",
        ]);
        if let Some((u, g)) = self.ids {
            use std::os::unix::process::CommandExt;
            c.uid(u).gid(g);
        }
        let _ = c.output();
    }
}

/// For tests: a server, or `None` with a message when PostgreSQL is not installed and `CI` is
/// not `true`. With `CI=true`, a missing PostgreSQL is a panic (the test fails).
pub fn for_tests() -> Option<TempPostgres> {
    match TempPostgres::start() {
        Ok(pg) => Some(pg),
        Err(PgTempError::NotInstalled) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!(
                "SKIPPED: PostgreSQL is not installed (initdb/pg_ctl not found); set CI=true to make this a failure"
            );
            None
        }
        Err(e) => panic!("cannot start a temporary PostgreSQL: {e}"),
    }
}
