//! The Environment Agency benchmark test 5 (valley dam-break) in LISFLOOD-FP format: read with
//! the LISFLOOD-FP reader and run to completion with a shortened simulation time.
//!
//! The reference files live in /work/shared/reference/flood/ea-test5 (see its README). In CI
//! (env CI=true) a missing reference file is a failure; elsewhere the test is skipped with a
//! message.

use flate2::read::GzDecoder;
use forewarn_flood::lisflood::read_par;
use forewarn_flood::output::OutputOptions;
use forewarn_flood::{InputFormat, RunOptions, run};
use std::io::Read;
use std::path::{Path, PathBuf};

/// ../shared beside the repository (as CI has it), else the workplace copy.
fn ref_dir() -> PathBuf {
    let beside =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/flood/ea-test5");
    if beside.is_dir() {
        beside
    } else {
        PathBuf::from("/work/shared/reference/flood/ea-test5")
    }
}
const FILES: [&str; 5] = [
    "ea5-10m.par",
    "ea5-10m.bci",
    "ea5.bdy",
    "ea5.stage",
    "ea5-10m.dem.raw.gz",
];

fn reference_dir() -> Option<PathBuf> {
    let dir = ref_dir();
    let dir = dir.as_path();
    let missing: Vec<&str> = FILES
        .iter()
        .copied()
        .filter(|f| !dir.join(f).is_file())
        .collect();
    if missing.is_empty() {
        return Some(dir.to_path_buf());
    }
    let msg = format!(
        "EA test 5 reference files missing in {}: {missing:?}",
        dir.display()
    );
    if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
        panic!("{msg}");
    }
    eprintln!("skipping: {msg}");
    None
}

/// Copy the inputs into `tmp`, gunzip the DEM, and shorten sim_time to `sim_time_s`.
fn prepare(src: &Path, tmp: &Path, sim_time_s: f64) -> PathBuf {
    for f in ["ea5-10m.bci", "ea5.bdy", "ea5.stage"] {
        std::fs::copy(src.join(f), tmp.join(f)).unwrap();
    }
    let gz = std::fs::File::open(src.join("ea5-10m.dem.raw.gz")).unwrap();
    let mut dem = String::new();
    GzDecoder::new(gz).read_to_string(&mut dem).unwrap();
    std::fs::write(tmp.join("ea5-10m.dem"), dem).unwrap();
    let par = std::fs::read_to_string(src.join("ea5-10m.par")).unwrap();
    let par: String = par
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("sim_time") {
                format!("sim_time\t\t{sim_time_s}")
            } else if l.trim_start().starts_with("saveint") {
                format!("saveint\t\t{}", sim_time_s / 2.0)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let p = tmp.join("ea5-10m.par");
    std::fs::write(&p, par).unwrap();
    p
}

#[test]
fn ea_test5_reads_and_runs() {
    let Some(src) = reference_dir() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let sim_time = 1500.0;
    let par = prepare(&src, tmp.path(), sim_time);
    let sc = read_par(&par).unwrap();
    assert_eq!(sc.format, InputFormat::Lisflood);
    assert_eq!((sc.terrain.spec.ncols, sc.terrain.spec.nrows), (1378, 1224));
    assert_eq!(sc.point_inflows.len(), 20);
    assert_eq!(sc.gauges.len(), 7);
    assert_eq!(sc.sim.end_time_s, sim_time);
    assert!(
        sc.warnings.is_empty(),
        "unexpected warnings: {:?}",
        sc.warnings
    );
    // 20 points x 15 m2/s x 10 m = 3000 m3/s at the peak.
    let peak: f64 = sc
        .point_inflows
        .iter()
        .map(|p| p.discharge_m3s.value_at(900.0))
        .sum();
    assert!((peak - 3000.0).abs() < 1e-9, "peak inflow {peak}");
    let nodata = sc.terrain.data.iter().filter(|v| !v.is_finite()).count();
    assert!(nodata > sc.terrain.data.len() / 2, "NODATA cells: {nodata}");

    let r = run(&sc, &RunOptions::default()).unwrap();
    assert_eq!(r.end_time_s, sim_time);
    let last = r.mass_balance.last().unwrap();
    // Inflow volume: integral of the hydrograph to sim_time, x 20 points x 10 m.
    let expected: f64 = sc
        .point_inflows
        .iter()
        .map(|p| p.discharge_m3s.integral(0.0, sim_time))
        .sum();
    let rel = (last.nominal_inflow_m3 - expected).abs() / expected;
    assert!(
        rel < 1e-6,
        "specified inflow {} vs {expected}",
        last.nominal_inflow_m3
    );
    assert!(
        (last.inflow_m3 - expected).abs() / expected < 1e-3,
        "inflow reached the state: {} of {expected}",
        last.inflow_m3
    );
    assert!(
        r.max_volume_error_pct().abs() < 1e-2,
        "mass error {} %",
        r.max_volume_error_pct()
    );
    let flooded = r.max_depth_m.data.iter().filter(|&&h| h >= 0.1).count();
    assert!(flooded > 100, "only {flooded} cells flooded");
    assert!(r.max_depth_m.data.iter().all(|v| v.is_finite()));
    eprintln!(
        "EA5 {} s: {} steps, {:.2} s wall, {flooded} cells >= 0.1 m, max depth {:.2} m, \
         mass error {:.2e} %",
        sim_time,
        r.steps,
        r.wall_time_s,
        r.max_depth_m.data.iter().copied().fold(0.0f32, f32::max),
        r.max_volume_error_pct()
    );

    let out = tmp.path().join("out");
    let written = r.write_outputs(&out, &OutputOptions::default()).unwrap();
    for name in [
        "max_depth.tif",
        "max_depth.asc",
        "arrival_time.asc",
        "gauges.csv",
        "mass_balance.csv",
    ] {
        assert!(out.join(name).is_file(), "{name} not written");
    }
    assert!(
        written
            .iter()
            .any(|p| p.to_string_lossy().contains("depth_0000750s"))
    );
    let gauges = std::fs::read_to_string(out.join("gauges.csv")).unwrap();
    assert!(gauges.lines().count() > 7 * 10);
    let asc = std::fs::read_to_string(out.join("max_depth.asc")).unwrap();
    assert!(!asc.contains("NaN") && !asc.contains("nan"));
}
