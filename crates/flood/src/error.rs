//! Errors of the flood engine. Every input error names the file and the field or line.

use forewarn_core::RasterError;

/// Errors raised while reading scenarios or running the model.
#[derive(Debug, thiserror::Error)]
pub enum FloodError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A raster could not be read or written (the message names the file).
    #[error(transparent)]
    Raster(#[from] RasterError),
    /// A value in an input file is missing or invalid.
    #[error("{file}: {field}: {message}")]
    Input {
        file: String,
        field: String,
        message: String,
    },
    /// The model state became invalid during a run.
    #[error("simulation failed at t = {time_s:.1} s: {message}")]
    Numerical { time_s: f64, message: String },
}

impl FloodError {
    /// Shorthand for an [`FloodError::Input`] error.
    pub fn input(file: impl ToString, field: impl ToString, message: impl ToString) -> Self {
        FloodError::Input {
            file: file.to_string(),
            field: field.to_string(),
            message: message.to_string(),
        }
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        FloodError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
