//! Atkinson & Boore (2006) against OpenQuake's verification tables (AB06/AB06_MEAN.csv and
//! AB06_STD_TOTAL.csv, copied into tests/data/AB06, see the README there). OpenQuake's test
//! (hazardlib/tests/gsim/atkinson_boore_2006_test.py, `AtkinsonBoore2006TestCase`) runs the
//! default model with 0.9 % tolerance on the mean and 0.1 % on the total standard deviation.
//! Inputs: magnitude, Rrup and Vs30. Every row and every intensity-measure column is checked.

mod verify;

use forewarn_quake::gmpe::ab06::Ab06;
use forewarn_quake::gmpe::{Distances, Gmpe, RuptureParams, SiteParams};
use std::path::Path;
use verify::{Kind, Table, check};

const MEAN_TOL_PCT: f64 = 0.9;
const STD_TOL_PCT: f64 = 0.1;

fn column(t: &Table, row: usize, name: &str) -> f64 {
    t.get(row, name)
        .unwrap_or_else(|| panic!("{}: row {}: no number in {name}", t.path.display(), row + 2))
}

fn context(t: &Table, row: usize) -> (RuptureParams, Distances, SiteParams) {
    let rrup = column(t, row, "dist_rrup");
    let rup = RuptureParams {
        mag: column(t, row, "rup_mag"),
        rake_deg: 0.0,
        dip_deg: 90.0,
        ztor_km: 0.0,
        width_km: 10.0,
        hypo_depth_km: 10.0,
    };
    let dist = Distances {
        rrup_km: rrup,
        rjb_km: rrup,
        rx_km: 0.0,
        ry0_km: 0.0,
        rhypo_km: rrup,
    };
    let site = SiteParams {
        vs30_mps: column(t, row, "site_vs30"),
        vs30_measured: true,
        z1pt0_m: None,
        z2pt5_km: None,
    };
    (rup, dist, site)
}

/// Largest |computed / expected - 1| in % over the table (for the report; `check` decides).
fn max_deviation_pct(gmpe: &dyn Gmpe, t: &Table, kind: Kind) -> f64 {
    let mut worst: f64 = 0.0;
    for row in 0..t.rows.len() {
        let (rup, dist, site) = context(t, row);
        for (col, imt) in t.imt_columns() {
            let expected: f64 = t.rows[row][col].parse().expect("number");
            let gm = gmpe
                .ground_motion(imt, &rup, &dist, &site)
                .expect("supported");
            let computed = match kind {
                Kind::Mean => gm.ln_median.exp(),
                _ => gm.sigma,
            };
            worst = worst.max((computed / expected * 100.0 - 100.0).abs());
        }
    }
    worst
}

fn run(file: &str, kind: Kind, tol_pct: f64) {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/AB06")).join(file);
    assert!(
        path.is_file(),
        "missing verification table {}",
        path.display()
    );
    let table = Table::read(&path);
    assert_eq!(table.rows.len(), 252, "{file}: row count");
    let imts = table.imt_columns();
    assert_eq!(imts.len(), 26, "{file}: 24 SA periods, PGA and PGV");
    let gmpe = Ab06;
    let (n, failures) = check(&gmpe, &table, kind, tol_pct, context);
    println!(
        "{file}: {n} values checked at {tol_pct} %, {} failures, max deviation {:.4} %",
        failures.len(),
        max_deviation_pct(&gmpe, &table, kind)
    );
    for f in failures.iter().take(20) {
        println!("  {f}");
    }
    // `check` skips IMTs the model does not support: every cell must have been checked.
    assert_eq!(
        n,
        table.rows.len() * imts.len(),
        "{file}: not every value was checked"
    );
    assert!(
        failures.is_empty(),
        "{file}: {} failures (first 20 above)",
        failures.len()
    );
}

#[test]
fn ab06_mean_matches_openquake_table() {
    run("AB06_MEAN.csv", Kind::Mean, MEAN_TOL_PCT);
}

#[test]
fn ab06_total_sigma_matches_openquake_table() {
    run("AB06_STD_TOTAL.csv", Kind::TotalStd, STD_TOL_PCT);
}
