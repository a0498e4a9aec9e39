//! The page of an exercise incident: what the scenario holds (the places its hazard reaches,
//! the people there and when it reaches them) and the engine's own figures before any
//! player acts. It has no loss panels and no exposure table by intensity: an exercise
//! incident holds no run's summary, and what happens to its people follows from the
//! players' actions (forewarn_exercise's consequence model). Same style and words as the
//! incident page of a run.

use super::words::{self, level_from_str, mmi_index};
use super::{
    MapInput, area_bbox, cap_country_name, escape, group, labelled, map_places, map_section,
    max_mmi_fact, mmi_chip, page_end, page_start, settlement_name,
};
use forewarn_core::Region;
use serde_json::{Value, json};
use std::fmt::Write as _;

/// The scenario's hazard: earthquake places are countries' MMI VI+ zones, flood places are
/// settlements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScenarioHazard {
    Earthquake,
    Flood,
}

/// What the page is made from: the exercise incident's record.
pub struct ScenarioInput<'a> {
    /// The incident's title ("EXERCISE: M7.7 Sarez earthquake").
    pub title: &'a str,
    pub hazard: ScenarioHazard,
    /// The incident's alert level (`green` .. `red`).
    pub alert_level: Option<&'a str>,
    /// The incident's summary: `people_at_risk`, `countries` (ISO codes), `max_mmi` or
    /// `peak_depth_m`, `note` (the engine's figures).
    pub summary: &'a Value,
    /// The incident's settlements layer: a FeatureCollection of points with `name`,
    /// `country`, `population`, `mmi` or `depth_m`, `impact` (exercise time).
    pub places: Option<&'a Value>,
    /// The incident's footprint (its `mmi_contours` layer: MMI VI or more for an earthquake,
    /// 0.1 m of water for a flood), for the map.
    pub area: Option<&'a Value>,
    pub region: Option<&'a Region>,
    pub lang: &'a str,
}

/// Rows shown in the table; the rest are in the settlements download.
const MAX_ROWS: usize = 100;

/// The country `iso2` named in `lang`: the CAP templates' form, else the region's English
/// name, else the code.
fn country(region: Option<&Region>, iso2: &str, lang: &str) -> String {
    cap_country_name(iso2, lang)
        .map(str::to_string)
        .or_else(|| {
            region
                .and_then(|r| r.countries.iter().find(|c| c.iso2 == iso2))
                .map(|c| c.name_en.clone())
        })
        .unwrap_or_else(|| iso2.to_string())
}

/// "People at risk" with the scenario's threshold (the footprint's MMI VI for
/// forewarn_exercise's earthquake units; 0.1 m of water, forewarn_flood::solver::FLOOD_DEPTH_M,
/// for its flood units).
fn people_label(hazard: ScenarioHazard, l: &words::Labels) -> String {
    let threshold = match hazard {
        ScenarioHazard::Earthquake => l.threshold_mmi6,
        ScenarioHazard::Flood => l.threshold_water,
    };
    format!("{}{threshold}", l.people_at_risk)
}

/// The page: one self-contained HTML document, as [`super::render_html`].
pub fn render_scenario_html(input: &ScenarioInput<'_>) -> String {
    let w = words::words(input.lang);
    let l = &w.labels;
    let s = input.summary;
    let level = input.alert_level.and_then(level_from_str);
    let mut out = String::with_capacity(32 * 1024);
    page_start(
        &mut out,
        w,
        l.scenario_caption,
        input.title,
        level,
        " data-scenario=\"true\"",
    );
    if let Some(m) = s["max_mmi"].as_f64() {
        out.push_str(&max_mmi_fact(m, w, ""));
    }
    if let Some(d) = s["peak_depth_m"].as_f64() {
        let _ = write!(
            out,
            "<li>{}<b>{d:.1}</b></li>",
            labelled(l.flood_depth_m, w)
        );
    }
    if let Some(p) = s["people_at_risk"].as_f64() {
        let _ = write!(
            out,
            "<li>{}<b id=\"rpt-people-at-risk\">{}</b></li>",
            labelled(&people_label(input.hazard, l), w),
            group(p, w.lang)
        );
    }
    let countries: Vec<String> = s["countries"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|c| country(input.region, c, w.lang))
                .collect()
        })
        .unwrap_or_default();
    if !countries.is_empty() {
        let _ = write!(
            out,
            "<li>{}<b>{}</b></li>",
            labelled(l.countries, w),
            escape(&countries.join(l.list_separator))
        );
    }
    let _ = write!(
        out,
        "</ul></header><p class=\"rpt-note\" id=\"rpt-scenario-note\">{}</p>",
        escape(l.scenario_holds)
    );
    let _ = write!(
        out,
        "<section aria-labelledby=\"rpt-places-h\"><h2 id=\"rpt-places-h\">{}</h2>",
        escape(l.places_at_risk)
    );
    places_table(&mut out, input, w);
    out.push_str("</section>");
    if let (Some(area), Some(bbox)) = (input.area, input.area.and_then(area_bbox)) {
        map(&mut out, input, area, bbox, w);
    }
    if let Some(note) = s["note"].as_str().filter(|n| !n.is_empty()) {
        let _ = write!(
            out,
            "<section id=\"rpt-caveats\" aria-labelledby=\"rpt-caveats-h\"><h2 id=\"rpt-caveats-h\">{}</h2><dl class=\"rpt-notes\"><dt>{}</dt><dd lang=\"en\" dir=\"ltr\" id=\"rpt-engine-run\">{}</dd></dl></section>",
            escape(l.caveats),
            escape(l.engine_run),
            escape(note)
        );
    }
    page_end(&mut out, w, env!("CARGO_PKG_VERSION"));
    out
}

/// The footprint on a map: for a flood, with its largest settlements named; for an
/// earthquake, with its epicentre (the places of an earthquake are countries).
fn map(
    out: &mut String,
    input: &ScenarioInput<'_>,
    area: &Value,
    bbox: [f64; 4],
    w: &words::Words,
) {
    let l = &w.labels;
    let quake = input.hazard == ScenarioHazard::Earthquake;
    // An earthquake's places are countries: only a flood's towns are named on the map.
    let towns: Vec<Value> = if quake {
        Vec::new()
    } else {
        input
            .places
            .and_then(|p| p["features"].as_array())
            .into_iter()
            .flatten()
            .map(|f| {
                let (p, c) = (&f["properties"], &f["geometry"]["coordinates"]);
                json!({"name": p["name"], "country": p["country"], "lon": c[0], "lat": c[1],
                    "population": p["population"]})
            })
            .collect()
    };
    let places = map_places(towns.iter().collect(), "population", input.region, w.lang);
    let epicentre = input.summary["epicentre"]
        .as_array()
        .and_then(|e| Some((e.first()?.as_f64()?, e.get(1)?.as_f64()?)));
    map_section(
        out,
        &MapInput {
            bbox,
            contours: Some(area),
            region: input.region,
            places,
            epicentre: if quake { epicentre } else { None },
            title: format!("{} — {}", l.map, input.title),
            legend_title: format!("{} ({})", l.mmi, l.shaking),
        },
        w,
        if quake {
            l.scenario_map_caption
        } else {
            l.flood_map_caption
        },
    );
}

/// The places of the settlements layer, at most [`MAX_ROWS`]: earthquake rows are countries'
/// MMI VI+ zones with their highest intensity, the most people first; flood rows are
/// settlements with their deepest water, in the layer's order (by arrival).
fn places_table(out: &mut String, input: &ScenarioInput<'_>, w: &words::Words) {
    let l = &w.labels;
    let mut features: Vec<&Value> = input
        .places
        .and_then(|p| p["features"].as_array())
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let quake = input.hazard == ScenarioHazard::Earthquake;
    if quake {
        // The countries most hit first (all reached at the onset).
        let people = |f: &Value| f["properties"]["population"].as_f64().unwrap_or(0.0);
        features.sort_by(|a, b| people(b).total_cmp(&people(a)));
    }
    if features.is_empty() {
        let _ = write!(out, "<p>{}</p>", escape(l.none));
        return;
    }
    out.push_str("<div class=\"rpt-scroll\"><table id=\"rpt-places\"><thead><tr>");
    if !quake {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(l.settlement));
    }
    let _ = write!(
        out,
        "<th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        escape(l.country),
        escape(&people_label(input.hazard, l)),
        escape(if quake { l.max_mmi } else { l.flood_depth_m }),
        escape(l.reached_at)
    );
    for f in features.iter().take(MAX_ROWS) {
        let p = &f["properties"];
        let iso2 = p["country"].as_str().unwrap_or("");
        out.push_str("<tr>");
        if !quake {
            let c = &f["geometry"]["coordinates"];
            let at = json!({"name": p["name"], "country": iso2, "lon": c[0], "lat": c[1]});
            let _ = write!(
                out,
                "<td>{}</td>",
                escape(&settlement_name(input.region, &at, w.lang))
            );
        }
        let strength = if quake {
            p["mmi"]
                .as_f64()
                .map(|m| format!("{} {}", mmi_chip(m), escape(w.shaking[mmi_index(m)])))
        } else {
            p["depth_m"].as_f64().map(|d| format!("{d:.1}"))
        };
        let _ = write!(
            out,
            "<td>{}</td><td class=\"num\">{}</td><td{}>{}</td><td class=\"num\"><bdi>{}</bdi></td></tr>",
            escape(&country(input.region, iso2, w.lang)),
            group(p["population"].as_f64().unwrap_or(0.0), w.lang),
            if quake { "" } else { " class=\"num\"" },
            strength.unwrap_or_else(|| "-".into()),
            escape(p["impact"].as_str().unwrap_or("-"))
        );
    }
    out.push_str("</tbody></table></div>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flood_input<'a>(summary: &'a Value, places: &'a Value, lang: &'a str) -> ScenarioInput<'a> {
        ScenarioInput {
            title: "EXERCISE: Lake Sarez outburst flood",
            hazard: ScenarioHazard::Flood,
            alert_level: Some("red"),
            summary,
            places: Some(places),
            area: None,
            region: None,
            lang,
        }
    }

    fn settlement(name: &str, people: f64, depth_m: f64, impact: &str) -> Value {
        json!({"type": "Feature",
            "properties": {"name": name, "country": "TJ", "population": people,
                "depth_m": depth_m, "impact": impact},
            "geometry": {"type": "Point", "coordinates": [72.0, 38.0]}})
    }

    #[test]
    fn a_flood_scenario_lists_its_settlements_and_says_what_it_holds() {
        let summary = json!({"people_at_risk": 4031.0, "countries": ["TJ"], "max_mmi": null,
            "peak_depth_m": 12.3, "note": "Lake Sarez: 1000 steps, 3971 deaths without warning"});
        let places = json!({"type": "FeatureCollection", "features": [
            settlement("Barchadiv", 1200.0, 12.3, "T+05:52"),
            settlement("Rushon <b>", 2831.0, 4.1, "T+09:10"),
        ]});
        let html = render_scenario_html(&flood_input(&summary, &places, "en"));
        assert!(html.contains("Exercise scenario"), "{html}");
        assert!(
            html.contains("People at risk (≥ 0.1 m): <b id=\"rpt-people-at-risk\">4,031<"),
            "{html}"
        );
        assert!(
            html.contains("Highest flood depth, m: <b>12.3</b>"),
            "{html}"
        );
        assert!(html.contains("<td>Barchadiv</td>"));
        assert!(
            html.contains("<td>Rushon &lt;b&gt;</td>"),
            "names are escaped"
        );
        assert!(html.contains("<bdi>T+09:10</bdi>"));
        assert!(html.contains("3971 deaths without warning"));
        assert_eq!(html.matches("<tr>").count(), 3, "a header and two rows");
        // No run's panels: nothing claims "none" for fatalities or an intensity table.
        assert!(!html.contains("Estimated fatalities"));
        assert!(!html.contains("rpt-exposure"));
        assert!(html.contains("data-alert-level=\"red\""));
    }

    #[test]
    fn an_earthquake_scenario_lists_countries_with_their_intensity_in_each_language() {
        let summary =
            json!({"people_at_risk": 1.5e6, "countries": ["AF", "TJ"], "max_mmi": 9.1, "note": ""});
        let places = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "Afghanistan (MMI VI+ zone)", "country": "AF",
                "population": 1418.0, "mmi": 6.0, "impact": "T+00:10"},
             "geometry": {"type": "Point", "coordinates": [71.0, 37.0]}},
            {"type": "Feature", "properties": {"name": "Tajikistan (MMI VI+ zone)", "country": "TJ",
                "population": 1.2e6, "mmi": 9.0, "impact": "T+00:10"},
             "geometry": {"type": "Point", "coordinates": [72.0, 38.0]}}]});
        for lang in words::LANGUAGES {
            let input = ScenarioInput {
                title: "EXERCISE: M7.7 Sarez earthquake",
                hazard: ScenarioHazard::Earthquake,
                alert_level: Some("orange"),
                summary: &summary,
                places: Some(&places),
                area: None,
                region: None,
                lang,
            };
            let html = render_scenario_html(&input);
            let l = &words::words(lang).labels;
            assert!(html.contains(l.scenario_caption), "{lang}");
            assert!(html.contains(&escape(l.scenario_holds)), "{lang}");
            assert!(html.contains(">IX</span>"), "{lang}: the highest MMI");
            assert!(!html.contains("MMI VI+ zone"), "{lang}: rows are countries");
            assert!(
                !html.contains("rpt-engine-run"),
                "{lang}: an empty note is left out"
            );
        }
        let en = render_scenario_html(&ScenarioInput {
            hazard: ScenarioHazard::Earthquake,
            ..flood_input(&summary, &places, "en")
        });
        let table = &en[en.find("id=\"rpt-places\"").unwrap()..];
        let (tj, af) = (table.find("<td>TJ</td>"), table.find("<td>AF</td>"));
        assert!(tj.is_some() && tj < af, "the most people first: {table}");
        assert!(table.contains("People at risk (MMI ≥ VI)"), "{table}");
        let zh = render_scenario_html(&ScenarioInput {
            hazard: ScenarioHazard::Earthquake,
            ..flood_input(&summary, &places, "zh")
        });
        assert!(
            zh.contains("受威胁人数（烈度Ⅵ度及以上）："),
            "no space before （: {zh}"
        );
        let ru = render_scenario_html(&ScenarioInput {
            lang: "ru",
            ..flood_input(&summary, &places, "ru")
        });
        assert!(ru.contains("Таджикистан"), "{ru}");
        assert!(ru.contains("lang=\"ru\""));
    }

    #[test]
    fn the_footprint_is_mapped_with_the_epicentre_or_the_towns() {
        let ring = json!([[
            [71.0, 37.5],
            [72.5, 37.5],
            [72.5, 38.4],
            [71.0, 38.4],
            [71.0, 37.5]
        ]]);
        let area = |props: Value| {
            json!({"type": "FeatureCollection", "features": [{"type": "Feature",
                "properties": props, "geometry": {"type": "Polygon", "coordinates": ring}}]})
        };
        let shaken = area(json!({"mmi": 6, "color": "#ff9a00"}));
        let summary = json!({"people_at_risk": 10.0, "countries": ["TJ"], "max_mmi": 8.0,
            "epicentre": [72.6, 38.25]});
        let places = json!({"type": "FeatureCollection", "features": []});
        let quake = render_scenario_html(&ScenarioInput {
            hazard: ScenarioHazard::Earthquake,
            area: Some(&shaken),
            ..flood_input(&summary, &places, "en")
        });
        assert!(quake.contains("class=\"rpt-epicentre\""), "{quake}");
        assert!(quake.contains("the epicentre (star)"));
        let flooded = area(json!({"color": "#3c8dff"}));
        let towns = json!({"type": "FeatureCollection", "features": [
            settlement("Barchadiv", 1200.0, 12.3, "T+05:52")]});
        let flood = render_scenario_html(&ScenarioInput {
            area: Some(&flooded),
            ..flood_input(&summary, &towns, "en")
        });
        assert!(flood.contains("fill=\"#3C8DFF\""), "{flood}");
        assert!(!flood.contains("rpt-epicentre"), "a flood has no epicentre");
        assert!(flood.contains("Barchadiv</text>"), "{flood}");
    }

    #[test]
    fn no_places_says_none() {
        let summary = json!({"people_at_risk": 0.0, "countries": []});
        let empty = json!({"type": "FeatureCollection", "features": []});
        let html = render_scenario_html(&flood_input(&summary, &empty, "en"));
        assert!(html.contains("<p>none</p>"), "{html}");
        assert!(!html.contains("rpt-places\""));
    }
}
