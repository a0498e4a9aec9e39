//! LISFLOOD-FP inputs, so that its users can switch: the .par file, ESRI ASCII rasters, and the
//! .bci/.bdy boundary files, plus the .stage gauge list.
//!
//! Keywords read from the .par file: DEMfile, sim_time, initial_tstep (used as the largest time
//! step), massint, saveint, fpfric, manningfile, bcifile, bdyfile, startfile (initial depth),
//! stagefile, dirroot, resroot, acceleration (the local-inertial scheme, theta = 1 unless `theta`
//! is given), theta, cfl, depththresh, max_Froude (the Froude cap; none without it, as in
//! LISFLOOD-FP), 1Dfriction (friction from the face-normal flux only), rainfall (a uniform rain series in mm/h, .bdy layout
//! without the name line), elevoff (accepted; elevation output is never written). Any other
//! keyword raises a warning that names it.
//!
//! A point `QVAR`/`QFIX` value is per unit width (m2/s) and is multiplied by the cell size; edge
//! `QVAR`/`QFIX` values are per metre of edge.

use crate::error::FloodError;
use crate::scenario::{
    Boundary, BoundaryKind, Edge, Gauge, InputFormat, Manning, PointInflow, PointLevel, Rain,
    Scenario,
};
use crate::series::TimeSeries;
use crate::toml_input::{check_manning, match_terrain};
use forewarn_core::Crs;
use forewarn_core::raster_ascii::read_ascii_grid;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Keywords of LISFLOOD-FP that this reader knows but does not act on; they get a warning too.
const IGNORED: &[&str] = &[
    "fv1",
    "fv2",
    "cuda",
    "voutput",
    "adaptoff",
    "qoutput",
    "debug",
    "mint_hk",
    "hazard",
    "profiles",
    "overpass",
    "checkpoint",
    "routing",
    "dg2",
    "acc_nugrid",
    "elevoff",
];

/// Where the model writes results according to the .par file (`dirroot`, `resroot`).
#[derive(Debug, Clone, Default)]
pub struct ParOutputs {
    pub dirroot: Option<PathBuf>,
    pub resroot: Option<String>,
}

fn read_text(path: &Path) -> Result<String, FloodError> {
    forewarn_core::read_text_limited(path, forewarn_core::MAX_TEXT_INPUT_BYTES)
        .map_err(|e| FloodError::io(path, e))
}

/// Read a LISFLOOD-FP .par file and everything it names. Relative names are resolved against
/// the .par file's directory. Rasters are read as ESRI ASCII in metres (CRS unknown).
pub fn read_par(path: &Path) -> Result<Scenario, FloodError> {
    read_par_with_outputs(path).map(|(s, _)| s)
}

/// As [`read_par`], also returning the output directory and prefix the file asks for.
pub fn read_par_with_outputs(path: &Path) -> Result<(Scenario, ParOutputs), FloodError> {
    let text = read_text(path)?;
    let file = path.display().to_string();
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let resolve = |v: &str| -> PathBuf {
        let p = Path::new(v);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            dir.join(p)
        }
    };
    let mut kv: BTreeMap<String, (usize, Option<String>)> = BTreeMap::new();
    let mut warnings = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(2, char::is_whitespace);
        let key = parts.next().unwrap_or_default().to_ascii_lowercase();
        let value = parts
            .next()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        kv.insert(key, (i + 1, value));
    }
    let num = |key: &str| -> Result<Option<f64>, FloodError> {
        match kv.get(key) {
            None => Ok(None),
            Some((line, v)) => {
                let v = v.as_deref().ok_or_else(|| {
                    FloodError::input(&file, key, format!("line {line}: keyword has no value"))
                })?;
                v.parse::<f64>().map(Some).map_err(|_| {
                    FloodError::input(&file, key, format!("line {line}: '{v}' is not a number"))
                })
            }
        }
    };
    let string = |key: &str| -> Result<Option<String>, FloodError> {
        match kv.get(key) {
            None => Ok(None),
            Some((line, v)) => v.clone().map(Some).ok_or_else(|| {
                FloodError::input(&file, key, format!("line {line}: keyword has no value"))
            }),
        }
    };
    const KNOWN: &[&str] = &[
        "demfile",
        "sim_time",
        "initial_tstep",
        "massint",
        "saveint",
        "fpfric",
        "manningfile",
        "bcifile",
        "bdyfile",
        "startfile",
        "stagefile",
        "dirroot",
        "resroot",
        "acceleration",
        "theta",
        "cfl",
        "depththresh",
        "rainfall",
        "max_froude",
        "1dfriction",
    ];
    for (k, (line, _)) in &kv {
        if KNOWN.contains(&k.as_str()) || (k == "elevoff") {
            continue;
        }
        let w = if IGNORED.contains(&k.as_str()) {
            format!("{file}: line {line}: keyword '{k}' is not supported and is ignored")
        } else {
            format!("{file}: line {line}: unknown keyword '{k}' ignored")
        };
        tracing::warn!("{w}");
        warnings.push(w);
    }

    let dem_name = string("demfile")?
        .ok_or_else(|| FloodError::input(&file, "DEMfile", "the .par file names no DEM"))?;
    let dem_path = resolve(&dem_name);
    let terrain = read_ascii_grid(&dem_path, Crs::UnknownMetres)?;
    let spec = terrain.spec;
    let mut sc = Scenario::new(
        &string("resroot")?.unwrap_or_else(|| "lisflood".into()),
        terrain,
    );
    sc.source_path = path.to_path_buf();
    sc.format = InputFormat::Lisflood;
    sc.sim.theta = 1.0;
    // LISFLOOD-FP caps face flows only when the .par file sets max_Froude (its default,
    // 10000, never binds), so its inputs run uncapped unless they ask for it.
    sc.sim.froude_limit = None;
    let positive = |key: &str, v: f64| -> Result<f64, FloodError> {
        if v.is_finite() && v > 0.0 {
            Ok(v)
        } else {
            Err(FloodError::input(
                &file,
                key,
                format!("must be positive, got {v}"),
            ))
        }
    };
    sc.sim.end_time_s = positive(
        "sim_time",
        num("sim_time")?.ok_or_else(|| FloodError::input(&file, "sim_time", "missing"))?,
    )?;
    if let Some(v) = num("initial_tstep")? {
        sc.sim.max_dt_s = positive("initial_tstep", v)?;
    }
    sc.sim.mass_interval_s = positive("massint", num("massint")?.unwrap_or(100.0))?;
    sc.sim.output_interval_s = positive("saveint", num("saveint")?.unwrap_or(sc.sim.end_time_s))?;
    if let Some(v) = num("theta")? {
        if !(0.0..=1.0).contains(&v) {
            return Err(FloodError::input(
                &file,
                "theta",
                format!("must be in [0, 1], got {v}"),
            ));
        }
        sc.sim.theta = v;
    }
    if let Some(v) = num("cfl")? {
        sc.sim.alpha = positive("cfl", v)?.min(1.0);
    }
    // LISFLOOD-FP 8 uses the two-dimensional friction term unless the .par file says
    // `1Dfriction` (pars.cpp, fricSolver2D).
    sc.sim.friction_2d = !kv.contains_key("1dfriction");
    if let Some(v) = num("max_froude")? {
        sc.sim.froude_limit = Some(positive("max_Froude", v)?);
    }
    if let Some(v) = num("depththresh")? {
        sc.sim.depth_threshold_m = positive("depththresh", v)?;
    }
    match (num("fpfric")?, string("manningfile")?) {
        (_, Some(m)) => {
            let p = resolve(&m);
            let pf = p.display().to_string();
            let g = match_terrain(
                read_ascii_grid(&p, Crs::UnknownMetres)?,
                &spec,
                &pf,
                "manningfile",
            )?;
            check_manning(&g, &sc.terrain, &pf)?;
            sc.manning = Manning::Raster(g);
        }
        (Some(n), None) => {
            if !(n.is_finite() && n > 0.0) {
                return Err(FloodError::input(
                    &file,
                    "fpfric",
                    format!("Manning's n must be positive, got {n}"),
                ));
            }
            sc.manning = Manning::Uniform(n);
        }
        (None, None) => {
            return Err(FloodError::input(
                &file,
                "fpfric",
                "no friction given (fpfric or manningfile)",
            ));
        }
    }
    if let Some(s) = string("startfile")? {
        let p = resolve(&s);
        let pf = p.display().to_string();
        sc.initial_depth = Some(match_terrain(
            read_ascii_grid(&p, Crs::UnknownMetres)?,
            &spec,
            &pf,
            "startfile",
        )?);
    }
    if let Some(s) = string("rainfall")? {
        let p = resolve(&s);
        let ts = read_rain(&p)?;
        sc.rain = Some(Rain::Uniform(ts));
    }
    let bdy = match string("bdyfile")? {
        Some(b) => {
            let p = resolve(&b);
            Some((p.display().to_string(), read_bdy(&p)?))
        }
        None => None,
    };
    if let Some(b) = string("bcifile")? {
        let p = resolve(&b);
        read_bci(&p, bdy.as_ref(), spec.dx, &mut sc)?;
    }
    if let Some(s) = string("stagefile")? {
        let p = resolve(&s);
        sc.gauges = read_stage(&p)?;
    }
    sc.warnings = warnings;
    let outputs = ParOutputs {
        dirroot: string("dirroot")?.map(|d| dir.join(d.replace('\\', "/"))),
        resroot: string("resroot")?,
    };
    Ok((sc, outputs))
}

fn time_factor(unit: &str) -> Option<f64> {
    match unit.to_ascii_lowercase().as_str() {
        "seconds" | "second" | "secs" | "s" => Some(1.0),
        "minutes" | "minute" | "mins" => Some(60.0),
        "hours" | "hour" | "hrs" => Some(3600.0),
        "days" | "day" => Some(86400.0),
        _ => None,
    }
}

/// Parse `n` lines of "value time" after a "count units" line starting at `lines[start]`.
fn read_block(
    lines: &[(usize, &str)],
    start: usize,
    file: &str,
    name: &str,
) -> Result<(TimeSeries, usize), FloodError> {
    let (ln, header) = lines
        .get(start)
        .ok_or_else(|| FloodError::input(file, name, "series has no 'count units' line"))?;
    let mut h = header.split_whitespace();
    let count: usize = h.next().and_then(|v| v.parse().ok()).ok_or_else(|| {
        FloodError::input(file, name, format!("line {ln}: expected a count of values"))
    })?;
    let unit = h.next().unwrap_or("seconds");
    let factor = time_factor(unit).ok_or_else(|| {
        FloodError::input(file, name, format!("line {ln}: unknown time unit '{unit}'"))
    })?;
    let (mut t, mut v) = (Vec::new(), Vec::new());
    for k in 0..count {
        let (ln, line) = lines.get(start + 1 + k).ok_or_else(|| {
            FloodError::input(file, name, format!("expected {count} values, found {k}"))
        })?;
        let mut p = line.split_whitespace();
        let val: f64 = p.next().and_then(|x| x.parse().ok()).ok_or_else(|| {
            FloodError::input(file, name, format!("line {ln}: expected 'value time'"))
        })?;
        let time: f64 = p.next().and_then(|x| x.parse().ok()).ok_or_else(|| {
            FloodError::input(file, name, format!("line {ln}: expected 'value time'"))
        })?;
        v.push(val);
        t.push(time * factor);
    }
    Ok((TimeSeries::new(t, v, file, name)?, start + 1 + count))
}

/// Read a .bdy file: a comment line, then blocks of a name line, a "count units" line and
/// count lines of "value time".
pub fn read_bdy(path: &Path) -> Result<BTreeMap<String, TimeSeries>, FloodError> {
    parse_bdy(&read_text(path)?, &path.display().to_string())
}

/// Parse .bdy text (see [`read_bdy`]); `file` names it in errors.
pub fn parse_bdy(text: &str, file: &str) -> Result<BTreeMap<String, TimeSeries>, FloodError> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .skip(1)
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let mut out = BTreeMap::new();
    let mut i = 0;
    while i < lines.len() {
        let name = lines[i]
            .1
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string();
        let (ts, next) = read_block(&lines, i + 1, file, &name)?;
        out.insert(name, ts);
        i = next;
    }
    Ok(out)
}

/// Read a rainfall file: a comment line, a "count units" line and "rate time" lines (mm/h).
pub fn read_rain(path: &Path) -> Result<TimeSeries, FloodError> {
    parse_rain(&read_text(path)?, &path.display().to_string())
}

/// Parse rainfall text (see [`read_rain`]); `file` names it in errors.
pub fn parse_rain(text: &str, file: &str) -> Result<TimeSeries, FloodError> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .skip(1)
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let (ts, _) = read_block(&lines, 0, file, "rainfall")?;
    if ts.values.iter().any(|&v| v < 0.0) {
        return Err(FloodError::input(
            file,
            "rainfall",
            "rates must not be negative",
        ));
    }
    Ok(ts)
}

/// Read a .stage file: a count line, then "x y" lines. Gauges are named stage1, stage2, ...
pub fn read_stage(path: &Path) -> Result<Vec<Gauge>, FloodError> {
    parse_stage(&read_text(path)?, &path.display().to_string())
}

/// Parse .stage text (see [`read_stage`]); `file` names it in errors.
pub fn parse_stage(text: &str, file: &str) -> Result<Vec<Gauge>, FloodError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let (ln, first) = lines
        .next()
        .ok_or_else(|| FloodError::input(file, "count", "the file is empty"))?;
    let n: usize = first
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            FloodError::input(
                file,
                "count",
                format!("line {ln}: expected the number of gauges"),
            )
        })?;
    let mut out = Vec::new();
    for k in 0..n {
        let (ln, line) = lines.next().ok_or_else(|| {
            FloodError::input(file, "gauges", format!("expected {n} gauges, found {k}"))
        })?;
        let mut p = line.split_whitespace().map(|v| v.parse::<f64>());
        match (p.next(), p.next()) {
            (Some(Ok(x)), Some(Ok(y))) => out.push(Gauge {
                name: format!("stage{}", k + 1),
                x,
                y,
            }),
            _ => {
                return Err(FloodError::input(
                    file,
                    format!("gauge {}", k + 1),
                    format!("line {ln}: expected 'x y'"),
                ));
            }
        }
    }
    Ok(out)
}

/// Read a .bci file into the scenario's sources and boundaries. `bdy` holds the .bdy file name
/// and its series; `cell_size` converts point discharges per unit width to m3/s.
fn read_bci(
    path: &Path,
    bdy: Option<&(String, BTreeMap<String, TimeSeries>)>,
    cell_size: f64,
    sc: &mut Scenario,
) -> Result<(), FloodError> {
    parse_bci(&read_text(path)?, path, bdy, cell_size, sc)
}

/// Parse .bci text into the scenario's sources and boundaries (see [`read_bci`]); `path`
/// names the file in errors and in the names of point conditions.
pub fn parse_bci(
    text: &str,
    path: &Path,
    bdy: Option<&(String, BTreeMap<String, TimeSeries>)>,
    cell_size: f64,
    sc: &mut Scenario,
) -> Result<(), FloodError> {
    let file = path.display().to_string();
    for (i, line) in text.lines().enumerate() {
        let ln = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let tok: Vec<&str> = line.split_whitespace().collect();
        let field = format!("line {ln}");
        if tok.len() < 4 {
            return Err(FloodError::input(
                &file,
                &field,
                "expected 'N|S|E|W|P a b TYPE [value]'",
            ));
        }
        let a: f64 = tok[1].parse().map_err(|_| {
            FloodError::input(&file, &field, format!("'{}' is not a number", tok[1]))
        })?;
        let b: f64 = tok[2].parse().map_err(|_| {
            FloodError::input(&file, &field, format!("'{}' is not a number", tok[2]))
        })?;
        let kind = tok[3].to_ascii_uppercase();
        let arg = tok.get(4).copied();
        let number = |what: &str| -> Result<f64, FloodError> {
            arg.and_then(|v| v.parse::<f64>().ok()).ok_or_else(|| {
                FloodError::input(&file, &field, format!("{kind} needs a numeric {what}"))
            })
        };
        let named = || -> Result<TimeSeries, FloodError> {
            let name = arg.ok_or_else(|| {
                FloodError::input(
                    &file,
                    &field,
                    format!("{kind} needs the name of a .bdy series"),
                )
            })?;
            let (bdy_file, series) = bdy.ok_or_else(|| {
                FloodError::input(
                    &file,
                    &field,
                    format!("series '{name}' is named but the .par file gives no bdyfile"),
                )
            })?;
            series.get(name).cloned().ok_or_else(|| {
                FloodError::input(
                    bdy_file,
                    name,
                    format!(
                        "series named by {file} line {ln} is missing (the file has: {})",
                        series.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                )
            })
        };
        let edge = match tok[0].to_ascii_uppercase().as_str() {
            "P" => None,
            "N" => Some(Edge::North),
            "S" => Some(Edge::South),
            "E" => Some(Edge::East),
            "W" => Some(Edge::West),
            o => {
                return Err(FloodError::input(
                    &file,
                    &field,
                    format!("'{o}' is not N, S, E, W or P"),
                ));
            }
        };
        let pname = format!(
            "{}:{ln}",
            path.file_name()
                .map(|f| f.to_string_lossy())
                .unwrap_or_default()
        );
        match edge {
            None => match kind.as_str() {
                "QFIX" => sc.point_inflows.push(PointInflow {
                    name: pname,
                    x: a,
                    y: b,
                    discharge_m3s: TimeSeries::constant(number("discharge")? * cell_size),
                }),
                "QVAR" => sc.point_inflows.push(PointInflow {
                    name: pname,
                    x: a,
                    y: b,
                    discharge_m3s: named()?.scaled(cell_size),
                }),
                "HFIX" => sc.point_levels.push(PointLevel {
                    name: pname,
                    x: a,
                    y: b,
                    level_m: TimeSeries::constant(number("level")?),
                }),
                "HVAR" => sc.point_levels.push(PointLevel {
                    name: pname,
                    x: a,
                    y: b,
                    level_m: named()?,
                }),
                o => {
                    return Err(FloodError::input(
                        &file,
                        &field,
                        format!("point condition '{o}' is not QFIX, QVAR, HFIX or HVAR"),
                    ));
                }
            },
            Some(edge) => {
                let kind = match kind.as_str() {
                    "CLOSED" => BoundaryKind::Closed,
                    "FREE" => BoundaryKind::Free {
                        slope: arg.and_then(|v| v.parse::<f64>().ok()).filter(|s| *s > 0.0),
                    },
                    "HFIX" => BoundaryKind::Level(TimeSeries::constant(number("level")?)),
                    "HVAR" => BoundaryKind::Level(named()?),
                    "QFIX" => BoundaryKind::Inflow(TimeSeries::constant(number("discharge")?)),
                    "QVAR" => BoundaryKind::Inflow(named()?),
                    o => {
                        return Err(FloodError::input(
                            &file,
                            &field,
                            format!(
                                "edge condition '{o}' is not CLOSED, FREE, HFIX, HVAR, QFIX or QVAR"
                            ),
                        ));
                    }
                };
                sc.boundaries.push(Boundary {
                    edge,
                    range: Some((a, b)),
                    kind,
                });
            }
        }
    }
    Ok(())
}
