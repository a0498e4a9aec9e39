//! The run queue: incident runs as jobs that any server node or `forewarn worker` takes.
//!
//! A job is queued in the write transaction that journals the request for a run (the
//! incident's creation, a revision), so a run is never asked for without being queued. A
//! node with a free slot takes one ([`Store::claim_run`]): on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`, so that nodes claiming at once take different jobs without
//! waiting for each other. The organisation with the fewest runs in progress across the
//! cluster goes first, then the one whose last turn is oldest (round-robin), then the oldest
//! job: per-organisation fairness over every node. The
//! holder renews its lease while the run goes on ([`Store::renew_runs`]); a job whose holder
//! stopped renewing (killed, cut off) is free again once its lease has expired and is taken
//! by another node, counted in `attempts`. The result is journaled in the transaction that
//! deletes the job, and only by its holder ([`WriteTx::run_job`]), so a run is journaled once.
//! Operational state like leases: not journaled itself.

use crate::{Backend, Store, StoreError, WriteTx};
use sqlx::{AnyConnection, Row};

/// A job as taken by [`Store::claim_run`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedRun {
    pub incident_id: i64,
    pub generation: i64,
    /// How many times it has been taken, this time included (2 and more: taken over).
    pub attempts: i64,
}

/// A job waiting to be taken, or one in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunJob {
    pub incident_id: i64,
    pub org: String,
    /// Held now (its lease has not expired).
    pub held: bool,
}

/// Jobs free to take: queued (lease 0) or whose lease has expired; the organisation with the
/// fewest runs in progress first, then the one whose last turn is oldest, then the oldest job.
const CLAIM: &str = "UPDATE run_jobs SET holder = $1, lease_until_ms = $2, attempts = attempts + 1 \
     WHERE incident_id = (SELECT j.incident_id FROM run_jobs j WHERE j.lease_until_ms < $3 \
     ORDER BY (SELECT COUNT(*) FROM run_jobs r WHERE r.org = j.org AND r.lease_until_ms >= $3), \
     COALESCE((SELECT t.last_ms FROM run_turns t WHERE t.org = j.org), 0), \
     j.queued_ms, j.incident_id LIMIT 1";

async fn claim_on(
    conn: &mut AnyConnection,
    backend: Backend,
    holder: &str,
    ttl_ms: i64,
    now_ms: i64,
) -> Result<Option<ClaimedRun>, StoreError> {
    let lock = match backend {
        // Another node's claim in progress locks its row: skip it, take the next.
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        // One writer at a time on a SQLite file (the store's write lock).
        Backend::Sqlite => "",
    };
    let sql = format!("{CLAIM}{lock}) RETURNING incident_id, generation, attempts, org");
    let Some(r) = sqlx::query(&sql)
        .bind(holder)
        .bind(now_ms + ttl_ms)
        .bind(now_ms)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let org: String = r.try_get("org")?;
    sqlx::query(
        "INSERT INTO run_turns (org, last_ms) VALUES ($1, $2) \
         ON CONFLICT (org) DO UPDATE SET last_ms = excluded.last_ms",
    )
    .bind(&org)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(Some(ClaimedRun {
        incident_id: r.try_get("incident_id")?,
        generation: r.try_get("generation")?,
        attempts: r.try_get("attempts")?,
    }))
}

async fn renew_on(
    conn: &mut AnyConnection,
    holder: &str,
    until_ms: i64,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let rows = sqlx::query(
        "UPDATE run_jobs SET lease_until_ms = $1 WHERE holder = $2 AND lease_until_ms > 0 \
         RETURNING incident_id, generation",
    )
    .bind(until_ms)
    .bind(holder)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("incident_id")?, r.try_get("generation")?)))
        .collect()
}

/// Frees the jobs of `holder` (`others`: of every holder but `holder`).
async fn free_on(conn: &mut AnyConnection, holder: &str, others: bool) -> Result<u64, StoreError> {
    let sql = if others {
        "UPDATE run_jobs SET lease_until_ms = 0 WHERE holder IS NOT NULL AND holder <> $1"
    } else {
        "UPDATE run_jobs SET lease_until_ms = 0 WHERE holder = $1"
    };
    let r = sqlx::query(sql).bind(holder).execute(&mut *conn).await?;
    Ok(r.rows_affected())
}

/// Runs `$body` with `$conn` bound to a connection that may write: on PostgreSQL a
/// transaction of its own (row locks, not the journal's lock); on SQLite the store's write
/// transaction (one writer at a time on a file).
macro_rules! writing {
    ($store:expr, |$conn:ident| $body:expr) => {{
        match $store.backend {
            Backend::Postgres => {
                let mut tx = $store.pool.begin().await?;
                let out = {
                    let $conn: &mut AnyConnection = &mut *tx;
                    $body.await?
                };
                tx.commit().await?;
                Ok(out)
            }
            Backend::Sqlite => {
                let mut w = $store.begin_write().await?;
                let out = {
                    let $conn = w.direct(true).await?;
                    $body.await?
                };
                w.commit().await?;
                Ok(out)
            }
        }
    }};
}

impl Store {
    /// Takes the next free job for `holder` until `now_ms + ttl_ms`; `None` when there is none.
    pub async fn claim_run(
        &self,
        holder: &str,
        ttl_ms: i64,
        now_ms: i64,
    ) -> Result<Option<ClaimedRun>, StoreError> {
        let backend = self.backend;
        writing!(self, |conn| claim_on(conn, backend, holder, ttl_ms, now_ms))
    }

    /// Renews the leases of `holder`'s jobs until `now_ms + ttl_ms`; returns the jobs it still
    /// holds (incident, generation): one missing was closed, revised or taken by another node.
    pub async fn renew_runs(
        &self,
        holder: &str,
        ttl_ms: i64,
        now_ms: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        writing!(self, |conn| renew_on(conn, holder, now_ms + ttl_ms))
    }

    /// Frees every job held by a holder other than `holder` at once (a SQLite file's previous
    /// process: nobody else can be running them).
    pub async fn free_runs_not_of(&self, holder: &str) -> Result<u64, StoreError> {
        writing!(self, |conn| free_on(conn, holder, true))
    }

    /// Frees `holder`'s jobs at once (a node that stops cleanly), so that others need not
    /// wait for the leases to expire.
    pub async fn free_runs_of(&self, holder: &str) -> Result<u64, StoreError> {
        writing!(self, |conn| free_on(conn, holder, false))
    }

    /// Every job, queued and in progress (at most `limit`), oldest first.
    pub async fn run_jobs(&self, now_ms: i64, limit: i64) -> Result<Vec<RunJob>, StoreError> {
        let rows = sqlx::query(
            "SELECT incident_id, org, lease_until_ms FROM run_jobs \
             ORDER BY queued_ms, incident_id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let until: i64 = r.try_get("lease_until_ms")?;
                Ok(RunJob {
                    incident_id: r.try_get("incident_id")?,
                    org: r.try_get("org")?,
                    held: until >= now_ms,
                })
            })
            .collect()
    }

    /// When each organisation last had a run taken (ms), for the queue's order.
    pub async fn run_turns(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query("SELECT org, last_ms FROM run_turns")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("org")?, r.try_get("last_ms")?)))
            .collect()
    }
}

impl WriteTx {
    /// Queues run `generation` of incident `incident_id` (replacing a queued or running
    /// one: its holder sees it gone at its next renewal and stops). `attempts`: how many
    /// times it was taken before (0 for a new run).
    pub async fn queue_run(
        &mut self,
        incident_id: i64,
        org: &str,
        generation: i64,
        attempts: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO run_jobs (incident_id, org, generation, holder, lease_until_ms, attempts, queued_ms) \
             VALUES ($1, $2, $3, NULL, 0, $4, $5) ON CONFLICT (incident_id) DO UPDATE SET \
             org = excluded.org, generation = excluded.generation, holder = NULL, lease_until_ms = 0, \
             attempts = excluded.attempts, queued_ms = excluded.queued_ms",
        )
        .bind(incident_id)
        .bind(org)
        .bind(generation)
        .bind(attempts)
        .bind(now_ms)
        .execute(self.direct(true).await?)
        .await?;
        Ok(())
    }

    /// The holder and generation of incident `incident_id`'s job, as seen in this
    /// transaction; `None` when there is no job (done or closed).
    pub async fn run_job(
        &mut self,
        incident_id: i64,
    ) -> Result<Option<(Option<String>, i64)>, StoreError> {
        let row = sqlx::query("SELECT holder, generation FROM run_jobs WHERE incident_id = $1")
            .bind(incident_id)
            .fetch_optional(self.direct(false).await?)
            .await?;
        row.map(|r| Ok((r.try_get("holder")?, r.try_get("generation")?)))
            .transpose()
    }

    /// Removes incident `incident_id`'s job (its result is journaled in this transaction, or
    /// the incident was closed).
    pub async fn delete_run_job(&mut self, incident_id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM run_jobs WHERE incident_id = $1")
            .bind(incident_id)
            .execute(self.direct(true).await?)
            .await?;
        Ok(())
    }
}
