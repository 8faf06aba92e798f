//! Version comparison that understands vendor schemes and refuses to guess.
//!
//! [`compare`] returns `None` whenever the two strings cannot be ordered honestly
//! (no digits, free text, unknown qualifiers on equal releases, calendar vs. semantic
//! numbering, Exchange marketing names...). Callers must send such pairs to human review.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// How a product numbers its versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    /// Dotted numbers with pre-release (`rc1`, `beta2`) and post-release (`p1`, `-h3`, `sp1`) qualifiers.
    #[default]
    Generic,
    /// Semantic Versioning 2.0: `-x` is a pre-release, `+x` build metadata (ignored).
    Semver,
    /// Debian/dpkg `[epoch:]upstream[-revision]` with the dpkg ordering (`~` sorts first).
    Debian,
    /// FortiOS / FortiProxy: `7.0.12`, `7.0.12 build 0523`, `v7.0.12,build0523`, `7.0.12 b0523`.
    /// The build number is redundant with the release (one GA build per release) and is ignored.
    FortiOs,
    /// Citrix NetScaler ADC/Gateway: `13.1-49.15`, `13.1 build 49.15`; `FIPS`/`NDcPP` are editions.
    NetScaler,
    /// Microsoft build numbers (Exchange `15.1.2176.2`, Windows `10.0.17763.5458`): 3 or 4 numbers only.
    MsBuild,
    /// OpenSSH: `9.2p1`, `OpenSSH_9.2p1`; a missing portable level counts as `p0`.
    OpenSsh,
    /// MySQL/MariaDB-style banners: `5.5.62-log`, `8.0.36-debug`; known banner suffixes are ignored.
    Mysql,
    /// Ivanti/Pulse Connect Secure: `22.1R6.2`, `9.1R18`, `9.1R18.2`; Juniper Junos
    /// `21.4R3-S6` (service release 6 of 21.4R3).
    Ivanti,
    /// PAN-OS: `10.2.4-h3` (hotfix 3 after 10.2.4), `10.2.4` = `10.2.4-h0`.
    PanOs,
    /// Cisco trains: ASA `9.16(4)57` = `9.16.4.57`, IOS `15.2(7)E8`, IOS XE `17.3.4a`,
    /// `3.7.4aS`, NX-OS `9.3(10)`. Upper-case letters name the train (`E`, `M`, `SE`, `S`):
    /// versions of different trains never compare (other branch).
    Cisco,
    /// VMware / Broadcom: `8.0 U3b`, `7.0U3o`, `8.0 Update 2`, `8.0.3` (= 8.0 U3),
    /// `ESXi80U3-24022510`, `8.0 U2 build 22380479`, a bare build `24022510`. Updates and their
    /// letters order releases; build numbers order builds when both sides carry one.
    Vmware,
}

impl Scheme {
    /// Parse a scheme name as used in the catalogue (`fortios`, `netscaler`, ...).
    pub fn from_name(s: &str) -> Option<Scheme> {
        Some(
            match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
                "generic" => Scheme::Generic,
                "semver" => Scheme::Semver,
                "debian" | "deb" | "dpkg" => Scheme::Debian,
                "fortios" => Scheme::FortiOs,
                "netscaler" | "citrix" => Scheme::NetScaler,
                "msbuild" | "ms-build" | "exchange" => Scheme::MsBuild,
                "openssh" => Scheme::OpenSsh,
                "mysql" => Scheme::Mysql,
                "ivanti" | "pulse" => Scheme::Ivanti,
                "panos" | "pan-os" => Scheme::PanOs,
                "cisco" | "cisco-train" | "ios" => Scheme::Cisco,
                "vmware" | "broadcom" | "esxi" => Scheme::Vmware,
                _ => return None,
            },
        )
    }

    /// All schemes (for CLIs and tests).
    pub const ALL: [Scheme; 12] = [
        Scheme::Generic,
        Scheme::Semver,
        Scheme::Debian,
        Scheme::FortiOs,
        Scheme::NetScaler,
        Scheme::MsBuild,
        Scheme::OpenSsh,
        Scheme::Mysql,
        Scheme::Ivanti,
        Scheme::PanOs,
        Scheme::Cisco,
        Scheme::Vmware,
    ];
}

/// A parsed version. Build it with [`Version::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Debian-style epoch (`1:`), 0 when absent.
    pub epoch: u64,
    /// The numeric release components, e.g. `[13, 1, 49, 15]`.
    pub release: Vec<u64>,
    /// Pre-release: rank (dev=0, alpha=1, beta=2, preview=3, rc=4) and its numbers.
    pub pre: Option<(u8, Vec<u64>)>,
    /// Post-release numbers (`p1`, `-h3`, `sp2`, `update 3`...).
    pub post: Vec<u64>,
    /// Informational build number (FortiOS), never compared.
    pub build: Option<u64>,
    /// Edition marker (`fips`, `ndcpp`), not compared; matching checks it.
    pub edition: Option<String>,
    /// Distribution revision (`-2+deb12u3`, `-0ubuntu0.22.04.1`): a backported fix may be present.
    pub distro: Option<String>,
    /// Unrecognised word (at most one is tolerated): equal releases with differing words do not compare.
    pub unknown: Option<String>,
    raw: String,
    scheme: Scheme,
    special: Option<Special>,
}

/// Vendor notations that do not fit the generic shape.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Special {
    /// Cisco: components (number, lower-case letter suffix) and the train's upper-case letters.
    Cisco {
        comps: Vec<(u64, String)>,
        train: String,
    },
    /// VMware: major.minor in `release`; update, its letter, a 4th appliance number, the build.
    Vmware {
        has_release: bool,
        update: Option<u64>,
        letter: String,
        patch4: Option<u64>,
        /// `8.0` alone: the line's GA (update 0 implied).
        ga: bool,
    },
}

const MAX_LEN: usize = 256;
const MAX_COMPONENT_DIGITS: usize = 18;

fn pre_rank(w: &str) -> Option<u8> {
    Some(match w {
        "dev" | "snapshot" | "nightly" => 0,
        "alpha" | "a" => 1,
        "beta" | "b" => 2,
        "pre" | "preview" | "m" | "milestone" | "ea" => 3,
        "rc" | "cr" => 4,
        _ => return None,
    })
}

fn is_post(w: &str) -> bool {
    matches!(
        w,
        "p" | "pl"
            | "patch"
            | "h"
            | "hotfix"
            | "sp"
            | "u"
            | "update"
            | "post"
            | "rev"
            | "r"
            | "fix"
            | "hf"
    )
}

fn is_ignorable(w: &str) -> bool {
    matches!(
        w,
        "v" | "ver"
            | "version"
            | "release"
            | "log"
            | "debug"
            | "community"
            | "enterprise"
            | "standard"
            | "ga"
            | "final"
            | "stable"
            | "lts"
            | "x"
            | "server"
    )
}

fn is_edition(w: &str) -> bool {
    matches!(w, "fips" | "ndcpp" | "cc")
}

fn is_distro_marker(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    [
        "deb", "ubuntu", ".el", "el7", "el8", "el9", ".fc", "amzn", "suse", ".mga", "alpine",
        "bpo", "rhel",
    ]
    .iter()
    .any(|m| l.contains(m))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Num(u64),
    Word(String),
    Sep(char),
}

fn tokenize(s: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut n = String::new();
            while let Some(&d) = chars.peek() {
                if d.is_ascii_digit() {
                    n.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            let trimmed = n.trim_start_matches('0');
            if trimmed.len() > MAX_COMPONENT_DIGITS {
                return None;
            }
            out.push(Tok::Num(trimmed.parse::<u64>().unwrap_or(0)));
        } else if c.is_alphabetic() {
            let mut w = String::new();
            while let Some(&d) = chars.peek() {
                if d.is_alphabetic() {
                    w.extend(d.to_lowercase());
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(Tok::Word(w));
        } else {
            chars.next();
            out.push(Tok::Sep(c));
        }
    }
    Some(out)
}

impl Version {
    /// The text that was parsed.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The scheme it was parsed with.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// Parse `s` under `scheme`. Returns `None` when the text is not a version we can order
    /// (no digits, free text, more than one unknown word, list of versions...).
    pub fn parse(s: &str, scheme: Scheme) -> Option<Version> {
        let raw = s.trim();
        if raw.is_empty() || raw.len() > MAX_LEN || !raw.bytes().any(|b| b.is_ascii_digit()) {
            return None;
        }
        if raw.contains(['[', ']', '<', '>', '=', ';', '/', '|', '"'])
            || (scheme != Scheme::Cisco && raw.contains(['(', ')']))
        {
            // Ranges, notes and free text are not versions.
            return None;
        }
        if raw.contains(',') && scheme != Scheme::FortiOs {
            // "7.2.1, 7.2.0, 7.0.6": a list, not a version.
            return None;
        }
        let mut v = Version {
            epoch: 0,
            release: Vec::new(),
            pre: None,
            post: Vec::new(),
            build: None,
            edition: None,
            distro: None,
            unknown: None,
            raw: raw.to_string(),
            scheme,
            special: None,
        };
        if scheme == Scheme::Debian {
            return Self::parse_debian(raw, v);
        }
        if scheme == Scheme::Cisco {
            return Self::parse_cisco(raw, v);
        }
        if scheme == Scheme::Vmware {
            return Self::parse_vmware(raw, v);
        }
        let mut body: &str = raw;
        // Strip a leading product word ("OpenSSH_9.2p1", "FortiOS 7.0.12", "v7.0.12").
        if let Some(first_digit) = body.find(|c: char| c.is_ascii_digit()) {
            let prefix = &body[..first_digit];
            if prefix
                .chars()
                .all(|c| c.is_alphabetic() || c == '_' || c == ' ' || c == '-')
            {
                body = &body[first_digit..];
            } else {
                return None;
            }
        }
        // Epoch.
        if let Some((e, rest)) = body.split_once(':') {
            if !e.is_empty() && e.len() <= 9 && e.bytes().all(|b| b.is_ascii_digit()) {
                v.epoch = e.parse().unwrap_or(0);
                body = rest;
                if scheme != Scheme::Debian {
                    // An epoch means a distribution package: the revision after the last '-'.
                    if let Some((up, rev)) = body.rsplit_once('-') {
                        v.distro = Some(rev.to_string());
                        body = up;
                    }
                }
            } else {
                return None;
            }
        }
        // Distribution revision suffix ("9.2p1-2+deb12u3", "8.0.36-0ubuntu0.22.04.1", "2.4.57-2.el9").
        if v.distro.is_none() {
            if let Some(pos) = body.find(['-', '+']) {
                let tail = &body[pos + 1..];
                if is_distro_marker(tail) && tail.bytes().any(|b| b.is_ascii_digit()) {
                    v.distro = Some(tail.to_string());
                    body = &body[..pos];
                }
            }
        }
        if scheme == Scheme::Semver {
            if let Some((b, _meta)) = body.split_once('+') {
                body = b;
            }
        }
        let toks = tokenize(body)?;
        Self::fill(&mut v, &toks, scheme)?;
        if v.release.is_empty() {
            return None;
        }
        if scheme == Scheme::MsBuild
            && (!(2..=4).contains(&v.release.len())
                || v.pre.is_some()
                || !v.post.is_empty()
                || v.unknown.is_some()
                || v.release.first().is_some_and(|m| *m > 100))
        {
            // Microsoft builds are 2-4 plain numbers ("Exchange 2019 CU14" is not one).
            return None;
        }
        Some(v)
    }

    fn parse_cisco(raw: &str, mut v: Version) -> Option<Version> {
        // Leading product words: "Cisco IOS XE Software, Version 17.3.4a" is not accepted (a
        // comma), "IOS 15.2(7)E8" is.
        let first = raw.find(|c: char| c.is_ascii_digit())?;
        let (prefix, body) = raw.split_at(first);
        if !prefix
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '_' || c == '-')
        {
            return None;
        }
        let mut comps: Vec<(u64, String)> = Vec::new();
        let mut train = String::new();
        let b = body.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c.is_ascii_digit() {
                let s = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                let digits = body.get(s..i)?.trim_start_matches('0');
                if digits.len() > MAX_COMPONENT_DIGITS {
                    return None;
                }
                comps.push((digits.parse().unwrap_or(0), String::new()));
                continue;
            }
            if c.is_ascii_lowercase() {
                let s = i;
                while i < b.len() && b[i].is_ascii_lowercase() {
                    i += 1;
                }
                let word = body.get(s..i)?;
                // A letter glued to a number is a rebuild suffix (`17.3.4a`, `E0a`).
                match comps.last_mut() {
                    Some(last)
                        if last.1.is_empty() && i - word.len() > 0 && b[s - 1].is_ascii_digit() =>
                    {
                        last.1 = word.to_string();
                    }
                    _ => return None,
                }
                continue;
            }
            if c.is_ascii_uppercase() {
                let s = i;
                while i < b.len() && b[i].is_ascii_uppercase() {
                    i += 1;
                }
                if !train.is_empty()
                    && b.get(s.wrapping_sub(1))
                        .is_some_and(|p| !p.is_ascii_uppercase())
                {
                    // NX-OS `7.0(3)I7(9)`: one train only.
                    if body.get(s..i)? != train {
                        return None;
                    }
                }
                if train.is_empty() {
                    train = body.get(s..i)?.to_string();
                }
                continue;
            }
            if matches!(c, b'.' | b'(' | b')') {
                i += 1;
                continue;
            }
            return None;
        }
        if comps.is_empty() || comps.len() > 12 {
            return None;
        }
        v.release = comps.iter().map(|c| c.0).collect();
        v.special = Some(Special::Cisco { comps, train });
        Some(v)
    }

    fn parse_vmware(raw: &str, mut v: Version) -> Option<Version> {
        let mut s = raw.to_ascii_lowercase();
        // Compact bulletin names: `ESXi80U3-24022510`, `esxi70u3sq-23794019`.
        if let Some(rest) = s.strip_prefix("esxi").or_else(|| s.strip_prefix("esx")) {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if (2..=3).contains(&digits.len()) {
                let tail = rest.get(digits.len()..).unwrap_or("");
                s = format!(
                    "{}.{} {}",
                    &digits[..1],
                    &digits[1..],
                    tail.replace('-', " build ")
                );
            }
        }
        let toks = tokenize(&s)?;
        let mut i = 0;
        // Leading product words.
        while let Some(t) = toks.get(i) {
            let skip = match t {
                Tok::Word(w) => matches!(
                    w.as_str(),
                    "vmware"
                        | "esxi"
                        | "esx"
                        | "vcenter"
                        | "server"
                        | "vcsa"
                        | "appliance"
                        | "version"
                        | "v"
                ),
                Tok::Sep(c) => matches!(c, ' ' | '_' | '-'),
                Tok::Num(_) => false,
            };
            if !skip {
                break;
            }
            i += 1;
        }
        let mut nums: Vec<u64> = Vec::new();
        if matches!(toks.get(i), Some(Tok::Num(_))) {
            i = Self::push_dotted(&mut nums, &toks, i);
        }
        if nums.is_empty() || nums.len() > 4 {
            return None;
        }
        let mut update: Option<u64> = None;
        let mut letter = String::new();
        let mut patch4 = None;
        let mut build = None;
        let has_release;
        if nums.len() == 1 && nums[0] >= 10_000 {
            // A bare build number.
            has_release = false;
            build = Some(nums[0]);
        } else {
            if nums.len() < 2 {
                return None;
            }
            has_release = true;
            v.release = nums.iter().take(2).copied().collect();
            update = nums.get(2).copied();
            patch4 = nums.get(3).copied();
        }
        while i < toks.len() {
            match &toks[i] {
                Tok::Sep(_) => i += 1,
                Tok::Word(w) if (w == "u" || w == "update") && has_release => {
                    i += 1;
                    while matches!(toks.get(i), Some(Tok::Sep(' ' | '_' | '-'))) {
                        i += 1;
                    }
                    let Some(Tok::Num(n)) = toks.get(i) else {
                        return None;
                    };
                    if update.is_some_and(|u| u != *n) || patch4.is_some() {
                        return None;
                    }
                    update = Some(*n);
                    i += 1;
                    if let Some(Tok::Word(l)) = toks.get(i) {
                        // `U3b` is update 3 letter b; `U3 b24022510` is a build.
                        let build_word = l == "build"
                            || (l == "b" && matches!(toks.get(i + 1), Some(Tok::Num(_))));
                        if !build_word && l.len() <= 3 {
                            letter = l.clone();
                            i += 1;
                        }
                    }
                }
                Tok::Word(w) if w == "build" || w == "b" => {
                    i += 1;
                    while matches!(toks.get(i), Some(Tok::Sep(_))) {
                        i += 1;
                    }
                    let Some(Tok::Num(n)) = toks.get(i) else {
                        return None;
                    };
                    build = Some(*n);
                    i += 1;
                }
                Tok::Word(w) if w == "ga" => i += 1,
                Tok::Num(n)
                    if *n >= 10_000
                        && build.is_none()
                        && i > 0
                        && matches!(toks.get(i - 1), Some(Tok::Sep('-' | ' '))) =>
                {
                    build = Some(*n);
                    i += 1;
                }
                _ => return None,
            }
        }
        let ga = has_release && update.is_none() && build.is_none() && letter.is_empty();
        if has_release {
            // `8.0` alone is the release's GA: update 0.
            if ga {
                update = Some(0);
            }
            if let Some(u) = update {
                v.release.push(u);
            }
        }
        v.build = build;
        v.special = Some(Special::Vmware {
            has_release,
            update,
            letter,
            patch4,
            ga,
        });
        Some(v)
    }

    fn parse_debian(body: &str, mut v: Version) -> Option<Version> {
        if body.is_empty() || !body.as_bytes().first().is_some_and(|b| b.is_ascii_digit()) {
            return None;
        }
        if !body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".+-~:".contains(c))
        {
            return None;
        }
        let no_epoch = match body.split_once(':') {
            Some((e, r))
                if !e.is_empty() && e.len() <= 9 && e.bytes().all(|b| b.is_ascii_digit()) =>
            {
                v.epoch = e.parse().unwrap_or(0);
                r
            }
            Some(_) => return None,
            None => body,
        };
        if !no_epoch
            .as_bytes()
            .first()
            .is_some_and(|b| b.is_ascii_digit())
        {
            return None;
        }
        let (up, rev) = match no_epoch.rsplit_once('-') {
            Some((u, r)) => (u, Some(r)),
            None => (body, None),
        };
        // Keep the numbers for display/EOL purposes.
        let toks = tokenize(up)?;
        for t in &toks {
            match t {
                Tok::Num(n) => v.release.push(*n),
                Tok::Sep('.') => {}
                _ => break,
            }
        }
        v.distro = rev.map(str::to_string);
        Some(v)
    }

    fn fill(v: &mut Version, toks: &[Tok], scheme: Scheme) -> Option<()> {
        let mut i = 0;
        // Release: numbers separated by '.'.
        while i < toks.len() {
            match &toks[i] {
                Tok::Num(n) => {
                    v.release.push(*n);
                    i += 1;
                    if matches!(toks.get(i), Some(Tok::Sep('.')))
                        && matches!(toks.get(i + 1), Some(Tok::Num(_)))
                    {
                        i += 1;
                        continue;
                    }
                    break;
                }
                _ => return None,
            }
        }
        if v.release.len() > 32 {
            return None;
        }
        let mut words_seen = 0usize;
        while i < toks.len() {
            match &toks[i] {
                Tok::Sep(_) => i += 1,
                Tok::Num(n) => {
                    // A number after the release and a separator.
                    let prev_sep = if i > 0 { toks.get(i - 1) } else { None };
                    match (scheme, prev_sep) {
                        (Scheme::NetScaler, Some(Tok::Sep('-' | ' ' | '_')))
                        | (Scheme::Generic, Some(Tok::Sep('-')))
                            if v.pre.is_none() && v.post.is_empty() =>
                        {
                            // 13.1-49.15: the build continues the release.
                            i = Self::push_dotted(&mut v.release, toks, i);
                        }
                        (Scheme::Semver, Some(Tok::Sep('-'))) if v.pre.is_none() => {
                            let mut nums = Vec::new();
                            i = Self::push_dotted(&mut nums, toks, i);
                            v.pre = Some((0, nums));
                        }
                        _ => {
                            let _ = n;
                            return None;
                        }
                    }
                }
                Tok::Word(w) => {
                    let w = w.as_str();
                    i += 1;
                    if is_edition(w) {
                        v.edition = Some(w.to_string());
                        continue;
                    }
                    if (scheme == Scheme::FortiOs && (w == "build" || w == "b"))
                        || (w == "build" && scheme != Scheme::NetScaler)
                    {
                        let mut nums = Vec::new();
                        i = Self::push_dotted(&mut nums, toks, i);
                        v.build = nums.first().copied();
                        continue;
                    }
                    if scheme == Scheme::NetScaler && w == "build" {
                        i = Self::push_dotted(&mut v.release, toks, i);
                        continue;
                    }
                    if scheme == Scheme::Ivanti && w == "r" && v.release.len() == 2 {
                        i = Self::push_dotted(&mut v.release, toks, i);
                        continue;
                    }
                    // Junos `21.4R3-S6`: service release 6 of 21.4R3.
                    if scheme == Scheme::Ivanti && w == "s" && v.release.len() == 3 {
                        i = Self::push_dotted(&mut v.release, toks, i);
                        continue;
                    }
                    if scheme == Scheme::Mysql && (w == "mariadb" || w == "percona") {
                        v.edition = Some(w.to_string());
                        continue;
                    }
                    if let Some(rank) = pre_rank(w) {
                        if v.pre.is_some() || !v.post.is_empty() {
                            return None;
                        }
                        let mut nums = Vec::new();
                        i = Self::push_dotted(&mut nums, toks, i);
                        v.pre = Some((rank, nums));
                        continue;
                    }
                    if is_post(w) {
                        let mut nums = Vec::new();
                        i = Self::push_dotted(&mut nums, toks, i);
                        if nums.is_empty() {
                            nums.push(0);
                        }
                        v.post.extend(nums);
                        continue;
                    }
                    if is_ignorable(w) {
                        continue;
                    }
                    words_seen += 1;
                    if words_seen > 1 {
                        // Free text ("and earlier versions"): not a version.
                        return None;
                    }
                    v.unknown = Some(w.to_string());
                    // Numbers glued to an unknown word belong to it.
                    let mut nums = Vec::new();
                    i = Self::push_dotted(&mut nums, toks, i);
                    if !nums.is_empty() {
                        let joined: Vec<String> = nums.iter().map(u64::to_string).collect();
                        v.unknown = Some(format!("{w}{}", joined.join(".")));
                    }
                }
            }
        }
        Some(())
    }

    /// Push `N(.N)*` starting at `i` (skipping one leading separator); returns the next index.
    fn push_dotted(into: &mut Vec<u64>, toks: &[Tok], mut i: usize) -> usize {
        if matches!(toks.get(i), Some(Tok::Sep('.' | '-' | '_' | ' ')))
            && matches!(toks.get(i + 1), Some(Tok::Num(_)))
        {
            i += 1;
        }
        while let Some(Tok::Num(n)) = toks.get(i) {
            into.push(*n);
            i += 1;
            if matches!(toks.get(i), Some(Tok::Sep('.')))
                && matches!(toks.get(i + 1), Some(Tok::Num(_)))
            {
                i += 1;
            } else {
                break;
            }
        }
        i
    }

    /// True if the release (numbers only) starts with `prefix` (e.g. release cycle `7.0`).
    pub fn release_starts_with(&self, prefix: &[u64]) -> bool {
        self.release.len() >= prefix.len() && self.release[..prefix.len()] == *prefix
    }

    /// Compare two parsed versions; `None` when not honestly comparable.
    pub fn compare(&self, other: &Version) -> Option<Ordering> {
        match (&self.special, &other.special) {
            (Some(a), Some(b)) => return special_cmp(self, a, other, b),
            (None, None) => {}
            _ => return None,
        }
        if self.scheme == Scheme::Debian || other.scheme == Scheme::Debian {
            if self.scheme != other.scheme {
                return None;
            }
            return Some(debian_cmp(&self.raw, &other.raw));
        }
        if self.epoch != other.epoch {
            // A package epoch only orders packages of the same distribution; against an
            // upstream version (epoch 0) it says nothing.
            if self.epoch == 0 || other.epoch == 0 {
                return None;
            }
            return Some(self.epoch.cmp(&other.epoch));
        }
        // Calendar vs. semantic numbering (Windows "2019" vs "10.0.17763"): refuse.
        let (a0, b0) = (
            self.release.first().copied().unwrap_or(0),
            other.release.first().copied().unwrap_or(0),
        );
        let year = |x: u64| (1990..=2100).contains(&x);
        if year(a0) != year(b0) && (a0.max(b0) >= 1990) && a0.min(b0) < 1000 {
            return None;
        }
        let n = self.release.len().max(other.release.len());
        for k in 0..n {
            let x = self.release.get(k).copied().unwrap_or(0);
            let y = other.release.get(k).copied().unwrap_or(0);
            match x.cmp(&y) {
                Ordering::Equal => {}
                o => return Some(o),
            }
        }
        // A post-release qualifier against a longer release ("8.0 U3b" vs "8.0.3.00100",
        // "9.2p1" vs "9.2.1"): two notations of the same thing, not comparable.
        let (shorter, longer) = if self.release.len() <= other.release.len() {
            (self, other)
        } else {
            (other, self)
        };
        if !shorter.post.is_empty() && longer.release.len() > shorter.release.len() {
            return None;
        }
        // Same release: qualifiers decide.
        if self.unknown != other.unknown {
            return None;
        }
        if self.scheme == Scheme::OpenSsh && self.post.is_empty() != other.post.is_empty() {
            // "9.7" vs "9.7p1": the OpenBSD release and its portable release; refuse.
            return None;
        }
        match (&self.pre, &other.pre) {
            (Some(_), None) => return Some(Ordering::Less),
            (None, Some(_)) => return Some(Ordering::Greater),
            (Some((ra, na)), Some((rb, nb))) => match ra.cmp(rb).then_with(|| cmp_padded(na, nb)) {
                Ordering::Equal => {}
                o => return Some(o),
            },
            (None, None) => {}
        }
        Some(cmp_padded(&self.post, &other.post))
    }
}

/// Letters of VMware updates that order simply: none < `a` < `b` < … (single letters).
fn simple_letter(l: &str) -> bool {
    l.is_empty() || (l.len() == 1 && l.bytes().all(|b| b.is_ascii_lowercase()))
}

fn special_cmp(x: &Version, a: &Special, y: &Version, b: &Special) -> Option<Ordering> {
    match (a, b) {
        (
            Special::Cisco {
                comps: ca,
                train: ta,
            },
            Special::Cisco {
                comps: cb,
                train: tb,
            },
        ) => {
            // Trains (upper-case letters) are branches: never ordered against each other.
            if !ta.eq_ignore_ascii_case(tb) {
                return None;
            }
            let n = ca.len().max(cb.len());
            let zero = (0u64, String::new());
            for k in 0..n {
                let p = ca.get(k).unwrap_or(&zero);
                let q = cb.get(k).unwrap_or(&zero);
                match p.0.cmp(&q.0).then_with(|| p.1.cmp(&q.1)) {
                    Ordering::Equal => {}
                    o => return Some(o),
                }
            }
            Some(Ordering::Equal)
        }
        (
            Special::Vmware {
                has_release: ra,
                update: ua,
                letter: la,
                patch4: pa,
                ga: ga_a,
            },
            Special::Vmware {
                has_release: rb,
                update: ub,
                letter: lb,
                patch4: pb,
                ga: ga_b,
            },
        ) => {
            let builds = match (x.build, y.build) {
                (Some(p), Some(q)) => Some(p.cmp(&q)),
                _ => None,
            };
            if !(*ra && *rb) {
                // A bare build number: only another bare build orders it (builds of different
                // release lines interleave).
                return if *ra || *rb { None } else { builds };
            }
            let line = x.release.get(..2).cmp(&y.release.get(..2));
            if line != Ordering::Equal {
                return Some(line);
            }
            // A build of the line (`8.0 build 23305546`) is at or after the line's GA (`8.0`).
            match (ua, ub) {
                (None, _) if *ga_b && x.build.is_some() => return Some(Ordering::Greater),
                (_, None) if *ga_a && y.build.is_some() => return Some(Ordering::Less),
                _ => {}
            }
            let upd = match (ua, ub) {
                (Some(p), Some(q)) => match p.cmp(q) {
                    Ordering::Equal => {
                        if la == lb {
                            match (pa, pb) {
                                (Some(p), Some(q)) => Some(p.cmp(q)),
                                (None, None) => Some(Ordering::Equal),
                                // `8.0.3.00100` (appliance patch) vs `8.0 U3b`: two notations.
                                (Some(_), None) if lb.is_empty() && builds.is_none() => {
                                    Some(Ordering::Greater)
                                }
                                (None, Some(_)) if la.is_empty() && builds.is_none() => {
                                    Some(Ordering::Less)
                                }
                                _ => None,
                            }
                        } else if simple_letter(la)
                            && simple_letter(lb)
                            && pa.is_none()
                            && pb.is_none()
                        {
                            Some(la.cmp(lb))
                        } else {
                            None
                        }
                    }
                    o => Some(o),
                },
                _ => None,
            };
            match (builds, upd) {
                // Both carry builds: the build decides, unless the updates say otherwise.
                (Some(bo), Some(uo)) if uo != Ordering::Equal && uo != bo => None,
                (Some(bo), _) => Some(bo),
                (None, u) => u,
            }
        }
        _ => None,
    }
}

fn cmp_padded(a: &[u64], b: &[u64]) -> Ordering {
    let n = a.len().max(b.len());
    for k in 0..n {
        let x = a.get(k).copied().unwrap_or(0);
        let y = b.get(k).copied().unwrap_or(0);
        match x.cmp(&y) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    Ordering::Equal
}

/// Compare two version strings under a scheme. `None` = cannot compare honestly → human review.
pub fn compare(a: &str, b: &str, scheme: Scheme) -> Option<Ordering> {
    let va = Version::parse(a, scheme)?;
    let vb = Version::parse(b, scheme)?;
    va.compare(&vb)
}

// ---- dpkg ordering -------------------------------------------------------------------------

fn debian_split(s: &str) -> (u64, &str, &str) {
    let (epoch, rest) = match s.split_once(':') {
        Some((e, r)) if e.bytes().all(|b| b.is_ascii_digit()) && !e.is_empty() => {
            (e.parse().unwrap_or(0), r)
        }
        _ => (0, s),
    };
    match rest.rsplit_once('-') {
        Some((u, r)) => (epoch, u, r),
        None => (epoch, rest, ""),
    }
}

fn dpkg_order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0usize, 0usize);
    while i < a.len() || j < b.len() {
        // Non-digit prefix.
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = dpkg_order(a.get(i).copied().filter(|c| !c.is_ascii_digit()));
            let bc = dpkg_order(b.get(j).copied().filter(|c| !c.is_ascii_digit()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            if i < a.len() && !a[i].is_ascii_digit() {
                i += 1;
            }
            if j < b.len() && !b[j].is_ascii_digit() {
                j += 1;
            }
        }
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        let si = i;
        let sj = j;
        while i < a.len() && a[i].is_ascii_digit() {
            i += 1;
        }
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let (da, db) = (&a[si..i], &b[sj..j]);
        match da.len().cmp(&db.len()).then_with(|| da.cmp(db)) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    Ordering::Equal
}

fn debian_cmp(a: &str, b: &str) -> Ordering {
    let (ea, ua, ra) = debian_split(a);
    let (eb, ub, rb) = debian_split(b);
    ea.cmp(&eb)
        .then_with(|| verrevcmp(ua, ub))
        .then_with(|| verrevcmp(ra, rb))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn c(a: &str, b: &str, s: Scheme) -> Option<Ordering> {
        compare(a, b, s)
    }

    #[test]
    fn vendor_schemes() {
        assert_eq!(
            c("13.1-49.15", "13.1-49.14", Scheme::NetScaler),
            Some(Greater)
        );
        assert_eq!(c("13.1-48.47", "13.1-49.15", Scheme::NetScaler), Some(Less));
        assert_eq!(
            c("13.1 build 49.15", "13.1-49.15", Scheme::NetScaler),
            Some(Equal)
        );
        assert_eq!(
            c("14.1-8.50", "13.1-49.15", Scheme::NetScaler),
            Some(Greater)
        );
        assert_eq!(
            c("7.0.12 build 0523", "7.0.13", Scheme::FortiOs),
            Some(Less)
        );
        assert_eq!(c("7.0.12 b0523", "7.0.12", Scheme::FortiOs), Some(Equal));
        assert_eq!(
            c("v7.0.12,build0523", "7.0.11", Scheme::FortiOs),
            Some(Greater)
        );
        assert_eq!(c("15.1.2176.2", "15.1.2507.6", Scheme::MsBuild), Some(Less));
        assert_eq!(
            c("15.2.1258.12", "15.02.1258.12", Scheme::MsBuild),
            Some(Equal)
        );
        assert_eq!(
            c("Exchange Server 2019 CU14", "15.2.1544.4", Scheme::MsBuild),
            None
        );
        assert_eq!(c("9.2p1", "9.3p2", Scheme::OpenSsh), Some(Less));
        assert_eq!(c("OpenSSH_9.8p1", "9.8", Scheme::OpenSsh), None);
        assert_eq!(c("OpenSSH_9.8p1", "9.7", Scheme::OpenSsh), Some(Greater));
        assert_eq!(c("8.0.3.00100", "8.0 U3b", Scheme::Generic), None);
        assert_eq!(c("9.2p1", "9.2p2", Scheme::OpenSsh), Some(Less));
        assert_eq!(c("5.5.62-log", "5.5.63", Scheme::Mysql), Some(Less));
        assert_eq!(c("8.0.36-debug", "8.0.36", Scheme::Mysql), Some(Equal));
        assert_eq!(c("22.1R6.2", "22.1R6", Scheme::Ivanti), Some(Greater));
        assert_eq!(c("9.1R18", "9.1R18.2", Scheme::Ivanti), Some(Less));
        assert_eq!(c("22.7R2.3", "9.1R18", Scheme::Ivanti), Some(Greater));
        assert_eq!(c("10.2.4-h3", "10.2.4", Scheme::PanOs), Some(Greater));
        assert_eq!(c("10.2.4-h3", "10.2.5", Scheme::PanOs), Some(Less));
        assert_eq!(c("10.2.4-h3", "10.2.4-h10", Scheme::PanOs), Some(Less));
        assert_eq!(c("2.4.58", "2.4.9", Scheme::Generic), Some(Greater));
        assert_eq!(c("1.0.0-rc1", "1.0.0", Scheme::Generic), Some(Less));
        assert_eq!(c("1.0.0-alpha.1", "1.0.0-beta", Scheme::Semver), Some(Less));
    }

    #[test]
    fn debian() {
        assert_eq!(
            c("1:9.2p1-2+deb12u3", "1:9.2p1-2+deb12u2", Scheme::Debian),
            Some(Greater)
        );
        assert_eq!(c("1.0~rc1-1", "1.0-1", Scheme::Debian), Some(Less));
        assert_eq!(c("1:1.0", "2.0", Scheme::Debian), Some(Greater));
        assert_eq!(c("2.30-1", "2.4-1", Scheme::Debian), Some(Greater));
        // A Debian package version under OpenSSH: upstream compared, revision kept aside.
        let v = Version::parse("1:9.2p1-2+deb12u3", Scheme::OpenSsh);
        assert!(v
            .as_ref()
            .is_some_and(|v| v.distro.is_some() && v.release == vec![9, 2]));
    }

    #[test]
    fn refusals() {
        for s in Scheme::ALL {
            assert_eq!(c("n/a", "1.0", s), None);
            assert_eq!(c("", "1.0", s), None);
            assert_eq!(c("-", "-", s), None);
            assert_eq!(c("*", "1.0", s), None);
        }
        assert_eq!(c("2019", "10.0.17763", Scheme::Generic), None);
        assert_eq!(
            c(
                "12.4.3-02804 (platform-hotfix) and earlier versions.",
                "12.4.3",
                Scheme::Generic
            ),
            None
        );
        assert_eq!(c("7.2.1, 7.2.0", "7.2.1", Scheme::Generic), None);
        assert_eq!(c("1.0-foo", "1.0-bar", Scheme::Generic), None);
        assert_eq!(c("1.0-foo", "1.1", Scheme::Generic), Some(Less));
    }
}
