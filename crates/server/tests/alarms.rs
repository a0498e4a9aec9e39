//! Alarms end to end: the watch drafts a warning for a Pakistan earthquake and alarms Pakistan's
//! people on duty by e-mail (a real SMTP server, Python's aiosmtpd, writing a Maildir) and by
//! webhook (a receiver here that checks the HMAC-SHA256 signature with its own key); a webhook
//! that keeps failing ends as a dead letter; nobody acknowledges, so the Red alarm escalates to
//! the approvers and then to the regional centre; an acknowledgement ends it. Kyrgyzstan's
//! duty officer sees none of it.

mod common;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::App;
use common::feeds::{Feeds, feed_server, start_watch, until, usgs};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const SECRET: &str = "test-webhook-secret-0123456789";

/// What the webhook receiver saw: each body and whether its signature verified.
#[derive(Clone, Default)]
struct Hooks {
    seen: Arc<Mutex<Vec<(Value, bool)>>>,
    failing_calls: Arc<Mutex<u32>>,
}

async fn good_hook(State(h): State<Hooks>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let sig = headers
        .get("x-forewarn-signature")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("sha256="))
        .and_then(|hexsig| {
            (0..hexsig.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(hexsig.get(i..i + 2)?, 16).ok())
                .collect::<Option<Vec<u8>>>()
        });
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(&body);
    let valid = sig.is_some_and(|s| mac.verify_slice(&s).is_ok());
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    h.seen.lock().unwrap().push((v, valid));
    if valid {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::UNAUTHORIZED
    }
}

async fn failing_hook(State(h): State<Hooks>) -> StatusCode {
    *h.failing_calls.lock().unwrap() += 1;
    StatusCode::SERVICE_UNAVAILABLE
}

async fn hook_server(h: Hooks) -> SocketAddr {
    let app = axum::Router::new()
        .route("/good", axum::routing::post(good_hook))
        .route("/failing", axum::routing::post(failing_hook))
        .with_state(h);
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    addr
}

/// aiosmtpd on a free loopback port, writing every message into a Maildir; killed on drop.
struct SmtpServer {
    child: std::process::Child,
    port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn smtp_server(python: &str) -> SmtpServer {
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(python)
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(&maildir)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start aiosmtpd");
    let server = SmtpServer {
        child,
        port,
        maildir,
        _dir: dir,
    };
    until("the SMTP server to listen", 20, async || {
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .ok()
            .map(|_| ())
    })
    .await;
    server
}

/// The messages delivered so far, as text (quoted-printable soft line breaks joined).
fn messages(maildir: &Path) -> Vec<String> {
    let mut v = Vec::new();
    for sub in ["new", "cur"] {
        if let Ok(rd) = std::fs::read_dir(maildir.join(sub)) {
            for e in rd.flatten() {
                if let Ok(t) = std::fs::read_to_string(e.path()) {
                    v.push(t.replace("=\r\n", "").replace("=\n", ""));
                }
            }
        }
    }
    v
}

fn message_to(maildir: &Path, to: &str) -> Option<String> {
    messages(maildir).into_iter().find(|m| {
        m.lines()
            .any(|l| l.eq_ignore_ascii_case(&format!("To: {to}")))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_alarms_by_email_and_signed_webhook_and_escalates_until_acknowledged() {
    let Some(python) = common::python_with("aiosmtpd") else {
        return;
    };
    let smtp = smtp_server(&python).await;
    let hooks = Hooks::default();
    let hook_addr = hook_server(hooks.clone()).await;
    let app = App::sqlite().await;
    let feeds = Feeds::default();
    let addr = feed_server(feeds.clone()).await;
    // An M7.4 under Muzaffarabad (the 2005 event's place): a Red run.
    feeds.set(
        "usgs",
        usgs("us7000alrm", 7.4, 73.5, 34.4, "reviewed", 1_736_481_300_000),
    );
    start_watch(
        &app,
        &format!(
            r#"[smtp]
host = "127.0.0.1"
port = {port}
from = "forewarn@rc.example"
tls = "none"

[[alarm]]
org = "pk"
email = ["duty@pk.example"]
approvers_email = ["approvers@pk.example"]
escalate_after_s = 2
[[alarm.webhook]]
url = "http://{hook_addr}/good"
secret = "{SECRET}"
[[alarm.webhook]]
url = "http://{hook_addr}/failing"
secret = "another-secret-0123456789"

[[alarm]]
org = "rc"
email = ["centre@rc.example"]

[[source]]
name = "usgs"
kind = "usgs-geojson"
url = "http://{addr}/usgs"
poll_s = 1
"#,
            port = smtp.port
        ),
    )
    .await;
    let pd = app.login("pk.duty").await;
    let kd = app.login("kg.duty").await;

    let alarm = until("the alarm", 300, async || {
        let (_, v) = pd.get("/api/alarms").await;
        v["items"].as_array()?.first().cloned()
    })
    .await;
    let id = alarm["id"].as_i64().unwrap();
    assert!(alarm["alert_id"].is_i64(), "{alarm}");
    assert!(
        ["red", "orange"].contains(&alarm["alert_level"].as_str().unwrap()),
        "an M7.4 under Muzaffarabad: {alarm}"
    );

    // E-mail to the people on duty, through the real SMTP server.
    let mail = until("the duty e-mail", 30, async || {
        message_to(&smtp.maildir, "duty@pk.example")
    })
    .await;
    assert!(mail.contains("Subject: [Forewarn] "), "{mail}");
    assert!(
        mail.contains(&format!("Forewarn alarm {id} for organisation PK")),
        "{mail}"
    );
    assert!(mail.contains("From: forewarn@rc.example"), "{mail}");

    // The webhook receiver verified the signature with its own key.
    let (body, valid) = until("the signed webhook", 30, async || {
        hooks.seen.lock().unwrap().first().cloned()
    })
    .await;
    assert!(valid, "HMAC-SHA256 signature did not verify: {body}");
    assert_eq!(body["alarm_id"], id);
    assert_eq!(body["org"], "pk");
    assert_eq!(body["type"], "forewarn.alarm");

    // Nobody acknowledges: the approvers, then the regional centre.
    until("the approvers' e-mail", 30, async || {
        message_to(&smtp.maildir, "approvers@pk.example")
    })
    .await;
    let centre = until("the regional centre's e-mail", 30, async || {
        message_to(&smtp.maildir, "centre@rc.example")
    })
    .await;
    assert!(
        centre.contains("escalated to the regional centre"),
        "{centre}"
    );
    let a = until("escalation 2 recorded", 30, async || {
        let (_, list) = pd.get("/api/alarms").await;
        let cur = list["items"]
            .as_array()?
            .iter()
            .find(|x| x["id"] == id)?
            .clone();
        (cur["escalation"] == 2).then_some(cur)
    })
    .await;
    assert_eq!(a["status"], "raised");

    // The failing webhook: every attempt made, then a dead letter.
    let dead = until("the dead letter", 30, async || {
        let (_, v) = pd.get("/api/alarms/dead-letters").await;
        v["items"].as_array()?.first().cloned()
    })
    .await;
    assert_eq!(dead["delivery"]["attempts"], 4, "{dead}");
    assert!(
        dead["delivery"]["target"]
            .as_str()
            .unwrap()
            .ends_with("/failing")
    );
    assert!(*hooks.failing_calls.lock().unwrap() >= 4);

    // Kyrgyzstan sees nothing and cannot acknowledge.
    let (_, v) = kd.get("/api/alarms").await;
    assert_eq!(v["items"], json!([]), "{v}");
    let (s, _) = kd
        .post(&format!("/api/alarms/{id}/acknowledge"), json!({}))
        .await;
    assert!(
        s == StatusCode::NOT_FOUND || s == StatusCode::FORBIDDEN,
        "{s}"
    );

    // Pakistan's duty officer acknowledges; a second acknowledgement is a conflict.
    let (s, v) = pd
        .post(&format!("/api/alarms/{id}/acknowledge"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "acknowledged");
    assert_eq!(v["acknowledged_by"], "pk.duty");
    assert_eq!(v["escalate_at"], Value::Null);
    let (s, _) = pd
        .post(&format!("/api/alarms/{id}/acknowledge"), json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // Everything is journaled.
    let (_, log) = pd.get("/api/activity?limit=200").await;
    let kinds: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for k in [
        "alarm.raised",
        "alarm.delivered",
        "alarm.escalated",
        "alarm.acknowledged",
    ] {
        assert!(kinds.contains(&k), "{k} not in the journal: {kinds:?}");
    }
}

/// An Atom entry embedding a CAP 1.2 message over Lahore (Pakistan) with `status`.
fn cap_entry(id: &str, status: &str) -> String {
    format!(
        r#"<entry><id>{id}</id><updated>2025-03-01T09:00:00Z</updated><content type="application/cap+xml">
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>{id}</identifier><sender>in@forewarn.example</sender>
<sent>2025-03-01T09:00:00+00:00</sent><status>{status}</status><msgType>Alert</msgType><scope>Public</scope>
<info><category>Met</category><event>Flood</event><urgency>Expected</urgency><severity>Severe</severity>
<certainty>Likely</certainty><headline>Ravi river flood near Lahore</headline>
<area><areaDesc>Lahore</areaDesc><polygon>31.3,74.1 31.3,74.5 31.7,74.5 31.7,74.1 31.3,74.1</polygon></area>
</info></alert></content></entry>"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incoming_real_warning_alarms_the_organisation_it_touches() {
    let Some(python) = common::python_with("aiosmtpd") else {
        return;
    };
    let smtp = smtp_server(&python).await;
    let app = App::sqlite().await;
    let feeds = Feeds::default();
    let addr = feed_server(feeds.clone()).await;
    // An Atom feed (RFC 4287) of a neighbour's CAP messages: one real, one exercise.
    feeds.set(
        "cap",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><id>urn:test:feed</id><title>Neighbour</title><updated>2025-03-01T10:00:00Z</updated>{}{}</feed>"#,
            cap_entry("urn:test:real:1", "Actual"),
            cap_entry("urn:test:exercise:1", "Exercise")
        ),
    );
    start_watch(
        &app,
        &format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nfrom = \"forewarn@rc.example\"\ntls = \"none\"\n\n[[alarm]]\norg = \"pk\"\nemail = [\"duty@pk.example\"]\n\n[[source]]\nname = \"neighbour\"\nkind = \"cap-atom\"\nurl = \"http://{addr}/cap\"\npoll_s = 1\n",
            smtp.port
        ),
    )
    .await;
    let pd = app.login("pk.duty").await;
    let alarm = until("the alarm", 60, async || {
        let (_, v) = pd.get("/api/alarms").await;
        v["items"].as_array()?.first().cloned()
    })
    .await;
    assert_eq!(alarm["alert_level"], "orange", "{alarm}");
    assert_eq!(alarm["title"], "Ravi river flood near Lahore");
    assert!(
        alarm["reason"]
            .as_str()
            .unwrap()
            .starts_with("incoming Severe warning (Alert) from in@forewarn.example"),
        "{alarm}"
    );
    assert_eq!(alarm["incident_id"], Value::Null);
    let mail = until("the duty e-mail", 30, async || {
        message_to(&smtp.maildir, "duty@pk.example")
    })
    .await;
    assert!(mail.contains("Ravi river flood near Lahore"), "{mail}");
    // Both entries were read (two incoming_warning records), but only the real one alarms.
    let (_, log) = pd.get("/api/activity?limit=100").await;
    let received = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "incoming_warning.received")
        .count();
    assert_eq!(received, 2, "{log}");
    let (_, v) = pd.get("/api/alarms").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gauge_crossing_alarms_the_organisations_named_for_it() {
    let Some(python) = common::python_with("aiosmtpd") else {
        return;
    };
    let smtp = smtp_server(&python).await;
    let app = App::sqlite().await;
    let feeds = Feeds::default();
    let addr = feed_server(feeds.clone()).await;
    // A lake gauge publishing plain CSV (time,value): the level passes 3.9 m at 03:00.
    feeds.set(
        "lake",
        "time,value\n2025-06-01T01:00:00Z,3.10\n2025-06-01T02:00:00Z,3.60\n2025-06-01T03:00:00Z,4.05\n".into(),
    );
    start_watch(
        &app,
        &format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nfrom = \"forewarn@rc.example\"\ntls = \"none\"\n\n[[alarm]]\norg = \"tj\"\nemail = [\"duty@tj.example\"]\n\n[[source]]\nname = \"sarez-lake\"\nkind = \"gauge-csv\"\nurl = \"http://{addr}/lake\"\npoll_s = 1\nlevel_threshold = 3.9\nalarm_orgs = [\"tj\"]\nalarm_level = \"red\"\n",
            smtp.port
        ),
    )
    .await;
    let td = app.login("tj.duty").await;
    let alarm = until("the gauge alarm", 30, async || {
        let (_, v) = td.get("/api/alarms").await;
        v["items"].as_array()?.first().cloned()
    })
    .await;
    assert_eq!(alarm["alert_level"], "red", "{alarm}");
    assert_eq!(alarm["title"], "Gauge sarez-lake: level threshold crossed");
    assert!(
        alarm["reason"]
            .as_str()
            .unwrap()
            .starts_with("gauge reading 4.05 at 2025-06-01T03:00:00Z"),
        "{alarm}"
    );
    let mail = until("the duty e-mail", 30, async || {
        message_to(&smtp.maildir, "duty@tj.example")
    })
    .await;
    assert!(mail.contains("Gauge sarez-lake"), "{mail}");
    // The same crossing read again at the next polls alarms once.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let (_, v) = td.get("/api/alarms").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
    // Pakistan is not named for this gauge.
    let pd = app.login("pk.duty").await;
    let (_, v) = pd.get("/api/alarms").await;
    assert_eq!(v["items"], json!([]));
}
