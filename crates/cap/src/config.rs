//! The warning configuration: the impact-based warning matrix (TOML) and the per-language
//! text templates (one TOML file per language). Defaults are embedded from `crates/cap/data/`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::CapError;
use crate::model::{Certainty, ResponseType, Severity, Status, Urgency};

/// Estimated impact level (PAGER / GDACS colours).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum AlertLevel {
    Green,
    Yellow,
    Orange,
    Red,
}

impl AlertLevel {
    /// All levels, lowest first.
    pub const ALL: [AlertLevel; 4] = [
        AlertLevel::Green,
        AlertLevel::Yellow,
        AlertLevel::Orange,
        AlertLevel::Red,
    ];

    /// The English name.
    pub fn as_str(&self) -> &'static str {
        match self {
            AlertLevel::Green => "Green",
            AlertLevel::Yellow => "Yellow",
            AlertLevel::Orange => "Orange",
            AlertLevel::Red => "Red",
        }
    }
}

/// The hazard a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hazard {
    Earthquake,
    Flood,
}

impl Hazard {
    /// Lower-case key used in the data files.
    pub fn key(&self) -> &'static str {
        match self {
            Hazard::Earthquake => "earthquake",
            Hazard::Flood => "flood",
        }
    }
}

/// One row of the warning matrix.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixRow {
    pub level: AlertLevel,
    /// The row applies when the likelihood of `level` is at least this (0..1).
    pub min_likelihood: f64,
    pub severity: Severity,
    pub urgency: Urgency,
    pub certainty: Certainty,
    pub response: Vec<ResponseType>,
}

/// Rules for one country (or the defaults).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountryRules {
    pub sender_name: Option<String>,
    pub web: Option<String>,
    pub contact: Option<String>,
    /// Validity of a message per level, hours after `sent`.
    #[serde(default)]
    pub expires_hours: BTreeMap<AlertLevel, u32>,
    #[serde(default)]
    pub earthquake: Vec<MatrixRow>,
    #[serde(default)]
    pub flood: Vec<MatrixRow>,
}

impl CountryRules {
    fn rows(&self, hazard: Hazard) -> &[MatrixRow] {
        match hazard {
            Hazard::Earthquake => &self.earthquake,
            Hazard::Flood => &self.flood,
        }
    }
}

/// A configured sender.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SenderConfig {
    /// The CAP `sender` value this entry applies to.
    pub sender: String,
    /// The alerting authority's OID (WMO Register of Alerting Authorities), e.g. `2.49.0.0.x.y`.
    pub wmo_oid: Option<String>,
    /// `senderName` to use instead of the matrix's.
    pub sender_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MatrixFile {
    schema_version: u32,
    defaults: CountryRules,
    #[serde(default)]
    countries: BTreeMap<String, CountryRules>,
    #[serde(default)]
    senders: Vec<SenderConfig>,
}

/// Texts of one hazard in one language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HazardTexts {
    pub event: String,
    pub headline: String,
    pub description: String,
    pub instruction: BTreeMap<AlertLevel, String>,
}

/// All texts of one language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageTemplates {
    pub language: String,
    /// Review state of the translation.
    pub review: String,
    pub levels: BTreeMap<AlertLevel, String>,
    /// Prefix for messages that are not Actual (keys: Exercise, Test, System, Draft).
    pub status: BTreeMap<String, String>,
    /// `note` for messages that are not Actual.
    pub notes: BTreeMap<String, String>,
    /// Country names by ISO 3166-1 alpha-2 code.
    #[serde(default)]
    pub countries: BTreeMap<String, String>,
    pub earthquake: HazardTexts,
    pub flood: HazardTexts,
    /// How this language writes numbers, the status prefix, the sender's name and lists.
    pub format: FormatTexts,
    /// Patterns of the `{place}` phrase (see [`crate::Place`]).
    pub place: PlaceTexts,
    /// Patterns of the area descriptions (see [`crate::Zone`]).
    pub area: AreaTexts,
}

/// `[format]` of a language file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatTexts {
    /// Decimal separator ("." or ",").
    pub decimal: String,
    /// How a status word prefixes headline, description and instruction: `{status}`, `{text}`.
    pub status: String,
    /// `senderName` in this language when no sender or country sets its own.
    pub sender_name: String,
    /// Separator of a list of names.
    pub list: String,
}

/// `[place]` of a language file: `{settlement}` is `town` or `village` filled with `{name}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceTexts {
    pub town: String,
    pub village: String,
    /// Closer than [`crate::NEAR_KM`]: `{settlement}`, `{country}`.
    pub near: String,
    /// `{distance_km}` from `{settlement}`, `{country}`.
    pub distance: String,
    /// A flood along a valley: `{settlement}`, `{country}`.
    pub valley: String,
    /// No settlement: `{lat}`, `{lon}` (degrees north and east).
    pub point: String,
}

/// `[area]` of a language file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaTexts {
    /// `{country}`, `{zone}`.
    pub format: String,
    /// A zone with the places in it: `{zone}`, `{places}`.
    pub with_places: String,
    /// `{mmi}` (digits) or `{mmi_roman}`.
    pub mmi_at_least: String,
    /// `{from_h}`, `{to_h}`.
    pub flood_arrival: String,
    /// `{from_h}`.
    pub flood_arrival_after: String,
    pub flood_zone: String,
    pub affected: String,
}

impl LanguageTemplates {
    /// Texts for a hazard.
    pub fn hazard(&self, hazard: Hazard) -> &HazardTexts {
        match hazard {
            Hazard::Earthquake => &self.earthquake,
            Hazard::Flood => &self.flood,
        }
    }

    /// Prefix for a status, `None` for Actual.
    pub fn status_prefix(&self, status: Status) -> Option<&str> {
        self.status.get(status.as_str()).map(String::as_str)
    }

    /// The `(name, text, placeholders)` of every pattern outside the hazard texts, for the
    /// loader's check.
    fn patterns(&self) -> Vec<(&'static str, &str, &'static [&'static str])> {
        let (f, p, a) = (&self.format, &self.place, &self.area);
        const S: &[&str] = &["settlement", "country"];
        vec![
            ("format.status", &f.status, &["status", "text"]),
            ("place.town", &p.town, &["name"]),
            ("place.village", &p.village, &["name"]),
            ("place.near", &p.near, S),
            (
                "place.distance",
                &p.distance,
                &["settlement", "country", "distance_km"],
            ),
            ("place.valley", &p.valley, S),
            ("place.point", &p.point, &["lat", "lon"]),
            ("area.format", &a.format, &["country", "zone"]),
            ("area.with_places", &a.with_places, &["zone", "places"]),
            ("area.mmi_at_least", &a.mmi_at_least, &["mmi", "mmi_roman"]),
            ("area.flood_arrival", &a.flood_arrival, &["from_h", "to_h"]),
            (
                "area.flood_arrival_after",
                &a.flood_arrival_after,
                &["from_h"],
            ),
            ("area.flood_zone", &a.flood_zone, &[]),
            ("area.affected", &a.affected, &[]),
        ]
    }
}

/// The warning matrix and templates used by [`crate::generate`].
#[derive(Debug, Clone)]
pub struct WarningConfig {
    defaults: CountryRules,
    countries: BTreeMap<String, CountryRules>,
    senders: Vec<SenderConfig>,
    templates: BTreeMap<String, LanguageTemplates>,
}

/// The resolved CAP fields for a warning.
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixCell {
    pub severity: Severity,
    pub urgency: Urgency,
    pub certainty: Certainty,
    pub response: Vec<ResponseType>,
    pub expires_hours: u32,
    /// The country whose rules were used (`None` = defaults).
    pub country: Option<String>,
}

const EMBEDDED_MATRIX: &str = include_str!("../data/warning_matrix.toml");
const EMBEDDED_TEMPLATES: [(&str, &str); 4] = [
    ("en.toml", include_str!("../data/templates/en.toml")),
    ("ru.toml", include_str!("../data/templates/ru.toml")),
    ("zh.toml", include_str!("../data/templates/zh.toml")),
    ("ur.toml", include_str!("../data/templates/ur.toml")),
];

const NON_ACTUAL: [Status; 4] = [
    Status::Exercise,
    Status::Test,
    Status::System,
    Status::Draft,
];

impl WarningConfig {
    /// The default matrix and the English, Russian, Chinese and Urdu templates shipped in
    /// `crates/cap/data/`.
    pub fn embedded() -> Result<WarningConfig, CapError> {
        WarningConfig::from_texts(
            "warning_matrix.toml",
            EMBEDDED_MATRIX,
            EMBEDDED_TEMPLATES
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
        )
    }

    /// Loads `DIR/warning_matrix.toml` and every `DIR/templates/*.toml`.
    pub fn from_dir(dir: &Path) -> Result<WarningConfig, CapError> {
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|source| CapError::Io {
                path: p.display().to_string(),
                source,
            })
        };
        let matrix_path = dir.join("warning_matrix.toml");
        let matrix = read(&matrix_path)?;
        let tdir = dir.join("templates");
        let entries = std::fs::read_dir(&tdir).map_err(|source| CapError::Io {
            path: tdir.display().to_string(),
            source,
        })?;
        let mut paths: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        let mut templates = Vec::new();
        for p in paths {
            templates.push((p.display().to_string(), read(&p)?));
        }
        WarningConfig::from_texts(&matrix_path.display().to_string(), &matrix, templates)
    }

    /// Parses and checks a matrix and template texts (`(name, text)` pairs, for messages).
    pub fn from_texts(
        matrix_name: &str,
        matrix: &str,
        templates: Vec<(String, String)>,
    ) -> Result<WarningConfig, CapError> {
        let file: MatrixFile =
            toml::from_str(matrix).map_err(|e| CapError::Config(format!("{matrix_name}: {e}")))?;
        if file.schema_version != 1 {
            return Err(CapError::Config(format!(
                "{matrix_name}: schema_version {} is not supported (expected 1)",
                file.schema_version
            )));
        }
        check_rules(matrix_name, "defaults", &file.defaults, true)?;
        for (code, rules) in &file.countries {
            if code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()) {
                return Err(CapError::Config(format!(
                    "{matrix_name}: country '{code}' is not an ISO 3166-1 alpha-2 code"
                )));
            }
            check_rules(matrix_name, code, rules, false)?;
        }
        for s in &file.senders {
            if let Some(oid) = &s.wmo_oid
                && (oid.is_empty()
                    || !oid
                        .split('.')
                        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())))
            {
                return Err(CapError::Config(format!(
                    "{matrix_name}: sender '{}': wmo_oid '{oid}' is not a dotted OID",
                    s.sender
                )));
            }
        }
        let mut by_lang = BTreeMap::new();
        for (name, text) in templates {
            let t: LanguageTemplates =
                toml::from_str(&text).map_err(|e| CapError::Config(format!("{name}: {e}")))?;
            check_templates(&name, &t)?;
            if by_lang.insert(t.language.clone(), t).is_some() {
                return Err(CapError::Config(format!(
                    "{name}: a second template file for the same language"
                )));
            }
        }
        if by_lang.is_empty() {
            return Err(CapError::Config("no template files".into()));
        }
        Ok(WarningConfig {
            defaults: file.defaults,
            countries: file.countries,
            senders: file.senders,
            templates: by_lang,
        })
    }

    /// Languages with templates.
    pub fn languages(&self) -> Vec<&str> {
        self.templates.keys().map(String::as_str).collect()
    }

    /// Templates of a language.
    pub fn templates(&self, language: &str) -> Option<&LanguageTemplates> {
        self.templates.get(language)
    }

    /// The configured entry for a sender, if any.
    pub fn sender(&self, sender: &str) -> Option<&SenderConfig> {
        self.senders.iter().find(|s| s.sender == sender)
    }

    /// Rules of a country, falling back to the defaults field by field.
    fn lookup(
        &self,
        country: Option<&str>,
        hazard: Hazard,
    ) -> (&[MatrixRow], &BTreeMap<AlertLevel, u32>, Option<&str>) {
        let c = country.and_then(|c| {
            self.countries
                .get_key_value(c)
                .map(|(k, r)| (k.as_str(), r))
        });
        let rows = c
            .map(|(_, r)| r.rows(hazard))
            .filter(|r| !r.is_empty())
            .unwrap_or(self.defaults.rows(hazard));
        let expires = c
            .map(|(_, r)| &r.expires_hours)
            .filter(|e| !e.is_empty())
            .unwrap_or(&self.defaults.expires_hours);
        (rows, expires, c.map(|(code, _)| code))
    }

    /// The matrix cell for one country (`None` = defaults), hazard, level and likelihood (0..1).
    pub fn cell(
        &self,
        country: Option<&str>,
        hazard: Hazard,
        level: AlertLevel,
        likelihood: f64,
    ) -> Result<MatrixCell, CapError> {
        if !(0.0..=1.0).contains(&likelihood) {
            return Err(CapError::Config(format!(
                "likelihood {likelihood} is outside 0..1"
            )));
        }
        let (rows, expires, used) = self.lookup(country, hazard);
        let row = rows
            .iter()
            .find(|r| r.level == level && likelihood >= r.min_likelihood)
            .ok_or_else(|| {
                CapError::Config(format!(
                    "no matrix row for {} {}",
                    hazard.key(),
                    level.as_str()
                ))
            })?;
        let expires_hours = *expires
            .get(&level)
            .ok_or_else(|| CapError::Config(format!("no expires_hours for {}", level.as_str())))?;
        Ok(MatrixCell {
            severity: row.severity,
            urgency: row.urgency,
            certainty: row.certainty,
            response: row.response.clone(),
            expires_hours,
            country: used.map(str::to_string),
        })
    }

    /// The `senderName` a country's own rules set (not the defaults'): an authority's name
    /// outranks the language's generic one.
    pub fn country_sender_name(&self, country: Option<&str>) -> Option<&str> {
        country
            .and_then(|c| self.countries.get(c))
            .and_then(|r| r.sender_name.as_deref())
    }

    /// `senderName`, `web` and `contact` for a country (falling back to the defaults).
    pub fn sender_texts(
        &self,
        country: Option<&str>,
    ) -> (Option<&str>, Option<&str>, Option<&str>) {
        let c = country.and_then(|c| self.countries.get(c));
        let pick = |f: fn(&CountryRules) -> &Option<String>| {
            c.and_then(|r| f(r).as_deref())
                .or(f(&self.defaults).as_deref())
        };
        (
            pick(|r| &r.sender_name),
            pick(|r| &r.web),
            pick(|r| &r.contact),
        )
    }
}

fn check_rules(
    file: &str,
    name: &str,
    rules: &CountryRules,
    is_default: bool,
) -> Result<(), CapError> {
    let err = |m: String| Err(CapError::Config(format!("{file}: [{name}] {m}")));
    for level in AlertLevel::ALL {
        if is_default || !rules.expires_hours.is_empty() {
            match rules.expires_hours.get(&level) {
                None => return err(format!("expires_hours lacks {}", level.as_str())),
                Some(0) => {
                    return err(format!("expires_hours.{} must be positive", level.as_str()));
                }
                Some(_) => {}
            }
        }
    }
    for hazard in [Hazard::Earthquake, Hazard::Flood] {
        let rows = rules.rows(hazard);
        if rows.is_empty() && !is_default {
            continue;
        }
        for r in rows {
            if !(0.0..=1.0).contains(&r.min_likelihood) {
                return err(format!(
                    "{} row min_likelihood {} is outside 0..1",
                    hazard.key(),
                    r.min_likelihood
                ));
            }
            if r.response.is_empty() {
                return err(format!(
                    "{} {} row has no response",
                    hazard.key(),
                    r.level.as_str()
                ));
            }
        }
        for level in AlertLevel::ALL {
            if !rows
                .iter()
                .any(|r| r.level == level && r.min_likelihood == 0.0)
            {
                return err(format!(
                    "{} has no row for {} with min_likelihood = 0.0 (every likelihood must be covered)",
                    hazard.key(),
                    level.as_str()
                ));
            }
        }
    }
    Ok(())
}

fn check_templates(name: &str, t: &LanguageTemplates) -> Result<(), CapError> {
    let err = |m: String| Err(CapError::Config(format!("{name}: {m}")));
    if t.language.is_empty() {
        return err("language is empty".into());
    }
    for level in AlertLevel::ALL {
        if !t.levels.contains_key(&level) {
            return err(format!("[levels] lacks {}", level.as_str()));
        }
        for h in [Hazard::Earthquake, Hazard::Flood] {
            if !t.hazard(h).instruction.contains_key(&level) {
                return err(format!(
                    "[{}.instruction] lacks {}",
                    h.key(),
                    level.as_str()
                ));
            }
        }
    }
    for s in NON_ACTUAL {
        if !t.status.contains_key(s.as_str()) {
            return err(format!("[status] lacks {s}"));
        }
        if !t.notes.contains_key(s.as_str()) {
            return err(format!("[notes] lacks {s}"));
        }
    }
    for (what, text, known) in t.patterns() {
        if let Some(bad) = crate::template::unknown_placeholder_in(text, known) {
            return err(format!("[{what}] uses unknown placeholder {{{bad}}}"));
        }
    }
    if !matches!(t.format.decimal.as_str(), "." | ",") {
        return err(format!(
            "[format] decimal is '{}'; expected \".\" or \",\"",
            t.format.decimal
        ));
    }
    for h in [Hazard::Earthquake, Hazard::Flood] {
        let texts = t.hazard(h);
        if texts.event.chars().count() > crate::validate::MAX_EVENT_CHARS {
            return err(format!("[{}] event is longer than 35 characters", h.key()));
        }
        for (what, text) in [
            ("headline", &texts.headline),
            ("description", &texts.description),
        ] {
            if let Some(bad) = crate::template::unknown_placeholder(text) {
                return err(format!(
                    "[{}] {what} uses unknown placeholder {{{bad}}}",
                    h.key()
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_config_loads_and_covers_every_level() {
        let cfg = WarningConfig::embedded().unwrap();
        assert_eq!(cfg.languages(), vec!["en", "ru", "ur", "zh"]);
        for h in [Hazard::Earthquake, Hazard::Flood] {
            for level in AlertLevel::ALL {
                for p in [0.0, 0.3, 0.5, 1.0] {
                    cfg.cell(None, h, level, p).unwrap();
                    cfg.cell(Some("PK"), h, level, p).unwrap();
                }
            }
        }
        let red = cfg
            .cell(Some("PK"), Hazard::Earthquake, AlertLevel::Red, 0.8)
            .unwrap();
        assert_eq!(red.severity, Severity::Extreme);
        assert_eq!(red.certainty, Certainty::Likely);
        assert_eq!(red.expires_hours, 96);
        let possible = cfg
            .cell(Some("IN"), Hazard::Earthquake, AlertLevel::Red, 0.3)
            .unwrap();
        assert_eq!(possible.certainty, Certainty::Possible);
        assert_eq!(possible.expires_hours, 72);
        assert!(cfg.cell(None, Hazard::Flood, AlertLevel::Red, 1.5).is_err());
    }

    #[test]
    fn incomplete_matrix_is_rejected() {
        let bad = EMBEDDED_MATRIX.replace(
            "level = \"Green\"\nmin_likelihood = 0.0\nseverity = \"Minor\"\nurgency = \"Past\"",
            "level = \"Green\"\nmin_likelihood = 0.2\nseverity = \"Minor\"\nurgency = \"Past\"",
        );
        assert_ne!(bad, EMBEDDED_MATRIX);
        let t: Vec<(String, String)> = EMBEDDED_TEMPLATES
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        let err = WarningConfig::from_texts("m", &bad, t.clone()).unwrap_err();
        assert!(err.to_string().contains("Green"), "{err}");
        let bad_t = t[0].1.replace("Red = \"Red\"\n", "");
        assert!(
            WarningConfig::from_texts("m", EMBEDDED_MATRIX, vec![("en".into(), bad_t)]).is_err()
        );
    }
}
