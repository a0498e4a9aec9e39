//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use forewarn_cap::{
    AlertLevel, CapTime, Hazard, ImpactArea, ImpactFacts, ImpactWarning, LocalName, Place, Status,
    ValuePair, Zone,
};

/// The embedded warning matrix and templates.
pub fn cfg() -> forewarn_cap::WarningConfig {
    forewarn_cap::WarningConfig::embedded().expect("embedded config")
}

/// Path of a file under `shared/reference/cap/`.
pub fn reference(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference/cap")
        .join(rel)
}

/// The text of a file under `shared/reference/cap/`; a missing file names the path and the
/// checkout layout the tests need (the project's shared data beside the repository).
pub fn read_reference(rel: &str) -> String {
    let path = reference(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; the CAP tests read the shared reference data, which must sit beside the \
             repository as ../shared (CI provides it)",
            path.display()
        )
    })
}

/// Validates `xml` with `xmllint --schema cap12.xsd`; returns xmllint's messages on failure.
pub fn xmllint(xml: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = dir.path().join("alert.xml");
    std::fs::write(&file, xml).map_err(|e| e.to_string())?;
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(reference("schema/cap12.xsd"))
        .arg(&file)
        .output()
        .map_err(|e| format!("xmllint not runnable (install libxml2-utils): {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A wobbly closed-or-open ring of `n` points around (lon, lat), radii in degrees.
pub fn wobbly_ring(lon: f64, lat: f64, rx: f64, ry: f64, n: usize, seed: f64) -> Vec<(f64, f64)> {
    (0..n)
        .map(|i| {
            let t = i as f64 / n as f64 * std::f64::consts::TAU;
            let r = 1.0 + 0.15 * (7.0 * t + seed).sin() + 0.04 * (53.0 * t + 2.0 * seed).cos();
            (lon + rx * r * t.cos(), lat + ry * r * t.sin())
        })
        .collect()
}

fn t(s: &str) -> CapTime {
    CapTime::parse(s).expect("test time")
}

/// `distance_km` from Muzaffarabad, Pakistan, named in the four warning languages.
pub fn muzaffarabad(distance_km: f64) -> Place {
    let name = [
        ("en", "Muzaffarabad"),
        ("ru", "Музаффарабад"),
        ("zh", "穆扎法拉巴德"),
        ("ur", "مظفرآباد"),
    ];
    Place::Settlement {
        name: LocalName(
            name.iter()
                .map(|(l, n)| (l.to_string(), n.to_string()))
                .collect(),
        ),
        country_iso2: "PK".into(),
        distance_km,
        town: true,
    }
}

/// The 2005-10-08 Kashmir earthquake (Mw 7.6, 34.49 N 73.63 E, 26 km) as an impact warning.
/// Footprints and impact numbers are illustrative test inputs, not model output.
pub fn kashmir(status: Status) -> ImpactWarning {
    ImpactWarning {
        hazard: Hazard::Earthquake,
        event_id: "kashmir-2005".into(),
        event_time: t("2005-10-08T03:50:40-00:00"),
        sent: t("2005-10-08T04:20:00-00:00"),
        alert_level: AlertLevel::Red,
        likelihood: 0.86,
        place: muzaffarabad(3.0),
        facts: ImpactFacts {
            magnitude: Some(7.6),
            depth_km: Some(26.0),
            max_mmi: Some(9.1),
            people_exposed: Some(3_200_000),
            median_deaths: Some(24_000.0),
            people_affected: None,
            peak_depth_m: None,
            economic_loss_usd: Some(5.2e9),
        },
        areas: vec![
            ImpactArea {
                country_iso2: "PK".into(),
                zone: Zone::Named("Azad Kashmir, Khyber Pakhtunkhwa".into()),
                places: vec![],
                footprints_lon_lat: vec![wobbly_ring(73.4, 34.4, 1.1, 0.9, 1500, 0.3)],
                geocodes: vec![ValuePair::new("ADM1", "PK-KP")],
                urgency: None,
                onset: None,
            },
            ImpactArea {
                country_iso2: "IN".into(),
                zone: Zone::Named("Jammu and Kashmir".into()),
                places: vec![],
                footprints_lon_lat: vec![wobbly_ring(74.5, 34.2, 0.6, 0.5, 700, 1.1)],
                geocodes: vec![],
                urgency: None,
                onset: None,
            },
        ],
        status,
        sender: "forewarn@forewarn.example".into(),
        languages: vec!["en".into(), "ru".into(), "zh".into(), "ur".into()],
        observed: false,
    }
}

/// A generic earthquake warning at a given level.
pub fn quake_at(level: AlertLevel, likelihood: f64, deaths: f64) -> ImpactWarning {
    let mut w = kashmir(Status::Actual);
    w.event_id = format!("test-{}", level.as_str().to_lowercase());
    w.alert_level = level;
    w.likelihood = likelihood;
    w.facts.median_deaths = Some(deaths);
    w
}

/// A flood warning.
pub fn flood(level: AlertLevel) -> ImpactWarning {
    ImpactWarning {
        hazard: Hazard::Flood,
        event_id: "indus-2022-08".into(),
        event_time: t("2022-08-26T12:00:00+05:00"),
        sent: t("2022-08-25T09:00:00+05:00"),
        alert_level: level,
        likelihood: 0.7,
        place: Place::Valley {
            name: LocalName::same("Sukkur"),
            country_iso2: "PK".into(),
            town: true,
        },
        facts: ImpactFacts {
            people_affected: Some(450_000),
            peak_depth_m: Some(2.4),
            median_deaths: Some(120.0),
            ..ImpactFacts::default()
        },
        areas: vec![ImpactArea {
            country_iso2: "PK".into(),
            zone: Zone::FloodZone,
            places: vec![LocalName::same("Sukkur")],
            footprints_lon_lat: vec![wobbly_ring(68.8, 27.7, 0.8, 1.4, 3000, 2.0)],
            geocodes: vec![],
            urgency: None,
            onset: None,
        }],
        status: Status::Actual,
        sender: "forewarn@forewarn.example".into(),
        languages: vec!["en".into(), "ur".into()],
        observed: false,
    }
}

/// True when the `openssl` command can be run.
pub fn have(cmd: &str) -> bool {
    Command::new(cmd).arg("version").output().is_ok()
        || Command::new(cmd).arg("--version").output().is_ok()
}

/// Creates a test-only key pair and self-signed certificate with the openssl CLI.
/// `kind`: "rsa" (RSA 2048) or "ec" (P-256). Returns (key PEM path, cert PEM path).
pub fn make_test_key(dir: &Path, kind: &str) -> (PathBuf, PathBuf) {
    let key = dir.join(format!("{kind}-key.pem"));
    let cert = dir.join(format!("{kind}-cert.pem"));
    let newkey = match kind {
        "rsa" => "rsa:2048".to_string(),
        _ => {
            let params = dir.join("ec.param");
            let st = Command::new("openssl")
                .args(["ecparam", "-name", "prime256v1", "-out"])
                .arg(&params)
                .status()
                .expect("openssl ecparam");
            assert!(st.success());
            format!("ec:{}", params.display())
        }
    };
    let st = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            &newkey,
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=forewarn-test-only",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl req");
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    (key, cert)
}
