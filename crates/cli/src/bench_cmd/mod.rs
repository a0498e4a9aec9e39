//! `forewarn bench`: the performance benchmarks. Each prints its figure and how it was
//! measured. Quake cases run in a fresh process each (peak memory per case).

mod cluster;
mod expocat;
mod server_child;

use anyhow::{Context, Result};
use expocat::{ExpocatArgs, expocat};
use forewarn_engine::bench::{gmf_case, peak_rss_mb};
use forewarn_quake::shaking::Correlation;
use server_child::{start_server, start_server_with};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Ground-motion fields (100k sites uncorrelated; 40k/200k/1M with JB2009), the Kashmir
    /// run, and OpenQuake's scenario work on 10k sites (oq-scenario-10000: gmf.csv of PGA, PGV,
    /// SA(0.3), SA(1.0); the equivalent OpenQuake job is written beside it, see --oq-dir).
    Quake {
        /// Run one case only: uncorrelated-<N>, jb2009-<N>, oq-scenario-<N> or kashmir.
        #[arg(long)]
        case: Option<String>,
        /// Keep the oq-scenario case's files here (gmf.csv and the OpenQuake job.ini,
        /// gmpe_logic_tree.xml, site_model.csv, rupture.xml doing the same work; run it with
        /// `oq engine --run DIR/job.ini`). Default: a temporary directory, removed.
        #[arg(long, value_name = "DIR")]
        oq_dir: Option<PathBuf>,
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
    /// Several nodes on one temporary PostgreSQL: journaled writes/s and p99 with 1, 2 and 3
    /// nodes, and the failover time of the watch and of a run when a node is killed
    /// (docs/deploy.md).
    Cluster {
        /// Seconds per write case.
        #[arg(long, default_value_t = 10.0, value_parser = positive_seconds)]
        seconds: f64,
        /// Concurrent writing clients.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..=1000))]
        clients: u16,
    },
    /// Soak: a paced mix of reads, writes, SSE subscribers, small quake runs and a live
    /// exercise against `serve --demo` (child process, fresh SQLite file) on 127.0.0.1,
    /// sampling the server's RSS, open files and p99 latency; exit 1 if any request failed or
    /// RSS grew by --max-rss-growth-pct or more after the warm-up.
    Soak(SoakArgs),
    /// Exposure against PAGER's EXPO-CAT: the region's deadliest events (M >= 6, 1960-2007)
    /// run as points at their catalogue time; people at MMI VII+, VIII+, IX+ compared
    /// (docs/validation.md). Not a timing: a validation table.
    Expocat(ExpocatArgs),
    /// Proactive watch: a recorded feed of 60 events over 10 min of feed time (5 in the
    /// region above the demo thresholds, duplicates from a second agency, revisions) replayed
    /// to `serve --demo --watch` polling every 2 s; p50/p95 from an item first served to its
    /// automatic incident and to its draft alert.
    Watch {
        /// Feed time runs this many times faster than wall time (1-100).
        #[arg(long, default_value_t = 10.0, value_parser = speed_factor)]
        speed: f64,
        /// Seconds to wait after the feed ended for the last drafts.
        #[arg(long, default_value_t = 120.0, value_parser = positive_seconds)]
        grace_seconds: f64,
    },
    /// Fully wet 1000 x 1000 dam break on 1 and 2 threads with a copy-bandwidth probe, and
    /// Environment Agency test 5 (7200 s): the tiled sweep against the bounding-rows kernel
    /// before it, in the same invocation.
    Flood {
        /// Dam-break grid side, cells (4-8000).
        #[arg(long, default_value_t = 1000)]
        n: usize,
        /// Dam-break steps (1-100000).
        #[arg(long, default_value_t = 200)]
        steps: usize,
        /// Directory of the EA test 5 inputs (LISFLOOD-FP .par, .bci, .bdy, .stage and the
        /// gzipped DEM ea5-10m.dem.raw.gz).
        #[arg(long, default_value = "../shared/reference/flood/ea-test5")]
        ea5_dir: PathBuf,
        /// Simulated time of the EA test 5 case, s (0 skips the case; at most 108000).
        #[arg(long, default_value_t = 7200.0)]
        ea5_end_s: f64,
        /// Worker threads of the EA test 5 case (1-256).
        #[arg(long, default_value_t = 2)]
        ea5_threads: usize,
        /// Tile sides to run, comma-separated (1-4096 cells, at most 8 sides).
        #[arg(long, value_delimiter = ',', default_value = "16,32")]
        tile_sides: Vec<usize>,
        /// Runs of each EA test 5 sweep, alternating between sweeps (1-20).
        #[arg(long, default_value_t = 1)]
        repeats: usize,
    },
}

#[derive(clap::Args)]
pub struct SoakArgs {
    /// Duration in minutes (fractions allowed: 0.1 = 6 s).
    #[arg(long, default_value_t = 30.0, value_parser = positive_minutes)]
    minutes: f64,
    /// Seconds between two samples.
    #[arg(long, default_value_t = 60.0, value_parser = positive_seconds)]
    sample_seconds: f64,
    /// Minutes of warm-up before the RSS baseline (the first sample at or after it).
    #[arg(long, default_value_t = 5.0)]
    warmup_minutes: f64,
    /// Largest tolerated RSS growth after the warm-up, percent.
    #[arg(long, default_value_t = 10.0)]
    max_rss_growth_pct: f64,
    /// Reader clients (each one GET every 50 ms at most).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(0..=64))]
    readers: u16,
    /// Writer clients (sitreps and the request/offer cycle, one step every 200 ms).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(0..=16))]
    writers: u16,
    /// SSE subscribers (each reconnects every 20 s).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(0..=64))]
    subscribers: u16,
    /// Seconds between the starts of two small quake runs (M5.0, medians only).
    #[arg(long, default_value_t = 30.0, value_parser = positive_seconds)]
    quake_every_seconds: f64,
}

/// At most a week, so that a typo cannot hold the machine.
fn positive_minutes(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 7.0 * 24.0 * 60.0 => Ok(v),
        _ => Err(format!(
            "'{s}': give minutes > 0 and at most 10080 (a week)"
        )),
    }
}

fn speed_factor(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (1.0..=100.0).contains(&v) => Ok(v),
        _ => Err(format!("'{s}': give a speed factor from 1 to 100")),
    }
}

fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.1..=86_400.0).contains(&v) => Ok(v),
        _ => Err(format!("'{s}': give seconds from 0.1 to 86400")),
    }
}

fn soak(data: Option<&Path>, a: SoakArgs) -> Result<ExitCode> {
    use forewarn_server::bench::soak::{
        EXERCISE_CYCLE, READ_PAUSE, SSE_HOLD, SoakConfig, WRITE_PAUSE,
    };
    let (server, addr) = start_server(data)?;
    let cfg = SoakConfig {
        addr,
        server_pid: server.child.id(),
        password: "forewarn-demo".into(),
        duration: std::time::Duration::from_secs_f64(a.minutes * 60.0),
        sample_every: std::time::Duration::from_secs_f64(a.sample_seconds),
        warmup: std::time::Duration::from_secs_f64(a.warmup_minutes.max(0.0) * 60.0),
        readers: a.readers.into(),
        writers: a.writers.into(),
        subscribers: a.subscribers.into(),
        quake_every: std::time::Duration::from_secs_f64(a.quake_every_seconds),
    };
    println!("forewarn bench soak: {}", machine());
    println!(
        "  server: `forewarn serve --demo` (pid {}) on {addr}, fresh SQLite file; {} min, sample every {} s, warm-up {} min",
        cfg.server_pid, a.minutes, a.sample_seconds, a.warmup_minutes
    );
    println!(
        "  load (paced): {} readers (a GET every {} ms), {} writers (sitreps, request/offer cycle; a step every {} ms), {} SSE subscribers (reconnect every {} s), an M5.0 quake run every {} s with its alert draft/approve/publish, the Pamir exercise at x60 (tj, kg players; {} s per exercise)",
        a.readers,
        READ_PAUSE.as_millis(),
        a.writers,
        WRITE_PAUSE.as_millis(),
        a.subscribers,
        SSE_HOLD.as_secs(),
        a.quake_every_seconds,
        EXERCISE_CYCLE.as_secs()
    );
    println!(
        "  RSS = VmRSS of the server process at the end of the interval, floor = its lowest reading in the interval (read every {} s), open files = entries of /proc/PID/fd, p99 over the interval's requests",
        forewarn_server::bench::soak::RSS_PROBE.as_secs()
    );
    println!(
        "  {:>8} {:>9} {:>7} {:>9} {:>9} {:>9} {:>6} {:>10} {:>6} {:>9}",
        "t_s",
        "requests",
        "failed",
        "p99_ms",
        "rss_mb",
        "floor_mb",
        "fds",
        "sse_events",
        "quakes",
        "exercises"
    );
    let mut print = |s: &forewarn_server::bench::soak::Sample| {
        println!(
            "  {:>8.1} {:>9} {:>7} {:>9.1} {:>9.1} {:>9.1} {:>6} {:>10} {:>6} {:>9}",
            s.t_s,
            s.requests,
            s.failures,
            s.p99_ms,
            s.rss_mb,
            s.rss_floor_mb,
            s.open_fds,
            s.sse_events,
            s.quake_runs,
            s.exercises
        );
    };
    let report = forewarn_server::bench::soak::run(&cfg, &mut print);
    let report = match report {
        Ok(r) => r,
        Err(e) => anyhow::bail!("{e}; server stderr:\n{}", server.stderr_tail()),
    };
    drop(server);
    println!(
        "  total: {} requests, {} failed",
        report.requests, report.failures
    );
    for n in &report.failure_notes {
        println!("  failure: {n}");
    }
    let mut ok = report.failures == 0;
    match (
        report.rss_after_warmup_mb,
        report.rss_growth_pct,
        report.rss_floor_after_warmup_mb,
        report.rss_floor_growth_pct,
    ) {
        (Some(w), Some(g), Some(wf), Some(gf)) => {
            let last = report.samples.last();
            let last_mb = last.map(|s| s.rss_mb).unwrap_or(w);
            let last_floor_mb = last.map(|s| s.rss_floor_mb).unwrap_or(wf);
            println!(
                "  RSS at the samples after warm-up: {w:.1} MB -> {last_mb:.1} MB ({g:+.1}%; shown, not judged: it includes work in flight at the instant)"
            );
            let verdict = if gf < a.max_rss_growth_pct {
                "ok"
            } else {
                ok = false;
                "TOO MUCH"
            };
            println!(
                "  RSS floor after warm-up: {wf:.1} MB -> {last_floor_mb:.1} MB ({gf:+.1}%, limit {:.0}%): {verdict}",
                a.max_rss_growth_pct
            );
        }
        _ => println!("  RSS growth not judged: the run ended before the warm-up did"),
    }
    println!("  result: {}", if ok { "PASS" } else { "FAIL" });
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn watch(data: Option<&Path>, speed: f64, grace_seconds: f64) -> Result<ExitCode> {
    use forewarn_server::bench::watch as bw;
    let dir = tempfile::tempdir().context("creating a temporary directory")?;
    let toml = dir.path().join("watch.toml");
    println!("forewarn bench watch: {}", machine());
    println!(
        "  feed: {} events over {:.0} min of feed time at x{speed} ({:.0} s wall), {} in the region above the demo thresholds; a second agency (FDSN text) repeats every event 3 s later; revisions of every sixth event; both sources polled every {} s",
        bw::EVENTS,
        bw::EVENTS as f64 * bw::EVERY_S / 60.0,
        bw::EVENTS as f64 * bw::EVERY_S / speed,
        bw::script().iter().filter(|e| e.expected).count(),
        bw::POLL_S
    );
    let run = bw::run_blocking(
        speed,
        "forewarn-demo",
        std::time::Duration::from_secs_f64(grace_seconds),
        |text| {
            std::fs::write(&toml, text).map_err(|e| e.to_string())?;
            start_server_with(data, &["--watch".into(), toml.clone().into()])
                .map_err(|e| e.to_string())
        },
    );
    let (fig, server, addr) = run.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "  server: `forewarn serve --demo --watch` (pid {}) on {addr}, fresh SQLite file",
        server.child.id()
    );
    drop(server);
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{:.0}", x))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "  first served -> automatic incident (ms): {}",
        list(&fig.incident_ms)
    );
    println!(
        "  first served -> draft alert (ms):        {}",
        list(&fig.draft_ms)
    );
    println!(
        "  incident: p50 {:.0} ms, p95 {:.0} ms; draft: p50 {:.0} ms, p95 {:.0} ms",
        fig.p50_incident_ms, fig.p95_incident_ms, fig.p50_draft_ms, fig.p95_draft_ms
    );
    println!(
        "  published in the feed -> incident (ms): {}; -> draft (ms): {} (adds the wait for the next poll)",
        list(&fig.published_incident_ms),
        list(&fig.published_draft_ms)
    );
    println!(
        "  missed: {:?}; unexpected incidents: {:?}; duplicated: {:?}",
        fig.missed, fig.unexpected, fig.duplicated
    );
    for s in fig.source_health["items"].as_array().into_iter().flatten() {
        println!(
            "  source {}: polls {}, 304s {}, items seen {}, accepted {}, unchanged {}, rejected {}",
            s["name"],
            s["polls"],
            s["not_modified"],
            s["items_seen"],
            s["items_accepted"],
            s["items_unchanged"],
            s["items_rejected"]
        );
    }
    let ok = fig.missed.is_empty()
        && fig.unexpected.is_empty()
        && fig.duplicated.is_empty()
        && fig.p95_draft_ms <= 10_000.0;
    println!(
        "  result: {} (target: p95 from first served to draft <= 10 s, nothing missed or duplicated)",
        if ok { "PASS" } else { "FAIL" }
    );
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Throughput and latency of a write benchmark, as `bench serve` and `bench cluster` print them.
pub(crate) fn write_figures(f: &forewarn_server::bench::BenchFigures) -> String {
    format!(
        "{:>7.0} journaled writes/s ({} writes, {} errors, {} journal entries), p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        f.writes_per_s, f.writes, f.errors, f.journal_entries, f.p50_ms, f.p99_ms, f.max_ms
    )
}

pub(crate) fn machine() -> String {
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
    oq_dir: Option<&Path>,
) -> Result<serde_json::Value> {
    if let Some(n) = case.strip_prefix("oq-scenario-") {
        let n: usize = n.parse().context("case size")?;
        forewarn_engine::limits::check_user_sites(n)?;
        let tmp = tempfile::tempdir()?;
        let dir = oq_dir.map_or_else(|| tmp.path().to_path_buf(), Path::to_path_buf);
        let text = include_str!("../../../../scenarios/kashmir-2005.xml");
        let sites = forewarn_engine::bench::lattice_sites(n);
        let r = forewarn_engine::bench::oq_scenario_case(text, &sites, realizations, gmpe, &dir)?;
        return Ok(serde_json::to_value(&r)?);
    }
    if case == "kashmir" {
        let t0 = Instant::now();
        let region = forewarn_embedded::region_or_dir(data)?;
        let exposure = forewarn_exposure::Exposure::proxy(&region);
        let text = include_str!("../../../../scenarios/kashmir-2005.xml");
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
            extra_imts: vec![],
            sites_file: None,
            vs30_grid: None,
            vs30_file: None,
            event_name: None,
            event_year: None,
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
        Cmd::Expocat(a) => expocat(data, &a),
        Cmd::Quake {
            case: Some(c),
            realizations,
            gmpe,
            oq_dir,
            ..
        } => {
            println!(
                "{}",
                serde_json::to_string(&one_case(
                    data,
                    &c,
                    realizations,
                    &gmpe,
                    oq_dir.as_deref()
                )?)?
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Quake {
            case: None,
            realizations,
            gmpe,
            max_sites,
            oq_dir,
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
            cases.push("oq-scenario-10000".into());
            for c in cases {
                let mut cmd = Command::new(&exe);
                if let Some(d) = data {
                    cmd.arg("--data").arg(d);
                }
                if let (Some(d), true) = (&oq_dir, c.starts_with("oq-scenario")) {
                    cmd.arg("bench").arg("quake").arg("--oq-dir").arg(d);
                } else {
                    cmd.args(["bench", "quake"]);
                }
                let out = cmd
                    .args([
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
                if c.starts_with("oq-scenario") {
                    println!(
                        "  {:<22} OpenQuake scenario work: {} sites x {} fields x {} IMTs ({}), JB2009 + cross-IMT correlation, gmf.csv written: median {:.2} s + fields and CSV {:.2} s = {:.2} s, {} rows, {:.0} MB CSV, peak {:.0} MB",
                        c,
                        v["sites"],
                        realizations,
                        v["imts"].as_array().map_or(0, Vec::len),
                        v["imts"]
                            .as_array()
                            .map(|a| a
                                .iter()
                                .filter_map(|x| x.as_str())
                                .collect::<Vec<_>>()
                                .join(", "))
                            .unwrap_or_default(),
                        v["median_s"].as_f64().unwrap_or(0.0),
                        v["fields_and_csv_s"].as_f64().unwrap_or(0.0),
                        v["total_s"].as_f64().unwrap_or(0.0),
                        v["rows"],
                        v["csv_bytes"].as_f64().unwrap_or(0.0) / 1e6,
                        v["peak_rss_mb"].as_f64().unwrap_or(0.0)
                    );
                } else if c == "kashmir" {
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
                    "  {:<10} {:>3} clients: {}",
                    f.backend,
                    f.clients,
                    write_figures(&f)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Soak(a) => soak(data, a),
        Cmd::Cluster { seconds, clients } => {
            cluster::run(seconds, clients as usize)?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Watch {
            speed,
            grace_seconds,
        } => watch(data, speed, grace_seconds),
        Cmd::Flood {
            n,
            steps,
            ea5_dir,
            ea5_end_s,
            ea5_threads,
            tile_sides,
            repeats,
        } => {
            let args = FloodArgs {
                n,
                steps,
                ea5_dir,
                ea5_end_s,
                ea5_threads,
                tile_sides,
                repeats,
            };
            args.check()?;
            flood(&args)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

struct FloodArgs {
    n: usize,
    steps: usize,
    ea5_dir: PathBuf,
    ea5_end_s: f64,
    ea5_threads: usize,
    tile_sides: Vec<usize>,
    repeats: usize,
}

impl FloodArgs {
    /// Limits on every argument, each error naming the flag and its limit.
    fn check(&self) -> Result<()> {
        if !(4..=8000).contains(&self.n) {
            anyhow::bail!("--n must be 4-8000 cells, got {}", self.n);
        }
        if !(1..=100_000).contains(&self.steps) {
            anyhow::bail!("--steps must be 1-100000, got {}", self.steps);
        }
        if !(self.ea5_end_s.is_finite() && (0.0..=108_000.0).contains(&self.ea5_end_s)) {
            anyhow::bail!("--ea5-end-s must be 0-108000 s, got {}", self.ea5_end_s);
        }
        if !(1..=256).contains(&self.ea5_threads) {
            anyhow::bail!("--ea5-threads must be 1-256, got {}", self.ea5_threads);
        }
        if self.tile_sides.is_empty() || self.tile_sides.len() > 8 {
            anyhow::bail!(
                "--tile-sides takes 1-8 sides, got {}",
                self.tile_sides.len()
            );
        }
        if let Some(s) = self.tile_sides.iter().find(|s| !(1..=4096).contains(*s)) {
            anyhow::bail!("--tile-sides: each side must be 1-4096 cells, got {s}");
        }
        if !(1..=20).contains(&self.repeats) {
            anyhow::bail!("--repeats must be 1-20, got {}", self.repeats);
        }
        Ok(())
    }
}

/// `forewarn bench flood`: the fully wet dam break and EA test 5, tiles against bounding rows.
fn flood(a: &FloodArgs) -> Result<()> {
    use forewarn_flood::Sweep;
    use forewarn_flood::bench::{self as fb, max_abs_diff};
    let (n, steps) = (a.n, a.steps);
    let mut sweeps: Vec<Sweep> = a
        .tile_sides
        .iter()
        .map(|&side| Sweep::Tiles { side })
        .collect();
    sweeps.push(Sweep::BoundingRows);
    println!("forewarn bench flood: {}", machine());
    println!(
        "  fully wet {n} x {n} dam break, {steps} steps, f32 structure of arrays; cell-updates/s = cells x steps / wall time of the step loop; each sweep in turn on the same machine (other load affects both)"
    );
    let mut tiled_two = None;
    let mut tiled_one = None;
    for threads in [1usize, 2] {
        let mut cpu = Vec::new();
        let runs: Vec<fb::BenchResult> = sweeps
            .iter()
            .map(|&s| {
                let cpu0 = process_cpu_s();
                let r = fb::dam_break(n, steps, threads, s);
                cpu.push(process_cpu_s() - cpu0);
                r
            })
            .collect();
        let rows = &runs[runs.len() - 1];
        let mut line = format!("  {threads} thread(s):");
        for (r, cpu) in runs.iter().zip(&cpu) {
            line += &format!(
                " {} {:.1} M cell-updates/s ({:.2} s, {:.2} CPU-s incl. set-up, {:.1} GB/s at {:.0} B/update);",
                r.sweep,
                r.cell_updates_per_s / 1e6,
                r.seconds,
                cpu,
                r.achieved_gb_s,
                r.bytes_per_cell_update
            );
        }
        println!("{}", line.trim_end_matches(';'));
        let rows_cpu = cpu[cpu.len() - 1];
        for (r, cpu) in runs[..runs.len() - 1].iter().zip(&cpu) {
            println!(
                "    {} time / bounding rows time: {:.3} wall, {:.3} CPU; max |final depth difference| {} m",
                r.sweep,
                r.seconds / rows.seconds.max(1e-12),
                cpu / rows_cpu.max(1e-12),
                max_abs_diff(&r.final_depth_m, &rows.final_depth_m)
            );
        }
        if threads == 1 {
            tiled_one = Some(runs[0].seconds);
        } else {
            tiled_two = Some(runs[0].seconds);
        }
    }
    if let (Some(one), Some(two)) = (tiled_one, tiled_two) {
        println!(
            "  speed-up on 2 threads ({}): {:.2}x",
            fb::sweep_name(sweeps[0]),
            one / two.max(1e-12)
        );
    }
    println!(
        "  copy-bandwidth probe: {:.1} GB/s (1 thread), {:.1} GB/s (2 threads)",
        fb::copy_bandwidth_gb_s(1, 256, 5),
        fb::copy_bandwidth_gb_s(2, 256, 5)
    );
    if a.ea5_end_s > 0.0 {
        ea5(a, &sweeps)?;
    }
    Ok(())
}

/// CPU time (user + system) used by this process so far, s (from /proc/self/stat, in clock
/// ticks of 1/100 s; 0 when unreadable). On a machine shared with other work it is steadier
/// than wall time: time spent waiting for a core is not counted.
fn process_cpu_s() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name (which ends with ')'): utime is the 12th, stime the 13th.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ut: f64 = f.get(11)?.parse().ok()?;
            let st: f64 = f.get(12)?.parse().ok()?;
            Some((ut + st) / 100.0)
        })
        .unwrap_or(0.0)
}

/// The EA test 5 case: the shared inputs unpacked into a temporary directory, run to
/// `ea5_end_s` with each sweep (alternating, `repeats` times), outputs compared.
fn ea5(a: &FloodArgs, sweeps: &[forewarn_flood::Sweep]) -> Result<()> {
    use forewarn_flood::bench::{max_run_diff, scenario_case};
    use std::io::Read;
    let tmp = std::env::temp_dir().join(format!("forewarn-bench-ea5-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let result = (|| -> Result<()> {
        for f in ["ea5-10m.par", "ea5-10m.bci", "ea5.bdy", "ea5.stage"] {
            std::fs::copy(a.ea5_dir.join(f), tmp.join(f))
                .with_context(|| format!("--ea5-dir: {}", a.ea5_dir.join(f).display()))?;
        }
        let gz_path = a.ea5_dir.join("ea5-10m.dem.raw.gz");
        let gz = std::fs::File::open(&gz_path)
            .with_context(|| format!("--ea5-dir: {}", gz_path.display()))?;
        // The DEM is 1378 x 1224 values as text (~10 MB); refuse anything far larger.
        let mut dem = String::new();
        flate2::read::GzDecoder::new(gz)
            .take(200 << 20)
            .read_to_string(&mut dem)
            .with_context(|| format!("--ea5-dir: unpacking {}", gz_path.display()))?;
        std::fs::write(tmp.join("ea5-10m.dem"), dem)?;
        let mut sc = forewarn_flood::lisflood::read_par(&tmp.join("ea5-10m.par"))?;
        sc.sim.end_time_s = a.ea5_end_s;
        sc.sim.output_interval_s = 0.0;
        let spec = sc.terrain.spec;
        println!(
            "  EA test 5 ({}; {} x {} cells of {} m, {} s simulated, {} thread(s), f32; wall time of the whole run incl. set-up and mass records; cells/step = cells updated / steps; sweeps alternate):",
            a.ea5_dir.display(),
            spec.ncols,
            spec.nrows,
            spec.dx,
            a.ea5_end_s,
            a.ea5_threads
        );
        let mut best: Vec<Option<forewarn_flood::bench::ScenarioFigures>> =
            sweeps.iter().map(|_| None).collect();
        let mut cpu_s = vec![f64::INFINITY; sweeps.len()];
        for rep in 0..a.repeats {
            for (k, &s) in sweeps.iter().enumerate() {
                let cpu0 = process_cpu_s();
                let f = scenario_case(&sc, a.ea5_threads, s)?;
                let cpu = process_cpu_s() - cpu0;
                cpu_s[k] = cpu_s[k].min(cpu);
                println!(
                    "    run {}: {:<14} {:>7.2} s wall, {:>7.2} CPU-s, {} steps, {:>8.0} cells/step, {:>6.1} M cell-updates/s",
                    rep + 1,
                    f.sweep,
                    f.wall_s,
                    cpu,
                    f.steps,
                    f.cells_per_step,
                    f.cell_updates_per_s / 1e6
                );
                if best[k].as_ref().is_none_or(|b| f.wall_s < b.wall_s) {
                    best[k] = Some(f);
                }
            }
        }
        let best: Vec<_> = best.into_iter().flatten().collect();
        let rows = &best[best.len() - 1];
        let flooded = rows
            .run
            .max_depth_m
            .data
            .iter()
            .filter(|&&h| h >= 0.1)
            .count();
        let last = rows.run.mass_balance.last();
        println!(
            "    bounding rows: {flooded} cells flooded >= 0.1 m; stored {:.4e} m3 of {:.4e} m3 inflow",
            last.map(|m| m.stored_m3).unwrap_or(0.0),
            last.map(|m| m.inflow_m3).unwrap_or(0.0)
        );
        let rows_cpu = cpu_s[best.len() - 1];
        for (k, f) in best[..best.len() - 1].iter().enumerate() {
            println!(
                "    {}: {:.2}x faster than bounding rows in wall time ({:.2} s vs {:.2} s), {:.2}x in CPU time ({:.2} vs {:.2} CPU-s), best of {} run(s) each; {:.2}x fewer cells/step; max |difference| over max/final depth, speed, arrival, duration, gauges, volumes: {}",
                f.sweep,
                rows.wall_s / f.wall_s.max(1e-12),
                f.wall_s,
                rows.wall_s,
                rows_cpu / cpu_s[k].max(1e-12),
                cpu_s[k],
                rows_cpu,
                a.repeats,
                rows.cells_per_step / f.cells_per_step.max(1e-12),
                max_run_diff(&f.run, &rows.run)
            );
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&tmp);
    result
}
