//! `forewarn exercise`: validate an exercise file, or run it headless with bot players.

use anyhow::{Context, Result};
use forewarn_exercise::{Exercise, HazardSet, Options, PlanFiles, Speed};
use forewarn_exposure::Exposure;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Check an exercise file; errors name the line and field.
    Validate {
        #[arg(value_name = "FILE.toml")]
        file: PathBuf,
        /// Let the plan name files anywhere (absolute paths, `..`); by default they must be
        /// inside the plan's folder.
        #[arg(long)]
        allow_any_path: bool,
    },
    /// Run an exercise headless and write journal.jsonl, metrics.json, aar.html and cap/*.xml.
    Run(RunArgs),
}

#[derive(clap::Args)]
pub struct RunArgs {
    #[arg(value_name = "FILE.toml")]
    file: PathBuf,
    /// Clock speed: max (as fast as possible, simulated wall time) or a factor N (xN).
    #[arg(long, default_value = "max")]
    speed: String,
    /// Teams with a [team.bot] doctrine play by themselves.
    #[arg(long)]
    bots: bool,
    /// Seed of the consequence model and bot jitter (same seed, same journal).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Let the plan name files anywhere (absolute paths, `..`); by default they must be
    /// inside the plan's folder.
    #[arg(long)]
    allow_any_path: bool,
}

/// Reads the plan; the files it names resolve inside its folder unless `allow_any_path`.
fn load(file: &Path, allow_any_path: bool) -> Result<forewarn_exercise::Plan> {
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let files = if allow_any_path {
        PlanFiles::unrestricted(&dir)
    } else {
        PlanFiles::local(&dir)
    };
    Ok(forewarn_exercise::load_with(file, files)?)
}

pub fn run(data: Option<&Path>, cmd: Cmd) -> Result<ExitCode> {
    match cmd {
        Cmd::Validate {
            file,
            allow_any_path,
        } => {
            let plan = load(&file, allow_any_path)?;
            let d = &plan.def;
            let conditional = plan.inject_condition.iter().filter(|c| c.is_some()).count();
            println!(
                "{}: valid. {} ({}), {} organisations, {} teams, {} objectives, {} hazards, {} injects ({} conditional), {} feed reports, {} h, languages {}",
                file.display(),
                d.exercise.name,
                d.exercise.hseep_type.label(),
                d.organisations.len(),
                d.teams.len(),
                d.objectives.len(),
                d.hazards.len(),
                d.injects.len(),
                conditional,
                d.feeds.len(),
                plan.duration_s / 3600,
                d.exercise.languages.join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Run(a) => run_headless(data, a),
    }
}

fn run_headless(data: Option<&Path>, a: RunArgs) -> Result<ExitCode> {
    let t0 = Instant::now();
    let speed = Speed::parse(&a.speed)
        .map_err(anyhow::Error::msg)
        .context("--speed")?;
    let plan = Arc::new(load(&a.file, a.allow_any_path)?);
    let region = forewarn_embedded::region_or_dir(data).context("loading the region")?;
    let exposure = Exposure::proxy(&region);
    let hazards = Arc::new(HazardSet::compute(&plan, &region, &exposure, a.seed)?);
    let t_hazards = t0.elapsed().as_secs_f64();
    let mut ex = Exercise::new(
        plan.clone(),
        hazards,
        Options {
            seed: a.seed,
            bots: a.bots,
            speed: Some(speed),
            live_wall_ms: None,
            human_teams: Default::default(),
        },
    )?;
    ex.run_to_end();
    let (m, files) = forewarn_exercise::output::write_outputs(&ex, &region, &a.out)?;
    let wall = t0.elapsed().as_secs_f64();
    println!(
        "EXERCISE {} ({} h scenario, {} injects, seed {}, bots {})",
        plan.def.exercise.name,
        plan.duration_s / 3600,
        plan.def.injects.len(),
        a.seed,
        if a.bots { "on" } else { "off" }
    );
    let t = &m.totals;
    println!(
        "  People at risk {:.0}; unwarned at impact {:.0}; deaths {:.0}; rescued alive {:.0}; unmet Sphere needs {:.0} %",
        t.people_at_risk,
        t.unwarned_at_impact,
        t.deaths,
        t.rescued_alive,
        t.unmet_needs_share * 100.0
    );
    for o in &m.objectives {
        println!("  [{}] {} - {}", o.rating.letter(), o.id, o.title);
    }
    println!(
        "  {} journal records, {} CAP alerts (status Exercise), {} improvement actions",
        ex.journal().len(),
        m.cap_alerts,
        m.improvement_plan.len()
    );
    println!("  Wrote {} files to {}", files.len(), a.out.display());
    println!("  Run time {wall:.2} s (hazard engines {t_hazards:.2} s)");
    Ok(ExitCode::SUCCESS)
}
