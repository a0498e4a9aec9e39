//! Where each part of a country's rural residual goes.
//!
//! A country whose first-level units have census populations (`admin1_population.csv`)
//! is split into one zone per unit: each unit's residual is its census share of the
//! national total less the people the proxy already put in its settlements, scaled so the
//! country's residual is kept. A country without census rows is one zone. Without this,
//! one national residual spread over the land put as many rural people per km² on the
//! Tibetan plateau (census 2020: 3.0 people/km² in all) as in the North China Plain.

use forewarn_core::grid::{Grid, GridSpec};
use forewarn_core::rasterize;
use forewarn_core::region::Region;

use crate::NO_COUNTRY;

/// Marks a cell outside every country.
pub const NO_ZONE: u16 = u16::MAX;

/// The zones of the proxy grid. Zones `0..countries` are whole countries (for a country
/// with census units: its cells outside every unit); zone `countries + k` is the unit of
/// census row `k`.
pub struct Zones {
    /// Zone of each proxy cell, `NO_ZONE` outside every country.
    pub cell: Vec<u16>,
    /// Country of each zone.
    pub country: Vec<usize>,
    /// The zone's census share of its country's population; `None` for a whole-country zone.
    pub census_share: Vec<Option<f64>>,
    /// Whether a country's residual follows its units' census totals.
    pub by_census: Vec<bool>,
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
        let mut census_total = vec![0.0f64; nc];
        for r in &region.unit_populations {
            if let Some(ci) = region.countries.iter().position(|c| c.iso2 == r.country) {
                census_total[ci] += r.population as f64;
            }
        }
        for r in &region.unit_populations {
            let Some(ci) = region.countries.iter().position(|c| c.iso2 == r.country) else {
                continue;
            };
            let z = zone_country.len();
            if z >= NO_ZONE as usize {
                break;
            }
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
        }
    }

    pub fn len(&self) -> usize {
        self.country.len()
    }

    pub fn is_empty(&self) -> bool {
        self.country.is_empty()
    }

    /// Units whose census total shapes the residual.
    pub fn census_units(&self) -> usize {
        self.census_share.iter().flatten().count()
    }

    /// The residual of each zone. `country_total` and `country_residual` are per country
    /// (people, and people outside settlements); `settled` is the settlement people per zone.
    /// A census unit gets its share of the country's total less its settled people (never
    /// below zero), scaled so each country's zones hold its residual; a whole-country zone
    /// of a country with census units gets nothing (it is the slivers between the units'
    /// simplified outlines).
    pub fn residuals(
        &self,
        country_total: &[f64],
        country_residual: &[f64],
        settled: &[f64],
    ) -> Vec<f64> {
        let raw: Vec<f64> = (0..self.len())
            .map(|z| {
                let c = self.country[z];
                match self.census_share[z] {
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
        (0..self.len())
            .map(|z| {
                let c = self.country[z];
                if !self.by_census[c] {
                    return raw[z];
                }
                if raw_sum[c] > 0.0 {
                    country_residual[c] * raw[z] / raw_sum[c]
                } else {
                    // Every unit is full of settlement people: by census share.
                    country_residual[c] * self.census_share[z].unwrap_or(0.0)
                }
            })
            .collect()
    }
}
