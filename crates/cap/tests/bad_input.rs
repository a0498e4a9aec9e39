//! Bad input gives a clear message with a location, and `validate_xml` reports it.

mod common;

use common::read_reference;
use forewarn_cap::{CapError, CapVersion, read_alert, validate_xml};

fn good() -> String {
    read_reference("wmo-tests/sc/no_signature.xml")
}

#[test]
fn malformed_xml_reports_line_and_column() {
    let xml = good().replacen(
        "<sender>info@meteo.gov.sc</sender>",
        "<sender>info@meteo.gov.sc</sendr>",
        1,
    );
    match read_alert(&xml) {
        Err(CapError::Xml {
            line,
            column,
            message,
        }) => {
            assert_eq!(line, 5, "{message}");
            assert!(column > 1);
            assert!(message.contains("malformed"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let report = validate_xml(&xml);
    assert!(!report.is_valid());
    assert!(
        report.problems[0].message.starts_with("line 5, column"),
        "{}",
        report.problems[0]
    );
    let truncated = &good()[..600];
    let err = read_alert(truncated).unwrap_err().to_string();
    assert!(err.starts_with("line "), "{err}");
}

#[test]
fn wrong_namespace_is_rejected() {
    let xml = good().replacen(
        "urn:oasis:names:tc:emergency:cap:1.2",
        "urn:oasis:names:tc:emergency:cap:9.9",
        1,
    );
    let err = read_alert(&xml).unwrap_err();
    assert!(matches!(err, CapError::Namespace { .. }), "{err:?}");
    assert!(err.to_string().contains("cap:9.9"));
    let report = validate_xml(&xml);
    assert!(!report.is_valid());
    assert!(report.problems[0].message.contains("namespace"));
}

#[test]
fn missing_required_element_is_named() {
    let xml = good().replacen("<urgency>Immediate</urgency>", "", 1);
    let report = validate_xml(&xml);
    let p = report
        .problems
        .iter()
        .find(|p| p.path == "/alert/info[1]/urgency")
        .expect("urgency problem");
    assert!(
        p.message.contains("required element <urgency> is missing"),
        "{p}"
    );
    assert!(matches!(read_alert(&xml), Err(CapError::Invalid(_))));
}

#[test]
fn bad_time_format_is_explained() {
    for bad in [
        "2024-05-19T17:18:00Z",
        "2024-05-19T17:18:00.000+04:00",
        "19/05/2024 17:18",
    ] {
        let xml = good().replacen("2024-05-19T17:18:00+04:00", bad, 1);
        let report = validate_xml(&xml);
        let p = report
            .problems
            .iter()
            .find(|p| p.path == "/alert/sent[1]")
            .unwrap_or_else(|| panic!("{bad}: {:?}", report.problems));
        assert!(p.message.contains("YYYY-MM-DDThh:mm:ss+hh:mm"), "{p}");
        assert!(read_alert(&xml).is_err());
    }
}

#[test]
fn open_polygon_is_rejected() {
    let xml = good().replacen(
        " -9.121416,46.362825 -9.186965,46.078276</polygon>",
        " -9.121416,46.362825</polygon>",
        1,
    );
    assert_ne!(xml, good());
    let report = validate_xml(&xml);
    assert!(!report.is_valid());
    let p = &report.problems[0];
    assert_eq!(p.path, "/alert/info[1]/area[1]/polygon[1]");
    assert!(p.message.contains("not closed"), "{p}");
    // Reading works (the text parses); validation is what rejects it.
    let alert = read_alert(&xml).unwrap();
    assert!(!forewarn_cap::validate(&alert).is_empty());
}

#[test]
fn other_rules_are_reported() {
    let xml = good()
        .replacen("<scope>Public</scope>", "<scope>Private</scope>", 1)
        .replacen("<msgType>Alert</msgType>", "<msgType>Cancel</msgType>", 1)
        .replacen(
            "<sender>info@meteo.gov.sc</sender>",
            "<sender>info meteo</sender>",
            1,
        )
        .replacen(
            "<severity>Moderate</severity>",
            "<severity>Moderate</severity><certainty>Observed</certainty>",
            1,
        )
        .replacen(
            "<language>en</language>",
            "<language>en</language><bogus/>",
            1,
        );
    let report = validate_xml(&xml);
    let text: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("certainty") && t.contains("at most 1")),
        "{text:?}"
    );
    assert!(text.iter().any(|t| t.contains("<bogus>")), "{text:?}");
    // Schema problems stop the rule checks; fix them and the rules show.
    let xml = good()
        .replacen("<scope>Public</scope>", "<scope>Private</scope>", 1)
        .replacen("<msgType>Alert</msgType>", "<msgType>Cancel</msgType>", 1)
        .replacen(
            "<sender>info@meteo.gov.sc</sender>",
            "<sender>info meteo</sender>",
            1,
        );
    let report = validate_xml(&xml);
    let paths: Vec<&str> = report.problems.iter().map(|p| p.path.as_str()).collect();
    assert!(paths.contains(&"/alert/addresses"), "{paths:?}");
    assert!(paths.contains(&"/alert/references"), "{paths:?}");
    assert!(paths.contains(&"/alert/sender"), "{paths:?}");
}

#[test]
fn cap_1_1_is_read() {
    let xml = good()
        .replacen(
            "urn:oasis:names:tc:emergency:cap:1.2",
            "urn:oasis:names:tc:emergency:cap:1.1",
            1,
        )
        .replacen(
            "<certainty>Observed</certainty>",
            "<certainty>Very Likely</certainty>",
            1,
        );
    let alert = read_alert(&xml).unwrap();
    assert_eq!(alert.infos[0].certainty, forewarn_cap::Certainty::Likely);
    assert_eq!(validate_xml(&xml).version, Some(CapVersion::V1_1));
    // Written back as CAP 1.2.
    assert!(
        alert
            .to_xml()
            .contains("urn:oasis:names:tc:emergency:cap:1.2")
    );
    assert!(common::xmllint(&alert.to_xml()).is_ok());
}
