//! Journal records: every inject, action, message and consequence, in order, each with its
//! scenario time and wall time. Written as JSON Lines.

use crate::action::Action;
use crate::def::{Channel, FeedStatus, HazardKind, HseepType};
use serde::Serialize;
use std::collections::BTreeMap;

/// One journal line.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub seq: u64,
    /// Seconds after the scenario start.
    pub t_s: i64,
    pub scenario_time: String,
    pub wall_time: String,
    #[serde(flatten)]
    pub body: Body,
}

/// What happened.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Body {
    Start {
        exercise: String,
        hseep_type: HseepType,
        seed: u64,
        bots: bool,
        speed: String,
        languages: Vec<String>,
        teams: usize,
        injects: usize,
        hazards: usize,
    },
    Clock {
        op: String,
        speed: String,
    },
    Hazard {
        hazard: String,
        kind: HazardKind,
        name: String,
        alert_level: String,
        people_at_risk: f64,
        countries: Vec<String>,
        note: String,
    },
    Inject {
        inject: String,
        from: String,
        to: Vec<String>,
        channel: Channel,
        #[serde(skip_serializing_if = "Option::is_none")]
        hazard: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        objective: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        expected_action: Option<String>,
        contingency: bool,
        trigger: String,
        content: BTreeMap<String, String>,
    },
    Action {
        team: String,
        bot: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        action: Action,
    },
    Rejected {
        team: String,
        bot: bool,
        action: Action,
        reason: String,
    },
    Message {
        kind: String,
        from: String,
        to: Vec<String>,
        text: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        cap_identifier: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cap_status: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        file: Option<String>,
    },
    Consequence(Consequence),
    /// A report of the exercise feed is published (the server feeds it to the watch).
    Feed {
        feed: String,
        agency: String,
        event_id: String,
        /// The event's origin time (RFC 3339, UTC).
        origin_time: String,
        lat: f64,
        lon: f64,
        depth_km: f64,
        mag: f64,
        status: FeedStatus,
        #[serde(skip_serializing_if = "Option::is_none")]
        place: Option<String>,
    },
    End {
        people_at_risk: f64,
        unwarned_at_impact: f64,
        deaths: f64,
        rescued_alive: f64,
        unmet_needs_share: f64,
    },
}

/// A simulated consequence.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "consequence", rename_all = "snake_case")]
pub enum Consequence {
    /// A hazard reached a unit.
    Impact {
        hazard: String,
        unit: String,
        country: String,
        people_at_risk: f64,
        /// Lead time of the first warning for this hazard and country, minutes (None: no
        /// warning before impact).
        lead_min: Option<f64>,
        warned_share: f64,
        protective_share: f64,
        unwarned: f64,
        deaths: f64,
        trapped: f64,
        displaced: f64,
    },
    /// Trapped people reached by USAR (or, after the exercise, by national teams).
    Rescue {
        hazard: String,
        country: String,
        by: String,
        hours_after_onset: f64,
        trapped: f64,
        rescued_alive: f64,
        died: f64,
    },
    /// A deployed USAR team arrived.
    UsarArrival {
        request: String,
        team: String,
        country: String,
        hours_after_request: f64,
    },
    /// Relief arrived.
    ReliefDelivery {
        request: String,
        team: String,
        country: String,
        water_l_per_day: f64,
        food_kcal_per_day: f64,
        shelter_m2: f64,
        toilets: f64,
    },
    /// Sphere needs over the last period in one country.
    Needs {
        country: String,
        displaced: f64,
        period_h: f64,
        water_need_l: f64,
        water_unmet_l: f64,
        food_need_kcal: f64,
        food_unmet_kcal: f64,
        shelter_unmet_m2: f64,
        toilets_unmet: f64,
    },
}

/// Rounds for the journal (people to 0.1, shares to 1e-4).
pub fn r1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}
pub fn r4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}
