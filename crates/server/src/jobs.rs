//! Incident runs as jobs in the queue every node shares (forewarn_store's `run_jobs`: on
//! PostgreSQL claimed with `FOR UPDATE SKIP LOCKED`).
//!
//! - A run is queued ([`queue`]) in the write transaction that journals its request (the
//!   incident's creation, a revision of its event, a gauge's flood), and this node's claimer
//!   is woken after the commit ([`wake`]); other nodes' claimers wake on the journal entry
//!   (their tailers publish it) or at their next poll ([`POLL`]).
//! - A claimer with a free slot on its run pool takes the next job (the organisation with the
//!   fewest runs in progress across the cluster first, organisations with as many in turn),
//!   journals `incident.started` (after
//!   `incident.taken_over` when an earlier holder stopped renewing) and runs it
//!   (crate::runner). API nodes claim unless started with `--no-runs`; `forewarn worker`
//!   processes only claim.
//! - The holder renews the leases of its jobs every [`RENEW_EVERY`]; a job missing from the
//!   renewal (closed, revised, taken by another node after this one was cut off) is stopped
//!   here. A job whose holder died is free once its lease ([`LEASE_TTL`]) has expired; the
//!   next claimer runs it again (deterministic: same inputs and seed, same result), and after
//!   [`MAX_TAKEOVERS`] it is failed instead.
//! - The result is journaled by the holder in the transaction that deletes the job, so a run
//!   is journaled once.

use crate::AppState;
use crate::error::ApiError;
use crate::incidents::{Incident, IncidentAction, IncidentStatus};
use crate::pool::Stop;
use crate::records;
use forewarn_store::{ClaimedRun, StoreError, WriteTx, now_ms, now_ts};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Notify;

/// How long a job stays with its holder unrenewed.
pub const LEASE_TTL: Duration = Duration::from_secs(10);
/// How often a holder renews its jobs' leases.
pub const RENEW_EVERY: Duration = Duration::from_secs(2);
/// How often an idle claimer looks for a job without being woken.
pub const POLL: Duration = Duration::from_secs(1);
/// How many times a run is taken over before it is failed instead: a run that brings its node
/// down each time must not take the whole cluster down one node after another.
pub const MAX_TAKEOVERS: i64 = 2;

/// This node's side of the queue.
#[derive(Default)]
pub struct Jobs {
    wake: Notify,
    started: std::sync::OnceLock<()>,
    /// Whether this node takes jobs (`serve --no-runs` does not).
    disabled: std::sync::atomic::AtomicBool,
    /// The jobs this node holds: incident id -> generation.
    held: Mutex<HashMap<i64, i64>>,
}

impl Jobs {
    fn held(&self) -> std::sync::MutexGuard<'_, HashMap<i64, i64>> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Which run of the incident this is: a revision of its event queues a newer one.
pub fn generation(inc: &Incident) -> i64 {
    inc.watch.as_ref().map_or(0, |w| i64::from(w.runs))
}

/// Queues the run of `inc` in the caller's write transaction (the one that journals the
/// request); call [`wake`] after the commit.
pub async fn queue(tx: &mut WriteTx, inc: &Incident) -> Result<(), StoreError> {
    tx.queue_run(inc.id, &inc.org, generation(inc), 0, now_ms())
        .await
}

/// Wakes this node's claimer (starting it on first use unless this node takes no jobs).
pub fn wake(st: &AppState) {
    start(st);
    st.jobs.wake.notify_one();
}

/// Makes this node take no jobs (`serve --no-runs`: `forewarn worker` processes run them).
pub fn disable(st: &AppState) {
    st.jobs
        .disabled
        .store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Starts this node's claimer and lease renewal (once; nothing if disabled).
pub fn start(st: &AppState) {
    if st.jobs.disabled.load(std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    st.jobs.started.get_or_init(|| {
        tokio::spawn(claim_loop(st.clone()));
        tokio::spawn(renew_loop(st.clone()));
        tokio::spawn(follow_journal(st.clone()));
    });
}

/// This node finished with run `generation` of an incident (stored or not).
pub(crate) fn done(st: &AppState, incident_id: i64, generation: i64) {
    let mut held = st.jobs.held();
    if held.get(&incident_id) == Some(&generation) {
        held.remove(&incident_id);
    }
    drop(held);
    st.jobs.wake.notify_one();
}

/// Stops this node's run of incident `id`, if it holds one (closed or revised here; other
/// holders see the job gone at their next renewal).
pub fn cancel_local(st: &AppState, id: i64) {
    let generation = st.jobs.held().get(&id).copied();
    if let Some(g) = generation {
        st.pool
            .cancel(&crate::runner::run_key(id, g), Stop::Cancelled);
    }
}

async fn claim_loop(st: AppState) {
    loop {
        let slots = st.pool.config().slots;
        let (running, queued) = st.pool.counts();
        if running + queued < slots {
            match st
                .store
                .claim_run(crate::node::id(), LEASE_TTL.as_millis() as i64, now_ms())
                .await
            {
                Ok(Some(job)) => {
                    if let Err(e) = begin(&st, &job).await {
                        tracing::warn!(incident = job.incident_id, "cannot start a run: {e}");
                    }
                    continue;
                }
                Ok(None) => {}
                Err(e) => tracing::warn!("cannot take a run from the queue: {e}"),
            }
        }
        tokio::select! {
            _ = st.jobs.wake.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

/// Journals the start of a claimed job (or fails it after too many takeovers) and runs it.
async fn begin(st: &AppState, job: &ClaimedRun) -> Result<(), ApiError> {
    let id = job.incident_id;
    let mut tx = st.store.begin_write().await?;
    // Still ours, as claimed (a revision or a close may have come in between).
    match tx.run_job(id).await? {
        Some((Some(h), g)) if h == crate::node::id() && g == job.generation => {}
        _ => return Ok(()),
    }
    let inc: Option<Incident> = match tx.get_record("incident", id).await? {
        Some(r) => Some(records::from_record(&r)?),
        None => None,
    };
    let Some(mut inc) =
        inc.filter(|i| i.status == IncidentStatus::Running && generation(i) == job.generation)
    else {
        // Nothing (more) to run.
        tx.delete_run_job(id).await?;
        tx.commit().await?;
        return Ok(());
    };
    let now = now_ts();
    inc.updated_at = now.clone();
    let takeovers = job.attempts - 1;
    if takeovers > MAX_TAKEOVERS {
        inc.status = inc.status.after(IncidentAction::Fail)?;
        inc.error = Some(format!(
            "interrupted: the server running it stopped {takeovers} times during the run; create the incident again"
        ));
        records::update(&mut tx, "system", "incident.failed", &inc).await?;
        tx.delete_run_job(id).await?;
        tx.commit().await?;
        return Ok(());
    }
    let from = inc.node.replace(crate::node::id().to_string());
    if takeovers > 0 {
        inc.takeovers = u32::try_from(takeovers).unwrap_or(u32::MAX);
        inc.started_at = None;
        inc.progress = None;
        records::update(&mut tx, "system", "incident.taken_over", &inc).await?;
    }
    inc.started_at = Some(now);
    records::update(&mut tx, "system", "incident.started", &inc).await?;
    tx.commit().await?;
    if takeovers > 0 {
        tracing::warn!(incident = id, from = ?from, "took over the run of a node that stopped");
    }
    let sender = match st.store.org(&inc.org).await? {
        Some(o) => o.cap_sender,
        None => format!("{}@forewarn.example", inc.org),
    };
    st.jobs.held().insert(id, job.generation);
    crate::runner::start(st.clone(), inc, job.generation, sender);
    Ok(())
}

async fn renew_loop(st: AppState) {
    loop {
        tokio::time::sleep(RENEW_EVERY).await;
        let mine: Vec<(i64, i64)> = st.jobs.held().iter().map(|(k, v)| (*k, *v)).collect();
        if mine.is_empty() {
            continue;
        }
        match st
            .store
            .renew_runs(crate::node::id(), LEASE_TTL.as_millis() as i64, now_ms())
            .await
        {
            Ok(still) => {
                for (id, g) in mine {
                    if !still.contains(&(id, g)) {
                        // Closed, revised or taken by another node: stop it here.
                        st.pool
                            .cancel(&crate::runner::run_key(id, g), Stop::Cancelled);
                    }
                }
            }
            Err(e) => tracing::warn!("cannot renew the runs' leases: {e}"),
        }
    }
}

/// Wakes the claimer on incident entries (another node may have queued a run).
async fn follow_journal(st: AppState) {
    let mut rx = st.store.subscribe();
    loop {
        match rx.recv().await {
            Ok(e) if e.record_type == "incident" => st.jobs.wake.notify_one(),
            Ok(_) => {}
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                st.jobs.wake.notify_one();
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// The 1-based place of each queued run in the order the claimers will take them (the
/// organisation with the fewest runs in progress first, then the one whose last turn is
/// oldest, then the oldest job), over the cluster.
pub async fn queue_positions(st: &AppState) -> Result<HashMap<i64, usize>, StoreError> {
    let jobs = st.store.run_jobs(now_ms(), 10_000).await?;
    let mut turn: BTreeMap<String, i64> = st.store.run_turns().await?.into_iter().collect();
    let mut in_progress: BTreeMap<&str, usize> = BTreeMap::new();
    for j in jobs.iter().filter(|j| j.held) {
        *in_progress.entry(j.org.as_str()).or_default() += 1;
    }
    let mut waiting: Vec<&forewarn_store::RunJob> = jobs.iter().filter(|j| !j.held).collect();
    let mut places = HashMap::new();
    let mut latest = turn.values().copied().max().unwrap_or(0);
    while !waiting.is_empty() {
        let next = (0..waiting.len())
            .min_by_key(|&i| {
                let org = waiting[i].org.as_str();
                (
                    in_progress.get(org).copied().unwrap_or(0),
                    turn.get(org).copied().unwrap_or(0),
                    i,
                )
            })
            .unwrap_or(0);
        let j = waiting.remove(next);
        *in_progress.entry(j.org.as_str()).or_default() += 1;
        latest += 1;
        turn.insert(j.org.clone(), latest);
        places.insert(j.incident_id, places.len() + 1);
    }
    Ok(places)
}

/// Queues the runs of incidents left `running` without a job (from a version before the
/// queue) by a node that is no longer alive; on SQLite, also frees the jobs of this file's
/// previous process. Their claimer journals the takeover.
pub async fn requeue_orphans(st: &AppState) -> Result<(), ApiError> {
    if st.store.backend() == forewarn_store::Backend::Sqlite {
        st.store.free_runs_not_of(crate::node::id()).await?;
    }
    let running = st
        .store
        .list_records(
            "incident",
            &forewarn_store::Reader::All,
            &forewarn_store::RecordFilter {
                exercise_id: None,
                status: Some(IncidentStatus::Running.as_str().into()),
                parent_id: None,
                limit: 1000,
            },
        )
        .await?;
    if running.is_empty() {
        return Ok(());
    }
    let queued: std::collections::HashSet<i64> = st
        .store
        .run_jobs(now_ms(), 100_000)
        .await?
        .iter()
        .map(|j| j.incident_id)
        .collect();
    let mut any = false;
    for r in running {
        let seen: Incident = records::from_record(&r)?;
        if queued.contains(&seen.id)
            || crate::node::is_alive(&st.store, seen.node.as_deref()).await?
        {
            continue;
        }
        let mut tx = st.store.begin_write().await?;
        let inc: Option<Incident> = match tx.get_record("incident", seen.id).await? {
            Some(r) => Some(records::from_record(&r)?),
            None => None,
        };
        let Some(inc) = inc else { continue };
        if inc.status != IncidentStatus::Running || tx.run_job(inc.id).await?.is_some() {
            continue;
        }
        // Its earlier starts count as takes: the claim journals a takeover.
        tx.queue_run(
            inc.id,
            &inc.org,
            generation(&inc),
            i64::from(inc.takeovers) + 1,
            now_ms(),
        )
        .await?;
        tx.commit().await?;
        any = true;
    }
    if any {
        wake(st);
    }
    Ok(())
}

/// Gives up this node's jobs at once (a node or worker that stops cleanly), so that others
/// take them without waiting for the leases to expire.
pub async fn release(st: &AppState) {
    if let Err(e) = st.store.free_runs_of(crate::node::id()).await {
        tracing::warn!("cannot give up this node's runs: {e}");
    }
}
