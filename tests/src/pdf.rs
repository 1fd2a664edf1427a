//! Reading a PDF's text back in tests, with Debian's `pdftotext` (poppler-utils), which
//! `tests/tools/ensure-poppler` installs when it is missing. A PDF test that skipped without it
//! would pass without checking anything, so a missing tool is a panic with the reason.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_owned()
}

/// The path of `pdftotext`, installed first if missing.
pub fn pdftotext() -> String {
    let script = workspace_root().join("tests/tools/ensure-poppler");
    let out = Command::new(&script)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "{} failed: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("PDFTOTEXT=").map(str::to_owned))
        .expect("ensure-poppler prints PDFTOTEXT=")
}

/// The text of the PDF file at `pdf`, laid out as on the page (`-layout`), UTF-8.
pub fn pdf_file_text(pdf: &Path) -> String {
    let out = Command::new(pdftotext())
        .args(["-layout", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(
        out.status.success(),
        "pdftotext failed on {}",
        pdf.display()
    );
    String::from_utf8(out.stdout).expect("UTF-8 text")
}

/// The text of a PDF held in memory (written to a temporary file for `pdftotext`).
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).expect("the PDF is written");
    pdf_file_text(&path)
}
