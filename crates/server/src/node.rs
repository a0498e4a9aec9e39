//! This process among the `forewarn serve` nodes on one database: its name, its heartbeat,
//! and the clean-up of work left by nodes that died.
//!
//! Each node holds the store lease `node:<id>` ([`HEARTBEAT_TTL`], renewed every
//! [`HEARTBEAT_EVERY`]) for as long as it runs. A live exercise records the node that holds it
//! (`node`); every [`REAP_EVERY`] each node resumes the exercises whose node's heartbeat has
//! expired (a node killed or cut off from the database) and leaves those of live nodes alone.
//! Incident runs are jobs with leases of their own (crate::jobs); the clean-up only queues
//! runs left by a version before the queue. Records from before the `node` field belong to no
//! live node. On one SQLite file there is one node, which finds at start what its previous
//! process left.

use crate::AppState;
use forewarn_store::{Store, StoreError, now_ms};
use std::sync::OnceLock;
use std::time::Duration;

/// How long a heartbeat lasts unrenewed: a live exercise whose node stopped is resumed
/// elsewhere this long after the node's last heartbeat (plus [`REAP_EVERY`] and the rebuild).
/// A node cut off from the database for longer loses its exercises (their writes are fenced:
/// exercises/control.rs `commit`).
pub const HEARTBEAT_TTL: Duration = Duration::from_secs(3);
/// How often a node renews it.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(1);
/// How often a node looks for exercises left by dead nodes (one read of the exercise records).
pub const REAP_EVERY: Duration = Duration::from_millis(500);
/// Every how many [`REAP_EVERY`] the rest of the clean-up runs (runs of a version before the
/// queue, login attempts).
const CLEAN_EVERY_REAPS: u32 = 10;

/// This process's name among the nodes: host, process id and start time (a restarted process
/// is a new node).
pub fn id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "node".into());
        format!("{host}:{}:{}", std::process::id(), now_ms())
    })
}

static URL: OnceLock<String> = OnceLock::new();

/// Sets the URL other nodes reach this one at (`serve --node-url`, or its bind address).
pub fn set_url(url: String) {
    let _ = URL.set(url);
}

/// The URL other nodes reach this one at, to forward a live exercise's requests
/// (crate::exercise_route); `None` when unknown.
pub fn url() -> Option<String> {
    URL.get().cloned()
}

fn lease(node: &str) -> String {
    format!("node:{node}")
}

/// Whether other nodes may share the database (PostgreSQL). A SQLite file has one process,
/// which needs no heartbeat, lease or clean-up loop: what it finds at start is its previous
/// process's.
fn shared(store: &Store) -> bool {
    store.backend() == forewarn_store::Backend::Postgres
}

/// Renews this node's heartbeat once (nothing on SQLite).
pub async fn beat(store: &Store) -> Result<(), StoreError> {
    if !shared(store) {
        return Ok(());
    }
    let ok = store
        .try_lease(
            &lease(id()),
            id(),
            HEARTBEAT_TTL.as_millis() as i64,
            now_ms(),
        )
        .await?;
    if !ok {
        // Only this process renews its own lease; nobody else may hold it.
        tracing::error!(node = id(), "another process holds this node's heartbeat");
    }
    Ok(())
}

/// Whether `node` (as recorded in a run or an exercise) is alive: this process, or on
/// PostgreSQL a node whose heartbeat has not expired. `None` (a record from before nodes were
/// recorded) is not.
pub async fn is_alive(store: &Store, node: Option<&str>) -> Result<bool, StoreError> {
    let Some(n) = node else { return Ok(false) };
    if n == id() {
        return Ok(true);
    }
    if !shared(store) {
        return Ok(false);
    }
    Ok(store
        .lease_holder(&lease(n))
        .await?
        .is_some_and(|(_, until)| until > now_ms()))
}

/// Publishes a live event that is not journaled (a run's progress) to this node's subscribers
/// and, on PostgreSQL, to the other nodes' (crate::node::start forwards theirs here).
pub fn publish_live(st: &AppState, ev: crate::LiveEvent) {
    if st.store.backend() == forewarn_store::Backend::Postgres {
        let payload = serde_json::json!({
            "node": id(), "org": ev.org, "visibility": ev.visibility, "party_org": ev.party_org,
            "kind": ev.kind, "data": ev.data, "exercise_id": ev.exercise_id,
        })
        .to_string();
        let store = st.store.clone();
        tokio::spawn(async move {
            if let Err(e) = store.notify_live(&payload).await {
                tracing::warn!("cannot send a live event to the other nodes: {e}");
            }
        });
    }
    let _ = st.live.send(ev);
}

/// A live event another node sent (`publish_live`); `None` for this node's own or an
/// unreadable one.
fn remote_live(payload: &str) -> Option<crate::LiveEvent> {
    let v: serde_json::Value = serde_json::from_str(payload).ok()?;
    if v["node"].as_str()? == id() {
        return None;
    }
    Some(crate::LiveEvent {
        org: v["org"].as_str()?.to_string(),
        visibility: serde_json::from_value(v["visibility"].clone()).ok()?,
        party_org: v["party_org"].as_str().map(str::to_string),
        kind: v["kind"].as_str()?.to_string(),
        data: v["data"].clone(),
        exercise_id: v["exercise_id"].as_i64(),
    })
}

/// Keeps another node's run progress for this node's `GET /api/incidents` (dropped when the
/// run's next journal entry arrives: [`forget_progress`]).
fn remember_progress(st: &AppState, ev: &crate::LiveEvent) {
    if ev.kind != "incident.progress" {
        return;
    }
    let d = &ev.data;
    let (Some(id), Some(stage), Some(done), Some(total)) = (
        d["incident_id"].as_i64(),
        d["stage"].as_str(),
        d["done"].as_u64(),
        d["total"].as_u64(),
    ) else {
        return;
    };
    st.progress
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(
            id,
            crate::incidents::Progress {
                stage: stage.to_string(),
                done,
                total,
            },
        );
}

/// Drops the progress kept for another node's run once the run's next journal entry (its
/// result, a takeover, a close) arrives.
async fn forget_progress(st: AppState) {
    let mut rx = st.store.subscribe();
    loop {
        match rx.recv().await {
            Ok(e) if e.record_type == "incident" && e.kind != "incident.started" => {
                st.progress
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&e.record_id);
            }
            Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// The heartbeat, the clean-up after dead nodes and the other nodes' live events, for as
/// long as the process runs (PostgreSQL only: see [`shared`]).
pub fn start(st: &AppState) {
    if !shared(&st.store) {
        return;
    }
    tokio::spawn(forget_progress(st.clone()));
    // Other nodes' live events to this node's subscribers.
    let s = st.clone();
    let mut remote = st.store.subscribe_live();
    tokio::spawn(async move {
        loop {
            match remote.recv().await {
                Ok(p) => {
                    if let Some(ev) = remote_live(&p) {
                        remember_progress(&s, &ev);
                        let _ = s.live.send(ev);
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    let s = st.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(HEARTBEAT_EVERY).await;
            if let Err(e) = beat(&s.store).await {
                tracing::warn!("node heartbeat: {e}");
            }
        }
    });
    let s = st.clone();
    tokio::spawn(async move {
        for i in 1u32.. {
            tokio::time::sleep(REAP_EVERY).await;
            if i % CLEAN_EVERY_REAPS == 0 {
                clean(&s).await;
            }
            if let Err(e) = crate::exercises::resume_stale(&s).await {
                tracing::warn!("resuming the exercises of dead nodes: {}", e.error);
            }
        }
    });
}

/// Queues the runs dead nodes left from a version before the queue; prunes the login
/// attempts counted across nodes.
pub async fn clean(st: &AppState) {
    crate::login_shared::prune(st).await;
    if let Err(e) = crate::jobs::requeue_orphans(st).await {
        tracing::warn!("queueing the runs of dead nodes: {}", e.error);
    }
}
