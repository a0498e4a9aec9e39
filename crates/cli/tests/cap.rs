//! `forewarn cap`: validation exit codes and messages, signing round trip, threads.

mod common;
use common::*;

fn wmo(p: &str) -> String {
    repo()
        .join("../shared/reference/cap/wmo-tests")
        .join(p)
        .display()
        .to_string()
}

fn have_wmo() -> bool {
    let ok = std::path::Path::new(&wmo("tg/valid.xml")).exists();
    if !ok {
        assert!(
            std::env::var("CI").map(|v| v != "true").unwrap_or(true),
            "CI=true but ../shared/reference/cap is missing"
        );
        eprintln!("skipping: WMO CAP test messages not found");
    }
    ok
}

#[test]
fn validate_exit_codes_follow_validity() {
    if !have_wmo() {
        return;
    }
    let o = forewarn(&[
        "cap",
        "validate",
        &wmo("sc/valid.xml"),
        &wmo("tg/valid.xml"),
    ]);
    assert!(o.status.success(), "{}", stdout(&o));
    let o = forewarn(&["cap", "validate", &wmo("tg/invalid_schema.xml")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("certainty"), "{}", stdout(&o));
    // Signature problems are reported, never fatal.
    let o = forewarn(&["cap", "validate", &wmo("sc/invalid_signature.xml")]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("signature INVALID"), "{}", stdout(&o));
}

#[test]
fn bad_cap_files_get_line_column_path_and_message() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "malformed.xml",
            "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n  <identifier>x</identifier>\n  <sender>s</sender\n</alert>\n",
            "line",
        ),
        (
            "namespace.xml",
            "<alert xmlns=\"urn:example:not-cap\"><identifier>x</identifier></alert>",
            "namespace",
        ),
        (
            "badtime.xml",
            "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>x</identifier><sender>s</sender><sent>2024-01-01T00:00:00Z</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope></alert>",
            "sent",
        ),
    ];
    for (name, text, needle) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let o = forewarn(&["cap", "validate", p.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stdout(&o));
        let out = stdout(&o);
        assert!(
            out.contains(name) && out.to_lowercase().contains(needle),
            "{name}: {out}"
        );
    }
}

#[test]
fn sign_then_verify_with_xmlsec1_and_our_verifier() {
    if !have_tool("openssl") || !have_tool("xmlsec1") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = d.join("key.pem");
    let cert = d.join("cert.pem");
    let o = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=forewarn-test",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // An alert to sign: a small green quake with --cap-always.
    let out = d.join("q");
    let o = forewarn(&[
        "quake",
        "--quiet",
        "--lat",
        "39.0",
        "--lon",
        "70.0",
        "--depth-km",
        "15",
        "--mag",
        "5.0",
        "--realizations",
        "0",
        "--spacing-km",
        "5",
        "--gmpe",
        "bssa14",
        "--time",
        "2026-01-01T00:00:00+00:00",
        "--cap-always",
        "--status",
        "Test",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let signed = d.join("signed.xml");
    let o = forewarn(&[
        "cap",
        "sign",
        out.join("alert.xml").to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--cert",
        cert.to_str().unwrap(),
        "--out",
        signed.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = forewarn(&["cap", "verify", signed.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stdout(&o));
    let x = std::process::Command::new("xmlsec1")
        .args(["--verify", "--id-attr:Id", "alert", "--trusted-pem"])
        .arg(&cert)
        .arg(&signed)
        .output()
        .unwrap();
    assert!(x.status.success(), "xmlsec1: {}", stderr(&x));
    // Tampering is detected (reported, exit 1 for verify).
    let text = std::fs::read_to_string(&signed).unwrap().replacen(
        "<status>Test</status>",
        "<status>Actual</status>",
        1,
    );
    let bad = d.join("bad.xml");
    std::fs::write(&bad, text).unwrap();
    let o = forewarn(&["cap", "verify", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
}

/// Runs the WMO CAP validator (PyPI `capvalidator`, what alert hubs use: schema, then the
/// XML signature checked after parsing with blank text removed) on `file`.
fn capvalidator(python: &str, file: &std::path::Path) -> (bool, String) {
    let o = std::process::Command::new(python)
        .args([
            "-c",
            "import sys, capvalidator\n\
             r = capvalidator.validate_cap_message(open(sys.argv[1], 'rb').read(), strict=True)\n\
             print(r.passed, r.message)",
        ])
        .arg(file)
        .output()
        .unwrap();
    assert!(o.status.success(), "capvalidator: {}", stderr(&o));
    let out = stdout(&o);
    (out.starts_with("True"), out)
}

#[test]
fn signed_alerts_pass_the_wmo_cap_validator() {
    let Some(python) = python_with("capvalidator") else {
        return;
    };
    if !have_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = d.join("key.pem");
    let cert = d.join("cert.pem");
    let o = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=forewarn-capvalidator-test", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = d.join("q");
    let o = forewarn(&[
        "quake",
        "--quiet",
        "--lat",
        "39.0",
        "--lon",
        "70.0",
        "--depth-km",
        "15",
        "--mag",
        "6.5",
        "--realizations",
        "0",
        "--spacing-km",
        "5",
        "--gmpe",
        "bssa14",
        "--time",
        "2026-01-01T00:00:00+00:00",
        "--cap-always",
        "--status",
        "Test",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The unsigned alert is schema-valid but fails the strict validator (not signed).
    let (passed, msg) = capvalidator(&python, &out.join("alert.xml"));
    assert!(!passed && msg.contains("not been signed"), "{msg}");
    let signed = d.join("signed.xml");
    let o = forewarn(&[
        "cap",
        "sign",
        out.join("alert.xml").to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--cert",
        cert.to_str().unwrap(),
        "--out",
        signed.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (passed, msg) = capvalidator(&python, &signed);
    assert!(passed, "{msg}");
    // A changed message fails there too.
    let text = std::fs::read_to_string(&signed).unwrap();
    let tampered = text.replacen("<status>Test</status>", "<status>Actual</status>", 1);
    assert_ne!(tampered, text);
    let bad = d.join("bad.xml");
    std::fs::write(&bad, tampered).unwrap();
    let (passed, msg) = capvalidator(&python, &bad);
    assert!(!passed && msg.contains("invalid"), "{msg}");
}

#[test]
fn update_and_feed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("alerts");
    let o = forewarn(&[
        "quake",
        "--quiet",
        "--lat",
        "39.0",
        "--lon",
        "70.0",
        "--depth-km",
        "15",
        "--mag",
        "6.8",
        "--realizations",
        "0",
        "--spacing-km",
        "5",
        "--gmpe",
        "bssa14",
        "--time",
        "2026-01-01T00:00:00+00:00",
        "--status",
        "Exercise",
        "--cap-always",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let upd = out.join("update.xml");
    let o = forewarn(&[
        "cap",
        "update",
        out.join("alert.xml").to_str().unwrap(),
        "--note",
        "revised",
        "--sent",
        "2026-01-01T01:00:00+00:00",
        "--out",
        upd.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let u = std::fs::read_to_string(&upd).unwrap();
    assert!(
        u.contains("<msgType>Update</msgType>")
            && u.contains("<status>Exercise</status>")
            && u.contains("<references>")
    );
    let feed = d.join("feed.atom");
    let o = forewarn(&[
        "cap",
        "feed",
        out.to_str().unwrap(),
        "--out",
        feed.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let feeds: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".atom"))
        .collect();
    assert!(!feeds.is_empty());
    let text = std::fs::read_to_string(feeds[0].path()).unwrap();
    assert!(text.contains("application/cap+xml"), "{text}");
}
