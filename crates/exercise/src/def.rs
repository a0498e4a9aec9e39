//! The exercise definition as written in TOML (docs/exercise.md, docs/exercise.schema.json).
//!
//! Every struct denies unknown fields so that a misspelt key is an error that names its line.
//! Times are strings: `T+1h30m` (after the scenario start), `<hazard-id>+20m` (after a hazard's
//! onset) or an absolute RFC 3339 time; see [`crate::time`].

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A whole exercise file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExerciseDef {
    pub exercise: Meta,
    #[serde(default, rename = "organisation")]
    pub organisations: Vec<Organisation>,
    #[serde(default, rename = "team")]
    pub teams: Vec<Team>,
    #[serde(default, rename = "objective")]
    pub objectives: Vec<Objective>,
    #[serde(default, rename = "hazard")]
    pub hazards: Vec<HazardDef>,
    #[serde(default, rename = "inject")]
    pub injects: Vec<InjectDef>,
    /// The exercise feed: scripted catalogue reports fed into the watch (inside the exercise).
    #[serde(default, rename = "feed")]
    pub feeds: Vec<FeedDef>,
}

/// What a report of the exercise feed says of its event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedStatus {
    /// An automatic solution (the first minutes).
    Automatic,
    /// Reviewed by a seismologist.
    Reviewed,
    /// The agency withdrew the event.
    Deleted,
}

impl FeedStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedStatus::Automatic => "automatic",
            FeedStatus::Reviewed => "reviewed",
            FeedStatus::Deleted => "deleted",
        }
    }
}

/// A report of the exercise feed: what an earthquake catalogue publishes about a scripted
/// event, fed at `at` into the same watch pipeline as a real source's reports (association,
/// each player organisation's rules, automatic incident, run, draft, alarms), inside the
/// exercise only. Reports with the same `agency` and `event_id` are revisions of one report;
/// reports of several agencies about one event are associated as real ones are.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FeedDef {
    pub id: String,
    /// When the report is published ("T+5min", or after a hazard's onset).
    pub at: String,
    /// The event's origin time (default: `at`).
    #[serde(default)]
    pub origin_at: Option<String>,
    /// The reporting agency or network, such as "us" or "pk".
    pub agency: String,
    /// The agency's event id.
    pub event_id: String,
    pub lat: f64,
    pub lon: f64,
    pub depth_km: f64,
    pub mag: f64,
    #[serde(default = "default_feed_status")]
    pub status: FeedStatus,
    /// The agency's region name.
    #[serde(default)]
    pub place: Option<String>,
}

fn default_feed_status() -> FeedStatus {
    FeedStatus::Automatic
}

/// HSEEP exercise types (discussion-based, then operations-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HseepType {
    Seminar,
    Workshop,
    Tabletop,
    Game,
    Drill,
    Functional,
    FullScale,
}

impl HseepType {
    pub fn label(self) -> &'static str {
        match self {
            HseepType::Seminar => "Seminar",
            HseepType::Workshop => "Workshop",
            HseepType::Tabletop => "Tabletop exercise",
            HseepType::Game => "Game",
            HseepType::Drill => "Drill",
            HseepType::Functional => "Functional exercise",
            HseepType::FullScale => "Full-scale exercise",
        }
    }
}

/// Metadata, languages, start time, length and default clock speed.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub name: String,
    pub hseep_type: HseepType,
    /// Language codes; every inject needs content in each.
    pub languages: Vec<String>,
    /// Scenario start, RFC 3339 with offset, e.g. "2026-05-12T06:00:00+05:00".
    pub start: String,
    /// Scenario length, e.g. "72h".
    pub duration: String,
    /// Default clock speed: "real", "x60" (60 scenario seconds per wall second) or "max".
    #[serde(default = "default_speed")]
    pub speed: String,
    /// Wall-clock start used for simulated wall time in headless runs (default: `start`).
    #[serde(default)]
    pub wall_start: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Days after the exercise end by which corrective actions for M/U ratings are due
    /// (S ratings get twice as long).
    #[serde(default = "default_due_days")]
    pub improvement_due_days: u32,
}

fn default_speed() -> String {
    "x60".to_string()
}
fn default_due_days() -> u32 {
    90
}

/// An organisation taking part.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    /// ISO 3166-1 alpha-2 code of the organisation's country ("RC" style codes are allowed for
    /// regional bodies that belong to no country).
    pub country: String,
}

/// Exercise roles (HSEEP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Director,
    Controller,
    Evaluator,
    Player,
    Observer,
}

/// A team: receives injects and acts.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub organisation: String,
    pub role: Role,
    /// Working language of the team (one of the exercise languages).
    pub language: String,
    /// Home base [lon, lat], degrees; used for USAR and relief travel times.
    #[serde(default)]
    pub base: Option<[f64; 2]>,
    /// The team can deploy an INSARAG-classified USAR team.
    #[serde(default)]
    pub usar: bool,
    /// Hours from accepting a USAR request to departure (INSARAG: ready within 10 h).
    #[serde(default = "default_mobilisation_h")]
    pub usar_mobilisation_h: f64,
    /// Relief the team can send per offer (Sphere units).
    #[serde(default)]
    pub relief: Option<ReliefPackage>,
    /// Scripted behaviour when the run uses bots.
    #[serde(default)]
    pub bot: Option<Doctrine>,
}

fn default_mobilisation_h() -> f64 {
    10.0
}

/// Relief supplies, in Sphere units.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReliefPackage {
    /// Drinking water delivered per day, litres.
    #[serde(default)]
    pub water_l_per_day: f64,
    /// Food delivered per day, kcal.
    #[serde(default)]
    pub food_kcal_per_day: f64,
    /// Covered living space, m2 (one-off).
    #[serde(default)]
    pub shelter_m2: f64,
    /// Toilets (one-off).
    #[serde(default)]
    pub toilets: f64,
    /// Hours from the offer to delivery.
    #[serde(default = "default_relief_lead_h")]
    pub lead_h: f64,
}

fn default_relief_lead_h() -> f64 {
    24.0
}

/// A bot player's doctrine. Each delay is in minutes after its trigger; `None` means the bot
/// never takes that action.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Doctrine {
    /// Publish a public warning this long after a hazard that puts people in the team's
    /// country at risk becomes known (its onset).
    #[serde(default)]
    pub warn_after_min: Option<f64>,
    /// Request international USAR this long after an earthquake that traps people in the
    /// team's country.
    #[serde(default)]
    pub request_usar_after_min: Option<f64>,
    /// Request relief this long after a hazard displaces people in the team's country.
    #[serde(default)]
    pub request_relief_after_min: Option<f64>,
    /// Offer USAR (needs `usar = true`) this long after another country requests it.
    #[serde(default)]
    pub offer_usar_after_min: Option<f64>,
    /// Offer the team's relief package this long after another country requests relief.
    #[serde(default)]
    pub offer_relief_after_min: Option<f64>,
    /// Acknowledge an inject that expects an action this long after receiving it.
    #[serde(default)]
    pub acknowledge_after_min: Option<f64>,
    /// Send a situation report every this many hours after the first hazard.
    #[serde(default)]
    pub sitrep_every_h: Option<f64>,
    /// Each scheduled bot action is delayed by a uniform random 0..jitter_min minutes (seeded).
    #[serde(default)]
    pub jitter_min: f64,
}

/// An exercise objective with its evaluation criteria.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Objective {
    pub id: String,
    pub title: String,
    /// Core capability (e.g. "Public Information and Warning").
    #[serde(default)]
    pub capability: Option<String>,
    /// Team that owns corrective actions in the improvement plan.
    pub owner: String,
    /// Corrective action proposed when the objective is not rated P.
    #[serde(default)]
    pub corrective_action: Option<String>,
    #[serde(default, rename = "criterion")]
    pub criteria: Vec<Criterion>,
}

/// Measures the engine computes from the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Minutes from hazard onset to the first public warning (lower is better).
    TimeToFirstWarningMin,
    /// Share of the at-risk population that received a warning before impact (higher is better).
    WarnedBeforeImpactShare,
    /// Longest time from a request to its first offer, minutes (lower is better).
    RequestFulfilmentMin,
    /// Hours from hazard onset to the first USAR team on site (lower is better).
    UsarArrivalH,
    /// Share of Sphere water and food needs left unmet (lower is better).
    UnmetNeedsShare,
    /// Share of injects expecting an action that were acknowledged (higher is better).
    InjectsAcknowledgedShare,
}

impl Measure {
    pub fn higher_is_better(self) -> bool {
        matches!(
            self,
            Measure::WarnedBeforeImpactShare | Measure::InjectsAcknowledgedShare
        )
    }
    pub fn unit(self) -> &'static str {
        match self {
            Measure::TimeToFirstWarningMin | Measure::RequestFulfilmentMin => "min",
            Measure::UsarArrivalH => "h",
            _ => "share",
        }
    }
    /// A value of this measure as a person reads it: shares in percent, minutes whole, hours
    /// to a tenth (`0.95` -> "95 %", `42.4` -> "42 min", `7.25` -> "7.3 h").
    pub fn format(self, v: f64) -> String {
        match self.unit() {
            "min" => format!("{} min", whole(v)),
            "h" => format!("{:.1} h", v),
            _ => format!("{} %", whole(v * 100.0)),
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Measure::TimeToFirstWarningMin => "time_to_first_warning_min",
            Measure::WarnedBeforeImpactShare => "warned_before_impact_share",
            Measure::RequestFulfilmentMin => "request_fulfilment_min",
            Measure::UsarArrivalH => "usar_arrival_h",
            Measure::UnmetNeedsShare => "unmet_needs_share",
            Measure::InjectsAcknowledgedShare => "injects_acknowledged_share",
        }
    }
}

/// One evaluation criterion: a measure, its scope and the P and S thresholds. A value at or
/// better than `p` rates P, at or better than `s` rates S, anything worse M; a measure that
/// cannot be computed because the task was never performed rates U.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub measure: Measure,
    #[serde(default)]
    pub hazard: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub team: Option<String>,
    /// Resource for request measures: "usar" or "relief".
    #[serde(default)]
    pub resource: Option<ResourceKind>,
    pub p: f64,
    pub s: f64,
}

/// Kinds of hazard event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardKind {
    Earthquake,
    Aftershock,
    Flood,
}

/// A hazard event at a scenario time.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HazardDef {
    pub id: String,
    pub kind: HazardKind,
    pub at: String,
    #[serde(default)]
    pub name: Option<String>,
    // Earthquakes and aftershocks.
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub depth_km: Option<f64>,
    #[serde(default)]
    pub mag: Option<f64>,
    #[serde(default)]
    pub strike_deg: Option<f64>,
    #[serde(default)]
    pub dip_deg: Option<f64>,
    #[serde(default)]
    pub rake_deg: Option<f64>,
    /// OpenQuake NRML rupture file instead of a hypocentre (relative to the exercise file).
    #[serde(default)]
    pub rupture: Option<String>,
    #[serde(default = "default_gmpe")]
    pub gmpe: String,
    #[serde(default)]
    pub spacing_km: Option<f64>,
    /// Aftershocks: the mainshock's hazard id.
    #[serde(default)]
    pub mainshock: Option<String>,
    // Floods.
    /// Flood scenario TOML (forewarn-flood format), relative to the exercise file.
    #[serde(default)]
    pub scenario: Option<String>,
    /// Shortens the flood run (hours); the exercise needs arrival times only.
    #[serde(default)]
    pub duration_h: Option<f64>,
    /// The hazard that caused this one (documentation and the AAR's timeline).
    #[serde(default)]
    pub triggered_by: Option<String>,
}

fn default_gmpe() -> String {
    "bssa14".to_string()
}

/// Inject delivery channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Message,
    Email,
    News,
    Phone,
    /// A CAP alert from a simulated agency, generated from the linked hazard's results.
    Cap,
}

/// An MSEL entry.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InjectDef {
    pub id: String,
    /// Delivery time; conditional injects may omit it (see [`Condition`]).
    #[serde(default)]
    pub at: Option<String>,
    /// Sender persona or agency.
    pub from: String,
    /// The sender in other exercise languages (`{ ru = "..." }`); a team reads the one in its
    /// language, else `from`.
    #[serde(default)]
    pub from_i18n: BTreeMap<String, String>,
    /// Recipient team ids.
    pub to: Vec<String>,
    pub channel: Channel,
    /// Content per language code.
    pub content: BTreeMap<String, String>,
    #[serde(default)]
    pub expected_action: Option<String>,
    /// The expected action in other exercise languages, as `from_i18n`.
    #[serde(default)]
    pub expected_action_i18n: BTreeMap<String, String>,
    #[serde(default)]
    pub objective: Option<String>,
    #[serde(default)]
    pub hazard: Option<String>,
    /// Responsible controller (team id with role controller).
    #[serde(default)]
    pub controller: Option<String>,
    /// A contingency inject, used only when the controller needs it.
    #[serde(default)]
    pub contingency: bool,
    #[serde(default)]
    pub condition: Option<Condition>,
}

/// What a conditional inject waits for.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// Fires at `by` if no matching action happened at or before `by`.
    NoAction {
        action: ActionKind,
        #[serde(default)]
        team: Option<String>,
        #[serde(default)]
        hazard: Option<String>,
        by: String,
    },
    /// Fires `delay` after the first matching action (not before the inject's `at`).
    Action {
        action: ActionKind,
        #[serde(default)]
        team: Option<String>,
        #[serde(default)]
        hazard: Option<String>,
        #[serde(default)]
        delay: Option<String>,
    },
    /// Fires `delay` after another inject fired.
    AfterInject {
        inject: String,
        #[serde(default)]
        delay: Option<String>,
    },
}

/// Action kinds players (and bots) take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    PublicWarning,
    Request,
    Offer,
    Sitrep,
    Acknowledge,
    Message,
    Rate,
}

/// Requestable resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    Usar,
    Relief,
}

/// An inject's text in `lang`, else in the first language it has (empty when it has none).
pub fn text_in(content: &BTreeMap<String, String>, lang: &str) -> String {
    content
        .get(lang)
        .or_else(|| content.values().next())
        .cloned()
        .unwrap_or_default()
}

/// `default` in `lang` when `translations` has it (a plan's `*_i18n` table), else `default`.
pub fn translated(default: &str, translations: &BTreeMap<String, String>, lang: &str) -> String {
    translations
        .get(lang)
        .cloned()
        .unwrap_or_else(|| default.to_string())
}

/// `v` rounded to a whole number, without the "-0" that formatting a small negative gives.
pub fn whole(v: f64) -> String {
    let r = v.round();
    format!("{}", if r == 0.0 { 0.0 } else { r })
}
