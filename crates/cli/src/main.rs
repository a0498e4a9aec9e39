//! `forewarn`: one binary, one sub-command per job. Each sub-command lives in its own module
//! and is a thin layer over the library crates.

mod bench_cmd;
mod cap_cmd;
mod exercise_cmd;
mod flood_cmd;
mod progress;
mod quake_cmd;
mod region_cmd;
mod serve_cmd;
mod worker_cmd;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "forewarn",
    version,
    about = "Proactive disaster management for the SCO region: hazard, impact, warnings, exercises",
    long_about = None
)]
struct Cli {
    /// Region data directory (defaults to the region embedded in the binary).
    #[arg(long, global = true, value_name = "DIR", env = "FOREWARN_DATA")]
    data: Option<PathBuf>,
    /// Log level filter for messages on stderr (error, warn, info, debug, trace).
    #[arg(long, global = true, default_value = "warn", env = "FOREWARN_LOG")]
    log: String,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Show what the region holds: countries, settlements, terrain, data sources.
    Region(region_cmd::Args),
    /// Earthquake scenario: shaking, exposure, losses, alert level, CAP alert and maps.
    Quake(Box<quake_cmd::Args>),
    /// Flood inundation (local-inertial 2D) and impact.
    #[command(subcommand)]
    Flood(flood_cmd::Cmd),
    /// CAP 1.2 messages: validate, sign, verify, update, cancel, feed.
    #[command(subcommand)]
    Cap(cap_cmd::Cmd),
    /// Performance benchmarks (print their figures and how they were measured).
    #[command(subcommand)]
    Bench(bench_cmd::Cmd),
    /// Joint simulation exercises: validate a definition, run it headless with bot players.
    #[command(subcommand)]
    Exercise(exercise_cmd::Cmd),
    /// Operations platform: HTTP API, live events and the web UI (`serve --demo` to try it).
    Serve(serve_cmd::Args),
    /// Runs incidents from the queue `serve` nodes share on PostgreSQL (no HTTP).
    Worker(worker_cmd::Args),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // Piping a report into `head` must end quietly, not panic on a closed stdout: the
    // commands that write to stdout get the default SIGPIPE action. Not `serve` (a client
    // that hangs up mid-response would kill the server; Rust's ignored SIGPIPE turns it into
    // an EPIPE error on that one connection) and not `bench` (its clients talk to servers).
    #[cfg(unix)]
    if !matches!(cli.cmd, Cmd::Serve(_) | Cmd::Worker(_) | Cmd::Bench(_)) {
        // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&cli.log).unwrap_or_else(|_| "warn".into()),
        )
        .init();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<std::process::ExitCode> {
    let data = cli.data.as_deref();
    match cli.cmd {
        Cmd::Region(a) => region_cmd::run(data, a),
        Cmd::Quake(a) => quake_cmd::run(data, *a),
        Cmd::Flood(c) => flood_cmd::run(data, c),
        Cmd::Cap(c) => cap_cmd::run(c),
        Cmd::Bench(c) => bench_cmd::run(data, c),
        Cmd::Exercise(c) => exercise_cmd::run(data, c),
        Cmd::Serve(a) => serve_cmd::run(a),
        Cmd::Worker(a) => worker_cmd::run(a),
    }
}
