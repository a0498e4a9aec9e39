//! Behaviour of a running exercise on the Pamir example: consequences respond to decisions,
//! conditional injects fire exactly when their condition holds, the clock controls work,
//! exercise traffic is never Actual, and the 72 h / 500-inject benchmark.

use forewarn_exercise::action::Action;
use forewarn_exercise::{Exercise, HazardSet, Options, Plan, Speed};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

fn scenarios() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios")
}

struct Fixture {
    plan: Arc<Plan>,
    hazards: Arc<HazardSet>,
    region: forewarn_core::Region,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let plan = forewarn_exercise::load(&scenarios().join("exercise-pamir.toml")).unwrap();
        let region = forewarn_embedded::region().unwrap();
        let exposure = forewarn_exposure::Exposure::proxy(&region);
        let hazards = HazardSet::compute(&plan, &region, &exposure, 7).unwrap();
        Fixture {
            plan: Arc::new(plan),
            hazards: Arc::new(hazards),
            region,
        }
    })
}

fn opts(bots: bool) -> Options {
    Options {
        seed: 7,
        bots,
        speed: Some(Speed::Max),
        live_wall_ms: None,
        human_teams: Default::default(),
    }
}

fn run(plan: Plan, bots: bool) -> Exercise {
    let mut ex = Exercise::new(Arc::new(plan), fixture().hazards.clone(), opts(bots)).unwrap();
    ex.run_to_end();
    ex
}

fn flood_onset_s(f: &Fixture) -> i64 {
    f.hazards.get("sarez-flood").unwrap().onset_s
}

#[test]
fn warning_two_hours_earlier_leaves_fewer_unwarned_and_fewer_deaths() {
    let f = fixture();
    let flood = f.hazards.get("sarez-flood").unwrap();
    let first_impact_s = flood.units.iter().map(|u| u.impact_s).min().unwrap();
    assert!(
        first_impact_s > flood.onset_s + 3 * 3600,
        "the flood needs hours to arrive"
    );
    // Late doctrine: warn 20 min before the first impact; early: 2 h earlier.
    let late_min = ((first_impact_s - flood.onset_s) as f64 / 60.0) - 20.0;
    let with_doctrine = |warn_min: f64| {
        let mut p = (*f.plan).clone();
        for t in &mut p.def.teams {
            if let Some(b) = &mut t.bot {
                b.jitter_min = 0.0;
                if t.id == "tj-coes" {
                    b.warn_after_min = Some(warn_min);
                }
            }
        }
        run(p, true)
    };
    let late = with_doctrine(late_min);
    let early = with_doctrine(late_min - 120.0);
    let (tl, te) = (late.totals(), early.totals());
    let ml = forewarn_exercise::metrics::evaluate(&late);
    let me = forewarn_exercise::metrics::evaluate(&early);
    let fl = ml
        .hazards
        .iter()
        .find(|h| h.hazard == "sarez-flood")
        .unwrap();
    let fe = me
        .hazards
        .iter()
        .find(|h| h.hazard == "sarez-flood")
        .unwrap();
    println!(
        "late: unwarned {:.0} deaths {:.0}; early: unwarned {:.0} deaths {:.0}",
        tl.unwarned_at_impact, tl.deaths, te.unwarned_at_impact, te.deaths
    );
    println!("flood late: {fl:?}\nflood early: {fe:?}");
    assert!(te.unwarned_at_impact < tl.unwarned_at_impact);
    assert!(te.deaths < tl.deaths);
    assert!(fe.unwarned_at_impact < fl.unwarned_at_impact);
    assert!(fe.deaths < fl.deaths);
    assert!(
        fe.deaths < 0.5 * fl.deaths,
        "two hours of lead time matter: {} vs {}",
        fe.deaths,
        fl.deaths
    );
}

#[test]
fn conditional_injects_fire_exactly_when_their_condition_holds() {
    let f = fixture();
    let onset = flood_onset_s(f);
    let eq = f.hazards.get("eq-sarez").unwrap().onset_s;
    // No players: the "no action" injects fire exactly at their deadline, the others never.
    let quiet = run((*f.plan).clone(), false);
    assert_eq!(quiet.inject_fired_at("c01"), Some(onset + 3600));
    assert_eq!(quiet.inject_fired_at("c02"), Some(eq + 6 * 3600));
    assert_eq!(quiet.inject_fired_at("c07"), Some(eq + 30 * 3600));
    for id in ["c03", "c04", "c05", "c06", "x01", "x02"] {
        assert_eq!(quiet.inject_fired_at(id), None, "{id}");
    }
    // Bots: the warning, request and offers happen, so the action conditions fire at the
    // action time plus their delay, and the "no action" ones stay silent.
    let busy = run((*f.plan).clone(), true);
    let first = |team: Option<&str>, pred: &dyn Fn(&Action) -> bool| {
        busy.actions()
            .iter()
            .find(|a| team.is_none_or(|x| x == a.team) && pred(&a.action))
            .map(|a| a.t_s)
    };
    let warn_t = first(
        Some("tj-coes"),
        &|a| matches!(a, Action::PublicWarning { hazard, .. } if hazard == "sarez-flood"),
    )
    .unwrap();
    let req_t = first(Some("tj-coes"), &|a| matches!(a, Action::Request { .. })).unwrap();
    let offer_t = first(None, &|a| matches!(a, Action::Offer { .. })).unwrap();
    assert!(warn_t <= onset + 3600);
    assert_eq!(busy.inject_fired_at("c01"), None);
    assert_eq!(busy.inject_fired_at("c02"), None);
    assert_eq!(busy.inject_fired_at("c03"), Some(req_t + 600));
    assert_eq!(busy.inject_fired_at("c04"), Some(offer_t + 900));
    assert_eq!(busy.inject_fired_at("c05"), Some(warn_t + 2700));
    assert_eq!(busy.inject_fired_at("c06"), Some(warn_t + 2700 + 3600));

    // The deadline is inclusive: a warning at exactly T+1h after onset prevents c01, one a
    // second later does not (and c01 then fires at the deadline, not at the warning).
    for (delay_s, fires) in [(3600, false), (3601, true)] {
        let mut ex = Exercise::new(f.plan.clone(), f.hazards.clone(), opts(false)).unwrap();
        ex.step_until(onset + delay_s);
        ex.apply(
            "tj-coes",
            Action::PublicWarning {
                hazard: "sarez-flood".into(),
                country: None,
            },
        )
        .unwrap();
        ex.run_to_end();
        assert_eq!(
            ex.inject_fired_at("c01"),
            if fires { Some(onset + 3600) } else { None },
            "warning at +{delay_s} s"
        );
    }
    // A contingency inject fires only when a controller releases it.
    let mut ex = Exercise::new(f.plan.clone(), f.hazards.clone(), opts(false)).unwrap();
    ex.step_until(5000);
    assert!(
        ex.apply(
            "tj-coes",
            Action::Release {
                inject: "x01".into()
            }
        )
        .is_err(),
        "players cannot release injects"
    );
    ex.apply(
        "control",
        Action::Release {
            inject: "x01".into(),
        },
    )
    .unwrap();
    ex.step_until(5000);
    assert_eq!(ex.inject_fired_at("x01"), Some(5000));
}

#[test]
fn clock_controls_in_a_live_run() {
    let f = fixture();
    let w0 = 1_800_000_000_000i64;
    let mut ex = Exercise::new(
        f.plan.clone(),
        f.hazards.clone(),
        Options {
            seed: 1,
            bots: false,
            speed: Some(Speed::Times(60.0)),
            live_wall_ms: Some(w0),
            human_teams: Default::default(),
        },
    )
    .unwrap();
    ex.tick(w0 + 60_000);
    assert_eq!(
        ex.now_s(),
        3600,
        "x60: one wall minute is one scenario hour"
    );
    assert!(
        ex.inject_fired_at("i02").is_some(),
        "injects up to T+1h delivered"
    );
    assert_eq!(ex.inject_fired_at("i12"), None);
    ex.pause(Some(w0 + 90_000)).unwrap();
    assert_eq!(ex.now_s(), 5400);
    ex.tick(w0 + 600_000);
    assert_eq!(ex.now_s(), 5400, "paused");
    assert!(ex.pause(None).is_err(), "already paused");
    ex.resume(Some(w0 + 600_000)).unwrap();
    ex.tick(w0 + 630_000);
    assert_eq!(ex.now_s(), 7200);
    ex.set_speed(Speed::Real, Some(w0 + 630_000));
    ex.tick(w0 + 640_000);
    assert_eq!(ex.now_s(), 7210);
    ex.jump_to(10 * 3600, Some(w0 + 640_000)).unwrap();
    assert_eq!(ex.now_s(), 36_000);
    assert!(
        ex.inject_fired_at("i21").is_some(),
        "the jump processed everything on the way"
    );
    assert!(ex.jump_to(3600, None).is_err(), "no backward jumps");
    ex.tick(w0 + 641_000);
    assert_eq!(ex.now_s(), 36_001);
    // Every record carries scenario and wall time; clock records show each control.
    let clock_ops: Vec<String> = ex
        .journal()
        .iter()
        .filter_map(|r| match &r.body {
            forewarn_exercise::journal::Body::Clock { op, .. } => Some(op.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(clock_ops, ["pause", "resume", "speed", "jump to T+10:00"]);
    let pause_rec = ex.journal().iter().find(|r| matches!(&r.body, forewarn_exercise::journal::Body::Clock { op, .. } if op == "pause")).unwrap();
    assert_eq!(pause_rec.t_s, 5400);
    assert_eq!(
        pause_rec.wall_time,
        forewarn_exercise::time::wall_time(w0 + 90_000)
    );
    assert_eq!(pause_rec.scenario_time, "2026-05-12T07:30:00+05:00");
}

#[test]
fn each_team_sees_only_its_own_injects() {
    let f = fixture();
    let mut ex = Exercise::new(f.plan.clone(), f.hazards.clone(), opts(false)).unwrap();
    ex.step_until(3 * 3600);
    let tj = ex.pending_injects("tj-coes");
    let af = ex.pending_injects("af-andma");
    assert!(tj.iter().any(|i| i.inject == "i04") && !af.iter().any(|i| i.inject == "i04"));
    assert!(af.iter().any(|i| i.inject == "i05") && !tj.iter().any(|i| i.inject == "i05"));
    // Content in the team's language.
    let i04 = tj.iter().find(|i| i.inject == "i04").unwrap();
    assert!(i04.content.contains("Хорог"), "{}", i04.content);
    // The sender and the expected action too, where the plan translates them (from_i18n,
    // expected_action_i18n); an English-language team reads the plan's own words.
    assert_eq!(i04.from, "Аппарат председателя ГБАО");
    assert_eq!(
        i04.expected_action.as_deref(),
        Some("Оценить потребность в поисково-спасательных группах (USAR)")
    );
    let i05 = af.iter().find(|i| i.inject == "i05").unwrap();
    assert_eq!(i05.from, "ANDMA Badakhshan office");
    assert_eq!(
        i05.expected_action.as_deref(),
        Some("Assess damage and inform the public")
    );
    ex.apply(
        "tj-coes",
        Action::Acknowledge {
            inject: "i04".into(),
        },
    )
    .unwrap();
    assert!(
        !ex.pending_injects("tj-coes")
            .iter()
            .any(|i| i.inject == "i04")
    );
    assert!(
        ex.apply(
            "af-andma",
            Action::Acknowledge {
                inject: "i04".into()
            }
        )
        .is_err(),
        "not delivered to AF"
    );
    // The acknowledged inject stays in the team's inbox, marked.
    let all = ex.delivered_injects("tj-coes");
    assert!(
        all.iter()
            .any(|e| e.inject.inject == "i04" && e.acknowledged)
    );
    assert!(all.len() > ex.pending_injects("tj-coes").len());
}

#[test]
fn bots_never_act_for_human_teams() {
    let f = fixture();
    let mut o = opts(true);
    o.human_teams.insert("tj-coes".to_string());
    let mut ex = Exercise::new(f.plan.clone(), f.hazards.clone(), o).unwrap();
    ex.run_to_end();
    assert!(!ex.actions().iter().any(|a| a.team == "tj-coes"));
    assert!(
        ex.actions().iter().any(|a| a.team == "af-andma"),
        "other teams' bots still act"
    );
}

#[test]
fn exercise_traffic_is_never_actual() {
    let f = fixture();
    let mut ex = Exercise::new(f.plan.clone(), f.hazards.clone(), opts(true)).unwrap();
    ex.step_until(4 * 3600);
    // A player warning and an evaluator rating mid-run.
    ex.apply(
        "af-andma",
        Action::PublicWarning {
            hazard: "eq-sarez".into(),
            country: None,
        },
    )
    .unwrap();
    assert!(
        ex.apply(
            "tj-coes",
            Action::PublicWarning {
                hazard: "eq-sarez".into(),
                country: Some("AF".into())
            }
        )
        .is_err(),
        "no warnings for other countries"
    );
    ex.apply(
        "evaluators",
        Action::Rate {
            objective: "obj-eq-info".into(),
            rating: forewarn_exercise::Rating::S,
            note: Some("late".into()),
        },
    )
    .unwrap();
    assert!(
        ex.apply(
            "tj-coes",
            Action::Rate {
                objective: "obj-eq-info".into(),
                rating: forewarn_exercise::Rating::P,
                note: None
            }
        )
        .is_err(),
        "players cannot rate"
    );
    ex.run_to_end();
    assert!(ex.alerts().len() >= 5);
    for g in ex.alerts() {
        let (name, a) = (&g.file, &g.alert);
        assert_eq!(a.status, forewarn_cap::Status::Exercise, "{name}");
        assert!(a.xml.contains("<status>Exercise</status>"), "{name}");
        assert!(!a.xml.contains("<status>Actual</status>"), "{name}");
        let parsed = forewarn_cap::read_alert(&a.xml).unwrap();
        assert_eq!(parsed.status, forewarn_cap::Status::Exercise);
    }
    let journal = forewarn_exercise::output::journal_jsonl(&ex);
    assert!(!journal.contains("Actual"));
    assert!(journal.contains("\"cap_status\":\"Exercise\""));
    // Even a hazard template marked Actual comes out as Exercise.
    let mut h = f.hazards.get("eq-sarez").unwrap().clone();
    if let Some(w) = &mut h.warning {
        w.status = forewarn_cap::Status::Actual;
    }
    let cfg = forewarn_cap::WarningConfig::embedded().unwrap();
    let a = forewarn_exercise::cap_out::exercise_alert(
        &h,
        Some("TJ"),
        forewarn_cap::CapTime(f.plan.start),
        "x@y",
        vec!["en".into(), "ru".into()],
        &cfg,
    )
    .unwrap();
    assert_eq!(a.status, forewarn_cap::Status::Exercise);
    // The evaluator's rating is the final one; the computed one is kept.
    let m = forewarn_exercise::metrics::evaluate(&ex);
    let o = m.objectives.iter().find(|o| o.id == "obj-eq-info").unwrap();
    assert_eq!(o.rating, forewarn_exercise::Rating::S);
    assert_eq!(o.evaluator.as_ref().unwrap().team, "evaluators");
    // Outputs: the AAR is self-contained.
    let dir = tempfile::tempdir().unwrap();
    let (_, files) = forewarn_exercise::output::write_outputs(&ex, &f.region, dir.path()).unwrap();
    assert!(files.iter().any(|x| x.starts_with("cap/")));
    let html = std::fs::read_to_string(dir.path().join("aar.html")).unwrap();
    assert!(
        html.contains("<svg") && html.contains("Improvement plan") && html.contains("EXERCISE")
    );
    assert!(
        !html.contains("http://")
            || html.matches("http://").count()
                == html.matches("http://www.w3.org/2000/svg").count(),
        "no external resources"
    );
    assert!(!html.contains("<script") && !html.contains("https://"));
    // Formatted for people: no "-0", counts grouped by thousands, shares in percent, and the
    // map's labels do not cover each other.
    assert!(
        !html.contains(">-0<") && !html.contains(" -0 "),
        "a negative zero"
    );
    assert!(
        !(0..10).any(|d| html.contains(&format!("{d} share"))),
        "shares are written in percent"
    );
    let cells: Vec<&str> = html
        .split("<td class=\"num\">")
        .skip(1)
        .map(|c| c.split('<').next().unwrap())
        .collect();
    assert!(!cells.is_empty());
    for c in &cells {
        let digits: String = c.chars().filter(|ch| ch.is_ascii_digit()).collect();
        assert!(
            digits.len() < 4 || c.contains(','),
            "{c}: thousands grouped"
        );
    }
    let map = html.split("Map of impacts and actions").nth(1).unwrap();
    let map = &map[..map.find("</svg>").unwrap()];
    let mut boxes: Vec<(f64, f64, f64, f64, String)> = Vec::new();
    for t in map.split("<text ").skip(1) {
        let attr = |name: &str| -> f64 {
            t.split(&format!("{name}=\""))
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        let (x, y) = (attr("x"), attr("y"));
        let text = t
            .split('>')
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string();
        let size = if t.contains("font-size=\"16\"") {
            16.0
        } else {
            11.0
        };
        let w = text.chars().count() as f64 * size * 0.6;
        boxes.push((x, y - size, x + w, y, text));
    }
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            let apart = a.2 <= b.0 || b.2 <= a.0 || a.3 <= b.1 || b.3 <= a.1;
            assert!(apart, "map labels overlap: {} and {}", a.4, b.4);
        }
    }
}

#[test]
fn seventy_two_hours_with_500_injects_runs_within_ten_seconds() {
    let mut text = std::fs::read_to_string(scenarios().join("exercise-pamir.toml")).unwrap();
    let existing = text.matches("[[inject]]").count();
    let teams = [
        "tj-coes",
        "af-andma",
        "uz-mchs",
        "kg-mchs",
        "cn-mem",
        "ru-emercom",
        "kz-mchs",
    ];
    for k in 0..(500 - existing) {
        let minutes = 5 + k * (72 * 60 - 10) / (500 - existing);
        let team = teams[k % teams.len()];
        text.push_str(&format!(
            "\n[[inject]]\nid = \"b{k:03}\"\nat = \"T+{minutes}m\"\nfrom = \"Bench cell\"\nto = [\"{team}\"]\nchannel = \"message\"\nexpected_action = \"Acknowledge\"\ncontent.en = \"Bench inject {k}\"\ncontent.ru = \"Тестовый ввод {k}\"\n"
        ));
    }
    let t0 = std::time::Instant::now();
    let plan = forewarn_exercise::parse(&text, "bench.toml", &scenarios()).unwrap();
    assert_eq!(plan.def.injects.len(), 500);
    assert_eq!(plan.duration_s, 72 * 3600);
    let region = forewarn_embedded::region().unwrap();
    let exposure = forewarn_exposure::Exposure::proxy(&region);
    let hazards = HazardSet::compute(&plan, &region, &exposure, 7).unwrap();
    let mut ex = Exercise::new(Arc::new(plan), Arc::new(hazards), opts(true)).unwrap();
    ex.run_to_end();
    let dir = tempfile::tempdir().unwrap();
    forewarn_exercise::output::write_outputs(&ex, &region, dir.path()).unwrap();
    let wall_s = t0.elapsed().as_secs_f64();
    println!(
        "BENCH 72 h scenario, 500 injects, bots, all outputs: {wall_s:.2} s ({} journal records)",
        ex.journal().len()
    );
    assert!(ex.journal().len() > 1000);
    assert!(wall_s <= 10.0, "{wall_s:.2} s");
}

/// The director's list: every inject of the plan once, its trigger as planned, fired injects
/// with their time and acknowledging teams, contingency injects held.
#[test]
fn the_msel_follows_the_run() {
    use forewarn_exercise::exercise::{MselState, MselTrigger};
    let f = fixture();
    let fresh = Exercise::new(f.plan.clone(), f.hazards.clone(), opts(true)).unwrap();
    let before = fresh.msel();
    assert_eq!(before.len(), f.plan.def.injects.len());
    assert!(before.iter().all(|e| e.fired_s.is_none()));
    let find = |list: &[forewarn_exercise::exercise::MselEntry], id: &str| {
        list.iter().find(|e| e.inject == id).cloned().unwrap()
    };
    assert_eq!(find(&before, "x01").state, MselState::Held);
    assert_eq!(find(&before, "x01").trigger, MselTrigger::Contingency);
    assert!(matches!(
        find(&before, "c06").trigger,
        MselTrigger::AfterInject { ref inject, .. } if inject == "c05"
    ));
    assert_eq!(find(&before, "c06").state, MselState::Waiting);
    assert!(matches!(
        find(&before, "c07").trigger,
        MselTrigger::NoActionBy { by_s, .. } if by_s == 30 * 3600
            + f.hazards.get("eq-sarez").map_or(0, |h| h.onset_s)
    ));
    let timed = before
        .iter()
        .find(|e| matches!(e.trigger, MselTrigger::At { .. }))
        .unwrap();
    assert_eq!(timed.state, MselState::Due);

    let mut ended = Exercise::new(f.plan.clone(), f.hazards.clone(), opts(true)).unwrap();
    ended.run_to_end();
    let after = ended.msel();
    let fired: Vec<_> = after
        .iter()
        .filter(|e| e.state == MselState::Fired)
        .collect();
    assert!(!fired.is_empty());
    for e in &fired {
        assert_eq!(e.fired_s, ended.inject_fired_at(&e.inject));
        assert!(e.acknowledged_by.iter().all(|t| e.to.contains(t)));
    }
    // Bots acknowledge what expects an action.
    assert!(
        fired
            .iter()
            .any(|e| e.expected_action.is_some() && !e.acknowledged_by.is_empty())
    );
    assert_eq!(find(&after, "x01").state, MselState::Held, "never released");
}
