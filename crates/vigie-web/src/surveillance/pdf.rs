//! The exposure report as PDF: A4 pages of wrapped text in the standard Helvetica fonts (PDF's
//! base-14 fonts: every reader has them, so no font file is embedded) with WinAnsiEncoding,
//! which covers French (é, è, à, ç, œ, « », …). The file itself (objects, cross-reference table,
//! string escapes) is written by `pdf-writer`; this module lays the text out.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// A document being written.
pub struct Doc {
    pages: Vec<Content>,
    current: Content,
    y: f32,
    title: String,
}

impl Default for Doc {
    fn default() -> Self {
        Self::new()
    }
}

/// `s` in WinAnsiEncoding (Windows-1252, which the base-14 fonts' WinAnsiEncoding follows): `?`
/// for what it cannot show (control characters, and characters outside the encoding).
fn win_ansi(s: &str) -> Vec<u8> {
    use encoding_rs::EncoderResult;
    let s: String = s
        .replace('→', "->")
        .chars()
        .map(|c| match c {
            '\u{202f}' | '\u{a0}' => ' ',
            c if c.is_control() => '?',
            c => c,
        })
        .collect();
    let mut encoder = encoding_rs::WINDOWS_1252.new_encoder();
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s.as_str();
    loop {
        // one byte per character at most
        out.reserve(rest.len() + 1);
        let (result, read) =
            encoder.encode_from_utf8_to_vec_without_replacement(rest, &mut out, true);
        rest = &rest[read..];
        match result {
            EncoderResult::InputEmpty => return out,
            EncoderResult::OutputFull => {}
            EncoderResult::Unmappable(_) => out.push(b'?'),
        }
    }
}

/// Splits `text` into lines of at most `max` characters, at spaces when possible.
fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split(' ') {
            let mut word = word.to_string();
            while word.chars().count() > max {
                let head: String = word.chars().take(max).collect();
                let tail: String = word.chars().skip(max).collect();
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                lines.push(head);
                word = tail;
            }
            if line.chars().count() + word.chars().count() + 1 > max && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&word);
        }
        lines.push(line);
    }
    lines
}

impl Doc {
    pub fn new() -> Doc {
        Doc {
            pages: Vec::new(),
            current: Content::new(),
            y: PAGE_H - MARGIN,
            title: String::new(),
        }
    }

    fn line(&mut self, text: &str, font: Name<'static>, size: f32) {
        // Helvetica averages about half an em per character: a safe estimate for wrapping.
        let max = ((PAGE_W - 2.0 * MARGIN) / (size * 0.52)) as usize;
        for l in wrap(text, max.max(10)) {
            let lead = size * 1.35;
            if self.y - lead < MARGIN {
                let full = std::mem::replace(&mut self.current, Content::new());
                self.pages.push(full);
                self.y = PAGE_H - MARGIN;
            }
            self.y -= lead;
            self.current
                .begin_text()
                .set_font(font, size)
                .next_line(MARGIN, self.y)
                .show(Str(&win_ansi(&l)))
                .end_text();
        }
    }

    pub fn title(&mut self, t: &str) {
        self.title = t.to_string();
        self.line(t, BOLD, 16.0);
        self.y -= 6.0;
    }
    pub fn heading(&mut self, t: &str) {
        self.y -= 10.0;
        self.line(t, BOLD, 13.0);
    }
    pub fn subheading(&mut self, t: &str) {
        self.y -= 4.0;
        self.line(t, BOLD, 11.0);
    }
    pub fn bold(&mut self, t: &str) {
        self.y -= 2.0;
        self.line(t, BOLD, 10.0);
    }
    pub fn text(&mut self, t: &str) {
        self.line(t, REGULAR, 10.0);
    }

    /// The finished file.
    pub fn finish(mut self) -> Vec<u8> {
        // The page being written: never empty once text was written (a new page starts only
        // to take a line), and the one empty page of a document without text.
        self.pages.push(self.current);
        // Objects: 1 catalog, 2 page tree, 3 Helvetica, 4 Helvetica-Bold, 5 document
        // information, then per page: the page and its content stream.
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let (regular, bold, info) = (Ref::new(3), Ref::new(4), Ref::new(5));
        let page_ref = |i: usize| Ref::new(6 + 2 * i as i32);
        let mut pdf = Pdf::new();
        pdf.catalog(catalog).pages(tree);
        let n = self.pages.len();
        pdf.pages(tree).kids((0..n).map(page_ref)).count(n as i32);
        for (font, base) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
            pdf.type1_font(font)
                .base_font(Name(base.as_bytes()))
                .encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        pdf.document_info(info)
            .title(TextStr(&self.title))
            .producer(TextStr("Vigie"));
        for (i, content) in self.pages.into_iter().enumerate() {
            let contents = Ref::new(page_ref(i).get() + 1);
            let mut page = pdf.page(page_ref(i));
            page.parent(tree)
                .media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
                .contents(contents);
            page.resources()
                .fonts()
                .pair(REGULAR, regular)
                .pair(BOLD, bold);
            page.finish();
            pdf.stream(contents, &content.finish());
        }
        pdf.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_text_is_win_ansi() {
        assert_eq!(
            win_ansi("Été (à) \\ œ"),
            b"\xc9t\xe9 (\xe0) \\ \x9c".to_vec()
        );
        assert_eq!(win_ansi("a\u{202f}→\tb 中"), b"a ->?b ?".to_vec());
        assert_eq!(wrap("un deux trois", 7), vec!["un deux", "trois"]);
    }

    /// The file reads back, page by page, in a real PDF reader (poppler's `pdftotext`, installed
    /// by `scripts/install-test-deps.sh`).
    #[test]
    fn a_pdf_reader_reads_the_french_text_back_on_each_page() {
        let mut d = Doc::new();
        d.title("Rapport d'exposition — Hôpital Sainte-Œuvre");
        d.heading("Synthèse (à traiter en priorité) \\ « urgent »");
        for i in 0..120 {
            d.text(&format!(
                "Ligne {i} : élément observé très long {}",
                "x".repeat(i)
            ));
        }
        let pdf = d.finish();
        assert!(pdf.starts_with(b"%PDF-"));
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("rapport.pdf");
        std::fs::write(&path, &pdf).expect("write");
        let out = std::process::Command::new("pdftotext")
            .args(["-enc", "UTF-8", "-layout"])
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (Debian's poppler-utils; scripts/install-test-deps.sh installs it)");
        assert!(
            out.status.success(),
            "pdftotext: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        // pages are separated by form feeds
        let pages: Vec<&str> = text
            .split('\u{c}')
            .filter(|p| !p.trim().is_empty())
            .collect();
        assert!(pages.len() >= 3, "{} pages", pages.len());
        assert!(pages[0].contains("Rapport d'exposition — Hôpital Sainte-Œuvre"));
        assert!(pages[0].contains("Synthèse (à traiter en priorité) \\ « urgent »"));
        assert!(pages[0].contains("Ligne 0 : élément observé très long"));
        // every line is there once, in order, across the pages
        let mut at = 0;
        for i in 0..120 {
            let needle = format!("Ligne {i} : ");
            let found = text[at..]
                .find(&needle)
                .unwrap_or_else(|| panic!("line {i} missing after byte {at}"));
            at += found + needle.len();
        }
        let info = std::process::Command::new("pdfinfo")
            .arg(&path)
            .output()
            .expect("pdfinfo");
        let info = String::from_utf8_lossy(&info.stdout);
        let field = |name: &str| {
            info.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
                .map(str::trim)
                .unwrap_or_else(|| panic!("no {name} in {info}"))
                .to_string()
        };
        assert_eq!(
            field("Title"),
            "Rapport d'exposition — Hôpital Sainte-Œuvre"
        );
        assert_eq!(field("Page size"), "595 x 842 pts (A4)");
        assert_eq!(field("Pages"), pages.len().to_string());
    }
}
