//! BC Hydro in-slab (Abrahamson, Gregor & Addo 2016) against OpenQuake's verification tables
//! (BCHYDRO/BCHYDRO_SSLAB_CENTRAL_MEAN.csv, _CENTRAL_STDDEV_INTRA.csv and
//! _LOW_STDDEV_INTER.csv). OpenQuake's test (hazardlib/tests/gsim/abrahamson_2015_test.py,
//! `AbrahamsonEtAl2015SSlabTestCase`) runs the central model with 0.1 % tolerance on the mean
//! and on every standard deviation. Inputs: magnitude, hypocentral depth, hypocentral distance,
//! Vs30 and the backarc flag. Tau does not depend on dC1, so the LOW inter-event file (the only
//! INTER file copied) also checks the central model.

use forewarn_quake::gmpe::bchydro::{ArcSide, BcHydroSlab};
mod verify;

use forewarn_quake::gmpe::{Distances, RuptureParams, SiteParams};
use verify::{Kind, Table, check, reference_dir};

const TOL_PCT: f64 = 0.1;

fn context(t: &Table, row: usize) -> (RuptureParams, Distances, SiteParams) {
    let depth = t.number(row, "rup_hypo_depth");
    let rhypo = t.number(row, "dist_rhypo");
    let rup = RuptureParams {
        mag: t.number(row, "rup_mag"),
        rake_deg: 0.0,
        dip_deg: 45.0,
        ztor_km: depth,
        width_km: 10.0,
        hypo_depth_km: depth,
    };
    let dist = Distances {
        rrup_km: rhypo,
        rjb_km: rhypo,
        rx_km: 0.0,
        ry0_km: 0.0,
        rhypo_km: rhypo,
    };
    let site = SiteParams {
        vs30_mps: t.number(row, "site_vs30"),
        vs30_measured: true,
        z1pt0_m: None,
        z2pt5_km: None,
    };
    (rup, dist, site)
}

fn run(file: &str, kind: Kind) {
    let Some(dir) = reference_dir() else {
        return;
    };
    let table = Table::read(&dir.join("BCHYDRO").join(file));
    assert!(!table.rows.is_empty(), "{file}: no rows");
    // The backarc flag is a per-row site parameter: check each group with its own model.
    let mut n_all = 0;
    let mut failures_all = Vec::new();
    for side in [ArcSide::Forearc, ArcSide::Backarc] {
        let want = if side == ArcSide::Backarc { 1.0 } else { 0.0 };
        let mut sub = Table {
            path: table.path.clone(),
            header: table.header.clone(),
            rows: Vec::new(),
        };
        sub.rows = (0..table.rows.len())
            .filter(|&r| table.number(r, "site_backarc") == want)
            .map(|r| table.rows[r].clone())
            .collect();
        let gmpe = BcHydroSlab {
            arc_side: side,
            ..BcHydroSlab::default()
        };
        let (n, failures) = check(&gmpe, &sub, kind, TOL_PCT, context);
        n_all += n;
        failures_all.extend(failures);
    }
    println!(
        "{file}: {n_all} values checked at {TOL_PCT} %, {} failures",
        failures_all.len()
    );
    for f in failures_all.iter().take(20) {
        println!("  {f}");
    }
    assert!(n_all > 0, "{file}: nothing was checked");
    assert!(
        failures_all.is_empty(),
        "{file}: {} failures (first 20 above)",
        failures_all.len()
    );
}

#[test]
fn bchydro_slab_mean_matches_openquake_table() {
    run("BCHYDRO_SSLAB_CENTRAL_MEAN.csv", Kind::Mean);
}

#[test]
fn bchydro_slab_phi_matches_openquake_table() {
    run("BCHYDRO_SSLAB_CENTRAL_STDDEV_INTRA.csv", Kind::IntraStd);
}

#[test]
fn bchydro_slab_tau_matches_openquake_table() {
    run("BCHYDRO_SSLAB_LOW_STDDEV_INTER.csv", Kind::InterStd);
}
