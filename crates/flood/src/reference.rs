//! The bounding-rows kernel that the tiled sweep ([`crate::tiles`]) replaced, kept as the
//! reference that the tiled sweep is tested and benchmarked against (compiled for tests and
//! with the `reference-kernel` feature, which `forewarn bench flood` uses; [`crate::run`] never
//! uses it otherwise).
//!
//! Each step updates every cell of one rectangle: the bounding box of every cell that has held
//! water so far, grown by one cell (it only grows). [`RowSweep::advance`] is the fused step the
//! solver shipped with before tiles (one parallel pass over bands of rows, the y faces on the
//! cuts between bands computed first); [`RowSweep::flux_pass`] and
//! [`RowSweep::continuity_pass`] are the same scheme as two separate passes, the reference the
//! fused step was tested against.

use crate::kernel::{CellConsts, CellRow, FaceConsts, RainRate, cells, x_faces, y_faces};
use crate::real::Real;
use crate::solver::{
    BANDS_PER_THREAD, BLOCK_ROWS, KernelParams, MIN_BAND_ROWS, Rect, Slab, State, StepStats,
};
use rayon::prelude::*;

/// What a bounding-rows step returns: the step figures and the bounding box of the wet cells.
#[derive(Debug, Clone, Copy)]
pub struct RowStepStats {
    pub stats: StepStats,
    /// Bounding box of the cells holding water after the step.
    pub wet: Rect,
}

/// The bounding-rows sweep: the rectangle it updates.
#[derive(Debug, Clone, Copy)]
pub struct RowSweep {
    /// Cells that may change this step (grows monotonically).
    pub rect: Rect,
}

/// The columns `a..e` (relative to the segment) of the wet cells of a row segment, if any.
fn wet_cols<T: Real>(h: &[T]) -> Option<(usize, usize)> {
    let first = h.iter().position(|&v| v > T::ZERO);
    let last = h.iter().rposition(|&v| v > T::ZERO);
    first.zip(last).map(|(a, e)| (a, e + 1))
}

impl RowSweep {
    /// Grow the rectangle by the wet box of a step, grown by one cell.
    pub fn grow<T: Real>(&mut self, st: &State<T>, wet: &Rect) {
        self.rect = self.rect.union(&wet.grown(st.nrows, st.ncols));
    }

    /// A whole fused step on a domain whose edge faces stay closed (or were set by the caller
    /// before): [`State::begin_step`] then [`RowSweep::advance`].
    pub fn step<T: Real>(
        &self,
        st: &mut State<T>,
        dt_s: f64,
        t_end_s: f64,
        rain: RainRate<'_, T>,
        p: &KernelParams,
    ) -> RowStepStats {
        st.begin_step();
        self.advance(st, dt_s, t_end_s, rain, p)
    }

    /// The interior fluxes and the depth update of one step, fused in one parallel pass over
    /// bands of rows (see the module notes); call after [`State::begin_step`] and after setting
    /// the boundary faces. Gives exactly the results of [`RowSweep::flux_pass`] (without its
    /// swap) followed by [`RowSweep::continuity_pass`].
    pub fn advance<T: Real>(
        &self,
        st: &mut State<T>,
        dt_s: f64,
        t_end_s: f64,
        rain: RainRate<'_, T>,
        p: &KernelParams,
    ) -> RowStepStats {
        let (nc, nr) = (st.ncols, st.nrows);
        let act = self.rect;
        let mut out = RowStepStats {
            stats: StepStats::default(),
            wet: Rect::empty(),
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
            z: &st.z,
            n2: &st.n2,
            qxp: &st.qx_prev,
            qyp: &st.qy_prev,
            fk: FaceConsts::<T>::new(dt_s, st.dx_m, st.dy_m, p),
            ck: CellConsts::new(dt_s, t_end_s, st.dx_m, st.dy_m, p.depth_threshold_m),
            rain,
            dt_s,
        };

        // The y faces on the cuts between bands, from the old depths, before any band moves.
        let cut = &mut st.scratch_cut;
        cut.resize((bands - 1) * nc, T::ZERO);
        let h_old = &st.h[..];
        cut.par_chunks_mut(nc).enumerate().for_each(|(i, out)| {
            ctx.y_face_row(ctx.band_start(i + 1), &mut out[act.c0..act.c1], h_old, 0);
        });
        for (i, row) in cut.chunks_exact(nc).enumerate() {
            let f = ctx.band_start(i + 1);
            st.qy[f * nc + act.c0..f * nc + act.c1].copy_from_slice(&row[act.c0..act.c1]);
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
            flags: &mut [],
            flag_cols: 0,
        };
        let (c_max, wet) = ctx.bands(0, bands, slab, cut);
        out.stats.wave_speed_ms = c_max;
        out.wet = wet;
        if !matches!(rain, RainRate::None) {
            // Summed per block of BLOCK_ROWS rows, blocks in order (as the two-pass kernel).
            let mut total = 0.0f64;
            for b in 0..nr.div_ceil(BLOCK_ROWS) {
                let mut block = 0.0f64;
                for r in b * BLOCK_ROWS..((b + 1) * BLOCK_ROWS).min(nr) {
                    if r >= act.r0 && r < act.r1 {
                        block += st.scratch_rain[r];
                    }
                }
                total += block;
            }
            out.stats.rain_added_m3 = total * st.cell_area_m2();
        }
        out
    }

    /// Interior face fluxes for the active region, from the previous fluxes and current depths.
    #[cfg(test)]
    pub fn flux_pass<T: Real>(&self, st: &mut State<T>, dt_s: f64, p: &KernelParams) {
        std::mem::swap(&mut st.qx, &mut st.qx_prev);
        std::mem::swap(&mut st.qy, &mut st.qy_prev);
        let (nc, nr) = (st.ncols, st.nrows);
        let act = self.rect;
        if act.is_empty() {
            return;
        }
        let k = FaceConsts::<T>::new(dt_s, st.dx_m, st.dy_m, p);
        let (h, z, n2) = (&st.h[..], &st.z[..], &st.n2[..]);
        let (qxp, qyp) = (&st.qx_prev[..], &st.qy_prev[..]);
        let qy_interior = &mut st.qy[..nr * nc];
        st.qx
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
                            (
                                &qyp[r * nc + fa - 1..=r * nc + fb],
                                &qyp[(r + 1) * nc + fa - 1..=(r + 1) * nc + fb],
                            ),
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
                        (
                            &qxp[(f - 1) * (nc + 1) + c0..=(f - 1) * (nc + 1) + c1],
                            &qxp[f * (nc + 1) + c0..=f * (nc + 1) + c1],
                        ),
                        &k,
                    );
                }
            });
    }

    /// Depth update from the face fluxes plus rain (`rain_mps`: uniform rate, or per-cell rates),
    /// and the maximum/arrival/duration statistics at time `t_end_s` (end of the step).
    #[cfg(test)]
    pub fn continuity_pass<T: Real>(
        &self,
        st: &mut State<T>,
        dt_s: f64,
        t_end_s: f64,
        rain: RainRate<'_, T>,
        depth_threshold_m: f64,
    ) -> RowStepStats {
        let (nc, nr) = (st.ncols, st.nrows);
        let act = self.rect;
        let empty = RowStepStats {
            stats: StepStats::default(),
            wet: Rect::empty(),
        };
        if act.is_empty() {
            return empty;
        }
        let ck = CellConsts::new(dt_s, t_end_s, st.dx_m, st.dy_m, depth_threshold_m);
        let (qx, qy, z) = (&st.qx[..], &st.qy[..], &st.z[..]);
        let cs = BLOCK_ROWS * nc;
        let stats: Vec<(f64, Rect, f64)> =
            st.h.par_chunks_mut(cs)
                .zip(st.max_h.par_chunks_mut(cs))
                .zip(st.max_speed.par_chunks_mut(cs))
                .zip(st.arrival_s.par_chunks_mut(cs))
                .zip(st.duration_s.par_chunks_mut(cs))
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
                        let wet_span = span.clone();
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
                        if let Some((a, e)) = wet_cols(&h[wet_span]) {
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
            out.stats.wave_speed_ms = out.stats.wave_speed_ms.max(c);
            out.wet = out.wet.union(&w);
            out.stats.rain_added_m3 += rain_added;
        }
        out.stats.rain_added_m3 *= st.cell_area_m2();
        out
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
            (
                &self.qxp[(f - 1) * (nc + 1) + c0..=(f - 1) * (nc + 1) + c1],
                &self.qxp[f * (nc + 1) + c0..=f * (nc + 1) + c1],
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
                        (
                            &self.qyp[r * nc + fa - 1..=r * nc + fb],
                            &self.qyp[(r + 1) * nc + fa - 1..=(r + 1) * nc + fb],
                        ),
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
            let wet_span = span.clone();
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
            if let Some((a, e)) = wet_cols(&s.h[wet_span]) {
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
#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A rough state: random-ish terrain with NODATA walls, water in part of the domain, a
    /// partial active region, the given Froude limit.
    pub(crate) fn rough_state<T: Real>(nc: usize, nr: usize) -> State<T> {
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
        st
    }

    pub(crate) fn same<T: Real>(a: &State<T>, b: &State<T>) {
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
    }

    /// The fused step gives bit for bit the results of the two-pass reference, for any number
    /// of threads (and so of bands), with and without rain, on a growing active region.
    fn fused_matches_two_pass<T: Real>(nc: usize, nr: usize) {
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
        let mut two_pass = RowSweep {
            rect: reference.wet_rect().grown(nr, nc),
        };
        let mut fused: Vec<(State<T>, RowSweep)> = (0..3)
            .map(|_| (rough_state::<T>(nc, nr), two_pass))
            .collect();
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
            two_pass.flux_pass(&mut reference, dt, &kp);
            let a =
                two_pass.continuity_pass(&mut reference, dt, t + dt, rain, kp.depth_threshold_m);
            two_pass.grow(&reference, &a.wet);
            for ((st, rows), pool) in fused.iter_mut().zip(&pools) {
                let b = pool.install(|| rows.step(st, dt, t + dt, rain, &kp));
                assert_eq!(
                    a.stats.wave_speed_ms.to_bits(),
                    b.stats.wave_speed_ms.to_bits()
                );
                assert_eq!(a.wet, b.wet);
                assert_eq!(
                    a.stats.rain_added_m3.to_bits(),
                    b.stats.rain_added_m3.to_bits()
                );
                rows.grow(st, &b.wet);
                assert_eq!(rows.rect, two_pass.rect);
                same(&reference, st);
            }
            t += dt;
        }
        assert!(two_pass.rect.r1 > 0);
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
