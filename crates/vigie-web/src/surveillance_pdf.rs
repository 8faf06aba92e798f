//! A small PDF writer for the exposure report: A4 pages of wrapped text in the standard Helvetica
//! fonts (PDF's base-14 fonts: every reader has them, so no font file is embedded) with
//! WinAnsiEncoding, which covers French (é, è, à, ç, œ, « », …). Uncompressed, PDF 1.4.

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;

/// A document being written.
pub struct Doc {
    pages: Vec<String>,
    current: String,
    y: f32,
    title: String,
}

impl Default for Doc {
    fn default() -> Self {
        Self::new()
    }
}

/// Maps a character to its WinAnsiEncoding byte (`?` when it has none).
fn win_ansi(c: char) -> u8 {
    let u = c as u32;
    match c {
        '€' => 0x80,
        '‚' => 0x82,
        '„' => 0x84,
        '…' => 0x85,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '›' => 0x9B,
        'œ' => 0x9C,
        'Ÿ' => 0x9F,
        '\u{202f}' | '\u{a0}' => b' ',
        _ if (0x20..0x7f).contains(&u) || (0xa0..=0xff).contains(&u) => u as u8,
        _ => b'?',
    }
}

/// A PDF string literal of `s` in WinAnsiEncoding.
fn literal(s: &str) -> Vec<u8> {
    let mut out = vec![b'('];
    for c in s.replace('→', "->").chars() {
        let b = win_ansi(c);
        if matches!(b, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b')');
    out
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
            current: String::new(),
            y: PAGE_H - MARGIN,
            title: String::new(),
        }
    }

    fn line(&mut self, text: &str, font: &str, size: f32) {
        // Helvetica averages about half an em per character: a safe estimate for wrapping.
        let max = ((PAGE_W - 2.0 * MARGIN) / (size * 0.52)) as usize;
        for l in wrap(text, max.max(10)) {
            let lead = size * 1.35;
            if self.y - lead < MARGIN {
                self.pages.push(std::mem::take(&mut self.current));
                self.y = PAGE_H - MARGIN;
            }
            self.y -= lead;
            // Text is kept as bytes-in-a-String only through `literal`; the stream is assembled
            // as bytes in `finish`, so here it is stored hex-encoded to stay valid UTF-8.
            let lit = literal(&l);
            self.current.push_str(&format!(
                "BT /{font} {size} Tf {MARGIN} {:.1} Td <{}> Tj ET\n",
                self.y,
                hex(&lit[1..lit.len() - 1])
            ));
        }
    }

    pub fn title(&mut self, t: &str) {
        self.title = t.to_string();
        self.line(t, "F2", 16.0);
        self.y -= 6.0;
    }
    pub fn heading(&mut self, t: &str) {
        self.y -= 10.0;
        self.line(t, "F2", 13.0);
    }
    pub fn subheading(&mut self, t: &str) {
        self.y -= 4.0;
        self.line(t, "F2", 11.0);
    }
    pub fn bold(&mut self, t: &str) {
        self.y -= 2.0;
        self.line(t, "F2", 10.0);
    }
    pub fn text(&mut self, t: &str) {
        self.line(t, "F1", 10.0);
    }

    /// The finished file.
    pub fn finish(mut self) -> Vec<u8> {
        if !self.current.is_empty() || self.pages.is_empty() {
            self.pages.push(std::mem::take(&mut self.current));
        }
        let n = self.pages.len();
        // Objects: 1 catalog, 2 pages, 3 Helvetica, 4 Helvetica-Bold, 5 info, then per page:
        // the page and its content stream.
        let mut objs: Vec<Vec<u8>> = Vec::new();
        objs.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
        let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 6 + 2 * i)).collect();
        objs.push(format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes());
        objs.push(
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
                .to_vec(),
        );
        objs.push(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>".to_vec());
        let mut info = b"<< /Producer (Vigie) /Title ".to_vec();
        info.extend(literal(&self.title));
        info.extend(b" >>");
        objs.push(info);
        for (i, content) in self.pages.iter().enumerate() {
            objs.push(
                format!(
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] \
                     /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
                    7 + 2 * i
                )
                .into_bytes(),
            );
            let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
            stream.extend(content.as_bytes());
            stream.extend(b"\nendstream");
            objs.push(stream);
        }
        let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
        let mut offsets = Vec::new();
        for (i, o) in objs.iter().enumerate() {
            offsets.push(out.len());
            out.extend(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend(o);
            out.extend(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
        for off in offsets {
            out.extend(format!("{off:010} 00000 n \n").as_bytes());
        }
        out.extend(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objs.len() + 1
            )
            .as_bytes(),
        );
        out
    }
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push_str(&format!("{x:02X}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_text_is_win_ansi_and_the_file_is_well_formed() {
        assert_eq!(
            literal("Été (à) \\ œ"),
            b"(\xc9t\xe9 \\(\xe0\\) \\\\ \x9c)".to_vec()
        );
        let mut d = Doc::new();
        d.title("Rapport d'exposition");
        for i in 0..120 {
            d.text(&format!(
                "Ligne {i} : élément observé très long {}",
                "x".repeat(i)
            ));
        }
        let pdf = d.finish();
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains("/Count 3") || text.contains("/Count 4"),
            "several pages"
        );
        // Every xref offset points at its object.
        let xref_at: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|t| t.parse().ok())
            .unwrap();
        let table = &pdf[xref_at..];
        let table = String::from_utf8_lossy(table);
        for (i, line) in table
            .lines()
            .skip(3)
            .take_while(|l| l.ends_with(" n "))
            .enumerate()
        {
            let off: usize = line[..10].parse().unwrap();
            assert!(pdf[off..].starts_with(format!("{} 0 obj", i + 1).as_bytes()));
        }
        assert_eq!(wrap("un deux trois", 7), vec!["un deux", "trois"]);
    }
}
