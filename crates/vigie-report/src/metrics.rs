//! Widths of PDF's standard Helvetica and Helvetica-Bold, in thousandths of the font size, from
//! Adobe's font metrics (AFM) of the base-14 fonts. The PDF writer wraps text with them and the
//! charts size their labels with them (SVG text is drawn in Helvetica or its metric twin Arial).

/// Widths of the characters 32 (space) to 126 (`~`) in Helvetica.
const REGULAR: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space-/
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0-9
    278, 278, 584, 584, 584, 556, 1015, // :-@
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667,
    611, 722, 667, 944, 667, 667, 611, // A-Z
    278, 278, 278, 469, 556, 333, // [-`
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
    278, 556, 500, 722, 500, 500, 500, // a-z
    334, 260, 334, 584, // {-~
];

/// Widths of the characters 32 (space) to 126 (`~`) in Helvetica-Bold.
const BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // space-/
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0-9
    333, 333, 584, 584, 584, 611, 975, // :-@
    722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667,
    611, 722, 667, 944, 667, 667, 611, // A-Z
    333, 278, 333, 584, 556, 333, // [-`
    556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556,
    333, 611, 556, 778, 556, 556, 500, // a-z
    389, 280, 389, 584, // {-~
];

/// The ASCII letter an accented Latin letter is drawn on (its width is the letter's in these
/// fonts), or a width of its own.
fn fold(c: char) -> Result<char, u16> {
    Ok(match c {
        'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => 'a',
        'À' | 'Â' | 'Ä' | 'Á' | 'Ã' | 'Å' => 'A',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'É' | 'È' | 'Ê' | 'Ë' => 'E',
        'î' | 'ï' | 'í' | 'ì' => 'i',
        'Î' | 'Ï' | 'Í' | 'Ì' => 'I',
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
        'Ô' | 'Ö' | 'Ó' | 'Ò' | 'Õ' => 'O',
        'ù' | 'û' | 'ü' | 'ú' => 'u',
        'Ù' | 'Û' | 'Ü' | 'Ú' => 'U',
        'ç' => 'c',
        'Ç' => 'C',
        'ñ' => 'n',
        'ÿ' | 'ý' => 'y',
        '\u{a0}' | '\u{202f}' => ' ',
        '’' | '‘' => '\'',
        '«' | '»' => return Err(556),
        'œ' => return Err(944),
        'Œ' => return Err(1000),
        'æ' => return Err(889),
        'Æ' => return Err(1000),
        '—' | '…' | '‰' => return Err(1000),
        '–' | '€' | '•' => return Err(556),
        '°' => return Err(400),
        '·' => return Err(278),
        c => c,
    })
}

/// The width of `text` set in Helvetica (or Helvetica-Bold) at `size` points.
pub fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    let table = if bold { &BOLD } else { &REGULAR };
    let units: u32 = text
        .chars()
        .map(|c| match fold(c) {
            Ok(c) => {
                let i = (c as u32).wrapping_sub(32) as usize;
                u32::from(table.get(i).copied().unwrap_or(556))
            }
            Err(w) => u32::from(w),
        })
        .sum();
    units as f32 * size / 1000.0
}

/// `text` broken into lines no wider than `width` at `size` points: at spaces, and inside words
/// longer than a line. No-break spaces do not break. Line breaks in `text` are kept.
pub fn wrap(text: &str, width: f32, size: f32, bold: bool) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split(' ') {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, size, bold) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // a word wider than a line is cut
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if text_width(&piece, size, bold) > width && piece.chars().count() > 1 {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        lines.push(line);
    }
    lines
}

/// `s`, cut with an ellipsis when `measure` finds it wider than `width`.
pub fn fit(s: &str, width: f32, measure: impl Fn(&str) -> f32) -> String {
    if measure(s) <= width {
        return s.to_string();
    }
    let ellipsis = measure("…");
    let mut out = String::new();
    for c in s.chars() {
        out.push(c);
        if measure(&out) + ellipsis > width {
            out.pop();
            break;
        }
    }
    format!("{}…", out.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_font_metrics() {
        assert!((text_width("Hello", 10.0, false) - 22.78).abs() < 0.01);
        assert!((text_width("Été", 10.0, true) - text_width("Ete", 10.0, true)).abs() < 0.001);
        assert!(text_width("W", 10.0, false) > text_width("i", 10.0, false));
        assert!(text_width("中", 10.0, false) > 0.0);
    }

    #[test]
    fn wrapping() {
        let lines = wrap(
            "un deux trois quatre",
            text_width("un deux", 10.0, false) + 0.1,
            10.0,
            false,
        );
        assert_eq!(lines, vec!["un deux", "trois", "quatre"]);
        let long = "x".repeat(50);
        let lines = wrap(&long, 50.0, 10.0, false);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), long);
        assert_eq!(wrap("a\nb", 100.0, 10.0, false), vec!["a", "b"]);
        assert_eq!(
            wrap("12\u{202f}345 €", 1.0, 10.0, false)
                .concat()
                .replace(' ', ""),
            "12\u{202f}345€"
        );
    }
}
