//! Live exercises through the platform (docs/exercise.md, "Live runs").
//!
//! The director (a duty officer or admin of the organisation that holds the plan's director
//! team) creates an exercise from a plan, then starts, pauses, resumes, re-times and ends it.
//! The [`forewarn_exercise::Exercise`] state machine runs in memory, driven by the wall clock
//! ([`ticker`]); everything it records is copied into the store's journal with the exercise's
//! id ([`forward`]), so injects reach each team's organisation through the normal live stream
//! and nothing of it appears in real lists or feeds. Players act through the normal endpoints
//! with the `Forewarn-Exercise` header; their alerts, requests, offers and situation reports
//! are fed to the consequence model ([`act`]). Evaluators rate objectives; ending the exercise
//! stores the metrics and the after-action report.
//!
//! The state machine is not rebuilt after a server restart: exercises that were running are
//! marked `interrupted` (their journal stays).

use crate::error::ApiError;
use crate::extract::{Caller, Idem, JsonBody};
use crate::incidents::{CAP_PROPOSAL, Incident};
use crate::records::{self, Stored, next_id};
use crate::write::write_op;
use crate::{AppState, RC};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use forewarn_exercise::def::{Channel, HazardKind, HseepType, Role};
use forewarn_exercise::hazards::HazardResult;
use forewarn_exercise::journal::Body;
use forewarn_exercise::{Action, Exercise, HazardSet, Options, Plan, Rating, Speed};
use forewarn_store::{NewEntry, Reader, RecordFilter, User, Visibility, now_ts};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often a running exercise's clock is advanced.
const TICK: Duration = Duration::from_millis(250);

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
    /// planned, running, paused, ended or interrupted.
    pub status: String,
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
}

impl ExerciseRec {
    /// Whether `org` takes part (the regional centre always may read).
    fn takes_part(&self, org: &str) -> bool {
        org == RC || self.teams.iter().any(|t| t.org == org)
    }
}

impl Stored for ExerciseRec {
    const TYPE: &'static str = "exercise";
    fn id(&self) -> i64 {
        self.id
    }
    fn org(&self) -> &str {
        &self.org
    }
    fn visibility(&self) -> Visibility {
        self.visibility
    }
    fn status(&self) -> &str {
        &self.status
    }
    fn created_at(&self) -> &str {
        &self.created_at
    }
}

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

/// The exercises of this server process.
#[derive(Default)]
pub struct Registry {
    live: Mutex<BTreeMap<i64, Arc<Mutex<Live>>>>,
}

impl Registry {
    fn get(&self, id: i64) -> Option<Arc<Mutex<Live>>> {
        self.live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .cloned()
    }
    fn insert(&self, id: i64, l: Live) {
        self.live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, Arc::new(Mutex::new(l)));
    }
}

fn lock(l: &Arc<Mutex<Live>>) -> std::sync::MutexGuard<'_, Live> {
    l.lock().unwrap_or_else(|p| p.into_inner())
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
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
    let rs = st
        .store
        .list_records(
            ExerciseRec::TYPE,
            &Reader::All,
            &RecordFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await?;
    rs.iter().map(records::from_record).collect()
}

/// `GET /api/exercises/scenarios`: the bundled plans (that parse) a director can start from.
pub async fn scenarios(State(st): State<AppState>, _caller: Caller) -> axum::Json<Value> {
    let dir = &st.scenarios_dir;
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.starts_with("exercise-") && n.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let items: Vec<Value> = names
        .into_iter()
        .filter_map(|n| {
            let plan = forewarn_exercise::load(&dir.join(&n)).ok()?;
            Some(json!({"file": n, "name": plan.def.exercise.name}))
        })
        .collect();
    axum::Json(json!({ "items": items }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExerciseIn {
    /// A bundled plan's file name (see `/api/exercises/scenarios`)...
    #[serde(default)]
    pub scenario: Option<String>,
    /// ...or the plan's TOML text (relative paths resolve against the bundled scenarios).
    #[serde(default)]
    pub toml: Option<String>,
    #[serde(default)]
    pub seed: Option<u64>,
    /// Bots play the teams that are not `human_teams`.
    #[serde(default)]
    pub bots: Option<bool>,
    /// Teams played by people (default: every player team).
    #[serde(default)]
    pub human_teams: Option<Vec<String>>,
    /// Clock speed, `real` or `xN` (default: the plan's).
    #[serde(default)]
    pub speed: Option<String>,
}

fn is_plain_file_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 200
        && n.ends_with(".toml")
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !n.starts_with('.')
}

/// `POST /api/exercises`.
pub async fn create(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    JsonBody(inp): JsonBody<ExerciseIn>,
) -> Result<Response, ApiError> {
    caller.require_any(&["duty_officer", "admin"])?;
    let dir = st.scenarios_dir.clone();
    let (text, file, field) = match (&inp.scenario, &inp.toml) {
        (Some(name), None) => {
            if !is_plain_file_name(name) {
                return Err(ApiError::invalid(
                    "scenario must be a plan file name such as exercise-pamir.toml",
                    "scenario",
                ));
            }
            let text = std::fs::read_to_string(dir.join(name))
                .map_err(|_| ApiError::invalid(format!("no bundled plan '{name}'"), "scenario"))?;
            (text, name.clone(), "scenario")
        }
        (None, Some(t)) => (t.clone(), "exercise.toml".to_string(), "toml"),
        _ => {
            return Err(ApiError::invalid(
                "give exactly one of scenario and toml",
                "scenario",
            ));
        }
    };
    let plan = forewarn_exercise::parse(&text, &file, &dir)
        .map_err(|e| ApiError::invalid(format!("the plan is invalid: {e}"), field))?;
    let speed = match &inp.speed {
        Some(s) => Speed::parse(s).map_err(|e| ApiError::invalid(e, "speed"))?,
        None => plan.speed,
    };
    if speed == Speed::Max {
        return Err(ApiError::invalid(
            "a live exercise needs a clock speed (real or xN), not max",
            "speed",
        ));
    }
    // Map the plan's organisations onto platform organisations by country code.
    let orgs = st.store.orgs().await?;
    let mut org_of = BTreeMap::new();
    for o in &plan.def.organisations {
        let code = o.country.to_ascii_lowercase();
        if !orgs.iter().any(|p| p.code == code) {
            return Err(ApiError::invalid(
                format!(
                    "organisation '{}' (country {}) has no platform organisation '{code}'",
                    o.id, o.country
                ),
                field,
            ));
        }
        org_of.insert(o.id.clone(), code);
    }
    let players: Vec<String> = plan
        .def
        .teams
        .iter()
        .filter(|t| t.role == Role::Player)
        .map(|t| t.id.clone())
        .collect();
    let human: BTreeSet<String> = match &inp.human_teams {
        Some(v) => {
            for (i, t) in v.iter().enumerate() {
                if !players.contains(t) {
                    return Err(ApiError::invalid(
                        format!("'{t}' is not a player team of the plan"),
                        &format!("human_teams[{i}]"),
                    ));
                }
            }
            v.iter().cloned().collect()
        }
        None => players.iter().cloned().collect(),
    };
    let teams: Vec<TeamOut> = plan
        .def
        .teams
        .iter()
        .map(|t| TeamOut {
            id: t.id.clone(),
            name: t.name.clone(),
            role: t.role,
            org: org_of.get(&t.organisation).cloned().unwrap_or_default(),
            language: t.language.clone(),
            human: human.contains(&t.id),
        })
        .collect();
    if !teams
        .iter()
        .any(|t| t.role == Role::Director && t.org == caller.user.org)
    {
        return Err(ApiError::forbidden(
            "only the organisation of the plan's director team may create this exercise",
        ));
    }
    // The hazard engines run once per exercise (a few seconds).
    let plan = Arc::new(plan);
    let seed = inp.seed.unwrap_or(1);
    let p2 = plan.clone();
    let hazards = tokio::task::spawn_blocking(move || {
        let w = crate::runner::world().map_err(internal)?;
        HazardSet::compute(&p2, &w.region, &w.exposure, seed)
            .map_err(|e| ApiError::invalid(format!("hazard engines: {e}"), "scenario"))
    })
    .await
    .map_err(internal)??;
    let d = &plan.def;
    let now = now_ts();
    let rec0 = ExerciseRec {
        id: 0,
        org: caller.user.org.clone(),
        visibility: Visibility::Regional,
        status: "planned".into(),
        name: d.exercise.name.clone(),
        hseep_type: d.exercise.hseep_type,
        scenario: file,
        seed,
        bots: inp.bots.unwrap_or(false),
        speed: speed.label(),
        languages: d.exercise.languages.clone(),
        scenario_start: plan.start.to_rfc3339(),
        duration_s: plan.duration_s,
        teams,
        objectives: d
            .objectives
            .iter()
            .map(|o| ObjectiveOut {
                id: o.id.clone(),
                title: o.title.clone(),
            })
            .collect(),
        t_s: 0,
        created_by: caller.user.username.clone(),
        created_at: now.clone(),
        updated_at: now,
        started_at: None,
        ended_at: None,
        totals: None,
        report_url: None,
    };
    let c = caller.clone();
    let resp = write_op(&st, &caller, &idem, StatusCode::CREATED, async move |tx| {
        let mut rec = rec0;
        rec.id = next_id::<ExerciseRec>(tx).await?;
        records::insert(tx, &c.user.username, "exercise.created", &rec).await?;
        Ok(rec)
    })
    .await?;
    let (resp, fresh) = crate::write::created::<ExerciseRec>(resp, StatusCode::CREATED).await?;
    if let Some(rec) = fresh {
        st.exercises.insert(
            rec.id,
            Live {
                rec,
                plan,
                hazards: Arc::new(hazards),
                human,
                speed,
                ex: None,
                forwarded: 0,
            },
        );
    }
    Ok(resp)
}

/// The caller's place in an exercise.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExerciseView {
    #[serde(flatten)]
    pub exercise: ExerciseRec,
    pub scenario_time: String,
    /// Scenario time relative to the start, such as T+03:30.
    pub t_label: String,
    pub clock_paused: bool,
    /// The player team the caller's organisation plays, if any.
    pub my_team: Option<String>,
    /// The caller organisation's exercise roles (director, evaluator, player, ...).
    #[schema(value_type = Vec<String>)]
    pub my_roles: Vec<Role>,
}

fn view(l: &Live, caller: &Caller) -> ExerciseView {
    let mut rec = l.rec.clone();
    let (t_s, paused) = match &l.ex {
        Some(ex) => (ex.now_s(), ex.clock().is_paused()),
        None => (rec.t_s, true),
    };
    rec.t_s = t_s;
    let org = caller.user.org.as_str();
    let mut my_roles: Vec<Role> = l.teams_of(org).map(|t| t.role).collect();
    my_roles.sort();
    my_roles.dedup();
    ExerciseView {
        scenario_time: forewarn_exercise::time::scenario_time(&l.plan.start, t_s),
        t_label: forewarn_exercise::time::label(t_s),
        clock_paused: paused,
        my_team: l.team_as(org, Role::Player).map(|t| t.id.clone()),
        my_roles,
        exercise: rec,
    }
}

/// The caller's view of an exercise: live (with the clock and the caller's roles), or as
/// stored once it is no longer held in memory.
fn view_json(st: &AppState, rec: &ExerciseRec, caller: &Caller) -> Result<Value, ApiError> {
    match st.exercises.get(rec.id) {
        Some(l) => serde_json::to_value(view(&lock(&l), caller)),
        None => serde_json::to_value(rec),
    }
    .map_err(internal)
}

/// `GET /api/exercises`: exercises the caller's organisation takes part in.
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<Value>, ApiError> {
    let items = exercise_records(&st)
        .await?
        .iter()
        .filter(|rec| rec.takes_part(&caller.user.org))
        .take(200)
        .map(|rec| view_json(&st, rec, &caller))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(axum::Json(json!({ "items": items })))
}

fn live_of(st: &AppState, id: i64) -> Result<Arc<Mutex<Live>>, ApiError> {
    st.exercises.get(id).ok_or_else(|| {
        ApiError::conflict(format!(
            "exercise {id} is not live in this server (ended or interrupted)"
        ))
    })
}

/// `GET /api/exercises/{id}`.
pub async fn get(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<Value>, ApiError> {
    let rec = check_participant(&st, id, &caller.user).await?;
    Ok(axum::Json(view_json(&st, &rec, &caller)?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlIn {
    /// start, pause, resume, speed, jump or end.
    pub op: String,
    /// For `speed`: `real` or `xN`.
    #[serde(default)]
    pub speed: Option<String>,
    /// For `jump`: the scenario time to jump to, such as `2h` or `T+90min`.
    #[serde(default)]
    pub to: Option<String>,
}

fn require_director(l: &Live, caller: &Caller) -> Result<(), ApiError> {
    caller.require_any(&["duty_officer", "admin"])?;
    if l.team_as(&caller.user.org, Role::Director).is_some() {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only the exercise director's organisation controls the clock",
        ))
    }
}

fn clock_error(e: forewarn_exercise::ExerciseError) -> ApiError {
    ApiError::conflict(e.to_string())
}

/// `POST /api/exercises/{id}/control`.
pub async fn control(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    JsonBody(inp): JsonBody<ControlIn>,
) -> Result<axum::Json<Value>, ApiError> {
    check_participant(&st, id, &caller.user).await?;
    let live = live_of(&st, id)?;
    let kind = {
        let mut l = lock(&live);
        require_director(&l, &caller)?;
        let now = now_ms();
        let status = l.rec.status.clone();
        let running = matches!(status.as_str(), "running" | "paused");
        let bad =
            |what: &str| ApiError::conflict(format!("cannot {what} an exercise that is {status}"));
        match inp.op.as_str() {
            "start" => {
                if status != "planned" {
                    return Err(bad("start"));
                }
                let ex = Exercise::new(
                    l.plan.clone(),
                    l.hazards.clone(),
                    Options {
                        seed: l.rec.seed,
                        bots: l.rec.bots,
                        speed: Some(l.speed),
                        live_wall_ms: Some(now),
                        human_teams: l.human.clone(),
                    },
                )
                .map_err(internal)?;
                l.ex = Some(ex);
                l.rec.status = "running".into();
                l.rec.started_at = Some(now_ts());
                "exercise.started"
            }
            "pause" | "resume" | "speed" | "jump" | "end" if !running => {
                return Err(bad(&inp.op));
            }
            "pause" => {
                if let Some(ex) = l.ex.as_mut() {
                    ex.pause(Some(now)).map_err(clock_error)?;
                }
                l.rec.status = "paused".into();
                "exercise.paused"
            }
            "resume" => {
                if let Some(ex) = l.ex.as_mut() {
                    ex.resume(Some(now)).map_err(clock_error)?;
                }
                l.rec.status = "running".into();
                "exercise.resumed"
            }
            "speed" => {
                let s = inp
                    .speed
                    .as_deref()
                    .ok_or_else(|| ApiError::invalid("give speed", "speed"))?;
                let sp = Speed::parse(s).map_err(|e| ApiError::invalid(e, "speed"))?;
                if sp == Speed::Max {
                    return Err(ApiError::invalid("a live clock cannot run at max", "speed"));
                }
                if let Some(ex) = l.ex.as_mut() {
                    ex.set_speed(sp, Some(now));
                }
                l.rec.speed = sp.label();
                "exercise.speed"
            }
            "jump" => {
                let to = inp
                    .to
                    .as_deref()
                    .ok_or_else(|| ApiError::invalid("give to, such as 2h", "to"))?;
                let t =
                    forewarn_exercise::time::parse_duration_s(to.trim().trim_start_matches("T+"))
                        .map_err(|e| ApiError::invalid(e, "to"))?;
                if let Some(ex) = l.ex.as_mut() {
                    ex.jump_to(t, Some(now)).map_err(clock_error)?;
                }
                "exercise.jumped"
            }
            "end" => {
                if let Some(ex) = l.ex.as_mut() {
                    ex.tick(now);
                }
                l.rec.status = "ended".into();
                "exercise.ended"
            }
            other => {
                return Err(ApiError::invalid(
                    format!("unknown op '{other}' (start, pause, resume, speed, jump, end)"),
                    "op",
                ));
            }
        }
    };
    let ended = kind == "exercise.ended";
    sync(&st, &live, &caller.user.username, Some(kind), ended).await?;
    if kind == "exercise.started" {
        tokio::spawn(ticker(st.clone(), id));
    }
    let l = lock(&live);
    Ok(axum::Json(
        serde_json::to_value(view(&l, &caller)).map_err(internal)?,
    ))
}

/// Advances a running exercise with the wall clock until it ends.
async fn ticker(st: AppState, id: i64) {
    loop {
        tokio::time::sleep(TICK).await;
        let Some(live) = st.exercises.get(id) else {
            return;
        };
        let finished = {
            let mut l = lock(&live);
            if l.rec.status == "ended" {
                return;
            }
            if l.rec.status != "running" {
                continue;
            }
            let Some(ex) = l.ex.as_mut() else { continue };
            ex.tick(now_ms());
            let fin = ex.is_finished();
            if fin {
                l.rec.status = "ended".into();
            }
            fin
        };
        let kind = finished.then_some("exercise.ended");
        if let Err(e) = sync(&st, &live, "exercise-clock", kind, finished).await {
            tracing::warn!(exercise = id, error = %e.error, "exercise journal copy failed");
        }
        if finished {
            return;
        }
    }
}

/// A hazard that began: an exercise incident is due for a player team it reaches.
struct Onset {
    org: String,
    country: String,
    hazard: HazardResult,
}

/// Copies new exercise journal records to the store, creates exercise incidents at hazard
/// onsets, and with `kind` journals the exercise record's new state; with `end`, stores the
/// metrics and the after-action report. Writes nothing when there is nothing new.
async fn sync(
    st: &AppState,
    live: &Arc<Mutex<Live>>,
    actor: &str,
    kind: Option<&str>,
    end: bool,
) -> Result<(), ApiError> {
    let (entries, onsets, rec, report, plan) = {
        let mut l = lock(live);
        let mut entries = Vec::new();
        let mut onsets = Vec::new();
        let mut report = None;
        if let Some(ex) = l.ex.as_ref() {
            let new = &ex.journal()[l.forwarded..];
            for r in new {
                forward(&l, r, &mut entries, &mut onsets);
            }
            let (n, t_s) = (new.len(), ex.now_s());
            if end {
                let m = forewarn_exercise::metrics::evaluate(ex);
                let w = crate::runner::world().map_err(internal)?;
                let html = forewarn_exercise::aar::render(ex, &m, &w.region);
                let mj = serde_json::to_string_pretty(&m).map_err(internal)?;
                let totals = serde_json::to_value(ex.totals()).map_err(internal)?;
                report = Some((html, mj, totals));
            }
            l.forwarded += n;
            l.rec.t_s = t_s;
        }
        if let Some((_, _, totals)) = &report {
            l.rec.totals = Some(totals.clone());
            l.rec.ended_at = Some(now_ts());
            l.rec.report_url = Some(format!("/api/exercises/{}/report", l.rec.id));
        }
        if kind.is_some() {
            l.rec.updated_at = now_ts();
        }
        (entries, onsets, l.rec.clone(), report, l.plan.clone())
    };
    if entries.is_empty() && onsets.is_empty() && report.is_none() && kind.is_none() {
        return Ok(());
    }
    let mut senders = BTreeMap::new();
    for o in &onsets {
        if let Some(org) = st.store.org(&o.org).await? {
            senders.insert(o.org.clone(), org.cap_sender);
        }
    }
    let mut tx = st.store.begin_write().await?;
    for e in entries {
        tx.append(e).await?;
    }
    for o in onsets {
        let sender = senders
            .get(&o.org)
            .cloned()
            .unwrap_or_else(|| format!("{}@forewarn.example", o.org));
        hazard_incident(&mut tx, &plan, &rec, &o, &sender).await?;
    }
    if let Some((html, mj, _)) = &report {
        tx.put_document(ExerciseRec::TYPE, rec.id, "aar.html", html)
            .await?;
        tx.put_document(ExerciseRec::TYPE, rec.id, "metrics.json", mj)
            .await?;
    }
    if let Some(k) = kind {
        records::update(&mut tx, actor, k, &rec).await?;
    }
    tx.commit().await?;
    Ok(())
}

fn entry(rec: &ExerciseRec, org: &str, vis: Visibility, kind: &str, payload: Value) -> NewEntry {
    NewEntry {
        actor: "exercise".into(),
        org: org.to_string(),
        kind: kind.to_string(),
        record_type: ExerciseRec::TYPE.into(),
        record_id: rec.id,
        visibility: vis,
        party_org: None,
        payload,
        exercise_id: Some(rec.id),
    }
}

/// Store entries for one exercise journal record: injects and messages go to each recipient
/// team's organisation only (injects with their text in the team's language); hazard onsets
/// to every participant; the rest (consequences, bot actions, clock) to the director's
/// organisation.
fn forward(
    l: &Live,
    r: &forewarn_exercise::journal::Record,
    out: &mut Vec<NewEntry>,
    onsets: &mut Vec<Onset>,
) {
    let rec = &l.rec;
    let payload = serde_json::to_value(r).unwrap_or_default();
    let (to, kind, content) = match &r.body {
        Body::Inject { to, content, .. } => (to, "exercise.inject", Some(content)),
        Body::Message { to, .. } => (to, "exercise.message", None),
        Body::Hazard {
            hazard, countries, ..
        } => {
            out.push(entry(
                rec,
                &rec.org,
                Visibility::Regional,
                "exercise.hazard",
                payload,
            ));
            let Some(h) = l.hazards.get(hazard) else {
                return;
            };
            for t in rec
                .teams
                .iter()
                .filter(|t| t.role == Role::Player && t.human)
            {
                if let Some(c) = l.plan.team_country.get(&t.id)
                    && countries.contains(c)
                {
                    onsets.push(Onset {
                        org: t.org.clone(),
                        country: c.clone(),
                        hazard: h.clone(),
                    });
                }
            }
            return;
        }
        _ => {
            let kind = format!(
                "exercise.{}",
                payload
                    .get("type")
                    .and_then(|v| v.as_str())
                    .unwrap_or("record")
            );
            out.push(entry(rec, &rec.org, Visibility::OwnOrg, &kind, payload));
            return;
        }
    };
    for team in to {
        let Some(t) = rec.teams.iter().find(|t| &t.id == team) else {
            continue;
        };
        let mut p = payload.clone();
        p["team"] = json!(team);
        if let Some(content) = content {
            p["text"] = json!(forewarn_exercise::def::text_in(content, &t.language));
        }
        out.push(entry(rec, &t.org, Visibility::OwnOrg, kind, p));
    }
}

/// At a hazard's onset, an exercise incident for a player team whose country it reaches:
/// the footprint and the settlements at risk as layers, and a CAP proposal (status Exercise)
/// for the alert composer.
async fn hazard_incident(
    tx: &mut forewarn_store::WriteTx,
    plan: &Plan,
    rec: &ExerciseRec,
    onset: &Onset,
    sender: &str,
) -> Result<(), ApiError> {
    let (h, org, country) = (&onset.hazard, onset.org.as_str(), onset.country.as_str());
    let cfg = forewarn_cap::WarningConfig::embedded().map_err(internal)?;
    let langs = forewarn_exercise::cap_out::cap_languages(&plan.def.exercise.languages, &cfg);
    let sent = forewarn_cap::CapTime(plan.start).plus_seconds(h.onset_s.max(0));
    // A country the hazard barely touches may have nothing to warn about: no proposal then.
    let proposal =
        forewarn_exercise::cap_out::exercise_alert(h, Some(country), sent, sender, langs, &cfg)
            .ok();
    let is_quake = matches!(h.kind, HazardKind::Earthquake | HazardKind::Aftershock);
    let footprint: Vec<Value> = h
        .footprint
        .iter()
        .map(|ring| {
            let mut props = json!({"label": if is_quake { "MMI >= VI" } else { "depth >= 0.1 m" },
                "color": if is_quake { "#ff9a00" } else { "#3c8dff" }});
            if is_quake {
                props["mmi"] = json!(6);
            }
            json!({"type": "Feature", "properties": props,
                "geometry": {"type": "Polygon", "coordinates": [ring]}})
        })
        .collect();
    let settlements: Vec<Value> = h
        .units
        .iter()
        .map(|u| {
            json!({"type": "Feature",
                "properties": {"name": u.name, "country": u.country, "population": u.people.round(),
                    "mmi": u.mmi, "depth_m": u.depth_m,
                    "impact": forewarn_exercise::time::label(u.impact_s)},
                "geometry": {"type": "Point", "coordinates": [u.lon, u.lat]}})
        })
        .collect();
    let now = now_ts();
    let mut layers = vec!["mmi_contours".to_string(), "settlements".to_string()];
    if proposal.is_some() {
        layers.push(CAP_PROPOSAL.to_string());
    }
    let inc = Incident {
        id: next_id::<Incident>(tx).await?,
        org: org.to_string(),
        visibility: Visibility::Regional,
        title: format!("EXERCISE: {}", h.name),
        hazard: if is_quake { "earthquake" } else { "flood" }.into(),
        status: "complete".into(),
        quake: None,
        progress: None,
        summary: Some(
            json!({"people_at_risk": h.people_at_risk().round(), "countries": h.countries(),
            "max_mmi": h.max_mmi, "peak_depth_m": h.peak_depth_m, "note": h.engine_note}),
        ),
        alert_level: Some(h.alert_level.clone()),
        error: None,
        layers,
        created_by: "exercise".into(),
        created_at: now.clone(),
        updated_at: now,
        exercise_id: Some(rec.id),
        exercise_hazard: Some(h.id.clone()),
    };
    records::insert(tx, "exercise", "incident.created", &inc).await?;
    tx.put_layer(
        inc.id,
        "mmi_contours",
        &json!({"type": "FeatureCollection", "name": "footprint", "features": footprint})
            .to_string(),
    )
    .await?;
    tx.put_layer(
        inc.id,
        "settlements",
        &json!({"type": "FeatureCollection", "name": "settlements", "features": settlements})
            .to_string(),
    )
    .await?;
    if let Some(p) = proposal {
        tx.put_layer(inc.id, CAP_PROPOSAL, &p.xml).await?;
    }
    Ok(())
}

/// `action` by the team with `role` that `org` plays in exercise `id`, at the current
/// scenario time. Returns the exercise's id for what was created (requests).
fn apply_as(
    st: &AppState,
    id: i64,
    org: &str,
    role: Role,
    action: Action,
) -> Result<Option<String>, ApiError> {
    let live = live_of(st, id)?;
    let mut l = lock(&live);
    if !matches!(l.rec.status.as_str(), "running" | "paused") {
        return Err(ApiError::conflict(format!(
            "exercise {id} is {}",
            l.rec.status
        )));
    }
    let team = l.team_as(org, role).map(|t| t.id.clone()).ok_or_else(|| {
        ApiError::forbidden(format!(
            "your organisation plays no {role:?} team in this exercise"
        ))
    })?;
    let Some(ex) = l.ex.as_mut() else {
        return Err(ApiError::conflict(format!("exercise {id} has not started")));
    };
    ex.tick(now_ms());
    ex.apply(&team, action)
        .map_err(|e| ApiError::conflict(e.to_string()))
}

/// A player's action through the normal endpoints, fed to the consequence model. Returns the
/// exercise's id for what was created (requests). Outside an exercise: nothing.
pub fn act(st: &AppState, caller: &Caller, action: Action) -> Result<Option<String>, ApiError> {
    match caller.exercise {
        Some(id) => apply_as(st, id, &caller.user.org, Role::Player, action),
        None => Ok(None),
    }
}

/// The hazard an exercise alert warns of: the incident's, else the latest one that has begun
/// and reaches the team's country.
pub fn warning_hazard(
    st: &AppState,
    caller: &Caller,
    incident_hazard: Option<String>,
) -> Option<String> {
    if incident_hazard.is_some() {
        return incident_hazard;
    }
    let live = st.exercises.get(caller.exercise?)?;
    let l = lock(&live);
    let team = l.team_as(&caller.user.org, Role::Player)?.id.clone();
    let country = l.plan.team_country.get(&team)?.clone();
    let now = l.ex.as_ref()?.now_s();
    l.hazards
        .hazards
        .iter()
        .filter(|h| h.onset_s <= now && h.countries().contains(&country))
        .max_by_key(|h| h.onset_s)
        .map(|h| h.id.clone())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InjectOut {
    pub inject: String,
    pub t_s: i64,
    pub scenario_time: String,
    pub from: String,
    #[schema(value_type = String)]
    pub channel: Channel,
    pub content: String,
    pub expected_action: Option<String>,
    pub acknowledged: bool,
    pub team: String,
}

/// `GET /api/exercises/{id}/injects`: the injects delivered to the caller's teams.
pub async fn injects(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<Value>, ApiError> {
    check_participant(&st, id, &caller.user).await?;
    let live = live_of(&st, id)?;
    let l = lock(&live);
    let mut items = Vec::new();
    if let Some(ex) = &l.ex {
        for t in l.teams_of(&caller.user.org) {
            for (d, acked) in ex.delivered_injects(&t.id) {
                items.push(InjectOut {
                    scenario_time: forewarn_exercise::time::scenario_time(&l.plan.start, d.t_s),
                    inject: d.inject,
                    t_s: d.t_s,
                    from: d.from,
                    channel: d.channel,
                    content: d.content,
                    expected_action: d.expected_action,
                    acknowledged: acked,
                    team: t.id.clone(),
                });
            }
        }
    }
    items.sort_by(|a, b| b.t_s.cmp(&a.t_s).then(b.inject.cmp(&a.inject)));
    Ok(axum::Json(json!({ "items": items })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AckIn {
    pub inject: String,
}

/// `POST /api/exercises/{id}/acknowledge`.
pub async fn acknowledge(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    JsonBody(inp): JsonBody<AckIn>,
) -> Result<axum::Json<Value>, ApiError> {
    caller.require_any(&["duty_officer", "admin", "approver"])?;
    check_participant(&st, id, &caller.user).await?;
    let ack = Action::Acknowledge { inject: inp.inject };
    apply_as(&st, id, &caller.user.org, Role::Player, ack).map_err(|mut e| {
        e.field = Some("inject".into());
        e
    })?;
    Ok(axum::Json(json!({"acknowledged": true})))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingIn {
    pub objective: String,
    /// P, S, M or U (HSEEP).
    #[schema(value_type = String)]
    pub rating: Rating,
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /api/exercises/{id}/ratings`: an evaluator rates an objective.
pub async fn rate(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    JsonBody(inp): JsonBody<RatingIn>,
) -> Result<axum::Json<Value>, ApiError> {
    caller.require_any(&["duty_officer", "admin", "approver"])?;
    check_participant(&st, id, &caller.user).await?;
    let live = live_of(&st, id)?;
    if !lock(&live)
        .rec
        .objectives
        .iter()
        .any(|o| o.id == inp.objective)
    {
        return Err(ApiError::invalid(
            format!("no objective '{}'", inp.objective),
            "objective",
        ));
    }
    if inp.note.as_ref().is_some_and(|n| n.len() > 2000) {
        return Err(ApiError::invalid("note is too long", "note"));
    }
    let rating = Action::Rate {
        objective: inp.objective.clone(),
        rating: inp.rating,
        note: inp.note.clone(),
    };
    apply_as(&st, id, &caller.user.org, Role::Evaluator, rating)?;
    sync(&st, &live, &caller.user.username, None, false).await?;
    Ok(axum::Json(
        json!({"objective": inp.objective, "rating": inp.rating.letter()}),
    ))
}

async fn document(
    st: &AppState,
    caller: &Caller,
    id: i64,
    name: &str,
    content_type: &'static str,
) -> Result<Response, ApiError> {
    check_participant(st, id, &caller.user).await?;
    let Some(body) = st.store.get_document(ExerciseRec::TYPE, id, name).await? else {
        return Err(ApiError::conflict(format!(
            "exercise {id} has no {name} yet: it is written when the exercise ends"
        )));
    };
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(r)
}

/// `GET /api/exercises/{id}/report`: the after-action report (HTML, self-contained).
pub async fn report(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    document(&st, &caller, id, "aar.html", "text/html; charset=utf-8").await
}

/// `GET /api/exercises/{id}/metrics`.
pub async fn metrics(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    document(&st, &caller, id, "metrics.json", "application/json").await
}

/// Marks exercises left planned, running or paused by a previous process as interrupted.
pub async fn interrupt_stale(st: &AppState) -> Result<(), ApiError> {
    for mut rec in exercise_records(st).await? {
        if !matches!(rec.status.as_str(), "planned" | "running" | "paused") {
            continue;
        }
        rec.status = "interrupted".into();
        rec.updated_at = now_ts();
        let mut tx = st.store.begin_write().await?;
        records::update(&mut tx, "server", "exercise.interrupted", &rec).await?;
        tx.commit().await?;
    }
    Ok(())
}
