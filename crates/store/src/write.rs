//! The serialised write transaction with group commit.
//!
//! Writers take turns (one at a time) inside a shared database transaction. When a writer
//! finishes and others are queued, it leaves the database transaction open for them and
//! waits; the last writer of a batch (no one queued, or the batch is full or old) COMMITs for
//! everyone and wakes them. A writer's [`WriteTx::commit`] returns only after the database
//! COMMIT succeeded, so an acknowledged write is durable; a failed COMMIT fails every writer
//! of the batch. One COMMIT (one fsync) serves many writes.
//!
//! Appends to the journal, new projection records and stored idempotent responses cannot
//! conflict (sequence numbers and ids are allocated here, idempotency keys are checked in the
//! transaction first), so they are queued in the batch instead of being sent one statement at
//! a time, and written as multi-row INSERTs before the next read in the transaction and
//! before the COMMIT (reads in the transaction therefore see them). A writer that only queues
//! rows (a new situation report, say) makes no database round trip while it holds the write
//! lock. A writer that needs the database directly (a read, an UPDATE, a DELETE) first
//! flushes the queue and takes a SAVEPOINT, so that its own changes can still be rolled back
//! alone; a writer without one rolls back by dropping its queued rows.

use crate::StoreError;
use crate::read::{record_from_row, stored_from_row, user_from_row};
use crate::types::*;
use sqlx::{Any, AnyConnection, Executor, Row, Transaction};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard, broadcast, oneshot};

/// Most writes per database transaction. A writer whose rows are only queued holds the write
/// lock for microseconds, so a batch can take every client that is waiting; the bound (and
/// [`MAX_BATCH_AGE`]) keeps one COMMIT's flush and latency in check.
pub const MAX_BATCH: usize = 256;
/// A batch is committed once it is this old, even with writers queued (bounds the latency
/// added by waiting for others).
pub const MAX_BATCH_AGE: Duration = Duration::from_millis(4);

type Done = oneshot::Sender<Result<(), CommitFailure>>;

/// A row queued for the next flush.
enum Queued {
    Journal(JournalEntry),
    Record(Record),
    Response {
        user_id: i64,
        key: String,
        r: StoredResponse,
        created_at: String,
    },
}

/// Rows per multi-row INSERT: a queue is written in chunks of these sizes (largest first),
/// so that each table has a handful of distinct (cached, prepared) statements.
const CHUNKS: [usize; 7] = [64, 32, 16, 8, 4, 2, 1];

/// `INSERT INTO table (cols) VALUES (...), (...)` for each size of [`CHUNKS`], with `$N`
/// placeholders (PostgreSQL) or `?` (SQLite, which looks numbered placeholders up by name,
/// a linear search per parameter).
fn insert_sqls(table: &str, cols: &[&str], numbered: bool) -> Vec<String> {
    CHUNKS
        .iter()
        .map(|&rows| {
            let mut s = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
            for r in 0..rows {
                if r > 0 {
                    s.push_str(", ");
                }
                s.push('(');
                for c in 0..cols.len() {
                    if c > 0 {
                        s.push_str(", ");
                    }
                    if numbered {
                        s.push_str(&format!("${}", r * cols.len() + c + 1));
                    } else {
                        s.push('?');
                    }
                }
                s.push(')');
            }
            s
        })
        .collect()
}

const JOURNAL_COLS: [&str; 11] = [
    "seq",
    "ts",
    "actor",
    "org",
    "kind",
    "record_type",
    "record_id",
    "visibility",
    "party_org",
    "payload",
    "exercise_id",
];
const RECORD_COLS: [&str; 11] = [
    "record_type",
    "id",
    "org",
    "visibility",
    "party_org",
    "status",
    "parent_id",
    "data",
    "created_at",
    "updated_at",
    "exercise_id",
];
const RESPONSE_COLS: [&str; 8] = [
    "user_id",
    "idem_key",
    "method",
    "path",
    "status",
    "body",
    "created_at",
    "request_hash",
];

/// The multi-row INSERT statements of one placeholder style.
pub(crate) struct InsertSqls {
    journal: Vec<String>,
    records: Vec<String>,
    responses: Vec<String>,
}

impl InsertSqls {
    fn new(numbered: bool) -> InsertSqls {
        InsertSqls {
            journal: insert_sqls("journal", &JOURNAL_COLS, numbered),
            records: insert_sqls("records", &RECORD_COLS, numbered),
            responses: insert_sqls("idempotency", &RESPONSE_COLS, numbered),
        }
    }
}

static NUMBERED: LazyLock<InsertSqls> = LazyLock::new(|| InsertSqls::new(true));
static ANONYMOUS: LazyLock<InsertSqls> = LazyLock::new(|| InsertSqls::new(false));

/// The statements for a backend: numbered placeholders on PostgreSQL, `?` on SQLite.
pub(crate) fn insert_sqls_for(postgres: bool) -> &'static InsertSqls {
    if postgres { &NUMBERED } else { &ANONYMOUS }
}

/// Writes `rows` with the multi-row statements `sqls` (one per size of [`CHUNKS`]); `bind`
/// adds one row's values to a query.
async fn insert_chunked<'a, T>(
    conn: &mut AnyConnection,
    sqls: &'a [String],
    rows: &'a [T],
    bind: impl Fn(
        sqlx::query::Query<'a, Any, sqlx::any::AnyArguments<'a>>,
        &'a T,
    ) -> sqlx::query::Query<'a, Any, sqlx::any::AnyArguments<'a>>,
) -> Result<(), sqlx::Error> {
    let mut rest = rows;
    while !rest.is_empty() {
        let (i, n) = CHUNKS
            .iter()
            .copied()
            .enumerate()
            .find(|&(_, n)| n <= rest.len())
            .unwrap_or((CHUNKS.len() - 1, 1));
        let (chunk, tail) = rest.split_at(n);
        let mut q = sqlx::query(sqls[i].as_str());
        for row in chunk {
            q = bind(q, row);
        }
        q.execute(&mut *conn).await?;
        rest = tail;
    }
    Ok(())
}

/// Writes queued rows (all of them, in one multi-row INSERT per table and chunk). The tables
/// have no foreign keys or triggers between them, so grouping by table keeps the meaning.
async fn flush(
    conn: &mut AnyConnection,
    sqls: &'static InsertSqls,
    queued: Vec<Queued>,
) -> Result<(), sqlx::Error> {
    let mut journal = Vec::new();
    let mut records = Vec::new();
    let mut responses = Vec::new();
    for q in queued {
        match q {
            Queued::Journal(e) => {
                let payload = e.payload.to_string();
                journal.push((e, payload));
            }
            Queued::Record(r) => {
                let data = r.data.to_string();
                records.push((r, data));
            }
            Queued::Response {
                user_id,
                key,
                r,
                created_at,
            } => responses.push((user_id, key, r, created_at)),
        }
    }
    insert_chunked(conn, &sqls.records, &records, |q, (r, data)| {
        q.bind(&r.record_type)
            .bind(r.id)
            .bind(&r.org)
            .bind(r.visibility.as_str())
            .bind(r.party_org.as_deref())
            .bind(&r.status)
            .bind(r.parent_id)
            .bind(data.as_str())
            .bind(&r.created_at)
            .bind(&r.updated_at)
            .bind(r.exercise_id)
    })
    .await?;
    insert_chunked(conn, &sqls.journal, &journal, |q, (e, payload)| {
        q.bind(e.seq)
            .bind(&e.ts)
            .bind(&e.actor)
            .bind(&e.org)
            .bind(&e.kind)
            .bind(&e.record_type)
            .bind(e.record_id)
            .bind(e.visibility.as_str())
            .bind(e.party_org.as_deref())
            .bind(payload.as_str())
            .bind(e.exercise_id)
    })
    .await?;
    insert_chunked(
        conn,
        &sqls.responses,
        &responses,
        |q, (user_id, key, r, created_at)| {
            q.bind(*user_id)
                .bind(key.as_str())
                .bind(&r.method)
                .bind(&r.path)
                .bind(i64::from(r.status))
                .bind(&r.body)
                .bind(created_at.as_str())
                .bind(&r.request_hash)
        },
    )
    .await
}

/// The open database transaction shared by a batch of writers.
#[derive(Default)]
pub(crate) struct Batch {
    tx: Option<Transaction<'static, Any>>,
    /// Rows not yet sent to the database (see the module documentation).
    queued: Vec<Queued>,
    /// Writers that finished their turn, waiting for the COMMIT.
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
    /// Live events of other nodes (PostgreSQL, `tail.rs`): their payloads.
    pub live: broadcast::Sender<String>,
    pub lock_journal: bool,
    /// On PostgreSQL, the journal tailer that publishes every node's entries in order
    /// (`tail.rs`); on SQLite (`None`) this process publishes what it commits.
    pub tail: Option<Arc<crate::tail::Tail>>,
    /// The multi-row INSERTs in the backend's placeholder style.
    pub sqls: &'static InsertSqls,
    pub pool: sqlx::AnyPool,
}

struct WaitGuard<'a>(&'a AtomicUsize);
impl Drop for WaitGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Writes the queued rows, COMMITs the batch's transaction (if any), publishes its events and
/// wakes its writers.
async fn commit_batch(b: &mut Batch, shared: &Shared) {
    let queued = std::mem::take(&mut b.queued);
    // Other nodes learn of the entries at COMMIT (see tail.rs).
    let notify = shared.tail.is_some() && !b.events.is_empty();
    let result = match b.tx.take() {
        Some(mut tx) => match flush(&mut tx, shared.sqls, queued).await {
            Ok(()) if notify => match tx
                .execute(sqlx::query("SELECT pg_notify($1, '')").bind(crate::tail::CHANNEL))
                .await
            {
                Ok(_) => tx.commit().await.map_err(|e| CommitFailure::of(&e)),
                Err(e) => Err(CommitFailure::of(&e)),
            },
            Ok(()) => tx.commit().await.map_err(|e| CommitFailure::of(&e)),
            // Dropping the transaction rolls it back.
            Err(e) => Err(CommitFailure::of(&e)),
        },
        None => Ok(()),
    };
    b.generation += 1;
    b.counters.clear();
    b.started = None;
    let evs = std::mem::take(&mut b.events);
    if result.is_ok() {
        match &shared.tail {
            Some(t) if !evs.is_empty() => t.poke.notify_one(),
            Some(_) => {}
            None => {
                for e in evs {
                    // No subscribers is fine.
                    let _ = shared.events.send(e);
                }
            }
        }
    }
    for p in b.pending.drain(..) {
        let _ = p.send(result.clone());
    }
}

/// Why a batch did not commit, kept for each of its writers.
#[derive(Debug, Clone)]
pub(crate) struct CommitFailure {
    message: String,
    /// The database could not be reached or was busy (see [`crate::StoreError::is_unavailable`]).
    unavailable: bool,
}

impl CommitFailure {
    fn of(e: &sqlx::Error) -> CommitFailure {
        CommitFailure {
            message: e.to_string(),
            unavailable: crate::sqlx_unavailable(e),
        }
    }
    fn abandoned() -> CommitFailure {
        CommitFailure {
            message: "the batch was abandoned".into(),
            unavailable: true,
        }
    }
}

impl From<CommitFailure> for StoreError {
    fn from(f: CommitFailure) -> StoreError {
        StoreError::Commit {
            message: f.message,
            unavailable: f.unavailable,
        }
    }
}

/// Abandons the whole batch (its transaction is rolled back on drop) and fails its writers.
fn abort_batch(b: &mut Batch, why: &CommitFailure) {
    b.tx = None;
    b.queued.clear();
    b.generation += 1;
    b.counters.clear();
    b.started = None;
    b.events.clear();
    for p in b.pending.drain(..) {
        let _ = p.send(Err(why.clone()));
    }
}

impl Shared {
    /// Starts a writer's turn: the batch lock and, for the first writer of a batch, a database
    /// transaction.
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
        let saved = g.counters.clone();
        let mine_from = g.queued.len();
        Ok(WriteTx {
            guard: Some(g),
            shared: self.clone(),
            appended: Vec::new(),
            saved,
            mine_from,
            savepoint: false,
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
    /// This writer's rows are `queued[mine_from..]`.
    mine_from: usize,
    /// Whether this writer holds `SAVEPOINT w` (taken before its first direct statement).
    savepoint: bool,
}

impl WriteTx {
    /// Queues a row for the next flush.
    fn queue(&mut self, q: Queued) -> Result<(), StoreError> {
        match self.guard.as_deref_mut() {
            Some(g) if g.tx.is_some() => {
                g.queued.push(q);
                Ok(())
            }
            _ => Err(StoreError::Corrupt(
                "write transaction already finished".into(),
            )),
        }
    }

    /// The connection, for a statement that must run now: the queued rows are written first
    /// (the earlier writers' ones, then this writer's after its savepoint), so that reads see
    /// them. `savepoint`: take the savepoint even without queued rows of this writer (before
    /// a statement that changes something).
    pub(crate) async fn direct(
        &mut self,
        savepoint: bool,
    ) -> Result<&mut AnyConnection, StoreError> {
        let finished = || StoreError::Corrupt("write transaction already finished".into());
        let g = match self.guard.as_deref_mut() {
            Some(g) if g.tx.is_some() => g,
            _ => return Err(finished()),
        };
        let mine = g.queued.split_off(self.mine_from.min(g.queued.len()));
        self.mine_from = 0;
        let earlier = std::mem::take(&mut g.queued);
        if !earlier.is_empty() {
            let r = match g.tx.as_mut() {
                Some(tx) => flush(tx, self.shared.sqls, earlier).await,
                None => Ok(()),
            };
            if let Err(e) = r {
                // The earlier writers' rows are lost with the transaction: fail the batch.
                abort_batch(g, &CommitFailure::of(&e));
                return Err(e.into());
            }
        }
        if !self.savepoint && (savepoint || !mine.is_empty()) {
            let r = match g.tx.as_mut() {
                Some(tx) => tx.execute("SAVEPOINT w").await.map(|_| ()),
                None => Ok(()),
            };
            if let Err(e) = r {
                abort_batch(g, &CommitFailure::of(&e));
                return Err(e.into());
            }
            self.savepoint = true;
        }
        let tx = g.tx.as_mut().ok_or_else(finished)?;
        if !mine.is_empty() {
            // Inside this writer's savepoint: a failure here is its own (rolled back alone).
            flush(tx, self.shared.sqls, mine).await?;
        }
        Ok(&mut **tx)
    }

    /// Ends this writer's turn and waits until the batch is committed. Returns this writer's
    /// journal entries (also published to live subscribers).
    pub async fn commit(mut self) -> Result<Vec<JournalEntry>, StoreError> {
        if self.savepoint {
            // Write this writer's queued rows inside its savepoint, then release it.
            let r = match self.direct(false).await {
                Ok(conn) => conn
                    .execute("RELEASE SAVEPOINT w")
                    .await
                    .map_err(Into::into),
                Err(e) => Err(e),
            };
            if let Err(e) = r {
                self.rollback().await?;
                return Err(e);
            }
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
            commit_batch(&mut g, &self.shared).await;
        }
        drop(g);
        loop {
            match tokio::time::timeout(Duration::from_millis(25), &mut rx).await {
                Ok(Ok(Ok(()))) => return Ok(mine),
                Ok(Ok(Err(e))) => return Err(e.into()),
                Ok(Err(_)) => return Err(CommitFailure::abandoned().into()),
                Err(_) => {
                    // The writers we left the batch open for did not finish it (e.g. they were
                    // cancelled while queued): commit it ourselves. Queueing for the lock must
                    // not delay the answer when the batch commits meanwhile.
                    tokio::select! {
                        biased;
                        r = &mut rx => return match r {
                            Ok(Ok(())) => Ok(mine),
                            Ok(Err(e)) => Err(e.into()),
                            Err(_) => Err(CommitFailure::abandoned().into()),
                        },
                        mut g = self.shared.batch.lock() => {
                            if g.generation == generation {
                                commit_batch(&mut g, &self.shared).await;
                            }
                        }
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
        let undo = Undo {
            counters: std::mem::take(&mut self.saved),
            mine_from: self.mine_from,
            savepoint: self.savepoint,
        };
        finish_rollback(&mut g, &self.shared, undo).await
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
        let row = q.fetch_one(self.direct(false).await?).await?;
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
        self.queue(Queued::Journal(entry.clone()))?;
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
            .fetch_optional(self.direct(false).await?)
            .await?;
        row.as_ref().map(record_from_row).transpose()
    }

    /// Inserts a new projection record (written with the batch's next flush).
    pub async fn insert_record(&mut self, r: &Record) -> Result<(), StoreError> {
        self.queue(Queued::Record(r.clone()))
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
            .execute(self.direct(true).await?)
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
            .execute(self.direct(true).await?)
            .await?;
        sqlx::query("INSERT INTO layers (incident_id, name, geojson) VALUES ($1, $2, $3)")
            .bind(incident_id)
            .bind(name)
            .bind(geojson)
            .execute(self.direct(true).await?)
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
        .execute(self.direct(true).await?)
        .await?;
        sqlx::query(
            "INSERT INTO documents (record_type, record_id, name, body) VALUES ($1, $2, $3, $4)",
        )
        .bind(record_type)
        .bind(record_id)
        .bind(name)
        .bind(body)
        .execute(self.direct(true).await?)
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
            .execute(self.direct(true).await?)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn user_by_username(&mut self, username: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query("SELECT * FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(self.direct(false).await?)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Inserts a user (id allocated here).
    pub async fn insert_user(
        &mut self,
        username: &str,
        display_name: &str,
        org: &str,
        roles: &[UserRole],
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
            .bind(
                u.roles
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            )
            .bind(&u.password_hash)
            .bind(&u.created_at)
            .execute(self.direct(true).await?)
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
            .execute(self.direct(true).await?)
            .await?;
        Ok(())
    }

    /// Deletes a session and every session that expired before `now`.
    pub async fn delete_session(&mut self, token_hash: &str, now: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2")
            .bind(token_hash)
            .bind(now)
            .execute(self.direct(true).await?)
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
            .execute(self.direct(true).await?)
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
        .execute(self.direct(true).await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn idempotent_response(
        &mut self,
        user_id: i64,
        key: &str,
    ) -> Result<Option<StoredResponse>, StoreError> {
        let row = sqlx::query("SELECT method, path, status, body, request_hash FROM idempotency WHERE user_id = $1 AND idem_key = $2").bind(user_id).bind(key).fetch_optional(self.direct(false).await?).await?;
        row.as_ref().map(stored_from_row).transpose()
    }

    pub async fn store_response(
        &mut self,
        user_id: i64,
        key: &str,
        r: &StoredResponse,
    ) -> Result<(), StoreError> {
        self.queue(Queued::Response {
            user_id,
            key: key.to_string(),
            r: r.clone(),
            created_at: now_ts(),
        })
    }
}

/// What a rolling-back writer undoes.
struct Undo {
    /// The batch's counters when the writer started.
    counters: HashMap<String, i64>,
    /// Its queued rows start here.
    mine_from: usize,
    /// Whether it took `SAVEPOINT w` (its flushed changes are undone by rolling back to it).
    savepoint: bool,
}

/// Undoes a writer's changes (drops its queued rows, rolls back to its savepoint if it took
/// one); commits the batch for the others if no one is queued.
async fn finish_rollback(g: &mut Batch, shared: &Shared, undo: Undo) -> Result<(), StoreError> {
    g.counters = undo.counters;
    g.queued.truncate(undo.mine_from);
    let r = match g.tx.as_mut() {
        Some(tx) if undo.savepoint => tx
            .execute("ROLLBACK TO SAVEPOINT w")
            .await
            .and(tx.execute("RELEASE SAVEPOINT w").await)
            .map(|_| ()),
        _ => Ok(()),
    };
    if let Err(e) = r {
        abort_batch(g, &CommitFailure::of(&e));
        return Err(e.into());
    }
    if shared.waiting.load(Ordering::SeqCst) == 0 {
        commit_batch(g, shared).await;
    }
    Ok(())
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        let Some(mut g) = self.guard.take() else {
            return;
        };
        let shared = self.shared.clone();
        let undo = Undo {
            counters: std::mem::take(&mut self.saved),
            mine_from: self.mine_from,
            savepoint: self.savepoint,
        };
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                h.spawn(async move {
                    let _ = finish_rollback(&mut g, &shared, undo).await;
                });
            }
            Err(_) => abort_batch(
                &mut g,
                &CommitFailure {
                    message: "write dropped outside a runtime".into(),
                    unavailable: true,
                },
            ),
        }
    }
}
