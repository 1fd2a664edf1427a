//! Charts as inline SVG: a small bar chart of contacts per week for the overview, a trend
//! line with its target for the fidelity page, bars of a value per month for the cost page, and pairs of before/after bars for outcomes. No JavaScript, no images to fetch; each chart
//! has `role="img"`, a `<title>` and an `aria-label` that says in words what it shows, so a
//! screen reader gets the numbers and the page prints as it looks.

use std::fmt::Write as _;

use uppsok_model::fidelity::{Lang, WeekCounts};

use super::html::esc;
#[cfg(test)]
use super::i18n::num;
use super::i18n::tr;

/// The scale the overview's rows share, so a tall bar means the same number on every row: the
/// most contacts any client had in one week (at least 4).
pub fn shared_scale<'a>(rows: impl IntoIterator<Item = &'a [WeekCounts]>) -> u32 {
    rows.into_iter()
        .flat_map(|w| w.iter().map(|w| w.reached))
        .max()
        .unwrap_or(0)
        .max(4)
}

/// Bars of reached contacts per rolling week (oldest first) on a scale of `scale` contacts,
/// with failed attempts below the baseline (one step per attempt, up to three) so they are
/// visibly apart from contacts.
pub fn weekly_bars(lang: Lang, weeks: &[WeekCounts], scale: u32) -> String {
    const BAR: usize = 7;
    const GAP: usize = 2;
    const H: f64 = 28.0;
    let width = weeks.len() * (BAR + GAP) + GAP;
    let max = f64::from(scale.max(1));
    let reached: Vec<String> = weeks.iter().map(|w| w.reached.to_string()).collect();
    let tries: Vec<String> = weeks.iter().map(|w| w.attempts.to_string()).collect();
    let label = match lang {
        Lang::Sv => format!(
            "Kontakter per vecka, äldst först: {}. Misslyckade försök per vecka: {}. Skala {scale}.",
            reached.join(", "),
            tries.join(", ")
        ),
        Lang::En => format!(
            "Contacts per week, oldest first: {}. Failed attempts per week: {}. Scale {scale}.",
            reached.join(", "),
            tries.join(", ")
        ),
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg role=\"img\" aria-label=\"{l}\" width=\"{width}\" height=\"38\" viewBox=\"0 0 {width} 38\">\
         <title>{l}</title><line x1=\"0\" y1=\"29\" x2=\"{width}\" y2=\"29\" stroke=\"#767676\"/>",
        l = esc(&label)
    );
    for (i, w) in weeks.iter().enumerate() {
        let x = GAP + i * (BAR + GAP);
        let h = (f64::from(w.reached) / max * H).max(if w.reached > 0 { 2.0 } else { 0.0 });
        let f2f = f64::from(w.face_to_face) / max * H;
        if h > 0.0 {
            let _ = write!(
                s,
                "<rect x=\"{x}\" y=\"{:.1}\" width=\"{BAR}\" height=\"{h:.1}\" fill=\"#8fb3d9\"/>",
                29.0 - h
            );
        }
        if f2f > 0.0 {
            let _ = write!(
                s,
                "<rect x=\"{x}\" y=\"{:.1}\" width=\"{BAR}\" height=\"{f2f:.1}\" fill=\"#0b4f9c\"/>",
                29.0 - f2f
            );
        }
        if w.attempts > 0 {
            let h = 2 * w.attempts.min(3) + 1;
            let _ = write!(
                s,
                "<rect x=\"{x}\" y=\"31\" width=\"{BAR}\" height=\"{h}\" fill=\"#b3261e\"/>"
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// One pair of bars: a label ("År 1") with the value before and after; `None` is a withheld
/// figure and draws no bar (the label says so).
pub struct BarPair<'a> {
    pub label: &'a str,
    pub before: Option<u32>,
    pub after: Option<u32>,
}

/// Pairs of bars, before (light) and after (dark), on one scale: the outcomes page's inpatient
/// days in the 12 months before admission against each year in the team.
pub fn before_after_bars(lang: Lang, title: &str, pairs: &[BarPair<'_>]) -> String {
    const BAR: usize = 22;
    const GROUP: usize = 2 * BAR + 28;
    const LEFT: usize = 8;
    const BOTTOM: f64 = 120.0;
    const TOP: f64 = 14.0;
    let width = LEFT + pairs.len().max(1) * GROUP;
    let max = pairs
        .iter()
        .flat_map(|p| [p.before, p.after])
        .flatten()
        .max()
        .unwrap_or(0)
        .max(1);
    let withheld = tr(lang, "för få klienter", "too few clients");
    let said = |v: Option<u32>| v.map_or_else(|| withheld.to_owned(), |n| n.to_string());
    let described: Vec<String> = pairs
        .iter()
        .map(|p| {
            format!(
                "{}: {} {}, {} {}",
                p.label,
                tr(lang, "före", "before"),
                said(p.before),
                tr(lang, "efter", "after"),
                said(p.after)
            )
        })
        .collect();
    let label = format!("{title}. {}", described.join("; "));
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"bars\" role=\"img\" aria-label=\"{l}\" width=\"{width}\" height=\"140\" viewBox=\"0 0 {width} 140\">\
         <title>{l}</title><line x1=\"0\" y1=\"{BOTTOM}\" x2=\"{width}\" y2=\"{BOTTOM}\" stroke=\"#767676\"/>",
        l = esc(&label)
    );
    for (i, p) in pairs.iter().enumerate() {
        let x0 = LEFT + i * GROUP;
        for (k, (v, fill)) in [(p.before, "#8fb3d9"), (p.after, "#0b4f9c")]
            .into_iter()
            .enumerate()
        {
            let Some(v) = v else { continue };
            let h = f64::from(v) / f64::from(max) * (BOTTOM - TOP);
            let x = x0 + k * (BAR + 2);
            let _ = write!(
                s,
                "<rect x=\"{x}\" y=\"{:.1}\" width=\"{BAR}\" height=\"{h:.1}\" fill=\"{fill}\"/>\
                 <text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{v}</text>",
                BOTTOM - h,
                x + BAR / 2,
                BOTTOM - h - 2.0
            );
        }
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"134\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
            x0 + BAR,
            esc(p.label)
        );
    }
    s.push_str("</svg>");
    s
}

/// One point of a trend: its label (a date) and value, if any.
pub struct TrendPoint<'a> {
    pub label: &'a str,
    pub value: Option<f64>,
}

/// A line of `points` with the target as a dashed line; `fmt` formats values for the labels.
pub fn trend_line(
    lang: Lang,
    title: &str,
    points: &[TrendPoint<'_>],
    target: f64,
    fmt: &dyn Fn(f64) -> String,
) -> String {
    const W: f64 = 640.0;
    const H: f64 = 220.0;
    const LEFT: f64 = 48.0;
    const BOTTOM: f64 = 190.0;
    const TOP: f64 = 16.0;
    let values: Vec<f64> = points.iter().filter_map(|p| p.value).collect();
    let max = values
        .iter()
        .copied()
        .fold(target, f64::max)
        .max(f64::MIN_POSITIVE)
        * 1.1;
    let y = |v: f64| BOTTOM - (v / max) * (BOTTOM - TOP);
    let n = points.len().max(2) as f64;
    let x = |i: usize| LEFT + (i as f64) * (W - LEFT - 8.0) / (n - 1.0);
    let described: Vec<String> = points
        .iter()
        .map(|p| {
            format!(
                "{}: {}",
                p.label,
                p.value.map_or_else(|| "–".to_string(), fmt)
            )
        })
        .collect();
    let label = format!(
        "{title}. {} {}. {}",
        tr(lang, "Mål", "Target"),
        fmt(target),
        described.join("; ")
    );
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"trend\" role=\"img\" aria-label=\"{l}\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\">\
         <title>{l}</title>\
         <line x1=\"{LEFT}\" y1=\"{BOTTOM}\" x2=\"{W}\" y2=\"{BOTTOM}\" stroke=\"#767676\"/>\
         <line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{BOTTOM}\" stroke=\"#767676\"/>\
         <line x1=\"{LEFT}\" y1=\"{ty:.1}\" x2=\"{W}\" y2=\"{ty:.1}\" stroke=\"#1e6b34\" stroke-dasharray=\"5 4\"/>\
         <text x=\"{tx}\" y=\"{tly:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"#1e6b34\">{tl}</text>\
         <text x=\"{tx}\" y=\"{BOTTOM}\" font-size=\"10\" text-anchor=\"end\">0</text>",
        l = esc(&label),
        ty = y(target),
        tx = LEFT - 4.0,
        tly = y(target) + 3.0,
        tl = esc(&fmt(target)),
    );
    // Axis ticks: quarters of the scale, with light grid lines.
    for q in 1..=4 {
        let v = max / 1.1 * f64::from(q) / 4.0;
        let _ = write!(
            s,
            "<line x1=\"{LEFT}\" y1=\"{yv:.1}\" x2=\"{W}\" y2=\"{yv:.1}\" stroke=\"#e3e3e3\"/>\
             <text x=\"{tx}\" y=\"{ly:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"#555\">{t}</text>",
            yv = y(v),
            tx = LEFT - 4.0,
            ly = y(v) + 3.0,
            t = esc(&fmt(v)),
        );
    }
    // A gap in the data lifts the pen, so a week without a value is not drawn as a slope.
    let mut path = String::new();
    let mut pen_down = false;
    for (i, p) in points.iter().enumerate() {
        match p.value {
            Some(v) => {
                let cmd = if pen_down { 'L' } else { 'M' };
                let _ = write!(path, "{cmd}{:.1},{:.1} ", x(i), y(v));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    if !path.is_empty() {
        let _ = write!(
            s,
            "<path d=\"{path}\" fill=\"none\" stroke=\"#0b4f9c\" stroke-width=\"2\"/>"
        );
    }
    // Each point carries its value; every second week's date sits under the axis.
    for (i, p) in points.iter().enumerate() {
        if let Some(v) = p.value {
            let _ = write!(
                s,
                "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"3.5\" fill=\"#0b4f9c\"/>\
                 <text x=\"{cx:.1}\" y=\"{ty:.1}\" font-size=\"9\" text-anchor=\"middle\" fill=\"#0b4f9c\">{t}</text>",
                cx = x(i),
                cy = y(v),
                ty = y(v) - 6.0,
                t = esc(&fmt(v)),
            );
        }
        if i % 2 == 0 && i + 1 < points.len() && i > 0 {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{}\" font-size=\"9\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
                x(i),
                BOTTOM + 14.0,
                esc(p.label)
            );
        }
    }
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let _ = write!(
            s,
            "<text x=\"{LEFT}\" y=\"{}\" font-size=\"10\">{}</text>\
             <text x=\"{W}\" y=\"{}\" font-size=\"10\" text-anchor=\"end\">{}</text>",
            BOTTOM + 14.0,
            esc(first.label),
            BOTTOM + 14.0,
            esc(last.label)
        );
    }
    s.push_str("</svg>");
    s
}

/// Vertical bars of one value per labelled point (the cost page's months); a point without a
/// value gets no bar and "–" in the words. `fmt` formats values for the labels.
pub fn value_bars(title: &str, points: &[TrendPoint<'_>], fmt: &dyn Fn(f64) -> String) -> String {
    const W: f64 = 640.0;
    const H: f64 = 220.0;
    const LEFT: f64 = 8.0;
    const BOTTOM: f64 = 190.0;
    const TOP: f64 = 24.0;
    let max = points
        .iter()
        .filter_map(|p| p.value)
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let n = points.len().max(1) as f64;
    let slot = (W - LEFT) / n;
    let described: Vec<String> = points
        .iter()
        .map(|p| {
            format!(
                "{}: {}",
                p.label,
                p.value.map_or_else(|| "–".to_string(), fmt)
            )
        })
        .collect();
    let label = format!("{title}. {}", described.join("; "));
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"bars\" role=\"img\" aria-label=\"{l}\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\">\
         <title>{l}</title>\
         <line x1=\"{LEFT}\" y1=\"{BOTTOM}\" x2=\"{W}\" y2=\"{BOTTOM}\" stroke=\"#767676\"/>",
        l = esc(&label),
    );
    for (i, p) in points.iter().enumerate() {
        let x = LEFT + slot * i as f64;
        if let Some(v) = p.value {
            let h = (v / max) * (BOTTOM - TOP);
            let _ = write!(
                s,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"#0b4f9c\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\">{}</text>",
                x + slot * 0.15,
                BOTTOM - h,
                slot * 0.7,
                x + slot / 2.0,
                BOTTOM - h - 4.0,
                esc(&fmt(v)),
            );
        }
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
            x + slot / 2.0,
            BOTTOM + 14.0,
            esc(p.label),
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn charts_are_labelled_svg() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 16).unwrap();
        let weeks = vec![
            WeekCounts {
                first: d,
                last: d,
                reached: 3,
                face_to_face: 2,
                attempts: 1,
                network_only: 0,
            };
            12
        ];
        let s = weekly_bars(Lang::Sv, &weeks, shared_scale([weeks.as_slice()]));
        assert!(s.starts_with("<svg role=\"img\" aria-label=\"Kontakter per vecka"));
        assert!(s.contains("<title>"));
        assert!(s.contains("Misslyckade försök per vecka: 1, 1"), "{s}");
        // On a shared scale of 12 a week of 3 is a quarter of the height, not all of it.
        let tall = weekly_bars(Lang::Sv, &weeks, 12);
        assert!(tall.contains("height=\"7.0\""), "{tall}");
        let pts = [
            TrendPoint {
                label: "v1",
                value: Some(2.0),
            },
            TrendPoint {
                label: "v2",
                value: None,
            },
            TrendPoint {
                label: "v3",
                value: Some(5.0),
            },
        ];
        let t = trend_line(Lang::En, "Contacts", &pts, 4.0, &|v| num(Lang::En, v, 1));
        assert!(t.contains("Target 4.0"));
        assert!(t.contains("<path d=\"M"));
    }

    #[test]
    fn before_after_bars_share_one_scale_and_say_what_is_withheld() {
        let pairs = [
            BarPair {
                label: "År 1",
                before: Some(212),
                after: Some(53),
            },
            BarPair {
                label: "År 2",
                before: None,
                after: None,
            },
        ];
        let s = before_after_bars(Lang::Sv, "Vårddygn", &pairs);
        assert!(s.starts_with("<svg class=\"bars\" role=\"img\" aria-label=\"Vårddygn. År 1: före 212, efter 53; År 2: före för få klienter, efter för få klienter\""), "{s}");
        // The tallest bar fills the 106 units between top and baseline; 53 of 212 is a quarter.
        assert!(
            s.contains("y=\"14.0\" width=\"22\" height=\"106.0\""),
            "{s}"
        );
        assert!(s.contains("y=\"93.5\" width=\"22\" height=\"26.5\""), "{s}");
        // Withheld figures draw no bar: two rectangles in all.
        assert_eq!(s.matches("<rect").count(), 2);
    }
}
