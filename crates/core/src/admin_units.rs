//! First-level administrative units of the region (provinces, oblasts, states): their ISO
//! 3166-2 code, names in the warning languages and outline, for warning areas
//! (`admin1.geojson`, written by `cargo xtask admin1` from Natural Earth; see
//! data/ATTRIBUTION.md), and the census population of the units that have one
//! (`admin1_population.csv`: one row per unit with its census year and source).

use geo::MultiPolygon;
use serde::Deserialize;

use crate::region::RegionError;

/// One administrative unit.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminUnit {
    /// ISO 3166-2 code (`PK-GB`); Natural Earth's own code where ISO has none.
    pub code: String,
    /// The country's ISO 3166-1 alpha-2 code.
    pub country: String,
    /// The kind of unit in English (`Province`, `Oblast`, ...).
    pub kind: String,
    pub name_en: String,
    pub name_ru: String,
    pub name_zh: String,
    pub name_ur: String,
    pub boundary: MultiPolygon<f64>,
}

impl AdminUnit {
    /// The name in `lang` (`en`, `ru`, `zh`, `ur`), English where that language has none.
    pub fn name(&self, lang: &str) -> &str {
        let s = match lang {
            "ru" => &self.name_ru,
            "zh" => &self.name_zh,
            "ur" => &self.name_ur,
            _ => &self.name_en,
        };
        if s.trim().is_empty() {
            &self.name_en
        } else {
            s
        }
    }
}

/// Parses `admin1.geojson`: a FeatureCollection of (Multi)Polygons with string properties
/// `code`, `country`, `type`, `name_en` (required, non-empty), `name_ru`, `name_zh`, `name_ur`.
pub fn parse(bytes: &[u8], path: &str) -> Result<Vec<AdminUnit>, RegionError> {
    let features = crate::region::polygon_features(bytes, path, "code")?;
    let mut out = Vec::with_capacity(features.len());
    for (i, (code, feat, boundary)) in features.into_iter().enumerate() {
        let prop = |k: &str| {
            feat.property(k)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let (country, name_en) = (prop("country"), prop("name_en"));
        for (key, v) in [("country", &country), ("name_en", &name_en)] {
            if v.is_empty() {
                return Err(RegionError::Format {
                    path: path.to_string(),
                    message: format!("feature {i} has no string property '{key}'"),
                });
            }
        }
        out.push(AdminUnit {
            code,
            country,
            kind: prop("type"),
            name_en,
            name_ru: prop("name_ru"),
            name_zh: prop("name_zh"),
            name_ur: prop("name_ur"),
            boundary,
        });
    }
    Ok(out)
}

/// A unit's census population (`admin1_population.csv`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UnitPopulation {
    /// The unit's code in `admin1.geojson`.
    pub code: String,
    /// The unit's English name in `admin1.geojson` (Natural Earth gives Tehran and Alborz one
    /// code, so the code alone does not name a unit).
    pub name_en: String,
    /// The unit's country, ISO 3166-1 alpha-2; one of the region's countries.
    pub country: String,
    /// People counted in the unit by the census.
    pub population: u64,
    pub census_year: i32,
    /// The census (publisher, table) the figure comes from.
    pub source: String,
    /// Index of the unit in `Region::admin_units` (set by [`match_populations`]).
    #[serde(skip)]
    pub unit: usize,
}

/// Largest unit a census file may leave out of a country it covers, km²: a unit without a
/// row holds no rural people, so only specks (Natural Earth's Paracel Islands, whose people
/// China's census counts under Hainan) may be missing.
pub const MAX_UNLISTED_UNIT_KM2: f64 = 100.0;

/// Most census rows a file may hold (the region has 298 units).
pub const MAX_CENSUS_ROWS: usize = 10_000;

/// Checks every census row against the units and countries: it must name one unit by code and
/// name, in its country (one of `countries`, ISO alpha-2), with people, a plausible year and a
/// source; no unit may have two rows; and a country with rows must have one for every unit
/// larger than [`MAX_UNLISTED_UNIT_KM2`]. Sets each row's `unit`.
pub fn match_populations(
    rows: &mut [UnitPopulation],
    units: &[AdminUnit],
    countries: &[&str],
    path: &str,
) -> Result<(), RegionError> {
    if rows.len() > MAX_CENSUS_ROWS {
        return Err(RegionError::Format {
            path: path.to_string(),
            message: format!(
                "{} rows; at most {MAX_CENSUS_ROWS} census rows are read",
                rows.len()
            ),
        });
    }
    let mut seen: Vec<usize> = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter_mut().enumerate() {
        // Line 1 is the header.
        let line = i + 2;
        let bad = |message: String| RegionError::Format {
            path: path.to_string(),
            message: format!("line {line}: {message}"),
        };
        let Some(u) = units
            .iter()
            .position(|u| u.code == r.code && u.name_en == r.name_en)
        else {
            return Err(bad(format!(
                "no unit with code '{}' and name_en '{}' in admin1.geojson",
                r.code, r.name_en
            )));
        };
        if units[u].country != r.country {
            return Err(bad(format!(
                "country '{}' but the unit is in '{}'",
                r.country, units[u].country
            )));
        }
        if !countries.contains(&r.country.as_str()) {
            return Err(bad(format!(
                "country '{}' is not one of the region's countries ({})",
                r.country,
                countries.join(", ")
            )));
        }
        if r.population == 0 {
            return Err(bad("population must be above 0".into()));
        }
        if !(1950..=2100).contains(&r.census_year) {
            return Err(bad(format!(
                "census_year {} is outside 1950-2100",
                r.census_year
            )));
        }
        if r.source.trim().is_empty() {
            return Err(bad(
                "source is empty: every census figure names its source".into()
            ));
        }
        if seen.contains(&u) {
            return Err(bad(format!("a second row for unit '{}'", r.name_en)));
        }
        seen.push(u);
        r.unit = u;
    }
    for (i, u) in units.iter().enumerate() {
        let covered = rows.iter().any(|r| r.country == u.country);
        if covered && !seen.contains(&i) {
            let area_km2 = crate::geo_types::area_km2(&u.boundary);
            if area_km2 > MAX_UNLISTED_UNIT_KM2 {
                return Err(RegionError::Format {
                    path: path.to_string(),
                    message: format!(
                        "no row for {} '{}' ({}, {area_km2:.0} km²): a country's rows must cover each of its units larger than {MAX_UNLISTED_UNIT_KM2} km² (a unit without a row would hold no rural people)",
                        u.country, u.name_en, u.code
                    ),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_without_a_code_names_the_feature_and_the_property() {
        let bad = br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"country":"PK","name_en":"X"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#;
        let e = parse(bad, "d/admin1.geojson").unwrap_err().to_string();
        assert!(
            e.contains("d/admin1.geojson") && e.contains("feature 0") && e.contains("'code'"),
            "{e}"
        );
    }

    fn census_row(code: &str, name: &str, country: &str, population: u64) -> UnitPopulation {
        UnitPopulation {
            code: code.into(),
            name_en: name.into(),
            country: country.into(),
            population,
            census_year: 2017,
            source: "census".into(),
            unit: usize::MAX,
        }
    }

    #[test]
    fn a_census_row_must_name_one_unit_once_with_people() {
        let ok = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"PK-GB","country":"PK","name_en":"Gilgit-Baltistan"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#;
        let units = parse(ok.as_bytes(), "a").unwrap();
        let good = census_row("PK-GB", "Gilgit-Baltistan", "PK", 1_492_924);
        let mut rows = [good.clone()];
        match_populations(&mut rows, &units, &["PK"], "p").unwrap();
        assert_eq!(rows[0].unit, 0);
        let cases = [
            (
                census_row("PK-GB", "Gilgit", "PK", 1),
                "line 2: no unit with code 'PK-GB' and name_en 'Gilgit'",
            ),
            (
                census_row("PK-GB", "Gilgit-Baltistan", "IN", 1),
                "line 2: country 'IN'",
            ),
            (
                census_row("PK-GB", "Gilgit-Baltistan", "PK", 0),
                "line 2: population must be above 0",
            ),
        ];
        for (row, want) in cases {
            let e = match_populations(&mut [row], &units, &["PK", "IN"], "p")
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("p: ") && e.contains(want), "{e}");
        }
        let e = match_populations(&mut [good.clone(), good.clone()], &units, &["PK"], "p")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3: a second row"), "{e}");
        // A country outside the region, and a country whose rows leave out a large unit.
        let e = match_populations(&mut [good.clone()], &units, &["IN"], "p")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not one of the region's countries (IN)"), "{e}");
        let two = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"PK-GB","country":"PK","name_en":"Gilgit-Baltistan"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},{"type":"Feature","properties":{"code":"PK-JK","country":"PK","name_en":"Azad Kashmir"},"geometry":{"type":"Polygon","coordinates":[[[2,0],[3,0],[3,1],[2,0]]]}}]}"#;
        let units2 = parse(two.as_bytes(), "a").unwrap();
        let e = match_populations(&mut [good], &units2, &["PK"], "p")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no row for PK 'Azad Kashmir' (PK-JK"), "{e}");
    }

    #[test]
    fn a_missing_translation_falls_back_to_english() {
        let ok = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"PK-GB","country":"PK","type":"Territory","name_en":"Gilgit-Baltistan","name_ur":"گلگت بلتستان"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#;
        let u = &parse(ok.as_bytes(), "a").unwrap()[0];
        assert_eq!(u.name("ur"), "گلگت بلتستان");
        assert_eq!(u.name("ru"), "Gilgit-Baltistan");
    }
}
