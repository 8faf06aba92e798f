//! CPE 2.3 names: formatted-string binding (`cpe:2.3:a:vendor:product:...`), URI binding
//! (`cpe:/a:vendor:product:version`), and name matching after NIST IR 7696 (practical subset).
//!
//! Attribute values keep CPE 2.3 escaping internally (`\:` `\.` ...) removed: a [`CpeValue::Value`]
//! holds the unescaped text plus, when it came from an unquoted `*`/`?`, a wildcard pattern.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One attribute of a CPE name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CpeValue {
    /// `*`: any value, including "no value".
    Any,
    /// `-`: not applicable (the product has no such attribute; a `-` version means "no version").
    Na,
    /// A literal value (unescaped, lower-cased).
    Value(String),
    /// A value with unquoted wildcards (`*` any run, `?` one character), lower-cased.
    Pattern(String),
}

impl CpeValue {
    /// The literal text, if this is a plain value.
    pub fn as_value(&self) -> Option<&str> {
        match self {
            CpeValue::Value(s) => Some(s),
            _ => None,
        }
    }
}

/// Errors from CPE parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CpeError {
    /// Neither `cpe:2.3:` nor `cpe:/`.
    #[error("not a CPE name (expected `cpe:2.3:` or `cpe:/`): {0}")]
    Prefix(String),
    /// Wrong number of components.
    #[error("CPE 2.3 formatted string needs 13 components, got {0}")]
    Components(usize),
    /// Part is not a, o, h or *.
    #[error("invalid CPE part `{0}` (expected a, o, h)")]
    Part(String),
    /// Bad escape or percent-encoding.
    #[error("invalid CPE value `{0}`")]
    Value(String),
}

/// A parsed CPE 2.3 name (well-formed name, WFN).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cpe {
    /// a (application), o (operating system), h (hardware), or Any.
    pub part: CpeValue,
    /// Vendor.
    pub vendor: CpeValue,
    /// Product.
    pub product: CpeValue,
    /// Version.
    pub version: CpeValue,
    /// Update.
    pub update: CpeValue,
    /// Edition (legacy).
    pub edition: CpeValue,
    /// Language.
    pub language: CpeValue,
    /// Software edition (e.g. `fips`).
    pub sw_edition: CpeValue,
    /// Target software.
    pub target_sw: CpeValue,
    /// Target hardware.
    pub target_hw: CpeValue,
    /// Other.
    pub other: CpeValue,
}

/// Relation between a source attribute and a target attribute (NIST IR 7696 table 6-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// Source names a superset of target.
    Superset,
    /// Source names a subset of target.
    Subset,
    /// Same.
    Equal,
    /// Nothing in common.
    Disjoint,
    /// Target holds a wildcard pattern: undefined.
    Undefined,
}

const MAX_CPE_LEN: usize = 1024;

fn split_unescaped(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b':' => {
                out.push(&s[start..i]);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    if start <= s.len() {
        out.push(&s[start.min(s.len())..]);
    }
    out
}

fn parse_fs_value(raw: &str) -> Result<CpeValue, CpeError> {
    match raw {
        "*" | "" => return Ok(CpeValue::Any),
        "-" => return Ok(CpeValue::Na),
        _ => {}
    }
    let mut out = String::with_capacity(raw.len());
    let mut pattern = false;
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => out.extend(n.to_lowercase()),
                None => return Err(CpeError::Value(raw.to_string())),
            },
            '*' | '?' => {
                pattern = true;
                out.push(c);
            }
            c => out.extend(c.to_lowercase()),
        }
    }
    Ok(if pattern {
        CpeValue::Pattern(out)
    } else {
        CpeValue::Value(out)
    })
}

fn percent_decode(raw: &str) -> Result<String, CpeError> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw
                .get(i + 1..i + 3)
                .ok_or_else(|| CpeError::Value(raw.to_string()))?;
            let b = u8::from_str_radix(hex, 16).map_err(|_| CpeError::Value(raw.to_string()))?;
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| CpeError::Value(raw.to_string()))
}

fn parse_uri_value(raw: &str) -> Result<CpeValue, CpeError> {
    match raw {
        "" | "*" => return Ok(CpeValue::Any),
        "-" => return Ok(CpeValue::Na),
        _ => {}
    }
    // %01 is an unquoted '?', %02 an unquoted '*' (CPE 2.3 URI binding).
    let pattern = raw.contains("%01") || raw.contains("%02");
    let replaced = raw.replace("%01", "?").replace("%02", "*");
    let decoded = percent_decode(&replaced)?.to_lowercase();
    Ok(if pattern {
        CpeValue::Pattern(decoded)
    } else {
        CpeValue::Value(decoded)
    })
}

impl Cpe {
    /// Parse a formatted string (`cpe:2.3:...`) or a URI (`cpe:/...`). Missing trailing
    /// formatted-string components are an error; missing URI components mean ANY.
    pub fn parse(s: &str) -> Result<Cpe, CpeError> {
        let s = s.trim();
        if s.len() > MAX_CPE_LEN {
            return Err(CpeError::Value("too long".into()));
        }
        let lower: String = s.chars().take(8).collect::<String>().to_ascii_lowercase();
        if lower.starts_with("cpe:2.3:") {
            Self::parse_fs(s)
        } else if lower.starts_with("cpe:/") {
            Self::parse_uri(s)
        } else {
            Err(CpeError::Prefix(s.chars().take(60).collect()))
        }
    }

    fn parse_fs(s: &str) -> Result<Cpe, CpeError> {
        let parts = split_unescaped(s);
        if parts.len() != 13 {
            return Err(CpeError::Components(parts.len()));
        }
        let v = |i: usize| parse_fs_value(parts.get(i).copied().unwrap_or("*"));
        let cpe = Cpe {
            part: v(2)?,
            vendor: v(3)?,
            product: v(4)?,
            version: v(5)?,
            update: v(6)?,
            edition: v(7)?,
            language: v(8)?,
            sw_edition: v(9)?,
            target_sw: v(10)?,
            target_hw: v(11)?,
            other: v(12)?,
        };
        cpe.check_part()?;
        Ok(cpe)
    }

    fn parse_uri(s: &str) -> Result<Cpe, CpeError> {
        let body = s.get(5..).unwrap_or("");
        let parts: Vec<&str> = body.split(':').collect();
        if parts.len() > 7 {
            return Err(CpeError::Components(parts.len()));
        }
        let v = |i: usize| parse_uri_value(parts.get(i).copied().unwrap_or(""));
        let mut cpe = Cpe {
            part: v(0)?,
            vendor: v(1)?,
            product: v(2)?,
            version: v(3)?,
            update: v(4)?,
            edition: CpeValue::Any,
            language: v(6)?,
            sw_edition: CpeValue::Any,
            target_sw: CpeValue::Any,
            target_hw: CpeValue::Any,
            other: CpeValue::Any,
        };
        let ed = parts.get(5).copied().unwrap_or("");
        if let Some(packed) = ed.strip_prefix('~') {
            // ~edition~sw_edition~target_sw~target_hw~other
            let p: Vec<&str> = packed.split('~').collect();
            if p.len() != 5 {
                return Err(CpeError::Value(ed.to_string()));
            }
            cpe.edition = parse_uri_value(p[0])?;
            cpe.sw_edition = parse_uri_value(p[1])?;
            cpe.target_sw = parse_uri_value(p[2])?;
            cpe.target_hw = parse_uri_value(p[3])?;
            cpe.other = parse_uri_value(p[4])?;
        } else {
            cpe.edition = parse_uri_value(ed)?;
        }
        cpe.check_part()?;
        Ok(cpe)
    }

    fn check_part(&self) -> Result<(), CpeError> {
        match &self.part {
            CpeValue::Any => Ok(()),
            CpeValue::Value(p) if p == "a" || p == "o" || p == "h" => Ok(()),
            other => Err(CpeError::Part(format!("{other:?}"))),
        }
    }

    fn attrs(&self) -> [&CpeValue; 11] {
        [
            &self.part,
            &self.vendor,
            &self.product,
            &self.version,
            &self.update,
            &self.edition,
            &self.language,
            &self.sw_edition,
            &self.target_sw,
            &self.target_hw,
            &self.other,
        ]
    }

    /// `vendor:product` when both are literal values: the product key used by indexes.
    pub fn vendor_product(&self) -> Option<String> {
        Some(format!(
            "{}:{}",
            self.vendor.as_value()?,
            self.product.as_value()?
        ))
    }

    /// NIST IR 7696 CPE_SUPERSET-or-EQUAL: does this name (source, may hold ANY and wildcards)
    /// match `target` (a concrete name, e.g. an inventory CPE)?
    pub fn matches(&self, target: &Cpe) -> bool {
        self.attrs()
            .iter()
            .zip(target.attrs().iter())
            .all(|(s, t)| matches!(compare_attr(s, t), Relation::Superset | Relation::Equal))
    }

    /// Like [`Cpe::matches`] but the version attribute is not compared (ranges are checked apart).
    pub fn matches_ignoring_version(&self, target: &Cpe) -> bool {
        self.attrs()
            .iter()
            .zip(target.attrs().iter())
            .enumerate()
            .all(|(i, (s, t))| {
                i == 3 || matches!(compare_attr(s, t), Relation::Superset | Relation::Equal)
            })
    }
}

/// Compare one source attribute with one target attribute (NIST IR 7696 §6.1.2).
pub fn compare_attr(source: &CpeValue, target: &CpeValue) -> Relation {
    use CpeValue::*;
    match (source, target) {
        (_, Pattern(_)) => Relation::Undefined,
        (Any, Any) | (Na, Na) => Relation::Equal,
        (Any, _) => Relation::Superset,
        (Na, _) => Relation::Disjoint,
        (Value(_) | Pattern(_), Any) => Relation::Subset,
        (Value(_) | Pattern(_), Na) => Relation::Disjoint,
        (Value(a), Value(b)) => {
            if a == b {
                Relation::Equal
            } else {
                Relation::Disjoint
            }
        }
        (Pattern(p), Value(b)) => {
            if wildcard_match(p.as_bytes(), b.as_bytes()) {
                Relation::Superset
            } else {
                Relation::Disjoint
            }
        }
    }
}

/// Iterative `*`/`?` matcher (no recursion, no panics).
fn wildcard_match(p: &[u8], t: &[u8]) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

fn fmt_value(v: &CpeValue) -> String {
    match v {
        CpeValue::Any => "*".into(),
        CpeValue::Na => "-".into(),
        CpeValue::Value(s) => {
            let mut o = String::new();
            for c in s.chars() {
                if !(c.is_ascii_alphanumeric() || c == '_') {
                    o.push('\\');
                }
                o.push(c);
            }
            o
        }
        CpeValue::Pattern(s) => {
            let mut o = String::new();
            for c in s.chars() {
                if !(c.is_ascii_alphanumeric() || c == '_' || c == '*' || c == '?') {
                    o.push('\\');
                }
                o.push(c);
            }
            o
        }
    }
}

impl fmt::Display for Cpe {
    /// Formatted-string binding (`cpe:2.3:...`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.attrs().iter().map(|v| fmt_value(v)).collect();
        write!(f, "cpe:2.3:{}", parts.join(":"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Cpe {
        Cpe::parse(s).unwrap()
    }

    #[test]
    fn parse_fs_and_uri() {
        let a = p("cpe:2.3:o:fortinet:fortios:7.0.12:*:*:*:*:*:*:*");
        assert_eq!(a.vendor, CpeValue::Value("fortinet".into()));
        assert_eq!(a.version, CpeValue::Value("7.0.12".into()));
        let u = p("cpe:/a:apache:http_server:2.4.58");
        assert_eq!(u.product, CpeValue::Value("http_server".into()));
        assert_eq!(u.update, CpeValue::Any);
        let e = p(r"cpe:2.3:a:foo\:bar:big\-ip:1.0\:1:*:*:*:*:*:*:*");
        assert_eq!(e.vendor, CpeValue::Value("foo:bar".into()));
        assert_eq!(e.version, CpeValue::Value("1.0:1".into()));
        let packed = p("cpe:/a:citrix:netscaler:13.1::~~fips~~~");
        assert_eq!(packed.sw_edition, CpeValue::Value("fips".into()));
        let pct = p("cpe:/a:hp:insight_diagnostics:7.4.0.1570:-:~~online~win2003~x64~");
        assert_eq!(pct.update, CpeValue::Na);
        assert_eq!(pct.target_hw, CpeValue::Value("x64".into()));
        assert!(Cpe::parse("cpe:2.3:a:x").is_err());
        assert!(Cpe::parse("cpe:2.3:z:a:b:c:*:*:*:*:*:*:*").is_err());
        assert!(Cpe::parse("nope").is_err());
        assert!(Cpe::parse("cpe:/a:b%zz").is_err());
        let round = p("cpe:2.3:a:foo\\:bar:x:1.0:*:*:*:*:*:*:*").to_string();
        assert_eq!(p(&round), p("cpe:2.3:a:foo\\:bar:x:1.0:*:*:*:*:*:*:*"));
    }

    #[test]
    fn matching_semantics() {
        let any = p("cpe:2.3:a:oracle:mysql:*:*:*:*:*:*:*:*");
        let na = p("cpe:2.3:a:oracle:mysql:-:*:*:*:*:*:*:*");
        let v = p("cpe:2.3:a:oracle:mysql:5.5.62:*:*:*:*:*:*:*");
        assert!(any.matches(&v));
        assert!(any.matches(&na));
        // A `-` version names only "no version": it does not match a versioned product.
        assert!(!na.matches(&v));
        assert!(na.matches(&na));
        // A concrete source does not match a target that says ANY (subset, not superset).
        assert!(!v.matches(&any));
        // Different product: no match even if the name contains "mysql".
        let conn = p("cpe:2.3:a:oracle:mysql_connector\\/j:8.0.1:*:*:*:*:*:*:*");
        assert!(!any.matches(&conn));
        let wild = p("cpe:2.3:a:oracle:mysql*:*:*:*:*:*:*:*:*");
        assert!(wild.matches(&conn));
        let q = p("cpe:2.3:a:apache:http_server:2.4.?:*:*:*:*:*:*:*");
        assert!(q.matches(&p("cpe:2.3:a:apache:http_server:2.4.9:*:*:*:*:*:*:*")));
        assert!(!q.matches(&p("cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*")));
        // Pattern target is undefined -> no match.
        assert!(!any.matches(&wild));
    }
}
