//! The serialised write transaction: projections, journal and idempotency in one commit.

use crate::StoreError;
use crate::read::{record_from_row, stored_from_row, user_from_row};
use crate::types::*;
use sqlx::{Any, Row, Transaction};
use tokio::sync::{OwnedMutexGuard, broadcast};

/// A write transaction. Holds the store's write lock until [`WriteTx::commit`] or drop (a
/// dropped transaction rolls back and publishes nothing).
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    _guard: OwnedMutexGuard<()>,
    events: broadcast::Sender<JournalEntry>,
    appended: Vec<JournalEntry>,
}

impl WriteTx {
    pub(crate) fn new(
        tx: Transaction<'static, Any>,
        guard: OwnedMutexGuard<()>,
        events: broadcast::Sender<JournalEntry>,
    ) -> WriteTx {
        WriteTx {
            tx,
            _guard: guard,
            events,
            appended: Vec::new(),
        }
    }

    /// Commits, then publishes the appended entries to live subscribers. Returns them.
    pub async fn commit(self) -> Result<Vec<JournalEntry>, StoreError> {
        let WriteTx {
            tx,
            _guard,
            events,
            appended,
        } = self;
        tx.commit().await?;
        drop(_guard);
        for e in &appended {
            // No subscribers is fine.
            let _ = events.send(e.clone());
        }
        Ok(appended)
    }

    async fn next_of(&mut self, sql: &str, bind: Option<&str>) -> Result<i64, StoreError> {
        let q = sqlx::query(sql);
        let q = match bind {
            Some(b) => q.bind(b),
            None => q,
        };
        let row = q.fetch_one(&mut *self.tx).await?;
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
        };
        sqlx::query("INSERT INTO journal (seq, ts, actor, org, kind, record_type, record_id, visibility, party_org, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
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
            .execute(&mut *self.tx)
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
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(record_from_row).transpose()
    }

    pub async fn insert_record(&mut self, r: &Record) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO records (record_type, id, org, visibility, party_org, status, parent_id, data, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
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
            .execute(&mut *self.tx)
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
            .execute(&mut *self.tx)
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
            .execute(&mut *self.tx)
            .await?;
        sqlx::query("INSERT INTO layers (incident_id, name, geojson) VALUES ($1, $2, $3)")
            .bind(incident_id)
            .bind(name)
            .bind(geojson)
            .execute(&mut *self.tx)
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
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn user_by_username(&mut self, username: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query("SELECT * FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *self.tx)
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
            .execute(&mut *self.tx)
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
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Deletes a session and every session that expired before `now`.
    pub async fn delete_session(&mut self, token_hash: &str, now: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2")
            .bind(token_hash)
            .bind(now)
            .execute(&mut *self.tx)
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
            .execute(&mut *self.tx)
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
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn idempotent_response(
        &mut self,
        user_id: i64,
        key: &str,
    ) -> Result<Option<StoredResponse>, StoreError> {
        let row = sqlx::query("SELECT method, path, status, body FROM idempotency WHERE user_id = $1 AND idem_key = $2").bind(user_id).bind(key).fetch_optional(&mut *self.tx).await?;
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
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
