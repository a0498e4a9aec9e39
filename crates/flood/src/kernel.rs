//! The arithmetic of one step on a row segment: the momentum update of the x and y faces and
//! the depth update of the cells with their statistics. The sweeps ([`crate::tiles`], and the
//! bounding-rows reference kernel) decide which row segments to run them on.
//!
//! Scheme: Bates, Horritt & Fewtrell (2010) with the q-centred, theta-weighted momentum update of
//! de Almeida, Bates, Freer & Souvignet (2012); see [`crate::solver`] for the formula and the
//! limiters.

use crate::real::Real;
use crate::solver::{FLOOD_DEPTH_M, G, KernelParams, SPEED_DEPTH_M};

/// Cells per chunk of the depth update (the chunk's wave speeds and rain are reduced after it).
const CHUNK: usize = 256;
/// Lanes of the wave-speed maximum (independent partial maxima, so the loop vectorises).
const LANES: usize = 8;

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
    pub(crate) fn row(&self, span: std::ops::Range<usize>, dt_s: f64) -> RowRain<'a, T> {
        match *self {
            RainRate::None => RowRain::None,
            RainRate::Uniform(v) => RowRain::Uniform(T::from_f64(v * dt_s)),
            RainRate::Cells(rates) => RowRain::Cells(&rates[span]),
        }
    }
}

#[derive(Clone, Copy)]
pub(crate) enum RowRain<'a, T> {
    None,
    /// Depth added per step, m.
    Uniform(T),
    /// Rate per cell, m/s.
    Cells(&'a [T]),
}

pub(crate) struct FaceConsts<T> {
    pub(crate) theta: T,
    pub(crate) half_one_minus_theta: T,
    pub(crate) g: T,
    pub(crate) g_dt: T,
    /// g dt / dx and g dt / dy.
    pub(crate) g_dt_dx: T,
    pub(crate) g_dt_dy: T,
    /// dx / (4 dt) and dy / (4 dt): the quarter-cell volume limiter.
    pub(crate) cap_x: T,
    pub(crate) cap_y: T,
    pub(crate) thresh: T,
    pub(crate) froude: Option<T>,
    /// 1/4 for the two-dimensional friction term (the mean of the four orthogonal faces around
    /// a face enters |q|), 0 for the one-dimensional one.
    pub(crate) quarter_2d: T,
}

impl<T: Real> FaceConsts<T> {
    pub(crate) fn new(dt: f64, dx: f64, dy: f64, p: &KernelParams) -> Self {
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
            quarter_2d: T::from_f64(if p.friction_2d { 0.25 } else { 0.0 }),
        }
    }
}

/// The momentum update of one face. `hl/hr`, `zl/zr`: depths and elevations of the upstream
/// (west/north) and downstream (east/south) cells; `q`, `qm`, `qp`: previous flux of the face and
/// of its two neighbours along the flow direction; `qo4`: the sum of the previous fluxes of the
/// four orthogonal faces around it (the two cells' faces across the flow); `n2f`: face Manning
/// n^2.
///
/// Friction uses the magnitude of the unit-discharge vector at the face,
/// |q| = sqrt(q^2 + (qo4 / 4)^2), the two-dimensional Manning friction slope
/// S_f = n^2 q |q_vec| / h^(10/3) (as LISFLOOD-FP 8.1's acceleration solver does by default,
/// `fricSolver2D`); with `quarter_2d` = 0 it is the one-dimensional |q| of Bates et
/// al. (2010).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn face_flux<T: Real>(
    hl: T,
    hr: T,
    zl: T,
    zr: T,
    q: T,
    qm: T,
    qp: T,
    qo4: T,
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
    let qo = k.quarter_2d * qo4;
    let den = T::ONE + k.g_dt * n2f * (q * q + qo * qo).sqrt() / h73;
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
/// hold cells fa-1 ..= fb; `qy` holds the previous y faces above (`.0`) and below (`.1`) cells
/// fa-1 ..= fb.
#[allow(clippy::too_many_arguments)]
pub(crate) fn x_faces<T: Real>(
    out: &mut [T],
    prev: &[T],
    h: &[T],
    z: &[T],
    n2: &[T],
    qy: (&[T], &[T]),
    k: &FaceConsts<T>,
) {
    let n = out.len();
    let prev = &prev[..n + 2];
    let (h, z, n2) = (&h[..n + 1], &z[..n + 1], &n2[..n + 1]);
    let (qn, qs) = (&qy.0[..n + 1], &qy.1[..n + 1]);
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
            (qn[j] + qn[j + 1]) + (qs[j] + qs[j + 1]),
            half * (n2[j] + n2[j + 1]),
            k.g_dt_dx,
            k.cap_x,
            k,
        );
    }
}

/// y faces of one face row: `above`/`below` cells are the (north, south) pairs; `qx` holds the
/// previous x faces of the north (`.0`) and south (`.1`) cell rows, faces c0 ..= c1 for the
/// cells c0 .. c1.
#[allow(clippy::too_many_arguments)]
pub(crate) fn y_faces<T: Real>(
    out: &mut [T],
    prev_n: &[T],
    prev: &[T],
    prev_s: &[T],
    h: (&[T], &[T]),
    z: (&[T], &[T]),
    n2: (&[T], &[T]),
    qx: (&[T], &[T]),
    k: &FaceConsts<T>,
) {
    let n = out.len();
    let (prev_n, prev, prev_s) = (&prev_n[..n], &prev[..n], &prev_s[..n]);
    let (qn, qs) = (&qx.0[..n + 1], &qx.1[..n + 1]);
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
            (qn[j] + qn[j + 1]) + (qs[j] + qs[j + 1]),
            half * (nn[j] + ns[j]),
            k.g_dt_dy,
            k.cap_y,
            k,
        );
    }
}

pub(crate) struct CellConsts<T> {
    pub(crate) dt: T,
    pub(crate) dt_dx: T,
    pub(crate) dt_dy: T,
    pub(crate) g: T,
    pub(crate) thresh: T,
    pub(crate) speed_depth: T,
    pub(crate) flood_depth: T,
    pub(crate) t_end: f32,
    pub(crate) dt_f64: f64,
}

pub(crate) struct CellRow<'a, T> {
    pub(crate) h: &'a mut [T],
    pub(crate) max_h: &'a mut [f32],
    pub(crate) max_speed: &'a mut [f32],
    pub(crate) arrival: &'a mut [f32],
    pub(crate) duration: &'a mut [f64],
    pub(crate) z: &'a [T],
    /// Faces c0 ..= c1 of the row.
    pub(crate) qx: &'a [T],
    pub(crate) qy_n: &'a [T],
    pub(crate) qy_s: &'a [T],
}

pub(crate) struct RowOut {
    /// Largest sqrt(g h) + |u| over the segment's cells deeper than the threshold, m/s.
    pub(crate) wave_speed: f64,
    /// Rain depth added, summed over the segment's cells in order, m.
    pub(crate) rain_added: f64,
}

impl<T: Real> CellConsts<T> {
    pub(crate) fn new(
        dt_s: f64,
        t_end_s: f64,
        dx_m: f64,
        dy_m: f64,
        depth_threshold_m: f64,
    ) -> Self {
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

/// Continuity and statistics for one row segment, in chunks of [`CHUNK`] cells: a branch-free
/// loop over the chunk (which vectorises) keeps each cell's wave speed and rain added, then the
/// chunk's wave speeds are reduced in [`LANES`] independent maxima and its rain is summed in cell
/// order. The result is the same as a cell-by-cell loop: a maximum does not depend on the order,
/// and the one sum keeps its order.
pub(crate) fn cells<T: Real>(
    row: CellRow<'_, T>,
    rain: RowRain<'_, T>,
    k: &CellConsts<T>,
) -> RowOut {
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
    let mut wave = [T::ZERO; CHUNK];
    let mut added = [T::ZERO; CHUNK];
    let mut j0 = 0;
    while j0 < n {
        let m = CHUNK.min(n - j0);
        let j1 = j0 + m;
        let chunk = CellChunk {
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
            RowRain::None => cell_chunk(chunk, k, |_| T::ZERO),
            RowRain::Uniform(d) => cell_chunk(chunk, k, |_| d),
            RowRain::Cells(rates) => {
                let rates = &rates[j0..j1];
                cell_chunk(chunk, k, |j| rates[j] * k.dt)
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
    RowOut {
        wave_speed: c_max.to_f64(),
        rain_added,
    }
}

/// One chunk of a row segment for [`cell_chunk`]; `qx` has one face more than the cells.
struct CellChunk<'a, T> {
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

/// The depth update of one chunk; `rain(j)` is the depth of rain on cell j over the step.
#[inline(always)]
fn cell_chunk<T: Real>(t: CellChunk<'_, T>, k: &CellConsts<T>, rain: impl Fn(usize) -> T) {
    cell_chunk_slices(
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

/// [`cell_chunk`] with every array a separate argument: the compiler knows that slices passed
/// as arguments do not overlap (it does not for slices held in a struct), so the loop
/// vectorises without run-time overlap checks.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn cell_chunk_slices<T: Real>(
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

    fn consts(friction_2d: bool) -> FaceConsts<f64> {
        FaceConsts::new(
            0.5,
            10.0,
            10.0,
            &KernelParams {
                theta: 1.0,
                depth_threshold_m: 1e-3,
                froude_limit: None,
                friction_2d,
            },
        )
    }

    #[test]
    fn friction_uses_the_discharge_vector() {
        // 1 m of water on a slope of 1e-3 with q = 1 m2/s across the face and 1 m2/s along it
        // (flow at 45 degrees to the grid), n = 0.04.
        let (h, n2, q) = (1.0f64, 0.04f64 * 0.04, 1.0f64);
        let flux = |k: &FaceConsts<f64>, qo4: f64| {
            face_flux(h, h, 0.01, 0.0, q, q, q, qo4, n2, k.g_dt_dx, k.cap_x, k)
        };
        let k2 = consts(true);
        let k1 = consts(false);
        let num = q - G * 0.5 / 10.0 * h * (0.0 - 0.01);
        let expect = |qmag: f64| num / (1.0 + G * 0.5 * n2 * qmag / h.powf(7.0 / 3.0));
        // Four orthogonal faces of 1 m2/s: |q_vec| = sqrt(2).
        assert!((flux(&k2, 4.0) - expect(2f64.sqrt())).abs() < 1e-12);
        // Without orthogonal flow both forms agree; the 1D form ignores it.
        assert_eq!(flux(&k2, 0.0), flux(&k1, 0.0));
        assert!((flux(&k1, 4.0) - expect(1.0)).abs() < 1e-12);
        assert!(flux(&k2, 4.0) < flux(&k1, 4.0));
    }
}
