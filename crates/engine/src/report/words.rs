//! The words of the incident page, in one place: the intensity scale's perceived shaking and
//! potential damage, the alert colours, and the page's labels in each language.
//!
//! Perceived shaking and potential damage per MMI follow the USGS ShakeMap / PAGER intensity
//! scale (Worden, Gerstenberger, Rhoades & Wald 2012, BSSA 102(1):204-221, Table 1 as printed
//! in the ShakeMap manual's legend; the same rows as PAGER's onePAGER exposure table): for
//! resistant and vulnerable structures. The alert colours of the bands follow
//! `forewarn_impact::AlertLevel::for_deaths` / `for_loss_usd` (PAGER's thresholds), so the
//! colour of a band is the alert its lower edge would give.

use forewarn_impact::AlertLevel;

/// Roman numerals of MMI I..X.
pub const ROMAN: [&str; 10] = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"];

/// One language's words.
pub struct Words {
    pub lang: &'static str,
    /// Perceived shaking, MMI I..X.
    pub shaking: [&'static str; 10],
    /// Potential damage to resistant structures, MMI I..X.
    pub damage_resistant: [&'static str; 10],
    /// Potential damage to vulnerable structures, MMI I..X.
    pub damage_vulnerable: [&'static str; 10],
    /// green, yellow, orange, red.
    pub levels: [&'static str; 4],
    pub labels: Labels,
}

/// Headings and labels of the page.
pub struct Labels {
    pub title: &'static str,
    pub alert: &'static str,
    pub magnitude: &'static str,
    pub depth_km: &'static str,
    pub epicentre: &'static str,
    pub max_mmi: &'static str,
    pub fatalities: &'static str,
    pub losses: &'static str,
    pub band_probability: &'static str,
    pub deaths_unit: &'static str,
    pub usd_millions_unit: &'static str,
    pub exposure: &'static str,
    pub mmi: &'static str,
    pub shaking: &'static str,
    pub damage_resistant: &'static str,
    pub damage_vulnerable: &'static str,
    pub total: &'static str,
    pub settlements: &'static str,
    pub settlement: &'static str,
    pub country: &'static str,
    pub population: &'static str,
    pub map: &'static str,
    pub map_caption: &'static str,
    pub changes: &'static str,
    pub first_run: &'static str,
    pub compared_with: &'static str,
    pub item: &'static str,
    pub before: &'static str,
    pub now: &'static str,
    pub unchanged: &'static str,
    pub moved_km: &'static str,
    pub caveats: &'static str,
    pub exposure_source: &'static str,
    pub vs30_source: &'static str,
    pub models: &'static str,
    pub loss_method: &'static str,
    pub produced_by: &'static str,
    pub people_mmi5: &'static str,
    pub people_mmi7: &'static str,
    pub most_likely: &'static str,
    pub none: &'static str,
}

const EN: Words = Words {
    lang: "en",
    shaking: [
        "Not felt",
        "Weak",
        "Weak",
        "Light",
        "Moderate",
        "Strong",
        "Very strong",
        "Severe",
        "Violent",
        "Extreme",
    ],
    damage_resistant: [
        "None",
        "None",
        "None",
        "None",
        "Very light",
        "Light",
        "Moderate",
        "Moderate/heavy",
        "Heavy",
        "Very heavy",
    ],
    damage_vulnerable: [
        "None",
        "None",
        "None",
        "None",
        "Light",
        "Moderate",
        "Moderate/heavy",
        "Heavy",
        "Very heavy",
        "Very heavy",
    ],
    levels: ["Green", "Yellow", "Orange", "Red"],
    labels: Labels {
        title: "Earthquake impact estimate",
        alert: "Alert",
        magnitude: "Magnitude",
        depth_km: "Depth, km",
        epicentre: "Epicentre",
        max_mmi: "Highest intensity",
        fatalities: "Estimated fatalities",
        losses: "Estimated economic losses",
        band_probability: "Probability of each range",
        deaths_unit: "deaths",
        usd_millions_unit: "US$ million",
        exposure: "People exposed by shaking intensity",
        mmi: "MMI",
        shaking: "Perceived shaking",
        damage_resistant: "Damage, resistant buildings",
        damage_vulnerable: "Damage, vulnerable buildings",
        total: "Total",
        settlements: "Most affected settlements",
        settlement: "Settlement",
        country: "Country",
        population: "Population",
        map: "Map",
        map_caption: "Median shaking (MMI), country borders, largest affected settlements and the epicentre (star).",
        changes: "What changed since the previous run",
        first_run: "No earlier run of this event to compare with.",
        compared_with: "Compared with",
        item: "Item",
        before: "Before",
        now: "Now",
        unchanged: "unchanged",
        moved_km: "Epicentre moved, km",
        caveats: "How this estimate was made",
        exposure_source: "Population",
        vs30_source: "Site conditions (Vs30)",
        models: "Ground-motion models",
        loss_method: "Losses",
        produced_by: "Produced by",
        people_mmi5: "People at MMI V or more",
        people_mmi7: "People at MMI VII or more",
        most_likely: "Most likely range",
        none: "none",
    },
};

const RU: Words = Words {
    lang: "ru",
    shaking: [
        "Не ощущается",
        "Слабые",
        "Слабые",
        "Лёгкие",
        "Умеренные",
        "Сильные",
        "Очень сильные",
        "Разрушительные",
        "Опустошительные",
        "Уничтожающие",
    ],
    damage_resistant: [
        "Нет",
        "Нет",
        "Нет",
        "Нет",
        "Очень лёгкие",
        "Лёгкие",
        "Умеренные",
        "Умеренные/тяжёлые",
        "Тяжёлые",
        "Очень тяжёлые",
    ],
    damage_vulnerable: [
        "Нет",
        "Нет",
        "Нет",
        "Нет",
        "Лёгкие",
        "Умеренные",
        "Умеренные/тяжёлые",
        "Тяжёлые",
        "Очень тяжёлые",
        "Очень тяжёлые",
    ],
    levels: ["Зелёный", "Жёлтый", "Оранжевый", "Красный"],
    labels: Labels {
        title: "Оценка последствий землетрясения",
        alert: "Уровень",
        magnitude: "Магнитуда",
        depth_km: "Глубина, км",
        epicentre: "Эпицентр",
        max_mmi: "Наибольшая интенсивность",
        fatalities: "Оценка числа погибших",
        losses: "Оценка экономического ущерба",
        band_probability: "Вероятность каждого диапазона",
        deaths_unit: "погибших",
        usd_millions_unit: "млн долл. США",
        exposure: "Население по интенсивности сотрясений",
        mmi: "MMI",
        shaking: "Ощущаемые сотрясения",
        damage_resistant: "Повреждения, устойчивые здания",
        damage_vulnerable: "Повреждения, уязвимые здания",
        total: "Всего",
        settlements: "Наиболее пострадавшие населённые пункты",
        settlement: "Населённый пункт",
        country: "Страна",
        population: "Население",
        map: "Карта",
        map_caption: "Медианная интенсивность (MMI), границы стран, крупнейшие затронутые населённые пункты и эпицентр (звезда).",
        changes: "Что изменилось с предыдущего расчёта",
        first_run: "Более раннего расчёта этого события для сравнения нет.",
        compared_with: "Сравнение с",
        item: "Показатель",
        before: "Было",
        now: "Стало",
        unchanged: "без изменений",
        moved_km: "Смещение эпицентра, км",
        caveats: "Как получена эта оценка",
        exposure_source: "Население",
        vs30_source: "Грунтовые условия (Vs30)",
        models: "Модели сейсмических воздействий",
        loss_method: "Потери",
        produced_by: "Подготовлено",
        people_mmi5: "Население при MMI V и выше",
        people_mmi7: "Население при MMI VII и выше",
        most_likely: "Наиболее вероятный диапазон",
        none: "нет",
    },
};

/// The languages the page is written in (the web UI's languages).
pub const LANGUAGES: [&str; 2] = ["en", "ru"];

/// The words of `lang` (a primary language subtag); English for any other language.
pub fn words(lang: &str) -> &'static Words {
    match lang.split(['-', '_']).next().unwrap_or("") {
        "ru" => &RU,
        _ => &EN,
    }
}

/// Index 0..4 of an alert level (green..red).
pub fn level_index(l: AlertLevel) -> usize {
    match l {
        AlertLevel::Green => 0,
        AlertLevel::Yellow => 1,
        AlertLevel::Orange => 2,
        AlertLevel::Red => 3,
    }
}

/// The alert level named `s` (`green`..`red`).
pub fn level_from_str(s: &str) -> Option<AlertLevel> {
    match s {
        "green" => Some(AlertLevel::Green),
        "yellow" => Some(AlertLevel::Yellow),
        "orange" => Some(AlertLevel::Orange),
        "red" => Some(AlertLevel::Red),
        _ => None,
    }
}

/// The words for MMI value `mmi` (rounded to the nearest level, clamped to I..X).
pub fn mmi_index(mmi: f64) -> usize {
    (mmi.round().clamp(1.0, 10.0) as usize) - 1
}
