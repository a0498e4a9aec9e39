//! The default region, compiled into the binary from the repository's data/ directory
//! (rebuilt by `cargo xtask data`; sources and licences in data/ATTRIBUTION.md).

use forewarn_core::region::{Region, RegionError, RegionFiles};

macro_rules! data_file {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/", $name))
    };
}

/// Attribution text shipped with the data.
pub const ATTRIBUTION: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/ATTRIBUTION.md"
));

/// The raw embedded files.
pub fn files() -> RegionFiles<'static> {
    RegionFiles {
        countries_csv: data_file!("countries.csv"),
        boundaries_geojson: data_file!("boundaries.geojson"),
        settlements_csv: data_file!("settlements.csv"),
        airports_csv: data_file!("airports.csv"),
        terrain_tif: Some(data_file!("terrain.tif")),
        settlement_corrections_csv: Some(data_file!("settlement_corrections.csv")),
        country_years_csv: Some(data_file!("country_years.csv")),
        place_names_csv: Some(data_file!("place_names.csv")),
        admin1_geojson: Some(data_file!("admin1.geojson")),
        admin1_population_csv: Some(data_file!("admin1_population.csv")),
        origin: "embedded".to_string(),
    }
}

/// Parse the embedded region. The embedded files are tested, so this fails only if the
/// binary was built from a corrupted data/ directory.
pub fn region() -> Result<Region, RegionError> {
    Region::from_files(files())
}

/// The embedded region, or the one in `dir` when given.
pub fn region_or_dir(dir: Option<&std::path::Path>) -> Result<Region, RegionError> {
    match dir {
        Some(d) => Region::load_dir(d),
        None => region(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn embedded_region_loads_with_twelve_countries() {
        let r = super::region().unwrap();
        assert_eq!(r.countries.len(), 12);
        assert!(r.settlements.len() > 20_000);
        assert!(r.terrain.is_some());
        // Every country has its first-level units, each named in the four languages.
        for c in &r.countries {
            let n = r.admin_units.iter().filter(|u| u.country == c.iso2).count();
            assert!(n >= 5, "{}: {n} units", c.iso2);
        }
        let gb = r.admin_units.iter().find(|u| u.code == "PK-GB").unwrap();
        assert_eq!(gb.name("ur"), "گلگت بلتستان");
        assert!(gb.name("zh").contains("吉尔吉特"));
        let islamabad = forewarn_core::LonLat::new(73.05, 33.69);
        assert_eq!(r.country_at(islamabad).unwrap().iso2, "PK");
        let moscow = forewarn_core::LonLat::new(37.62, 55.75);
        assert_eq!(r.country_at(moscow).unwrap().iso2, "RU");
        let idx = r.settlement_index();
        let (i, d) = idx.nearest(islamabad).unwrap();
        assert!(d < 10.0, "{} at {d} km", r.settlements[i].name);
    }
}
