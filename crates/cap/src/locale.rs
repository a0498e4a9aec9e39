//! What a warning says in each language beyond its templates' sentences: the place phrase, the
//! area descriptions, numbers rounded and written the way the language writes them.
//!
//! The callers give structure ([`Place`], [`Zone`], [`LocalName`]), never English text; each
//! language's template file holds the patterns (`[place]`, `[area]`, `[format]`, see
//! crates/cap/data/templates/README.md). The rules follow the language review
//! (docs/cap-language.md, after ../shared/docs/cap-language-review.md §0.2-§0.5).

use std::collections::BTreeMap;

use crate::config::LanguageTemplates;
use crate::template;

/// Below this distance from a settlement the place is "near" it ("0 km from Gilgit" reads as a
/// mistake; the review's §0.2).
pub const NEAR_KM: f64 = 5.0;

/// Settlements with at least this many people are written as towns in languages that mark
/// the kind (Russian "г." against "н. п."). The figure is the Russian rule for city status: a
/// settlement may become a city (город) of district subordination from 12,000 inhabitants
/// (Decree of the Presidium of the Supreme Soviet of the RSFSR of 17 August 1982, "On the
/// procedure for deciding questions of the administrative-territorial structure of the
/// RSFSR"), applied to settlements abroad as the language review's §1.2 applies «г.».
pub const TOWN_MIN_POPULATION: u64 = 12_000;

/// A name in several languages: language code to name. A language without its own form
/// falls back to English, then to any form given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LocalName(pub BTreeMap<String, String>);

impl LocalName {
    /// One form for every language (a name nobody has translated yet).
    pub fn same(name: &str) -> LocalName {
        LocalName(BTreeMap::from([("en".to_string(), name.to_string())]))
    }

    /// The form for `lang`.
    pub fn get(&self, lang: &str) -> &str {
        self.0
            .get(lang)
            .or_else(|| self.0.get("en"))
            .or_else(|| self.0.values().next())
            .map_or("", String::as_str)
    }
}

/// Where the event is, for the `{place}` of the texts. Each language writes it as an
/// adverbial phrase with its own preposition or postposition ("near Gilgit, Pakistan",
/// "вблизи г. Гилгит (Пакистан)", "巴基斯坦吉尔吉特附近", "گلگت (پاکستان) کے قریب").
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// `distance_km` from a settlement ("near" it below [`NEAR_KM`]).
    Settlement {
        name: LocalName,
        country_iso2: String,
        distance_km: f64,
        /// A town ([`TOWN_MIN_POPULATION`] people or more) rather than a village.
        town: bool,
    },
    /// A flood along a valley, named after a settlement in it.
    Valley {
        name: LocalName,
        country_iso2: String,
        town: bool,
    },
    /// A point with no settlement to name (degrees north and east).
    Point { lat: f64, lon: f64 },
}

/// What an area of the warning is: written after the country name in each language.
#[derive(Debug, Clone, PartialEq)]
pub enum Zone {
    /// Where shaking reaches MMI `k` or more.
    MmiAtLeast(u8),
    /// A downstream reach the water reaches `from_h` to `to_h` hours after the breach (no upper
    /// bound: later than `from_h`).
    FloodArrival { from_h: f64, to_h: Option<f64> },
    /// The expected flood zone.
    FloodZone,
    /// The affected area (no better description).
    Affected,
    /// A description the caller gives (an administrative unit's name), the same in every
    /// language.
    Named(String),
}

/// The area description of one language: `{country}: {zone}` (the language's `area.format`),
/// with the named places after the zone (`area.with_places`) when there are any.
pub(crate) fn area_desc(
    t: &LanguageTemplates,
    lang: &str,
    country: &str,
    zone: &Zone,
    places: &[LocalName],
) -> Result<String, String> {
    let a = &t.area;
    let num = |v: f64| number(v, 0, &t.format.decimal);
    let zone_text = match zone {
        Zone::MmiAtLeast(k) => fill(
            &a.mmi_at_least,
            &[("mmi", k.to_string()), ("mmi_roman", roman(*k))],
        )?,
        Zone::FloodArrival {
            from_h,
            to_h: Some(to),
        } => fill(
            &a.flood_arrival,
            &[("from_h", num(*from_h)), ("to_h", num(*to))],
        )?,
        Zone::FloodArrival { from_h, to_h: None } => {
            fill(&a.flood_arrival_after, &[("from_h", num(*from_h))])?
        }
        Zone::FloodZone => a.flood_zone.clone(),
        Zone::Affected => a.affected.clone(),
        Zone::Named(s) => s.trim().to_string(),
    };
    let zone_text = if places.is_empty() {
        zone_text
    } else {
        let names: Vec<&str> = places.iter().map(|p| p.get(lang)).collect();
        fill(
            &a.with_places,
            &[("zone", zone_text), ("places", names.join(&t.format.list))],
        )?
    };
    if zone_text.is_empty() {
        return Ok(country.to_string());
    }
    fill(
        &a.format,
        &[("country", country.to_string()), ("zone", zone_text)],
    )
}

/// The `{place}` phrase of one language.
pub(crate) fn place_text(
    t: &LanguageTemplates,
    lang: &str,
    place: &Place,
) -> Result<String, String> {
    let p = &t.place;
    let settlement = |name: &LocalName, town: bool| {
        fill(
            if town { &p.town } else { &p.village },
            &[("name", name.get(lang).to_string())],
        )
    };
    let country = |iso: &str| {
        t.countries
            .get(iso)
            .cloned()
            .unwrap_or_else(|| iso.to_string())
    };
    match place {
        Place::Settlement {
            name,
            country_iso2,
            distance_km,
            town,
        } => {
            let s = settlement(name, *town)?;
            if *distance_km < NEAR_KM {
                fill(
                    &p.near,
                    &[("settlement", s), ("country", country(country_iso2))],
                )
            } else {
                fill(
                    &p.distance,
                    &[
                        ("settlement", s),
                        ("country", country(country_iso2)),
                        ("distance_km", format!("{:.0}", distance_km)),
                    ],
                )
            }
        }
        Place::Valley {
            name,
            country_iso2,
            town,
        } => fill(
            &p.valley,
            &[
                ("settlement", settlement(name, *town)?),
                ("country", country(country_iso2)),
            ],
        ),
        Place::Point { lat, lon } => fill(
            &p.point,
            &[
                ("lat", number(*lat, 2, &t.format.decimal)),
                ("lon", number(*lon, 2, &t.format.decimal)),
            ],
        ),
    }
}

fn fill(text: &str, values: &[(&'static str, String)]) -> Result<String, String> {
    let map: BTreeMap<&str, String> = values.iter().cloned().collect();
    template::render(text, &map)
}

/// `v` with `decimals` decimals and the language's decimal separator; never "-0".
pub(crate) fn number(v: f64, decimals: usize, decimal_separator: &str) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    };
    if decimal_separator == "." {
        s
    } else {
        s.replace('.', decimal_separator)
    }
}

/// A count of people as the public reads it (the language review's §0.5 and §1.2: "round for
/// the public", «около 1,1 млн человек»): two significant figures from 1,000 up, in the
/// language's words for large numbers ("1.1 million", "1,1 млн", "110万", "11 لاکھ"). The exact
/// figure stays in the alert's parameters for machines.
pub fn people_count(n: u64, lang: &str) -> String {
    let x = round_sig(n as f64, 2);
    // One decimal, dropped when it is zero: 1.1, 41, 110.
    let short = |v: f64, sep: &str| {
        let s = if (v - v.round()).abs() < 1e-9 {
            format!("{:.0}", v)
        } else {
            format!("{:.1}", v)
        };
        s.replace('.', sep)
    };
    if n < 1000 {
        return n.to_string();
    }
    let (units, sep, group) = number_words(lang);
    match units.iter().find(|(unit, _)| x >= *unit) {
        Some((unit, word)) => format!("{}{word}", short(x / unit, sep)),
        None if group => group_thousands(x as u64),
        None => format!("{x:.0}"),
    }
}

/// A language's words for large numbers, largest first (the value of one, the word), its
/// decimal separator, and whether smaller numbers are grouped by thousands ("41,000").
fn number_words(lang: &str) -> (&'static [(f64, &'static str)], &'static str, bool) {
    match lang {
        "ru" => (&[(1e9, " млрд"), (1e6, " млн"), (1e3, " тыс.")], ",", false),
        "zh" => (&[(1e8, "亿"), (1e4, "万")], ".", false),
        "ur" => (&[(1e7, " کروڑ"), (1e5, " لاکھ"), (1e3, " ہزار")], ".", false),
        _ => (&[(1e9, " billion"), (1e6, " million")], ".", true),
    }
}

/// `v` rounded to `digits` significant figures.
fn round_sig(v: f64, digits: i32) -> f64 {
    if v <= 0.0 {
        return 0.0;
    }
    let scale = 10f64.powi(v.log10().floor() as i32 + 1 - digits);
    (v / scale).round() * scale
}

fn group_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Roman numeral of an intensity (1-12).
fn roman(k: u8) -> String {
    const R: [&str; 13] = [
        "0", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
    ];
    R.get(usize::from(k))
        .map_or_else(|| k.to_string(), |s| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_are_rounded_in_each_language_s_words() {
        let cases = [
            (1_116_036, "en", "1.1 million"),
            (1_116_036, "ru", "1,1 млн"),
            (1_116_036, "zh", "110万"),
            (1_116_036, "ur", "11 لاکھ"),
            (41_234, "en", "41,000"),
            (41_234, "ru", "41 тыс."),
            (41_234, "zh", "4.1万"),
            (41_234, "ur", "41 ہزار"),
            (4_132_076, "en", "4.1 million"),
            (12_345_678, "ur", "1.2 کروڑ"),
            (1_411_778_724, "zh", "14亿"),
            (3_456, "en", "3,500"),
            (3_456, "zh", "3500"),
            (999, "ru", "999"),
            (0, "en", "0"),
        ];
        for (n, lang, want) in cases {
            assert_eq!(people_count(n, lang), want, "{n} in {lang}");
        }
    }

    #[test]
    fn numbers_use_the_language_s_separator_and_never_minus_zero() {
        assert_eq!(number(6.8, 1, ","), "6,8");
        assert_eq!(number(-0.01, 1, "."), "0.0");
        assert_eq!(number(35.918, 2, "."), "35.92");
    }

    #[test]
    fn a_name_falls_back_to_english() {
        let mut n = LocalName::same("Gilgit");
        n.0.insert("ru".into(), "Гилгит".into());
        assert_eq!(n.get("ru"), "Гилгит");
        assert_eq!(n.get("zh"), "Gilgit");
        assert_eq!(LocalName::default().get("en"), "");
    }
}
