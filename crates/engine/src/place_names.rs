//! Settlement names for the warning texts: one [`LocalName`] per settlement with its form in
//! each warning language ([`LANGUAGES`]), from the region's reviewed names or their fallback
//! (`forewarn_core::place_names`).

use forewarn_cap::{LocalName, Place, TOWN_MIN_POPULATION};
use forewarn_core::Region;

/// Languages of the generated alerts, one info block each.
pub const LANGUAGES: [&str; 4] = ["en", "ru", "zh", "ur"];

/// The names of settlement `i` of the region.
pub fn settlement_name(region: &Region, i: usize) -> LocalName {
    LocalName(
        LANGUAGES
            .iter()
            .map(|l| (l.to_string(), region.settlement_name(i, l)))
            .collect(),
    )
}

/// The settlement called `name` in `country_iso2` (the most populous of that name).
fn find(region: &Region, name: &str, country_iso2: &str) -> Option<usize> {
    region
        .settlements
        .iter()
        .enumerate()
        .filter(|(_, s)| s.name == name && s.country == country_iso2)
        .max_by_key(|(i, s)| (s.population, std::cmp::Reverse(*i)))
        .map(|(i, _)| i)
}

/// The names of the settlement called `name` in `country_iso2`, for results that carry a
/// settlement's GeoNames name; a name the region does not know is used as given in every
/// language.
pub fn named_settlement(region: &Region, name: &str, country_iso2: &str) -> LocalName {
    find(region, name, country_iso2)
        .map_or_else(|| LocalName::same(name), |i| settlement_name(region, i))
}

/// A flood's place: the valley at the settlement called `name` in `country_iso2`.
pub fn valley_of(region: &Region, name: &str, country_iso2: &str) -> Place {
    let i = find(region, name, country_iso2);
    Place::Valley {
        name: i.map_or_else(|| LocalName::same(name), |i| settlement_name(region, i)),
        country_iso2: country_iso2.to_string(),
        town: i.is_some_and(|i| is_town(region.settlements[i].population)),
    }
}

/// Whether a settlement of `population` people is written as a town.
pub fn is_town(population: u64) -> bool {
    population >= TOWN_MIN_POPULATION
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviewed_names_and_fallbacks() {
        let r = forewarn_embedded::region().unwrap();
        let gilgit = named_settlement(&r, "Gilgit", "PK");
        assert_eq!(gilgit.get("ru"), "Гилгит");
        assert_eq!(gilgit.get("zh"), "吉尔吉特");
        assert_eq!(gilgit.get("ur"), "گلگت");
        let m = named_settlement(&r, "Muzaffarābād", "PK");
        assert_eq!(m.get("en"), "Muzaffarabad");
        // Not in the reviewed list: Latin without diacritics, Cyrillic by transcription.
        let k = named_settlement(&r, "Khujand", "TJ");
        assert_eq!(k.get("en"), "Khujand");
        assert_eq!(k.get("ru"), "Худжанд");
        assert_eq!(named_settlement(&r, "Nowhere", "PK").get("ru"), "Nowhere");
    }

    #[test]
    fn every_reviewed_name_matches_a_settlement_of_the_region() {
        let r = forewarn_embedded::region().unwrap();
        assert!(r.place_names.len() >= 20);
        for n in &r.place_names {
            let s = r.settlements.iter().find(|s| s.geonameid == n.geonameid);
            let s = s.unwrap_or_else(|| panic!("place_names.csv: no settlement {}", n.geonameid));
            assert_eq!(
                forewarn_core::place_names::fallback_name(&s.name, &s.country, "en")
                    .replace("Ulan Bator", "Ulaanbaatar"),
                n.name_en,
                "{}",
                n.geonameid
            );
            for l in LANGUAGES {
                assert!(n.get(l).is_some(), "{} lacks {l}", n.name_en);
            }
        }
    }
}
