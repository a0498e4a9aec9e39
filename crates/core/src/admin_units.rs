//! First-level administrative units of the region (provinces, oblasts, states): their ISO
//! 3166-2 code, names in the warning languages and outline, for warning areas
//! (`admin1.geojson`, written by `cargo xtask admin1` from Natural Earth; see
//! data/ATTRIBUTION.md).

use geo::MultiPolygon;

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

    #[test]
    fn a_missing_translation_falls_back_to_english() {
        let ok = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"PK-GB","country":"PK","type":"Territory","name_en":"Gilgit-Baltistan","name_ur":"گلگت بلتستان"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#;
        let u = &parse(ok.as_bytes(), "a").unwrap()[0];
        assert_eq!(u.name("ur"), "گلگت بلتستان");
        assert_eq!(u.name("ru"), "Gilgit-Baltistan");
    }
}
