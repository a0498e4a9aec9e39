//! `forewarn bench expocat`: each regional event of USGS PAGER's EXPO-CAT run as a point, its
//! exposure per MMI against the catalogue's and its alert band and median deaths against the
//! observed toll (docs/validation.md).

use anyhow::{Context, Result};
use forewarn_impact::AlertLevel;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ExpocatArgs {
    /// The EXPO-CAT catalogue (CSV conversion of USGS PAGER's expocat).
    #[arg(long, default_value = "../shared/reference/pager/expocat.csv")]
    expocat: PathBuf,
    /// Number of events: the deadliest first.
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u16).range(1..=1000))]
    events: u16,
    /// Smallest magnitude.
    #[arg(long, default_value_t = 6.0)]
    min_mag: f64,
    /// First and last catalogue year.
    #[arg(long, default_value_t = 1960)]
    first_year: i32,
    #[arg(long, default_value_t = 2007)]
    last_year: i32,
    /// Also write the table as CSV to this file.
    #[arg(long, value_name = "FILE.csv")]
    csv: Option<PathBuf>,
    /// Also run the catalogue's events without deaths (after the deadly ones), so that the
    /// alert table counts false alarms too.
    #[arg(long)]
    with_no_deaths: bool,
}

pub fn expocat(data: Option<&Path>, a: &ExpocatArgs) -> Result<ExitCode> {
    use forewarn_engine::expocat;
    let region = forewarn_embedded::region_or_dir(data)?;
    let exposure = forewarn_exposure::Exposure::proxy(&region);
    let all = expocat::read_catalogue(&a.expocat)?;
    let selection = expocat::deadliest(
        &all,
        &region,
        a.min_mag,
        a.first_year,
        a.last_year,
        a.events as usize,
        a.with_no_deaths,
    );
    let events = selection.events;
    println!(
        "forewarn bench expocat: {} events (M >= {}, {}-{}, deadliest first) from {}; points at the catalogue epicentre and time, median shaking, models by regime (nga-west2; {} from {} km depth; {} in the stable continental outlines); exposure: {}",
        events.len(),
        a.min_mag,
        a.first_year,
        a.last_year,
        a.expocat.display(),
        forewarn_quake::regime::IN_SLAB_MODEL,
        forewarn_quake::regime::INTERMEDIATE_DEPTH_KM,
        forewarn_quake::regime::STABLE_CONTINENTAL_MODEL,
        exposure.source.describe()
    );
    if selection.repeated_rows > 0 {
        println!(
            "({} catalogue row(s) repeat an event's EventID; each event runs once, with its deadliest row)",
            selection.repeated_rows
        );
    }
    println!(
        "| Event | Date | M | Deaths | Year used | Max MMI | VII+ Forewarn / EXPO-CAT | VIII+ | IX+ |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut rows = Vec::new();
    let (mut ok7, mut ok8, mut ix_both, mut ix_cat) = (0, 0, 0, 0);
    let mut skipped: Vec<String> = Vec::new();
    let cell = |f: f64, e: f64| -> String {
        let mark = if expocat::within_factor(f, e, 2.0) {
            ""
        } else {
            " **x**"
        };
        let ratio = if e > 0.0 {
            format!(" ({:.2})", f / e)
        } else {
            String::new()
        };
        format!("{:.0}k / {:.0}k{ratio}{mark}", f / 1e3, e / 1e3)
    };
    for e in &events {
        // An event outside the embedded region (east of the antimeridian) is listed, not run.
        let c = match expocat::compare(&region, &exposure, e, &all) {
            Ok(c) => c,
            Err(err) => {
                skipped.push(format!("{} {} ({}): {err}", e.event_id, e.name, e.country));
                continue;
            }
        };
        if expocat::within_factor(c.forewarn[0], c.expocat[0], 2.0) {
            ok7 += 1;
        }
        if expocat::within_factor(c.forewarn[1], c.expocat[1], 2.0) {
            ok8 += 1;
        }
        if c.expocat[2] >= expocat::NEGLIGIBLE_PEOPLE {
            ix_cat += 1;
            if c.forewarn[2] >= expocat::NEGLIGIBLE_PEOPLE {
                ix_both += 1;
            }
        }
        println!(
            "| {} ({}) | {} | {:.1} | {:.0} | {} | {:.2} | {} | {} | {} |",
            e.name,
            e.country,
            &e.time[..10.min(e.time.len())],
            e.mag,
            e.deaths,
            c.year_used.map_or("-".to_string(), |y| y.to_string()),
            c.max_mmi,
            cell(c.forewarn[0], c.expocat[0]),
            cell(c.forewarn[1], c.expocat[1]),
            cell(c.forewarn[2], c.expocat[2]),
        );
        rows.push(c);
    }
    for sk in &skipped {
        println!("\nNot run: {sk}");
    }
    let n_run = rows.len();
    let n = n_run.max(1) as f64;
    println!(
        "\nWithin a factor of 2: VII+ {ok7}/{} ({:.0}%), VIII+ {ok8}/{} ({:.0}%); people at IX+ where EXPO-CAT has them (>= {:.0}): {ix_both}/{ix_cat}",
        n_run,
        100.0 * ok7 as f64 / n,
        n_run,
        100.0 * ok8 as f64 / n,
        expocat::NEGLIGIBLE_PEOPLE
    );
    let ratios = |k: usize| -> Vec<f64> {
        let mut v: Vec<f64> = rows
            .iter()
            .filter(|c| c.expocat[k] > 0.0 && c.forewarn[k] > 0.0)
            .map(|c| c.forewarn[k] / c.expocat[k])
            .collect();
        v.sort_by(f64::total_cmp);
        v
    };
    for (k, name) in [(0, "VII+"), (1, "VIII+")] {
        let v = ratios(k);
        if !v.is_empty() {
            let geo = (v.iter().map(|r| r.ln()).sum::<f64>() / v.len() as f64).exp();
            println!(
                "{name}: median ratio Forewarn/EXPO-CAT {:.2}, geometric mean {:.2} over {} events with people in both",
                v[v.len() / 2],
                geo,
                v.len()
            );
        }
    }
    alert_table(&rows);
    if let Some(p) = &a.csv {
        let mut w = csv::Writer::from_path(p).with_context(|| p.display().to_string())?;
        w.write_record([
            "event_id",
            "time",
            "name",
            "country",
            "mag",
            "deaths",
            "year_used",
            "max_mmi",
            "forewarn_vii_plus",
            "expocat_vii_plus",
            "forewarn_viii_plus",
            "expocat_viii_plus",
            "forewarn_ix_plus",
            "expocat_ix_plus",
            "forewarn_median_deaths",
            "forewarn_alert_fatalities",
            "observed_deaths_band",
            "pager_model_deaths_on_expocat",
            "aftershock_of",
            "models",
        ])?;
        for c in &rows {
            let e = &c.event;
            w.write_record([
                e.event_id.clone(),
                e.time.clone(),
                e.name.clone(),
                e.country.clone(),
                format!("{:.1}", e.mag),
                format!("{:.0}", e.deaths),
                c.year_used.map_or(String::new(), |y| y.to_string()),
                format!("{:.2}", c.max_mmi),
                format!("{:.0}", c.forewarn[0]),
                format!("{:.0}", c.expocat[0]),
                format!("{:.0}", c.forewarn[1]),
                format!("{:.0}", c.expocat[1]),
                format!("{:.0}", c.forewarn[2]),
                format!("{:.0}", c.expocat[2]),
                format!("{:.1}", c.deaths_median),
                c.alert_fatalities.as_str().to_string(),
                AlertLevel::for_deaths(e.deaths).as_str().to_string(),
                format!("{:.0}", c.pager_model_deaths),
                c.aftershock_of.clone().unwrap_or_default(),
                c.models.clone(),
            ])?;
        }
        w.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The alert table: each event's observed toll and its band, PAGER's model on EXPO-CAT's
/// exposure, Forewarn's alert and median, and the goals of issue 13 (alert within one band for
/// 90% of events, median deaths within a factor of 10 for 80%).
fn alert_table(rows: &[forewarn_engine::expocat::Comparison]) {
    use forewarn_engine::expocat::{bands_apart, deaths_within_factor};
    println!(
        "\n| Event | Date | M | Depth km | Deaths observed (band) | PAGER model on EXPO-CAT exposure (band) | Forewarn alert | Forewarn median deaths | Bands apart | Median within 10x |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let band = |d: f64| AlertLevel::for_deaths(d).as_str();
    for c in rows {
        let e = &c.event;
        println!(
            "| {} ({}){} | {} | {:.1} | {} | {:.0} ({}) | {:.0} ({}) | {} | {:.0} | {} | {} |",
            e.name,
            e.country,
            c.aftershock_of
                .as_ref()
                .map_or(String::new(), |m| format!(", aftershock of {m}")),
            &e.time[..10.min(e.time.len())],
            e.mag,
            e.depth_km.map_or("-".to_string(), |d| format!("{d:.0}")),
            e.deaths,
            band(e.deaths),
            c.pager_model_deaths,
            band(c.pager_model_deaths),
            c.alert_fatalities.as_str(),
            c.deaths_median,
            bands_apart(c.alert_fatalities, AlertLevel::for_deaths(e.deaths)),
            if deaths_within_factor(c.deaths_median, e.deaths, 10.0) {
                "yes"
            } else {
                "**no**"
            },
        );
    }
    // The goals over all events and over the deadly ones; PAGER's model on EXPO-CAT's exposure
    // as the reference of what the fatality model itself achieves.
    for (label, set) in [
        ("all events", rows.iter().collect::<Vec<_>>()),
        (
            "events with deaths",
            rows.iter().filter(|c| c.event.deaths > 0.0).collect(),
        ),
        (
            "main shocks (aftershocks by Gardner & Knopoff 1974 left out: PAGER-CAT counts their deaths under the main shock)",
            rows.iter().filter(|c| c.aftershock_of.is_none()).collect(),
        ),
    ] {
        if set.is_empty() {
            continue;
        }
        let n = set.len();
        let pct = |k: usize| 100.0 * k as f64 / n as f64;
        let count = |f: &dyn Fn(&&forewarn_engine::expocat::Comparison) -> bool| {
            set.iter().filter(|c| f(c)).count()
        };
        let fw_band = count(&|c| {
            bands_apart(c.alert_fatalities, AlertLevel::for_deaths(c.event.deaths)) <= 1
        });
        let fw_10 = count(&|c| deaths_within_factor(c.deaths_median, c.event.deaths, 10.0));
        let pg_band = count(&|c| {
            bands_apart(
                AlertLevel::for_deaths(c.pager_model_deaths),
                AlertLevel::for_deaths(c.event.deaths),
            ) <= 1
        });
        let pg_10 = count(&|c| deaths_within_factor(c.pager_model_deaths, c.event.deaths, 10.0));
        let exact = count(&|c| c.alert_fatalities == AlertLevel::for_deaths(c.event.deaths));
        println!(
            "\n{label} ({n}): Forewarn alert within one band of the observed toll's {fw_band}/{n} ({:.0}%, goal 90%), same band {exact}/{n} ({:.0}%); median deaths within a factor of 10 {fw_10}/{n} ({:.0}%, goal 80%). PAGER's model on EXPO-CAT exposure: within one band {pg_band}/{n} ({:.0}%), within 10x {pg_10}/{n} ({:.0}%)",
            pct(fw_band),
            pct(exact),
            pct(fw_10),
            pct(pg_band),
            pct(pg_10)
        );
    }
}
