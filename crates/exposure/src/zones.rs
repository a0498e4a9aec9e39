//! Where each part of a country's rural residual goes.
//!
//! A country whose first-level units have census populations (`admin1_population.csv`)
//! is split into one zone per unit: each unit's residual is its census share of the
//! national total less the people the proxy already put in its settlements, scaled so the
//! country's residual is kept. A country without census rows is one zone. Without this,
//! one national residual spread over the land put as many rural people per km² on the
//! Tibetan plateau (census 2020: 3.0 people/km² in all) as in the North China Plain.
//!
//! The census total also caps the unit's settlements: where GeoNames' places in a unit add up
//! to more than its census total (overlapping municipality, district and prefecture figures:
//! Shanghai's add up to 2.3 times its census population, Ningxia's to 1.6), they are scaled
//! down to it ([`Zones::settlement_caps`]) and the people taken off go to the country's
//! residual, so the national total is kept.

use forewarn_core::grid::{Grid, GridSpec};
use forewarn_core::rasterize;
use forewarn_core::region::Region;

use crate::NO_COUNTRY;

/// Marks a cell outside every country.
pub const NO_ZONE: u16 = u16::MAX;

/// The zones of the proxy grid. Zones `0..countries` are whole countries (for a country
/// with census units: its cells outside every unit); then one zone per census row
/// (`row_zone`).
pub struct Zones {
    /// Zone of each proxy cell, `NO_ZONE` outside every country.
    pub cell: Vec<u16>,
    /// Country of each zone.
    pub country: Vec<usize>,
    /// The zone's census share of its country's population; `None` for a whole-country zone.
    pub census_share: Vec<Option<f64>>,
    /// Whether a country's residual follows its units' census totals.
    pub by_census: Vec<bool>,
    /// The zone of each row of `Region::unit_populations` (`None` when the row's country is
    /// not in the region, which the region's loader refuses).
    pub row_zone: Vec<Option<usize>>,
}

impl Zones {
    /// Zones of `spec` for the region's countries (`country`: country per cell).
    pub fn new(region: &Region, spec: &GridSpec, country: &Grid<u8>) -> Zones {
        let nc = region.countries.len();
        let mut cell: Vec<u16> = country
            .data
            .iter()
            .map(|&c| if c == NO_COUNTRY { NO_ZONE } else { c as u16 })
            .collect();
        let mut zone_country: Vec<usize> = (0..nc).collect();
        let mut census_share: Vec<Option<f64>> = vec![None; nc];
        let mut by_census = vec![false; nc];
        let row_country: Vec<Option<usize>> = region
            .unit_populations
            .iter()
            .map(|r| region.country_position(&r.country))
            .collect();
        let mut census_total = vec![0.0f64; nc];
        for (r, ci) in region.unit_populations.iter().zip(&row_country) {
            if let Some(ci) = ci {
                census_total[*ci] += r.population as f64;
            }
        }
        let mut row_zone = Vec::with_capacity(row_country.len());
        for (r, ci) in region.unit_populations.iter().zip(&row_country) {
            let z = zone_country.len();
            let Some(ci) = *ci else {
                row_zone.push(None);
                continue;
            };
            if z >= NO_ZONE as usize {
                // More units than a u16 zone id holds (the loader reads at most 10,000 rows).
                row_zone.push(None);
                continue;
            }
            row_zone.push(Some(z));
            zone_country.push(ci);
            census_share.push(Some(r.population as f64 / census_total[ci]));
            by_census[ci] = true;
            rasterize::for_each_run(&region.admin_units[r.unit].boundary, spec, |row, c0, c1| {
                let run = row * spec.ncols + c0..row * spec.ncols + c1;
                for (cell, &c) in cell[run.clone()].iter_mut().zip(&country.data[run]) {
                    if c as usize == ci {
                        *cell = z as u16;
                    }
                }
            });
        }
        Zones {
            cell,
            country: zone_country,
            census_share,
            by_census,
            row_zone,
        }
    }

    /// Number of zones.
    pub fn len(&self) -> usize {
        self.country.len()
    }

    /// Whether there are no zones (a region without countries).
    pub fn is_empty(&self) -> bool {
        self.country.is_empty()
    }

    /// The zone a settlement of country `ci` at `(lon, lat)` counts for: its cell's zone when
    /// that zone is of its own country (a settlement on a neighbour's cell counts for none).
    pub fn zone_of(&self, spec: &GridSpec, ci: usize, lon: f64, lat: f64) -> Option<usize> {
        let (col, row) = spec.cell_of(lon, lat)?;
        let z = *self.cell.get(row * spec.ncols + col)?;
        (z != NO_ZONE && self.country[z as usize] == ci).then_some(z as usize)
    }

    /// Per zone, the factor applied to its settlements' people: for a census unit whose
    /// settlements (`settled`, people per zone) exceed its census share of the national total
    /// (`country_total`), that share over the settled people; 1 elsewhere.
    pub fn settlement_caps(&self, country_total: &[f64], settled: &[f64]) -> Vec<f64> {
        (0..self.len())
            .map(|z| match self.census_share[z] {
                Some(share) if settled[z] > share * country_total[self.country[z]] => {
                    share * country_total[self.country[z]] / settled[z]
                }
                _ => 1.0,
            })
            .collect()
    }

    /// Units whose census total shapes the residual.
    pub fn census_units(&self) -> usize {
        self.census_share.iter().flatten().count()
    }

    /// The residual of each zone. `country_total` and `country_residual` are per country
    /// (people, and people outside settlements); `settled` is the settlement people per zone
    /// and `has_land` whether the zone has habitable cells to hold people. A census unit gets
    /// its share of the country's total less its settled people (never below zero; nothing
    /// when it has no habitable cell), scaled so each country's zones hold its residual; a
    /// whole-country zone of a country with census units gets nothing (it is the slivers
    /// between the units' simplified outlines).
    pub fn residuals(
        &self,
        country_total: &[f64],
        country_residual: &[f64],
        settled: &[f64],
        has_land: &[bool],
    ) -> Vec<f64> {
        let raw: Vec<f64> = (0..self.len())
            .map(|z| {
                let c = self.country[z];
                match self.census_share[z] {
                    Some(_) if !has_land[z] => 0.0,
                    Some(share) => (share * country_total[c] - settled[z]).max(0.0),
                    None if self.by_census[c] => 0.0,
                    None => country_residual[c],
                }
            })
            .collect();
        let mut raw_sum = vec![0.0f64; country_total.len()];
        for (z, r) in raw.iter().enumerate() {
            raw_sum[self.country[z]] += r;
        }
        // Fallback weights when every unit of a country is full of settlement people: the
        // census shares of the units with land.
        let mut share_sum = vec![0.0f64; country_total.len()];
        for z in 0..self.len() {
            if let (Some(s), true) = (self.census_share[z], has_land[z]) {
                share_sum[self.country[z]] += s;
            }
        }
        (0..self.len())
            .map(|z| {
                let c = self.country[z];
                if !self.by_census[c] {
                    return raw[z];
                }
                if raw_sum[c] > 0.0 {
                    country_residual[c] * raw[z] / raw_sum[c]
                } else if share_sum[c] > 0.0 {
                    if has_land[z] {
                        country_residual[c] * self.census_share[z].unwrap_or(0.0) / share_sum[c]
                    } else {
                        0.0
                    }
                } else if z == c {
                    // No unit has habitable land: the country's own zone keeps its residual.
                    country_residual[c]
                } else {
                    0.0
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Country 0 with census units (zones 2, 3, 4), country 1 without (zone 1).
    fn zones() -> Zones {
        Zones {
            cell: Vec::new(),
            country: vec![0, 1, 0, 0, 0],
            census_share: vec![None, None, Some(0.5), Some(0.3), Some(0.2)],
            by_census: vec![true, false],
            row_zone: vec![Some(2), Some(3), Some(4)],
        }
    }

    #[test]
    fn each_countrys_residual_is_kept_and_follows_the_census_shares() {
        let z = zones();
        let total = [1000.0, 500.0];
        let residual = [600.0, 200.0];
        // Settled people: 100 in unit 2 (share 500), 250 in unit 3 (share 300), 50 in unit 4.
        let settled = [0.0, 300.0, 100.0, 250.0, 50.0];
        let r = z.residuals(&total, &residual, &settled, &[true; 5]);
        // Raw: 400, 50, 150 (sum 600) -> exactly those.
        assert_eq!(r, vec![0.0, 200.0, 400.0, 50.0, 150.0]);
        // A unit without habitable land gets nothing; the others keep the country's residual.
        let r = z.residuals(
            &total,
            &residual,
            &settled,
            &[true, true, true, false, true],
        );
        assert!((r[2] + r[4] - 600.0).abs() < 1e-9 && r[3] == 0.0, "{r:?}");
        // Every unit already full of settlement people: by census share among units with land.
        let full = [0.0, 0.0, 900.0, 900.0, 900.0];
        let r = z.residuals(&total, &residual, &full, &[true, true, true, true, false]);
        assert!(
            (r[2] - 375.0).abs() < 1e-9 && (r[3] - 225.0).abs() < 1e-9 && r[4] == 0.0,
            "{r:?}"
        );
        // No unit with land: the country's own zone keeps the residual.
        let r = z.residuals(&total, &residual, &full, &[true, true, false, false, false]);
        assert_eq!(r[0], 600.0);
    }

    #[test]
    fn settlements_above_their_units_census_total_are_scaled_to_it() {
        let z = zones();
        let total = [1000.0, 500.0];
        // Unit 3's census total is 300 and its places hold 600: halved. Unit 2 holds less than
        // its 500; the whole-country zones have no census total to cap them.
        let settled = [900.0, 900.0, 100.0, 600.0, 200.0];
        assert_eq!(
            z.settlement_caps(&total, &settled),
            vec![1.0, 1.0, 1.0, 0.5, 1.0]
        );
    }
}
