//! Files a quake run writes: summary.json, mmi.tif, pga.tif, mmi.geojson, settlements.csv,
//! exposure.csv, sites.csv and gmf.csv (with --sites; gmf.csv with realisations) and map.png. All are deterministic for the same inputs and seed;
//! wall-clock timings are kept out of them (the CLI writes runtime.json).

use super::QuakeRun;
use crate::contours::round6;
use crate::map::{MapSpec, RasterLayer, render_png};
use crate::report::words::ROMAN;
use crate::{EngineError, write_file};
use forewarn_core::raster_tiff::write_geotiff;
use forewarn_core::{LonLat, Region};
use plotters::style::RGBColor;
use serde_json::{Value, json};
use std::path::Path;

/// USGS ShakeMap MMI colour scale.
pub fn mmi_color(mmi: f32) -> Option<RGBColor> {
    let c = match mmi {
        m if m < 1.5 => return None,
        m if m < 3.5 => (191, 204, 255),
        m if m < 4.5 => (160, 230, 255),
        m if m < 5.5 => (128, 255, 255),
        m if m < 6.5 => (122, 255, 147),
        m if m < 7.5 => (255, 255, 0),
        m if m < 8.5 => (255, 200, 0),
        m if m < 9.5 => (255, 145, 0),
        _ => (255, 0, 0),
    };
    Some(RGBColor(c.0, c.1, c.2))
}

/// People per country and intensity for spreadsheets, from a run's summary.json: one row per
/// country with its people at MMI I..X within the run's footprint (PAGER's bins, MMI rounded
/// to the nearest integer; EXPO-CAT's columns), and summary.json's `countries` figures:
/// people at V+ (the rounded sum of the unrounded bins) and PAGER's expected deaths and losses
/// at median shaking (for a point source on the strike ensemble's mean table, so their sum is
/// not the run's `fatalities.median`, the median of the ensemble's mixture). `None` for a
/// summary without `exposure_by_mmi` (a flood run's). The CLI writes it as exposure.csv and
/// the server serves it for an incident.
pub fn exposure_csv(summary: &Value) -> Option<String> {
    let by = summary["exposure_by_mmi"].as_object()?;
    let mut csv = String::from("country_iso2,country");
    for k in 1..=10 {
        csv.push_str(&format!(",people_mmi{k}"));
    }
    csv.push_str(",people_exposed_mmi5_plus,deaths_median_shaking,loss_usd_median_shaking\n");
    for c in summary["countries"].as_array().into_iter().flatten() {
        let iso2 = c["iso2"].as_str().unwrap_or_default();
        let Some(bins) = by.get(iso2) else {
            continue;
        };
        csv.push_str(&format!(
            "{},{}",
            forewarn_core::csv_field(iso2),
            forewarn_core::csv_field(c["name"].as_str().unwrap_or_default())
        ));
        for r in ROMAN {
            csv.push_str(&format!(",{:.0}", bins[r].as_f64().unwrap_or(0.0)));
        }
        let num = |k: &str| c[k].as_f64().unwrap_or(0.0);
        csv.push_str(&format!(
            ",{:.0},{:.0},{:.0}\n",
            num("people_exposed_mmi5_plus"),
            num("deaths_median_shaking"),
            num("loss_usd_median_shaking")
        ));
    }
    Some(csv)
}

/// The summary as JSON.
pub fn summary_json(run: &QuakeRun) -> Value {
    let r = &run.rupture;
    let mut exposure_by_mmi = serde_json::Map::new();
    for c in &run.countries {
        let bins: serde_json::Map<String, Value> = ROMAN
            .iter()
            .zip(c.people_by_mmi)
            .map(|(k, v)| (k.to_string(), json!(v.round())))
            .collect();
        exposure_by_mmi.insert(c.iso2.clone(), Value::Object(bins));
    }
    let dist_in = |d: &forewarn_impact::LossDistribution, unit: f64| {
        let bands: serde_json::Map<String, Value> = d
            .pager_bands(unit)
            .into_iter()
            .map(|(k, p)| (k, json!(round6(p))))
            .collect();
        json!({
            "median": d.median.round(),
            "p5": d.p5.round(),
            "p95": d.p95.round(),
            "mean_of_estimates": d.mean_estimate.round(),
            "log_sd_g": d.g,
            "band_edges": d.band_edges.iter().map(|e| if e.is_finite() { json!(e) } else { json!("inf") }).collect::<Vec<_>>(),
            "band_probabilities": d.band_probabilities.iter().map(|p| round6(*p)).collect::<Vec<_>>(),
            "pager_bands": bands,
            "pager_bands_unit": if unit == 1.0 { "deaths" } else { "US$ millions" },
            "cap": d.cap.map(|c| c.round()),
            "p_at_cap": round6(d.p_at_cap),
            "alert_probabilities": {
                "green": round6(d.alert_probabilities[0]),
                "yellow": round6(d.alert_probabilities[1]),
                "orange": round6(d.alert_probabilities[2]),
                "red": round6(d.alert_probabilities[3]),
            },
        })
    };
    let dist = |d: &forewarn_impact::LossDistribution| dist_in(d, 1.0);
    let dist_usd = |d: &forewarn_impact::LossDistribution| dist_in(d, 1e6);
    let names =
        |v: &[forewarn_quake::gmpe::Imt]| v.iter().map(|i| i.column_name()).collect::<Vec<_>>();
    let gmf_written = !run.sites.is_empty() && run.request.realizations > 0;
    let mut files = vec![
        "summary.json",
        "mmi.tif",
        "pga.tif",
        "mmi.geojson",
        "settlements.csv",
        "exposure.csv",
        "map.png",
    ];
    if !run.sites.is_empty() {
        files.push("sites.csv");
    }
    if gmf_written {
        files.push("gmf.csv");
    }
    let gmf_columns: Vec<String> = ["site_id", "lon", "lat", "realisation"]
        .into_iter()
        .map(String::from)
        .chain(names(&run.site_imts))
        .collect();
    let vs30_default_used = run.vs30_counts.grid_cells.contains_key("default")
        || run.vs30_counts.exposure_points.contains_key("default");
    json!({
        "forewarn_version": env!("CARGO_PKG_VERSION"),
        "kind": "earthquake",
        "event": run.event_name,
        "inputs": run.request,
        "rupture": {
            "magnitude": r.mag,
            "rake_deg": r.rake_deg,
            "hypocenter": {"lon": r.hypocenter.lon, "lat": r.hypocenter.lat, "depth_km": r.hypo_depth_km},
            "planes": r.planes,
            "geometry_source": r.geometry_source,
            "treatment": r.treatment(),
            "point_source": r.point_source,
        },
        "intensity": {
            "mmi_from": run.mmi_imt.column_name(),
            "component": "the larger of the two horizontal components (ShakeMap 4's GREATER_OF_TWO_HORIZONTAL)",
            "component_conversion": format!(
                "Boore & Kishida (2017) from the models' {}",
                run.mmi_components_from.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(" and ")
            ),
            "gmice": "Worden et al. (2012) with distance (Rrup, 10-300 km) and magnitude (M3.0-7.3) terms",
            "rule": "the first of PGV, PGA, SA(1.0) that every ground-motion model provides, as ShakeMap 4's VirtualIPE",
        },
        "vs30": {
            "sources": "user (sites file) > raster (--vs30) > slope (Wald & Allen 2007 on the embedded terrain; slope_blended within the terrain_edge_blend_km of its edge, geometric blend into the default) > default",
            "raster_file": run.request.vs30_file,
            "default_mps": forewarn_quake::site::DEFAULT_VS30_MPS,
            "default_used": vs30_default_used,
            "terrain_edge_blend_km": forewarn_quake::site::TERRAIN_EDGE_BLEND_KM,
            "count_by_source": run.vs30_counts,
        },
        "exposure_source": run.exposure_source,
        "exposure_year": {
            "requested": run.exposure_year.requested,
            "year": run.exposure_year.year,
            "clamped": run.exposure_year.clamped,
            "basis": run.exposure_year.describe(),
        },
        "ground_motion_models": run.model_selection,
        "alert_level": run.alert_level.as_str(),
        "alert_level_fatalities": run.alert_fatalities.as_str(),
        "alert_level_economic": run.alert_economic.as_str(),
        "fatalities": dist(&run.fatalities),
        "economic_loss_usd": dist_usd(&run.losses),
        "loss_method": "PAGER (Jaiswal & Wald 2010, 2011): expected losses at median shaking (for an event known only as a point, at each rupture of the unknown-strike ensemble: the distribution is PAGER's lognormal around each, mixed with equal weights, and the people per intensity and the per-country and per-settlement losses are the ensemble's mean), lognormal with log-sd G (fatality G from fatality.xml, economic G from economy.xml; combined over the countries with a loss of at least one, as PAGER's getCombinedG), censored at the people exposed (MMI V+) and at the exposed countries' GDP. The *_over_shaking_fields blocks are the spread of the expected loss over the simulated ground-motion fields without G: G already holds the shaking scatter, so they are not added to it",
        "fatalities_over_shaking_fields": run.fatalities_shaking.as_ref().map(dist),
        "economic_loss_usd_over_shaking_fields": run.losses_shaking.as_ref().map(dist_usd),
        "exposure_by_mmi": exposure_by_mmi,
        "countries": run.countries.iter().map(|c| json!({
            "iso2": c.iso2,
            "name": c.name,
            "people_exposed_mmi5_plus": c.people_by_mmi[4..].iter().sum::<f64>().round(),
            "deaths_median_shaking": c.deaths_median_shaking.round(),
            "loss_usd_median_shaking": c.loss_usd_median_shaking.round(),
            "pager_parameters": c.pager,
        })).collect::<Vec<_>>(),
        "max_mmi": (run.max_mmi * 100.0).round() / 100.0,
        "max_mmi_over_strikes": run.max_mmi_over_strikes.map(|m| (m * 100.0).round() / 100.0),
        "footprint_bbox": run.footprint.as_array(),
        "grid": {"spacing_km": run.spacing_km, "ncols": run.grid_mmi.spec.ncols, "nrows": run.grid_mmi.spec.nrows, "cell_deg_x": run.grid_mmi.spec.dx, "cell_deg_y": run.grid_mmi.spec.dy},
        "settlements_top": run.settlements.iter().take(20).map(|s| json!({
            "name": s.name, "country": s.country, "lon": round6(s.lon), "lat": round6(s.lat), "population": s.population.round(),
            "mmi": (s.mmi * 100.0).round() / 100.0,
            "mmi_over_strikes": s.mmi_over_strikes.map(|r| r.map(|m| (m * 100.0).round() / 100.0)),
            "pga_g": round6(s.pga_g),
            "pgv_cms": s.pgv_cms.map(|v| (v * 1e3).round() / 1e3), "expected_deaths": s.expected_deaths.round(),
        })).collect::<Vec<_>>(),
        "gmf": gmf_written.then(|| json!({
            "file": "gmf.csv",
            "sites": run.sites.len(),
            "realizations": run.request.realizations,
            "rows": run.sites.len() * run.request.realizations,
            "columns": gmf_columns,
            "imts_not_supported": names(&run.imts_not_supported),
            "seed": run.request.seed,
            "correlation": run.request.correlation,
            "truncation": run.request.truncation,
        })),
        "runtime": {
            "sites": run.n_sites,
            "exposure_points": run.n_exposure_points,
            "realizations": run.request.realizations,
            "intensity_measures": names(&run.imts),
            "intensity_measures_at_user_sites": names(&run.site_imts),
            "intensity_measures_not_supported": names(&run.imts_not_supported),
            "wall_clock": "see runtime.json (kept out of summary.json so that outputs are byte-identical)",
        },
        "files": files,
    })
}

/// Filled MMI contours as a GeoJSON FeatureCollection (MMI >= k for k = 2..10): mmi.geojson,
/// and the server's `mmi_contours` layer.
pub fn contours_geojson(run: &QuakeRun) -> Value {
    let thresholds: Vec<f64> = (2..=10).map(|k| k as f64 - 0.5).collect();
    let contours = crate::contours::filled_contours(&run.grid_mmi, &thresholds);
    let mut features = Vec::new();
    for (t, mp) in contours {
        let k = (t + 0.5).round() as usize;
        if mp.0.is_empty() {
            continue;
        }
        let coords = crate::contours::geojson_coordinates(&mp);
        features.push(json!({
            "type": "Feature",
            "properties": {"mmi": k, "label": format!("MMI >= {}", ROMAN[k - 1]), "threshold": k as f64 - 0.5, "color": mmi_color(k as f32).map(|c| format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2))},
            "geometry": {"type": "MultiPolygon", "coordinates": coords},
        }));
    }
    json!({"type": "FeatureCollection", "name": "mmi_contours", "features": features})
}

/// Write every output file into `dir` (created if needed).
pub fn write_outputs(
    run: &QuakeRun,
    region: &Region,
    dir: &Path,
) -> Result<Vec<String>, EngineError> {
    std::fs::create_dir_all(dir).map_err(|source| EngineError::Write {
        path: dir.display().to_string(),
        source,
    })?;
    let mut files = Vec::new();
    let mut put = |name: &str, bytes: &[u8]| -> Result<(), EngineError> {
        write_file(&dir.join(name), bytes)?;
        files.push(name.to_string());
        Ok(())
    };
    let summary = summary_json(run);
    put(
        "summary.json",
        format!(
            "{}\n",
            serde_json::to_string_pretty(&summary).unwrap_or_default()
        )
        .as_bytes(),
    )?;
    write_geotiff(&dir.join("mmi.tif"), &run.grid_mmi)?;
    write_geotiff(&dir.join("pga.tif"), &run.grid_pga_g)?;
    put(
        "mmi.geojson",
        serde_json::to_string(&contours_geojson(run))
            .unwrap_or_default()
            .as_bytes(),
    )?;
    let mut csv = String::from(
        "name,country,admin1,lon,lat,population,mmi,pga_g,expected_deaths,pgv_cms,mmi_min_over_strikes,mmi_max_over_strikes\n",
    );
    for s in &run.settlements {
        let (lo, hi) = s
            .mmi_over_strikes
            .map_or((String::new(), String::new()), |[a, b]| {
                (format!("{a:.2}"), format!("{b:.2}"))
            });
        csv.push_str(&format!(
            "{},{},{},{:.5},{:.5},{:.0},{:.2},{:.5},{:.2},{},{lo},{hi}\n",
            forewarn_core::csv_field(&s.name),
            s.country,
            forewarn_core::csv_field(&s.admin1),
            s.lon,
            s.lat,
            s.population,
            s.mmi,
            s.pga_g,
            s.expected_deaths,
            s.pgv_cms.map(|v| format!("{v:.3}")).unwrap_or_default()
        ));
    }
    put("settlements.csv", csv.as_bytes())?;
    put(
        "exposure.csv",
        exposure_csv(&summary).unwrap_or_default().as_bytes(),
    )?;
    if !run.sites.is_empty() {
        let mut h = String::from("site_id,lon,lat,vs30,vs30_source");
        for (name, _, _) in &run.sites[0].imts {
            h.push_str(&format!(",{name},{name}_ln_sigma"));
        }
        h.push_str(",mmi\n");
        for s in &run.sites {
            h.push_str(&format!(
                "{},{},{},{},{}",
                s.site_id,
                s.lon,
                s.lat,
                s.vs30_mps,
                s.vs30_source.as_str()
            ));
            for (_, m, sg) in &s.imts {
                h.push_str(&format!(",{m:.6e},{sg:.4}"));
            }
            h.push_str(&format!(",{:.2}\n", s.mmi));
        }
        put("sites.csv", h.as_bytes())?;
    }
    if super::write_gmf_csv(run, &dir.join("gmf.csv"))? {
        files.push("gmf.csv".to_string());
    }
    render_map(run, region, &dir.join("map.png"))?;
    files.extend([
        "mmi.tif".to_string(),
        "pga.tif".to_string(),
        "map.png".to_string(),
    ]);
    files.sort();
    Ok(files)
}

fn render_map(run: &QuakeRun, region: &Region, path: &Path) -> Result<(), EngineError> {
    let fb = run.footprint;
    let boundaries = region.countries.iter().map(|c| &c.boundary).collect();
    let mut places: Vec<&super::SettlementImpact> = run.settlements.iter().collect();
    places.sort_by(|a, b| {
        b.population
            .total_cmp(&a.population)
            .then(a.name.cmp(&b.name))
    });
    let color = |v: f32| mmi_color(v);
    let legend = (2..=10)
        .rev()
        .filter_map(|k| mmi_color(k as f32).map(|c| (c, format!("MMI {}", ROMAN[k - 1]))))
        .collect();
    let spec = MapSpec {
        title: format!(
            "{} - alert {}",
            run.event_name,
            run.alert_level.as_str().to_uppercase()
        ),
        subtitle: format!(
            "Median MMI (Worden 2012 from the larger horizontal {}, {}); deaths median {:.0} (90% {:.0}-{:.0}); exposure: {}",
            run.mmi_imt.oq_name(),
            run.model_selection.models.to_uppercase(),
            run.fatalities.median,
            run.fatalities.p5,
            run.fatalities.p95,
            if run.exposure_source.starts_with("PROXY") {
                "proxy"
            } else {
                "raster"
            }
        ),
        bbox: fb,
        hillshade: None,
        raster: Some(RasterLayer {
            grid: &run.grid_mmi,
            color: &color,
            alpha: 1.0,
        }),
        boundaries,
        outlines: run.rupture.surface_outline(),
        places: places
            .iter()
            .take(12)
            .map(|s| (LonLat::new(s.lon, s.lat), s.name.clone()))
            .collect(),
        markers: vec![(run.rupture.hypocenter, format!("M{:.1}", run.rupture.mag))],
        legend,
    };
    render_png(path, &spec, 1200, 900)
}
