//! TLS on any port, through OpenSSL with a permissive context (security level 0)
//! so that TLS 1.0 and 1.1 can be probed too — rustls will never speak them.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use openssl::ssl::{SslConnector, SslMethod, SslStream, SslVerifyMode, SslVersion};
use openssl::x509::X509Ref;
use serde::{Deserialize, Serialize};

use crate::net::Dialer;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub sans: Vec<String>,
    pub not_before: String,
    pub not_after: String,
    pub expired: bool,
    pub not_yet_valid: bool,
    pub self_signed: bool,
    pub serial: String,
    pub sha256: String,
    pub key_bits: Option<u32>,
    pub signature_algorithm: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsInfo {
    /// Negotiated protocol of the first (default) handshake.
    pub negotiated: String,
    pub cipher: String,
    /// Protocol versions the server accepted ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3").
    pub accepted_versions: Vec<String>,
    /// Leaf first.
    pub chain: Vec<CertInfo>,
    /// Does the chain verify against the system trust store?
    pub trusted: bool,
    pub verify_error: Option<String>,
    /// Names checked against the leaf (declared names, or the SNI used), and the result.
    pub name_checked: Option<String>,
    pub name_mismatch: Option<bool>,
}

fn name_string(n: &openssl::x509::X509NameRef) -> String {
    n.entries()
        .map(|e| {
            let k = e.object().nid().short_name().unwrap_or("?");
            let v = e.data().to_string().unwrap_or_default();
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn cert_info(c: &X509Ref) -> CertInfo {
    let now = openssl::asn1::Asn1Time::days_from_now(0).ok();
    let expired = now.as_ref().is_some_and(|n| c.not_after() < n.as_ref());
    let not_yet_valid = now.as_ref().is_some_and(|n| c.not_before() > n.as_ref());
    let sans = c
        .subject_alt_names()
        .map(|s| {
            s.iter()
                .filter_map(|g| {
                    g.dnsname()
                        .map(str::to_string)
                        .or_else(|| g.ipaddress().map(ip_bytes))
                })
                .collect()
        })
        .unwrap_or_default();
    let subject = name_string(c.subject_name());
    let issuer = name_string(c.issuer_name());
    let self_signed = c.issued_by_check(c)
        && c.public_key()
            .ok()
            .is_some_and(|k| c.verify(&k).unwrap_or(false));
    let sha256 = c
        .digest(openssl::hash::MessageDigest::sha256())
        .map(|d| d.iter().map(|b| format!("{b:02x}")).collect::<String>())
        .unwrap_or_default();
    CertInfo {
        subject,
        issuer,
        sans,
        not_before: c.not_before().to_string(),
        not_after: c.not_after().to_string(),
        expired,
        not_yet_valid,
        self_signed,
        serial: c
            .serial_number()
            .to_bn()
            .ok()
            .and_then(|b| b.to_hex_str().ok())
            .map(|s| s.to_string())
            .unwrap_or_default(),
        sha256,
        key_bits: c.public_key().ok().map(|k| k.bits()),
        signature_algorithm: c
            .signature_algorithm()
            .object()
            .nid()
            .long_name()
            .unwrap_or("?")
            .to_string(),
    }
}

trait IssuedByCheck {
    fn issued_by_check(&self, other: &X509Ref) -> bool;
}
impl IssuedByCheck for X509Ref {
    fn issued_by_check(&self, other: &X509Ref) -> bool {
        matches!(other.issued(self), openssl::x509::X509VerifyResult::OK)
    }
}

fn ip_bytes(b: &[u8]) -> String {
    match b.len() {
        4 => std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string(),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => String::new(),
    }
}

/// Does `name` match a certificate name (exact or one-label wildcard)?
pub fn name_matches(pattern: &str, name: &str) -> bool {
    let p = pattern.to_ascii_lowercase();
    let n = name.to_ascii_lowercase();
    if let Some(rest) = p.strip_prefix("*.") {
        return n.split_once('.').is_some_and(|(_, tail)| tail == rest);
    }
    p == n
}

pub fn leaf_names(c: &CertInfo) -> Vec<String> {
    let mut v = c.sans.clone();
    if v.is_empty() {
        if let Some(cn) = c.subject.split(", ").find_map(|p| p.strip_prefix("CN=")) {
            v.push(cn.to_string());
        }
    }
    v
}

fn connector(
    version: Option<SslVersion>,
    verify: bool,
) -> Result<SslConnector, openssl::error::ErrorStack> {
    let mut b = SslConnector::builder(SslMethod::tls_client())?;
    b.set_cipher_list("ALL:@SECLEVEL=0")?;
    b.set_security_level(0);
    if let Some(v) = version {
        b.set_min_proto_version(Some(v))?;
        b.set_max_proto_version(Some(v))?;
    } else {
        b.set_min_proto_version(None)?;
    }
    if !verify {
        b.set_verify(SslVerifyMode::NONE);
    }
    Ok(b.build())
}

/// Handshake over an already connected stream.
pub fn handshake(
    tcp: TcpStream,
    sni: Option<&str>,
    version: Option<SslVersion>,
) -> Result<SslStream<TcpStream>, String> {
    let c = connector(version, false).map_err(|e| e.to_string())?;
    let mut cfg = c.configure().map_err(|e| e.to_string())?;
    cfg.set_verify_hostname(false);
    cfg.set_use_server_name_indication(sni.is_some());
    cfg.set_verify(SslVerifyMode::NONE);
    cfg.connect(sni.unwrap_or("vigie.invalid"), tcp)
        .map_err(|e| e.to_string())
}

/// Full TLS inspection of one port: default handshake, chain, expiry,
/// self-signed, name check, and which versions are accepted.
pub fn inspect(
    dialer: &Dialer,
    addr: SocketAddr,
    sni: Option<&str>,
    timeout: Duration,
) -> Option<(TlsInfo, SslStream<TcpStream>)> {
    let tcp = dialer.connect_blocking(addr, timeout).ok()?;
    let stream = handshake(tcp, sni, None).ok()?;
    let ssl = stream.ssl();
    let mut info = TlsInfo {
        negotiated: ssl.version_str().to_string(),
        cipher: ssl
            .current_cipher()
            .map(|c| c.name().to_string())
            .unwrap_or_default(),
        ..Default::default()
    };
    if let Some(chain) = ssl.peer_cert_chain() {
        info.chain = chain.iter().map(cert_info).collect();
    } else if let Some(c) = ssl.peer_certificate() {
        info.chain = vec![cert_info(&c)];
    }
    // verification against the system store
    let vr = ssl.verify_result();
    // verify mode NONE still records the verify result
    info.trusted = vr == openssl::x509::X509VerifyResult::OK;
    if !info.trusted {
        info.verify_error = Some(vr.error_string().to_string());
    }
    if let (Some(name), Some(leaf)) = (sni, info.chain.first()) {
        info.name_checked = Some(name.to_string());
        info.name_mismatch = Some(!leaf_names(leaf).iter().any(|p| name_matches(p, name)));
    }
    for (v, label) in [
        (SslVersion::TLS1, "TLSv1"),
        (SslVersion::TLS1_1, "TLSv1.1"),
        (SslVersion::TLS1_2, "TLSv1.2"),
        (SslVersion::TLS1_3, "TLSv1.3"),
    ] {
        if label == info.negotiated {
            info.accepted_versions.push(label.to_string());
            continue;
        }
        if let Ok(tcp) = dialer.connect_blocking(addr, timeout) {
            if let Ok(mut s) = handshake(tcp, sni, Some(v)) {
                if s.ssl().version_str() == label {
                    info.accepted_versions.push(label.to_string());
                }
                let _ = s.shutdown();
            }
        }
    }
    Some((info, stream))
}

/// Convenience: reads whatever comes within the stream timeout, up to `max` bytes.
pub fn read_some<S: Read>(s: &mut S, max: usize) -> Vec<u8> {
    let mut out = vec![];
    let mut buf = [0u8; 8192];
    while out.len() < max {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(_) => break,
        }
    }
    out.truncate(max);
    out
}

pub fn write_all<S: Write>(s: &mut S, b: &[u8]) -> bool {
    s.write_all(b).and_then(|_| s.flush()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_names() {
        assert!(name_matches("*.chu.fr", "vpn.chu.fr"));
        assert!(!name_matches("*.chu.fr", "a.vpn.chu.fr"));
        assert!(!name_matches("*.chu.fr", "chu.fr"));
        assert!(name_matches("VPN.chu.fr", "vpn.CHU.fr"));
    }
}
