//! The web UI and the bundled scenarios, compiled into the binary (rust-embed, embedded in
//! debug builds too), so that a copied `forewarn` serves its UI and offers its exercise plans
//! wherever it runs. `forewarn serve --web-dir DIR` / `--scenarios-dir DIR` use a directory
//! instead (for development).

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::OnceLock;

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

/// A directory holding the embedded scenarios: written once per process into a private
/// temporary directory (removed at exit), since exercise plans name their hazard files by
/// path. `None` (logged) when it cannot be written.
pub fn scenarios_dir() -> Option<PathBuf> {
    static DIR: OnceLock<Option<tempfile::TempDir>> = OnceLock::new();
    DIR.get_or_init(|| match extract_scenarios() {
        Ok(d) => Some(d),
        Err(e) => {
            tracing::error!(error = %e, "cannot write the bundled scenarios to a temporary directory; bundled exercise plans are unavailable (use --scenarios-dir)");
            None
        }
    })
    .as_ref()
    .map(|d| d.path().to_path_buf())
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
