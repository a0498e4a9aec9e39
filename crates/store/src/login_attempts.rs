//! Login attempts counted across server nodes: rows keyed by limit (a user name and address
//! pair, an address, an account), written before the password check and deleted when the
//! password was right. Operational state like leases: straight to the database, not journaled.

use crate::{Store, StoreError};

impl Store {
    /// Records attempt `attempt_id` under each of `keys` at `at_ms`.
    pub async fn add_login_attempt(
        &self,
        attempt_id: &str,
        keys: &[String],
        at_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for k in keys {
            sqlx::query("INSERT INTO login_attempts (attempt_id, key, at_ms) VALUES ($1, $2, $3)")
                .bind(attempt_id)
                .bind(k)
                .bind(at_ms)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Attempts under `key` after `since_ms`, every node's, and the oldest of them (ms).
    pub async fn login_attempts_since(
        &self,
        key: &str,
        since_ms: i64,
    ) -> Result<(i64, Option<i64>), StoreError> {
        use sqlx::Row;
        let r = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(at_ms) AS oldest FROM login_attempts WHERE key = $1 AND at_ms > $2",
        )
        .bind(key)
        .bind(since_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok((r.try_get("n")?, r.try_get("oldest")?))
    }

    /// Removes attempt `attempt_id` (its password was right, or it was never checked).
    pub async fn remove_login_attempt(&self, attempt_id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_attempts WHERE attempt_id = $1")
            .bind(attempt_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes attempts recorded before `before_ms`.
    pub async fn prune_login_attempts(&self, before_ms: i64) -> Result<u64, StoreError> {
        let r = sqlx::query("DELETE FROM login_attempts WHERE at_ms < $1")
            .bind(before_ms)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }
}
