//! The active-tile sweep: a step spends time only on the tiles that hold water or touch a wet
//! cell, so its cost follows the wet area plus a fringe, not the rows the flood spans.
//!
//! The grid is cut into square tiles of [`TileSet::side`] cells. A tile is *needed* at a step
//! when one of its cells, or a cell next to it (sharing a face), holds water (h > 0) at the start
//! of the step. Why that is enough, and exact: a face between two dry cells has
//! h_f = max(z_L, z_R) - max(z_L, z_R) = 0 exactly, so it carries no flow; a dry cell whose four
//! faces carry none stays at exactly 0 and its maximum, arrival and duration records do not
//! change. So every cell outside the needed tiles, and every face they own, would be left exactly
//! as it is by a step over the whole grid.
//!
//! A tile owns the west and north faces of its cells. The two flux arrays swap every step, so a
//! tile that stops being needed is still swept for two more steps ([`KEEP_STEPS`]): both steps
//! compute its faces as exact zeros, so both arrays hold zeros there when the tile is dropped,
//! as a sweep of the whole grid would have them. Cells that receive water from outside the
//! scheme (point sources, fixed levels, inflow boundaries) have their tiles and their
//! neighbours' tiles pinned active; rain pins every tile.
//!
//! The active set is updated incrementally: while a band updates a row it records, per tile
//! column, whether the row's cells in that tile hold water and whether its first or last cell
//! does ([`row_flags`]); after the step [`TileSet::after_step`] folds these per tile (a wet
//! first or last row wakes the tile above or below, a wet first or last column the tile west
//! or east) and rebuilds the column runs of active tiles only when the set changed.
//!
//! A step is one parallel pass, as the bounding-rows kernel before it: the rows holding active
//! tiles are cut into bands of about equal work (active cells, 4 per worker thread, at least 16
//! rows each) for rayon's work stealing, and each band sweeps its rows once: the x faces of row
//! r and the y faces above it over the row's active column runs, then the depths of row r-1,
//! whose faces are then complete. The y faces on the cut between two bands are computed first
//! from the old depths. Results do not depend on the tile size, the number of threads or bands:
//! every face and cell is computed by the same expression from the same inputs, the wave-speed
//! maximum is exact, and the rain sum is made per row in cell order (rain makes every tile
//! active, so a row is one run) and combined per block of [`BLOCK_ROWS`] rows in row order.

use crate::kernel::{CellConsts, CellRow, FaceConsts, RainRate, cells, x_faces, y_faces};
use crate::real::Real;
use crate::solver::{
    BANDS_PER_THREAD, BLOCK_ROWS, KernelParams, MIN_BAND_ROWS, Slab, State, StepStats,
};
use rayon::prelude::*;

/// Default tile side, cells (chosen by `forewarn bench flood`, see docs/benchmarks.md).
pub const DEFAULT_TILE_SIDE: usize = 16;
/// Steps a tile stays active after the last step it was needed at (see the module notes).
pub const KEEP_STEPS: u8 = 2;
/// Age of a tile that has never been needed.
const NEVER: u8 = u8::MAX;

/// Flag bits per row and tile column: some cell of the row in the tile is wet; its first
/// (west) cell is wet; its last (east) cell is wet.
const WET: u8 = 1;
const WET_WEST: u8 = 2;
const WET_EAST: u8 = 4;

/// A run of adjacent active tiles along a tile row: cell columns `c0..c1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColRun {
    pub c0: usize,
    pub c1: usize,
}

/// The active tiles of a grid.
#[derive(Debug, Clone)]
pub struct TileSet {
    side: usize,
    nrows: usize,
    ncols: usize,
    tile_rows: usize,
    tile_cols: usize,
    /// Steps since each tile was last needed (saturating; [`NEVER`] if it never was).
    age: Vec<u8>,
    pinned: Vec<bool>,
    all_pinned: bool,
    /// Whether each tile is swept at the next step: pinned, or age <= [`KEEP_STEPS`].
    active: Vec<bool>,
    /// Column runs of active tiles, tile row by tile row: those of tile row `tr` are
    /// `runs[row_runs[tr]..row_runs[tr + 1]]`.
    runs: Vec<ColRun>,
    row_runs: Vec<usize>,
    /// Active cells in one cell row of each tile row.
    row_width: Vec<usize>,
    active_cells: usize,
    /// Scratch of [`TileSet::after_step`].
    needed: Vec<bool>,
    scratch_any: Vec<u8>,
}

impl TileSet {
    /// No tile active, on a grid of `nrows` x `ncols` cells cut into tiles of `side` cells
    /// (at least 1).
    pub fn new(nrows: usize, ncols: usize, side: usize) -> TileSet {
        let side = side.max(1);
        let tile_rows = nrows.div_ceil(side);
        let tile_cols = ncols.div_ceil(side);
        let n = tile_rows * tile_cols;
        TileSet {
            side,
            nrows,
            ncols,
            tile_rows,
            tile_cols,
            age: vec![NEVER; n],
            pinned: vec![false; n],
            all_pinned: false,
            active: vec![false; n],
            runs: Vec::new(),
            row_runs: vec![0; tile_rows + 1],
            row_width: vec![0; tile_rows],
            active_cells: 0,
            needed: vec![false; n],
            scratch_any: Vec::new(),
        }
    }

    /// Tile side, cells.
    pub fn side(&self) -> usize {
        self.side
    }

    /// Cells in the active tiles (those the next step updates).
    pub fn active_cells(&self) -> usize {
        self.active_cells
    }

    /// Number of active tiles.
    pub fn active_tiles(&self) -> usize {
        self.active.iter().filter(|&&a| a).count()
    }

    /// Tile columns (the width of the per-row flag records).
    pub fn tile_cols(&self) -> usize {
        self.tile_cols
    }

    fn tile_of(&self, r: usize, c: usize) -> usize {
        (r / self.side) * self.tile_cols + c / self.side
    }

    /// The tiles of cell `i` and of its four neighbours.
    fn tiles_around(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let (r, c) = (i / self.ncols, i % self.ncols);
        let up = r.checked_sub(1).map(|u| (u, c));
        let down = (r + 1 < self.nrows).then_some((r + 1, c));
        let left = c.checked_sub(1).map(|l| (r, l));
        let right = (c + 1 < self.ncols).then_some((r, c + 1));
        [Some((r, c)), up, down, left, right]
            .into_iter()
            .flatten()
            .map(|(r, c)| self.tile_of(r, c))
    }

    /// Keep cell `i`'s tile and its neighbours' tiles active for good (a cell that receives
    /// water from outside the scheme: a point source, a fixed level, an inflow boundary).
    pub fn pin_cell(&mut self, i: usize) {
        if i >= self.nrows * self.ncols {
            return;
        }
        let tiles: Vec<usize> = self.tiles_around(i).collect();
        for t in tiles {
            self.pinned[t] = true;
        }
        self.refresh();
    }

    /// Keep every tile active for good (rain).
    pub fn pin_all(&mut self) {
        if self.all_pinned {
            return;
        }
        self.all_pinned = true;
        self.pinned.iter_mut().for_each(|p| *p = true);
        self.refresh();
    }

    /// Mark as needed the tiles of every wet cell of `h` and of its neighbours.
    pub fn wake<T: Real>(&mut self, h: &[T]) {
        for (i, _) in h.iter().enumerate().filter(|(_, v)| **v > T::ZERO) {
            let tiles: Vec<usize> = self.tiles_around(i).collect();
            for t in tiles {
                self.age[t] = 0;
            }
        }
        self.refresh();
    }

    /// The active column runs of cell row `r`.
    pub fn runs_of_row(&self, r: usize) -> &[ColRun] {
        let tr = r / self.side;
        &self.runs[self.row_runs[tr]..self.row_runs[tr + 1]]
    }

    /// Active cells in cell row `r`.
    fn row_work(&self, r: usize) -> usize {
        self.row_width[r / self.side]
    }

    /// Rows `r0..r1` spanned by the active tiles (empty when none is active).
    fn active_rows(&self) -> (usize, usize) {
        let first = (0..self.tile_rows).find(|&t| self.row_width[t] > 0);
        let last = (0..self.tile_rows).rev().find(|&t| self.row_width[t] > 0);
        match first.zip(last) {
            Some((a, e)) => (a * self.side, ((e + 1) * self.side).min(self.nrows)),
            None => (0, 0),
        }
    }

    /// Recompute the active flags and, if they changed, the column runs.
    fn refresh(&mut self) {
        let mut changed = false;
        for t in 0..self.active.len() {
            let a = self.pinned[t] || self.age[t] <= KEEP_STEPS;
            changed |= a != self.active[t];
            self.active[t] = a;
        }
        if changed {
            self.rebuild_runs();
        }
    }

    fn rebuild_runs(&mut self) {
        self.runs.clear();
        self.active_cells = 0;
        for tr in 0..self.tile_rows {
            self.row_runs[tr] = self.runs.len();
            let mut width = 0;
            let mut tc = 0;
            while tc < self.tile_cols {
                if !self.active[tr * self.tile_cols + tc] {
                    tc += 1;
                    continue;
                }
                let start = tc;
                while tc < self.tile_cols && self.active[tr * self.tile_cols + tc] {
                    tc += 1;
                }
                let run = ColRun {
                    c0: start * self.side,
                    c1: (tc * self.side).min(self.ncols),
                };
                width += run.c1 - run.c0;
                self.runs.push(run);
            }
            self.row_width[tr] = width;
            let rows = ((tr + 1) * self.side).min(self.nrows) - tr * self.side;
            self.active_cells += width * rows;
        }
        self.row_runs[self.tile_rows] = self.runs.len();
    }

    /// After a step: fold the wet flags of the swept tiles (`flags`: [`TileSet::tile_cols`]
    /// per cell row, written by the step for every swept tile), age the tiles and update the
    /// active set.
    pub(crate) fn after_step(&mut self, flags: &[u8]) {
        let (tc_n, side) = (self.tile_cols, self.side);
        self.needed.iter_mut().for_each(|n| *n = false);
        // Per tile row: the OR of its cell rows' flags, a contiguous byte OR the compiler
        // vectorises (a strided walk per tile cost a few % of a fully wet step). Only the
        // swept (active) tiles' flags are fresh; the others are skipped below.
        let mut any = std::mem::take(&mut self.scratch_any);
        any.resize(tc_n, 0);
        for tr in 0..self.tile_rows {
            if self.row_width[tr] == 0 {
                continue;
            }
            let (r0, r1) = (tr * side, ((tr + 1) * side).min(self.nrows));
            let row = |r: usize| &flags[r * tc_n..(r + 1) * tc_n];
            any.copy_from_slice(row(r0));
            for r in r0 + 1..r1 {
                for (a, f) in any.iter_mut().zip(row(r)) {
                    *a |= f;
                }
            }
            let (top, bottom) = (row(r0), row(r1 - 1));
            for tc in 0..tc_n {
                let t = tr * tc_n + tc;
                if !self.active[t] || any[tc] & WET == 0 {
                    continue;
                }
                self.needed[t] = true;
                if any[tc] & WET_WEST != 0 && tc > 0 {
                    self.needed[t - 1] = true;
                }
                if any[tc] & WET_EAST != 0 && tc + 1 < tc_n {
                    self.needed[t + 1] = true;
                }
                if top[tc] & WET != 0 && tr > 0 {
                    self.needed[t - tc_n] = true;
                }
                if bottom[tc] & WET != 0 && tr + 1 < self.tile_rows {
                    self.needed[t + tc_n] = true;
                }
            }
        }
        self.scratch_any = any;
        for (a, &n) in self.age.iter_mut().zip(&self.needed) {
            *a = if n { 0 } else { a.saturating_add(1) };
        }
        self.refresh();
    }
}

/// The wet flags of one row segment that covers whole tiles from tile column `tc0` on
/// (`h`: the segment's depths after the step), into `flags` (the row's flags, one per tile
/// column).
fn row_flags<T: Real>(h: &[T], side: usize, tc0: usize, flags: &mut [u8]) {
    for (k, seg) in h.chunks(side).enumerate() {
        // A tile with a wet edge cell costs two reads; only one with dry edges is scanned.
        let (west, east) = (seg[0] > T::ZERO, seg[seg.len() - 1] > T::ZERO);
        let mut f = if west { WET_WEST } else { 0 } | if east { WET_EAST } else { 0 };
        if west || east || seg.iter().any(|&v| v > T::ZERO) {
            f |= WET;
        }
        flags[tc0 + k] = f;
    }
}

/// Row boundaries of the bands of a step over rows `r0..r1`: about equal active cells per band,
/// at most `max_bands` bands of at least [`MIN_BAND_ROWS`] rows (or one band).
fn band_starts(tiles: &TileSet, r0: usize, r1: usize, max_bands: usize) -> Vec<usize> {
    let total: usize = (r0..r1).map(|r| tiles.row_work(r)).sum();
    let bands = max_bands.min((r1 - r0) / MIN_BAND_ROWS).max(1);
    let mut starts = vec![r0];
    let mut acc = 0usize;
    for r in r0..r1 {
        acc += tiles.row_work(r);
        let k = starts.len();
        let next = r + 1;
        if k < bands
            && acc * bands >= total * k
            && next - starts[k - 1] >= MIN_BAND_ROWS
            && r1 - next >= MIN_BAND_ROWS
        {
            starts.push(next);
        }
    }
    starts.push(r1);
    starts
}

/// One step over the active tiles of `st` (after [`State::begin_step`] and the boundary faces),
/// then the active tiles of the next step.
pub(crate) fn advance<T: Real>(
    st: &mut State<T>,
    dt_s: f64,
    t_end_s: f64,
    rain: RainRate<'_, T>,
    p: &KernelParams,
) -> StepStats {
    let (nc, nr) = (st.ncols, st.nrows);
    let mut out = StepStats::default();
    let (r0, r1) = st.tiles.active_rows();
    if r0 >= r1 {
        return out;
    }
    let tile_cols = st.tiles.tile_cols();
    st.scratch_flags.resize(nr * tile_cols, 0);
    let starts = band_starts(
        &st.tiles,
        r0,
        r1,
        rayon::current_num_threads() * BANDS_PER_THREAD,
    );
    let bands = starts.len() - 1;
    let ctx = TileCtx {
        nc,
        nr,
        tiles: &st.tiles,
        starts: &starts,
        z: &st.z,
        n2: &st.n2,
        qxp: &st.qx_prev,
        qyp: &st.qy_prev,
        fk: FaceConsts::<T>::new(dt_s, st.dx_m, st.dy_m, p),
        ck: CellConsts::new(dt_s, t_end_s, st.dx_m, st.dy_m, p.depth_threshold_m),
        rain,
        dt_s,
    };

    // The y faces on the cuts between bands, from the old depths, before any band moves. A cut
    // row starts as a copy of the stored face row, so that the columns it does not compute (dry
    // on both sides) read as stored.
    let cut = &mut st.scratch_cut;
    cut.resize((bands - 1) * nc, T::ZERO);
    let (h_old, qy_old) = (&st.h[..], &st.qy[..]);
    cut.par_chunks_mut(nc).enumerate().for_each(|(i, row)| {
        let f = starts[i + 1];
        row.copy_from_slice(&qy_old[f * nc..(f + 1) * nc]);
        ctx.y_face_row(f, row, h_old, 0);
    });
    for (i, row) in cut.chunks_exact(nc).enumerate() {
        let f = starts[i + 1];
        st.qy[f * nc..(f + 1) * nc].copy_from_slice(row);
    }

    let slab = Slab {
        r0: 0,
        h: &mut st.h,
        qx: &mut st.qx[..nr * (nc + 1)],
        qy: &mut st.qy,
        max_h: &mut st.max_h,
        max_speed: &mut st.max_speed,
        arrival: &mut st.arrival_s,
        duration: &mut st.duration_s,
        rain: &mut st.scratch_rain,
        flags: &mut st.scratch_flags,
        flag_cols: tile_cols,
    };
    out.wave_speed_ms = ctx.bands(0, bands, slab, cut);
    if !matches!(rain, RainRate::None) {
        // Summed per block of BLOCK_ROWS rows, blocks in order.
        let mut total = 0.0f64;
        for b in 0..nr.div_ceil(BLOCK_ROWS) {
            let mut block = 0.0f64;
            for r in b * BLOCK_ROWS..((b + 1) * BLOCK_ROWS).min(nr) {
                if r >= r0 && r < r1 {
                    block += st.scratch_rain[r];
                }
            }
            total += block;
        }
        out.rain_added_m3 = total * st.cell_area_m2();
    }
    st.tiles.after_step(&st.scratch_flags);
    out
}

/// What every band of a tiled step reads: sizes, the active tiles, the read-only arrays and the
/// constants.
struct TileCtx<'a, T> {
    nc: usize,
    nr: usize,
    tiles: &'a TileSet,
    /// First row of each band, then the end of the last.
    starts: &'a [usize],
    z: &'a [T],
    n2: &'a [T],
    qxp: &'a [T],
    qyp: &'a [T],
    fk: FaceConsts<T>,
    ck: CellConsts<T>,
    rain: RainRate<'a, T>,
    dt_s: f64,
}

impl<T: Real> TileCtx<'_, T> {
    /// The y faces of face row `f` (an interior face row, 1 <= f < nrows) owned by its active
    /// runs, into `out` (the whole face row), from the depths `h` (grid rows `h_r0..`).
    fn y_face_row(&self, f: usize, out: &mut [T], h: &[T], h_r0: usize) {
        let nc = self.nc;
        let hn = (f - 1 - h_r0) * nc;
        let hs = (f - h_r0) * nc;
        for run in self.tiles.runs_of_row(f) {
            let (c0, c1) = (run.c0, run.c1);
            y_faces(
                &mut out[c0..c1],
                &self.qyp[(f - 1) * nc + c0..(f - 1) * nc + c1],
                &self.qyp[f * nc + c0..f * nc + c1],
                &self.qyp[(f + 1) * nc + c0..(f + 1) * nc + c1],
                (&h[hn + c0..hn + c1], &h[hs + c0..hs + c1]),
                (
                    &self.z[(f - 1) * nc + c0..(f - 1) * nc + c1],
                    &self.z[f * nc + c0..f * nc + c1],
                ),
                (
                    &self.n2[(f - 1) * nc + c0..(f - 1) * nc + c1],
                    &self.n2[f * nc + c0..f * nc + c1],
                ),
                (
                    &self.qxp[(f - 1) * (nc + 1) + c0..=(f - 1) * (nc + 1) + c1],
                    &self.qxp[f * (nc + 1) + c0..=f * (nc + 1) + c1],
                ),
                &self.fk,
            );
        }
    }

    /// The interior x faces of row `r` over its active runs (a run's faces c0 ..= c1, the
    /// domain's edge faces excepted), into `out` (the row's faces); `h`: the row's depths.
    fn x_face_row(&self, r: usize, out: &mut [T], h: &[T]) {
        let nc = self.nc;
        let prev = &self.qxp[r * (nc + 1)..(r + 1) * (nc + 1)];
        let (z, n2) = (
            &self.z[r * nc..(r + 1) * nc],
            &self.n2[r * nc..(r + 1) * nc],
        );
        for run in self.tiles.runs_of_row(r) {
            let fa = run.c0.max(1);
            let fb = run.c1.min(nc - 1);
            if fa <= fb {
                x_faces(
                    &mut out[fa..=fb],
                    &prev[fa - 1..=fb + 1],
                    &h[fa - 1..=fb],
                    &z[fa - 1..=fb],
                    &n2[fa - 1..=fb],
                    (
                        &self.qyp[r * nc + fa - 1..=r * nc + fb],
                        &self.qyp[(r + 1) * nc + fa - 1..=(r + 1) * nc + fb],
                    ),
                    &self.fk,
                );
            }
        }
    }

    /// Bands `k0..k1` on `slab` (which starts at band k0's first row, or at row 0 for band 0),
    /// halved recursively with `rayon::join`. Returns the largest wave speed.
    fn bands(&self, k0: usize, k1: usize, slab: Slab<'_, T>, cut: &[T]) -> f64 {
        if k1 - k0 == 1 {
            return self.band(k0, slab, cut);
        }
        let mid = (k0 + k1) / 2;
        let (a, b) = slab.split(self.starts[mid], self.nc);
        let (ca, cb) = rayon::join(
            || self.bands(k0, mid, a, cut),
            || self.bands(mid, k1, b, cut),
        );
        ca.max(cb)
    }

    /// One band: for each row r, the x faces of row r and the y faces above it, then the depth
    /// update of row r-1 and its wet flags; the last row after the faces below it.
    fn band(&self, k: usize, s: Slab<'_, T>, cut: &[T]) -> f64 {
        let nc = self.nc;
        let (ra, rb) = (self.starts[k], self.starts[k + 1]);
        let last = k + 2 == self.starts.len();
        let side = self.tiles.side();
        let fc = s.flag_cols;
        let mut c_max = 0.0f64;
        // The face row above the first band (the others' top rows are cuts, already in qy).
        if k == 0 && ra >= 1 {
            let o = (ra - s.r0) * nc;
            self.y_face_row(ra, &mut s.qy[o..o + nc], s.h, s.r0);
        }
        for r in ra..=rb {
            if r < rb {
                let lr = r - s.r0;
                self.x_face_row(
                    r,
                    &mut s.qx[lr * (nc + 1)..(lr + 1) * (nc + 1)],
                    &s.h[lr * nc..(lr + 1) * nc],
                );
                if r > ra {
                    let o = lr * nc;
                    self.y_face_row(r, &mut s.qy[o..o + nc], s.h, s.r0);
                }
            } else if last && r < self.nr {
                let o = (r - s.r0) * nc;
                self.y_face_row(r, &mut s.qy[o..o + nc], s.h, s.r0);
            }
            if r == ra {
                continue;
            }
            // Depth update of row r-1: its faces are all set now.
            let u = r - 1;
            let lu = u - s.r0;
            let mut rain_added = 0.0f64;
            for run in self.tiles.runs_of_row(u) {
                let (c0, c1) = (run.c0, run.c1);
                let qy_s = if r == rb && !last {
                    &cut[k * nc + c0..k * nc + c1]
                } else {
                    &s.qy[(lu + 1) * nc + c0..(lu + 1) * nc + c1]
                };
                let span = lu * nc + c0..lu * nc + c1;
                let row_out = cells(
                    CellRow {
                        h: &mut s.h[span.clone()],
                        max_h: &mut s.max_h[span.clone()],
                        max_speed: &mut s.max_speed[span.clone()],
                        arrival: &mut s.arrival[span.clone()],
                        duration: &mut s.duration[span.clone()],
                        z: &self.z[u * nc + c0..u * nc + c1],
                        qx: &s.qx[lu * (nc + 1) + c0..lu * (nc + 1) + c1 + 1],
                        qy_n: &s.qy[lu * nc + c0..lu * nc + c1],
                        qy_s,
                    },
                    self.rain.row(u * nc + c0..u * nc + c1, self.dt_s),
                    &self.ck,
                );
                c_max = c_max.max(row_out.wave_speed);
                rain_added += row_out.rain_added;
                row_flags(
                    &s.h[span],
                    side,
                    c0 / side,
                    &mut s.flags[lu * fc..(lu + 1) * fc],
                );
            }
            s.rain[lu] = rain_added;
        }
        c_max
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::RowSweep;
    use crate::reference::tests::{rough_state, same};
    use crate::solver::Rect;

    #[test]
    fn bands_cover_the_rows_with_equal_work() {
        let mut t = TileSet::new(1000, 1000, 64);
        t.wake(&vec![1.0f32; 1000 * 1000]);
        assert_eq!(t.active_cells(), 1000 * 1000);
        let s = band_starts(&t, 0, 1000, 8);
        assert_eq!(s.len(), 9);
        assert_eq!((s[0], s[8]), (0, 1000));
        for w in s.windows(2) {
            assert!(w[1] - w[0] >= MIN_BAND_ROWS && w[1] - w[0] <= 126, "{s:?}");
        }
        // Few rows: one band.
        assert_eq!(band_starts(&t, 0, 20, 8), vec![0, 20]);
    }

    #[test]
    fn a_wet_cell_wakes_its_tile_and_the_tiles_it_touches() {
        let (nr, nc) = (40, 50);
        let mut h = vec![0.0f32; nr * nc];
        // On the south-east corner of tile (1, 2) with side 10: wakes it and (1, 3), (2, 2).
        h[19 * nc + 29] = 0.5;
        let mut t = TileSet::new(nr, nc, 10);
        t.wake(&h);
        assert_eq!(t.active_tiles(), 3);
        assert_eq!(t.runs_of_row(15), &[ColRun { c0: 20, c1: 40 }]);
        assert_eq!(t.runs_of_row(25), &[ColRun { c0: 20, c1: 30 }]);
        assert!(t.runs_of_row(5).is_empty());
        assert_eq!(t.active_cells(), 300);
        // The partial last tile column (cells 40..50) and pins.
        t.pin_cell(39 * nc + 49);
        assert_eq!(t.runs_of_row(39), &[ColRun { c0: 40, c1: 50 }]);
        // Flags that show nothing wet age the unpinned tiles out after KEEP_STEPS steps.
        let flags = vec![0u8; nr * t.tile_cols()];
        for _ in 0..KEEP_STEPS {
            t.after_step(&flags);
            assert_eq!(t.active_tiles(), 4);
        }
        t.after_step(&flags);
        assert_eq!(t.active_tiles(), 1);
        assert_eq!(t.active_cells(), 100);
    }

    /// Steps with the tiled sweep match the bounding-rows kernel bit for bit, for any tile
    /// side and number of threads: rough terrain with walls, a Froude cap, a region drained
    /// mid-run (so tiles drop out), and rain on some steps when `rain` is set (rain makes every
    /// cell active in both).
    fn tiled_matches_rows<T: Real>(nc: usize, nr: usize, rain: bool) {
        let kp = KernelParams {
            theta: 0.7,
            depth_threshold_m: 1e-3,
            froude_limit: Some(1.5),
            friction_2d: true,
        };
        let rates: Vec<T> = (0..nc * nr)
            .map(|i| T::from_f64(1e-5 * (i % 5) as f64))
            .collect();
        let mut reference = rough_state::<T>(nc, nr);
        let mut rows = RowSweep {
            rect: if rain {
                Rect {
                    r0: 0,
                    r1: nr,
                    c0: 0,
                    c1: nc,
                }
            } else {
                reference.wet_rect().grown(nr, nc)
            },
        };
        let cases: Vec<(usize, usize)> = [1, 3, 8, 16, 64, 1000]
            .iter()
            .flat_map(|&side| [(side, 1), (side, 2), (side, 3)])
            .collect();
        let mut tiled: Vec<State<T>> = cases
            .iter()
            .map(|&(side, _)| {
                let mut st = rough_state::<T>(nc, nr);
                st.set_tile_side(side);
                st.wake_wet_cells();
                st
            })
            .collect();
        let pools: Vec<rayon::ThreadPool> = cases
            .iter()
            .map(|&(_, n)| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build()
                    .expect("pool")
            })
            .collect();
        let mut t = 0.0;
        let mut fewer_cells = false;
        let mut dropped = false;
        for step in 0..60 {
            if step == 20 {
                // Drain a block in every state: its tiles go dry and (for small tiles) drop out.
                for st in std::iter::once(&mut reference).chain(tiled.iter_mut()) {
                    for r in nr / 4..nr - 4 {
                        for c in 0..nc / 2 {
                            st.h[r * nc + c] = T::ZERO;
                        }
                    }
                }
            }
            let dt = 0.05;
            let rain = match (rain, step % 3) {
                (false, _) | (true, 0) => RainRate::None,
                (true, 1) => RainRate::Uniform(2e-5),
                (true, _) => RainRate::Cells(&rates),
            };
            let a = rows.step(&mut reference, dt, t + dt, rain, &kp);
            rows.grow(&reference, &a.wet);
            let area = (rows.rect.r1 - rows.rect.r0) * (rows.rect.c1 - rows.rect.c0);
            for (st, pool) in tiled.iter_mut().zip(&pools) {
                let before = st.tiles.active_tiles();
                let b = pool.install(|| st.step(dt, t + dt, rain, &kp));
                assert_eq!(
                    a.stats.wave_speed_ms.to_bits(),
                    b.wave_speed_ms.to_bits(),
                    "step {step}, side {}",
                    st.tiles.side()
                );
                assert_eq!(a.stats.rain_added_m3.to_bits(), b.rain_added_m3.to_bits());
                same(&reference, st);
                fewer_cells |= st.tiles.active_cells() < area;
                dropped |= st.tiles.active_tiles() < before;
            }
            t += dt;
        }
        if !rain {
            assert!(fewer_cells, "the tiles never skipped a cell");
            assert!(dropped, "no tile ever dropped out");
        }
    }

    #[test]
    fn tiled_step_matches_bounding_rows_f32() {
        tiled_matches_rows::<f32>(300, 101, false);
        tiled_matches_rows::<f32>(300, 101, true);
        tiled_matches_rows::<f32>(17, 40, false);
    }

    #[test]
    fn tiled_step_matches_bounding_rows_f64() {
        tiled_matches_rows::<f64>(61, 83, false);
    }
}
