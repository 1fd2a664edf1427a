//! Files for other programs: CSV the way Swedish Excel opens it (UTF-8 with a byte-order mark,
//! `;` between fields, decimal comma, CRLF) and a plain PDF of text lines for the körjournal.
//!
//! The PDF writer is deliberately tiny — one built-in font (Helvetica, WinAnsi encoding, which
//! covers å ä ö é), text lines, pages — because a körjournal is a table of text to print and
//! sign; a layout engine would be a large dependency for that. Text is left uncompressed, so
//! what the PDF says can be checked by reading its bytes.

use std::fmt::Write as _;

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

/// A text-only PDF: a title on each page, then lines, in Helvetica on A4 landscape.
pub fn text_pdf(title: &str, lines: &[String]) -> Vec<u8> {
    const PER_PAGE: usize = 36;
    let pages: Vec<&[String]> = if lines.is_empty() {
        vec![&[]]
    } else {
        lines.chunks(PER_PAGE).collect()
    };
    let n = pages.len();
    // Objects: 1 catalog, 2 pages, 3 font, 4 bold font, then (page, content) per page.
    let mut objects: Vec<Vec<u8>> = Vec::new();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 5 + 2 * i)).collect();
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes());
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    for (i, chunk) in pages.iter().enumerate() {
        let content_id = 6 + 2 * i;
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {content_id} 0 R >>"
            )
            .into_bytes(),
        );
        let mut stream: Vec<u8> = Vec::new();
        stream.extend_from_slice(b"BT /F2 13 Tf 40 555 Td (");
        stream.extend(pdf_text(title));
        stream.extend_from_slice(
            format!(") Tj /F1 8 Tf 760 0 Td ({} / {n}) Tj ET\n", i + 1).as_bytes(),
        );
        stream.extend_from_slice(b"BT /F1 8.5 Tf 40 530 Td 14 TL\n");
        for line in chunk.iter() {
            stream.push(b'(');
            stream.extend(pdf_text(line));
            stream.extend_from_slice(b") Tj T*\n");
        }
        stream.extend_from_slice(b"ET\n");
        let mut obj = format!("<< /Length {} >>\nstream\n", stream.len()).into_bytes();
        obj.extend(stream);
        obj.extend_from_slice(b"\nendstream");
        objects.push(obj);
    }
    let mut out: Vec<u8> = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    let mut tail = String::new();
    let _ = write!(tail, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for off in offsets {
        let _ = writeln!(tail, "{off:010} 00000 n ");
    }
    let _ = write!(
        tail,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out.extend_from_slice(tail.as_bytes());
    out
}

/// A PDF string literal's bytes in WinAnsi (Latin-1 for the letters we use), with the
/// delimiters escaped; characters outside it become `?`.
fn pdf_text(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        let b = match c {
            '(' | ')' | '\\' => {
                out.push(b'\\');
                c as u8
            }
            '–' => 0x96,
            '—' => 0x97,
            '→' => b'>',
            '\u{a0}' => b' ',
            c if (c as u32) < 0x20 => b' ',
            c if (c as u32) < 0x7f => c as u8,
            c if (0xa0..=0xff).contains(&(c as u32)) => c as u32 as u8,
            _ => b'?',
        };
        out.push(b);
    }
    out
}

/// The text lines of a PDF made by [`text_pdf`], decoded (tests check that trips are there).
pub fn pdf_lines(pdf: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < pdf.len() {
        if pdf[i] == b'(' {
            let mut s = String::new();
            i += 1;
            while i < pdf.len() && pdf[i] != b')' {
                if pdf[i] == b'\\' && i + 1 < pdf.len() {
                    i += 1;
                }
                s.push(match pdf[i] {
                    0x96 => '–',
                    0x97 => '—',
                    b => b as char,
                });
                i += 1;
            }
            out.push(s);
        }
        i += 1;
    }
    out
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

    #[test]
    fn pdf_holds_the_lines() {
        let lines: Vec<String> = (0..80)
            .map(|i| format!("Kalix → Töre (resa {i})"))
            .collect();
        let pdf = text_pdf("Körjournal", &lines);
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let text = pdf_lines(&pdf);
        assert!(text.iter().any(|l| l == "Körjournal"));
        assert!(text.iter().any(|l| l == "Kalix > Töre (resa 79)"));
        assert!(text.iter().any(|l| l == "3 / 3"));
    }
}
