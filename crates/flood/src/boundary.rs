//! Domain-edge boundary conditions: closed, free (normal depth), fixed level and edge inflow.
//!
//! Every edge face not named by a boundary condition is closed (no flow), as in LISFLOOD-FP.
//! Faces next to NODATA cells are always closed.

use crate::real::Real;
use crate::scenario::{Boundary, BoundaryKind, Edge};
use crate::series::TimeSeries;
use crate::solver::{G, State};
use forewarn_core::GridSpec;

/// Smallest slope used by a free boundary that takes its slope from the water surface.
const MIN_FREE_SLOPE: f64 = 1e-4;

#[derive(Debug, Clone)]
enum FaceKind {
    Free { slope: Option<f64> },
    Level(usize),
    Inflow(usize),
}

/// One edge face with a boundary condition.
#[derive(Debug, Clone)]
struct BFace {
    /// Index into `qx` (x faces) or `qy` (y faces).
    face: usize,
    x_face: bool,
    /// +1 when a positive flux leaves the domain (east/south), -1 otherwise.
    out_sign: f64,
    cell: usize,
    /// The next cell inward (for the local slope of free boundaries), if not a wall.
    inner: Option<usize>,
    kind: FaceKind,
}

/// The boundary faces of a domain and their time series.
#[derive(Debug, Clone, Default)]
pub struct Boundaries {
    faces: Vec<BFace>,
    series: Vec<TimeSeries>,
    /// Cells next to faces that can bring water in (levels and inflows).
    pub source_cells: Vec<usize>,
}

/// Volumes through the boundary in one step, m3.
#[derive(Debug, Clone, Copy, Default)]
pub struct BoundaryFlow {
    pub inflow_m3: f64,
    pub outflow_m3: f64,
}

impl Boundaries {
    /// Resolve boundary conditions to faces. `walls[i]` marks NODATA cells; `datum_m` is
    /// subtracted from levels. Later conditions override earlier ones on shared faces.
    pub fn new(spec: &GridSpec, walls: &[bool], list: &[Boundary], datum_m: f64) -> Boundaries {
        let (nc, nr) = (spec.ncols, spec.nrows);
        let mut out = Boundaries::default();
        // Edge face -> its condition (None = closed); later entries replace earlier ones.
        let mut by_key: std::collections::BTreeMap<(u8, usize), Option<BFace>> =
            std::collections::BTreeMap::new();
        for b in list {
            let kind = match &b.kind {
                BoundaryKind::Closed => None,
                BoundaryKind::Free { slope } => Some(FaceKind::Free { slope: *slope }),
                BoundaryKind::Level(s) => {
                    out.series.push(s.clone().shift(-datum_m));
                    Some(FaceKind::Level(out.series.len() - 1))
                }
                BoundaryKind::Inflow(s) => {
                    out.series.push(s.clone());
                    Some(FaceKind::Inflow(out.series.len() - 1))
                }
            };
            let n_along = match b.edge {
                Edge::North | Edge::South => nc,
                Edge::East | Edge::West => nr,
            };
            for k in 0..n_along {
                let (r, c) = match b.edge {
                    Edge::North => (0, k),
                    Edge::South => (nr - 1, k),
                    Edge::West => (k, 0),
                    Edge::East => (k, nc - 1),
                };
                if let Some((a, e)) = b.range {
                    let (x, y) = spec.cell_center(c, r);
                    let along = match b.edge {
                        Edge::North | Edge::South => x,
                        Edge::East | Edge::West => y,
                    };
                    // A cell belongs to the range when the range overlaps the cell's extent.
                    let half = match b.edge {
                        Edge::North | Edge::South => spec.dx / 2.0,
                        Edge::East | Edge::West => spec.dy / 2.0,
                    };
                    let (lo, hi) = (a.min(e), a.max(e));
                    if along + half < lo || along - half > hi {
                        continue;
                    }
                }
                let cell = r * nc + c;
                let key = (b.edge as u8, k);
                if walls[cell] {
                    continue;
                }
                let (face, x_face, out_sign, inner) = match b.edge {
                    Edge::North => (c, false, -1.0, (nr > 1).then(|| nc + c)),
                    Edge::South => (nr * nc + c, false, 1.0, (nr > 1).then(|| (nr - 2) * nc + c)),
                    Edge::West => (r * (nc + 1), true, -1.0, (nc > 1).then(|| r * nc + 1)),
                    Edge::East => (
                        r * (nc + 1) + nc,
                        true,
                        1.0,
                        (nc > 1).then(|| r * nc + nc - 2),
                    ),
                };
                let inner = inner.filter(|&i| !walls[i]);
                let bf = kind.as_ref().map(|kind| BFace {
                    face,
                    x_face,
                    out_sign,
                    cell,
                    inner,
                    kind: kind.clone(),
                });
                by_key.insert(key, bf);
            }
        }
        out.faces = by_key.into_values().flatten().collect();
        out.source_cells = out
            .faces
            .iter()
            .filter(|f| matches!(f.kind, FaceKind::Level(_) | FaceKind::Inflow(_)))
            .map(|f| f.cell)
            .collect();
        out
    }

    pub fn is_empty(&self) -> bool {
        self.faces.is_empty()
    }

    /// Compute the boundary face fluxes for the step from `t_s` to `t_s + dt_s` (after the
    /// interior flux pass) and return the volumes that will cross the boundary.
    pub fn apply<T: Real>(
        &self,
        st: &mut State<T>,
        t_s: f64,
        dt_s: f64,
        manning_n2: &[f64],
        depth_threshold_m: f64,
    ) -> BoundaryFlow {
        let mut flow = BoundaryFlow::default();
        let tm = t_s + 0.5 * dt_s;
        for f in &self.faces {
            let (d_m, len_m) = if f.x_face {
                (st.dx_m, st.dy_m)
            } else {
                (st.dy_m, st.dx_m)
            };
            let prev = if f.x_face {
                st.qx_prev[f.face]
            } else {
                st.qy_prev[f.face]
            }
            .to_f64();
            let q_out_prev = prev * f.out_sign;
            let h = st.h[f.cell].to_f64();
            let z = st.z[f.cell].to_f64();
            let n2 = manning_n2[f.cell];
            let cap_out = h * d_m / (4.0 * dt_s);
            let q_out = match f.kind {
                FaceKind::Inflow(s) => -self.series[s].value_at(tm),
                FaceKind::Free { slope } => {
                    if h <= depth_threshold_m {
                        0.0
                    } else {
                        let s = slope.unwrap_or_else(|| {
                            f.inner
                                .map(|i| (st.z[i].to_f64() + st.h[i].to_f64() - z - h) / d_m)
                                .unwrap_or(MIN_FREE_SLOPE)
                                .max(MIN_FREE_SLOPE)
                        });
                        let q = momentum(q_out_prev.max(0.0), h, s, dt_s, n2);
                        q.clamp(0.0, cap_out)
                    }
                }
                FaceKind::Level(s) => {
                    let level = self.series[s].value_at(tm);
                    let eta = z + h;
                    let hf = eta.max(level) - z;
                    if hf <= depth_threshold_m {
                        0.0
                    } else {
                        // The level holds at the edge (the face), half a cell from the centre:
                        // the outward water-surface slope (eta - level) / (d / 2) drives outflow.
                        let q = momentum(q_out_prev, hf, (eta - level) / (0.5 * d_m), dt_s, n2);
                        q.min(cap_out)
                    }
                }
            };
            let q = T::from_f64(q_out * f.out_sign);
            if f.x_face {
                st.qx[f.face] = q;
            } else {
                st.qy[f.face] = q;
            }
            // Use the stored (rounded) value so the accounting matches what the state receives.
            let vol = q.to_f64() * f.out_sign * len_m * dt_s;
            if vol >= 0.0 {
                flow.outflow_m3 += vol;
            } else {
                flow.inflow_m3 -= vol;
            }
        }
        flow
    }
}

/// Local-inertial update of an outward flux with an outward driving slope `s`.
fn momentum(q: f64, hf: f64, s: f64, dt: f64, n2: f64) -> f64 {
    (q + G * hf * dt * s) / (1.0 + G * dt * n2 * q.abs() / hf.powf(7.0 / 3.0))
}

impl TimeSeries {
    /// Add `offset` to every value.
    pub fn shift(mut self, offset: f64) -> Self {
        for v in &mut self.values {
            *v += offset;
        }
        self
    }
}
