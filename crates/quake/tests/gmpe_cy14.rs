//! Verification of CY14 against OpenQuake's tables (hazardlib/tests/gsim/data/NGA/CY14),
//! checked as OpenQuake's chiou_youngs_2014_test.py does with ChiouYoungs2014(): 0.05 %.

use forewarn_quake::gmpe::cy14::Cy14;
mod verify;

use forewarn_quake::gmpe::{Distances, RuptureParams, SiteParams};
use verify::{Kind, Table, check, reference_dir};

const TOL_PCT: f64 = 0.05;

fn col(t: &Table, row: usize, name: &str) -> f64 {
    t.get(row, name).unwrap_or_else(|| {
        panic!(
            "{}: row {}: column {name} missing or not a number",
            t.path.display(),
            row + 2
        )
    })
}

/// Inputs from the table columns. The tables have no width, hypocentre or Ry0 columns; CY14
/// does not use them, so they are NaN (any accidental use would fail the check).
fn context(t: &Table, row: usize) -> (RuptureParams, Distances, SiteParams) {
    let rup = RuptureParams {
        mag: col(t, row, "rup_mag"),
        rake_deg: col(t, row, "rup_rake"),
        dip_deg: col(t, row, "rup_dip"),
        ztor_km: col(t, row, "rup_ztor"),
        width_km: f64::NAN,
        hypo_depth_km: f64::NAN,
    };
    let dist = Distances {
        rrup_km: col(t, row, "dist_rrup"),
        rjb_km: col(t, row, "dist_rjb"),
        rx_km: col(t, row, "dist_rx"),
        ry0_km: f64::NAN,
        rhypo_km: f64::NAN,
    };
    let site = SiteParams {
        vs30_mps: col(t, row, "site_vs30"),
        vs30_measured: col(t, row, "site_vs30measured") != 0.0,
        z1pt0_m: Some(col(t, row, "site_z1pt0")),
        z2pt5_km: None,
    };
    (rup, dist, site)
}

fn run(file: &str, kind: Kind) {
    let Some(dir) = reference_dir() else {
        return;
    };
    let table = Table::read(&dir.join("NGA/CY14").join(file));
    let (n, failures) = check(&Cy14::default(), &table, kind, TOL_PCT, context);
    println!("{file}: {n} values checked, {} failures", failures.len());
    if !failures.is_empty() {
        for f in failures.iter().take(20) {
            eprintln!("{f}");
        }
        panic!(
            "{file}: {} of {n} values outside {TOL_PCT} %",
            failures.len()
        );
    }
    assert!(n > 0, "{file}: no values checked");
}

#[test]
fn cy14_median_reverse_hanging_wall() {
    run("CY14_MEDIAN_MS_HW_RV.csv", Kind::Mean);
}

#[test]
fn cy14_total_sigma() {
    run("CY14_TOTAL_EVENT_SIGMA.csv", Kind::TotalStd);
}
