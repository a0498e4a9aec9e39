//! The page of a flood run, built from its summary.json (forewarn_engine::flood::summary_json)
//! and its extent: the alert, the people affected, the loss of life without and with a
//! warning and the lives the warning saves (with the Graham 1999 cross-check), a map, the
//! settlements in the order the water reaches them, the figures per country, and how the
//! estimate was made, with the model's own warnings at the top. The CLI's flood summary.html
//! and the server's report.html of a flood incident are this page.

use super::words::{self, Words, level_from_str};
use super::{
    MapInput, area_bbox, country_name, escape, group, labelled, map_places, map_section, page_end,
    page_start, settlement_name,
};
use forewarn_core::Region;
use serde_json::Value;
use std::fmt::Write as _;

/// What the page is made from.
pub struct FloodReportInput<'a> {
    /// The run's summary.json.
    pub summary: &'a Value,
    /// The area flooded 0.1 m deep or more (forewarn_engine::flood::extent_geojson), for the
    /// map; none for a run off geographic terrain.
    pub extent: Option<&'a Value>,
    pub region: Option<&'a Region>,
    pub lang: &'a str,
}

/// Settlement rows shown; the rest are in the settlements download.
const MAX_SETTLEMENT_ROWS: usize = 50;

/// A modelled death toll as the page writes it: two significant figures, grouped (5,964 ->
/// "6,000"). The model is not more precise than that (the Graham 1999 cross-check alone spans
/// a factor of ten); summary.json keeps the unrounded value.
pub fn deaths_text(v: f64, lang: &str) -> String {
    group(two_significant(v), lang)
}

/// `v` rounded to two significant figures (values below 10 to the unit).
pub fn two_significant(v: f64) -> f64 {
    if !v.is_finite() || v.abs() < 10.0 {
        return v.round();
    }
    let step = 10f64.powi(v.abs().log10().floor() as i32 - 1);
    (v / step).round() * step
}

/// "People affected (≥ 0.1 m)" in the page's language.
fn people_affected(l: &words::Labels) -> String {
    format!("{}{}", l.people_affected, l.threshold_water)
}

/// Hours with one decimal, "-" when absent.
fn hours(v: Option<f64>) -> String {
    v.filter(|h| h.is_finite())
        .map(|h| format!("{h:.1}"))
        .unwrap_or_else(|| "-".into())
}

/// The page: one self-contained HTML document, as [`super::render_html`].
pub fn render_flood_html(input: &FloodReportInput<'_>) -> String {
    let s = input.summary;
    let w = words::words(input.lang);
    let l = &w.labels;
    let name = s["scenario"].as_str().unwrap_or("");
    let level = s["alert_level"].as_str().and_then(level_from_str);
    let imp = &s["impact"];
    let mut out = String::with_capacity(64 * 1024);
    page_start(
        &mut out,
        w,
        l.flood_title,
        name,
        level,
        " data-flood=\"true\"",
    );
    if let Some(a) = imp["affected"].as_f64() {
        let outside = imp["affected_outside_settlements"]
            .as_f64()
            .filter(|o| *o >= 0.5)
            .map(|o| escape(&l.outside_settlements.replace("{n}", &group(o, w.lang))))
            .unwrap_or_default();
        let _ = write!(
            out,
            "<li>{}<b id=\"rpt-affected\">{}</b>{outside}</li>",
            labelled(&people_affected(l), w),
            group(a, w.lang)
        );
    }
    if let Some(d) = s["max_depth_m"].as_f64() {
        let _ = write!(
            out,
            "<li>{}<b>{d:.1}</b></li>",
            labelled(l.flood_depth_m, w)
        );
    }
    let peak = s["breaches"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["peak_discharge_m3s"].as_f64())
        .fold(None, |m: Option<f64>, q| Some(m.map_or(q, |m| m.max(q))));
    if let Some(q) = peak {
        let _ = write!(
            out,
            "<li>{}<b>{}</b></li>",
            labelled(l.breach_peak_m3s, w),
            group(q, w.lang)
        );
    }
    if let Some(d) = s["damage_usd"].as_f64() {
        let _ = write!(
            out,
            "<li>{}<b>{:.1}</b> {}</li>",
            labelled(l.damage, w),
            d / 1e6,
            escape(l.usd_millions_unit)
        );
    }
    out.push_str("</ul>");
    for warning in s["warnings"].as_array().into_iter().flatten() {
        if let Some(t) = warning.as_str() {
            let _ = write!(
                out,
                "<p class=\"rpt-warn\"><b>{}</b><span lang=\"en\" dir=\"ltr\">{}</span></p>",
                labelled(l.model_warnings, w),
                escape(t)
            );
        }
    }
    out.push_str("</header>");
    life_loss(&mut out, &s["life_loss"], w);
    if let (Some(extent), Some(bbox)) = (input.extent, input.extent.and_then(area_bbox)) {
        let places = map_places(settlements(imp), "affected", input.region, w.lang);
        map_section(
            &mut out,
            &MapInput {
                bbox,
                contours: Some(extent),
                region: input.region,
                places,
                epicentre: None,
                title: format!("{} — {name}", l.map),
                legend_title: String::new(),
            },
            w,
            l.flood_map_caption,
        );
    }
    settlements_table(&mut out, s, input.region, w);
    countries_table(&mut out, s, w);
    caveats(&mut out, s, w);
    page_end(&mut out, w, s["forewarn_version"].as_str().unwrap_or(""));
    out
}

/// The three numbers of issue 13's life-loss model, each in its own panel, and the Graham
/// (1999) rates beside them as a cross-check.
fn life_loss(out: &mut String, ll: &Value, w: &Words) {
    let l = &w.labels;
    let _ = write!(
        out,
        "<section aria-labelledby=\"rpt-life-loss-h\"><h2 id=\"rpt-life-loss-h\">{}</h2><div class=\"rpt-alerts\">",
        escape(l.life_loss)
    );
    let lead = format!(
        "<p class=\"rpt-unit\">{}<b id=\"rpt-lead-time\">{}</b></p>",
        labelled(l.lead_time_first_h, w),
        hours(ll["lead_time_h"].as_f64())
    );
    for (id, label, key, extra) in [
        (
            "rpt-deaths-without-warning",
            l.deaths_without_warning,
            "without_warning",
            "",
        ),
        (
            "rpt-deaths-with-warning",
            l.deaths_with_warning,
            "with_warning",
            lead.as_str(),
        ),
        ("rpt-lives-saved", l.lives_saved, "lives_saved", ""),
    ] {
        let _ = write!(
            out,
            "<section class=\"rpt-panel\" aria-labelledby=\"{id}-h\"><h3 id=\"{id}-h\">{}</h3><p class=\"rpt-big\" id=\"{id}\">{}</p>{extra}</section>",
            escape(label),
            ll[key]
                .as_f64()
                .map_or_else(|| "-".into(), |v| deaths_text(v, w.lang))
        );
    }
    out.push_str("</div>");
    let g = &ll["detail"]["graham_1999"];
    if g.is_object() {
        let with_range = |key: &str| {
            let v = g[key]
                .as_f64()
                .map_or_else(|| "-".into(), |v| deaths_text(v, w.lang));
            let range = g[format!("{key}_range")]
                .as_array()
                .and_then(|r| Some((r.first()?.as_f64()?, r.get(1)?.as_f64()?)))
                .map(|(lo, hi)| {
                    format!(" ({}–{})", deaths_text(lo, w.lang), deaths_text(hi, w.lang))
                })
                .unwrap_or_default();
            format!("<bdi dir=\"ltr\">{v}{range}</bdi>")
        };
        let _ = write!(
            out,
            "<p class=\"rpt-note\" id=\"rpt-cross-check\">{}{}{}{}{}{}</p>",
            labelled(l.cross_check, w),
            labelled(l.deaths_without_warning, w),
            with_range("without_warning"),
            escape(l.list_separator),
            labelled(l.deaths_with_warning, w),
            with_range("with_warning"),
        );
    }
    let _ = write!(
        out,
        "<p class=\"rpt-caption\" id=\"rpt-rounded\">{}</p></section>",
        escape(l.deaths_rounded)
    );
}

/// The settlements of the summary the water reaches.
fn settlements(imp: &Value) -> Vec<&Value> {
    imp["settlements"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|x| x["arrival_early_s"].is_number() || x["arrival_time_s"].is_number())
                .collect()
        })
        .unwrap_or_default()
}

/// Settlements in the order the water reaches them (early bound), with what the water does
/// there and what the warning changes.
fn settlements_table(out: &mut String, s: &Value, region: Option<&Region>, w: &Words) {
    let l = &w.labels;
    let _ = write!(
        out,
        "<section aria-labelledby=\"rpt-settlements-h\"><h2 id=\"rpt-settlements-h\">{}</h2>",
        escape(l.settlements_reached)
    );
    let mut rows = settlements(&s["impact"]);
    if rows.is_empty() {
        let _ = write!(out, "<p>{}</p></section>", escape(l.none));
        return;
    }
    let arrival = |x: &Value| {
        x["arrival_early_s"]
            .as_f64()
            .or_else(|| x["arrival_time_s"].as_f64())
            .unwrap_or(f64::INFINITY)
    };
    rows.sort_by(|a, b| arrival(a).total_cmp(&arrival(b)));
    let _ = write!(
        out,
        "<div class=\"rpt-scroll\"><table id=\"rpt-flood-settlements\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th></tr></thead><tbody>",
        escape(l.settlement),
        escape(l.country),
        escape(&people_affected(l)),
        escape(l.share_flooded),
        escape(l.flood_depth_m),
        escape(l.arrival_h),
        escape(l.lead_time_h),
        escape(l.deaths_without_warning),
        escape(l.deaths_with_warning),
    );
    let h = |v: Option<f64>| hours(v.map(|s| s / 3600.0));
    for r in rows.iter().take(MAX_SETTLEMENT_ROWS) {
        let ll = &r["life_loss"];
        let _ = write!(
            out,
            "<tr><td class=\"txt\">{}</td><td class=\"txt\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.0}%</td><td class=\"num\">{}</td><td class=\"num\"><bdi dir=\"{}\">{} / {}</bdi></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&settlement_name(region, r, w.lang)),
            escape(&country_name(
                &s["impact"],
                r["country"].as_str().unwrap_or(""),
                w.lang
            )),
            group(r["affected"].as_f64().unwrap_or(0.0), w.lang),
            r["share_flooded"].as_f64().unwrap_or(0.0) * 100.0,
            r["max_depth_m"]
                .as_f64()
                .map_or_else(|| "-".into(), |d| format!("{d:.1}")),
            // Early bound first in the reading direction, as the column's heading has them.
            w.dir,
            h(r["arrival_early_s"].as_f64()),
            h(r["arrival_time_s"].as_f64()),
            hours(ll["lead_time_h"].as_f64()),
            deaths_text(ll["without_warning"].as_f64().unwrap_or(0.0), w.lang),
            deaths_text(ll["with_warning"].as_f64().unwrap_or(0.0), w.lang),
        );
    }
    out.push_str("</tbody></table></div>");
    if rows.len() > MAX_SETTLEMENT_ROWS {
        let _ = write!(
            out,
            "<p class=\"rpt-caption\">{}</p>",
            escape(&l.more_rows.replace(
                "{n}",
                &group((rows.len() - MAX_SETTLEMENT_ROWS) as f64, w.lang)
            ))
        );
    }
    out.push_str("</section>");
}

/// People, deaths and damage per country.
fn countries_table(out: &mut String, s: &Value, w: &Words) {
    let l = &w.labels;
    let rows: Vec<&Value> = s["impact"]["countries"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if rows.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<section aria-labelledby=\"rpt-flood-countries-h\"><h2 id=\"rpt-flood-countries-h\">{}</h2><table id=\"rpt-flood-countries\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}, {}</th></tr></thead><tbody>",
        escape(l.by_country),
        escape(l.country),
        escape(&people_affected(l)),
        escape(l.deaths_without_warning),
        escape(l.deaths_with_warning),
        escape(l.damage),
        escape(l.usd_millions_unit),
    );
    for c in rows {
        let iso2 = c["iso2"].as_str().unwrap_or("");
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.1}</td></tr>",
            escape(&country_name(&s["impact"], iso2, w.lang)),
            group(c["affected"].as_f64().unwrap_or(0.0), w.lang),
            deaths_text(c["deaths_without_warning"].as_f64().unwrap_or(0.0), w.lang),
            deaths_text(c["deaths"].as_f64().unwrap_or(0.0), w.lang),
            c["damage_usd"].as_f64().unwrap_or(0.0) / 1e6,
        );
    }
    out.push_str("</tbody></table></section>");
}

/// How the estimate was made: the life-loss method, the exposure, the simulation and every
/// assumption, in the words of the model (English).
fn caveats(out: &mut String, s: &Value, w: &Words) {
    let l = &w.labels;
    let _ = write!(
        out,
        "<section id=\"rpt-caveats\" aria-labelledby=\"rpt-caveats-h\"><h2 id=\"rpt-caveats-h\">{}</h2><dl class=\"rpt-notes\">",
        escape(l.caveats)
    );
    let simulation = match (s["simulated_time_s"].as_f64(), s["steps"].as_u64()) {
        (Some(t), Some(n)) => {
            let cell = s["cell_size_m"]
                .as_array()
                .and_then(|c| Some((c.first()?.as_f64()?, c.get(1)?.as_f64()?)))
                .map(|(x, y)| format!(" on cells of {x:.0} x {y:.0} m"))
                .unwrap_or_default();
            format!(
                "{:.1} h simulated in {n} steps{cell}; volume error {:.1e} %",
                t / 3600.0,
                s["volume_error_pct"].as_f64().unwrap_or(0.0)
            )
        }
        _ => String::new(),
    };
    let mut notes: Vec<(&str, String)> = vec![
        (
            l.life_loss,
            s["life_loss"]["detail"]["method"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        ),
        (
            l.exposure_source,
            s["impact"]["exposure"].as_str().unwrap_or("").to_string(),
        ),
        (l.simulation, simulation),
    ];
    for a in s["impact"]["assumptions"].as_array().into_iter().flatten() {
        notes.push((l.assumptions, a.as_str().unwrap_or("").to_string()));
    }
    let mut last = "";
    for (label, text) in notes.iter().filter(|(_, t)| !t.is_empty()) {
        // Consecutive notes under one label (the assumptions) share it.
        if *label != last {
            let _ = write!(out, "<dt>{}</dt>", escape(label));
            last = label;
        }
        let _ = write!(out, "<dd lang=\"en\" dir=\"ltr\">{}</dd>", escape(text));
    }
    out.push_str("</dl></section>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn town(name: &str, early_s: f64, affected: f64) -> Value {
        json!({"name": name, "country": "TJ", "lon": 71.5, "lat": 37.9, "population": 4031,
            "affected": affected, "share_flooded": 0.84, "max_depth_m": 17.08,
            "arrival_early_s": early_s, "arrival_time_s": 101050.0,
            "life_loss": {"lead_time_h": early_s / 3600.0, "without_warning": affected,
                "with_warning": 381.2}})
    }

    fn summary(settlements: Vec<Value>) -> Value {
        json!({"forewarn_version": "0.1.0", "kind": "flood", "scenario": "Lake Sarez <partial>",
            "alert_level": "red", "max_depth_m": 42.3, "damage_usd": 12.37e6,
            "breaches": [{"peak_discharge_m3s": 53924.3}],
            "simulated_time_s": 172800.0, "steps": 6429, "cell_size_m": [730.5, 927.0],
            "volume_error_pct": -1.5e-5,
            "warnings": ["62 % of the flooded cells lie on flow paths one cell wide"],
            "life_loss": {"without_warning": 5632.07, "with_warning": 979.84,
                "lives_saved": 4652.22, "lead_time_h": 0.1167,
                "detail": {"method": "deaths = F_D x (1 - F_E) x people at risk",
                    "graham_1999": {"without_warning": 845.8, "without_warning_range": [169.1, 1973.4],
                        "with_warning": 174.7, "with_warning_range": [29.8, 351.3]}}},
            "impact": {"affected": 5658.5, "affected_outside_settlements": 2257.3,
                "exposure": "settlements plus residual grid (proxy)",
                "assumptions": ["people affected: maximum depth >= 0.1 m", "zone from depth and speed"],
                "countries": [{"iso2": "TJ", "name": "Tajikistan", "affected": 5525.3,
                    "deaths_without_warning": 5498.9, "deaths": 965.6, "damage_usd": 12.1e6}],
                "settlements": settlements}})
    }

    #[test]
    fn the_three_life_loss_numbers_lead_the_page() {
        let s = summary(vec![
            town("Rŭshon", 21978.0, 3401.2),
            town("Barchadiv", 3600.0, 120.0),
        ]);
        let html = render_flood_html(&FloodReportInput {
            summary: &s,
            extent: None,
            region: None,
            lang: "en",
        });
        assert!(
            html.contains("id=\"rpt-deaths-without-warning\">5,600<"),
            "{html}"
        );
        assert!(html.contains("id=\"rpt-deaths-with-warning\">980<"));
        assert!(html.contains("id=\"rpt-lives-saved\">4,700<"));
        assert!(html.contains("two significant figures"));
        assert!(html.contains("id=\"rpt-lead-time\">0.1<"));
        assert!(html.contains("850 (170–2,000)") && html.contains("170 (30–350)"));
        // The model's warning is at the top, before the numbers.
        let warn = html.find("rpt-warn").unwrap();
        assert!(warn < html.find("rpt-life-loss-h").unwrap());
        assert!(
            html.contains("Lake Sarez &lt;partial&gt;"),
            "names are escaped"
        );
        // Settlements in the order the water reaches them (early bound).
        let table = &html[html.find("rpt-flood-settlements").unwrap()..];
        assert!(table.find("Barchadiv").unwrap() < table.find("Rŭshon").unwrap());
        assert!(table.contains(">6.1 / 28.1</bdi>"), "{table}");
        assert!(
            html.contains("<td class=\"num\">12.1</td>"),
            "damage per country, US$ M"
        );
        // The assumptions share one label.
        assert_eq!(html.matches("<dt>Assumptions</dt>").count(), 1);
        assert!(html.contains("on cells of 730 x 927 m"));
        assert!(!html.contains("<svg"), "no map without an extent");
        assert!(
            html.contains("5,659</b> (of them outside settlements: 2,257)"),
            "{html}"
        );
        let zh = render_flood_html(&FloodReportInput {
            summary: &s,
            extent: None,
            region: None,
            lang: "zh",
        });
        assert!(zh.contains("5,659</b>（其中居民点以外：2,257）"), "{zh}");
        assert!(zh.contains("模型提示："), "the language's colon");
    }

    #[test]
    fn modelled_tolls_keep_two_significant_figures() {
        for (v, want) in [
            (0.4, 0.0),
            (7.6, 8.0),
            (12.4, 12.0),
            (381.2, 380.0),
            (5963.9, 6000.0),
            (4883.0, 4900.0),
            (96_500.0, 97_000.0),
            (-1234.0, -1200.0),
        ] {
            assert_eq!(two_significant(v), want, "{v}");
        }
        assert_eq!(deaths_text(5963.9, "ru"), "6\u{a0}000");
    }

    #[test]
    fn a_long_list_is_cut_with_a_pointer_to_the_download() {
        let many: Vec<Value> = (0..60)
            .map(|i| town(&format!("T{i}"), f64::from(i) * 60.0, 10.0))
            .collect();
        let s = summary(many);
        let html = render_flood_html(&FloodReportInput {
            summary: &s,
            extent: None,
            region: None,
            lang: "ru",
        });
        let start = html.find("rpt-flood-settlements").unwrap();
        let table = &html[start..start + html[start..].find("</table>").unwrap()];
        assert_eq!(table.matches("<tr>").count(), 51, "a header and 50 rows");
        assert!(
            html.contains("Ещё 10\u{a0}— в файле населённых пунктов"),
            "{html}"
        );
        assert!(html.contains("Погибшие без оповещения"));
    }

    #[test]
    fn the_extent_is_drawn_around_its_own_area_in_every_language() {
        let s = summary(vec![town("Rŭshon", 21978.0, 3401.2)]);
        let extent = json!({"type": "FeatureCollection", "features": [{"type": "Feature",
            "properties": {"depth_m": 0.1, "color": "#3182bd"},
            "geometry": {"type": "MultiPolygon", "coordinates": [[[[71.0, 37.5], [72.5, 37.5],
                [72.5, 38.4], [71.0, 38.4], [71.0, 37.5]]]]}}]});
        assert_eq!(
            area_bbox(&extent).map(|b| b.map(|v| (v * 100.0).round() / 100.0)),
            Some([70.7, 37.32, 72.8, 38.58])
        );
        for lang in words::LANGUAGES {
            let html = render_flood_html(&FloodReportInput {
                summary: &s,
                extent: Some(&extent),
                region: None,
                lang,
            });
            assert!(
                html.contains("fill=\"#3182BD\""),
                "{lang}: the extent is drawn"
            );
            assert!(
                html.contains(words::words(lang).labels.lives_saved),
                "{lang}"
            );
            let threshold = escape(words::words(lang).labels.threshold_water);
            assert!(html.contains(&threshold), "{lang}");
        }
        assert_eq!(area_bbox(&json!({"features": []})), None);
    }
}
