//! Read queries (outside write transactions) and row decoding.

use crate::types::*;
use crate::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

pub(crate) fn visibility_of(s: &str) -> Result<Visibility, StoreError> {
    Visibility::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown visibility '{s}'")))
}

fn json_of(s: &str, what: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

pub(crate) fn record_from_row(r: &AnyRow) -> Result<Record, StoreError> {
    Ok(Record {
        record_type: r.try_get("record_type")?,
        id: r.try_get("id")?,
        org: r.try_get("org")?,
        visibility: visibility_of(&r.try_get::<String, _>("visibility")?)?,
        party_org: r.try_get("party_org")?,
        status: r.try_get("status")?,
        parent_id: r.try_get("parent_id")?,
        data: json_of(&r.try_get::<String, _>("data")?, "record data")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        exercise_id: r.try_get("exercise_id")?,
    })
}

pub(crate) fn journal_from_row(r: &AnyRow) -> Result<JournalEntry, StoreError> {
    Ok(JournalEntry {
        seq: r.try_get("seq")?,
        ts: r.try_get("ts")?,
        actor: r.try_get("actor")?,
        org: r.try_get("org")?,
        kind: r.try_get("kind")?,
        record_type: r.try_get("record_type")?,
        record_id: r.try_get("record_id")?,
        visibility: visibility_of(&r.try_get::<String, _>("visibility")?)?,
        party_org: r.try_get("party_org")?,
        payload: json_of(&r.try_get::<String, _>("payload")?, "journal payload")?,
        exercise_id: r.try_get("exercise_id")?,
    })
}

pub(crate) fn user_from_row(r: &AnyRow) -> Result<User, StoreError> {
    let roles: String = r.try_get("roles")?;
    Ok(User {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        org: r.try_get("org")?,
        roles: roles
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| {
                UserRole::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown role '{s}'")))
            })
            .collect::<Result<_, _>>()?,
        password_hash: r.try_get("password_hash")?,
        created_at: r.try_get("created_at")?,
    })
}

fn org_from_row(r: &AnyRow) -> Result<Org, StoreError> {
    Ok(Org {
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        country_iso2: r.try_get("country_iso2")?,
        cap_sender: r.try_get("cap_sender")?,
    })
}

fn token_from_row(r: &AnyRow) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        name: r.try_get("name")?,
        token_hash: r.try_get("token_hash")?,
        created_at: r.try_get("created_at")?,
        revoked: r.try_get::<i64, _>("revoked")? != 0,
    })
}

/// A bind value for dynamically built queries.
pub(crate) enum Bind {
    I64(i64),
    Str(String),
}

/// A query under construction: SQL text with `$n` placeholders and their values.
pub(crate) struct Q {
    pub sql: String,
    pub binds: Vec<Bind>,
}

impl Q {
    pub fn new(sql: &str) -> Q {
        Q {
            sql: sql.to_string(),
            binds: Vec::new(),
        }
    }
    /// Appends `$n` for a new bound value and returns self.
    pub fn arg(&mut self, b: Bind) -> &mut Q {
        self.binds.push(b);
        self.sql.push_str(&format!("${}", self.binds.len()));
        self
    }
    pub fn push(&mut self, s: &str) -> &mut Q {
        self.sql.push_str(s);
        self
    }
    pub fn build(&self) -> sqlx::query::Query<'_, Any, sqlx::any::AnyArguments<'_>> {
        let mut q = sqlx::query(&self.sql);
        for b in &self.binds {
            q = match b {
                Bind::I64(v) => q.bind(*v),
                Bind::Str(s) => q.bind(s.as_str()),
            };
        }
        q
    }
}

/// Appends the exercise condition: one exercise's rows, or only real ones.
pub(crate) fn push_exercise(q: &mut Q, exercise_id: Option<i64>) {
    match exercise_id {
        Some(x) => {
            q.push(" AND exercise_id = ").arg(Bind::I64(x));
        }
        None => {
            q.push(" AND exercise_id IS NULL");
        }
    }
}

/// Appends the access condition for `reader` on columns org / party_org / visibility.
pub(crate) fn push_reader(q: &mut Q, reader: &Reader) {
    match reader {
        Reader::All => {}
        Reader::Anonymous => {
            q.push(" AND visibility = 'public'");
        }
        Reader::Org(o) => {
            q.push(" AND (visibility <> 'own_org' OR org = ");
            q.arg(Bind::Str(o.clone()));
            q.push(" OR party_org = ");
            q.arg(Bind::Str(o.clone()));
            q.push(")");
        }
    }
}

fn limit_of(l: i64) -> i64 {
    if l <= 0 { 100 } else { l.min(1000) }
}

impl Store {
    /// One record, whoever may read it (callers check [`Record::readable_by`]).
    pub async fn get_record(
        &self,
        record_type: &str,
        id: i64,
    ) -> Result<Option<Record>, StoreError> {
        let row = sqlx::query("SELECT * FROM records WHERE record_type = $1 AND id = $2")
            .bind(record_type)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record_from_row).transpose()
    }

    /// Records of a type readable by `reader`, newest first.
    pub async fn list_records(
        &self,
        record_type: &str,
        reader: &Reader,
        f: &RecordFilter,
    ) -> Result<Vec<Record>, StoreError> {
        self.list_records_page(record_type, reader, f, &RecordPage::default())
            .await
    }

    /// Records of a type readable by `reader`, newest first (by id), with the conditions of
    /// `f` and `p` applied in the query; at most `f.limit` (capped at 1000).
    pub async fn list_records_page(
        &self,
        record_type: &str,
        reader: &Reader,
        f: &RecordFilter,
        p: &RecordPage,
    ) -> Result<Vec<Record>, StoreError> {
        let mut q = Q::new(
            "SELECT record_type, id, org, visibility, party_org, status, parent_id, \
             created_at, updated_at, exercise_id, ",
        );
        self.push_data_without(&mut q, p.omit_keys);
        q.push(" AS data FROM records WHERE record_type = ");
        q.arg(Bind::Str(record_type.to_string()));
        push_reader(&mut q, reader);
        if let Some(s) = &f.status {
            q.push(" AND status = ").arg(Bind::Str(s.clone()));
        }
        if let Some((first, rest)) = p.statuses.split_first() {
            q.push(" AND status IN (").arg(Bind::Str(first.clone()));
            for s in rest {
                q.push(", ").arg(Bind::Str(s.clone()));
            }
            q.push(")");
        }
        if let Some(o) = &p.org {
            q.push(" AND org = ").arg(Bind::Str(o.clone()));
        }
        if let Some(p) = f.parent_id {
            q.push(" AND parent_id = ").arg(Bind::I64(p));
        }
        if let Some(b) = p.before_id {
            q.push(" AND id < ").arg(Bind::I64(b));
        }
        push_exercise(&mut q, f.exercise_id);
        q.push(" ORDER BY id DESC LIMIT ")
            .arg(Bind::I64(limit_of(f.limit)));
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter().map(record_from_row).collect()
    }

    /// Appends the `data` column without the top-level keys `omit` (each key bound, never
    /// spliced): `json_remove` in SQLite, the jsonb `-` operator in PostgreSQL.
    fn push_data_without(&self, q: &mut Q, omit: &[&str]) {
        match self.backend {
            _ if omit.is_empty() => {
                q.push("data");
            }
            crate::Backend::Sqlite => {
                q.push("json_remove(data");
                for key in omit {
                    q.push(", ").arg(Bind::Str(format!("$.{key}")));
                }
                q.push(")");
            }
            crate::Backend::Postgres => {
                q.push("(data::jsonb");
                for key in omit {
                    q.push(" - ")
                        .arg(Bind::Str((*key).to_string()))
                        .push("::text");
                }
                q.push(")::text");
            }
        }
    }

    /// A document stored for a record (see [`crate::WriteTx::put_document`]).
    pub async fn get_document(
        &self,
        record_type: &str,
        record_id: i64,
        name: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT body FROM documents WHERE record_type = $1 AND record_id = $2 AND name = $3",
        )
        .bind(record_type)
        .bind(record_id)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get::<String, _>("body")).transpose()?)
    }

    /// A hazard layer's GeoJSON text.
    pub async fn get_layer(
        &self,
        incident_id: i64,
        name: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT geojson FROM layers WHERE incident_id = $1 AND name = $2")
            .bind(incident_id)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get::<String, _>("geojson")).transpose()?)
    }

    /// Names of an incident's layers.
    pub async fn layer_names(&self, incident_id: i64) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT name FROM layers WHERE incident_id = $1 ORDER BY name")
            .bind(incident_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>("name").map_err(StoreError::from))
            .collect()
    }

    /// Journal entries readable by `reader`. Ascending from `after_seq` when `ascending`, else
    /// descending below `before_seq`, in `scope`.
    pub async fn journal(
        &self,
        reader: &Reader,
        scope: Scope,
        after_seq: Option<i64>,
        before_seq: Option<i64>,
        ascending: bool,
        limit: i64,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        let mut q = Q::new("SELECT * FROM journal WHERE 1 = 1");
        push_reader(&mut q, reader);
        match scope {
            Scope::Real => push_exercise(&mut q, None),
            Scope::Exercise(x) => push_exercise(&mut q, Some(x)),
            Scope::All => {}
        }
        if let Some(a) = after_seq {
            q.push(" AND seq > ").arg(Bind::I64(a));
        }
        if let Some(b) = before_seq {
            q.push(" AND seq < ").arg(Bind::I64(b));
        }
        q.push(if ascending {
            " ORDER BY seq ASC LIMIT "
        } else {
            " ORDER BY seq DESC LIMIT "
        })
        .arg(Bind::I64(limit_of(limit)));
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter().map(journal_from_row).collect()
    }

    /// The last journal sequence number (0 when empty); also the health probe.
    pub async fn last_seq(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS s FROM journal")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("s")?)
    }

    /// Journal entries of one record, oldest first.
    pub async fn journal_of_record(
        &self,
        record_type: &str,
        record_id: i64,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM journal WHERE record_type = $1 AND record_id = $2 ORDER BY seq",
        )
        .bind(record_type)
        .bind(record_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(journal_from_row).collect()
    }

    pub async fn orgs(&self) -> Result<Vec<Org>, StoreError> {
        let rows = sqlx::query("SELECT * FROM orgs ORDER BY code")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(org_from_row).collect()
    }

    pub async fn org(&self, code: &str) -> Result<Option<Org>, StoreError> {
        let row = sqlx::query("SELECT * FROM orgs WHERE code = $1")
            .bind(code)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(org_from_row).transpose()
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query("SELECT * FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError> {
        let row = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Users of one organisation, or all.
    pub async fn users(&self, org: Option<&str>) -> Result<Vec<User>, StoreError> {
        let rows = match org {
            Some(o) => {
                sqlx::query("SELECT * FROM users WHERE org = $1 ORDER BY id")
                    .bind(o)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query("SELECT * FROM users ORDER BY id")
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(user_from_row).collect()
    }

    /// The session and its user, if the session exists and has not expired at `now`.
    pub async fn session(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<(Session, User)>, StoreError> {
        let row = sqlx::query("SELECT * FROM sessions WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else { return Ok(None) };
        let s = Session {
            token_hash: r.try_get("token_hash")?,
            user_id: r.try_get("user_id")?,
            csrf_token: r.try_get("csrf_token")?,
            created_at: r.try_get("created_at")?,
            expires_at: r.try_get("expires_at")?,
        };
        Ok(self.user_by_id(s.user_id).await?.map(|u| (s, u)))
    }

    /// The unrevoked token with this hash and its user.
    pub async fn token(&self, token_hash: &str) -> Result<Option<(ApiToken, User)>, StoreError> {
        let row = sqlx::query("SELECT * FROM api_tokens WHERE token_hash = $1 AND revoked = 0")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else { return Ok(None) };
        let t = token_from_row(&r)?;
        Ok(self.user_by_id(t.user_id).await?.map(|u| (t, u)))
    }

    pub async fn tokens_of(&self, user_id: i64) -> Result<Vec<ApiToken>, StoreError> {
        let rows = sqlx::query("SELECT * FROM api_tokens WHERE user_id = $1 ORDER BY id")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// A stored idempotent response (read outside a write; the write re-checks).
    pub async fn idempotent_response(
        &self,
        user_id: i64,
        key: &str,
    ) -> Result<Option<StoredResponse>, StoreError> {
        let row = sqlx::query("SELECT method, path, status, body, request_hash FROM idempotency WHERE user_id = $1 AND idem_key = $2").bind(user_id).bind(key).fetch_optional(&self.pool).await?;
        row.as_ref().map(stored_from_row).transpose()
    }
}

pub(crate) fn stored_from_row(r: &AnyRow) -> Result<StoredResponse, StoreError> {
    let status: i64 = r.try_get("status")?;
    Ok(StoredResponse {
        method: r.try_get("method")?,
        path: r.try_get("path")?,
        status: u16::try_from(status)
            .map_err(|_| StoreError::Corrupt(format!("stored status {status}")))?,
        body: r.try_get("body")?,
        request_hash: r.try_get("request_hash")?,
    })
}
