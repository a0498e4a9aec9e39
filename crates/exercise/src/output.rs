//! Headless outputs: journal.jsonl, metrics.json, aar.html and the CAP alerts (cap/*.xml).

use crate::aar;
use crate::error::ExerciseError;
use crate::exercise::Exercise;
use crate::metrics::{self, Metrics};
use forewarn_core::Region;
use std::path::Path;

/// The journal as JSON Lines.
pub fn journal_jsonl(ex: &Exercise) -> String {
    let mut s = String::new();
    for r in ex.journal() {
        // Records hold only strings, numbers, enums and maps: serialisation cannot fail.
        s.push_str(&serde_json::to_string(r).unwrap_or_default());
        s.push('\n');
    }
    s
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ExerciseError> {
    std::fs::write(path, bytes).map_err(|source| ExerciseError::Write {
        path: path.display().to_string(),
        source,
    })
}

/// Writes every output to `out` and returns the metrics and the file names written.
pub fn write_outputs(
    ex: &Exercise,
    region: &Region,
    out: &Path,
) -> Result<(Metrics, Vec<String>), ExerciseError> {
    let mkdir = |p: &Path| {
        std::fs::create_dir_all(p).map_err(|source| ExerciseError::Write {
            path: p.display().to_string(),
            source,
        })
    };
    mkdir(out)?;
    let m = metrics::evaluate(ex);
    let mut files = Vec::new();
    write(&out.join("journal.jsonl"), journal_jsonl(ex).as_bytes())?;
    files.push("journal.jsonl".to_string());
    let mj = serde_json::to_string_pretty(&m).map_err(|e| ExerciseError::Write {
        path: out.join("metrics.json").display().to_string(),
        source: std::io::Error::other(e),
    })?;
    write(&out.join("metrics.json"), format!("{mj}\n").as_bytes())?;
    files.push("metrics.json".to_string());
    write(
        &out.join("aar.html"),
        aar::render(ex, &m, region).as_bytes(),
    )?;
    files.push("aar.html".to_string());
    if !ex.alerts().is_empty() {
        mkdir(&out.join("cap"))?;
    }
    for g in ex.alerts() {
        write(&out.join(&g.file), g.alert.xml.as_bytes())?;
        files.push(g.file.clone());
    }
    Ok((m, files))
}
