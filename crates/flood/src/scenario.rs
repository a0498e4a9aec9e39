//! The resolved description of a flood simulation, independent of the input format.
//!
//! A [`Scenario`] is built by [`Scenario::from_toml_path`] (the Forewarn TOML format, see
//! docs/flood.md) or by [`crate::lisflood::read_par`] (LISFLOOD-FP .par files). All rasters are
//! loaded, all time series are checked, and all coordinates are in the terrain's CRS.

use crate::breach::BreachHydrograph;
use crate::series::TimeSeries;
use forewarn_core::Grid;
use serde::Serialize;
use std::path::PathBuf;

/// Where the scenario came from; LISFLOOD-FP inputs also get ESRI ASCII outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum InputFormat {
    Toml,
    Lisflood,
}

/// Floating-point precision of the solver state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum Precision {
    /// 32-bit state (the default; about twice as fast).
    #[default]
    F32,
    /// 64-bit state.
    F64,
}

/// Numerical and timing parameters.
#[derive(Debug, Clone, Serialize)]
pub struct SimParams {
    /// Simulated duration in seconds.
    pub end_time_s: f64,
    /// Interval between depth snapshots in seconds (0 = no snapshots).
    pub output_interval_s: f64,
    /// Interval between mass-balance and gauge records in seconds.
    pub mass_interval_s: f64,
    /// Largest allowed time step in seconds.
    pub max_dt_s: f64,
    /// CFL coefficient alpha in dt = alpha * dx / (sqrt(g h) + |u|) (Bates et al. 2010: 0.7).
    pub alpha: f64,
    /// Weight theta of the q-centred scheme (de Almeida et al. 2012); 1 gives Bates et al. 2010.
    pub theta: f64,
    /// Faces with a flow depth at or below this (m) carry no flow.
    pub depth_threshold_m: f64,
    /// Limit on the Froude number of face flows ([`DEFAULT_FROUDE_LIMIT`] by default; `None`:
    /// no limit, as LISFLOOD-FP inputs without `max_Froude`).
    pub froude_limit: Option<f64>,
    /// Friction from the magnitude of the unit-discharge vector at a face (true, the default,
    /// as LISFLOOD-FP 8) or from the face-normal flux alone (false: Bates et al. 2010, LISFLOOD-FP
    /// `1Dfriction`). See docs/flood.md, "EA test 5".
    pub friction_2d: bool,
    pub precision: Precision,
}

/// Default cap on the Froude number of face flows: 1. The local-inertial equations drop the
/// advection term of the momentum equation, which de Almeida & Bates (2013, "Applicability of
/// the local inertial approximation of the shallow water equations to flood modeling", Water
/// Resour. Res. 49:4833-4844) show is acceptable for subcritical flow and not beyond it: errors
/// grow as the Froude number approaches 1 and the scheme becomes unstable above it. Capping face
/// flows at Fr = 1 keeps the scheme inside its range on steep terrain.
pub const DEFAULT_FROUDE_LIMIT: f64 = 1.0;

impl Default for SimParams {
    fn default() -> Self {
        SimParams {
            end_time_s: 3600.0,
            output_interval_s: 0.0,
            mass_interval_s: 60.0,
            max_dt_s: 10.0,
            alpha: 0.7,
            theta: 0.7,
            depth_threshold_m: 1e-3,
            froude_limit: Some(DEFAULT_FROUDE_LIMIT),
            friction_2d: true,
            precision: Precision::F32,
        }
    }
}

/// Manning's roughness n (s m^-1/3).
#[derive(Debug, Clone)]
pub enum Manning {
    Uniform(f64),
    /// A raster on the terrain grid.
    Raster(Grid<f32>),
}

/// A point inflow hydrograph in m3/s.
#[derive(Debug, Clone, Serialize)]
pub struct PointInflow {
    pub name: String,
    pub x: f64,
    pub y: f64,
    pub discharge_m3s: TimeSeries,
}

/// An inflow spread evenly over the cells a line segment crosses; total discharge in m3/s.
#[derive(Debug, Clone, Serialize)]
pub struct LineInflow {
    pub name: String,
    pub from: (f64, f64),
    pub to: (f64, f64),
    pub discharge_m3s: TimeSeries,
}

/// A cell held at a water-surface elevation (m), e.g. LISFLOOD-FP `P ... HFIX/HVAR`.
#[derive(Debug, Clone, Serialize)]
pub struct PointLevel {
    pub name: String,
    pub x: f64,
    pub y: f64,
    pub level_m: TimeSeries,
}

/// Rainfall.
#[derive(Debug, Clone)]
pub enum Rain {
    /// The same rate everywhere, mm/h, piecewise linear in time.
    Uniform(TimeSeries),
    /// Raster frames of rate in mm/h on the terrain grid; each frame holds from its time until the
    /// next frame's time (the last one to the end).
    Raster(Vec<(f64, Grid<f32>)>),
}

/// An initial lake: the water surface at `level_m` over every cell below it that is connected to
/// the seed point (or every cell below it when there is no seed).
#[derive(Debug, Clone, Serialize)]
pub struct Lake {
    pub level_m: f64,
    pub seed: Option<(f64, f64)>,
}

/// A domain edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Edge {
    North,
    South,
    East,
    West,
}

/// What happens at a stretch of the domain edge.
#[derive(Debug, Clone, Serialize)]
pub enum BoundaryKind {
    /// No flow (the default everywhere).
    Closed,
    /// Outflow at normal depth for the given slope; `None` uses the local bed slope.
    Free { slope: Option<f64> },
    /// A water-surface elevation (m) outside the edge.
    Level(TimeSeries),
    /// Inflow per metre of edge (m2/s), positive into the domain.
    Inflow(TimeSeries),
}

/// A boundary condition on an edge, optionally restricted to the coordinate range along it
/// (x for north/south edges, y for east/west edges).
#[derive(Debug, Clone, Serialize)]
pub struct Boundary {
    pub edge: Edge,
    pub range: Option<(f64, f64)>,
    pub kind: BoundaryKind,
}

/// A point where depth and water level are recorded.
#[derive(Debug, Clone, Serialize)]
pub struct Gauge {
    pub name: String,
    pub x: f64,
    pub y: f64,
}

/// A complete, checked scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    /// The file the scenario was read from.
    pub source_path: PathBuf,
    pub format: InputFormat,
    /// Terrain elevation in metres; NaN marks NODATA cells, which act as walls.
    pub terrain: Grid<f32>,
    pub manning: Manning,
    pub sim: SimParams,
    pub point_inflows: Vec<PointInflow>,
    pub line_inflows: Vec<LineInflow>,
    pub point_levels: Vec<PointLevel>,
    pub rain: Option<Rain>,
    /// Initial water depth (m) on the terrain grid.
    pub initial_depth: Option<Grid<f32>>,
    pub lakes: Vec<Lake>,
    pub boundaries: Vec<Boundary>,
    pub gauges: Vec<Gauge>,
    /// Lake-outburst breaches (each also appears in `point_inflows`).
    pub breaches: Vec<BreachHydrograph>,
    /// Warnings raised while reading (unknown keywords and the like).
    pub warnings: Vec<String>,
}

impl Scenario {
    /// A scenario over `terrain` with default parameters and no sources (closed edges).
    pub fn new(name: &str, terrain: Grid<f32>) -> Self {
        Scenario {
            name: name.to_string(),
            source_path: PathBuf::new(),
            format: InputFormat::Toml,
            terrain,
            manning: Manning::Uniform(0.03),
            sim: SimParams::default(),
            point_inflows: Vec::new(),
            line_inflows: Vec::new(),
            point_levels: Vec::new(),
            rain: None,
            initial_depth: None,
            lakes: Vec::new(),
            boundaries: Vec::new(),
            gauges: Vec::new(),
            breaches: Vec::new(),
            warnings: Vec::new(),
        }
    }
}
