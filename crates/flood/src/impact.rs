//! Flood impacts: people affected, residential damage, deaths and a GDACS-style alert level.
//!
//! - People affected: maximum depth >= 0.1 m (GloFAS/EFAS rapid impact practice).
//! - Damage: JRC global depth-damage functions, Huizinga, de Moel & Szewczyk (2017), JRC
//!   Technical Report EUR 28552 EN, residential curve for Asia, times the Pakistan residential
//!   construction cost of that report (347.6 EUR/m2, 2010 prices), times an assumed residential
//!   floor area per person ([`FLOOR_AREA_M2_PER_PERSON`], a Forewarn assumption).
//! - Deaths: depth mortality 0.985 / (1 + exp(6.32 - 1.412 d)) (the Jonkman-type function used in
//!   GFDRR tools, as listed in docs/science.md) applied to the people affected.
//! - Alert: GDACS flood thresholds: red > 1000 dead or > 800,000 displaced; orange > 100 dead or
//!   > 80,000 displaced; green otherwise. People affected stand in for people displaced.

use crate::run::FloodRun;
use crate::solver::FLOOD_DEPTH_M;
use forewarn_core::{Grid, LonLat, Region};
use serde::Serialize;
use std::collections::BTreeMap;

/// JRC residential depth-damage curve, Asia (Huizinga et al. 2017): depth (m), damage fraction.
pub const JRC_RESIDENTIAL_ASIA: [(f64, f64); 9] = [
    (0.0, 0.0),
    (0.5, 0.33),
    (1.0, 0.49),
    (1.5, 0.62),
    (2.0, 0.72),
    (3.0, 0.87),
    (4.0, 0.93),
    (5.0, 0.98),
    (6.0, 1.0),
];
/// Residential construction cost, Pakistan, 2010 EUR per m2 (Huizinga et al. 2017).
pub const RESIDENTIAL_COST_EUR_M2: f64 = 347.6;
/// Residential floor area per person, m2 (assumption of this crate, not from the JRC report).
pub const FLOOR_AREA_M2_PER_PERSON: f64 = 10.0;

/// Damage fraction of the JRC residential Asia curve at depth `d_m` (linear between points).
pub fn jrc_residential_fraction(d_m: f64) -> f64 {
    let c = &JRC_RESIDENTIAL_ASIA;
    if d_m.is_nan() || d_m <= 0.0 {
        return 0.0;
    }
    for w in c.windows(2) {
        let ((d0, f0), (d1, f1)) = (w[0], w[1]);
        if d_m <= d1 {
            return f0 + (f1 - f0) * (d_m - d0) / (d1 - d0);
        }
    }
    1.0
}

/// Fraction of exposed people who die at depth `d_m`.
pub fn mortality_fraction(d_m: f64) -> f64 {
    if d_m.is_nan() || d_m <= 0.0 {
        return 0.0;
    }
    0.985 / (1.0 + (6.32 - 1.412 * d_m).exp())
}

/// GDACS-style flood alert level from deaths and people displaced.
pub fn gdacs_alert(deaths: f64, displaced: f64) -> &'static str {
    if deaths > 1000.0 || displaced > 800_000.0 {
        "red"
    } else if deaths > 100.0 || displaced > 80_000.0 {
        "orange"
    } else {
        "green"
    }
}

/// Impact on one settlement reached by the flood.
#[derive(Debug, Clone, Serialize)]
pub struct SettlementImpact {
    pub name: String,
    pub country: String,
    pub lon: f64,
    pub lat: f64,
    pub population: u64,
    pub max_depth_m: f64,
    pub max_speed_ms: f64,
    /// First time the depth reached 0.1 m, s after the start (None: never).
    pub arrival_time_s: Option<f64>,
    pub affected: f64,
    pub deaths: f64,
    pub damage_eur: f64,
}

/// Impact per country.
#[derive(Debug, Clone, Serialize)]
pub struct CountryImpact {
    pub iso2: String,
    pub name: String,
    pub affected: f64,
    pub deaths: f64,
    pub damage_eur: f64,
}

/// Impacts of a flood run.
#[derive(Debug, Clone, Serialize)]
pub struct FloodImpact {
    /// "population grid" or "settlements".
    pub exposure: String,
    pub affected: f64,
    pub deaths: f64,
    pub damage_eur: f64,
    pub alert: String,
    pub countries: Vec<CountryImpact>,
    /// Settlements whose cell was wet (any depth), sorted by arrival time then name.
    pub settlements: Vec<SettlementImpact>,
    pub assumptions: Vec<String>,
}

#[derive(Default)]
struct Tally {
    affected: f64,
    deaths: f64,
    damage: f64,
}

impl Tally {
    fn add(&mut self, people: f64, depth_m: f64) {
        if depth_m >= FLOOD_DEPTH_M {
            self.affected += people;
            self.deaths += people * mortality_fraction(depth_m);
            self.damage += people
                * FLOOR_AREA_M2_PER_PERSON
                * RESIDENTIAL_COST_EUR_M2
                * jrc_residential_fraction(depth_m);
        }
    }
}

fn value_at(g: &Grid<f32>, lon: f64, lat: f64) -> Option<f64> {
    g.at(lon, lat)
        .filter(|v| v.is_finite() && *v != crate::run::OUTPUT_NODATA)
        .map(|v| v as f64)
}

/// Impacts of `run` on `region`. When `population` (people per cell, EPSG:4326) is given, the
/// per-country figures come from it; otherwise from the settlements' populations. Runs on
/// projected grids have no geographic exposure and give empty figures.
pub fn impact(run: &FloodRun, region: &Region, population: Option<&Grid<f32>>) -> FloodImpact {
    let geographic = run.spec.crs.is_geographic();
    let mut countries: BTreeMap<String, Tally> = BTreeMap::new();
    let mut settlements = Vec::new();
    let mut settlement_tally: BTreeMap<String, Tally> = BTreeMap::new();
    if geographic {
        for s in &region.settlements {
            let Some(depth) = value_at(&run.max_depth_m, s.lon, s.lat) else {
                continue;
            };
            if depth <= 0.0 {
                continue;
            }
            let mut t = Tally::default();
            t.add(s.population as f64, depth);
            let e = settlement_tally.entry(s.country.clone()).or_default();
            e.affected += t.affected;
            e.deaths += t.deaths;
            e.damage += t.damage;
            settlements.push(SettlementImpact {
                name: s.name.clone(),
                country: s.country.clone(),
                lon: s.lon,
                lat: s.lat,
                population: s.population,
                max_depth_m: depth,
                max_speed_ms: value_at(&run.max_speed_ms, s.lon, s.lat).unwrap_or(0.0),
                arrival_time_s: value_at(&run.arrival_time_s, s.lon, s.lat),
                affected: t.affected,
                deaths: t.deaths,
                damage_eur: t.damage,
            });
        }
    }
    settlements.sort_by(|a, b| {
        let ka = a.arrival_time_s.unwrap_or(f64::INFINITY);
        let kb = b.arrival_time_s.unwrap_or(f64::INFINITY);
        ka.total_cmp(&kb).then_with(|| a.name.cmp(&b.name))
    });
    let exposure = match population {
        Some(pop) if geographic && pop.spec.crs.is_geographic() => {
            let ps = &pop.spec;
            for (i, &p) in pop.data.iter().enumerate() {
                if !(p.is_finite() && p > 0.0) {
                    continue;
                }
                let ll: LonLat = ps.cell_center_lonlat(i);
                let Some(depth) = value_at(&run.max_depth_m, ll.lon, ll.lat) else {
                    continue;
                };
                if depth < FLOOD_DEPTH_M {
                    continue;
                }
                let iso2 = region
                    .country_at(ll)
                    .map(|c| c.iso2.clone())
                    .unwrap_or_else(|| "--".into());
                countries.entry(iso2).or_default().add(p as f64, depth);
            }
            "population grid"
        }
        _ => {
            countries = settlement_tally;
            "settlements"
        }
    };
    let mut out = FloodImpact {
        exposure: exposure.into(),
        affected: 0.0,
        deaths: 0.0,
        damage_eur: 0.0,
        alert: String::new(),
        countries: Vec::new(),
        settlements,
        assumptions: vec![
            format!("people affected: maximum depth >= {FLOOD_DEPTH_M} m"),
            format!(
                "damage: JRC residential curve (Asia) x {RESIDENTIAL_COST_EUR_M2} EUR/m2 (2010) x \
                 {FLOOR_AREA_M2_PER_PERSON} m2 per person"
            ),
            "deaths: 0.985 / (1 + exp(6.32 - 1.412 d)) of the people affected".into(),
            "alert: GDACS flood thresholds, people affected counted as displaced".into(),
        ],
    };
    for (iso2, t) in countries {
        if t.affected <= 0.0 {
            continue;
        }
        let name = region
            .country(&iso2)
            .map(|c| c.name_en.clone())
            .unwrap_or_else(|_| iso2.clone());
        out.affected += t.affected;
        out.deaths += t.deaths;
        out.damage_eur += t.damage;
        out.countries.push(CountryImpact {
            iso2,
            name,
            affected: t.affected,
            deaths: t.deaths,
            damage_eur: t.damage,
        });
    }
    out.alert = gdacs_alert(out.deaths, out.affected).into();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_and_alerts() {
        assert_eq!(jrc_residential_fraction(0.0), 0.0);
        assert!((jrc_residential_fraction(0.5) - 0.33).abs() < 1e-12);
        assert!((jrc_residential_fraction(2.5) - 0.795).abs() < 1e-12);
        assert_eq!(jrc_residential_fraction(9.0), 1.0);
        let m = mortality_fraction(3.0);
        assert!((m - 0.985 / (1.0 + (6.32f64 - 4.236).exp())).abs() < 1e-12);
        assert_eq!(gdacs_alert(5.0, 1000.0), "green");
        assert_eq!(gdacs_alert(150.0, 1000.0), "orange");
        assert_eq!(gdacs_alert(5.0, 900_000.0), "red");
    }
}
