//! The flood run of an incident a gauge crossing started: the linked scenario (a file among the
//! server's scenarios) on the embedded terrain, the people and settlements it reaches with the
//! arrival of the water, and the CAP proposal listing the downstream reaches. Runs on the run
//! pool like an earthquake run ([`crate::runner`]).

use crate::incidents::{FloodParams, Incident};
use crate::runner::{RunOutput, world};
use forewarn_cap::{CapTime, Status};
use forewarn_engine::contours::round6;
use forewarn_engine::flood_alert::{self, FloodAlertOptions};
use forewarn_flood::impact::WarningOptions;
use forewarn_flood::{People, RunOptions, Scenario};
use serde_json::{Value, json};
use std::path::Path;

/// Layers of a flood incident, in the order the map draws them.
pub const FLOOD_LAYERS: [&str; 2] = ["flood_extent", "settlements"];

/// Runs `f`'s scenario from `scenarios_dir` for incident `inc`.
pub fn compute(
    inc: &Incident,
    f: &FloodParams,
    scenarios_dir: &Path,
    sender: &str,
    progress: &(dyn Fn(&str, u64, u64) + Sync),
) -> Result<RunOutput, String> {
    let w = world()?;
    let scenario_path = scenarios_dir.join(&f.scenario);
    let scenario = Scenario::from_toml_path_within(&scenario_path, Some(&w.region), scenarios_dir)
        // The file's own messages name the scenario, never the server's paths.
        .map_err(|e| {
            format!(
                "flood scenario {}: {}",
                f.scenario,
                e.to_string()
                    .replace(&scenarios_dir.display().to_string(), "")
            )
        })?;
    let step = |t: f64, end: f64| {
        progress("flood", t.max(0.0) as u64, end.max(1.0) as u64);
    };
    let run = forewarn_flood::run(
        &scenario,
        &RunOptions {
            threads: 1,
            progress: Some(&step),
            precision: None,
        },
    )
    .map_err(|e| format!("flood run: {e}"))?;
    let people = People::Proxy {
        settlement_people: &w.exposure.settlement_people,
        residual: &w.exposure.grid,
    };
    let warning = WarningOptions::default();
    let impact = forewarn_flood::impact::impact_with(&run, &w.region, people, &warning);
    let now = CapTime::from_utc(
        chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp(), 0).unwrap_or_default(),
    );
    // The flood's start is the gauge's crossing: the scenario's clock starts there.
    let start =
        chrono::DateTime::from_timestamp_millis(f.crossing_time_ms).map_or(now, CapTime::from_utc);
    let opt = FloodAlertOptions {
        status: if inc.exercise_id.is_some() {
            Status::Exercise
        } else {
            Status::Actual
        },
        start,
        sent: now,
        sender: sender.to_string(),
        // A gauge crossing is not a breach seen: the certainty comes from the warning matrix.
        breach_observed: false,
        params: warning.params,
    };
    let cap_xml = match flood_alert::impact_warning(&run, &impact, &w.region, &opt) {
        Some(wn) => flood_alert::alert_xml(&wn).map_err(|e| e.to_string()),
        None => Err("no flooded area on geographic terrain".into()),
    };
    let mut summary = forewarn_engine::flood::summary_json(&run, &impact);
    summary["gauge"] = json!({"source": f.gauge, "crossing": f.crossing});
    Ok(RunOutput {
        summary,
        alert_level: impact.alert.clone(),
        layers: vec![
            (
                FLOOD_LAYERS[0],
                forewarn_engine::flood::extent_geojson(&run).to_string(),
            ),
            (FLOOD_LAYERS[1], settlements_geojson(&impact).to_string()),
        ],
        cap_xml,
    })
}

/// The settlements the water reaches, with its arrival (early bound and modelled) and depth.
fn settlements_geojson(impact: &forewarn_flood::FloodImpact) -> Value {
    let hours = |s: Option<f64>| s.map(|v| (v / 360.0).round() / 10.0);
    let features: Vec<Value> = impact
        .settlements
        .iter()
        .filter(|s| s.arrival_time_s.is_some() || s.arrival_early_s.is_some())
        .map(|s| {
            json!({
                "type": "Feature",
                "properties": {"name": s.name, "country": s.country, "population": s.population,
                    "arrival_early_h": hours(s.arrival_early_s), "arrival_h": hours(s.arrival_time_s),
                    "max_depth_m": (s.max_depth_m * 10.0).round() / 10.0,
                    "share_flooded": (s.share_flooded * 100.0).round() / 100.0,
                    "affected": s.affected.round(),
                    "deaths_without_warning": s.life_loss.numbers.without_warning.round(),
                    "deaths_with_warning": s.life_loss.numbers.with_warning.round()},
                "geometry": {"type": "Point", "coordinates": [round6(s.lon), round6(s.lat)]},
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "name": "settlements", "features": features})
}
