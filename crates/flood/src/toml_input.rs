//! Reading a scenario from the Forewarn TOML format (documented in docs/flood.md).
//!
//! Relative file names are resolved against the scenario file's directory. Unknown keys raise a
//! warning that names them (kept in [`Scenario::warnings`] and logged).

use crate::breach::{BreachHydrograph, BreachParams, FailureMode};
use crate::error::FloodError;
use crate::scenario::{
    Boundary, BoundaryKind, Edge, Gauge, InputFormat, Lake, LineInflow, Manning, PointInflow,
    PointLevel, Precision, Rain, Scenario, SimParams,
};
use crate::series::TimeSeries;
use forewarn_core::raster_ascii::read_ascii_grid;
use forewarn_core::raster_tiff::read_geotiff;
use forewarn_core::{Crs, Grid, GridSpec, Region};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

type Extra = BTreeMap<String, toml::Value>;

#[derive(Deserialize)]
struct TomlScenario {
    name: Option<String>,
    terrain: TomlTerrain,
    simulation: TomlSim,
    friction: Option<TomlFriction>,
    #[serde(default)]
    inflow: Vec<TomlInflow>,
    #[serde(default)]
    line_inflow: Vec<TomlLine>,
    #[serde(default)]
    fixed_level: Vec<TomlLevel>,
    rain: Option<TomlRain>,
    initial: Option<TomlInitial>,
    #[serde(default)]
    breach: Vec<TomlBreach>,
    #[serde(default)]
    boundary: Vec<TomlBoundary>,
    #[serde(default)]
    gauge: Vec<TomlGauge>,
    #[serde(flatten)]
    extra: Extra,
}

#[derive(Deserialize)]
struct TomlTerrain {
    source: Option<String>,
    file: Option<String>,
    crs: Option<String>,
    bbox: Option<[f64; 4]>,
    /// Fill depressions (Priority-Flood + epsilon) before the run.
    fill_depressions: Option<bool>,
    #[serde(flatten)]
    extra: Extra,
}

#[derive(Deserialize)]
struct TomlSim {
    duration_s: f64,
    output_interval_s: Option<f64>,
    mass_interval_s: Option<f64>,
    max_dt_s: Option<f64>,
    alpha: Option<f64>,
    theta: Option<f64>,
    depth_threshold_m: Option<f64>,
    froude_limit: Option<f64>,
    friction_2d: Option<bool>,
    precision: Option<String>,
    #[serde(flatten)]
    extra: Extra,
}

#[derive(Deserialize)]
struct TomlFriction {
    manning: Option<f64>,
    manning_file: Option<String>,
    #[serde(flatten)]
    extra: Extra,
}

#[derive(Deserialize)]
struct TomlSeries {
    times_s: Option<Vec<f64>>,
    values: Option<Vec<f64>>,
    /// A CSV file with two columns (time in s, value) and a header line.
    file: Option<String>,
    /// A constant value.
    value: Option<f64>,
}

#[derive(Deserialize)]
struct TomlInflow {
    name: Option<String>,
    x: f64,
    y: f64,
    discharge_m3s: TomlSeries,
    #[serde(flatten)]
    extra: Extra,
}

#[derive(Deserialize)]
struct TomlLine {
    name: Option<String>,
    from: [f64; 2],
    to: [f64; 2],
    discharge_m3s: TomlSeries,
    #[serde(flatten)]
    extra: Extra,
}

#[derive(Deserialize)]
struct TomlLevel {
    name: Option<String>,
    x: f64,
    y: f64,
    level_m: TomlSeries,
    #[serde(flatten)]
    extra: Extra,
}

#[derive(Deserialize)]
struct TomlFrame {
    time_s: f64,
    file: String,
}

#[derive(Deserialize)]
struct TomlRain {
    rate_mm_h: Option<TomlSeries>,
    #[serde(default)]
    frames: Vec<TomlFrame>,
    #[serde(flatten)]
    extra: Extra,
}

#[derive(Deserialize)]
struct TomlLake {
    level_m: f64,
    seed: Option<[f64; 2]>,
}

#[derive(Deserialize)]
struct TomlInitial {
    depth_file: Option<String>,
    #[serde(default)]
    lake: Vec<TomlLake>,
    #[serde(flatten)]
    extra: Extra,
}

#[derive(Deserialize)]
struct TomlBreach {
    name: Option<String>,
    x: f64,
    y: f64,
    lake_volume_m3: f64,
    dam_height_m: f64,
    breach_height_m: f64,
    water_depth_m: Option<f64>,
    mode: Option<String>,
    start_s: Option<f64>,
    #[serde(flatten)]
    extra: Extra,
}

#[derive(Deserialize)]
struct TomlBoundary {
    edge: String,
    from: Option<f64>,
    to: Option<f64>,
    #[serde(rename = "type")]
    kind: String,
    slope: Option<f64>,
    level_m: Option<TomlSeries>,
    inflow_m2s: Option<TomlSeries>,
    #[serde(flatten)]
    extra: Extra,
}

#[derive(Deserialize)]
struct TomlGauge {
    name: String,
    x: f64,
    y: f64,
    #[serde(flatten)]
    extra: Extra,
}

struct Ctx {
    file: String,
    dir: PathBuf,
    /// When set, files the scenario names must be relative paths inside this folder.
    root: Option<PathBuf>,
    warnings: Vec<String>,
}

impl Ctx {
    fn err(&self, field: impl ToString, message: impl ToString) -> FloodError {
        FloodError::input(&self.file, field, message)
    }

    fn warn_extra(&mut self, section: &str, extra: &Extra) {
        for k in extra.keys() {
            let key = if section.is_empty() {
                k.clone()
            } else {
                format!("{section}.{k}")
            };
            let w = format!("{}: unknown key '{key}' ignored", self.file);
            tracing::warn!("{w}");
            self.warnings.push(w);
        }
    }

    fn path(&self, name: &str) -> Result<PathBuf, FloodError> {
        let p = Path::new(name);
        let Some(root) = &self.root else {
            return Ok(if p.is_absolute() {
                p.to_path_buf()
            } else {
                self.dir.join(p)
            });
        };
        let plain = p
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        let outside = || {
            self.err(
                "file",
                format!("'{name}' must be a relative path inside the scenario's folder (no absolute path or '..')"),
            )
        };
        if name.is_empty() || !plain {
            return Err(outside());
        }
        let full = self.dir.join(p);
        match (full.canonicalize(), root.canonicalize()) {
            (Ok(f), Ok(r)) if f.starts_with(&r) => Ok(f),
            (Err(_), _) => Err(self.err("file", format!("no file '{name}'"))),
            _ => Err(outside()),
        }
    }

    fn series(&self, s: &TomlSeries, field: &str) -> Result<TimeSeries, FloodError> {
        if let Some(v) = s.value {
            if s.times_s.is_some() || s.values.is_some() || s.file.is_some() {
                return Err(self.err(field, "give either 'value' or a series, not both"));
            }
            if !v.is_finite() {
                return Err(self.err(field, "'value' is not finite"));
            }
            return Ok(TimeSeries::constant(v));
        }
        if let Some(f) = &s.file {
            let path = self.path(f)?;
            return read_series_csv(&path);
        }
        match (&s.times_s, &s.values) {
            (Some(t), Some(v)) => TimeSeries::new(t.clone(), v.clone(), &self.file, field),
            _ => Err(self.err(
                field,
                "needs 'value', 'file', or both 'times_s' and 'values'",
            )),
        }
    }
}

/// Read a two-column CSV time series (time in s, value) with one header line.
pub fn read_series_csv(path: &Path) -> Result<TimeSeries, FloodError> {
    let text = forewarn_core::read_text_limited(path, forewarn_core::MAX_TEXT_INPUT_BYTES)
        .map_err(|e| FloodError::io(path, e))?;
    let name = path.display().to_string();
    let (mut t, mut v) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate().skip(1) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split(',').map(str::trim);
        let parse = |s: Option<&str>| -> Result<f64, FloodError> {
            s.and_then(|s| s.parse().ok()).ok_or_else(|| {
                FloodError::input(&name, format!("line {}", i + 1), "expected two numbers")
            })
        };
        t.push(parse(parts.next())?);
        v.push(parse(parts.next())?);
    }
    TimeSeries::new(t, v, &name, "series")
}

fn parse_crs(s: &str) -> Option<Crs> {
    let l = s.trim().to_ascii_lowercase();
    match l.as_str() {
        "epsg:4326" | "wgs84" => Some(Crs::Epsg4326),
        "metres" | "meters" | "m" => Some(Crs::UnknownMetres),
        _ => l
            .strip_prefix("epsg:")
            .and_then(|c| c.parse::<u16>().ok())
            .map(Crs::Projected),
    }
}

/// Read a raster by extension: `.asc` (ESRI ASCII, interpreted in `crs`) or GeoTIFF.
pub fn read_raster(path: &Path, crs: Crs) -> Result<Grid<f32>, FloodError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext == "asc" || ext == "dem" || ext == "txt" {
        Ok(read_ascii_grid(path, crs)?)
    } else {
        Ok(read_geotiff(path)?)
    }
}

/// Crop `g` to the cells whose centres fall inside [west, south, east, north].
pub fn crop(g: &Grid<f32>, bbox: [f64; 4]) -> Option<Grid<f32>> {
    let s = &g.spec;
    let [w, so, e, n] = bbox;
    let c0 = ((w - s.x_min) / s.dx).round().max(0.0) as usize;
    let c1 = (((e - s.x_min) / s.dx).round().max(0.0) as usize).min(s.ncols);
    let r0 = ((s.y_max - n) / s.dy).round().max(0.0) as usize;
    let r1 = (((s.y_max - so) / s.dy).round().max(0.0) as usize).min(s.nrows);
    if c0 >= c1 || r0 >= r1 {
        return None;
    }
    let spec = GridSpec {
        x_min: s.x_min + c0 as f64 * s.dx,
        y_max: s.y_max - r0 as f64 * s.dy,
        dx: s.dx,
        dy: s.dy,
        ncols: c1 - c0,
        nrows: r1 - r0,
        crs: s.crs,
    };
    let mut data = Vec::with_capacity(spec.len());
    for r in r0..r1 {
        data.extend_from_slice(&g.data[r * s.ncols + c0..r * s.ncols + c1]);
    }
    Some(Grid {
        spec,
        data,
        nodata: g.nodata,
    })
}

/// Check that `g` lies on the terrain grid; a larger raster on the same lattice is cropped.
pub fn match_terrain(
    g: Grid<f32>,
    terrain: &GridSpec,
    file: &str,
    field: &str,
) -> Result<Grid<f32>, FloodError> {
    if g.spec.same_placement(terrain) {
        return Ok(g);
    }
    let b = terrain.bbox();
    if let Some(c) = crop(&g, [b.west, b.south, b.east, b.north])
        && c.spec.same_placement(terrain)
    {
        return Ok(c);
    }
    Err(FloodError::input(
        file,
        field,
        format!(
            "raster is {} x {} cells at ({}, {}) with cell {} x {}, but the terrain is {} x {} at \
             ({}, {}) with cell {} x {}: rasters must have the same size and extent",
            g.spec.ncols,
            g.spec.nrows,
            g.spec.x_min,
            g.spec.y_max,
            g.spec.dx,
            g.spec.dy,
            terrain.ncols,
            terrain.nrows,
            terrain.x_min,
            terrain.y_max,
            terrain.dx,
            terrain.dy
        ),
    ))
}

/// Check a Manning raster: no negative or zero values on valid terrain.
pub fn check_manning(g: &Grid<f32>, terrain: &Grid<f32>, file: &str) -> Result<(), FloodError> {
    for (i, (&n, &z)) in g.data.iter().zip(&terrain.data).enumerate() {
        if z.is_finite() && !(n.is_finite() && n > 0.0) {
            let (c, r) = (i % g.spec.ncols, i / g.spec.ncols);
            return Err(FloodError::input(
                file,
                "manning",
                format!("value {n} at column {c}, row {r} is not a positive number"),
            ));
        }
    }
    Ok(())
}

fn positive(ctx: &Ctx, v: f64, field: &str) -> Result<f64, FloodError> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(ctx.err(field, format!("must be a positive number, got {v}")))
    }
}

impl Scenario {
    /// Read a TOML scenario. `region` supplies the terrain when `terrain.source = "embedded"`
    /// (pass `Some(forewarn_embedded::region())`); it is not needed for terrain files.
    pub fn from_toml_path(path: &Path, region: Option<&Region>) -> Result<Scenario, FloodError> {
        let text = forewarn_core::read_text_limited(path, forewarn_core::MAX_TEXT_INPUT_BYTES)
            .map_err(|e| FloodError::io(path, e))?;
        Scenario::from_toml_str(&text, path, region)
    }

    /// Parse TOML scenario text; `path` names the file in errors and anchors relative paths.
    pub fn from_toml_str(
        text: &str,
        path: &Path,
        region: Option<&Region>,
    ) -> Result<Scenario, FloodError> {
        Scenario::parse_toml(text, path, region, None)
    }

    /// [`Scenario::from_toml_path`] for a scenario from an untrusted source: every file it
    /// names must be a relative path that stays inside `root` (no absolute path, no `..`).
    pub fn from_toml_path_within(
        path: &Path,
        region: Option<&Region>,
        root: &Path,
    ) -> Result<Scenario, FloodError> {
        let text = forewarn_core::read_text_limited(path, forewarn_core::MAX_TEXT_INPUT_BYTES)
            .map_err(|e| FloodError::io(path, e))?;
        Scenario::parse_toml(&text, path, region, Some(root))
    }

    fn parse_toml(
        text: &str,
        path: &Path,
        region: Option<&Region>,
        root: Option<&Path>,
    ) -> Result<Scenario, FloodError> {
        let file = path.display().to_string();
        let doc: TomlScenario = toml::from_str(text).map_err(|e| {
            let field = e
                .span()
                .map(|s| {
                    let line = text[..s.start.min(text.len())].lines().count().max(1);
                    format!("line {line}")
                })
                .unwrap_or_else(|| "toml".into());
            FloodError::input(&file, field, e.message())
        })?;
        let mut ctx = Ctx {
            file: file.clone(),
            dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            root: root.map(Path::to_path_buf),
            warnings: Vec::new(),
        };
        ctx.warn_extra("", &doc.extra);

        // Terrain.
        let t = &doc.terrain;
        ctx.warn_extra("terrain", &t.extra);
        let crs = match &t.crs {
            Some(s) => parse_crs(s).ok_or_else(|| {
                ctx.err(
                    "terrain.crs",
                    format!("unknown CRS '{s}' (use EPSG:nnnn or metres)"),
                )
            })?,
            None => Crs::UnknownMetres,
        };
        let mut terrain = match (t.source.as_deref(), &t.file) {
            (Some("embedded"), None) => {
                region.and_then(|r| r.terrain.clone()).ok_or_else(|| {
                    ctx.err(
                        "terrain.source",
                        "'embedded' needs the embedded region, which was not supplied or has no \
                         terrain",
                    )
                })?
            }
            (None, Some(f)) => read_raster(&ctx.path(f)?, crs)?,
            (Some(s), None) => {
                return Err(ctx.err(
                    "terrain.source",
                    format!("unknown source '{s}' (use \"embedded\" or give 'file')"),
                ));
            }
            _ => {
                return Err(ctx.err(
                    "terrain",
                    "give exactly one of 'source = \"embedded\"' or 'file'",
                ));
            }
        };
        if let Some(b) = t.bbox {
            if !(b[0] < b[2] && b[1] < b[3]) {
                return Err(ctx.err("terrain.bbox", "must be [west, south, east, north]"));
            }
            terrain = crop(&terrain, b)
                .ok_or_else(|| ctx.err("terrain.bbox", "the box does not overlap the terrain"))?;
        }
        let mut warnings_fill = None;
        if t.fill_depressions.unwrap_or(false) {
            let raised = crate::condition::fill_depressions(&mut terrain, 0.01);
            warnings_fill = Some(raised);
        }
        let spec = terrain.spec;

        // Simulation.
        let s = &doc.simulation;
        ctx.warn_extra("simulation", &s.extra);
        let mut sim = SimParams {
            end_time_s: positive(&ctx, s.duration_s, "simulation.duration_s")?,
            ..SimParams::default()
        };
        sim.output_interval_s = s.output_interval_s.unwrap_or(0.0);
        if !(sim.output_interval_s >= 0.0 && sim.output_interval_s.is_finite()) {
            return Err(ctx.err("simulation.output_interval_s", "must be >= 0"));
        }
        sim.mass_interval_s = positive(
            &ctx,
            s.mass_interval_s
                .unwrap_or((sim.end_time_s / 100.0).max(1.0)),
            "simulation.mass_interval_s",
        )?;
        if let Some(v) = s.max_dt_s {
            sim.max_dt_s = positive(&ctx, v, "simulation.max_dt_s")?;
        }
        if let Some(v) = s.alpha {
            if !(v > 0.0 && v <= 1.0) {
                return Err(ctx.err("simulation.alpha", format!("must be in (0, 1], got {v}")));
            }
            sim.alpha = v;
        }
        if let Some(v) = s.theta {
            if !(0.0..=1.0).contains(&v) {
                return Err(ctx.err("simulation.theta", format!("must be in [0, 1], got {v}")));
            }
            sim.theta = v;
        }
        if let Some(v) = s.depth_threshold_m {
            sim.depth_threshold_m = positive(&ctx, v, "simulation.depth_threshold_m")?;
        }
        if let Some(v) = s.froude_limit {
            let v = positive(&ctx, v, "simulation.froude_limit")?;
            if v > crate::scenario::DEFAULT_FROUDE_LIMIT {
                ctx.warnings.push(format!(
                    "{}: simulation.froude_limit = {v} allows supercritical face flows, where the \
                     local-inertial approximation does not hold (de Almeida & Bates 2013); the \
                     default is {}",
                    ctx.file,
                    crate::scenario::DEFAULT_FROUDE_LIMIT
                ));
            }
            sim.froude_limit = Some(v);
        }
        if let Some(v) = s.friction_2d {
            sim.friction_2d = v;
        }
        sim.precision = match s.precision.as_deref() {
            None | Some("f32") => Precision::F32,
            Some("f64") => Precision::F64,
            Some(o) => {
                return Err(ctx.err(
                    "simulation.precision",
                    format!("'{o}' is not \"f32\" or \"f64\""),
                ));
            }
        };

        // Friction.
        let manning = match &doc.friction {
            None => Manning::Uniform(0.03),
            Some(f) => {
                ctx.warn_extra("friction", &f.extra);
                match (f.manning, &f.manning_file) {
                    (Some(n), None) => {
                        if !(n.is_finite() && n > 0.0) {
                            return Err(ctx.err(
                                "friction.manning",
                                format!("Manning's n must be positive, got {n}"),
                            ));
                        }
                        Manning::Uniform(n)
                    }
                    (None, Some(name)) => {
                        let p = ctx.path(name)?;
                        let pf = p.display().to_string();
                        let g = match_terrain(read_raster(&p, spec.crs)?, &spec, &pf, "manning")?;
                        check_manning(&g, &terrain, &pf)?;
                        Manning::Raster(g)
                    }
                    _ => {
                        return Err(ctx.err(
                            "friction",
                            "give exactly one of 'manning' or 'manning_file'",
                        ));
                    }
                }
            }
        };

        let mut sc = Scenario::new(doc.name.as_deref().unwrap_or("scenario"), terrain);
        sc.source_path = path.to_path_buf();
        sc.format = InputFormat::Toml;
        sc.sim = sim;
        sc.manning = manning;

        for (k, i) in doc.inflow.iter().enumerate() {
            ctx.warn_extra(&format!("inflow[{k}]"), &i.extra);
            let name = i.name.clone().unwrap_or_else(|| format!("inflow{}", k + 1));
            let field = format!("inflow[{k}].discharge_m3s");
            sc.point_inflows.push(PointInflow {
                name,
                x: i.x,
                y: i.y,
                discharge_m3s: ctx.series(&i.discharge_m3s, &field)?,
            });
        }
        for (k, l) in doc.line_inflow.iter().enumerate() {
            ctx.warn_extra(&format!("line_inflow[{k}]"), &l.extra);
            let field = format!("line_inflow[{k}].discharge_m3s");
            sc.line_inflows.push(LineInflow {
                name: l.name.clone().unwrap_or_else(|| format!("line{}", k + 1)),
                from: (l.from[0], l.from[1]),
                to: (l.to[0], l.to[1]),
                discharge_m3s: ctx.series(&l.discharge_m3s, &field)?,
            });
        }
        for (k, l) in doc.fixed_level.iter().enumerate() {
            ctx.warn_extra(&format!("fixed_level[{k}]"), &l.extra);
            let field = format!("fixed_level[{k}].level_m");
            sc.point_levels.push(PointLevel {
                name: l.name.clone().unwrap_or_else(|| format!("level{}", k + 1)),
                x: l.x,
                y: l.y,
                level_m: ctx.series(&l.level_m, &field)?,
            });
        }
        if let Some(r) = &doc.rain {
            ctx.warn_extra("rain", &r.extra);
            sc.rain = Some(match (&r.rate_mm_h, r.frames.is_empty()) {
                (Some(s), true) => {
                    let ts = ctx.series(s, "rain.rate_mm_h")?;
                    if ts.values.iter().any(|&v| v < 0.0) {
                        return Err(ctx.err("rain.rate_mm_h", "rates must not be negative"));
                    }
                    Rain::Uniform(ts)
                }
                (None, false) => {
                    let mut frames = Vec::new();
                    for (k, f) in r.frames.iter().enumerate() {
                        let field = format!("rain.frames[{k}]");
                        if let Some((t0, _)) = frames.last()
                            && f.time_s <= *t0
                        {
                            return Err(ctx.err(
                                &field,
                                format!("time {} s does not follow {} s", f.time_s, t0),
                            ));
                        }
                        let p = ctx.path(&f.file)?;
                        let pf = p.display().to_string();
                        let g = match_terrain(read_raster(&p, spec.crs)?, &spec, &pf, &field)?;
                        if g.data.iter().any(|&v| v < 0.0) {
                            return Err(FloodError::input(&pf, &field, "negative rain rate"));
                        }
                        frames.push((f.time_s, g));
                    }
                    Rain::Raster(frames)
                }
                _ => {
                    return Err(ctx.err("rain", "give exactly one of 'rate_mm_h' or 'frames'"));
                }
            });
        }
        if let Some(init) = &doc.initial {
            ctx.warn_extra("initial", &init.extra);
            if let Some(f) = &init.depth_file {
                let p = ctx.path(f)?;
                let pf = p.display().to_string();
                sc.initial_depth = Some(match_terrain(
                    read_raster(&p, spec.crs)?,
                    &spec,
                    &pf,
                    "initial.depth_file",
                )?);
            }
            for l in &init.lake {
                sc.lakes.push(Lake {
                    level_m: l.level_m,
                    seed: l.seed.map(|s| (s[0], s[1])),
                });
            }
        }
        for (k, b) in doc.breach.iter().enumerate() {
            ctx.warn_extra(&format!("breach[{k}]"), &b.extra);
            let mode = match b.mode.as_deref() {
                None | Some("overtopping") => FailureMode::Overtopping,
                Some("piping") => FailureMode::Piping,
                Some(o) => {
                    return Err(ctx.err(
                        format!("breach[{k}].mode"),
                        format!("'{o}' is not \"overtopping\" or \"piping\""),
                    ));
                }
            };
            let params = BreachParams {
                name: b.name.clone().unwrap_or_else(|| format!("breach{}", k + 1)),
                x: b.x,
                y: b.y,
                lake_volume_m3: b.lake_volume_m3,
                dam_height_m: b.dam_height_m,
                breach_height_m: b.breach_height_m,
                water_depth_m: b.water_depth_m.unwrap_or(b.breach_height_m),
                mode,
                start_s: b.start_s.unwrap_or(0.0),
            };
            let h = BreachHydrograph::new(params, &file)?;
            sc.point_inflows.push(PointInflow {
                name: h.params.name.clone(),
                x: h.params.x,
                y: h.params.y,
                discharge_m3s: h.discharge_m3s.clone(),
            });
            sc.breaches.push(h);
        }
        for (k, b) in doc.boundary.iter().enumerate() {
            ctx.warn_extra(&format!("boundary[{k}]"), &b.extra);
            let f = |n: &str| format!("boundary[{k}].{n}");
            let edge = match b.edge.to_ascii_lowercase().as_str() {
                "north" | "n" => Edge::North,
                "south" | "s" => Edge::South,
                "east" | "e" => Edge::East,
                "west" | "w" => Edge::West,
                o => return Err(ctx.err(f("edge"), format!("'{o}' is not north/south/east/west"))),
            };
            let kind = match b.kind.as_str() {
                "closed" => BoundaryKind::Closed,
                "free" => {
                    if let Some(s) = b.slope
                        && !(s.is_finite() && s > 0.0)
                    {
                        return Err(ctx.err(f("slope"), format!("must be positive, got {s}")));
                    }
                    BoundaryKind::Free { slope: b.slope }
                }
                "level" => BoundaryKind::Level(
                    ctx.series(
                        b.level_m
                            .as_ref()
                            .ok_or_else(|| ctx.err(f("level_m"), "missing for a level boundary"))?,
                        &f("level_m"),
                    )?,
                ),
                "inflow" => BoundaryKind::Inflow(ctx.series(
                    b.inflow_m2s.as_ref().ok_or_else(|| {
                        ctx.err(f("inflow_m2s"), "missing for an inflow boundary")
                    })?,
                    &f("inflow_m2s"),
                )?),
                o => {
                    return Err(ctx.err(
                        f("type"),
                        format!("'{o}' is not closed, free, level or inflow"),
                    ));
                }
            };
            let range = match (b.from, b.to) {
                (Some(a), Some(e)) => Some((a, e)),
                (None, None) => None,
                _ => return Err(ctx.err(f("from"), "give both 'from' and 'to' or neither")),
            };
            sc.boundaries.push(Boundary { edge, range, kind });
        }
        for (k, g) in doc.gauge.iter().enumerate() {
            ctx.warn_extra(&format!("gauge[{k}]"), &g.extra);
            sc.gauges.push(Gauge {
                name: g.name.clone(),
                x: g.x,
                y: g.y,
            });
        }
        if let Some(raised) = warnings_fill {
            tracing::info!("{file}: depression filling raised {raised} terrain cells");
        }
        sc.warnings = ctx.warnings;
        crate::limits::check(&sc)?;
        Ok(sc)
    }
}
