//! Demo mode: 13 organisations, three users per member state plus the regional coordinator,
//! and one sample incident. Idempotent: existing organisations and users are kept.

use crate::error::ApiError;
use crate::incidents::{Incident, IncidentStatus, QuakeParams};
use crate::records::{self, next_id};
use crate::{AppState, COUNTRY_ORGS, RC, auth};
use forewarn_store::{NewEntry, Org, Reader, RecordFilter, UserRole, Visibility};

/// Title of the seeded incident.
pub const DEMO_INCIDENT: &str = "Demo: M7.6 Kashmir 2005 scenario";

fn country_name(code: &str) -> &'static str {
    match code {
        "af" => "Afghanistan",
        "by" => "Belarus",
        "cn" => "China",
        "in" => "India",
        "ir" => "Iran",
        "kg" => "Kyrgyzstan",
        "kz" => "Kazakhstan",
        "mn" => "Mongolia",
        "pk" => "Pakistan",
        "ru" => "Russia",
        "tj" => "Tajikistan",
        "uz" => "Uzbekistan",
        _ => "",
    }
}

/// A demo organisation's name in Russian, Chinese and Urdu: "the disaster management
/// authority" of its country (the country names are the common ones of each language, as the
/// CLDR lists them).
fn names_in(code: &str) -> Option<[(&'static str, String); 3]> {
    let (ru, zh, ur) = match code {
        "af" => ("Афганистан", "阿富汗", "افغانستان"),
        "by" => ("Беларусь", "白俄罗斯", "بیلاروس"),
        "cn" => ("Китай", "中国", "چین"),
        "in" => ("Индия", "印度", "بھارت"),
        "ir" => ("Иран", "伊朗", "ایران"),
        "kg" => ("Кыргызстан", "吉尔吉斯斯坦", "کرغیزستان"),
        "kz" => ("Казахстан", "哈萨克斯坦", "قازقستان"),
        "mn" => ("Монголия", "蒙古", "منگولیا"),
        "pk" => ("Пакистан", "巴基斯坦", "پاکستان"),
        "ru" => ("Россия", "俄罗斯", "روس"),
        "tj" => ("Таджикистан", "塔吉克斯坦", "تاجکستان"),
        "uz" => ("Узбекистан", "乌兹别克斯坦", "ازبکستان"),
        _ => return None,
    };
    Some([
        (
            "ru",
            format!("Орган по управлению в чрезвычайных ситуациях: {ru}"),
        ),
        ("zh", format!("{zh}灾害管理机构")),
        ("ur", format!("{ur} کی ڈیزاسٹر مینجمنٹ اتھارٹی")),
    ])
}

/// The regional centre's name in Russian, Chinese and Urdu.
fn rc_names() -> [(&'static str, String); 3] {
    [
        ("ru", "Региональный координационный центр ШОС".into()),
        ("zh", "上海合作组织区域协调中心".into()),
        ("ur", "ایس سی او کا علاقائی رابطہ مرکز".into()),
    ]
}

/// The organisations: one authority per member state and the regional centre.
pub fn organisations() -> Vec<Org> {
    let mut v: Vec<Org> = COUNTRY_ORGS
        .iter()
        .map(|c| Org {
            code: c.to_string(),
            name: format!("Disaster management authority of {}", country_name(c)),
            country_iso2: Some(c.to_uppercase()),
            cap_sender: format!("{c}@forewarn.example"),
        })
        .collect();
    v.push(Org {
        code: RC.into(),
        name: "SCO regional coordination centre".into(),
        country_iso2: None,
        cap_sender: "rc@forewarn.example".into(),
    });
    v
}

/// (username, display name, org, roles) of the demo users.
pub fn users() -> Vec<(String, String, String, Vec<UserRole>)> {
    let mut v = Vec::new();
    for c in COUNTRY_ORGS {
        let n = country_name(c);
        v.push((
            format!("{c}.duty"),
            format!("{n} duty officer"),
            c.to_string(),
            vec![UserRole::DutyOfficer],
        ));
        v.push((
            format!("{c}.approver"),
            format!("{n} approver"),
            c.to_string(),
            vec![UserRole::Approver],
        ));
        v.push((
            format!("{c}.viewer"),
            format!("{n} viewer"),
            c.to_string(),
            vec![UserRole::Viewer],
        ));
    }
    v.push((
        "rc.coordinator".into(),
        "Regional coordinator".into(),
        RC.into(),
        vec![UserRole::Admin, UserRole::DutyOfficer, UserRole::Approver],
    ));
    v
}

/// Seeds organisations, users (password `password`) and the sample incident, whose run is
/// started in the background.
pub async fn seed(st: &AppState, password: &str) -> Result<(), ApiError> {
    seed_accounts(st, password).await?;
    seed_incident(st).await
}

/// Seeds the organisations and users only.
pub async fn seed_accounts(st: &AppState, password: &str) -> Result<(), ApiError> {
    let mut tx = st.store.begin_write().await?;
    for o in organisations() {
        tx.ensure_org(&o).await?;
    }
    tx.commit().await?;
    // The demo password is public and shared by every demo user, so one argon2 hash (one
    // salt) serves them all; real users get their own salt (POST /api/users).
    let pw = password.to_string();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&pw))
        .await
        .map_err(|e| ApiError::bad_request(e.to_string(), None))??;
    let mut tx = st.store.begin_write().await?;
    for (username, display, org, roles) in users() {
        if tx.user_by_username(&username).await?.is_some() {
            continue;
        }
        let u = tx
            .insert_user(&username, &display, &org, &roles, &hash)
            .await?;
        tx.append(NewEntry {
            actor: "demo".into(),
            org: org.clone(),
            kind: "user.created".into(),
            record_type: "user".into(),
            record_id: u.id,
            visibility: Visibility::OwnOrg,
            party_org: None,
            payload: serde_json::to_value(auth::UserOut::from(&u)).unwrap_or_default(),
            exercise_id: None,
        })
        .await?;
    }
    tx.commit().await?;
    // Each member state's authority and the regional centre named in every UI language (their
    // CAP sender names; kept when an admin has set them).
    for o in organisations() {
        if let Some(names) = names_in(&o.code).or_else(|| (o.code == RC).then(rc_names)) {
            let mut m: std::collections::BTreeMap<String, String> =
                names.into_iter().map(|(l, n)| (l.to_string(), n)).collect();
            m.insert("en".into(), o.name.clone());
            crate::cap_texts::seed_names(st, &o.code, m, "demo").await?;
        }
    }
    Ok(())
}

/// Seeds the sample incident (unless it exists and has not failed) and starts its run.
pub async fn seed_incident(st: &AppState) -> Result<(), ApiError> {
    let existing = st
        .store
        .list_records(
            "incident",
            &Reader::All,
            &RecordFilter {
                exercise_id: None,
                limit: 1000,
                ..Default::default()
            },
        )
        .await?;
    if existing.iter().any(|r| {
        r.data.get("title").and_then(|t| t.as_str()) == Some(DEMO_INCIDENT)
            && r.status != IncidentStatus::Failed.as_str()
    }) {
        return Ok(());
    }
    let mut tx = st.store.begin_write().await?;
    let inc = Incident::new_quake_run(
        next_id::<Incident>(&mut tx).await?,
        "pk",
        Visibility::Regional,
        DEMO_INCIDENT.into(),
        QuakeParams {
            lat: 34.49,
            lon: 73.63,
            depth_km: 15.0,
            mag: 7.6,
            strike_deg: Some(331.0),
            dip_deg: Some(29.0),
            rake_deg: Some(90.0),
            gmpe: Some("nga-west2".into()),
            realizations: Some(0),
            seed: Some(42),
            origin_time: None,
        },
        "pk.duty",
    );
    records::insert(&mut tx, "demo", "incident.created", &inc).await?;
    crate::jobs::queue(&mut tx, &inc).await?;
    tx.commit().await?;
    crate::jobs::wake(st);
    Ok(())
}
