//! Verification of CB14 against OpenQuake's tables (hazardlib/tests/gsim/data/CB14/), the
//! same check as OpenQuake's `CampbellBozorgnia2014TestCase` (S_J = 0): 0.1 % on the mean
//! and on the total standard deviation.

use forewarn_quake::gmpe::cb14::Cb14;
mod verify;

use forewarn_quake::gmpe::{Distances, RuptureParams, SiteParams};
use verify::{Kind, Table, check, reference_dir};

const TOL_PCT: f64 = 0.1;

/// The model inputs of one table row. Columns absent from the CB14 tables (Ry0, measured
/// Vs30, Z1.0) are not used by the model.
fn inputs(t: &Table, row: usize) -> (RuptureParams, Distances, SiteParams) {
    let v = |name: &str| {
        t.get(row, name).unwrap_or_else(|| {
            panic!(
                "{}: row {}: no value in column {name}",
                t.path.display(),
                row + 2
            )
        })
    };
    (
        RuptureParams {
            mag: v("rup_mag"),
            rake_deg: v("rup_rake"),
            dip_deg: v("rup_dip"),
            ztor_km: v("rup_ztor"),
            width_km: v("rup_width"),
            hypo_depth_km: v("rup_hypo_depth"),
        },
        Distances {
            rrup_km: v("dist_rrup"),
            rjb_km: v("dist_rjb"),
            rx_km: v("dist_rx"),
            ry0_km: 0.0,
            rhypo_km: f64::NAN,
        },
        SiteParams {
            vs30_mps: v("site_vs30"),
            vs30_measured: false,
            z1pt0_m: None,
            z2pt5_km: Some(v("site_z2pt5")),
        },
    )
}

fn run(file: &str, kind: Kind) {
    let Some(dir) = reference_dir() else {
        return;
    };
    let table = Table::read(&dir.join("CB14").join(file));
    let (n, failures) = check(&Cb14::default(), &table, kind, TOL_PCT, inputs);
    println!("{file}: {n} values checked, {} failures", failures.len());
    for f in failures.iter().take(20) {
        println!("  {f}");
    }
    assert!(n > 0, "{file}: no values checked");
    // 374 rows x (PGA + PGV + 21 periods).
    assert_eq!(
        n,
        table.rows.len() * 23,
        "{file}: some IMT columns were not checked"
    );
    assert!(failures.is_empty(), "{file}: {} failures", failures.len());
}

#[test]
fn cb14_mean_matches_openquake() {
    run("CB2014_MEAN.csv", Kind::Mean);
}

#[test]
fn cb14_total_std_matches_openquake() {
    run("CB2014_STD_TOTAL.csv", Kind::TotalStd);
}
