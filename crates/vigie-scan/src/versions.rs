//! Version facts: distribution patch levels read from banners, end-of-life data.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

pub const EOL_DATA: &str = include_str!("../rules/eol.toml");

/// How sure a version-derived conclusion is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// A distribution package revision read from a banner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistroPatch {
    pub distro: String,
    /// e.g. "12" for Debian bookworm when readable.
    pub release: Option<String>,
    /// e.g. "2+deb12u10" (Debian revision) or "3ubuntu0.10".
    pub revision: Option<String>,
    /// The patch level as the distribution numbers it, e.g. "deb12u10".
    pub patch_level: Option<String>,
}

/// Reads a distribution patch level from a banner or Server header.
/// `OpenSSH_9.2p1 Debian-2+deb12u10` → Debian 12, revision 2+deb12u10, patch level deb12u10.
pub fn distro_patch(text: &str) -> Option<DistroPatch> {
    static RES: std::sync::OnceLock<Option<[regex::Regex; 4]>> = std::sync::OnceLock::new();
    let [re_deb, re_deb_pl, re_ub, re_ub_pl] = RES
        .get_or_init(|| {
            Some([
                regex::Regex::new(r"Debian-([0-9][\w.~+]*)").ok()?,
                regex::Regex::new(r"(deb(\d+)u\d+)").ok()?,
                regex::Regex::new(r"Ubuntu-([0-9][\w.~+]*)").ok()?,
                regex::Regex::new(r"(\d*ubuntu[\d.]+)").ok()?,
            ])
        })
        .as_ref()?;
    if let Some(c) = re_deb.captures(text) {
        let rev = c.get(1).map(|m| m.as_str().to_string());
        let pl = rev.as_deref().and_then(|r| {
            re_deb_pl
                .captures(r)
                .map(|c| (c[1].to_string(), c[2].to_string()))
        });
        return Some(DistroPatch {
            distro: "Debian".into(),
            release: pl.as_ref().map(|p| p.1.clone()),
            revision: rev,
            patch_level: pl.map(|p| p.0),
        });
    }
    if let Some(c) = re_ub.captures(text) {
        let rev = c[1].to_string();
        let pl = re_ub_pl.captures(&rev).map(|c| c[1].to_string());
        return Some(DistroPatch {
            distro: "Ubuntu".into(),
            release: None,
            revision: Some(rev),
            patch_level: pl,
        });
    }
    for (needle, name) in [
        ("(Debian)", "Debian"),
        ("(Ubuntu)", "Ubuntu"),
        ("(Red Hat", "Red Hat Enterprise Linux"),
        ("(CentOS)", "CentOS"),
        (".el7", "Red Hat Enterprise Linux"),
        (".el8", "Red Hat Enterprise Linux"),
        (".el9", "Red Hat Enterprise Linux"),
        ("FreeBSD", "FreeBSD"),
    ] {
        if text.contains(needle) {
            return Some(DistroPatch {
                distro: name.into(),
                release: None,
                revision: None,
                patch_level: None,
            });
        }
    }
    None
}

/// Compares dotted versions numerically component by component
/// ("9.2p1" → [9, 2, 1]); text parts are ignored.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts = |s: &str| -> Vec<u64> {
        s.split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty())
            .filter_map(|p| p.parse().ok())
            .collect()
    };
    let (pa, pb) = (parts(a), parts(b));
    for i in 0..pa.len().max(pb.len()) {
        let x = pa.get(i).copied().unwrap_or(0);
        let y = pb.get(i).copied().unwrap_or(0);
        match x.cmp(&y) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    Ordering::Equal
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct EolEntry {
    pub product: String,
    #[serde(default)]
    pub from: Option<String>,
    pub below: String,
    pub since: String,
    pub note: String,
}

#[derive(Debug, Deserialize)]
struct EolFile {
    eol: Vec<EolEntry>,
}

pub fn eol_table() -> Vec<EolEntry> {
    toml::from_str::<EolFile>(EOL_DATA)
        .map(|f| f.eol)
        .unwrap_or_default()
}

/// The end-of-life entry a product version falls under, if any.
pub fn end_of_life<'a>(
    table: &'a [EolEntry],
    product: &str,
    version: &str,
) -> Option<&'a EolEntry> {
    table.iter().find(|e| {
        e.product == product
            && compare_versions(version, &e.below) == Ordering::Less
            && e.from
                .as_deref()
                .is_none_or(|f| compare_versions(version, f) != Ordering::Less)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_patch_level() {
        let d = distro_patch("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10").unwrap();
        assert_eq!(d.distro, "Debian");
        assert_eq!(d.release.as_deref(), Some("12"));
        assert_eq!(d.patch_level.as_deref(), Some("deb12u10"));
        assert_eq!(d.revision.as_deref(), Some("2+deb12u10"));
        let u = distro_patch("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10").unwrap();
        assert_eq!(u.patch_level.as_deref(), Some("3ubuntu0.10"));
        assert_eq!(
            distro_patch("Apache/2.4.62 (Debian)").unwrap().distro,
            "Debian"
        );
        assert!(distro_patch("nginx/1.22.1").is_none());
    }

    #[test]
    fn versions_and_eol() {
        assert_eq!(compare_versions("9.2p1", "9.10"), Ordering::Less);
        assert_eq!(compare_versions("15.1.2507.6", "15.1"), Ordering::Greater);
        let t = eol_table();
        assert!(t.len() >= 5);
        let e = end_of_life(&t, "Microsoft Exchange Outlook Web Access", "15.0.1497.2").unwrap();
        assert!(e.note.contains("2013"));
        assert!(
            end_of_life(&t, "Microsoft Exchange Outlook Web Access", "15.2.1544.4")
                .unwrap()
                .note
                .contains("2019")
        );
        assert!(end_of_life(&t, "nginx", "1.22.1").is_none());
        assert!(end_of_life(&t, "Microsoft IIS httpd", "7.5").is_some());
    }
}
