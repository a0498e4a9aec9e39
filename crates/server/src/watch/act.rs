//! Acting on what the sources say: an associated event that passes an organisation's rules
//! becomes an automatic incident (journaled like a manual one) with a quake run on the fair
//! pool; a revision re-runs it; a deletion drafts a Cancel (drafts.rs). Incoming CAP warnings
//! whose area touches an organisation's area of interest are recorded for it
//! (`incoming_warning.received` in its activity log); gauge crossings are logged and kept in
//! the source's health.
//!
//! A watched source feeds the real scope only; a live exercise's feed (its plan's `[[feed]]`
//! reports) goes through the same association, rules, incidents, runs and drafts inside the
//! exercise ([`Scope::Exercise`]: its own associator, links and `exercise_id`), so exercise
//! items never reach real incidents and real items never reach an exercise.

use super::{WATCH_ACTOR, WatchLink, WatchService};
use crate::AppState;
use crate::error::ApiError;
use crate::incidents::{Incident, IncidentAction, IncidentStatus, Origin, QuakeParams};
use crate::records::{self, next_id};
use forewarn_store::{Visibility, WatchEventRow, now_ts};
use forewarn_watch::cap_atom::{self, IncomingWarning};
use forewarn_watch::gauge::{GaugeThresholds, first_crossing};
use forewarn_watch::{ChangeKind, GaugeReading, QuakeReport, SourceConfig, WatchEvent};
use serde::{Deserialize, Serialize};

/// The quake run's parameters for a report: a point source (the engine builds a finite
/// rupture from magnitude scaling and the regime's default mechanism; the run's summary says
/// which in `rupture.geometry_source`), median shaking only, the default model set.
pub fn params_of(r: &QuakeReport) -> QuakeParams {
    QuakeParams {
        lat: r.lat,
        lon: r.lon,
        // Catalogue depths above sea level (negative) run at the surface.
        depth_km: r.depth_km.clamp(0.0, 700.0),
        mag: r.mag.clamp(4.0, 9.5),
        strike_deg: None,
        dip_deg: None,
        rake_deg: None,
        gmpe: None,
        realizations: Some(0),
        seed: Some(42),
        origin_time: chrono::DateTime::from_timestamp_millis(r.origin_time_ms)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    }
}

fn title_of(r: &QuakeReport) -> String {
    let place = r.place.as_deref().unwrap_or("");
    let t = format!(
        "Automatic: M{:.1} earthquake{}{} ({})",
        r.mag,
        if place.is_empty() { "" } else { ", " },
        place,
        r.event_id
    );
    t.chars().take(200).collect()
}

/// Where the automatic incidents of an event belong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The real world: a watched source.
    Real,
    /// A live exercise: its feed.
    Exercise(i64),
}

impl Scope {
    /// The key of the event's links to incidents (an exercise's own, apart from real ones).
    fn link_key(self, event_key: &str) -> String {
        match self {
            Scope::Real => event_key.to_string(),
            Scope::Exercise(x) => format!("exercise-{x}/{event_key}"),
        }
    }
    /// An automatic incident's title (marked inside an exercise).
    fn title(self, r: &QuakeReport) -> String {
        match self {
            Scope::Real => title_of(r),
            Scope::Exercise(_) => format!("EXERCISE: {}", title_of(r)),
        }
    }
    fn exercise_id(self) -> Option<i64> {
        match self {
            Scope::Real => None,
            Scope::Exercise(x) => Some(x),
        }
    }
}

/// Takes one report: association, then incidents. `Ok(true)` when it was new or changed
/// something.
pub async fn take_report(
    st: &AppState,
    svc: &WatchService,
    r: QuakeReport,
) -> Result<bool, String> {
    // One report at a time: association and the incidents it makes stay in step.
    let mut assoc = svc.assoc.lock().await;
    ingest_and_act(st, &mut assoc, &svc.orgs(), r, Scope::Real)
        .await
        .map_err(|e| e.error)
}

/// Associates `r` and acts on the change for the organisations of `orgs`; `Ok(true)` when the
/// report was new or changed something.
async fn ingest_and_act(
    st: &AppState,
    assoc: &mut forewarn_watch::Associator,
    orgs: &[super::OrgWatch],
    r: QuakeReport,
    scope: Scope,
) -> Result<bool, ApiError> {
    let change = assoc.ingest(r);
    if change.kind == ChangeKind::Unchanged {
        return Ok(false);
    }
    let Some(ev) = change.event else {
        return Ok(false);
    };
    let cfg = assoc.cfg.clone();
    act_on(st, orgs, &cfg, change.kind, &ev, scope).await?;
    Ok(true)
}

/// Takes a report of live exercise `exercise_id`'s feed: association among that exercise's
/// reports (the watch's windows and agency order when a watch runs), then automatic incidents
/// inside the exercise for those of `orgs` (its human player organisations) whose rules in
/// force it passes (watch/rules_api.rs `in_force`).
pub async fn take_exercise_report(
    st: &AppState,
    exercise_id: i64,
    orgs: &[String],
    r: QuakeReport,
) -> Result<bool, ApiError> {
    let mut rules = Vec::new();
    for o in orgs {
        if let Some(w) = super::rules_api::in_force(st, o).await? {
            rules.push(w);
        }
    }
    let mut feeds = st.exercise_feeds.lock().await;
    let assoc = feeds.entry(exercise_id).or_insert_with(|| {
        let cfg = st
            .watch
            .get()
            .map(|w| w.config.association.clone())
            .unwrap_or_default();
        forewarn_watch::Associator::new(cfg, Vec::new())
    });
    ingest_and_act(st, assoc, &rules, r, Scope::Exercise(exercise_id)).await
}

/// Forgets an ended exercise's feed association.
pub async fn forget_exercise(st: &AppState, exercise_id: i64) {
    st.exercise_feeds.lock().await.remove(&exercise_id);
}

async fn act_on(
    st: &AppState,
    orgs: &[super::OrgWatch],
    cfg: &forewarn_watch::AssocConfig,
    kind: ChangeKind,
    ev: &WatchEvent,
    scope: Scope,
) -> Result<(), ApiError> {
    let preferred = ev.preferred(cfg).cloned();
    let ids = ev.source_event_ids();
    let mut to_start: Vec<Incident> = Vec::new();
    let mut to_cancel: Vec<i64> = Vec::new();
    let mut tx = st.store.begin_write().await?;
    let origin_time = preferred
        .as_ref()
        .or(ev.reports.first())
        .map(|r| forewarn_watch::time::format_ms(r.origin_time_ms))
        .unwrap_or_default();
    // Real events are kept for the next start; an exercise's live with the exercise.
    if scope == Scope::Real {
        tx.put_watch_event(&WatchEventRow {
            event_key: ev.key.clone(),
            origin_time,
            data: serde_json::to_value(ev).unwrap_or_default(),
        })
        .await?;
    }
    let link_key = scope.link_key(&ev.key);
    for o in orgs {
        let org = o.rules.org.as_str();
        let link = tx.watch_link(&link_key, org).await?;
        match (kind, link, &preferred) {
            (ChangeKind::Deleted, Some(id), _) => {
                let Some(rec) = tx.get_record("incident", id).await? else {
                    continue;
                };
                let mut inc: Incident = records::from_record(&rec)?;
                if let Some(w) = inc.watch.as_mut() {
                    w.deleted = true;
                }
                inc.updated_at = now_ts();
                records::update(&mut tx, WATCH_ACTOR, "incident.source_deleted", &inc).await?;
                // A run in progress finishes; its result drafts nothing (the event is deleted).
                super::drafts::on_deleted(st, &mut tx, &inc).await?;
            }
            (ChangeKind::Deleted, None, _) | (_, _, None) => {}
            (_, None, Some(p)) => {
                let d = o.rules.evaluate(p);
                if !d.passes() {
                    tracing::debug!(org, event = %ev.key, "watch: event does not concern {org}: {d:?}");
                    continue;
                }
                let title = scope.title(p);
                let inc = Incident {
                    origin: Origin::Auto,
                    exercise_id: scope.exercise_id(),
                    source_event_ids: ids.clone(),
                    watch: Some(WatchLink {
                        event_key: ev.key.clone(),
                        preferred: p.clone(),
                        runs: 1,
                        assessed: None,
                        deleted: false,
                    }),
                    ..Incident::new_quake_run(
                        next_id::<Incident>(&mut tx).await?,
                        org,
                        Visibility::OwnOrg,
                        title,
                        params_of(p),
                        WATCH_ACTOR,
                    )
                };
                records::insert(&mut tx, WATCH_ACTOR, "incident.created", &inc).await?;
                crate::jobs::queue(&mut tx, &inc).await?;
                tx.put_watch_link(&link_key, org, inc.id).await?;
                tracing::info!(org, incident = inc.id, event = %ev.key, "watch: automatic incident");
                to_start.push(inc);
            }
            (_, Some(id), Some(p)) => {
                let Some(rec) = tx.get_record("incident", id).await? else {
                    continue;
                };
                let mut inc: Incident = records::from_record(&rec)?;
                if inc.status == IncidentStatus::Closed {
                    continue;
                }
                let rerun =
                    kind == ChangeKind::Revised || inc.watch.as_ref().is_some_and(|w| w.deleted);
                if !rerun && inc.source_event_ids == ids {
                    continue;
                }
                inc.source_event_ids = ids.clone();
                inc.updated_at = now_ts();
                if rerun {
                    let runs = inc.watch.as_ref().map_or(1, |w| w.runs + 1);
                    let assessed = inc.watch.as_ref().and_then(|w| w.assessed.clone());
                    inc.watch = Some(WatchLink {
                        event_key: ev.key.clone(),
                        preferred: p.clone(),
                        runs,
                        assessed,
                        deleted: false,
                    });
                    inc.quake = Some(params_of(p));
                    inc.title = scope.title(p);
                    if inc.status == IncidentStatus::Running {
                        to_cancel.push(inc.id);
                    }
                    inc.status = inc.status.after(IncidentAction::Rerun)?;
                    inc.error = None;
                    inc.started_at = None;
                    // Whichever node takes the new job runs it (crate::jobs).
                    inc.node = None;
                    records::update(&mut tx, WATCH_ACTOR, "incident.revised", &inc).await?;
                    crate::jobs::queue(&mut tx, &inc).await?;
                    to_start.push(inc);
                } else {
                    records::update(&mut tx, WATCH_ACTOR, "incident.sources", &inc).await?;
                }
            }
        }
    }
    tx.commit().await?;
    for id in to_cancel {
        crate::jobs::cancel_local(st, id);
    }
    if !to_start.is_empty() {
        crate::jobs::wake(st);
    }
    Ok(())
}

/// An incoming CAP warning recorded for an organisation whose area it touches.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IncomingWarningRec {
    pub id: i64,
    pub org: String,
    pub visibility: Visibility,
    pub status: String,
    pub source: String,
    pub entry_id: String,
    pub warning: IncomingWarning,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercise_id: Option<i64>,
}

crate::records::impl_stored!(IncomingWarningRec, "incoming_warning");

fn touches(o: &super::OrgWatch, w: &IncomingWarning) -> bool {
    w.polygons_lon_lat
        .iter()
        .any(|r| o.rules.area.touches_ring(r))
        || w.circles.iter().any(|&((lon, lat), radius_km)| {
            o.rules.area.distance_km(lon, lat) <= o.rules.area.buffer_km + radius_km
        })
}

/// Reads a CAP Atom/RSS feed body: entries not seen before are read (embedded, or fetched
/// from their link, at most [`forewarn_watch::limits::MAX_CAP_LINKS`] a poll) and recorded
/// for every organisation whose area they touch.
pub async fn take_cap_feed(
    st: &AppState,
    svc: &WatchService,
    src: &SourceConfig,
    bytes: Vec<u8>,
) -> Result<(), String> {
    let parsed = tokio::task::spawn_blocking(move || cap_atom::parse_feed(&bytes))
        .await
        .map_err(|e| format!("parser task failed: {e}"))?
        .map_err(|e| e.to_string())?;
    super::poll::count(
        svc,
        &src.name,
        parsed.items.len() + parsed.rejected.len(),
        0,
    );
    super::poll::rejected(svc, src, &parsed.rejected);
    let mut fetched = 0usize;
    for e in parsed.items {
        let seen_key = (
            src.name.clone(),
            e.id.clone(),
            e.updated.clone().unwrap_or_default(),
        );
        if svc
            .cap_seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&seen_key)
        {
            continue;
        }
        let xml = match (&e.embedded, &e.link) {
            (Some(x), _) => x.clone(),
            (None, Some(link)) => {
                fetched += 1;
                if fetched > forewarn_watch::limits::MAX_CAP_LINKS {
                    break;
                }
                let timeout = std::time::Duration::from_secs_f64(src.timeout_s);
                match super::poll::fetch(&svc.client, link, timeout, None, None).await {
                    Ok(super::poll::Fetched::Body { bytes, .. }) => {
                        String::from_utf8_lossy(&bytes).into_owned()
                    }
                    Ok(super::poll::Fetched::NotModified) => continue,
                    Err(err) => {
                        // The entry is tried again at the next poll.
                        tracing::warn!(source = %src.name, entry = %e.id, "cannot fetch the linked CAP message: {err}");
                        continue;
                    }
                }
            }
            (None, None) => continue,
        };
        let w = match tokio::task::spawn_blocking(move || cap_atom::read_warning(&xml)).await {
            Ok(Ok(w)) => w,
            Ok(Err(reason)) => {
                super::poll::rejected(
                    svc,
                    src,
                    &[forewarn_watch::Rejected {
                        at: "entry".into(),
                        id: Some(e.id.clone()),
                        reason,
                    }],
                );
                svc.cap_seen
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(seen_key);
                continue;
            }
            Err(err) => return Err(format!("parser task failed: {err}")),
        };
        if w.signature_valid == Some(false) {
            tracing::warn!(source = %src.name, entry = %e.id, "incoming CAP message with an INVALID signature: {}", w.signature);
        }
        let in_force = svc.orgs();
        let orgs: Vec<&str> = in_force
            .iter()
            .filter(|o| touches(o, &w))
            .map(|o| o.rules.org.as_str())
            .collect();
        let result: Result<(), ApiError> = async {
            let mut tx = st.store.begin_write().await?;
            for org in &orgs {
                let rec = IncomingWarningRec {
                    id: next_id::<IncomingWarningRec>(&mut tx).await?,
                    org: org.to_string(),
                    visibility: Visibility::OwnOrg,
                    status: "received".into(),
                    source: src.name.clone(),
                    entry_id: e.id.clone(),
                    warning: w.clone(),
                    created_at: now_ts(),
                    exercise_id: None,
                };
                records::insert(&mut tx, WATCH_ACTOR, "incoming_warning.received", &rec).await?;
            }
            tx.commit().await?;
            Ok(())
        }
        .await;
        if let Err(err) = result {
            return Err(format!("cannot record the incoming warning: {}", err.error));
        }
        // Real warnings alarm the organisations they touch; Exercise, Test and System
        // messages are recorded only.
        if w.status == "Actual" {
            for org in &orgs {
                crate::alarms::raise_for(
                    st,
                    crate::alarms::AlarmSubject {
                        org: org.to_string(),
                        incident_id: None,
                        alert_id: None,
                        alert_level: crate::alarms::level_of_severity(&w.severity),
                        title: w.headline.clone().unwrap_or_else(|| w.event.clone()),
                        reason: format!(
                            "incoming {} warning ({}) from {}, signature {}",
                            w.severity, w.msg_type, w.sender, w.signature
                        ),
                        exercise_id: None,
                    },
                )
                .await;
            }
        }
        super::poll::count(svc, &src.name, 0, 1);
        svc.cap_seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(seen_key);
    }
    Ok(())
}

/// Checks a gauge's readings against its thresholds; a new crossing is logged, kept in the
/// source's health (`last_crossing`) and alarms the source's `alarm_orgs`.
pub async fn take_gauge(
    st: &AppState,
    svc: &WatchService,
    src: &SourceConfig,
    readings: &[GaugeReading],
    t: &GaugeThresholds,
) {
    let after = {
        let h = svc.health.lock().unwrap_or_else(|p| p.into_inner());
        h.get(&src.name)
            .and_then(|h| h.last_crossing.as_ref())
            .and_then(|c| c.get("time_ms"))
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(i64::MIN)
    };
    if let Some(c) = first_crossing(readings, t, after) {
        tracing::warn!(source = %src.name, kind = %c.kind, value = c.value, "gauge threshold crossed: {}", c.detail);
        {
            let mut h = svc.health.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(h) = h.get_mut(&src.name) {
                h.last_crossing = serde_json::to_value(&c).ok();
            }
        }
        let at = chrono::DateTime::from_timestamp_millis(c.time_ms)
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default();
        for org in &src.alarm_orgs {
            crate::alarms::raise_for(
                st,
                crate::alarms::AlarmSubject {
                    org: org.clone(),
                    incident_id: None,
                    alert_id: None,
                    // Validated by the watch file's parser.
                    alert_level: forewarn_impact::AlertLevel::parse(&src.alarm_level)
                        .unwrap_or(forewarn_impact::AlertLevel::Orange),
                    title: format!("Gauge {}: {} threshold crossed", src.name, c.kind),
                    reason: format!("gauge reading {} at {at}: {}", c.value, c.detail),
                    exercise_id: None,
                },
            )
            .await;
        }
        if let Some(scenario) = &src.flood_scenario
            && let Err(e) = start_floods(st, src, scenario, &c).await
        {
            tracing::error!(source = %src.name, "watch: cannot start the flood run: {}", e.error);
        }
    }
}

/// A gauge's crossing starts its flood scenario: one automatic incident for each organisation
/// of `alarm_orgs`, run on the pool like an earthquake's; its draft follows the run
/// (`drafts::after_flood_run`).
async fn start_floods(
    st: &AppState,
    src: &SourceConfig,
    scenario: &str,
    c: &forewarn_watch::gauge::Crossing,
) -> Result<(), ApiError> {
    let flood = crate::incidents::FloodParams {
        scenario: scenario.to_string(),
        gauge: src.name.clone(),
        crossing_time_ms: c.time_ms,
        crossing: serde_json::to_value(c).unwrap_or_default(),
    };
    let mut started = false;
    let mut tx = st.store.begin_write().await?;
    for org in &src.alarm_orgs {
        if st.store.org(org).await?.is_none() {
            tracing::warn!(source = %src.name, org, "watch: no organisation {org}; no flood run for it");
            continue;
        }
        let inc = Incident::new_flood_run(
            next_id::<Incident>(&mut tx).await?,
            org,
            format!(
                "Flood: {} ({} {} threshold crossed)",
                scenario.trim_end_matches(".toml"),
                src.name,
                c.kind
            ),
            flood.clone(),
            WATCH_ACTOR,
        );
        let inc = Incident {
            origin: Origin::Auto,
            source_event_ids: vec![format!("{}:{}", src.name, c.time_ms)],
            ..inc
        };
        records::insert(&mut tx, WATCH_ACTOR, "incident.created", &inc).await?;
        crate::jobs::queue(&mut tx, &inc).await?;
        tracing::info!(org, incident = inc.id, source = %src.name, "watch: flood run from a gauge crossing");
        started = true;
    }
    tx.commit().await?;
    if started {
        crate::jobs::wake(st);
    }
    Ok(())
}

/// A feed time in the FDSN text form (UTC, no zone), for the benchmark's replayed feed.
pub fn format_feed_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.3f").to_string())
        .unwrap_or_default()
}
