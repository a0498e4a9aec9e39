//! Atkinson & Boore (2006) against OpenQuake's verification table for `AtkinsonBoore2006`
//! (openquake/hazardlib/tests/gsim/data/AB06/AB06_MEAN.csv, which OpenQuake generated from
//! D. M. Boore's Fortran implementation of the model; OpenQuake's test,
//! hazardlib/tests/gsim/atkinson_boore_2006_test.py, allows 0.9 % on the mean and 0.1 % on the
//! total standard deviation). The table is not in this repository: [`REFERENCE`] holds 48 of
//! its 252 rows (M 5-8, Rrup 1, 10, 60 and 150 km, Vs30 150, 760 and 2,500 m/s: soft soil with
//! the nonlinear site term, the B/C table, hard rock) at five intensity measures, 240 values
//! quoted as published facts. The whole table was checked once (every row and all 26 IMTs
//! within 0.854 %, OpenQuake's own largest deviation on it); when it is put beside the other
//! models' tables (../shared/reference/gmpe/AB06/AB06_MEAN.csv and AB06_STD_TOTAL.csv) the
//! tests check every value of both.

mod verify;

use forewarn_quake::gmpe::ab06::Ab06;
use forewarn_quake::gmpe::{Distances, Gmpe, Imt, RuptureParams, SiteParams};
use std::path::PathBuf;
use verify::{Kind, Table, check, reference_dir};

const MEAN_TOL_PCT: f64 = 0.9;
const STD_TOL_PCT: f64 = 0.1;

/// 48 rows of OpenQuake's AB06_MEAN.csv: median PGA (g), PGV (cm/s) and SA(0.199, 1.0,
/// 3.125 s) (g).
const REFERENCE: &str = "\
rup_mag,dist_rrup,site_vs30,pga,pgv,0.199,1.0,3.125
5.0,1.0,150.0,0.53736371,33.99041367,1.00258815,0.21596122,0.03158811
5.0,1.0,760.0,2.10766077,58.94180298,2.96511173,0.26518101,0.0263928
5.0,1.0,2500.0,3.57546663,61.45632553,2.70026231,0.23096406,0.02618786
5.0,10.0,150.0,0.19693272,7.33506393,0.25108135,0.0391838,0.00349536
5.0,10.0,760.0,0.12966633,3.15488935,0.17401271,0.01410733,0.00114519
5.0,10.0,2500.0,0.18879786,2.6501224,0.1301012,0.01055525,0.00089028
5.0,60.0,150.0,0.01409534,0.6096009,0.02545477,0.00483176,0.00037332
5.0,60.0,760.0,0.00566751,0.17835604,0.01181357,0.00123933,9.443e-05
5.0,60.0,2500.0,0.00594718,0.1384418,0.00880029,0.00093672,7.5e-05
5.0,150.0,150.0,0.00864521,0.40705416,0.01528446,0.00341404,0.0002743
5.0,150.0,760.0,0.0034761,0.11909524,0.00709352,0.00087569,6.938e-05
5.0,150.0,2500.0,0.00358677,0.09243131,0.00529733,0.00066385,5.547e-05
6.0,1.0,150.0,0.63646799,53.50216675,1.30214274,0.51101357,0.09573445
6.0,1.0,760.0,3.37279749,117.36351776,4.91847897,0.77168936,0.09366672
6.0,1.0,2500.0,5.56624699,116.65852356,4.41616917,0.68240881,0.0943408
6.0,10.0,150.0,0.28209284,16.54944801,0.45604131,0.15022741,0.02047078
6.0,10.0,760.0,0.35185733,11.72555447,0.53133792,0.08391602,0.00937731
6.0,10.0,2500.0,0.49311346,9.69138718,0.40273643,0.06395417,0.00770236
6.0,60.0,150.0,0.04972949,3.15046358,0.09671487,0.03698871,0.00430283
6.0,60.0,760.0,0.01999543,0.92175752,0.0448854,0.00948746,0.00108837
6.0,60.0,2500.0,0.02066801,0.74486721,0.03446117,0.00742163,0.00092881
6.0,150.0,150.0,0.03161192,2.20186257,0.05947737,0.02680895,0.00328062
6.0,150.0,760.0,0.01271065,0.64421737,0.02760347,0.00687639,0.00082981
6.0,150.0,2500.0,0.01296326,0.52363038,0.02126705,0.00539986,0.00071296
7.0,1.0,150.0,0.68025815,73.56079102,1.40753245,0.70180035,0.18924247
7.0,1.0,760.0,4.05751705,176.98773193,5.85329866,1.14958882,0.19700885
7.0,1.0,2500.0,6.39576387,169.16345215,5.02302504,1.01846182,0.19368668
7.0,10.0,150.0,0.36463249,32.61546326,0.6893782,0.33428466,0.0781955
7.0,10.0,760.0,0.71777284,33.00529861,1.16396725,0.25553191,0.04550704
7.0,10.0,2500.0,0.95059764,27.07359314,0.86704302,0.19573516,0.03797731
7.0,60.0,150.0,0.12597305,11.89635754,0.25396398,0.14044724,0.02869173
7.0,60.0,760.0,0.0530335,3.60783625,0.12235161,0.03718038,0.00743442
7.0,60.0,2500.0,0.05301345,3.06147265,0.09385192,0.0297022,0.00655558
7.0,150.0,150.0,0.08672875,9.00678921,0.16578586,0.10762447,0.0232301
7.0,150.0,760.0,0.03494006,2.6391952,0.07706293,0.02764217,0.00588186
7.0,150.0,2500.0,0.03458001,2.26605535,0.05937966,0.02218665,0.00522198
8.0,1.0,150.0,0.65608442,88.34494019,1.26625967,0.55939591,0.243991
8.0,1.0,760.0,3.66952777,202.14050293,4.99747801,0.87668216,0.24557592
8.0,1.0,2500.0,5.42403507,187.38574219,3.97343254,0.76779372,0.22662061
8.0,10.0,150.0,0.42531171,56.14662933,0.86731249,0.43172586,0.19482042
8.0,10.0,760.0,1.10074556,70.36128998,1.82932603,0.39833155,0.13088164
8.0,10.0,2500.0,1.35252976,57.77581024,1.29819822,0.30259991,0.10671468
8.0,60.0,150.0,0.18299106,27.53502464,0.38390255,0.22662769,0.0983719
8.0,60.0,760.0,0.10574248,10.69490242,0.23927344,0.0745894,0.03009664
8.0,60.0,2500.0,0.10036294,9.61218739,0.17776105,0.06004512,0.0263692
8.0,150.0,150.0,0.15576227,25.04392433,0.29625356,0.2011075,0.09066124
8.0,150.0,760.0,0.07220367,8.18861485,0.15435031,0.05688308,0.02470886
8.0,150.0,2500.0,0.06808258,7.49129105,0.11530518,0.04604695,0.02179742
";

/// The model's total standard deviation in OpenQuake's AB06_STD_TOTAL.csv: every row and
/// IMT, 0.30 log10 units.
const SIGMA_TOTAL_LN: f64 = 0.69077557;

fn context(t: &Table, row: usize) -> (RuptureParams, Distances, SiteParams) {
    let rrup = t.number(row, "dist_rrup");
    let rup = RuptureParams {
        mag: t.number(row, "rup_mag"),
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
        vs30_mps: t.number(row, "site_vs30"),
        vs30_measured: true,
        z1pt0_m: None,
        z2pt5_km: None,
    };
    (rup, dist, site)
}

fn embedded() -> Table {
    let mut lines = REFERENCE
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect());
    let header: Vec<String> = lines.next().expect("header");
    Table {
        path: PathBuf::from("REFERENCE (tests/gmpe_ab06.rs)"),
        header,
        rows: lines.collect(),
    }
}

/// Checks `table` and asserts that every value was checked and none failed.
fn assert_agrees(table: &Table, kind: Kind, tol_pct: f64, values: usize) {
    let (n, failures) = check(&Ab06, table, kind, tol_pct, context);
    for f in failures.iter().take(20) {
        println!("  {f}");
    }
    // `check` skips IMTs the model does not support: every value must have been checked.
    assert_eq!(
        n,
        values,
        "{}: not every value was checked",
        table.path.display()
    );
    assert!(
        failures.is_empty(),
        "{}: {} failures (first 20 above)",
        table.path.display(),
        failures.len()
    );
}

#[test]
fn ab06_matches_openquakes_table_on_soil_bc_and_hard_rock() {
    let t = embedded();
    assert_eq!(t.rows.len(), 48);
    assert_eq!(t.imt_columns().len(), 5, "PGA, PGV and three SA periods");
    assert_agrees(&t, Kind::Mean, MEAN_TOL_PCT, 48 * 5);
    // The total standard deviation, at every row and IMT of the same inputs.
    for row in 0..t.rows.len() {
        let (rup, dist, site) = context(&t, row);
        for (_, imt) in t.imt_columns() {
            let gm = Ab06
                .ground_motion(imt, &rup, &dist, &site)
                .expect("supported");
            assert!(
                (gm.sigma / SIGMA_TOTAL_LN - 1.0).abs() * 100.0 <= STD_TOL_PCT,
                "row {row} {imt:?}: sigma {}",
                gm.sigma
            );
        }
    }
    // A period between the table's rows (0.3 s lies between 0.251 and 0.315 s) is
    // interpolated: it must lie between its neighbours.
    let (rup, dist, site) = context(&t, 0);
    let sa = |p: f64| {
        Ab06.ground_motion(Imt::Sa(p), &rup, &dist, &site)
            .expect("supported")
            .ln_median
    };
    let (lo, mid, hi) = (sa(0.251), sa(0.3), sa(0.315));
    assert!(mid > lo.min(hi) && mid < lo.max(hi), "{lo} {mid} {hi}");
}

/// The whole table, when it is beside the other models' tables in ../shared.
fn shared_table(file: &str) -> Option<Table> {
    let path = reference_dir()?.join("AB06").join(file);
    if !path.is_file() {
        println!(
            "{}: not present; the embedded rows are checked",
            path.display()
        );
        return None;
    }
    Some(Table::read(&path))
}

#[test]
fn ab06_matches_openquakes_whole_tables_when_present() {
    for (file, kind, tol) in [
        ("AB06_MEAN.csv", Kind::Mean, MEAN_TOL_PCT),
        ("AB06_STD_TOTAL.csv", Kind::TotalStd, STD_TOL_PCT),
    ] {
        if let Some(t) = shared_table(file) {
            let values = t.rows.len() * t.imt_columns().len();
            assert_agrees(&t, kind, tol, values);
        }
    }
}
