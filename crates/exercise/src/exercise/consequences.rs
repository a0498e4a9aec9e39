//! The consequence model's outcomes as the exercise runs ([`crate::consequence`] holds the
//! models): hazard onsets, each unit's impact (warned share, deaths, trapped, displaced),
//! rescues of the trapped, and the exercise-wide totals.

use super::Exercise;
use super::events::Event;
use crate::consequence as cq;
use crate::def::HazardKind;
use crate::journal::{Body, Consequence, r1, r4};
use rand::RngExt;
use std::sync::Arc;

/// Outcome of one impact.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImpactState {
    pub hazard: String,
    pub unit: String,
    pub country: String,
    pub lon: f64,
    pub lat: f64,
    pub impact_s: i64,
    pub people: f64,
    pub warned_share: f64,
    pub unwarned: f64,
    pub deaths: f64,
}

/// People trapped by a hazard in a country, and how many a rescue reached alive.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Rescue {
    pub hazard: String,
    pub country: String,
    pub hours_after_onset: f64,
    pub trapped: f64,
    pub rescued_alive: f64,
    pub died: f64,
}

/// Trapped people waiting for rescue.
#[derive(Debug, Clone)]
struct TrappedPool {
    hazard: String,
    country: String,
    onset_s: i64,
    trapped: f64,
    resolved: bool,
}

/// The consequences so far.
#[derive(Debug, Clone, Default)]
pub(super) struct Consequences {
    pub impacts: Vec<ImpactState>,
    rescues: Vec<Rescue>,
    pools: Vec<TrappedPool>,
}

/// Exercise-wide totals.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Totals {
    pub people_at_risk: f64,
    pub unwarned_at_impact: f64,
    pub deaths: f64,
    pub rescued_alive: f64,
    pub unmet_needs_share: f64,
}

impl Exercise {
    /// Impacts so far.
    pub(crate) fn impacts(&self) -> &[ImpactState] {
        &self.consequences.impacts
    }

    /// Rescues so far.
    pub(crate) fn rescues(&self) -> &[Rescue] {
        &self.consequences.rescues
    }

    /// Hazard `i` begins: journaled, its units' impacts scheduled, bots respond.
    pub(super) fn hazard_onset(&mut self, i: usize) {
        let h = self.hazards.hazards[i].clone();
        self.record(Body::Hazard {
            hazard: h.id.clone(),
            kind: h.kind,
            name: h.name.clone(),
            alert_level: h.alert_level.clone(),
            people_at_risk: r1(h.people_at_risk()),
            countries: h.countries(),
            note: h.engine_note.clone(),
        });
        for (u, unit) in h.units.iter().enumerate() {
            self.schedule(unit.impact_s, Event::Impact { hazard: i, unit: u });
        }
        self.bots_on_onset(&h);
    }

    /// Unit `ui` of hazard `hi` is reached: who was warned in time, deaths, the trapped and
    /// the displaced.
    pub(super) fn impact(&mut self, hi: usize, ui: usize) {
        let hazards = Arc::clone(&self.hazards);
        let h = &hazards.hazards[hi];
        let u = h.units[ui].clone();
        let (hid, kind) = (h.id.clone(), h.kind);
        let first_warning = self
            .cap
            .warnings
            .iter()
            .filter(|w| w.hazard == hid && w.country == u.country)
            .map(|w| w.t_s)
            .min();
        let lead_s = first_warning
            .map(|t| (u.impact_s - t) as f64)
            .filter(|l| *l > 0.0);
        let (evac, loss) = cq::flood_outcome(
            u.people,
            u.mortality_if_unprotected,
            lead_s,
            self.rng.random::<f64>(),
        );
        let (reach, protective) = (evac.alerted, evac.cleared);
        let (deaths, trapped) = match kind {
            HazardKind::Flood => (loss.with_warning, 0.0),
            _ => (u.deaths_fixed, u.trapped),
        };
        let unwarned = u.people * (1.0 - reach);
        let displaced = (u.displaced - deaths).max(0.0);
        self.update_needs();
        self.logistics
            .needs
            .entry(u.country.clone())
            .or_default()
            .displaced += displaced;
        if trapped >= 0.05 {
            self.consequences.pools.push(TrappedPool {
                hazard: hid.clone(),
                country: u.country.clone(),
                onset_s: h.onset_s,
                trapped,
                resolved: false,
            });
        }
        self.consequences.impacts.push(ImpactState {
            hazard: hid.clone(),
            unit: u.name.clone(),
            country: u.country.clone(),
            lon: u.lon,
            lat: u.lat,
            impact_s: u.impact_s,
            people: u.people,
            warned_share: reach,
            unwarned,
            deaths,
        });
        let country = u.country.clone();
        self.record(Body::Consequence(Consequence::Impact {
            hazard: hid,
            unit: u.name,
            country: u.country,
            people_at_risk: r1(u.people),
            lead_min: lead_s.map(|l| r1(l / 60.0)),
            warned_share: r4(reach),
            protective_share: r4(protective),
            unwarned: r1(unwarned),
            deaths: r1(deaths),
            trapped: r1(trapped),
            displaced: r1(displaced),
        }));
        // A USAR team already on site starts at once.
        if trapped >= 0.05
            && let Some(team) = self
                .logistics
                .usar_arrivals
                .iter()
                .find(|a| a.country == country)
                .map(|a| a.team.clone())
        {
            self.resolve_pools(&country, &team);
        }
    }

    /// `by` reaches the trapped of `country` now: survival by the hours since onset.
    pub(super) fn resolve_pools(&mut self, country: &str, by: &str) {
        let now = self.now_s;
        let mut rescues = Vec::new();
        for p in self
            .consequences
            .pools
            .iter_mut()
            .filter(|p| p.country == country && !p.resolved)
        {
            p.resolved = true;
            let hours = (now - p.onset_s) as f64 / 3600.0;
            let alive = p.trapped * cq::trapped_survival(hours);
            rescues.push(Rescue {
                hazard: p.hazard.clone(),
                country: country.to_string(),
                hours_after_onset: hours,
                trapped: p.trapped,
                rescued_alive: alive,
                died: p.trapped - alive,
            });
        }
        for r in rescues {
            self.record(Body::Consequence(Consequence::Rescue {
                hazard: r.hazard.clone(),
                country: country.to_string(),
                by: by.to_string(),
                hours_after_onset: r1(r.hours_after_onset),
                trapped: r1(r.trapped),
                rescued_alive: r1(r.rescued_alive),
                died: r1(r.died),
            }));
            self.consequences.rescues.push(r);
        }
    }

    /// Countries with trapped people no rescue reached yet, sorted.
    pub(super) fn countries_still_trapped(&self) -> Vec<String> {
        self.consequences
            .pools
            .iter()
            .filter(|p| !p.resolved)
            .map(|p| p.country.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// Totals over the whole exercise so far.
    pub fn totals(&self) -> Totals {
        let needs = &self.logistics.needs;
        let water_need: f64 = needs.values().map(|n| n.water_need_l).sum();
        let water_unmet: f64 = needs.values().map(|n| n.water_unmet_l).sum();
        let food_need: f64 = needs.values().map(|n| n.food_need_kcal).sum();
        let food_unmet: f64 = needs.values().map(|n| n.food_unmet_kcal).sum();
        let c = &self.consequences;
        Totals {
            people_at_risk: c.impacts.iter().map(|i| i.people).sum(),
            unwarned_at_impact: c.impacts.iter().map(|i| i.unwarned).sum(),
            deaths: c.impacts.iter().map(|i| i.deaths).sum::<f64>()
                + c.rescues.iter().map(|r| r.died).sum::<f64>(),
            rescued_alive: c.rescues.iter().map(|r| r.rescued_alive).sum(),
            unmet_needs_share: 0.5
                * (cq::unmet_share(water_need, water_need - water_unmet)
                    + cq::unmet_share(food_need, food_need - food_unmet)),
        }
    }
}
