//! Identifier parts from free text: one rule for every sender id and event id we derive from a
//! name a person chose (an exercise sender label, a flood scenario name).

/// `text` lowercased, with every run of characters other than ASCII letters and digits turned
/// into one `-`, and no leading or trailing `-`. Empty when `text` has no ASCII letter or digit;
/// callers choose their own fallback.
pub fn id_slug(text: &str) -> String {
    text.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::id_slug;

    #[test]
    fn slugs_are_lowercase_ascii_words_joined_by_hyphens() {
        assert_eq!(
            id_slug("Agency of Hydrometeorology (sim)"),
            "agency-of-hydrometeorology-sim"
        );
        assert_eq!(id_slug("  Sarez -- breach  "), "sarez-breach");
        assert_eq!(id_slug("Сарез"), "");
        assert_eq!(id_slug("Lake Сарез 2"), "lake-2");
    }
}
