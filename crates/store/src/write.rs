//! The serialised write transaction with group commit.
//!
//! Writers take turns (one at a time) inside a shared database transaction, each inside its
//! own SAVEPOINT. When a writer finishes and others are queued, it leaves the database
//! transaction open for them and waits; the last writer of a batch (no one queued, or the
//! batch is full) COMMITs for everyone and wakes them. A writer's [`WriteTx::commit`] returns
//! only after the database COMMIT succeeded, so an acknowledged write is durable; a failed
//! COMMIT fails every writer of the batch. One COMMIT (one fsync) serves many writes.

use crate::StoreError;
use crate::read::{record_from_row, stored_from_row, user_from_row};
use crate::types::*;
use sqlx::{Any, AnyConnection, Executor, Row, Transaction};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard, broadcast, oneshot};

/// Most writes per database transaction.
pub const MAX_BATCH: usize = 64;
/// A batch is committed once it is this old, even with writers queued (bounds the latency
/// added by waiting for others).
pub const MAX_BATCH_AGE: Duration = Duration::from_millis(4);

type Done = oneshot::Sender<Result<(), String>>;

/// The open database transaction shared by a batch of writers.
#[derive(Default)]
pub(crate) struct Batch {
    tx: Option<Transaction<'static, Any>>,
    /// Writers whose savepoints were released, waiting for the COMMIT.
    pending: Vec<Done>,
    /// Their journal entries, published after the COMMIT.
    events: Vec<JournalEntry>,
    /// Incremented at every COMMIT or abort.
    generation: u64,
    /// Last id / sequence number allocated in this batch, per counter (the transaction holds
    /// the write lock, so they only change through this batch).
    counters: HashMap<String, i64>,
    /// When the batch's transaction began.
    started: Option<std::time::Instant>,
}

/// What the store shares with its writers.
pub(crate) struct Shared {
    pub batch: Arc<Mutex<Batch>>,
    pub waiting: AtomicUsize,
    pub events: broadcast::Sender<JournalEntry>,
    pub lock_journal: bool,
    pub pool: sqlx::AnyPool,
}

struct WaitGuard<'a>(&'a AtomicUsize);
impl Drop for WaitGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// COMMITs the batch's transaction (if any), publishes its events and wakes its writers.
async fn commit_batch(b: &mut Batch, events: &broadcast::Sender<JournalEntry>) {
    let result = match b.tx.take() {
        Some(tx) => tx.commit().await.map_err(|e| e.to_string()),
        None => Ok(()),
    };
    b.generation += 1;
    b.counters.clear();
    let evs = std::mem::take(&mut b.events);
    if result.is_ok() {
        for e in evs {
            // No subscribers is fine.
            let _ = events.send(e);
        }
    }
    for p in b.pending.drain(..) {
        let _ = p.send(result.clone());
    }
}

/// Abandons the whole batch (its transaction is rolled back on drop) and fails its writers.
fn abort_batch(b: &mut Batch, why: &str) {
    b.tx = None;
    b.generation += 1;
    b.counters.clear();
    b.events.clear();
    for p in b.pending.drain(..) {
        let _ = p.send(Err(why.to_string()));
    }
}

impl Shared {
    /// Starts a writer's turn: the batch lock, a database transaction, a savepoint.
    pub(crate) async fn begin(self: &Arc<Shared>) -> Result<WriteTx, StoreError> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let wait = WaitGuard(&self.waiting);
        let mut g = self.batch.clone().lock_owned().await;
        drop(wait);
        if g.tx.is_none() {
            let mut tx = self.pool.begin().await?;
            if self.lock_journal {
                tx.execute("LOCK TABLE journal IN EXCLUSIVE MODE").await?;
            }
            g.tx = Some(tx);
            g.started = Some(std::time::Instant::now());
        }
        let sp = match g.tx.as_mut() {
            Some(tx) => tx.execute("SAVEPOINT w").await.map(|_| ()),
            None => Ok(()),
        };
        if let Err(e) = sp {
            abort_batch(&mut g, &e.to_string());
            return Err(e.into());
        }
        let saved = g.counters.clone();
        Ok(WriteTx {
            guard: Some(g),
            shared: self.clone(),
            appended: Vec::new(),
            saved,
        })
    }
}

/// A writer's turn in the current batch. Finish it with [`WriteTx::commit`] or
/// [`WriteTx::rollback`]; dropping it rolls its changes back (in a spawned task).
pub struct WriteTx {
    guard: Option<OwnedMutexGuard<Batch>>,
    shared: Arc<Shared>,
    appended: Vec<JournalEntry>,
    /// The batch's counters when this writer started, restored if it rolls back (keeps the
    /// journal gapless).
    saved: HashMap<String, i64>,
}

impl WriteTx {
    fn conn(&mut self) -> Result<&mut AnyConnection, StoreError> {
        match self.guard.as_mut().and_then(|g| g.tx.as_mut()) {
            Some(tx) => Ok(&mut **tx),
            None => Err(StoreError::Corrupt(
                "write transaction already finished".into(),
            )),
        }
    }

    /// Releases the savepoint and waits until the batch is committed. Returns this writer's
    /// journal entries (also published to live subscribers).
    pub async fn commit(mut self) -> Result<Vec<JournalEntry>, StoreError> {
        if let Err(e) = self.conn()?.execute("RELEASE SAVEPOINT w").await {
            self.rollback().await?;
            return Err(e.into());
        }
        let Some(mut g) = self.guard.take() else {
            return Err(StoreError::Corrupt(
                "write transaction already finished".into(),
            ));
        };
        let mine = std::mem::take(&mut self.appended);
        g.events.extend(mine.iter().cloned());
        let (done, mut rx) = oneshot::channel();
        g.pending.push(done);
        let generation = g.generation;
        let old = g.started.is_some_and(|t| t.elapsed() >= MAX_BATCH_AGE);
        if self.shared.waiting.load(Ordering::SeqCst) == 0 || g.pending.len() >= MAX_BATCH || old {
            commit_batch(&mut g, &self.shared.events).await;
        }
        drop(g);
        loop {
            match tokio::time::timeout(Duration::from_millis(25), &mut rx).await {
                Ok(Ok(Ok(()))) => return Ok(mine),
                Ok(Ok(Err(e))) => return Err(StoreError::Commit(e)),
                Ok(Err(_)) => return Err(StoreError::Commit("the batch was abandoned".into())),
                Err(_) => {
                    // The writers we left the batch open for did not finish it (e.g. they were
                    // cancelled while queued): commit it ourselves.
                    let mut g = self.shared.batch.lock().await;
                    if g.generation == generation {
                        commit_batch(&mut g, &self.shared.events).await;
                    }
                }
            }
        }
    }

    /// Undoes this writer's changes (the batch continues).
    pub async fn rollback(mut self) -> Result<(), StoreError> {
        let Some(mut g) = self.guard.take() else {
            return Ok(());
        };
        finish_rollback(&mut g, &self.shared, std::mem::take(&mut self.saved)).await
    }
    /// The next value of a counter (`sql` computes MAX + 1); read from the database once per
    /// batch, then kept in memory.
    async fn next_of(&mut self, sql: &str, bind: Option<&str>) -> Result<i64, StoreError> {
        let key = format!("{sql}|{}", bind.unwrap_or(""));
        if let Some(g) = self.guard.as_mut()
            && let Some(v) = g.counters.get_mut(&key)
        {
            *v += 1;
            return Ok(*v);
        }
        let n = self.next_from_db(sql, bind).await?;
        if let Some(g) = self.guard.as_mut() {
            g.counters.insert(key, n);
        }
        Ok(n)
    }

    async fn next_from_db(&mut self, sql: &str, bind: Option<&str>) -> Result<i64, StoreError> {
        let q = sqlx::query(sql);
        let q = match bind {
            Some(b) => q.bind(b),
            None => q,
        };
        let row = q.fetch_one(self.conn()?).await?;
        Ok(row.try_get::<i64, _>("n")?)
    }

    /// The next id of a record type.
    pub async fn next_record_id(&mut self, record_type: &str) -> Result<i64, StoreError> {
        self.next_of(
            "SELECT COALESCE(MAX(id), 0) + 1 AS n FROM records WHERE record_type = $1",
            Some(record_type),
        )
        .await
    }

    /// Appends a journal entry (sequence number allocated here).
    pub async fn append(&mut self, e: NewEntry) -> Result<JournalEntry, StoreError> {
        let seq = self
            .next_of("SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM journal", None)
            .await?;
        let entry = JournalEntry {
            seq,
            ts: now_ts(),
            actor: e.actor,
            org: e.org,
            kind: e.kind,
            record_type: e.record_type,
            record_id: e.record_id,
            visibility: e.visibility,
            party_org: e.party_org,
            payload: e.payload,
            exercise_id: e.exercise_id,
        };
        sqlx::query("INSERT INTO journal (seq, ts, actor, org, kind, record_type, record_id, visibility, party_org, payload, exercise_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(entry.seq)
            .bind(&entry.ts)
            .bind(&entry.actor)
            .bind(&entry.org)
            .bind(&entry.kind)
            .bind(&entry.record_type)
            .bind(entry.record_id)
            .bind(entry.visibility.as_str())
            .bind(entry.party_org.as_deref())
            .bind(entry.payload.to_string())
            .bind(entry.exercise_id)
            .execute(self.conn()?)
            .await?;
        self.appended.push(entry.clone());
        Ok(entry)
    }

    /// A record as seen inside this transaction.
    pub async fn get_record(
        &mut self,
        record_type: &str,
        id: i64,
    ) -> Result<Option<Record>, StoreError> {
        let row = sqlx::query("SELECT * FROM records WHERE record_type = $1 AND id = $2")
            .bind(record_type)
            .bind(id)
            .fetch_optional(self.conn()?)
            .await?;
        row.as_ref().map(record_from_row).transpose()
    }

    pub async fn insert_record(&mut self, r: &Record) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO records (record_type, id, org, visibility, party_org, status, parent_id, data, created_at, updated_at, exercise_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(&r.record_type)
            .bind(r.id)
            .bind(&r.org)
            .bind(r.visibility.as_str())
            .bind(r.party_org.as_deref())
            .bind(&r.status)
            .bind(r.parent_id)
            .bind(r.data.to_string())
            .bind(&r.created_at)
            .bind(&r.updated_at)
            .bind(r.exercise_id)
            .execute(self.conn()?)
            .await?;
        Ok(())
    }

    /// Replaces a record's mutable columns (visibility, party, status, data, updated_at).
    pub async fn update_record(&mut self, r: &Record) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE records SET visibility = $1, party_org = $2, status = $3, data = $4, updated_at = $5 WHERE record_type = $6 AND id = $7")
            .bind(r.visibility.as_str())
            .bind(r.party_org.as_deref())
            .bind(&r.status)
            .bind(r.data.to_string())
            .bind(&r.updated_at)
            .bind(&r.record_type)
            .bind(r.id)
            .execute(self.conn()?)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Corrupt(format!(
                "{} {} does not exist",
                r.record_type, r.id
            )));
        }
        Ok(())
    }

    pub async fn put_layer(
        &mut self,
        incident_id: i64,
        name: &str,
        geojson: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM layers WHERE incident_id = $1 AND name = $2")
            .bind(incident_id)
            .bind(name)
            .execute(self.conn()?)
            .await?;
        sqlx::query("INSERT INTO layers (incident_id, name, geojson) VALUES ($1, $2, $3)")
            .bind(incident_id)
            .bind(name)
            .bind(geojson)
            .execute(self.conn()?)
            .await?;
        Ok(())
    }

    /// Stores (replacing) a document of a record, such as an exercise's after-action report.
    pub async fn put_document(
        &mut self,
        record_type: &str,
        record_id: i64,
        name: &str,
        body: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM documents WHERE record_type = $1 AND record_id = $2 AND name = $3",
        )
        .bind(record_type)
        .bind(record_id)
        .bind(name)
        .execute(self.conn()?)
        .await?;
        sqlx::query(
            "INSERT INTO documents (record_type, record_id, name, body) VALUES ($1, $2, $3, $4)",
        )
        .bind(record_type)
        .bind(record_id)
        .bind(name)
        .bind(body)
        .execute(self.conn()?)
        .await?;
        Ok(())
    }

    /// Inserts an organisation unless one with its code exists; true when inserted.
    pub async fn ensure_org(&mut self, o: &Org) -> Result<bool, StoreError> {
        let done = sqlx::query("INSERT INTO orgs (code, name, country_iso2, cap_sender) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING")
            .bind(&o.code)
            .bind(&o.name)
            .bind(o.country_iso2.as_deref())
            .bind(&o.cap_sender)
            .execute(self.conn()?)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn user_by_username(&mut self, username: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query("SELECT * FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(self.conn()?)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Inserts a user (id allocated here).
    pub async fn insert_user(
        &mut self,
        username: &str,
        display_name: &str,
        org: &str,
        roles: &[String],
        password_hash: &str,
    ) -> Result<User, StoreError> {
        let id = self
            .next_of("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM users", None)
            .await?;
        let u = User {
            id,
            username: username.to_string(),
            display_name: display_name.to_string(),
            org: org.to_string(),
            roles: roles.to_vec(),
            password_hash: password_hash.to_string(),
            created_at: now_ts(),
        };
        sqlx::query("INSERT INTO users (id, username, display_name, org, roles, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(u.id)
            .bind(&u.username)
            .bind(&u.display_name)
            .bind(&u.org)
            .bind(u.roles.join(","))
            .bind(&u.password_hash)
            .bind(&u.created_at)
            .execute(self.conn()?)
            .await?;
        Ok(u)
    }

    pub async fn insert_session(&mut self, s: &Session) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&s.token_hash)
            .bind(s.user_id)
            .bind(&s.csrf_token)
            .bind(&s.created_at)
            .bind(&s.expires_at)
            .execute(self.conn()?)
            .await?;
        Ok(())
    }

    /// Deletes a session and every session that expired before `now`.
    pub async fn delete_session(&mut self, token_hash: &str, now: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2")
            .bind(token_hash)
            .bind(now)
            .execute(self.conn()?)
            .await?;
        Ok(())
    }

    pub async fn insert_token(
        &mut self,
        user_id: i64,
        name: &str,
        token_hash: &str,
    ) -> Result<ApiToken, StoreError> {
        let id = self
            .next_of("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM api_tokens", None)
            .await?;
        let t = ApiToken {
            id,
            user_id,
            name: name.to_string(),
            token_hash: token_hash.to_string(),
            created_at: now_ts(),
            revoked: false,
        };
        sqlx::query("INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, revoked) VALUES ($1, $2, $3, $4, $5, 0)")
            .bind(t.id)
            .bind(t.user_id)
            .bind(&t.name)
            .bind(&t.token_hash)
            .bind(&t.created_at)
            .execute(self.conn()?)
            .await?;
        Ok(t)
    }

    /// Revokes one of a user's tokens; false if the user has no such unrevoked token.
    pub async fn revoke_token(&mut self, user_id: i64, token_id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked = 1 WHERE id = $1 AND user_id = $2 AND revoked = 0",
        )
        .bind(token_id)
        .bind(user_id)
        .execute(self.conn()?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn idempotent_response(
        &mut self,
        user_id: i64,
        key: &str,
    ) -> Result<Option<StoredResponse>, StoreError> {
        let row = sqlx::query("SELECT method, path, status, body FROM idempotency WHERE user_id = $1 AND idem_key = $2").bind(user_id).bind(key).fetch_optional(self.conn()?).await?;
        row.as_ref().map(stored_from_row).transpose()
    }

    pub async fn store_response(
        &mut self,
        user_id: i64,
        key: &str,
        r: &StoredResponse,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO idempotency (user_id, idem_key, method, path, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(user_id)
            .bind(key)
            .bind(&r.method)
            .bind(&r.path)
            .bind(i64::from(r.status))
            .bind(&r.body)
            .bind(now_ts())
            .execute(self.conn()?)
            .await?;
        Ok(())
    }
}

/// Rolls back to the writer's savepoint; commits the batch for the others if no one is queued.
async fn finish_rollback(
    g: &mut Batch,
    shared: &Shared,
    saved: HashMap<String, i64>,
) -> Result<(), StoreError> {
    g.counters = saved;
    let r = match g.tx.as_mut() {
        Some(tx) => tx
            .execute("ROLLBACK TO SAVEPOINT w")
            .await
            .and(tx.execute("RELEASE SAVEPOINT w").await)
            .map(|_| ()),
        None => Ok(()),
    };
    if let Err(e) = r {
        abort_batch(g, &e.to_string());
        return Err(e.into());
    }
    if shared.waiting.load(Ordering::SeqCst) == 0 {
        commit_batch(g, &shared.events).await;
    }
    Ok(())
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        let Some(mut g) = self.guard.take() else {
            return;
        };
        let shared = self.shared.clone();
        let saved = std::mem::take(&mut self.saved);
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                h.spawn(async move {
                    let _ = finish_rollback(&mut g, &shared, saved).await;
                });
            }
            Err(_) => abort_batch(&mut g, "write dropped outside a runtime"),
        }
    }
}
