//! The web UI and the bundled scenarios, compiled into the binary (rust-embed, embedded in
//! debug builds too), so that a copied `forewarn` serves its UI and offers its exercise plans
//! wherever it runs. `forewarn serve --web-dir DIR` / `--scenarios-dir DIR` use a directory
//! instead (for development).

use std::borrow::Cow;

/// The repository's web/ without the browser tests, their packages and hidden files
/// (the same rule as [`crate::public::servable`] for a directory).
#[derive(rust_embed::Embed)]
#[folder = "../../web"]
#[exclude = "e2e/*"]
#[exclude = "node_modules/*"]
#[exclude = "*/node_modules/*"]
#[exclude = "tests/*"]
#[exclude = "test/*"]
#[exclude = "*/tests/*"]
#[exclude = "*/test/*"]
#[exclude = ".*"]
#[exclude = "*/.*"]
struct WebUi;

/// The repository's scenarios/ (exercise plans and the hazard files they name).
#[derive(rust_embed::Embed)]
#[folder = "../../scenarios"]
#[exclude = ".*"]
#[exclude = "*/.*"]
struct Scenarios;

/// An embedded file of the web UI by its path relative to web/ (`index.html`, `js/app.js`).
pub fn web_file(rel: &str) -> Option<Cow<'static, [u8]>> {
    WebUi::get(rel).map(|f| f.data)
}

/// The paths of the embedded web UI.
pub fn web_files() -> Vec<String> {
    WebUi::iter().map(|p| p.into_owned()).collect()
}

/// Writes the embedded scenarios into a new private temporary directory (exercise plans name
/// their hazard files by path); the directory is removed when the returned value is dropped.
pub fn scenarios_dir() -> std::io::Result<tempfile::TempDir> {
    extract_scenarios()
}

fn extract_scenarios() -> std::io::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("forewarn-scenarios-")
        .tempdir()?;
    for name in Scenarios::iter() {
        let Some(file) = Scenarios::get(&name) else {
            continue;
        };
        let path = dir.path().join(name.as_ref());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, &file.data)?;
    }
    Ok(dir)
}
