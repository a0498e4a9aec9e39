//! The local-inertial kernel: state arrays (structure of arrays) and the three passes of a step.
//!
//! Scheme: Bates, Horritt & Fewtrell (2010) with the q-centred, theta-weighted momentum update of
//! de Almeida, Bates, Freer & Souvignet (2012). For the face between cells L and R:
//!
//! ```text
//! h_f   = max(eta_L, eta_R) - max(z_L, z_R)
//! q^new = [theta q + (1 - theta)/2 (q_- + q_+) - g h_f dt (eta_R - eta_L)/dx]
//!         / [1 + g dt n^2 |q| / h_f^(7/3)]
//! ```
//!
//! where q_- and q_+ are the neighbouring faces' fluxes along the same direction. Faces with
//! h_f <= depth threshold carry no flow. Two limiters keep depths non-negative and the scheme
//! stable on steep terrain: a face never moves more than a quarter of its upstream cell's water
//! in one step (so the four faces together can never empty a cell below zero, which makes the
//! update exactly mass conservative without clipping), and an optional Froude-number cap.
//!
//! Layout: cells row-major from the north-west; `qx` has `ncols + 1` faces per row (face c lies
//! between cells c-1 and c, positive eastward); `qy` has `nrows + 1` face rows of `ncols` faces
//! (face row r lies between cell rows r-1 and r, positive southward).
//!
//! A step ([`State::step`], or [`State::begin_step`] + boundary faces + [`State::advance`]) runs
//! as one parallel pass: the active rows are cut into a few contiguous bands per worker thread,
//! and each band sweeps its rows once, computing the x faces of row r and the y faces between
//! rows r-1 and r and then the depth of row r-1, whose fluxes are then complete. The rows a band
//! works on stay in the core's cache between the flux and the depth update, and there is one
//! fork-join per step instead of two. The y faces on the cut between two bands are computed first
//! (a small parallel pre-pass), because both bands need them from the old depths.
//! [`State::flux_pass`] and [`State::continuity_pass`] are the same scheme as two separate
//! passes, kept as the reference the fused step is tested against.
//!
//! Results do not depend on the number of threads or bands: every face and cell is computed by
//! the same expression from the same inputs, maxima and bounding boxes are exact, and the one
//! floating-point sum (rain added) is made per row and combined per block of [`BLOCK_ROWS`] rows
//! in row order, whatever the bands.

use crate::real::Real;
use rayon::prelude::*;

/// Gravity, m/s2.
pub const G: f64 = 9.81;
/// Depth at which a cell counts as flooded (arrival time, duration, people affected), m.
pub const FLOOD_DEPTH_M: f64 = 0.1;
/// Below this depth a cell's speed is not computed (reported as 0), m.
pub const SPEED_DEPTH_M: f64 = 0.01;
/// Rows per work block of the two-pass reference kernel, and per block of the rain-volume sum.
pub const BLOCK_ROWS: usize = 8;
/// Bands per worker thread in the fused step: more than one, so that work stealing evens out a
/// core that is busy with something else.
const BANDS_PER_THREAD: usize = 4;
/// Smallest band of the fused step, rows.
const MIN_BAND_ROWS: usize = 16;
/// Cells per tile of the depth update (the tile's wave speeds and rain are reduced after it).
const TILE: usize = 256;
/// Lanes of the wave-speed maximum (independent partial maxima, so the loop vectorises).
const LANES: usize = 8;

/// A rectangle of cells: rows r0..r1, columns c0..c1 (exclusive ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub r0: usize,
    pub r1: usize,
    pub c0: usize,
    pub c1: usize,
}

impl Rect {
    pub fn empty() -> Rect {
        Rect {
            r0: usize::MAX,
            r1: 0,
            c0: usize::MAX,
            c1: 0,
        }
    }
    pub fn is_empty(&self) -> bool {
        self.r0 >= self.r1 || self.c0 >= self.c1
    }
    pub fn union(&self, o: &Rect) -> Rect {
        if self.is_empty() {
            return *o;
        }
        if o.is_empty() {
            return *self;
        }
        Rect {
            r0: self.r0.min(o.r0),
            r1: self.r1.max(o.r1),
            c0: self.c0.min(o.c0),
            c1: self.c1.max(o.c1),
        }
    }
    /// Grow by one cell on every side, clamped to the grid.
    pub fn grown(&self, nrows: usize, ncols: usize) -> Rect {
        if self.is_empty() {
            return *self;
        }
        Rect {
            r0: self.r0.saturating_sub(1),
            r1: (self.r1 + 1).min(nrows),
            c0: self.c0.saturating_sub(1),
            c1: (self.c1 + 1).min(ncols),
        }
    }
    pub fn add_cell(&mut self, r: usize, c: usize) {
        *self = self.union(&Rect {
            r0: r,
            r1: r + 1,
            c0: c,
            c1: c + 1,
        });
    }
}

/// Numerical parameters of the kernel.
#[derive(Debug, Clone, Copy)]
pub struct KernelParams {
    pub theta: f64,
    pub depth_threshold_m: f64,
    pub froude_limit: Option<f64>,
}

/// Figures returned by the continuity pass.
#[derive(Debug, Clone, Copy)]
pub struct ContinuityStats {
    /// Largest sqrt(g h) + |u| over wet cells, m/s.
    pub wave_speed_ms: f64,
    /// Bounding box of wet cells.
    pub wet: Rect,
    /// Rain volume actually added to the state, m3.
    pub rain_added_m3: f64,
}

/// The model state.
pub struct State<T: Real> {
    pub ncols: usize,
    pub nrows: usize,
    pub dx_m: f64,
    pub dy_m: f64,
    /// Elevation above the domain datum (m); `T::WALL` for NODATA cells.
    pub z: Vec<T>,
    /// Manning n squared per cell.
    pub n2: Vec<T>,
    /// Water depth, m.
    pub h: Vec<T>,
    pub qx: Vec<T>,
    pub qy: Vec<T>,
    pub qx_prev: Vec<T>,
    pub qy_prev: Vec<T>,
    pub max_h: Vec<f32>,
    pub max_speed: Vec<f32>,
    /// Time (s) the depth first reached 0.1 m; negative until then.
    pub arrival_s: Vec<f32>,
    /// Time (s) spent at depth >= 0.1 m.
    pub duration_s: Vec<f64>,
    /// Cells that may change this step (grows monotonically).
    pub active: Rect,
    /// Scratch reused from step to step: y faces on the cuts between bands, rain added per row.
    scratch_cut: Vec<T>,
    scratch_rain: Vec<f64>,
}

impl<T: Real> State<T> {
    /// A dry state. `z_m` is elevation above the datum with NaN for NODATA, `n2` is Manning's n
    /// squared per cell.
    pub fn new(ncols: usize, nrows: usize, dx_m: f64, dy_m: f64, z_m: &[f64], n2: &[f64]) -> Self {
        let n = ncols * nrows;
        let z = z_m
            .iter()
            .map(|&v| {
                if v.is_finite() {
                    T::from_f64(v)
                } else {
                    T::WALL
                }
            })
            .collect();
        State {
            ncols,
            nrows,
            dx_m,
            dy_m,
            z,
            n2: n2.iter().map(|&v| T::from_f64(v)).collect(),
            h: vec![T::ZERO; n],
            qx: vec![T::ZERO; nrows * (ncols + 1)],
            qy: vec![T::ZERO; (nrows + 1) * ncols],
            qx_prev: vec![T::ZERO; nrows * (ncols + 1)],
            qy_prev: vec![T::ZERO; (nrows + 1) * ncols],
            max_h: vec![0.0; n],
            max_speed: vec![0.0; n],
            arrival_s: vec![-1.0; n],
            duration_s: vec![0.0; n],
            active: Rect::empty(),
            scratch_cut: Vec::new(),
            scratch_rain: vec![0.0; nrows],
        }
    }

    pub fn cell_area_m2(&self) -> f64 {
        self.dx_m * self.dy_m
    }

    pub fn is_wall(&self, i: usize) -> bool {
        self.z[i] >= T::WALL
    }

    /// Bounding box of cells holding water.
    pub fn wet_rect(&self) -> Rect {
        let mut r = Rect::empty();
        for (i, &h) in self.h.iter().enumerate() {
            if h > T::ZERO {
                r.add_cell(i / self.ncols, i % self.ncols);
            }
        }
        r
    }

    /// Stored water volume in m3 (summed per block in f64, combined in order).
    pub fn stored_volume_m3(&self) -> f64 {
        let per_block: Vec<f64> = self
            .h
            .par_chunks(BLOCK_ROWS * self.ncols)
            .map(|c| c.iter().map(|v| v.to_f64()).sum::<f64>())
            .collect();
        per_block.iter().sum::<f64>() * self.cell_area_m2()
    }

    /// Largest wave speed sqrt(g h) + |u| over the wet cells (used before the first step).
    pub fn wave_speed_ms(&self, depth_threshold_m: f64) -> f64 {
        let mut c_max = 0.0f64;
        for r in 0..self.nrows {
            for c in 0..self.ncols {
                let i = r * self.ncols + c;
                let h = self.h[i].to_f64();
                if h > depth_threshold_m {
                    c_max = c_max.max((G * h).sqrt() + self.speed_at(r, c));
                }
            }
        }
        c_max
    }

    /// Cell-centred speed (m/s) from the face fluxes.
    pub fn speed_at(&self, r: usize, c: usize) -> f64 {
        let h = self.h[r * self.ncols + c].to_f64();
        if h < SPEED_DEPTH_M {
            return 0.0;
        }
        let qxr = r * (self.ncols + 1) + c;
        let u = 0.5 * (self.qx[qxr].to_f64() + self.qx[qxr + 1].to_f64()) / h;
        let v = 0.5
            * (self.qy[r * self.ncols + c].to_f64() + self.qy[(r + 1) * self.ncols + c].to_f64())
            / h;
        (u * u + v * v).sqrt()
    }

    /// Interior face fluxes for the active region, from the previous fluxes and current depths.
    pub fn flux_pass(&mut self, dt_s: f64, p: &KernelParams) {
        std::mem::swap(&mut self.qx, &mut self.qx_prev);
        std::mem::swap(&mut self.qy, &mut self.qy_prev);
        let (nc, nr) = (self.ncols, self.nrows);
        let act = self.active;
        if act.is_empty() {
            return;
        }
        let k = FaceConsts::<T>::new(dt_s, self.dx_m, self.dy_m, p);
        let (h, z, n2) = (&self.h[..], &self.z[..], &self.n2[..]);
        let (qxp, qyp) = (&self.qx_prev[..], &self.qy_prev[..]);
        let qy_interior = &mut self.qy[..nr * nc];
        self.qx
            .par_chunks_mut(BLOCK_ROWS * (nc + 1))
            .zip(qy_interior.par_chunks_mut(BLOCK_ROWS * nc))
            .enumerate()
            .for_each(|(b, (qx_blk, qy_blk))| {
                let row0 = b * BLOCK_ROWS;
                let rows = qx_blk.len() / (nc + 1);
                for lr in 0..rows {
                    let r = row0 + lr;
                    if r < act.r0 || r >= act.r1 {
                        continue;
                    }
                    // x faces of row r: faces max(c0,1) ..= min(c1, nc-1)
                    let fa = act.c0.max(1);
                    let fb = act.c1.min(nc - 1);
                    if fa <= fb {
                        let row = &mut qx_blk[lr * (nc + 1)..(lr + 1) * (nc + 1)];
                        let prev = &qxp[r * (nc + 1)..(r + 1) * (nc + 1)];
                        let base = r * nc;
                        x_faces(
                            &mut row[fa..=fb],
                            &prev[fa - 1..=fb + 1],
                            &h[base + fa - 1..=base + fb],
                            &z[base + fa - 1..=base + fb],
                            &n2[base + fa - 1..=base + fb],
                            &k,
                        );
                    }
                }
                // y faces: face rows r in [max(r0,1), min(r1, nr-1)] within this block.
                for lr in 0..rows {
                    let f = row0 + lr;
                    if f == 0 || f >= nr || f < act.r0.max(1) || f > act.r1.min(nr - 1) {
                        continue;
                    }
                    let (c0, c1) = (act.c0, act.c1);
                    let out = &mut qy_blk[lr * nc + c0..lr * nc + c1];
                    y_faces(
                        out,
                        &qyp[(f - 1) * nc + c0..(f - 1) * nc + c1],
                        &qyp[f * nc + c0..f * nc + c1],
                        &qyp[(f + 1) * nc + c0..(f + 1) * nc + c1],
                        (
                            &h[(f - 1) * nc + c0..(f - 1) * nc + c1],
                            &h[f * nc + c0..f * nc + c1],
                        ),
                        (
                            &z[(f - 1) * nc + c0..(f - 1) * nc + c1],
                            &z[f * nc + c0..f * nc + c1],
                        ),
                        (
                            &n2[(f - 1) * nc + c0..(f - 1) * nc + c1],
                            &n2[f * nc + c0..f * nc + c1],
                        ),
                        &k,
                    );
                }
            });
    }

    /// Depth update from the face fluxes plus rain (`rain_mps`: uniform rate, or per-cell rates),
    /// and the maximum/arrival/duration statistics at time `t_end_s` (end of the step).
    pub fn continuity_pass(
        &mut self,
        dt_s: f64,
        t_end_s: f64,
        rain: RainRate<'_, T>,
        depth_threshold_m: f64,
    ) -> ContinuityStats {
        let (nc, nr) = (self.ncols, self.nrows);
        let act = self.active;
        let empty = ContinuityStats {
            wave_speed_ms: 0.0,
            wet: Rect::empty(),
            rain_added_m3: 0.0,
        };
        if act.is_empty() {
            return empty;
        }
        let ck = CellConsts::new(dt_s, t_end_s, self.dx_m, self.dy_m, depth_threshold_m);
        let (qx, qy, z) = (&self.qx[..], &self.qy[..], &self.z[..]);
        let cs = BLOCK_ROWS * nc;
        let stats: Vec<(f64, Rect, f64)> = self
            .h
            .par_chunks_mut(cs)
            .zip(self.max_h.par_chunks_mut(cs))
            .zip(self.max_speed.par_chunks_mut(cs))
            .zip(self.arrival_s.par_chunks_mut(cs))
            .zip(self.duration_s.par_chunks_mut(cs))
            .enumerate()
            .map(|(b, ((((h, mh), ms), ar), du))| {
                let row0 = b * BLOCK_ROWS;
                let rows = h.len() / nc;
                let mut c_max = 0.0f64;
                let mut wet = Rect::empty();
                let mut rain_added = 0.0f64;
                for lr in 0..rows {
                    let r = row0 + lr;
                    if r < act.r0 || r >= act.r1 || r >= nr {
                        continue;
                    }
                    let (c0, c1) = (act.c0, act.c1);
                    let span = lr * nc + c0..lr * nc + c1;
                    let rain_row = rain.row(r * nc + c0..r * nc + c1, dt_s);
                    let row_out = cells(
                        CellRow {
                            h: &mut h[span.clone()],
                            max_h: &mut mh[span.clone()],
                            max_speed: &mut ms[span.clone()],
                            arrival: &mut ar[span.clone()],
                            duration: &mut du[span],
                            z: &z[r * nc + c0..r * nc + c1],
                            qx: &qx[r * (nc + 1) + c0..r * (nc + 1) + c1 + 1],
                            qy_n: &qy[r * nc + c0..r * nc + c1],
                            qy_s: &qy[(r + 1) * nc + c0..(r + 1) * nc + c1],
                        },
                        rain_row,
                        &ck,
                    );
                    c_max = c_max.max(row_out.wave_speed);
                    rain_added += row_out.rain_added;
                    if let Some((a, e)) = row_out.wet_cols {
                        wet = wet.union(&Rect {
                            r0: r,
                            r1: r + 1,
                            c0: c0 + a,
                            c1: c0 + e,
                        });
                    }
                }
                (c_max, wet, rain_added)
            })
            .collect();
        let mut out = empty;
        for (c, w, rain_added) in stats {
            out.wave_speed_ms = out.wave_speed_ms.max(c);
            out.wet = out.wet.union(&w);
            out.rain_added_m3 += rain_added;
        }
        out.rain_added_m3 *= self.cell_area_m2();
        out
    }

    /// Start a step: the fluxes of the last step become the previous fluxes. Set the boundary
    /// faces (edge faces of `qx`/`qy`) after this and before [`State::advance`].
    pub fn begin_step(&mut self) {
        std::mem::swap(&mut self.qx, &mut self.qx_prev);
        std::mem::swap(&mut self.qy, &mut self.qy_prev);
    }

    /// A whole step on a domain whose edge faces stay closed (or were set by the caller before):
    /// [`State::begin_step`] then [`State::advance`].
    pub fn step(
        &mut self,
        dt_s: f64,
        t_end_s: f64,
        rain: RainRate<'_, T>,
        p: &KernelParams,
    ) -> ContinuityStats {
        self.begin_step();
        self.advance(dt_s, t_end_s, rain, p)
    }

    /// The interior fluxes and the depth update of one step, fused in one parallel pass over
    /// bands of rows (see the module notes); call after [`State::begin_step`] and after setting
    /// the boundary faces. Gives exactly the results of [`State::flux_pass`] (without its swap)
    /// followed by [`State::continuity_pass`].
    pub fn advance(
        &mut self,
        dt_s: f64,
        t_end_s: f64,
        rain: RainRate<'_, T>,
        p: &KernelParams,
    ) -> ContinuityStats {
        let (nc, nr) = (self.ncols, self.nrows);
        let act = self.active;
        let mut out = ContinuityStats {
            wave_speed_ms: 0.0,
            wet: Rect::empty(),
            rain_added_m3: 0.0,
        };
        if act.is_empty() {
            return out;
        }
        let rows = act.r1 - act.r0;
        let bands = (rayon::current_num_threads() * BANDS_PER_THREAD)
            .min(rows / MIN_BAND_ROWS)
            .max(1);
        let ctx = StepCtx {
            nc,
            nr,
            act,
            bands,
            z: &self.z,
            n2: &self.n2,
            qxp: &self.qx_prev,
            qyp: &self.qy_prev,
            fk: FaceConsts::<T>::new(dt_s, self.dx_m, self.dy_m, p),
            ck: CellConsts::new(dt_s, t_end_s, self.dx_m, self.dy_m, p.depth_threshold_m),
            rain,
            dt_s,
        };

        // The y faces on the cuts between bands, from the old depths, before any band moves.
        let cut = &mut self.scratch_cut;
        cut.resize((bands - 1) * nc, T::ZERO);
        let h_old = &self.h[..];
        cut.par_chunks_mut(nc).enumerate().for_each(|(i, out)| {
            ctx.y_face_row(ctx.band_start(i + 1), &mut out[act.c0..act.c1], h_old, 0);
        });
        for (i, row) in cut.chunks_exact(nc).enumerate() {
            let f = ctx.band_start(i + 1);
            self.qy[f * nc + act.c0..f * nc + act.c1].copy_from_slice(&row[act.c0..act.c1]);
        }

        let slab = Slab {
            r0: 0,
            h: &mut self.h,
            qx: &mut self.qx[..nr * (nc + 1)],
            qy: &mut self.qy,
            max_h: &mut self.max_h,
            max_speed: &mut self.max_speed,
            arrival: &mut self.arrival_s,
            duration: &mut self.duration_s,
            rain: &mut self.scratch_rain,
        };
        let (c_max, wet) = ctx.bands(0, bands, slab, cut);
        out.wave_speed_ms = c_max;
        out.wet = wet;
        if !matches!(rain, RainRate::None) {
            // Summed per block of BLOCK_ROWS rows, blocks in order (as the two-pass kernel).
            let mut total = 0.0f64;
            for b in 0..nr.div_ceil(BLOCK_ROWS) {
                let mut block = 0.0f64;
                for r in b * BLOCK_ROWS..((b + 1) * BLOCK_ROWS).min(nr) {
                    if r >= act.r0 && r < act.r1 {
                        block += self.scratch_rain[r];
                    }
                }
                total += block;
            }
            out.rain_added_m3 = total * self.cell_area_m2();
        }
        out
    }

    /// Add `volume_m3` to cell `i`; returns the volume actually added to the state.
    pub fn add_volume(&mut self, i: usize, volume_m3: f64) -> f64 {
        let area = self.cell_area_m2();
        let old = self.h[i];
        let new = (old + T::from_f64(volume_m3 / area)).max(T::ZERO);
        self.h[i] = new;
        (new - old).to_f64() * area
    }

    /// Hold cell `i` at water-surface elevation `level` (above the datum); returns the volume
    /// added (negative when water was removed).
    pub fn set_level(&mut self, i: usize, level: f64) -> f64 {
        let old = self.h[i];
        let new = (T::from_f64(level) - self.z[i]).max(T::ZERO);
        self.h[i] = new;
        (new - old).to_f64() * self.cell_area_m2()
    }
}

/// Rain over the step.
#[derive(Clone, Copy)]
pub enum RainRate<'a, T> {
    None,
    /// Uniform rate, m/s.
    Uniform(f64),
    /// Rate per cell, m/s.
    Cells(&'a [T]),
}

impl<'a, T: Real> RainRate<'a, T> {
    /// The rain of the cells `span` (flat indices of one row segment) over a step of `dt_s`.
    fn row(&self, span: std::ops::Range<usize>, dt_s: f64) -> RowRain<'a, T> {
        match *self {
            RainRate::None => RowRain::None,
            RainRate::Uniform(v) => RowRain::Uniform(T::from_f64(v * dt_s)),
            RainRate::Cells(rates) => RowRain::Cells(&rates[span]),
        }
    }
}

/// What every band of a fused step reads: sizes, the read-only arrays and the constants.
struct StepCtx<'a, T> {
    nc: usize,
    nr: usize,
    act: Rect,
    bands: usize,
    z: &'a [T],
    n2: &'a [T],
    qxp: &'a [T],
    qyp: &'a [T],
    fk: FaceConsts<T>,
    ck: CellConsts<T>,
    rain: RainRate<'a, T>,
    dt_s: f64,
}

/// The rows `r0..` of the arrays a band writes (for `qy`: face rows `r0..`).
struct Slab<'a, T> {
    r0: usize,
    h: &'a mut [T],
    qx: &'a mut [T],
    qy: &'a mut [T],
    max_h: &'a mut [f32],
    max_speed: &'a mut [f32],
    arrival: &'a mut [f32],
    duration: &'a mut [f64],
    rain: &'a mut [f64],
}

impl<'a, T> Slab<'a, T> {
    /// Split at grid row `r` (> self.r0): rows before it, and rows from it on.
    fn split(self, r: usize, nc: usize) -> (Slab<'a, T>, Slab<'a, T>) {
        let k = r - self.r0;
        let (h0, h1) = self.h.split_at_mut(k * nc);
        let (qx0, qx1) = self.qx.split_at_mut(k * (nc + 1));
        let (qy0, qy1) = self.qy.split_at_mut(k * nc);
        let (mh0, mh1) = self.max_h.split_at_mut(k * nc);
        let (ms0, ms1) = self.max_speed.split_at_mut(k * nc);
        let (ar0, ar1) = self.arrival.split_at_mut(k * nc);
        let (du0, du1) = self.duration.split_at_mut(k * nc);
        let (rn0, rn1) = self.rain.split_at_mut(k);
        (
            Slab {
                r0: self.r0,
                h: h0,
                qx: qx0,
                qy: qy0,
                max_h: mh0,
                max_speed: ms0,
                arrival: ar0,
                duration: du0,
                rain: rn0,
            },
            Slab {
                r0: r,
                h: h1,
                qx: qx1,
                qy: qy1,
                max_h: mh1,
                max_speed: ms1,
                arrival: ar1,
                duration: du1,
                rain: rn1,
            },
        )
    }
}

impl<T: Real> StepCtx<'_, T> {
    /// First row of band `k` (band `bands` starts at the end of the active rows).
    fn band_start(&self, k: usize) -> usize {
        self.act.r0 + (self.act.r1 - self.act.r0) * k / self.bands
    }

    /// Whether face row `f` is an interior face row of the active region (computed each step).
    fn y_face_row_active(&self, f: usize) -> bool {
        f >= self.act.r0.max(1) && f <= self.act.r1.min(self.nr - 1)
    }

    /// The y faces of face row `f` over the active columns into `out`, from the depths `h`
    /// (grid rows `h_r0..`).
    fn y_face_row(&self, f: usize, out: &mut [T], h: &[T], h_r0: usize) {
        let (nc, c0, c1) = (self.nc, self.act.c0, self.act.c1);
        let hn = (f - 1 - h_r0) * nc;
        let hs = (f - h_r0) * nc;
        y_faces(
            out,
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
            &self.fk,
        );
    }

    /// Bands `k0..k1` on `slab` (which starts at band k0's first row, or at row 0 for band 0),
    /// halved recursively with `rayon::join`. Returns the largest wave speed and the wet box.
    fn bands(&self, k0: usize, k1: usize, slab: Slab<'_, T>, cut: &[T]) -> (f64, Rect) {
        if k1 - k0 == 1 {
            return self.band(k0, slab, cut);
        }
        let mid = (k0 + k1) / 2;
        let (a, b) = slab.split(self.band_start(mid), self.nc);
        let ((ca, wa), (cb, wb)) = rayon::join(
            || self.bands(k0, mid, a, cut),
            || self.bands(mid, k1, b, cut),
        );
        (ca.max(cb), wa.union(&wb))
    }

    /// One band: for each row r, the x faces of row r and the y faces above it, then the depth
    /// update of row r-1; the last row after the faces below it.
    fn band(&self, k: usize, s: Slab<'_, T>, cut: &[T]) -> (f64, Rect) {
        let (nc, act) = (self.nc, self.act);
        let (ra, rb) = (self.band_start(k), self.band_start(k + 1));
        let last = k + 1 == self.bands;
        let mut c_max = 0.0f64;
        let mut wet = Rect::empty();
        // The face row above the first band (the others' top rows are cuts, already in qy).
        if k == 0 && self.y_face_row_active(ra) {
            let o = (ra - s.r0) * nc;
            self.y_face_row(ra, &mut s.qy[o + act.c0..o + act.c1], s.h, s.r0);
        }
        let fa = act.c0.max(1);
        let fb = act.c1.min(nc - 1);
        for r in ra..=rb {
            if r < rb {
                if fa <= fb {
                    let lr = r - s.r0;
                    let prev = &self.qxp[r * (nc + 1)..(r + 1) * (nc + 1)];
                    x_faces(
                        &mut s.qx[lr * (nc + 1) + fa..=lr * (nc + 1) + fb],
                        &prev[fa - 1..=fb + 1],
                        &s.h[lr * nc + fa - 1..=lr * nc + fb],
                        &self.z[r * nc + fa - 1..=r * nc + fb],
                        &self.n2[r * nc + fa - 1..=r * nc + fb],
                        &self.fk,
                    );
                }
                if r > ra {
                    let o = (r - s.r0) * nc;
                    self.y_face_row(r, &mut s.qy[o + act.c0..o + act.c1], s.h, s.r0);
                }
            } else if last && self.y_face_row_active(r) {
                let o = (r - s.r0) * nc;
                self.y_face_row(r, &mut s.qy[o + act.c0..o + act.c1], s.h, s.r0);
            }
            if r == ra {
                continue;
            }
            // Depth update of row r-1: its faces are all set now.
            let u = r - 1;
            let lu = u - s.r0;
            let (c0, c1) = (act.c0, act.c1);
            let qy_s = if r == rb && !last {
                &cut[(k * nc) + c0..(k * nc) + c1]
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
                    duration: &mut s.duration[span],
                    z: &self.z[u * nc + c0..u * nc + c1],
                    qx: &s.qx[lu * (nc + 1) + c0..lu * (nc + 1) + c1 + 1],
                    qy_n: &s.qy[lu * nc + c0..lu * nc + c1],
                    qy_s,
                },
                self.rain.row(u * nc + c0..u * nc + c1, self.dt_s),
                &self.ck,
            );
            c_max = c_max.max(row_out.wave_speed);
            s.rain[lu] = row_out.rain_added;
            if let Some((a, e)) = row_out.wet_cols {
                wet = wet.union(&Rect {
                    r0: u,
                    r1: u + 1,
                    c0: c0 + a,
                    c1: c0 + e,
                });
            }
        }
        (c_max, wet)
    }
}

#[derive(Clone, Copy)]
enum RowRain<'a, T> {
    None,
    /// Depth added per step, m.
    Uniform(T),
    /// Rate per cell, m/s.
    Cells(&'a [T]),
}

struct FaceConsts<T> {
    theta: T,
    half_one_minus_theta: T,
    g: T,
    g_dt: T,
    /// g dt / dx and g dt / dy.
    g_dt_dx: T,
    g_dt_dy: T,
    /// dx / (4 dt) and dy / (4 dt): the quarter-cell volume limiter.
    cap_x: T,
    cap_y: T,
    thresh: T,
    froude: Option<T>,
}

impl<T: Real> FaceConsts<T> {
    fn new(dt: f64, dx: f64, dy: f64, p: &KernelParams) -> Self {
        FaceConsts {
            theta: T::from_f64(p.theta),
            half_one_minus_theta: T::from_f64(0.5 * (1.0 - p.theta)),
            g: T::from_f64(G),
            g_dt: T::from_f64(G * dt),
            g_dt_dx: T::from_f64(G * dt / dx),
            g_dt_dy: T::from_f64(G * dt / dy),
            cap_x: T::from_f64(dx / (4.0 * dt)),
            cap_y: T::from_f64(dy / (4.0 * dt)),
            thresh: T::from_f64(p.depth_threshold_m),
            froude: p.froude_limit.map(T::from_f64),
        }
    }
}

/// The momentum update of one face. `hl/hr`, `zl/zr`: depths and elevations of the upstream
/// (west/north) and downstream (east/south) cells; `q`, `qm`, `qp`: previous flux of the face and
/// of its two neighbours along the flow direction; `n2f`: face Manning n^2.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn face_flux<T: Real>(
    hl: T,
    hr: T,
    zl: T,
    zr: T,
    q: T,
    qm: T,
    qp: T,
    n2f: T,
    g_dt_d: T,
    cap: T,
    k: &FaceConsts<T>,
) -> T {
    let el = zl + hl;
    let er = zr + hr;
    let hf = el.max(er) - zl.max(zr);
    let hf_safe = hf.max(k.thresh);
    let qc = k.theta * q + k.half_one_minus_theta * (qm + qp);
    let num = qc - g_dt_d * hf_safe * (er - el);
    // h_f^(7/3) = h_f^2 * cbrt(h_f)
    let h73 = hf_safe * hf_safe * hf_safe.cbrt_pos();
    let den = T::ONE + k.g_dt * n2f * q.abs() / h73;
    let mut qn = num / den;
    if let Some(fr) = k.froude {
        let qmax = fr * hf_safe * (k.g * hf_safe).sqrt();
        qn = qn.min(qmax).max(-qmax);
    }
    // Quarter-cell limiter: a face moves at most a quarter of the upstream cell's water.
    qn = qn.min(hl * cap).max(-(hr * cap));
    T::select(hf > k.thresh, qn, T::ZERO)
}

/// x faces of one row. `out[j]` is face fa+j; `prev` holds faces fa-1 ..= fb+1; `h`, `z`, `n2`
/// hold cells fa-1 ..= fb.
fn x_faces<T: Real>(out: &mut [T], prev: &[T], h: &[T], z: &[T], n2: &[T], k: &FaceConsts<T>) {
    let n = out.len();
    let prev = &prev[..n + 2];
    let (h, z, n2) = (&h[..n + 1], &z[..n + 1], &n2[..n + 1]);
    let half = T::from_f64(0.5);
    for j in 0..n {
        out[j] = face_flux(
            h[j],
            h[j + 1],
            z[j],
            z[j + 1],
            prev[j + 1],
            prev[j],
            prev[j + 2],
            half * (n2[j] + n2[j + 1]),
            k.g_dt_dx,
            k.cap_x,
            k,
        );
    }
}

/// y faces of one face row: `above`/`below` cells are the (north, south) pairs.
#[allow(clippy::too_many_arguments)]
fn y_faces<T: Real>(
    out: &mut [T],
    prev_n: &[T],
    prev: &[T],
    prev_s: &[T],
    h: (&[T], &[T]),
    z: (&[T], &[T]),
    n2: (&[T], &[T]),
    k: &FaceConsts<T>,
) {
    let n = out.len();
    let (prev_n, prev, prev_s) = (&prev_n[..n], &prev[..n], &prev_s[..n]);
    let (hn, hs) = (&h.0[..n], &h.1[..n]);
    let (zn, zs) = (&z.0[..n], &z.1[..n]);
    let (nn, ns) = (&n2.0[..n], &n2.1[..n]);
    let half = T::from_f64(0.5);
    for j in 0..n {
        out[j] = face_flux(
            hn[j],
            hs[j],
            zn[j],
            zs[j],
            prev[j],
            prev_n[j],
            prev_s[j],
            half * (nn[j] + ns[j]),
            k.g_dt_dy,
            k.cap_y,
            k,
        );
    }
}

struct CellConsts<T> {
    dt: T,
    dt_dx: T,
    dt_dy: T,
    g: T,
    thresh: T,
    speed_depth: T,
    flood_depth: T,
    t_end: f32,
    dt_f64: f64,
}

struct CellRow<'a, T> {
    h: &'a mut [T],
    max_h: &'a mut [f32],
    max_speed: &'a mut [f32],
    arrival: &'a mut [f32],
    duration: &'a mut [f64],
    z: &'a [T],
    /// Faces c0 ..= c1 of the row.
    qx: &'a [T],
    qy_n: &'a [T],
    qy_s: &'a [T],
}

struct RowOut {
    wave_speed: f64,
    wet_cols: Option<(usize, usize)>,
    rain_added: f64,
}

impl<T: Real> CellConsts<T> {
    fn new(dt_s: f64, t_end_s: f64, dx_m: f64, dy_m: f64, depth_threshold_m: f64) -> Self {
        CellConsts {
            dt: T::from_f64(dt_s),
            dt_dx: T::from_f64(dt_s / dx_m),
            dt_dy: T::from_f64(dt_s / dy_m),
            g: T::from_f64(G),
            thresh: T::from_f64(depth_threshold_m),
            speed_depth: T::from_f64(SPEED_DEPTH_M),
            flood_depth: T::from_f64(FLOOD_DEPTH_M),
            t_end: t_end_s as f32,
            dt_f64: dt_s,
        }
    }
}

/// Continuity and statistics for one row segment, in tiles of [`TILE`] cells: a branch-free
/// loop over the tile (which vectorises) keeps each cell's wave speed and rain added, then the
/// tile's wave speeds are reduced in [`LANES`] independent maxima and its rain is summed in cell
/// order. The result is the same as a cell-by-cell loop: a maximum does not depend on the order,
/// and the one sum keeps its order.
fn cells<T: Real>(row: CellRow<'_, T>, rain: RowRain<'_, T>, k: &CellConsts<T>) -> RowOut {
    let n = row.h.len();
    let (h, mh, ms, ar, du) = (
        row.h,
        &mut row.max_h[..n],
        &mut row.max_speed[..n],
        &mut row.arrival[..n],
        &mut row.duration[..n],
    );
    let (z, qx, qn, qs) = (
        &row.z[..n],
        &row.qx[..n + 1],
        &row.qy_n[..n],
        &row.qy_s[..n],
    );
    let mut lanes = [T::ZERO; LANES];
    let mut rain_added = 0.0f64;
    let mut wave = [T::ZERO; TILE];
    let mut added = [T::ZERO; TILE];
    let mut j0 = 0;
    while j0 < n {
        let m = TILE.min(n - j0);
        let j1 = j0 + m;
        let tile = CellTile {
            h: &mut h[j0..j1],
            max_h: &mut mh[j0..j1],
            max_speed: &mut ms[j0..j1],
            arrival: &mut ar[j0..j1],
            duration: &mut du[j0..j1],
            z: &z[j0..j1],
            qx: &qx[j0..=j1],
            qy_n: &qn[j0..j1],
            qy_s: &qs[j0..j1],
            wave: &mut wave[..m],
            added: &mut added[..m],
        };
        match rain {
            RowRain::None => cell_tile(tile, k, |_| T::ZERO),
            RowRain::Uniform(d) => cell_tile(tile, k, |_| d),
            RowRain::Cells(rates) => {
                let rates = &rates[j0..j1];
                cell_tile(tile, k, |j| rates[j] * k.dt)
            }
        }
        let mut chunks = wave[..m].chunks_exact(LANES);
        for c in &mut chunks {
            for l in 0..LANES {
                lanes[l] = lanes[l].max(c[l]);
            }
        }
        for (l, &c) in chunks.remainder().iter().enumerate() {
            lanes[l] = lanes[l].max(c);
        }
        if !matches!(rain, RowRain::None) {
            for &a in &added[..m] {
                rain_added += a.to_f64();
            }
        }
        j0 = j1;
    }
    let c_max = lanes.iter().fold(T::ZERO, |a, &c| a.max(c));
    let first = h.iter().position(|&v| v > T::ZERO);
    let last = h.iter().rposition(|&v| v > T::ZERO);
    RowOut {
        wave_speed: c_max.to_f64(),
        wet_cols: first.zip(last).map(|(a, e)| (a, e + 1)),
        rain_added,
    }
}

/// One tile of a row segment for [`cell_tile`]; `qx` has one face more than the cells.
struct CellTile<'a, T> {
    h: &'a mut [T],
    max_h: &'a mut [f32],
    max_speed: &'a mut [f32],
    arrival: &'a mut [f32],
    duration: &'a mut [f64],
    z: &'a [T],
    qx: &'a [T],
    qy_n: &'a [T],
    qy_s: &'a [T],
    /// Out: wave speed sqrt(g h) + |u| of each cell (0 where not wet).
    wave: &'a mut [T],
    /// Out: rain depth added to each cell.
    added: &'a mut [T],
}

/// The depth update of one tile; `rain(j)` is the depth of rain on cell j over the step.
#[inline(always)]
fn cell_tile<T: Real>(t: CellTile<'_, T>, k: &CellConsts<T>, rain: impl Fn(usize) -> T) {
    cell_tile_slices(
        t.h,
        t.max_h,
        t.max_speed,
        t.arrival,
        t.duration,
        (t.z, t.qx, t.qy_n, t.qy_s),
        t.wave,
        t.added,
        k,
        rain,
    );
}

/// [`cell_tile`] with every array a separate argument: the compiler knows that slices passed
/// as arguments do not overlap (it does not for slices held in a struct), so the loop
/// vectorises without run-time overlap checks.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn cell_tile_slices<T: Real>(
    h: &mut [T],
    mh: &mut [f32],
    ms: &mut [f32],
    ar: &mut [f32],
    du: &mut [f64],
    (z, qx, qn, qs): (&[T], &[T], &[T], &[T]),
    wave: &mut [T],
    added: &mut [T],
    k: &CellConsts<T>,
    rain: impl Fn(usize) -> T,
) {
    let n = h.len();
    let (mh, ms, ar, du) = (&mut mh[..n], &mut ms[..n], &mut ar[..n], &mut du[..n]);
    let (z, qx, qn, qs) = (&z[..n], &qx[..n + 1], &qn[..n], &qs[..n]);
    let (wave, added) = (&mut wave[..n], &mut added[..n]);
    let half = T::from_f64(0.5);
    for j in 0..n {
        let wall = z[j] >= T::WALL;
        let h0 = h[j];
        let mut hn = h0 + (qx[j] - qx[j + 1]) * k.dt_dx + (qn[j] - qs[j]) * k.dt_dy;
        hn = hn.max(T::ZERO);
        let hr = hn + rain(j);
        added[j] = T::select(wall, T::ZERO, hr - hn);
        hn = T::select(wall, T::ZERO, hr);
        h[j] = hn;
        let deep = hn >= k.speed_depth;
        let hdiv = T::select(deep, hn, T::ONE);
        let u = half * (qx[j] + qx[j + 1]) / hdiv;
        let v = half * (qn[j] + qs[j]) / hdiv;
        let speed = T::select(deep, (u * u + v * v).sqrt(), T::ZERO);
        wave[j] = T::select(hn > k.thresh, (k.g * hn).sqrt() + speed, T::ZERO);
        mh[j] = mh[j].max(hn.to_f32());
        ms[j] = ms[j].max(speed.to_f32());
    }
    // Arrival and duration in a second loop over the (cached) new depths: with them in the
    // loop above, the compiler's cost model keeps the whole loop scalar on baseline x86-64.
    let h = &h[..n];
    for j in 0..n {
        let flooded = h[j] >= k.flood_depth;
        let a = ar[j];
        ar[j] = if flooded & (a < 0.0) { k.t_end } else { a };
        du[j] += if flooded { k.dt_f64 } else { 0.0 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A rough state: random-ish terrain with NODATA walls, water in part of the domain, a
    /// partial active region, the given Froude limit.
    fn rough_state<T: Real>(nc: usize, nr: usize) -> State<T> {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut z = Vec::with_capacity(nc * nr);
        for r in 0..nr {
            for c in 0..nc {
                let wall = (r * 7 + c * 3) % 23 == 0;
                z.push(if wall {
                    f64::NAN
                } else {
                    0.02 * c as f64 + 0.5 * next()
                });
            }
        }
        let n2: Vec<f64> = (0..nc * nr)
            .map(|_| (0.02 + 0.05 * next()).powi(2))
            .collect();
        let mut st = State::<T>::new(nc, nr, 5.0, 4.0, &z, &n2);
        for r in 0..nr {
            for c in 0..nc {
                let i = r * nc + c;
                if !st.is_wall(i) && c < nc / 2 && r > 3 {
                    st.h[i] = T::from_f64(1.0 + next());
                }
            }
        }
        st.active = st.wet_rect().grown(nr, nc);
        st
    }

    fn same<T: Real>(a: &State<T>, b: &State<T>) {
        let bits = |v: &[T]| v.iter().map(|x| x.to_f64().to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a.h), bits(&b.h));
        assert_eq!(bits(&a.qx), bits(&b.qx));
        assert_eq!(bits(&a.qy), bits(&b.qy));
        let bits32 = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits32(&a.max_h), bits32(&b.max_h));
        assert_eq!(bits32(&a.max_speed), bits32(&b.max_speed));
        assert_eq!(bits32(&a.arrival_s), bits32(&b.arrival_s));
        let bits64 = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits64(&a.duration_s), bits64(&b.duration_s));
        assert_eq!(a.active, b.active);
    }

    /// The fused step gives bit for bit the results of the two-pass reference, for any number
    /// of threads (and so of bands), with and without rain, on a growing active region.
    fn fused_matches_two_pass<T: Real>(nc: usize, nr: usize) {
        let kp = KernelParams {
            theta: 0.7,
            depth_threshold_m: 1e-3,
            froude_limit: Some(1.5),
        };
        let rates: Vec<T> = (0..nc * nr)
            .map(|i| T::from_f64(1e-5 * (i % 5) as f64))
            .collect();
        let mut reference = rough_state::<T>(nc, nr);
        let mut fused: Vec<State<T>> = (0..3).map(|_| rough_state::<T>(nc, nr)).collect();
        let pools: Vec<rayon::ThreadPool> = [1, 2, 3]
            .iter()
            .map(|&n| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build()
                    .expect("pool")
            })
            .collect();
        let mut t = 0.0;
        for step in 0..40 {
            let dt = 0.05;
            let rain = match step % 3 {
                0 => RainRate::None,
                1 => RainRate::Uniform(2e-5),
                _ => RainRate::Cells(&rates),
            };
            reference.flux_pass(dt, &kp);
            let a = reference.continuity_pass(dt, t + dt, rain, kp.depth_threshold_m);
            reference.active = reference.active.union(&a.wet.grown(nr, nc));
            for (st, pool) in fused.iter_mut().zip(&pools) {
                let b = pool.install(|| st.step(dt, t + dt, rain, &kp));
                assert_eq!(a.wave_speed_ms.to_bits(), b.wave_speed_ms.to_bits());
                assert_eq!(a.wet, b.wet);
                assert_eq!(a.rain_added_m3.to_bits(), b.rain_added_m3.to_bits());
                st.active = st.active.union(&b.wet.grown(nr, nc));
                same(&reference, st);
            }
            t += dt;
        }
        assert!(reference.active.r1 > 0);
    }

    #[test]
    fn fused_step_matches_two_pass_reference_f32() {
        fused_matches_two_pass::<f32>(300, 101);
        fused_matches_two_pass::<f32>(17, 40);
    }

    #[test]
    fn fused_step_matches_two_pass_reference_f64() {
        fused_matches_two_pass::<f64>(61, 83);
    }
}
