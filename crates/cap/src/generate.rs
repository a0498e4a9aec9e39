//! Builds a CAP alert from an impact estimate, with the warning matrix and templates.

use std::collections::BTreeMap;

use crate::config::{AlertLevel, Hazard, LanguageTemplates, MatrixCell, WarningConfig};
use crate::error::CapError;
use crate::geometry::footprint_polygon;
use crate::locale::{self, LocalName, Place, Zone};
use crate::model::{
    Alert, Area, Category, Certainty, Info, MsgType, Scope, Status, Urgency, ValuePair,
};
use crate::template;
use crate::time::CapTime;

/// Facts the templates may use; each is optional, but a template that needs a missing one
/// is an error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImpactFacts {
    pub magnitude: Option<f64>,
    pub depth_km: Option<f64>,
    pub max_mmi: Option<f64>,
    pub people_exposed: Option<u64>,
    pub median_deaths: Option<f64>,
    pub people_affected: Option<u64>,
    pub peak_depth_m: Option<f64>,
    pub economic_loss_usd: Option<f64>,
}

/// One affected country or administrative unit: becomes one CAP `area`.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpactArea {
    /// ISO 3166-1 alpha-2 code; selects the country's matrix and is written as a geocode.
    pub country_iso2: String,
    /// What the area is, written after the (translated) country name in each language.
    pub zone: Zone,
    /// Places in the area, named in each language after the zone (may be empty).
    pub places: Vec<LocalName>,
    /// Hazard footprint rings as `(lon, lat)` pairs, any size, open or closed.
    pub footprints_lon_lat: Vec<Vec<(f64, f64)>>,
    /// Extra geocodes (e.g. admin unit codes).
    pub geocodes: Vec<ValuePair>,
    /// Urgency of this area when it differs between areas (a flood reaching the downstream
    /// reaches one after another); `None` takes the matrix's. Areas of different urgency go in
    /// different `info` blocks, most urgent first.
    pub urgency: Option<Urgency>,
    /// When the hazard reaches this area (the `onset` of its `info` block: the earliest of the
    /// block's areas); `None` takes the warning's `event_time`.
    pub onset: Option<CapTime>,
}

/// A hazard-agnostic impact warning: the input of [`generate`].
#[derive(Debug, Clone, PartialEq)]
pub struct ImpactWarning {
    pub hazard: Hazard,
    pub event_id: String,
    /// When the event happened (earthquake) or is expected (flood peak): the alert's `onset`.
    pub event_time: CapTime,
    /// The message's `sent` time, given by the caller so that output is reproducible.
    pub sent: CapTime,
    pub alert_level: AlertLevel,
    /// Probability of `alert_level`, 0..1.
    pub likelihood: f64,
    /// Where the event is: each language writes its own `{place}` phrase from it.
    pub place: Place,
    pub facts: ImpactFacts,
    pub areas: Vec<ImpactArea>,
    pub status: Status,
    pub sender: String,
    /// Language codes; one info block each, in this order. Each needs a template file.
    pub languages: Vec<String>,
    /// The event itself has been observed (an earthquake recorded, a dam breach seen): certainty
    /// `Observed` (CAP 1.2: "Determined to have occurred or to be ongoing") instead of the
    /// matrix's likelihood-based certainty.
    pub observed: bool,
}

/// A machine-readable number (CAP parameters): a point, never "-0".
fn fmt_fixed(v: f64, decimals: usize) -> String {
    locale::number(v, decimals, ".")
}

/// The template values of one language; `event_time` is the onset of the info block being
/// written (the warning's event time, or the earliest onset of the block's areas). Numbers
/// use the language's decimal separator; counts of people are rounded in its words.
fn fact_values(
    w: &ImpactWarning,
    t: &LanguageTemplates,
    lang: &str,
    level_text: &str,
    event_time: CapTime,
) -> Result<BTreeMap<&'static str, String>, String> {
    let f = &w.facts;
    let sep = t.format.decimal.as_str();
    let mut v = BTreeMap::new();
    v.insert("level", level_text.to_string());
    v.insert(
        "likelihood_pct",
        locale::number(w.likelihood * 100.0, 0, sep),
    );
    v.insert("place", locale::place_text(t, lang, &w.place)?);
    v.insert(
        "event_time",
        event_time.to_utc().format("%Y-%m-%d %H:%M UTC").to_string(),
    );
    v.insert("event_id", w.event_id.clone());
    let opt = |x: Option<f64>, d: usize| {
        x.filter(|x| x.is_finite())
            .map(|x| locale::number(x, d, sep))
    };
    let pairs: [(&'static str, Option<String>); 8] = [
        ("magnitude", opt(f.magnitude, 1)),
        ("depth_km", opt(f.depth_km, 0)),
        ("max_mmi", opt(f.max_mmi, 1)),
        (
            "people_exposed",
            f.people_exposed.map(|n| locale::people_count(n, lang)),
        ),
        ("median_deaths", opt(f.median_deaths, 0)),
        (
            "people_affected",
            f.people_affected.map(|n| locale::people_count(n, lang)),
        ),
        ("peak_depth_m", opt(f.peak_depth_m, 1)),
        (
            "economic_loss_musd",
            opt(f.economic_loss_usd.map(|u| u / 1e6), 0),
        ),
    ];
    for (k, val) in pairs {
        if let Some(val) = val {
            v.insert(k, val);
        }
    }
    Ok(v)
}

fn fact_parameters(w: &ImpactWarning) -> Vec<ValuePair> {
    let f = &w.facts;
    let mut p = vec![
        ValuePair::new("alertLevel", w.alert_level.as_str()),
        ValuePair::new("alertLevelProbability", fmt_fixed(w.likelihood, 2)),
        ValuePair::new("eventId", w.event_id.clone()),
    ];
    let list: [(&str, Option<String>); 8] = [
        ("magnitude", f.magnitude.map(|x| fmt_fixed(x, 1))),
        ("depthKm", f.depth_km.map(|x| fmt_fixed(x, 1))),
        ("maxMMI", f.max_mmi.map(|x| fmt_fixed(x, 1))),
        ("peopleExposed", f.people_exposed.map(|n| n.to_string())),
        ("medianDeaths", f.median_deaths.map(|x| fmt_fixed(x, 0))),
        ("peopleAffected", f.people_affected.map(|n| n.to_string())),
        ("peakDepthM", f.peak_depth_m.map(|x| fmt_fixed(x, 2))),
        (
            "economicLossUSD",
            f.economic_loss_usd.map(|x| fmt_fixed(x, 0)),
        ),
    ];
    for (name, value) in list {
        if let Some(value) = value.filter(|v| v != "NaN" && v != "inf" && v != "-inf") {
            p.push(ValuePair::new(name, value));
        }
    }
    p
}

/// An identifier that is unique per sender: WMO OID style when the sender has an OID.
fn identifier(w: &ImpactWarning, cfg: &WarningConfig) -> String {
    let t = w.sent.to_utc();
    if let Some(oid) = cfg.sender(&w.sender).and_then(|s| s.wmo_oid.as_deref()) {
        use chrono::{Datelike, Timelike};
        return format!(
            "urn:oid:{oid}.{}.{}.{}.{}.{}.{}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        );
    }
    let event: String = w
        .event_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "forewarn.{}.{event}.{}",
        w.hazard.key(),
        w.sent.compact_utc()
    )
}

/// Chooses the matrix cell: the most severe over the countries of the areas.
fn choose_cell(w: &ImpactWarning, cfg: &WarningConfig) -> Result<MatrixCell, CapError> {
    let mut best: Option<MatrixCell> = None;
    for a in &w.areas {
        let cell = cfg.cell(Some(&a.country_iso2), w.hazard, w.alert_level, w.likelihood)?;
        let better = match &best {
            None => true,
            Some(b) => {
                (cell.severity, cell.urgency, cell.certainty) < (b.severity, b.urgency, b.certainty)
            }
        };
        if better {
            best = Some(cell);
        }
    }
    match best {
        Some(c) => Ok(c),
        None => cfg.cell(None, w.hazard, w.alert_level, w.likelihood),
    }
}

fn check_input(w: &ImpactWarning, cfg: &WarningConfig) -> Result<(), CapError> {
    let bad = |m: String| Err(CapError::Config(m));
    if w.languages.is_empty() {
        return bad("no languages requested".into());
    }
    for (i, l) in w.languages.iter().enumerate() {
        if cfg.templates(l).is_none() {
            return bad(format!(
                "no templates for language '{l}' (available: {})",
                cfg.languages().join(", ")
            ));
        }
        if w.languages[..i].contains(l) {
            return bad(format!("language '{l}' requested twice"));
        }
    }
    if w.areas.is_empty() {
        return bad("the warning has no areas".into());
    }
    if w.event_id.trim().is_empty() {
        return bad("event_id is empty".into());
    }
    if w.sender.is_empty()
        || w.sender
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, ',' | '<' | '&'))
    {
        return bad(format!(
            "sender '{}' is empty or contains spaces, commas, '<' or '&'",
            w.sender
        ));
    }
    if !w.likelihood.is_finite() || !(0.0..=1.0).contains(&w.likelihood) {
        return bad(format!("likelihood {} is outside 0..1", w.likelihood));
    }
    for a in &w.areas {
        if a.country_iso2.len() != 2 || !a.country_iso2.chars().all(|c| c.is_ascii_uppercase()) {
            return bad(format!(
                "country '{}' is not an ISO 3166-1 alpha-2 code",
                a.country_iso2
            ));
        }
    }
    Ok(())
}

/// Builds the CAP alert for an impact warning.
///
/// - Fields from the warning matrix ([`WarningConfig::cell`]); with several countries the most
///   severe country's row is used.
/// - One info block per requested language (per language and urgency when the areas carry
///   their own urgency, most urgent first, each with the onset of its earliest area), texts
///   from that language's templates. Certainty `Observed` when the warning says the event was
///   observed. Messages
///   that are not Actual carry the status word (e.g. "EXERCISE") at the start of headline,
///   description and instruction in every language, and a `note`.
/// - `effective` = `sent`, `onset` = event time, `expires` = `sent` + the matrix's hours.
/// - One area per [`ImpactArea`], footprints reduced to valid CAP polygons (see
///   [`crate::geometry::footprint_polygon`]), an `ISO3166-1` geocode plus the given ones.
pub fn generate(w: &ImpactWarning, cfg: &WarningConfig) -> Result<Alert, CapError> {
    check_input(w, cfg)?;
    let cell = choose_cell(w, cfg)?;
    let (_, web, contact) = cfg.sender_texts(cell.country.as_deref());
    // An authority's own name (its sender entry, then its country's rules) outranks the
    // language's generic one.
    let authority_name = cfg
        .sender(&w.sender)
        .and_then(|s| s.sender_name.as_deref())
        .or(cfg.country_sender_name(cell.country.as_deref()));
    let expires = w.sent.plus_seconds(i64::from(cell.expires_hours) * 3600);

    let mut polygons_by_area = Vec::with_capacity(w.areas.len());
    for a in &w.areas {
        let mut polys = Vec::new();
        for (i, ring) in a.footprints_lon_lat.iter().enumerate() {
            let p = footprint_polygon(ring).map_err(|m| {
                CapError::Footprint(format!("area {} ring {}: {m}", a.country_iso2, i + 1))
            })?;
            polys.push(p);
        }
        polygons_by_area.push(polys);
    }

    let category = match w.hazard {
        Hazard::Earthquake => Category::Geo,
        // CAP 1.2: "Met - Meteorological (inc. flood)".
        Hazard::Flood => Category::Met,
    };
    // Areas grouped by urgency (one group with the matrix's urgency when no area sets its own),
    // most urgent first; each group becomes one info block per language.
    let rank = |u: Urgency| match u {
        Urgency::Immediate => 0,
        Urgency::Expected => 1,
        Urgency::Future => 2,
        Urgency::Past => 3,
        Urgency::Unknown => 4,
    };
    let mut groups: Vec<(Urgency, Vec<usize>)> = Vec::new();
    for (i, a) in w.areas.iter().enumerate() {
        let u = a.urgency.unwrap_or(cell.urgency);
        match groups.iter_mut().find(|g| g.0 == u) {
            Some(g) => g.1.push(i),
            None => groups.push((u, vec![i])),
        }
    }
    groups.sort_by_key(|g| rank(g.0));
    let certainty = if w.observed {
        Certainty::Observed
    } else {
        cell.certainty
    };
    let mut infos = Vec::with_capacity(w.languages.len() * groups.len());
    let mut note = None;
    for (urgency, members) in &groups {
        let onset = members
            .iter()
            .filter_map(|&i| w.areas[i].onset)
            .min_by_key(|t| t.to_utc())
            .unwrap_or(w.event_time);
        for lang in &w.languages {
            let t = cfg
                .templates(lang)
                .ok_or_else(|| CapError::Config(format!("no templates for language '{lang}'")))?;
            let texts = t.hazard(w.hazard);
            let level_text = t
                .levels
                .get(&w.alert_level)
                .map_or(w.alert_level.as_str(), String::as_str);
            let missing = |template: String| {
                let language = lang.clone();
                move |fact| CapError::MissingFact {
                    template,
                    language,
                    fact,
                }
            };
            let values =
                fact_values(w, t, lang, level_text, onset).map_err(missing("place".to_string()))?;
            let fill = |name: &str, text: &str| {
                template::render(text, &values)
                    .map_err(missing(format!("{}.{name}", w.hazard.key())))
            };
            let mut headline = fill("headline", &texts.headline)?;
            let mut description = fill("description", &texts.description)?;
            let instruction_text = texts.instruction.get(&w.alert_level).ok_or_else(|| {
                CapError::Config(format!(
                    "{lang}: no instruction for {}",
                    w.alert_level.as_str()
                ))
            })?;
            let mut instruction = fill("instruction", instruction_text)?;
            if let Some(prefix) = t.status_prefix(w.status) {
                let with_status = |text: &str| {
                    let v = BTreeMap::from([
                        ("status", prefix.to_string()),
                        ("text", text.to_string()),
                    ]);
                    template::render(&t.format.status, &v)
                        .map_err(missing("format.status".to_string()))
                };
                headline = with_status(&headline)?;
                description = with_status(&description)?;
                instruction = with_status(&instruction)?;
                if note.is_none() {
                    note = t.notes.get(w.status.as_str()).cloned();
                }
            }
            let mut areas = Vec::with_capacity(members.len());
            for (a, polys) in members.iter().map(|&i| (&w.areas[i], &polygons_by_area[i])) {
                let country = t
                    .countries
                    .get(&a.country_iso2)
                    .cloned()
                    .unwrap_or_else(|| a.country_iso2.clone());
                let area_desc = locale::area_desc(t, lang, &country, &a.zone, &a.places)
                    .map_err(missing("area".to_string()))?;
                let mut geocodes = vec![ValuePair::new("ISO3166-1", a.country_iso2.clone())];
                geocodes.extend(a.geocodes.iter().cloned());
                areas.push(Area {
                    area_desc,
                    polygons: polys.clone(),
                    circles: Vec::new(),
                    geocodes,
                    altitude_ft: None,
                    ceiling_ft: None,
                });
            }
            infos.push(Info {
                language: lang.clone(),
                categories: vec![category],
                event: texts.event.clone(),
                response_types: cell.response.clone(),
                urgency: *urgency,
                severity: cell.severity,
                certainty,
                audience: None,
                event_codes: Vec::new(),
                effective: Some(w.sent),
                onset: Some(onset),
                expires: Some(expires),
                sender_name: Some(
                    authority_name
                        .unwrap_or(t.format.sender_name.as_str())
                        .to_string(),
                ),
                headline: Some(headline),
                description: Some(description),
                instruction: Some(instruction),
                web: web.map(str::to_string),
                contact: contact.map(str::to_string),
                parameters: fact_parameters(w),
                resources: Vec::new(),
                areas,
            });
        }
    }
    Ok(Alert {
        identifier: identifier(w, cfg),
        sender: w.sender.clone(),
        sent: w.sent,
        status: w.status,
        msg_type: MsgType::Alert,
        source: None,
        scope: Scope::Public,
        restriction: None,
        addresses: None,
        codes: Vec::new(),
        note,
        references: Vec::new(),
        incidents: Some(identifier_safe(&w.event_id)),
        infos,
    })
}

/// The event id as one incident token (no spaces).
fn identifier_safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_whitespace() { '_' } else { c })
        .collect()
}
