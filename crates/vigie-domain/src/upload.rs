//! Files people give the platform (an incident's attachments, the evidence of a plan's action):
//! what is accepted, judged by the content and never by the name alone. Every slice that takes
//! a file checks it here, so that the rules are one.
//!
//! A file is accepted when its size is within [`MAX_SIZE`], its content is one of the allowed
//! types ([`Kind`]: PDF, PNG, JPEG, GIF, plain UTF-8 text), recognised by its first bytes (or,
//! for text, by being valid UTF-8 without control characters), and its name is a plain file
//! name whose extension, if it has one, is one of that type's. A name with a folder in it (`/`,
//! `\`), `..`, a control character or nothing left once trimmed is refused rather than
//! mended, so that what the person sees refused is what they sent. An executable renamed
//! `rapport.pdf` is refused: its content is not a PDF.

use serde::Serialize;

/// The largest file, in bytes (10 MiB).
pub const MAX_SIZE: usize = 10 * 1024 * 1024;
/// The longest name kept, in characters.
pub const MAX_NAME: usize = 200;

/// An allowed type of content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Kind {
    Pdf,
    Png,
    Jpeg,
    Gif,
    Text,
}

impl Kind {
    pub const ALL: &'static [Kind] = &[Kind::Pdf, Kind::Png, Kind::Jpeg, Kind::Gif, Kind::Text];

    /// The media type the content is served with.
    pub fn media_type(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
            Kind::Gif => "image/gif",
            Kind::Text => "text/plain; charset=utf-8",
        }
    }

    /// The extensions a file of this type may have (lower case, without the dot).
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Kind::Pdf => &["pdf"],
            Kind::Png => &["png"],
            Kind::Jpeg => &["jpg", "jpeg"],
            Kind::Gif => &["gif"],
            Kind::Text => &["txt", "log", "csv", "eml", "json", "xml", "ioc", "md"],
        }
    }

    /// The kind of a stored media type.
    pub fn of_media_type(s: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.media_type() == s)
    }
}

/// Why a file is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {size} bytes, more than the {max} allowed")]
    TooLarge { size: usize, max: usize },
    #[error("the file name {0:?} is not a plain file name")]
    BadName(String),
    #[error("the content is not one of the allowed types (PDF, PNG, JPEG, GIF, text)")]
    TypeNotAllowed,
    #[error("the name ends in .{extension} but the content is {detected:?}")]
    ExtensionMismatch { extension: String, detected: Kind },
}

/// What the content is, from its first bytes (and, for text, from all of it).
pub fn detect(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(b"%PDF-") {
        Some(Kind::Pdf)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(Kind::Gif)
    } else if is_text(bytes) {
        Some(Kind::Text)
    } else {
        None
    }
}

/// UTF-8 (a byte-order mark allowed) without control characters other than tab, line feed,
/// carriage return and form feed.
fn is_text(bytes: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(bytes) else {
        return false;
    };
    s.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
}

/// The name as given, trimmed, if it is a plain file name.
pub fn check_name(name: &str) -> Result<String, Refusal> {
    let n = name.trim();
    let bad = n.is_empty()
        || n.contains(['/', '\\'])
        || n.contains("..")
        || n.starts_with('.')
        || n.chars().any(char::is_control)
        || n.chars().count() > MAX_NAME;
    if bad {
        return Err(Refusal::BadName(name.chars().take(MAX_NAME).collect()));
    }
    Ok(n.to_string())
}

/// An accepted file: its name and its type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    pub name: String,
    pub kind: Kind,
}

/// Checks a file: size, name, type by content, and the name's extension against it.
pub fn check(name: &str, bytes: &[u8]) -> Result<Accepted, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.len() > MAX_SIZE {
        return Err(Refusal::TooLarge {
            size: bytes.len(),
            max: MAX_SIZE,
        });
    }
    let name = check_name(name)?;
    let kind = detect(bytes).ok_or(Refusal::TypeNotAllowed)?;
    if let Some((_, ext)) = name.rsplit_once('.') {
        let ext = ext.to_lowercase();
        if !kind.extensions().contains(&ext.as_str()) {
            return Err(Refusal::ExtensionMismatch {
                extension: ext,
                detected: kind,
            });
        }
    }
    Ok(Accepted { name, kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_read_from_the_content() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(detect(b"%PDF-1.7\n%\xe2\xe3"), Some(Kind::Pdf));
        assert_eq!(detect(png), Some(Kind::Png));
        assert_eq!(detect(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some(Kind::Jpeg));
        assert_eq!(detect(b"GIF89a\x01\0"), Some(Kind::Gif));
        assert_eq!(
            detect("Journal du pare-feu\n10:02 refus\té".as_bytes()),
            Some(Kind::Text)
        );
        // Executables, archives, scripts with control bytes, HTML as binary: refused.
        assert_eq!(detect(b"MZ\x90\0\x03\0\0\0"), None);
        assert_eq!(detect(b"\x7fELF\x02\x01\x01"), None);
        assert_eq!(detect(b"PK\x03\x04\x14\0"), None);
        assert_eq!(detect(b"text\0with a nul"), None);
        assert_eq!(detect(&[0xC3, 0x28]), None);
    }

    #[test]
    fn a_disguised_file_is_refused_by_its_content() {
        assert_eq!(
            check("rapport.pdf", b"MZ\x90\0\x03\0\0\0This program"),
            Err(Refusal::TypeNotAllowed)
        );
        assert_eq!(
            check("capture.pdf", b"\x89PNG\r\n\x1a\n\0\0"),
            Err(Refusal::ExtensionMismatch {
                extension: "pdf".into(),
                detected: Kind::Png
            })
        );
        assert_eq!(
            check("page.html", b"<html><script>alert(1)</script>"),
            Err(Refusal::ExtensionMismatch {
                extension: "html".into(),
                detected: Kind::Text
            })
        );
        assert_eq!(
            check("Capture.PNG", b"\x89PNG\r\n\x1a\n\0\0"),
            Ok(Accepted {
                name: "Capture.PNG".into(),
                kind: Kind::Png
            })
        );
        assert_eq!(
            check("journal", b"ligne 1\n").map(|a| a.kind),
            Ok(Kind::Text)
        );
    }

    #[test]
    fn names_with_folders_or_controls_and_oversized_files_are_refused() {
        for bad in [
            "../../etc/passwd",
            "..\\..\\boot.ini",
            "a/b.txt",
            "/etc/shadow",
            "C:\\x.txt",
            ".htaccess",
            "  ",
            "x\u{0}.txt",
            "ligne\n.txt",
        ] {
            assert!(
                matches!(check(bad, b"texte"), Err(Refusal::BadName(_))),
                "{bad:?}"
            );
        }
        let long = "a".repeat(MAX_NAME + 1);
        assert!(matches!(check(&long, b"x"), Err(Refusal::BadName(_))));
        assert_eq!(check("vide.txt", b""), Err(Refusal::Empty));
        let big = vec![b'a'; MAX_SIZE + 1];
        assert_eq!(
            check("gros.txt", &big),
            Err(Refusal::TooLarge {
                size: MAX_SIZE + 1,
                max: MAX_SIZE
            })
        );
        assert!(check("juste.txt", &big[..MAX_SIZE]).is_ok());
    }
}
