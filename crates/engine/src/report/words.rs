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
    /// Writing direction of the page (`ltr`, `rtl`).
    pub dir: &'static str,
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
    /// The exposure table's column for the countries beyond its first few.
    pub other_countries: &'static str,
    /// Between the items of a list ("China, Pakistan"), and after a label ("Other countries: ").
    pub list_separator: &'static str,
    pub colon: &'static str,
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
    pub earthquake_source: &'static str,
    pub intensity_method: &'static str,
    /// After a point source's MMI range: "depending on the fault's direction".
    pub by_strike: &'static str,
    /// Above a point source's exposure table: what its people per intensity are.
    pub exposure_over_strikes: &'static str,
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
    dir: "ltr",
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
        other_countries: "Other countries",
        list_separator: ", ",
        colon: ": ",
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
        earthquake_source: "Earthquake source",
        intensity_method: "Intensity (MMI)",
        by_strike: "depending on the fault's direction",
        exposure_over_strikes: "The fault's direction is not known yet: the people at each intensity are the average over every possible direction, so they include the strongest shaking along the fault wherever it runs. The map shows the average shaking, which is weaker near the epicentre than the shaking along any one fault.",
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
    dir: "ltr",
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
        other_countries: "Другие страны",
        list_separator: ", ",
        colon: ": ",
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
        earthquake_source: "Очаг землетрясения",
        intensity_method: "Интенсивность (MMI)",
        by_strike: "в зависимости от направления разлома",
        exposure_over_strikes: "Направление разлома пока неизвестно: число людей при каждой интенсивности усреднено по всем возможным направлениям и учитывает самые сильные сотрясения вдоль разлома, куда бы он ни шёл. Карта показывает усреднённые сотрясения, которые у эпицентра слабее, чем вдоль любого одного разлома.",
        models: "Модели сейсмических воздействий",
        loss_method: "Потери",
        produced_by: "Подготовлено",
        people_mmi5: "Население при MMI V и выше",
        people_mmi7: "Население при MMI VII и выше",
        most_likely: "Наиболее вероятный диапазон",
        none: "нет",
    },
};

// Chinese: intensity in 烈度 with the scale named (修订麦加利烈度), magnitude in 震级, the
// alert colours and units as the language review's glossary gives them
// (../shared/docs/cap-language-review.md §2.2 and §6; docs/cap-language.md). Not yet
// confirmed by a native reviewer.
const ZH: Words = Words {
    lang: "zh",
    dir: "ltr",
    shaking: [
        "无感",
        "微弱",
        "微弱",
        "轻微",
        "中等",
        "强烈",
        "很强烈",
        "严重",
        "猛烈",
        "极端",
    ],
    damage_resistant: [
        "无",
        "无",
        "无",
        "无",
        "极轻微",
        "轻微",
        "中等",
        "中等至严重",
        "严重",
        "非常严重",
    ],
    damage_vulnerable: [
        "无",
        "无",
        "无",
        "无",
        "轻微",
        "中等",
        "中等至严重",
        "严重",
        "非常严重",
        "非常严重",
    ],
    levels: ["绿色", "黄色", "橙色", "红色"],
    labels: Labels {
        title: "地震影响评估",
        alert: "预警级别",
        magnitude: "震级",
        depth_km: "震源深度（千米）",
        epicentre: "震中",
        max_mmi: "最高烈度",
        fatalities: "预估死亡人数",
        losses: "预估经济损失",
        band_probability: "各区间的概率",
        deaths_unit: "人",
        usd_millions_unit: "百万美元",
        exposure: "各烈度下的暴露人口（修订麦加利烈度）",
        mmi: "烈度",
        shaking: "震感",
        damage_resistant: "抗震建筑破坏",
        damage_vulnerable: "易损建筑破坏",
        total: "合计",
        other_countries: "其他国家",
        list_separator: "、",
        colon: "：",
        settlements: "受影响最严重的居民点",
        settlement: "居民点",
        country: "国家",
        population: "人口",
        map: "地图",
        map_caption: "中位烈度（修订麦加利烈度）、国界、受影响的主要居民点和震中（星号）。",
        changes: "与上次计算相比的变化",
        first_run: "此事件没有可供比较的早先计算。",
        compared_with: "对比对象",
        item: "项目",
        before: "之前",
        now: "现在",
        unchanged: "无变化",
        moved_km: "震中移动距离（千米）",
        caveats: "本评估的依据",
        exposure_source: "人口",
        vs30_source: "场地条件（Vs30）",
        earthquake_source: "震源",
        intensity_method: "烈度（MMI）换算",
        by_strike: "视断层走向而定",
        exposure_over_strikes: "断层走向尚不清楚：各烈度下的人数是所有可能走向的平均值，因此无论断层朝哪个方向延伸，都已计入沿断层最强烈的震动。地图显示的是平均震动，在震中附近弱于任何一条具体断层沿线的震动。",
        models: "地震动模型",
        loss_method: "损失",
        produced_by: "生成系统",
        people_mmi5: "烈度Ⅴ度及以上人口",
        people_mmi7: "烈度Ⅶ度及以上人口",
        most_likely: "最可能的区间",
        none: "无",
    },
};

// Urdu: magnitude شدت, intensity "جھٹکوں کی شدت" on the Mercalli scale (MMI) with Arabic
// digits, the alert colours of the CAP templates (../shared/docs/cap-language-review.md §3.3
// and §6; docs/cap-language.md). Right to left. Not yet confirmed by a native reviewer.
const UR: Words = Words {
    lang: "ur",
    dir: "rtl",
    shaking: [
        "محسوس نہیں ہوتے",
        "کمزور",
        "کمزور",
        "ہلکے",
        "درمیانے",
        "تیز",
        "بہت تیز",
        "شدید",
        "بہت شدید",
        "انتہائی شدید",
    ],
    damage_resistant: [
        "کوئی نہیں",
        "کوئی نہیں",
        "کوئی نہیں",
        "کوئی نہیں",
        "بہت معمولی",
        "معمولی",
        "درمیانہ",
        "درمیانہ سے بھاری",
        "بھاری",
        "بہت بھاری",
    ],
    damage_vulnerable: [
        "کوئی نہیں",
        "کوئی نہیں",
        "کوئی نہیں",
        "کوئی نہیں",
        "معمولی",
        "درمیانہ",
        "درمیانہ سے بھاری",
        "بھاری",
        "بہت بھاری",
        "بہت بھاری",
    ],
    levels: ["سبز", "زرد", "نارنجی", "سرخ"],
    labels: Labels {
        title: "زلزلے کے اثرات کا تخمینہ",
        alert: "انتباہ کی سطح",
        magnitude: "شدت",
        depth_km: "گہرائی، کلومیٹر",
        epicentre: "مرکز",
        max_mmi: "جھٹکوں کی زیادہ سے زیادہ شدت",
        fatalities: "اموات کا تخمینہ",
        losses: "معاشی نقصان کا تخمینہ",
        band_probability: "ہر حد کا امکان",
        deaths_unit: "اموات",
        usd_millions_unit: "ملین امریکی ڈالر",
        exposure: "جھٹکوں کی شدت (مرکلی پیمانہ، MMI) کے لحاظ سے آبادی",
        mmi: "MMI",
        shaking: "محسوس ہونے والے جھٹکے",
        damage_resistant: "نقصان، مضبوط عمارتیں",
        damage_vulnerable: "نقصان، کمزور عمارتیں",
        total: "کل",
        other_countries: "دیگر ممالک",
        list_separator: "، ",
        colon: ": ",
        settlements: "سب سے زیادہ متاثرہ بستیاں",
        settlement: "بستی",
        country: "ملک",
        population: "آبادی",
        map: "نقشہ",
        map_caption: "جھٹکوں کی اوسط شدت (MMI)، ملکی سرحدیں، سب سے بڑی متاثرہ بستیاں اور مرکز (ستارہ)۔",
        changes: "پچھلے حساب کے بعد کیا بدلا",
        first_run: "اس واقعے کا کوئی پچھلا حساب موازنے کے لیے موجود نہیں۔",
        compared_with: "موازنہ",
        item: "مد",
        before: "پہلے",
        now: "اب",
        unchanged: "کوئی تبدیلی نہیں",
        moved_km: "مرکز کا فاصلۂ تبدیلی، کلومیٹر",
        caveats: "یہ تخمینہ کیسے لگایا گیا",
        exposure_source: "آبادی",
        vs30_source: "زمینی حالات (Vs30)",
        earthquake_source: "زلزلے کا منبع",
        intensity_method: "جھٹکوں کی شدت (MMI)",
        by_strike: "فالٹ کی سمت کے لحاظ سے",
        exposure_over_strikes: "فالٹ کی سمت ابھی معلوم نہیں: ہر شدت پر لوگوں کی تعداد تمام ممکنہ سمتوں کی اوسط ہے، اس لیے فالٹ جس سمت بھی جائے، اس کے ساتھ سب سے شدید جھٹکے شامل ہیں۔ نقشہ اوسط جھٹکے دکھاتا ہے، جو مرکز کے قریب کسی ایک فالٹ کے ساتھ والے جھٹکوں سے کمزور ہیں۔",
        models: "زمینی حرکت کے ماڈل",
        loss_method: "نقصانات",
        produced_by: "تیار کردہ",
        people_mmi5: "مرکلی پیمانے (MMI) پر 5 یا زیادہ شدت میں آبادی",
        people_mmi7: "مرکلی پیمانے (MMI) پر 7 یا زیادہ شدت میں آبادی",
        most_likely: "سب سے زیادہ ممکنہ حد",
        none: "کوئی نہیں",
    },
};

/// The languages the page is written in (the web UI's languages).
pub const LANGUAGES: [&str; 4] = ["en", "ru", "zh", "ur"];

/// The words of `lang` (a primary language subtag); English for any other language.
pub fn words(lang: &str) -> &'static Words {
    match lang.split(['-', '_']).next().unwrap_or("") {
        "ru" => &RU,
        "zh" => &ZH,
        "ur" => &UR,
        _ => &EN,
    }
}

/// An epicentre's coordinates as the language writes them ("34.49° N, 73.63° E",
/// "北纬34.49°，东经73.63°").
pub fn coordinates(lat: f64, lon: f64, lang: &str) -> String {
    let (la, lo) = (lat.abs(), lon.abs());
    let (n, e) = (lat >= 0.0, lon >= 0.0);
    match lang {
        "ru" => format!(
            "{la:.2}° {}, {lo:.2}° {}",
            if n { "с. ш." } else { "ю. ш." },
            if e { "в. д." } else { "з. д." }
        ),
        "zh" => format!(
            "{}{la:.2}°，{}{lo:.2}°",
            if n { "北纬" } else { "南纬" },
            if e { "东经" } else { "西经" }
        ),
        _ => format!(
            "{la:.2}° {}, {lo:.2}° {}",
            if n { "N" } else { "S" },
            if e { "E" } else { "W" }
        ),
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
