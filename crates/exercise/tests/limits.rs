//! Plan limits and plan file resolution (crates/exercise/src/limits.rs, files.rs).

use forewarn_exercise::PlanFiles;
use std::path::Path;

fn pamir() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/exercise-pamir.toml"),
    )
    .unwrap()
}

fn problems(text: &str, dir: &Path) -> String {
    match forewarn_exercise::parse(text, "p.toml", dir) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn names_resolve_only_inside_the_roots_and_errors_show_no_folder() {
    let root = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("a.toml"), "x").unwrap();
    std::fs::write(outside.path().join("secret.toml"), "x").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        outside.path().join("secret.toml"),
        root.path().join("link.toml"),
    )
    .unwrap();
    let files = PlanFiles::local(root.path());
    assert!(files.resolve("a.toml").is_ok());
    let shown = root.path().display().to_string();
    for bad in [
        "/etc/passwd",
        "../a.toml",
        "",
        "./../a.toml",
        "sub/../../a.toml",
    ] {
        let e = files.resolve(bad).unwrap_err();
        assert!(e.contains("no absolute path or '..'"), "{bad}: {e}");
        assert!(!e.contains(&shown), "{e}");
    }
    let e = files.resolve("missing.toml").unwrap_err();
    assert_eq!(e, "no file 'missing.toml' in the plan's folder");
    #[cfg(unix)]
    {
        let e = files.resolve("link.toml").unwrap_err();
        assert!(e.contains("leads outside"), "{e}");
    }
    // Unrestricted (the CLI's --allow-any-path) takes absolute paths.
    let abs = outside.path().join("secret.toml");
    assert!(
        PlanFiles::unrestricted(root.path())
            .resolve(abs.to_str().unwrap())
            .is_ok()
    );
    // Scrubbing removes the roots from an engine's message.
    let msg = format!("{}/a.toml: line 3: bad", root.path().display());
    assert_eq!(files.scrub(&msg), "a.toml: line 3: bad");
}

#[test]
fn plan_limits_name_the_field_and_the_limit() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let base = pamir();
    assert_eq!(problems(&base, &dir), "");
    let long = base.replace("duration = \"72h\"", "duration = \"31d\"");
    let e = problems(&long, &dir);
    assert!(
        e.contains("exercise.duration") && e.contains("limit"),
        "{e}"
    );
    let huge = base.replace("duration = \"72h\"", "duration = \"99999999999999999999d\"");
    let e = problems(&huge, &dir);
    assert!(
        e.contains("exercise.duration") && e.contains("limit"),
        "{e}"
    );
    let flood = base.replace("duration_h = 40", "duration_h = 400");
    let e = problems(&flood, &dir);
    assert!(
        e.contains("duration_h") && e.contains("limit of 336 h"),
        "{e}"
    );
    let sitrep = base.replace("sitrep_every_h = 12", "sitrep_every_h = 0.0001");
    let e = problems(&sitrep, &dir);
    assert!(
        e.contains("sitrep_every_h") && e.contains("limit of 1 h"),
        "{e}"
    );
    let spacing = base.replace("spacing_km = 5", "spacing_km = 0.01");
    let e = problems(&spacing, &dir);
    assert!(e.contains("spacing_km") && e.contains("(0.05, 50]"), "{e}");
    let mut many = base.clone();
    for k in 0..2001 {
        many.push_str(&format!(
            "\n[[inject]]\nid = \"x{k}\"\nat = \"T+1m\"\nfrom = \"a\"\nto = [\"tj-coes\"]\nchannel = \"message\"\ncontent.en = \"a\"\ncontent.ru = \"a\"\n"
        ));
    }
    let e = problems(&many, &dir);
    assert!(
        e.contains("inject") && e.contains("over the limit of 2000"),
        "{e}"
    );
    let big = format!(
        "{base}\n# {}\n",
        "x".repeat(forewarn_exercise::limits::MAX_PLAN_BYTES)
    );
    let e = problems(&big, &dir);
    assert!(e.contains("over the limit of 1048576 bytes"), "{e}");
}
