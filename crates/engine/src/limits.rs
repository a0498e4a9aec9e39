//! Input limits of the hazard runs (docs/quake.md and docs/flood.md, "Limits"). One
//! definition of each limit: the CLI, the exercise engine and the server all check through
//! these, and the error names the field and the limit (the CLI exits 2, the server answers
//! 422).

pub use forewarn_flood::limits::{
    MAX_CELLS as FLOOD_MAX_CELLS, MAX_DURATION_S as FLOOD_MAX_DURATION_S,
};

/// Most output-grid cells of an earthquake run. The benchmark (docs/benchmarks.md) runs
/// 1,000,000 sites in 4.7 s and 197 MB; without a limit, `--spacing-km 0.06` for an M9.5
/// (a 2,000 km footprint) asked for 10^9 cells and 23 GB.
pub const QUAKE_MAX_GRID_CELLS: usize = 1_000_000;

/// Most user sites (`--sites FILE`) of an earthquake run.
pub const QUAKE_MAX_USER_SITES: usize = 100_000;

/// Most simulated shaking fields (realisations) of an earthquake run; each costs one pass
/// over every exposure point (an M9.5 with 200 takes about a minute on one core).
pub const QUAKE_MAX_REALIZATIONS: usize = 200;

/// Smallest and largest output-grid spacing, km.
pub const QUAKE_SPACING_KM: (f64, f64) = (0.05, 50.0);

/// Most bytes of an input file a run reads (NRML rupture, USGS event, flood scenario).
pub const MAX_INPUT_FILE_BYTES: u64 = forewarn_core::MAX_TEXT_INPUT_BYTES;

/// An over-limit or out-of-range input: the field and what the limit is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct LimitError {
    pub field: String,
    pub message: String,
}

impl LimitError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> LimitError {
        LimitError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// `realizations` within [`QUAKE_MAX_REALIZATIONS`].
pub fn check_realizations(n: usize) -> Result<(), LimitError> {
    if n <= QUAKE_MAX_REALIZATIONS {
        Ok(())
    } else {
        Err(LimitError::new(
            "realizations",
            format!("{n} is over the limit of {QUAKE_MAX_REALIZATIONS}"),
        ))
    }
}

/// `spacing_km` within [`QUAKE_SPACING_KM`].
pub fn check_spacing_km(s: f64) -> Result<(), LimitError> {
    let (lo, hi) = QUAKE_SPACING_KM;
    if s.is_finite() && s > lo && s <= hi {
        Ok(())
    } else {
        Err(LimitError::new(
            "spacing_km",
            format!("{s} must be within ({lo}, {hi}] km"),
        ))
    }
}

/// The output grid of `ncols` x `nrows` cells within [`QUAKE_MAX_GRID_CELLS`].
pub fn check_grid_cells(ncols: usize, nrows: usize, spacing_km: f64) -> Result<(), LimitError> {
    let cells = ncols.saturating_mul(nrows);
    if cells <= QUAKE_MAX_GRID_CELLS {
        Ok(())
    } else {
        Err(LimitError::new(
            "spacing_km",
            format!(
                "a {spacing_km} km grid over this footprint has {ncols} x {nrows} = {cells} cells, over the limit of {QUAKE_MAX_GRID_CELLS} cells (use a larger spacing)"
            ),
        ))
    }
}

/// The number of user sites within [`QUAKE_MAX_USER_SITES`].
pub fn check_user_sites(n: usize) -> Result<(), LimitError> {
    if n <= QUAKE_MAX_USER_SITES {
        Ok(())
    } else {
        Err(LimitError::new(
            "sites",
            format!("{n} sites is over the limit of {QUAKE_MAX_USER_SITES}"),
        ))
    }
}

/// Most rows of gmf.csv (user sites x realisations): 10,000,000 rows, about 0.8 GB of CSV;
/// the largest sites file (100,000 sites) with the default 100 realisations fits.
pub const QUAKE_MAX_GMF_ROWS: usize = 10_000_000;

/// Most extra intensity measures (`--imt`) besides PGA, PGV, SA(0.3) and SA(1.0).
pub const QUAKE_MAX_EXTRA_IMTS: usize = 16;

/// gmf.csv of `sites` x `realizations` rows within [`QUAKE_MAX_GMF_ROWS`].
pub fn check_gmf_rows(sites: usize, realizations: usize) -> Result<(), LimitError> {
    let rows = sites.saturating_mul(realizations);
    if rows <= QUAKE_MAX_GMF_ROWS {
        Ok(())
    } else {
        Err(LimitError::new(
            "realizations",
            format!(
                "{sites} sites x {realizations} realizations = {rows} rows of gmf.csv, over the limit of {QUAKE_MAX_GMF_ROWS} rows (fewer sites or realizations)"
            ),
        ))
    }
}

/// At most [`QUAKE_MAX_EXTRA_IMTS`] extra intensity measures.
pub fn check_extra_imts(n: usize) -> Result<(), LimitError> {
    if n <= QUAKE_MAX_EXTRA_IMTS {
        Ok(())
    } else {
        Err(LimitError::new(
            "imt",
            format!("{n} intensity measures is over the limit of {QUAKE_MAX_EXTRA_IMTS}"),
        ))
    }
}

/// Reads a text input file of at most [`MAX_INPUT_FILE_BYTES`] (a device or a huge file is
/// refused before it is read).
pub fn read_input_file(path: &std::path::Path) -> Result<String, String> {
    forewarn_core::read_text_limited(path, MAX_INPUT_FILE_BYTES).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidData => e.to_string(),
        _ => format!("cannot read: {e}"),
    })
}
