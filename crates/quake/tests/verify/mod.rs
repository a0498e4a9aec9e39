//! Reader and checker for the OpenQuake GMPE verification tables (../shared/reference/gmpe/),
//! shared by the per-model tests in tests/gmpe_*.rs (`mod verify;`); not in the library build.
//!
//! OpenQuake's rule (hazardlib/tests/gsim/utils.py): a value fails when
//! |computed / expected x 100 - 100| > tolerance (%). Means are compared in linear units.

// Each test binary uses part of it.
#![allow(dead_code)]

use forewarn_quake::gmpe::{Distances, Gmpe, Imt, RuptureParams, SiteParams};
use std::path::{Path, PathBuf};

/// The directory ../shared/reference/gmpe, or `None` (with a message) when it is absent
/// outside CI. Under CI=true a missing directory panics: CI must test against the tables.
pub fn reference_dir() -> Option<PathBuf> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = here.join("../../../shared/reference/gmpe");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
        panic!(
            "CI=true but the GMPE reference tables are missing at {}",
            dir.display()
        );
    }
    eprintln!(
        "skipping: GMPE reference tables not found at {}",
        dir.display()
    );
    None
}

/// One verification table: header plus rows of raw strings.
pub struct Table {
    pub path: PathBuf,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn read(path: &Path) -> Table {
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let header = rdr
            .headers()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .iter()
            .map(|s| s.trim().to_string())
            .collect();
        let rows = rdr
            .records()
            .map(|r| {
                r.unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                    .iter()
                    .map(|s| s.trim().to_string())
                    .collect()
            })
            .collect();
        Table {
            path: path.to_path_buf(),
            header,
            rows,
        }
    }

    /// Value of column `name` in row `row`; panics naming the file, row and column when it is
    /// missing or not a number.
    pub fn number(&self, row: usize, name: &str) -> f64 {
        self.get(row, name).unwrap_or_else(|| {
            panic!(
                "{}: row {}: no number in {name}",
                self.path.display(),
                row + 2
            )
        })
    }

    /// Value of column `name` in row `row` as f64, if the column exists and parses.
    pub fn get(&self, row: usize, name: &str) -> Option<f64> {
        let i = self.header.iter().position(|h| h == name)?;
        self.rows[row].get(i)?.parse().ok()
    }

    /// The intensity-measure columns: `pga`, `pgv` and numeric periods.
    pub fn imt_columns(&self) -> Vec<(usize, Imt)> {
        self.header
            .iter()
            .enumerate()
            .filter_map(|(i, h)| match h.as_str() {
                "pga" => Some((i, Imt::Pga)),
                "pgv" => Some((i, Imt::Pgv)),
                s => s.parse::<f64>().ok().map(|t| (i, Imt::Sa(t))),
            })
            .collect()
    }
}

/// What a table holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Mean,
    TotalStd,
    /// Within-event standard deviation (phi).
    IntraStd,
    /// Between-event standard deviation (tau).
    InterStd,
}

/// Check every row and IMT of `table` against `gmpe`; returns (values checked, failures).
/// `ctx` turns a row into the model's inputs.
pub fn check(
    gmpe: &dyn Gmpe,
    table: &Table,
    kind: Kind,
    tol_pct: f64,
    ctx: impl Fn(&Table, usize) -> (RuptureParams, Distances, SiteParams),
) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    let mut n = 0;
    let imts = table.imt_columns();
    for row in 0..table.rows.len() {
        let (rup, dist, site) = ctx(table, row);
        for &(col, imt) in &imts {
            let Some(expected) = table.rows[row].get(col).and_then(|s| s.parse::<f64>().ok())
            else {
                continue;
            };
            if !gmpe.supports(imt) {
                continue;
            }
            let gm = match gmpe.ground_motion(imt, &rup, &dist, &site) {
                Ok(gm) => gm,
                Err(e) => {
                    failures.push(format!("row {}: {imt:?}: {e}", row + 2));
                    continue;
                }
            };
            let computed = match kind {
                Kind::Mean => gm.ln_median.exp(),
                Kind::TotalStd => gm.sigma,
                Kind::IntraStd => gm.phi,
                Kind::InterStd => gm.tau,
            };
            n += 1;
            let dev = (computed / expected * 100.0 - 100.0).abs();
            if dev.is_nan() || dev > tol_pct {
                failures.push(format!(
                    "{} line {}: {imt:?}: computed {computed:.6e}, expected {expected:.6e} ({dev:.3}% > {tol_pct}%)",
                    table.path.file_name().and_then(|s| s.to_str()).unwrap_or("?"),
                    row + 2
                ));
            }
        }
    }
    (n, failures)
}
