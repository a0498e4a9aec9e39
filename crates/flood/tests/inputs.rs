//! Input handling: TOML scenarios, LISFLOOD-FP files, errors that name the file and field,
//! NODATA terrain, warnings for unknown keywords, and determinism.

use forewarn_flood::lisflood::read_par;
use forewarn_flood::{FloodError, RunOptions, Scenario, run};
use std::path::Path;

/// A 20 x 12 ESRI ASCII DEM sloping west to east, with optional NODATA cells.
fn dem_text(ncols: usize, nrows: usize, nodata_cells: &[(usize, usize)]) -> String {
    let mut s = format!(
        "ncols {ncols}\nnrows {nrows}\nxllcorner 0\nyllcorner 0\ncellsize 10\nNODATA_value -9999\n"
    );
    for r in 0..nrows {
        let row: Vec<String> = (0..ncols)
            .map(|c| {
                if nodata_cells.contains(&(c, r)) {
                    "-9999".to_string()
                } else {
                    format!(
                        "{:.2}",
                        10.0 - 0.2 * c as f64 + 0.05 * ((r * 7 + c * 3) % 5) as f64
                    )
                }
            })
            .collect();
        s.push_str(&row.join(" "));
        s.push('\n');
    }
    s
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

const SCENARIO: &str = r#"
name = "test"
[terrain]
file = "dem.asc"
[simulation]
duration_s = 300
output_interval_s = 100
mass_interval_s = 50
max_dt_s = 2
[friction]
manning = 0.04
[[inflow]]
name = "source"
x = 15
y = 65
discharge_m3s = { times_s = [0, 100, 300], values = [0, 20, 5] }
[rain]
rate_mm_h = { value = 30 }
[[boundary]]
edge = "east"
type = "free"
[[gauge]]
name = "g1"
x = 105
y = 65
"#;

fn scenario_dir(toml_text: &str, dem: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "dem.asc", dem);
    write(d.path(), "s.toml", toml_text);
    d
}

fn expect_input_error(e: FloodError, file_part: &str, field_part: &str) {
    match &e {
        FloodError::Input { file, field, .. } => {
            assert!(file.contains(file_part), "error names file '{file}': {e}");
            assert!(
                field.contains(field_part),
                "error names field '{field}': {e}"
            );
        }
        other => panic!("expected an input error naming {file_part}/{field_part}, got {other}"),
    }
}

#[test]
fn toml_scenario_runs_with_nodata_and_free_boundary() {
    let dem = dem_text(20, 12, &[(5, 3), (6, 3), (10, 8), (19, 0)]);
    let d = scenario_dir(SCENARIO, &dem);
    let sc = Scenario::from_toml_path(&d.path().join("s.toml"), None).unwrap();
    assert!(sc.warnings.is_empty(), "{:?}", sc.warnings);
    let r = run(&sc, &RunOptions::default()).unwrap();
    let grids = [
        &r.max_depth_m,
        &r.max_speed_ms,
        &r.arrival_time_s,
        &r.duration_s,
        &r.final_depth_m,
    ];
    for g in grids {
        assert!(
            g.data.iter().all(|v| v.is_finite()),
            "NaN in an output grid"
        );
        assert_eq!(g.get(5, 3), -9999.0, "NODATA cell not written as nodata");
        assert_eq!(g.nodata, Some(-9999.0));
    }
    assert_eq!(r.snapshots.len(), 4);
    assert_eq!(r.gauges[0].times_s.len(), 7);
    let last = r.mass_balance.last().unwrap();
    assert!(last.outflow_m3 > 0.0, "free boundary let nothing out");
    assert!(
        r.max_volume_error_pct().abs() < 1e-3,
        "{}",
        r.max_volume_error_pct()
    );
    assert!(r.max_depth_m.get(1, 6) > 0.1);
    assert!(r.arrival_time_s.get(1, 6) >= 0.0);
}

#[test]
fn unknown_keys_give_warnings_naming_them() {
    let text =
        SCENARIO.replace("max_dt_s = 2", "max_dt_s = 2\ncourant = 0.5") + "\nflavour = \"x\"\n";
    let d = scenario_dir(&text, &dem_text(20, 12, &[]));
    let sc = Scenario::from_toml_path(&d.path().join("s.toml"), None).unwrap();
    let w = sc.warnings.join("\n");
    assert!(
        w.contains("simulation.courant") && w.contains("flavour"),
        "{w}"
    );
}

#[test]
fn negative_manning_is_rejected() {
    let text = SCENARIO.replace("manning = 0.04", "manning = -0.04");
    let d = scenario_dir(&text, &dem_text(20, 12, &[]));
    let e = Scenario::from_toml_path(&d.path().join("s.toml"), None).unwrap_err();
    expect_input_error(e, "s.toml", "friction.manning");
}

#[test]
fn negative_manning_raster_is_rejected() {
    let text = SCENARIO.replace("manning = 0.04", "manning_file = \"n.asc\"");
    let d = scenario_dir(&text, &dem_text(20, 12, &[]));
    let mut n = dem_text(20, 12, &[]);
    n = n.replace("10.00 ", "-0.03 ");
    write(d.path(), "n.asc", &n);
    let e = Scenario::from_toml_path(&d.path().join("s.toml"), None).unwrap_err();
    expect_input_error(e, "n.asc", "manning");
}

#[test]
fn rasters_of_different_size_or_extent_are_rejected() {
    let text = SCENARIO.replace("manning = 0.04", "manning_file = \"n.asc\"");
    let d = scenario_dir(&text, &dem_text(20, 12, &[]));
    // Different size.
    write(d.path(), "n.asc", &dem_text(19, 12, &[]));
    let e = Scenario::from_toml_path(&d.path().join("s.toml"), None).unwrap_err();
    assert!(e.to_string().contains("same size and extent"), "{e}");
    expect_input_error(e, "n.asc", "manning");
    // Same size, shifted extent.
    write(
        d.path(),
        "n.asc",
        &dem_text(20, 12, &[]).replace("xllcorner 0", "xllcorner 5"),
    );
    let e = Scenario::from_toml_path(&d.path().join("s.toml"), None).unwrap_err();
    expect_input_error(e, "n.asc", "manning");
}

#[test]
fn non_increasing_time_series_is_rejected() {
    let text = SCENARIO.replace("times_s = [0, 100, 300]", "times_s = [0, 100, 100]");
    let d = scenario_dir(&text, &dem_text(20, 12, &[]));
    let e = Scenario::from_toml_path(&d.path().join("s.toml"), None).unwrap_err();
    assert!(e.to_string().contains("not increasing"), "{e}");
    expect_input_error(e, "s.toml", "inflow[0].discharge_m3s");
}

#[test]
fn source_on_nodata_is_rejected() {
    let d = scenario_dir(SCENARIO, &dem_text(20, 12, &[(1, 5)]));
    let sc = Scenario::from_toml_path(&d.path().join("s.toml"), None).unwrap();
    let e = run(&sc, &RunOptions::default()).unwrap_err();
    expect_input_error(e, "s.toml", "inflow 'source'");
}

fn lisflood_dir(bci: &str, bdy: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "dem.asc", &dem_text(20, 12, &[(3, 3)]));
    write(
        d.path(),
        "t.par",
        "# test\nDEMfile dem.asc\nsim_time 200\ninitial_tstep 1.0\nmassint 50\nsaveint 100\n\
         fpfric 0.035\nbcifile t.bci\nbdyfile t.bdy\nresroot t\ndirroot res\\out\nacceleration\n\
         frobnicate 3\n",
    );
    write(d.path(), "t.bci", bci);
    write(d.path(), "t.bdy", bdy);
    d
}

const BDY: &str =
    "comment line\nflow1\n3 seconds\n0 0\n2 100\n1 200\nstage1\n2 minutes\n9 0\n9.5 10\n";

#[test]
fn lisflood_inputs_are_read() {
    let d = lisflood_dir(
        "P 15 65 QVAR flow1\nE 0 120 HVAR stage1\nW 0 60 FREE 0.001\n",
        BDY,
    );
    let sc = read_par(&d.path().join("t.par")).unwrap();
    assert_eq!(sc.point_inflows.len(), 1);
    // 2 m2/s per unit width x 10 m cells.
    assert_eq!(sc.point_inflows[0].discharge_m3s.value_at(100.0), 20.0);
    assert_eq!(sc.boundaries.len(), 2);
    assert_eq!(sc.sim.max_dt_s, 1.0);
    assert_eq!(sc.sim.theta, 1.0);
    let w = sc.warnings.join("\n");
    assert!(w.contains("frobnicate"), "{w}");
    let r = run(&sc, &RunOptions::default()).unwrap();
    assert!(r.max_volume_error_pct().abs() < 1e-3);
    assert!(r.mass_balance.last().unwrap().inflow_m3 > 0.0);
}

#[test]
fn missing_bdy_series_is_named() {
    let d = lisflood_dir("P 15 65 QVAR nosuch\n", BDY);
    let e = read_par(&d.path().join("t.par")).unwrap_err();
    expect_input_error(e, "t.bdy", "nosuch");
}

#[test]
fn non_increasing_bdy_series_is_rejected() {
    let bdy = "c\nflow1\n3 seconds\n0 0\n2 100\n1 50\n";
    let d = lisflood_dir("P 15 65 QVAR flow1\n", bdy);
    let e = read_par(&d.path().join("t.par")).unwrap_err();
    assert!(e.to_string().contains("not increasing"), "{e}");
    expect_input_error(e, "t.bdy", "flow1");
}

#[test]
fn same_inputs_give_identical_results() {
    let d = scenario_dir(SCENARIO, &dem_text(20, 12, &[(5, 3)]));
    let sc = Scenario::from_toml_path(&d.path().join("s.toml"), None).unwrap();
    let runs: Vec<_> = [1usize, 1, 2]
        .iter()
        .map(|&threads| {
            run(
                &sc,
                &RunOptions {
                    threads,
                    ..Default::default()
                },
            )
            .unwrap()
        })
        .collect();
    for r in &runs[1..] {
        assert_eq!(r.max_depth_m.data, runs[0].max_depth_m.data);
        assert_eq!(r.arrival_time_s.data, runs[0].arrival_time_s.data);
        assert_eq!(r.steps, runs[0].steps);
        let a: Vec<f64> = r.mass_balance.iter().map(|m| m.stored_m3).collect();
        let b: Vec<f64> = runs[0].mass_balance.iter().map(|m| m.stored_m3).collect();
        assert_eq!(a, b);
    }
}

#[test]
fn froude_limit_defaults_to_one_and_a_higher_one_warns() {
    let dem = dem_text(20, 12, &[]);
    // Default: Fr = 1 (de Almeida & Bates 2013), two-dimensional friction.
    let d = scenario_dir(SCENARIO, &dem);
    let sc = Scenario::from_toml_path(&d.path().join("s.toml"), None).unwrap();
    assert_eq!(sc.sim.froude_limit, Some(1.0));
    assert_eq!(
        sc.sim.froude_limit,
        Some(forewarn_flood::scenario::DEFAULT_FROUDE_LIMIT)
    );
    assert!(sc.sim.friction_2d);
    // A limit above 1 is kept but named in a warning; 1 or below is not.
    let high = SCENARIO.replace("max_dt_s = 2\n", "max_dt_s = 2\nfroude_limit = 2.0\n");
    let d = scenario_dir(&high, &dem);
    let sc = Scenario::from_toml_path(&d.path().join("s.toml"), None).unwrap();
    assert_eq!(sc.sim.froude_limit, Some(2.0));
    assert!(
        sc.warnings
            .iter()
            .any(|w| w.contains("simulation.froude_limit") && w.contains("de Almeida")),
        "{:?}",
        sc.warnings
    );
    let low = SCENARIO.replace(
        "max_dt_s = 2\n",
        "max_dt_s = 2\nfroude_limit = 0.8\nfriction_2d = false\n",
    );
    let d = scenario_dir(&low, &dem);
    let sc = Scenario::from_toml_path(&d.path().join("s.toml"), None).unwrap();
    assert_eq!(sc.sim.froude_limit, Some(0.8));
    assert!(!sc.sim.friction_2d);
    assert!(sc.warnings.is_empty(), "{:?}", sc.warnings);
}
