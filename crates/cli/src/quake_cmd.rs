//! `forewarn quake`: scenario shaking, exposure and rapid impact for one earthquake.

use crate::progress::StageBar;
use anyhow::{Context, Result, bail};
use forewarn_cap::{CapTime, Status};
use forewarn_engine::quake::{self, QuakeRequest, QuakeSource};
use forewarn_exposure::Exposure;
use forewarn_quake::shaking::Correlation;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum CorrelationArg {
    Jb2009,
    None,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum StatusArg {
    Actual,
    Exercise,
    Test,
}

#[derive(clap::Args)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["lat", "rupture", "event"]))]
pub struct Args {
    /// Epicentre latitude, degrees north.
    #[arg(long, requires_all = ["lon", "depth_km", "mag"], allow_hyphen_values = true)]
    lat: Option<f64>,
    /// Epicentre longitude, degrees east.
    #[arg(long, allow_hyphen_values = true)]
    lon: Option<f64>,
    /// Hypocentral depth, km.
    #[arg(long = "depth-km", allow_hyphen_values = true)]
    depth_km: Option<f64>,
    /// Moment magnitude (4 to 9.5).
    #[arg(long, allow_hyphen_values = true)]
    mag: Option<f64>,
    /// Fault strike, degrees (default 0 when unknown).
    #[arg(long, allow_hyphen_values = true)]
    strike: Option<f64>,
    /// Fault dip, degrees in (0, 90] (default 90 when unknown).
    #[arg(long, allow_hyphen_values = true)]
    dip: Option<f64>,
    /// Rake, degrees (default 0, strike-slip, when unknown).
    #[arg(long, allow_hyphen_values = true)]
    rake: Option<f64>,
    /// OpenQuake NRML 0.5 rupture file.
    #[arg(long, value_name = "FILE")]
    rupture: Option<PathBuf>,
    /// USGS GeoJSON event file.
    #[arg(long, value_name = "FILE")]
    event: Option<PathBuf>,
    /// Ground-motion model or the equal-weight NGA-West2 set.
    #[arg(long, default_value = "nga-west2", value_parser = ["bssa14", "cy14", "ask14", "cb14", "nga-west2"])]
    gmpe: String,
    /// CSV of extra sites with header lon,lat[,vs30]; medians go to sites.csv and, with
    /// --realizations N > 0, every simulated field at every site to gmf.csv.
    #[arg(long, value_name = "FILE.csv")]
    sites: Option<PathBuf>,
    /// Extra intensity measure at the sites (besides PGA, PGV, SA(0.3), SA(1.0)), as
    /// OpenQuake writes them: PGA, PGV or SA(T) with T in seconds, e.g. --imt "SA(2.0)";
    /// repeatable.
    #[arg(long = "imt", value_name = "IMT", value_parser = parse_imt)]
    imts: Vec<forewarn_quake::gmpe::Imt>,
    /// Output grid spacing in km (default: from the footprint size, 1-10 km).
    #[arg(long = "spacing-km")]
    spacing_km: Option<f64>,
    /// Number of simulated ground-motion fields (0 = median shaking only).
    #[arg(long, default_value_t = 100)]
    realizations: usize,
    /// Spatial correlation of within-event residuals.
    #[arg(long, value_enum, default_value = "jb2009")]
    correlation: CorrelationArg,
    /// Truncation of residuals, in standard deviations.
    #[arg(long, default_value_t = 3.0)]
    truncation: f64,
    /// Random seed (same inputs and seed give byte-identical outputs).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// CAP status of the alert (Actual, Exercise or Test; case-insensitive).
    #[arg(long, value_enum, default_value = "actual", ignore_case = true)]
    status: StatusArg,
    /// Event origin time, ISO 8601, e.g. 2005-10-08T03:50:40+00:00 (default: now). Also the
    /// alert's sent time, so pass it for byte-identical reruns. Its year picks the national
    /// population and GDP per capita (data/country_years.csv); without it, today's are used.
    #[arg(long)]
    time: Option<String>,
    /// CAP sender id.
    #[arg(long, default_value = "forewarn@rcc.sco-forewarn.example")]
    sender: String,
    /// Write alert.xml even for a green alert.
    #[arg(long)]
    cap_always: bool,
    /// Vs30 raster (GeoTIFF, EPSG:4326, m/s) overriding slope-based Vs30 where it has data.
    #[arg(long, value_name = "FILE.tif")]
    vs30: Option<PathBuf>,
    /// Population raster (GeoTIFF, EPSG:4326, people per cell) replacing the proxy exposure.
    #[arg(long, value_name = "FILE")]
    population: Option<PathBuf>,
    /// Event name used in titles.
    #[arg(long)]
    name: Option<String>,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The summary.json (or the directory holding it) of an earlier run of the same event:
    /// summary.html then says what changed since it.
    #[arg(long, value_name = "FILE|DIR")]
    previous: Option<PathBuf>,
    /// Language of summary.html.
    #[arg(long, default_value = "en", value_parser = forewarn_engine::report::words::LANGUAGES)]
    lang: String,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

/// An intensity measure as OpenQuake names it: PGA, PGV or SA(T) (T in seconds, 0.01-10).
fn parse_imt(s: &str) -> std::result::Result<forewarn_quake::gmpe::Imt, String> {
    use forewarn_quake::gmpe::Imt;
    let u = s.trim().to_ascii_uppercase();
    match u.as_str() {
        "PGA" => return Ok(Imt::Pga),
        "PGV" => return Ok(Imt::Pgv),
        _ => {}
    }
    let t = u
        .strip_prefix("SA(")
        .and_then(|r| r.strip_suffix(')'))
        .and_then(|t| t.trim().parse::<f64>().ok())
        .ok_or_else(|| format!("'{s}' is not PGA, PGV or SA(T) with T in seconds"))?;
    if !(0.01..=10.0).contains(&t) {
        return Err(format!("SA period {t} s must be within [0.01, 10] s"));
    }
    Ok(Imt::Sa(t))
}

pub(crate) fn parse_time(s: &str) -> Result<CapTime> {
    if let Ok(t) = CapTime::parse(s) {
        return Ok(t);
    }
    let dt = chrono::DateTime::parse_from_rfc3339(s).with_context(|| {
        format!("--time '{s}' is not a date-time like 2005-10-08T03:50:40+00:00")
    })?;
    Ok(CapTime::from_utc(dt.with_timezone(&chrono::Utc)))
}

/// Largest summary.json accepted by --previous.
const MAX_PREVIOUS_BYTES: u64 = 16 * 1024 * 1024;

/// The earlier run's summary named by --previous (read before the new run overwrites it).
fn read_previous(p: &Path) -> Result<(serde_json::Value, String)> {
    let file = if p.is_dir() {
        p.join("summary.json")
    } else {
        p.to_path_buf()
    };
    let len = std::fs::metadata(&file)
        .with_context(|| format!("--previous {}: cannot read", file.display()))?
        .len();
    if len > MAX_PREVIOUS_BYTES {
        bail!(
            "--previous {}: {len} bytes; the limit is {MAX_PREVIOUS_BYTES} bytes",
            file.display()
        );
    }
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("--previous {}: cannot read", file.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("--previous {}: not JSON", file.display()))?;
    if v["kind"] != "earthquake" {
        bail!(
            "--previous {}: not the summary.json of a forewarn quake run (\"kind\" is not \"earthquake\")",
            file.display()
        );
    }
    let name = format!(
        "{} ({})",
        v["event"].as_str().unwrap_or("earlier run"),
        file.display()
    );
    Ok((v, name))
}

/// Writes summary.html: the incident page built from the run's summary.json and mmi.geojson.
fn write_summary_html(
    dir: &Path,
    region: &forewarn_core::Region,
    previous: Option<&(serde_json::Value, String)>,
    lang: &str,
) -> Result<()> {
    let read = |name: &str| -> Result<serde_json::Value> {
        let p = dir.join(name);
        let text = std::fs::read_to_string(&p).with_context(|| format!("{}", p.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{}", p.display()))
    };
    let summary = read("summary.json")?;
    let contours = read("mmi.geojson")?;
    let html = forewarn_engine::report::render_html(&forewarn_engine::report::ReportInput {
        summary: &summary,
        contours: Some(&contours),
        region: Some(region),
        previous: previous.map(|(v, n)| (v, n.clone())),
        lang,
    });
    forewarn_engine::write_file(&dir.join("summary.html"), html.as_bytes())?;
    Ok(())
}

pub fn run(data: Option<&Path>, a: Args) -> Result<ExitCode> {
    let t0 = Instant::now();
    let previous = a.previous.as_deref().map(read_previous).transpose()?;
    let source = if let Some(p) = &a.rupture {
        QuakeSource::NrmlRupture {
            path: p.display().to_string(),
        }
    } else if let Some(p) = &a.event {
        QuakeSource::UsgsEvent {
            path: p.display().to_string(),
        }
    } else {
        let (Some(lat), Some(lon), Some(depth_km), Some(mag)) = (a.lat, a.lon, a.depth_km, a.mag)
        else {
            bail!("--lat needs --lon, --depth-km and --mag");
        };
        QuakeSource::Hypocenter {
            lon,
            lat,
            depth_km,
            mag,
            strike_deg: a.strike,
            dip_deg: a.dip,
            rake_deg: a.rake,
        }
    };
    let sites = match &a.sites {
        Some(p) => forewarn_engine::sites_csv::read_sites(p)?,
        None => Vec::new(),
    };
    let time = match &a.time {
        Some(s) => parse_time(s)?,
        None => CapTime::from_utc(
            chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp(), 0).unwrap_or_default(),
        ),
    };
    let region = forewarn_embedded::region_or_dir(data).context("loading the region")?;
    let exposure = match &a.population {
        Some(p) => Exposure::from_raster(&region, p)?,
        None => Exposure::proxy(&region),
    };
    let req = QuakeRequest {
        source,
        gmpe: a.gmpe.clone(),
        spacing_km: a.spacing_km,
        realizations: a.realizations,
        correlation: match a.correlation {
            CorrelationArg::Jb2009 => Correlation::Jb2009,
            CorrelationArg::None => Correlation::None,
        },
        truncation: a.truncation,
        seed: a.seed,
        sites,
        extra_imts: a.imts.clone(),
        sites_file: a.sites.as_ref().map(|p| p.display().to_string()),
        vs30_grid: match &a.vs30 {
            Some(p) => Some(std::sync::Arc::new(
                forewarn_core::raster_tiff::read_geotiff(p)?,
            )),
            None => None,
        },
        vs30_file: a.vs30.as_ref().map(|p| p.display().to_string()),
        event_name: a.name.clone(),
        event_year: a.time.as_ref().map(|_| {
            use chrono::Datelike;
            time.to_utc().year()
        }),
    };
    let bar = StageBar::new(a.quiet);
    let progress = |stage: &str, done: u64, total: u64| bar.update(stage, done, total);
    let run = quake::run(&region, &exposure, req, &progress)?;
    bar.update("writing files", 0, 1);
    let mut files = quake::write_outputs(&run, &region, &a.out)?;
    write_summary_html(&a.out, &region, previous.as_ref(), &a.lang)?;
    files.push("summary.html".into());
    let status = match a.status {
        StatusArg::Actual => Status::Actual,
        StatusArg::Exercise => Status::Exercise,
        StatusArg::Test => Status::Test,
    };
    let alert_written = if run.alert_level != forewarn_impact::AlertLevel::Green || a.cap_always {
        let w = quake::alert::impact_warning(&run, &region, status, time, time, &a.sender);
        let xml = quake::alert::alert_xml(&w)?;
        forewarn_engine::write_file(&a.out.join("alert.xml"), xml.as_bytes())?;
        files.push("alert.xml".into());
        true
    } else {
        false
    };
    bar.finish();
    let wall = t0.elapsed().as_secs_f64();
    let runtime = serde_json::json!({"wall_s": wall, "sites": run.n_sites, "realizations": run.request.realizations, "threads": rayon_threads()});
    forewarn_engine::write_file(
        &a.out.join("runtime.json"),
        format!("{}\n", serde_json::to_string_pretty(&runtime)?).as_bytes(),
    )?;
    files.push("runtime.json".into());
    files.sort();

    // A short report for the duty officer.
    let f = &run.fatalities;
    let l = &run.losses;
    println!("{}", run.event_name);
    println!(
        "  ALERT LEVEL: {} (fatalities {}, economic {})",
        run.alert_level.as_str().to_uppercase(),
        run.alert_fatalities.as_str(),
        run.alert_economic.as_str()
    );
    println!(
        "  Ground motion: {} ({})",
        run.model_selection.models, run.model_selection.reason
    );
    println!(
        "  Rupture: {}; MMI from {}",
        run.rupture.geometry_source,
        run.mmi_imt.column_name()
    );
    println!(
        "  Deaths: median {:.0}, 90% range {:.0} - {:.0}",
        f.median, f.p5, f.p95
    );
    println!(
        "  Economic loss: median US${:.2}B, 90% range {:.2}B - {:.2}B",
        l.median / 1e9,
        l.p5 / 1e9,
        l.p95 / 1e9
    );
    if let Some(fs) = &run.fatalities_shaking {
        println!(
            "  Spread over {} shaking fields (expected deaths per field, no G): median {:.0}, 5-95% {:.0} - {:.0}",
            run.request.realizations, fs.median, fs.p5, fs.p95
        );
    }
    println!(
        "  P(alert level by deaths): green {:.0}%  yellow {:.0}%  orange {:.0}%  red {:.0}%",
        f.alert_probabilities[0] * 100.0,
        f.alert_probabilities[1] * 100.0,
        f.alert_probabilities[2] * 100.0,
        f.alert_probabilities[3] * 100.0
    );
    let over_strikes = run
        .max_mmi_over_strikes
        .map(|m| format!(" ({m:.1} at a populated place for the strongest strike)"))
        .unwrap_or_default();
    println!(
        "  Max MMI {:.1}{over_strikes}; exposure: {}",
        run.max_mmi, run.exposure_source
    );
    println!(
        "  People exposed by MMI (median shaking{}):",
        if run.max_mmi_over_strikes.is_some() {
            "; the mean over the strike ensemble's ruptures"
        } else {
            ""
        }
    );
    println!(
        "    {:<4} {:>12} {:>12} {:>12} {:>12} {:>12} {:>12}",
        "", "V", "VI", "VII", "VIII", "IX", "X"
    );
    for c in &run.countries {
        let p = &c.people_by_mmi;
        if p[4..].iter().sum::<f64>() < 1.0 {
            continue;
        }
        println!(
            "    {:<4} {:>12.0} {:>12.0} {:>12.0} {:>12.0} {:>12.0} {:>12.0}",
            c.iso2, p[4], p[5], p[6], p[7], p[8], p[9]
        );
    }
    println!("  Most affected settlements:");
    for s in run.settlements.iter().take(8) {
        let range = s
            .mmi_over_strikes
            .map(|[lo, hi]| format!(" ({lo:.1}-{hi:.1} by strike)"))
            .unwrap_or_default();
        println!(
            "    {:<24} {} pop {:>9.0}  MMI {:>4.1}{range}  PGA {:.2} g  deaths {:.0}",
            s.name, s.country, s.population, s.mmi, s.pga_g, s.expected_deaths
        );
    }
    if !alert_written {
        println!("  Green alert: no alert.xml written (use --cap-always to write one).");
    }
    println!(
        "  Wrote {} files to {} in {:.1} s: {}",
        files.len(),
        a.out.display(),
        wall,
        files.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
