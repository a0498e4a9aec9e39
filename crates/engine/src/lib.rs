//! Pipelines that join the science crates: hazard -> exposure -> impact, and the files they
//! write. The CLI and the server call these; neither re-implements them.

pub mod bench;
pub mod contours;
pub mod expocat;
pub mod flood;
pub mod flood_alert;
pub mod limits;
pub mod map;
pub mod place_names;
pub mod quake;
pub mod report;
pub mod sites_csv;

/// Errors from a pipeline run. Messages name the input, file, line or field at fault.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Rupture(#[from] forewarn_quake::rupture::RuptureError),
    #[error(transparent)]
    SourceFile(#[from] forewarn_quake::source_files::SourceFileError),
    #[error(transparent)]
    Gmpe(#[from] forewarn_quake::gmpe::GmpeError),
    #[error(transparent)]
    LogicTree(#[from] forewarn_quake::logic_tree::LogicTreeError),
    #[error(transparent)]
    Raster(#[from] forewarn_core::RasterError),
    #[error("{path}: cannot write: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: line {line}: {message}")]
    Csv {
        path: String,
        line: u64,
        message: String,
    },
    #[error("map rendering failed: {0}")]
    Map(String),
    /// An input over one of the [`limits`] (names the field and the limit).
    #[error(transparent)]
    Limit(#[from] limits::LimitError),
    /// The caller cancelled the run (see [`Cancel`]).
    #[error("the run was cancelled")]
    Cancelled,
}

/// Progress callback: (stage, done, total).
pub type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

/// Cancellation check: a run asks it between stages and chunks of work and stops with
/// [`EngineError::Cancelled`] once it answers true.
pub type Cancel<'a> = &'a (dyn Fn() -> bool + Sync);

/// A [`Cancel`] that never cancels.
pub fn never_cancel() -> bool {
    false
}

/// Write a file, naming it in the error.
pub fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), EngineError> {
    std::fs::write(path, bytes).map_err(|source| EngineError::Write {
        path: path.display().to_string(),
        source,
    })
}
