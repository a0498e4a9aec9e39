//! Input limits of a flood run (docs/flood.md, "Limits"): one definition, checked when a
//! scenario is loaded and again when a run starts, so the CLI, the exercise engine and the
//! server refuse the same inputs with the same message naming the field and the limit.

use crate::error::FloodError;
use crate::scenario::Scenario;

/// Most grid cells a run may have. The dam-break benchmark (docs/benchmarks.md) runs
/// 1,000,000 cells at ~119 M cell-updates/s on one core; 4,000,000 cells keeps the state
/// (a few tens of bytes per cell) under 1 GB.
pub const MAX_CELLS: usize = 4_000_000;

/// Longest simulated time, seconds (14 days). The bundled Lake Sarez outburst needs 48 h; a
/// run of 10^6 h would hold a core for hours.
pub const MAX_DURATION_S: f64 = 14.0 * 86_400.0;

/// Checks `sc` against the limits; the error names the field and the limit.
pub fn check(sc: &Scenario) -> Result<(), FloodError> {
    let file = sc.source_path.display().to_string();
    let cells = sc.terrain.spec.len();
    if cells > MAX_CELLS {
        return Err(FloodError::input(
            file,
            "terrain",
            format!(
                "{} x {} = {cells} cells is over the limit of {MAX_CELLS} cells (crop it with terrain.bbox)",
                sc.terrain.spec.ncols, sc.terrain.spec.nrows
            ),
        ));
    }
    check_duration_s(&file, "simulation.duration_s", sc.sim.end_time_s)
}

/// Checks a simulated duration in seconds (`field` names where it came from).
pub fn check_duration_s(file: &str, field: &str, duration_s: f64) -> Result<(), FloodError> {
    if duration_s.is_finite() && duration_s > 0.0 && duration_s <= MAX_DURATION_S {
        Ok(())
    } else {
        Err(FloodError::input(
            file,
            field,
            format!(
                "{duration_s} s is outside the limit of 0 < duration <= {MAX_DURATION_S} s (14 days)"
            ),
        ))
    }
}
