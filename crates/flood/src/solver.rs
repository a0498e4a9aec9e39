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
//! (face row r lies between cell rows r-1 and r, positive southward). Work is split in fixed
//! blocks of rows, so results do not depend on the number of threads; reductions are made per
//! block and combined in block order.

use crate::real::Real;
use rayon::prelude::*;

/// Gravity, m/s2.
pub const G: f64 = 9.81;
/// Depth at which a cell counts as flooded (arrival time, duration, people affected), m.
pub const FLOOD_DEPTH_M: f64 = 0.1;
/// Below this depth a cell's speed is not computed (reported as 0), m.
pub const SPEED_DEPTH_M: f64 = 0.01;
/// Rows per work block.
pub const BLOCK_ROWS: usize = 8;

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
        let ck = CellConsts {
            dt: T::from_f64(dt_s),
            dt_dx: T::from_f64(dt_s / self.dx_m),
            dt_dy: T::from_f64(dt_s / self.dy_m),
            g: T::from_f64(G),
            thresh: T::from_f64(depth_threshold_m),
            speed_depth: T::from_f64(SPEED_DEPTH_M),
            flood_depth: T::from_f64(FLOOD_DEPTH_M),
            t_end: t_end_s as f32,
            dt_f64: dt_s,
        };
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
                    let rain_row = match rain {
                        RainRate::None => RowRain::None,
                        RainRate::Uniform(v) => RowRain::Uniform(T::from_f64(v * dt_s)),
                        RainRate::Cells(rates) => RowRain::Cells(&rates[r * nc + c0..r * nc + c1]),
                    };
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

/// Continuity and statistics for one row segment.
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
    let half = T::from_f64(0.5);
    let mut c_max = T::ZERO;
    let mut rain_added = 0.0f64;
    let mut first = usize::MAX;
    let mut last = 0usize;
    for j in 0..n {
        let wall = z[j] >= T::WALL;
        let h0 = h[j];
        let mut hn = h0 + (qx[j] - qx[j + 1]) * k.dt_dx + (qn[j] - qs[j]) * k.dt_dy;
        hn = hn.max(T::ZERO);
        let add = match rain {
            RowRain::None => T::ZERO,
            RowRain::Uniform(d) => d,
            RowRain::Cells(rates) => rates[j] * k.dt,
        };
        let hr = hn + add;
        rain_added += T::select(wall, T::ZERO, hr - hn).to_f64();
        hn = hr;
        hn = T::select(wall, T::ZERO, hn);
        h[j] = hn;
        let deep = hn >= k.speed_depth;
        let hdiv = T::select(deep, hn, T::ONE);
        let u = half * (qx[j] + qx[j + 1]) / hdiv;
        let v = half * (qn[j] + qs[j]) / hdiv;
        let speed = T::select(deep, (u * u + v * v).sqrt(), T::ZERO);
        let c = T::select(hn > k.thresh, (k.g * hn).sqrt() + speed, T::ZERO);
        c_max = c_max.max(c);
        let hf = hn.to_f32();
        mh[j] = mh[j].max(hf);
        ms[j] = ms[j].max(speed.to_f32());
        let flooded = hn >= k.flood_depth;
        ar[j] = if flooded && ar[j] < 0.0 {
            k.t_end
        } else {
            ar[j]
        };
        du[j] += if flooded { k.dt_f64 } else { 0.0 };
        if hn > T::ZERO {
            first = first.min(j);
            last = j + 1;
        }
    }
    RowOut {
        wave_speed: c_max.to_f64(),
        wet_cols: (first < last).then_some((first, last)),
        rain_added,
    }
}
