//! Live exercises through the platform (docs/exercise.md, "Live runs").
//!
//! A director (a duty officer or admin of the regional centre, or of an organisation the
//! regional centre's admin granted the exercise-director right, [`directors`]) creates an
//! exercise from a plan ([`creation`]), then starts, pauses, resumes, re-times and ends it
//! ([`control`]).
//! The [`forewarn_exercise::Exercise`] state machine runs in memory, driven by the wall clock
//! ([`ticker`]); everything it records is copied into the store's journal with the exercise's
//! id ([`forward`]), so injects reach each team's organisation through the normal live stream
//! and nothing of it appears in real lists or feeds. Players act through the normal endpoints
//! with the `Forewarn-Exercise` header; their alerts, requests, offers and situation reports
//! are fed to the consequence model ([`act`]). Evaluators rate objectives; ending the exercise
//! stores the metrics and the after-action report.
//!
//! A change of an exercise (clock control, ticks, acknowledgements, ratings) works on a copy
//! of its state, commits what it produced, and only then replaces the state held in memory
//! ([`control::change`]); readers never see a state the store does not hold.
//!
//! The state machine is rebuilt from the journal ([`replay`]: every input is journaled with
//! its wall time, the plan stored at creation) when its node is gone: at a restart, or with
//! several nodes on one database by another node once the holding node's heartbeat expires
//! (crate::node); that node then drives the exercise's clock. An exercise that cannot be
//! rebuilt (created before inputs were journaled, or whose replay differs from what was
//! journaled) is marked `interrupted` (its journal stays).

mod actions;
mod control;
mod creation;
pub mod directors;
mod lifecycle;
mod replay;
mod views;

pub use actions::{AckIn, RatingIn, acknowledge, act, rate, warning_hazard};
pub use control::{ControlIn, control};
pub use creation::{ExerciseIn, UploadedFile, create, scenarios};
pub use lifecycle::{ExerciseOp, ExerciseStatus};
pub use replay::{INPUT_KIND, Input, InputOp};
pub use views::{ExerciseView, InjectOut, get, injects, list, metrics, msel, report};

use crate::error::ApiError;
use crate::records::{self, Stored};
use crate::{AppState, RC};
use axum::http::StatusCode;
use forewarn_exercise::def::{HseepType, Role};
use forewarn_exercise::{Exercise, HazardSet, Plan, Speed};
use forewarn_store::{Reader, RecordFilter, User, Visibility, now_ts};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// A team of the plan as the platform maps it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TeamOut {
    pub id: String,
    pub name: String,
    #[schema(value_type = String)]
    pub role: Role,
    /// The platform organisation that plays the team.
    pub org: String,
    pub language: String,
    /// Played by people (bots never act for it).
    pub human: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ObjectiveOut {
    pub id: String,
    pub title: String,
}

/// An exercise as stored: a real record (an exercise being held is a fact of real
/// operations); what happens inside it carries its id.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExerciseRec {
    pub id: i64,
    pub org: String,
    #[schema(value_type = String)]
    pub visibility: Visibility,
    pub status: ExerciseStatus,
    pub name: String,
    #[schema(value_type = String)]
    pub hseep_type: HseepType,
    pub scenario: String,
    pub seed: u64,
    pub bots: bool,
    pub speed: String,
    pub languages: Vec<String>,
    pub scenario_start: String,
    pub duration_s: i64,
    pub teams: Vec<TeamOut>,
    pub objectives: Vec<ObjectiveOut>,
    /// Scenario seconds since the start, as of the last change of state.
    pub t_s: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    #[schema(value_type = Object)]
    pub totals: Option<Value>,
    pub report_url: Option<String>,
    /// The server node that holds the live exercise and drives its clock (crate::node); when
    /// it dies, another node rebuilds the exercise from the journal and holds it (replay.rs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// Where the other nodes reach that node (crate::exercise_route forwards the exercise's
    /// requests there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_url: Option<String>,
}

impl ExerciseRec {
    /// Whether `org` takes part (the regional centre always may read).
    fn takes_part(&self, org: &str) -> bool {
        org == RC || self.teams.iter().any(|t| t.org == org)
    }
}

crate::records::impl_stored!(ExerciseRec, "exercise", unscoped);

/// One exercise held in memory.
pub struct Live {
    pub rec: ExerciseRec,
    plan: Arc<Plan>,
    hazards: Arc<HazardSet>,
    human: BTreeSet<String>,
    speed: Speed,
    /// Present from the start.
    ex: Option<Exercise>,
    /// Exercise journal records already copied to the store.
    forwarded: usize,
    /// While a change is being committed: the player actions applied meanwhile, replayed on
    /// the changed copy before it replaces this state.
    acts_during_change: Option<Vec<PendingAct>>,
    /// The number of the next input (replay.rs: inputs are numbered in the order they are
    /// applied to this state).
    next_input: u64,
}

impl Live {
    /// Takes the next input number.
    fn take_input_number(&mut self) -> u64 {
        let n = self.next_input;
        self.next_input += 1;
        n
    }
}

/// A player action applied while a change was being committed.
struct PendingAct {
    input: replay::Input,
}

/// An exercise held in memory with the lock that serialises its changes.
pub struct Held {
    state: Mutex<Live>,
    /// Held by a change from copying the state to replacing it (see [`control::change`]).
    writer: tokio::sync::Mutex<()>,
}

impl Live {
    fn teams_of(&self, org: &str) -> impl Iterator<Item = &TeamOut> {
        self.rec.teams.iter().filter(move |t| t.org == org)
    }
    /// The team with `role` that an organisation plays.
    fn team_as(&self, org: &str, role: Role) -> Option<&TeamOut> {
        self.teams_of(org).find(|t| t.role == role)
    }
}

/// How many ended exercises stay in memory (for their delivered injects) before the oldest
/// is dropped; an exercise dropped from memory is read from the store like one from a previous
/// process (its record, report and metrics are stored; its live views answer 409).
pub const MAX_ENDED_HELD: usize = 8;

/// The exercises of this server process.
#[derive(Default)]
pub struct Registry {
    live: Mutex<BTreeMap<i64, Arc<Held>>>,
    /// Ended exercises still held, oldest first.
    ended: Mutex<std::collections::VecDeque<i64>>,
}

impl Registry {
    fn get(&self, id: i64) -> Option<Arc<Held>> {
        self.live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .cloned()
    }
    /// Notes that exercise `id` ended; drops the oldest ended exercises beyond
    /// [`MAX_ENDED_HELD`] from memory.
    fn retire(&self, id: i64) {
        let dropped: Vec<i64> = {
            let mut ended = self.ended.lock().unwrap_or_else(|p| p.into_inner());
            if !ended.contains(&id) {
                ended.push_back(id);
            }
            let excess = ended.len().saturating_sub(MAX_ENDED_HELD);
            ended.drain(..excess).collect()
        };
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        for id in dropped {
            live.remove(&id);
        }
        // The ended exercise stays for its delivered injects; its hazard results (the bulk of
        // its memory) are not read after the end.
        if let Some(held) = live.get(&id) {
            let mut l = lock(held);
            if let Some(ex) = l.ex.as_mut() {
                ex.release_hazards();
            }
            l.hazards = Arc::new(HazardSet::default());
        }
    }
    /// Hazard results held in memory, all exercises (an ended exercise holds none).
    pub fn hazards_held(&self) -> usize {
        let live: Vec<Arc<Held>> = self
            .live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        live.iter().map(|h| lock(h).hazards.hazards.len()).sum()
    }
    /// Whether exercise `id` is held in this process's memory.
    pub fn holds(&self, id: i64) -> bool {
        self.get(id).is_some()
    }
    /// Number of exercises held in memory.
    pub fn held(&self) -> usize {
        self.live.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
    /// Drops exercise `id` from memory (another node holds it now).
    fn forget(&self, id: i64) {
        self.live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
    }
    fn insert(&self, id: i64, l: Live) {
        self.live.lock().unwrap_or_else(|p| p.into_inner()).insert(
            id,
            Arc::new(Held {
                state: Mutex::new(l),
                writer: tokio::sync::Mutex::new(()),
            }),
        );
    }
}

fn lock(l: &Held) -> std::sync::MutexGuard<'_, Live> {
    l.state.lock().unwrap_or_else(|p| p.into_inner())
}

fn live_of(st: &AppState, id: i64) -> Result<Arc<Held>, ApiError> {
    st.exercises.get(id).ok_or_else(|| {
        ApiError::conflict(format!(
            "exercise {id} is not live in this server (ended or interrupted)"
        ))
    })
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), None)
}

/// Exercise `id` as held in memory, else as stored; 404 naming the scope header when there is
/// none.
async fn exercise_rec(st: &AppState, id: i64) -> Result<ExerciseRec, ApiError> {
    if let Some(l) = st.exercises.get(id) {
        return Ok(lock(&l).rec.clone());
    }
    match st.store.get_record(ExerciseRec::TYPE, id).await? {
        Some(r) => records::from_record(&r),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no exercise {id}"),
            Some("Forewarn-Exercise"),
        )),
    }
}

/// Exercise `id` if `user`'s organisation takes part in it (403 otherwise, 404 when there is
/// no such exercise).
pub async fn check_participant(
    st: &AppState,
    id: i64,
    user: &User,
) -> Result<ExerciseRec, ApiError> {
    let rec = exercise_rec(st, id).await?;
    if rec.takes_part(&user.org) {
        Ok(rec)
    } else {
        Err(ApiError::forbidden(format!(
            "organisation '{}' does not take part in exercise {id}",
            user.org
        )))
    }
}

/// Every stored exercise record, newest first.
async fn exercise_records(st: &AppState) -> Result<Vec<ExerciseRec>, ApiError> {
    list_exercises(st, None).await
}

async fn list_exercises(
    st: &AppState,
    status: Option<ExerciseStatus>,
) -> Result<Vec<ExerciseRec>, ApiError> {
    let rs = st
        .store
        .list_records(
            ExerciseRec::TYPE,
            &Reader::All,
            &RecordFilter {
                status: status.map(|s| s.as_str().into()),
                limit: 1000,
                ..Default::default()
            },
        )
        .await?;
    rs.iter().map(records::from_record).collect()
}

/// The stored exercises a node holds live (planned, running or paused), read by status (this
/// runs every half second on each node; ended exercises accumulate).
async fn held_records(st: &AppState) -> Result<Vec<ExerciseRec>, ApiError> {
    let mut out = Vec::new();
    for status in [
        ExerciseStatus::Planned,
        ExerciseStatus::Running,
        ExerciseStatus::Paused,
    ] {
        out.extend(list_exercises(st, Some(status)).await?);
    }
    Ok(out)
}

/// Resumes here the exercises left planned, running or paused by a node that is no longer
/// alive (a previous process of this one, or another node that died: crate::node): each is
/// claimed in a write transaction (journaled `exercise.taken_over` with this node), rebuilt
/// from the journal and driven by this node from then on; one that cannot be rebuilt is
/// marked interrupted.
pub async fn resume_stale(st: &AppState) -> Result<(), ApiError> {
    for seen in held_records(st).await? {
        if st.exercises.holds(seen.id)
            || crate::node::is_alive(&st.store, seen.node.as_deref()).await?
        {
            continue;
        }
        // Claim it: as it is now, under the write lock (another node may have been first).
        let mut tx = st.store.begin_write().await?;
        let Some(r) = tx.get_record(ExerciseRec::TYPE, seen.id).await? else {
            continue;
        };
        let mut rec: ExerciseRec = records::from_record(&r)?;
        if rec.node != seen.node || rec.status != seen.status {
            continue;
        }
        let from = rec.node.replace(crate::node::id().to_string());
        rec.node_url = crate::node::url();
        rec.updated_at = now_ts();
        records::update(&mut tx, "server", "exercise.taken_over", &rec).await?;
        tx.commit().await?;
        let t0 = std::time::Instant::now();
        match resume(st, rec.clone()).await {
            Ok(()) => {
                tracing::warn!(exercise = rec.id, from = ?from, took_ms = t0.elapsed().as_millis() as u64, "resumed an exercise whose node stopped");
            }
            Err(e) => {
                tracing::error!(exercise = rec.id, error = %e, "cannot rebuild the exercise; marking it interrupted");
                let mut tx = st.store.begin_write().await?;
                if let Some(r) = tx.get_record(ExerciseRec::TYPE, rec.id).await? {
                    let mut cur: ExerciseRec = records::from_record(&r)?;
                    if let Ok(next) = cur.status.after(ExerciseOp::Interrupt)
                        && cur.node.as_deref() == Some(crate::node::id())
                    {
                        cur.status = next;
                        cur.updated_at = now_ts();
                        records::update(
                            &mut tx,
                            "server",
                            ExerciseOp::Interrupt.journal_kind(),
                            &cur,
                        )
                        .await?;
                        tx.commit().await?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Rebuilds exercise `rec` from its stored plan and journal, holds it here and, when it is
/// running, starts its clock.
async fn resume(st: &AppState, rec: ExerciseRec) -> Result<(), String> {
    let source: replay::PlanSource = match st
        .store
        .get_document(ExerciseRec::TYPE, rec.id, replay::PLAN_SOURCE)
        .await
        .map_err(|e| e.to_string())?
    {
        Some(body) => serde_json::from_str(&body).map_err(|e| e.to_string())?,
        None => return Err(replay::RebuildError::NoPlan.to_string()),
    };
    let (plan, _uploads) = creation::parse_source(st, &source).map_err(|e| e.error)?;
    let plan = Arc::new(plan);
    let seed = rec.seed;
    let p2 = plan.clone();
    let hazards = tokio::task::spawn_blocking(move || {
        let w = crate::runner::world()?;
        HazardSet::compute(&p2, &w.region, &w.exposure, seed).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| replay::RebuildError::Hazards(e).to_string())?;
    let entries = st
        .store
        .journal_of_record(ExerciseRec::TYPE, rec.id)
        .await
        .map_err(|e| e.to_string())?;
    let running = rec.status == ExerciseStatus::Running;
    let live = replay::rebuild(
        rec.clone(),
        plan,
        Arc::new(hazards),
        &entries,
        forewarn_store::now_ms(),
    )
    .map_err(|e| e.to_string())?;
    st.exercises.insert(rec.id, live);
    if running {
        control::start_clock(st, rec.id);
    }
    Ok(())
}
