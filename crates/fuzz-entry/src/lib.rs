//! The entry functions of Forewarn's fuzz targets: one per parser that takes outside input.
//!
//! Each function takes the raw bytes a fuzzer (or a corpus file) supplies, hands them to the
//! public parse function the product uses, and ignores the result: an `Err` is the expected
//! answer to bad input, a panic, abort or hang is a bug. `fuzz/fuzz_targets/*.rs` call these
//! functions, and `tests/replay.rs` feeds every committed corpus and regression file through
//! them in `cargo test`. See docs/reliability.md.

use std::path::Path;
use std::sync::OnceLock;

use forewarn_core::grid::{Crs, Grid, GridSpec};

/// A fuzz target: its name (the directory under fuzz/corpus and fuzz/regressions) and entry.
pub struct Target {
    pub name: &'static str,
    pub entry: fn(&[u8]),
}

/// Every target, in the order docs/reliability.md lists them.
pub const TARGETS: &[Target] = &[
    Target {
        name: "cap_xml",
        entry: cap_xml,
    },
    Target {
        name: "nrml",
        entry: nrml,
    },
    Target {
        name: "usgs_geojson",
        entry: usgs_geojson,
    },
    Target {
        name: "esri_ascii",
        entry: esri_ascii,
    },
    Target {
        name: "geotiff",
        entry: geotiff,
    },
    Target {
        name: "lisflood_par",
        entry: lisflood_par,
    },
    Target {
        name: "lisflood_bci",
        entry: lisflood_bci,
    },
    Target {
        name: "lisflood_bdy",
        entry: lisflood_bdy,
    },
    Target {
        name: "flood_toml",
        entry: flood_toml,
    },
    Target {
        name: "exercise_toml",
        entry: exercise_toml,
    },
    Target {
        name: "sites_csv",
        entry: sites_csv,
    },
    #[cfg(feature = "server")]
    Target {
        name: "api_json",
        entry: api_json,
    },
];

/// Separates the files of a multi-file input (LISFLOOD-FP .par with the files it names).
pub const FILE_SEPARATOR: &str = "\n%%\n";

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// CAP XML: the validator (well-formedness, schema, rules, signature), the reader and the
/// signature check, as `forewarn cap validate|verify` and POST /api/alerts/validate use them.
pub fn cap_xml(data: &[u8]) {
    let Some(xml) = text(data) else { return };
    let _ = forewarn_cap::validate_xml(xml);
    if let Ok(alert) = forewarn_cap::read_alert(xml) {
        let _ = forewarn_cap::validate(&alert);
        let _ = alert.to_xml();
    }
}

/// OpenQuake NRML 0.5 ruptures (`forewarn quake --rupture`).
pub fn nrml(data: &[u8]) {
    let Some(t) = text(data) else { return };
    let _ = forewarn_quake::source_files::parse_nrml_rupture(t, "fuzz.xml");
}

/// USGS GeoJSON event files (`forewarn quake --event`).
pub fn usgs_geojson(data: &[u8]) {
    let Some(t) = text(data) else { return };
    let _ = forewarn_quake::source_files::parse_usgs_event(t, "fuzz.geojson");
}

/// ESRI ASCII grids (DEMs, Manning and start-depth rasters).
pub fn esri_ascii(data: &[u8]) {
    let Some(t) = text(data) else { return };
    let _ =
        forewarn_core::raster_ascii::parse_ascii_grid(t, Path::new("fuzz.asc"), Crs::UnknownMetres);
}

/// GeoTIFF rasters (population, terrain).
pub fn geotiff(data: &[u8]) {
    let _ = forewarn_core::raster_tiff::read_geotiff_bytes(data, Path::new("fuzz.tif"));
}

/// A directory for inputs that name other files, made once per process. It holds
/// `terrain.asc` (a copy of [`DEFAULT_DEM`] that no target overwrites) for the flood TOML.
fn scratch_dir() -> Option<&'static Path> {
    static DIR: OnceLock<Option<tempfile::TempDir>> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().ok()?;
        std::fs::write(dir.path().join("terrain.asc"), DEFAULT_DEM).ok()?;
        Some(dir)
    })
    .as_ref()
    .map(tempfile::TempDir::path)
}

/// The DEM used when a LISFLOOD-FP input does not bring its own: 3 x 3 cells of 10 m.
const DEFAULT_DEM: &str = "ncols 3\nnrows 3\nxllcorner 0\nyllcorner 0\ncellsize 10\nNODATA_value -9999\n\
     3 2 1\n3 2 1\n3 2 1\n";

/// LISFLOOD-FP .par with the files it may name. The input is up to six files separated by
/// [`FILE_SEPARATOR`]: fuzz.par, fuzz.bci, fuzz.bdy, fuzz.stage, fuzz.rain, dem.asc (a 3 x 3
/// DEM when absent). They are written to a scratch directory and read with
/// `forewarn_flood::lisflood::read_par`, as `forewarn flood run --par` does.
pub fn lisflood_par(data: &[u8]) {
    let Some(t) = text(data) else { return };
    let Some(dir) = scratch_dir() else { return };
    let names = [
        "fuzz.par",
        "fuzz.bci",
        "fuzz.bdy",
        "fuzz.stage",
        "fuzz.rain",
        "dem.asc",
    ];
    let mut parts = t.splitn(names.len(), FILE_SEPARATOR);
    for name in names {
        let content = match (parts.next(), name) {
            (Some(c), _) => c,
            (None, "dem.asc") => DEFAULT_DEM,
            (None, _) => "",
        };
        if std::fs::write(dir.join(name), content).is_err() {
            return;
        }
    }
    let _ = forewarn_flood::lisflood::read_par(&dir.join("fuzz.par"));
}

fn small_terrain() -> Option<Grid<f32>> {
    forewarn_core::raster_ascii::parse_ascii_grid(
        DEFAULT_DEM,
        Path::new("dem.asc"),
        Crs::UnknownMetres,
    )
    .ok()
}

/// LISFLOOD-FP .bci boundary conditions: `fuzz.bdy` text, [`FILE_SEPARATOR`], `fuzz.bci`
/// text (without a separator the whole input is the .bci and no .bdy is given).
pub fn lisflood_bci(data: &[u8]) {
    let Some(t) = text(data) else { return };
    let Some(terrain) = small_terrain() else {
        return;
    };
    let (bdy_text, bci_text) = t.split_once(FILE_SEPARATOR).unwrap_or(("", t));
    let bdy = forewarn_flood::lisflood::parse_bdy(bdy_text, "fuzz.bdy")
        .ok()
        .map(|series| ("fuzz.bdy".to_string(), series));
    let spec: GridSpec = terrain.spec;
    let mut sc = forewarn_flood::Scenario::new("fuzz", terrain);
    let _ = forewarn_flood::lisflood::parse_bci(
        bci_text,
        Path::new("fuzz.bci"),
        bdy.as_ref(),
        spec.dx,
        &mut sc,
    );
}

/// LISFLOOD-FP time series files: the same text as a .bdy file, a rainfall file and a .stage
/// gauge list (three parsers of "count, then rows" layouts).
pub fn lisflood_bdy(data: &[u8]) {
    let Some(t) = text(data) else { return };
    let _ = forewarn_flood::lisflood::parse_bdy(t, "fuzz.bdy");
    let _ = forewarn_flood::lisflood::parse_rain(t, "fuzz.rain");
    let _ = forewarn_flood::lisflood::parse_stage(t, "fuzz.stage");
}

/// Flood scenario TOML (`forewarn flood run scenario.toml`), terrain from files only (the
/// embedded region is not loaded, so the run stays fast).
pub fn flood_toml(data: &[u8]) {
    let Some(t) = text(data) else { return };
    let Some(dir) = scratch_dir() else { return };
    let _ = forewarn_flood::Scenario::from_toml_str(t, &dir.join("fuzz.toml"), None);
}

/// Exercise plan TOML (`forewarn exercise validate`, POST /api/exercises with a plan).
pub fn exercise_toml(data: &[u8]) {
    let Some(t) = text(data) else { return };
    let Some(dir) = scratch_dir() else { return };
    let _ = forewarn_exercise::parse(t, "fuzz.toml", dir);
}

/// Sites CSV (`forewarn quake --sites`).
pub fn sites_csv(data: &[u8]) {
    let Some(t) = text(data) else { return };
    let _ = forewarn_engine::sites_csv::parse_sites(t, "fuzz.csv");
}

/// The API's JSON request bodies, deserialised with the server's own `parse_json` (the
/// function its `JsonBody` extractor calls). The first byte picks the request type.
#[cfg(feature = "server")]
pub fn api_json(data: &[u8]) {
    use forewarn_server::extract::parse_json;
    use forewarn_server::{activity, alerts, auth, exercises, incidents, requests};
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    match which % 17 {
        0 => drop(parse_json::<alerts::ValidateIn>(body)),
        1 => drop(parse_json::<alerts::AlertIn>(body)),
        2 => drop(parse_json::<alerts::RejectIn>(body)),
        3 => drop(parse_json::<alerts::UpdateIn>(body)),
        4 => drop(parse_json::<alerts::CancelIn>(body)),
        5 => drop(parse_json::<auth::LoginIn>(body)),
        6 => drop(parse_json::<auth::TokenIn>(body)),
        7 => drop(parse_json::<auth::UserIn>(body)),
        8 => drop(parse_json::<exercises::ExerciseIn>(body)),
        9 => drop(parse_json::<exercises::ControlIn>(body)),
        10 => drop(parse_json::<exercises::AckIn>(body)),
        11 => drop(parse_json::<exercises::RatingIn>(body)),
        12 => drop(parse_json::<incidents::IncidentIn>(body)),
        13 => drop(parse_json::<requests::RequestIn>(body)),
        14 => drop(parse_json::<requests::OfferIn>(body)),
        15 => drop(parse_json::<requests::DeclineIn>(body)),
        _ => drop(parse_json::<activity::SitrepIn>(body)),
    }
}
