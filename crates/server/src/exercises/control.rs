//! Changing a live exercise: the director's clock control, the ticker that advances a running
//! exercise with the wall clock, and [`change`], the one path every change takes (copy the
//! state, change the copy, commit what it produced, then replace the state in memory).

use super::lifecycle::{ExerciseOp, ExerciseStatus};
use super::replay::{Input, InputOp, StartWith};
use super::{ExerciseRec, Held, Live, internal, lock};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Caller, JsonBody};
use crate::incidents::{CAP_PROPOSAL, Incident, IncidentHazard, IncidentStatus};
use crate::records::{self, Stored, next_id};
use axum::extract::{Path, State};
use forewarn_exercise::def::{FeedStatus, HazardKind, Role};
use forewarn_exercise::hazards::HazardResult;
use forewarn_exercise::journal::Body;
use forewarn_exercise::{Exercise, HazardSet, Plan, Speed};
use forewarn_store::{NewEntry, UserRole, Visibility, now_ts};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

/// How often a running exercise's clock is advanced.
const TICK: Duration = Duration::from_millis(250);

pub(super) use forewarn_store::now_ms;

/// The copy of an exercise's state a change works on.
pub(super) struct Staged {
    pub rec: ExerciseRec,
    pub ex: Option<Exercise>,
    forwarded: usize,
    pub plan: Arc<Plan>,
    pub hazards: Arc<HazardSet>,
    pub human: BTreeSet<String>,
    pub speed: Speed,
    /// The number reserved for this change's input (replay.rs), taken when the copy was made:
    /// player actions that arrive during the change come after it.
    pub input_n: u64,
    /// The input this change applied, journaled with it.
    pub input: Option<Input>,
}

impl Staged {
    /// Applies `op` at wall time `wall_ms` as this change's input (journaled with it).
    pub fn apply_input(
        &mut self,
        op: InputOp,
        wall_ms: i64,
    ) -> Result<Option<String>, forewarn_exercise::ExerciseError> {
        let input = Input {
            n: self.input_n,
            wall_ms,
            op,
        };
        let start = StartWith::new(
            &self.rec,
            &self.plan,
            &self.hazards,
            self.speed,
            &self.human,
        );
        let r = input.apply(&mut self.ex, &start);
        // A refused action is journaled by the state machine too: its input is kept.
        if r.is_ok() || matches!(input.op, InputOp::Act { .. }) {
            self.input = Some(input);
        }
        r
    }
}

/// What a change asks to journal: the exercise record's new state (`kind`), and with `end`
/// the metrics and the after-action report.
pub(super) struct Outcome<T> {
    pub kind: Option<&'static str>,
    pub end: bool,
    pub value: T,
}

impl<T> Outcome<T> {
    pub fn quiet(value: T) -> Outcome<T> {
        Outcome {
            kind: None,
            end: false,
            value,
        }
    }
}

/// Applies `op` to a copy of exercise `held`'s state, commits the exercise journal records it
/// produced (with the exercise incidents of hazard onsets, the exercise record's new state,
/// and at the end the metrics and the report), and only then replaces the state in memory.
/// When `op` or the commit fails, the state in memory is unchanged. Changes of one exercise
/// run one at a time; player actions that arrive meanwhile ([`super::act`]) are applied to
/// the state in memory at once and replayed on the copy before it replaces it.
pub(super) async fn change<T>(
    st: &AppState,
    held: &Held,
    actor: &str,
    op: impl FnOnce(&mut Staged) -> Result<Outcome<T>, ApiError>,
) -> Result<T, ApiError> {
    let _writer = held.writer.lock().await;
    let mut sg = {
        let mut l = lock(held);
        l.acts_during_change = Some(Vec::new());
        let input_n = l.take_input_number();
        Staged {
            rec: l.rec.clone(),
            ex: l.ex.clone(),
            forwarded: l.forwarded,
            plan: l.plan.clone(),
            hazards: l.hazards.clone(),
            human: l.human.clone(),
            speed: l.speed,
            input_n,
            input: None,
        }
    };
    let result = match op(&mut sg) {
        Ok(o) => commit(st, &mut sg, actor, o.kind, o.end)
            .await
            .map(|_| o.value),
        Err(e) => Err(e),
    };
    let id = sg.rec.id;
    let ended = {
        let mut l = lock(held);
        apply_staged(&mut l, sg, result.is_ok());
        l.rec.status == ExerciseStatus::Ended
    };
    if ended {
        st.exercises.retire(id);
    }
    result
}

/// Replaces the state in memory by the committed copy (when `committed`), replaying the player
/// actions that arrived during the change.
fn apply_staged(l: &mut Live, mut sg: Staged, committed: bool) {
    let acts = l.acts_during_change.take().unwrap_or_default();
    if committed {
        let start = StartWith::new(&sg.rec, &sg.plan, &sg.hazards, sg.speed, &sg.human);
        for a in acts {
            if let Err(e) = a.input.apply(&mut sg.ex, &start) {
                tracing::warn!(exercise = sg.rec.id, error = %e, "a player action could not be replayed");
            }
        }
        l.rec = sg.rec;
        l.ex = sg.ex;
        l.forwarded = sg.forwarded;
    }
}

/// Journals what the staged copy produced since the last commit; the expensive parts (the
/// report) are built here, outside the state's lock.
async fn commit(
    st: &AppState,
    sg: &mut Staged,
    actor: &str,
    kind: Option<&str>,
    end: bool,
) -> Result<(), ApiError> {
    let mut entries = Vec::new();
    let mut onsets = Vec::new();
    let mut feeds = Vec::new();
    let mut report = None;
    if let Some(ex) = sg.ex.as_ref() {
        let new = &ex.journal()[sg.forwarded..];
        for r in new {
            forward(sg, r, &mut entries, &mut onsets, &mut feeds);
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
        sg.forwarded += n;
        sg.rec.t_s = t_s;
    }
    if let Some((_, _, totals)) = &report {
        sg.rec.totals = Some(totals.clone());
        sg.rec.ended_at = Some(now_ts());
        sg.rec.report_url = Some(format!("/api/exercises/{}/report", sg.rec.id));
    }
    if kind.is_some() {
        sg.rec.updated_at = now_ts();
    }
    if entries.is_empty()
        && onsets.is_empty()
        && report.is_none()
        && kind.is_none()
        && sg.input.is_none()
    {
        return Ok(());
    }
    let mut senders = BTreeMap::new();
    for o in &onsets {
        if let Some(org) = st.store.org(&o.org).await? {
            senders.insert(o.org.clone(), org.cap_sender);
        }
    }
    let mut tx = st.store.begin_write().await?;
    // Fenced: only the exercise's node writes for it. Another node that took it over (this
    // one was cut off longer than its heartbeat) rebuilt it from what was journaled until its
    // claim; this node's copy is stale from then on and is dropped. (One process writes a
    // SQLite file: nothing to fence there.)
    let holder = if st.store.backend() == forewarn_store::Backend::Postgres {
        match tx.get_record(ExerciseRec::TYPE, sg.rec.id).await? {
            Some(r) => records::from_record::<ExerciseRec>(&r)?.node,
            None => None,
        }
    } else {
        sg.rec.node.clone()
    };
    if holder != sg.rec.node {
        drop(tx);
        st.exercises.forget(sg.rec.id);
        return Err(ApiError::conflict(format!(
            "exercise {} is held by another server node now",
            sg.rec.id
        )));
    }
    if let Some(i) = &sg.input {
        tx.append(i.entry(&sg.rec, actor)).await?;
    }
    for e in entries {
        tx.append(e).await?;
    }
    for o in onsets {
        let sender = senders
            .get(&o.org)
            .cloned()
            .unwrap_or_else(|| format!("{}@forewarn.example", o.org));
        hazard_incident(&mut tx, &sg.plan, &sg.rec, &o, &sender).await?;
    }
    if let Some((html, mj, _)) = &report {
        tx.put_document(ExerciseRec::TYPE, sg.rec.id, "aar.html", html)
            .await?;
        tx.put_document(ExerciseRec::TYPE, sg.rec.id, "metrics.json", mj)
            .await?;
    }
    if let Some(k) = kind {
        records::update(&mut tx, actor, k, &sg.rec).await?;
    }
    tx.commit().await?;
    if !feeds.is_empty() {
        feed_the_watch(st, &sg.rec, feeds);
    }
    if end {
        crate::watch::act::forget_exercise(st, sg.rec.id).await;
    }
    Ok(())
}

/// Hands the exercise feed's reports to the watch, in order, off the exercise's lock: they
/// reach the human player organisations whose rules they pass, as automatic incidents inside
/// the exercise.
fn feed_the_watch(st: &AppState, rec: &ExerciseRec, reports: Vec<forewarn_watch::QuakeReport>) {
    let mut orgs: Vec<String> = rec
        .teams
        .iter()
        .filter(|t| t.role == Role::Player && t.human)
        .map(|t| t.org.clone())
        .collect();
    orgs.sort();
    orgs.dedup();
    let (st, id) = (st.clone(), rec.id);
    tokio::spawn(async move {
        for r in reports {
            let event = r.event_id.clone();
            if let Err(e) = crate::watch::act::take_exercise_report(&st, id, &orgs, r).await {
                tracing::error!(exercise = id, event, "exercise feed: {}", e.error);
            }
        }
    });
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
    caller.require_any(&[UserRole::DutyOfficer, UserRole::Admin])?;
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

/// Applies clock operation `op` (with the fields of `inp` it needs) to the staged exercise at
/// wall time `now`; the state change is [`ExerciseStatus::after`]'s.
fn clock_op(sg: &mut Staged, op: ExerciseOp, inp: &ControlIn, now: i64) -> Result<(), ApiError> {
    let next = sg.rec.status.after(op)?;
    let input = match op {
        ExerciseOp::Start => Some(InputOp::Start),
        ExerciseOp::Pause => Some(InputOp::Pause),
        ExerciseOp::Resume => Some(InputOp::Resume),
        ExerciseOp::Speed => {
            let s = inp
                .speed
                .as_deref()
                .ok_or_else(|| ApiError::invalid("give speed", "speed"))?;
            let sp = Speed::parse(s).map_err(|e| ApiError::invalid(e, "speed"))?;
            if sp == Speed::Max {
                return Err(ApiError::invalid("a live clock cannot run at max", "speed"));
            }
            sg.rec.speed = sp.label();
            Some(InputOp::Speed { speed: sp.label() })
        }
        ExerciseOp::Jump => {
            let to = inp
                .to
                .as_deref()
                .ok_or_else(|| ApiError::invalid("give to, such as 2h", "to"))?;
            let t = forewarn_exercise::time::parse_duration_s(to.trim().trim_start_matches("T+"))
                .map_err(|e| ApiError::invalid(e, "to"))?;
            Some(InputOp::Jump { to_s: t })
        }
        ExerciseOp::End => Some(InputOp::End),
        // Not a clock operation (`parse_control` never gives it), and refused for a live
        // exercise by the table above.
        ExerciseOp::Interrupt => None,
    };
    // Before the start there is no clock to change (the record's speed changed above).
    if let Some(i) = input
        && (sg.ex.is_some() || matches!(i, InputOp::Start))
    {
        let start = matches!(i, InputOp::Start);
        sg.apply_input(i, now)
            .map_err(|e| if start { internal(e) } else { clock_error(e) })?;
        if start {
            sg.rec.started_at = Some(now_ts());
        }
    }
    sg.rec.status = next;
    Ok(())
}

/// `POST /api/exercises/{id}/control`.
pub async fn control(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    JsonBody(inp): JsonBody<ControlIn>,
) -> Result<axum::Json<Value>, ApiError> {
    super::check_participant(&st, id, &caller.user).await?;
    let held = super::live_of(&st, id)?;
    require_director(&lock(&held), &caller)?;
    let op = ExerciseOp::parse_control(&inp.op)?;
    change(&st, &held, &caller.user.username, |sg| {
        clock_op(sg, op, &inp, now_ms())?;
        Ok(Outcome {
            kind: Some(op.journal_kind()),
            end: op == ExerciseOp::End,
            value: (),
        })
    })
    .await?;
    if op == ExerciseOp::Start {
        start_clock(&st, id);
    }
    let l = lock(&held);
    Ok(axum::Json(
        serde_json::to_value(super::views::view(&l, &caller)).map_err(internal)?,
    ))
}

/// Starts advancing exercise `id` with the wall clock (at its start, or when this node
/// resumed it).
pub(super) fn start_clock(st: &AppState, id: i64) {
    tokio::spawn(ticker(st.clone(), id));
}

/// Advances a running exercise with the wall clock until it ends.
async fn ticker(st: AppState, id: i64) {
    loop {
        tokio::time::sleep(TICK).await;
        let Some(held) = st.exercises.get(id) else {
            return;
        };
        match lock(&held).rec.status {
            ExerciseStatus::Ended => return,
            ExerciseStatus::Running => {}
            _ => continue,
        }
        let r = change(&st, &held, "exercise-clock", |sg| {
            if sg.rec.status != ExerciseStatus::Running {
                return Ok(Outcome::quiet(sg.rec.status == ExerciseStatus::Ended));
            }
            let Some(ex) = sg.ex.as_mut() else {
                return Ok(Outcome::quiet(false));
            };
            ex.tick(now_ms());
            if ex.is_finished() {
                sg.rec.status = sg.rec.status.after(ExerciseOp::End)?;
                return Ok(Outcome {
                    kind: Some(ExerciseOp::End.journal_kind()),
                    end: true,
                    value: true,
                });
            }
            Ok(Outcome::quiet(false))
        })
        .await;
        match r {
            Ok(true) => return,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(exercise = id, error = %e.error, "exercise journal copy failed")
            }
        }
    }
}

/// A hazard that began: an exercise incident is due for a player team it reaches.
struct Onset {
    org: String,
    country: String,
    hazard: HazardResult,
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
/// A report of the exercise's feed as the watch reads reports; `None` for another record.
fn feed_report(
    plan: &Plan,
    r: &forewarn_exercise::journal::Record,
) -> Option<forewarn_watch::QuakeReport> {
    let Body::Feed {
        feed,
        agency,
        event_id,
        origin_time,
        lat,
        lon,
        depth_km,
        mag,
        status,
        place,
    } = &r.body
    else {
        return None;
    };
    let origin_time_ms = chrono::DateTime::parse_from_rfc3339(origin_time)
        .ok()?
        .timestamp_millis();
    let published_ms = plan.start.timestamp_millis() + r.t_s * 1000;
    Some(forewarn_watch::QuakeReport {
        source: format!("exercise feed ({feed})"),
        agency: agency.to_ascii_lowercase(),
        event_id: event_id.clone(),
        other_ids: vec![],
        origin_time_ms,
        updated_ms: Some(published_ms),
        lat: *lat,
        lon: *lon,
        depth_km: *depth_km,
        mag: *mag,
        mag_type: Some("Mw".into()),
        status: match status {
            FeedStatus::Automatic => forewarn_watch::ReportStatus::Automatic,
            FeedStatus::Reviewed => forewarn_watch::ReportStatus::Reviewed,
            FeedStatus::Deleted => forewarn_watch::ReportStatus::Deleted,
        },
        place: place.clone(),
    })
}

fn forward(
    sg: &Staged,
    r: &forewarn_exercise::journal::Record,
    out: &mut Vec<NewEntry>,
    onsets: &mut Vec<Onset>,
    feeds: &mut Vec<forewarn_watch::QuakeReport>,
) {
    let rec = &sg.rec;
    let payload = serde_json::to_value(r).unwrap_or_default();
    if let Some(report) = feed_report(&sg.plan, r) {
        // Every participant's log shows the report; the watch takes it after the commit.
        out.push(entry(
            rec,
            &rec.org,
            Visibility::Regional,
            "exercise.feed",
            payload,
        ));
        feeds.push(report);
        return;
    }
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
            let Some(h) = sg.hazards.get(hazard) else {
                return;
            };
            for t in rec
                .teams
                .iter()
                .filter(|t| t.role == Role::Player && t.human)
            {
                if let Some(c) = sg.plan.team_country.get(&t.id)
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
        hazard: if is_quake {
            IncidentHazard::Earthquake
        } else {
            IncidentHazard::Flood
        },
        status: IncidentStatus::Complete,
        quake: None,
        flood: None,
        progress: None,
        started_at: None,
        queue_position: None,
        summary: Some(
            json!({"people_at_risk": h.people_at_risk().round(), "countries": h.countries(),
            "max_mmi": h.max_mmi, "peak_depth_m": h.peak_depth_m, "epicentre": h.epicentre,
            "note": h.engine_note}),
        ),
        alert_level: Some(h.alert_level.clone()),
        error: None,
        layers,
        created_by: "exercise".into(),
        created_at: now.clone(),
        updated_at: now,
        exercise_id: Some(rec.id),
        exercise_hazard: Some(h.id.clone()),
        origin: crate::incidents::Origin::Manual,
        source_event_ids: vec![],
        watch: None,
        node: None,
        takeovers: 0,
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
