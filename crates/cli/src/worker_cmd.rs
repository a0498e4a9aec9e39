//! `forewarn worker`: runs incidents from the queue that `forewarn serve` nodes on one
//! PostgreSQL database share, with no HTTP (docs/deploy.md).

use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The PostgreSQL database of the server nodes (postgres://user@host:port/db).
    #[arg(long, env = "FOREWARN_DB")]
    db: String,
    /// Runs at the same time (each uses the cores it gets); default one per two cores.
    #[arg(long, value_name = "N")]
    slots: Option<usize>,
    /// Read the flood scenarios that gauge runs name from this directory instead of the
    /// embedded copies (as `serve --scenarios-dir`).
    #[arg(long, value_name = "DIR")]
    scenarios_dir: Option<PathBuf>,
    /// Vs30 raster (GeoTIFF, EPSG:4326, m/s) for the earthquake runs, as `serve --vs30`.
    #[arg(long, value_name = "FILE.tif")]
    vs30: Option<PathBuf>,
}

/// Most runs one worker takes at once (each run is a whole engine run).
const MAX_SLOTS: usize = 64;

pub fn run(a: Args) -> Result<ExitCode> {
    if let Some(n) = a.slots
        && !(1..=MAX_SLOTS).contains(&n)
    {
        bail!("--slots must be 1 to {MAX_SLOTS}, got {n}");
    }
    let cfg = forewarn_server::WorkerConfig {
        db: a.db.clone(),
        scenarios_dir: a.scenarios_dir,
        vs30: a.vs30,
        slots: a.slots,
    };
    forewarn_server::work_blocking(cfg, |node| {
        println!("forewarn worker {node}: taking runs from the queue");
    })
    .context("worker")?;
    Ok(ExitCode::SUCCESS)
}
