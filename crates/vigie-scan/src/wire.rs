//! Parsers of what remote services send, and the requests the probes write.
//! Pure functions over bytes: they never panic, whatever they are given
//! (each has a fuzz target in `fuzz/`).

use std::collections::BTreeMap;

// ------------------------------------------------------------------ HTTP

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpResponse {
    pub version: String,
    pub status: u16,
    pub reason: String,
    /// Lower-case names, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn headers_text(&self) -> String {
        self.headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}\n"))
            .collect()
    }
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn title(&self) -> Option<String> {
        html_title(&self.body_text())
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Parses an HTTP/1.x response (possibly truncated). Chunked bodies are decoded
/// as far as they go.
pub fn parse_http_response(data: &[u8]) -> Option<HttpResponse> {
    if !data.starts_with(b"HTTP/") {
        return None;
    }
    let (head_end, sep) = match find(data, b"\r\n\r\n") {
        Some(i) => (i, 4),
        None => match find(data, b"\n\n") {
            Some(i) => (i, 2),
            None => (data.len(), 0),
        },
    };
    let head = String::from_utf8_lossy(&data[..head_end]);
    let mut lines = head.lines();
    let status_line = lines.next()?;
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next()?.to_string();
    let status: u16 = parts.next()?.trim().parse().ok()?;
    let reason = parts.next().unwrap_or("").trim().to_string();
    let mut headers = vec![];
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let raw_body = data.get(head_end + sep..).unwrap_or(&[]);
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        dechunk(raw_body)
    } else {
        raw_body.to_vec()
    };
    Some(HttpResponse {
        version,
        status,
        reason,
        headers,
        body,
    })
}

fn dechunk(mut d: &[u8]) -> Vec<u8> {
    let mut out = vec![];
    while let Some(eol) = find(d, b"\r\n") {
        let size_txt = String::from_utf8_lossy(&d[..eol]);
        let size_txt = size_txt.split(';').next().unwrap_or("").trim().to_string();
        let Ok(size) = usize::from_str_radix(&size_txt, 16) else {
            break;
        };
        if size == 0 {
            break;
        }
        let start = eol + 2;
        let end = start.saturating_add(size).min(d.len());
        out.extend_from_slice(&d[start..end]);
        if end >= d.len() {
            break;
        }
        d = d.get(end + 2..).unwrap_or(&[]);
    }
    out
}

/// The text of the first `<title>` element, whitespace collapsed.
pub fn html_title(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let gt = lower[start..].find('>')? + start + 1;
    let end = lower[gt..].find("</title")? + gt;
    let t: String = body
        .get(gt..end)?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let t = t
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"");
    (!t.is_empty()).then_some(t)
}

pub fn http_request(host: &str, path: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: Mozilla/5.0 (compatible; Vigie-scan; CERT Sante exposure survey)\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )
    .into_bytes()
}

// ------------------------------------------------------------------ line banners

/// The SSH identification: (protocol version, software, comments).
pub fn parse_ssh_banner(data: &[u8]) -> Option<(String, String, Option<String>)> {
    let text = String::from_utf8_lossy(data);
    let line = text.lines().find(|l| l.starts_with("SSH-"))?;
    let rest = line.strip_prefix("SSH-")?;
    let (proto, rest) = rest.split_once('-')?;
    let (software, comments) = match rest.split_once(' ') {
        Some((s, c)) => (s.to_string(), Some(c.trim().to_string())),
        None => (rest.trim().to_string(), None),
    };
    Some((proto.to_string(), software, comments))
}

/// An FTP/SMTP-style reply: (code, text of all lines). Multi-line replies are joined.
pub fn parse_reply(data: &[u8]) -> Option<(u16, String)> {
    let text = String::from_utf8_lossy(data);
    let first = text.lines().next()?;
    let code: u16 = first.get(..3)?.parse().ok()?;
    let body: Vec<&str> = text.lines().map(|l| l.get(4..).unwrap_or("")).collect();
    Some((code, body.join("\n")))
}

// ------------------------------------------------------------------ RDP

/// X.224 Connection Request with an RDP negotiation request for TLS | CredSSP (NLA).
pub const RDP_X224_REQUEST: [u8; 19] = [
    0x03, 0x00, 0x00, 0x13, 0x0e, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x08, 0x00, 0x03,
    0x00, 0x00, 0x00,
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RdpNeg {
    /// Server chose a protocol: 0 = standard RDP security, 1 = TLS, 2 = CredSSP (NLA), 8 = RDSTLS.
    Selected { protocol: u32, flags: u8 },
    /// Negotiation failure code (e.g. 5 = HYBRID_REQUIRED_BY_SERVER).
    Failure(u32),
    /// X.224 confirm without negotiation data (old servers: standard RDP security).
    Legacy,
}

/// Parses a TPKT + X.224 Connection Confirm.
pub fn parse_rdp_confirm(d: &[u8]) -> Option<RdpNeg> {
    if d.len() < 11 || d[0] != 3 || d[1] != 0 {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([d[2], d[3]]));
    if len < 11 || d.len() < len.min(d.len()) {
        return None;
    }
    // X.224 CC TPDU code 0xD0 (upper nibble)
    if d[5] & 0xf0 != 0xd0 {
        return None;
    }
    if len >= 19 && d.len() >= 19 {
        let ty = d[11];
        let flags = d[12];
        let val = u32::from_le_bytes([d[15], d[16], d[17], d[18]]);
        return match ty {
            2 => Some(RdpNeg::Selected {
                protocol: val,
                flags,
            }),
            3 => Some(RdpNeg::Failure(val)),
            _ => Some(RdpNeg::Legacy),
        };
    }
    Some(RdpNeg::Legacy)
}

pub fn rdp_protocol_name(p: u32) -> &'static str {
    match p {
        0 => "rdp",
        1 => "ssl",
        2 => "hybrid",
        8 => "rdstls",
        _ => "other",
    }
}

// ------------------------------------------------------------------ SMB

/// SMB2 NEGOTIATE request over NetBIOS session service, dialects 2.0.2–3.0.2.
pub fn smb2_negotiate_request() -> Vec<u8> {
    let dialects: [u16; 4] = [0x0202, 0x0210, 0x0300, 0x0302];
    let mut smb = vec![0xfe, b'S', b'M', b'B'];
    smb.extend_from_slice(&64u16.to_le_bytes()); // header length
    smb.extend_from_slice(&[0; 2]); // credit charge
    smb.extend_from_slice(&[0; 4]); // status
    smb.extend_from_slice(&0u16.to_le_bytes()); // command NEGOTIATE
    smb.extend_from_slice(&1u16.to_le_bytes()); // credits
    smb.extend_from_slice(&[0; 4]); // flags
    smb.extend_from_slice(&[0; 4]); // next command
    smb.extend_from_slice(&[0; 8]); // message id
    smb.extend_from_slice(&[0; 4]); // reserved
    smb.extend_from_slice(&[0; 4]); // tree id
    smb.extend_from_slice(&[0; 8]); // session id
    smb.extend_from_slice(&[0; 16]); // signature
    smb.extend_from_slice(&36u16.to_le_bytes()); // structure size
    smb.extend_from_slice(&(dialects.len() as u16).to_le_bytes());
    smb.extend_from_slice(&1u16.to_le_bytes()); // security mode: signing enabled
    smb.extend_from_slice(&[0; 2]); // reserved
    smb.extend_from_slice(&[0; 4]); // capabilities
    smb.extend_from_slice(b"VIGIE-SCAN-GUID!"); // client guid
    smb.extend_from_slice(&[0; 8]); // client start time
    for d in dialects {
        smb.extend_from_slice(&d.to_le_bytes());
    }
    let mut out = vec![0, 0, 0, 0];
    let l = smb.len() as u32;
    out[1..4].copy_from_slice(&l.to_be_bytes()[1..4]);
    out.extend(smb);
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmbNegotiate {
    /// "2.0.2", "2.1", "3.0", "3.0.2", "3.1.1", or "1" for an SMB1-only answer.
    pub dialect: String,
    pub signing_enabled: bool,
    pub signing_required: bool,
}

/// Parses an SMB2 NEGOTIATE response (or notes an SMB1 answer).
pub fn parse_smb_negotiate(d: &[u8]) -> Option<SmbNegotiate> {
    let p = d.get(4..)?;
    if p.starts_with(&[0xff, b'S', b'M', b'B']) {
        return Some(SmbNegotiate {
            dialect: "1".into(),
            signing_enabled: false,
            signing_required: false,
        });
    }
    if !p.starts_with(&[0xfe, b'S', b'M', b'B']) {
        return None;
    }
    let body = p.get(64..)?;
    let sec = u16::from_le_bytes([*body.get(2)?, *body.get(3)?]);
    let dialect = u16::from_le_bytes([*body.get(4)?, *body.get(5)?]);
    let name = match dialect {
        0x0202 => "2.0.2",
        0x0210 => "2.1",
        0x0300 => "3.0",
        0x0302 => "3.0.2",
        0x0311 => "3.1.1",
        0x02ff => "2.???",
        _ => return None,
    };
    Some(SmbNegotiate {
        dialect: name.into(),
        signing_enabled: sec & 1 != 0,
        signing_required: sec & 2 != 0,
    })
}

// ------------------------------------------------------------------ MySQL

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MysqlGreeting {
    Handshake {
        protocol: u8,
        version: String,
        connection_id: u32,
    },
    /// Error packet, e.g. "Host '...' is not allowed to connect".
    Error { code: u16, message: String },
}

pub fn parse_mysql_greeting(d: &[u8]) -> Option<MysqlGreeting> {
    if d.len() < 5 {
        return None;
    }
    let len = usize::from(d[0]) | usize::from(d[1]) << 8 | usize::from(d[2]) << 16;
    let payload = d.get(4..(4 + len).min(d.len()))?;
    match *payload.first()? {
        0xff => {
            let code = u16::from_le_bytes([*payload.get(1)?, *payload.get(2)?]);
            let mut msg = payload.get(3..).unwrap_or(&[]);
            if msg.first() == Some(&b'#') {
                msg = msg.get(6..).unwrap_or(&[]);
            }
            Some(MysqlGreeting::Error {
                code,
                message: String::from_utf8_lossy(msg).into_owned(),
            })
        }
        proto @ (9 | 10) => {
            let rest = payload.get(1..)?;
            let nul = rest.iter().position(|b| *b == 0)?;
            let version = std::str::from_utf8(&rest[..nul]).ok()?.to_string();
            if version.is_empty() || !version.chars().all(|c| c.is_ascii_graphic()) {
                return None;
            }
            let idb = rest.get(nul + 1..nul + 5)?;
            let connection_id = u32::from_le_bytes([idb[0], idb[1], idb[2], idb[3]]);
            Some(MysqlGreeting::Handshake {
                protocol: proto,
                version,
                connection_id,
            })
        }
        _ => None,
    }
}

// ------------------------------------------------------------------ PostgreSQL

pub const PG_SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

pub fn pg_startup(user: &str, database: &str) -> Vec<u8> {
    let mut body = vec![0, 3, 0, 0];
    for (k, v) in [
        ("user", user),
        ("database", database),
        ("application_name", "vigie-scan"),
    ] {
        body.extend_from_slice(k.as_bytes());
        body.push(0);
        body.extend_from_slice(v.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut out = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    out.extend(body);
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PgReply {
    /// Authentication request: 0 = OK (no password!), 3 = cleartext, 5 = md5, 10 = SASL.
    Auth(u32),
    /// ErrorResponse fields (S, C, M ...).
    Error(BTreeMap<char, String>),
}

pub fn parse_pg_reply(d: &[u8]) -> Option<PgReply> {
    let ty = *d.first()?;
    let len = u32::from_be_bytes([*d.get(1)?, *d.get(2)?, *d.get(3)?, *d.get(4)?]) as usize;
    if !(4..=1 << 20).contains(&len) {
        return None;
    }
    let body = d.get(5..(1 + len).min(d.len()))?;
    match ty {
        b'R' => Some(PgReply::Auth(u32::from_be_bytes([
            *body.first()?,
            *body.get(1)?,
            *body.get(2)?,
            *body.get(3)?,
        ]))),
        b'E' => {
            let mut m = BTreeMap::new();
            for f in body.split(|b| *b == 0) {
                if let Some((&k, v)) = f.split_first() {
                    m.insert(char::from(k), String::from_utf8_lossy(v).into_owned());
                }
            }
            m.contains_key(&'S').then_some(PgReply::Error(m))
        }
        _ => None,
    }
}

// ------------------------------------------------------------------ Redis

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedisReply {
    Pong,
    NoAuth(String),
    Other(String),
}

pub fn parse_redis_ping(d: &[u8]) -> Option<RedisReply> {
    let t = String::from_utf8_lossy(d);
    let line = t.lines().next()?;
    if line.starts_with("+PONG") {
        Some(RedisReply::Pong)
    } else if line.starts_with("-NOAUTH")
        || line.starts_with("-DENIED")
        || line.starts_with("-WRONGPASS")
    {
        Some(RedisReply::NoAuth(line.to_string()))
    } else if line.starts_with('-') || line.starts_with('+') {
        Some(RedisReply::Other(line.to_string()))
    } else {
        None
    }
}

pub fn redis_info_field(d: &[u8], field: &str) -> Option<String> {
    let t = String::from_utf8_lossy(d);
    t.lines().find_map(|l| {
        l.strip_prefix(field)
            .and_then(|r| r.strip_prefix(':'))
            .map(|v| v.trim().to_string())
    })
}

// ------------------------------------------------------------------ MSSQL TDS pre-login

pub fn mssql_prelogin() -> Vec<u8> {
    // options: VERSION(0) at 0x1a len 6, ENCRYPTION(1) len 1, INSTOPT(2) len 1, THREADID(3) len 4, terminator
    let mut opts = vec![
        0x00, 0x00, 0x1a, 0x00, 0x06, 0x01, 0x00, 0x20, 0x00, 0x01, 0x02, 0x00, 0x21, 0x00, 0x01,
        0x03, 0x00, 0x22, 0x00, 0x04, 0x04, 0x00, 0x26, 0x00, 0x00, 0xff,
    ];
    opts.truncate(26);
    let mut data = opts;
    data.extend_from_slice(&[0x0f, 0x00, 0x07, 0xd0, 0x00, 0x00]); // client version
    data.push(0x02); // encryption not supported
    data.push(0x00); // instance
    data.extend_from_slice(&[0, 0, 0, 0]); // thread id
    let total = (data.len() + 8) as u16;
    let mut out = vec![0x12, 0x01];
    out.extend_from_slice(&total.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend(data);
    out
}

/// Version "major.minor.build" from a TDS pre-login response.
pub fn parse_mssql_prelogin(d: &[u8]) -> Option<String> {
    if d.len() < 8 || d[0] != 0x04 {
        return None;
    }
    let p = d.get(8..)?;
    let mut i = 0;
    while i + 5 <= p.len() && p[i] != 0xff {
        let token = p[i];
        let off = usize::from(u16::from_be_bytes([p[i + 1], p[i + 2]]));
        let len = usize::from(u16::from_be_bytes([p[i + 3], p[i + 4]]));
        if token == 0 && len >= 6 {
            let v = p.get(off..off + 6)?;
            let build = u16::from_be_bytes([v[2], v[3]]);
            return Some(format!("{}.{}.{}", v[0], v[1], build));
        }
        i += 5;
    }
    None
}

// ------------------------------------------------------------------ LDAP

/// Anonymous simple bind request, message id 1, LDAPv3.
pub const LDAP_ANON_BIND: [u8; 14] = [
    0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00,
];

/// Result code of an LDAP BindResponse.
pub fn parse_ldap_bind_response(d: &[u8]) -> Option<u8> {
    if d.first() != Some(&0x30) {
        return None;
    }
    let mut i = 1;
    let l = *d.get(i)?;
    i += 1;
    if l & 0x80 != 0 {
        i += usize::from(l & 0x7f);
    }
    // message id
    if *d.get(i)? != 0x02 {
        return None;
    }
    let idl = usize::from(*d.get(i + 1)?);
    i += 2 + idl;
    if *d.get(i)? != 0x61 {
        return None;
    }
    i += 1;
    let l = *d.get(i)?;
    i += 1;
    if l & 0x80 != 0 {
        i += usize::from(l & 0x7f);
    }
    if *d.get(i)? != 0x0a {
        return None;
    }
    d.get(i + 2).copied()
}

// ------------------------------------------------------------------ DICOM

fn dicom_item(ty: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![ty, 0];
    v.extend_from_slice(&(body.len() as u16).to_be_bytes());
    v.extend_from_slice(body);
    v
}

fn ae_title(s: &str) -> [u8; 16] {
    let mut t = [b' '; 16];
    for (i, b) in s.bytes().take(16).enumerate() {
        t[i] = b;
    }
    t
}

pub const DICOM_VERIFICATION_SOP: &str = "1.2.840.10008.1.1";
pub const DICOM_IMPLICIT_LE: &str = "1.2.840.10008.1.2";
pub const VIGIE_IMPLEMENTATION_UID: &str = "1.2.826.0.1.3680043.10.1157.1";

/// A-ASSOCIATE-RQ proposing the Verification SOP class.
pub fn dicom_associate_rq(calling: &str, called: &str) -> Vec<u8> {
    let mut body = vec![0, 1, 0, 0];
    body.extend_from_slice(&ae_title(called));
    body.extend_from_slice(&ae_title(calling));
    body.extend_from_slice(&[0; 32]);
    body.extend(dicom_item(0x10, b"1.2.840.10008.3.1.1.1"));
    let mut pc = vec![1, 0, 0, 0];
    pc.extend(dicom_item(0x30, DICOM_VERIFICATION_SOP.as_bytes()));
    pc.extend(dicom_item(0x40, DICOM_IMPLICIT_LE.as_bytes()));
    body.extend(dicom_item(0x20, &pc));
    let mut ui = dicom_item(0x51, &16384u32.to_be_bytes());
    ui.extend(dicom_item(0x52, VIGIE_IMPLEMENTATION_UID.as_bytes()));
    ui.extend(dicom_item(0x55, b"VIGIE_SCAN"));
    body.extend(dicom_item(0x50, &ui));
    let mut pdu = vec![0x01, 0];
    pdu.extend_from_slice(&(body.len() as u32).to_be_bytes());
    pdu.extend(body);
    pdu
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DicomAssoc {
    pub accepted: bool,
    /// For A-ASSOCIATE-RJ: result/source/reason.
    pub reject: Option<(u8, u8, u8)>,
    /// Presentation context result (0 = acceptance) when accepted.
    pub pc_result: Option<u8>,
    pub implementation_uid: Option<String>,
    pub implementation_version: Option<String>,
    pub called_ae: Option<String>,
}

/// Parses an A-ASSOCIATE-AC (0x02) or A-ASSOCIATE-RJ (0x03) PDU.
pub fn parse_dicom_assoc(d: &[u8]) -> Option<DicomAssoc> {
    let ty = *d.first()?;
    let len = u32::from_be_bytes([*d.get(2)?, *d.get(3)?, *d.get(4)?, *d.get(5)?]) as usize;
    match ty {
        0x03 => {
            let b = d.get(6..10)?;
            Some(DicomAssoc {
                accepted: false,
                reject: Some((b[1], b[2], b[3])),
                ..Default::default()
            })
        }
        0x02 => {
            if len < 68 {
                return None;
            }
            let body = d.get(6..(6 + len).min(d.len()))?;
            let mut out = DicomAssoc {
                accepted: true,
                ..Default::default()
            };
            out.called_ae = body
                .get(4..20)
                .map(|t| String::from_utf8_lossy(t).trim().to_string());
            let mut i = 68;
            while i + 4 <= body.len() {
                let it = body[i];
                let il = usize::from(u16::from_be_bytes([body[i + 2], body[i + 3]]));
                let ib = body.get(i + 4..(i + 4 + il).min(body.len())).unwrap_or(&[]);
                match it {
                    0x21 => out.pc_result = ib.get(2).copied(),
                    0x50 => {
                        let mut j = 0;
                        while j + 4 <= ib.len() {
                            let st = ib[j];
                            let sl = usize::from(u16::from_be_bytes([ib[j + 2], ib[j + 3]]));
                            let sb = ib.get(j + 4..(j + 4 + sl).min(ib.len())).unwrap_or(&[]);
                            let s = String::from_utf8_lossy(sb)
                                .trim_matches(char::from(0))
                                .trim()
                                .to_string();
                            match st {
                                0x52 => out.implementation_uid = Some(s),
                                0x55 => out.implementation_version = Some(s),
                                _ => {}
                            }
                            j += 4 + sl;
                        }
                    }
                    _ => {}
                }
                i += 4 + il;
            }
            Some(out)
        }
        _ => None,
    }
}

/// P-DATA-TF carrying a C-ECHO-RQ command (implicit VR little endian).
pub fn dicom_cecho_rq(message_id: u16) -> Vec<u8> {
    fn el(group: u16, elem: u16, val: &[u8]) -> Vec<u8> {
        let mut v = group.to_le_bytes().to_vec();
        v.extend_from_slice(&elem.to_le_bytes());
        v.extend_from_slice(&(val.len() as u32).to_le_bytes());
        v.extend_from_slice(val);
        v
    }
    let mut uid = DICOM_VERIFICATION_SOP.as_bytes().to_vec();
    if uid.len() % 2 == 1 {
        uid.push(0);
    }
    let mut rest = el(0x0000, 0x0002, &uid);
    rest.extend(el(0x0000, 0x0100, &0x0030u16.to_le_bytes()));
    rest.extend(el(0x0000, 0x0110, &message_id.to_le_bytes()));
    rest.extend(el(0x0000, 0x0800, &0x0101u16.to_le_bytes()));
    let mut cmd = el(0x0000, 0x0000, &(rest.len() as u32).to_le_bytes());
    cmd.extend(rest);
    let mut pdv = vec![1u8, 0x03]; // context id 1, command + last fragment
    pdv.extend(cmd);
    let mut item = (pdv.len() as u32).to_be_bytes().to_vec();
    item.extend(pdv);
    let mut pdu = vec![0x04, 0];
    pdu.extend_from_slice(&(item.len() as u32).to_be_bytes());
    pdu.extend(item);
    pdu
}

/// Status (0000,0900) of a C-ECHO-RSP in a P-DATA-TF.
pub fn parse_dicom_cecho_rsp(d: &[u8]) -> Option<u16> {
    if *d.first()? != 0x04 {
        return None;
    }
    let cmd = d.get(12..)?;
    let mut i = 0;
    while i + 8 <= cmd.len() {
        let g = u16::from_le_bytes([cmd[i], cmd[i + 1]]);
        let e = u16::from_le_bytes([cmd[i + 2], cmd[i + 3]]);
        let l = u32::from_le_bytes([cmd[i + 4], cmd[i + 5], cmd[i + 6], cmd[i + 7]]) as usize;
        if g == 0 && e == 0x0900 && l == 2 {
            let v = cmd.get(i + 8..i + 10)?;
            return Some(u16::from_le_bytes([v[0], v[1]]));
        }
        i = i.checked_add(8)?.checked_add(l)?;
    }
    None
}

pub const DICOM_RELEASE_RQ: [u8; 10] = [0x05, 0, 0, 0, 0, 4, 0, 0, 0, 0];

// ------------------------------------------------------------------ HL7 MLLP

/// An HL7 v2 query wrapped in MLLP framing (harmless: a query, not an update).
pub fn hl7_query(control_id: &str, timestamp: &str) -> Vec<u8> {
    let msg = format!("MSH|^~\\&|VIGIE-SCAN|CERT-SANTE|||{timestamp}||QRY^A19|{control_id}|P|2.3\rQRD|{timestamp}|R|I|{control_id}|||1^RD|VIGIE|DEM\r");
    let mut v = vec![0x0b];
    v.extend_from_slice(msg.as_bytes());
    v.extend_from_slice(&[0x1c, 0x0d]);
    v
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hl7Ack {
    pub sending_application: String,
    pub sending_facility: String,
    pub version: String,
    pub message_type: String,
    /// MSA-1: AA, AE, AR (or CA/CE/CR).
    pub ack_code: Option<String>,
    pub text: String,
    /// The component separator MSH-2 declares (`^` in practice).
    pub component_separator: char,
}

/// Parses an MLLP-framed HL7 v2 message (the answer to a probe).
pub fn parse_hl7_mllp(d: &[u8]) -> Option<Hl7Ack> {
    let start = d.iter().position(|b| *b == 0x0b)?;
    let body = &d[start + 1..];
    let end = body.iter().position(|b| *b == 0x1c).unwrap_or(body.len());
    let text = String::from_utf8_lossy(&body[..end]).into_owned();
    let mut out = Hl7Ack::default();
    let mut seen_msh = false;
    for seg in text.split(['\r', '\n']).filter(|s| !s.is_empty()) {
        if let Some(rest) = seg.strip_prefix("MSH") {
            let sep = rest.chars().next()?;
            let f: Vec<&str> = rest.split(sep).collect();
            // f[0] = "" ; f[1] = encoding chars ; MSH-3 = f[2]
            out.component_separator = f
                .get(1)
                .and_then(|e| e.chars().next())
                .filter(|c| *c != sep)
                .unwrap_or('^');
            out.sending_application = f.get(2).unwrap_or(&"").to_string();
            out.sending_facility = f.get(3).unwrap_or(&"").to_string();
            out.message_type = f.get(8).unwrap_or(&"").to_string();
            out.version = f.get(11).unwrap_or(&"").to_string();
            seen_msh = true;
        } else if let Some(rest) = seg.strip_prefix("MSA") {
            let sep = rest.chars().next().unwrap_or('|');
            let f: Vec<&str> = rest.split(sep).collect();
            out.ack_code = f.get(1).map(|s| s.to_string());
        }
    }
    out.text = text;
    seen_msh.then_some(out)
}

// ------------------------------------------------------------------ VNC / telnet

pub fn parse_vnc_banner(d: &[u8]) -> Option<String> {
    let t = d.get(..12)?;
    (t.starts_with(b"RFB ") && t[11] == b'\n')
        .then(|| String::from_utf8_lossy(&t[4..11]).into_owned())
}

/// Telnet: strips IAC negotiation sequences, returns the remaining text if negotiation was seen.
pub fn telnet_text(d: &[u8]) -> Option<String> {
    if d.first() != Some(&0xff) {
        return None;
    }
    let mut out = vec![];
    let mut i = 0;
    while i < d.len() {
        if d[i] == 0xff {
            match d.get(i + 1) {
                Some(251..=254) => i += 3,
                Some(250) => {
                    // subnegotiation until IAC SE
                    let end = d[i..]
                        .windows(2)
                        .position(|w| w == [0xff, 240])
                        .map(|p| i + p + 2)
                        .unwrap_or(d.len());
                    i = end;
                }
                _ => i += 2,
            }
        } else {
            out.push(d[i]);
            i += 1;
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_parse() {
        let r = parse_http_response(
            b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n<titl\r\n11\r\ne>Hello  W</title>\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.header("server"), Some("nginx/1.22.1"));
        assert_eq!(r.title().as_deref(), Some("Hello W"));
        assert!(parse_http_response(b"SSH-2.0-x").is_none());
    }

    #[test]
    fn ssh_and_reply() {
        let (p, s, c) = parse_ssh_banner(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n").unwrap();
        assert_eq!(
            (p.as_str(), s.as_str(), c.as_deref()),
            ("2.0", "OpenSSH_9.2p1", Some("Debian-2+deb12u10"))
        );
        assert_eq!(parse_reply(b"220 (vsFTPd 3.0.3)\r\n").unwrap().0, 220);
    }

    #[test]
    fn rdp_confirm() {
        let cc = [
            3, 0, 0, 0x13, 0x0e, 0xd0, 0, 0, 0x12, 0x34, 0, 2, 0x1f, 8, 0, 2, 0, 0, 0,
        ];
        assert_eq!(
            parse_rdp_confirm(&cc),
            Some(RdpNeg::Selected {
                protocol: 2,
                flags: 0x1f
            })
        );
        assert_eq!(parse_rdp_confirm(&cc[..11]), Some(RdpNeg::Legacy));
        assert_eq!(parse_rdp_confirm(&[3, 0, 0, 0x13, 0x0e, 0xd0]), None);
    }

    #[test]
    fn smb_negotiate_roundtrip() {
        let req = smb2_negotiate_request();
        assert_eq!(usize::from(req[3]) + 4, req.len());
        let mut resp = vec![0, 0, 0, 0x80];
        resp.extend_from_slice(&[0xfe, b'S', b'M', b'B']);
        resp.extend_from_slice(&[0; 60]);
        resp.extend_from_slice(&[65, 0, 3, 0, 0x11, 0x03]);
        let n = parse_smb_negotiate(&resp).unwrap();
        assert_eq!(
            n,
            SmbNegotiate {
                dialect: "3.1.1".into(),
                signing_enabled: true,
                signing_required: true
            }
        );
    }

    #[test]
    fn mysql_and_pg() {
        let mut g = vec![0x4a, 0, 0, 0, 10];
        g.extend_from_slice(b"5.5.5-10.11.6-MariaDB-0+deb12u1\0");
        g.extend_from_slice(&[7, 0, 0, 0, 1, 2, 3]);
        match parse_mysql_greeting(&g).unwrap() {
            MysqlGreeting::Handshake {
                version,
                connection_id,
                ..
            } => {
                assert_eq!(version, "5.5.5-10.11.6-MariaDB-0+deb12u1");
                assert_eq!(connection_id, 7);
            }
            e => panic!("{e:?}"),
        }
        assert_eq!(
            parse_pg_reply(&[b'R', 0, 0, 0, 8, 0, 0, 0, 10]),
            Some(PgReply::Auth(10))
        );
        assert!(pg_startup("u", "d").len() > 8);
    }

    #[test]
    fn dicom_roundtrip() {
        let rq = dicom_associate_rq("VIGIE", "ANY-SCP");
        assert_eq!(rq[0], 1);
        // an AC is an RQ with type 2 and a presentation context result item
        let mut ac = rq.clone();
        ac[0] = 2;
        let a = parse_dicom_assoc(&ac).unwrap();
        assert!(a.accepted);
        assert_eq!(
            a.implementation_uid.as_deref(),
            Some(VIGIE_IMPLEMENTATION_UID)
        );
        assert_eq!(a.implementation_version.as_deref(), Some("VIGIE_SCAN"));
        assert_eq!(
            parse_dicom_assoc(&[3, 0, 0, 0, 0, 4, 0, 1, 1, 3])
                .unwrap()
                .reject,
            Some((1, 1, 3))
        );
        let echo = dicom_cecho_rq(1);
        assert_eq!(echo[0], 4);
    }

    #[test]
    fn hl7_ack() {
        let ack = b"\x0bMSH|^~\\&|LAB|CHU|VIGIE-SCAN|CERT-SANTE|20260101||ACK^A19|1|P|2.5\rMSA|AA|VIGIE1\r\x1c\r";
        let a = parse_hl7_mllp(ack).unwrap();
        assert_eq!(a.sending_application, "LAB");
        assert_eq!(a.sending_facility, "CHU");
        assert_eq!(a.component_separator, '^');
        assert_eq!(a.version, "2.5");
        assert_eq!(a.ack_code.as_deref(), Some("AA"));
        assert!(hl7_query("X1", "20260101").starts_with(b"\x0bMSH|"));
    }

    #[test]
    fn misc() {
        assert_eq!(
            parse_vnc_banner(b"RFB 003.008\n").as_deref(),
            Some("003.008")
        );
        assert_eq!(
            telnet_text(&[0xff, 0xfd, 0x18, b'l', b'o']).as_deref(),
            Some("lo")
        );
        assert_eq!(
            parse_ldap_bind_response(&[
                0x30, 0x0c, 0x02, 0x01, 0x01, 0x61, 0x07, 0x0a, 0x01, 0x00, 0x04, 0, 0x04, 0
            ]),
            Some(0)
        );
        assert_eq!(parse_redis_ping(b"+PONG\r\n"), Some(RedisReply::Pong));
        assert_eq!(
            redis_info_field(b"# Server\r\nredis_version:7.0.15\r\n", "redis_version").as_deref(),
            Some("7.0.15")
        );
        assert_eq!(mssql_prelogin()[0], 0x12);
    }
}
