//! Where the files a plan names (`rupture`, `scenario`) are found ([`PlanFiles`]).
//!
//! A name is a relative path with plain components only (no absolute path, no `..`), looked
//! up in each root folder in turn; the file must stay inside that root after symbolic links
//! are followed, be a regular file and be at most [`crate::limits::MAX_FILE_BYTES`]. Errors
//! show the name as written, never a folder of the machine. The CLI's root is the plan's own
//! folder; the server's are the bundled scenarios and the files uploaded with the plan.

use crate::limits::MAX_FILE_BYTES;
use std::path::{Component, Path, PathBuf};

/// The folders a plan's file names resolve in.
#[derive(Debug, Clone)]
pub struct PlanFiles {
    roots: Vec<PathBuf>,
    /// Absolute paths and `..` allowed (a local user's explicit choice).
    unrestricted: bool,
    /// How the roots are described in errors ("the plan's folder").
    described: String,
}

impl PlanFiles {
    /// Names resolve inside `dir` only.
    pub fn local(dir: &Path) -> PlanFiles {
        PlanFiles {
            roots: vec![dir.to_path_buf()],
            unrestricted: false,
            described: "the plan's folder".into(),
        }
    }

    /// Names resolve inside the first of `roots` that holds them; `described` says what the
    /// roots are in errors.
    pub fn within(roots: Vec<PathBuf>, described: &str) -> PlanFiles {
        PlanFiles {
            roots,
            unrestricted: false,
            described: described.to_string(),
        }
    }

    /// Relative names resolve against `dir`; absolute paths and `..` are allowed (the CLI's
    /// `--allow-any-path`).
    pub fn unrestricted(dir: &Path) -> PlanFiles {
        PlanFiles {
            roots: vec![dir.to_path_buf()],
            unrestricted: true,
            described: "the plan's folder".into(),
        }
    }

    /// Whether files a resolved file names itself (a flood scenario's terrain) must stay in
    /// its root too.
    pub fn is_confined(&self) -> bool {
        !self.unrestricted
    }

    /// The file `name` refers to, or why it cannot be used (without any server path).
    pub fn resolve(&self, name: &str) -> Result<Resolved, String> {
        let p = Path::new(name);
        if self.unrestricted {
            let root = self.roots.first().cloned().unwrap_or_default();
            let path = if p.is_absolute() {
                p.to_path_buf()
            } else {
                root.join(p)
            };
            return check_file(name, &path).map(|_| Resolved { path, root });
        }
        let plain = !name.is_empty()
            && p.components().all(|c| matches!(c, Component::Normal(_)))
            && !name.contains('\\');
        if !plain {
            return Err(format!(
                "'{name}' must be a file name inside {} (no absolute path or '..')",
                self.described
            ));
        }
        for root in &self.roots {
            let cand = root.join(p);
            if cand.symlink_metadata().is_err() {
                continue;
            }
            let (Ok(full), Ok(root_c)) = (cand.canonicalize(), root.canonicalize()) else {
                continue;
            };
            if !full.starts_with(&root_c) {
                return Err(format!(
                    "'{name}' leads outside {} (a link to elsewhere)",
                    self.described
                ));
            }
            check_file(name, &full)?;
            return Ok(Resolved {
                path: full,
                root: root_c,
            });
        }
        Err(format!("no file '{name}' in {}", self.described))
    }

    /// `message` with every root folder removed (errors from the engines name full paths).
    pub fn scrub(&self, message: &str) -> String {
        let mut m = message.to_string();
        for r in &self.roots {
            for form in [r.canonicalize().ok(), Some(r.clone())]
                .into_iter()
                .flatten()
            {
                let s = form.display().to_string();
                if s.len() > 1 {
                    m = m.replace(&format!("{s}/"), "").replace(&s, "");
                }
            }
        }
        m
    }
}

/// A resolved file and the root it was found in.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub path: PathBuf,
    pub root: PathBuf,
}

fn check_file(name: &str, path: &Path) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|_| format!("no file '{name}'"))?;
    if !meta.is_file() {
        return Err(format!("'{name}' is not a regular file"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "'{name}' is {} bytes, over the limit of {MAX_FILE_BYTES} bytes",
            meta.len()
        ));
    }
    Ok(())
}
