//! Signing and verification, cross-checked with xmlsec1 (Debian package xmlsec1).
//! Keys are generated at test time with the openssl CLI and are test-only.

mod common;

use std::process::Command;

use common::{have, kashmir, make_test_key, xmllint};
use forewarn_cap::{SignatureStatus, Status, WarningConfig, generate, sign, validate_xml, verify};

fn xmlsec_verify(xml: &str, cert: &std::path::Path) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = dir.path().join("signed.xml");
    std::fs::write(&file, xml).map_err(|e| e.to_string())?;
    let out = Command::new("xmlsec1")
        .arg("--verify")
        .arg("--trusted-pem")
        .arg(cert)
        .arg(&file)
        .output()
        .map_err(|e| format!("xmlsec1 not runnable: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn signed_kashmir(kind: &str) -> (tempfile::TempDir, String, std::path::PathBuf) {
    assert!(
        have("openssl"),
        "the openssl CLI is needed to make test keys"
    );
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = make_test_key(dir.path(), kind);
    let alert = generate(
        &kashmir(Status::Exercise),
        &WarningConfig::embedded().unwrap(),
    )
    .unwrap();
    let signed = sign(
        &alert.to_xml(),
        &std::fs::read_to_string(&key).unwrap(),
        &std::fs::read_to_string(&cert).unwrap(),
    )
    .unwrap();
    (dir, signed, cert)
}

#[test]
fn rsa_signature_verifies_here_and_with_xmlsec1() {
    let (_dir, signed, cert) = signed_kashmir("rsa");
    match verify(&signed) {
        SignatureStatus::Valid {
            algorithm,
            signer,
            whitespace_normalized,
            ..
        } => {
            assert!(algorithm.ends_with("rsa-sha256"));
            assert!(signer.contains("forewarn-test-only"));
            assert!(!whitespace_normalized);
        }
        other => panic!("{other:?}"),
    }
    xmlsec_verify(&signed, &cert).unwrap();
    xmllint(&signed).unwrap();
    let report = validate_xml(&signed);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert!(matches!(report.signature, SignatureStatus::Valid { .. }));
}

#[test]
fn ecdsa_p256_signature_verifies_here_and_with_xmlsec1() {
    let (_dir, signed, cert) = signed_kashmir("ec");
    assert!(
        matches!(verify(&signed), SignatureStatus::Valid { .. }),
        "{:?}",
        verify(&signed)
    );
    xmlsec_verify(&signed, &cert).unwrap();
}

#[test]
fn tampering_is_detected_by_both_verifiers() {
    let (_dir, signed, cert) = signed_kashmir("rsa");
    let tampered = signed.replacen(
        "<severity>Extreme</severity>",
        "<severity>Minor</severity>",
        1,
    );
    assert_ne!(tampered, signed);
    match verify(&tampered) {
        SignatureStatus::Invalid { reason } => assert!(reason.contains("digest"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(xmlsec_verify(&tampered, &cert).is_err());
    // Still a valid CAP message: a bad signature is reported, not fatal.
    assert!(validate_xml(&tampered).is_valid());
    // The compact form is what is signed: no blank text between elements.
    assert!(!signed.contains(">\n  <"), "{signed}");
    // Re-indenting after signing changes the text but not its compact form: reported as
    // valid only with the whitespace removed.
    let reindented = signed.replacen("<status>", "\n  <status>", 1);
    assert!(matches!(
        verify(&reindented),
        SignatureStatus::Valid {
            whitespace_normalized: true,
            ..
        }
    ));
    // Changing text inside an element is still caught.
    let retexted = signed.replacen("<status>Exercise", "<status> Exercise", 1);
    assert_ne!(retexted, signed);
    assert!(matches!(verify(&retexted), SignatureStatus::Invalid { .. }));
    let double = sign(&signed, "", "");
    assert!(double.is_err());
}

#[test]
fn wrong_certificate_is_refused_when_signing() {
    assert!(have("openssl"));
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = make_test_key(dir.path(), "rsa");
    let (_, other_cert) = make_test_key(dir.path(), "ec");
    let alert = generate(&kashmir(Status::Test), &WarningConfig::embedded().unwrap()).unwrap();
    let err = sign(
        &alert.to_xml(),
        &std::fs::read_to_string(&key).unwrap(),
        &std::fs::read_to_string(&other_cert).unwrap(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");
}
