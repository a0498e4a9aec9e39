//! Terrain conditioning: depression filling so that every cell drains to the domain edge.
//!
//! Coarse terrain (for example 30 arc-second GEBCO in mountain valleys narrower than a cell)
//! holds spurious pits and dams that trap water. `fill_depressions` applies Priority-Flood with
//! an epsilon gradient (Barnes, Lehman & Mulla 2014, Computers & Geosciences 62:117-127): cells
//! are visited from the edges inward in order of elevation, and a cell lower than the cell that
//! reached it is raised to that cell's elevation plus `epsilon_m`. NODATA cells act as edges
//! only where they touch valid cells.

use forewarn_core::Grid;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(PartialEq)]
struct Item {
    z: f64,
    seq: u64,
    i: usize,
}

impl Eq for Item {}

impl Ord for Item {
    fn cmp(&self, o: &Self) -> Ordering {
        // Min-heap on elevation, then insertion order (deterministic).
        o.z.total_cmp(&self.z).then_with(|| o.seq.cmp(&self.seq))
    }
}

impl PartialOrd for Item {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// Fill depressions in place; returns the number of cells raised.
pub fn fill_depressions(g: &mut Grid<f32>, epsilon_m: f64) -> usize {
    let (nc, nr) = (g.spec.ncols, g.spec.nrows);
    let mut z: Vec<f64> = g.data.iter().map(|&v| v as f64).collect();
    let valid = |z: &[f64], i: usize| z[i].is_finite();
    let mut done = vec![false; nc * nr];
    let mut heap = BinaryHeap::new();
    let mut seq = 0u64;
    let neighbours = |i: usize| {
        let (r, c) = (i / nc, i % nc);
        let mut v = Vec::with_capacity(4);
        if r > 0 {
            v.push(i - nc);
        }
        if r + 1 < nr {
            v.push(i + nc);
        }
        if c > 0 {
            v.push(i - 1);
        }
        if c + 1 < nc {
            v.push(i + 1);
        }
        v
    };
    for i in 0..nc * nr {
        if !valid(&z, i) {
            continue;
        }
        let (r, c) = (i / nc, i % nc);
        let edge = r == 0 || c == 0 || r + 1 == nr || c + 1 == nc;
        if edge {
            done[i] = true;
            heap.push(Item { z: z[i], seq, i });
            seq += 1;
        }
    }
    let mut raised = 0;
    while let Some(Item { z: zc, i, .. }) = heap.pop() {
        for j in neighbours(i) {
            if done[j] || !valid(&z, j) {
                continue;
            }
            done[j] = true;
            if z[j] <= zc {
                z[j] = zc + epsilon_m;
                raised += 1;
            }
            heap.push(Item { z: z[j], seq, i: j });
            seq += 1;
        }
    }
    for (d, v) in g.data.iter_mut().zip(z) {
        if v.is_finite() {
            *d = v as f32;
        }
    }
    raised
}

#[cfg(test)]
mod tests {
    use super::*;
    use forewarn_core::{Crs, GridSpec};

    #[test]
    fn fills_a_pit_and_keeps_drainage() {
        let spec = GridSpec {
            x_min: 0.0,
            y_max: 3.0,
            dx: 1.0,
            dy: 1.0,
            ncols: 3,
            nrows: 3,
            crs: Crs::UnknownMetres,
        };
        let mut g =
            Grid::from_vec(spec, vec![5.0, 5.0, 5.0, 5.0, 1.0, 5.0, 5.0, 4.0, 5.0]).unwrap();
        let n = fill_depressions(&mut g, 0.01);
        assert_eq!(n, 1);
        assert!((g.get(1, 1) - 4.01).abs() < 1e-5, "{}", g.get(1, 1));
    }
}
