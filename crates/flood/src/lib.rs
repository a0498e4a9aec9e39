//! Forewarn flood engine: a 2D local-inertial shallow-water solver on a regular grid.
//!
//! - Scheme: Bates, Horritt & Fewtrell (2010) with the q-centred, theta-weighted update of
//!   de Almeida et al. (2012); adaptive CFL time step; Manning friction (uniform or raster);
//!   wetting and drying with exact mass accounting ([`solver`]); each step updates only the
//!   tiles that hold water or touch it ([`tiles`]).
//! - Inputs: a TOML scenario ([`Scenario::from_toml_path`], documented in docs/flood.md) or
//!   LISFLOOD-FP files ([`lisflood::read_par`]).
//! - Sources: point and line inflow hydrographs, rainfall (uniform series or raster frames),
//!   initial lakes, lake-outburst breach hydrographs ([`breach`]); closed, free and fixed-level
//!   boundaries ([`boundary`]).
//! - Outputs: [`run`] returns a [`FloodRun`] (maximum depth and speed, arrival time, duration,
//!   snapshots, gauges, mass balance) that [`FloodRun::write_outputs`] writes to disk;
//!   [`impact`] turns it into people affected ([`people`]: settlements over their footprint and
//!   the residual population grid), damage in US dollars ([`damage`]), arrival times with an
//!   early bound ([`arrival`]), deaths with and without a warning, and an alert level.
//! - [`bench`]: the dam-break throughput benchmark and a copy-bandwidth probe.
//!
//! Coordinates of sources, gauges and boundaries are in the terrain's CRS (degrees for the
//! embedded GEBCO terrain). For EPSG:4326 terrain the solver converts cell sizes to metres at
//! the domain's centre latitude. NODATA terrain cells are closed walls and are written as the
//! nodata value (-9999) in every output raster; outputs never hold NaN.

pub mod arrival;
pub mod bench;
pub mod boundary;
pub mod breach;
pub mod channel;
pub mod condition;
pub mod damage;
pub mod error;
pub mod impact;
mod kernel;
pub mod limits;
pub mod lisflood;
pub mod output;
pub mod people;
pub mod real;
#[cfg(any(test, feature = "reference-kernel"))]
pub mod reference;
pub mod run;
pub mod scenario;
pub mod series;
pub mod solver;
#[cfg(test)]
mod sweep_tests;
pub mod tiles;
pub mod toml_input;

pub use breach::{BreachHydrograph, BreachParams, FailureMode};
pub use error::FloodError;
pub use impact::{FloodImpact, People, impact};
pub use run::{
    FloodRun, GaugeSeries, MassRecord, OUTPUT_NODATA, RunOptions, Snapshot, Sweep, run, run_with,
};
pub use scenario::{
    Boundary, BoundaryKind, Edge, Gauge, InputFormat, Lake, LineInflow, Manning, PointInflow,
    PointLevel, Precision, Rain, Scenario, SimParams,
};
pub use series::TimeSeries;
