//! Fingerprint rules kept as data (`rules/fingerprints.toml`, compiled in),
//! and the importer of Rapid7 Recog XML files from a path the user gives.
//!
//! Vigie never reads nmap's `nmap-service-probes` (NPSL) nor Wappalyzer data (GPL-3.0).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// The built-in rules, reviewed data.
pub const BUILTIN_RULES: &str = include_str!("../rules/fingerprints.toml");

/// Facts read by protocol probes: field name → value.
pub type Facts = BTreeMap<String, String>;

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RuleSpec {
    pub id: String,
    pub field: String,
    #[serde(default)]
    pub path: Option<String>,
    pub pattern: String,
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub cpe: Option<String>,
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RuleFile {
    rule: Vec<RuleSpec>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub spec: RuleSpec,
    pub re: Regex,
    /// "builtin" or "recog:<file>"
    pub source: String,
}

/// What a rule read from the facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ProductMatch {
    pub rule: String,
    pub source: String,
    pub service: Option<String>,
    pub product: Option<String>,
    pub vendor: Option<String>,
    pub version: Option<String>,
    pub cpe: Option<String>,
    pub os: Option<String>,
    pub tags: Vec<String>,
    /// The text matched (an excerpt of what the service sent).
    pub evidence: String,
    pub field: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("rule file: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("rule {id}: bad pattern: {err}")]
    Pattern { id: String, err: String },
    #[error("duplicate rule id {0}")]
    Duplicate(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("xml: {0}")]
    Xml(String),
}

/// A compiled set of rules.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

fn expand(template: &str, caps: &regex::Captures<'_>) -> String {
    let mut out = String::new();
    caps.expand(template, &mut out);
    out.trim().to_string()
}

impl RuleSet {
    /// The built-in rules.
    pub fn builtin() -> Result<Self, RuleError> {
        Self::from_toml(BUILTIN_RULES, "builtin")
    }

    pub fn from_toml(text: &str, source: &str) -> Result<Self, RuleError> {
        let f: RuleFile = toml::from_str(text)?;
        let mut ids = BTreeSet::new();
        let mut rules = vec![];
        for spec in f.rule {
            if !ids.insert(spec.id.clone()) {
                return Err(RuleError::Duplicate(spec.id));
            }
            let re = regex::RegexBuilder::new(&spec.pattern)
                .size_limit(1 << 22)
                .build()
                .map_err(|e| RuleError::Pattern {
                    id: spec.id.clone(),
                    err: e.to_string(),
                })?;
            rules.push(Rule {
                spec,
                re,
                source: source.to_string(),
            });
        }
        Ok(Self { rules })
    }

    pub fn extend(&mut self, other: RuleSet) {
        self.rules.extend(other.rules);
    }

    /// HTTP paths that rules want fetched (besides "/").
    pub fn http_paths(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .rules
            .iter()
            .filter_map(|r| r.spec.path.clone())
            .filter(|p| p != "/")
            .collect();
        let mut seen = BTreeSet::new();
        v.retain(|p| seen.insert(p.clone()));
        v
    }

    /// Every rule matching the facts, in rule order. `path` restricts
    /// http.* rules to those declared for that path (None = "/").
    pub fn matches(&self, facts: &Facts, path: Option<&str>) -> Vec<ProductMatch> {
        let mut out = vec![];
        for r in &self.rules {
            let Some(value) = facts.get(&r.spec.field) else {
                continue;
            };
            if r.spec.field.starts_with("http.") {
                let rp = r.spec.path.as_deref().unwrap_or("/");
                let fp = path.unwrap_or("/");
                // rules for "/" also apply on any page; path rules only on their page or "/"
                if rp != "/" && fp != "/" && rp != fp {
                    continue;
                }
            }
            let Some(caps) = r.re.captures(value) else {
                continue;
            };
            let version = r
                .spec
                .version
                .as_deref()
                .map(|t| expand(t, &caps))
                .filter(|v| !v.is_empty());
            let cpe = r
                .spec
                .cpe
                .as_deref()
                .map(|t| t.replace("{version}", version.as_deref().unwrap_or("-")));
            let whole = caps.get(0).map(|m| m.as_str()).unwrap_or_default();
            out.push(ProductMatch {
                rule: r.spec.id.clone(),
                source: r.source.clone(),
                service: r.spec.service.clone(),
                product: r.spec.product.as_deref().map(|t| expand(t, &caps)),
                vendor: r.spec.vendor.clone(),
                version,
                cpe,
                os: r.spec.os.clone(),
                tags: r.spec.tags.clone(),
                evidence: excerpt(whole, 200),
                field: r.spec.field.clone(),
            });
        }
        out
    }
}

/// A printable excerpt of at most `max` characters.
pub fn excerpt(s: &str, max: usize) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() && c != '\n' { '.' } else { c })
        .collect();
    let t = clean.trim();
    if t.chars().count() > max {
        let cut: String = t.chars().take(max).collect();
        format!("{cut}…")
    } else {
        t.to_string()
    }
}

/// Picks the primary identification among matches: appliances and specific
/// products before generic web servers, products before bare services.
pub fn primary(matches: &[ProductMatch]) -> Option<&ProductMatch> {
    matches
        .iter()
        .find(|m| {
            m.product.is_some() && !m.tags.iter().any(|t| t == "web-server") && !m.tags.is_empty()
        })
        .or_else(|| matches.iter().find(|m| m.product.is_some()))
        .or_else(|| matches.first())
}

// ---------------------------------------------------------------- Recog import

/// One Recog `<example>` self-test result.
#[derive(Debug, Clone, Serialize)]
pub struct RecogSelfTest {
    pub file: String,
    pub fingerprints: usize,
    pub imported: usize,
    /// Patterns the Rust regex engine cannot compile (look-arounds, back references).
    pub unsupported: usize,
    pub examples: usize,
    pub examples_passed: usize,
    pub failures: Vec<String>,
}

/// A Recog fingerprint turned into a rule, with its examples for self-test.
#[derive(Debug, Clone)]
pub struct RecogFingerprint {
    pub rule: Rule,
    /// (text, expected params)
    pub examples: Vec<(String, BTreeMap<String, String>)>,
    pub params: Vec<(usize, String, String)>,
}

/// Maps Recog's `matches` names to the facts Vigie's probes record.
pub fn recog_field(matches: &str) -> Option<&'static str> {
    Some(match matches {
        "ssh.banner" => "ssh.software",
        "ftp.banner" => "ftp.banner",
        "smtp.banner" => "smtp.banner",
        "pop.banner" => "pop.banner",
        "imap4.banner" => "imap.banner",
        "http_header.server" => "http.server",
        "html_title" => "http.title",
        "telnet.banner" => "telnet.banner",
        "mysql.banners" => "mysql.version",
        "vnc.banner" => "banner",
        _ => return None,
    })
}

fn recog_regex(pattern: &str, flags: &str) -> Result<Regex, String> {
    let mut b = regex::RegexBuilder::new(pattern);
    b.size_limit(1 << 22);
    // Ruby's ^ and $ always match at line boundaries
    b.multi_line(true);
    if flags.contains("REG_ICASE") {
        b.case_insensitive(true);
    }
    if flags.contains("REG_MULTILINE") || flags.contains("REG_DOT_NEWLINE") {
        b.dot_matches_new_line(true);
    }
    b.build().map_err(|e| e.to_string())
}

fn attr(e: &quick_xml::events::BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.unescape_value().ok())
        .map(|v| v.into_owned())
}

/// Parses one Recog XML document. Fingerprints whose pattern the Rust regex
/// engine cannot compile are counted in `unsupported` and skipped.
pub fn parse_recog(
    xml: &str,
    file: &str,
) -> Result<(Vec<RecogFingerprint>, String, usize, usize), RuleError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut matches_attr = String::new();
    let mut out = vec![];
    let mut total = 0usize;
    let mut unsupported = 0usize;
    // current fingerprint state
    let mut cur: Option<(String, String)> = None; // pattern, flags
    let mut desc = String::new();
    let mut examples: Vec<(String, BTreeMap<String, String>)> = vec![];
    let mut params: Vec<(usize, String, String)> = vec![];
    let mut in_example: Option<(BTreeMap<String, String>, bool)> = None;
    let mut in_desc = false;
    let mut text = String::new();
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| RuleError::Xml(format!("{file}: {e}")))?;
        match ev {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"fingerprints" => {
                matches_attr = attr(&e, b"matches").unwrap_or_default();
            }
            Event::Start(e) if e.name().as_ref() == b"fingerprint" => {
                total += 1;
                cur = Some((
                    attr(&e, b"pattern").unwrap_or_default(),
                    attr(&e, b"flags").unwrap_or_default(),
                ));
                desc.clear();
                examples.clear();
                params.clear();
            }
            Event::Start(e) if e.name().as_ref() == b"example" => {
                let mut expect = BTreeMap::new();
                let mut b64 = false;
                for a in e.attributes().flatten() {
                    let k = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                    let v = a
                        .unescape_value()
                        .map(|v| v.into_owned())
                        .unwrap_or_default();
                    if k == "_encoding" {
                        b64 = v == "base64";
                    } else if !k.starts_with('_') {
                        expect.insert(k, v);
                    }
                }
                in_example = Some((expect, b64));
                text.clear();
            }
            Event::Start(e) if e.name().as_ref() == b"description" => {
                in_desc = true;
                text.clear();
            }
            Event::Empty(e) if e.name().as_ref() == b"param" => {
                let pos = attr(&e, b"pos").and_then(|p| p.parse().ok()).unwrap_or(0);
                params.push((
                    pos,
                    attr(&e, b"name").unwrap_or_default(),
                    attr(&e, b"value").unwrap_or_default(),
                ));
            }
            Event::Text(t) if in_example.is_some() || in_desc => {
                if let Ok(s) = t.decode() {
                    let s = quick_xml::escape::unescape(&s)
                        .map(|c| c.into_owned())
                        .unwrap_or_else(|_| s.into_owned());
                    text.push_str(&s);
                }
            }
            Event::GeneralRef(r) if in_example.is_some() || in_desc => {
                let name = String::from_utf8_lossy(&r).into_owned();
                let c = match name.as_str() {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    n => n
                        .strip_prefix("#x")
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .or_else(|| n.strip_prefix('#').and_then(|d| d.parse().ok()))
                        .and_then(char::from_u32),
                };
                if let Some(c) = c {
                    text.push(c);
                }
            }
            Event::CData(t) if in_example.is_some() || in_desc => {
                text.push_str(&String::from_utf8_lossy(&t));
            }
            Event::End(e) if e.name().as_ref() == b"example" => {
                if let Some((expect, b64)) = in_example.take() {
                    let s = if b64 {
                        base64_decode(text.trim())
                            .map(|b| String::from_utf8_lossy(&b).into_owned())
                            .unwrap_or_default()
                    } else {
                        text.clone()
                    };
                    examples.push((s, expect));
                }
            }
            Event::End(e) if e.name().as_ref() == b"description" => {
                in_desc = false;
                desc = text.trim().to_string();
            }
            Event::End(e) if e.name().as_ref() == b"fingerprint" => {
                if let Some((pattern, flags)) = cur.take() {
                    match recog_regex(&pattern, &flags) {
                        Ok(re) => {
                            let get = |name: &str| params.iter().find(|p| p.1 == name);
                            let tmpl = |name: &str| {
                                get(name).map(|(pos, _, v)| {
                                    if *pos > 0 {
                                        format!("${{{pos}}}")
                                    } else {
                                        v.clone()
                                    }
                                })
                            };
                            let version = tmpl("service.version");
                            let cpe = get("service.cpe23")
                                .map(|(_, _, v)| v.replace("{service.version}", "{version}"));
                            let spec = RuleSpec {
                                id: format!("recog:{file}:{total}"),
                                field: recog_field(&matches_attr).unwrap_or("banner").to_string(),
                                path: None,
                                pattern: pattern.clone(),
                                service: tmpl("service.family").map(|s| s.to_ascii_lowercase()),
                                product: tmpl("service.product").or_else(|| Some(desc.clone())),
                                vendor: get("service.vendor").map(|p| p.2.clone()),
                                version,
                                cpe,
                                os: get("os.family").map(|p| p.2.clone()),
                                tags: vec![],
                            };
                            out.push(RecogFingerprint {
                                rule: Rule {
                                    spec,
                                    re,
                                    source: format!("recog:{file}"),
                                },
                                examples: examples.clone(),
                                params: params.clone(),
                            });
                        }
                        Err(_) => unsupported += 1,
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok((out, matches_attr, total, unsupported))
}

/// Runs the `<example>` self-tests of one fingerprint: the pattern must
/// match, and each expected `name="value"` must equal the captured or fixed param.
pub fn recog_check(fp: &RecogFingerprint) -> (usize, Vec<String>) {
    let mut passed = 0;
    let mut fails = vec![];
    for (text, expect) in &fp.examples {
        let Some(caps) = fp.rule.re.captures(text) else {
            fails.push(format!(
                "{}: no match for example {:?}",
                fp.rule.spec.id,
                excerpt(text, 80)
            ));
            continue;
        };
        let mut ok = true;
        let raw = |name: &str| {
            fp.params.iter().find(|p| p.1 == name).map(|(pos, _, v)| {
                if *pos > 0 {
                    caps.get(*pos)
                        .map(|m| m.as_str().to_string())
                        .unwrap_or_default()
                } else {
                    v.clone()
                }
            })
        };
        for (name, want) in expect {
            // fixed values may interpolate other params: "{hw.family} {hw.model}"
            let got = raw(name).map(|mut v| {
                for (_, other, _) in &fp.params {
                    let key = format!("{{{other}}}");
                    if v.contains(&key) {
                        v = v.replace(&key, &raw(other).unwrap_or_default());
                    }
                }
                v
            });
            if let Some(got) = got {
                if &got != want {
                    ok = false;
                    fails.push(format!(
                        "{}: {name} = {got:?}, example says {want:?}",
                        fp.rule.spec.id
                    ));
                }
            }
        }
        if ok {
            passed += 1;
        }
    }
    (passed, fails)
}

/// Imports every `*.xml` Recog file of a directory (or one file): returns the
/// rules usable by Vigie and the self-test report of each file.
pub fn import_recog(path: &Path) -> Result<(RuleSet, Vec<RecogSelfTest>), RuleError> {
    let mut files = vec![];
    if path.is_dir() {
        for e in std::fs::read_dir(path)? {
            let p = e?.path();
            if p.extension().is_some_and(|x| x == "xml") {
                files.push(p);
            }
        }
    } else {
        files.push(path.to_path_buf());
    }
    files.sort();
    let mut set = RuleSet::default();
    let mut reports = vec![];
    for f in files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // never read nmap's or Wappalyzer's data, even if pointed at it
        if name.contains("nmap-service-probes") || name.contains("wappalyzer") {
            continue;
        }
        let xml = std::fs::read_to_string(&f)?;
        if !xml.contains("<fingerprints") {
            continue;
        }
        let (fps, _m, total, unsupported) = parse_recog(&xml, &name)?;
        let mut rep = RecogSelfTest {
            file: name,
            fingerprints: total,
            imported: fps.len(),
            unsupported,
            examples: 0,
            examples_passed: 0,
            failures: vec![],
        };
        for fp in fps {
            rep.examples += fp.examples.len();
            let (p, fails) = recog_check(&fp);
            rep.examples_passed += p;
            rep.failures.extend(fails);
            set.rules.push(fp.rule);
        }
        reports.push(rep);
    }
    Ok((set, reports))
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = vec![];
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' | b' ' => continue,
            _ => return None,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_compile_and_match() {
        let rs = RuleSet::builtin().unwrap();
        assert!(rs.rules.len() > 30);
        let mut f = Facts::new();
        f.insert(
            "banner".into(),
            "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n".into(),
        );
        let m = rs.matches(&f, None);
        let p = primary(&m).unwrap();
        assert_eq!(p.product.as_deref(), Some("OpenSSH"));
        assert_eq!(p.version.as_deref(), Some("9.2p1"));
        assert_eq!(
            p.cpe.as_deref(),
            Some("cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*")
        );
    }

    #[test]
    fn appliance_beats_web_server() {
        let rs = RuleSet::builtin().unwrap();
        let mut f = Facts::new();
        f.insert("http.server".into(), "nginx/1.22.1".into());
        f.insert(
            "http.header".into(),
            "server: nginx/1.22.1\nx-owa-version: 15.2.1544.4\n".into(),
        );
        let m = rs.matches(&f, None);
        let p = primary(&m).unwrap();
        assert_eq!(
            p.product.as_deref(),
            Some("Microsoft Exchange Outlook Web Access")
        );
        assert_eq!(p.version.as_deref(), Some("15.2.1544.4"));
        assert!(m.iter().any(|m| m.product.as_deref() == Some("nginx")));
    }

    #[test]
    fn recog_snippet_self_test() {
        let xml = r#"<?xml version="1.0"?>
<fingerprints matches="ssh.banner" protocol="ssh">
  <fingerprint pattern="^OpenSSH_([\w.]+)\s+Debian-(\S+)$" flags="REG_ICASE">
    <description>OpenSSH on Debian</description>
    <example service.version="7.4p1">OpenSSH_7.4p1 Debian-10+deb9u7</example>
    <example _encoding="base64" service.version="8.4p1">T3BlblNTSF84LjRwMSBEZWJpYW4tNQ==</example>
    <param pos="0" name="service.vendor" value="OpenBSD"/>
    <param pos="0" name="service.product" value="OpenSSH"/>
    <param pos="1" name="service.version"/>
    <param pos="0" name="service.cpe23" value="cpe:/a:openbsd:openssh:{service.version}"/>
  </fingerprint>
  <fingerprint pattern="^(?=lookahead)x">
    <description>unsupported</description>
  </fingerprint>
</fingerprints>"#;
        let (fps, m, total, unsupported) = parse_recog(xml, "t.xml").unwrap();
        assert_eq!(
            (m.as_str(), total, unsupported, fps.len()),
            ("ssh.banner", 2, 1, 1)
        );
        let (passed, fails) = recog_check(&fps[0]);
        assert_eq!(passed, 2, "{fails:?}");
        let mut f = Facts::new();
        f.insert(
            "ssh.software".into(),
            "OpenSSH_7.4p1 Debian-10+deb9u7".into(),
        );
        let rs = RuleSet {
            rules: vec![fps[0].rule.clone()],
        };
        let mm = rs.matches(&f, None);
        assert_eq!(mm[0].version.as_deref(), Some("7.4p1"));
        assert_eq!(mm[0].cpe.as_deref(), Some("cpe:/a:openbsd:openssh:7.4p1"));
    }
}
