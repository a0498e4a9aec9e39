//! Tidy tests: the rules in ARCHITECTURE.md that can be checked mechanically, run by
//! `cargo test --workspace` (in the manner of rust-analyzer's `xtask/src/tidy.rs`). Each
//! failure names the file and the rule it breaks.
//!
//! - `layering`: which Forewarn crates and which layer-bound third-party crates (sqlx, axum,
//!   anyhow, plotters, tokio, ...) each crate may depend on ([`LAYERS`], [`BOUND_TO`]).
//! - `versions_live_in_the_workspace_table`: every dependency of a member is
//!   `workspace = true`; versions are pinned only in the root `[workspace.dependencies]`.
//! - `module_docs`: every Rust source file starts with a `//!` module doc.
//! - `panics_only_shrink`: `.unwrap()`, `.expect(..)`, `panic!`, `unreachable!`, `todo!` and
//!   `unimplemented!` per file of non-test code, against the committed allowlist
//!   `xtask/tidy-panic-allowlist.txt`: a count may fall (then the list is lowered), never rise.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The allowlist of panicking calls, relative to the repository root.
const ALLOWLIST: &str = "xtask/tidy-panic-allowlist.txt";

const CORE: &str = "forewarn-core";
const EMBEDDED: &str = "forewarn-embedded";
const SCIENCE: [&str; 5] = [
    "forewarn-quake",
    "forewarn-flood",
    "forewarn-impact",
    "forewarn-exposure",
    "forewarn-cap",
];

/// The Forewarn crates each package may depend on: ARCHITECTURE.md, "Dependency rules"
/// (`cli -> server -> exercise -> engine -> {quake, flood, impact, exposure, cap} -> core`;
/// `server -> store`; `embedded` only on `core`; `store` and `core` on none).
fn layers() -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    let set = |v: &[&'static str]| v.iter().copied().collect::<BTreeSet<_>>();
    let mut m = BTreeMap::new();
    m.insert(CORE, set(&[]));
    m.insert(EMBEDDED, set(&[CORE]));
    for s in SCIENCE {
        m.insert(s, set(&[CORE]));
    }
    // The flood model's life-loss estimate is the one model in impact (ARCHITECTURE.md).
    m.insert("forewarn-flood", set(&[CORE, "forewarn-impact"]));
    let mut engine = set(&[CORE, EMBEDDED]);
    engine.extend(SCIENCE);
    m.insert("forewarn-engine", engine.clone());
    let mut exercise = engine;
    exercise.insert("forewarn-engine");
    m.insert("forewarn-exercise", exercise.clone());
    m.insert("forewarn-store", set(&[]));
    // The watch: parsers, association and rules; the CAP reader for incoming warnings.
    m.insert("forewarn-watch", set(&[CORE, "forewarn-cap"]));
    let mut server = exercise;
    server.extend(["forewarn-exercise", "forewarn-store", "forewarn-watch"]);
    m.insert("forewarn-server", server.clone());
    let mut cli = server;
    cli.insert("forewarn-server");
    m.insert("forewarn-cli", cli.clone());
    // The fuzz entry points call every parser of outside input; no crate depends on it.
    m.insert("forewarn-fuzz-entry", cli);
    m.insert("xtask", set(&[CORE, "forewarn-exposure"]));
    m
}

/// Third-party crates bound to a layer: (crate, the packages that may use it, the rule).
const BOUND_TO: &[(&str, &[&str], &str)] = &[
    ("sqlx", &["forewarn-store"], "only store knows SQL"),
    ("axum", &["forewarn-server"], "only server knows HTTP"),
    ("tower", &["forewarn-server"], "only server knows HTTP"),
    ("tower-http", &["forewarn-server"], "only server knows HTTP"),
    ("hyper", &["forewarn-server"], "only server knows HTTP"),
    ("reqwest", &["forewarn-server"], "only server knows HTTP"),
    ("utoipa", &["forewarn-server"], "only server knows HTTP"),
    (
        "lettre",
        &["forewarn-server"],
        "only server talks to the network (SMTP)",
    ),
    (
        "anyhow",
        &["forewarn-cli", "forewarn-server", "xtask"],
        "anyhow only in the cli and server binaries (and the xtask tool); libraries return thiserror errors",
    ),
    (
        "plotters",
        &["forewarn-engine"],
        "plotters and fonts live in engine only",
    ),
    (
        "ab_glyph",
        &["forewarn-engine"],
        "plotters and fonts live in engine only",
    ),
    (
        "tokio",
        &["forewarn-store", "forewarn-server"],
        "the science crates, engine and exercise know no async runtime (the server drives them)",
    ),
    (
        "indicatif",
        &["forewarn-cli"],
        "terminals and progress bars belong to the cli; libraries report progress through callbacks",
    ),
];

fn root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root())
        .unwrap_or(p)
        .display()
        .to_string()
        .replace('\\', "/")
}

fn read_toml(p: &Path) -> toml::Table {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", rel(p)));
    text.parse::<toml::Table>()
        .unwrap_or_else(|e| panic!("{}: not valid TOML: {e}", rel(p)))
}

/// The member manifests named by the root Cargo.toml.
fn member_manifests() -> Vec<PathBuf> {
    let ws = read_toml(&root().join("Cargo.toml"));
    let members = ws
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(|m| m.as_array())
        .expect("Cargo.toml: [workspace] members");
    members
        .iter()
        .filter_map(|m| m.as_str())
        .map(|m| root().join(m).join("Cargo.toml"))
        .collect()
}

/// One dependency entry of a manifest.
struct Dep {
    /// `dependencies`, `dev-dependencies`, `build-dependencies` or `target.X.dependencies`.
    table: String,
    /// The name in the table.
    key: String,
    /// The package (differs from `key` with `package = "..."`).
    package: String,
    value: toml::Value,
}

impl Dep {
    fn is_dev(&self) -> bool {
        self.table.ends_with("dev-dependencies")
    }
}

fn deps_of(manifest: &toml::Table) -> Vec<Dep> {
    let mut tables: Vec<(String, &toml::Table)> = Vec::new();
    for kind in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(t) = manifest.get(kind).and_then(|t| t.as_table()) {
            tables.push((kind.to_string(), t));
        }
    }
    if let Some(targets) = manifest.get("target").and_then(|t| t.as_table()) {
        for (cfg, t) in targets {
            for kind in ["dependencies", "dev-dependencies", "build-dependencies"] {
                if let Some(d) = t.get(kind).and_then(|d| d.as_table()) {
                    tables.push((format!("target.{cfg}.{kind}"), d));
                }
            }
        }
    }
    let mut out = Vec::new();
    for (table, t) in tables {
        for (key, value) in t {
            let package = value
                .get("package")
                .and_then(|p| p.as_str())
                .unwrap_or(key)
                .to_string();
            out.push(Dep {
                table: table.clone(),
                key: key.clone(),
                package,
                value: value.clone(),
            });
        }
    }
    out
}

fn package_name(manifest: &toml::Table, path: &Path) -> String {
    manifest
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .unwrap_or_else(|| panic!("{}: no [package] name", rel(path)))
        .to_string()
}

/// The dependency rules of a manifest; one line per violation.
fn layering_problems(path: &Path, manifest: &toml::Table) -> Vec<String> {
    let layers = layers();
    let name = package_name(manifest, path);
    let file = rel(path);
    let Some(allowed) = layers.get(name.as_str()) else {
        return vec![format!(
            "{file}: package `{name}` has no layer in xtask/src/tidy.rs `layers()` (rule: every crate has its place in ARCHITECTURE.md, \"Dependency rules\"; add it to both)"
        )];
    };
    let mut out = Vec::new();
    for d in deps_of(manifest) {
        let forewarn = d.package.starts_with("forewarn-");
        // Tests may read the embedded region (test data), nothing else above their layer.
        let test_data = d.is_dev() && d.package == EMBEDDED && name != CORE;
        if forewarn && !allowed.contains(d.package.as_str()) && !test_data {
            out.push(format!(
                "{file}: [{}] {} -> {} breaks the layering (rule: dependencies point downward, ARCHITECTURE.md \"Dependency rules\"; {name} may use {:?})",
                d.table, name, d.package, allowed
            ));
        }
        for (krate, who, rule) in BOUND_TO {
            if d.package == *krate && !who.contains(&name.as_str()) {
                out.push(format!(
                    "{file}: [{}] {name} uses `{krate}` (rule: {rule}; ARCHITECTURE.md \"Dependency rules\")",
                    d.table
                ));
            }
        }
    }
    out
}

/// Pins outside the root table; one line per violation.
fn pin_problems(path: &Path, manifest: &toml::Table) -> Vec<String> {
    let file = rel(path);
    deps_of(manifest)
        .into_iter()
        .filter(|d| d.value.get("workspace").and_then(|w| w.as_bool()) != Some(true))
        .map(|d| {
            format!(
                "{file}: [{}] {} = {} (rule: versions live in the root [workspace.dependencies] table; write `{} = {{ workspace = true }}`, adding features there if needed; ARCHITECTURE.md \"Dependency rules\")",
                d.table, d.key, d.value, d.key
            )
        })
        .collect()
}

#[test]
fn layering() {
    let mut problems = Vec::new();
    for m in member_manifests() {
        problems.extend(layering_problems(&m, &read_toml(&m)));
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn versions_live_in_the_workspace_table() {
    let mut problems = Vec::new();
    for m in member_manifests() {
        problems.extend(pin_problems(&m, &read_toml(&m)));
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

/// Every `.rs` file under `dir`, sorted, skipping build output.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        if p.is_dir() {
            rust_files(&p, out);
        } else if name.ends_with(".rs") {
            out.push(p);
        }
    }
}

fn workspace_rust_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for m in member_manifests() {
        if let Some(dir) = m.parent() {
            rust_files(dir, &mut files);
        }
    }
    files
}

/// The rule: the first non-blank line of a source file is a `//!` module doc.
fn has_module_doc(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.trim_start().starts_with("//!"))
}

#[test]
fn module_docs() {
    let problems: Vec<String> = workspace_rust_files()
        .iter()
        .filter(|p| !has_module_doc(&std::fs::read_to_string(p).unwrap_or_default()))
        .map(|p| {
            format!(
                "{}: no `//!` module doc on its first line (rule: every source file starts with a `//!` doc saying what it is for; ARCHITECTURE.md \"Invariants\")",
                rel(p)
            )
        })
        .collect();
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

/// Panicking calls in one file, outside `#[cfg(test)]` items; also the names of
/// `#[cfg(test)] mod NAME;` declarations (their files are test code).
#[derive(Debug, Default, PartialEq)]
struct PanicScan {
    count: usize,
    test_modules: Vec<String>,
}

const PANIC_MACROS: [&str; 4] = ["panic", "unreachable", "todo", "unimplemented"];

/// A token of Rust source with comments and literals removed: an identifier (or keyword) or
/// one punctuation character. Numbers and literals are dropped; they never matter here.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Punct(char),
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Tokenizes Rust source, skipping comments (nested block comments too), string, byte,
/// C and raw string literals and char literals (lifetimes are kept as punctuation + ident).
fn tokenize(text: &str) -> Result<Vec<Tok>, String> {
    let c: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let line_of = |i: usize| c[..i.min(c.len())].iter().filter(|&&x| x == '\n').count() + 1;
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            let start = i;
            let mut depth = 0usize;
            loop {
                if i + 1 >= c.len() {
                    return Err(format!(
                        "unterminated block comment from line {}",
                        line_of(start)
                    ));
                }
                if c[i] == '/' && c[i + 1] == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c[i + 1] == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if ch == '"' {
            let start = i;
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            if i >= c.len() {
                return Err(format!("unterminated string from line {}", line_of(start)));
            }
            i += 1;
        } else if ch == '\'' {
            if next == Some('\\') {
                // An escaped char literal: up to the closing quote.
                let start = i;
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                if i >= c.len() {
                    return Err(format!(
                        "unterminated char literal on line {}",
                        line_of(start)
                    ));
                }
                i += 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3; // 'x'
            } else {
                toks.push(Tok::Punct('\'')); // a lifetime or label
                i += 1;
            }
        } else if is_ident_char(ch) && !ch.is_ascii_digit() {
            let start = i;
            while i < c.len() && is_ident_char(c[i]) {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            // Raw strings: r"..", r#".."#, br"..", cr#".."#.
            if matches!(word.as_str(), "r" | "br" | "cr") {
                let mut j = i;
                while j < c.len() && c[j] == '#' {
                    j += 1;
                }
                if c.get(j) == Some(&'"') {
                    let hashes = j - i;
                    let mut k = j + 1;
                    loop {
                        if k >= c.len() {
                            return Err(format!(
                                "unterminated raw string from line {}",
                                line_of(start)
                            ));
                        }
                        if c[k] == '"'
                            && c[k + 1..]
                                .iter()
                                .take(hashes)
                                .filter(|&&h| h == '#')
                                .count()
                                == hashes
                        {
                            break;
                        }
                        k += 1;
                    }
                    i = k + 1 + hashes;
                    continue;
                }
            }
            // b"..", c"..", b'x': the literal follows; the prefix is not an identifier.
            if matches!(word.as_str(), "b" | "c") && matches!(c.get(i), Some('"' | '\'')) {
                if c[i] == '\'' {
                    i += 1;
                    while i < c.len() && c[i] != '\'' {
                        i += if c[i] == '\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
                continue;
            }
            toks.push(Tok::Ident(word));
        } else if ch.is_ascii_digit() {
            while i < c.len()
                && (is_ident_char(c[i])
                    || c[i] == '.' && c.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
            {
                i += 1;
            }
        } else if ch.is_whitespace() {
            i += 1;
        } else {
            toks.push(Tok::Punct(ch));
            i += 1;
        }
    }
    Ok(toks)
}

/// For each opening bracket, the index of its closing one.
fn matching_brackets(toks: &[Tok]) -> Result<Vec<Option<usize>>, String> {
    let mut close = vec![None; toks.len()];
    let mut stack: Vec<(usize, char)> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Punct(o @ ('(' | '[' | '{')) => stack.push((i, *o)),
            Tok::Punct(c @ (')' | ']' | '}')) => {
                let want = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                match stack.pop() {
                    Some((j, o)) if o == want => close[j] = Some(i),
                    _ => return Err(format!("unbalanced '{c}'")),
                }
            }
            _ => {}
        }
    }
    if stack.is_empty() {
        Ok(close)
    } else {
        Err("unclosed bracket".into())
    }
}

fn scan_source(text: &str) -> Result<PanicScan, String> {
    let toks = tokenize(text)?;
    let close = matching_brackets(&toks)?;
    let punct = |i: usize, ch: char| toks.get(i) == Some(&Tok::Punct(ch));
    let ident = |i: usize| match toks.get(i) {
        Some(Tok::Ident(w)) => Some(w.as_str()),
        _ => None,
    };
    let mut out = PanicScan::default();
    let mut i = 0;
    while i < toks.len() {
        // Attributes: `#[..]` or `#![..]`.
        if punct(i, '#') {
            let inner = punct(i + 1, '!');
            let open = if inner { i + 2 } else { i + 1 };
            if punct(open, '[')
                && let Some(end) = close[open]
            {
                let body: String = toks[open + 1..end]
                    .iter()
                    .map(|t| match t {
                        Tok::Ident(w) => w.clone(),
                        Tok::Punct(p) => p.to_string(),
                    })
                    .collect();
                if body != "cfg(test)" {
                    i = end + 1;
                    continue;
                }
                if inner {
                    // `#![cfg(test)]`: the rest of this file is test code.
                    return Ok(out);
                }
                // Skip the item: up to the end of its `{..}` body or its `;`.
                let mut j = end + 1;
                while j < toks.len() {
                    if punct(j, '{') {
                        j = close[j].unwrap_or(j) + 1;
                        break;
                    }
                    if punct(j, ';') {
                        if ident(j - 2) == Some("mod")
                            && let Some(name) = ident(j - 1)
                        {
                            out.test_modules.push(name.to_string());
                        }
                        j += 1;
                        break;
                    }
                    j = match toks[j] {
                        Tok::Punct('(' | '[') => close[j].unwrap_or(j) + 1,
                        _ => j + 1,
                    };
                }
                i = j;
                continue;
            }
        }
        if let Some(w) = ident(i) {
            let method_call = i > 0 && punct(i - 1, '.') && punct(i + 1, '(');
            if method_call && w == "unwrap" {
                out.count += 1;
            } else if method_call && w == "expect" {
                // `.expect(..)?` is a parser's own `expect`, not Option/Result::expect.
                let after = close[i + 1].map(|k| k + 1).unwrap_or(i + 2);
                if !punct(after, '?') {
                    out.count += 1;
                }
            } else if PANIC_MACROS.contains(&w) && punct(i + 1, '!') && !punct(i + 2, '=') {
                out.count += 1;
            }
        }
        i += 1;
    }
    Ok(out)
}

/// The directory holding the files of `file`'s child modules.
fn child_module_dir(file: &Path) -> PathBuf {
    let dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
    match file.file_stem().and_then(|s| s.to_str()) {
        Some("mod" | "lib" | "main") | None => dir,
        Some(stem) => dir.join(stem),
    }
}

/// Panicking calls per non-test source file: every crate's src/, without `tests/` and
/// `benches/` directories, `#[cfg(test)]` items and files of `#[cfg(test)] mod x;`.
fn panic_counts() -> (BTreeMap<String, usize>, Vec<String>) {
    let mut files = Vec::new();
    for m in member_manifests() {
        let Some(dir) = m.parent() else { continue };
        if dir.file_name().is_some_and(|n| n == "xtask") {
            continue; // a developer tool, not shipped
        }
        rust_files(&dir.join("src"), &mut files);
    }
    let mut scans = BTreeMap::new();
    let mut errors = Vec::new();
    let mut test_files = BTreeSet::new();
    for f in &files {
        if f.components().any(|c| {
            let c = c.as_os_str();
            c == "tests" || c == "benches"
        }) {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap_or_default();
        match scan_source(&text) {
            Ok(s) => {
                let dir = child_module_dir(f);
                for m in &s.test_modules {
                    test_files.insert(dir.join(format!("{m}.rs")));
                    test_files.insert(dir.join(m).join("mod.rs"));
                }
                scans.insert(f.clone(), s.count);
            }
            Err(e) => errors.push(format!("{}: {e} (rule: panics_only_shrink)", rel(f))),
        }
    }
    let counts = scans
        .into_iter()
        .filter(|(f, n)| *n > 0 && !test_files.contains(f))
        .map(|(f, n)| (rel(&f), n))
        .collect();
    (counts, errors)
}

fn read_allowlist() -> BTreeMap<String, usize> {
    let path = root().join(ALLOWLIST);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (n, f) = l
                .split_once(char::is_whitespace)
                .unwrap_or_else(|| panic!("{ALLOWLIST}: bad line '{l}' (want: COUNT PATH)"));
            let n = n
                .parse()
                .unwrap_or_else(|_| panic!("{ALLOWLIST}: bad count in '{l}'"));
            (f.trim().to_string(), n)
        })
        .collect()
}

fn write_allowlist(list: &BTreeMap<String, usize>) {
    let mut text = String::from(
        "# Panicking calls (.unwrap(), .expect(..), panic!, unreachable!, todo!, unimplemented!)\n\
         # per file outside #[cfg(test)] items, checked by the tidy test `panics_only_shrink`\n\
         # (xtask/src/tidy.rs). Counts may only fall: lower them by hand or run\n\
         # `TIDY_BLESS=1 cargo test -p xtask panics_only_shrink`, which never raises a count.\n",
    );
    for (f, n) in list {
        text.push_str(&format!("{n} {f}\n"));
    }
    std::fs::write(root().join(ALLOWLIST), text).unwrap_or_else(|e| panic!("{ALLOWLIST}: {e}"));
}

#[test]
fn panics_only_shrink() {
    let (counts, mut problems) = panic_counts();
    let allowed = read_allowlist();
    let bless = std::env::var_os("TIDY_BLESS").is_some();
    let mut lowered = allowed.clone();
    for (f, &n) in &counts {
        let a = allowed.get(f).copied().unwrap_or(0);
        if n > a {
            problems.push(format!(
                "{f}: {n} panicking calls (.unwrap/.expect/panic!/unreachable!/todo!/unimplemented!) outside #[cfg(test)], the allowlist {ALLOWLIST} permits {a} (rule: no new panics in library code; bad input never panics, it is an error naming the field; ARCHITECTURE.md \"Invariants\")"
            ));
        }
    }
    let mut stale = Vec::new();
    for (f, &a) in &allowed {
        let n = counts.get(f).copied().unwrap_or(0);
        if n < a {
            stale.push(format!(
                "{f}: {n} panicking calls, the allowlist says {a}: well done; lower its line in {ALLOWLIST} to `{n} {f}`{} (rule: the allowlist only shrinks)",
                if n == 0 { " or delete it" } else { "" }
            ));
            if n == 0 {
                lowered.remove(f);
            } else {
                lowered.insert(f.clone(), n);
            }
        }
    }
    if bless && !stale.is_empty() {
        write_allowlist(&lowered);
    } else {
        problems.extend(stale);
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

// The checks themselves, on inputs with known answers.

#[test]
fn scan_counts_calls_outside_test_items_only() {
    let src = r#"
        //! doc
        fn f(x: Option<u8>) -> u8 {
            let s = "x.unwrap() in a string is not a call";
            // x.unwrap() in a comment neither
            let _ = x.unwrap_or(0);
            if x.is_none() { unreachable!("no") }
            x.expect("some")
        }
        fn parse(p: &mut P) -> Result<(), E> { p.expect(Tok::A)?; Ok(()) }
        macro_rules! m { () => { panic!("in a macro") } }
        #[cfg(test)]
        mod tests {
            fn t() { None::<u8>.unwrap(); panic!("in a test") }
        }
        #[cfg(test)]
        mod more_tests;
        fn g() { Some(1).unwrap(); }
    "#;
    let s = scan_source(src).expect("tokenizes");
    assert_eq!(
        s,
        PanicScan {
            count: 4,
            test_modules: vec!["more_tests".into()]
        }
    );
    let literals = r##"
        fn f<'a>(s: &'a str) -> char {
            let _ = r#"x.unwrap() " in a raw string"#;
            let _ = b"panic!()";
            let _ = '"';
            let _ = '\'';
            /* nested /* x.unwrap() */ still a comment */
            'outer: loop { break 'outer; }
            s.chars().next().unwrap()
        }
    "##;
    assert_eq!(scan_source(literals).map(|s| s.count), Ok(1));
    let inner = "//! test-only file\n#![cfg(test)]\nfn f() { None::<u8>.unwrap(); }\n";
    assert_eq!(scan_source(inner).map(|s| s.count), Ok(0));
}

#[test]
fn manifest_checks_name_the_file_and_the_rule() {
    let m: toml::Table = r#"
        [package]
        name = "forewarn-quake"
        [dependencies]
        forewarn-core = { workspace = true }
        forewarn-engine = { workspace = true }
        sqlx = { workspace = true }
        serde = "1"
        [dev-dependencies]
        forewarn-embedded = { workspace = true }
    "#
    .parse()
    .expect("valid TOML");
    let p = root().join("crates/quake/Cargo.toml");
    let layer = layering_problems(&p, &m);
    assert_eq!(layer.len(), 2, "{layer:?}");
    assert!(layer[0].starts_with("crates/quake/Cargo.toml: [dependencies] forewarn-quake -> forewarn-engine breaks the layering"));
    assert!(layer[1].contains("uses `sqlx` (rule: only store knows SQL"));
    let pins = pin_problems(&p, &m);
    assert_eq!(pins.len(), 1, "{pins:?}");
    assert!(pins[0].starts_with(
        "crates/quake/Cargo.toml: [dependencies] serde = \"1\" (rule: versions live in the root"
    ));
    assert!(!has_module_doc("// a plain comment\n//! too late\n"));
    assert!(has_module_doc("\n//! The module.\n"));
}
