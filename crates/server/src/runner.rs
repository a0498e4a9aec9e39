//! The run of an incident (an earthquake, or the flood a gauge started: [`crate::flood_run`])
//! on this node's run pool ([`crate::pool`]), once this node holds its job (crate::jobs: the
//! queue shared by the nodes, which journals the start): progress to live events, stopped by
//! the pool's time limit or when the incident is closed or revised, the result journaled at
//! the end by the job's holder only.

use crate::AppState;
use crate::error::ApiError;
use crate::incidents::{
    CAP_PROPOSAL, Incident, IncidentAction, IncidentStatus, Progress, publish_progress,
};
use crate::pool::{CancelToken, Stop};
use crate::records;
use forewarn_cap::{CapTime, Status};
use forewarn_core::Region;
use forewarn_engine::contours::round6;
use forewarn_engine::quake::{self, QuakeRequest, QuakeSource};
use forewarn_exposure::Exposure;
use forewarn_quake::shaking::Correlation;
use forewarn_store::now_ts;
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// The region and its exposure, loaded once.
pub struct World {
    pub region: Region,
    pub exposure: Exposure,
}

static WORLD: OnceLock<Result<Arc<World>, String>> = OnceLock::new();

/// The embedded region and proxy exposure (loaded on first use).
pub fn world() -> Result<Arc<World>, String> {
    WORLD
        .get_or_init(|| {
            let region =
                forewarn_embedded::region().map_err(|e| format!("loading the region: {e}"))?;
            let exposure = Exposure::proxy(&region);
            Ok(Arc::new(World { region, exposure }))
        })
        .clone()
}

/// What a completed run produced.
pub(crate) struct RunOutput {
    pub summary: Value,
    pub alert_level: String,
    /// The map layers (name, GeoJSON), served at `/api/incidents/{id}/layers/{name}`.
    pub layers: Vec<(&'static str, String)>,
    pub cap_xml: Result<String, String>,
}

/// Layers of an earthquake incident.
pub const QUAKE_LAYERS: [&str; 2] = ["mmi_contours", "settlements"];

/// Settlements with MMI >= 4 as GeoJSON points.
fn settlements_geojson(run: &quake::QuakeRun) -> Value {
    let features: Vec<Value> = run
        .settlements
        .iter()
        .filter(|s| s.mmi >= 4.0)
        .map(|s| {
            json!({
                "type": "Feature",
                "properties": {"name": s.name, "country": s.country, "admin1": s.admin1, "population": s.population.round(),
                    "mmi": (s.mmi * 100.0).round() / 100.0, "mmi_over_strikes": s.mmi_over_strikes.map(|r| r.map(|m| (m * 100.0).round() / 100.0)), "pga_g": round6(s.pga_g), "expected_deaths": (s.expected_deaths * 100.0).round() / 100.0},
                "geometry": {"type": "Point", "coordinates": [round6(s.lon), round6(s.lat)]},
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "name": "settlements", "features": features})
}

fn compute(
    inc: &Incident,
    vs30: Option<&crate::Vs30Raster>,
    sender: &str,
    progress: &(dyn Fn(&str, u64, u64) + Sync),
    cancel: forewarn_engine::Cancel<'_>,
) -> Result<RunOutput, String> {
    let w = world()?;
    let q = inc
        .quake
        .as_ref()
        .ok_or("the incident has no earthquake parameters")?;
    let req = QuakeRequest {
        source: QuakeSource::Hypocenter {
            lon: q.lon,
            lat: q.lat,
            depth_km: q.depth_km,
            mag: q.mag,
            strike_deg: q.strike_deg,
            dip_deg: q.dip_deg,
            rake_deg: q.rake_deg,
        },
        gmpe: q.gmpe.clone().unwrap_or_else(|| "nga-west2".into()),
        spacing_km: None,
        realizations: q.realizations.unwrap_or(0),
        correlation: Correlation::Jb2009,
        truncation: 3.0,
        seed: q.seed.unwrap_or(42),
        sites: vec![],
        extra_imts: vec![],
        sites_file: None,
        event_name: Some(inc.title.clone()),
        vs30_grid: vs30.map(|v| v.grid.clone()),
        vs30_file: vs30.map(|v| v.path.clone()),
        event_year: q.origin().map(|o| chrono::Datelike::year(&o)),
    };
    let run = quake::run_cancellable(&w.region, &w.exposure, req, progress, cancel)
        .map_err(|e| e.to_string())?;
    let now = CapTime::from_utc(
        chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp(), 0).unwrap_or_default(),
    );
    // The alert's onset: when the earthquake happened, not when the model ran.
    let event_time = q
        .origin()
        .and_then(|o| chrono::DateTime::from_timestamp(o.timestamp(), 0))
        .map_or(now, CapTime::from_utc);
    // An incident inside a live exercise proposes an Exercise message, never an Actual one.
    let status = if inc.exercise_id.is_some() {
        Status::Exercise
    } else {
        Status::Actual
    };
    let warning = quake::alert::impact_warning(&run, &w.region, status, event_time, now, sender);
    let cap_xml = quake::alert::alert_xml(&warning).map_err(|e| e.to_string());
    Ok(RunOutput {
        summary: quake::summary_json(&run),
        alert_level: run.alert_level.as_str().to_string(),
        layers: vec![
            (QUAKE_LAYERS[0], quake::contours_geojson(&run).to_string()),
            (QUAKE_LAYERS[1], settlements_geojson(&run).to_string()),
        ],
        cap_xml,
    })
}

/// The pool key of run `generation` of incident `id`.
pub fn run_key(id: i64, generation: i64) -> String {
    format!("incident:{id}:{generation}")
}

/// Why a stopped run failed, for the incident's `error`.
pub fn stop_message(why: Stop, timeout: Duration) -> String {
    match why {
        Stop::TimedOut => format!(
            "timed out: the run took longer than the limit of {} s for a hazard run",
            timeout.as_secs()
        ),
        Stop::Cancelled => "cancelled: the incident was closed".into(),
        Stop::Abandoned => "cancelled: nobody waits for the run".into(),
    }
}

/// Runs `inc` (whose job this node holds: crate::jobs) on the pool, in turn with the other
/// organisations' runs here, and journals its result.
pub(crate) fn start(st: AppState, inc: Incident, generation: i64, sender: String) {
    let handle = tokio::runtime::Handle::current();
    let timeout = st.pool.config().timeout;
    let (st2, inc2) = (st.clone(), inc.clone());
    let job = st.pool.submit(
        &inc.org,
        Some(run_key(inc.id, generation)),
        move |token: &CancelToken| {
            let _rt = handle.enter();
            let last =
                std::sync::Mutex::new((String::new(), Instant::now() - Duration::from_secs(1)));
            let progress = |stage: &str, done: u64, total: u64| {
                let mut l = last.lock().unwrap_or_else(|p| p.into_inner());
                // At most ~10 events a second, plus every stage change and stage end.
                if l.0 != stage || done == total || l.1.elapsed() >= Duration::from_millis(100) {
                    *l = (stage.to_string(), Instant::now());
                    publish_progress(
                        &st2,
                        &inc2,
                        Progress {
                            stage: stage.to_string(),
                            done,
                            total,
                        },
                    );
                }
            };
            let out = match &inc2.flood {
                Some(f) => {
                    crate::flood_run::compute(&inc2, f, &st2.scenarios_dir, &sender, &progress)
                }
                None => compute(&inc2, st2.vs30.as_deref(), &sender, &progress, &|| {
                    token.is_stopped()
                }),
            };
            // A stopped run's own error ("the run was cancelled") gives way to why it stopped.
            match token.stopped() {
                Some(why) => Err(stop_message(why, timeout)),
                None => out,
            }
        },
    );
    tokio::spawn(async move {
        let token_stop = job.result().await;
        let out = match token_stop {
            Ok(r) => r,
            Err(why) => Err(stop_message(why, timeout)),
        };
        let id = inc.id;
        finish(&st, inc, generation, out).await;
        crate::jobs::done(&st, id, generation);
    });
}

async fn finish(st: &AppState, inc: Incident, generation: i64, out: Result<RunOutput, String>) {
    st.progress
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&inc.id);
    let result: Result<bool, ApiError> = async {
        let mut tx = st.store.begin_write().await?;
        let mut cur: Incident = match tx.get_record("incident", inc.id).await? {
            Some(r) => records::from_record(&r)?,
            None => return Ok(false),
        };
        // Only the job's holder, for the job's run, stores a result (a run is journaled once):
        // closed meanwhile (no job), revised (a newer generation) or taken over by another
        // node after this one was cut off longer than the lease (another holder).
        match tx.run_job(inc.id).await? {
            Some((Some(h), g)) if h == crate::node::id() && g == generation => {}
            _ => return Ok(false),
        }
        if cur.status != IncidentStatus::Running {
            tx.delete_run_job(inc.id).await?;
            tx.commit().await?;
            return Ok(false);
        }
        cur.updated_at = now_ts();
        let kind = match out {
            Ok(o) => {
                for (name, geojson) in &o.layers {
                    tx.put_layer(inc.id, name, geojson).await?;
                }
                match &o.cap_xml {
                    Ok(xml) => tx.put_layer(inc.id, CAP_PROPOSAL, xml).await?,
                    Err(e) => tracing::warn!("incident {}: no CAP proposal: {e}", inc.id),
                }
                cur.status = cur.status.after(IncidentAction::Complete)?;
                cur.summary = Some(o.summary);
                cur.alert_level = Some(o.alert_level);
                cur.layers = o.layers.iter().map(|(n, _)| n.to_string()).collect();
                "incident.completed"
            }
            Err(e) => {
                cur.status = cur.status.after(IncidentAction::Fail)?;
                cur.error = Some(e);
                "incident.failed"
            }
        };
        records::update(&mut tx, "system", kind, &cur).await?;
        tx.delete_run_job(inc.id).await?;
        tx.commit().await?;
        Ok(true)
    }
    .await;
    match result {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            // The job stays held until this node forgets it (crate::jobs::done): its lease
            // then expires and another node runs it again.
            tracing::error!("incident {}: cannot store the result: {e}", inc.id);
            return;
        }
    }
    if inc.origin == crate::incidents::Origin::Auto {
        match inc.flood {
            Some(_) => crate::watch::drafts::after_flood_run(st, inc.id).await,
            None => crate::watch::drafts::after_run(st, inc.id).await,
        }
    }
}
