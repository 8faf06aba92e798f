//! Targets as nmap users write them: addresses, CIDR ranges, octet ranges and lists in any
//! octet (`10.0.0.1-16`, `10.0.0-3.1`, `10.0.1,3.*`), comma lists of any of these, names,
//! and target files (`-iL FILE`, `-` for standard input) with `#` comments and blank lines.
//!
//! Parsing never contacts anything: it only says what was written. Every address a target
//! expands to still goes through the [`Scope`](crate::scope::Scope) rules (deny list, demo
//! data) before the engine may contact it; an expansion larger than the caller's limit is an
//! error, never cut silently.

use std::collections::HashSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

/// One octet of an nmap-style IPv4 range: sorted, merged, inclusive intervals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OctetSet(Vec<(u8, u8)>);

impl OctetSet {
    fn contains(&self, v: u8) -> bool {
        self.0.iter().any(|(a, b)| (*a..=*b).contains(&v))
    }

    fn len(&self) -> u64 {
        self.0
            .iter()
            .map(|(a, b)| u64::from(*b) - u64::from(*a) + 1)
            .sum()
    }

    fn values(&self) -> impl Iterator<Item = u8> + '_ {
        self.0.iter().flat_map(|(a, b)| *a..=*b)
    }
}

/// An nmap-style IPv4 range: a set of values for each of the four octets
/// (`10.0.0-3.1-254` is {10} × {0} × {0..=3} × {1..=254}).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OctetRange {
    octets: [OctetSet; 4],
    text: String,
}

impl OctetRange {
    /// How many addresses the range holds.
    pub fn count(&self) -> u64 {
        self.octets.iter().map(OctetSet::len).product()
    }

    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        ip.octets()
            .iter()
            .zip(&self.octets)
            .all(|(v, set)| set.contains(*v))
    }

    /// Every address, in order; `None` when there are more than `limit`.
    pub fn expand(&self, limit: u64) -> Option<Vec<Ipv4Addr>> {
        if self.count() > limit {
            return None;
        }
        let mut out = Vec::with_capacity(usize::try_from(self.count()).unwrap_or(0));
        for a in self.octets[0].values() {
            for b in self.octets[1].values() {
                for c in self.octets[2].values() {
                    for d in self.octets[3].values() {
                        out.push(Ipv4Addr::new(a, b, c, d));
                    }
                }
            }
        }
        Some(out)
    }
}

impl fmt::Display for OctetRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// One target as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Addr(IpAddr),
    Net(IpNet),
    Range(OctetRange),
    /// A DNS name, resolved later (its addresses join the scope).
    Name(String),
}

impl Target {
    /// Addresses it stands for; `None` for a name (known after resolution).
    pub fn count(&self) -> Option<u128> {
        match self {
            Target::Addr(_) => Some(1),
            Target::Net(n) => {
                let host_bits = u32::from(n.max_prefix_len() - n.prefix_len());
                Some(1u128.checked_shl(host_bits).unwrap_or(u128::MAX))
            }
            Target::Range(r) => Some(u128::from(r.count())),
            Target::Name(_) => None,
        }
    }

    /// Whether `ip` is one of the addresses it stands for (never true for a name).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self, ip) {
            (Target::Addr(a), ip) => *a == ip,
            (Target::Net(n), ip) => n.contains(&ip),
            (Target::Range(r), IpAddr::V4(v4)) => r.contains(v4),
            _ => false,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Addr(a) => write!(f, "{a}"),
            Target::Net(n) => write!(f, "{n}"),
            Target::Range(r) => write!(f, "{r}"),
            Target::Name(n) => f.write_str(n),
        }
    }
}

/// Why a target could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad target {text:?}: {why}")]
pub struct TargetError {
    pub text: String,
    pub why: String,
}

fn err(text: &str, why: impl Into<String>) -> TargetError {
    TargetError {
        text: text.to_string(),
        why: why.into(),
    }
}

fn octet_value(s: &str, whole: &str) -> Result<u8, TargetError> {
    if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(whole, format!("{s:?} is not an octet (0-255)")));
    }
    s.parse::<u8>()
        .map_err(|_| err(whole, format!("octet {s} is above 255")))
}

fn octet_set(part: &str, whole: &str) -> Result<OctetSet, TargetError> {
    let mut v = vec![];
    for item in part.split(',') {
        let (a, b) = if item == "*" || item == "-" {
            (0, 255)
        } else if let Some((a, b)) = item.split_once('-') {
            let a = if a.is_empty() {
                0
            } else {
                octet_value(a, whole)?
            };
            let b = if b.is_empty() {
                255
            } else {
                octet_value(b, whole)?
            };
            if a > b {
                return Err(err(whole, format!("range {item} goes backwards")));
            }
            (a, b)
        } else {
            let x = octet_value(item, whole)?;
            (x, x)
        };
        v.push((a, b));
    }
    v.sort_unstable();
    let mut merged: Vec<(u8, u8)> = vec![];
    for (a, b) in v {
        match merged.last_mut() {
            Some(last) if u16::from(a) <= u16::from(last.1) + 1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    Ok(OctetSet(merged))
}

/// Reads an nmap octet range (`10.0.0.1-16`, `10.0.0-3.*`, `10.0.1,3.5`). `None` when the text
/// is not written in that form at all; an error when it is, but wrongly.
pub fn parse_octet_range(s: &str) -> Option<Result<OctetRange, TargetError>> {
    let parts: Vec<&str> = s.split('.').collect();
    let charset = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b',' | b'-' | b'*'))
    };
    if parts.len() != 4 || !parts.iter().all(|p| charset(p)) {
        return None;
    }
    let mut sets = Vec::with_capacity(4);
    for p in &parts {
        match octet_set(p, s) {
            Ok(set) => sets.push(set),
            Err(e) => return Some(Err(e)),
        }
    }
    let octets: [OctetSet; 4] = match sets.try_into() {
        Ok(a) => a,
        Err(_) => return Some(Err(err(s, "four octets expected"))),
    };
    Some(Ok(OctetRange {
        octets,
        text: s.to_string(),
    }))
}

fn looks_like_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.trim_end_matches('.').split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && l.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        })
        && s.bytes().any(|c| c.is_ascii_alphabetic())
}

fn parse_one(s: &str) -> Result<Target, TargetError> {
    if s.is_empty() {
        return Err(err(s, "empty"));
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(Target::Addr(ip));
    }
    if let Some((left, right)) = s.split_once('/') {
        if let Ok(n) = s.parse::<IpNet>() {
            return Ok(Target::Net(n.trunc()));
        }
        if looks_like_name(left) && right.parse::<u8>().is_ok() {
            return Err(err(
                s,
                "a name with a prefix length is not read: name the range in CIDR form",
            ));
        }
        return Err(err(s, "not a CIDR range"));
    }
    if let Some(r) = parse_octet_range(s) {
        return r.map(Target::Range);
    }
    if looks_like_name(s) {
        return Ok(Target::Name(s.trim_end_matches('.').to_ascii_lowercase()));
    }
    Err(err(
        s,
        "neither an address, a CIDR range, an nmap range (10.0.0.1-16) nor a name",
    ))
}

/// Reads one target as written on a command line: one target, or a comma list of them
/// (`10.0.0.1,3` is the octet list .1 and .3; `10.0.0.1,10.0.0.9` two addresses).
pub fn parse(text: &str) -> Result<Vec<Target>, TargetError> {
    let s = text.trim();
    let whole = parse_one(s);
    match whole {
        Ok(t) => Ok(vec![t]),
        Err(e) if s.contains(',') => {
            let pieces: Result<Vec<Target>, TargetError> = s
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(parse_one)
                .collect();
            // the first reading's error is the clearer one when both fail
            pieces.map_err(|_| e)
        }
        Err(e) => Err(e),
    }
}

/// The targets of a target file's text (`-iL`): separated by blanks or line breaks, `#` starts
/// a comment to the end of its line. Returns each target's text with its line number.
pub fn split_target_file(text: &str) -> Vec<(usize, String)> {
    let mut out = vec![];
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("");
        for word in line.split_whitespace() {
            out.push((i + 1, word.to_string()));
        }
    }
    out
}

/// Reads a target file (`-` = standard input) into targets; errors name the file and line.
pub fn read_target_file(path: &str) -> Result<Vec<Target>, String> {
    let text = if path == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| format!("reading targets from standard input: {e}"))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("reading targets from {path}: {e}"))?
    };
    let mut out = vec![];
    for (line, word) in split_target_file(&text) {
        out.extend(parse(&word).map_err(|e| format!("{path}:{line}: {e}"))?);
    }
    Ok(out)
}

/// Addresses to leave out (`--exclude`): any target form but names.
#[derive(Debug, Clone, Default)]
pub struct Exclusions {
    addrs: HashSet<IpAddr>,
    others: Vec<Target>,
}

impl Exclusions {
    pub fn add(&mut self, t: Target) -> Result<(), String> {
        match t {
            Target::Addr(a) => {
                self.addrs.insert(a);
            }
            Target::Name(n) => {
                return Err(format!(
                    "exclusions are addresses and ranges, not names ({n})"
                ))
            }
            other => self.others.push(other),
        }
        Ok(())
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.addrs.contains(&ip) || self.others.iter().any(|t| t.contains(ip))
    }

    pub fn is_empty(&self) -> bool {
        self.addrs.is_empty() && self.others.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(s: &str) -> Vec<String> {
        let mut v = vec![];
        for t in parse(s).unwrap() {
            match t {
                Target::Range(r) => {
                    v.extend(r.expand(1 << 16).unwrap().iter().map(|a| a.to_string()))
                }
                other => v.push(other.to_string()),
            }
        }
        v
    }

    #[test]
    fn nmap_forms() {
        assert_eq!(addrs("10.0.0.1-3"), ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
        assert_eq!(addrs("10.0.0-1.5"), ["10.0.0.5", "10.0.1.5"]);
        assert_eq!(
            addrs("10.0.0.1,3,7-8"),
            ["10.0.0.1", "10.0.0.3", "10.0.0.7", "10.0.0.8"]
        );
        assert_eq!(addrs("10.0.1,3.1"), ["10.0.1.1", "10.0.3.1"]);
        assert_eq!(addrs("10.0.0.1,10.0.0.9"), ["10.0.0.1", "10.0.0.9"]);
        assert_eq!(
            addrs("10.0.0.1, 10.0.0.2-3"),
            ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
        );
        assert_eq!(parse("10.0.0.*").unwrap()[0].count(), Some(256));
        assert_eq!(parse("10.0.0.250-").unwrap()[0].count(), Some(6));
        assert_eq!(parse("10.0.0.-5").unwrap()[0].count(), Some(6));
        assert_eq!(
            parse("10.0-255.0-255.0-255").unwrap()[0].count(),
            Some(1 << 24)
        );
        assert_eq!(parse("10.1.2.0/24").unwrap()[0].count(), Some(256));
        assert_eq!(parse("10.1.2.77/24").unwrap()[0].to_string(), "10.1.2.0/24");
        assert_eq!(parse("2001:db8::/120").unwrap()[0].count(), Some(256));
        assert_eq!(parse("fe80::1").unwrap()[0].count(), Some(1));
        assert_eq!(
            parse("Portail.CHU-Exemple.fr.").unwrap(),
            vec![Target::Name("portail.chu-exemple.fr".into())]
        );
        assert_eq!(
            parse("a.fr,b.fr").unwrap(),
            vec![Target::Name("a.fr".into()), Target::Name("b.fr".into())]
        );
        let r = match &parse("10.0.0-3.1-254").unwrap()[0] {
            Target::Range(r) => r.clone(),
            t => panic!("{t:?}"),
        };
        assert_eq!(r.count(), 4 * 254);
        assert!(r.contains("10.0.2.9".parse().unwrap()));
        assert!(!r.contains("10.0.4.9".parse().unwrap()));
        assert!(
            r.expand(100).is_none(),
            "more than the limit: refused, not cut"
        );
    }

    #[test]
    fn bad_targets_say_why() {
        for (s, why) in [
            ("10.0.0.256", "above 255"),
            ("10.0.0.9-2", "backwards"),
            ("10.0.0.1-3-5", "not an octet"),
            ("portail.fr/24", "CIDR form"),
            ("10.0.0.0/33", "CIDR"),
            ("", "empty"),
            ("10.0.0", "neither"),
            ("a b", "neither"),
        ] {
            let e = parse(s).unwrap_err();
            assert!(e.to_string().contains(why), "{s}: {e}");
        }
    }

    #[test]
    fn target_files() {
        let text = "# lab hosts\n10.0.0.1-2 10.0.0.9\n\n   # nothing\nportail.fr # the portal\n\t10.0.1.0/30\n";
        let words: Vec<String> = split_target_file(text).into_iter().map(|w| w.1).collect();
        assert_eq!(
            words,
            ["10.0.0.1-2", "10.0.0.9", "portail.fr", "10.0.1.0/30"]
        );
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("t.txt");
        std::fs::write(&f, text).unwrap();
        assert_eq!(read_target_file(f.to_str().unwrap()).unwrap().len(), 4);
        std::fs::write(&f, "10.0.0.1\n10.0.0.300\n").unwrap();
        let e = read_target_file(f.to_str().unwrap()).unwrap_err();
        assert!(e.contains(":2:") && e.contains("above 255"), "{e}");
    }

    #[test]
    fn exclusions() {
        let mut x = Exclusions::default();
        for t in parse("10.0.0.5,10.0.1.0/30").unwrap() {
            x.add(t).unwrap();
        }
        x.add(parse("10.0.2.1-3").unwrap().remove(0)).unwrap();
        for (a, want) in [
            ("10.0.0.5", true),
            ("10.0.0.6", false),
            ("10.0.1.2", true),
            ("10.0.2.3", true),
            ("10.0.2.4", false),
        ] {
            assert_eq!(x.contains(a.parse().unwrap()), want, "{a}");
        }
        assert!(x.add(Target::Name("a.fr".into())).is_err());
    }
}
