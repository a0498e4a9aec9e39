//! From a quake run to a CAP alert: the impact-based warning input for `forewarn_cap::generate`.
//!
//! Areas: for each country with people at the warning intensity, the MMI contour polygon
//! (MMI >= VI, or >= V when shaking never reaches VI) intersected with the country boundary.
//! Likelihood: the probability of the alert level from the loss distribution that set it.

use super::QuakeRun;
use crate::EngineError;
use crate::place_names::{is_town, settlement_name};
use forewarn_cap::{
    AlertLevel as CapLevel, CapTime, Hazard, ImpactArea, ImpactFacts, ImpactWarning, Place, Status,
    Zone,
};
use forewarn_core::{LonLat, Region};
use forewarn_impact::AlertLevel;
use geo::{BooleanOps, BoundingRect, Intersects, MultiPolygon};

pub use crate::place_names::LANGUAGES;

fn cap_level(a: AlertLevel) -> CapLevel {
    match a {
        AlertLevel::Green => CapLevel::Green,
        AlertLevel::Yellow => CapLevel::Yellow,
        AlertLevel::Orange => CapLevel::Orange,
        AlertLevel::Red => CapLevel::Red,
    }
}

/// The MMI >= `k` region as polygons (from the same contours as mmi.geojson).
fn mmi_region(run: &QuakeRun, k: usize) -> MultiPolygon<f64> {
    crate::contours::filled_contours(&run.grid_mmi, &[k as f64 - 0.5])
        .pop()
        .map(|(_, mp)| mp)
        .unwrap_or_else(|| MultiPolygon(vec![]))
}

/// Where the earthquake is: the most populous settlement within 60 km of the epicentre, else
/// the nearest one, else the point itself.
pub fn place(run: &QuakeRun, region: &Region) -> Place {
    let idx = region.settlement_index();
    let p = run.rupture.hypocenter;
    let near = idx.within_radius(p, 60.0);
    let best = near
        .iter()
        .max_by(|a, b| {
            region.settlements[a.0]
                .population
                .cmp(&region.settlements[b.0].population)
                .then(b.0.cmp(&a.0))
        })
        .copied()
        .or_else(|| idx.nearest(p));
    match best {
        Some((i, d)) => Place::Settlement {
            name: settlement_name(region, i),
            country_iso2: region.settlements[i].country.clone(),
            distance_km: d,
            town: is_town(region.settlements[i].population),
        },
        None => Place::Point {
            lat: p.lat,
            lon: p.lon,
        },
    }
}

/// Build the warning input for the CAP generator.
pub fn impact_warning(
    run: &QuakeRun,
    region: &Region,
    status: Status,
    event_time: CapTime,
    sent: CapTime,
    sender: &str,
) -> ImpactWarning {
    let k = if run.max_mmi >= 5.5 { 6 } else { 5 };
    let zone = mmi_region(run, k);
    let mut areas = Vec::new();
    for c in &run.countries {
        if c.people_by_mmi[k - 1..].iter().sum::<f64>() <= 0.0 {
            continue;
        }
        let Ok(country) = region.country(&c.iso2) else {
            continue;
        };
        let (Some(zb), Some(cb)) = (zone.bounding_rect(), country.boundary.bounding_rect()) else {
            continue;
        };
        if !zb.intersects(&cb) {
            continue;
        }
        let part = zone.intersection(&country.boundary);
        let rings: Vec<Vec<(f64, f64)>> = part
            .0
            .iter()
            .map(|p| p.exterior().0.iter().map(|c| (c.x, c.y)).collect())
            .collect();
        if rings.is_empty() {
            continue;
        }
        areas.push(ImpactArea {
            country_iso2: c.iso2.clone(),
            zone: Zone::MmiAtLeast(k as u8),
            places: vec![],
            footprints_lon_lat: rings,
            geocodes: vec![],
            urgency: None,
            onset: None,
        });
    }
    let (dist, level) = if run.alert_fatalities >= run.alert_economic {
        (&run.fatalities, run.alert_fatalities)
    } else {
        (&run.losses, run.alert_economic)
    };
    let likelihood = dist.alert_probabilities[level as usize];
    let people_exposed: f64 = run
        .countries
        .iter()
        .map(|c| c.people_by_mmi[k - 1..].iter().sum::<f64>())
        .sum();
    ImpactWarning {
        hazard: Hazard::Earthquake,
        event_id: format!(
            "eq-{:.2}n-{:.2}e-m{:.1}",
            run.rupture.hypocenter.lat, run.rupture.hypocenter.lon, run.rupture.mag
        )
        .replace('.', "_"),
        event_time,
        sent,
        alert_level: cap_level(run.alert_level),
        likelihood,
        place: place(run, region),
        facts: ImpactFacts {
            magnitude: Some(run.rupture.mag),
            depth_km: Some(run.rupture.hypo_depth_km),
            // For an event known only as a point, the strongest shaking any direction of the
            // fault brings to a populated place, as its people exposed are counted.
            max_mmi: Some(
                (run.max_mmi.max(run.max_mmi_over_strikes.unwrap_or(1.0)) * 10.0).round() / 10.0,
            ),
            people_exposed: Some(people_exposed.round() as u64),
            median_deaths: Some(run.fatalities.median.round()),
            people_affected: None,
            peak_depth_m: None,
            economic_loss_usd: Some(run.losses.median),
        },
        areas,
        status,
        sender: sender.to_string(),
        languages: LANGUAGES.iter().map(|s| s.to_string()).collect(),
        observed: false,
    }
}

/// Generate, validate and serialise the alert. A message that fails our own validation is an
/// error: a warning that fails validation never reaches anyone.
pub fn alert_xml(w: &ImpactWarning) -> Result<String, EngineError> {
    let alert = forewarn_cap::generate(
        w,
        &forewarn_cap::WarningConfig::embedded()
            .map_err(|e| EngineError::Input(format!("warning configuration: {e}")))?,
    )
    .map_err(|e| EngineError::Input(format!("generating the CAP alert: {e}")))?;
    forewarn_cap::to_valid_xml(&alert)
        .map_err(|e| EngineError::Input(format!("generated CAP alert is invalid: {e}")))
}

/// The epicentre as a point, for callers that need it.
pub fn epicentre(run: &QuakeRun) -> LonLat {
    run.rupture.hypocenter
}
