//! Authorisation matrix: every endpoint of the router, called by anonymous clients and users
//! of several roles and organisations, on SQLite and on PostgreSQL. The test fails if a route
//! of `routes::route_table()` (the table the router is built from) is not exercised, or if a
//! route that is not public has no case where the server refuses the caller.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{App, Client, cap_xml};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;
use tower::ServiceExt;

struct Matrix {
    covered: BTreeSet<(String, String)>,
    /// Routes with at least one refused call (401, 403 or 404).
    refused: BTreeSet<(String, String)>,
}

impl Matrix {
    /// Calls `path` (an instance of `template`) as `c` and asserts the status.
    async fn check(
        &mut self,
        c: &Client<'_>,
        method: &str,
        template: &str,
        path: &str,
        body: Option<Value>,
        want: u16,
    ) -> Value {
        self.covered
            .insert((method.to_string(), template.to_string()));
        if [401, 403, 404].contains(&want) {
            self.refused
                .insert((method.to_string(), template.to_string()));
        }
        let (s, v) = c.call(method, path, body).await;
        assert_eq!(
            s.as_u16(),
            want,
            "{} {method} {path}: {v}",
            if c.user.is_empty() {
                "anonymous"
            } else {
                &c.user
            }
        );
        if want >= 400 {
            assert!(
                v.get("error").is_some_and(|e| e.is_string()),
                "error body for {method} {path}: {v}"
            );
        }
        v
    }
}

fn ids(v: &Value) -> Vec<i64> {
    v["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["id"].as_i64()).collect())
        .unwrap_or_default()
}

async fn wait_status(c: &Client<'_>, id: i64, want: &str) -> Value {
    for _ in 0..600 {
        let (_, v) = c.get(&format!("/api/incidents/{id}")).await;
        if v["status"] == want {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("incident {id} never reached {want}");
}

async fn matrix(app: &App) {
    let mut m = Matrix {
        covered: BTreeSet::new(),
        refused: BTreeSet::new(),
    };
    let anon = app.anon();
    let pv = app.login("pk.viewer").await;
    let pd = app.login("pk.duty").await;
    let pa = app.login("pk.approver").await;
    let kd = app.login("kz.duty").await;
    let kv = app.login("kz.viewer").await;
    let kap = app.login("kz.approver").await;
    let cd = app.login("cn.duty").await;
    let rc = app.login("rc.coordinator").await;

    // Public endpoints.
    let h = m
        .check(&anon, "GET", "/api/health", "/api/health", None, 200)
        .await;
    assert_eq!(h["database"]["status"], "ok");
    m.check(
        &anon,
        "GET",
        "/api/openapi.json",
        "/api/openapi.json",
        None,
        200,
    )
    .await;
    let orgs = m
        .check(&anon, "GET", "/api/orgs", "/api/orgs", None, 200)
        .await;
    assert_eq!(orgs["items"].as_array().map(Vec::len), Some(13));
    let cs = m
        .check(
            &anon,
            "GET",
            "/api/region/countries.geojson",
            "/api/region/countries.geojson",
            None,
            200,
        )
        .await;
    assert_eq!(cs["features"].as_array().map(Vec::len), Some(12));
    // First-level units of one country, named in the warning languages; a country outside
    // the region names the field.
    let pk = m
        .check(
            &anon,
            "GET",
            "/api/region/admin1.geojson",
            "/api/region/admin1.geojson?country=PK",
            None,
            200,
        )
        .await;
    let units = pk["features"].as_array().unwrap();
    assert_eq!(units.len(), 8);
    let gb = units
        .iter()
        .find(|f| f["properties"]["code"] == "PK-GB")
        .unwrap();
    assert_eq!(gb["properties"]["name_ur"], "گلگت بلتستان");
    assert_eq!(gb["geometry"]["type"], "MultiPolygon");
    let (s, v) = anon.get("/api/region/admin1.geojson?country=FR").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "country");
    let ss = m
        .check(
            &anon,
            "GET",
            "/api/region/settlements.geojson",
            "/api/region/settlements.geojson?min_population=1000000",
            None,
            200,
        )
        .await;
    assert!(ss["features"].as_array().is_some_and(|f| f.len() > 10));

    // Login, me, logout.
    m.check(
        &anon,
        "POST",
        "/api/login",
        "/api/login",
        Some(json!({"username": "pk.duty", "password": "wrong-password"})),
        401,
    )
    .await;
    m.check(
        &anon,
        "POST",
        "/api/login",
        "/api/login",
        Some(json!({"username": "nobody", "password": "wrong-password"})),
        401,
    )
    .await;
    m.check(&anon, "GET", "/api/me", "/api/me", None, 401).await;
    let me = m.check(&pv, "GET", "/api/me", "/api/me", None, 200).await;
    assert_eq!(me["user"]["org"], "pk");
    m.check(
        &anon,
        "POST",
        "/api/logout",
        "/api/logout",
        Some(json!({})),
        401,
    )
    .await;
    let tmp = app.login("mn.viewer").await;
    m.check(
        &tmp,
        "POST",
        "/api/logout",
        "/api/logout",
        Some(json!({})),
        204,
    )
    .await;
    m.check(&tmp, "GET", "/api/me", "/api/me", None, 401).await;

    // Tokens.
    m.check(
        &anon,
        "POST",
        "/api/tokens",
        "/api/tokens",
        Some(json!({"name": "x"})),
        401,
    )
    .await;
    let t = m
        .check(
            &pv,
            "POST",
            "/api/tokens",
            "/api/tokens",
            Some(json!({"name": "viewer script"})),
            201,
        )
        .await;
    let tid = t["id"].as_i64().unwrap();
    m.check(&anon, "GET", "/api/tokens", "/api/tokens", None, 401)
        .await;
    let tl = m
        .check(&pv, "GET", "/api/tokens", "/api/tokens", None, 200)
        .await;
    assert_eq!(ids(&tl), vec![tid]);
    assert!(tl["items"][0].get("token_hash").is_none());
    m.check(
        &kd,
        "DELETE",
        "/api/tokens/{id}",
        &format!("/api/tokens/{tid}"),
        None,
        404,
    )
    .await;
    m.check(
        &pv,
        "DELETE",
        "/api/tokens/{id}",
        &format!("/api/tokens/{tid}"),
        None,
        204,
    )
    .await;

    // Users.
    m.check(&anon, "GET", "/api/users", "/api/users", None, 401)
        .await;
    m.check(&pd, "GET", "/api/users", "/api/users", None, 403)
        .await;
    let us = m
        .check(&rc, "GET", "/api/users", "/api/users", None, 200)
        .await;
    assert_eq!(us["items"].as_array().map(Vec::len), Some(37));
    let nu = json!({"username": "pk.admin", "display_name": "PK admin", "org": "pk", "roles": ["admin"], "password": "admin-password"});
    m.check(
        &pd,
        "POST",
        "/api/users",
        "/api/users",
        Some(nu.clone()),
        403,
    )
    .await;
    m.check(
        &rc,
        "POST",
        "/api/users",
        "/api/users",
        Some(nu.clone()),
        201,
    )
    .await;
    m.check(&rc, "POST", "/api/users", "/api/users", Some(nu), 409)
        .await;
    let padmin = {
        let (s, h, b) = app
            .send(
                Request::post("/api/login")
                    .header("content-type", "application/json")
                    .body(Body::from(
                        json!({"username": "pk.admin", "password": "admin-password"}).to_string(),
                    ))
                    .unwrap(),
            )
            .await;
        assert_eq!(s, 200, "{}", String::from_utf8_lossy(&b));
        let v: Value = serde_json::from_slice(&b).unwrap();
        let cookie = h
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .collect::<Vec<_>>()
            .join("; ");
        Client {
            app,
            cookie: Some(cookie),
            csrf: v["csrf_token"].as_str().map(str::to_string),
            bearer: None,
            user: "pk.admin".into(),
            exercise: None,
        }
    };
    let pu = m
        .check(&padmin, "GET", "/api/users", "/api/users", None, 200)
        .await;
    assert!(
        pu["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["org"] == "pk")
    );
    m.check(&padmin, "POST", "/api/users", "/api/users", Some(json!({"username": "kz.x", "display_name": "x", "org": "kz", "roles": ["viewer"], "password": "long-enough"})), 403).await;

    // Incidents: an epicentre outside the region fails fast.
    let inc = json!({"title": "Outside", "quake": {"lat": 0.0, "lon": 0.0, "depth_km": 10.0, "mag": 6.0}});
    m.check(
        &anon,
        "POST",
        "/api/incidents",
        "/api/incidents",
        Some(inc.clone()),
        401,
    )
    .await;
    m.check(
        &pv,
        "POST",
        "/api/incidents",
        "/api/incidents",
        Some(inc.clone()),
        403,
    )
    .await;
    m.check(
        &pa,
        "POST",
        "/api/incidents",
        "/api/incidents",
        Some(inc.clone()),
        403,
    )
    .await;
    let i = m
        .check(
            &pd,
            "POST",
            "/api/incidents",
            "/api/incidents",
            Some(inc),
            202,
        )
        .await;
    let iid = i["id"].as_i64().unwrap();
    assert_eq!(i["status"], "running");
    let failed = wait_status(&pd, iid, "failed").await;
    assert!(
        failed["error"].as_str().unwrap().contains("outside"),
        "{failed}"
    );
    m.check(&anon, "GET", "/api/incidents", "/api/incidents", None, 401)
        .await;
    assert!(
        ids(&m
            .check(&pv, "GET", "/api/incidents", "/api/incidents", None, 200)
            .await)
        .contains(&iid)
    );
    assert!(
        !ids(&m
            .check(&kd, "GET", "/api/incidents", "/api/incidents", None, 200)
            .await)
        .contains(&iid)
    );
    assert!(
        ids(&m
            .check(&rc, "GET", "/api/incidents", "/api/incidents", None, 200)
            .await)
        .contains(&iid)
    );
    m.check(
        &kd,
        "GET",
        "/api/incidents/{id}",
        &format!("/api/incidents/{iid}"),
        None,
        404,
    )
    .await;
    m.check(
        &rc,
        "GET",
        "/api/incidents/{id}",
        &format!("/api/incidents/{iid}"),
        None,
        200,
    )
    .await;
    m.check(
        &pv,
        "GET",
        "/api/incidents/{id}/layers/{name}",
        &format!("/api/incidents/{iid}/layers/mmi_contours"),
        None,
        404,
    )
    .await;
    m.check(
        &kd,
        "GET",
        "/api/incidents/{id}/layers/{name}",
        &format!("/api/incidents/{iid}/layers/mmi_contours"),
        None,
        404,
    )
    .await;
    // The incident page and its exposure table: logged-in readers only, and only for a
    // completed run.
    for (c, want) in [(&anon, 401), (&kd, 404), (&pv, 404)] {
        for page in ["report.html", "exposure.csv"] {
            m.check(
                c,
                "GET",
                &format!("/api/incidents/{{id}}/{page}"),
                &format!("/api/incidents/{iid}/{page}"),
                None,
                want,
            )
            .await;
        }
    }
    m.check(
        &pv,
        "GET",
        "/api/incidents/{id}/cap-proposal",
        &format!("/api/incidents/{iid}/cap-proposal"),
        None,
        404,
    )
    .await;
    m.check(
        &kd,
        "POST",
        "/api/incidents/{id}/close",
        &format!("/api/incidents/{iid}/close"),
        Some(json!({})),
        404,
    )
    .await;
    m.check(
        &pv,
        "POST",
        "/api/incidents/{id}/close",
        &format!("/api/incidents/{iid}/close"),
        Some(json!({})),
        403,
    )
    .await;
    m.check(
        &rc,
        "POST",
        "/api/incidents/{id}/close",
        &format!("/api/incidents/{iid}/close"),
        Some(json!({})),
        403,
    )
    .await;
    m.check(
        &pd,
        "POST",
        "/api/incidents/{id}/close",
        &format!("/api/incidents/{iid}/close"),
        Some(json!({})),
        200,
    )
    .await;
    m.check(
        &pd,
        "POST",
        "/api/incidents/{id}/close",
        &format!("/api/incidents/{iid}/close"),
        Some(json!({})),
        409,
    )
    .await;

    // Alerts.
    let xml = cap_xml("pk");
    m.check(
        &anon,
        "POST",
        "/api/alerts/validate",
        "/api/alerts/validate",
        Some(json!({"xml": xml})),
        401,
    )
    .await;
    let val = m
        .check(
            &pv,
            "POST",
            "/api/alerts/validate",
            "/api/alerts/validate",
            Some(json!({"xml": xml})),
            200,
        )
        .await;
    assert_eq!(val["valid"], true, "{val}");
    m.check(
        &pv,
        "POST",
        "/api/alerts",
        "/api/alerts",
        Some(json!({"xml": xml})),
        403,
    )
    .await; // a viewer cannot draft
    m.check(
        &pa,
        "POST",
        "/api/alerts",
        "/api/alerts",
        Some(json!({"xml": xml})),
        403,
    )
    .await;
    let a = m
        .check(
            &pd,
            "POST",
            "/api/alerts",
            "/api/alerts",
            Some(json!({"xml": xml})),
            201,
        )
        .await;
    let aid = a["id"].as_i64().unwrap();
    assert_eq!(a["status"], "draft");
    let ka = m
        .check(
            &kd,
            "POST",
            "/api/alerts",
            "/api/alerts",
            Some(json!({"xml": cap_xml("kz")})),
            201,
        )
        .await;
    let kaid = ka["id"].as_i64().unwrap();
    // One country cannot read another's restricted draft; the regional centre can.
    assert!(
        !ids(&m
            .check(&kd, "GET", "/api/alerts", "/api/alerts", None, 200)
            .await)
        .contains(&aid)
    );
    assert!(
        ids(&m
            .check(
                &rc,
                "GET",
                "/api/alerts",
                "/api/alerts?status=draft",
                None,
                200
            )
            .await)
        .contains(&aid)
    );
    assert!(
        !ids(&m
            .check(&pv, "GET", "/api/alerts", "/api/alerts", None, 200)
            .await)
        .contains(&kaid)
    );
    m.check(
        &kd,
        "GET",
        "/api/alerts/{id}",
        &format!("/api/alerts/{aid}"),
        None,
        404,
    )
    .await;
    m.check(
        &kv,
        "GET",
        "/api/alerts/{id}",
        &format!("/api/alerts/{aid}"),
        None,
        404,
    )
    .await;
    let ra = m
        .check(
            &rc,
            "GET",
            "/api/alerts/{id}",
            &format!("/api/alerts/{aid}"),
            None,
            200,
        )
        .await;
    assert!(ra["xml"].as_str().is_some_and(|x| x.contains("<alert")));
    m.check(
        &pv,
        "GET",
        "/api/alerts/{id}",
        &format!("/api/alerts/{aid}"),
        None,
        200,
    )
    .await;
    for ext in ["xml", "html"] {
        m.check(
            &anon,
            "GET",
            "/cap/{file}",
            &format!("/cap/{aid}.{ext}"),
            None,
            404,
        )
        .await;
    }
    m.check(
        &kd,
        "GET",
        "/cap/{file}",
        &format!("/cap/{aid}.xml"),
        None,
        404,
    )
    .await;
    m.check(
        &rc,
        "GET",
        "/cap/{file}",
        &format!("/cap/{aid}.xml"),
        None,
        200,
    )
    .await;
    m.check(
        &kd,
        "POST",
        "/api/alerts/{id}/revise",
        &format!("/api/alerts/{aid}/revise"),
        Some(json!({"xml": xml})),
        404,
    )
    .await;
    m.check(
        &pa,
        "POST",
        "/api/alerts/{id}/revise",
        &format!("/api/alerts/{aid}/revise"),
        Some(json!({"xml": xml})),
        403,
    )
    .await;
    m.check(
        &pd,
        "POST",
        "/api/alerts/{id}/revise",
        &format!("/api/alerts/{aid}/revise"),
        Some(json!({"xml": xml})),
        200,
    )
    .await;
    m.check(
        &pd,
        "POST",
        "/api/alerts/{id}/approve",
        &format!("/api/alerts/{aid}/approve"),
        Some(json!({})),
        403,
    )
    .await;
    m.check(
        &kd,
        "POST",
        "/api/alerts/{id}/approve",
        &format!("/api/alerts/{aid}/approve"),
        Some(json!({})),
        403,
    )
    .await;
    m.check(
        &rc,
        "POST",
        "/api/alerts/{id}/approve",
        &format!("/api/alerts/{aid}/approve"),
        Some(json!({})),
        403,
    )
    .await;
    // A duty officer cannot approve their own alert, even holding the approver role.
    let rca = m
        .check(
            &rc,
            "POST",
            "/api/alerts",
            "/api/alerts",
            Some(json!({"xml": cap_xml("pk")})),
            201,
        )
        .await;
    let (s, v) = rc
        .post(&format!("/api/alerts/{}/approve", rca["id"]), json!({}))
        .await;
    assert_eq!(s, 403, "{v}");
    assert!(v["error"].as_str().unwrap().contains("different user"));
    m.check(
        &pa,
        "POST",
        "/api/alerts/{id}/publish",
        &format!("/api/alerts/{aid}/publish"),
        Some(json!({})),
        409,
    )
    .await;
    let ap = m
        .check(
            &pa,
            "POST",
            "/api/alerts/{id}/approve",
            &format!("/api/alerts/{aid}/approve"),
            Some(json!({})),
            200,
        )
        .await;
    assert_eq!(ap["approved_by"], "pk.approver");
    m.check(
        &pa,
        "POST",
        "/api/alerts/{id}/approve",
        &format!("/api/alerts/{aid}/approve"),
        Some(json!({})),
        409,
    )
    .await;
    // Reject a second draft.
    let a2 = pd.post("/api/alerts", json!({"xml": xml})).await.1;
    let a2id = a2["id"].as_i64().unwrap();
    m.check(
        &pd,
        "POST",
        "/api/alerts/{id}/reject",
        &format!("/api/alerts/{a2id}/reject"),
        Some(json!({"reason": "x"})),
        403,
    )
    .await;
    m.check(
        &kap,
        "POST",
        "/api/alerts/{id}/reject",
        &format!("/api/alerts/{a2id}/reject"),
        Some(json!({"reason": "x"})),
        404,
    )
    .await;
    let rj = m
        .check(
            &pa,
            "POST",
            "/api/alerts/{id}/reject",
            &format!("/api/alerts/{a2id}/reject"),
            Some(json!({"reason": "wrong area"})),
            200,
        )
        .await;
    assert_eq!(rj["rejection"], "wrong area");
    // Publish.
    m.check(
        &pv,
        "POST",
        "/api/alerts/{id}/publish",
        &format!("/api/alerts/{aid}/publish"),
        Some(json!({})),
        403,
    )
    .await;
    m.check(
        &kd,
        "POST",
        "/api/alerts/{id}/publish",
        &format!("/api/alerts/{aid}/publish"),
        Some(json!({})),
        404,
    )
    .await;
    let pb = m
        .check(
            &pd,
            "POST",
            "/api/alerts/{id}/publish",
            &format!("/api/alerts/{aid}/publish"),
            Some(json!({})),
            200,
        )
        .await;
    assert_eq!(pb["visibility"], "public");
    let capx = anon.get(&format!("/cap/{aid}.xml")).await;
    assert_eq!(capx.0, 200);
    let page = m
        .check(
            &anon,
            "GET",
            "/cap/{file}",
            &format!("/cap/{aid}.html"),
            None,
            200,
        )
        .await;
    assert!(
        page.as_str().is_some_and(|p| p.contains("<!doctype html>")),
        "{page}"
    );
    m.check(
        &kd,
        "GET",
        "/api/alerts/{id}",
        &format!("/api/alerts/{aid}"),
        None,
        200,
    )
    .await;
    m.check(
        &anon,
        "GET",
        "/feeds/index.json",
        "/feeds/index.json",
        None,
        200,
    )
    .await;
    let feed = m
        .check(&anon, "GET", "/feeds/{file}", "/feeds/pk.atom", None, 200)
        .await;
    assert!(
        feed.as_str()
            .is_some_and(|f| f.contains(&format!("/cap/{aid}.xml"))),
        "{feed}"
    );
    let kfeed = m
        .check(&anon, "GET", "/feeds/{file}", "/feeds/kz.atom", None, 200)
        .await;
    assert!(
        kfeed
            .as_str()
            .is_some_and(|f| f.contains("<feed") && !f.contains("/cap/"))
    );
    m.check(&anon, "GET", "/feeds/{file}", "/feeds/zz.atom", None, 404)
        .await;
    // Update and cancel.
    m.check(
        &pa,
        "POST",
        "/api/alerts/{id}/update",
        &format!("/api/alerts/{aid}/update"),
        Some(json!({"note": "n"})),
        403,
    )
    .await;
    m.check(
        &kd,
        "POST",
        "/api/alerts/{id}/update",
        &format!("/api/alerts/{aid}/update"),
        Some(json!({"note": "n"})),
        403,
    )
    .await;
    let up = m
        .check(
            &pd,
            "POST",
            "/api/alerts/{id}/update",
            &format!("/api/alerts/{aid}/update"),
            Some(json!({"note": "aftershock risk", "severity": "Severe"})),
            201,
        )
        .await;
    assert_eq!(up["msg_type"], "Update");
    assert_eq!(up["supersedes"], aid);
    m.check(
        &pv,
        "POST",
        "/api/alerts/{id}/cancel",
        &format!("/api/alerts/{aid}/cancel"),
        Some(json!({"note": "n"})),
        403,
    )
    .await;
    let cn = m
        .check(
            &pd,
            "POST",
            "/api/alerts/{id}/cancel",
            &format!("/api/alerts/{aid}/cancel"),
            Some(json!({"note": "all clear"})),
            201,
        )
        .await;
    assert_eq!(cn["msg_type"], "Cancel");
    let cnid = cn["id"].as_i64().unwrap();
    pa.post(&format!("/api/alerts/{cnid}/approve"), json!({}))
        .await;
    let (s, _) = pa
        .post(&format!("/api/alerts/{cnid}/publish"), json!({}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        pv.get(&format!("/api/alerts/{aid}")).await.1["status"],
        "cancelled"
    );
    m.check(
        &pd,
        "POST",
        "/api/alerts/{id}/cancel",
        &format!("/api/alerts/{aid}/cancel"),
        Some(json!({"note": "again"})),
        409,
    )
    .await;

    // Requests and offers.
    let restricted = json!({"title": "Field hospital", "resource_type": "medical", "quantity": 1, "unit": "hospital", "visibility": "own_org"});
    m.check(
        &pv,
        "POST",
        "/api/requests",
        "/api/requests",
        Some(restricted.clone()),
        403,
    )
    .await;
    let r1 = m
        .check(
            &pd,
            "POST",
            "/api/requests",
            "/api/requests",
            Some(restricted),
            201,
        )
        .await;
    let r1id = r1["id"].as_i64().unwrap();
    assert!(
        !ids(&m
            .check(&kd, "GET", "/api/requests", "/api/requests", None, 200)
            .await)
        .contains(&r1id)
    );
    assert!(
        ids(&m
            .check(&rc, "GET", "/api/requests", "/api/requests", None, 200)
            .await)
        .contains(&r1id)
    );
    m.check(
        &kd,
        "GET",
        "/api/requests/{id}",
        &format!("/api/requests/{r1id}"),
        None,
        404,
    )
    .await;
    m.check(
        &rc,
        "GET",
        "/api/requests/{id}",
        &format!("/api/requests/{r1id}"),
        None,
        200,
    )
    .await;
    m.check(
        &kd,
        "POST",
        "/api/requests/{id}/offers",
        &format!("/api/requests/{r1id}/offers"),
        Some(json!({"quantity": 1})),
        404,
    )
    .await;
    let r2 = pd.post("/api/requests", json!({"title": "USAR teams", "resource_type": "usar_team", "quantity": 3, "unit": "team"})).await.1;
    let r2id = r2["id"].as_i64().unwrap();
    assert!(ids(&kd.get("/api/requests").await.1).contains(&r2id));
    m.check(
        &pd,
        "POST",
        "/api/requests/{id}/offers",
        &format!("/api/requests/{r2id}/offers"),
        Some(json!({"quantity": 1})),
        403,
    )
    .await;
    m.check(
        &kv,
        "POST",
        "/api/requests/{id}/offers",
        &format!("/api/requests/{r2id}/offers"),
        Some(json!({"quantity": 1})),
        403,
    )
    .await;
    let o1 = m
        .check(
            &kd,
            "POST",
            "/api/requests/{id}/offers",
            &format!("/api/requests/{r2id}/offers"),
            Some(json!({"quantity": 1, "eta_hours": 24})),
            201,
        )
        .await;
    let o1id = o1["id"].as_i64().unwrap();
    let o2id = cd
        .post(
            &format!("/api/requests/{r2id}/offers"),
            json!({"quantity": 2}),
        )
        .await
        .1["id"]
        .as_i64()
        .unwrap();
    let o3id = kd
        .post(
            &format!("/api/requests/{r2id}/offers"),
            json!({"quantity": 1}),
        )
        .await
        .1["id"]
        .as_i64()
        .unwrap();
    // Offers: readable by the offerer, the requester and the centre only.
    let kz_offers = ids(&m
        .check(&kd, "GET", "/api/offers", "/api/offers", None, 200)
        .await);
    assert!(kz_offers.contains(&o1id) && !kz_offers.contains(&o2id));
    let pk_offers = ids(&m
        .check(&pv, "GET", "/api/offers", "/api/offers", None, 200)
        .await);
    assert!(pk_offers.contains(&o1id) && pk_offers.contains(&o2id));
    let cn_req = cd.get(&format!("/api/requests/{r2id}")).await.1;
    assert_eq!(ids(&json!({"items": cn_req["offers"]})), vec![o2id]);
    m.check(
        &kd,
        "POST",
        "/api/offers/{id}/accept",
        &format!("/api/offers/{o1id}/accept"),
        Some(json!({})),
        403,
    )
    .await;
    m.check(
        &cd,
        "POST",
        "/api/offers/{id}/accept",
        &format!("/api/offers/{o1id}/accept"),
        Some(json!({})),
        404,
    )
    .await;
    m.check(
        &pv,
        "POST",
        "/api/offers/{id}/accept",
        &format!("/api/offers/{o1id}/accept"),
        Some(json!({})),
        403,
    )
    .await;
    m.check(
        &pd,
        "POST",
        "/api/offers/{id}/accept",
        &format!("/api/offers/{o1id}/accept"),
        Some(json!({})),
        200,
    )
    .await;
    m.check(
        &cd,
        "POST",
        "/api/offers/{id}/decline",
        &format!("/api/offers/{o2id}/decline"),
        Some(json!({})),
        403,
    )
    .await;
    m.check(
        &pd,
        "POST",
        "/api/offers/{id}/decline",
        &format!("/api/offers/{o2id}/decline"),
        Some(json!({"reason": "enough"})),
        200,
    )
    .await;
    m.check(
        &pd,
        "POST",
        "/api/offers/{id}/withdraw",
        &format!("/api/offers/{o3id}/withdraw"),
        Some(json!({})),
        403,
    )
    .await;
    m.check(
        &kd,
        "POST",
        "/api/offers/{id}/withdraw",
        &format!("/api/offers/{o3id}/withdraw"),
        Some(json!({})),
        200,
    )
    .await;
    m.check(
        &pd,
        "POST",
        "/api/offers/{id}/status",
        &format!("/api/offers/{o1id}/status"),
        Some(json!({"deploy_status": "en_route"})),
        403,
    )
    .await;
    m.check(
        &kd,
        "POST",
        "/api/offers/{id}/status",
        &format!("/api/offers/{o1id}/status"),
        Some(json!({"deploy_status": "en_route", "note": "crossing the border"})),
        200,
    )
    .await;
    m.check(
        &kd,
        "POST",
        "/api/offers/{id}/status",
        &format!("/api/offers/{o3id}/status"),
        Some(json!({"deploy_status": "on_site"})),
        409,
    )
    .await;
    m.check(
        &kd,
        "POST",
        "/api/offers/{id}/release",
        &format!("/api/offers/{o1id}/release"),
        Some(json!({})),
        403,
    )
    .await;
    let rel = m
        .check(
            &pd,
            "POST",
            "/api/offers/{id}/release",
            &format!("/api/offers/{o1id}/release"),
            Some(json!({})),
            200,
        )
        .await;
    assert_eq!(rel["status"], "released");
    m.check(
        &kd,
        "POST",
        "/api/requests/{id}/close",
        &format!("/api/requests/{r2id}/close"),
        Some(json!({})),
        403,
    )
    .await;
    m.check(
        &pv,
        "POST",
        "/api/requests/{id}/close",
        &format!("/api/requests/{r2id}/close"),
        Some(json!({})),
        403,
    )
    .await;
    m.check(
        &pd,
        "POST",
        "/api/requests/{id}/close",
        &format!("/api/requests/{r2id}/close"),
        Some(json!({})),
        200,
    )
    .await;
    m.check(
        &kd,
        "POST",
        "/api/requests/{id}/offers",
        &format!("/api/requests/{r2id}/offers"),
        Some(json!({"quantity": 1})),
        409,
    )
    .await;

    // Situation reports.
    m.check(
        &pv,
        "POST",
        "/api/sitreps",
        "/api/sitreps",
        Some(json!({"title": "t", "body": "b"})),
        403,
    )
    .await;
    let s1 = m
        .check(
            &pd,
            "POST",
            "/api/sitreps",
            "/api/sitreps",
            Some(json!({"title": "Sitrep 1", "body": "restricted", "visibility": "own_org"})),
            201,
        )
        .await;
    let s1id = s1["id"].as_i64().unwrap();
    assert!(
        !ids(&m
            .check(&kd, "GET", "/api/sitreps", "/api/sitreps", None, 200)
            .await)
        .contains(&s1id)
    );
    m.check(
        &kd,
        "GET",
        "/api/sitreps/{id}",
        &format!("/api/sitreps/{s1id}"),
        None,
        404,
    )
    .await;
    m.check(
        &rc,
        "GET",
        "/api/sitreps/{id}",
        &format!("/api/sitreps/{s1id}"),
        None,
        200,
    )
    .await;

    // The watch's sources (this server runs without --watch: an empty list).
    m.check(
        &anon,
        "GET",
        "/api/watch/sources",
        "/api/watch/sources",
        None,
        401,
    )
    .await;
    let ws = m
        .check(
            &pv,
            "GET",
            "/api/watch/sources",
            "/api/watch/sources",
            None,
            200,
        )
        .await;
    assert_eq!(ws["watching"], false);
    assert_eq!(ws["items"], json!([]));

    // Alarms: logged-in lists (empty without a watch), acknowledgement by the organisation's
    // duty officers, approvers and admins only (crates/server/tests/alarms.rs covers a real one).
    for path in ["/api/alarms", "/api/alarms/dead-letters"] {
        m.check(&anon, "GET", path, path, None, 401).await;
        let v = m.check(&pv, "GET", path, path, None, 200).await;
        assert_eq!(v["items"], json!([]), "{path}");
    }
    // Pausing a watched source: the regional centre's admin only (409 without --watch).
    for (verb, path) in [
        ("pause", "/api/watch/sources/{name}/pause"),
        ("resume", "/api/watch/sources/{name}/resume"),
    ] {
        let p = format!("/api/watch/sources/usgs/{verb}");
        m.check(&anon, "POST", path, &p, Some(json!({})), 401).await;
        m.check(&pd, "POST", path, &p, Some(json!({})), 403).await;
        m.check(&rc, "POST", path, &p, Some(json!({})), 409).await;
    }
    // Auto-publish: everyone logged in reads it; only the organisation's admin sets it.
    let ap = "/api/orgs/{code}/auto-publish";
    m.check(&anon, "GET", ap, "/api/orgs/pk/auto-publish", None, 401)
        .await;
    let v = m
        .check(&kv, "GET", ap, "/api/orgs/pk/auto-publish", None, 200)
        .await;
    assert_eq!(v["status"], "off");
    let body = Some(json!({"levels": ["red"]}));
    m.check(
        &anon,
        "PUT",
        ap,
        "/api/orgs/pk/auto-publish",
        body.clone(),
        401,
    )
    .await;
    m.check(
        &pd,
        "PUT",
        ap,
        "/api/orgs/pk/auto-publish",
        body.clone(),
        403,
    )
    .await;
    m.check(
        &rc,
        "PUT",
        ap,
        "/api/orgs/pk/auto-publish",
        body.clone(),
        403,
    )
    .await;
    // Watch rules: everyone logged in reads them, the area and the check; only the
    // organisation's admin sets them (crates/server/tests/watch.rs sets them as pk's admin).
    let wr = "/api/orgs/{code}/watch-rules";
    m.check(&anon, "GET", wr, "/api/orgs/pk/watch-rules", None, 401)
        .await;
    let v = m
        .check(&kv, "GET", wr, "/api/orgs/pk/watch-rules", None, 200)
        .await;
    assert_eq!(v["origin"], "none", "no watch here: {v}");
    let body = Some(
        json!({"enabled": true, "buffer_km": 50, "draft_from": "red",
        "magnitude_steps": [{"max_depth_km": null, "min_mag": 6.0}]}),
    );
    for (who, code) in [(&anon, 401), (&pd, 403), (&pa, 403), (&rc, 403)] {
        m.check(
            who,
            "PUT",
            wr,
            "/api/orgs/pk/watch-rules",
            body.clone(),
            code,
        )
        .await;
    }
    let area = "/api/orgs/{code}/watch-rules/area";
    m.check(
        &anon,
        "GET",
        area,
        "/api/orgs/pk/watch-rules/area",
        None,
        401,
    )
    .await;
    let v = m
        .check(
            &kv,
            "GET",
            area,
            "/api/orgs/pk/watch-rules/area?buffer_km=20",
            None,
            200,
        )
        .await;
    assert_eq!(v["features"][1]["properties"]["buffer_km"], 20.0);
    let chk = "/api/orgs/{code}/watch-rules/check";
    let q = "/api/orgs/pk/watch-rules/check?lat=33.7&lon=73.1&depth_km=10&mag=6";
    m.check(&anon, "GET", chk, q, None, 401).await;
    let v = m.check(&kv, "GET", chk, q, None, 200).await;
    assert_eq!(v["in_area"], true, "{v}");
    // Adding a watched source: the regional centre's admin only (409 without --watch).
    let src = Some(
        json!({"name": "x", "kind": "usgs-geojson", "url": "http://127.0.0.1:9/x", "poll_s": 60}),
    );
    for (who, code) in [(&anon, 401), (&pd, 403), (&rc, 409)] {
        m.check(
            who,
            "POST",
            "/api/watch/sources",
            "/api/watch/sources",
            src.clone(),
            code,
        )
        .await;
    }
    // The organisation's CAP texts: everyone logged in reads them; only its admin sets them.
    let ct = "/api/orgs/{code}/cap-texts";
    m.check(&anon, "GET", ct, "/api/orgs/pk/cap-texts", None, 401)
        .await;
    let v = m
        .check(&kv, "GET", ct, "/api/orgs/pk/cap-texts", None, 200)
        .await;
    assert_eq!(
        v["sender_name"]["ur"], "پاکستان کی ڈیزاسٹر مینجمنٹ اتھارٹی",
        "the demo names its authorities in each UI language: {v}"
    );
    let body = Some(json!({"sender_name": {"en": "NDMA Pakistan"}}));
    for (who, code) in [(&anon, 401), (&pd, 403), (&rc, 403)] {
        m.check(who, "PUT", ct, "/api/orgs/pk/cap-texts", body.clone(), code)
            .await;
    }
    let ack = "/api/alarms/{id}/acknowledge";
    m.check(
        &anon,
        "POST",
        ack,
        "/api/alarms/1/acknowledge",
        Some(json!({})),
        401,
    )
    .await;
    m.check(
        &pv,
        "POST",
        ack,
        "/api/alarms/1/acknowledge",
        Some(json!({})),
        403,
    )
    .await;
    m.check(
        &pd,
        "POST",
        ack,
        "/api/alarms/999/acknowledge",
        Some(json!({})),
        404,
    )
    .await;

    // Activity and journal.
    let ka = m
        .check(
            &kd,
            "GET",
            "/api/activity",
            "/api/activity?limit=1000",
            None,
            200,
        )
        .await;
    let kitems = ka["items"].as_array().unwrap();
    assert!(
        kitems
            .iter()
            .all(|e| e["visibility"] != "own_org" || e["org"] == "kz" || e["party_org"] == "kz"),
        "kz sees only what it may"
    );
    assert!(!kitems.iter().any(|e| e["record_type"] == "alert"
        && e["record_id"] == aid
        && e["kind"] == "alert.drafted"));
    let ra = m
        .check(
            &rc,
            "GET",
            "/api/activity",
            "/api/activity?limit=1000",
            None,
            200,
        )
        .await;
    assert!(
        ra["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["record_type"] == "alert"
                && e["record_id"] == aid
                && e["kind"] == "alert.drafted")
    );
    m.check(
        &pd,
        "GET",
        "/api/journal/export",
        "/api/journal/export",
        None,
        403,
    )
    .await;
    let ex = m
        .check(
            &rc,
            "GET",
            "/api/journal/export",
            "/api/journal/export",
            None,
            200,
        )
        .await;
    let lines: Vec<Value> = ex
        .as_str()
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let seqs: Vec<i64> = lines.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    let pex = m
        .check(
            &padmin,
            "GET",
            "/api/journal/export",
            "/api/journal/export",
            None,
            200,
        )
        .await;
    assert!(pex.as_str().unwrap().lines().count() < lines.len());

    // Exercises (the whole live flow is in exercise_live.rs).
    let xt = "/api/exercises/{id}";
    m.check(
        &anon,
        "GET",
        "/api/exercises/scenarios",
        "/api/exercises/scenarios",
        None,
        401,
    )
    .await;
    m.check(
        &pv,
        "GET",
        "/api/exercises/scenarios",
        "/api/exercises/scenarios",
        None,
        200,
    )
    .await;
    let plan = json!({"scenario": "exercise-pamir.toml", "human_teams": ["kz-mchs"]});
    m.check(
        &anon,
        "POST",
        "/api/exercises",
        "/api/exercises",
        Some(plan.clone()),
        401,
    )
    .await;
    m.check(
        &kv,
        "POST",
        "/api/exercises",
        "/api/exercises",
        Some(plan.clone()),
        403,
    )
    .await;
    m.check(
        &kd,
        "POST",
        "/api/exercises",
        "/api/exercises",
        Some(plan.clone()),
        403,
    )
    .await;
    // The exercise-director right: only the regional centre's admin changes it.
    let dr = "/api/orgs/{code}/exercise-director";
    let revoke = json!({"granted": false});
    m.check(
        &anon,
        "POST",
        dr,
        "/api/orgs/kz/exercise-director",
        Some(revoke.clone()),
        401,
    )
    .await;
    m.check(
        &kd,
        "POST",
        dr,
        "/api/orgs/kz/exercise-director",
        Some(revoke.clone()),
        403,
    )
    .await;
    m.check(
        &padmin,
        "POST",
        dr,
        "/api/orgs/pk/exercise-director",
        Some(revoke.clone()),
        403,
    )
    .await;
    m.check(
        &rc,
        "POST",
        dr,
        "/api/orgs/xx/exercise-director",
        Some(revoke.clone()),
        404,
    )
    .await;
    m.check(
        &rc,
        "POST",
        dr,
        "/api/orgs/kz/exercise-director",
        Some(revoke),
        200,
    )
    .await;
    let x = m
        .check(
            &rc,
            "POST",
            "/api/exercises",
            "/api/exercises",
            Some(plan),
            201,
        )
        .await;
    let xid = x["id"].as_i64().unwrap();
    let xp = |suffix: &str| format!("/api/exercises/{xid}{suffix}");
    let xl = m
        .check(&kv, "GET", "/api/exercises", "/api/exercises", None, 200)
        .await;
    assert_eq!(ids(&xl), vec![xid]);
    let pl = m
        .check(&pv, "GET", "/api/exercises", "/api/exercises", None, 200)
        .await;
    assert!(ids(&pl).is_empty(), "Pakistan takes no part: {pl}");
    m.check(&pd, "GET", xt, &xp(""), None, 403).await;
    m.check(&kv, "GET", xt, &xp(""), None, 200).await;
    let ct = "/api/exercises/{id}/control";
    m.check(
        &kd,
        "POST",
        ct,
        &xp("/control"),
        Some(json!({"op": "start"})),
        403,
    )
    .await;
    m.check(
        &rc,
        "POST",
        ct,
        &xp("/control"),
        Some(json!({"op": "start"})),
        200,
    )
    .await;
    m.check(
        &rc,
        "POST",
        ct,
        &xp("/control"),
        Some(json!({"op": "jump", "to": "4h"})),
        200,
    )
    .await;
    // The scenario events list: the director's organisation, not a player, not an outsider.
    let ms = "/api/exercises/{id}/msel";
    m.check(&pd, "GET", ms, &xp("/msel"), None, 403).await;
    m.check(&kv, "GET", ms, &xp("/msel"), None, 403).await;
    let list = m.check(&rc, "GET", ms, &xp("/msel"), None, 200).await;
    let items = list["items"].as_array().expect("items");
    assert!(
        items.iter().any(|e| e["state"] == "fired") && items.iter().any(|e| e["state"] != "fired"),
        "four hours in, some injects fired and some not: {list}"
    );
    assert!(list["t_s"].as_i64().unwrap() >= 4 * 3600, "{list}");
    let it = "/api/exercises/{id}/injects";
    m.check(&pd, "GET", it, &xp("/injects"), None, 403).await;
    let ki = m.check(&kv, "GET", it, &xp("/injects"), None, 200).await;
    assert!(
        ki["items"].as_array().is_some_and(|a| !a.is_empty()),
        "{ki}"
    );
    let at = "/api/exercises/{id}/acknowledge";
    m.check(
        &kv,
        "POST",
        at,
        &xp("/acknowledge"),
        Some(json!({"inject": "i07"})),
        403,
    )
    .await;
    m.check(
        &kd,
        "POST",
        at,
        &xp("/acknowledge"),
        Some(json!({"inject": "i07"})),
        200,
    )
    .await;
    let rt = "/api/exercises/{id}/ratings";
    let rating = json!({"objective": "obj-eq-info", "rating": "P"});
    m.check(&kd, "POST", rt, &xp("/ratings"), Some(rating.clone()), 403)
        .await;
    m.check(&rc, "POST", rt, &xp("/ratings"), Some(rating), 200)
        .await;
    let rp = "/api/exercises/{id}/report";
    let mt = "/api/exercises/{id}/metrics";
    m.check(&kv, "GET", rp, &xp("/report"), None, 409).await;
    m.check(
        &rc,
        "POST",
        ct,
        &xp("/control"),
        Some(json!({"op": "end"})),
        200,
    )
    .await;
    m.check(&pd, "GET", rp, &xp("/report"), None, 403).await;
    m.check(&kv, "GET", rp, &xp("/report"), None, 200).await;
    m.check(&anon, "GET", mt, &xp("/metrics"), None, 401).await;
    m.check(&kv, "GET", mt, &xp("/metrics"), None, 200).await;

    // Events: status only here (the stream is tested in events.rs).
    for (c, want) in [(&anon, 401u16), (&pv, 200)] {
        m.covered.insert(("GET".into(), "/api/events".into()));
        if want == 401 {
            m.refused.insert(("GET".into(), "/api/events".into()));
        }
        let resp = app
            .router
            .clone()
            .oneshot(c.request("GET", "/api/events").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), want);
    }

    // Lists that need a login refuse anonymous callers.
    for list in [
        "/api/alerts",
        "/api/requests",
        "/api/offers",
        "/api/sitreps",
        "/api/activity",
        "/api/exercises",
    ] {
        m.check(&anon, "GET", list, list, None, 401).await;
    }

    // Every route of the router's table was exercised, and every route that is not public
    // was refused to someone.
    let table = forewarn_server::routes::route_table();
    let all: BTreeSet<(String, String)> = table
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let missing: Vec<_> = all.difference(&m.covered).collect();
    assert!(
        missing.is_empty(),
        "routes of routes::route_table() with no case in the matrix: {missing:?}"
    );
    let unknown: Vec<_> = m.covered.difference(&all).collect();
    assert!(
        unknown.is_empty(),
        "matrix names routes that are not in routes::route_table(): {unknown:?}"
    );
    let never_refused: Vec<_> = table
        .iter()
        .filter(|r| r.access != forewarn_server::routes::Access::Public)
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .filter(|k| !m.refused.contains(k))
        .collect();
    assert!(
        never_refused.is_empty(),
        "non-public routes with no refused (401/403/404) case in the matrix: {never_refused:?}"
    );
    let _ = StatusCode::OK;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authz_matrix_sqlite() {
    matrix(&App::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authz_matrix_postgres() {
    let Some((_pg, urls)) = common::postgres_apps(&["matrix"]).await else {
        return;
    };
    matrix(&App::open(&urls[0], None).await).await;
}
