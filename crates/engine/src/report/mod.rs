//! The incident page of an earthquake run, in the manner of a PAGER one-pager and a GDACS
//! event page: alert colours for deaths and losses with the probability of each range,
//! exposure by intensity and country with perceived shaking and damage words, the most
//! affected settlements, a map, what changed since the previous run, and how the estimate
//! was made. One self-contained HTML document (inline CSS and SVG, no script, no request),
//! printed on A4. Built only from a run's summary.json (and its MMI contours), so the CLI's
//! `summary.html` and the server's `/api/incidents/{id}/report.html` are the same page.

mod flood;
mod scenario;
mod svg;
pub mod words;

use forewarn_core::Region;
use forewarn_impact::AlertLevel;
use serde_json::Value;
use std::fmt::Write as _;
use std::sync::OnceLock;
use words::{Words, level_from_str, level_index, mmi_index};

pub use flood::{FloodReportInput, deaths_text, render_flood_html, two_significant};
pub use scenario::{ScenarioHazard, ScenarioInput, render_scenario_html};
pub use svg::{MapInput, Place, overlaps as label_overlaps};

/// What the page is built from.
pub struct ReportInput<'a> {
    /// The run's summary.json.
    pub summary: &'a Value,
    /// The run's filled MMI contours (mmi.geojson), for the map.
    pub contours: Option<&'a Value>,
    /// The region, for country borders on the map.
    pub region: Option<&'a Region>,
    /// The previous run of the same event: its summary and how to name it.
    pub previous: Option<(&'a Value, String)>,
    /// Page language (`en`, `ru`, `zh`, `ur`; others get English).
    pub lang: &'a str,
}

/// Escapes text for HTML content and attribute values (the CAP crate's one helper).
pub use forewarn_cap::escape_html as escape;

/// An integer with thousands grouped as the language writes them.
pub fn group(v: f64, lang: &str) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let n = v.round().abs() as u64;
    let digits = n.to_string();
    let sep = if lang == "ru" { "\u{a0}" } else { "," };
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(ch);
    }
    if v.round() < 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A probability as a whole percentage ("<1%" for small non-zero values).
fn pct(p: f64) -> String {
    if p > 0.0 && p < 0.005 {
        "<1%".into()
    } else {
        format!("{:.0}%", (p * 100.0).round())
    }
}

/// The page's style: screen and A4 print. Class names start with `rpt-`.
pub const CSS: &str = r#"
:root{color-scheme:light}
body{margin:0;background:#fff;color:#111;font:15px/1.45 system-ui,"Noto Sans","DejaVu Sans",sans-serif}
.rpt{max-width:62rem;margin:0 auto;padding:1rem 1.25rem}
.rpt h1{font-size:1.5rem;margin:.2rem 0 .4rem}
.rpt h2{font-size:1.1rem;margin:1.2rem 0 .5rem;border-bottom:2px solid #222;padding-bottom:.15rem}
.rpt-head{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:baseline}
.rpt-facts{display:flex;flex-wrap:wrap;gap:.3rem 1.4rem;margin:.3rem 0;padding:0;list-style:none}
.rpt-facts b{font-weight:600}
.rpt-pill{display:inline-block;padding:.1rem .6rem;border-radius:1rem;font-weight:700;border:1px solid #333;white-space:nowrap}
.rpt-green{background:#00a651;color:#000}
.rpt-yellow{background:#ffe000;color:#000}
.rpt-orange{background:#ff9000;color:#000}
.rpt-red{background:#d50000;color:#fff}
.rpt-alerts{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:1rem}
.rpt-panel{border:1px solid #999;border-radius:.4rem;padding:.6rem .8rem;break-inside:avoid}
.rpt-panel h3{margin:0 0 .4rem;font-size:1rem;display:flex;justify-content:space-between;gap:.5rem;align-items:center}
.rpt-bands{display:flex;align-items:flex-end;gap:2px;height:7rem;margin:.3rem 0 0}
.rpt-band{flex:1;display:flex;flex-direction:column;justify-content:flex-end;align-items:center;height:100%}
.rpt-band-bar{width:100%;border:1px solid #333;border-bottom:none;min-height:4px}
.rpt-band-p{font-size:.8rem;font-weight:600}
.rpt-band-labels{display:flex;gap:2px;font-size:.72rem;border-top:1px solid #333}
.rpt-band-labels span{flex:1;text-align:center;overflow-wrap:anywhere}
.rpt-unit{font-size:.8rem;color:#333;margin:.2rem 0 0}
.rpt table{border-collapse:collapse;width:100%;font-size:.9rem}
.rpt th,.rpt td{border:1px solid #bbb;padding:.2rem .3rem;text-align:start;vertical-align:top;overflow-wrap:anywhere}
.rpt td.num,.rpt th.num,.rpt td.txt,.rpt thead th{overflow-wrap:normal}
.rpt td.num{white-space:nowrap}
.rpt th{background:#f0f0f0}
.rpt td.num,.rpt th.num{text-align:end;font-variant-numeric:tabular-nums}
.rpt-mmi{display:inline-block;min-width:2.6rem;text-align:center;font-weight:700;border:1px solid #666;color:#000}
.rpt-scroll{overflow-x:auto}
.rpt-map{width:100%;height:auto;border:1px solid #999}
.rpt-caption{font-size:.8rem;color:#333;margin:.2rem 0}
.rpt-vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.rpt-note{margin:.2rem 0 .6rem;max-width:62rem;unicode-bidi:plaintext}
.rpt-notes dt{font-weight:600}
.rpt-notes dd{margin:0 0 .4rem 0;unicode-bidi:plaintext}
.rpt-foot{font-size:.78rem;color:#333;margin-top:1rem}
.rpt-warn{margin:.4rem 0;padding:.3rem .6rem;border-inline-start:4px solid #ff9000;background:#fff4e0;unicode-bidi:plaintext}
.rpt-big{font-size:1.8rem;font-weight:700;margin:.1rem 0;font-variant-numeric:tabular-nums}
@page{size:A4;margin:12mm}
@media print{
 body{font-size:10.5pt}
 .rpt{max-width:none;padding:0}
 .rpt h2{break-after:avoid}
 .rpt-panel,.rpt table,.rpt figure,.rpt-notes{break-inside:avoid}
 .rpt table{font-size:8pt}
 .rpt th,.rpt td{padding:.1rem .2rem}
 .rpt-scroll{overflow:visible}
 .rpt-map{max-height:120mm;width:auto;max-width:100%}
 .rpt-pill,.rpt-band-bar,.rpt-mmi{print-color-adjust:exact;-webkit-print-color-adjust:exact}
}
"#;

fn level_class(l: AlertLevel) -> &'static str {
    match l {
        AlertLevel::Green => "rpt-green",
        AlertLevel::Yellow => "rpt-yellow",
        AlertLevel::Orange => "rpt-orange",
        AlertLevel::Red => "rpt-red",
    }
}

fn pill(l: AlertLevel, w: &Words, id: &str) -> String {
    format!(
        "<span class=\"rpt-pill {}\" id=\"{id}\" data-level=\"{}\">{}</span>",
        level_class(l),
        l.as_str(),
        escape(w.levels[level_index(l)])
    )
}

fn mmi_chip(mmi: f64) -> String {
    let k = mmi_index(mmi);
    let c = crate::quake::mmi_color((k + 1) as f32)
        .map(|c| format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2))
        .unwrap_or_else(|| "#ffffff".into());
    format!(
        "<span class=\"rpt-mmi\" style=\"background:{c}\">{}</span>",
        words::ROMAN[k]
    )
}

/// [west, south, east, north] of the coordinates of a FeatureCollection of areas (a flood's
/// extent, an exercise's footprint) with a fifth of its size around them; none for an empty
/// one.
fn area_bbox(extent: &Value) -> Option<[f64; 4]> {
    fn walk(v: &Value, b: &mut [f64; 4]) {
        match v.as_array() {
            Some(a) if a.len() >= 2 && a[0].is_number() && a[1].is_number() => {
                let (x, y) = (a[0].as_f64().unwrap_or(0.0), a[1].as_f64().unwrap_or(0.0));
                *b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
            }
            Some(a) => a.iter().for_each(|c| walk(c, b)),
            None => {}
        }
    }
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for f in extent["features"].as_array().into_iter().flatten() {
        walk(&f["geometry"]["coordinates"], &mut b);
    }
    if !(b[0].is_finite() && b[2] > b[0] && b[3] > b[1]) {
        return None;
    }
    let (pw, ph) = ((b[2] - b[0]) * 0.2, (b[3] - b[1]) * 0.2);
    Some([b[0] - pw, b[1] - ph, b[2] + pw, b[3] + ph])
}

/// The start of a page: its document head, then its header with the caption, the title and
/// the alert level, up to the opening of the list of facts (`<ul class="rpt-facts">`).
/// `main_attr` marks the kind of page on `<main>` (` data-flood="true"`; empty for a run's).
fn page_start(
    out: &mut String,
    w: &Words,
    caption: &str,
    title: &str,
    level: Option<AlertLevel>,
    main_attr: &str,
) {
    let _ = write!(
        out,
        "<!doctype html><html lang=\"{}\" dir=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} — {}</title><style>{CSS}</style></head><body><main class=\"rpt\" id=\"rpt\"{main_attr} data-alert-level=\"{}\">",
        w.lang,
        w.dir,
        escape(title),
        escape(caption),
        level.map(|x| x.as_str()).unwrap_or("")
    );
    let _ = write!(
        out,
        "<header><p class=\"rpt-caption\">{}</p><div class=\"rpt-head\"><h1>{}</h1>{}</div><ul class=\"rpt-facts\">",
        escape(caption),
        escape(title),
        level
            .map(|x| format!(
                "<span>{}{}</span>",
                labelled(w.labels.alert, w),
                pill(x, w, "rpt-alert-level")
            ))
            .unwrap_or_default()
    );
}

/// The end of a page: which Forewarn made it.
fn page_end(out: &mut String, w: &Words, version: &str) {
    let _ = writeln!(
        out,
        "<p class=\"rpt-foot\">{}Forewarn {}</p></main></body></html>",
        labelled(w.labels.produced_by, w),
        escape(version)
    );
}

/// A label and the language's colon after it ("Alert: ", "预警级别："), escaped.
fn labelled(label: &str, w: &Words) -> String {
    format!("{}{}", escape(label), escape(w.labels.colon))
}

/// Settlements labelled on a map.
const MAP_PLACES: usize = 8;

/// The [`MAP_PLACES`] of `places` with the most `people_key` (settlements with `name`,
/// `country`, `lon`, `lat`), named in `lang`, as map labels.
fn map_places(
    mut places: Vec<&Value>,
    people_key: &str,
    region: Option<&Region>,
    lang: &str,
) -> Vec<Place> {
    let people = |x: &Value| x[people_key].as_f64().unwrap_or(0.0);
    places.sort_by(|a, b| people(b).total_cmp(&people(a)));
    places
        .into_iter()
        .take(MAP_PLACES)
        .filter_map(|x| {
            Some(Place {
                name: settlement_name(region, x, lang),
                lon: x["lon"].as_f64()?,
                lat: x["lat"].as_f64()?,
            })
        })
        .collect()
}

/// "Highest intensity: VIII Severe" and what follows it (`after`, HTML).
fn max_mmi_fact(m: f64, w: &Words, after: &str) -> String {
    format!(
        "<li>{}{} <b>{}</b>{after}</li>",
        labelled(w.labels.max_mmi, w),
        mmi_chip(m),
        escape(w.shaking[mmi_index(m)])
    )
}

/// The page's map section: the drawing with its caption.
fn map_section(out: &mut String, map: &MapInput<'_>, w: &Words, caption: &str) {
    let _ = write!(
        out,
        "<section aria-labelledby=\"rpt-map-h\"><h2 id=\"rpt-map-h\">{}</h2><figure style=\"margin:0\">{}<figcaption class=\"rpt-caption\">{}</figcaption></figure></section>",
        escape(w.labels.map),
        svg::map_svg(map),
        escape(caption)
    );
}

/// Band edges of a loss block (raw units: deaths or US$), `"inf"` as infinity.
fn edges(block: &Value) -> Vec<f64> {
    block["band_edges"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e.as_f64().unwrap_or(f64::INFINITY))
                .collect()
        })
        .unwrap_or_default()
}

fn probs(block: &Value) -> Vec<f64> {
    block["band_probabilities"]
        .as_array()
        .map(|a| a.iter().map(|p| p.as_f64().unwrap_or(0.0)).collect())
        .unwrap_or_default()
}

/// The range label of band `[lo, hi)` in `unit`s.
fn band_label(lo: f64, hi: f64, unit: f64, lang: &str) -> String {
    if hi.is_infinite() {
        format!("{}+", group(lo / unit, lang))
    } else {
        format!("{}–{}", group(lo / unit, lang), group(hi / unit, lang))
    }
}

/// The most likely band of a loss block: its label.
fn most_likely(block: &Value, unit: f64, lang: &str) -> Option<String> {
    let e = edges(block);
    let p = probs(block);
    let (i, _) = p
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))?;
    Some(band_label(*e.get(i)?, *e.get(i + 1)?, unit, lang))
}

/// One alert panel: overall level and a histogram of the bands, each in its alert colour.
fn loss_panel(
    out: &mut String,
    w: &Words,
    id: &str,
    title: &str,
    block: &Value,
    level: Option<AlertLevel>,
    deaths: bool,
) {
    let unit = if deaths { 1.0 } else { 1e6 };
    let level_of = |v: f64| {
        if deaths {
            AlertLevel::for_deaths(v)
        } else {
            AlertLevel::for_loss_usd(v)
        }
    };
    let _ = write!(
        out,
        "<section class=\"rpt-panel\" id=\"{id}\" aria-labelledby=\"{id}-h\"><h3 id=\"{id}-h\"><span>{}</span>{}</h3>",
        escape(title),
        level
            .map(|l| pill(l, w, &format!("{id}-level")))
            .unwrap_or_default()
    );
    let e = edges(block);
    let p = probs(block);
    if e.len() == p.len() + 1 && !p.is_empty() {
        let _ = write!(
            out,
            "<div class=\"rpt-bands\" role=\"list\" aria-label=\"{}\">",
            escape(w.labels.band_probability)
        );
        for (i, pr) in p.iter().enumerate() {
            let l = level_of(e[i]);
            let label = band_label(e[i], e[i + 1], unit, w.lang);
            let _ = write!(
                out,
                "<div class=\"rpt-band\" role=\"listitem\" data-band=\"{i}\" data-level=\"{}\" aria-label=\"{}: {}\"><span class=\"rpt-band-p\"><bdi>{}</bdi></span><span class=\"rpt-band-bar {}\" style=\"height:{:.1}%\"></span></div>",
                l.as_str(),
                escape(&label),
                pct(*pr),
                pct(*pr),
                level_class(l),
                (pr * 80.0).clamp(0.0, 80.0)
            );
        }
        out.push_str("</div><div class=\"rpt-band-labels\" aria-hidden=\"true\">");
        for i in 0..p.len() {
            let _ = write!(
                out,
                "<span><bdi>{}</bdi></span>",
                escape(&band_label(e[i], e[i + 1], unit, w.lang))
            );
        }
        let _ = write!(
            out,
            "</div><p class=\"rpt-unit\">{}<b><bdi>{}</bdi></b> {}</p>",
            labelled(w.labels.most_likely, w),
            escape(&most_likely(block, unit, w.lang).unwrap_or_default()),
            escape(if deaths {
                w.labels.deaths_unit
            } else {
                w.labels.usd_millions_unit
            })
        );
    } else {
        let _ = write!(out, "<p>{}</p>", escape(w.labels.none));
    }
    out.push_str("</section>");
}

fn people_at_least(summary: &Value, k: usize) -> f64 {
    summary["exposure_by_mmi"]
        .as_object()
        .map(|m| m.values().map(|bins| people_from(bins, k)).sum())
        .unwrap_or(0.0)
}

/// The people of one country's bins (`{"I": .., "X": ..}`) at MMI `k` and above.
fn people_from(bins: &Value, k: usize) -> f64 {
    words::ROMAN[k - 1..]
        .iter()
        .map(|r| bins[*r].as_f64().unwrap_or(0.0))
        .sum()
}

fn exposure_table(out: &mut String, s: &Value, w: &Words) {
    let l = &w.labels;
    let names: Vec<(String, String)> = s["countries"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    (
                        c["iso2"].as_str().unwrap_or("").to_string(),
                        country_name(s, c["iso2"].as_str().unwrap_or(""), w.lang),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let by = &s["exposure_by_mmi"];
    let mut iso: Vec<(String, String)> = names
        .into_iter()
        .filter(|(i, _)| by.get(i).is_some())
        .collect();
    if iso.is_empty()
        && let Some(m) = by.as_object()
    {
        iso = m.keys().map(|k| (k.clone(), k.clone())).collect();
    }
    // Only the countries with people at MMI IV or more.
    iso.retain(|(i, _)| people_from(&by[i], 4) >= 1.0);
    let n_countries = iso.len();
    let cols = country_columns(iso, by);
    // Each column's heading and its countries' ISO codes.
    let mut columns: Vec<(&str, Vec<&str>)> = cols
        .own
        .iter()
        .map(|(i, n)| (n.as_str(), vec![i.as_str()]))
        .collect();
    if !cols.folded.is_empty() {
        columns.push((
            l.other_countries,
            cols.folded.iter().map(|(i, _)| i.as_str()).collect(),
        ));
    }
    let _ = write!(
        out,
        "<div class=\"rpt-scroll\"><table id=\"rpt-exposure\"><caption class=\"rpt-vh\">{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>",
        escape(l.exposure),
        escape(l.mmi),
        escape(l.shaking),
        escape(l.damage_resistant),
        escape(l.damage_vulnerable)
    );
    for (heading, _) in &columns {
        let _ = write!(
            out,
            "<th scope=\"col\" class=\"num\">{}</th>",
            escape(heading)
        );
    }
    if n_countries > 1 {
        let _ = write!(
            out,
            "<th scope=\"col\" class=\"num\">{}</th>",
            escape(l.total)
        );
    }
    out.push_str("</tr></thead><tbody>");
    for k in (4..=10).rev() {
        let r = words::ROMAN[k - 1];
        let vals: Vec<f64> = columns
            .iter()
            .map(|(_, isos)| isos.iter().map(|i| by[i][r].as_f64().unwrap_or(0.0)).sum())
            .collect();
        let total: f64 = vals.iter().sum();
        if total < 1.0 && k > 4 {
            continue;
        }
        let _ = write!(
            out,
            "<tr data-mmi=\"{k}\"><th scope=\"row\">{}</th><td class=\"txt\">{}</td><td class=\"txt\">{}</td><td class=\"txt\">{}</td>",
            mmi_chip(k as f64),
            escape_breaking_slashes(w.shaking[k - 1]),
            escape_breaking_slashes(w.damage_resistant[k - 1]),
            escape_breaking_slashes(w.damage_vulnerable[k - 1])
        );
        for v in &vals {
            let _ = write!(out, "<td class=\"num\">{}</td>", group(*v, w.lang));
        }
        if n_countries > 1 {
            let _ = write!(out, "<td class=\"num\">{}</td>", group(total, w.lang));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    if !cols.folded.is_empty() {
        let names: Vec<&str> = cols.folded.iter().map(|(_, n)| n.as_str()).collect();
        let _ = write!(
            out,
            "<p class=\"rpt-note\" id=\"rpt-exposure-other\">{}{}</p>",
            labelled(l.other_countries, w),
            escape(&names.join(l.list_separator))
        );
    }
}

/// At most this many country columns in the exposure table, so that it stays readable at
/// 1366 px and on A4 in every language; beyond it the countries ranked last share one column.
const MAX_COUNTRY_COLUMNS: usize = 5;

/// The exposure table's countries ((ISO code, name)): those with a column of their own, in
/// the summary's order, and those folded into one "other countries" column (empty when
/// every country has its own).
struct CountryColumns {
    own: Vec<(String, String)>,
    folded: Vec<(String, String)>,
}

/// Every country of `iso` (in the summary's order) when there are at most
/// [`MAX_COUNTRY_COLUMNS`]; else the first `MAX_COUNTRY_COLUMNS - 1` by people at MMI VI+,
/// then V+, then IV+ in `by` (summary.json's `exposure_by_mmi`) keep theirs (ties in the
/// summary's order) and the rest are folded.
fn country_columns(iso: Vec<(String, String)>, by: &Value) -> CountryColumns {
    if iso.len() <= MAX_COUNTRY_COLUMNS {
        return CountryColumns {
            own: iso,
            folded: Vec::new(),
        };
    }
    let key = |j: usize| [6, 5, 4].map(|m| people_from(&by[&iso[j].0], m));
    let mut rank: Vec<usize> = (0..iso.len()).collect();
    rank.sort_by(|&a, &b| {
        let (ka, kb) = (key(a), key(b));
        (0..3)
            .map(|i| kb[i].total_cmp(&ka[i]))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let (kept, rest) = rank.split_at(MAX_COUNTRY_COLUMNS - 1);
    let mut kept = kept.to_vec();
    kept.sort_unstable();
    CountryColumns {
        own: kept.iter().map(|&j| iso[j].clone()).collect(),
        folded: rest.iter().map(|&j| iso[j].clone()).collect(),
    }
}

/// `escape(s)` with a line-break opportunity after each slash ("Moderate/heavy"), so that a
/// narrow column breaks there rather than inside a word.
fn escape_breaking_slashes(s: &str) -> String {
    escape(s).replace('/', "/<wbr>")
}

/// The country name of ISO code `iso2` in `lang`: the CAP templates' form (the names the
/// warnings use), else the summary's English name, else the code.
fn country_name(s: &Value, iso2: &str, lang: &str) -> String {
    cap_country_name(iso2, lang)
        .or_else(|| {
            s["countries"]
                .as_array()
                .and_then(|cs| cs.iter().find(|c| c["iso2"] == iso2))
                .and_then(|c| c["name"].as_str())
        })
        .unwrap_or(iso2)
        .to_string()
}

/// The CAP templates' name of country `iso2` in `lang` (none for English: the callers have
/// the English name from their data).
fn cap_country_name(iso2: &str, lang: &str) -> Option<&'static str> {
    static CAP: OnceLock<Option<forewarn_cap::WarningConfig>> = OnceLock::new();
    let cap = CAP.get_or_init(|| forewarn_cap::WarningConfig::embedded().ok());
    cap.as_ref()
        .filter(|_| lang != "en")
        .and_then(|c| c.templates(lang))
        .and_then(|t| t.countries.get(iso2))
        .map(String::as_str)
}

/// A settlement of the summary (`name`, `country`, `lon`, `lat`) named in `lang`: the region's
/// reviewed or fallback form ([`Region::settlement_name`]) of the settlement at that place,
/// else the summary's name.
fn settlement_name(region: Option<&Region>, r: &Value, lang: &str) -> String {
    let name = r["name"].as_str().unwrap_or("");
    let found = region.filter(|_| lang != "en").and_then(|reg| {
        let (lon, lat) = (r["lon"].as_f64()?, r["lat"].as_f64()?);
        let country = r["country"].as_str().unwrap_or("");
        reg.settlements.iter().position(|x| {
            x.name == name
                && x.country == country
                && (x.lon - lon).abs() < 1e-4
                && (x.lat - lat).abs() < 1e-4
        })
    });
    match (region, found) {
        (Some(reg), Some(i)) => reg.settlement_name(i, lang),
        _ => name.to_string(),
    }
}

fn settlements_table(out: &mut String, s: &Value, region: Option<&Region>, w: &Words) {
    let l = &w.labels;
    let rows: Vec<&Value> = s["settlements_top"]
        .as_array()
        .map(|a| a.iter().take(10).collect())
        .unwrap_or_default();
    if rows.is_empty() {
        let _ = write!(out, "<p>{}</p>", escape(l.none));
        return;
    }
    let _ = write!(
        out,
        "<table id=\"rpt-settlements\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        escape(l.settlement),
        escape(l.country),
        escape(l.population),
        escape(l.mmi),
        escape(l.shaking)
    );
    for r in rows {
        let mmi = r["mmi"].as_f64().unwrap_or(0.0);
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{} {:.1}{}</td><td>{}</td></tr>",
            escape(&settlement_name(region, r, w.lang)),
            escape(&country_name(
                s,
                r["country"].as_str().unwrap_or(""),
                w.lang
            )),
            group(r["population"].as_f64().unwrap_or(0.0), w.lang),
            mmi_chip(mmi),
            mmi,
            strike_range(&r["mmi_over_strikes"], w),
            escape(w.shaking[mmi_index(mmi)])
        );
    }
    out.push_str("</tbody></table>");
}

/// " (5.9-8.9 depending on the fault's direction)" for a point source's settlement, else "".
fn strike_range(v: &Value, w: &Words) -> String {
    match v.as_array().map(|a| {
        (
            a.first().and_then(Value::as_f64),
            a.get(1).and_then(Value::as_f64),
        )
    }) {
        Some((Some(lo), Some(hi))) => {
            format!(" ({lo:.1}\u{2013}{hi:.1} {})", escape(w.labels.by_strike))
        }
        _ => String::new(),
    }
}

/// Great-circle distance in km (haversine, mean Earth radius 6371 km).
fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, la2) = (a.1.to_radians(), b.1.to_radians());
    let dla = la2 - la1;
    let dlo = (b.0 - a.0).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().min(1.0).asin()
}

fn epicentre(s: &Value) -> Option<(f64, f64)> {
    let h = &s["rupture"]["hypocenter"];
    Some((h["lon"].as_f64()?, h["lat"].as_f64()?))
}

fn changes(out: &mut String, s: &Value, prev: Option<&(&Value, String)>, w: &Words) {
    let l = &w.labels;
    let _ = write!(
        out,
        "<section id=\"rpt-changes\" aria-labelledby=\"rpt-changes-h\"><h2 id=\"rpt-changes-h\">{}</h2>",
        escape(l.changes)
    );
    let Some((p, name)) = prev else {
        let _ = write!(out, "<p>{}</p></section>", escape(l.first_run));
        return;
    };
    let _ = write!(
        out,
        "<p>{}{}</p><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        labelled(l.compared_with, w),
        escape(name),
        escape(l.item),
        escape(l.before),
        escape(l.now)
    );
    let level_word = |v: &Value| {
        v.as_str()
            .and_then(level_from_str)
            .map(|x| w.levels[level_index(x)].to_string())
            .unwrap_or_default()
    };
    let rows: Vec<(&str, String, String)> = vec![
        (
            l.magnitude,
            num(&p["rupture"]["magnitude"], 1),
            num(&s["rupture"]["magnitude"], 1),
        ),
        (
            l.depth_km,
            num(&p["rupture"]["hypocenter"]["depth_km"], 0),
            num(&s["rupture"]["hypocenter"]["depth_km"], 0),
        ),
        (
            l.alert,
            level_word(&p["alert_level"]),
            level_word(&s["alert_level"]),
        ),
        (
            l.fatalities,
            most_likely(&p["fatalities"], 1.0, w.lang).unwrap_or_default(),
            most_likely(&s["fatalities"], 1.0, w.lang).unwrap_or_default(),
        ),
        (
            l.losses,
            most_likely(&p["economic_loss_usd"], 1e6, w.lang).unwrap_or_default(),
            most_likely(&s["economic_loss_usd"], 1e6, w.lang).unwrap_or_default(),
        ),
        (l.max_mmi, num(&p["max_mmi"], 1), num(&s["max_mmi"], 1)),
        (
            l.people_mmi5,
            group(people_at_least(p, 5), w.lang),
            group(people_at_least(s, 5), w.lang),
        ),
        (
            l.people_mmi7,
            group(people_at_least(p, 7), w.lang),
            group(people_at_least(s, 7), w.lang),
        ),
    ];
    for (item, before, now) in rows {
        let same = before == now;
        let _ = write!(
            out,
            "<tr{}><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>",
            if same { "" } else { " class=\"rpt-changed\"" },
            escape(item),
            escape(&before),
            if same {
                format!("{} ({})", escape(&now), escape(l.unchanged))
            } else {
                format!("<b>{}</b>", escape(&now))
            }
        );
    }
    if let (Some(a), Some(b)) = (epicentre(p), epicentre(s)) {
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{}</th><td></td><td>{:.0}</td></tr>",
            escape(l.moved_km),
            distance_km(a, b)
        );
    }
    out.push_str("</tbody></table></section>");
}

fn caveats(out: &mut String, s: &Value, w: &Words) {
    let l = &w.labels;
    let gm = &s["ground_motion_models"];
    let models = [gm["models"].as_str(), gm["reason"].as_str()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(": ");
    let _ = write!(
        out,
        "<section id=\"rpt-caveats\" aria-labelledby=\"rpt-caveats-h\"><h2 id=\"rpt-caveats-h\">{}</h2><dl class=\"rpt-notes\">",
        escape(l.caveats)
    );
    for (label, text) in [
        (
            l.exposure_source,
            s["exposure_source"].as_str().unwrap_or(""),
        ),
        (l.vs30_source, vs30_text(&s["vs30"]).as_str()),
        (l.earthquake_source, source_text(&s["rupture"]).as_str()),
        (l.intensity_method, intensity_text(&s["intensity"]).as_str()),
        (l.models, models.as_str()),
        (l.loss_method, s["loss_method"].as_str().unwrap_or("")),
    ] {
        if !text.is_empty() {
            let _ = write!(
                out,
                "<dt>{}</dt><dd lang=\"en\" dir=\"ltr\">{}</dd>",
                escape(label),
                escape(text)
            );
        }
    }
    out.push_str("</dl></section>");
}

/// How intensity was computed: from which motion, which component and which conversion.
fn intensity_text(i: &Value) -> String {
    let Some(from) = i["mmi_from"].as_str() else {
        return String::new();
    };
    let motion = forewarn_quake::gmice::MMI_IMT_PREFERENCE
        .iter()
        .find(|i| i.column_name() == from)
        .map_or_else(|| from.to_string(), |i| i.oq_name());
    format!(
        "from the median {motion}, converted to {} by {}, then by {}",
        i["component"].as_str().unwrap_or("-"),
        i["component_conversion"].as_str().unwrap_or("-"),
        i["gmice"].as_str().unwrap_or("-"),
    )
}

/// A JSON number with `d` decimals, "-" when absent.
fn num(v: &Value, d: usize) -> String {
    v.as_f64()
        .map(|x| format!("{x:.d$}"))
        .unwrap_or_else(|| "-".into())
}

/// What the rupture was: a finite fault and where it came from, or a point with its scaled
/// size, mechanism and the strike ensemble the people and losses are taken over.
fn source_text(r: &Value) -> String {
    let ps = &r["point_source"];
    if ps.is_object() {
        let strikes = ps["ensemble_strikes"].as_u64().unwrap_or(0);
        let positions = ps["ensemble_hypocentre_positions"].as_u64().unwrap_or(0);
        let n = strikes * positions;
        format!(
            "known only as a point: a rupture {} km long and {} km wide (Wells & Coppersmith 1994) with the {} mechanism (rake {}, dip {}); the strike is unknown, so the map shows the mean shaking over {n} possible ruptures ({} strikes x {} hypocentre positions), and the people at each intensity and the losses are counted over all of them, so the strong shaking along the fault is included wherever it runs",
            num(&ps["length_km"], 0),
            num(&ps["width_km"], 0),
            ps["mechanism"]["zone"]
                .as_str()
                .unwrap_or("regional")
                .replace('_', " "),
            num(&ps["mechanism"]["rake_deg"], 0),
            num(&ps["dip_deg"], 0),
            strikes,
            positions,
        )
    } else {
        let planes = r["planes"].as_array().map_or(0, Vec::len);
        format!(
            "finite fault, {planes} plane(s): {}",
            r["geometry_source"].as_str().unwrap_or("given")
        )
    }
}

/// How the run's Vs30 was found: the order of sources (summary.json `vs30.sources`), then how
/// many exposure points took each source.
fn vs30_text(v: &Value) -> String {
    let mut text = v["sources"].as_str().unwrap_or("").to_string();
    if let Some(f) = v["raster_file"].as_str() {
        let _ = write!(text, "; raster: {f}");
    }
    if let Some(counts) = v["count_by_source"]["exposure_points"].as_object()
        && !counts.is_empty()
    {
        let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let _ = write!(text, "; exposure points by source: {}", parts.join(", "));
    }
    text
}

/// The page as one HTML document.
pub fn render_html(input: &ReportInput<'_>) -> String {
    let s = input.summary;
    let w = words::words(input.lang);
    let l = &w.labels;
    let event = s["event"].as_str().unwrap_or("");
    let mag = s["rupture"]["magnitude"].as_f64();
    let depth = s["rupture"]["hypocenter"]["depth_km"].as_f64();
    let epi = epicentre(s);
    let overall = s["alert_level"].as_str().and_then(level_from_str);
    let mut out = String::with_capacity(128 * 1024);
    page_start(&mut out, w, l.title, event, overall, "");
    if let Some(m) = mag {
        let _ = write!(out, "<li>{}<b>M{m:.1}</b></li>", labelled(l.magnitude, w));
    }
    if let Some(d) = depth {
        let _ = write!(out, "<li>{}<b>{d:.0}</b></li>", labelled(l.depth_km, w));
    }
    if let Some((lon, lat)) = epi {
        let _ = write!(
            out,
            "<li>{}<b><bdi>{}</bdi></b></li>",
            labelled(l.epicentre, w),
            escape(&words::coordinates(lat, lon, w.lang))
        );
    }
    if let Some(m) = s["max_mmi"].as_f64() {
        // A point source: the map's mean field and, beside it, the strongest shaking one of
        // the possible ruptures brings to a populated place.
        let over_strikes = s["max_mmi_over_strikes"]
            .as_f64()
            .filter(|x| mmi_index(*x) > mmi_index(m))
            .map(|x| format!(" ({} {})", mmi_chip(x), escape(w.labels.by_strike)))
            .unwrap_or_default();
        out.push_str(&max_mmi_fact(m, w, &over_strikes));
    }
    out.push_str("</ul></header><div class=\"rpt-alerts\">");
    loss_panel(
        &mut out,
        w,
        "rpt-fatalities",
        l.fatalities,
        &s["fatalities"],
        s["alert_level_fatalities"]
            .as_str()
            .and_then(level_from_str),
        true,
    );
    loss_panel(
        &mut out,
        w,
        "rpt-losses",
        l.losses,
        &s["economic_loss_usd"],
        s["alert_level_economic"].as_str().and_then(level_from_str),
        false,
    );
    out.push_str("</div>");
    let _ = write!(
        out,
        "<section aria-labelledby=\"rpt-exposure-h\"><h2 id=\"rpt-exposure-h\">{}</h2>",
        escape(l.exposure)
    );
    if s["rupture"]["point_source"].is_object() {
        let _ = write!(
            out,
            "<p class=\"rpt-note\">{}</p>",
            escape(l.exposure_over_strikes)
        );
    }
    exposure_table(&mut out, s, w);
    let _ = write!(
        out,
        "</section><section aria-labelledby=\"rpt-settlements-h\"><h2 id=\"rpt-settlements-h\">{}</h2>",
        escape(l.settlements)
    );
    settlements_table(&mut out, s, input.region, w);
    out.push_str("</section>");
    // The map.
    let bbox = s["footprint_bbox"]
        .as_array()
        .and_then(|a| {
            let v: Vec<f64> = a.iter().filter_map(Value::as_f64).collect();
            <[f64; 4]>::try_from(v).ok()
        })
        .filter(|b| b[2] > b[0] && b[3] > b[1]);
    if let Some(bbox) = bbox {
        let top: Vec<&Value> = s["settlements_top"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let places = map_places(top, "population", input.region, w.lang);
        map_section(
            &mut out,
            &MapInput {
                bbox,
                contours: input.contours,
                region: input.region,
                places,
                epicentre: epi,
                title: format!("{} — {}", l.map, event),
                legend_title: format!("{} ({})", l.mmi, l.shaking),
            },
            w,
            l.map_caption,
        );
    }
    changes(&mut out, s, input.previous.as_ref(), w);
    caveats(&mut out, s, w);
    page_end(&mut out, w, s["forewarn_version"].as_str().unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_are_grouped_per_language() {
        assert_eq!(group(1108511.0, "en"), "1,108,511");
        assert_eq!(group(1108511.0, "ru"), "1\u{a0}108\u{a0}511");
        assert_eq!(group(999.0, "en"), "999");
        assert_eq!(group(0.4, "en"), "0");
        assert_eq!(pct(0.004), "<1%");
        assert_eq!(pct(0.354), "35%");
    }

    #[test]
    fn the_exposure_table_folds_the_countries_beyond_five() {
        // Seven countries: four ranked by people at VI+, then V+, keep their columns (in the
        // summary's order); the other three share one, named below the table.
        let people = [
            ("CN", "China", 0.0, 12_042.0, 3_280_789.0),
            ("KZ", "Kazakhstan", 0.0, 261_501.0, 6_380_889.0),
            ("KG", "Kyrgyzstan", 1_916_424.0, 833_014.0, 3_832_690.0),
            ("TJ", "Tajikistan", 57_271.0, 1_172_707.0, 8_079_750.0),
            ("UZ", "Uzbekistan", 12_304_969.0, 3_412_808.0, 12_196_918.0),
            ("PK", "Pakistan", 0.0, 0.0, 952_433.0),
            ("AF", "Afghanistan", 0.0, 0.0, 2_678_374.0),
        ];
        let by: serde_json::Map<String, Value> = people
            .iter()
            .map(|(i, _, vi, v, iv)| (i.to_string(), json!({"VI": vi, "V": v, "IV": iv})))
            .collect();
        let countries = |n: usize| {
            people[..n]
                .iter()
                .map(|p| json!({"iso2": p.0, "name": p.1}))
                .collect::<Vec<_>>()
        };
        let s = json!({
            "countries": countries(7),
            "exposure_by_mmi": by,
        });
        let mut out = String::new();
        exposure_table(&mut out, &s, words::words("en"));
        let head = &out[out.find("<thead>").unwrap()..out.find("</thead>").unwrap()];
        let cols: Vec<&str> = head
            .split("<th scope=\"col\" class=\"num\">")
            .skip(1)
            .map(|c| &c[..c.find('<').unwrap()])
            .collect();
        assert_eq!(cols.len(), 6, "{head}");
        assert_eq!(cols[4], "Other countries");
        assert_eq!(cols[5], "Total");
        assert!(
            !cols[..4]
                .iter()
                .any(|c| c.contains("Pakistan") || c.contains("China"))
        );
        // The folded column holds the three countries' people at IV: 3,280,789 + 952,433 +
        // 2,678,374; the row's total is unchanged.
        let iv = &out[out.find("data-mmi=\"4\"").unwrap()..];
        assert!(iv.contains(">6,911,596<"), "{iv}");
        assert!(iv.contains(">37,401,843<"), "{iv}");
        let note = &out[out.find("id=\"rpt-exposure-other\"").unwrap()..];
        assert!(
            note.starts_with("id=\"rpt-exposure-other\">Other countries: "),
            "{note}"
        );
        for name in ["China", "Pakistan", "Afghanistan"] {
            assert!(note[..note.find("</p>").unwrap()].contains(name), "{note}");
        }
        // Six: four keep theirs, the other two share the fifth column.
        let six = json!({
            "countries": countries(6),
            "exposure_by_mmi": s["exposure_by_mmi"],
        });
        let mut out = String::new();
        exposure_table(&mut out, &six, words::words("en"));
        assert_eq!(out.matches("<th scope=\"col\" class=\"num\">").count(), 6);
        assert!(
            out.contains("Other countries: China, Pakistan</p>"),
            "{out}"
        );
        // Five countries keep their own columns and need no note.
        let five = json!({
            "countries": countries(5),
            "exposure_by_mmi": s["exposure_by_mmi"],
        });
        let mut out = String::new();
        exposure_table(&mut out, &five, words::words("en"));
        assert!(!out.contains("Other countries"));
        assert_eq!(out.matches("<th scope=\"col\" class=\"num\">").count(), 6);
    }

    #[test]
    fn distances() {
        let d = distance_km((73.0, 34.0), (73.0, 35.0));
        assert!((d - 111.2).abs() < 0.5, "{d}");
    }
}
