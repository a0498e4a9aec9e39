//! docs/exercise.schema.json stays in sync with the Rust definition: the example file and the
//! fully-defaulted serialisation of the parsed definition both validate against it.
//!
//! The validator below implements the JSON Schema keywords the schema uses: type, enum, const,
//! pattern (anchored literal classes only: checked with a tiny matcher), properties, required,
//! additionalProperties, items, minItems, maxItems, minimum, maximum, exclusiveMinimum, anyOf,
//! oneOf and local $ref.

use serde_json::Value;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        _ => false,
    }
}

fn validate(schema: &Value, root: &Value, v: &Value, path: &str, errs: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/$defs/");
        return validate(&root["$defs"][name], root, v, path, errs);
    }
    if let Some(t) = schema.get("type") {
        let ok = match t {
            Value::String(s) => type_ok(s, v),
            Value::Array(a) => a.iter().any(|x| x.as_str().is_some_and(|s| type_ok(s, v))),
            _ => true,
        };
        if !ok {
            errs.push(format!("{path}: {v} is not of type {t}"));
            return;
        }
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        errs.push(format!("{path}: {v} not in {e:?}"));
    }
    if let Some(c) = schema.get("const")
        && c != v
    {
        errs.push(format!("{path}: {v} != {c}"));
    }
    if let (Some(p), Some(s)) = (schema.get("pattern").and_then(Value::as_str), v.as_str()) {
        let ok = match p {
            "^\\S+$" => !s.is_empty() && !s.contains(char::is_whitespace),
            "^[A-Z]{2}$" => s.len() == 2 && s.chars().all(|c| c.is_ascii_uppercase()),
            "^(0|([0-9.]+[dhms])+)$" => forewarn_exercise::time::parse_duration_s(s).is_ok(),
            "^[A-Za-z0-9._-]+$" => {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b".-_".contains(&b))
            }
            other => panic!("pattern {other} not supported by the test validator"),
        };
        if !ok {
            errs.push(format!("{path}: '{s}' does not match {p}"));
        }
    }
    if let Some(x) = v.as_f64()
        && (schema
            .get("minimum")
            .and_then(Value::as_f64)
            .is_some_and(|m| x < m)
            || schema
                .get("maximum")
                .and_then(Value::as_f64)
                .is_some_and(|m| x > m)
            || schema
                .get("exclusiveMinimum")
                .and_then(Value::as_f64)
                .is_some_and(|m| x <= m))
    {
        errs.push(format!("{path}: {x} out of range"));
    }
    if let Some(obj) = v.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        for r in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !obj.contains_key(r.as_str().unwrap_or_default()) {
                errs.push(format!("{path}: missing {r}"));
            }
        }
        for (k, x) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => validate(s, root, x, &format!("{path}.{k}"), errs),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        errs.push(format!("{path}: property '{k}' not in the schema"))
                    }
                    Some(s @ Value::Object(_)) => {
                        validate(s, root, x, &format!("{path}.{k}"), errs)
                    }
                    _ => {}
                },
            }
        }
    }
    if let Some(a) = v.as_array() {
        if schema
            .get("minItems")
            .and_then(Value::as_u64)
            .is_some_and(|m| (a.len() as u64) < m)
            || schema
                .get("maxItems")
                .and_then(Value::as_u64)
                .is_some_and(|m| (a.len() as u64) > m)
        {
            errs.push(format!("{path}: wrong number of items"));
        }
        if let Some(items) = schema.get("items") {
            for (i, x) in a.iter().enumerate() {
                validate(items, root, x, &format!("{path}[{i}]"), errs);
            }
        }
    }
    for (key, exactly_one) in [("anyOf", false), ("oneOf", true)] {
        if let Some(alts) = schema.get(key).and_then(Value::as_array) {
            let passing = alts
                .iter()
                .filter(|s| {
                    let mut e = Vec::new();
                    validate(s, root, v, path, &mut e);
                    e.is_empty()
                })
                .count();
            if passing == 0 || (exactly_one && passing != 1) {
                errs.push(format!("{path}: {passing} of the {key} alternatives match"));
            }
        }
    }
}

fn schema() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/exercise.schema.json")).unwrap(),
    )
    .unwrap()
}

#[test]
fn example_validates_against_the_schema() {
    let s = schema();
    for example in ["exercise-pamir.toml", "exercise-gilgit-feed.toml"] {
        let text = std::fs::read_to_string(root().join("scenarios").join(example)).unwrap();
        let doc: Value = toml::from_str(&text).unwrap();
        let mut errs = Vec::new();
        validate(&s, &s, &doc, "$", &mut errs);
        assert!(errs.is_empty(), "{example}: {errs:#?}");
    }
    // The feed's fully defaulted serialisation too.
    let feed =
        forewarn_exercise::load(&root().join("scenarios/exercise-gilgit-feed.toml")).unwrap();
    let full = serde_json::to_value(&feed.def).unwrap();
    assert_eq!(full["feed"][0]["status"], "automatic");
    let mut errs = Vec::new();
    validate(&s, &s, &full, "$", &mut errs);
    assert!(errs.is_empty(), "{errs:#?}");
    // Every field of the Rust definition (defaults included) is in the schema.
    let plan = forewarn_exercise::load(&root().join("scenarios/exercise-pamir.toml")).unwrap();
    // Serde renames make the Rust field names the TOML table names.
    let full = serde_json::to_value(&plan.def).unwrap();
    assert!(full.get("inject").is_some() && full["objective"][0].get("criterion").is_some());
    let mut errs = Vec::new();
    validate(&s, &s, &full, "$", &mut errs);
    assert!(errs.is_empty(), "{errs:#?}");
}

#[test]
fn schema_rejects_what_the_parser_rejects() {
    let s = schema();
    for bad in [
        "[exercise]\nname='x'\nhseep_type='party'\nlanguages=['en']\nstart='2026-01-01T00:00:00+00:00'\nduration='1h'\n",
        "[exercise]\nname='x'\nhseep_type='drill'\nlanguages=['en']\nstart='2026-01-01T00:00:00+00:00'\nduration='1h'\ncolour='red'\n",
        "[exercise]\nname='x'\nhseep_type='drill'\nlanguages=['en']\nstart='2026-01-01T00:00:00+00:00'\nduration='1h'\n[[inject]]\nid='a'\nfrom='b'\nto=['c']\nchannel='fax'\ncontent.en='x'\n",
        "[exercise]\nname='x'\nhseep_type='drill'\nlanguages=['en']\nstart='2026-01-01T00:00:00+00:00'\nduration='1h'\n[[inject]]\nid='a'\nfrom='b'\nto=['c']\nchannel='news'\ncontent.en='x'\ncondition={type='after_inject'}\n",
    ] {
        let doc: Value = toml::from_str(bad).unwrap();
        let mut errs = Vec::new();
        validate(&s, &s, &doc, "$", &mut errs);
        assert!(!errs.is_empty(), "schema accepted:\n{bad}");
        assert!(
            forewarn_exercise::parse(bad, "x.toml", std::path::Path::new(".")).is_err(),
            "parser accepted:\n{bad}"
        );
    }
}
