//! The yearly follow-up (*Verksamhetsuppföljning*) as a PDF: the document a team leader brings
//! to the social-services committee and the region, short enough to read in five minutes.
//!
//! The document is a list of sections, each a heading and blocks (a paragraph, key figures, a
//! table, a bar chart); the dashboard decides what goes in them (caseload, fidelity, contacts,
//! cost, and outcomes once they are there) and this module only lays them out on A4 pages with
//! page numbers, so a new section needs no change here. Text is Helvetica in WinAnsiEncoding as
//! in the körjournal ([`crate::korjournal_pdf::winansi`]); bars are filled rectangles.

use chrono::NaiveDate;
use printpdf::{
    BuiltinFont, Color, IndirectFontRef, Line, Mm, PdfDocument, PdfLayerReference, Point, Rect, Rgb,
};

use crate::korjournal_pdf::{PdfError, save, width_mm, winansi};

/// The document.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpDoc {
    /// "Verksamhetsuppföljning 2026 – Kalix stödteam", in the document's language.
    pub title: String,
    /// One line under the title: the period and what the figures cover.
    pub subtitle: String,
    /// The footer's "Utskriven 2026-12-06 av Uppsök" / "Printed … by Uppsök".
    pub footer: String,
    /// "Sida" / "Page" and "av" / "of" for the page numbers.
    pub page_words: (String, String),
    pub created: NaiveDate,
    pub sections: Vec<Section>,
}

/// A heading and what follows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

/// One bar of a chart: its label, its value (none: no bar, the text says why) and the text
/// printed at its end.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: Option<f64>,
    pub shown: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph, wrapped to the page.
    Text(String),
    /// Key figures: a label and its value on each line, the value in bold.
    Figures(Vec<(String, String)>),
    /// A table: the first column left-aligned, the others right-aligned (numbers).
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// Horizontal bars, scaled to the largest value.
    Bars { caption: String, bars: Vec<Bar> },
}

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const MARGIN: f32 = 18.0;
const TOP: f32 = PAGE_H - 20.0;
const BOTTOM: f32 = 22.0;
const TEXT_PT: f32 = 10.0;
const LINE_H: f32 = 5.0;
const BAR_H: f32 = 5.0;

/// What to draw, collected per page first so the page count is known for the footers.
#[derive(Debug, Clone)]
enum Draw {
    Text {
        s: String,
        pt: f32,
        x: f32,
        y: f32,
        bold: bool,
    },
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
    },
    Bar {
        x: f32,
        y: f32,
        w: f32,
    },
}

struct Layout {
    pages: Vec<Vec<Draw>>,
    y: f32,
}

impl Layout {
    fn new() -> Self {
        Layout {
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    /// Room for `h` mm more on this page, or a new page.
    fn need(&mut self, h: f32) {
        if self.y - h < BOTTOM {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
    }

    fn put(&mut self, d: Draw) {
        if let Some(p) = self.pages.last_mut() {
            p.push(d);
        }
    }

    fn text(&mut self, s: &str, pt: f32, x: f32, bold: bool) {
        let y = self.y;
        self.put(Draw::Text {
            s: s.to_owned(),
            pt,
            x,
            y,
            bold,
        });
    }

    fn right(&mut self, s: &str, pt: f32, right_x: f32, bold: bool) {
        self.text(s, pt, right_x - width_mm(s, pt), bold);
    }
}

/// Words of `s` in lines at most `width` mm wide at `pt` (by the estimated width).
fn wrap(s: &str, pt: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if width_mm(&candidate, pt) > width && !line.is_empty() {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn lay_block(l: &mut Layout, b: &Block) {
    let width = PAGE_W - 2.0 * MARGIN;
    match b {
        Block::Text(s) => {
            for line in wrap(s, TEXT_PT, width) {
                l.need(LINE_H);
                l.text(&line, TEXT_PT, MARGIN, false);
                l.y -= LINE_H;
            }
            l.y -= 2.0;
        }
        Block::Figures(rows) => {
            for (label, value) in rows {
                l.need(LINE_H + 1.0);
                l.text(label, TEXT_PT, MARGIN, false);
                l.right(value, TEXT_PT + 1.0, PAGE_W - MARGIN, true);
                l.y -= LINE_H + 1.0;
            }
            l.y -= 2.0;
        }
        Block::Table { head, rows } => {
            let n = head.len().max(1);
            // The first column gets twice the room of each number column.
            let unit = width / (n as f32 + 1.0);
            let right_edge = |i: usize| MARGIN + unit * (i as f32 + 2.0);
            let row = |l: &mut Layout, cells: &[String], bold: bool| {
                l.need(LINE_H);
                for (i, c) in cells.iter().enumerate() {
                    if i == 0 {
                        l.text(c, TEXT_PT - 1.0, MARGIN, bold);
                    } else {
                        l.right(c, TEXT_PT - 1.0, right_edge(i), bold);
                    }
                }
                l.y -= LINE_H;
            };
            l.need(LINE_H * 2.0);
            row(l, head, true);
            let y = l.y + LINE_H - 1.5;
            l.put(Draw::Rule {
                x1: MARGIN,
                x2: PAGE_W - MARGIN,
                y,
            });
            for r in rows {
                row(l, r, false);
            }
            l.y -= 3.0;
        }
        Block::Bars { caption, bars } => {
            l.need(LINE_H + BAR_H + 2.0);
            l.text(caption, TEXT_PT - 0.5, MARGIN, true);
            l.y -= LINE_H + 1.0;
            let max = bars
                .iter()
                .filter_map(|b| b.value)
                .fold(0.0_f64, f64::max)
                .max(f64::MIN_POSITIVE);
            let label_w = 24.0;
            let bar_room = width - label_w - 34.0;
            for b in bars {
                l.need(BAR_H + 1.5);
                l.text(&b.label, TEXT_PT - 1.5, MARGIN, false);
                let w = b
                    .value
                    .map_or(0.0, |v| (v / max).max(0.0) as f32 * bar_room);
                if w > 0.0 {
                    let (x, y) = (MARGIN + label_w, l.y - 1.0);
                    l.put(Draw::Bar { x, y, w });
                }
                l.text(&b.shown, TEXT_PT - 1.5, MARGIN + label_w + w + 2.0, false);
                l.y -= BAR_H + 1.5;
            }
            l.y -= 3.0;
        }
    }
}

fn layout(doc: &FollowUpDoc) -> Layout {
    let mut l = Layout::new();
    l.text(&doc.title, 17.0, MARGIN, true);
    l.y -= 8.0;
    for line in wrap(&doc.subtitle, TEXT_PT, PAGE_W - 2.0 * MARGIN) {
        l.text(&line, TEXT_PT, MARGIN, false);
        l.y -= LINE_H;
    }
    l.y -= 4.0;
    for s in &doc.sections {
        // A heading never stands alone at the foot of a page.
        l.need(8.0 + 3.0 * LINE_H);
        l.text(&s.heading, 13.0, MARGIN, true);
        l.y -= 7.0;
        for b in &s.blocks {
            lay_block(&mut l, b);
        }
        l.y -= 3.0;
    }
    l
}

fn draw(layer: &PdfLayerReference, font: &IndirectFontRef, bold: &IndirectFontRef, d: &Draw) {
    match d {
        Draw::Text {
            s,
            pt,
            x,
            y,
            bold: b,
        } => layer.use_text(
            winansi(s),
            *pt,
            Mm(*x),
            Mm(*y),
            if *b { bold } else { font },
        ),
        Draw::Rule { x1, x2, y } => layer.add_line(Line {
            points: vec![
                (Point::new(Mm(*x1), Mm(*y)), false),
                (Point::new(Mm(*x2), Mm(*y)), false),
            ],
            is_closed: false,
        }),
        Draw::Bar { x, y, w } => {
            layer.set_fill_color(Color::Rgb(Rgb::new(0.09, 0.2, 0.31, None)));
            layer.add_rect(Rect::new(Mm(*x), Mm(*y), Mm(*x + *w), Mm(*y + BAR_H - 1.0)));
            layer.set_fill_color(Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)));
        }
    }
}

/// Render the follow-up; the bytes of a PDF file.
pub fn render(doc: &FollowUpDoc) -> Result<Vec<u8>, PdfError> {
    let l = layout(doc);
    let (pdf, page1, layer1) =
        PdfDocument::new(winansi(&doc.title), Mm(PAGE_W), Mm(PAGE_H), "text");
    let err = |e: printpdf::Error| PdfError::Render(e.to_string());
    let font = pdf.add_builtin_font(BuiltinFont::Helvetica).map_err(err)?;
    let bold = pdf
        .add_builtin_font(BuiltinFont::HelveticaBold)
        .map_err(err)?;
    let n = l.pages.len();
    for (i, page) in l.pages.iter().enumerate() {
        let layer = if i == 0 {
            pdf.get_page(page1).get_layer(layer1)
        } else {
            let (p, ly) = pdf.add_page(Mm(PAGE_W), Mm(PAGE_H), "text");
            pdf.get_page(p).get_layer(ly)
        };
        for d in page {
            draw(&layer, &font, &bold, d);
        }
        let footer = Draw::Text {
            s: doc.footer.clone(),
            pt: 7.5,
            x: MARGIN,
            y: 10.0,
            bold: false,
        };
        draw(&layer, &font, &bold, &footer);
        let pages = format!("{} {} {} {n}", doc.page_words.0, i + 1, doc.page_words.1);
        let pages = Draw::Text {
            x: PAGE_W - MARGIN - width_mm(&pages, 8.0),
            s: pages,
            pt: 8.0,
            y: 10.0,
            bold: false,
        };
        draw(&layer, &font, &bold, &pages);
    }
    save(pdf, &doc.title)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(sections: Vec<Section>) -> FollowUpDoc {
        FollowUpDoc {
            title: "Verksamhetsuppföljning 2026".into(),
            subtitle: "Kalix stödteam, 2026-01-01 – 2026-12-31".into(),
            footer: "Utskriven 2026-12-06 av Uppsök".into(),
            page_words: ("Sida".into(), "av".into()),
            created: NaiveDate::from_ymd_opt(2026, 12, 6).unwrap(),
            sections,
        }
    }

    #[test]
    fn text_wraps_within_the_page() {
        let lines = wrap(&"ord ".repeat(100), TEXT_PT, 100.0);
        assert!(lines.len() > 3);
        assert!(lines.iter().all(|l| width_mm(l, TEXT_PT) <= 100.0));
        assert_eq!(lines.join(" "), "ord ".repeat(100).trim());
    }

    #[test]
    fn a_long_document_gets_more_pages_and_renders() {
        let rows: Vec<Vec<String>> = (0..80)
            .map(|i| vec![format!("rad {i}"), i.to_string()])
            .collect();
        let d = doc(vec![
            Section {
                heading: "Kostnad".into(),
                blocks: vec![
                    Block::Figures(vec![(
                        "Kronor per klient och månad".into(),
                        "5 200 kr".into(),
                    )]),
                    Block::Bars {
                        caption: "Per månad".into(),
                        bars: vec![
                            Bar {
                                label: "2026-01".into(),
                                value: Some(5.0),
                                shown: "5 kr".into(),
                            },
                            Bar {
                                label: "2026-02".into(),
                                value: None,
                                shown: "färre än 3 klienter".into(),
                            },
                        ],
                    },
                ],
            },
            Section {
                heading: "Tabell".into(),
                blocks: vec![Block::Table {
                    head: vec!["Rad".into(), "Värde".into()],
                    rows,
                }],
            },
        ]);
        assert!(layout(&d).pages.len() >= 2);
        let pdf = render(&d).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
    }
}
