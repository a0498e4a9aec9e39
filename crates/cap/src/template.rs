//! `{placeholder}` substitution for the warning texts.

use std::collections::BTreeMap;

/// Every placeholder a template may use.
pub(crate) const KNOWN: &[&str] = &[
    "level",
    "likelihood_pct",
    "place",
    "event_time",
    "event_id",
    "magnitude",
    "depth_km",
    "max_mmi",
    "people_exposed",
    "median_deaths",
    "people_affected",
    "peak_depth_m",
    "economic_loss_musd",
];

fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
}

/// The first placeholder in `text` that is not in [`KNOWN`].
pub(crate) fn unknown_placeholder(text: &str) -> Option<String> {
    unknown_placeholder_in(text, KNOWN)
}

/// The first placeholder in `text` that is not in `known`.
pub(crate) fn unknown_placeholder_in(text: &str, known: &[&str]) -> Option<String> {
    placeholders(text)
        .find(|p| !known.contains(p))
        .map(str::to_string)
}

/// Fills `text`; `Err(name)` for the first placeholder without a value.
pub(crate) fn render(text: &str, values: &BTreeMap<&str, String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                let value = values.get(name).ok_or_else(|| name.to_string())?;
                out.push_str(value);
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_and_reports_missing() {
        let mut v = BTreeMap::new();
        v.insert("place", "Muzaffarabad".to_string());
        assert_eq!(render("near {place}.", &v).unwrap(), "near Muzaffarabad.");
        assert_eq!(render("M{magnitude}", &v).unwrap_err(), "magnitude");
        assert_eq!(unknown_placeholder("{place} {bogus}"), Some("bogus".into()));
    }
}
