//! The live fan-out across server processes on one PostgreSQL database.
//!
//! On SQLite one process owns the database and publishes what it commits. On PostgreSQL
//! several `forewarn serve` nodes write to the same journal, and a subscriber on any node must
//! see every node's entries, in sequence order, without a gap: the journal's sequence numbers
//! are gapless and in commit order (writers hold `LOCK TABLE journal IN EXCLUSIVE MODE` until
//! they commit, see `write.rs`). So on PostgreSQL a writer does not publish its own entries;
//! every committing batch sends `NOTIFY forewarn_journal` (delivered at COMMIT) and pokes this
//! process's tailer, and each process's tailer reads the entries after the last one it
//! published and publishes them in order. A lost notification (a dropped listener
//! connection) delays entries by at most [`POLL_INTERVAL`], the tailer's fallback poll.

use crate::read::journal_from_row;
use crate::types::JournalEntry;
use sqlx::AnyPool;
use sqlx::postgres::PgListener;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::{Notify, broadcast};

/// The notification channel of committed journal entries.
pub(crate) const CHANNEL: &str = "forewarn_journal";

/// The notification channel of live events that are not journaled (a run's progress): the
/// payload is the event itself, for the other nodes to publish ([`crate::Store::notify_live`]).
pub(crate) const LIVE_CHANNEL: &str = "forewarn_live";

/// Largest payload PostgreSQL's NOTIFY carries, bytes (its limit is 8000).
pub const MAX_LIVE_PAYLOAD: usize = 7900;

/// The tailer reads the journal at least this often, notification or not.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Entries read per query.
const PAGE: i64 = 500;

/// What the tailer shares with the writers of its process.
pub(crate) struct Tail {
    /// Poked after each local commit that appended entries.
    pub poke: Notify,
}

/// The highest sequence number in the journal (0 when empty).
pub(crate) async fn last_seq(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    let n: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM journal")
        .fetch_one(pool)
        .await?;
    Ok(n.unwrap_or(0))
}

/// Starts the tailer: publishes every entry after `from_seq` to `events`, in order, until
/// `alive` is dropped (the store closed).
pub(crate) fn spawn(
    pool: AnyPool,
    url: String,
    events: broadcast::Sender<JournalEntry>,
    live: broadcast::Sender<String>,
    tail: &Arc<Tail>,
    from_seq: i64,
) {
    let alive: Weak<Tail> = Arc::downgrade(tail);
    tokio::spawn(async move {
        let mut listener = match PgListener::connect(&url).await {
            Ok(mut l) => match l.listen_all([CHANNEL, LIVE_CHANNEL]).await {
                Ok(()) => Some(l),
                Err(e) => {
                    tracing::warn!(error = %e, "journal tail: LISTEN failed; polling every {POLL_INTERVAL:?}");
                    None
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "journal tail: no listener connection; polling every {POLL_INTERVAL:?}");
                None
            }
        };
        let mut last = from_seq;
        loop {
            let Some(t) = alive.upgrade() else { return };
            // Wait for a local commit, a commit elsewhere or the poll interval.
            tokio::select! {
                _ = t.poke.notified() => {}
                r = async {
                    match listener.as_mut() {
                        Some(l) => l.recv().await.map(Some),
                        None => std::future::pending().await,
                    }
                } => {
                    match r {
                        // A live event of another node: published, and no journal to read.
                        Ok(Some(n)) if n.channel() == LIVE_CHANNEL => {
                            let _ = live.send(n.payload().to_string());
                            continue;
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "journal tail: listener lost; polling until it reconnects");
                            tokio::time::sleep(POLL_INTERVAL).await;
                        }
                    }
                }
                _ = tokio::time::sleep(POLL_INTERVAL) => {}
            }
            drop(t);
            if pool.is_closed() {
                return;
            }
            loop {
                let rows =
                    sqlx::query("SELECT * FROM journal WHERE seq > $1 ORDER BY seq ASC LIMIT $2")
                        .bind(last)
                        .bind(PAGE)
                        .fetch_all(&pool)
                        .await;
                let rows = match rows {
                    Ok(r) => r,
                    Err(e) => {
                        tracing::warn!(error = %e, "journal tail: read failed; retrying");
                        break;
                    }
                };
                let n = rows.len();
                for r in &rows {
                    match journal_from_row(r) {
                        Ok(e) => {
                            last = e.seq;
                            // No subscribers is fine.
                            let _ = events.send(e);
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "journal tail: unreadable entry after seq {last}");
                            break;
                        }
                    }
                }
                if (n as i64) < PAGE {
                    break;
                }
            }
        }
    });
}
