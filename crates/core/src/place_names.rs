//! Settlement names in the warning languages (English, Russian, Chinese, Urdu).
//!
//! A reviewed name from `place_names.csv` (one row per GeoNames id, with its source) is used
//! where there is one. Otherwise: English and Chinese and Urdu get the GeoNames name without
//! diacritics ("Muzaffarābād" -> "Muzaffarabad", which also keeps an SMS in GSM 7-bit), and
//! Russian a practical transcription of it into Cyrillic ([`russian_transcription`]). Chinese
//! and Urdu forms of names that are not in the list stay Latin: a character-by-character
//! transcription into Hanzi or Urdu script would invent names nobody uses; the Urdu templates
//! isolate such a name so it does not reorder the line (docs/cap-language.md).

use serde::{Deserialize, Serialize};

/// A settlement's reviewed names (`place_names.csv`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PlaceName {
    pub geonameid: u64,
    pub name_en: String,
    pub name_ru: String,
    pub name_zh: String,
    pub name_ur: String,
    /// Where the forms come from (a review, an official list).
    pub source: String,
}

impl PlaceName {
    /// The reviewed form in `lang` (`en`, `ru`, `zh`, `ur`), if any.
    pub fn get(&self, lang: &str) -> Option<&str> {
        let s = match lang {
            "en" => &self.name_en,
            "ru" => &self.name_ru,
            "zh" => &self.name_zh,
            "ur" => &self.name_ur,
            _ => return None,
        };
        Some(s.as_str()).filter(|s| !s.trim().is_empty())
    }
}

/// A settlement's name in `lang` when no reviewed form exists (see the module notes).
pub fn fallback_name(geonames_name: &str, country_iso2: &str, lang: &str) -> String {
    let ascii = deunicode::deunicode(geonames_name);
    match lang {
        "ru" => russian_transcription(&ascii, country_iso2),
        _ => ascii,
    }
}

/// Latin letter groups and their Russian practical transcription, longest first.
const GROUPS: &[(&str, &str)] = &[
    ("shch", "щ"),
    ("iy", "ий"),
    ("yy", "ый"),
    ("sh", "ш"),
    ("ch", "ч"),
    ("zh", "ж"),
    ("kh", "х"),
    ("gh", "г"),
    ("ts", "ц"),
    ("ph", "ф"),
    ("th", "т"),
    ("ya", "я"),
    ("yu", "ю"),
    ("yo", "ё"),
    ("ye", "е"),
    ("ee", "и"),
    ("oo", "у"),
    ("ou", "у"),
];

fn single(c: char) -> Option<&'static str> {
    Some(match c {
        'a' => "а",
        'b' => "б",
        'c' => "к",
        'd' => "д",
        'e' => "е",
        'f' => "ф",
        'g' => "г",
        'h' => "х",
        'i' => "и",
        'j' => "дж",
        'k' => "к",
        'l' => "л",
        'm' => "м",
        'n' => "н",
        'o' => "о",
        'p' => "п",
        'q' => "к",
        'r' => "р",
        's' => "с",
        't' => "т",
        'u' => "у",
        'v' => "в",
        'w' => "в",
        'x' => "кс",
        'y' => "й",
        'z' => "з",
        _ => return None,
    })
}

/// A Latin (ASCII) name written in Cyrillic by the usual practical rules (sh -> ш, kh -> х,
/// ya -> я, a word-initial e -> э, -iy -> -ий, ...). An approximation for names nobody has
/// reviewed; an apostrophe is a soft sign in names from Russia, Belarus and Central Asia
/// (GeoNames' "Tver'") and dropped elsewhere.
pub fn russian_transcription(ascii: &str, country_iso2: &str) -> String {
    let soft_sign = matches!(country_iso2, "RU" | "BY" | "KZ" | "KG" | "UZ" | "TJ");
    let chars: Vec<char> = ascii.chars().collect();
    let mut out = String::with_capacity(ascii.len() * 2);
    let mut i = 0;
    let mut word_start = true;
    while i < chars.len() {
        let c = chars[i];
        if !c.is_ascii_alphabetic() {
            match c {
                '\'' => {
                    if soft_sign {
                        out.push('ь');
                    }
                }
                _ => out.push(c),
            }
            word_start = !c.is_ascii_alphanumeric() && c != '\'';
            i += 1;
            continue;
        }
        let upper = c.is_ascii_uppercase();
        let rest: String = chars[i..chars.len().min(i + 4)]
            .iter()
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let (len, cyr) = match GROUPS.iter().find(|(lat, _)| rest.starts_with(lat)) {
            Some((lat, cyr)) => (lat.chars().count(), *cyr),
            None if word_start && rest.starts_with('e') => (1, "э"),
            None => (1, single(rest.chars().next().unwrap_or(' ')).unwrap_or("")),
        };
        if upper {
            let mut cs = cyr.chars();
            if let Some(first) = cs.next() {
                out.extend(first.to_uppercase());
                out.extend(cs);
            }
        } else {
            out.push_str(cyr);
        }
        word_start = false;
        i += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_without_a_reviewed_form_are_transcribed_or_folded() {
        let cases = [
            ("Novosibirsk", "RU", "ru", "Новосибирск"),
            ("Nizhniy Novgorod", "RU", "ru", "Нижний Новгород"),
            ("Yekaterinburg", "RU", "ru", "Екатеринбург"),
            ("Tver'", "RU", "ru", "Тверь"),
            ("Khujand", "TJ", "ru", "Худжанд"),
            ("Rŭshon", "TJ", "ru", "Рушон"),
            ("Elista", "RU", "ru", "Элиста"),
            ("Muzaffarābād", "PK", "en", "Muzaffarabad"),
            ("Rŭshon", "TJ", "zh", "Rushon"),
            ("Herāt", "AF", "ur", "Herat"),
        ];
        for (name, iso, lang, want) in cases {
            assert_eq!(fallback_name(name, iso, lang), want, "{name} in {lang}");
        }
    }
}
