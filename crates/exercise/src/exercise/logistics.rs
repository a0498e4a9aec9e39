//! Help between countries: requests and the offers that answer them, USAR teams travelling
//! to the trapped, relief packages, and the Sphere accounting of displaced people's needs
//! and what was delivered.

use super::Exercise;
use super::events::Event;
use crate::consequence as cq;
use crate::def::{ReliefPackage, ResourceKind};
use crate::journal::{Body, Consequence, r1};
use serde::Serialize;
use std::collections::BTreeMap;

/// A request and what answered it.
#[derive(Debug, Clone, Serialize)]
pub struct RequestState {
    pub id: String,
    pub t_s: i64,
    pub team: String,
    pub country: String,
    pub resource: ResourceKind,
    /// Each offer, in order.
    pub offers: Vec<OfferState>,
}

/// An offer that answered a request.
#[derive(Debug, Clone, Serialize)]
pub struct OfferState {
    /// Scenario seconds after the start.
    pub t_s: i64,
    /// The offering team.
    pub team: String,
}

/// A USAR team on site.
#[derive(Debug, Clone, Serialize)]
pub struct UsarArrival {
    pub country: String,
    pub team: String,
    /// Scenario seconds after the start.
    pub t_s: i64,
}

/// Sphere accounting per country.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NeedsState {
    pub displaced: f64,
    pub water_l_per_day: f64,
    pub food_kcal_per_day: f64,
    pub shelter_m2: f64,
    pub toilets: f64,
    pub water_need_l: f64,
    pub water_unmet_l: f64,
    pub food_need_kcal: f64,
    pub food_unmet_kcal: f64,
}

/// The logistics side of an exercise.
#[derive(Debug, Clone, Default)]
pub(super) struct Logistics {
    pub requests: Vec<RequestState>,
    pub usar_arrivals: Vec<UsarArrival>,
    /// By country.
    pub needs: BTreeMap<String, NeedsState>,
    /// Scenario time the needs were integrated to.
    last_needs_s: i64,
}

impl Exercise {
    /// Requests made so far.
    pub(crate) fn requests(&self) -> &[RequestState] {
        &self.logistics.requests
    }

    /// USAR teams on site so far.
    pub(crate) fn usar_arrivals(&self) -> &[UsarArrival] {
        &self.logistics.usar_arrivals
    }

    /// Sphere needs by country.
    pub(crate) fn needs(&self) -> &BTreeMap<String, NeedsState> {
        &self.logistics.needs
    }

    /// `team`'s offer on `request` is accepted: its USAR team or relief package sets off.
    pub(super) fn accept_offer(&mut self, team: &str, request: &str) {
        let Some(ri) = self.logistics.requests.iter().position(|r| r.id == request) else {
            return;
        };
        let now = self.now_s;
        self.logistics.requests[ri].offers.push(OfferState {
            t_s: now,
            team: team.to_string(),
        });
        let r = self.logistics.requests[ri].clone();
        let Some(t) = self.plan.team(team).cloned() else {
            return;
        };
        match r.resource {
            ResourceKind::Usar => {
                // Where the trapped are: the country's first earthquake unit.
                let site = self
                    .hazards
                    .hazards
                    .iter()
                    .flat_map(|h| h.units.iter())
                    .find(|u| u.country == r.country && u.trapped > 0.0)
                    .map(|u| [u.lon, u.lat]);
                let dist = match (t.base, site) {
                    (Some(b), Some(s)) => cq::distance_km(b, s),
                    _ => 0.0,
                };
                let h = cq::usar_arrival_h(t.usar_mobilisation_h, dist);
                let at = now + (h * 3600.0).round() as i64;
                self.record(Body::Message {
                    kind: "usar_deployment".into(),
                    from: team.to_string(),
                    to: vec![r.team.clone()],
                    text: format!(
                        "USAR team deploying to {} for {request}: {dist:.0} km, on site in {h:.1} h",
                        r.country
                    ),
                    cap_identifier: None,
                    cap_status: None,
                    file: None,
                });
                self.schedule(
                    at,
                    Event::UsarArrival {
                        request: request.to_string(),
                        team: team.to_string(),
                        country: r.country.clone(),
                    },
                );
            }
            ResourceKind::Relief => {
                let Some(p) = t.relief else { return };
                let at = now + (p.lead_h * 3600.0).round() as i64;
                self.record(Body::Message {
                    kind: "relief_dispatch".into(),
                    from: team.to_string(),
                    to: vec![r.team.clone()],
                    text: format!(
                        "relief for {} ({request}) arrives in {:.0} h",
                        r.country, p.lead_h
                    ),
                    cap_identifier: None,
                    cap_status: None,
                    file: None,
                });
                self.schedule(
                    at,
                    Event::ReliefDelivery {
                        request: request.to_string(),
                        team: team.to_string(),
                        country: r.country.clone(),
                        package: p,
                    },
                );
            }
        }
    }

    /// `team`'s USAR team reaches `country`: it rescues the trapped there.
    pub(super) fn usar_arrival(&mut self, request: &str, team: &str, country: &str) {
        let req_t = self
            .logistics
            .requests
            .iter()
            .find(|r| r.id == request)
            .map_or(self.now_s, |r| r.t_s);
        self.logistics.usar_arrivals.push(UsarArrival {
            country: country.to_string(),
            team: team.to_string(),
            t_s: self.now_s,
        });
        self.record(Body::Consequence(Consequence::UsarArrival {
            request: request.to_string(),
            team: team.to_string(),
            country: country.to_string(),
            hours_after_request: r1((self.now_s - req_t) as f64 / 3600.0),
        }));
        self.resolve_pools(country, team);
    }

    /// `team`'s relief `package` reaches `country`: its daily supplies count from now.
    pub(super) fn relief_delivery(
        &mut self,
        request: String,
        team: String,
        country: String,
        package: ReliefPackage,
    ) {
        self.update_needs();
        let n = self.logistics.needs.entry(country.clone()).or_default();
        n.water_l_per_day += package.water_l_per_day;
        n.food_kcal_per_day += package.food_kcal_per_day;
        n.shelter_m2 += package.shelter_m2;
        n.toilets += package.toilets;
        self.record(Body::Consequence(Consequence::ReliefDelivery {
            request,
            team,
            country,
            water_l_per_day: package.water_l_per_day,
            food_kcal_per_day: package.food_kcal_per_day,
            shelter_m2: package.shelter_m2,
            toilets: package.toilets,
        }));
    }

    /// Integrates Sphere needs and supplies from the last update to now.
    pub(super) fn update_needs(&mut self) {
        let dt_day = (self.now_s - self.logistics.last_needs_s) as f64 / 86_400.0;
        if dt_day > 0.0 {
            for n in self.logistics.needs.values_mut() {
                let water_need = n.displaced * cq::SPHERE_WATER_L_PER_PERSON_DAY * dt_day;
                let food_need = n.displaced * cq::SPHERE_FOOD_KCAL_PER_PERSON_DAY * dt_day;
                n.water_need_l += water_need;
                n.water_unmet_l +=
                    water_need * cq::unmet_share(water_need, n.water_l_per_day * dt_day);
                n.food_need_kcal += food_need;
                n.food_unmet_kcal +=
                    food_need * cq::unmet_share(food_need, n.food_kcal_per_day * dt_day);
            }
        }
        self.logistics.last_needs_s = self.now_s;
    }

    /// Journals each country's needs since the last needs record.
    pub(super) fn needs_record(&mut self) {
        let before = self.logistics.needs.clone();
        let period_h = (self.now_s - self.logistics.last_needs_s) as f64 / 3600.0;
        self.update_needs();
        let recs: Vec<Consequence> = self
            .logistics
            .needs
            .iter()
            .filter(|(_, n)| n.displaced > 0.0)
            .map(|(c, n)| {
                let b = before.get(c).cloned().unwrap_or_default();
                Consequence::Needs {
                    country: c.clone(),
                    displaced: r1(n.displaced),
                    period_h: r1(period_h),
                    water_need_l: r1(n.water_need_l - b.water_need_l),
                    water_unmet_l: r1(n.water_unmet_l - b.water_unmet_l),
                    food_need_kcal: r1(n.food_need_kcal - b.food_need_kcal),
                    food_unmet_kcal: r1(n.food_unmet_kcal - b.food_unmet_kcal),
                    shelter_unmet_m2: r1((n.displaced * cq::SPHERE_SHELTER_M2_PER_PERSON
                        - n.shelter_m2)
                        .max(0.0)),
                    toilets_unmet: r1((n.displaced / cq::SPHERE_PEOPLE_PER_TOILET - n.toilets)
                        .max(0.0)
                        .ceil()),
                }
            })
            .collect();
        for c in recs {
            self.record(Body::Consequence(c));
        }
    }
}
