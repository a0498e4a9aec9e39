//! The texts of a generated alert are fit to publish as they stand in every language
//! (issue 14 item 4; docs/cap-language.md): the place and the areas in the message's
//! language, numbers rounded and written the language's way, no model death toll, Urdu with
//! its Latin runs isolated, the status word and the sender's name in the language.

mod common;

use common::{cfg, flood, kashmir, muzaffarabad};
use forewarn_cap::{AlertLevel, Info, LocalName, Place, Status, Zone, generate};

fn info<'a>(infos: &'a [Info], lang: &str) -> &'a Info {
    infos.iter().find(|i| i.language == lang).unwrap()
}

/// Every free text of an info block: headline, description, instruction, area descriptions.
fn texts(i: &Info) -> Vec<String> {
    let mut v = vec![
        i.headline.clone().unwrap(),
        i.description.clone().unwrap(),
        i.instruction.clone().unwrap(),
    ];
    v.extend(i.areas.iter().map(|a| a.area_desc.clone()));
    v
}

/// A quake warning whose areas are the MMI VI zone (as the engine makes them).
fn kashmir_mmi(status: Status) -> forewarn_cap::ImpactWarning {
    let mut w = kashmir(status);
    for a in &mut w.areas {
        a.zone = Zone::MmiAtLeast(6);
    }
    w
}

#[test]
fn place_and_areas_are_written_in_each_language() {
    let a = generate(&kashmir_mmi(Status::Actual), &cfg()).unwrap();
    let want = [
        (
            "en",
            "near Muzaffarabad, Pakistan",
            "Pakistan: shaking intensity MMI VI or more",
        ),
        (
            "ru",
            "вблизи г. Музаффарабад (Пакистан)",
            "Пакистан: зона сотрясений 6 баллов и более по шкале MMI",
        ),
        (
            "zh",
            "巴基斯坦穆扎法拉巴德附近",
            "巴基斯坦：烈度6度及以上区域（修订麦加利烈度）",
        ),
        (
            "ur",
            "\u{2068}مظفرآباد\u{2069} (پاکستان) کے قریب",
            "پاکستان: مرکلی پیمانے (MMI) پر 6 یا زیادہ شدت کے جھٹکوں والا علاقہ",
        ),
    ];
    for (lang, place, area) in want {
        let i = info(&a.infos, lang);
        let h = i.headline.as_deref().unwrap();
        assert!(h.contains(place), "{lang}: {h}");
        assert_eq!(i.areas[0].area_desc, area, "{lang}");
        if lang != "en" {
            for t in texts(i) {
                for english in ["km from", " near ", "or more", "Pakistan", "Muzaffarabad"] {
                    assert!(!t.contains(english), "{lang}: '{english}' in {t}");
                }
            }
        }
    }
}

#[test]
fn far_from_a_settlement_the_distance_is_given_and_0_km_never() {
    let mut w = kashmir_mmi(Status::Actual);
    w.place = muzaffarabad(35.4);
    let a = generate(&w, &cfg()).unwrap();
    for (lang, want) in [
        ("en", "35 km from Muzaffarabad, Pakistan"),
        ("ru", "в 35 км от г. Музаффарабад (Пакистан)"),
        ("zh", "距巴基斯坦穆扎法拉巴德35千米处"),
        ("ur", "\u{2068}مظفرآباد\u{2069} (پاکستان) سے 35 کلومیٹر دور"),
    ] {
        let d = info(&a.infos, lang).description.clone().unwrap();
        assert!(d.contains(want), "{lang}: {d}");
    }
    w.place = muzaffarabad(0.2);
    let a = generate(&w, &cfg()).unwrap();
    for i in &a.infos {
        for t in texts(i) {
            assert!(
                !t.contains("0 km") && !t.contains("0 км"),
                "{}: {t}",
                i.language
            );
        }
    }
}

#[test]
fn numbers_are_rounded_and_written_the_language_s_way() {
    let a = generate(&kashmir_mmi(Status::Actual), &cfg()).unwrap();
    // 3,200,000 people exposed, magnitude 7.6.
    for (lang, people, magnitude) in [
        ("en", "About 3.2 million people", "magnitude 7.6"),
        ("ru", "около 3,2 млн человек", "магнитудой 7,6"),
        ("zh", "约320万人", "7.6级地震"),
        ("ur", "تقریباً 32 لاکھ افراد", "7.6 شدت"),
    ] {
        let d = info(&a.infos, lang).description.clone().unwrap();
        assert!(d.contains(people), "{lang}: {d}");
        assert!(d.contains(magnitude), "{lang}: {d}");
        assert!(!d.contains("3200000"), "{lang}: {d}");
    }
    // The exact figures stay in the parameters for machines.
    let en = info(&a.infos, "en");
    let param = |n: &str| {
        en.parameters
            .iter()
            .find(|p| p.value_name == n)
            .map(|p| p.value.clone())
    };
    assert_eq!(param("peopleExposed").as_deref(), Some("3200000"));
    assert_eq!(param("medianDeaths").as_deref(), Some("24000"));
}

#[test]
fn public_texts_carry_no_model_death_toll() {
    for level in [AlertLevel::Yellow, AlertLevel::Orange, AlertLevel::Red] {
        let a = generate(&common::quake_at(level, 0.7, 24_321.0), &cfg()).unwrap();
        for i in &a.infos {
            for t in texts(i) {
                for n in ["24321", "24 321", "24,321", "2.4万", "24 ہزار", "24 тыс"] {
                    assert!(!t.contains(n), "{} {level:?}: {t}", i.language);
                }
                for word in ["median", "медиан", "中位", "وسطانیہ"] {
                    assert!(!t.contains(word), "{} {level:?}: {t}", i.language);
                }
            }
        }
    }
}

#[test]
fn urdu_isolates_latin_names_and_times() {
    let mut w = kashmir_mmi(Status::Actual);
    // A place nobody has named in Urdu yet: its Latin name is isolated.
    w.place = Place::Settlement {
        name: LocalName::same("Balakot"),
        country_iso2: "PK".into(),
        distance_km: 12.0,
        town: true,
    };
    let a = generate(&w, &cfg()).unwrap();
    let ur = info(&a.infos, "ur");
    let d = ur.description.clone().unwrap();
    assert!(
        d.contains("\u{2068}\u{2068}Balakot\u{2069} (پاکستان) سے 12 کلومیٹر دور\u{2069}"),
        "{d}"
    );
    assert!(d.contains("\u{2068}2005-10-08 03:50 UTC\u{2069}"), "{d}");
    // Every isolate is closed.
    for t in texts(ur) {
        assert_eq!(
            t.matches('\u{2068}').count(),
            t.matches('\u{2069}').count(),
            "{t}"
        );
        // A field starts with Urdu, never with a Latin run (which would lay it out LTR).
        let first = t.chars().find(|c| c.is_alphabetic()).unwrap();
        assert!(!first.is_ascii_alphabetic(), "{t}");
    }
    assert_eq!(
        ur.sender_name.as_deref(),
        Some("اثرات کا تخمینہ (Forewarn)")
    );
}

#[test]
fn status_word_and_sender_name_follow_the_language() {
    let a = generate(&kashmir_mmi(Status::Exercise), &cfg()).unwrap();
    let zh = info(&a.infos, "zh");
    assert!(
        zh.headline
            .as_deref()
            .unwrap()
            .starts_with("【演练】地震影响"),
        "{:?}",
        zh.headline
    );
    assert_eq!(zh.sender_name.as_deref(), Some("Forewarn灾害影响评估"));
    let ru = info(&a.infos, "ru");
    assert!(ru.headline.as_deref().unwrap().starts_with("УЧЕНИЕ: "));
    assert_eq!(
        ru.sender_name.as_deref(),
        Some("Forewarn: расчётная оценка последствий")
    );
    let en = info(&a.infos, "en");
    assert!(en.headline.as_deref().unwrap().starts_with("EXERCISE: "));
}

#[test]
fn flood_valley_and_places_in_each_language() {
    let mut w = flood(AlertLevel::Red);
    w.languages = vec!["en".into(), "ru".into(), "zh".into(), "ur".into()];
    w.areas[0].zone = Zone::FloodArrival {
        from_h: 3.0,
        to_h: Some(6.0),
    };
    let a = generate(&w, &cfg()).unwrap();
    for (lang, place, area) in [
        (
            "en",
            "in the valley of Sukkur, Pakistan",
            "Pakistan: water expected 3 to 6 h after the breach (Sukkur)",
        ),
        (
            "ru",
            "в долине у г. Sukkur (Пакистан)",
            "Пакистан: вода ожидается через 3–6 ч после прорыва (Sukkur)",
        ),
        (
            "zh",
            "巴基斯坦Sukkur一带河谷",
            "巴基斯坦：溃决后3至6小时洪水到达（Sukkur）",
        ),
        (
            "ur",
            "\u{2068}Sukkur\u{2069} (پاکستان) کی وادی میں",
            "پاکستان: بند ٹوٹنے کے 3 سے 6 گھنٹے بعد پانی پہنچنے کا امکان (\u{2068}Sukkur\u{2069})",
        ),
    ] {
        let i = info(&a.infos, lang);
        let h = i.headline.as_deref().unwrap();
        assert!(h.contains(place), "{lang}: {h}");
        assert_eq!(i.areas[0].area_desc, area, "{lang}");
    }
}
