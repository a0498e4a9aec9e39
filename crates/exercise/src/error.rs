//! Errors. Problems in an exercise file name the file, line, column and field.

use serde::Serialize;

/// One problem in an exercise file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub line: usize,
    pub col: usize,
    /// Field path, e.g. `inject[3].to[0]`.
    pub field: String,
    pub message: String,
}

fn problems_text(file: &str, problems: &[Problem]) -> String {
    let lines: Vec<String> = problems
        .iter()
        .map(|p| format!("{file}:{}:{}: {}: {}", p.line, p.col, p.field, p.message))
        .collect();
    lines.join("\n")
}

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum ExerciseError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", problems_text(file, problems))]
    Invalid {
        file: String,
        problems: Vec<Problem>,
    },
    #[error("hazard '{hazard}': {message}")]
    Hazard { hazard: String, message: String },
    #[error("CAP alert: {0}")]
    Cap(String),
    #[error("{path}: cannot write: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("action rejected: {0}")]
    Action(String),
    #[error("clock: {0}")]
    Clock(String),
    #[error("the hazard runs were cancelled")]
    Cancelled,
}

impl ExerciseError {
    /// The file problems, if this is a validation error.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ExerciseError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}
