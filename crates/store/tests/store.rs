//! The store on SQLite and on a temporary PostgreSQL: journal order, projections in the same
//! transaction, rollback, idempotency records, access rules.

use forewarn_store::*;
use serde_json::json;
use sqlx::ConnectOptions;

fn entry(org: &str, id: i64, vis: Visibility, party: Option<&str>) -> NewEntry {
    NewEntry {
        actor: format!("{org}.duty"),
        org: org.into(),
        kind: "request.created".into(),
        record_type: "request".into(),
        record_id: id,
        visibility: vis,
        party_org: party.map(str::to_string),
        payload: json!({"id": id}),
        exercise_id: None,
    }
}

fn record(org: &str, id: i64, vis: Visibility) -> Record {
    let t = now_ts();
    Record {
        record_type: "request".into(),
        id,
        org: org.into(),
        visibility: vis,
        party_org: None,
        status: "open".into(),
        parent_id: None,
        data: json!({"title": format!("r{id}")}),
        created_at: t.clone(),
        updated_at: t,
        exercise_id: None,
    }
}

async fn exercise(store: Store) {
    let mut live = store.subscribe();
    let mut tx = store.begin_write().await.unwrap();
    tx.ensure_org(&Org {
        code: "pk".into(),
        name: "PK".into(),
        country_iso2: Some("PK".into()),
        cap_sender: "pk@x".into(),
    })
    .await
    .unwrap();
    assert!(
        !tx.ensure_org(&Org {
            code: "pk".into(),
            name: "again".into(),
            country_iso2: None,
            cap_sender: "y".into()
        })
        .await
        .unwrap()
    );
    let u = tx
        .insert_user("pk.duty", "Duty", "pk", &[UserRole::DutyOfficer], "hash")
        .await
        .unwrap();
    let id = tx.next_record_id("request").await.unwrap();
    assert_eq!(id, 1);
    tx.insert_record(&record("pk", id, Visibility::OwnOrg))
        .await
        .unwrap();
    let e = tx
        .append(entry("pk", id, Visibility::OwnOrg, None))
        .await
        .unwrap();
    tx.store_response(
        u.id,
        "k1",
        &StoredResponse {
            method: "POST".into(),
            path: "/api/requests".into(),
            status: 201,
            body: "{}".into(),
            request_hash: "h".into(),
        },
    )
    .await
    .unwrap();
    let committed = tx.commit().await.unwrap();
    assert_eq!(committed, vec![e.clone()]);
    assert_eq!(live.recv().await.unwrap(), e);

    // A rolled-back transaction leaves nothing behind and publishes nothing.
    let mut tx = store.begin_write().await.unwrap();
    let id2 = tx.next_record_id("request").await.unwrap();
    tx.insert_record(&record("pk", id2, Visibility::Regional))
        .await
        .unwrap();
    tx.append(entry("pk", id2, Visibility::Regional, None))
        .await
        .unwrap();
    drop(tx);
    assert!(store.get_record("request", id2).await.unwrap().is_none());
    assert_eq!(store.last_seq().await.unwrap(), 1);
    assert!(live.try_recv().is_err());

    // Second org, regional record with a party org.
    let mut tx = store.begin_write().await.unwrap();
    tx.ensure_org(&Org {
        code: "kz".into(),
        name: "KZ".into(),
        country_iso2: Some("KZ".into()),
        cap_sender: "kz@x".into(),
    })
    .await
    .unwrap();
    let id3 = tx.next_record_id("request").await.unwrap();
    assert_eq!(id3, 2);
    let mut r = record("kz", id3, Visibility::OwnOrg);
    r.party_org = Some("pk".into());
    tx.insert_record(&r).await.unwrap();
    tx.append(entry("kz", id3, Visibility::OwnOrg, Some("pk")))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let pk = Reader::Org("pk".into());
    let kz = Reader::Org("kz".into());
    let cn = Reader::Org("cn".into());
    let n = |rs: Vec<Record>| rs.iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(
        n(store
            .list_records("request", &pk, &RecordFilter::default())
            .await
            .unwrap()),
        vec![2, 1]
    );
    assert_eq!(
        n(store
            .list_records("request", &kz, &RecordFilter::default())
            .await
            .unwrap()),
        vec![2]
    );
    assert_eq!(
        n(store
            .list_records("request", &cn, &RecordFilter::default())
            .await
            .unwrap()),
        Vec::<i64>::new()
    );
    assert_eq!(
        n(store
            .list_records("request", &Reader::All, &RecordFilter::default())
            .await
            .unwrap()),
        vec![2, 1]
    );
    assert_eq!(
        n(store
            .list_records("request", &Reader::Anonymous, &RecordFilter::default())
            .await
            .unwrap()),
        Vec::<i64>::new()
    );
    let j = store
        .journal(&cn, Scope::Real, None, None, false, 10)
        .await
        .unwrap();
    assert!(j.is_empty());
    let j = store
        .journal(&Reader::All, Scope::Real, Some(0), None, true, 10)
        .await
        .unwrap();
    assert_eq!(j.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2]);
    assert!(j.iter().all(|e| e.readable_by(&Reader::All)));

    // Projection update and idempotency lookup.
    let mut rec = store.get_record("request", 1).await.unwrap().unwrap();
    rec.status = "closed".into();
    let mut tx = store.begin_write().await.unwrap();
    tx.update_record(&rec).await.unwrap();
    assert_eq!(
        tx.idempotent_response(u.id, "k1")
            .await
            .unwrap()
            .unwrap()
            .status,
        201
    );
    tx.commit().await.unwrap();
    assert_eq!(
        store
            .get_record("request", 1)
            .await
            .unwrap()
            .unwrap()
            .status,
        "closed"
    );
    assert!(
        store
            .idempotent_response(u.id, "other")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .user_by_username("pk.duty")
            .await
            .unwrap()
            .unwrap()
            .roles,
        vec![UserRole::DutyOfficer]
    );

    // Exercise separation: a record and entry of exercise 7 appear only when asked for.
    let mut tx = store.begin_write().await.unwrap();
    let mut xr = record("pk", 3, Visibility::Regional);
    xr.exercise_id = Some(7);
    tx.insert_record(&xr).await.unwrap();
    let mut xe = entry("pk", 3, Visibility::Regional, None);
    xe.exercise_id = Some(7);
    tx.append(xe).await.unwrap();
    tx.put_document("exercise", 7, "aar.html", "<html>report</html>")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let real = store
        .list_records("request", &Reader::All, &RecordFilter::default())
        .await
        .unwrap();
    assert_eq!(n(real), vec![2, 1]);
    let ex = store
        .list_records(
            "request",
            &Reader::All,
            &RecordFilter {
                exercise_id: Some(7),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(n(ex.clone()), vec![3]);
    assert_eq!(ex[0].exercise_id, Some(7));
    let real_j = store
        .journal(&Reader::All, Scope::Real, Some(0), None, true, 100)
        .await
        .unwrap();
    assert!(real_j.iter().all(|e| e.exercise_id.is_none()));
    let ex_j = store
        .journal(&Reader::All, Scope::Exercise(7), Some(0), None, true, 100)
        .await
        .unwrap();
    assert_eq!(ex_j.len(), 1);
    assert_eq!(ex_j[0].exercise_id, Some(7));
    let all_j = store
        .journal(&Reader::All, Scope::All, Some(0), None, true, 100)
        .await
        .unwrap();
    assert_eq!(all_j.len(), real_j.len() + 1);
    assert_eq!(
        store
            .get_document("exercise", 7, "aar.html")
            .await
            .unwrap()
            .as_deref(),
        Some("<html>report</html>")
    );
    assert!(
        store
            .get_document("exercise", 8, "aar.html")
            .await
            .unwrap()
            .is_none()
    );
}

async fn concurrent_writes(store: Store) {
    let mut tasks = Vec::new();
    for i in 0..40 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = s.begin_write().await.unwrap();
            let id = tx.next_record_id("sitrep").await.unwrap();
            let mut r = record("pk", id, Visibility::Regional);
            r.record_type = "sitrep".into();
            tx.insert_record(&r).await.unwrap();
            let mut e = entry("pk", id, Visibility::Regional, None);
            e.payload = json!({"i": i});
            tx.append(e).await.unwrap();
            tx.commit().await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let j = store
        .journal(&Reader::All, Scope::Real, Some(0), None, true, 1000)
        .await
        .unwrap();
    let seqs: Vec<i64> = j.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "gapless, in order"
    );
    let sitreps = store
        .list_records(
            "sitrep",
            &Reader::All,
            &RecordFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(sitreps.len(), 40);
}

/// Rows queued by earlier writers of a batch are visible to a later writer's reads; a later
/// writer that flushed (and so took its savepoint) and then rolls back undoes only its own
/// rows; a writer that only queued rows and rolls back leaves none; and many queued rows are
/// written in chunks (more than the largest multi-row INSERT).
async fn queued_rows(store: Store) {
    let mut tx = store.begin_write().await.unwrap();
    tx.ensure_org(&Org {
        code: "pk".into(),
        name: "PK".into(),
        country_iso2: None,
        cap_sender: "pk@x".into(),
    })
    .await
    .unwrap();
    let u = tx
        .insert_user("pk.duty", "Duty", "pk", &[UserRole::DutyOfficer], "h")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Writer A queues a record, an entry and a stored response and ends its turn while writer
    // B waits for the lock, so that both share one batch.
    let a = store.begin_write().await.unwrap();
    let b_store = store.clone();
    let (b_ready, b_go) = tokio::sync::oneshot::channel::<()>();
    let b = tokio::spawn(async move {
        let _ = b_ready.send(());
        let mut tx = b_store.begin_write().await.unwrap();
        // Sees A's queued rows.
        let ra = tx.get_record("request", 1).await.unwrap();
        let idem = tx.idempotent_response(u.id, "ka").await.unwrap();
        let id = tx.next_record_id("request").await.unwrap();
        tx.insert_record(&record("pk", id, Visibility::Regional))
            .await
            .unwrap();
        tx.append(entry("pk", id, Visibility::Regional, None))
            .await
            .unwrap();
        // A read flushes B's own rows inside its savepoint; then B rolls back.
        assert!(tx.get_record("request", id).await.unwrap().is_some());
        tx.rollback().await.unwrap();
        (ra.is_some(), idem.map(|r| r.status), id)
    });
    let mut a = a;
    b_go.await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let id = a.next_record_id("request").await.unwrap();
    assert_eq!(id, 1);
    a.insert_record(&record("pk", id, Visibility::Regional))
        .await
        .unwrap();
    a.append(entry("pk", id, Visibility::Regional, None))
        .await
        .unwrap();
    a.store_response(
        u.id,
        "ka",
        &StoredResponse {
            method: "POST".into(),
            path: "/api/requests".into(),
            status: 201,
            body: "{}".into(),
            request_hash: "h".into(),
        },
    )
    .await
    .unwrap();
    let committed = a.commit().await.unwrap();
    assert_eq!(committed.len(), 1);
    let (saw_record, saw_idem, b_id) = b.await.unwrap();
    assert!(saw_record, "B reads A's queued record");
    assert_eq!(saw_idem, Some(201), "B reads A's queued response");
    assert_eq!(b_id, 2);
    assert!(store.get_record("request", 1).await.unwrap().is_some());
    assert!(store.get_record("request", 2).await.unwrap().is_none());
    assert_eq!(store.last_seq().await.unwrap(), 1);

    // A writer that only queued rows and rolls back leaves nothing; the next one reuses the
    // sequence number and id (gapless).
    let mut tx = store.begin_write().await.unwrap();
    let id = tx.next_record_id("request").await.unwrap();
    tx.insert_record(&record("pk", id, Visibility::Regional))
        .await
        .unwrap();
    tx.append(entry("pk", id, Visibility::Regional, None))
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(store.last_seq().await.unwrap(), 1);

    // 150 rows in one writer: written as chunks of 64, 64, 16, 4 and 2.
    let mut tx = store.begin_write().await.unwrap();
    for _ in 0..150 {
        let id = tx.next_record_id("request").await.unwrap();
        tx.insert_record(&record("pk", id, Visibility::Regional))
            .await
            .unwrap();
        tx.append(entry("pk", id, Visibility::Regional, None))
            .await
            .unwrap();
    }
    let committed = tx.commit().await.unwrap();
    assert_eq!(committed.first().map(|e| e.seq), Some(2));
    assert_eq!(committed.last().map(|e| e.seq), Some(151));
    assert_eq!(store.last_seq().await.unwrap(), 151);
    let rs = store
        .list_records(
            "request",
            &Reader::All,
            &RecordFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(rs.len(), 151);
    assert_eq!(rs.first().map(|r| r.id), Some(151));
}

/// A list page can leave heavy top-level keys of `data` out in the query; everything else of the
/// record, and the full record by id, stay as they were.
async fn heavy_keys_left_out(store: Store) {
    let mut tx = store.begin_write().await.unwrap();
    let mut r = record("pk", 1, Visibility::Regional);
    r.data = json!({"title": "t", "xml": "<alert>big</alert>", "summary": {"deaths": 3}, "n": 1});
    tx.insert_record(&r).await.unwrap();
    tx.commit().await.unwrap();
    let list = |omit_keys: &'static [&'static str]| {
        let store = store.clone();
        async move {
            let p = RecordPage {
                omit_keys,
                ..Default::default()
            };
            let f = RecordFilter::default();
            store
                .list_records_page("request", &Reader::All, &f, &p)
                .await
                .unwrap()
        }
    };
    let light = list(&["xml", "summary"]).await;
    assert_eq!(light.len(), 1);
    assert_eq!(light[0].data, json!({"title": "t", "n": 1}));
    assert_eq!(
        (light[0].id, light[0].status.as_str(), light[0].org.as_str()),
        (1, "open", "pk")
    );
    assert_eq!(
        list(&["xml"]).await[0].data["summary"],
        json!({"deaths": 3})
    );
    assert_eq!(list(&[]).await[0].data, r.data);
    let whole = store.get_record("request", 1).await.unwrap().unwrap();
    assert_eq!(whole.data, r.data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    exercise(Store::open(db.to_str().unwrap()).await.unwrap()).await;
    // Reopening migrates nothing new and keeps the data.
    let s = Store::open(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    assert_eq!(s.last_seq().await.unwrap(), 3);
    let db2 = dir.path().join("c.db");
    concurrent_writes(Store::open(db2.to_str().unwrap()).await.unwrap()).await;
    let db3 = dir.path().join("q.db");
    queued_rows(Store::open(db3.to_str().unwrap()).await.unwrap()).await;
    let db4 = dir.path().join("h.db");
    heavy_keys_left_out(Store::open(db4.to_str().unwrap()).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store() {
    let Some(pg) = pg_temp::for_tests() else {
        return;
    };
    let url = pg.create_database("store_a").unwrap();
    exercise(Store::open(&url).await.unwrap()).await;
    let s = Store::open(&url).await.unwrap();
    assert_eq!(s.last_seq().await.unwrap(), 3);
    s.close().await;
    let url = pg.create_database("store_b").unwrap();
    concurrent_writes(Store::open(&url).await.unwrap()).await;
    let url = pg.create_database("store_c").unwrap();
    queued_rows(Store::open(&url).await.unwrap()).await;
    let url = pg.create_database("store_d").unwrap();
    heavy_keys_left_out(Store::open(&url).await.unwrap()).await;
}

#[test]
fn database_urls() {
    assert_eq!(
        database_url("forewarn.db").unwrap(),
        ("sqlite://forewarn.db?mode=rwc".to_string(), Backend::Sqlite)
    );
    assert_eq!(
        database_url("sqlite:///tmp/a.db").unwrap().0,
        "sqlite:///tmp/a.db?mode=rwc"
    );
    assert_eq!(
        database_url("postgres://u@h/db").unwrap().1,
        Backend::Postgres
    );
    assert!(database_url("mysql://x").is_err());
    assert!(database_url("").is_err());
}

/// A parent's children (a request's offers) are found through the (record_type, parent_id, id)
/// index, newest first, not by walking every record of the type backwards: listing requests
/// with their offers grew with every offer ever made (the soak's rising p99,
/// docs/reliability.md). The query has the shape `list_records_page` builds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_of_a_parent_are_found_by_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.db");
    let store = Store::open(path.to_str().unwrap()).await.unwrap();
    drop(store);
    // Through sqlx, the library the store itself uses: the sqlite3 shell printed nothing on
    // the CI machine, and the plan is the library's, not a shell's.
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .connect()
        .await
        .unwrap();
    let rows = sqlx::query(
        "EXPLAIN QUERY PLAN SELECT * FROM records WHERE record_type = 'offer' \
         AND (visibility <> 'own_org' OR org = 'pk' OR party_org = 'pk') \
         AND parent_id = 5 AND exercise_id IS NULL ORDER BY id DESC LIMIT 1000",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let plan: Vec<String> = rows
        .iter()
        .map(|row| sqlx::Row::get::<String, _>(row, "detail"))
        .collect();
    let plan = plan.join("\n");
    assert!(plan.contains("records_parent_id"), "{plan}");
    assert!(!plan.contains("TEMP B-TREE"), "no sort: {plan}");
}

/// Two stores on one PostgreSQL database are two server nodes: each one's subscribers see
/// every entry of both, in sequence order, without a gap, within a second of its commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_nodes_see_each_others_entries_in_order() {
    let Some(pg) = pg_temp::for_tests() else {
        return;
    };
    let url = pg.create_database("nodes").unwrap();
    let a = Store::open(&url).await.unwrap();
    let b = Store::open(&url).await.unwrap();
    let mut on_a = a.subscribe();
    let mut on_b = b.subscribe();
    // Writers on both nodes at once, 20 entries each.
    let write = |s: Store, org: &'static str| async move {
        for i in 0..20 {
            let mut tx = s.begin_write().await.unwrap();
            tx.append(entry(org, i, Visibility::Regional, None))
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
    };
    let t0 = std::time::Instant::now();
    let (ra, rb) = tokio::join!(
        tokio::spawn(write(a.clone(), "pk")),
        tokio::spawn(write(b.clone(), "tj"))
    );
    ra.unwrap();
    rb.unwrap();
    for (name, rx) in [("a", &mut on_a), ("b", &mut on_b)] {
        let mut seqs = Vec::new();
        let mut orgs = std::collections::BTreeMap::<String, usize>::new();
        while seqs.len() < 40 {
            let e = tokio::time::timeout(std::time::Duration::from_secs(2), rx.recv())
                .await
                .unwrap_or_else(|_| panic!("node {name}: only {} of 40 entries", seqs.len()))
                .unwrap();
            seqs.push(e.seq);
            *orgs.entry(e.org).or_default() += 1;
        }
        assert_eq!(
            seqs,
            (1..=40).collect::<Vec<i64>>(),
            "node {name}: in order, no gap"
        );
        assert_eq!(orgs["pk"], 20);
        assert_eq!(orgs["tj"], 20);
    }
    // One more write on a: b's subscriber has it within a second.
    let mut tx = a.begin_write().await.unwrap();
    tx.append(entry("pk", 99, Visibility::Regional, None))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let t1 = std::time::Instant::now();
    let e = tokio::time::timeout(std::time::Duration::from_secs(1), on_b.recv())
        .await
        .expect("node b saw node a's write within 1 s")
        .unwrap();
    assert_eq!(e.seq, 41);
    eprintln!(
        "40 concurrent writes on two nodes in {:?}; a's next entry reached b's subscriber in {:?}",
        t1 - t0,
        t1.elapsed()
    );
}

/// A lease is held by one node at a time, renewed by its holder, taken by another only once it
/// expired, and given up on release.
async fn leases(a: Store, b: Store) {
    let t = 1_000_000;
    assert!(a.try_lease("watch", "node-a", 10_000, t).await.unwrap());
    assert!(!b.try_lease("watch", "node-b", 10_000, t + 1).await.unwrap());
    assert!(
        a.try_lease("watch", "node-a", 10_000, t + 5_000)
            .await
            .unwrap()
    );
    // Renewed to t + 15 s: still a's at t + 12 s.
    assert!(
        !b.try_lease("watch", "node-b", 10_000, t + 12_000)
            .await
            .unwrap()
    );
    assert!(
        b.try_lease("watch", "node-b", 10_000, t + 15_001)
            .await
            .unwrap()
    );
    assert_eq!(
        a.lease_holder("watch").await.unwrap(),
        Some(("node-b".to_string(), t + 25_001))
    );
    assert!(
        !a.try_lease("watch", "node-a", 10_000, t + 16_000)
            .await
            .unwrap()
    );
    b.release_lease("watch", "node-b").await.unwrap();
    assert!(
        a.try_lease("watch", "node-a", 10_000, t + 16_001)
            .await
            .unwrap()
    );
    // Another lease is independent.
    assert!(b.try_lease("other", "node-b", 10_000, t).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_on_sqlite_and_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lease.db");
    let s = Store::open(db.to_str().unwrap()).await.unwrap();
    leases(s.clone(), s).await;
    let Some(pg) = pg_temp::for_tests() else {
        return;
    };
    let url = pg.create_database("leases").unwrap();
    leases(
        Store::open(&url).await.unwrap(),
        Store::open(&url).await.unwrap(),
    )
    .await;
}

/// During a rolling upgrade an old node opens a database that a newer one migrated: a
/// migration the old binary does not know is not an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_migrated_by_a_newer_version_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.db");
    let s = Store::open(path.to_str().unwrap()).await.unwrap();
    s.close().await;
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .connect()
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990101000000, 'a newer version''s table', 1, X'00', 0)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    drop(conn);
    let s = Store::open(path.to_str().unwrap()).await.unwrap();
    assert!(s.last_seq().await.is_ok());
}

/// Queues four runs (three of org `a`, one of `b`) at times 1..4.
async fn queue_four(s: &Store) {
    let mut tx = s.begin_write().await.unwrap();
    for (id, org) in [(1, "a"), (2, "a"), (3, "a"), (4, "b")] {
        tx.queue_run(id, org, 0, 0, id).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// The run queue: the organisation with the fewest runs in progress goes first, then the
/// oldest job; a holder renews what it holds; an expired job is taken again (counted); a
/// revision replaces a job under its holder; the holder and generation are read in a write
/// transaction and the job deleted with the result.
async fn run_queue(a: Store, b: Store) {
    queue_four(&a).await;
    let t = 1_000;
    let claim = async |s: &Store, who: &str, at: i64| {
        s.claim_run(who, 10_000, at)
            .await
            .unwrap()
            .map(|c| (c.incident_id, c.attempts))
    };
    assert_eq!(claim(&a, "n1", t).await, Some((1, 1)));
    // Org a has a run in progress, b none: b's younger job goes first.
    assert_eq!(claim(&b, "n2", t).await, Some((4, 1)));
    assert_eq!(claim(&a, "n1", t).await, Some((2, 1)));
    assert_eq!(claim(&b, "n2", t).await, Some((3, 1)));
    assert_eq!(claim(&a, "n3", t).await, None);
    let mut held = a.renew_runs("n1", 10_000, t + 5_000).await.unwrap();
    held.sort();
    assert_eq!(held, vec![(1, 0), (2, 0)]);
    // n2 stops renewing: its jobs are free once their leases (t + 10 s) have expired.
    assert_eq!(claim(&a, "n3", t + 10_001).await, Some((4, 2)));
    assert_eq!(claim(&a, "n3", t + 10_002).await, Some((3, 2)));
    assert_eq!(claim(&a, "n3", t + 10_003).await, None);
    assert_eq!(
        b.renew_runs("n2", 10_000, t + 10_004).await.unwrap(),
        vec![]
    );
    let jobs = a.run_jobs(t + 10_005, 100).await.unwrap();
    assert_eq!(jobs.len(), 4);
    assert!(jobs.iter().all(|j| j.held));
    // A revision queues generation 1 of incident 1 in place of n1's run.
    let mut tx = a.begin_write().await.unwrap();
    tx.queue_run(1, "a", 1, 0, t + 10_006).await.unwrap();
    assert_eq!(tx.run_job(1).await.unwrap(), Some((None, 1)));
    assert_eq!(tx.run_job(2).await.unwrap(), Some((Some("n1".into()), 0)));
    tx.delete_run_job(2).await.unwrap();
    assert_eq!(tx.run_job(2).await.unwrap(), None);
    tx.commit().await.unwrap();
    assert_eq!(
        a.renew_runs("n1", 10_000, t + 10_007).await.unwrap(),
        vec![]
    );
    assert_eq!(claim(&b, "n2", t + 10_008).await, Some((1, 1)));
    // A node that stops cleanly frees its jobs at once.
    assert_eq!(a.free_runs_of("n3").await.unwrap(), 2);
    assert_eq!(claim(&a, "n1", t + 10_009).await.map(|c| c.1), Some(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_queue_on_sqlite_and_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jobs.db");
    let s = Store::open(db.to_str().unwrap()).await.unwrap();
    run_queue(s.clone(), s).await;
    let Some(pg) = pg_temp::for_tests() else {
        return;
    };
    let url = pg.create_database("jobs").unwrap();
    run_queue(
        Store::open(&url).await.unwrap(),
        Store::open(&url).await.unwrap(),
    )
    .await;
    // Many nodes claiming at once take different jobs, each exactly once.
    let url = pg.create_database("jobs_race").unwrap();
    let nodes = open_n(&url, 4).await;
    let mut tx = nodes[0].begin_write().await.unwrap();
    for id in 1..=40 {
        tx.queue_run(id, if id % 2 == 0 { "a" } else { "b" }, 0, 0, id)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let mut tasks = Vec::new();
    for (i, s) in nodes.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(c) = s.claim_run(&format!("n{i}"), 60_000, 5_000).await.unwrap() {
                got.push(c.incident_id);
            }
            got
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    assert_eq!(all, (1..=40).collect::<Vec<i64>>());
}

async fn open_n(url: &str, n: usize) -> Vec<Store> {
    let mut v = Vec::new();
    for _ in 0..n {
        v.push(Store::open(url).await.unwrap());
    }
    v
}
