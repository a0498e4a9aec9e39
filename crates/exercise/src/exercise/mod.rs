//! The exercise state machine: a queue of timed events ([`events`]), the clock
//! ([`clock_control`]), and the journal; what happens is split by job: players' and bots'
//! actions and their checks ([`actions`], [`bots`]), the MSEL and its conditional injects
//! ([`injects`]), the CAP messages generated ([`cap`]), help between countries ([`logistics`])
//! and the consequence model's outcomes ([`consequences`]).
//!
//! Drive it with [`Exercise::step_until`] (headless) or [`Exercise::tick`] with wall time
//! (live); players act with [`Exercise::apply`]. The same inputs, seed and action sequence give
//! the same journal.

mod actions;
mod bots;
mod cap;
mod clock_control;
mod consequences;
mod events;
mod injects;
mod logistics;
mod msel;

pub use actions::{GivenRating, TakenAction};
pub use cap::{GeneratedAlert, WarningState};
pub use consequences::{ImpactState, Rescue, Totals};
pub use injects::{DeliveredInject, InboxInject, InjectAcks};
pub use logistics::{NeedsState, OfferState, RequestState, UsarArrival};
pub use msel::{MselEntry, MselState, MselTrigger};

use crate::cap_out;
use crate::clock::{Clock, Speed, WallSource};
use crate::error::ExerciseError;
use crate::hazards::HazardSet;
use crate::journal::{Body, Record, r1, r4};
use crate::plan::{Plan, PlannedCondition};
use crate::time;
use events::{DEADLINE_PRIORITY, Event, EventQueue};
use forewarn_cap::WarningConfig;
use rand::SeedableRng;
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

/// A running exercise. Cloning it copies its whole state (a server changes a copy and
/// keeps it only once the change is journaled).
#[derive(Clone)]
pub struct Exercise {
    plan: Arc<Plan>,
    hazards: Arc<HazardSet>,
    opts: Options,
    /// The one random stream of the run (bot jitter, protective action at impact).
    rng: ChaCha8Rng,
    clock: Clock,
    wall: WallSource,
    /// Scenario seconds since the start.
    now_s: i64,
    queue: EventQueue,
    journal: Vec<Record>,
    injects: injects::InjectState,
    actions: Vec<TakenAction>,
    /// The evaluators' ratings by objective id.
    ratings: BTreeMap<String, GivenRating>,
    cap: cap::CapState,
    logistics: logistics::Logistics,
    consequences: consequences::Consequences,
    bots: bots::BotState,
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
            queue: EventQueue::default(),
            journal: Vec::new(),
            injects: injects::InjectState::new(n),
            actions: Vec::new(),
            ratings: BTreeMap::new(),
            cap: cap::CapState::new(cap_config, cap_languages),
            logistics: logistics::Logistics::default(),
            consequences: consequences::Consequences::default(),
            bots: bots::BotState::default(),
            finished: false,
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
        for (i, t) in ex.plan.feed_at_s.clone().into_iter().enumerate() {
            ex.schedule(t, Event::Feed(i));
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
    /// Once the exercise has ended, lets go of its hazard results (fields, affected units,
    /// warnings): nothing reads them after the end, and a server keeps ended exercises for
    /// their delivered injects. Does nothing while the exercise runs.
    pub fn release_hazards(&mut self) {
        if self.finished {
            self.hazards = Arc::new(HazardSet::default());
        }
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
    /// Scenario time of the next queued event.
    pub fn next_event_s(&self) -> Option<i64> {
        self.queue.peek().map(|k| k.t_s)
    }

    /// Queues `e` at `t_s`, or now if that is past.
    fn schedule(&mut self, t_s: i64, e: Event) {
        self.queue.push(t_s.max(self.now_s), e);
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
        while let Some(key) = self.queue.peek() {
            // Condition deadlines (and what follows them) at exactly the target wait until the
            // clock moves past it, so that an action taken at the deadline second still counts.
            let deferred = key.t_s == target
                && key.priority >= DEADLINE_PRIORITY
                && target < self.plan.duration_s;
            if key.t_s > target || deferred || self.finished {
                break;
            }
            let Some(ev) = self.queue.remove(&key) else {
                break;
            };
            if key.t_s > self.now_s {
                self.now_s = key.t_s;
                if let WallSource::Simulated { now_ms } = &mut self.wall
                    && let Some(w) = self.clock.wall_ms_at(key.t_s * 1000)
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

    /// Runs to the end (headless).
    pub fn run_to_end(&mut self) {
        self.step_until(self.plan.duration_s);
    }

    fn process(&mut self, ev: Event) {
        match ev {
            Event::HazardOnset(i) => self.hazard_onset(i),
            Event::BotAction { team, action } => self.bot_action(&team, action),
            Event::Sitrep { team } => self.bot_sitrep(team),
            Event::Inject { inject, trigger } => self.fire_inject(inject, trigger),
            Event::Deadline { inject } => self.deadline(inject),
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
            } => self.relief_delivery(request, team, country, package),
            Event::Needs => self.needs_record(),
            Event::Feed(i) => self.feed(i),
            Event::End => self.end(),
        }
    }

    /// Publishes report `i` of the exercise feed.
    fn feed(&mut self, i: usize) {
        let f = &self.plan.def.feeds[i];
        let origin = self.plan.start
            + chrono::Duration::seconds(self.plan.feed_origin_s.get(i).copied().unwrap_or(0));
        let body = Body::Feed {
            feed: f.id.clone(),
            agency: f.agency.clone(),
            event_id: f.event_id.clone(),
            origin_time: origin
                .with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            lat: f.lat,
            lon: f.lon,
            depth_km: f.depth_km,
            mag: f.mag,
            status: f.status,
            place: f.place.clone(),
        };
        self.record(body);
    }

    /// The end: the last needs record, national teams reach the trapped no USAR team
    /// reached, and the totals.
    fn end(&mut self) {
        self.needs_record();
        for c in self.countries_still_trapped() {
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

    /// The evaluators' ratings by objective id.
    pub(crate) fn ratings(&self) -> &BTreeMap<String, GivenRating> {
        &self.ratings
    }
}
