//! A live exercise rebuilt from the journal, so that another node (or this one after a
//! restart) resumes it where it was instead of marking it interrupted.
//!
//! The state machine ([`forewarn_exercise::Exercise`]) is deterministic: the same plan,
//! hazards, seed and inputs at the same wall times give the same records. So every input is
//! journaled (`exercise.input`, [`Input`]) in the transaction that commits it: the clock
//! operations with the change that applies them, a player's action with the player's own
//! write. Inputs are numbered in the order they were applied to the state in memory (under
//! its lock), and the plan's source is stored with the exercise at creation
//! (`plan-source.json`). Ticks are not inputs: the clock maps wall time to scenario time and
//! the state machine processes its events in scenario-time order, so replaying each input at
//! its wall time reaches the same state whatever ticks came between.
//!
//! [`rebuild`] recomputes the hazards from the plan and seed, replays the inputs in order,
//! advances the clock to the present, and checks the records the old holder already copied to the journal against the rebuilt
//! ones (everything but their wall time): nothing is copied twice, nothing is lost, and a
//! mismatch refuses the resumption (the exercise is then interrupted, as before).

use super::{ExerciseRec, Live};
use forewarn_exercise::{Action, Exercise, ExerciseError, HazardSet, Options, Plan, Speed};
use forewarn_store::{JournalEntry, NewEntry, Visibility};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The journal kind of an input.
pub const INPUT_KIND: &str = "exercise.input";
/// The stored plan source of an exercise.
pub const PLAN_SOURCE: &str = "plan-source.json";

/// The plan an exercise was created from: a bundled plan's or an uploaded one's text, its
/// file name, and the files uploaded with it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanSource {
    pub text: String,
    pub file: String,
    #[serde(default)]
    pub files: Vec<super::UploadedFile>,
}

/// One input to an exercise's state machine, at wall time `wall_ms`, `n`-th in the order of
/// application.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Input {
    pub n: u64,
    pub wall_ms: i64,
    #[serde(flatten)]
    pub op: InputOp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum InputOp {
    Start,
    Pause,
    Resume,
    Speed {
        speed: String,
    },
    Jump {
        to_s: i64,
    },
    /// The end by the director (the end by the clock is not an input).
    End,
    /// A team's action: a player's, an acknowledgement, an evaluator's rating.
    Act {
        team: String,
        action: Action,
    },
}

/// What a start needs besides the input.
pub struct StartWith<'a> {
    pub plan: &'a Arc<Plan>,
    pub hazards: &'a Arc<HazardSet>,
    pub seed: u64,
    pub bots: bool,
    pub speed: Speed,
    pub human: &'a BTreeSet<String>,
}

impl<'a> StartWith<'a> {
    /// What exercise `rec` starts with: its plan, hazards, clock speed at creation and human
    /// teams.
    pub fn new(
        rec: &ExerciseRec,
        plan: &'a Arc<Plan>,
        hazards: &'a Arc<HazardSet>,
        speed: Speed,
        human: &'a BTreeSet<String>,
    ) -> StartWith<'a> {
        StartWith {
            plan,
            hazards,
            seed: rec.seed,
            bots: rec.bots,
            speed,
            human,
        }
    }
}

impl Input {
    /// Applies the input to `ex` (a start creates it): the one way inputs change the state,
    /// live and in a replay. Returns the action's reference (a request's id in the exercise).
    pub fn apply(
        &self,
        ex: &mut Option<Exercise>,
        start: &StartWith<'_>,
    ) -> Result<Option<String>, ExerciseError> {
        let w = self.wall_ms;
        if let InputOp::Start = self.op {
            *ex = Some(Exercise::new(
                start.plan.clone(),
                start.hazards.clone(),
                Options {
                    seed: start.seed,
                    bots: start.bots,
                    speed: Some(start.speed),
                    live_wall_ms: Some(w),
                    human_teams: start.human.clone(),
                },
            )?);
            return Ok(None);
        }
        let Some(ex) = ex.as_mut() else {
            return Err(ExerciseError::Clock("the exercise has not started".into()));
        };
        match &self.op {
            InputOp::Start => {}
            InputOp::Pause => ex.pause(Some(w))?,
            InputOp::Resume => ex.resume(Some(w))?,
            InputOp::Speed { speed } => {
                let sp = Speed::parse(speed).map_err(ExerciseError::Clock)?;
                ex.set_speed(sp, Some(w));
            }
            InputOp::Jump { to_s } => ex.jump_to(*to_s, Some(w))?,
            InputOp::End => ex.tick(w),
            InputOp::Act { team, action } => {
                ex.tick(w);
                return ex.apply(team, action.clone());
            }
        }
        Ok(None)
    }

    /// The journal entry of this input (the director's organisation's, inside the exercise).
    pub fn entry(&self, rec: &ExerciseRec, actor: &str) -> NewEntry {
        NewEntry {
            actor: actor.to_string(),
            org: rec.org.clone(),
            kind: INPUT_KIND.into(),
            record_type: <ExerciseRec as crate::records::Stored>::TYPE.into(),
            record_id: rec.id,
            visibility: Visibility::OwnOrg,
            party_org: None,
            payload: serde_json::to_value(self).unwrap_or_default(),
            exercise_id: Some(rec.id),
        }
    }
}

/// Why an exercise could not be rebuilt.
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error("no stored plan (an exercise created before resumption existed)")]
    NoPlan,
    #[error("the stored plan: {0}")]
    Plan(String),
    #[error("the hazards: {0}")]
    Hazards(String),
    #[error("input {n}: {error}")]
    Input { n: u64, error: String },
    #[error("record {seq} differs from the one already journaled")]
    Diverged { seq: u64 },
    #[error("record {seq} was journaled but the replay has only {have}")]
    Missing { seq: u64, have: usize },
}

/// The records already copied to the journal, by record number (each record's entries carry
/// it as `seq`; the inputs and the exercise record's own changes do not).
fn forwarded_records(entries: &[JournalEntry]) -> Vec<(u64, &Value)> {
    entries
        .iter()
        .filter(|e| e.kind != INPUT_KIND)
        .filter_map(|e| {
            let seq = e.payload.get("seq")?.as_u64()?;
            e.payload.get("t_s")?;
            Some((seq, &e.payload))
        })
        .collect()
}

/// Whether journaled record payload `stored` says what rebuilt record `rebuilt` says (its
/// wall time aside; the journal adds the receiving team and its text to injects and messages).
fn same_record(stored: &Value, rebuilt: &Value) -> bool {
    let Some(r) = rebuilt.as_object() else {
        return false;
    };
    r.iter()
        .filter(|(k, _)| k.as_str() != "wall_time")
        .all(|(k, v)| stored.get(k) == Some(v))
}

/// Rebuilds exercise `rec` as its holder had it, then brings its clock to wall time `now_ms`
/// (past every record the holder journaled): `plan` and `hazards` from its stored source, its
/// journal `entries` (every entry of the exercise record, oldest first).
pub fn rebuild(
    rec: ExerciseRec,
    plan: Arc<Plan>,
    hazards: Arc<HazardSet>,
    entries: &[JournalEntry],
    now_ms: i64,
) -> Result<Live, RebuildError> {
    let mut inputs: Vec<Input> = entries
        .iter()
        .filter(|e| e.kind == INPUT_KIND)
        .filter_map(|e| serde_json::from_value(e.payload.clone()).ok())
        .collect();
    inputs.sort_by_key(|i| i.n);
    let human: BTreeSet<String> = rec
        .teams
        .iter()
        .filter(|t| t.human)
        .map(|t| t.id.clone())
        .collect();
    // The speed the exercise was created with: later changes are inputs.
    let created_speed = entries
        .iter()
        .find(|e| e.kind == "exercise.created")
        .and_then(|e| e.payload.get("speed")?.as_str().map(str::to_string))
        .unwrap_or_else(|| rec.speed.clone());
    let speed = Speed::parse(&created_speed).map_err(RebuildError::Plan)?;
    let mut ex = None;
    {
        let start = StartWith::new(&rec, &plan, &hazards, speed, &human);
        for i in &inputs {
            // An input the live state refused (say, a second warning for one hazard) was
            // refused in the same way then: only a failure to start is fatal.
            if let Err(e) = i.apply(&mut ex, &start)
                && matches!(i.op, InputOp::Start)
            {
                return Err(RebuildError::Input {
                    n: i.n,
                    error: e.to_string(),
                });
            }
        }
    }
    // The holder's ticks since its last input: what they produced is up to now.
    if let Some(x) = ex.as_mut()
        && inputs.last().is_none_or(|i| i.wall_ms < now_ms)
    {
        x.tick(now_ms);
    }
    let copied = forwarded_records(entries);
    let forwarded = copied.iter().map(|(s, _)| *s as usize).max().unwrap_or(0);
    if let Some(x) = ex.as_ref() {
        let journal = x.journal();
        for (seq, stored) in &copied {
            let Some(r) = journal.get(*seq as usize - 1) else {
                return Err(RebuildError::Missing {
                    seq: *seq,
                    have: journal.len(),
                });
            };
            let rebuilt = serde_json::to_value(r).unwrap_or_default();
            if !same_record(stored, &rebuilt) {
                return Err(RebuildError::Diverged { seq: *seq });
            }
        }
    } else if forwarded > 0 {
        return Err(RebuildError::Missing {
            seq: forwarded as u64,
            have: 0,
        });
    }
    let next_input = inputs.last().map_or(0, |i| i.n + 1);
    Ok(Live {
        rec,
        plan,
        hazards,
        human,
        speed,
        ex,
        forwarded,
        acts_during_change: None,
        next_input,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exercises::ExerciseStatus;
    use forewarn_exercise::def::{HseepType, Role};

    fn entry(seq: i64, rec: &ExerciseRec, kind: &str, payload: Value) -> JournalEntry {
        JournalEntry {
            seq,
            ts: String::new(),
            actor: "test".into(),
            org: rec.org.clone(),
            kind: kind.into(),
            record_type: "exercise".into(),
            record_id: rec.id,
            visibility: Visibility::OwnOrg,
            party_org: None,
            payload,
            exercise_id: Some(rec.id),
        }
    }

    fn rec_of(plan: &Plan, human: &BTreeSet<String>) -> ExerciseRec {
        ExerciseRec {
            id: 1,
            org: "rc".into(),
            visibility: Visibility::Regional,
            status: ExerciseStatus::Running,
            name: plan.def.exercise.name.clone(),
            hseep_type: HseepType::Functional,
            scenario: "exercise-pamir.toml".into(),
            seed: 7,
            bots: true,
            speed: "x60".into(),
            languages: vec![],
            scenario_start: String::new(),
            duration_s: plan.duration_s,
            teams: crate::exercises::creation::teams_out(plan, &Default::default(), human),
            objectives: vec![],
            t_s: 0,
            created_by: "rc.coordinator".into(),
            created_at: String::new(),
            updated_at: String::new(),
            started_at: None,
            ended_at: None,
            totals: None,
            report_url: None,
            node: None,
            node_url: None,
        }
    }

    /// A live run (inputs at their wall times, ticks between them) and its rebuild from the
    /// journaled inputs agree record for record, wall times aside; a journaled record that
    /// differs refuses the rebuild.
    #[test]
    fn a_rebuild_from_the_inputs_reproduces_the_live_run() {
        let dir = crate::default_scenarios_dir();
        let plan = Arc::new(forewarn_exercise::load(&dir.join("exercise-pamir.toml")).unwrap());
        let w = crate::runner::world().unwrap();
        let hazards = Arc::new(HazardSet::compute(&plan, &w.region, &w.exposure, 7).unwrap());
        let human: BTreeSet<String> = ["tj-coes".to_string()].into();
        let rec = rec_of(&plan, &human);
        let player = plan
            .def
            .teams
            .iter()
            .find(|t| t.id == "tj-coes" && t.role == Role::Player)
            .unwrap();
        let start = StartWith::new(&rec, &plan, &hazards, Speed::parse("x60").unwrap(), &human);
        let w0 = 1_700_000_000_000;
        let inputs = [
            Input {
                n: 0,
                wall_ms: w0,
                op: InputOp::Start,
            },
            Input {
                n: 2,
                wall_ms: w0 + 20_130,
                op: InputOp::Act {
                    team: player.id.clone(),
                    action: Action::Sitrep {
                        text: "Bridge at Khorog closed".into(),
                    },
                },
            },
            Input {
                n: 5,
                wall_ms: w0 + 41_000,
                op: InputOp::Speed {
                    speed: "x120".into(),
                },
            },
        ];
        // Live: ticks every 250 ms between the inputs, up to 60 s of wall time.
        let mut live = None;
        let mut next = 0;
        for k in 0..=240 {
            let wall = w0 + k * 250;
            while next < inputs.len() && inputs[next].wall_ms <= wall {
                let _ = inputs[next].apply(&mut live, &start);
                next += 1;
            }
            if let Some(x) = live.as_mut() {
                x.tick(wall);
            }
        }
        let live = live.unwrap();
        let records: Vec<Value> = live
            .journal()
            .iter()
            .map(|r| serde_json::to_value(r).unwrap())
            .collect();
        assert!(records.len() > 10, "{}", records.len());
        // The journal as the holder left it: the inputs, and two thirds of the records (at
        // least up to the player's action).
        let acted = records
            .iter()
            .position(|r| r["type"] == "action" && r["team"] == "tj-coes")
            .expect("the player's action is journaled");
        let copied = (records.len() * 2 / 3).max(acted + 1);
        let mut entries: Vec<JournalEntry> = inputs
            .iter()
            .map(|i| entry(0, &rec, INPUT_KIND, serde_json::to_value(i).unwrap()))
            .collect();
        for (k, r) in records[..copied].iter().enumerate() {
            entries.push(entry(k as i64, &rec, "exercise.record", r.clone()));
        }
        let end = w0 + 240 * 250;
        let rebuilt = rebuild(rec.clone(), plan.clone(), hazards.clone(), &entries, end).unwrap();
        assert_eq!(rebuilt.forwarded, copied);
        assert_eq!(rebuilt.next_input, 6);
        let again: Vec<Value> = rebuilt
            .ex
            .as_ref()
            .unwrap()
            .journal()
            .iter()
            .map(|r| serde_json::to_value(r).unwrap())
            .collect();
        assert_eq!(again.len(), records.len());
        for (a, b) in again.iter().zip(&records) {
            assert!(same_record(a, b), "{a}\n{b}");
        }
        // A journaled record the replay does not reproduce refuses the rebuild.
        let mut tampered = entries.clone();
        let last = tampered.len() - 1;
        tampered[last].payload["t_s"] = serde_json::json!(-1);
        let e = rebuild(rec.clone(), plan.clone(), hazards.clone(), &tampered, end)
            .err()
            .expect("refused");
        assert!(matches!(e, RebuildError::Diverged { .. }), "{e}");
        // Without the player's input the replay differs from what was journaled.
        let without: Vec<JournalEntry> = entries
            .iter()
            .filter(|e| e.payload.get("op").and_then(Value::as_str) != Some("act"))
            .cloned()
            .collect();
        assert!(rebuild(rec, plan, hazards, &without, end).is_err());
    }
}
