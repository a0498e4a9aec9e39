//! `GET /api/events`: Server-Sent Events per user, filtered by the read rules.

use crate::error::ApiError;
use crate::extract::Caller;
use crate::{AppState, LiveEvent};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use forewarn_store::{JournalEntry, Reader, Scope};
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    pub since: Option<i64>,
    /// A live exercise's stream instead of the real one (checked like the
    /// `Forewarn-Exercise` header).
    pub exercise: Option<i64>,
}

fn journal_event(e: &JournalEntry) -> Event {
    Event::default()
        .id(e.seq.to_string())
        .event(e.kind.clone())
        .data(serde_json::to_string(e).unwrap_or_default())
}

fn live_event(e: &LiveEvent) -> Event {
    Event::default()
        .event(e.kind.clone())
        .data(e.data.to_string())
}

pub async fn events(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> Result<
    Sse<axum::response::sse::KeepAliveStream<ReceiverStream<Result<Event, Infallible>>>>,
    ApiError,
> {
    let reader = caller.reader();
    // EventSource cannot send headers: the stream takes its exercise scope as a parameter,
    // checked like the header.
    let scope = match q.exercise {
        Some(id) => {
            crate::exercises::check_participant(&st, id, &caller.user).await?;
            Some(id)
        }
        None => caller.exercise,
    };
    let since = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<i64>().ok())
        .or(q.since);
    // Subscribe before the catch-up read so that nothing falls between the two.
    let mut journal = st.store.subscribe();
    let mut live = st.live.subscribe();
    let backlog = match since {
        Some(s) => {
            st.store
                .journal(&reader, Scope::of(scope), Some(s), None, true, 1000)
                .await?
        }
        None => Vec::new(),
    };
    let (tx, rx) = mpsc::channel::<Result<Event, Infallible>>(256);
    let store = st.store.clone();
    tokio::spawn(async move {
        let mut last = since.unwrap_or(0);
        for e in &backlog {
            last = e.seq;
            if tx.send(Ok(journal_event(e))).await.is_err() {
                return;
            }
        }
        loop {
            tokio::select! {
                r = journal.recv() => match r {
                    Ok(e) => {
                        if e.seq <= last || e.exercise_id != scope || !e.readable_by(&reader) { continue; }
                        last = e.seq;
                        if tx.send(Ok(journal_event(&e))).await.is_err() { return; }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        // Fell behind: catch up from the journal itself.
                        match store.journal(&reader, Scope::of(scope), Some(last), None, true, 1000).await {
                            Ok(es) => for e in es {
                                last = e.seq;
                                if tx.send(Ok(journal_event(&e))).await.is_err() { return; }
                            },
                            Err(_) => return,
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                r = live.recv() => match r {
                    Ok(e) => {
                        if e.exercise_id != scope || !reader_can(&reader, &e) { continue; }
                        if tx.send(Ok(live_event(&e))).await.is_err() { return; }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = tx.closed() => return,
            }
        }
    });
    Ok(Sse::new(ReceiverStream::new(rx)).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(15))
            .text("keep-alive"),
    ))
}

fn reader_can(r: &Reader, e: &LiveEvent) -> bool {
    r.can_read(&e.org, e.party_org.as_deref(), e.visibility)
}
