//! Evaluation: per-objective measures from the exercise state, HSEEP ratings (P/S/M/U) and the
//! improvement plan.

use crate::action::Rating;
use crate::def::{Criterion, Measure, ResourceKind};
use crate::exercise::{Exercise, NeedsState, Totals};
use crate::time;
use serde::Serialize;
use std::collections::BTreeMap;

/// One criterion's result.
#[derive(Debug, Clone, Serialize)]
pub struct CriterionResult {
    pub measure: Measure,
    pub scope: String,
    pub value: Option<f64>,
    pub unit: &'static str,
    pub p: f64,
    pub s: f64,
    pub rating: Rating,
}

/// An evaluator's rating.
#[derive(Debug, Clone, Serialize)]
pub struct EvaluatorRating {
    pub team: String,
    pub rating: Rating,
    pub note: Option<String>,
}

/// One objective's evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectiveResult {
    pub id: String,
    pub title: String,
    pub capability: Option<String>,
    pub owner: String,
    /// The final rating: the evaluator's when given, else the computed one.
    pub rating: Rating,
    pub computed_rating: Rating,
    pub evaluator: Option<EvaluatorRating>,
    pub criteria: Vec<CriterionResult>,
}

/// An improvement plan row (HSEEP: corrective action with owner and due date).
#[derive(Debug, Clone, Serialize)]
pub struct ImprovementItem {
    pub objective: String,
    pub capability: String,
    pub rating: Rating,
    pub observation: String,
    pub corrective_action: String,
    pub owner_team: String,
    pub owner_organisation: String,
    pub start_date: String,
    pub due_date: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct WarningMetric {
    pub hazard: String,
    pub country: String,
    pub team: String,
    pub t_s: i64,
    pub minutes_after_onset: f64,
    pub cap_identifier: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct HazardMetric {
    pub hazard: String,
    pub people_at_risk: f64,
    pub warned_before_impact_share: Option<f64>,
    pub unwarned_at_impact: f64,
    pub deaths: f64,
    pub first_warning_min: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestMetric {
    pub id: String,
    pub team: String,
    pub country: String,
    pub resource: ResourceKind,
    pub requested_at: String,
    pub fulfilment_min: Option<f64>,
    pub offers: Vec<String>,
}

/// Everything metrics.json holds.
#[derive(Debug, Clone, Serialize)]
pub struct Metrics {
    pub exercise: String,
    pub seed: u64,
    pub duration_h: f64,
    pub totals: Totals,
    pub objectives: Vec<ObjectiveResult>,
    pub improvement_plan: Vec<ImprovementItem>,
    pub hazards: Vec<HazardMetric>,
    pub warnings: Vec<WarningMetric>,
    pub requests: Vec<RequestMetric>,
    pub needs: BTreeMap<String, NeedsState>,
    pub injects_fired: usize,
    pub injects_expecting_action: usize,
    pub injects_acknowledged: usize,
    pub cap_alerts: usize,
}

fn rate(c: &Criterion, v: Option<f64>) -> Rating {
    match v {
        None => Rating::U,
        Some(v) if c.measure.higher_is_better() => {
            if v >= c.p {
                Rating::P
            } else if v >= c.s {
                Rating::S
            } else {
                Rating::M
            }
        }
        Some(v) => {
            if v <= c.p {
                Rating::P
            } else if v <= c.s {
                Rating::S
            } else {
                Rating::M
            }
        }
    }
}

fn scope(c: &Criterion) -> String {
    let mut parts = Vec::new();
    if let Some(h) = &c.hazard {
        parts.push(format!("hazard {h}"));
    }
    if let Some(x) = &c.country {
        parts.push(format!("country {x}"));
    }
    if let Some(t) = &c.team {
        parts.push(format!("team {t}"));
    }
    if let Some(r) = &c.resource {
        parts.push(format!("resource {r:?}").to_lowercase());
    }
    if parts.is_empty() {
        "all".into()
    } else {
        parts.join(", ")
    }
}

fn round(v: f64, d: i32) -> f64 {
    let f = 10f64.powi(d);
    (v * f).round() / f
}

/// Computes a criterion's measure.
pub fn measure(ex: &Exercise, c: &Criterion) -> Option<f64> {
    let plan = ex.plan();
    let onset = |h: &str| ex.hazards().get(h).map_or(0, |r| r.onset_s);
    match c.measure {
        Measure::TimeToFirstWarningMin => ex
            .warnings()
            .iter()
            .filter(|w| {
                c.hazard.as_ref().is_none_or(|h| *h == w.hazard)
                    && c.country.as_ref().is_none_or(|x| *x == w.country)
                    && c.team.as_ref().is_none_or(|t| *t == w.team)
            })
            .map(|w| (w.t_s - onset(&w.hazard)) as f64 / 60.0)
            .reduce(f64::min),
        Measure::WarnedBeforeImpactShare => {
            let imps: Vec<_> = ex
                .impacts()
                .iter()
                .filter(|i| {
                    c.hazard.as_ref().is_none_or(|h| *h == i.hazard)
                        && c.country.as_ref().is_none_or(|x| *x == i.country)
                })
                .collect();
            let people: f64 = imps.iter().map(|i| i.people).sum();
            if people <= 0.0 {
                None
            } else {
                Some(imps.iter().map(|i| i.people * i.warned_share).sum::<f64>() / people)
            }
        }
        Measure::RequestFulfilmentMin => {
            let reqs: Vec<_> = ex
                .requests()
                .iter()
                .filter(|r| {
                    c.resource.is_none_or(|x| x == r.resource)
                        && c.country.as_ref().is_none_or(|x| *x == r.country)
                        && c.team.as_ref().is_none_or(|t| *t == r.team)
                })
                .collect();
            if reqs.is_empty() || reqs.iter().all(|r| r.offers.is_empty()) {
                return None;
            }
            reqs.iter()
                .map(|r| r.offers.first().map_or(plan.duration_s, |o| o.t_s) - r.t_s)
                .max()
                .map(|d| d as f64 / 60.0)
        }
        Measure::UsarArrivalH => {
            let hz: Vec<_> = ex
                .hazards()
                .hazards
                .iter()
                .filter(|h| c.hazard.as_ref().is_none_or(|x| *x == h.id))
                .collect();
            let mut best: Option<f64> = None;
            for h in hz {
                for u in h.units.iter().filter(|u| {
                    u.trapped > 0.0 && c.country.as_ref().is_none_or(|x| *x == u.country)
                }) {
                    if let Some(t) = ex
                        .usar_arrivals()
                        .iter()
                        .filter(|a| a.country == u.country && a.t_s >= h.onset_s)
                        .map(|a| a.t_s)
                        .min()
                    {
                        let v = (t - h.onset_s) as f64 / 3600.0;
                        best = Some(best.map_or(v, |b: f64| b.max(v)));
                    } else {
                        return None;
                    }
                }
            }
            best
        }
        Measure::UnmetNeedsShare => {
            let ns: Vec<&NeedsState> = ex
                .needs()
                .iter()
                .filter(|(k, _)| c.country.as_ref().is_none_or(|x| *x == **k))
                .map(|(_, v)| v)
                .collect();
            let wn: f64 = ns.iter().map(|n| n.water_need_l).sum();
            let wu: f64 = ns.iter().map(|n| n.water_unmet_l).sum();
            let fnd: f64 = ns.iter().map(|n| n.food_need_kcal).sum();
            let fu: f64 = ns.iter().map(|n| n.food_unmet_kcal).sum();
            if wn <= 0.0 && fnd <= 0.0 {
                return Some(0.0);
            }
            let share = |need: f64, unmet: f64| if need > 0.0 { unmet / need } else { 0.0 };
            Some(0.5 * (share(wn, wu) + share(fnd, fu)))
        }
        Measure::InjectsAcknowledgedShare => {
            let acks = ex.delivered_and_acknowledged(c.team.as_deref());
            if acks.delivered == 0 {
                None
            } else {
                Some(acks.acknowledged as f64 / acks.delivered as f64)
            }
        }
    }
}

/// Evaluates every objective and builds metrics.json.
pub fn evaluate(ex: &Exercise) -> Metrics {
    let plan = ex.plan();
    let end = plan.start + chrono::Duration::seconds(plan.duration_s);
    let mut objectives = Vec::new();
    let mut improvement_plan = Vec::new();
    for o in &plan.def.objectives {
        let criteria: Vec<CriterionResult> = o
            .criteria
            .iter()
            .map(|c| {
                let v = measure(ex, c);
                CriterionResult {
                    measure: c.measure,
                    scope: scope(c),
                    value: v.map(|x| round(x, 4)),
                    unit: c.measure.unit(),
                    p: c.p,
                    s: c.s,
                    rating: rate(c, v),
                }
            })
            .collect();
        let computed = criteria.iter().map(|c| c.rating).max().unwrap_or(Rating::U);
        let evaluator = ex.ratings().get(&o.id).map(|g| EvaluatorRating {
            team: g.team.clone(),
            rating: g.rating,
            note: g.note.clone(),
        });
        let rating = evaluator.as_ref().map_or(computed, |e| e.rating);
        if rating != Rating::P {
            let owner_org = plan
                .team(&o.owner)
                .and_then(|t| {
                    plan.def
                        .organisations
                        .iter()
                        .find(|g| g.id == t.organisation)
                })
                .map(|g| g.name.clone())
                .unwrap_or_default();
            let observation: Vec<String> = criteria
                .iter()
                .filter(|c| c.rating != Rating::P)
                .map(|c| match c.value {
                    Some(v) => format!(
                        "{} ({}) = {} (P at {}, S at {})",
                        c.measure.key(),
                        c.scope,
                        c.measure.format(v),
                        c.measure.format(c.p),
                        c.measure.format(c.s)
                    ),
                    None => format!("{} ({}): not performed", c.measure.key(), c.scope),
                })
                .collect();
            let days = i64::from(plan.def.exercise.improvement_due_days)
                * if rating == Rating::S { 2 } else { 1 };
            improvement_plan.push(ImprovementItem {
                objective: o.id.clone(),
                capability: o.capability.clone().unwrap_or_default(),
                rating,
                observation: observation.join("; "),
                corrective_action: o
                    .corrective_action
                    .clone()
                    .unwrap_or_else(|| format!("Review procedures and train for: {}", o.title)),
                owner_team: o.owner.clone(),
                owner_organisation: owner_org,
                start_date: end.format("%Y-%m-%d").to_string(),
                due_date: (end + chrono::Duration::days(days))
                    .format("%Y-%m-%d")
                    .to_string(),
            });
        }
        objectives.push(ObjectiveResult {
            id: o.id.clone(),
            title: o.title.clone(),
            capability: o.capability.clone(),
            owner: o.owner.clone(),
            rating,
            computed_rating: computed,
            evaluator,
            criteria,
        });
    }
    let hazards = ex
        .hazards()
        .hazards
        .iter()
        .map(|h| {
            let imps: Vec<_> = ex.impacts().iter().filter(|i| i.hazard == h.id).collect();
            let people: f64 = imps.iter().map(|i| i.people).sum();
            let warned = if people > 0.0 {
                Some(round(
                    imps.iter().map(|i| i.people * i.warned_share).sum::<f64>() / people,
                    4,
                ))
            } else {
                None
            };
            let rescue_deaths: f64 = ex
                .rescues()
                .iter()
                .filter(|r| r.hazard == h.id)
                .map(|r| r.died)
                .sum();
            HazardMetric {
                hazard: h.id.clone(),
                people_at_risk: round(people, 1),
                warned_before_impact_share: warned,
                unwarned_at_impact: round(imps.iter().map(|i| i.unwarned).sum(), 1),
                deaths: round(
                    imps.iter().map(|i| i.deaths).sum::<f64>() + rescue_deaths,
                    1,
                ),
                first_warning_min: ex
                    .warnings()
                    .iter()
                    .filter(|w| w.hazard == h.id)
                    .map(|w| round((w.t_s - h.onset_s) as f64 / 60.0, 1))
                    .reduce(f64::min),
            }
        })
        .collect();
    let warnings = ex
        .warnings()
        .iter()
        .map(|w| WarningMetric {
            hazard: w.hazard.clone(),
            country: w.country.clone(),
            team: w.team.clone(),
            t_s: w.t_s,
            minutes_after_onset: round(
                (w.t_s - ex.hazards().get(&w.hazard).map_or(0, |h| h.onset_s)) as f64 / 60.0,
                1,
            ),
            cap_identifier: w.cap_identifier.clone(),
        })
        .collect();
    let requests = ex
        .requests()
        .iter()
        .map(|r| RequestMetric {
            id: r.id.clone(),
            team: r.team.clone(),
            country: r.country.clone(),
            resource: r.resource,
            requested_at: time::label(r.t_s),
            fulfilment_min: r
                .offers
                .first()
                .map(|o| round((o.t_s - r.t_s) as f64 / 60.0, 1)),
            offers: r
                .offers
                .iter()
                .map(|o| format!("{} at {}", o.team, time::label(o.t_s)))
                .collect(),
        })
        .collect();
    let acks = ex.delivered_and_acknowledged(None);
    let mut t = ex.totals();
    t.people_at_risk = round(t.people_at_risk, 1);
    t.unwarned_at_impact = round(t.unwarned_at_impact, 1);
    t.deaths = round(t.deaths, 1);
    t.rescued_alive = round(t.rescued_alive, 1);
    t.unmet_needs_share = round(t.unmet_needs_share, 4);
    let mut needs = ex.needs().clone();
    for v in needs.values_mut() {
        v.displaced = round(v.displaced, 1);
        v.water_need_l = round(v.water_need_l, 0);
        v.water_unmet_l = round(v.water_unmet_l, 0);
        v.food_need_kcal = round(v.food_need_kcal, 0);
        v.food_unmet_kcal = round(v.food_unmet_kcal, 0);
    }
    Metrics {
        exercise: plan.def.exercise.name.clone(),
        seed: ex.seed(),
        duration_h: plan.duration_s as f64 / 3600.0,
        totals: t,
        objectives,
        improvement_plan,
        hazards,
        warnings,
        requests,
        needs,
        injects_fired: plan
            .def
            .injects
            .iter()
            .filter(|d| ex.inject_fired_at(&d.id).is_some())
            .count(),
        injects_expecting_action: acks.delivered,
        injects_acknowledged: acks.acknowledged,
        cap_alerts: ex.alerts().len(),
    }
}
