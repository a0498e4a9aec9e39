//! Helpers shared by the CLI tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn forewarn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_forewarn"))
        .args(args)
        .env("FOREWARN_LOG", "error")
        .output()
        .expect("run forewarn")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// True when `tool` runs; under CI=true a missing tool is a failure.
pub fn have_tool(tool: &str) -> bool {
    let ok = Command::new(tool).arg("--version").output().is_ok();
    if !ok {
        if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
            panic!("CI=true but {tool} is not installed (.ci/run installs it)");
        }
        eprintln!("skipping: {tool} not installed");
    }
    ok
}

/// Copy the repository's data/ into a temporary directory (for corrupting it).
pub fn copy_data(dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(repo().join("data")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dst.join(e.file_name())).unwrap();
    }
}

/// The Python interpreter with `module` importable: `$FOREWARN_PYTHON` (what .ci/run sets,
/// a virtual environment with the validators) or `python3`. `None` skips with a message;
/// under CI=true a missing module is a failure.
pub fn python_with(module: &str) -> Option<String> {
    let python = std::env::var("FOREWARN_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
        panic!(
            "CI=true but the Python module {module} is not importable by {python} (.ci/run installs it into target/py-venv and sets FOREWARN_PYTHON)"
        );
    }
    eprintln!(
        "skipping: the Python module {module} is not importable by {python} (set FOREWARN_PYTHON; see .ci/run)"
    );
    None
}
