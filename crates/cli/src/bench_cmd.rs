//! `forewarn bench`: the performance benchmarks. Each prints its figure and how it was
//! measured. Quake cases run in a fresh process each (peak memory per case).

use anyhow::{Context, Result};
use forewarn_engine::bench::{gmf_case, peak_rss_mb};
use forewarn_quake::shaking::Correlation;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Ground-motion fields (100k sites uncorrelated; 40k/200k/1M with JB2009) and the Kashmir run.
    Quake {
        /// Run one case only: uncorrelated-<N>, jb2009-<N> or kashmir (used internally).
        #[arg(long)]
        case: Option<String>,
        /// Realisations per case.
        #[arg(long, default_value_t = 100)]
        realizations: usize,
        /// Ground-motion model set.
        #[arg(long, default_value = "nga-west2")]
        gmpe: String,
        /// Largest JB2009 case (sites).
        #[arg(long, default_value_t = 1_000_000)]
        max_sites: usize,
    },
    /// Journaled writes/s and latency of the operations server at 50 and 200 clients, on SQLite
    /// and (when installed) a temporary PostgreSQL.
    Serve {
        /// Seconds per case.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
    },
    /// Fully wet 1000 x 1000 dam break on 1 and 2 threads, with a copy-bandwidth probe.
    Flood {
        #[arg(long, default_value_t = 1000)]
        n: usize,
        #[arg(long, default_value_t = 200)]
        steps: usize,
    },
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!(
        "{cpu}, {} logical cores",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    )
}

fn one_case(
    data: Option<&Path>,
    case: &str,
    realizations: usize,
    gmpe: &str,
) -> Result<serde_json::Value> {
    if case == "kashmir" {
        let t0 = Instant::now();
        let region = forewarn_embedded::region_or_dir(data)?;
        let exposure = forewarn_exposure::Exposure::proxy(&region);
        let text = include_str!("../../../scenarios/kashmir-2005.xml");
        let dir = std::env::temp_dir().join(format!("forewarn-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let rupture = dir.join("kashmir-2005.xml");
        std::fs::write(&rupture, text)?;
        let req = forewarn_engine::quake::QuakeRequest {
            source: forewarn_engine::quake::QuakeSource::NrmlRupture {
                path: rupture.display().to_string(),
            },
            gmpe: gmpe.to_string(),
            spacing_km: None,
            realizations,
            correlation: Correlation::Jb2009,
            truncation: 3.0,
            seed: 42,
            sites: vec![],
            sites_file: None,
            vs30_grid: None,
            vs30_file: None,
            event_name: None,
        };
        let run = forewarn_engine::quake::run(&region, &exposure, req, &|_, _, _| {})?;
        forewarn_engine::quake::write_outputs(&run, &region, &dir.join("out"))?;
        let wall = t0.elapsed().as_secs_f64();
        let _ = std::fs::remove_dir_all(&dir);
        return Ok(
            serde_json::json!({"case": "kashmir", "wall_s": wall, "sites": run.n_sites, "realizations": realizations, "peak_rss_mb": peak_rss_mb()}),
        );
    }
    let (kind, n) = case
        .split_once('-')
        .context("case must be uncorrelated-N, jb2009-N or kashmir")?;
    let n: usize = n.parse().context("case size")?;
    let corr = match kind {
        "uncorrelated" => Correlation::None,
        "jb2009" => Correlation::Jb2009,
        _ => anyhow::bail!("unknown case kind '{kind}'"),
    };
    let r = gmf_case(n, realizations, corr, gmpe)?;
    Ok(serde_json::to_value(&r)?)
}

pub fn run(data: Option<&Path>, cmd: Cmd) -> Result<ExitCode> {
    match cmd {
        Cmd::Quake {
            case: Some(c),
            realizations,
            gmpe,
            ..
        } => {
            println!(
                "{}",
                serde_json::to_string(&one_case(data, &c, realizations, &gmpe)?)?
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Quake {
            case: None,
            realizations,
            gmpe,
            max_sites,
        } => {
            println!("forewarn bench quake: {}", machine());
            println!(
                "  IMTs PGA, SA(0.3), SA(1.0); GMPE set {gmpe}; truncation 3; each case in a fresh process; wall time by std::time::Instant; peak memory = VmHWM"
            );
            let exe = std::env::current_exe()?;
            let mut cases = vec!["uncorrelated-100000".to_string()];
            for n in [40_000usize, 200_000, 1_000_000] {
                if n <= max_sites {
                    cases.push(format!("jb2009-{n}"));
                }
            }
            cases.push("kashmir".into());
            for c in cases {
                let mut cmd = Command::new(&exe);
                if let Some(d) = data {
                    cmd.arg("--data").arg(d);
                }
                let out = cmd
                    .args([
                        "bench",
                        "quake",
                        "--case",
                        &c,
                        "--realizations",
                        &realizations.to_string(),
                        "--gmpe",
                        &gmpe,
                    ])
                    .output()?;
                if !out.status.success() {
                    anyhow::bail!("case {c} failed: {}", String::from_utf8_lossy(&out.stderr));
                }
                let v: serde_json::Value = serde_json::from_slice(&out.stdout)
                    .with_context(|| format!("case {c} output"))?;
                if c == "kashmir" {
                    println!(
                        "  {:<22} whole `forewarn quake` pipeline (Kashmir NRML, {} realisations, JB2009, all outputs): {:.2} s wall, peak {:.0} MB",
                        c,
                        realizations,
                        v["wall_s"].as_f64().unwrap_or(0.0),
                        v["peak_rss_mb"].as_f64().unwrap_or(0.0)
                    );
                } else {
                    println!(
                        "  {:<22} {:>8} sites x {} x 3 IMTs: median {:.2} s + fields {:.2} s = {:.2} s total, {:.1} M values/s, peak {:.0} MB",
                        c,
                        v["sites"],
                        realizations,
                        v["median_s"].as_f64().unwrap_or(0.0),
                        v["fields_s"].as_f64().unwrap_or(0.0),
                        v["total_s"].as_f64().unwrap_or(0.0),
                        v["values_per_s"].as_f64().unwrap_or(0.0) / 1e6,
                        v["peak_rss_mb"].as_f64().unwrap_or(0.0)
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Serve { seconds } => {
            println!("forewarn bench serve: {}", machine());
            println!(
                "  real server on 127.0.0.1, closed loop: each client (own keep-alive connection, same process) POSTs journaled situation reports with a bearer token and sends the next when the last is answered, {seconds} s per case; latency per request; writes = 2xx responses, each checked against the journal afterwards"
            );
            for f in forewarn_server::bench::run_matrix(seconds)? {
                println!(
                    "  {:<10} {:>3} clients: {:>7.0} journaled writes/s ({} writes, {} errors, {} journal entries), p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                    f.backend,
                    f.clients,
                    f.writes_per_s,
                    f.writes,
                    f.errors,
                    f.journal_entries,
                    f.p50_ms,
                    f.p99_ms,
                    f.max_ms
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Flood { n, steps } => {
            println!("forewarn bench flood: {}", machine());
            println!(
                "  fully wet {n} x {n} dam break, {steps} steps, f32 structure of arrays; cell-updates/s = cells x steps / wall time"
            );
            let r = forewarn_flood::bench::run_benchmark(n, steps);
            for b in [&r.one_thread, &r.two_threads] {
                println!(
                    "  {} thread(s): {:.1} M cell-updates/s ({:.2} s), {:.1} B/cell-update -> {:.1} GB/s moved",
                    b.threads,
                    b.cell_updates_per_s / 1e6,
                    b.seconds,
                    b.bytes_per_cell_update,
                    b.achieved_gb_s
                );
            }
            println!("  speed-up on 2 threads: {:.2}x", r.speedup);
            println!(
                "  copy-bandwidth probe: {:.1} GB/s (1 thread), {:.1} GB/s (2 threads)",
                r.copy_gb_s_one_thread, r.copy_gb_s_two_threads
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
