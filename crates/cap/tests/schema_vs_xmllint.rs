//! Our built-in schema check agrees with `xmllint --schema cap12.xsd` on many variants of a
//! real message: each element removed, neighbours swapped, values broken.

mod common;

use common::{read_reference, xmllint};
use forewarn_cap::validate_xml;

fn base() -> String {
    read_reference("wmo-tests/sc/no_signature.xml")
}

/// (start, end) byte ranges of the leaf elements `<name>text</name>` on their own lines.
fn leaf_lines(xml: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in xml.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with('<')
            && !t.starts_with("</")
            && !t.starts_with("<?")
            && t.ends_with('>')
            && t.matches('<').count() == 2
        {
            let name = t[1..].split(['>', ' ']).next().unwrap_or("").to_string();
            out.push((offset, offset + line.len(), name));
        }
        offset += line.len();
    }
    out
}

#[test]
fn verdicts_match_xmllint() {
    let xml = base();
    let leaves = leaf_lines(&xml);
    assert!(leaves.len() > 20);
    let mut variants: Vec<(String, String)> = Vec::new();
    for (s, e, name) in &leaves {
        variants.push((
            format!("remove <{name}>"),
            format!("{}{}", &xml[..*s], &xml[*e..]),
        ));
    }
    for w in leaves.windows(2) {
        let (s1, e1, n1) = &w[0];
        let (s2, e2, n2) = &w[1];
        if e1 == s2 {
            variants.push((
                format!("swap <{n1}> <{n2}>"),
                format!(
                    "{}{}{}{}",
                    &xml[..*s1],
                    &xml[*s2..*e2],
                    &xml[*s1..*e1],
                    &xml[*e2..]
                ),
            ));
        }
    }
    for (from, to) in [
        ("<status>Actual</status>", "<status>actual</status>"),
        ("<scope>Public</scope>", "<scope> Public</scope>"),
        ("<category>Met</category>", "<category>Weather</category>"),
        ("<language>en</language>", "<language>en_GB</language>"),
        (
            "<sent>2024-05-19T17:18:00+04:00</sent>",
            "<sent>2024-05-19T17:18:00</sent>",
        ),
        (
            "<sent>2024-05-19T17:18:00+04:00</sent>",
            "<sent>2024-02-30T17:18:00+04:00</sent>",
        ),
        (
            "<sent>2024-05-19T17:18:00+04:00</sent>",
            "<sent> 2024-05-19T17:18:00+04:00 </sent>",
        ),
        ("<areaDesc>", "<areaDesc lang=\"en\">"),
        (
            "<urgency>Immediate</urgency>",
            "<urgency>Immediate</urgency><urgency>Immediate</urgency>",
        ),
        (
            "<event>Strong Winds</event>",
            "<event>Strong Winds</event><foo>1</foo>",
        ),
        (
            "</area>",
            "<altitude>12.5</altitude><ceiling>x</ceiling></area>",
        ),
        (
            "</area>",
            "<altitude>12.5</altitude><ceiling>100</ceiling></area>",
        ),
        (
            "<contact>",
            "<parameter><valueName>a</valueName><value>b</value></parameter><contact>",
        ),
        (
            "</info>",
            "</info><info><category>Geo</category><event>E</event><urgency>Past</urgency><severity>Minor</severity><certainty>Observed</certainty></info>",
        ),
    ] {
        assert!(xml.contains(from), "{from}");
        variants.push((format!("{from} -> {to}"), xml.replacen(from, to, 1)));
    }
    let mut checked = 0;
    for (what, v) in &variants {
        let theirs = xmllint(v).is_ok();
        let report = validate_xml(v);
        // Our verdict on the schema alone: errors from the schema stage. Rule errors
        // (e.g. a second info block in the default language) are extra and only counted
        // when xmllint accepts.
        let ours = report.is_valid();
        if theirs {
            // xmllint accepts: we may only add rule errors, never schema ones.
            assert!(
                report
                    .problems
                    .iter()
                    .all(|p| !p.is_error() || !p.message.contains("(line ")),
                "{what}: xmllint accepts, we report {:?}",
                report.problems
            );
        } else {
            assert!(!ours, "{what}: xmllint rejects, we accept");
        }
        checked += 1;
    }
    assert!(checked > 50, "{checked}");
}
