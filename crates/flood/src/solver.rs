//! The model state (structure of arrays) and one step of the local-inertial scheme on it.
//!
//! Scheme: Bates, Horritt & Fewtrell (2010) with the q-centred, theta-weighted momentum update of
//! de Almeida, Bates, Freer & Souvignet (2012). For the face between cells L and R:
//!
//! ```text
//! h_f   = max(eta_L, eta_R) - max(z_L, z_R)
//! q^new = [theta q + (1 - theta)/2 (q_- + q_+) - g h_f dt (eta_R - eta_L)/dx]
//!         / [1 + g dt n^2 |q_vec| / h_f^(7/3)]
//! ```
//!
//! where q_- and q_+ are the neighbouring faces' fluxes along the same direction and
//! |q_vec| = sqrt(q^2 + q_o^2), q_o the mean of the four orthogonal faces around the face (the
//! two-dimensional friction term; `friction_2d = false` uses |q|). Faces with
//! h_f <= depth threshold carry no flow. Two limiters keep depths non-negative and the scheme
//! stable on steep terrain: a face never moves more than a quarter of its upstream cell's water
//! in one step (so the four faces together can never empty a cell below zero, which makes the
//! update exactly mass conservative without clipping), and an optional Froude-number cap.
//! The arithmetic is in [`crate::kernel`].
//!
//! Layout: cells row-major from the north-west; `qx` has `ncols + 1` faces per row (face c lies
//! between cells c-1 and c, positive eastward); `qy` has `nrows + 1` face rows of `ncols` faces
//! (face row r lies between cell rows r-1 and r, positive southward).
//!
//! A step ([`State::step`], or [`State::begin_step`] + boundary faces + [`State::advance`])
//! updates only the active tiles of [`State::tiles`]: tiles that hold water or touch a wet cell
//! (see [`crate::tiles`]). Cells elsewhere are dry with dry neighbours, for which the scheme
//! changes nothing, so the results are bit for bit those of updating every cell.

use crate::real::Real;
use crate::tiles::{DEFAULT_TILE_SIDE, TileSet};
use rayon::prelude::*;

pub use crate::kernel::RainRate;

/// Gravity, m/s2.
pub const G: f64 = 9.81;
/// Depth at which a cell counts as flooded (arrival time, duration, people affected), m.
pub const FLOOD_DEPTH_M: f64 = 0.1;
/// Below this depth a cell's speed is not computed (reported as 0), m.
pub const SPEED_DEPTH_M: f64 = 0.01;
/// Rows per block of the rain-volume sum (and of the stored-volume sum).
pub const BLOCK_ROWS: usize = 8;
/// Bands per worker thread in a step: more than one, so that work stealing evens out a core
/// that is busy with something else.
pub(crate) const BANDS_PER_THREAD: usize = 4;
/// Smallest band of a step, rows.
pub(crate) const MIN_BAND_ROWS: usize = 16;

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
    /// Two-dimensional friction term (|q| of the face's unit-discharge vector; see
    /// [`crate::kernel`]); false: Bates et al.'s (2010) one-dimensional |q|.
    pub friction_2d: bool,
}

/// Figures returned by a step.
#[derive(Debug, Clone, Copy, Default)]
pub struct StepStats {
    /// Largest sqrt(g h) + |u| over the cells deeper than the depth threshold, m/s (the CFL
    /// limit of the next step).
    pub wave_speed_ms: f64,
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
    /// Water depth, m. After adding water to a cell directly (not through a step,
    /// [`State::add_volume`] on a pinned cell, or [`State::set_level`] on a pinned cell), call
    /// [`State::wake_wet_cells`] so that its tile is active.
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
    /// The tiles a step updates.
    pub tiles: TileSet,
    /// Scratch reused from step to step: y faces on the cuts between bands, rain added per row,
    /// wet flags per row and tile column.
    pub(crate) scratch_cut: Vec<T>,
    pub(crate) scratch_rain: Vec<f64>,
    pub(crate) scratch_flags: Vec<u8>,
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
            tiles: TileSet::new(nrows, ncols, DEFAULT_TILE_SIDE),
            scratch_cut: Vec::new(),
            scratch_rain: vec![0.0; nrows],
            scratch_flags: Vec::new(),
        }
    }

    pub fn cell_area_m2(&self) -> f64 {
        self.dx_m * self.dy_m
    }

    pub fn is_wall(&self, i: usize) -> bool {
        self.z[i] >= T::WALL
    }

    /// Use tiles of `side` x `side` cells (at least 1), keeping the active area: pinned cells
    /// stay pinned only when set again, so call this before pinning and waking.
    pub fn set_tile_side(&mut self, side: usize) {
        self.tiles = TileSet::new(self.nrows, self.ncols, side);
    }

    /// Make active the tiles of every wet cell and of its neighbours (a full scan; call after
    /// setting depths directly).
    pub fn wake_wet_cells(&mut self) {
        self.tiles.wake(&self.h);
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
    ) -> StepStats {
        self.begin_step();
        self.advance(dt_s, t_end_s, rain, p)
    }

    /// The interior fluxes and the depth update of one step over the active tiles, then the
    /// active tiles of the next step; call after [`State::begin_step`] and after setting the
    /// boundary faces. Rain falls on every cell, so it makes every tile active for good.
    pub fn advance(
        &mut self,
        dt_s: f64,
        t_end_s: f64,
        rain: RainRate<'_, T>,
        p: &KernelParams,
    ) -> StepStats {
        if !matches!(rain, RainRate::None) {
            self.tiles.pin_all();
        }
        crate::tiles::advance(self, dt_s, t_end_s, rain, p)
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

/// The rows `r0..` of the arrays a band writes (for `qy`: face rows `r0..`).
pub(crate) struct Slab<'a, T> {
    pub(crate) r0: usize,
    pub(crate) h: &'a mut [T],
    pub(crate) qx: &'a mut [T],
    pub(crate) qy: &'a mut [T],
    pub(crate) max_h: &'a mut [f32],
    pub(crate) max_speed: &'a mut [f32],
    pub(crate) arrival: &'a mut [f32],
    pub(crate) duration: &'a mut [f64],
    /// Rain depth added per row (summed over the row's cells).
    pub(crate) rain: &'a mut [f64],
    /// Wet flags, `flag_cols` per row.
    pub(crate) flags: &'a mut [u8],
    pub(crate) flag_cols: usize,
}

impl<'a, T> Slab<'a, T> {
    /// Split at grid row `r` (> self.r0): rows before it, and rows from it on.
    pub(crate) fn split(self, r: usize, nc: usize) -> (Slab<'a, T>, Slab<'a, T>) {
        let k = r - self.r0;
        let (h0, h1) = self.h.split_at_mut(k * nc);
        let (qx0, qx1) = self.qx.split_at_mut(k * (nc + 1));
        let (qy0, qy1) = self.qy.split_at_mut(k * nc);
        let (mh0, mh1) = self.max_h.split_at_mut(k * nc);
        let (ms0, ms1) = self.max_speed.split_at_mut(k * nc);
        let (ar0, ar1) = self.arrival.split_at_mut(k * nc);
        let (du0, du1) = self.duration.split_at_mut(k * nc);
        let (rn0, rn1) = self.rain.split_at_mut(k);
        let (fl0, fl1) = self.flags.split_at_mut(k * self.flag_cols);
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
                flags: fl0,
                flag_cols: self.flag_cols,
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
                flags: fl1,
                flag_cols: self.flag_cols,
            },
        )
    }
}
