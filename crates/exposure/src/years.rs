//! National population and GDP per capita in the event's year, from the region's
//! `country_years.csv` (data/country_years.csv: UN World Population Prospects 2015 growth
//! rates applied to the GeoNames national totals, and World Bank WDI GDP per capita; sources
//! per row and in data/ATTRIBUTION.md).
//!
//! A historical scenario is run with the people and the economy of its own year: the proxy's
//! populations are scaled per country by population(year) / population(countries.csv), and
//! the PAGER economic model uses that year's GDP per capita. Without a year the latest year of
//! the table is used ("today").

use forewarn_core::region::Region;
use serde::Serialize;

/// The national figures used for one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventYear {
    /// The year asked for (the event's origin time), `None` for today.
    pub requested: Option<i32>,
    /// The year read from the table (the requested one clamped into the table's range; the
    /// table's latest year for today); `None` when the region has no year table.
    pub year: Option<i32>,
    /// True when the requested year lies outside the table and the nearest year was used.
    pub clamped: bool,
    /// Population per country (indexed like `Region::countries`).
    pub population: Vec<f64>,
    /// Factor applied to the proxy's people per country: population(year) / countries.csv.
    pub population_factor: Vec<f64>,
    /// GDP per capita, current US$, per country.
    pub gdp_per_capita_usd: Vec<f64>,
}

impl EventYear {
    /// National figures of `year` (or today) for every country of the region. Countries the
    /// table does not list keep their countries.csv figures (factor 1).
    pub fn for_year(region: &Region, year: Option<i32>) -> EventYear {
        let rows = &region.country_years;
        let (min_y, max_y) = rows.iter().fold((i32::MAX, i32::MIN), |(a, b), r| {
            (a.min(r.year), b.max(r.year))
        });
        let used = if rows.is_empty() {
            None
        } else {
            Some(year.unwrap_or(max_y).clamp(min_y, max_y))
        };
        let clamped = matches!((year, used), (Some(a), Some(b)) if a != b);
        let mut population = Vec::with_capacity(region.countries.len());
        let mut factor = Vec::with_capacity(region.countries.len());
        let mut gdp = Vec::with_capacity(region.countries.len());
        for c in &region.countries {
            let row = used.and_then(|y| rows.iter().find(|r| r.iso2 == c.iso2 && r.year == y));
            match row {
                Some(r) if c.population > 0 => {
                    population.push(r.population as f64);
                    factor.push(r.population as f64 / c.population as f64);
                    gdp.push(r.gdp_per_capita_usd);
                }
                _ => {
                    population.push(c.population as f64);
                    factor.push(1.0);
                    gdp.push(c.gdp_per_capita_usd);
                }
            }
        }
        EventYear {
            requested: year,
            year: used,
            clamped,
            population,
            population_factor: factor,
            gdp_per_capita_usd: gdp,
        }
    }

    /// Scale population points to this year's national totals.
    pub fn scale(&self, points: &mut [crate::PopPoint]) {
        for p in points {
            if let Some(f) = p.country.and_then(|c| self.population_factor.get(c)) {
                p.people *= f;
            }
        }
    }

    /// One line for outputs: which year's people and economy were used.
    pub fn describe(&self) -> String {
        match (self.year, self.requested) {
            (None, _) => "national totals of countries.csv (the region has no year table)".into(),
            (Some(y), None) => format!(
                "national population and GDP per capita of {y} (latest year of country_years.csv; no event time given)"
            ),
            (Some(y), Some(r)) if self.clamped => format!(
                "national population and GDP per capita of {y} (event year {r} is outside country_years.csv; nearest year used)"
            ),
            (Some(y), Some(_)) => format!(
                "national population and GDP per capita of the event year {y} (country_years.csv)"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_table_lookup_scales_and_clamps() {
        let region = forewarn_embedded::region().unwrap();
        let pk = region
            .countries
            .iter()
            .position(|c| c.iso2 == "PK")
            .unwrap();
        let y2005 = EventYear::for_year(&region, Some(2005));
        assert_eq!((y2005.year, y2005.clamped), (Some(2005), false));
        // Pakistan had about 160 million people in 2005 (UN WPP 2015 estimate 2005: 160.4 M;
        // the table derives it from the 2018 total with the WPP growth rates).
        let p = y2005.population[pk];
        assert!((150e6..170e6).contains(&p), "{p}");
        assert!(y2005.population_factor[pk] < 0.8);
        // Event-year GDP per capita, WDI 2005 for Pakistan: about US$ 710.
        let g = y2005.gdp_per_capita_usd[pk];
        assert!((600.0..800.0).contains(&g), "{g}");
        // Today: the table's latest year; before the table: its first year, flagged.
        let today = EventYear::for_year(&region, None);
        assert!(today.year.unwrap() >= 2023 && !today.clamped);
        let old = EventYear::for_year(&region, Some(1900));
        assert!(old.clamped && old.year == Some(1960));
        assert!(old.describe().contains("outside"));
    }
}
