//! The crate's error type.

use crate::validate::Problem;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum CapError {
    /// The text is not well-formed XML (or uses a DTD).
    #[error("line {line}, column {column}: {message}")]
    Xml {
        line: usize,
        column: usize,
        message: String,
    },
    /// The document exceeds a parser limit (nesting depth or node count); the message names
    /// the limit.
    #[error("line {line}, column {column}: {message}")]
    Limit {
        line: usize,
        column: usize,
        message: String,
    },
    /// The root element is not a CAP 1.2 or 1.1 alert.
    #[error(
        "line {line}, column {column}: root element is <{name}> in namespace '{namespace}', expected <alert> in urn:oasis:names:tc:emergency:cap:1.2 (or cap:1.1)"
    )]
    Namespace {
        name: String,
        namespace: String,
        line: usize,
        column: usize,
    },
    /// The message does not follow the CAP schema or a CAP rule.
    #[error("invalid CAP message: {}", summarize(.0))]
    Invalid(Vec<Problem>),
    /// The warning configuration (matrix or templates) is unusable.
    #[error("warning configuration: {0}")]
    Config(String),
    /// A template uses a fact the warning does not provide.
    #[error("template '{template}' ({language}) needs the fact '{fact}', which is not provided")]
    MissingFact {
        template: String,
        language: String,
        fact: String,
    },
    /// A hazard footprint cannot be turned into a CAP polygon.
    #[error("footprint: {0}")]
    Footprint(String),
    /// A message thread operation is not allowed.
    #[error("message thread: {0}")]
    Thread(String),
    /// Signing failed (bad key, certificate or message).
    #[error("signature: {0}")]
    Signing(String),
    /// Reading a configuration file failed.
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

fn summarize(problems: &[Problem]) -> String {
    let mut parts: Vec<String> = problems.iter().take(5).map(|p| p.to_string()).collect();
    if problems.len() > 5 {
        parts.push(format!("and {} more", problems.len() - 5));
    }
    parts.join("; ")
}
