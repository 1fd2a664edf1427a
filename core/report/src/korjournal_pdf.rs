//! The körjournal as a PDF a case manager prints, signs and hands in: title, driver, vehicle
//! and period, a table of the trips, totals with the reimbursement split into the tax-free
//! allowance and the taxable rest, page numbers, and lines for signature and date.
//!
//! Lives in the server crate because `uppsok-model` is pure and the phone exports CSV; the
//! rows and totals come from `uppsok_model::mileage::korjournal`, so the PDF and the CSV say
//! the same.
//!
//! Font: the PDF standard font Helvetica, which printpdf 0.7 writes in WinAnsiEncoding
//! (Windows-1252). That covers å ä ö é ü, so nothing has to be embedded and the file stays a few
//! kilobytes; a character outside Windows-1252 would be dropped by printpdf, so text is mapped
//! to the nearest Windows-1252 form first (see [`winansi`]). The standard fonts carry no metrics
//! in printpdf, so column widths are fixed and long text is shortened with "…" by character
//! count (Helvetica averages about half an em per character).

use chrono::NaiveDate;
use printpdf::{
    BuiltinFont, IndirectFontRef, Line, Mm, PdfDocument, PdfDocumentReference, PdfLayerReference,
    Point,
};
use uppsok_model::Rates;
use uppsok_model::mileage::korjournal::{
    JournalCopy, KorjournalRow, Period, km_sv, source_sv, totals,
};
use uppsok_model::mileage::{MileageError, RateSchedule};
use uppsok_model::trip::Vehicle;

/// What goes into one körjournal.
#[derive(Debug, Clone)]
pub struct KorjournalDoc {
    /// The driver as the körjournal names them (username, or a full name if known).
    pub driver: String,
    pub period: Period,
    pub rows: Vec<KorjournalRow>,
    /// The organisation's rates over time; each trip is priced with the rate of its day.
    pub rates: RateSchedule,
    /// The day it was made, printed in the footer.
    pub created: NaiveDate,
    /// The supervisor's approval of the month, when it has one (the dashboard's copy).
    pub approval: Option<Attest>,
    /// Which copy: the payroll copy's rows say "klientbesök" for client codes and hide the
    /// team's codes in the errand (applied here, so no caller can label a copy without making it
    /// so), and every page names the copy.
    pub copy: JournalCopy,
    /// The team's client codes, for the payroll copy to hide in the errand.
    pub client_codes: Vec<String>,
    /// Lines printed under the totals: a vehicle's körjournal says its odometer readings at the
    /// start and end and any break in them (`VehicleJournal::notes_sv`); empty for a driver's.
    pub notes: Vec<String>,
    /// A car's körjournal (several drivers in one car): the last column names each trip's
    /// driver instead of the car, and the header's "Förare" line says whose car it is.
    pub per_car: bool,
}

/// A supervisor's approval (*attest*) of the month, printed under the signature lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attest {
    /// Who approved, as the document names people (a full name if known).
    pub by: String,
    pub on: NaiveDate,
    /// The figures changed after the approval: the document says so, so no one pays from it.
    pub changed_since: bool,
}

impl Attest {
    /// The line the PDF prints.
    pub fn line(&self) -> String {
        let base = format!(
            "Attesterad av {} den {}",
            fit(&self.by, 40),
            self.on.format("%Y-%m-%d")
        );
        if self.changed_since {
            format!("{base} – ändrad efter attest, summorna ovan är inte attesterade")
        } else {
            base
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the reimbursement cannot be computed: {0}")]
    Mileage(#[from] MileageError),
    #[error("the PDF could not be written: {0}")]
    Render(String),
}

const PAGE_W: f32 = 297.0;
const PAGE_H: f32 = 210.0;
const MARGIN: f32 = 12.0;
const ROW_H: f32 = 6.0;
const TEXT_PT: f32 = 8.5;
/// Room the totals and the signature lines need on the last page.
const CLOSING_H: f32 = 66.0;
/// One line of [`KorjournalDoc::notes`], and how many of them the last page holds.
const NOTE_H: f32 = 5.5;
const NOTES_MAX: usize = 8;
const TABLE_TOP: f32 = PAGE_H - 42.0;
const TABLE_BOTTOM: f32 = 20.0;

/// After the "from" of a trip from home; the totals explain it.
const FROM_HOME_MARK: &str = "*";

/// A column: heading, left edge (mm), width (mm), right-aligned?
struct Col(&'static str, f32, f32, bool);

const COLS: [Col; 11] = [
    Col("Datum", 0.0, 19.0, false),
    Col("Tid", 19.0, 19.0, false),
    Col("Mätare start", 38.0, 19.0, true),
    Col("Mätare slut", 57.0, 19.0, true),
    Col("Från", 80.0, 30.0, false),
    Col("Till", 110.0, 30.0, false),
    Col("Km", 140.0, 13.0, true),
    Col("Källa", 157.0, 17.0, false),
    Col("Ärende", 174.0, 44.0, false),
    Col("Besökt", 218.0, 26.0, false),
    Col("Fordon", 244.0, 29.0, false),
];

/// Text as Windows-1252 can show it: typographic characters outside it get their nearest
/// plain form, anything else a `?`, so nothing silently disappears.
pub fn winansi(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{ff}' => c,
            '€' | '‚' | 'ƒ' | '„' | '…' | '†' | '‡' | 'ˆ' | '‰' | 'Š' | '‹' | 'Œ' | 'Ž' | '‘'
            | '’' | '“' | '”' | '•' | '–' | '—' | '˜' | '™' | 'š' | '›' | 'œ' | 'ž' | 'Ÿ' => {
                c
            }
            '\n' | '\r' | '\t' => ' ',
            '−' => '-',
            _ => '?',
        })
        .collect()
}

/// Shorten to `max` characters with an ellipsis.
fn fit(s: &str, max: usize) -> String {
    let s = winansi(s);
    if s.chars().count() <= max {
        s
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Approximate width of Helvetica text in mm (digits are 0.556 em; most letters near it).
pub(crate) fn width_mm(s: &str, pt: f32) -> f32 {
    let em: f32 = s
        .chars()
        .map(|c| match c {
            ',' | '.' | ' ' | ':' | 'i' | 'l' => 0.278,
            _ => 0.556,
        })
        .sum();
    em * pt * 0.3528
}

/// `1 234,50 kr`.
pub fn kr(ore: i64) -> String {
    let sign = if ore < 0 { "-" } else { "" };
    let ore = ore.unsigned_abs();
    let whole = (ore / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push('\u{a0}');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped},{:02} kr", ore % 100)
}

fn vehicle_sv(v: &Vehicle) -> String {
    match v {
        Vehicle::Own => "Egen bil".into(),
        Vehicle::Service { registration } => format!("Tjänstebil {registration}"),
    }
}

struct Pen<'a> {
    layer: PdfLayerReference,
    font: &'a IndirectFontRef,
    bold: &'a IndirectFontRef,
}

impl Pen<'_> {
    fn text(&self, s: &str, pt: f32, x: f32, y: f32) {
        self.layer.use_text(winansi(s), pt, Mm(x), Mm(y), self.font);
    }
    fn bold(&self, s: &str, pt: f32, x: f32, y: f32) {
        self.layer.use_text(winansi(s), pt, Mm(x), Mm(y), self.bold);
    }
    fn right(&self, s: &str, pt: f32, right_x: f32, y: f32) {
        self.text(s, pt, right_x - width_mm(s, pt), y);
    }
    fn rule(&self, x1: f32, x2: f32, y: f32) {
        self.layer.add_line(Line {
            points: vec![
                (Point::new(Mm(x1), Mm(y)), false),
                (Point::new(Mm(x2), Mm(y)), false),
            ],
            is_closed: false,
        });
    }
}

/// How many rows fit on a page with or without the closing block.
fn rows_per_page(closing: bool) -> usize {
    rows_above(if closing { CLOSING_H } else { 0.0 })
}

/// How many rows fit on a page above a block `closing_h` mm high.
fn rows_above(closing_h: f32) -> usize {
    let bottom = TABLE_BOTTOM + closing_h;
    ((TABLE_TOP - ROW_H - bottom) / ROW_H).floor().max(1.0) as usize
}

/// Rows per page: full pages, then a last page with room for the totals, the signature and
/// `notes` lines under them.
fn paginate(n: usize, notes: usize) -> Vec<std::ops::Range<usize>> {
    let (full, last) = (
        rows_per_page(false),
        rows_above(CLOSING_H + NOTE_H * notes as f32),
    );
    let mut pages = Vec::new();
    let mut start = 0;
    while n - start > last {
        let take = full.min(n - start);
        // Leave at least one row for the closing page so the totals never stand alone
        // without their table's heading.
        let take = if n - start - take == 0 {
            take - 1
        } else {
            take
        };
        pages.push(start..start + take);
        start += take;
    }
    pages.push(start..n);
    pages
}

/// "Ersättning (3,05 kr per km egen bil, 0,00 kr per km tjänstebil)", with any rate that took
/// effect within the period after it ("; från 2026-07-01 3,20 kr …").
fn rate_line(doc: &KorjournalDoc) -> String {
    let (first, last) = doc
        .period
        .bounds()
        .map(|(f, next)| (f, next.pred_opt().unwrap_or(next)))
        .unwrap_or((doc.created, doc.created));
    let both = |r: &Rates| {
        format!(
            "{} per km egen bil, {} per km tjänstebil",
            kr(r.own_car_ore_per_km),
            kr(r.service_car_ore_per_km)
        )
    };
    let mut line = format!("Ersättning ({}", both(&doc.rates.at(first)));
    for (from, r) in doc.rates.changes_within(first, last) {
        line.push_str(&format!("; från {} {}", from.format("%Y-%m-%d"), both(&r)));
    }
    line.push(')');
    line
}

/// "därav bilersättning för förmånsbil (1,20 kr/km bensin/diesel, 0,95 kr/km el)": the rates
/// in force on the period's first day (each trip is still priced with the rate of its own day).
fn fuel_line(doc: &KorjournalDoc) -> String {
    let first = doc.period.bounds().map_or(doc.created, |(f, _)| f);
    let r = doc.rates.at(first);
    format!(
        "därav bilersättning för förmånsbil ({}/km bensin/diesel, {}/km el)",
        kr(r.benefit_fossil_ore_per_km),
        kr(r.benefit_electric_ore_per_km)
    )
}

/// Render the körjournal; the bytes of a PDF file.
pub fn render(doc: &KorjournalDoc) -> Result<Vec<u8>, PdfError> {
    let doc = &KorjournalDoc {
        rows: doc.copy.apply(
            doc.rows.clone(),
            &doc.client_codes
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        ),
        ..doc.clone()
    };
    let sums = totals(&doc.rows, &doc.rates)?;
    let title = format!("Körjournal {} {}", doc.driver, doc.period.label_sv());
    let (pdf, page1, layer1) = PdfDocument::new(winansi(&title), Mm(PAGE_W), Mm(PAGE_H), "text");
    let err = |e: printpdf::Error| PdfError::Render(e.to_string());
    let font = pdf.add_builtin_font(BuiltinFont::Helvetica).map_err(err)?;
    let bold = pdf
        .add_builtin_font(BuiltinFont::HelveticaBold)
        .map_err(err)?;

    let mut vehicles: Vec<String> = doc.rows.iter().map(|r| vehicle_sv(&r.vehicle)).collect();
    vehicles.sort();
    vehicles.dedup();
    let vehicles = if vehicles.is_empty() {
        "–".to_owned()
    } else {
        vehicles.join(", ")
    };

    // The fuel allowance's two lines take the room of two notes.
    let fuel_lines = if sums.fuel_allowance_ore > 0 { 2 } else { 0 };
    let pages = paginate(doc.rows.len(), doc.notes.len().min(NOTES_MAX) + fuel_lines);
    let n_pages = pages.len();
    for (i, range) in pages.into_iter().enumerate() {
        let layer = if i == 0 {
            pdf.get_page(page1).get_layer(layer1)
        } else {
            let (p, l) = pdf.add_page(Mm(PAGE_W), Mm(PAGE_H), "text");
            pdf.get_page(p).get_layer(l)
        };
        let pen = Pen {
            layer,
            font: &font,
            bold: &bold,
        };
        header(&pen, doc, &vehicles);
        let mut y = table(&pen, &doc.rows[range], doc.per_car);
        if i + 1 == n_pages {
            y = closing(&pen, doc, &sums, y)?;
        }
        let _ = y;
        pen.text(
            &format!("Utskriven {} av Uppsök", doc.created.format("%Y-%m-%d")),
            7.5,
            MARGIN,
            10.0,
        );
        pen.right(
            &format!("Sida {} av {}", i + 1, n_pages),
            8.0,
            PAGE_W - MARGIN,
            10.0,
        );
    }
    save(pdf, &title)
}

pub(crate) fn save(pdf: PdfDocumentReference, title: &str) -> Result<Vec<u8>, PdfError> {
    let bytes = pdf
        .save_to_bytes()
        .map_err(|e| PdfError::Render(e.to_string()))?;
    with_title(&bytes, title)
}

/// Rewrites the document information dictionary's `Title` as a PDF text string a reader
/// decodes right. printpdf 0.7 writes the title's UTF-8 bytes as they are, and a reader takes
/// bytes without a byte-order mark as PDFDocEncoding, so "Körjournal" showed as "KÃ¶rjournal"
/// in the title bar. A text string with the UTF-16BE byte-order mark is read as Unicode by
/// every reader (ISO 32000-1, 7.9.2.2).
fn with_title(pdf: &[u8], title: &str) -> Result<Vec<u8>, PdfError> {
    use printpdf::lopdf::{Document, Object, StringFormat};
    let err = |e: printpdf::lopdf::Error| PdfError::Render(e.to_string());
    let mut doc = Document::load_mem(pdf).map_err(err)?;
    let info = doc
        .trailer
        .get(b"Info")
        .and_then(Object::as_reference)
        .map_err(err)?;
    let dict = doc
        .get_object_mut(info)
        .and_then(Object::as_dict_mut)
        .map_err(err)?;
    dict.set(
        "Title",
        Object::String(pdf_text_string(title), StringFormat::Hexadecimal),
    );
    let mut out = Vec::with_capacity(pdf.len() + 64);
    doc.save_to(&mut out)
        .map_err(|e| PdfError::Render(e.to_string()))?;
    Ok(out)
}

/// A PDF text string in UTF-16BE with its byte-order mark.
pub fn pdf_text_string(s: &str) -> Vec<u8> {
    let mut out = vec![0xFE, 0xFF];
    for unit in s.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out
}

fn header(pen: &Pen<'_>, doc: &KorjournalDoc, vehicles: &str) {
    let top = PAGE_H - MARGIN - 6.0;
    pen.bold("Körjournal", 18.0, MARGIN, top);
    pen.right(doc.copy.label_sv(), 9.0, PAGE_W - MARGIN, top);
    pen.text("Förare:", 10.0, MARGIN, top - 10.0);
    pen.bold(&fit(&doc.driver, 40), 10.0, MARGIN + 18.0, top - 10.0);
    pen.text("Period:", 10.0, MARGIN + 110.0, top - 10.0);
    pen.bold(&doc.period.label_sv(), 10.0, MARGIN + 126.0, top - 10.0);
    pen.text("Fordon:", 10.0, MARGIN, top - 16.0);
    pen.bold(&fit(vehicles, 80), 10.0, MARGIN + 18.0, top - 16.0);
}

/// The table heading and rows; returns the y below the last row.
fn table(pen: &Pen<'_>, rows: &[KorjournalRow], per_car: bool) -> f32 {
    let mut y = TABLE_TOP;
    for (i, Col(name, x, w, right)) in COLS.iter().enumerate() {
        let name = if per_car && i + 1 == COLS.len() {
            "Förare"
        } else {
            name
        };
        if *right {
            pen.bold(name, TEXT_PT, MARGIN + x + w - width_mm(name, TEXT_PT), y);
        } else {
            pen.bold(name, TEXT_PT, MARGIN + x, y);
        }
    }
    pen.rule(MARGIN, PAGE_W - MARGIN, y - 2.0);
    for r in rows {
        y -= ROW_H;
        let time = match r.end {
            Some(e) => format!("{}–{}", r.start.format("%H:%M"), e.format("%H:%M")),
            None => r.start.format("%H:%M").to_string(),
        };
        let odo = |v: Option<u32>| v.map(|n| n.to_string()).unwrap_or_default();
        let cells = [
            r.date.format("%Y-%m-%d").to_string(),
            time,
            odo(r.odometer_start),
            odo(r.odometer_end),
            if r.from_home {
                format!("{} {FROM_HOME_MARK}", r.from)
            } else {
                r.from.clone()
            },
            r.to.clone(),
            km_sv(r.km),
            source_sv(r.source).to_owned(),
            r.purpose.clone(),
            r.visited.clone(),
            if per_car {
                r.driver.clone()
            } else {
                vehicle_sv(&r.vehicle)
            },
        ];
        for (Col(_, x, w, right), cell) in COLS.iter().zip(cells) {
            // About 2 characters per 3 mm at this size.
            let cell = fit(&cell, (w / 1.55) as usize);
            if *right {
                pen.right(&cell, TEXT_PT, MARGIN + x + w, y);
            } else {
                pen.text(&cell, TEXT_PT, MARGIN + x, y);
            }
        }
    }
    y
}

fn closing(
    pen: &Pen<'_>,
    doc: &KorjournalDoc,
    sums: &uppsok_model::mileage::korjournal::KorjournalTotals,
    table_end: f32,
) -> Result<f32, PdfError> {
    let mut y = table_end - 3.0;
    pen.rule(MARGIN, PAGE_W - MARGIN, y);
    y -= 5.0;
    let km_total = km_sv(sums.deci_km as f64 / 10.0);
    pen.bold(&format!("Summa: {} resor", sums.trips), TEXT_PT, MARGIN, y);
    let Col(_, kx, kw, _) = COLS[6];
    pen.bold(
        &km_total,
        TEXT_PT,
        MARGIN + kx + kw - width_mm(&km_total, TEXT_PT),
        y,
    );

    if sums.from_home > 0 {
        y -= 5.0;
        pen.text(
            &format!(
                "{FROM_HOME_MARK} Resa från bostaden: sträckan hem–arbete räknas av ({} resor, {} km). \
                 Ersatta km: {}",
                sums.from_home,
                km_sv(sums.deducted_deci_km as f64 / 10.0),
                km_sv((sums.deci_km - sums.deducted_deci_km) as f64 / 10.0),
            ),
            TEXT_PT,
            MARGIN,
            y,
        );
    }
    y -= 9.0;
    pen.bold("Milersättning", 10.0, MARGIN, y);
    let lines = [
        (rate_line(doc), kr(sums.amount_ore)),
        (
            "varav skattefri milersättning".to_owned(),
            kr(sums.tax_free_ore),
        ),
        ("varav skattepliktig del".to_owned(), kr(sums.taxable_ore)),
    ];
    let fuel = (sums.fuel_allowance_ore > 0).then(|| {
        [
            (fuel_line(doc), kr(sums.fuel_allowance_ore)),
            (
                "   föraren betalar drivmedlet; skattefri / skattepliktig del".to_owned(),
                format!(
                    "{} / {}",
                    kr(sums.fuel_allowance_tax_free_ore),
                    kr(sums.fuel_allowance_ore - sums.fuel_allowance_tax_free_ore)
                ),
            ),
        ]
    });
    for (label, amount) in lines.into_iter().chain(fuel.into_iter().flatten()) {
        y -= 5.5;
        pen.text(&label, 9.0, MARGIN, y);
        pen.right(&amount, 9.0, MARGIN + 150.0, y);
    }

    y -= 16.0;
    pen.rule(MARGIN, MARGIN + 90.0, y);
    pen.rule(MARGIN + 110.0, MARGIN + 160.0, y);
    pen.text("Underskrift", 8.0, MARGIN, y - 4.0);
    pen.text("Datum", 8.0, MARGIN + 110.0, y - 4.0);
    pen.text(
        &format!("Namnförtydligande: {}", fit(&doc.driver, 40)),
        8.0,
        MARGIN,
        y - 9.0,
    );
    let mut y = y - 9.0;
    for (i, note) in doc.notes.iter().enumerate().take(NOTES_MAX) {
        y -= NOTE_H;
        let more = doc.notes.len().saturating_sub(NOTES_MAX);
        if i + 1 == NOTES_MAX && more > 0 {
            pen.text(
                &format!("… och {} anmärkningar till (se CSV-filen)", more + 1),
                9.0,
                MARGIN,
                y,
            );
        } else {
            pen.text(&fit(note, 150), 9.0, MARGIN, y);
        }
    }
    if let Some(a) = &doc.approval {
        y -= 7.0;
        pen.bold(&a.line(), 9.0, MARGIN, y);
    }
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;
    use uppsok_model::{DistanceSource, TripId};

    pub(crate) fn row(day: u32, km: f64) -> KorjournalRow {
        KorjournalRow {
            id: TripId::new(),
            date: NaiveDate::from_ymd_opt(2026, 11, day).expect("valid"),
            start: NaiveTime::from_hms_opt(8, 5, 0).expect("valid"),
            end: NaiveTime::from_hms_opt(8, 36, 0),
            odometer_start: None,
            odometer_end: None,
            from: "Kalix".into(),
            to: "Töre".into(),
            km,
            source: DistanceSource::Gps,
            purpose: "Hembesök".into(),
            visited: "K-017".into(),
            from_home: false,
            deduction_km: 0.0,
            driver: "anna".into(),
            vehicle: Vehicle::Own,
        }
    }

    #[test]
    fn money_is_written_the_swedish_way() {
        assert_eq!(kr(0), "0,00 kr");
        assert_eq!(kr(12_200), "122,00 kr");
        assert_eq!(kr(123_456_789), "1\u{a0}234\u{a0}567,89 kr");
    }

    #[test]
    fn text_is_kept_to_windows_1252() {
        assert_eq!(winansi("Töre – Kalix"), "Töre – Kalix");
        assert_eq!(winansi("Luleå\n✓ 2−1"), "Luleå ? 2-1");
    }

    #[test]
    fn pages_leave_room_for_the_totals() {
        for n in [0, 1, 5, 19, 20, 21, 26, 27, 28, 60, 200] {
            let pages = paginate(n, 0);
            assert_eq!(pages.iter().map(|r| r.len()).sum::<usize>(), n, "{n}");
            let last = pages.last().expect("a page");
            assert!(last.len() <= rows_per_page(true), "{n}: {pages:?}");
            assert!(n == 0 || !last.is_empty(), "{n}: {pages:?}");
            assert!(pages.iter().all(|r| r.len() <= rows_per_page(false)));
        }
    }

    #[test]
    fn an_approval_changed_since_says_so() {
        let mut a = Attest {
            by: "Karin Ek".into(),
            on: NaiveDate::from_ymd_opt(2026, 12, 2).expect("valid"),
            changed_since: false,
        };
        assert_eq!(a.line(), "Attesterad av Karin Ek den 2026-12-02");
        a.changed_since = true;
        assert!(a.line().contains("ändrad efter attest"), "{}", a.line());
    }

    #[test]
    fn it_renders_a_pdf() {
        let doc = KorjournalDoc {
            driver: "anna".into(),
            period: Period::Month {
                year: 2026,
                month: 11,
            },
            rows: (1..=40).map(|d| row(d % 28 + 1, 25.3)).collect(),
            rates: Rates::default().into(),
            created: NaiveDate::from_ymd_opt(2026, 11, 30).expect("valid"),
            approval: None,
            copy: JournalCopy::Payroll,
            client_codes: Vec::new(),
            notes: Vec::new(),
            per_car: false,
        };
        let bytes = render(&doc).expect("render");
        assert!(bytes.starts_with(b"%PDF-"));
    }

    /// The title a PDF reader shows is the document's own, with its "ö", read back through the
    /// Info dictionary as a reader does (UTF-16BE after the byte-order mark).
    #[test]
    fn the_title_metadata_is_a_unicode_text_string() {
        use printpdf::lopdf::{Document, Object};
        let doc = KorjournalDoc {
            driver: "anna".into(),
            period: Period::Month {
                year: 2026,
                month: 11,
            },
            rows: vec![row(3, 12.0)],
            rates: Rates::default().into(),
            created: NaiveDate::from_ymd_opt(2026, 11, 30).expect("valid"),
            approval: None,
            copy: JournalCopy::Payroll,
            client_codes: Vec::new(),
            notes: Vec::new(),
            per_car: false,
        };
        let bytes = render(&doc).expect("render");
        let pdf = Document::load_mem(&bytes).expect("the PDF parses");
        let info = pdf
            .trailer
            .get(b"Info")
            .and_then(Object::as_reference)
            .expect("an Info dictionary");
        let title = pdf
            .get_object(info)
            .and_then(Object::as_dict)
            .and_then(|d| d.get(b"Title"))
            .and_then(Object::as_str)
            .expect("a title");
        assert_eq!(&title[..2], &[0xFE, 0xFF], "UTF-16BE byte-order mark");
        let units: Vec<u16> = title[2..]
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        let text = String::from_utf16(&units).expect("UTF-16");
        assert_eq!(text, format!("Körjournal anna {}", doc.period.label_sv()));
        assert!(!text.contains('Ã'));
    }
}
