//! Flood impacts: people affected, residential damage, deaths and a GDACS-style alert level.
//!
//! - People ([`People`]): the exposure proxy's settlements and its residual grid of people
//!   outside settlements, or a population raster, placed on the flood grid by [`crate::people`]
//!   (a settlement is exposed over the part of its footprint that floods, each part at its own
//!   depth).
//! - People affected: maximum depth >= 0.1 m (GloFAS/EFAS rapid impact practice).
//! - Damage: [`crate::damage`], the JRC global depth-damage functions with per-country maximum
//!   damage (Huizinga, de Moel & Szewczyk 2017), in 2010 US dollars.
//! - Arrival: the modelled arrival of 0.1 m and its early bound ([`crate::arrival`]); the early
//!   bound sets the warning lead time.
//! - Deaths: `forewarn_impact::life_loss` (Jonkman et al. 2008 zone lethality x the share not
//!   cleared by the warning, HEC-LifeSim timeline) for the people affected, reported without a
//!   warning, with a warning at the modelled lead time, and as lives saved.
//! - Alert: GDACS flood thresholds on the deaths without warning: red above 1000 dead or 800,000
//!   displaced; orange above 100 dead or 80,000 displaced; green otherwise. People affected
//!   stand in for people displaced.

use crate::arrival::early_arrival_s;
use crate::damage;
use crate::people::{self, Share};
use crate::run::FloodRun;
use crate::solver::FLOOD_DEPTH_M;
use forewarn_core::{Grid, Region};
use forewarn_impact::life_loss::{
    self, FloodZone, GrahamSeverity, GrahamWarning, LifeLoss, RiseRate, WarningParams, graham_1999,
};
use serde::Serialize;
use std::collections::BTreeMap;

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

/// The people to expose.
#[derive(Debug, Clone, Copy)]
pub enum People<'a> {
    /// The GeoNames settlements at their own populations, nobody outside them.
    Settlements,
    /// The exposure proxy: settlements at `settlement_people` (indexed like
    /// `Region::settlements`) plus `residual`, the grid of people outside settlements (people
    /// per cell, EPSG:4326).
    Proxy {
        settlement_people: &'a [f64],
        residual: &'a Grid<f32>,
    },
    /// A population raster holding everyone (people per cell, EPSG:4326). Settlements are
    /// still listed, but their people are not counted a second time.
    Raster(&'a Grid<f32>),
}

impl People<'_> {
    fn describe(&self) -> &'static str {
        match self {
            People::Settlements => "settlements",
            People::Proxy { .. } => "settlements plus residual grid (proxy)",
            People::Raster(_) => "population grid",
        }
    }
}

/// Where the warning lead time comes from: the warning is issued `warning_at_s` after the start
/// of the run (0: when the breach starts, i.e. a breach observed as it begins) and the lead time
/// of a place is its early-bound arrival time minus that.
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

/// Life loss of one place: zone, lethality, lead time and the three numbers. For a settlement
/// over several cells, zone and lethality are those of its most lethal flooded cell and the lead
/// time the shortest.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PlaceLifeLoss {
    pub zone: FloodZone,
    /// Rise rate used for the zone: measured from the depth snapshots, a lower bound from the
    /// arrival and the peak depth, or unknown (treated as rapidly rising).
    pub rise_rate: RiseRate,
    /// F_D, the share of people still there when the water comes who die.
    pub lethality: f64,
    /// Hours between the warning and the early-bound arrival of 0.1 m (None: never reached).
    pub lead_time_h: Option<f64>,
    #[serde(flatten)]
    pub numbers: LifeLoss,
}

/// Impact on one settlement whose footprint the flood reached.
#[derive(Debug, Clone, Serialize)]
pub struct SettlementImpact {
    pub name: String,
    pub country: String,
    pub lon: f64,
    pub lat: f64,
    /// People of the settlement (the exposure's figure).
    pub population: u64,
    /// Radius of the footprint disc the people are spread over, m.
    pub footprint_radius_m: f64,
    /// Share of the footprint at a maximum depth of 0.1 m or more.
    pub share_flooded: f64,
    /// Deepest maximum depth over the footprint, m.
    pub max_depth_m: f64,
    /// Maximum depth of the cell holding the settlement's point, m (the old single-cell figure).
    pub depth_at_point_m: f64,
    pub max_speed_ms: f64,
    /// First modelled arrival of 0.1 m anywhere on the footprint, s after the start (None:
    /// never).
    pub arrival_time_s: Option<f64>,
    /// Early bound of that arrival ([`crate::arrival`]), s after the start.
    pub arrival_early_s: Option<f64>,
    /// People at a maximum depth of 0.1 m or more (when the people are counted from a raster,
    /// the settlement's share of the raster's people is not known: the settlement's own figure
    /// is used for this listing only).
    pub affected: f64,
    /// Deaths with the warning at the modelled lead time (see `life_loss`).
    pub deaths: f64,
    pub damage_usd: f64,
    pub life_loss: PlaceLifeLoss,
}

/// Impact per country.
#[derive(Debug, Clone, Serialize)]
pub struct CountryImpact {
    pub iso2: String,
    pub name: String,
    pub affected: f64,
    /// Of which people outside settlements (the residual grid) or from the raster.
    pub affected_outside_settlements: f64,
    /// Deaths with the warning at the modelled lead time.
    pub deaths: f64,
    pub deaths_without_warning: f64,
    pub damage_usd: f64,
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
    /// Lead time at the first place with people at risk reached by the water, from the early
    /// bound of the arrival, hours (None: no place with people was reached).
    pub lead_time_h: Option<f64>,
    /// The same from the modelled arrival of 0.1 m (for comparison), hours.
    pub lead_time_modelled_arrival_h: Option<f64>,
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

    fn merge(&mut self, g: &GrahamCheck) {
        self.without_warning += g.without_warning;
        self.with_warning += g.with_warning;
        for i in 0..2 {
            self.without_warning_range[i] += g.without_warning_range[i];
            self.with_warning_range[i] += g.with_warning_range[i];
        }
    }
}

/// Impacts of a flood run.
#[derive(Debug, Clone, Serialize)]
pub struct FloodImpact {
    /// Which people were counted ([`People`]).
    pub exposure: String,
    pub affected: f64,
    /// Of which outside settlements (the proxy's residual grid) or from a raster.
    pub affected_outside_settlements: f64,
    /// Deaths with the warning at the modelled lead time (`life_loss.with_warning`).
    pub deaths: f64,
    /// Residential damage, 2010 US dollars.
    pub damage_usd: f64,
    /// GDACS alert from the deaths without warning (what the flood does to people who are not
    /// warned) and the people affected.
    pub alert: String,
    pub life_loss: LifeLossSummary,
    pub countries: Vec<CountryImpact>,
    /// Settlements whose footprint the water reached (any depth), sorted by early-bound arrival,
    /// then name.
    pub settlements: Vec<SettlementImpact>,
    pub assumptions: Vec<String>,
}

fn min_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

#[derive(Default)]
struct Tally {
    affected: f64,
    affected_outside: f64,
    damage_usd: f64,
    life: Option<LifeLoss>,
    graham: GrahamCheck,
    first_lead_h: Option<f64>,
    first_lead_model_h: Option<f64>,
}

impl Tally {
    fn merge(&mut self, o: &Tally) {
        self.affected += o.affected;
        self.affected_outside += o.affected_outside;
        self.damage_usd += o.damage_usd;
        if let Some(l) = o.life {
            self.life = Some(self.life.unwrap_or(LifeLoss::ZERO).plus(&l));
        }
        self.graham.merge(&o.graham);
        self.first_lead_h = min_opt(self.first_lead_h, o.first_lead_h);
        self.first_lead_model_h = min_opt(self.first_lead_model_h, o.first_lead_model_h);
    }
}

/// The hazard of one flood cell.
#[derive(Debug, Clone, Copy)]
struct CellHazard {
    depth_m: f64,
    speed_ms: f64,
    arrival_s: Option<f64>,
    early_s: Option<f64>,
    rise: RiseRate,
    zone: FloodZone,
    lethality: f64,
}

fn cell_value(g: &Grid<f32>, i: usize) -> Option<f64> {
    g.data
        .get(i)
        .copied()
        .filter(|v| v.is_finite() && *v != crate::run::OUTPUT_NODATA)
        .map(|v| v as f64)
}

/// Rise rate of cell `i`, m/h: the steepest rise between consecutive depth snapshots (and from
/// the arrival of 0.1 m to the first snapshot after it); without snapshots, the lower bound
/// (peak depth - 0.1 m) / (end of run - arrival), used only when it already shows a rapid rise.
fn rise_rate(run: &FloodRun, i: usize, depth_m: f64, arrival_s: Option<f64>) -> RiseRate {
    let Some(arrival) = arrival_s else {
        return RiseRate::Unknown;
    };
    let mut series: Vec<(f64, f64)> = vec![(arrival, FLOOD_DEPTH_M)];
    series.extend(
        run.snapshots
            .iter()
            .filter(|s| s.time_s > arrival && s.depth_m.spec == run.spec)
            .filter_map(|s| cell_value(&s.depth_m, i).map(|d| (s.time_s, d))),
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

struct Hazards<'a> {
    run: &'a FloodRun,
    early: Grid<f32>,
    cache: BTreeMap<usize, CellHazard>,
}

impl Hazards<'_> {
    fn at(&mut self, i: usize) -> Option<CellHazard> {
        if let Some(h) = self.cache.get(&i) {
            return Some(*h);
        }
        let run = self.run;
        let depth_m = cell_value(&run.max_depth_m, i)?;
        let speed_ms = cell_value(&run.max_speed_ms, i).unwrap_or(0.0);
        let arrival_s = cell_value(&run.arrival_time_s, i).filter(|a| *a >= 0.0);
        let early_s = cell_value(&self.early, i).filter(|a| *a >= 0.0);
        let rise = rise_rate(run, i, depth_m, arrival_s);
        let zone = life_loss::zone(depth_m, speed_ms, rise);
        let h = CellHazard {
            depth_m,
            speed_ms,
            arrival_s,
            early_s,
            rise,
            zone,
            lethality: life_loss::lethality(zone, depth_m),
        };
        self.cache.insert(i, h);
        Some(h)
    }
}

/// What happened to a group of people (one settlement, one country's grid people).
#[derive(Default)]
struct Exposed {
    tally: Tally,
    wet: bool,
    flooded_people: f64,
    max_depth_m: f64,
    max_speed_ms: f64,
    arrival_s: Option<f64>,
    early_s: Option<f64>,
    worst: Option<(f64, FloodZone, RiseRate)>,
}

impl Exposed {
    /// Add `people` in a cell with hazard `h`.
    fn add(
        &mut self,
        people: f64,
        h: &CellHazard,
        country: damage::CountryDamage,
        w: &WarningOptions,
    ) {
        if h.depth_m > 0.0 {
            self.wet = true;
            self.max_speed_ms = self.max_speed_ms.max(h.speed_ms);
        }
        if h.depth_m < FLOOD_DEPTH_M {
            return;
        }
        self.flooded_people += people;
        self.max_depth_m = self.max_depth_m.max(h.depth_m);
        self.arrival_s = min_opt(self.arrival_s, h.arrival_s);
        self.early_s = min_opt(self.early_s, h.early_s);
        let lead_h = h.early_s.map(|a| (a - w.warning_at_s) / 3600.0);
        let lead_model_h = h.arrival_s.map(|a| (a - w.warning_at_s) / 3600.0);
        let numbers = LifeLoss::at(people, h.lethality, lead_h, &w.params);
        let t = &mut self.tally;
        t.affected += people;
        t.damage_usd += country.damage_usd(people, h.depth_m);
        t.life = Some(t.life.unwrap_or(LifeLoss::ZERO).plus(&numbers));
        t.graham.add(people, h.depth_m * h.speed_ms, lead_h);
        if people > 0.0 {
            t.first_lead_h = min_opt(t.first_lead_h, lead_h);
            t.first_lead_model_h = min_opt(t.first_lead_model_h, lead_model_h);
        }
        if self.worst.is_none_or(|(l, _, _)| h.lethality > l) {
            self.worst = Some((h.lethality, h.zone, h.rise));
        }
    }
}

/// Impacts of `run` on `region` with the default warning assumptions ([`WarningOptions`]).
pub fn impact(run: &FloodRun, region: &Region, people: People<'_>) -> FloodImpact {
    impact_with(run, region, people, &WarningOptions::default())
}

/// Impacts of `run` on `region` for `people`. Runs on projected grids have no geographic
/// exposure and give empty figures.
pub fn impact_with(
    run: &FloodRun,
    region: &Region,
    people: People<'_>,
    warning: &WarningOptions,
) -> FloodImpact {
    let geographic = run.spec.crs.is_geographic();
    let mut hz = Hazards {
        run,
        early: early_arrival_s(run),
        cache: BTreeMap::new(),
    };
    let mut countries: BTreeMap<String, Tally> = BTreeMap::new();
    let mut settlements = Vec::new();
    let bbox = run.spec.bbox();
    if geographic {
        for (si, s) in region.settlements.iter().enumerate() {
            if !bbox.contains(&s.lonlat()) {
                continue;
            }
            let pop = match people {
                People::Proxy {
                    settlement_people, ..
                } => settlement_people.get(si).copied().unwrap_or(0.0),
                _ => s.population as f64,
            };
            let shares = people::settlement_shares(&run.spec, s.lon, s.lat, pop);
            let cd = damage::country(&s.country);
            let mut e = Exposed::default();
            for sh in &shares {
                if let Some(h) = sh.cell.and_then(|c| hz.at(c)) {
                    e.add(sh.people, &h, cd, warning);
                }
            }
            if !e.wet {
                continue;
            }
            let (lethality, zone, rise) =
                e.worst
                    .unwrap_or((0.0, FloodZone::Remaining, RiseRate::Unknown));
            let life = e.tally.life.unwrap_or(LifeLoss::ZERO);
            settlements.push(SettlementImpact {
                name: s.name.clone(),
                country: s.country.clone(),
                lon: s.lon,
                lat: s.lat,
                population: pop.round().max(0.0) as u64,
                footprint_radius_m: people::footprint_radius_m(pop),
                share_flooded: if pop > 0.0 {
                    e.flooded_people / pop
                } else {
                    0.0
                },
                max_depth_m: e.max_depth_m,
                depth_at_point_m: run
                    .spec
                    .index_of(s.lon, s.lat)
                    .and_then(|i| cell_value(&run.max_depth_m, i))
                    .unwrap_or(0.0),
                max_speed_ms: e.max_speed_ms,
                arrival_time_s: e.arrival_s,
                arrival_early_s: e.early_s,
                affected: e.tally.affected,
                deaths: life.with_warning,
                damage_usd: e.tally.damage_usd,
                life_loss: PlaceLifeLoss {
                    zone,
                    rise_rate: rise,
                    lethality,
                    lead_time_h: e.early_s.map(|a| (a - warning.warning_at_s) / 3600.0),
                    numbers: life,
                },
            });
            if !matches!(people, People::Raster(_)) {
                countries
                    .entry(s.country.clone())
                    .or_default()
                    .merge(&e.tally);
            }
        }
        let grid = match people {
            People::Proxy { residual, .. } => Some(residual),
            People::Raster(g) => Some(g),
            People::Settlements => None,
        };
        if let Some(g) = grid.filter(|g| g.spec.crs.is_geographic()) {
            let mut by_country: BTreeMap<String, Exposed> = BTreeMap::new();
            for Share { cell, people } in people::grid_shares(&run.spec, g) {
                let Some(i) = cell else { continue };
                let Some(h) = hz.at(i) else { continue };
                if h.depth_m < FLOOD_DEPTH_M {
                    continue;
                }
                let iso2 = region
                    .country_at(run.spec.cell_center_lonlat(i))
                    .map(|c| c.iso2.clone())
                    .unwrap_or_else(|| "--".into());
                let cd = damage::country(&iso2);
                by_country
                    .entry(iso2)
                    .or_default()
                    .add(people, &h, cd, warning);
            }
            for (iso2, mut e) in by_country {
                e.tally.affected_outside = e.tally.affected;
                countries.entry(iso2).or_default().merge(&e.tally);
            }
        }
    }
    settlements.sort_by(|a, b| {
        let ka = a.arrival_early_s.unwrap_or(f64::INFINITY);
        let kb = b.arrival_early_s.unwrap_or(f64::INFINITY);
        ka.total_cmp(&kb).then_with(|| a.name.cmp(&b.name))
    });
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
            affected_outside_settlements: t.affected_outside,
            deaths: life.with_warning,
            deaths_without_warning: life.without_warning,
            damage_usd: t.damage_usd,
        });
        total.merge(&t);
    }
    let life = total.life.unwrap_or(LifeLoss::ZERO);
    let life_loss = LifeLossSummary {
        without_warning: life.without_warning,
        with_warning: life.with_warning,
        lives_saved: life.lives_saved,
        lead_time_h: total.first_lead_h,
        lead_time_modelled_arrival_h: total.first_lead_model_h,
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
                 time); lead time = early bound of the arrival of 0.1 m (kinematic celerity \
                 5/3 v_max, Lighthill & Whitham 1955) minus the warning time"
            .into(),
    };
    FloodImpact {
        exposure: people.describe().into(),
        affected: total.affected,
        affected_outside_settlements: total.affected_outside,
        deaths: life.with_warning,
        damage_usd: total.damage_usd,
        alert: gdacs_alert(life.without_warning, total.affected).into(),
        life_loss,
        countries: out_countries,
        settlements,
        assumptions: vec![
            format!("people affected (people at risk): maximum depth >= {FLOOD_DEPTH_M} m"),
            format!(
                "settlements: people spread over a disc of population / {:.0} per km2 (Degree \
                 of Urbanisation dense-cell threshold); only the flooded part is exposed, each \
                 part at its own cell's depth",
                people::SETTLEMENT_DENSITY_PER_KM2
            ),
            "people outside settlements: the exposure's residual grid spread evenly over the \
             flood cells inside each of its cells"
                .into(),
            format!(
                "damage: JRC residential depth-damage curve of the country's continent x the \
                 country's maximum damage (Huizinga et al. 2017: construction cost x {} x (1 - \
                 {}) x {} + {} contents) x {} USD/EUR (2010 prices) x {} m2 per person",
                damage::DEPRECIATED_VALUE_SHARE,
                damage::UNDAMAGEABLE_SHARE,
                damage::MATERIALS_FACTOR,
                damage::CONTENT_SHARE,
                damage::USD_PER_EUR_2010,
                damage::FLOOR_AREA_M2_PER_PERSON
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
            "lead time: from the early bound of the arrival (kinematic celerity 5/3 of the \
             maximum speed along the flooded cells), never later than the modelled arrival"
                .into(),
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
    fn alerts() {
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
