//! An early bound of the flood's arrival time, for the warning lead time.
//!
//! The modelled arrival (the first time a cell held 0.1 m) is late where the terrain is coarse:
//! a valley narrower than a cell spreads the flow over the whole cell, so it is shallower and
//! slower than in the real channel (docs/flood.md, "Example"). The bound is the shortest travel
//! time over the flooded cells at the kinematic wave celerity of the fastest flow the model saw
//! there:
//!
//! t_early(c) = min( t_model(c), min over flooded neighbours n of t_early(n) + d(n, c) / c_k ),
//! c_k = (5/3) max(v_max(n), v_max(c)),
//!
//! where d is the distance between cell centres and v_max the cell's maximum speed. 5/3 v is the
//! celerity of a kinematic flood wave in a wide channel with Manning friction (Lighthill &
//! Whitham 1955, Proc. R. Soc. A 229:281-316, the kinematic-wave celerity dQ/dA = (5/3) v for
//! Manning's law); a wave front of a dam break on a dry bed moves at the flow speed itself, below
//! that. Using each cell's maximum speed makes c_k an upper bound of the celerity the model
//! produced there, so t_early is a lower bound of the arrival it would give along the same path
//! at that speed. Dynamic (gravity) waves travel faster, at v + sqrt(g h); they matter near the
//! breach and in deep lakes, not along a friction-dominated valley.
//!
//! Computed with Dijkstra's algorithm over the 4-neighbour grid; deterministic.

use crate::run::{FloodRun, OUTPUT_NODATA};
use forewarn_core::Grid;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Kinematic-wave celerity over mean flow speed for Manning friction in a wide channel
/// (Lighthill & Whitham 1955).
pub const KINEMATIC_CELERITY_FACTOR: f64 = 5.0 / 3.0;

/// The early-bound arrival time of every cell, s (`OUTPUT_NODATA` where the model's arrival is
/// `OUTPUT_NODATA`, i.e. where 0.1 m never came). Never later than the modelled arrival.
pub fn early_arrival_s(run: &FloodRun) -> Grid<f32> {
    let spec = run.arrival_time_s.spec;
    let (nc, nr) = (spec.ncols, spec.nrows);
    let reached = |v: f32| v.is_finite() && v >= 0.0;
    let speed = |i: usize| {
        let v = run.max_speed_ms.data.get(i).copied().unwrap_or(0.0);
        if v.is_finite() && v > 0.0 {
            v as f64
        } else {
            0.0
        }
    };
    let mut t: Vec<f64> = run
        .arrival_time_s
        .data
        .iter()
        .map(|&a| if reached(a) { a as f64 } else { f64::INFINITY })
        .collect();
    // Non-negative f64 order like their bit patterns; ties broken by index (deterministic).
    let mut heap: BinaryHeap<Reverse<(u64, usize)>> = t
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, v)| Reverse((v.to_bits(), i)))
        .collect();
    while let Some(Reverse((bits, i))) = heap.pop() {
        let ti = f64::from_bits(bits);
        if ti > t[i] {
            continue;
        }
        let (r, c) = (i / nc, i % nc);
        let mut relax = |j: usize, d_m: f64| {
            if !t[j].is_finite() {
                return; // never flooded: the bound only moves arrivals earlier
            }
            let ck = KINEMATIC_CELERITY_FACTOR * speed(i).max(speed(j));
            if ck <= 0.0 {
                return;
            }
            let cand = ti + d_m / ck;
            if cand < t[j] {
                t[j] = cand;
                heap.push(Reverse((cand.to_bits(), j)));
            }
        };
        if c > 0 {
            relax(i - 1, run.dx_m);
        }
        if c + 1 < nc {
            relax(i + 1, run.dx_m);
        }
        if r > 0 {
            relax(i - nc, run.dy_m);
        }
        if r + 1 < nr {
            relax(i + nc, run.dy_m);
        }
    }
    Grid {
        spec,
        data: t
            .iter()
            .map(|&v| {
                if v.is_finite() {
                    v as f32
                } else {
                    OUTPUT_NODATA
                }
            })
            .collect(),
        nodata: Some(OUTPUT_NODATA as f64),
    }
}
