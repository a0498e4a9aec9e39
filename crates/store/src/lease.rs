//! Leases: work that exactly one server node does at a time (the watch's polling), held by a
//! node until it stops renewing and the lease expires, then taken by another.
//!
//! One row per lease: its holder and expiry (milliseconds since the Unix epoch, by the
//! holder's clock: the nodes' clocks must agree to well within a lease's length, as NTP
//! keeps them). Taking or renewing is one atomic upsert that succeeds only for the current
//! holder or once the lease has expired, so two nodes never both hold it. Leases are
//! operational state, not journaled: they go straight to the database, outside the journal's
//! write batch.

use crate::{Store, StoreError};

/// Milliseconds since the Unix epoch by this machine's clock.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Store {
    /// Takes or renews lease `name` for `holder` until `now_ms + ttl_ms`; `true` when
    /// `holder` holds it now (it was free, expired, or already `holder`'s).
    pub async fn try_lease(
        &self,
        name: &str,
        holder: &str,
        ttl_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "INSERT INTO leases (name, holder, expires_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms \
             WHERE leases.holder = excluded.holder OR leases.expires_ms < $4",
        )
        .bind(name)
        .bind(holder)
        .bind(now_ms + ttl_ms)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Gives lease `name` up if `holder` holds it (a node that stops cleanly), so that another
    /// node need not wait for it to expire.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The holder of lease `name` and its expiry (ms), if anyone holds or held it.
    pub async fn lease_holder(&self, name: &str) -> Result<Option<(String, i64)>, StoreError> {
        use sqlx::Row;
        let row = sqlx::query("SELECT holder, expires_ms FROM leases WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get("holder")?, r.try_get("expires_ms")?)))
            .transpose()
    }
}
