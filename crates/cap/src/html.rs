//! A CAP message as a page a person can read: every `info` block in its own language and
//! direction (right-to-left for Urdu, Arabic, Persian...), the area described in words and
//! drawn as an outline, and a link back to the XML. All text from the message is escaped; the
//! page makes no request (inline CSS and SVG).

use crate::model::{Alert, Area, Info, Status};
use std::fmt::Write as _;

/// Primary language subtags written right to left.
const RTL: [&str; 10] = ["ar", "dv", "fa", "he", "ks", "ps", "sd", "ug", "ur", "yi"];

/// Whether `language` (an RFC 3066 tag such as `ur-PK`) is written right to left.
pub fn is_rtl(language: &str) -> bool {
    let primary = language
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    RTL.contains(&primary.as_str())
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The labels of the page in one language.
struct Labels {
    event: &'static str,
    urgency: &'static str,
    severity: &'static str,
    certainty: &'static str,
    effective: &'static str,
    onset: &'static str,
    expires: &'static str,
    issued_by: &'static str,
    description: &'static str,
    instruction: &'static str,
    web: &'static str,
    contact: &'static str,
    area: &'static str,
    polygon: &'static str,
    circle: &'static str,
    points: &'static str,
    radius_km: &'static str,
}

// The ru, zh and ur labels follow the terms of ../shared/docs/cap-language-review.md where
// it has them; native speakers are to confirm the rest (docs/cap.md, "Alert pages").
const EN: Labels = Labels {
    event: "Event",
    urgency: "Urgency",
    severity: "Severity",
    certainty: "Certainty",
    effective: "Effective",
    onset: "Onset",
    expires: "Expires",
    issued_by: "Issued by",
    description: "Description",
    instruction: "What to do",
    web: "More information",
    contact: "Contact",
    area: "Area",
    polygon: "polygon",
    circle: "circle",
    points: "points",
    radius_km: "radius km",
};
const RU: Labels = Labels {
    event: "Событие",
    urgency: "Срочность",
    severity: "Серьёзность",
    certainty: "Достоверность",
    effective: "Действует с",
    onset: "Начало",
    expires: "Действует до",
    issued_by: "Отправитель",
    description: "Описание",
    instruction: "Что делать",
    web: "Подробнее",
    contact: "Контакты",
    area: "Район",
    polygon: "многоугольник",
    circle: "круг",
    points: "точек",
    radius_km: "радиус, км",
};
const ZH: Labels = Labels {
    event: "事件",
    urgency: "紧急程度",
    severity: "严重程度",
    certainty: "确定性",
    effective: "生效时间",
    onset: "开始时间",
    expires: "失效时间",
    issued_by: "发布机构",
    description: "描述",
    instruction: "应对措施",
    web: "更多信息",
    contact: "联系方式",
    area: "区域",
    polygon: "多边形",
    circle: "圆形",
    points: "个点",
    radius_km: "半径（公里）",
};
const UR: Labels = Labels {
    event: "واقعہ",
    urgency: "فوریت",
    // CAP severity, not magnitude: شدت alone means magnitude to the public (the language
    // review, ../shared/docs/cap-language-review.md, "Magnitude" and "Intensity").
    severity: "سنگینی",
    certainty: "یقین",
    effective: "مؤثر از",
    onset: "آغاز",
    expires: "اختتام",
    issued_by: "جاری کنندہ",
    description: "تفصیل",
    instruction: "کیا کریں",
    web: "مزید معلومات",
    contact: "رابطہ",
    area: "علاقہ",
    polygon: "کثیرالاضلاع",
    circle: "دائرہ",
    points: "نقاط",
    radius_km: "رداس کلومیٹر",
};

fn labels(language: &str) -> &'static Labels {
    match language
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
        .as_str()
    {
        "ru" => &RU,
        "zh" => &ZH,
        "ur" => &UR,
        _ => &EN,
    }
}

const CSS: &str = "\
body{font:16px/1.5 system-ui,'Noto Sans','Noto Naskh Arabic','Noto Sans CJK SC',sans-serif;margin:0;color:#1a1a1a;background:#fff}\
main{max-width:60rem;margin:0 auto;padding:1rem}\
header.cap-head{border-bottom:2px solid #333;margin-bottom:1rem}\
.cap-status{display:inline-block;padding:.2rem .6rem;border-radius:.3rem;font-weight:700;background:#eee}\
.cap-status-exercise,.cap-status-test,.cap-status-draft,.cap-status-system{background:#6a1b9a;color:#fff}\
.cap-status-actual{background:#b71c1c;color:#fff}\
section.cap-info{border:1px solid #ccc;border-radius:.4rem;padding:1rem;margin:1rem 0}\
section.cap-info h2{margin-top:0}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}\
dt{font-weight:600}dd{margin:0}\
.cap-text{white-space:pre-line}\
svg.cap-area{max-width:16rem;height:auto;border:1px solid #ccc;background:#f4f7fb}\
.muted{color:#555}\
@media print{a{color:inherit}section.cap-info{break-inside:avoid}}";

fn dd(out: &mut String, label: &str, value: &str) {
    let _ = write!(
        out,
        "<dt>{}</dt><dd>{}</dd>",
        escape_html(label),
        escape_html(value)
    );
}

/// Words for one area: its description, then each shape with its extent.
/// The area's shapes and codes in words; coordinates and codes are isolated left to right
/// (U+2066 ... U+2069) so that a right-to-left page does not reorder "34.77..33.57° N".
fn area_words(area: &Area, l: &Labels) -> String {
    let mut parts = Vec::new();
    for p in &area.polygons {
        let (lat0, lat1, lon0, lon1) = p.0.iter().fold(
            (
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
            ),
            |(a, b, c, d), q| (a.min(q.lat), b.max(q.lat), c.min(q.lon), d.max(q.lon)),
        );
        if p.0.is_empty() {
            continue;
        }
        parts.push(format!(
            "{} ({} {}): \u{2066}{lat0:.2}..{lat1:.2}° N, {lon0:.2}..{lon1:.2}° E\u{2069}",
            l.polygon,
            p.0.len(),
            l.points
        ));
    }
    for c in &area.circles {
        parts.push(format!(
            "{}: \u{2066}{:.3}° N {:.3}° E\u{2069}, {} {:.1}",
            l.circle, c.center.lat, c.center.lon, l.radius_km, c.radius_km
        ));
    }
    for g in &area.geocodes {
        parts.push(format!("\u{2066}{} {}\u{2069}", g.value_name, g.value));
    }
    parts.join("; ")
}

/// The shapes of an area as an SVG outline (equirectangular, north up), or nothing when the
/// area has no polygon or circle.
fn area_svg(area: &Area, title: &str) -> String {
    let mut rings: Vec<Vec<(f64, f64)>> = area
        .polygons
        .iter()
        .map(|p| p.0.iter().map(|q| (q.lon, q.lat)).collect())
        .collect();
    for c in &area.circles {
        let dlat = c.radius_km / 111.2;
        let dlon = dlat / c.center.lat.to_radians().cos().abs().max(0.05);
        rings.push(
            (0..=48)
                .map(|i| {
                    let a = i as f64 / 48.0 * std::f64::consts::TAU;
                    (c.center.lon + dlon * a.cos(), c.center.lat + dlat * a.sin())
                })
                .collect(),
        );
    }
    let pts = rings.iter().flatten();
    let (x0, x1, y0, y1) = pts.fold(
        (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ),
        |(a, b, c, d), &(x, y)| (a.min(x), b.max(x), c.min(y), d.max(y)),
    );
    if !(x0.is_finite() && y0.is_finite()) {
        return String::new();
    }
    let kx = ((y0 + y1) / 2.0).to_radians().cos().abs().max(0.05);
    let w = ((x1 - x0) * kx).max(1e-6);
    let h = (y1 - y0).max(1e-6);
    let scale = 300.0 / w.max(h);
    let (pw, ph) = (w * scale + 20.0, h * scale + 20.0);
    let mut d = String::new();
    for r in &rings {
        for (i, (x, y)) in r.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { "L" },
                10.0 + (x - x0) * kx * scale,
                10.0 + (y1 - y) * scale
            );
        }
        d.push('Z');
    }
    format!(
        "<svg class=\"cap-area\" role=\"img\" viewBox=\"0 0 {pw:.0} {ph:.0}\" width=\"{pw:.0}\" height=\"{ph:.0}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title><path d=\"{d}\" fill=\"#e53935\" fill-opacity=\"0.25\" stroke=\"#b71c1c\" stroke-width=\"1.5\"/></svg>",
        escape_html(title)
    )
}

fn info_section(out: &mut String, i: &Info, index: usize) {
    let l = labels(&i.language);
    let dir = if is_rtl(&i.language) { "rtl" } else { "ltr" };
    let lang = escape_html(&i.language);
    let _ = write!(
        out,
        "<section class=\"cap-info\" id=\"info-{index}\" lang=\"{lang}\" dir=\"{dir}\"><h2>{}</h2><dl>",
        escape_html(i.headline.as_deref().unwrap_or(&i.event))
    );
    dd(out, l.event, &i.event);
    dd(out, l.urgency, i.urgency.as_str());
    dd(out, l.severity, i.severity.as_str());
    dd(out, l.certainty, i.certainty.as_str());
    for (label, t) in [
        (l.effective, &i.effective),
        (l.onset, &i.onset),
        (l.expires, &i.expires),
    ] {
        if let Some(t) = t {
            // Times are Latin digits and signs: isolate them in right-to-left text.
            let _ = write!(
                out,
                "<dt>{}</dt><dd><bdi dir=\"ltr\">{}</bdi></dd>",
                escape_html(label),
                escape_html(&t.to_string())
            );
        }
    }
    if let Some(s) = &i.sender_name {
        dd(out, l.issued_by, s);
    }
    out.push_str("</dl>");
    for (label, text) in [
        (l.description, &i.description),
        (l.instruction, &i.instruction),
    ] {
        if let Some(t) = text {
            let _ = write!(
                out,
                "<h3>{}</h3><p class=\"cap-text\">{}</p>",
                escape_html(label),
                escape_html(t)
            );
        }
    }
    if i.web.is_some() || i.contact.is_some() {
        out.push_str("<dl>");
        if let Some(w) = &i.web {
            let _ = write!(out, "<dt>{}</dt><dd>", escape_html(l.web));
            // Only web links become links; anything else is shown as text.
            if w.starts_with("https://") || w.starts_with("http://") {
                let _ = write!(
                    out,
                    "<a href=\"{0}\" rel=\"noopener noreferrer\"><bdi dir=\"ltr\">{0}</bdi></a>",
                    escape_html(w)
                );
            } else {
                out.push_str(&escape_html(w));
            }
            out.push_str("</dd>");
        }
        if let Some(c) = &i.contact {
            dd(out, l.contact, c);
        }
        out.push_str("</dl>");
    }
    for a in &i.areas {
        let _ = write!(
            out,
            "<h3>{}: {}</h3><p class=\"cap-area-words\">{}</p>{}",
            escape_html(l.area),
            escape_html(&a.area_desc),
            escape_html(&area_words(a, l)),
            area_svg(a, &a.area_desc)
        );
    }
    out.push_str("</section>");
}

/// The page of `alert`; `xml_url` is where its XML is (linked from the page), `None` for a
/// draft shown as a preview (the page then says it is not published).
pub fn alert_html(alert: &Alert, xml_url: Option<&str>) -> String {
    let first = alert.infos.first();
    let lang = first.map_or("en", |i| i.language.as_str());
    let title = first
        .and_then(|i| i.headline.clone().or_else(|| Some(i.event.clone())))
        .unwrap_or_else(|| alert.identifier.clone());
    let status = alert.status.as_str();
    let mut out = String::with_capacity(8192);
    let _ = write!(
        out,
        "<!doctype html><html lang=\"{}\" dir=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{CSS}</style></head><body><main>",
        escape_html(lang),
        if is_rtl(lang) { "rtl" } else { "ltr" },
        escape_html(&title)
    );
    let _ = write!(
        out,
        "<header class=\"cap-head\" lang=\"en\" dir=\"ltr\"><p><span class=\"cap-status cap-status-{}\" id=\"cap-status\">{}</span> {} · {}</p><h1>{}</h1><dl>",
        status.to_ascii_lowercase(),
        escape_html(&if alert.status == Status::Actual {
            status.to_string()
        } else {
            status.to_uppercase()
        }),
        escape_html(alert.msg_type.as_str()),
        escape_html(alert.scope.as_str()),
        escape_html(&title)
    );
    dd(&mut out, "Sender", &alert.sender);
    dd(&mut out, "Sent", &alert.sent.to_string());
    dd(&mut out, "Identifier", &alert.identifier);
    if let Some(n) = &alert.note {
        dd(&mut out, "Note", n);
    }
    for r in &alert.references {
        dd(&mut out, "Refers to", &r.identifier);
    }
    match xml_url {
        Some(url) => {
            let _ = write!(
                out,
                "<dt>CAP 1.2</dt><dd><a id=\"cap-xml-link\" href=\"{0}\">{0}</a></dd></dl></header>",
                escape_html(url)
            );
        }
        None => out.push_str(
            "<dt>CAP 1.2</dt><dd id=\"cap-preview-note\">Preview of a draft: not published</dd></dl></header>",
        ),
    }
    for (k, i) in alert.infos.iter().enumerate() {
        info_section(&mut out, i, k);
    }
    out.push_str("</main></body></html>\n");
    out
}
