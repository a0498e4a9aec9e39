//! One node polls: when several `forewarn serve` nodes share a PostgreSQL database, the watch
//! runs on exactly one of them at a time, the holder of the store's `watch` lease
//! (forewarn_store's lease.rs). The others stand by and take over once the holder stops
//! renewing (it died or lost the database) and the lease expires.
//!
//! Every [`RENEW_EVERY`] each node tries to take or renew the lease for [`LEASE_TTL`]:
//! - **on taking it**, the node reads what the previous holder stored (the associated events,
//!   so that its reports are not new again and the incidents made stay one per event and
//!   organisation through `watch_links`); then, while it holds it,
//! - **it follows the other nodes' changes**: sources paused or resumed, sources added and
//!   rules set through any node's API, read from the store each round;
//! - **a node on standby** shows the holder's source health (stored after each poll).
//!
//! A poller polls only while its node's last renewal is younger than the lease minus a
//! margin ([`WatchService::may_poll`]), so a node that stalls stops before another may take
//! over. The alarm escalation runs under the same lease (one e-mail per escalation). On one
//! SQLite file there is one node, which polls without a lease.

use super::WatchService;
use crate::AppState;
use forewarn_store::now_ms;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// The lease's name in the store.
pub const LEASE: &str = "watch";
/// How long a taken or renewed lease lasts.
pub const LEASE_TTL: Duration = Duration::from_secs(10);
/// How often each node tries to take or renew it.
pub const RENEW_EVERY: Duration = Duration::from_secs(2);
/// A holder stops polling this long before its lease would expire unrenewed.
pub const MARGIN: Duration = Duration::from_secs(2);

impl WatchService {
    /// Whether this node polls now: it holds the lease, renewed recently enough.
    pub fn may_poll(&self) -> bool {
        self.lease_until_ms.load(Ordering::SeqCst) - MARGIN.as_millis() as i64 > now_ms()
    }
}

/// Takes, renews or waits for the lease, for as long as the process runs. On SQLite the one
/// process polls, with no lease and nothing to follow (its own API changes the watch).
pub async fn run(st: AppState, svc: Arc<WatchService>) {
    if st.store.backend() != forewarn_store::Backend::Postgres {
        svc.lease_until_ms.store(i64::MAX, Ordering::SeqCst);
        svc.leading.send_replace(true);
        return;
    }
    let mut holding = false;
    loop {
        let t = now_ms();
        match st
            .store
            .try_lease(LEASE, &st.node_id, LEASE_TTL.as_millis() as i64, t)
            .await
        {
            Ok(true) => {
                if !holding {
                    tracing::info!(node = %st.node_id, "watch: this node polls the sources (took the lease)");
                    if let Err(e) = take_over(&st, &svc).await {
                        tracing::error!("watch: reading the previous holder's state: {e}");
                    }
                }
                holding = true;
                svc.lease_until_ms
                    .store(t + LEASE_TTL.as_millis() as i64, Ordering::SeqCst);
                svc.leading.send_replace(true);
                if let Err(e) = follow(&st, &svc).await {
                    tracing::warn!("watch: following the other nodes' changes: {e}");
                }
            }
            Ok(false) => {
                if holding {
                    tracing::warn!(node = %st.node_id, "watch: another node took the lease; this node stands by");
                }
                holding = false;
                svc.lease_until_ms.store(0, Ordering::SeqCst);
                svc.leading.send_replace(false);
                if let Err(e) = standby(&st, &svc).await {
                    tracing::warn!("watch: reading the polling node's source health: {e}");
                }
            }
            Err(e) => {
                // The lease may still be ours in the database; may_poll stops the pollers
                // before it could expire and another node take it.
                tracing::warn!("watch: cannot renew the lease: {e}");
            }
        }
        tokio::time::sleep(RENEW_EVERY).await;
    }
}

/// On taking the lease: the events the previous holder associated (stored as it went).
async fn take_over(st: &AppState, svc: &WatchService) -> Result<(), String> {
    let events = super::stored_events(st).await?;
    let mut assoc = svc.assoc.lock().await;
    *assoc = forewarn_watch::Associator::new(svc.config.association.clone(), events);
    Ok(())
}

/// While holding: pauses, added sources and rules made through any node.
async fn follow(st: &AppState, svc: &Arc<WatchService>) -> Result<(), String> {
    let paused = super::pause::paused_names(st).await.map_err(|e| e.error)?;
    *svc.paused.lock().unwrap_or_else(|p| p.into_inner()) = paused;
    adopt_added_sources(st, svc).await?;
    super::rules_api::apply_stored(st, svc).await
}

/// Sources added through any node's API and not yet watched here, with their pollers.
async fn adopt_added_sources(st: &AppState, svc: &Arc<WatchService>) -> Result<(), String> {
    for src in super::sources_api::stored_sources(st, &svc.config).await? {
        if let Some(i) = svc.add_source(src) {
            tokio::spawn(super::poll::run_source(st.clone(), svc.clone(), i));
        }
    }
    Ok(())
}

/// On standby: the polling node's source health, as it stored it, and its added sources.
async fn standby(st: &AppState, svc: &Arc<WatchService>) -> Result<(), String> {
    adopt_added_sources(st, svc).await?;
    let stored = st.store.source_health().await.map_err(|e| e.to_string())?;
    let mut h = svc.health.lock().unwrap_or_else(|p| p.into_inner());
    for (name, v) in stored {
        if let Ok(x) = serde_json::from_value(v) {
            h.insert(name, x);
        }
    }
    Ok(())
}
