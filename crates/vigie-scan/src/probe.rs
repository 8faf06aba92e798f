//! Service identification of one open port: protocol probes, then the
//! fingerprint rules over the facts they read.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::net::Dialer;
use crate::ports::port_hint;
use crate::rules::{excerpt, primary, Facts, ProductMatch, RuleSet};
use crate::tls::{self, TlsInfo};
use crate::versions::{distro_patch, DistroPatch};
use crate::wire;

/// What was identified on one open port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub ip: IpAddr,
    pub port: u16,
    /// Service name (nmap-style where one exists): ssh, http, https, ftp, ms-wbt-server...
    pub name: String,
    pub product: Option<String>,
    pub vendor: Option<String>,
    pub version: Option<String>,
    pub cpe: Option<String>,
    pub os: Option<String>,
    pub tags: Vec<String>,
    /// Distribution package revision read from the banner, if any.
    pub distro: Option<DistroPatch>,
    /// What the protocol says of the implementation beyond product and version (nmap's
    /// extrainfo): a DICOM implementation class UID and version name, an HL7 sending
    /// application and facility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extrainfo: Option<String>,
    pub tls: Option<TlsInfo>,
    /// Facts read by the probes (banner, http.server, redis.auth, ftp.anonymous...).
    pub facts: Facts,
    /// Every rule that matched (the first is the primary one).
    pub matches: Vec<ProductMatch>,
    /// Excerpt of what the service sent first.
    pub evidence: String,
}

impl Default for Service {
    fn default() -> Self {
        Self {
            ip: IpAddr::from([0, 0, 0, 0]),
            port: 0,
            name: String::new(),
            product: None,
            vendor: None,
            version: None,
            cpe: None,
            os: None,
            tags: vec![],
            distro: None,
            extrainfo: None,
            tls: None,
            facts: Facts::new(),
            matches: vec![],
            evidence: String::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ProbeOptions {
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    /// How long to wait for a service that speaks first.
    pub banner_wait: Duration,
    /// DNS name to present as SNI / Host and to check certificates against.
    pub server_name: Option<String>,
    /// Try logging in anonymously on FTP (USER anonymous): on by default.
    pub ftp_anonymous_check: bool,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_millis(2000),
            read_timeout: Duration::from_millis(2500),
            banner_wait: Duration::from_millis(1200),
            server_name: None,
            ftp_anonymous_check: true,
        }
    }
}

struct Ctx<'a> {
    dialer: &'a Dialer,
    addr: SocketAddr,
    opts: &'a ProbeOptions,
    rules: &'a RuleSet,
}

impl Ctx<'_> {
    fn connect(&self) -> Option<TcpStream> {
        let s = self
            .dialer
            .connect_blocking(self.addr, self.opts.connect_timeout)
            .ok()?;
        let _ = s.set_read_timeout(Some(self.opts.read_timeout));
        Some(s)
    }
    fn host(&self) -> String {
        self.opts
            .server_name
            .clone()
            .unwrap_or_else(|| match self.addr.ip() {
                IpAddr::V6(v6) => format!("[{v6}]"),
                v4 => v4.to_string(),
            })
    }
}

fn exchange<S: Read + Write>(s: &mut S, req: &[u8], max: usize) -> Vec<u8> {
    if !tls::write_all(s, req) {
        return vec![];
    }
    read_until_quiet(s, max)
}

/// Reads until the peer closes, `max` bytes, or a read times out.
fn read_until_quiet<S: Read>(s: &mut S, max: usize) -> Vec<u8> {
    tls::read_some(s, max)
}

/// Reads one burst: returns after the first successful read (plus what
/// follows immediately), for protocols that keep the connection open.
fn read_burst(s: &mut TcpStream, max: usize, wait: Duration) -> Vec<u8> {
    let _ = s.set_read_timeout(Some(wait));
    let mut out = vec![];
    let mut buf = [0u8; 4096];
    match s.read(&mut buf) {
        Ok(n) if n > 0 => out.extend_from_slice(&buf[..n]),
        _ => return out,
    }
    let _ = s.set_read_timeout(Some(Duration::from_millis(150)));
    while out.len() < max {
        match s.read(&mut buf) {
            Ok(n) if n > 0 => out.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    out.truncate(max);
    out
}

/// Identifies the service on one open port. Never panics on what the remote
/// side sends; every connection goes through the scope-checking dialer.
pub fn identify(
    dialer: &Dialer,
    ip: IpAddr,
    port: u16,
    rules: &RuleSet,
    opts: &ProbeOptions,
) -> Service {
    let ctx = Ctx {
        dialer,
        addr: SocketAddr::new(ip, port),
        opts,
        rules,
    };
    let mut svc = Service {
        ip,
        port,
        name: "unknown".into(),
        ..Default::default()
    };
    let hint = port_hint(port);
    let client_first = matches!(
        hint,
        "http"
            | "https"
            | "rdp"
            | "smb"
            | "dicom"
            | "hl7"
            | "redis"
            | "postgresql"
            | "mssql"
            | "ldap"
            | "ldaps"
            | "elasticsearch"
            | "mongodb"
            | "modbus"
            | "s7"
            | "oracle"
    );
    let mut done = false;
    if client_first {
        done = run_specific(&ctx, hint, &mut svc);
    }
    if !done {
        // services that speak first
        if let Some(mut s) = ctx.connect() {
            let banner = read_burst(&mut s, 4096, opts.banner_wait);
            if !banner.is_empty() {
                done = banner_service(&ctx, s, &banner, &mut svc);
            }
        }
    }
    if !done {
        // silent service: try, in order, what is likely
        for p in [
            "tls",
            "http",
            "rdp",
            "smb",
            "redis",
            "postgresql",
            "dicom",
            "hl7",
            "mssql",
            "ldap",
        ] {
            if p == hint {
                continue;
            }
            if run_specific(&ctx, p, &mut svc) {
                break;
            }
        }
    }
    finish(&ctx, &mut svc);
    svc
}

fn run_specific(ctx: &Ctx<'_>, p: &str, svc: &mut Service) -> bool {
    match p {
        "http" | "elasticsearch" => probe_http(ctx, svc, false) || probe_http(ctx, svc, true),
        "https" | "tls" | "ldaps" => {
            probe_http(ctx, svc, true) || (p != "tls" && probe_http(ctx, svc, false))
        }
        "rdp" => probe_rdp(ctx, svc),
        "smb" => probe_smb(ctx, svc),
        "redis" => probe_redis(ctx, svc),
        "postgresql" => probe_pg(ctx, svc),
        "dicom" => probe_dicom(ctx, svc),
        "hl7" => probe_hl7(ctx, svc),
        "mssql" => probe_mssql(ctx, svc),
        "ldap" => probe_ldap(ctx, svc),
        "modbus" | "s7" | "mongodb" | "oracle" => {
            // no active probe: industrial protocols are not poked; named by port only
            svc.name = match p {
                "modbus" => "modbus",
                "s7" => "iso-tsap",
                "mongodb" => "mongodb",
                _ => "oracle-tns",
            }
            .into();
            svc.facts.insert("identified.by".into(), "port".into());
            false
        }
        _ => false,
    }
}

fn banner_service(ctx: &Ctx<'_>, mut s: TcpStream, banner: &[u8], svc: &mut Service) -> bool {
    let text = String::from_utf8_lossy(banner).into_owned();
    svc.evidence = excerpt(&text, 300);
    svc.facts.insert("banner".into(), text.clone());
    if let Some((_proto, software, comments)) = wire::parse_ssh_banner(banner) {
        svc.name = "ssh".into();
        let sw = match &comments {
            Some(c) => format!("{software} {c}"),
            None => software,
        };
        svc.facts.insert("ssh.software".into(), sw);
        return true;
    }
    if let Some(v) = wire::parse_vnc_banner(banner) {
        svc.name = "vnc".into();
        svc.facts.insert("vnc.protocol".into(), v);
        return true;
    }
    if let Some(t) = wire::telnet_text(banner) {
        svc.name = "telnet".into();
        svc.facts.insert("telnet.banner".into(), t);
        return true;
    }
    if let Some(g) = wire::parse_mysql_greeting(banner) {
        svc.name = "mysql".into();
        match g {
            wire::MysqlGreeting::Handshake { version, .. } => {
                svc.facts.insert("mysql.version".into(), version);
            }
            wire::MysqlGreeting::Error { code, message } => {
                svc.facts
                    .insert("mysql.error".into(), format!("{code} {message}"));
                let v = if message.contains("MariaDB") {
                    "0-MariaDB"
                } else {
                    ""
                };
                if !v.is_empty() {
                    svc.facts.insert("mysql.version".into(), v.into());
                }
            }
        }
        return true;
    }
    if text.starts_with("+OK") {
        svc.name = "pop3".into();
        svc.facts.insert(
            "pop.banner".into(),
            text.trim_start_matches("+OK").trim().to_string(),
        );
        return true;
    }
    if text.starts_with("* OK") {
        svc.name = "imap".into();
        svc.facts.insert(
            "imap.banner".into(),
            text.trim_start_matches("* OK").trim().to_string(),
        );
        return true;
    }
    if let Some((code, body)) = wire::parse_reply(banner) {
        if code == 220 || code == 421 || code == 554 {
            let lower = body.to_ascii_lowercase();
            let smtp_like = lower.contains("smtp")
                || lower.contains("mail")
                || matches!(ctx.addr.port(), 25 | 465 | 587);
            let ftp_like = lower.contains("ftp") || matches!(ctx.addr.port(), 21 | 2121);
            if ftp_like && (!smtp_like || ctx.addr.port() == 21) {
                svc.name = "ftp".into();
                svc.facts.insert("ftp.banner".into(), body.clone());
                if ctx.opts.ftp_anonymous_check {
                    ftp_anonymous(&mut s, svc);
                }
                return true;
            }
            if smtp_like {
                svc.name = "smtp".into();
                svc.facts.insert("smtp.banner".into(), body.clone());
                let ehlo = exchange_line(&mut s, b"EHLO vigie-scan.invalid\r\n");
                if !ehlo.is_empty() {
                    let e = String::from_utf8_lossy(&ehlo).into_owned();
                    svc.facts.insert(
                        "smtp.starttls".into(),
                        e.to_ascii_uppercase().contains("STARTTLS").to_string(),
                    );
                    svc.facts.insert("smtp.ehlo".into(), e);
                }
                let _ = s.write_all(b"QUIT\r\n");
                return true;
            }
            // unknown 220: try FTP's anonymous login only on FTP-looking banners
            svc.name = "ftp".into();
            svc.facts.insert("ftp.banner".into(), body);
            return true;
        }
    }
    // a banner nothing recognised: generic rules may still name it
    svc.name = "unknown".into();
    !ctx.rules.matches(&svc.facts, None).is_empty()
}

fn exchange_line(s: &mut TcpStream, req: &[u8]) -> Vec<u8> {
    if s.write_all(req).is_err() {
        return vec![];
    }
    read_burst(s, 8192, Duration::from_millis(2000))
}

fn ftp_anonymous(s: &mut TcpStream, svc: &mut Service) {
    let r = exchange_line(s, b"USER anonymous\r\n");
    let Some((code, _)) = wire::parse_reply(&r) else {
        return;
    };
    let (final_code, text) = if code == 331 {
        let r2 = exchange_line(s, b"PASS vigie-scan@cert-sante.invalid\r\n");
        match wire::parse_reply(&r2) {
            Some((c, t)) => (c, t),
            None => return,
        }
    } else {
        (code, wire::parse_reply(&r).map(|x| x.1).unwrap_or_default())
    };
    svc.facts
        .insert("ftp.anonymous".into(), (final_code == 230).to_string());
    svc.facts.insert(
        "ftp.anonymous.reply".into(),
        excerpt(&format!("{final_code} {}", text.trim()), 200),
    );
    let _ = s.write_all(b"QUIT\r\n");
}

fn http_fetch(
    ctx: &Ctx<'_>,
    tls_on: bool,
    path: &str,
    svc: &mut Service,
) -> Option<wire::HttpResponse> {
    let req = wire::http_request(&ctx.host(), path);
    let raw = if tls_on {
        if svc.tls.is_none() {
            let (info, mut stream) = tls::inspect(
                ctx.dialer,
                ctx.addr,
                ctx.opts.server_name.as_deref(),
                ctx.opts.connect_timeout,
            )?;
            svc.tls = Some(info);
            exchange(&mut stream, &req, 65536)
        } else {
            let tcp = ctx.connect()?;
            let mut stream = tls::handshake(tcp, ctx.opts.server_name.as_deref(), None).ok()?;
            exchange(&mut stream, &req, 65536)
        }
    } else {
        let mut s = ctx.connect()?;
        exchange(&mut s, &req, 65536)
    };
    wire::parse_http_response(&raw)
}

fn http_facts(r: &wire::HttpResponse, facts: &mut Facts) {
    facts.insert("http.status".into(), r.status.to_string());
    facts.insert("http.header".into(), r.headers_text());
    if let Some(s) = r.header("server") {
        facts.insert("http.server".into(), s.to_string());
    }
    if let Some(l) = r.header("location") {
        facts.insert("http.location".into(), l.to_string());
    }
    if let Some(t) = r.title() {
        facts.insert("http.title".into(), t);
    }
    facts.insert("http.body".into(), r.body_text());
}

fn probe_http(ctx: &Ctx<'_>, svc: &mut Service, tls_on: bool) -> bool {
    let Some(root) = http_fetch(ctx, tls_on, "/", svc) else {
        // TLS without HTTP is still TLS
        if tls_on && svc.tls.is_some() {
            svc.name = "ssl/unknown".into();
            return true;
        }
        return false;
    };
    svc.name = if tls_on {
        "https".into()
    } else {
        "http".into()
    };
    let mut facts = Facts::new();
    http_facts(&root, &mut facts);
    svc.evidence = excerpt(
        &format!(
            "HTTP {} {}\n{}",
            root.status,
            root.reason,
            root.headers_text()
        ),
        400,
    );
    let mut matches = ctx.rules.matches(&facts, Some("/"));
    // follow one same-host redirect
    if (300..400).contains(&root.status) {
        if let Some(loc) = root.header("location") {
            if let Some(path) = same_host_path(loc, &ctx.host()) {
                if let Some(r2) = http_fetch(ctx, tls_on, &path, svc) {
                    let mut f2 = Facts::new();
                    http_facts(&r2, &mut f2);
                    matches.extend(ctx.rules.matches(&f2, Some(&path)));
                    svc.facts.insert("http.redirect".into(), path);
                    if let Some(t) = f2.get("http.title") {
                        facts.insert("http.redirect.title".into(), t.clone());
                    }
                }
            }
        }
    }
    let identified =
        |m: &[ProductMatch]| m.iter().any(|m| m.tags.iter().any(|t| t != "web-server"));
    if !identified(&matches) {
        for path in ctx.rules.http_paths() {
            if let Some(r) = http_fetch(ctx, tls_on, &path, svc) {
                if r.status == 404 || r.status >= 500 {
                    continue;
                }
                let mut f = Facts::new();
                http_facts(&r, &mut f);
                let m = ctx.rules.matches(&f, Some(&path));
                let hit = m
                    .iter()
                    .any(|m| m.tags.iter().any(|t| t != "web-server") && m.field != "http.server");
                matches.extend(m);
                if hit {
                    svc.facts.insert("http.path".into(), path.clone());
                    break;
                }
            }
        }
    }
    // keep the body excerpt small in the facts
    if let Some(b) = facts.get_mut("http.body") {
        *b = excerpt(b, 2000);
    }
    svc.facts.extend(facts);
    svc.matches = matches;
    true
}

fn same_host_path(loc: &str, host: &str) -> Option<String> {
    if loc.starts_with('/') {
        return Some(loc.to_string());
    }
    for scheme in ["http://", "https://"] {
        if let Some(rest) = loc.strip_prefix(scheme) {
            let (h, p) = rest
                .split_once('/')
                .map(|(h, p)| (h, format!("/{p}")))
                .unwrap_or((rest, "/".into()));
            let h = h.split(':').next().unwrap_or(h);
            if h.eq_ignore_ascii_case(host.split(':').next().unwrap_or(host)) {
                return Some(p);
            }
        }
    }
    None
}

fn probe_rdp(ctx: &Ctx<'_>, svc: &mut Service) -> bool {
    let Some(mut s) = ctx.connect() else {
        return false;
    };
    let r = exchange_burst(&mut s, &wire::RDP_X224_REQUEST);
    let Some(neg) = wire::parse_rdp_confirm(&r) else {
        return false;
    };
    svc.name = "ms-wbt-server".into();
    let (proto, nla) = match neg {
        wire::RdpNeg::Selected { protocol, .. } => (
            wire::rdp_protocol_name(protocol).to_string(),
            protocol == 2 || protocol == 8,
        ),
        wire::RdpNeg::Failure(code) => (format!("failure-{code}"), code == 5),
        wire::RdpNeg::Legacy => ("rdp".into(), false),
    };
    svc.facts.insert("rdp.protocol".into(), proto.clone());
    svc.facts.insert("rdp.nla".into(), nla.to_string());
    svc.evidence = format!(
        "X.224 Connection Confirm, selected protocol {proto} ({})",
        hex(&r, 32)
    );
    true
}

fn exchange_burst(s: &mut TcpStream, req: &[u8]) -> Vec<u8> {
    if s.write_all(req).is_err() {
        return vec![];
    }
    read_burst(s, 65536, Duration::from_millis(2500))
}

fn hex(b: &[u8], max: usize) -> String {
    b.iter()
        .take(max)
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn probe_smb(ctx: &Ctx<'_>, svc: &mut Service) -> bool {
    let Some(mut s) = ctx.connect() else {
        return false;
    };
    let r = exchange_burst(&mut s, &wire::smb2_negotiate_request());
    let Some(n) = wire::parse_smb_negotiate(&r) else {
        return false;
    };
    svc.name = "microsoft-ds".into();
    svc.facts.insert("smb.dialect".into(), n.dialect.clone());
    svc.facts.insert(
        "smb.signing_required".into(),
        n.signing_required.to_string(),
    );
    svc.evidence = format!(
        "SMB negotiate: dialect {}, signing required {}",
        n.dialect, n.signing_required
    );
    true
}

fn probe_redis(ctx: &Ctx<'_>, svc: &mut Service) -> bool {
    let Some(mut s) = ctx.connect() else {
        return false;
    };
    let r = exchange_burst(&mut s, b"PING\r\n");
    let Some(reply) = wire::parse_redis_ping(&r) else {
        return false;
    };
    svc.name = "redis".into();
    match reply {
        wire::RedisReply::Pong => {
            svc.facts.insert("redis.auth".into(), "none".into());
            let info = exchange_burst(&mut s, b"INFO server\r\n");
            if let Some(v) = wire::redis_info_field(&info, "redis_version") {
                svc.facts.insert("redis.version".into(), v);
            }
            svc.evidence = "PING → +PONG (no authentication)".into();
        }
        wire::RedisReply::NoAuth(l) => {
            svc.facts.insert("redis.auth".into(), "required".into());
            svc.facts.insert("redis.version".into(), String::new());
            svc.evidence = format!("PING → {l}");
        }
        wire::RedisReply::Other(l) => {
            // a RESP answer of any kind: still Redis-like, not a bare product
            if !l.starts_with('-') {
                return false;
            }
            svc.evidence = format!("PING → {l}");
        }
    }
    let _ = s.write_all(b"QUIT\r\n");
    true
}

fn probe_pg(ctx: &Ctx<'_>, svc: &mut Service) -> bool {
    let Some(mut s) = ctx.connect() else {
        return false;
    };
    let r = exchange_burst(&mut s, &wire::PG_SSL_REQUEST);
    if r.len() != 1 || !(r[0] == b'S' || r[0] == b'N') {
        return false;
    }
    svc.facts
        .insert("postgresql.ssl".into(), (r[0] == b'S').to_string());
    let mut evidence = format!("SSLRequest → {:?}", char::from(r[0]));
    if r[0] == b'N' {
        let r2 = exchange_burst(&mut s, &wire::pg_startup("vigie_scan", "vigie_scan"));
        match wire::parse_pg_reply(&r2) {
            Some(wire::PgReply::Auth(code)) => {
                let m = match code {
                    0 => "none",
                    3 => "cleartext",
                    5 => "md5",
                    10 => "scram",
                    _ => "other",
                };
                svc.facts.insert("postgresql.auth".into(), m.into());
                evidence.push_str(&format!("; startup → authentication request {code} ({m})"));
            }
            Some(wire::PgReply::Error(f)) => {
                let msg = f.get(&'M').cloned().unwrap_or_default();
                evidence.push_str(&format!(
                    "; startup → {} {}",
                    f.get(&'S').cloned().unwrap_or_default(),
                    msg
                ));
                svc.facts.insert("postgresql.error".into(), msg);
            }
            None => return false,
        }
    }
    svc.name = "postgresql".into();
    svc.facts.insert("postgresql.detected".into(), "yes".into());
    svc.evidence = evidence;
    true
}

fn probe_mssql(ctx: &Ctx<'_>, svc: &mut Service) -> bool {
    let Some(mut s) = ctx.connect() else {
        return false;
    };
    let r = exchange_burst(&mut s, &wire::mssql_prelogin());
    let Some(v) = wire::parse_mssql_prelogin(&r) else {
        return false;
    };
    svc.name = "ms-sql-s".into();
    svc.evidence = format!("TDS pre-login: version {v}");
    svc.facts.insert("mssql.version".into(), v);
    true
}

fn probe_ldap(ctx: &Ctx<'_>, svc: &mut Service) -> bool {
    let Some(mut s) = ctx.connect() else {
        return false;
    };
    let r = exchange_burst(&mut s, &wire::LDAP_ANON_BIND);
    let Some(code) = wire::parse_ldap_bind_response(&r) else {
        return false;
    };
    svc.name = "ldap".into();
    svc.facts.insert("ldap.detected".into(), "yes".into());
    svc.facts
        .insert("ldap.anonymous_bind".into(), (code == 0).to_string());
    svc.evidence = format!("anonymous bind → result code {code}");
    true
}

fn probe_dicom(ctx: &Ctx<'_>, svc: &mut Service) -> bool {
    let Some(mut s) = ctx.connect() else {
        return false;
    };
    let r = exchange_burst(&mut s, &wire::dicom_associate_rq("VIGIE-SCAN", "ANY-SCP"));
    let Some(a) = wire::parse_dicom_assoc(&r) else {
        return false;
    };
    svc.name = "dicom".into();
    svc.facts.insert(
        "dicom.association".into(),
        if a.accepted {
            "accepted".into()
        } else {
            "rejected".into()
        },
    );
    let imp = [
        a.implementation_uid.clone(),
        a.implementation_version.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    svc.facts.insert("dicom.implementation".into(), imp.clone());
    if let Some(u) = &a.implementation_uid {
        svc.facts
            .insert("dicom.implementation_uid".into(), u.clone());
    }
    if let Some(v) = &a.implementation_version {
        svc.facts
            .insert("dicom.implementation_version".into(), v.clone());
    }
    svc.extrainfo = crate::medical::dicom_extrainfo(&a);
    // the implementation named from the table of public UID roots, before the generic rule
    svc.matches = crate::medical::identify_dicom(
        crate::medical::dicom_table(),
        a.implementation_uid.as_deref(),
        a.implementation_version.as_deref(),
    )
    .into_iter()
    .chain(ctx.rules.matches(&svc.facts, None))
    .collect();
    let mut ev = if a.accepted {
        format!("A-ASSOCIATE-AC (Verification SOP class), implementation {imp}")
    } else {
        format!("A-ASSOCIATE-RJ {:?}", a.reject)
    };
    if a.accepted && a.pc_result == Some(0) {
        let e = exchange_burst(&mut s, &wire::dicom_cecho_rq(1));
        if let Some(st) = wire::parse_dicom_cecho_rsp(&e) {
            svc.facts
                .insert("dicom.c_echo".into(), format!("{st:#06x}"));
            ev.push_str(&format!("; C-ECHO status {st:#06x}"));
        }
        let _ = exchange_burst(&mut s, &wire::DICOM_RELEASE_RQ);
    }
    svc.evidence = ev;
    true
}

fn probe_hl7(ctx: &Ctx<'_>, svc: &mut Service) -> bool {
    let Some(mut s) = ctx.connect() else {
        return false;
    };
    let ts = time::OffsetDateTime::now_utc();
    let stamp = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        ts.year(),
        u8::from(ts.month()),
        ts.day(),
        ts.hour(),
        ts.minute(),
        ts.second()
    );
    let r = exchange_burst(&mut s, &wire::hl7_query("VIGIE1", &stamp));
    let Some(a) = wire::parse_hl7_mllp(&r) else {
        return false;
    };
    svc.name = "hl7-mllp".into();
    svc.facts.insert(
        "hl7.application".into(),
        format!("{} {}", a.sending_application, a.sending_facility)
            .trim()
            .to_string(),
    );
    svc.facts.insert(
        "hl7.sending_application".into(),
        crate::medical::hd_text(&a.sending_application, a.component_separator),
    );
    svc.facts.insert(
        "hl7.sending_facility".into(),
        crate::medical::hd_text(&a.sending_facility, a.component_separator),
    );
    svc.extrainfo = crate::medical::hl7_extrainfo(&a);
    svc.facts.insert("hl7.version".into(), a.version.clone());
    if let Some(c) = &a.ack_code {
        svc.facts.insert("hl7.ack".into(), c.clone());
    }
    svc.evidence = excerpt(&a.text.replace('\r', "\n"), 300);
    true
}

fn finish(ctx: &Ctx<'_>, svc: &mut Service) {
    if svc.matches.is_empty() {
        svc.matches = ctx.rules.matches(&svc.facts, None);
    }
    if let Some(p) = primary(&svc.matches).cloned() {
        svc.product = p.product.clone();
        svc.vendor = p.vendor.clone();
        svc.version = p.version.clone();
        svc.cpe = p.cpe.clone();
        svc.os = p.os.clone();
        if let Some(s) = &p.service {
            // keep https / http from the probe for web rules
            if !(s == "http" || s == "https") || svc.name == "unknown" {
                svc.name = s.clone();
            }
        }
    }
    let mut tags: Vec<String> = svc
        .matches
        .iter()
        .filter(|m| m.product.is_some())
        .flat_map(|m| m.tags.clone())
        .collect();
    tags.sort();
    tags.dedup();
    svc.tags = tags;
    let distro_src = svc
        .facts
        .get("banner")
        .or_else(|| svc.facts.get("http.server"))
        .cloned()
        .unwrap_or_default();
    svc.distro = distro_patch(&distro_src);
    if svc.evidence.is_empty() {
        if let Some(m) = svc.matches.first() {
            svc.evidence = m.evidence.clone();
        }
    }
    if svc.name == "unknown" && svc.tls.is_some() {
        svc.name = "ssl/unknown".into();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_stay_on_host() {
        assert_eq!(
            same_host_path("/remote/login?lang=en", "10.0.0.1").as_deref(),
            Some("/remote/login?lang=en")
        );
        assert_eq!(
            same_host_path("https://10.0.0.1:10443/x", "10.0.0.1").as_deref(),
            Some("/x")
        );
        assert_eq!(same_host_path("https://elsewhere.org/x", "10.0.0.1"), None);
    }
}
