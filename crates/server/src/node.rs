//! This process among the `forewarn serve` nodes on one database: its name, its heartbeat,
//! and the clean-up of work left by nodes that died.
//!
//! Each node holds the store lease `node:<id>` ([`HEARTBEAT_TTL`], renewed every
//! [`HEARTBEAT_EVERY`]) for as long as it runs. An incident run and a live exercise record the
//! node that holds them (`node`); every [`REAP_EVERY`] each node takes over the runs (runs them
//! again, crate::runner `take_over_orphans`) and interrupts the exercises whose node's
//! heartbeat has expired (a node killed or cut off from the
//! database), and leaves those of live nodes alone. Records from before this field (no
//! `node`) belong to no live node. On one SQLite file there is one node, which finds at start
//! what its previous process left.

use crate::AppState;
use forewarn_store::{Store, StoreError, now_ms};
use std::sync::OnceLock;
use std::time::Duration;

/// How long a heartbeat lasts unrenewed.
pub const HEARTBEAT_TTL: Duration = Duration::from_secs(10);
/// How often a node renews it.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(2);
/// How often a node looks for work left by dead nodes.
pub const REAP_EVERY: Duration = Duration::from_secs(5);

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

fn lease(node: &str) -> String {
    format!("node:{node}")
}

/// Renews this node's heartbeat once.
pub async fn beat(store: &Store) -> Result<(), StoreError> {
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

/// Whether `node` (as recorded in a run or an exercise) is alive: this process, or a node
/// whose heartbeat has not expired. `None` (a record from before nodes were recorded) is not.
pub async fn is_alive(store: &Store, node: Option<&str>) -> Result<bool, StoreError> {
    let Some(n) = node else { return Ok(false) };
    if n == id() {
        return Ok(true);
    }
    Ok(store
        .lease_holder(&lease(n))
        .await?
        .is_some_and(|(_, until)| until > now_ms()))
}

/// The heartbeat and the clean-up after dead nodes, for as long as the process runs.
pub fn start(st: &AppState) {
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
        loop {
            tokio::time::sleep(REAP_EVERY).await;
            reap(&s).await;
        }
    });
}

/// Takes over the runs and interrupts the exercises of dead nodes; prunes the login attempts
/// counted across nodes.
pub async fn reap(st: &AppState) {
    crate::login_shared::prune(st).await;
    if let Err(e) = crate::runner::take_over_orphans(st).await {
        tracing::warn!("taking over the runs of dead nodes: {}", e.error);
    }
    if let Err(e) = crate::exercises::interrupt_stale(st).await {
        tracing::warn!("interrupting the exercises of dead nodes: {}", e.error);
    }
}
