//! Several `forewarn serve` nodes on one PostgreSQL database (issue 15): any node serves any
//! request, and a write on one node reaches the live event stream of every other node within
//! a second; a client that reconnects to another node with `Last-Event-ID` misses nothing.

mod node;
use node::{EventStream, Server, post_json, start, token};
use serde_json::json;
use std::time::{Duration, Instant};

/// Three nodes on one temporary PostgreSQL (None when PostgreSQL is not installed outside CI).
fn cluster(
    n: usize,
) -> Option<(
    forewarn_store::pg_temp::TempPostgres,
    Vec<Server>,
    tempfile::TempDir,
)> {
    let pg = forewarn_store::pg_temp::for_tests()?;
    let url = pg.create_database("cluster").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let web = dir.path().display().to_string();
    // One after the other: the first seeds the demo, the others find it.
    let nodes = (0..n).map(|_| start(&url, &web)).collect();
    Some((pg, nodes, dir))
}

#[test]
fn a_write_on_one_node_reaches_the_event_streams_of_the_others() {
    let Some((_pg, nodes, _dir)) = cluster(3) else {
        return;
    };
    let (a, b, c) = (nodes[0].addr, nodes[1].addr, nodes[2].addr);
    // A token made on node A serves on B and C (sessions and tokens live in the database).
    let auth = format!("Bearer {}", token(a));
    let mut on_b = EventStream::open(b, &auth, None);
    let mut on_c = EventStream::open(c, &auth, None);
    let mut seqs = Vec::new();
    for i in 0..5 {
        let t0 = Instant::now();
        let (s, v) = post_json(
            a,
            &auth,
            "/api/sitreps",
            &json!({"title": format!("cluster {i}"), "body": "written on node A"}),
        );
        assert_eq!(s, 201, "{v}");
        for (name, stream) in [("B", &mut on_b), ("C", &mut on_c)] {
            let got = stream.until("sitrep.created", Duration::from_secs(1));
            let e = got.last().unwrap();
            assert!(
                e.data.contains(&format!("cluster {i}")),
                "node {name}: {e:?}"
            );
            if name == "B" {
                seqs.push(e.id.expect("journal events carry their sequence number"));
            }
            eprintln!("write {i} on A seen on {name} after {:?}", t0.elapsed());
        }
    }
    // A client of node B that reconnects to node C from the second write's id gets writes 2-4,
    // then the live ones.
    drop(on_b);
    let mut again = EventStream::open(c, &auth, Some(seqs[1]));
    let (s, _) = post_json(
        b,
        &auth,
        "/api/sitreps",
        &json!({"title": "cluster 5", "body": "written on node B"}),
    );
    assert_eq!(s, 201);
    let mut titles = Vec::new();
    while titles.len() < 4 {
        let e = again
            .until("sitrep.created", Duration::from_secs(2))
            .pop()
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&e.data).unwrap();
        titles.push(v["payload"]["title"].as_str().unwrap_or("").to_string());
    }
    assert_eq!(titles, ["cluster 2", "cluster 3", "cluster 4", "cluster 5"]);
}
