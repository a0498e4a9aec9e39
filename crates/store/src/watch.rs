//! Tables of the proactive watch: source health, associated events and the incident each
//! (event, organisation) produced. The incidents themselves are journaled records; these
//! rows are operational state written beside them.

use crate::{Store, StoreError, WriteTx};
use sqlx::Row;

fn json_of(s: &str, what: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// A stored watch event.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchEventRow {
    pub event_key: String,
    pub origin_time: String,
    pub data: serde_json::Value,
}

impl WriteTx {
    /// Stores (replacing) an event.
    pub async fn put_watch_event(&mut self, e: &WatchEventRow) -> Result<(), StoreError> {
        let now = crate::now_ts();
        sqlx::query("INSERT INTO watch_events (event_key, origin_time, data, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (event_key) DO UPDATE SET origin_time = $2, data = $3, updated_at = $4")
            .bind(&e.event_key)
            .bind(&e.origin_time)
            .bind(e.data.to_string())
            .bind(now)
            .execute(self.direct(true).await?)
            .await?;
        Ok(())
    }

    /// The incident made for (event, organisation), if any.
    pub async fn watch_link(
        &mut self,
        event_key: &str,
        org: &str,
    ) -> Result<Option<i64>, StoreError> {
        let row =
            sqlx::query("SELECT incident_id FROM watch_links WHERE event_key = $1 AND org = $2")
                .bind(event_key)
                .bind(org)
                .fetch_optional(self.direct(false).await?)
                .await?;
        row.map(|r| r.try_get::<i64, _>("incident_id").map_err(StoreError::from))
            .transpose()
    }

    /// Records the incident made for (event, organisation).
    pub async fn put_watch_link(
        &mut self,
        event_key: &str,
        org: &str,
        incident_id: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO watch_links (event_key, org, incident_id) VALUES ($1, $2, $3)")
            .bind(event_key)
            .bind(org)
            .bind(incident_id)
            .execute(self.direct(true).await?)
            .await?;
        Ok(())
    }
}

impl WriteTx {
    /// Stores (replacing) a source's health record. Not journaled: health is observation of
    /// the outside world, rewritten at every poll. Written through the serialised write
    /// transaction like everything else (a write beside it would break SQLite's snapshot).
    pub async fn put_source_health(
        &mut self,
        name: &str,
        data: &serde_json::Value,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO watch_sources (name, data, updated_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET data = $2, updated_at = $3")
            .bind(name)
            .bind(data.to_string())
            .bind(crate::now_ts())
            .execute(self.direct(true).await?)
            .await?;
        Ok(())
    }
}

impl Store {
    /// The newest `limit` events by origin time.
    pub async fn watch_events(&self, limit: i64) -> Result<Vec<WatchEventRow>, StoreError> {
        let rows = sqlx::query("SELECT event_key, origin_time, data FROM watch_events ORDER BY origin_time DESC LIMIT $1")
            .bind(limit.clamp(1, 100_000))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let key: String = r.try_get("event_key")?;
                Ok(WatchEventRow {
                    data: json_of(
                        &r.try_get::<String, _>("data")?,
                        &format!("watch event {key}"),
                    )?,
                    origin_time: r.try_get("origin_time")?,
                    event_key: key,
                })
            })
            .collect()
    }

    /// The incidents made for an event: (organisation, incident id).
    pub async fn watch_links(&self, event_key: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT org, incident_id FROM watch_links WHERE event_key = $1 ORDER BY org",
        )
        .bind(event_key)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("org")?, r.try_get("incident_id")?)))
            .collect()
    }

    /// Every stored source health record: (name, data).
    pub async fn source_health(&self) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
        let rows = sqlx::query("SELECT name, data FROM watch_sources ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let name: String = r.try_get("name")?;
                let data = json_of(
                    &r.try_get::<String, _>("data")?,
                    &format!("watch source {name}"),
                )?;
                Ok((name, data))
            })
            .collect()
    }
}
