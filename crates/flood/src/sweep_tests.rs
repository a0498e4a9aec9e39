//! Whole runs with the tiled sweep against the bounding-rows kernel before it: bit-identical
//! outputs, mass balance, gauges and step counts for several tile sides and thread counts, on a
//! dam break over rough terrain with sources and open boundaries, the Hunter/Bates plane wave,
//! Environment Agency test 5 (a shortened window; `forewarn bench flood` compares the full
//! 7200 s) and the Lake Sarez outburst (shortened).

use crate::bench::max_run_diff;
use crate::run::{FloodRun, RunOptions, Sweep, run_with};
use crate::scenario::{Boundary, BoundaryKind, Edge, Manning, PointInflow, Scenario};
use crate::series::TimeSeries;
use forewarn_core::{Crs, Grid, GridSpec};
use std::path::{Path, PathBuf};

fn run_of(sc: &Scenario, threads: usize, sweep: Sweep) -> FloodRun {
    run_with(
        sc,
        &RunOptions {
            threads,
            ..Default::default()
        },
        sweep,
    )
    .unwrap_or_else(|e| panic!("{} with {sweep:?}: {e}", sc.name))
}

/// Run `sc` with the bounding-rows kernel and with tiles of each side (on 1 and 2 threads, in
/// turn), and require every output to be bit for bit the same, and the first (smallest) tiles
/// to update no more cells (larger tiles can update more on a small or compact flood). Returns
/// the reference run.
fn compare(sc: &Scenario, sides: &[usize]) -> FloodRun {
    let reference = run_of(sc, 2, Sweep::BoundingRows);
    assert!(
        reference.steps > 10,
        "{}: {} steps",
        sc.name,
        reference.steps
    );
    for (k, &side) in sides.iter().enumerate() {
        let threads = 1 + k % 2;
        let tiled = run_of(sc, threads, Sweep::Tiles { side });
        let d = max_run_diff(&reference, &tiled);
        assert_eq!(
            d, 0.0,
            "{}: tiles of {side} on {threads} thread(s) differ by {d}",
            sc.name
        );
        let bits = |r: &FloodRun| -> Vec<u64> {
            r.mass_balance
                .iter()
                .flat_map(|m| {
                    [
                        m.stored_m3.to_bits(),
                        m.inflow_m3.to_bits(),
                        m.outflow_m3.to_bits(),
                    ]
                })
                .collect()
        };
        assert_eq!(bits(&reference), bits(&tiled), "{}: mass balance", sc.name);
        assert!(
            k > 0 || tiled.cell_updates <= reference.cell_updates,
            "{}: tiles of {side} updated {} cells, bounding rows {}",
            sc.name,
            tiled.cell_updates,
            reference.cell_updates
        );
        eprintln!(
            "{}: {} steps; cells updated per step: bounding rows {:.0}, tiles of {side} {:.0}",
            sc.name,
            reference.steps,
            reference.cell_updates as f64 / reference.steps as f64,
            tiled.cell_updates as f64 / tiled.steps as f64
        );
    }
    reference
}

fn spec(ncols: usize, nrows: usize, dx: f64) -> GridSpec {
    GridSpec {
        x_min: 0.0,
        y_max: nrows as f64 * dx,
        dx,
        dy: dx,
        ncols,
        nrows,
        crs: Crs::UnknownMetres,
    }
}

#[test]
fn dam_break_over_rough_terrain_with_sources_and_open_edges() {
    let (nc, nr, dx) = (230, 170, 10.0);
    let mut seed = 7u64;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 11) as f64) / ((1u64 << 53) as f64)
    };
    let mut z = Vec::with_capacity(nc * nr);
    for r in 0..nr {
        for c in 0..nc {
            // A valley sloping east, with bumps and a few NODATA blocks.
            let v = 0.02 * (r as f64 - nr as f64 / 2.0).powi(2) / nr as f64;
            let wall = (r / 9 + c / 13) % 17 == 5 && c > 40;
            z.push(if wall {
                f32::NAN
            } else {
                (10.0 - 0.03 * c as f64 + v + 0.4 * next()) as f32
            });
        }
    }
    let terrain = Grid::from_vec(spec(nc, nr, dx), z).unwrap();
    let mut depth = vec![0.0f32; nc * nr];
    for r in 60..110 {
        for c in 0..30 {
            depth[r * nc + c] = 4.0;
        }
    }
    let mut sc = Scenario::new("dam break", terrain);
    sc.initial_depth = Some(Grid::from_vec(spec(nc, nr, dx), depth).unwrap());
    sc.manning = Manning::Uniform(0.035);
    sc.point_inflows.push(PointInflow {
        name: "tributary".into(),
        x: 1205.0,
        y: 1505.0,
        discharge_m3s: TimeSeries::new(vec![0.0, 300.0, 900.0], vec![0.0, 80.0, 0.0], "t", "q")
            .unwrap(),
    });
    sc.boundaries.push(Boundary {
        edge: Edge::East,
        range: None,
        kind: BoundaryKind::Free { slope: None },
    });
    sc.boundaries.push(Boundary {
        edge: Edge::South,
        range: Some((500.0, 900.0)),
        kind: BoundaryKind::Level(
            TimeSeries::new(vec![0.0, 900.0], vec![9.0, 11.0], "t", "level").unwrap(),
        ),
    });
    sc.sim.end_time_s = 900.0;
    sc.sim.max_dt_s = 5.0;
    sc.sim.mass_interval_s = 60.0;
    sc.sim.froude_limit = Some(1.5);
    compare(&sc, &[1, 7, 16, 32, 64, 100_000]);
}

#[test]
fn plane_wave() {
    let (n_manning, dx) = (0.01, 10.0);
    let ncols = 500;
    let terrain = Grid::from_vec(spec(ncols, 3, dx), vec![0.0f32; ncols * 3]).unwrap();
    let mut sc = Scenario::new("plane wave", terrain);
    sc.manning = Manning::Uniform(n_manning);
    // h(0, t) = [(7/3) n^2 u^2 u t]^(3/7) with u = 1 m/s (Hunter et al. 2005).
    let times: Vec<f64> = (0..=400).map(|k| k as f64 * 10.0).collect();
    let levels: Vec<f64> = times
        .iter()
        .map(|&t| (7.0 / 3.0 * n_manning * n_manning * t).powf(3.0 / 7.0))
        .collect();
    sc.boundaries.push(Boundary {
        edge: Edge::West,
        range: None,
        kind: BoundaryKind::Level(TimeSeries::new(times, levels, "test", "level").unwrap()),
    });
    sc.sim.end_time_s = 3600.0;
    sc.sim.max_dt_s = 10.0;
    sc.sim.mass_interval_s = 600.0;
    sc.sim.theta = 1.0;
    compare(&sc, &[1, 16, 64]);
}

/// Environment Agency benchmark test 5, 1200 s (the front crosses many tiles); skipped with a
/// message when the shared reference files are missing outside CI, as tests/lisflood_ea5.rs.
#[test]
fn ea_test5_window() {
    let beside =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/flood/ea-test5");
    let dir = if beside.is_dir() {
        beside
    } else {
        Path::new("/work/shared/reference/flood/ea-test5").to_path_buf()
    };
    let dir = dir.as_path();
    if !dir.join("ea5-10m.dem.raw.gz").is_file() {
        let msg = format!("EA test 5 reference files missing in {}", dir.display());
        if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
            panic!("{msg}");
        }
        eprintln!("skipping: {msg}");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let par = ea5_inputs(dir, tmp.path());
    let mut sc = crate::lisflood::read_par(&par).unwrap();
    sc.sim.end_time_s = 1200.0;
    sc.sim.output_interval_s = 0.0;
    let r = compare(&sc, &[8, 32, 64]);
    let flooded = r.max_depth_m.data.iter().filter(|&&h| h >= 0.1).count();
    assert!(flooded > 5_000, "only {flooded} cells flooded");
}

/// The EA test 5 inputs in `tmp` with the DEM unpacked; returns the .par path.
fn ea5_inputs(src: &Path, tmp: &Path) -> PathBuf {
    use std::io::Read;
    for f in ["ea5-10m.par", "ea5-10m.bci", "ea5.bdy", "ea5.stage"] {
        std::fs::copy(src.join(f), tmp.join(f)).unwrap();
    }
    let gz = std::fs::File::open(src.join("ea5-10m.dem.raw.gz")).unwrap();
    let mut dem = String::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_string(&mut dem)
        .unwrap();
    std::fs::write(tmp.join("ea5-10m.dem"), dem).unwrap();
    tmp.join("ea5-10m.par")
}

/// The Lake Sarez outburst scenario on the embedded terrain, first 8 h.
#[test]
fn sarez_outburst_window() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let region = forewarn_core::Region::load_dir(&root.join("data")).unwrap();
    let mut sc =
        Scenario::from_toml_path(&root.join("scenarios/sarez-outburst.toml"), Some(&region))
            .unwrap();
    sc.sim.end_time_s = 8.0 * 3600.0;
    sc.sim.output_interval_s = 0.0;
    compare(&sc, &[4, 16, 64]);
}
