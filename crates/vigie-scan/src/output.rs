//! Outputs (JSON lines, nmap-compatible XML) and inputs (nmap XML, masscan
//! list and JSON output) as observations.

use std::fmt::Write as _;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::scan::ScanResult;

/// JSON lines: one `summary`, then one line per target (`host`: up or down, why, and whether
/// its port scan was given up early), per open `port`, `service` and `finding`.
pub fn to_json_lines(r: &ScanResult) -> String {
    let mut out = String::new();
    let mut line = |v: serde_json::Value| {
        out.push_str(&v.to_string());
        out.push('\n');
    };
    line(serde_json::json!({
        "type": "summary",
        "started": r.started,
        "finished": r.finished,
        "open": r.open_ports.len(),
        "closed": r.closed_count,
        "filtered": r.filtered_count,
        "findings": r.findings.len(),
        "refused": r.refused,
        "hosts_up": r.stats.hosts_up,
        // the addresses only: their `host` lines below say why in full
        "hosts_down": r.hosts_down().map(|h| serde_json::json!({"ip": h.ip, "reason": h.reason})).collect::<Vec<_>>(),
        "given_up": r.hosts_given_up().map(|h| h.ip).collect::<Vec<_>>(),
        "stats": r.stats,
    }));
    for h in &r.hosts {
        let mut v = serde_json::to_value(h).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert("type".into(), "host".into());
        }
        line(v);
    }
    for p in &r.open_ports {
        line(
            serde_json::json!({"type": "port", "ip": p.ip, "port": p.port, "state": p.state, "rtt_us": p.rtt_us}),
        );
    }
    for s in &r.services {
        let mut v = serde_json::to_value(s).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert("type".into(), "service".into());
        }
        line(v);
    }
    for f in &r.findings {
        let mut v = serde_json::to_value(f).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert("type".into(), "finding".into());
        }
        line(v);
    }
    out
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\t' => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// CPE 2.3 formatted string → the CPE 2.2 URI nmap writes (`cpe:/a:vendor:product:version`).
pub fn cpe22(cpe: &str) -> String {
    if let Some(rest) = cpe.strip_prefix("cpe:2.3:") {
        let parts: Vec<&str> = rest.split(':').collect();
        let mut keep: Vec<&str> = parts.iter().take(4).copied().collect();
        while keep.last().is_some_and(|p| *p == "*" || *p == "-") {
            keep.pop();
        }
        return format!("cpe:/{}", keep.join(":"));
    }
    cpe.to_string()
}

fn unix(ts: &str) -> i64 {
    time::OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .unwrap_or(0)
}

/// nmap-compatible XML (the subset that tools reading `-oX` files use).
pub fn to_nmap_xml(r: &ScanResult, args: &str) -> String {
    let mut x = String::new();
    let start = unix(&r.started);
    let end = unix(&r.finished);
    let scan_type = if r.stats.method == "syn" {
        "syn"
    } else {
        "connect"
    };
    let _ = writeln!(
        x,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>"
    );
    let _ = writeln!(
        x,
        "<nmaprun scanner=\"vigie\" args=\"{}\" start=\"{start}\" startstr=\"{}\" version=\"{}\" xmloutputversion=\"1.05\">",
        esc(args),
        esc(&r.started),
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(
        x,
        "<scaninfo type=\"{scan_type}\" protocol=\"tcp\" numservices=\"{}\" services=\"\"/>",
        r.stats.ports_probed
    );
    // every target: up ones with their ports, down ones with the reason (as nmap -v writes
    // them), given-up ones marked timedout (as nmap marks a host past --host-timeout)
    let mut statuses: Vec<crate::liveness::HostStatus> = r.hosts.clone();
    for p in &r.open_ports {
        if !statuses.iter().any(|h| h.ip == p.ip) {
            statuses.push(crate::liveness::HostStatus::user_set(p.ip));
        }
    }
    statuses.sort_by_key(|h| h.ip);
    let up = statuses
        .iter()
        .filter(|h| h.state == crate::liveness::HostState::Up)
        .count();
    for st in &statuses {
        let h = &st.ip;
        let fam = if h.is_ipv4() { "ipv4" } else { "ipv6" };
        let timedout = if st.given_up.is_some() {
            " timedout=\"true\""
        } else {
            ""
        };
        let state = match st.state {
            crate::liveness::HostState::Up => "up",
            crate::liveness::HostState::Down => "down",
        };
        let _ = writeln!(
            x,
            "<host starttime=\"{start}\" endtime=\"{end}\"{timedout}><status state=\"{state}\" reason=\"{}\" reason_ttl=\"0\"/>",
            esc(&st.reason)
        );
        let _ = writeln!(x, "<address addr=\"{h}\" addrtype=\"{fam}\"/>");
        if let Some(mac) = &st.mac {
            let _ = writeln!(x, "<address addr=\"{}\" addrtype=\"mac\"/>", esc(mac));
        }
        let why = match &st.given_up {
            Some(g) => format!("{}; port scan given up: {}", st.detail, g.detail),
            None => st.detail.clone(),
        };
        let _ = writeln!(x, "<!-- vigie: {} -->", esc(&why).replace("--", "- -"));
        if st.state == crate::liveness::HostState::Down {
            x.push_str("</host>\n");
            continue;
        }
        let _ = writeln!(x, "<hostnames>\n</hostnames>\n<ports>");
        for p in r.open_ports.iter().filter(|p| p.ip == *h) {
            let reason = "syn-ack";
            let _ = write!(
                x,
                "<port protocol=\"tcp\" portid=\"{}\"><state state=\"open\" reason=\"{reason}\" reason_ttl=\"0\"/>",
                p.port
            );
            if let Some(s) = r.services.iter().find(|s| s.ip == p.ip && s.port == p.port) {
                let (name, tunnel) = match s.name.as_str() {
                    "https" => ("http", Some("ssl")),
                    n if n.starts_with("ssl/") => (n.trim_start_matches("ssl/"), Some("ssl")),
                    n => (n, s.tls.as_ref().map(|_| "ssl")),
                };
                let _ = write!(x, "<service name=\"{}\"", esc(name));
                if let Some(pr) = &s.product {
                    let _ = write!(x, " product=\"{}\"", esc(pr));
                }
                if let Some(v) = &s.version {
                    let _ = write!(x, " version=\"{}\"", esc(v));
                }
                let distro = s.distro.as_ref().map(|d| {
                    [Some(d.distro.clone()), d.revision.clone()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" ")
                });
                let extra = [distro, s.extrainfo.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("; ");
                if !extra.is_empty() {
                    let _ = write!(x, " extrainfo=\"{}\"", esc(&extra));
                }
                if let Some(os) = &s.os {
                    let _ = write!(x, " ostype=\"{}\"", esc(os));
                }
                if let Some(t) = tunnel {
                    let _ = write!(x, " tunnel=\"{t}\"");
                }
                let method = if s.product.is_some() {
                    "probed"
                } else {
                    "table"
                };
                let _ = write!(
                    x,
                    " method=\"{method}\" conf=\"{}\">",
                    if s.product.is_some() { 10 } else { 3 }
                );
                if let Some(c) = &s.cpe {
                    let _ = write!(x, "<cpe>{}</cpe>", esc(&cpe22(c)));
                }
                x.push_str("</service>");
            }
            x.push_str("</port>\n");
        }
        x.push_str("</ports>\n</host>\n");
    }
    let _ = writeln!(
        x,
        "<runstats><finished time=\"{end}\" timestr=\"{}\" elapsed=\"{:.2}\" summary=\"Vigie scan done: {} hosts up, {} down, {} given up early\" exit=\"success\"/><hosts up=\"{up}\" down=\"{}\" total=\"{}\"/></runstats>\n</nmaprun>",
        esc(&r.finished),
        (end - start) as f64,
        up,
        statuses.len() - up,
        r.stats.hosts_given_up,
        statuses.len() - up,
        statuses.len()
    );
    x
}

/// A port seen by another tool, imported as an observation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    pub ip: IpAddr,
    pub port: u16,
    pub protocol: String,
    pub state: String,
    pub service: Option<String>,
    pub product: Option<String>,
    pub version: Option<String>,
    pub cpe: Option<String>,
    /// "nmap-xml", "masscan-list", "masscan-json".
    pub source: String,
}

/// Reads an nmap XML file (`-oX`) into observations (any state nmap recorded).
pub fn import_nmap_xml(xml: &str) -> Result<Vec<Observation>, String> {
    use quick_xml::events::Event;
    let mut rd = quick_xml::Reader::from_str(xml);
    let mut out = vec![];
    let mut ip: Option<IpAddr> = None;
    let mut cur: Option<Observation> = None;
    let mut in_cpe = false;
    let attr = |e: &quick_xml::events::BytesStart<'_>, n: &[u8]| -> Option<String> {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == n)
            .and_then(|a| a.unescape_value().ok())
            .map(|v| v.into_owned())
    };
    loop {
        match rd.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"host" => ip = None,
                b"address" => {
                    let t = attr(&e, b"addrtype").unwrap_or_default();
                    if t == "ipv4" || t == "ipv6" {
                        ip = attr(&e, b"addr").and_then(|a| a.parse().ok());
                    }
                }
                b"port" => {
                    if let (Some(ip), Some(port)) =
                        (ip, attr(&e, b"portid").and_then(|p| p.parse().ok()))
                    {
                        cur = Some(Observation {
                            ip,
                            port,
                            protocol: attr(&e, b"protocol").unwrap_or_else(|| "tcp".into()),
                            state: String::new(),
                            service: None,
                            product: None,
                            version: None,
                            cpe: None,
                            source: "nmap-xml".into(),
                        });
                    }
                }
                b"state" => {
                    if let Some(c) = cur.as_mut() {
                        c.state = attr(&e, b"state").unwrap_or_default();
                    }
                }
                b"service" => {
                    if let Some(c) = cur.as_mut() {
                        c.service = attr(&e, b"name");
                        c.product = attr(&e, b"product");
                        c.version = attr(&e, b"version");
                    }
                }
                b"cpe" => in_cpe = true,
                _ => {}
            },
            Event::Text(t) if in_cpe => {
                if let (Some(c), Ok(s)) = (cur.as_mut(), t.decode()) {
                    if c.cpe.is_none() {
                        c.cpe = Some(s.trim().to_string());
                    }
                }
            }
            Event::End(e) => match e.name().as_ref() {
                b"cpe" => in_cpe = false,
                b"port" => {
                    if let Some(c) = cur.take() {
                        out.push(c);
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// Reads masscan output: list format (`-oL`, "open tcp 80 10.0.0.1 1700000000")
/// or JSON (`-oJ`, tolerant of masscan's trailing commas).
pub fn import_masscan(text: &str) -> Result<Vec<Observation>, String> {
    let t = text.trim_start();
    let mut out = vec![];
    if t.starts_with('[') || t.starts_with('{') {
        for line in text.lines() {
            let l = line.trim().trim_end_matches(',');
            if !l.starts_with('{') {
                continue;
            }
            let Ok(v) = serde_json::from_str::<serde_json::Value>(l) else {
                continue;
            };
            let Some(ip) = v
                .get("ip")
                .and_then(|i| i.as_str())
                .and_then(|i| i.parse().ok())
            else {
                continue;
            };
            for p in v
                .get("ports")
                .and_then(|p| p.as_array())
                .into_iter()
                .flatten()
            {
                let Some(port) = p
                    .get("port")
                    .and_then(|x| x.as_u64())
                    .and_then(|x| u16::try_from(x).ok())
                else {
                    continue;
                };
                out.push(Observation {
                    ip,
                    port,
                    protocol: p
                        .get("proto")
                        .and_then(|x| x.as_str())
                        .unwrap_or("tcp")
                        .to_string(),
                    state: p
                        .get("status")
                        .and_then(|x| x.as_str())
                        .unwrap_or("open")
                        .to_string(),
                    service: p
                        .get("service")
                        .and_then(|s| s.get("name"))
                        .and_then(|x| x.as_str())
                        .map(str::to_string),
                    product: None,
                    version: None,
                    cpe: None,
                    source: "masscan-json".into(),
                });
            }
        }
        return Ok(out);
    }
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.first().is_some_and(|x| x.starts_with('#')) || f.len() < 4 {
            continue;
        }
        let (Ok(port), Ok(ip)) = (f[2].parse::<u16>(), f[3].parse::<IpAddr>()) else {
            return Err(format!("not a masscan list line: {line:?}"));
        };
        out.push(Observation {
            ip,
            port,
            protocol: f[1].to_string(),
            state: f[0].to_string(),
            service: None,
            product: None,
            version: None,
            cpe: None,
            source: "masscan-list".into(),
        });
    }
    Ok(out)
}

/// Open ports of a state.
pub fn open_set(obs: &[Observation]) -> std::collections::BTreeSet<(IpAddr, u16)> {
    obs.iter()
        .filter(|o| o.state == "open" && o.protocol == "tcp")
        .map(|o| (o.ip, o.port))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::{PortResult, PortState};
    use crate::probe::Service;

    #[test]
    fn nmap_xml_roundtrip() {
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let r = ScanResult {
            started: "2026-01-01T00:00:00Z".into(),
            finished: "2026-01-01T00:00:05Z".into(),
            open_ports: vec![PortResult {
                ip,
                port: 22,
                state: PortState::Open,
                rtt_us: None,
            }],
            services: vec![Service {
                ip,
                port: 22,
                name: "ssh".into(),
                product: Some("OpenSSH".into()),
                version: Some("9.2p1".into()),
                cpe: Some("cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        let x = to_nmap_xml(&r, "vigie scan 10.0.0.1 <&>");
        assert!(x.contains("<cpe>cpe:/a:openbsd:openssh:9.2p1</cpe>"));
        let obs = import_nmap_xml(&x).unwrap();
        assert_eq!(obs.len(), 1);
        assert_eq!(obs[0].product.as_deref(), Some("OpenSSH"));
        assert_eq!(obs[0].version.as_deref(), Some("9.2p1"));
        assert_eq!(obs[0].state, "open");
        let jl = to_json_lines(&r);
        assert_eq!(jl.lines().count(), 3);
        for l in jl.lines() {
            serde_json::from_str::<serde_json::Value>(l).unwrap();
        }
    }

    #[test]
    fn masscan_formats() {
        let l =
            "#masscan\nopen tcp 80 10.0.0.1 1700000000\nopen tcp 443 10.0.0.2 1700000001\n# end\n";
        assert_eq!(import_masscan(l).unwrap().len(), 2);
        let j = "[\n{   \"ip\": \"10.0.0.3\",   \"timestamp\": \"1700000000\", \"ports\": [ {\"port\": 3389, \"proto\": \"tcp\", \"status\": \"open\", \"reason\": \"syn-ack\", \"ttl\": 64} ] },\n{finished: 1}\n]\n";
        let o = import_masscan(j).unwrap();
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].port, 3389);
        assert!(import_masscan("garbage here x y").is_err());
    }
}
