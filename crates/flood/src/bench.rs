//! Benchmarks: a fully wet dam break on an n x n grid (throughput), a memory copy-bandwidth
//! probe to compare the solver's achieved bandwidth against, and whole scenario runs (EA test 5
//! in `forewarn bench flood`) with the tiled sweep and, with the `reference-kernel` feature,
//! the bounding-rows kernel before it.
//!
//! The dam break: flat bed, 10 m cells, Manning n = 0.03, 2 m of water west of the middle and
//! 1 m east of it, closed edges. Each step runs the full kernel ([`State::step`]: fluxes and the
//! depth update with maximum depth/speed, arrival and duration tracking, and the largest wave
//! speed for the next CFL time step), as `run` does.

use crate::real::Real;
use crate::run::{FloodRun, RunOptions, Sweep, run_with};
use crate::scenario::Scenario;
use crate::solver::{KernelParams, RainRate, State};
use crate::{FloodError, OUTPUT_NODATA};
use rayon::prelude::*;
use serde::Serialize;
use std::time::Instant;

/// Bytes moved per cell update by the f32 kernel, each array counted once per step (the fused
/// step streams every array once; the rows it works on are re-read from cache): reads h, z,
/// n^2, the two previous fluxes, max depth, max speed, arrival (8 x 4 B) and duration (8 B);
/// writes the two fluxes, h, max depth, max speed, arrival (6 x 4 B) and duration (8 B).
/// (The two-pass kernel before it read h, z and the fluxes twice: 88 B.)
pub const BYTES_PER_CELL_UPDATE_F32: f64 = 72.0;

/// Figures of one benchmark run.
#[derive(Debug, Clone, Serialize)]
pub struct BenchResult {
    /// The sweep: "tiles N" or "bounding rows".
    pub sweep: String,
    pub n: usize,
    pub steps: usize,
    pub threads: usize,
    pub seconds: f64,
    pub cell_updates_per_s: f64,
    pub bytes_per_cell_update: f64,
    /// cell_updates_per_s x bytes_per_cell_update, GB/s.
    pub achieved_gb_s: f64,
    /// Simulated time reached, s (a check that the steps did real work).
    pub simulated_s: f64,
    /// Relative change of the stored volume over the run (should be ~1e-7 in f32).
    pub volume_change: f64,
    /// The final depths, to compare sweeps.
    #[serde(skip)]
    pub final_depth_m: Vec<f32>,
}

/// The full benchmark report: one and two threads, and the copy probe on each.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub one_thread: BenchResult,
    pub two_threads: BenchResult,
    pub speedup: f64,
    pub copy_gb_s_one_thread: f64,
    pub copy_gb_s_two_threads: f64,
}

fn pool(threads: usize) -> rayon::ThreadPool {
    let mut b = rayon::ThreadPoolBuilder::new();
    if threads > 0 {
        b = b.num_threads(threads);
    }
    // Building a pool only fails when the OS refuses threads; fall back to one thread then.
    b.build().unwrap_or_else(|_| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a one-thread pool")
    })
}

/// The name of a sweep in benchmark output.
pub fn sweep_name(sweep: Sweep) -> String {
    match sweep {
        Sweep::Tiles { side } => format!("tiles {side}"),
        #[cfg(any(test, feature = "reference-kernel"))]
        Sweep::BoundingRows => "bounding rows".into(),
    }
}

/// Run the dam break on an `n` x `n` grid for `steps` steps on `threads` threads with `sweep`
/// (every tile is wet, so the tiled sweep updates every cell).
pub fn dam_break(n: usize, steps: usize, threads: usize, sweep: Sweep) -> BenchResult {
    let n = n.max(4);
    let dx = 10.0;
    let z = vec![0.0f64; n * n];
    let n2 = vec![0.03f64 * 0.03; n * n];
    let mut st = State::<f32>::new(n, n, dx, dx, &z, &n2);
    for r in 0..n {
        for c in 0..n {
            st.h[r * n + c] = if c < n / 2 { 2.0 } else { 1.0 };
        }
    }
    match sweep {
        Sweep::Tiles { side } => st.set_tile_side(side),
        #[cfg(any(test, feature = "reference-kernel"))]
        Sweep::BoundingRows => {}
    }
    st.wake_wet_cells();
    #[cfg(any(test, feature = "reference-kernel"))]
    let rows = crate::reference::RowSweep {
        rect: crate::solver::Rect {
            r0: 0,
            r1: n,
            c0: 0,
            c1: n,
        },
    };
    let kp = KernelParams {
        theta: 0.7,
        depth_threshold_m: 1e-3,
        froude_limit: None,
        friction_2d: true,
    };
    let pool = pool(threads);
    let v0 = st.stored_volume_m3();
    let (seconds, t) = pool.install(|| {
        let mut wave = st.wave_speed_ms(kp.depth_threshold_m);
        let mut t = 0.0;
        let start = Instant::now();
        for _ in 0..steps {
            let dt = (0.7 * dx / wave.max(1e-6)).min(10.0);
            let s = match sweep {
                Sweep::Tiles { .. } => st.step(dt, t + dt, RainRate::None, &kp),
                #[cfg(any(test, feature = "reference-kernel"))]
                Sweep::BoundingRows => rows.step(&mut st, dt, t + dt, RainRate::None, &kp).stats,
            };
            wave = s.wave_speed_ms;
            t += dt;
        }
        (start.elapsed().as_secs_f64(), t)
    });
    let v1 = st.stored_volume_m3();
    let cups = (n * n * steps) as f64 / seconds.max(1e-12);
    BenchResult {
        sweep: sweep_name(sweep),
        n,
        steps,
        threads: pool.current_num_threads(),
        seconds,
        cell_updates_per_s: cups,
        bytes_per_cell_update: BYTES_PER_CELL_UPDATE_F32,
        achieved_gb_s: cups * BYTES_PER_CELL_UPDATE_F32 / 1e9,
        simulated_s: t,
        volume_change: (v1 - v0) / v0,
        final_depth_m: st.h,
    }
}

/// Copy bandwidth in GB/s (bytes read plus bytes written per second) on `threads` threads:
/// the best of `repeats` copies of a `megabytes` buffer.
pub fn copy_bandwidth_gb_s(threads: usize, megabytes: usize, repeats: usize) -> f64 {
    let n = megabytes.max(1) * 1024 * 1024 / 4;
    let src: Vec<f32> = (0..n).map(|i| (i % 1024) as f32).collect();
    let mut dst = vec![0.0f32; n];
    let pool = pool(threads);
    let chunk = 1 << 16;
    let mut best = f64::INFINITY;
    pool.install(|| {
        for _ in 0..repeats.max(1) {
            let start = Instant::now();
            dst.par_chunks_mut(chunk)
                .zip(src.par_chunks(chunk))
                .for_each(|(d, s)| d.copy_from_slice(s));
            best = best.min(start.elapsed().as_secs_f64());
        }
    });
    // Keep the copy observable so it is not optimised away.
    let check = dst[n / 2].to_f64() + dst[n - 1].to_f64();
    std::hint::black_box(check);
    2.0 * (n * 4) as f64 / best / 1e9
}

/// Run the benchmark on one and two threads with `sweep`, plus the copy probe.
pub fn run_benchmark(n: usize, steps: usize, sweep: Sweep) -> BenchReport {
    let one = dam_break(n, steps, 1, sweep);
    let two = dam_break(n, steps, 2, sweep);
    let speedup = one.seconds / two.seconds.max(1e-12);
    BenchReport {
        copy_gb_s_one_thread: copy_bandwidth_gb_s(1, 256, 5),
        copy_gb_s_two_threads: copy_bandwidth_gb_s(2, 256, 5),
        one_thread: one,
        two_threads: two,
        speedup,
    }
}

/// Figures of one scenario run.
#[derive(Debug, Clone)]
pub struct ScenarioFigures {
    pub sweep: String,
    pub threads: usize,
    /// Wall time of the whole run (set-up, steps, records), s.
    pub wall_s: f64,
    pub steps: u64,
    /// Cells updated per step, averaged over the steps.
    pub cells_per_step: f64,
    /// Cells updated over the run per second of wall time.
    pub cell_updates_per_s: f64,
    pub run: FloodRun,
}

/// Run `scenario` with `sweep` on `threads` threads.
pub fn scenario_case(
    scenario: &Scenario,
    threads: usize,
    sweep: Sweep,
) -> Result<ScenarioFigures, FloodError> {
    let run = run_with(
        scenario,
        &RunOptions {
            threads,
            ..Default::default()
        },
        sweep,
    )?;
    Ok(ScenarioFigures {
        sweep: sweep_name(sweep),
        threads,
        wall_s: run.wall_time_s,
        steps: run.steps,
        cells_per_step: run.cell_updates as f64 / (run.steps.max(1)) as f64,
        cell_updates_per_s: run.cell_updates as f64 / run.wall_time_s.max(1e-12),
        run,
    })
}

/// Largest |difference| between two equal-length grids (m, s or m/s), NODATA cells included as
/// values (a cell NODATA in one and not the other counts as infinite).
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f64 {
    if a.len() != b.len() {
        return f64::INFINITY;
    }
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            if x.to_bits() == y.to_bits() {
                0.0
            } else if x == OUTPUT_NODATA || y == OUTPUT_NODATA || !x.is_finite() || !y.is_finite() {
                f64::INFINITY
            } else {
                (x as f64 - y as f64).abs()
            }
        })
        .fold(0.0, f64::max)
}

/// Largest |difference| between the results of two runs of one scenario over the maximum and
/// final depths (m), maximum speeds (m/s), arrival times and durations (s), gauge depths and
/// stored volumes; 0 when they are bit for bit the same. Runs of different lengths differ by
/// infinity.
pub fn max_run_diff(a: &FloodRun, b: &FloodRun) -> f64 {
    if a.steps != b.steps || a.mass_balance.len() != b.mass_balance.len() {
        return f64::INFINITY;
    }
    let mut d = [
        (&a.max_depth_m, &b.max_depth_m),
        (&a.final_depth_m, &b.final_depth_m),
        (&a.max_speed_ms, &b.max_speed_ms),
        (&a.arrival_time_s, &b.arrival_time_s),
        (&a.duration_s, &b.duration_s),
    ]
    .iter()
    .map(|(x, y)| max_abs_diff(&x.data, &y.data))
    .fold(0.0, f64::max);
    for (x, y) in a.mass_balance.iter().zip(&b.mass_balance) {
        d = d.max((x.stored_m3 - y.stored_m3).abs());
        d = d.max((x.inflow_m3 - y.inflow_m3).abs());
    }
    for (x, y) in a.gauges.iter().zip(&b.gauges) {
        for (p, q) in x.depth_m.iter().zip(&y.depth_m) {
            d = d.max((p - q).abs());
        }
    }
    d
}
