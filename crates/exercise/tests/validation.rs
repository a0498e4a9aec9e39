//! Bad exercise files: each error names the line and the field.

use forewarn_exercise::{ExerciseError, parse};
use std::path::Path;

const BASE: &str = r#"
[exercise]
name = "t"
hseep_type = "tabletop"
languages = ["en"]
start = "2026-01-01T00:00:00+00:00"
duration = "6h"

[[organisation]]
id = "o"
name = "Org"
country = "TJ"

[[team]]
id = "a"
name = "A"
organisation = "o"
role = "player"
language = "en"

[[hazard]]
id = "eq"
kind = "earthquake"
at = "T+10m"
lon = 72.6
lat = 38.2
depth_km = 10
mag = 7
"#;

fn problems(extra: &str) -> (String, Vec<forewarn_exercise::Problem>) {
    let text = format!("{BASE}{extra}");
    match parse(&text, "t.toml", Path::new(".")) {
        Ok(_) => panic!("accepted:\n{extra}"),
        Err(e) => {
            let msg = e.to_string();
            match e {
                ExerciseError::Invalid { problems, .. } => (msg, problems),
                other => panic!("unexpected error {other}"),
            }
        }
    }
}

fn line_of(text: &str, needle: &str) -> usize {
    let full = format!("{BASE}{text}");
    full.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{needle} not found"))
}

#[test]
fn base_file_is_valid() {
    let p = parse(BASE, "t.toml", Path::new(".")).unwrap();
    assert_eq!(p.duration_s, 6 * 3600);
    assert_eq!(p.hazard_onset_s, vec![600]);
}

#[test]
fn unknown_team() {
    let extra = "\n[[inject]]\nid = \"i1\"\nat = \"T+1h\"\nfrom = \"x\"\nto = [\"a\", \"ghost\"]\nchannel = \"message\"\ncontent.en = \"hi\"\n";
    let (msg, p) = problems(extra);
    assert_eq!(p.len(), 1, "{msg}");
    assert_eq!(p[0].field, "inject[0].to[1]");
    assert_eq!(p[0].line, line_of(extra, "\"ghost\""));
    assert!(p[0].message.contains("unknown team 'ghost'"), "{msg}");
    assert!(msg.starts_with(&format!("t.toml:{}:", p[0].line)), "{msg}");
}

#[test]
fn inject_before_start() {
    let extra = "\n[[inject]]\nid = \"early\"\nat = \"T-30m\"\nfrom = \"x\"\nto = [\"a\"]\nchannel = \"message\"\ncontent.en = \"hi\"\n";
    let (msg, p) = problems(extra);
    assert_eq!(p.len(), 1, "{msg}");
    assert_eq!(p[0].field, "inject[0].at");
    assert_eq!(p[0].line, line_of(extra, "T-30m"));
    assert!(p[0].message.contains("before the scenario start"), "{msg}");
    // Relative to a hazard, also before the start.
    let extra = "\n[[inject]]\nid = \"early\"\nat = \"eq-20m\"\nfrom = \"x\"\nto = [\"a\"]\nchannel = \"message\"\ncontent.en = \"hi\"\n";
    let (_, p) = problems(extra);
    assert_eq!(p[0].field, "inject[0].at");
    assert!(p[0].message.contains("T-00:10"), "{}", p[0].message);
}

#[test]
fn circular_condition() {
    let extra = "\n[[inject]]\nid = \"x1\"\nfrom = \"x\"\nto = [\"a\"]\nchannel = \"message\"\ncontent.en = \"hi\"\ncondition = { type = \"after_inject\", inject = \"x2\" }\n\n[[inject]]\nid = \"x2\"\nfrom = \"x\"\nto = [\"a\"]\nchannel = \"message\"\ncontent.en = \"hi\"\ncondition = { type = \"after_inject\", inject = \"x1\", delay = \"5m\" }\n";
    let (msg, p) = problems(extra);
    assert_eq!(p.len(), 1, "{msg}");
    assert_eq!(p[0].field, "inject[0].condition.inject");
    assert_eq!(p[0].line, line_of(extra, "inject = \"x2\""));
    assert!(
        p[0].message.contains("circular condition: x1 -> x2 -> x1"),
        "{msg}"
    );
    // A self-reference is a cycle too.
    let extra = "\n[[inject]]\nid = \"s\"\nfrom = \"x\"\nto = [\"a\"]\nchannel = \"message\"\ncontent.en = \"hi\"\n[inject.condition]\ntype = \"after_inject\"\ninject = \"s\"\n";
    let (_, p) = problems(extra);
    assert_eq!(p[0].field, "inject[0].condition.inject");
    assert_eq!(p[0].line, line_of(extra, "inject = \"s\""));
}

#[test]
fn unknown_hazard_reference() {
    let extra = "\n[[inject]]\nid = \"i1\"\nat = \"T+1h\"\nfrom = \"x\"\nto = [\"a\"]\nchannel = \"cap\"\nhazard = \"tsunami\"\ncontent.en = \"hi\"\n";
    let (msg, p) = problems(extra);
    assert_eq!(p.len(), 1, "{msg}");
    assert_eq!(p[0].field, "inject[0].hazard");
    assert_eq!(p[0].line, line_of(extra, "tsunami"));
    assert!(p[0].message.contains("unknown hazard 'tsunami'"), "{msg}");
    // In a time expression and in an aftershock's mainshock.
    let extra = "\n[[hazard]]\nid = \"as\"\nkind = \"aftershock\"\nat = \"quake+2h\"\nmainshock = \"big-one\"\nlon = 72.0\nlat = 38.0\ndepth_km = 10\nmag = 6\n";
    let (msg, p) = problems(extra);
    let fields: Vec<&str> = p.iter().map(|x| x.field.as_str()).collect();
    assert!(
        fields.contains(&"hazard[1].at") && fields.contains(&"hazard[1].mainshock"),
        "{msg}"
    );
    assert!(
        p.iter().all(|x| x.line >= line_of(extra, "quake+2h")),
        "{msg}"
    );
}

#[test]
fn serde_errors_name_line_and_field() {
    let extra = "\n[[inject]]\nid = \"i1\"\nat = \"T+1h\"\nfrom = \"x\"\nto = [\"a\"]\nchanel = \"message\"\ncontent.en = \"hi\"\n";
    let (msg, p) = problems(extra);
    assert_eq!(p[0].line, line_of(extra, "chanel"), "{msg}");
    assert!(p[0].field.ends_with("chanel"), "{msg}");
    assert!(p[0].message.contains("unknown field"), "{msg}");
    let extra = "\n[[team]]\nid = \"b\"\nname = \"B\"\norganisation = \"o\"\nrole = \"captain\"\nlanguage = \"en\"\n";
    let (msg, p) = problems(extra);
    assert_eq!(p[0].field, "team[1].role", "{msg}");
    assert_eq!(p[0].line, line_of(extra, "captain"));
}

#[test]
fn other_reference_errors() {
    let extra = "\n[[team]]\nid = \"b\"\nname = \"B\"\norganisation = \"nobody\"\nrole = \"player\"\nlanguage = \"fr\"\n\n[[inject]]\nid = \"i1\"\nat = \"T+7h\"\nfrom = \"x\"\nto = [\"a\"]\nchannel = \"message\"\nobjective = \"none\"\ncontent.ru = \"x\"\n";
    let (msg, p) = problems(extra);
    let fields: Vec<&str> = p.iter().map(|x| x.field.as_str()).collect();
    for f in [
        "team[1].organisation",
        "team[1].language",
        "inject[0].at",
        "inject[0].objective",
        "inject[0].content",
        "inject[0].content.ru",
    ] {
        assert!(fields.contains(&f), "{f} missing in\n{msg}");
    }
}

#[test]
fn feed_reports_are_checked_and_timed() {
    let good = "\n[[feed]]\nid = \"f1\"\nat = \"eq+5m\"\norigin_at = \"T+10m\"\nagency = \"us\"\nevent_id = \"us7000x\"\nlat = 38.2\nlon = 72.6\ndepth_km = 10\nmag = 7\n";
    let p = parse(&format!("{BASE}{good}"), "t.toml", Path::new(".")).unwrap();
    assert_eq!(
        (p.feed_at_s.clone(), p.feed_origin_s.clone()),
        (vec![900], vec![600])
    );
    let bad = "\n[[feed]]\nid = \"f1\"\nat = \"T+5m\"\norigin_at = \"T+20m\"\nagency = \"u s\"\nevent_id = \"e\"\nlat = 95\nlon = 72.6\ndepth_km = 10\nmag = 7\n\n[[feed]]\nid = \"f1\"\nat = \"T+7h\"\nagency = \"us\"\nevent_id = \"e\"\nlat = 38\nlon = 72\ndepth_km = 10\nmag = 7\nstatus = \"rumoured\"\n";
    let (msg, _) = problems(bad);
    assert!(msg.contains("feed[1].status"), "{msg}");
    let bad = bad.replace("status = \"rumoured\"\n", "");
    let (msg, p) = problems(&bad);
    let fields: Vec<&str> = p.iter().map(|x| x.field.as_str()).collect();
    for f in [
        "feed[0].agency",
        "feed[0].lat",
        "feed[0].origin_at",
        "feed[1].id",
        "feed[1].at",
    ] {
        assert!(fields.contains(&f), "{f} not in {fields:?}: {msg}");
    }
}

#[test]
fn translations_of_sender_and_expected_action_are_checked() {
    let extra = "\n[[inject]]\nid = \"i1\"\nat = \"T+1h\"\nfrom = \"x\"\nfrom_i18n = { de = \"y\" }\nto = [\"a\"]\nchannel = \"message\"\ncontent.en = \"hi\"\nexpected_action_i18n = { en = \"z\" }\n";
    let (msg, p) = problems(extra);
    let fields: Vec<&str> = p.iter().map(|x| x.field.as_str()).collect();
    assert!(fields.contains(&"inject[0].from_i18n.de"), "{msg}");
    assert!(fields.contains(&"inject[0].expected_action_i18n"), "{msg}");
}
