//! From a flood run to a CAP alert: the impact-based warning input for `forewarn_cap::generate`.
//!
//! - Areas: the downstream reaches. The flooded cells (maximum depth >= 0.1 m) are cut into
//!   bands of early-bound arrival time ([`REACH_BAND_EDGES_H`], hours after the start of the
//!   run), each band's outline (marching squares at the cell edges) is split by country, and the
//!   settlements it reaches are named in the area description.
//! - Urgency per area (CAP 1.2: Immediate = act immediately, Expected = act soon, "within the
//!   next hour", Future = act in the near future): from the time left before the reach must
//!   start evacuating, `slack = early arrival - sent - clearance time`, where the clearance time
//!   is the lead time the warning timeline of `forewarn_impact::life_loss` needs to clear
//!   [`CLEARED_TARGET`] of the people who act promptly ([`clearance_time_h`]): Immediate when
//!   slack <= 0, Expected when slack <= 1 h, Future otherwise. Areas of each urgency get their
//!   own `info` block, with the onset of their earliest reach.
//! - Certainty: Observed once the breach is observed; otherwise from the warning matrix and the
//!   probability of the alert level.
//! - Alert level and likelihood: the GDACS level of `forewarn_flood::impact` (on the deaths
//!   without warning) and its probability. The texts carry no death toll; `medianDeaths` is the
//!   estimate with the warning.

use crate::EngineError;
use crate::place_names::{named_settlement, valley_of};
use forewarn_cap::{
    AlertLevel as CapLevel, CapTime, Hazard, ImpactArea, ImpactFacts, ImpactWarning, LocalName,
    Place, Status, Urgency, Zone,
};
use forewarn_core::{Grid, Region};
use forewarn_flood::impact::gdacs_alert_probability;
use forewarn_flood::{FloodImpact, FloodRun, OUTPUT_NODATA};
use forewarn_impact::life_loss::{WarningParams, evacuation};
use geo::{Area, BooleanOps, BoundingRect, Intersects, MultiPolygon};

pub use crate::place_names::LANGUAGES;
/// Upper edges of the arrival bands that make the reaches, hours after the start (the last band
/// is open-ended).
pub const REACH_BAND_EDGES_H: [f64; 6] = [1.0, 3.0, 6.0, 12.0, 24.0, 48.0];
/// Share of the people who act promptly that the warning must have cleared (used for the
/// clearance time).
pub const CLEARED_TARGET: f64 = 0.9;
/// Most polygons per area (the largest by area are kept).
pub const MAX_RINGS_PER_AREA: usize = 20;
/// Most settlements named per area.
const NAMES_PER_AREA: usize = 3;

/// How the alert is issued.
#[derive(Debug, Clone)]
pub struct FloodAlertOptions {
    pub status: Status,
    /// The start of the run (the breach's start) as a date-time.
    pub start: CapTime,
    /// When the alert is sent.
    pub sent: CapTime,
    pub sender: String,
    /// The breach has been observed: certainty Observed.
    pub breach_observed: bool,
    pub params: WarningParams,
}

/// The lead time (hours) the warning timeline needs to clear [`CLEARED_TARGET`] of the people
/// who act promptly (the reluctant share excluded).
pub fn clearance_time_h(p: &WarningParams) -> f64 {
    let target = CLEARED_TARGET * (1.0 - p.reluctant_share.clamp(0.0, 1.0));
    let cleared = |h: f64| evacuation(Some(h), p).cleared;
    let (mut lo, mut hi) = (0.0f64, 240.0f64);
    if cleared(hi) < target {
        return hi;
    }
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if cleared(mid) >= target {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// CAP urgency of a reach the water reaches `arrival_after_sent_h` hours after the alert is
/// sent, when clearing it takes `clearance_h` hours.
pub fn urgency_for(arrival_after_sent_h: f64, clearance_h: f64) -> Urgency {
    let slack = arrival_after_sent_h - clearance_h;
    if slack <= 0.0 {
        Urgency::Immediate
    } else if slack <= 1.0 {
        Urgency::Expected
    } else {
        Urgency::Future
    }
}

fn cap_level(level: &str) -> CapLevel {
    match level {
        "red" => CapLevel::Red,
        "orange" => CapLevel::Orange,
        "yellow" => CapLevel::Yellow,
        _ => CapLevel::Green,
    }
}

/// One downstream reach of one country.
struct Reach {
    iso2: String,
    first_arrival_s: f64,
    rings: Vec<Vec<(f64, f64)>>,
    names: Vec<LocalName>,
    lo_h: f64,
    hi_h: Option<f64>,
}

fn reaches(run: &FloodRun, impact: &FloodImpact, early: &Grid<f32>, region: &Region) -> Vec<Reach> {
    let mut out = Vec::new();
    let mut lo_h = 0.0;
    for k in 0..=REACH_BAND_EDGES_H.len() {
        let hi_h = REACH_BAND_EDGES_H.get(k).copied();
        let (lo_s, hi_s) = (lo_h * 3600.0, hi_h.map_or(f64::INFINITY, |h| h * 3600.0));
        let mut first = f64::INFINITY;
        let mask = Grid {
            spec: run.spec,
            data: run
                .max_depth_m
                .data
                .iter()
                .zip(&early.data)
                .map(|(&d, &a)| {
                    let a = a as f64;
                    let inside = d != OUTPUT_NODATA
                        && (d as f64) >= forewarn_flood::solver::FLOOD_DEPTH_M
                        && a != OUTPUT_NODATA as f64
                        && a >= lo_s
                        && a < hi_s;
                    if inside {
                        first = first.min(a);
                        1.0f32
                    } else {
                        0.0
                    }
                })
                .collect(),
            nodata: None,
        };
        if first.is_finite() {
            let zone = crate::contours::filled_contours(&mask, &[0.5])
                .pop()
                .map(|(_, mp)| mp)
                .unwrap_or_else(|| MultiPolygon(vec![]));
            for c in &region.countries {
                let (Some(zb), Some(cb)) = (zone.bounding_rect(), c.boundary.bounding_rect())
                else {
                    continue;
                };
                if !zb.intersects(&cb) {
                    continue;
                }
                let mut part: Vec<_> = zone.intersection(&c.boundary).0;
                if part.is_empty() {
                    continue;
                }
                part.sort_by(|a, b| b.unsigned_area().total_cmp(&a.unsigned_area()));
                part.truncate(MAX_RINGS_PER_AREA);
                let mut places: Vec<_> = impact
                    .settlements
                    .iter()
                    .filter(|s| s.country == c.iso2 && s.affected > 0.0)
                    .filter(|s| s.arrival_early_s.is_some_and(|a| a >= lo_s && a < hi_s))
                    .collect();
                places.sort_by(|a, b| b.population.cmp(&a.population).then(a.name.cmp(&b.name)));
                out.push(Reach {
                    iso2: c.iso2.clone(),
                    first_arrival_s: first,
                    rings: part
                        .iter()
                        .map(|p| p.exterior().0.iter().map(|c| (c.x, c.y)).collect())
                        .collect(),
                    names: places
                        .iter()
                        .take(NAMES_PER_AREA)
                        .map(|s| named_settlement(region, &s.name, &s.country))
                        .collect(),
                    lo_h,
                    hi_h,
                });
            }
        }
        if let Some(h) = hi_h {
            lo_h = h;
        }
    }
    out
}

/// The warning input for the CAP generator, or `None` when the run has no geographic flooded
/// area to warn (projected terrain, or nothing reached 0.1 m).
pub fn impact_warning(
    run: &FloodRun,
    impact: &FloodImpact,
    region: &Region,
    opt: &FloodAlertOptions,
) -> Option<ImpactWarning> {
    if !run.spec.crs.is_geographic() {
        return None;
    }
    let early = forewarn_flood::arrival::early_arrival_s(run);
    let clearance_h = clearance_time_h(&opt.params);
    let sent_after_start_s = (opt.sent.to_utc() - opt.start.to_utc()).num_seconds() as f64;
    let mut first_arrival_s = f64::INFINITY;
    let areas: Vec<ImpactArea> = reaches(run, impact, &early, region)
        .into_iter()
        .map(|r| {
            first_arrival_s = first_arrival_s.min(r.first_arrival_s);
            let after_sent_h = (r.first_arrival_s - sent_after_start_s) / 3600.0;
            ImpactArea {
                country_iso2: r.iso2,
                zone: Zone::FloodArrival {
                    from_h: r.lo_h,
                    to_h: r.hi_h,
                },
                places: r.names,
                footprints_lon_lat: r.rings,
                geocodes: vec![],
                urgency: Some(urgency_for(after_sent_h, clearance_h)),
                onset: Some(opt.start.plus_seconds(r.first_arrival_s.round() as i64)),
            }
        })
        .collect();
    if areas.is_empty() {
        return None;
    }
    let place = impact
        .settlements
        .iter()
        .find(|s| s.affected > 0.0)
        .map(|s| valley_of(region, &s.name, &s.country))
        .unwrap_or_else(|| {
            let b = run.spec.bbox();
            Place::Point {
                lat: 0.5 * (b.south + b.north),
                lon: 0.5 * (b.west + b.east),
            }
        });
    let peak_depth_m = impact
        .settlements
        .iter()
        .filter(|s| s.affected > 0.0)
        .map(|s| s.max_depth_m)
        .fold(0.0, f64::max);
    let likelihood = gdacs_alert_probability(
        impact.life_loss.without_warning,
        impact.affected,
        &impact.alert,
    )
    .clamp(0.0, 1.0);
    let slug = forewarn_cap::id_slug(&run.scenario_name);
    Some(ImpactWarning {
        hazard: Hazard::Flood,
        event_id: format!(
            "flood-{}-{}",
            if slug.is_empty() { "run" } else { &slug },
            opt.start.compact_utc()
        ),
        event_time: opt.start.plus_seconds(first_arrival_s.round() as i64),
        sent: opt.sent,
        alert_level: cap_level(&impact.alert),
        likelihood,
        place,
        facts: ImpactFacts {
            magnitude: None,
            depth_km: None,
            max_mmi: None,
            people_exposed: None,
            median_deaths: Some(impact.life_loss.with_warning.round()),
            people_affected: Some(impact.affected.round().max(0.0) as u64),
            peak_depth_m: Some((peak_depth_m * 10.0).round() / 10.0),
            economic_loss_usd: Some(impact.damage_usd),
        },
        areas,
        status: opt.status,
        sender: opt.sender.clone(),
        languages: LANGUAGES.iter().map(|s| s.to_string()).collect(),
        observed: opt.breach_observed,
    })
}

/// Generate, validate and serialise the alert (through `forewarn_cap::to_valid_xml`): a
/// warning that fails our validation is an error and is never written.
pub fn alert_xml(w: &ImpactWarning) -> Result<String, EngineError> {
    crate::quake::alert::alert_xml(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urgency_follows_the_time_left() {
        let p = WarningParams::default();
        let c = clearance_time_h(&p);
        // 40 min first alert, 8 min mobilisation, 30 min to safety: about three hours.
        assert!(c > 2.0 && c < 4.5, "{c}");
        let target = CLEARED_TARGET * (1.0 - p.reluctant_share);
        assert!((evacuation(Some(c), &p).cleared - target).abs() < 1e-6);
        assert_eq!(urgency_for(0.5, c), Urgency::Immediate);
        assert_eq!(urgency_for(c + 0.5, c), Urgency::Expected);
        assert_eq!(urgency_for(c + 5.0, c), Urgency::Future);
        // Later arrival never gives a more urgent class.
        let rank = |u: Urgency| match u {
            Urgency::Immediate => 0,
            Urgency::Expected => 1,
            _ => 2,
        };
        let mut last = 0;
        for i in 0..200 {
            let r = rank(urgency_for(i as f64 * 0.1, c));
            assert!(r >= last);
            last = r;
        }
    }
}
