//! Flood run extras: summary.json, summary.html, flood_extent.geojson and map.png (the flood
//! crate writes the grids and tables).

use crate::contours::{filled_contours, geojson_coordinates};
use crate::map::{MapSpec, RasterLayer, hillshade, render_png};
use crate::{EngineError, write_file};
use forewarn_core::{Grid, LonLat, Region};
use forewarn_flood::{FloodImpact, FloodRun};
use plotters::style::RGBColor;
use serde_json::{Value, json};
use std::path::Path;

/// Depth colour ramp (m): light to dark blue, `None` below 0.1 m.
pub fn depth_color(d: f32) -> Option<RGBColor> {
    let c = match d {
        d if d.is_nan() || d < 0.1 => return None,
        d if d < 0.5 => (198, 219, 239),
        d if d < 1.0 => (158, 202, 225),
        d if d < 2.0 => (107, 174, 214),
        d if d < 5.0 => (49, 130, 189),
        d if d < 10.0 => (8, 81, 156),
        _ => (8, 48, 107),
    };
    Some(RGBColor(c.0, c.1, c.2))
}

/// summary.json content (deterministic: no wall-clock figures).
pub fn summary_json(run: &FloodRun, impact: &FloodImpact) -> Value {
    let wet = run.max_depth_m.data.iter().filter(|d| **d >= 0.1).count();
    let max_depth = run
        .max_depth_m
        .data
        .iter()
        .fold(0.0f32, |a, &b| if b.is_finite() { a.max(b) } else { a });
    json!({
        "forewarn_version": env!("CARGO_PKG_VERSION"),
        "kind": "flood",
        "scenario": run.scenario_name,
        "volume_error_pct": run.volume_error_pct(),
        "max_volume_error_pct": run.max_volume_error_pct(),
        "simulated_time_s": run.end_time_s,
        "steps": run.steps,
        "cell_size_m": [run.dx_m, run.dy_m],
        "grid": {"ncols": run.spec.ncols, "nrows": run.spec.nrows, "crs": run.spec.crs.describe(), "bbox": run.spec.bbox().as_array()},
        "flooded_cells_depth_ge_0_1m": wet,
        "max_depth_m": max_depth,
        "breaches": run.breaches.iter().map(|b| json!({
            "peak_discharge_m3s": b.peak_discharge_m3s,
            "formation_time_s": b.formation_time_s,
            "mean_breach_width_m": b.mean_breach_width_m,
            "released_volume_m3": b.released_volume_m3,
        })).collect::<Vec<_>>(),
        "alert_level": impact.alert,
        "damage_usd": impact.damage_usd,
        "life_loss": {
            "without_warning": impact.life_loss.without_warning,
            "with_warning": impact.life_loss.with_warning,
            "lives_saved": impact.life_loss.lives_saved,
            "lead_time_h": impact.life_loss.lead_time_h,
            "detail": &impact.life_loss,
        },
        "impact": impact,
        "warnings": run.warnings,
    })
}

/// The area flooded [`forewarn_flood::solver::FLOOD_DEPTH_M`] deep or more at any time, as
/// a GeoJSON FeatureCollection of one MultiPolygon (the server's `flood_extent` layer, the
/// CLI's flood_extent.geojson; in the run's coordinates).
pub fn extent_geojson(run: &FloodRun) -> Value {
    let threshold = forewarn_flood::solver::FLOOD_DEPTH_M;
    let features: Vec<Value> = filled_contours(&run.max_depth_m, &[threshold])
        .into_iter()
        .filter(|(_, mp)| !mp.0.is_empty())
        .map(|(t, mp)| {
            json!({
                "type": "Feature",
                "properties": {"depth_m": t, "label": format!("Flood depth >= {t} m"), "color": "#3182bd"},
                "geometry": {"type": "MultiPolygon", "coordinates": geojson_coordinates(&mp)},
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "name": "flood_extent", "features": features})
}

/// Write summary.json, summary.html (the run's page in `lang`, [`crate::report::render_flood_html`])
/// and, for a run on geographic terrain, flood_extent.geojson and map.png next to the flood
/// crate's outputs.
pub fn write_extras(
    run: &FloodRun,
    impact: &FloodImpact,
    region: &Region,
    dir: &Path,
    lang: &str,
) -> Result<(), EngineError> {
    let summary = summary_json(run, impact);
    write_file(
        &dir.join("summary.json"),
        format!(
            "{}\n",
            serde_json::to_string_pretty(&summary).unwrap_or_default()
        )
        .as_bytes(),
    )?;
    let geographic = run.spec.crs.is_geographic();
    let extent = geographic.then(|| extent_geojson(run));
    if let Some(e) = &extent {
        write_file(&dir.join("flood_extent.geojson"), e.to_string().as_bytes())?;
    }
    let html = crate::report::render_flood_html(&crate::report::FloodReportInput {
        summary: &summary,
        extent: extent.as_ref(),
        region: geographic.then_some(region),
        lang,
    });
    write_file(&dir.join("summary.html"), html.as_bytes())?;
    if geographic {
        render_map(run, impact, region, &dir.join("map.png"))?;
    }
    Ok(())
}

fn render_map(
    run: &FloodRun,
    impact: &FloodImpact,
    region: &Region,
    path: &Path,
) -> Result<(), EngineError> {
    let depth: Grid<f32> = run.max_depth_m.map(|v| if v >= 0.0 { v } else { f32::NAN });
    // Terrain for the hillshade: the region's terrain cropped to the flood grid.
    let shade = region.terrain.as_ref().map(hillshade);
    let color = |v: f32| depth_color(v);
    let mut places: Vec<(LonLat, String)> = impact
        .settlements
        .iter()
        .filter(|s| s.max_depth_m >= 0.1)
        .take(15)
        .map(|s| {
            let t = match (s.arrival_early_s, s.arrival_time_s) {
                (Some(e), Some(t)) => format!(" ({:.1}-{:.1} h)", e / 3600.0, t / 3600.0),
                _ => String::new(),
            };
            (LonLat::new(s.lon, s.lat), format!("{}{t}", s.name))
        })
        .collect();
    if places.is_empty() {
        places = region
            .settlements
            .iter()
            .filter(|s| run.spec.bbox().contains(&s.lonlat()))
            .take(10)
            .map(|s| (s.lonlat(), s.name.clone()))
            .collect();
    }
    let legend = [0.1f32, 0.5, 1.0, 2.0, 5.0, 10.0]
        .iter()
        .zip(["0.1-0.5 m", "0.5-1 m", "1-2 m", "2-5 m", "5-10 m", "> 10 m"])
        .filter_map(|(d, l)| depth_color(*d).map(|c| (c, l.to_string())))
        .collect();
    let spec = MapSpec {
        title: format!(
            "{} - maximum depth - alert {}",
            run.scenario_name,
            impact.alert.to_uppercase()
        ),
        subtitle: format!(
            "{:.0} people affected (depth >= 0.1 m); deaths {:.0} without warning, {:.0} with a warning {}; labels: settlement (arrival: early bound-modelled)",
            impact.affected,
            impact.life_loss.without_warning,
            impact.life_loss.with_warning,
            impact
                .life_loss
                .lead_time_h
                .map(|l| format!("{l:.1} h ahead"))
                .unwrap_or_else(|| "(no place reached)".into())
        ),
        bbox: run.spec.bbox(),
        hillshade: shade.as_ref(),
        raster: Some(RasterLayer {
            grid: &depth,
            color: &color,
            alpha: 0.85,
        }),
        boundaries: region.countries.iter().map(|c| &c.boundary).collect(),
        outlines: vec![],
        places,
        markers: vec![],
        legend,
    };
    render_png(path, &spec, 1200, 900)
}
