//! The after-action report: one self-contained HTML file (inline CSS and SVG, no scripts, no
//! external resources) with the summary, objective ratings, a timeline chart, a map of impacts
//! and actions, the improvement plan and the MSEL as delivered.

use crate::action::{Action, Rating};
use crate::def::whole;
use crate::exercise::Exercise;
use crate::journal::{Body, Consequence};
use crate::metrics::Metrics;
use crate::time;
use forewarn_core::Region;
use geo::BoundingRect;
use std::fmt::Write;

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A count of people as a person reads it: whole, grouped by thousands ("84,835"), never "-0".
fn count(v: f64) -> String {
    let digits = whole(v.abs());
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if v.round() < 0.0 {
        out.insert(0, '-');
    }
    out
}

/// Text labels placed on a map without covering each other (boxes estimated from the font
/// size: an average glyph is about 0.6 of it wide).
#[derive(Default)]
struct Labels {
    boxes: Vec<[f64; 4]>,
}

impl Labels {
    /// Reserves the box of `text` with its baseline at (`x`, `y`); false if that box would
    /// overlap a label already placed.
    fn place(&mut self, x: f64, y: f64, text: &str, font_px: f64) -> bool {
        let w = text.chars().count() as f64 * font_px * 0.6;
        let b = [x - 1.0, y - font_px, x + w + 1.0, y + 2.0];
        if forewarn_engine::report::label_overlaps(&self.boxes, b) {
            return false;
        }
        self.boxes.push(b);
        true
    }
}

fn badge(r: Rating) -> String {
    let colour = match r {
        Rating::P => "#1a7f37",
        Rating::S => "#9a6700",
        Rating::M => "#bc4c00",
        Rating::U => "#cf222e",
    };
    format!(
        "<span class=\"badge\" style=\"background:{colour}\" title=\"{}\">{}</span>",
        r.label(),
        r.letter()
    )
}

/// Renders aar.html.
pub fn render(ex: &Exercise, m: &Metrics, region: &Region) -> String {
    let plan = ex.plan();
    let d = &plan.def;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>EXERCISE - After-Action Report - {}</title>\n<style>\nbody{{font-family:system-ui,Segoe UI,Arial,sans-serif;margin:0;color:#1f2328}}\n.ex{{background:#cf222e;color:#fff;text-align:center;font-weight:700;padding:6px;letter-spacing:.2em}}\nmain{{max-width:1100px;margin:0 auto;padding:0 16px 40px}}\ntable{{border-collapse:collapse;width:100%;margin:8px 0 16px}}th,td{{border:1px solid #d0d7de;padding:4px 6px;font-size:13px;vertical-align:top;text-align:left}}th{{background:#f6f8fa}}\n.badge{{color:#fff;border-radius:4px;padding:1px 7px;font-weight:700}}\nsvg{{background:#fff;border:1px solid #d0d7de}}\n.small{{font-size:12px;color:#57606a}}\n</style></head><body>\n<div class=\"ex\">EXERCISE &middot; EXERCISE &middot; EXERCISE</div>\n<main>\n<h1>After-Action Report: {}</h1>\n",
        esc(&d.exercise.name),
        esc(&d.exercise.name)
    );
    let end = plan.start + chrono::Duration::seconds(plan.duration_s);
    let _ = writeln!(
        h,
        "<p>{} &middot; scenario {} to {} ({:.0} h) &middot; seed {} &middot; {} teams from {} countries &middot; {} of {} injects delivered &middot; {} CAP alerts, all with status Exercise.</p>",
        d.exercise.hseep_type.label(),
        esc(&plan.start.format("%Y-%m-%d %H:%M %:z").to_string()),
        esc(&end.format("%Y-%m-%d %H:%M %:z").to_string()),
        plan.duration_s as f64 / 3600.0,
        m.seed,
        d.teams.len(),
        plan.team_country
            .values()
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        m.injects_fired,
        d.injects.len(),
        m.cap_alerts
    );
    if let Some(desc) = &d.exercise.description {
        let _ = writeln!(h, "<p>{}</p>", esc(desc));
    }
    let t = &m.totals;
    let _ = write!(
        h,
        "<h2>Consequences</h2>\n<table><tr><th>People at risk</th><th>Unwarned at impact</th><th>Deaths (simulated)</th><th>Rescued alive</th><th>Unmet Sphere needs</th></tr><tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{} %</td></tr></table>\n",
        count(t.people_at_risk),
        count(t.unwarned_at_impact),
        count(t.deaths),
        count(t.rescued_alive),
        whole(t.unmet_needs_share * 100.0)
    );
    h.push_str("<table><tr><th>Hazard</th><th>People at risk</th><th>First warning (min after onset)</th><th>Warned before impact</th><th>Unwarned at impact</th><th>Deaths</th></tr>\n");
    for z in &m.hazards {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&z.hazard),
            count(z.people_at_risk),
            z.first_warning_min.map_or("none".into(), whole),
            z.warned_before_impact_share
                .map_or("n/a".into(), |v| format!("{} %", whole(v * 100.0))),
            count(z.unwarned_at_impact),
            count(z.deaths)
        );
    }
    h.push_str("</table>\n<h2>Objective ratings</h2>\n<table><tr><th>Objective</th><th>Rating</th><th>Criteria</th><th>Owner</th></tr>\n");
    for o in &m.objectives {
        let crit: Vec<String> = o
            .criteria
            .iter()
            .map(|c| {
                format!(
                    "{} {} ({}): {}",
                    badge(c.rating),
                    esc(c.measure.key()),
                    esc(&c.scope),
                    c.value
                        .map_or("not performed".into(), |v| c.measure.format(v))
                )
            })
            .collect();
        let ev = o.evaluator.as_ref().map_or(String::new(), |e| {
            format!(
                "<br><span class=\"small\">evaluator {}: {}{}</span>",
                esc(&e.team),
                e.rating.letter(),
                e.note
                    .as_ref()
                    .map_or(String::new(), |n| format!(" - {}", esc(n)))
            )
        });
        let _ = writeln!(
            h,
            "<tr><td><b>{}</b> {}<br><span class=\"small\">{}</span></td><td>{}{}</td><td>{}</td><td>{}</td></tr>",
            esc(&o.id),
            esc(&o.title),
            esc(o.capability.as_deref().unwrap_or("")),
            badge(o.rating),
            ev,
            crit.join("<br>"),
            esc(&o.owner)
        );
    }
    h.push_str("</table>\n<h2>Timeline</h2>\n");
    h.push_str(&timeline_svg(ex));
    h.push_str("<p class=\"small\">Red triangles: hazard onsets; blue circles: injects; green squares: actions; orange diamonds: CAP alerts (Exercise); black bars: impacts (height ~ deaths); purple crosses: USAR arrivals.</p>\n<h2>Map of impacts and actions</h2>\n");
    h.push_str(&map_svg(ex, region));
    h.push_str("<p class=\"small\">Shaded: MMI VI+ zone (orange) and flood depth 0.1 m+ (blue). Circles: people at risk at each impact, coloured by the share warned before impact (red none, green all). W: public warnings (Exercise) by country; U: USAR on site. Boundaries: region data (see data/ATTRIBUTION.md).</p>\n");
    h.push_str("<h2>Improvement plan</h2>\n<table><tr><th>Objective</th><th>Capability</th><th>Rating</th><th>Observation</th><th>Corrective action</th><th>Owner</th><th>Start</th><th>Due</th></tr>\n");
    if m.improvement_plan.is_empty() {
        h.push_str(
            "<tr><td colspan=\"8\">Every objective was rated P: no corrective actions.</td></tr>\n",
        );
    }
    for i in &m.improvement_plan {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} ({})</td><td>{}</td><td>{}</td></tr>",
            esc(&i.objective),
            esc(&i.capability),
            badge(i.rating),
            esc(&i.observation),
            esc(&i.corrective_action),
            esc(&i.owner_organisation),
            esc(&i.owner_team),
            esc(&i.start_date),
            esc(&i.due_date)
        );
    }
    h.push_str("</table>\n<h2>Requests and offers</h2>\n<table><tr><th>Request</th><th>From</th><th>Country</th><th>Resource</th><th>At</th><th>First offer after (min)</th><th>Offers</th></tr>\n");
    for r in &m.requests {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:?}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.id),
            esc(&r.team),
            esc(&r.country),
            r.resource,
            esc(&r.requested_at),
            r.fulfilment_min
                .map_or("unfulfilled".into(), |v| format!("{v:.0}")),
            esc(&r.offers.join(", "))
        );
    }
    h.push_str("</table>\n<h2>MSEL as delivered</h2>\n<table><tr><th>Time</th><th>Inject</th><th>From</th><th>To</th><th>Channel</th><th>Trigger</th><th>Content (en)</th></tr>\n");
    for r in ex.journal() {
        if let Body::Inject {
            inject,
            from,
            to,
            channel,
            trigger,
            content,
            ..
        } = &r.body
        {
            let text = crate::def::text_in(content, "en");
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:?}</td><td>{}</td><td>{}</td></tr>",
                time::label(r.t_s),
                esc(inject),
                esc(from),
                esc(&to.join(", ")),
                channel,
                esc(trigger),
                esc(&text)
            );
        }
    }
    h.push_str("</table>\n<p class=\"small\">Generated by forewarn exercise. Consequences are simulated with the documented model in docs/exercise.md; they are not forecasts.</p>\n</main>\n<div class=\"ex\">EXERCISE &middot; EXERCISE &middot; EXERCISE</div>\n</body></html>\n");
    h
}

fn timeline_svg(ex: &Exercise) -> String {
    let plan = ex.plan();
    let teams: Vec<&str> = plan.def.teams.iter().map(|t| t.id.as_str()).collect();
    let (left, top, lane_h, width) = (150.0, 24.0, 18.0, 1060.0);
    let plot_w = width - left - 10.0;
    let lanes = teams.len() + 2;
    let height = top + lanes as f64 * lane_h + 30.0;
    let dur = plan.duration_s.max(1) as f64;
    let x = |t: i64| left + plot_w * (t as f64 / dur);
    let lane_y = |i: usize| top + i as f64 * lane_h + lane_h / 2.0;
    let team_lane = |id: &str| teams.iter().position(|t| *t == id).map_or(1, |i| i + 2);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height:.0}\" viewBox=\"0 0 {width} {height:.0}\" font-size=\"11\">\n"
    );
    let labels: Vec<String> = ["hazards".to_string(), "consequences".to_string()]
        .into_iter()
        .chain(teams.iter().map(|t| t.to_string()))
        .collect();
    for (i, l) in labels.iter().enumerate() {
        let y = lane_y(i);
        let _ = writeln!(
            s,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#eaeef2\"/><text x=\"4\" y=\"{:.1}\">{}</text>",
            left + plot_w,
            y + 4.0,
            esc(l)
        );
    }
    let step = if dur > 48.0 * 3600.0 {
        6 * 3600
    } else {
        3600 * 2
    };
    let mut tt = 0;
    while tt as f64 <= dur {
        let _ = writeln!(
            s,
            "<line x1=\"{0:.1}\" y1=\"{top}\" x2=\"{0:.1}\" y2=\"{1:.1}\" stroke=\"#d0d7de\"/><text x=\"{0:.1}\" y=\"{2:.1}\" text-anchor=\"middle\">{3}h</text>",
            x(tt),
            height - 24.0,
            height - 10.0,
            tt / 3600
        );
        tt += step;
    }
    let max_deaths = ex
        .journal()
        .iter()
        .filter_map(|r| {
            if let Body::Consequence(Consequence::Impact { deaths, .. }) = &r.body {
                Some(*deaths)
            } else {
                None
            }
        })
        .fold(1.0, f64::max);
    for r in ex.journal() {
        let px = x(r.t_s);
        let tip = |t: String| format!("<title>{} {}</title>", time::label(r.t_s), esc(&t));
        match &r.body {
            Body::Hazard { hazard, name, .. } => {
                let y = lane_y(0);
                let _ = writeln!(
                    s,
                    "<path d=\"M{px:.1},{:.1} l5,9 l-10,0 z\" fill=\"#cf222e\">{}</path>",
                    y - 5.0,
                    tip(format!("{hazard}: {name}"))
                );
            }
            Body::Inject { inject, to, .. } => {
                for t in to {
                    let _ = writeln!(
                        s,
                        "<circle cx=\"{px:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#0969da\">{}</circle>",
                        lane_y(team_lane(t)),
                        tip(format!("inject {inject}"))
                    );
                }
            }
            Body::Action { team, action, .. } => {
                let what = match action {
                    Action::PublicWarning { hazard, .. } => format!("public warning {hazard}"),
                    Action::Request { resource, .. } => format!("request {resource:?}"),
                    Action::Offer { request } => format!("offer for {request}"),
                    Action::Sitrep { .. } => "sitrep".into(),
                    Action::Acknowledge { inject } => format!("ack {inject}"),
                    Action::Message { .. } => "message".into(),
                    Action::Rate {
                        objective, rating, ..
                    } => format!("rated {objective} {}", rating.letter()),
                    Action::Release { inject } => format!("released {inject}"),
                };
                let _ = writeln!(
                    s,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"6\" height=\"6\" fill=\"#1a7f37\">{}</rect>",
                    px - 3.0,
                    lane_y(team_lane(team)) - 3.0,
                    tip(format!("{team}: {what}"))
                );
            }
            Body::Message {
                kind,
                from,
                cap_identifier: Some(id),
                ..
            } if kind == "cap_alert" => {
                let y = lane_y(team_lane(from)) - 9.0;
                let _ = writeln!(
                    s,
                    "<path d=\"M{px:.1},{:.1} l4,4 l-4,4 l-4,-4 z\" fill=\"#bc4c00\">{}</path>",
                    y - 4.0,
                    tip(format!("CAP {id} (Exercise)"))
                );
            }
            Body::Consequence(Consequence::Impact {
                unit,
                deaths,
                people_at_risk,
                ..
            }) => {
                let bh = 2.0 + 12.0 * (deaths / max_deaths).sqrt();
                let y = lane_y(1) + 7.0;
                let _ = writeln!(
                    s,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"3\" height=\"{bh:.1}\" fill=\"#24292f\">{}</rect>",
                    px - 1.5,
                    y - bh,
                    tip(format!(
                        "impact {unit}: {people_at_risk:.0} at risk, {deaths:.0} deaths"
                    ))
                );
            }
            Body::Consequence(Consequence::UsarArrival { team, country, .. }) => {
                let y = lane_y(1);
                let _ = writeln!(
                    s,
                    "<path d=\"M{:.1},{:.1} l8,8 m0,-8 l-8,8\" stroke=\"#8250df\" stroke-width=\"2\">{}</path>",
                    px - 4.0,
                    y - 4.0,
                    tip(format!("USAR {team} on site in {country}"))
                );
            }
            _ => {}
        }
    }
    s.push_str("</svg>\n");
    s
}

fn map_svg(ex: &Exercise, region: &Region) -> String {
    let hz = &ex.hazards().hazards;
    let mut pts: Vec<[f64; 2]> = Vec::new();
    for h in hz {
        pts.extend(h.units.iter().map(|u| [u.lon, u.lat]));
        pts.extend(h.epicentre);
        for r in &h.footprint {
            pts.extend(r.iter().copied());
        }
    }
    if pts.is_empty() {
        return "<p>No hazard footprint to map.</p>\n".into();
    }
    let margin = 1.0;
    let w = pts.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min) - margin;
    let e = pts.iter().map(|p| p[0]).fold(f64::NEG_INFINITY, f64::max) + margin;
    let s_ = pts.iter().map(|p| p[1]).fold(f64::INFINITY, f64::min) - margin;
    let n = pts.iter().map(|p| p[1]).fold(f64::NEG_INFINITY, f64::max) + margin;
    let kx = ((s_ + n) / 2.0).to_radians().cos();
    let width = 900.0;
    let height = (width * (n - s_) / ((e - w) * kx)).clamp(300.0, 900.0);
    let px = |lon: f64| (lon - w) / (e - w) * width;
    let py = |lat: f64| (n - lat) / (n - s_) * height;
    let path = |ring: &[[f64; 2]]| {
        let mut d = String::new();
        for (i, p) in ring.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { "L" },
                px(p[0]),
                py(p[1])
            );
        }
        d.push('Z');
        d
    };
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height:.0}\" viewBox=\"0 0 {width} {height:.0}\" font-size=\"11\">\n<defs><clipPath id=\"c\"><rect width=\"{width}\" height=\"{height:.0}\"/></clipPath></defs><g clip-path=\"url(#c)\">\n<rect width=\"{width}\" height=\"{height:.0}\" fill=\"#f6f8fa\"/>\n"
    );
    for c in &region.countries {
        let Some(bb) = c.boundary.bounding_rect() else {
            continue;
        };
        if bb.max().x < w || bb.min().x > e || bb.max().y < s_ || bb.min().y > n {
            continue;
        }
        let mut d = String::new();
        for poly in &c.boundary.0 {
            let ring: Vec<[f64; 2]> = poly.exterior().0.iter().map(|p| [p.x, p.y]).collect();
            let step = ring.len().div_ceil(1500).max(1);
            let r: Vec<[f64; 2]> = ring.iter().step_by(step).copied().collect();
            if r.len() >= 3 {
                d.push_str(&path(&r));
            }
        }
        let _ = writeln!(
            s,
            "<path d=\"{d}\" fill=\"#ffffff\" stroke=\"#8c959f\" stroke-width=\"0.8\"><title>{}</title></path>",
            esc(&c.name_en)
        );
    }
    let mut labels = Labels::default();
    for c in &region.countries {
        let Some(bb) = c.boundary.bounding_rect() else {
            continue;
        };
        let (cx, cy) = (
            (bb.min().x + bb.max().x) / 2.0,
            (bb.min().y + bb.max().y) / 2.0,
        );
        let (lx, ly) = (cx.clamp(w + 0.3, e - 0.3), cy.clamp(s_ + 0.3, n - 0.3));
        if region
            .country_at(forewarn_core::LonLat::new(lx, ly))
            .is_some_and(|k| k.iso2 == c.iso2)
            && labels.place(px(lx), py(ly), &c.iso2, 16.0)
        {
            let _ = writeln!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#8c959f\" font-size=\"16\" font-weight=\"700\">{}</text>",
                px(lx),
                py(ly),
                esc(&c.iso2)
            );
        }
    }
    for st in region
        .settlements
        .iter()
        .filter(|x| x.population >= 10_000 && x.lon > w && x.lon < e && x.lat > s_ && x.lat < n)
    {
        let _ = writeln!(
            s,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"1.5\" fill=\"#57606a\"><title>{} ({})</title></circle>",
            px(st.lon),
            py(st.lat),
            esc(&st.name),
            st.population
        );
    }
    for h in hz {
        let fill = if h.kind == crate::def::HazardKind::Flood {
            "#0969da"
        } else {
            "#fb8f44"
        };
        for r in &h.footprint {
            let _ = writeln!(
                s,
                "<path d=\"{}\" fill=\"{fill}\" fill-opacity=\"0.25\" stroke=\"{fill}\" stroke-width=\"0.8\"><title>{}</title></path>",
                path(r),
                esc(&h.name)
            );
        }
        if let Some([lon, lat]) = h.epicentre {
            let (x, y) = (px(lon), py(lat));
            let _ = writeln!(
                s,
                "<path d=\"M{x:.1},{:.1} l2.4,5 5.4,0.8 -3.9,3.8 0.9,5.4 -4.8,-2.6 -4.8,2.6 0.9,-5.4 -3.9,-3.8 5.4,-0.8 z\" fill=\"#cf222e\"><title>{}</title></path>",
                y - 8.0,
                esc(&h.name)
            );
        }
    }
    for i in ex.impacts() {
        let r = 3.0 + i.people.max(0.0).sqrt() / 20.0;
        let g = (i.warned_share * 255.0) as u8;
        let rr = 255 - g;
        let _ = writeln!(
            s,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{:.1}\" fill=\"rgb({rr},{g},60)\" fill-opacity=\"0.75\" stroke=\"#24292f\"><title>{} ({}) {}: {} at risk, {} % warned, {} deaths</title></circle>",
            px(i.lon),
            py(i.lat),
            r.min(30.0),
            esc(&i.unit),
            esc(&i.hazard),
            time::label(i.impact_s),
            count(i.people),
            whole(i.warned_share * 100.0),
            count(i.deaths)
        );
        // Names only where they do not cover another (the circle's tooltip names it anyway).
        let (x, y) = (px(i.lon) + r.min(30.0) + 2.0, py(i.lat) + 4.0);
        if labels.place(x, y, &i.unit, 11.0) {
            let _ = writeln!(s, "<text x=\"{x:.1}\" y=\"{y:.1}\">{}</text>", esc(&i.unit));
        }
    }
    let mut k = 0;
    for wv in ex.warnings() {
        let Some(u) = ex
            .impacts()
            .iter()
            .find(|i| i.country == wv.country && i.hazard == wv.hazard)
            .or_else(|| ex.impacts().iter().find(|i| i.country == wv.country))
        else {
            continue;
        };
        let text = format!("W {}", time::label(wv.t_s));
        let Some((x, y)) = (0..6)
            .map(|j| {
                (
                    px(u.lon) - 14.0,
                    py(u.lat) - 12.0 - 12.0 * ((k + j) % 6) as f64,
                )
            })
            .find(|&(x, y)| labels.place(x, y, &text, 11.0))
        else {
            continue;
        };
        k += 1;
        let _ = writeln!(
            s,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" fill=\"#bc4c00\" font-weight=\"700\">W {}<title>{} warned {} for {} at {}</title></text>",
            time::label(wv.t_s),
            esc(&wv.team),
            esc(&wv.country),
            esc(&wv.hazard),
            time::label(wv.t_s)
        );
    }
    for a in ex.usar_arrivals() {
        let (c, team, t) = (&a.country, &a.team, &a.t_s);
        let Some(u) = ex.impacts().iter().find(|i| &i.country == c) else {
            continue;
        };
        let text = format!("U {} {}", team, time::label(*t));
        let Some((x, y)) = (0..6)
            .map(|j| {
                (
                    px(u.lon) + 6.0,
                    py(u.lat) + 16.0 + 12.0 * ((k + j) % 6) as f64,
                )
            })
            .find(|&(x, y)| labels.place(x, y, &text, 11.0))
        else {
            continue;
        };
        k += 1;
        let _ = writeln!(
            s,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" fill=\"#8250df\" font-weight=\"700\">U {} {}<title>USAR {} on site in {} at {}</title></text>",
            esc(team),
            time::label(*t),
            esc(team),
            esc(c),
            time::label(*t)
        );
    }
    let _ = writeln!(
        s,
        "</g><text x=\"8\" y=\"{:.1}\" fill=\"#57606a\">{:.1}&#176;E-{:.1}&#176;E, {:.1}&#176;N-{:.1}&#176;N</text></svg>",
        height - 8.0,
        w,
        e,
        s_,
        n
    );
    s
}
