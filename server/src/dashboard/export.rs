//! CSV files the way Swedish Excel opens them (UTF-8 with a byte-order mark, `;` between
//! fields, decimal comma, CRLF), for the payroll and access-log exports. The körjournal is not
//! here: the dashboard writes it with the same code as the field device
//! (`uppsok_model::mileage::korjournal` and [`uppsok_report::korjournal_pdf`]).

/// Builds a CSV for Swedish Excel.
#[derive(Debug, Default)]
pub struct Csv {
    out: String,
}

impl Csv {
    pub fn new() -> Self {
        Csv {
            out: String::from("\u{feff}"),
        }
    }

    /// Appends one row; fields are quoted when they need it.
    pub fn row<S: AsRef<str>>(&mut self, fields: &[S]) {
        let cells: Vec<String> = fields.iter().map(|f| cell(f.as_ref())).collect();
        self.out.push_str(&cells.join(";"));
        self.out.push_str("\r\n");
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// A text field: quoted when it holds `;`, `"` or a line break, and defused when it starts like
/// a spreadsheet formula (`=`, `+`, `-`, `@`), so a place name cannot run a formula in Excel.
pub fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// A number with a decimal comma (no grouping: Excel reads "1234,5").
pub fn decimal(v: f64, decimals: usize) -> String {
    format!("{v:.decimals$}").replace('.', ",")
}

/// Öre as kronor with a decimal comma.
pub fn kronor(ore: i64) -> String {
    let sign = if ore < 0 { "-" } else { "" };
    let a = ore.unsigned_abs();
    format!("{sign}{},{:02}", a / 100, a % 100)
}

/// Parses a CSV written by [`Csv`] back into rows (tests, and to prove the files round-trip).
pub fn parse(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ';') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_round_trips_with_quotes_and_formulas() {
        let mut c = Csv::new();
        c.row(&["Datum", "Från", "Km"]);
        c.row(&["2026-11-02", "Töre; by \"norr\"", &decimal(25.46, 1)]);
        c.row(&["=HYPERLINK()", "x\ny", "1,0"]);
        let text = c.finish();
        assert!(text.starts_with('\u{feff}'));
        assert!(text.contains("\r\n"));
        let rows = parse(&text);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1], vec!["2026-11-02", "Töre; by \"norr\"", "25,5"]);
        assert_eq!(rows[2][0], "'=HYPERLINK()");
        assert_eq!(rows[2][1], "x\ny");
        assert_eq!(kronor(12_345), "123,45");
    }
}
