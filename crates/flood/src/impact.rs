//! Flood impacts: people affected, residential damage, deaths and a GDACS-style alert level.
//!
//! - People affected: maximum depth >= 0.1 m (GloFAS/EFAS rapid impact practice).
//! - Damage: JRC global depth-damage functions, Huizinga, de Moel & Szewczyk (2017), JRC
//!   Technical Report EUR 28552 EN, residential curve for Asia, times the Pakistan residential
//!   construction cost of that report (347.6 EUR/m2, 2010 prices), times an assumed residential
//!   floor area per person ([`FLOOR_AREA_M2_PER_PERSON`], a Forewarn assumption).
//! - Deaths: `forewarn_impact::life_loss` (Jonkman et al. 2008 zone lethality x the share not
//!   cleared by the warning, HEC-LifeSim timeline) for the people affected, reported without a
//!   warning, with a warning at the modelled lead time, and as lives saved.
//! - Alert: GDACS flood thresholds on the deaths without warning: red above 1000 dead or 800,000
//!   displaced; orange above 100 dead or 80,000 displaced; green otherwise. People affected
//!   stand in for people displaced.

use crate::run::FloodRun;
use crate::solver::FLOOD_DEPTH_M;
use forewarn_core::{Grid, LonLat, Region};
use forewarn_impact::life_loss::{
    self, FloodZone, GrahamSeverity, GrahamWarning, LifeLoss, RiseRate, WarningParams, graham_1999,
};
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

/// Log-sd of flood deaths about the model estimate: Graham's (1999, Table 1) range for medium
/// severity without warning, 0.03-0.35 around 0.15, read as a 90 % interval:
/// ln(0.35 / 0.03) / (2 x 1.645) = 0.747.
pub const DEATHS_LOG_SD: f64 = 0.747;

fn level_rank(level: &str) -> u8 {
    match level {
        "red" => 2,
        "orange" => 1,
        _ => 0,
    }
}

/// Probability of the GDACS flood alert `level` when the deaths are lognormal about
/// `deaths_median` with log-sd [`DEATHS_LOG_SD`] and the people displaced are as modelled (the
/// displaced criterion sets a floor under the level).
pub fn gdacs_alert_probability(deaths_median: f64, displaced: f64, level: &str) -> f64 {
    let floor = level_rank(gdacs_alert(0.0, displaced));
    let want = level_rank(level);
    // P(deaths <= x) and P(deaths > x) for the lognormal.
    let cdf = |x: f64| {
        if deaths_median <= 0.0 {
            1.0
        } else {
            forewarn_impact::lognormal::phi((x.ln() - deaths_median.ln()) / DEATHS_LOG_SD)
        }
    };
    // GDACS: red > 1000 deaths, orange > 100.
    let p_by_deaths = [cdf(100.0), cdf(1000.0) - cdf(100.0), 1.0 - cdf(1000.0)];
    match want.cmp(&floor) {
        std::cmp::Ordering::Less => 0.0,
        std::cmp::Ordering::Equal => p_by_deaths[..=floor as usize].iter().sum(),
        std::cmp::Ordering::Greater => p_by_deaths[want as usize],
    }
}

/// Where the warning lead time comes from: the warning is issued `warning_at_s` after the start
/// of the run (0: when the breach starts, i.e. a breach observed as it begins) and the lead time
/// of a place is its arrival time minus that.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WarningOptions {
    pub warning_at_s: f64,
    pub params: WarningParams,
}

impl Default for WarningOptions {
    fn default() -> Self {
        WarningOptions {
            warning_at_s: 0.0,
            params: WarningParams::default(),
        }
    }
}

/// Life loss of one place: zone, lethality, lead time and the three numbers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PlaceLifeLoss {
    pub zone: FloodZone,
    /// Rise rate used for the zone: measured from the depth snapshots, a lower bound from the
    /// arrival and the peak depth, or unknown (treated as rapidly rising).
    pub rise_rate: RiseRate,
    /// F_D, the share of people still there when the water comes who die.
    pub lethality: f64,
    /// Hours between the warning and the arrival of 0.1 m (None: never reached).
    pub lead_time_h: Option<f64>,
    #[serde(flatten)]
    pub numbers: LifeLoss,
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
    /// Deaths with the warning at the modelled lead time (see `life_loss`).
    pub deaths: f64,
    pub damage_eur: f64,
    pub life_loss: PlaceLifeLoss,
}

/// Impact per country.
#[derive(Debug, Clone, Serialize)]
pub struct CountryImpact {
    pub iso2: String,
    pub name: String,
    pub affected: f64,
    /// Deaths with the warning at the modelled lead time.
    pub deaths: f64,
    pub deaths_without_warning: f64,
    pub damage_eur: f64,
}

/// The life-loss summary of a flood run: the three numbers, the lead time and a cross-check.
#[derive(Debug, Clone, Serialize)]
pub struct LifeLossSummary {
    /// Deaths if nobody is warned.
    pub without_warning: f64,
    /// Deaths with a warning issued at the modelled time.
    pub with_warning: f64,
    /// `without_warning - with_warning`.
    pub lives_saved: f64,
    /// Lead time at the first place with people at risk reached by the water, hours (None: no
    /// place with people was reached).
    pub lead_time_h: Option<f64>,
    /// Seconds after the start of the run at which the warning is taken to go out.
    pub warning_at_s: f64,
    pub people_at_risk: f64,
    /// People cleared, caught and not mobilised when the water arrives (with the warning).
    pub cleared: f64,
    pub caught: f64,
    pub not_mobilised: f64,
    pub params: WarningParams,
    /// Graham (1999) fatality rates applied to the same people, as a cross-check.
    pub graham_1999: GrahamCheck,
    pub method: String,
}

/// Graham (1999) cross-check: severity from the local unit discharge h v (Graham's DV,
/// medium above 4.6 m2/s; "high" is never chosen automatically, since Graham keeps it for floods
/// that sweep the area clean), warning class from the lead time.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GrahamCheck {
    pub without_warning: f64,
    pub without_warning_range: [f64; 2],
    pub with_warning: f64,
    pub with_warning_range: [f64; 2],
}

/// Graham's DV threshold between low and medium severity, m2/s (50 ft2/s; Graham 1999).
pub const GRAHAM_MEDIUM_DV_M2S: f64 = 4.6;

impl GrahamCheck {
    fn add(&mut self, people: f64, hv_m2s: f64, lead_h: Option<f64>) {
        let severity = if hv_m2s > GRAHAM_MEDIUM_DV_M2S {
            GrahamSeverity::Medium
        } else {
            GrahamSeverity::Low
        };
        if let Some(r) = graham_1999(severity, GrahamWarning::None) {
            self.without_warning += people * r.suggested;
            self.without_warning_range[0] += people * r.low;
            self.without_warning_range[1] += people * r.high;
        }
        if let Some(r) = graham_1999(severity, GrahamWarning::for_lead_h(lead_h)) {
            self.with_warning += people * r.suggested;
            self.with_warning_range[0] += people * r.low;
            self.with_warning_range[1] += people * r.high;
        }
    }
}

/// Impacts of a flood run.
#[derive(Debug, Clone, Serialize)]
pub struct FloodImpact {
    /// "population grid" or "settlements".
    pub exposure: String,
    pub affected: f64,
    /// Deaths with the warning at the modelled lead time (`life_loss.with_warning`).
    pub deaths: f64,
    pub damage_eur: f64,
    /// GDACS alert from the deaths without warning (what the flood does to people who are not
    /// warned) and the people affected.
    pub alert: String,
    pub life_loss: LifeLossSummary,
    pub countries: Vec<CountryImpact>,
    /// Settlements whose cell was wet (any depth), sorted by arrival time then name.
    pub settlements: Vec<SettlementImpact>,
    pub assumptions: Vec<String>,
}

#[derive(Default)]
struct Tally {
    affected: f64,
    damage: f64,
    life: Option<LifeLoss>,
    graham: GrahamCheck,
    first_lead_h: Option<f64>,
}

impl Tally {
    fn add(&mut self, people: f64, depth_m: f64, place: &PlaceLifeLoss, hv_m2s: f64) {
        if depth_m >= FLOOD_DEPTH_M {
            self.affected += people;
            self.damage += people
                * FLOOR_AREA_M2_PER_PERSON
                * RESIDENTIAL_COST_EUR_M2
                * jrc_residential_fraction(depth_m);
            self.life = Some(self.life.unwrap_or(LifeLoss::ZERO).plus(&place.numbers));
            self.graham.add(people, hv_m2s, place.lead_time_h);
            if people > 0.0
                && let Some(l) = place.lead_time_h
            {
                self.first_lead_h = Some(self.first_lead_h.map_or(l, |f: f64| f.min(l)));
            }
        }
    }

    fn merge(&mut self, o: &Tally) {
        self.affected += o.affected;
        self.damage += o.damage;
        if let Some(l) = o.life {
            self.life = Some(self.life.unwrap_or(LifeLoss::ZERO).plus(&l));
        }
        let g = &o.graham;
        self.graham.without_warning += g.without_warning;
        self.graham.with_warning += g.with_warning;
        for i in 0..2 {
            self.graham.without_warning_range[i] += g.without_warning_range[i];
            self.graham.with_warning_range[i] += g.with_warning_range[i];
        }
        if let Some(l) = o.first_lead_h {
            self.first_lead_h = Some(self.first_lead_h.map_or(l, |f: f64| f.min(l)));
        }
    }
}

fn value_at(g: &Grid<f32>, lon: f64, lat: f64) -> Option<f64> {
    g.at(lon, lat)
        .filter(|v| v.is_finite() && *v != crate::run::OUTPUT_NODATA)
        .map(|v| v as f64)
}

/// Rise rate at a place, m/h: the steepest rise between consecutive depth snapshots (and from
/// the arrival of 0.1 m to the first snapshot after it); without snapshots, the lower bound
/// (peak depth - 0.1 m) / (end of run - arrival), used only when it already shows a rapid rise.
fn rise_rate(run: &FloodRun, lon: f64, lat: f64, depth_m: f64, arrival_s: Option<f64>) -> RiseRate {
    let Some(arrival) = arrival_s else {
        return RiseRate::Unknown;
    };
    let mut series: Vec<(f64, f64)> = vec![(arrival, FLOOD_DEPTH_M)];
    series.extend(
        run.snapshots
            .iter()
            .filter(|s| s.time_s > arrival)
            .filter_map(|s| value_at(&s.depth_m, lon, lat).map(|d| (s.time_s, d))),
    );
    let steepest = series
        .windows(2)
        .filter(|w| w[1].0 > w[0].0)
        .map(|w| (w[1].1 - w[0].1) / ((w[1].0 - w[0].0) / 3600.0))
        .fold(f64::NEG_INFINITY, f64::max);
    let span_h = (run.end_time_s - arrival) / 3600.0;
    let bound = if span_h > 0.0 {
        (depth_m - FLOOD_DEPTH_M) / span_h
    } else {
        f64::INFINITY
    };
    let w = steepest.max(bound);
    if series.len() >= 2 || w >= life_loss::RAPID_RISE_M_PER_H {
        RiseRate::Known(w.max(0.0))
    } else {
        RiseRate::Unknown
    }
}

/// Zone, lethality, lead time and the three numbers for `people` at a place.
fn place_life_loss(
    run: &FloodRun,
    warning: &WarningOptions,
    lon: f64,
    lat: f64,
    people: f64,
    depth_m: f64,
) -> (PlaceLifeLoss, f64) {
    let speed = value_at(&run.max_speed_ms, lon, lat).unwrap_or(0.0);
    let arrival = value_at(&run.arrival_time_s, lon, lat).filter(|a| *a >= 0.0);
    let rise = rise_rate(run, lon, lat, depth_m, arrival);
    let zone = life_loss::zone(depth_m, speed, rise);
    let f_d = life_loss::lethality(zone, depth_m);
    let lead_time_h = arrival.map(|a| (a - warning.warning_at_s) / 3600.0);
    let numbers = LifeLoss::at(people, f_d, lead_time_h, &warning.params);
    (
        PlaceLifeLoss {
            zone,
            rise_rate: rise,
            lethality: f_d,
            lead_time_h,
            numbers,
        },
        depth_m * speed,
    )
}

/// Impacts of `run` on `region` with the default warning assumptions ([`WarningOptions`]).
pub fn impact(run: &FloodRun, region: &Region, population: Option<&Grid<f32>>) -> FloodImpact {
    impact_with(run, region, population, &WarningOptions::default())
}

/// Impacts of `run` on `region`. When `population` (people per cell, EPSG:4326) is given, the
/// per-country figures come from it; otherwise from the settlements' populations. Runs on
/// projected grids have no geographic exposure and give empty figures.
pub fn impact_with(
    run: &FloodRun,
    region: &Region,
    population: Option<&Grid<f32>>,
    warning: &WarningOptions,
) -> FloodImpact {
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
            let people = s.population as f64;
            let at_risk = if depth >= FLOOD_DEPTH_M { people } else { 0.0 };
            let (place, hv) = place_life_loss(run, warning, s.lon, s.lat, at_risk, depth);
            let mut t = Tally::default();
            t.add(people, depth, &place, hv);
            settlement_tally
                .entry(s.country.clone())
                .or_default()
                .merge(&t);
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
                deaths: place.numbers.with_warning,
                damage_eur: t.damage,
                life_loss: place,
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
                let (place, hv) = place_life_loss(run, warning, ll.lon, ll.lat, p as f64, depth);
                countries
                    .entry(iso2)
                    .or_default()
                    .add(p as f64, depth, &place, hv);
            }
            "population grid"
        }
        _ => {
            countries = settlement_tally;
            "settlements"
        }
    };
    let params = warning.params;
    let mut total = Tally::default();
    let mut out_countries = Vec::new();
    for (iso2, t) in countries {
        if t.affected <= 0.0 {
            continue;
        }
        let name = region
            .country(&iso2)
            .map(|c| c.name_en.clone())
            .unwrap_or_else(|_| iso2.clone());
        let life = t.life.unwrap_or(LifeLoss::ZERO);
        out_countries.push(CountryImpact {
            iso2,
            name,
            affected: t.affected,
            deaths: life.with_warning,
            deaths_without_warning: life.without_warning,
            damage_eur: t.damage,
        });
        total.merge(&t);
    }
    let life = total.life.unwrap_or(LifeLoss::ZERO);
    let life_loss = LifeLossSummary {
        without_warning: life.without_warning,
        with_warning: life.with_warning,
        lives_saved: life.lives_saved,
        lead_time_h: total.first_lead_h,
        warning_at_s: warning.warning_at_s,
        people_at_risk: life.people_at_risk,
        cleared: life.cleared,
        caught: life.caught,
        not_mobilised: life.not_mobilised,
        params,
        graham_1999: total.graham,
        method: "deaths = F_D x (1 - F_E) x people at risk (Jonkman et al. 2008); F_D by flood \
                 zone (breach: h v >= 7 m2/s and v >= 2 m/s; rapidly rising: h >= 2.1 m and \
                 rise >= 0.5 m/h; remaining); F_E = share cleared before the water arrives \
                 (HEC-LifeSim timeline: first alert, protective action initiation, evacuation \
                 time); lead time = arrival of 0.1 m minus the warning time"
            .into(),
    };
    FloodImpact {
        exposure: exposure.into(),
        affected: total.affected,
        deaths: life.with_warning,
        damage_eur: total.damage,
        alert: gdacs_alert(life.without_warning, total.affected).into(),
        life_loss,
        countries: out_countries,
        settlements,
        assumptions: vec![
            format!("people affected (people at risk): maximum depth >= {FLOOD_DEPTH_M} m"),
            format!(
                "damage: JRC residential curve (Asia) x {RESIDENTIAL_COST_EUR_M2} EUR/m2 (2010) x \
                 {FLOOR_AREA_M2_PER_PERSON} m2 per person"
            ),
            format!(
                "deaths: Jonkman et al. (2008) zone lethality x (1 - share cleared) x people at \
                 risk; warning issued {:.0} s after the start of the run; first alert median \
                 {:.0} min, mobilisation median {:.0} min, {:.1} % reluctant (median {:.0} h), \
                 {:.0} min to reach safety",
                warning.warning_at_s,
                params.alert_median_h * 60.0,
                params.mobilise_median_h * 60.0,
                params.reluctant_share * 100.0,
                params.reluctant_median_h,
                params.evacuation_time_h * 60.0
            ),
            "zone from the maximum depth and the maximum speed at the place (their product \
             bounds h v from above); rise rate from the depth snapshots, else a lower bound, else \
             taken as rapid"
                .into(),
            "alert: GDACS flood thresholds on the deaths without warning, people affected \
             counted as displaced"
                .into(),
        ],
    }
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
        assert_eq!(gdacs_alert(5.0, 1000.0), "green");
        assert_eq!(gdacs_alert(150.0, 1000.0), "orange");
        assert_eq!(gdacs_alert(5.0, 900_000.0), "red");
        // Probabilities of the three levels sum to one and follow the median.
        for (d, disp) in [
            (50.0, 1000.0),
            (600.0, 1000.0),
            (4000.0, 1000.0),
            (5.0, 900_000.0),
        ] {
            let sum: f64 = ["green", "orange", "red"]
                .iter()
                .map(|l| gdacs_alert_probability(d, disp, l))
                .sum();
            assert!((sum - 1.0).abs() < 1e-12, "{d} {disp}");
        }
        assert!(gdacs_alert_probability(4000.0, 1000.0, "red") > 0.9);
        assert_eq!(gdacs_alert_probability(5.0, 900_000.0, "red"), 1.0);
        assert!((gdacs_alert_probability(1000.0, 0.0, "red") - 0.5).abs() < 1e-12);
    }
}
