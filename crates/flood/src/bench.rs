//! Throughput benchmark: a fully wet dam break on an n x n grid, and a memory copy-bandwidth
//! probe to compare the solver's achieved bandwidth against.
//!
//! The dam break: flat bed, 10 m cells, Manning n = 0.03, 2 m of water west of the middle and
//! 1 m east of it, closed edges. Each step runs the full kernel ([`State::step`]: fluxes and the
//! depth update with maximum depth/speed, arrival and duration tracking, and the largest wave
//! speed for the next CFL time step), as `run` does.

use crate::real::Real;
use crate::solver::{KernelParams, RainRate, Rect, State};
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

/// Run the dam break on an `n` x `n` grid for `steps` steps on `threads` threads.
pub fn dam_break(n: usize, steps: usize, threads: usize) -> BenchResult {
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
    st.active = Rect {
        r0: 0,
        r1: n,
        c0: 0,
        c1: n,
    };
    let kp = KernelParams {
        theta: 0.7,
        depth_threshold_m: 1e-3,
        froude_limit: None,
    };
    let pool = pool(threads);
    let v0 = st.stored_volume_m3();
    let (seconds, t) = pool.install(|| {
        let mut wave = st.wave_speed_ms(kp.depth_threshold_m);
        let mut t = 0.0;
        let start = Instant::now();
        for _ in 0..steps {
            let dt = (0.7 * dx / wave.max(1e-6)).min(10.0);
            let s = st.step(dt, t + dt, RainRate::None, &kp);
            wave = s.wave_speed_ms;
            t += dt;
        }
        (start.elapsed().as_secs_f64(), t)
    });
    let v1 = st.stored_volume_m3();
    let cups = (n * n * steps) as f64 / seconds.max(1e-12);
    BenchResult {
        n,
        steps,
        threads: pool.current_num_threads(),
        seconds,
        cell_updates_per_s: cups,
        bytes_per_cell_update: BYTES_PER_CELL_UPDATE_F32,
        achieved_gb_s: cups * BYTES_PER_CELL_UPDATE_F32 / 1e9,
        simulated_s: t,
        volume_change: (v1 - v0) / v0,
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

/// Run the benchmark on one and two threads, plus the copy probe.
pub fn run_benchmark(n: usize, steps: usize) -> BenchReport {
    let one = dam_break(n, steps, 1);
    let two = dam_break(n, steps, 2);
    let speedup = one.seconds / two.seconds.max(1e-12);
    BenchReport {
        copy_gb_s_one_thread: copy_bandwidth_gb_s(1, 256, 5),
        copy_gb_s_two_threads: copy_bandwidth_gb_s(2, 256, 5),
        one_thread: one,
        two_threads: two,
        speedup,
    }
}
