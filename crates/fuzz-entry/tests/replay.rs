//! Replays the committed fuzz corpora and crash regressions: every file of
//! fuzz/corpus/<target>/ and fuzz/regressions/<target>/ goes through the same entry function
//! the fuzz target calls; a panic fails the test. Runs in `cargo test --workspace`.

use std::path::{Path, PathBuf};

use forewarn_fuzz_entry::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

#[test]
fn every_target_has_a_corpus_and_replays_without_panic() {
    let mut replayed = 0usize;
    for target in TARGETS {
        let corpus = files(&fuzz_dir().join("corpus").join(target.name));
        assert!(
            !corpus.is_empty(),
            "fuzz/corpus/{} is empty or missing: every target keeps its minimised corpus",
            target.name
        );
        let regressions = files(&fuzz_dir().join("regressions").join(target.name));
        for path in corpus.iter().chain(&regressions) {
            let data = std::fs::read(path)
                .unwrap_or_else(|e| panic!("{}: cannot read: {e}", path.display()));
            let outcome = std::panic::catch_unwind(|| (target.entry)(&data));
            assert!(
                outcome.is_ok(),
                "{} panicked on {}",
                target.name,
                path.display()
            );
            replayed += 1;
        }
    }
    assert!(replayed >= TARGETS.len());
}

#[test]
fn deeply_nested_cap_is_an_error_not_a_crash() {
    // Issue #11: 60,000 nested elements overflowed the stack of the recursive XML tree.
    let xml = format!("{}{}", "<a>".repeat(60_000), "</a>".repeat(60_000));
    let report = forewarn_cap::validate_xml(&xml);
    assert!(!report.is_valid());
    assert!(
        report.problems[0].message.contains("MAX_XML_DEPTH = 32"),
        "{}",
        report.problems[0].message
    );
    let nrml = format!(
        "<nrml>{}{}</nrml>",
        "<a>".repeat(60_000),
        "</a>".repeat(60_000)
    );
    let err = forewarn_quake::source_files::parse_nrml_rupture(&nrml, "deep.xml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("MAX_NRML_DEPTH"), "{err}");
}
