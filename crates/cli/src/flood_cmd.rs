//! `forewarn flood run`: 2D inundation from a scenario or LISFLOOD-FP inputs, with impact.

use crate::quake_cmd::{StatusArg, parse_time};
use anyhow::{Context, Result, bail};
use forewarn_cap::{CapTime, Status};
use forewarn_engine::flood_alert::{self, FloodAlertOptions};
use forewarn_exposure::Exposure;
use forewarn_flood::impact::{People, WarningOptions};
use forewarn_flood::output::OutputOptions;
use forewarn_flood::{RunOptions, Scenario};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Run a flood scenario (TOML, see docs/flood.md) or a LISFLOOD-FP .par file.
    Run(RunArgs),
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// Scenario file (TOML).
    #[arg(
        value_name = "SCENARIO.toml",
        required_unless_present = "lisflood",
        conflicts_with = "lisflood"
    )]
    scenario: Option<PathBuf>,
    /// LISFLOOD-FP parameter file instead of a scenario.
    #[arg(long, value_name = "FILE.par")]
    lisflood: Option<PathBuf>,
    /// Worker threads (default: all cores). Outputs are byte-identical for a fixed count.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Skip the depth snapshots.
    #[arg(long)]
    no_snapshots: bool,
    /// Also write ESRI ASCII grids (always on for LISFLOOD-FP input).
    #[arg(long)]
    ascii: bool,
    /// Population raster (GeoTIFF or ESRI ASCII, EPSG:4326, people per cell) replacing the
    /// proxy exposure (settlements plus the residual grid of people outside them).
    #[arg(long, value_name = "FILE")]
    population: Option<PathBuf>,
    /// CAP status of the alert (Actual, Exercise or Test; case-insensitive).
    #[arg(long, value_enum, default_value = "actual", ignore_case = true)]
    status: StatusArg,
    /// Date-time of the start of the run (the breach's start), e.g. 2026-05-13T06:00:00+00:00
    /// (default: now). Also the alert's sent time, so pass it for byte-identical reruns.
    #[arg(long)]
    time: Option<String>,
    /// The breach has been observed (seen or measured, not only feared): CAP certainty Observed.
    #[arg(long)]
    breach_observed: bool,
    /// CAP sender id.
    #[arg(long, default_value = "forewarn@rcc.sco-forewarn.example")]
    sender: String,
    /// Write alert.xml even for a green alert.
    #[arg(long)]
    cap_always: bool,
    /// Language of summary.html.
    #[arg(long, default_value = "en", value_parser = forewarn_engine::report::words::LANGUAGES)]
    lang: String,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

pub fn run(data: Option<&Path>, cmd: Cmd) -> Result<ExitCode> {
    let Cmd::Run(a) = cmd;
    let region = forewarn_embedded::region_or_dir(data).context("loading the region")?;
    let scenario = match (&a.scenario, &a.lisflood) {
        (Some(p), None) => Scenario::from_toml_path(p, Some(&region))?,
        (None, Some(p)) => forewarn_flood::lisflood::read_par(p)?,
        _ => bail!("give a SCENARIO.toml or --lisflood FILE.par"),
    };
    for w in scenario.warnings.iter() {
        eprintln!("warning: {w}");
    }
    let bar = ProgressBar::new(1000);
    if a.quiet {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} simulated {msg} [{bar:40}] {percent}% (elapsed {elapsed}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let progress = |t: f64, end: f64| {
        bar.set_position((1000.0 * t / end.max(1e-9)) as u64);
        bar.set_message(format!("{:.2} h of {:.2} h", t / 3600.0, end / 3600.0));
    };
    let run = forewarn_flood::run(
        &scenario,
        &RunOptions {
            threads: a.threads,
            progress: Some(&progress),
            precision: None,
        },
    )?;
    bar.finish_and_clear();
    for w in run
        .warnings
        .iter()
        .filter(|w| !scenario.warnings.contains(w))
    {
        eprintln!("warning: {w}");
    }
    let exposure = match &a.population {
        Some(p) => Exposure::from_raster(&region, p)?,
        None => Exposure::proxy(&region),
    };
    let people = match &a.population {
        Some(_) => People::Raster(&exposure.grid),
        None => People::Proxy {
            settlement_people: &exposure.settlement_people,
            residual: &exposure.grid,
        },
    };
    let warning = WarningOptions::default();
    let impact = forewarn_flood::impact::impact_with(&run, &region, people, &warning);
    let written = run.write_outputs(
        &a.out,
        &OutputOptions {
            snapshots: !a.no_snapshots,
            ascii: a.ascii,
        },
    )?;
    forewarn_engine::flood::write_extras(&run, &impact, &region, &a.out, &a.lang)?;
    let start = match &a.time {
        Some(s) => parse_time(s)?,
        None => CapTime::from_utc(
            chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp(), 0).unwrap_or_default(),
        ),
    };
    let alert_note = if impact.alert != "green" || a.cap_always {
        let opt = FloodAlertOptions {
            status: match a.status {
                StatusArg::Actual => Status::Actual,
                StatusArg::Exercise => Status::Exercise,
                StatusArg::Test => Status::Test,
            },
            start,
            sent: start,
            sender: a.sender.clone(),
            breach_observed: a.breach_observed,
            params: warning.params,
        };
        match flood_alert::impact_warning(&run, &impact, &region, &opt) {
            Some(w) => {
                let xml = flood_alert::alert_xml(&w)?;
                forewarn_engine::write_file(&a.out.join("alert.xml"), xml.as_bytes())?;
                format!(
                    "alert.xml: {} areas (downstream reaches), certainty {}",
                    w.areas.len(),
                    if w.observed {
                        "Observed"
                    } else {
                        "from the warning matrix"
                    }
                )
            }
            None => "no alert.xml: no flooded area on geographic terrain".into(),
        }
    } else {
        "Green alert: no alert.xml written (use --cap-always to write one)".into()
    };
    let runtime = serde_json::json!({"wall_s": run.wall_time_s, "steps": run.steps, "cell_updates": run.cell_updates, "threads": a.threads});
    forewarn_engine::write_file(
        &a.out.join("runtime.json"),
        format!("{}\n", serde_json::to_string_pretty(&runtime)?).as_bytes(),
    )?;
    println!("{}", run.scenario_name);
    println!("  ALERT LEVEL: {}", impact.alert.to_uppercase());
    println!(
        "  Simulated {:.1} h in {} steps, {:.1} s wall; volume error {:.2e} %",
        run.end_time_s / 3600.0,
        run.steps,
        run.wall_time_s,
        run.volume_error_pct()
    );
    println!(
        "  People affected (depth >= 0.1 m): {:.0} ({:.0} outside settlements); residential damage USD {:.1}M (2010 prices)",
        impact.affected,
        impact.affected_outside_settlements,
        impact.damage_usd / 1e6
    );
    let ll = &impact.life_loss;
    match ll.lead_time_h {
        Some(lead) => println!(
            "  Deaths: {:.0} without warning; {:.0} with a warning {:.1} h before the water's early-bound arrival; {:.0} lives saved",
            ll.without_warning, ll.with_warning, lead, ll.lives_saved
        ),
        None => println!(
            "  Deaths: {:.0} (no place with people reached)",
            ll.without_warning
        ),
    }
    println!(
        "  Cross-check, Graham (1999) rates: {:.0} without warning ({:.0}-{:.0}), {:.0} with the warning ({:.0}-{:.0})",
        ll.graham_1999.without_warning,
        ll.graham_1999.without_warning_range[0],
        ll.graham_1999.without_warning_range[1],
        ll.graham_1999.with_warning,
        ll.graham_1999.with_warning_range[0],
        ll.graham_1999.with_warning_range[1]
    );
    let reached: Vec<_> = impact
        .settlements
        .iter()
        .filter(|s| s.arrival_time_s.is_some())
        .collect();
    if !reached.is_empty() {
        println!("  Settlements reached (arrival of 0.1 m: early bound / modelled):");
        for s in reached.iter().take(15) {
            println!(
                "    {:<22} {} pop {:>7}  arrival {:>6.2} / {:>6.2} h  flooded {:>3.0} %  max depth {:>5.1} m",
                s.name,
                s.country,
                s.population,
                s.arrival_early_s.unwrap_or(0.0) / 3600.0,
                s.arrival_time_s.unwrap_or(0.0) / 3600.0,
                100.0 * s.share_flooded,
                s.max_depth_m
            );
        }
    }
    println!("  {alert_note}");
    println!(
        "  Wrote {} grid and table files (+ summary.json, summary.html, runtime.json, flood_extent.geojson and map.png for geographic runs, alert.xml when issued) to {}",
        written.len(),
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
