//! Port sets: the health-sector default, a top-N common list, ranges, or all.
//!
//! The common list below is Vigie's own, written from public knowledge of
//! frequently exposed services (IANA assignments and vendor documentation);
//! it is NOT derived from nmap's data files.

use serde::{Deserialize, Serialize};

/// Health-sector default: what the CERT's surveillance looks for first.
pub const HEALTH_DEFAULT: &[u16] = &[
    // remote access
    22, 23, 3389, 5900, 5901, 5800, 5938, 2222, 3390, 6129, 5500,
    // VPN portals and appliance admin
    443, 4443, 10443, 8443, 8444, 500, 1701, 1723, 4433, 9443, // mail
    25, 465, 587, 110, 995, 143, 993, // web
    80, 8080, 8000, 8008, 8081, 8888, 9000, // databases
    1433, 1434, 1521, 3306, 5432, 6379, 9200, 9300, 27017, 5984, 11211, 50000,
    // file sharing
    21, 139, 445, 2049, 111, 873, 548,
    // health: DICOM, HL7 MLLP, HL7 FHIR servers are on web ports
    104, 11112, 2575, 2761, 2762, 4242, // directories
    389, 636, 3268, 3269, 88, // industrial / building management (TCP only)
    502, 102, 20000, 44818, 1911, 4911, 47808, // misc management
    161, 623, 5985, 5986, 8291, 2000,
];

/// Vigie's common-port list, most frequent first (public knowledge).
pub const COMMON: &[u16] = &[
    80, 443, 22, 21, 25, 3389, 110, 445, 139, 143, 53, 135, 3306, 8080, 23, 1723, 111, 995, 993,
    5900, 1025, 587, 8888, 199, 1720, 465, 548, 113, 81, 6001, 10000, 514, 5060, 179, 1026, 2000,
    8443, 8000, 32768, 554, 26, 1433, 49152, 2001, 515, 8008, 49154, 1027, 5666, 646, 5000, 5631,
    631, 49153, 8081, 2049, 88, 79, 5800, 106, 2121, 1110, 49155, 6000, 513, 990, 5357, 427, 49156,
    543, 544, 5101, 144, 7, 389, 8009, 3128, 444, 9999, 5009, 7070, 5190, 3000, 5432, 1900, 3986,
    13, 1029, 9, 5051, 6646, 49157, 1028, 873, 1755, 2717, 4899, 9100, 119, 37, 1000, 3001, 5001,
    82, 10010, 1030, 9090, 2107, 1024, 2103, 6004, 1801, 5050, 19, 8031, 1041, 255, 2967, 1049,
    1048, 1053, 3703, 1056, 1065, 1064, 1054, 17, 808, 3689, 1031, 1044, 1071, 5901, 100, 9102,
    8010, 2869, 1039, 5120, 4001, 9000, 2105, 636, 1038, 2601, 7000, 1, 1066, 1069, 625, 311, 280,
    254, 4000, 1761, 5003, 2002, 2005, 1998, 1032, 1050, 6112, 3690, 1521, 2161, 6002, 1080, 2401,
    4045, 902, 7937, 787, 1058, 2383, 32771, 1059, 1040, 1033, 50000, 5555, 10001, 1494, 593, 2301,
    3, 3268, 7938, 1234, 1022, 1074, 8002, 1036, 1035, 9001, 1037, 464, 497, 1935, 6666, 161, 6543,
    1352, 3269, 9443, 4443, 10443, 6379, 9200, 27017, 11211, 5985, 5986, 104, 11112, 2575, 502,
    102, 5938, 4433, 8089, 8880, 7443, 8090, 8181, 8880, 9080, 9091, 9418, 11111, 2082, 2083, 2086,
    2087, 2095, 2096, 3128, 3260, 3299, 3333, 3478, 4444, 4567, 4848, 5044, 5222, 5269, 5353, 5601,
    5672, 5683, 5800, 5984, 6443, 6667, 7001, 7002, 7777, 8001, 8020, 8069, 8082, 8083, 8086, 8088,
    8139, 8161, 8200, 8500, 8545, 8834, 8983, 9042, 9060, 9092, 9093, 9160, 9300, 9600, 9981,
    10250, 15672, 16992, 16993, 25565, 50070, 61616,
];

/// A set of TCP ports to scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PortSet {
    /// The health-sector default list.
    Health,
    /// The first `n` entries of Vigie's common list (plus the health list when n is large).
    Top(usize),
    /// Every port, 1..=65535 (and 0 is never scanned).
    All,
    /// An explicit list.
    List(Vec<u16>),
}

impl PortSet {
    /// Sorted, deduplicated ports. Port 0 is never included.
    pub fn ports(&self) -> Vec<u16> {
        let mut v: Vec<u16> = match self {
            PortSet::Health => HEALTH_DEFAULT.to_vec(),
            PortSet::Top(n) => {
                let mut v = dedup_keep_order(COMMON);
                v.truncate(*n);
                v
            }
            PortSet::All => (1..=u16::MAX).collect(),
            PortSet::List(l) => l.clone(),
        };
        v.retain(|p| *p != 0);
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Parses `health`, `top100`, `all`, `-`, `1-1024`, `22,80,443,8000-8100`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        match s {
            "health" | "default" => return Ok(PortSet::Health),
            "all" | "-" | "1-65535" | "0-65535" => return Ok(PortSet::All),
            _ => {}
        }
        if let Some(n) = s.strip_prefix("top") {
            return n
                .trim_start_matches('-')
                .parse()
                .map(PortSet::Top)
                .map_err(|e| format!("bad top-N {s:?}: {e}"));
        }
        let mut out = vec![];
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if let Some((a, b)) = part.split_once('-') {
                let a: u16 = a
                    .trim()
                    .parse()
                    .map_err(|e| format!("bad port {a:?}: {e}"))?;
                let b: u16 = b
                    .trim()
                    .parse()
                    .map_err(|e| format!("bad port {b:?}: {e}"))?;
                if a > b {
                    return Err(format!("bad range {part:?}"));
                }
                out.extend(a..=b);
            } else {
                out.push(
                    part.parse()
                        .map_err(|e| format!("bad port {part:?}: {e}"))?,
                );
            }
        }
        if out.is_empty() {
            return Err("empty port list".into());
        }
        Ok(PortSet::List(out))
    }
}

/// The order ports are tried in: Vigie's common list first, most frequent first, then the
/// others ascending. An address given up after a few unanswered attempts was tried on its
/// likeliest ports.
pub fn probe_order(ports: &[u16]) -> Vec<u16> {
    let wanted: std::collections::HashSet<u16> = ports.iter().copied().collect();
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<u16> = COMMON
        .iter()
        .copied()
        .filter(|p| wanted.contains(p) && seen.insert(*p))
        .collect();
    let mut rest: Vec<u16> = wanted.into_iter().filter(|p| !seen.contains(p)).collect();
    rest.sort_unstable();
    out.extend(rest);
    out
}

fn dedup_keep_order(v: &[u16]) -> Vec<u16> {
    let mut seen = std::collections::HashSet::new();
    v.iter().copied().filter(|p| seen.insert(*p)).collect()
}

/// A rough service name for a port, used as a hint for probe order.
pub fn port_hint(port: u16) -> &'static str {
    match port {
        21 | 2121 => "ftp",
        22 | 2222 => "ssh",
        23 => "telnet",
        25 | 587 => "smtp",
        465 => "smtps",
        80 | 81 | 8000 | 8008 | 8080 | 8081 | 8088 | 8888 | 9000 | 9080 => "http",
        443 | 4443 | 4433 | 8443 | 9443 | 10443 | 7443 | 8444 => "https",
        110 => "pop3",
        995 => "pop3s",
        143 => "imap",
        993 => "imaps",
        104 | 11112 | 4242 => "dicom",
        2575 => "hl7",
        139 | 445 => "smb",
        389 | 3268 => "ldap",
        636 | 3269 => "ldaps",
        1433 => "mssql",
        1521 => "oracle",
        3306 => "mysql",
        3389 | 3390 => "rdp",
        5432 => "postgresql",
        5900..=5910 => "vnc",
        6379 => "redis",
        9200 => "elasticsearch",
        27017 => "mongodb",
        502 => "modbus",
        102 => "s7",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_sets() {
        assert_eq!(
            PortSet::parse("22,80,8000-8002").unwrap().ports(),
            vec![22, 80, 8000, 8001, 8002]
        );
        assert_eq!(PortSet::parse("all").unwrap().ports().len(), 65535);
        assert_eq!(PortSet::parse("top10").unwrap().ports().len(), 10);
        assert!(PortSet::parse("10-2").is_err());
        assert!(PortSet::parse("x").is_err());
        assert_eq!(
            probe_order(&[60001, 22, 60000, 80, 443, 22]),
            vec![80, 443, 22, 60000, 60001]
        );
        assert_eq!(probe_order(&PortSet::All.ports()).len(), 65535);
        let h = PortSet::Health.ports();
        for p in [3389, 104, 11112, 2575, 443, 10443, 445, 6379, 502, 102] {
            assert!(h.contains(&p), "{p}");
        }
    }
}
