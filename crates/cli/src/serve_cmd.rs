//! `forewarn serve`: the operations platform (HTTP API, live events, web UI).

use anyhow::{Context, Result, bail};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Database: a SQLite file path or sqlite://PATH (created and migrated at start), or a
    /// postgres://user@host:port/db URL.
    #[arg(long, default_value = "forewarn.db", env = "FOREWARN_DB")]
    db: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Seed demo organisations, users and a sample incident.
    #[arg(long)]
    demo: bool,
    /// Password of the demo users.
    #[arg(long, default_value = "forewarn-demo", requires = "demo")]
    demo_password: String,
    /// Allow --demo on a non-loopback address (the demo passwords are public).
    #[arg(long)]
    allow_demo_on_network: bool,
    /// Serve the web UI from this directory instead of the copy embedded in the binary (for
    /// development: edits show on reload; its dist/ is served when it holds an index.html).
    #[arg(long, value_name = "DIR")]
    web_dir: Option<PathBuf>,
    /// Read the bundled exercise plans from this directory instead of the copies embedded in
    /// the binary (for development).
    #[arg(long, value_name = "DIR")]
    scenarios_dir: Option<PathBuf>,
    /// The URL clients use to reach this server, e.g. https://warn.example.org (behind a
    /// TLS proxy). https gives Secure cookies; feed and CAP links are built from it. Required
    /// with a non-loopback --bind; without it (loopback only) links follow the Host header.
    #[arg(long, value_name = "URL", env = "FOREWARN_PUBLIC_URL")]
    public_url: Option<forewarn_server::settings::PublicUrl>,
    /// A reverse proxy whose X-Forwarded-For (or Forwarded) header names the client, for the
    /// login limits; repeat for several. Without it those headers are ignored.
    #[arg(long = "trusted-proxy", value_name = "IP")]
    trusted_proxies: Vec<IpAddr>,
    /// Vs30 raster (GeoTIFF, EPSG:4326, m/s) for every incident's earthquake run, overriding
    /// slope-based Vs30 where it has data (as `forewarn quake --vs30`).
    #[arg(long, value_name = "FILE.tif")]
    vs30: Option<PathBuf>,
    /// Watch the sources of this TOML file ([[source]] tables with name, kind, url, poll_s;
    /// see docs/watch.md): events that concern an organisation become automatic incidents
    /// with a quake run and a draft CAP alert. Checked at start (errors name line and field).
    #[arg(long, value_name = "FILE.toml")]
    watch: Option<PathBuf>,
    /// Queue incident runs without running them on this node: `forewarn worker` processes on
    /// the same PostgreSQL database take them (docs/deploy.md). Not with a SQLite file.
    #[arg(long)]
    no_runs: bool,
    /// The URL the other nodes on the same database reach this one at (default http:// and
    /// --bind), to which they forward the requests of the live exercises this node drives.
    #[arg(long, value_name = "URL")]
    node_url: Option<String>,
}

pub fn run(a: Args) -> Result<ExitCode> {
    if a.demo && !a.bind.ip().is_loopback() && !a.allow_demo_on_network {
        bail!(
            "--demo with the non-loopback address {} would expose accounts with a published password; bind to 127.0.0.1 or add --allow-demo-on-network",
            a.bind
        );
    }
    let watch = match &a.watch {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("reading --watch {}", p.display()))?;
            match forewarn_watch::config::parse(&text) {
                Ok(c) => Some(c),
                Err(e) => {
                    eprintln!("error: {}: {e}", p.display());
                    return Ok(ExitCode::from(2));
                }
            }
        }
        None => None,
    };
    let cfg = forewarn_server::ServerConfig {
        db: a.db.clone(),
        bind: a.bind,
        demo: a.demo.then(|| a.demo_password.clone()),
        web_dir: a.web_dir.clone(),
        scenarios_dir: a.scenarios_dir.clone(),
        public_url: a.public_url.clone(),
        trusted_proxies: a.trusted_proxies.clone(),
        vs30: a.vs30.clone(),
        watch,
        runs: !a.no_runs,
        node_url: a.node_url.clone(),
    };
    tune_allocator();
    forewarn_server::serve_blocking(cfg, |addr| {
        println!("forewarn serve: listening on http://{addr} (database {})", a.db);
        if let Some(w) = &a.watch {
            println!("watching the sources of {}", w.display());
        }
        if a.demo {
            println!("demo users: <cc>.duty, <cc>.approver, <cc>.viewer (cc = af by cn in ir kg kz mn pk ru tj uz) and rc.coordinator");
        }
    })
    .context("serve")?;
    Ok(ExitCode::SUCCESS)
}

/// How often `serve` hands the allocator's free pages back to the system.
const TRIM_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);

/// Allocations of at least this size get pages of their own (mmap) and give them back when
/// freed. glibc starts at 128 KiB but raises the threshold to the size of every mmapped block
/// freed (up to 32 MiB), after which a quake run's large arrays are carved out of the arenas and
/// leave them fragmented; a fixed threshold turns that adjustment off (mallopt(3)).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD_BYTES: i32 = 256 * 1024;

/// Fixes the allocator's mmap threshold ([`MMAP_THRESHOLD_BYTES`]) and, every [`TRIM_INTERVAL`],
/// returns the allocator's free pages to the system. glibc keeps what a
/// finished quake run or a burst of requests freed in its per-thread arenas, so the resident
/// size of a long-running server crept up with no live data behind it (the soak in
/// docs/reliability.md). Changes nothing that is allocated; a real leak still shows.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only sets the allocator's parameters; called before the server starts
    // its threads.
    if unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) } != 1 {
        tracing::warn!("cannot fix the allocator's mmap threshold");
    }
    let spawned = std::thread::Builder::new()
        .name("malloc-trim".into())
        .spawn(|| {
            loop {
                std::thread::sleep(TRIM_INTERVAL);
                // SAFETY: malloc_trim only releases free memory; it locks each arena itself.
                unsafe {
                    libc::malloc_trim(0);
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the allocator trim thread: {e}");
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}
