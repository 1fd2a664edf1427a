//! Charts as inline SVG: a small bar chart of contacts per week for the overview and a trend
//! line with its target for the fidelity page. No JavaScript, no images to fetch; each chart
//! has `role="img"`, a `<title>` and an `aria-label` that says in words what it shows, so a
//! screen reader gets the numbers and the page prints as it looks.

use std::fmt::Write as _;

use uppsok_model::fidelity::{Lang, WeekCounts};

use super::html::esc;
#[cfg(test)]
use super::i18n::num;
use super::i18n::tr;

/// Bars of reached contacts per rolling week (oldest first), with failed attempts as red ticks
/// below the baseline so they are visibly apart from contacts.
pub fn weekly_bars(lang: Lang, weeks: &[WeekCounts]) -> String {
    const BAR: usize = 7;
    const GAP: usize = 2;
    const H: f64 = 28.0;
    let width = weeks.len() * (BAR + GAP) + GAP;
    let max = weeks.iter().map(|w| w.reached).max().unwrap_or(0).max(4) as f64;
    let reached: Vec<String> = weeks.iter().map(|w| w.reached.to_string()).collect();
    let attempts: u32 = weeks.iter().map(|w| w.attempts).sum();
    let label = match lang {
        Lang::Sv => format!(
            "Kontakter per vecka, äldst först: {}. Misslyckade försök totalt: {attempts}.",
            reached.join(", ")
        ),
        Lang::En => format!(
            "Contacts per week, oldest first: {}. Failed attempts in total: {attempts}.",
            reached.join(", ")
        ),
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg role=\"img\" aria-label=\"{l}\" width=\"{width}\" height=\"36\" viewBox=\"0 0 {width} 36\">\
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
            let _ = write!(
                s,
                "<rect x=\"{x}\" y=\"31\" width=\"{BAR}\" height=\"4\" fill=\"#b3261e\"/>"
            );
        }
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
    const W: f64 = 360.0;
    const H: f64 = 120.0;
    const LEFT: f64 = 44.0;
    const BOTTOM: f64 = 100.0;
    const TOP: f64 = 10.0;
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
        "<svg role=\"img\" aria-label=\"{l}\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\">\
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
    for (i, p) in points.iter().enumerate() {
        if let Some(v) = p.value {
            let _ = write!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#0b4f9c\"/>",
                x(i),
                y(v)
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
            };
            12
        ];
        let s = weekly_bars(Lang::Sv, &weeks);
        assert!(s.starts_with("<svg role=\"img\" aria-label=\"Kontakter per vecka"));
        assert!(s.contains("<title>"));
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
}
