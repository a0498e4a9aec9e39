//! Residential flood damage in US dollars: the JRC global depth-damage functions with
//! per-country maximum damage values.
//!
//! Source: Huizinga, de Moel & Szewczyk (2017), *Global flood depth-damage functions:
//! methodology and the database with guidelines*, JRC Technical Report EUR 28552 EN,
//! doi:10.2760/16510 (JRC105688).
//!
//! - Damage fraction: the report's residential depth-damage function of the country's continent
//!   ([`Continent`]), tabulated at 0, 0.5, 1, 1.5, 2, 3, 4, 5 and 6 m and interpolated linearly
//!   between those depths (the report's own practice).
//! - Maximum damage per m2 of residential floor area: the report's residential construction
//!   cost of the country (2010 EUR/m2; the report fits cost = 24.078 GDPpc^0.3852 to 2010 GDP per
//!   capita, and the Pakistan value 347.58 reproduces it) times the report's adjustment factors
//!   for the building (depreciated value 0.6, undamageable part 0.4 for concrete and masonry,
//!   materials factor 1) plus contents at 0.5 of the building value.
//! - Currency: 2010 EUR to 2010 USD at the ECB's 2010 average reference rate, 1.3257 USD per
//!   EUR. Figures are in 2010 prices (no inflation to today).
//! - Exposure: [`FLOOR_AREA_M2_PER_PERSON`] of residential floor area per person (a Forewarn
//!   assumption; the report works per m2 of residential land and leaves the floor area to the
//!   user).
//!
//! The country values and curve points were read from the report's data table as reproduced in
//! Deltares/hydromt_fiat (`JRC_base_damage_values.csv`, `JRC_damage_functions.csv`) and the
//! adjustment factors from the CLIMAAX handbook's summary of the report's method
//! (`maximum_damages.md`); the report itself was not reachable from this machine.

use serde::Serialize;

/// The continents of the JRC depth-damage functions used in the region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Continent {
    Asia,
    Europe,
}

/// Depths (m) at which the JRC functions are tabulated.
pub const JRC_DEPTHS_M: [f64; 9] = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0];
/// JRC residential damage fractions, Asia, at [`JRC_DEPTHS_M`] (Huizinga et al. 2017).
pub const JRC_RESIDENTIAL_ASIA: [f64; 9] = [0.0, 0.33, 0.49, 0.62, 0.72, 0.87, 0.93, 0.98, 1.0];
/// JRC residential damage fractions, Europe, at [`JRC_DEPTHS_M`] (Huizinga et al. 2017).
pub const JRC_RESIDENTIAL_EUROPE: [f64; 9] = [0.0, 0.25, 0.40, 0.50, 0.60, 0.75, 0.85, 0.95, 1.0];

/// Building value as a share of the construction cost: "depreciated value" (Huizinga et al.
/// 2017, residential).
pub const DEPRECIATED_VALUE_SHARE: f64 = 0.6;
/// Part of a concrete or masonry building a flood cannot damage (Huizinga et al. 2017).
pub const UNDAMAGEABLE_SHARE: f64 = 0.4;
/// Materials-used factor for ordinary (non-mud, non-informal) buildings (Huizinga et al. 2017).
pub const MATERIALS_FACTOR: f64 = 1.0;
/// Residential contents as a share of the building's maximum damage (Huizinga et al. 2017).
pub const CONTENT_SHARE: f64 = 0.5;
/// USD per EUR, 2010 annual average of the ECB euro reference rate.
pub const USD_PER_EUR_2010: f64 = 1.3257;
/// Residential floor area per person, m2 (a Forewarn assumption, not from the JRC report).
pub const FLOOR_AREA_M2_PER_PERSON: f64 = 10.0;

/// One country's JRC values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CountryDamage {
    pub iso2: &'static str,
    pub continent: Continent,
    /// Residential construction cost, 2010 EUR per m2 (Huizinga et al. 2017, country table).
    pub residential_cost_eur_m2: f64,
}

/// The region's countries (Huizinga et al. 2017, residential construction cost, 2010 EUR/m2).
/// Belarus and Russia take the European curve, the others the Asian one.
pub const COUNTRIES: [CountryDamage; 12] = [
    CountryDamage {
        iso2: "AF",
        continent: Continent::Asia,
        residential_cost_eur_m2: 275.790831,
    },
    CountryDamage {
        iso2: "BY",
        continent: Continent::Europe,
        residential_cost_eur_m2: 678.9469233,
    },
    CountryDamage {
        iso2: "CN",
        continent: Continent::Asia,
        residential_cost_eur_m2: 611.4222514,
    },
    CountryDamage {
        iso2: "IN",
        continent: Continent::Asia,
        residential_cost_eur_m2: 394.0367851,
    },
    CountryDamage {
        iso2: "IR",
        continent: Continent::Asia,
        residential_cost_eur_m2: 672.4280463,
    },
    CountryDamage {
        iso2: "KG",
        continent: Continent::Asia,
        residential_cost_eur_m2: 327.9761899,
    },
    CountryDamage {
        iso2: "KZ",
        continent: Continent::Asia,
        residential_cost_eur_m2: 805.5689623,
    },
    CountryDamage {
        iso2: "MN",
        continent: Continent::Asia,
        residential_cost_eur_m2: 473.7078907,
    },
    CountryDamage {
        iso2: "PK",
        continent: Continent::Asia,
        residential_cost_eur_m2: 347.5813879,
    },
    CountryDamage {
        iso2: "RU",
        continent: Continent::Europe,
        residential_cost_eur_m2: 858.7993592,
    },
    CountryDamage {
        iso2: "TJ",
        continent: Continent::Asia,
        residential_cost_eur_m2: 306.7523615,
    },
    CountryDamage {
        iso2: "UZ",
        continent: Continent::Asia,
        residential_cost_eur_m2: 389.7155571,
    },
];

/// Fallback for a place outside the table: the report's "South Asia" aggregate (2010 EUR/m2)
/// with the Asian curve.
pub const FALLBACK: CountryDamage = CountryDamage {
    iso2: "--",
    continent: Continent::Asia,
    residential_cost_eur_m2: 380.9688613,
};

/// The JRC values for a country (ISO 3166-1 alpha-2), or [`FALLBACK`].
pub fn country(iso2: &str) -> CountryDamage {
    COUNTRIES
        .iter()
        .find(|c| c.iso2 == iso2)
        .copied()
        .unwrap_or(FALLBACK)
}

/// Damage fraction of the continent's residential curve at depth `depth_m`.
pub fn residential_fraction(continent: Continent, depth_m: f64) -> f64 {
    let f = match continent {
        Continent::Asia => &JRC_RESIDENTIAL_ASIA,
        Continent::Europe => &JRC_RESIDENTIAL_EUROPE,
    };
    if depth_m.is_nan() || depth_m <= 0.0 {
        return 0.0;
    }
    for k in 1..JRC_DEPTHS_M.len() {
        let (d0, d1) = (JRC_DEPTHS_M[k - 1], JRC_DEPTHS_M[k]);
        if depth_m <= d1 {
            return f[k - 1] + (f[k] - f[k - 1]) * (depth_m - d0) / (d1 - d0);
        }
    }
    f[f.len() - 1]
}

impl CountryDamage {
    /// Maximum residential damage (building and contents), 2010 USD per m2 of floor area.
    pub fn max_damage_usd_m2(&self) -> f64 {
        let building = self.residential_cost_eur_m2
            * DEPRECIATED_VALUE_SHARE
            * (1.0 - UNDAMAGEABLE_SHARE)
            * MATERIALS_FACTOR;
        building * (1.0 + CONTENT_SHARE) * USD_PER_EUR_2010
    }

    /// Residential damage of `people` at depth `depth_m`, 2010 USD.
    pub fn damage_usd(&self, people: f64, depth_m: f64) -> f64 {
        people
            * FLOOR_AREA_M2_PER_PERSON
            * self.max_damage_usd_m2()
            * residential_fraction(self.continent, depth_m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_at_the_tabulated_depths() {
        for (k, &d) in JRC_DEPTHS_M.iter().enumerate() {
            assert_eq!(
                residential_fraction(Continent::Asia, d),
                JRC_RESIDENTIAL_ASIA[k]
            );
            assert_eq!(
                residential_fraction(Continent::Europe, d),
                JRC_RESIDENTIAL_EUROPE[k]
            );
        }
        // Linear between points, flat beyond 6 m, zero at or below 0.
        assert!((residential_fraction(Continent::Asia, 2.5) - 0.795).abs() < 1e-12);
        assert!((residential_fraction(Continent::Europe, 0.25) - 0.125).abs() < 1e-12);
        assert_eq!(residential_fraction(Continent::Asia, 9.0), 1.0);
        assert_eq!(residential_fraction(Continent::Europe, -1.0), 0.0);
        assert_eq!(residential_fraction(Continent::Asia, f64::NAN), 0.0);
    }

    #[test]
    fn construction_costs_follow_the_report_fit() {
        // Huizinga et al. (2017): cost = 24.078 x GDPpc^0.3852 (2010 US$ GDP per capita);
        // Pakistan 1023.20, Tajikistan 739.73, Russia 10709.77 (the report's 2010 GDP per capita).
        for (iso2, gdp) in [
            ("PK", 1023.195756),
            ("TJ", 739.7321918),
            ("RU", 10709.76936),
        ] {
            let fit = 24.078 * f64::powf(gdp, 0.3852);
            let c = country(iso2).residential_cost_eur_m2;
            assert!((fit / c - 1.0).abs() < 1e-3, "{iso2}: fit {fit} table {c}");
        }
    }

    #[test]
    fn max_damage_and_damage() {
        // Pakistan: 347.58 x 0.6 x 0.6 x 1 x 1.5 x 1.3257 = 248.83 USD/m2.
        let pk = country("PK");
        assert!((pk.max_damage_usd_m2() - 248.83).abs() < 0.01);
        // 100 people at 2 m in Pakistan: 100 x 10 m2 x 248.83 x 0.72.
        assert!(
            (pk.damage_usd(100.0, 2.0) - 100.0 * 10.0 * pk.max_damage_usd_m2() * 0.72).abs() < 1e-6
        );
        assert_eq!(country("RU").continent, Continent::Europe);
        assert_eq!(country("XX"), FALLBACK);
        assert_eq!(COUNTRIES.len(), 12);
    }
}
