//! The exercise state machine: a queue of timed events (hazard onsets, injects, condition
//! deadlines, impacts, arrivals, bot actions), the clock, and the journal.
//!
//! Drive it with [`Exercise::step_until`] (headless) or [`Exercise::tick`] with wall time
//! (live); players act with [`Exercise::apply`]. The same inputs, seed and action sequence give
//! the same journal.

use crate::action::{Action, Rating};
use crate::cap_out::{self, ExerciseAlert};
use crate::clock::{Clock, Speed, WallSource};
use crate::consequence as cq;
use crate::def::{ActionKind, HazardKind, ReliefPackage, ResourceKind, Role};
use crate::error::ExerciseError;
use crate::hazards::HazardSet;
use crate::journal::{Body, Consequence, Record, RequestState, r1, r4};
use crate::plan::{Plan, PlannedCondition};
use crate::time;
use forewarn_cap::{CapTime, WarningConfig};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Options for a run.
#[derive(Debug, Clone)]
pub struct Options {
    pub seed: u64,
    /// Teams with a `[team.bot]` doctrine act by themselves.
    pub bots: bool,
    /// Clock speed (default: the file's).
    pub speed: Option<Speed>,
    /// Live runs pass wall time in; headless runs simulate it.
    pub live_wall_ms: Option<i64>,
    /// Teams played by people in a live run: bots never act for them, even with `bots`.
    pub human_teams: BTreeSet<String>,
}

#[derive(Debug, Clone)]
enum Event {
    HazardOnset(usize),
    BotAction {
        team: String,
        action: Action,
    },
    Sitrep {
        team: String,
    },
    Inject {
        inject: usize,
        trigger: String,
    },
    Deadline {
        inject: usize,
    },
    Impact {
        hazard: usize,
        unit: usize,
    },
    UsarArrival {
        request: String,
        team: String,
        country: String,
    },
    ReliefDelivery {
        request: String,
        team: String,
        country: String,
        package: ReliefPackage,
    },
    Needs,
    End,
}

impl Event {
    /// Order among events at the same second: onsets, then actions, then injects, then
    /// condition deadlines (so an action at the deadline counts), then impacts.
    fn priority(&self) -> u8 {
        match self {
            Event::HazardOnset(_) => 0,
            Event::BotAction { .. } | Event::Sitrep { .. } => 1,
            Event::Inject { .. } => 2,
            Event::Deadline { .. } => 3,
            Event::Impact { .. } => 4,
            Event::UsarArrival { .. } | Event::ReliefDelivery { .. } => 5,
            Event::Needs => 6,
            Event::End => 9,
        }
    }
}

/// A public warning that was published.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WarningState {
    pub t_s: i64,
    pub team: String,
    pub hazard: String,
    pub country: String,
    pub cap_identifier: String,
}

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

/// Trapped people waiting for rescue.
#[derive(Debug, Clone)]
struct TrappedPool {
    hazard: String,
    country: String,
    onset_s: i64,
    trapped: f64,
    resolved: bool,
}

/// Sphere accounting per country.
#[derive(Debug, Clone, Default, serde::Serialize)]
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

/// An inject as a team sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeliveredInject {
    pub inject: String,
    pub t_s: i64,
    pub from: String,
    pub channel: crate::def::Channel,
    pub content: String,
    pub expected_action: Option<String>,
}

/// A running exercise. Cloning it copies its whole state (a server changes a copy and
/// keeps it only once the change is journaled).
#[derive(Clone)]
pub struct Exercise {
    plan: Arc<Plan>,
    hazards: Arc<HazardSet>,
    cap_config: Arc<WarningConfig>,
    cap_languages: Vec<String>,
    opts: Options,
    rng: ChaCha8Rng,
    clock: Clock,
    wall: WallSource,
    now_s: i64,
    queue: BTreeMap<(i64, u8, u64), Event>,
    next_seq: u64,
    journal: Vec<Record>,
    fired_at: Vec<Option<i64>>,
    condition_armed: Vec<bool>,
    delivered: BTreeMap<String, Vec<(usize, i64)>>,
    acknowledged: BTreeSet<(String, usize)>,
    actions: Vec<(i64, String, Action)>,
    pub(crate) warnings: Vec<WarningState>,
    pub(crate) requests: Vec<RequestState>,
    pub(crate) usar_arrivals: Vec<(String, String, i64)>,
    pub(crate) impacts: Vec<ImpactState>,
    pub(crate) rescues: Vec<(String, String, f64, f64, f64, f64)>,
    pools: Vec<TrappedPool>,
    pub(crate) needs: BTreeMap<String, NeedsState>,
    last_needs_s: i64,
    pub(crate) ratings: BTreeMap<String, (Rating, String, Option<String>)>,
    alerts: Vec<(String, ExerciseAlert)>,
    sitrep_started: BTreeSet<String>,
    finished: bool,
}

impl Exercise {
    /// A new exercise at scenario time 0. Hazards come from [`HazardSet::compute`] (run once,
    /// shareable between runs of the same plan).
    pub fn new(
        plan: Arc<Plan>,
        hazards: Arc<HazardSet>,
        opts: Options,
    ) -> Result<Exercise, ExerciseError> {
        let cap_config = WarningConfig::embedded()
            .map_err(|e| ExerciseError::Cap(format!("warning configuration: {e}")))?;
        let cap_languages = cap_out::cap_languages(&plan.def.exercise.languages, &cap_config);
        let speed = opts.speed.unwrap_or(plan.speed);
        let (wall, wall0) = match opts.live_wall_ms {
            Some(w) => (WallSource::External { now_ms: w }, w),
            None => (
                WallSource::Simulated {
                    now_ms: plan.wall_start_ms,
                },
                plan.wall_start_ms,
            ),
        };
        let n = plan.def.injects.len();
        let mut ex = Exercise {
            rng: ChaCha8Rng::seed_from_u64(opts.seed),
            clock: Clock::new(speed, wall0),
            wall,
            now_s: 0,
            queue: BTreeMap::new(),
            next_seq: 0,
            journal: Vec::new(),
            fired_at: vec![None; n],
            condition_armed: vec![false; n],
            delivered: BTreeMap::new(),
            acknowledged: BTreeSet::new(),
            actions: Vec::new(),
            warnings: Vec::new(),
            requests: Vec::new(),
            usar_arrivals: Vec::new(),
            impacts: Vec::new(),
            rescues: Vec::new(),
            pools: Vec::new(),
            needs: BTreeMap::new(),
            last_needs_s: 0,
            ratings: BTreeMap::new(),
            alerts: Vec::new(),
            sitrep_started: BTreeSet::new(),
            finished: false,
            cap_config: Arc::new(cap_config),
            cap_languages,
            opts,
            plan,
            hazards,
        };
        let d = &ex.plan.def;
        ex.record(Body::Start {
            exercise: d.exercise.name.clone(),
            hseep_type: d.exercise.hseep_type,
            seed: ex.opts.seed,
            bots: ex.opts.bots,
            speed: speed.label(),
            languages: d.exercise.languages.clone(),
            teams: d.teams.len(),
            injects: d.injects.len(),
            hazards: d.hazards.len(),
        });
        for (i, t) in ex.plan.hazard_onset_s.clone().into_iter().enumerate() {
            ex.schedule(t, Event::HazardOnset(i));
        }
        for i in 0..n {
            let inj = &ex.plan.def.injects[i];
            match (&ex.plan.inject_condition[i], ex.plan.inject_at_s[i]) {
                (None, Some(t)) if !inj.contingency => ex.schedule(
                    t,
                    Event::Inject {
                        inject: i,
                        trigger: "scheduled".into(),
                    },
                ),
                (Some(PlannedCondition::NoAction { by_s, .. }), _) => {
                    let by = *by_s;
                    ex.schedule(by, Event::Deadline { inject: i })
                }
                _ => {}
            }
        }
        let mut t = 86_400;
        while t < ex.plan.duration_s {
            ex.schedule(t, Event::Needs);
            t += 86_400;
        }
        let end = ex.plan.duration_s;
        ex.schedule(end, Event::End);
        Ok(ex)
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }
    pub fn hazards(&self) -> &HazardSet {
        &self.hazards
    }
    pub fn journal(&self) -> &[Record] {
        &self.journal
    }
    /// Scenario time, seconds after the start.
    pub fn now_s(&self) -> i64 {
        self.now_s
    }
    pub fn seed(&self) -> u64 {
        self.opts.seed
    }
    pub fn is_finished(&self) -> bool {
        self.finished
    }
    pub fn clock(&self) -> &Clock {
        &self.clock
    }
    /// Generated CAP alerts: (file name, alert).
    pub fn alerts(&self) -> &[(String, ExerciseAlert)] {
        &self.alerts
    }
    /// Scenario time of the next queued event.
    pub fn next_event_s(&self) -> Option<i64> {
        self.queue.keys().next().map(|k| k.0)
    }

    fn schedule(&mut self, t_s: i64, e: Event) {
        let t = t_s.max(self.now_s);
        let key = (t, e.priority(), self.next_seq);
        self.next_seq += 1;
        self.queue.insert(key, e);
    }

    fn wall_now(&mut self) -> i64 {
        match &mut self.wall {
            WallSource::External { now_ms } => *now_ms,
            WallSource::Simulated { now_ms } => {
                let w = *now_ms;
                *now_ms += 1;
                w
            }
        }
    }

    fn record(&mut self, body: Body) {
        let wall_ms = self.wall_now();
        let rec = Record {
            seq: self.journal.len() as u64 + 1,
            t_s: self.now_s,
            scenario_time: time::scenario_time(&self.plan.start, self.now_s),
            wall_time: time::wall_time(wall_ms),
            body,
        };
        self.journal.push(rec);
    }

    /// Processes every event up to scenario time `t_s` (capped at the exercise end) and moves
    /// the scenario time there.
    pub fn step_until(&mut self, t_s: i64) {
        let target = t_s.min(self.plan.duration_s);
        while let Some((&key, _)) = self.queue.iter().next() {
            // Condition deadlines (and what follows them) at exactly the target wait until the
            // clock moves past it, so that an action taken at the deadline second still counts.
            let deferred = key.0 == target && key.1 >= 3 && target < self.plan.duration_s;
            if key.0 > target || deferred || self.finished {
                break;
            }
            let Some(ev) = self.queue.remove(&key) else {
                break;
            };
            if key.0 > self.now_s {
                self.now_s = key.0;
                if let WallSource::Simulated { now_ms } = &mut self.wall
                    && let Some(w) = self.clock.wall_ms_at(key.0 * 1000)
                {
                    *now_ms = (*now_ms).max(w);
                }
            }
            self.process(ev);
        }
        if !self.finished {
            self.now_s = self.now_s.max(target);
        }
    }

    /// Live driving: advance to the clock's scenario time at `wall_ms`.
    pub fn tick(&mut self, wall_ms: i64) {
        self.set_wall(wall_ms);
        let t = self.clock.scenario_ms(wall_ms).div_euclid(1000);
        self.step_until(t);
    }

    fn set_wall(&mut self, wall_ms: i64) {
        if let WallSource::External { now_ms } = &mut self.wall {
            *now_ms = wall_ms;
        }
    }

    fn wall_for_clock(&self) -> i64 {
        match &self.wall {
            WallSource::External { now_ms } | WallSource::Simulated { now_ms } => *now_ms,
        }
    }

    /// Pauses the clock.
    pub fn pause(&mut self, wall_ms: Option<i64>) -> Result<(), ExerciseError> {
        if let Some(w) = wall_ms {
            self.tick(w);
        }
        let w = self.wall_for_clock();
        self.clock.pause(w)?;
        let speed = self.clock.speed().label();
        self.record(Body::Clock {
            op: "pause".into(),
            speed,
        });
        Ok(())
    }

    /// Resumes the clock.
    pub fn resume(&mut self, wall_ms: Option<i64>) -> Result<(), ExerciseError> {
        if let Some(w) = wall_ms {
            self.set_wall(w);
        }
        let w = self.wall_for_clock();
        self.clock.resume(w)?;
        let speed = self.clock.speed().label();
        self.record(Body::Clock {
            op: "resume".into(),
            speed,
        });
        Ok(())
    }

    /// Changes the clock speed.
    pub fn set_speed(&mut self, speed: Speed, wall_ms: Option<i64>) {
        if let Some(w) = wall_ms {
            self.tick(w);
        }
        let w = self.wall_for_clock();
        self.clock.set_speed(speed, w);
        self.record(Body::Clock {
            op: "speed".into(),
            speed: speed.label(),
        });
    }

    /// Jumps forward to scenario time `t_s`, processing everything on the way.
    pub fn jump_to(&mut self, t_s: i64, wall_ms: Option<i64>) -> Result<(), ExerciseError> {
        if let Some(w) = wall_ms {
            self.tick(w);
        }
        if t_s < self.now_s {
            return Err(ExerciseError::Clock(format!(
                "cannot jump back from {} to {}",
                time::label(self.now_s),
                time::label(t_s)
            )));
        }
        let w = self.wall_for_clock();
        self.clock.jump(t_s * 1000, w)?;
        self.record(Body::Clock {
            op: format!("jump to {}", time::label(t_s)),
            speed: self.clock.speed().label(),
        });
        self.step_until(t_s);
        Ok(())
    }

    /// Runs to the end (headless).
    pub fn run_to_end(&mut self) {
        self.step_until(self.plan.duration_s);
    }

    /// Injects delivered to `team` that are not acknowledged yet.
    pub fn pending_injects(&self, team: &str) -> Vec<DeliveredInject> {
        self.delivered_injects(team)
            .into_iter()
            .filter(|(_, acked)| !acked)
            .map(|(d, _)| d)
            .collect()
    }

    /// Every inject delivered to `team`, in delivery order, in the team's language, with
    /// whether the team has acknowledged it.
    pub fn delivered_injects(&self, team: &str) -> Vec<(DeliveredInject, bool)> {
        let lang = self
            .plan
            .team(team)
            .map(|t| t.language.clone())
            .unwrap_or_default();
        self.delivered
            .get(team)
            .map(|v| {
                v.iter()
                    .map(|(i, t)| {
                        let d = &self.plan.def.injects[*i];
                        let acked = self.acknowledged.contains(&(team.to_string(), *i));
                        let inject = DeliveredInject {
                            inject: d.id.clone(),
                            t_s: *t,
                            from: d.from.clone(),
                            channel: d.channel,
                            content: crate::def::text_in(&d.content, &lang),
                            expected_action: d.expected_action.clone(),
                        };
                        (inject, acked)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A player's (or controller's, or evaluator's) action at the current scenario time.
    pub fn apply(&mut self, team: &str, action: Action) -> Result<Option<String>, ExerciseError> {
        self.act(team, action, false)
    }

    fn act(
        &mut self,
        team: &str,
        action: Action,
        bot: bool,
    ) -> Result<Option<String>, ExerciseError> {
        if self.finished {
            return Err(ExerciseError::Action("the exercise has ended".into()));
        }
        match self.check_action(team, &action) {
            Ok(()) => {}
            Err(reason) => {
                self.record(Body::Rejected {
                    team: team.to_string(),
                    bot,
                    action: action.clone(),
                    reason: reason.clone(),
                });
                return Err(ExerciseError::Action(reason));
            }
        }
        let country = self
            .plan
            .team_country
            .get(team)
            .cloned()
            .unwrap_or_default();
        let id = match &action {
            Action::Request { .. } => Some(format!("req-{}", self.requests.len() + 1)),
            _ => None,
        };
        self.record(Body::Action {
            team: team.to_string(),
            bot,
            id: id.clone(),
            action: action.clone(),
        });
        self.actions
            .push((self.now_s, team.to_string(), action.clone()));
        match &action {
            Action::PublicWarning { hazard, country: c } => {
                let c = c.clone().unwrap_or(country.clone());
                self.publish_warning(team, hazard, &c)?;
            }
            Action::Request {
                resource,
                country: c,
            } => {
                let c = c.clone().unwrap_or(country.clone());
                let rid = id.clone().unwrap_or_default();
                self.requests.push(RequestState {
                    id: rid.clone(),
                    t_s: self.now_s,
                    team: team.to_string(),
                    country: c.clone(),
                    resource: *resource,
                    offers: vec![],
                });
                self.bots_answer_request(team, &rid, *resource, &c);
            }
            Action::Offer { request } => self.accept_offer(team, request),
            Action::Acknowledge { inject } => {
                if let Some(i) = self.plan.def.injects.iter().position(|d| &d.id == inject) {
                    self.acknowledged.insert((team.to_string(), i));
                }
            }
            Action::Rate {
                objective,
                rating,
                note,
            } => {
                self.ratings
                    .insert(objective.clone(), (*rating, team.to_string(), note.clone()));
            }
            Action::Release { inject } => {
                if let Some(i) = self.plan.def.injects.iter().position(|d| &d.id == inject) {
                    let now = self.now_s;
                    self.schedule(
                        now,
                        Event::Inject {
                            inject: i,
                            trigger: format!("released by {team}"),
                        },
                    );
                }
            }
            Action::Sitrep { .. } | Action::Message { .. } => {}
        }
        self.arm_action_conditions(team, &action);
        Ok(id)
    }

    fn check_action(&self, team: &str, action: &Action) -> Result<(), String> {
        let Some(t) = self.plan.team(team) else {
            return Err(format!("unknown team '{team}'"));
        };
        let country = self
            .plan
            .team_country
            .get(team)
            .cloned()
            .unwrap_or_default();
        let player_like = matches!(t.role, Role::Player | Role::Director);
        match action {
            Action::PublicWarning { hazard, country: c } => {
                if !player_like {
                    return Err(format!(
                        "team '{team}' ({:?}) cannot publish warnings",
                        t.role
                    ));
                }
                let Some(h) = self.hazards.get(hazard) else {
                    return Err(format!("unknown hazard '{hazard}'"));
                };
                if self.now_s < h.onset_s {
                    return Err(format!("hazard '{hazard}' has not happened yet"));
                }
                let c = c.clone().unwrap_or(country);
                if c != self
                    .plan
                    .team_country
                    .get(team)
                    .cloned()
                    .unwrap_or_default()
                {
                    return Err(format!("team '{team}' can only warn its own country"));
                }
                if !h.units.iter().any(|u| u.country == c) {
                    return Err(format!("hazard '{hazard}' puts nobody in {c} at risk"));
                }
            }
            Action::Request { .. } if !player_like => {
                return Err(format!("team '{team}' cannot request resources"));
            }
            Action::Offer { request } => {
                let Some(r) = self.requests.iter().find(|r| &r.id == request) else {
                    return Err(format!("unknown request '{request}'"));
                };
                match r.resource {
                    ResourceKind::Usar if !t.usar => {
                        return Err(format!("team '{team}' has no USAR team"));
                    }
                    ResourceKind::Relief if t.relief.is_none() => {
                        return Err(format!("team '{team}' has no relief package"));
                    }
                    _ => {}
                }
                if r.offers.iter().any(|(_, o)| o == team) {
                    return Err(format!("team '{team}' already answered {request}"));
                }
            }
            Action::Acknowledge { inject } => {
                let ok = self
                    .plan
                    .def
                    .injects
                    .iter()
                    .position(|d| &d.id == inject)
                    .is_some_and(|i| {
                        self.delivered
                            .get(team)
                            .is_some_and(|v| v.iter().any(|(k, _)| *k == i))
                    });
                if !ok {
                    return Err(format!("inject '{inject}' was not delivered to '{team}'"));
                }
            }
            Action::Rate { objective, .. } => {
                if t.role != Role::Evaluator {
                    return Err(format!(
                        "only evaluators rate objectives ('{team}' is a {:?})",
                        t.role
                    )
                    .to_lowercase());
                }
                if !self.plan.def.objectives.iter().any(|o| &o.id == objective) {
                    return Err(format!("unknown objective '{objective}'"));
                }
            }
            Action::Release { inject } => {
                if !matches!(t.role, Role::Controller | Role::Director) {
                    return Err("only controllers release injects".into());
                }
                match self.plan.def.injects.iter().position(|d| &d.id == inject) {
                    None => return Err(format!("unknown inject '{inject}'")),
                    Some(i) if self.fired_at[i].is_some() => {
                        return Err(format!("inject '{inject}' was already delivered"));
                    }
                    _ => {}
                }
            }
            Action::Message { to, .. } => {
                if let Some(bad) = to.iter().find(|x| self.plan.team(x).is_none()) {
                    return Err(format!("unknown team '{bad}'"));
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn publish_warning(
        &mut self,
        team: &str,
        hazard: &str,
        country: &str,
    ) -> Result<(), ExerciseError> {
        let Some(h) = self.hazards.get(hazard) else {
            return Ok(());
        };
        let sent = CapTime(self.plan.start).plus_seconds(self.now_s);
        let alert = cap_out::exercise_alert(
            h,
            Some(country),
            sent,
            &cap_out::sender_id(team),
            self.cap_languages.clone(),
            &self.cap_config,
        );
        match alert {
            Ok(a) => {
                let file = format!("cap/{:03}-{}.xml", self.alerts.len() + 1, team);
                let recipients: Vec<String> = self
                    .plan
                    .def
                    .teams
                    .iter()
                    .filter(|t| {
                        self.plan
                            .team_country
                            .get(&t.id)
                            .is_some_and(|c| c == country)
                            && t.id != team
                    })
                    .map(|t| t.id.clone())
                    .collect();
                self.warnings.push(WarningState {
                    t_s: self.now_s,
                    team: team.to_string(),
                    hazard: hazard.to_string(),
                    country: country.to_string(),
                    cap_identifier: a.identifier.clone(),
                });
                self.record(Body::Message {
                    kind: "cap_alert".into(),
                    from: team.to_string(),
                    to: recipients,
                    text: format!("EXERCISE public warning: {} for {country}", h.name),
                    cap_identifier: Some(a.identifier.clone()),
                    cap_status: Some(format!("{:?}", a.status)),
                    file: Some(file.clone()),
                });
                self.alerts.push((file, a));
                Ok(())
            }
            Err(e) => {
                self.record(Body::Message {
                    kind: "error".into(),
                    from: "exercise".into(),
                    to: vec![team.to_string()],
                    text: format!("warning not published: {e}"),
                    cap_identifier: None,
                    cap_status: None,
                    file: None,
                });
                Err(e)
            }
        }
    }

    fn accept_offer(&mut self, team: &str, request: &str) {
        let Some(ri) = self.requests.iter().position(|r| r.id == request) else {
            return;
        };
        let now = self.now_s;
        self.requests[ri].offers.push((now, team.to_string()));
        let r = self.requests[ri].clone();
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

    fn matches(
        &self,
        action_kind: ActionKind,
        team: &Option<String>,
        hazard: &Option<String>,
        by_team: &str,
        a: &Action,
    ) -> bool {
        a.kind() == action_kind
            && team.as_ref().is_none_or(|t| t == by_team)
            && hazard
                .as_ref()
                .is_none_or(|h| a.hazard() == Some(h.as_str()))
    }

    fn arm_action_conditions(&mut self, team: &str, action: &Action) {
        for i in 0..self.plan.def.injects.len() {
            if self.condition_armed[i] || self.fired_at[i].is_some() {
                continue;
            }
            if let Some(PlannedCondition::Action {
                action: k,
                team: ct,
                hazard: ch,
                delay_s,
            }) = &self.plan.inject_condition[i]
                && self.matches(*k, ct, ch, team, action)
            {
                let at = (self.now_s + delay_s).max(self.plan.inject_at_s[i].unwrap_or(0));
                self.condition_armed[i] = true;
                let trigger = format!(
                    "condition: {:?} by {team} at {}",
                    k,
                    time::label(self.now_s)
                )
                .to_lowercase();
                self.schedule(at, Event::Inject { inject: i, trigger });
            }
        }
    }

    fn jitter_s(&mut self, team: &str) -> i64 {
        let j = self
            .plan
            .team(team)
            .and_then(|t| t.bot.as_ref())
            .map_or(0.0, |b| b.jitter_min);
        if j > 0.0 {
            (self.rng.random::<f64>() * j * 60.0).round() as i64
        } else {
            0
        }
    }

    fn bot_schedule(&mut self, team: &str, after_min: f64, action: Action) {
        let at = self.now_s + (after_min * 60.0).round() as i64 + self.jitter_s(team);
        self.schedule(
            at,
            Event::BotAction {
                team: team.to_string(),
                action,
            },
        );
    }

    fn bot_teams(&self) -> Vec<crate::def::Team> {
        if !self.opts.bots {
            return vec![];
        }
        self.plan
            .def
            .teams
            .iter()
            .filter(|t| t.bot.is_some() && !self.opts.human_teams.contains(&t.id))
            .cloned()
            .collect()
    }

    fn bots_answer_request(
        &mut self,
        requester: &str,
        rid: &str,
        resource: ResourceKind,
        country: &str,
    ) {
        for t in self.bot_teams() {
            let Some(b) = &t.bot else { continue };
            if t.id == requester
                || self
                    .plan
                    .team_country
                    .get(&t.id)
                    .is_some_and(|c| c == country)
            {
                continue;
            }
            let after = match resource {
                ResourceKind::Usar if t.usar => b.offer_usar_after_min,
                ResourceKind::Relief if t.relief.is_some() => b.offer_relief_after_min,
                _ => None,
            };
            if let Some(m) = after {
                self.bot_schedule(
                    &t.id,
                    m,
                    Action::Offer {
                        request: rid.to_string(),
                    },
                );
            }
        }
    }

    fn process(&mut self, ev: Event) {
        match ev {
            Event::HazardOnset(i) => self.hazard_onset(i),
            Event::BotAction { team, action } => {
                let skip = match &action {
                    Action::Request { resource, .. } => self
                        .requests
                        .iter()
                        .any(|r| r.team == team && r.resource == *resource),
                    Action::PublicWarning { hazard, .. } => self
                        .warnings
                        .iter()
                        .any(|w| w.team == team && &w.hazard == hazard),
                    _ => false,
                };
                if !skip {
                    // A rejected bot action is journalled; the bot carries on.
                    let _ = self.act(&team, action, true);
                }
            }
            Event::Sitrep { team } => {
                let text = self.sitrep_text(&team);
                let _ = self.act(&team, Action::Sitrep { text }, true);
                if let Some(h) = self
                    .plan
                    .team(&team)
                    .and_then(|t| t.bot.as_ref())
                    .and_then(|b| b.sitrep_every_h)
                {
                    let at = self.now_s + (h * 3600.0).round() as i64;
                    self.schedule(at, Event::Sitrep { team });
                }
            }
            Event::Inject { inject, trigger } => self.fire_inject(inject, trigger),
            Event::Deadline { inject } => {
                if let Some(PlannedCondition::NoAction {
                    action,
                    team,
                    hazard,
                    by_s,
                }) = self.plan.inject_condition[inject].clone()
                {
                    let done = self.actions.iter().any(|(t, by, a)| {
                        *t <= by_s && self.matches(action, &team, &hazard, by, a)
                    });
                    if !done && self.fired_at[inject].is_none() {
                        let who = team.clone().unwrap_or_else(|| "any team".into());
                        let trigger = format!(
                            "condition: no {:?} by {who} by {}",
                            action,
                            time::label(by_s)
                        )
                        .to_lowercase();
                        self.fire_inject(inject, trigger);
                    }
                }
            }
            Event::Impact { hazard, unit } => self.impact(hazard, unit),
            Event::UsarArrival {
                request,
                team,
                country,
            } => self.usar_arrival(&request, &team, &country),
            Event::ReliefDelivery {
                request,
                team,
                country,
                package,
            } => {
                self.update_needs();
                let n = self.needs.entry(country.clone()).or_default();
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
            Event::Needs => self.needs_record(),
            Event::End => self.end(),
        }
    }

    fn sitrep_text(&self, team: &str) -> String {
        let c = self
            .plan
            .team_country
            .get(team)
            .cloned()
            .unwrap_or_default();
        let at_risk: f64 = self
            .impacts
            .iter()
            .filter(|i| i.country == c)
            .map(|i| i.people)
            .sum();
        let deaths: f64 = self
            .impacts
            .iter()
            .filter(|i| i.country == c)
            .map(|i| i.deaths)
            .sum();
        let displaced = self.needs.get(&c).map_or(0.0, |n| n.displaced);
        format!(
            "SITREP {c} {}: people affected {at_risk:.0}, deaths {deaths:.0}, displaced {displaced:.0}, warnings issued {}",
            time::label(self.now_s),
            self.warnings.iter().filter(|w| w.country == c).count()
        )
    }

    fn hazard_onset(&mut self, i: usize) {
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
        let countries = h.countries();
        for t in self.bot_teams() {
            let Some(b) = t.bot.clone() else { continue };
            if t.role != Role::Player {
                continue;
            }
            let Some(c) = self.plan.team_country.get(&t.id).cloned() else {
                continue;
            };
            if !countries.contains(&c) {
                continue;
            }
            if let Some(m) = b.warn_after_min {
                self.bot_schedule(
                    &t.id,
                    m,
                    Action::PublicWarning {
                        hazard: h.id.clone(),
                        country: None,
                    },
                );
            }
            let trapped: f64 = h
                .units
                .iter()
                .filter(|u| u.country == c)
                .map(|u| u.trapped)
                .sum();
            if let (Some(m), true) = (b.request_usar_after_min, trapped >= 1.0) {
                self.bot_schedule(
                    &t.id,
                    m,
                    Action::Request {
                        resource: ResourceKind::Usar,
                        country: None,
                    },
                );
            }
            let displaced: f64 = h
                .units
                .iter()
                .filter(|u| u.country == c)
                .map(|u| u.displaced)
                .sum();
            if let (Some(m), true) = (b.request_relief_after_min, displaced >= 1.0) {
                self.bot_schedule(
                    &t.id,
                    m,
                    Action::Request {
                        resource: ResourceKind::Relief,
                        country: None,
                    },
                );
            }
            if let Some(hh) = b.sitrep_every_h
                && self.sitrep_started.insert(t.id.clone())
            {
                let at = self.now_s + (hh * 3600.0).round() as i64;
                self.schedule(at, Event::Sitrep { team: t.id.clone() });
            }
        }
    }

    fn fire_inject(&mut self, i: usize, trigger: String) {
        if self.fired_at[i].is_some() {
            return;
        }
        self.fired_at[i] = Some(self.now_s);
        let d = self.plan.def.injects[i].clone();
        self.record(Body::Inject {
            inject: d.id.clone(),
            from: d.from.clone(),
            to: d.to.clone(),
            channel: d.channel,
            hazard: d.hazard.clone(),
            objective: d.objective.clone(),
            expected_action: d.expected_action.clone(),
            contingency: d.contingency,
            trigger,
            content: d.content.clone(),
        });
        if d.channel == crate::def::Channel::Cap
            && let Some(h) = d
                .hazard
                .as_deref()
                .and_then(|id| self.hazards.get(id))
                .cloned()
        {
            let sent = CapTime(self.plan.start).plus_seconds(self.now_s);
            match cap_out::exercise_alert(
                &h,
                None,
                sent,
                &cap_out::sender_id(&d.from),
                self.cap_languages.clone(),
                &self.cap_config,
            ) {
                Ok(a) => {
                    let file = format!("cap/{:03}-{}.xml", self.alerts.len() + 1, d.id);
                    self.record(Body::Message {
                        kind: "cap_alert".into(),
                        from: d.from.clone(),
                        to: d.to.clone(),
                        text: format!("EXERCISE simulated agency alert: {}", h.name),
                        cap_identifier: Some(a.identifier.clone()),
                        cap_status: Some(format!("{:?}", a.status)),
                        file: Some(file.clone()),
                    });
                    self.alerts.push((file, a));
                }
                Err(e) => self.record(Body::Message {
                    kind: "error".into(),
                    from: "exercise".into(),
                    to: d.to.clone(),
                    text: format!("inject {} alert not generated: {e}", d.id),
                    cap_identifier: None,
                    cap_status: None,
                    file: None,
                }),
            }
        }
        for team in &d.to {
            self.delivered
                .entry(team.clone())
                .or_default()
                .push((i, self.now_s));
        }
        // Bots acknowledge injects that expect an action.
        if d.expected_action.is_some() {
            for t in self.bot_teams() {
                if let (true, Some(m)) = (
                    d.to.contains(&t.id),
                    t.bot.as_ref().and_then(|b| b.acknowledge_after_min),
                ) {
                    self.bot_schedule(
                        &t.id,
                        m,
                        Action::Acknowledge {
                            inject: d.id.clone(),
                        },
                    );
                }
            }
        }
        // Injects that follow this one.
        for j in 0..self.plan.def.injects.len() {
            if let Some(PlannedCondition::AfterInject { inject, delay_s }) =
                &self.plan.inject_condition[j]
                && *inject == i
                && !self.condition_armed[j]
            {
                self.condition_armed[j] = true;
                let at = (self.now_s + delay_s).max(self.plan.inject_at_s[j].unwrap_or(0));
                let trigger = format!("condition: after inject {}", d.id);
                self.schedule(at, Event::Inject { inject: j, trigger });
            }
        }
    }

    fn impact(&mut self, hi: usize, ui: usize) {
        let hazards = Arc::clone(&self.hazards);
        let h = &hazards.hazards[hi];
        let u = h.units[ui].clone();
        let (hid, kind) = (h.id.clone(), h.kind);
        let first_warning = self
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
        self.needs.entry(u.country.clone()).or_default().displaced += displaced;
        if trapped >= 0.05 {
            self.pools.push(TrappedPool {
                hazard: hid.clone(),
                country: u.country.clone(),
                onset_s: h.onset_s,
                trapped,
                resolved: false,
            });
        }
        self.impacts.push(ImpactState {
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
            && let Some((_, team, _)) = self
                .usar_arrivals
                .iter()
                .find(|(c, _, _)| *c == country)
                .cloned()
        {
            self.resolve_pools(&country, &team);
        }
    }

    fn resolve_pools(&mut self, country: &str, by: &str) {
        let now = self.now_s;
        let mut recs = Vec::new();
        for p in self
            .pools
            .iter_mut()
            .filter(|p| p.country == country && !p.resolved)
        {
            p.resolved = true;
            let hours = (now - p.onset_s) as f64 / 3600.0;
            let alive = p.trapped * cq::trapped_survival(hours);
            recs.push((p.hazard.clone(), hours, p.trapped, alive));
        }
        for (hazard, hours, trapped, alive) in recs {
            self.rescues.push((
                hazard.clone(),
                country.to_string(),
                hours,
                trapped,
                alive,
                trapped - alive,
            ));
            self.record(Body::Consequence(Consequence::Rescue {
                hazard,
                country: country.to_string(),
                by: by.to_string(),
                hours_after_onset: r1(hours),
                trapped: r1(trapped),
                rescued_alive: r1(alive),
                died: r1(trapped - alive),
            }));
        }
    }

    fn usar_arrival(&mut self, request: &str, team: &str, country: &str) {
        let req_t = self
            .requests
            .iter()
            .find(|r| r.id == request)
            .map_or(self.now_s, |r| r.t_s);
        self.usar_arrivals
            .push((country.to_string(), team.to_string(), self.now_s));
        self.record(Body::Consequence(Consequence::UsarArrival {
            request: request.to_string(),
            team: team.to_string(),
            country: country.to_string(),
            hours_after_request: r1((self.now_s - req_t) as f64 / 3600.0),
        }));
        self.resolve_pools(country, team);
    }

    /// Integrates Sphere needs and supplies from the last update to now.
    fn update_needs(&mut self) {
        let dt_day = (self.now_s - self.last_needs_s) as f64 / 86_400.0;
        if dt_day > 0.0 {
            for n in self.needs.values_mut() {
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
        self.last_needs_s = self.now_s;
    }

    fn needs_record(&mut self) {
        let before: BTreeMap<String, (f64, f64, f64, f64)> = self
            .needs
            .iter()
            .map(|(c, n)| {
                (
                    c.clone(),
                    (
                        n.water_need_l,
                        n.water_unmet_l,
                        n.food_need_kcal,
                        n.food_unmet_kcal,
                    ),
                )
            })
            .collect();
        let period_h = (self.now_s - self.last_needs_s) as f64 / 3600.0;
        self.update_needs();
        let recs: Vec<Consequence> = self
            .needs
            .iter()
            .filter(|(_, n)| n.displaced > 0.0)
            .map(|(c, n)| {
                let b = before.get(c).copied().unwrap_or_default();
                Consequence::Needs {
                    country: c.clone(),
                    displaced: r1(n.displaced),
                    period_h: r1(period_h),
                    water_need_l: r1(n.water_need_l - b.0),
                    water_unmet_l: r1(n.water_unmet_l - b.1),
                    food_need_kcal: r1(n.food_need_kcal - b.2),
                    food_unmet_kcal: r1(n.food_unmet_kcal - b.3),
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

    fn end(&mut self) {
        self.needs_record();
        // Trapped people no USAR team reached: national teams reach them at the end.
        let open: Vec<String> = self
            .pools
            .iter()
            .filter(|p| !p.resolved)
            .map(|p| p.country.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for c in open {
            self.resolve_pools(&c, "national teams after the exercise");
        }
        let t = self.totals();
        self.record(Body::End {
            people_at_risk: r1(t.people_at_risk),
            unwarned_at_impact: r1(t.unwarned_at_impact),
            deaths: r1(t.deaths),
            rescued_alive: r1(t.rescued_alive),
            unmet_needs_share: r4(t.unmet_needs_share),
        });
        self.finished = true;
    }

    /// Totals over the whole exercise so far.
    pub fn totals(&self) -> Totals {
        let water_need: f64 = self.needs.values().map(|n| n.water_need_l).sum();
        let water_unmet: f64 = self.needs.values().map(|n| n.water_unmet_l).sum();
        let food_need: f64 = self.needs.values().map(|n| n.food_need_kcal).sum();
        let food_unmet: f64 = self.needs.values().map(|n| n.food_unmet_kcal).sum();
        Totals {
            people_at_risk: self.impacts.iter().map(|i| i.people).sum(),
            unwarned_at_impact: self.impacts.iter().map(|i| i.unwarned).sum(),
            deaths: self.impacts.iter().map(|i| i.deaths).sum::<f64>()
                + self.rescues.iter().map(|r| r.5).sum::<f64>(),
            rescued_alive: self.rescues.iter().map(|r| r.4).sum(),
            unmet_needs_share: 0.5
                * (cq::unmet_share(water_need, water_need - water_unmet)
                    + cq::unmet_share(food_need, food_need - food_unmet)),
        }
    }

    pub(crate) fn delivered_and_acknowledged(&self, team: Option<&str>) -> (usize, usize) {
        let mut n = 0;
        let mut a = 0;
        for (t, v) in &self.delivered {
            if team.is_some_and(|x| x != t) {
                continue;
            }
            for (i, _) in v {
                if self.plan.def.injects[*i].expected_action.is_some() {
                    n += 1;
                    if self.acknowledged.contains(&(t.clone(), *i)) {
                        a += 1;
                    }
                }
            }
        }
        (n, a)
    }

    /// When each inject fired (None: never).
    pub fn inject_fired_at(&self, id: &str) -> Option<i64> {
        self.plan
            .def
            .injects
            .iter()
            .position(|d| d.id == id)
            .and_then(|i| self.fired_at[i])
    }

    /// Actions taken: (t_s, team, action).
    pub fn actions(&self) -> &[(i64, String, Action)] {
        &self.actions
    }
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
