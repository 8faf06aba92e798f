//! Test helper for the network-namespace lab (`tests/it/lab/`): small
//! wire-faithful responders for services that cannot run here (RDP X.224,
//! a FortiGate-like SSL VPN portal, an OWA page, DICOM, HL7 MLLP, a MySQL
//! greeting), a listener that counts connections (to prove the scanner never
//! contacts an out-of-scope address), and an engine entry point that asks the
//! engine to scan targets outside its scope.
//!
//! Usage: vigie-lab-responder <kind> <ip:port> [cert.pem key.pem | count-file | uid version-name]
//!        vigie-lab-responder engine-scan <scope,cidrs> <target,ips> <ports>

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use openssl::ssl::{SslAcceptor, SslFiletype, SslMethod};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let kind = args.get(1).map(String::as_str).unwrap_or("");
    if kind == "engine-scan" {
        return engine_scan(&args[2..]);
    }
    let addr = args
        .get(2)
        .ok_or_else(|| anyhow::anyhow!("usage: vigie-lab-responder <kind> <ip:port> ..."))?;
    let listener = TcpListener::bind(addr)?;
    let tls = match kind {
        "fortigate" | "owa" => {
            let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())?;
            b.set_certificate_chain_file(&args[3])?;
            b.set_private_key_file(&args[4], SslFiletype::PEM)?;
            Some(Arc::new(b.build()))
        }
        _ => None,
    };
    // dicom <ip:port> [implementation class UID] [implementation version name]: the identity
    // its association answer carries (DCMTK 3.6.7's by default)
    let identity = Arc::new((
        args.get(3)
            .cloned()
            .unwrap_or_else(|| "1.2.276.0.7230010.3.0.3.6.7".into()),
        args.get(4)
            .cloned()
            .unwrap_or_else(|| "OFFIS_DCMTK_367".into()),
    ));
    let counter = Arc::new(AtomicU64::new(0));
    let count_file = if kind == "count" {
        args.get(3).cloned()
    } else {
        None
    };
    for s in listener.incoming() {
        let Ok(s) = s else { continue };
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let kind = kind.to_string();
        let tls = tls.clone();
        let counter = counter.clone();
        let count_file = count_file.clone();
        let identity = identity.clone();
        std::thread::spawn(move || {
            let _ = serve(
                &kind,
                s,
                tls.as_deref(),
                &counter,
                count_file.as_deref(),
                &identity,
            );
        });
    }
    Ok(())
}

fn serve(
    kind: &str,
    mut s: TcpStream,
    tls: Option<&SslAcceptor>,
    counter: &AtomicU64,
    count_file: Option<&str>,
    identity: &(String, String),
) -> std::io::Result<()> {
    match kind {
        "count" => {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            if let Some(f) = count_file {
                std::fs::write(
                    f,
                    format!(
                        "{n} {}\n",
                        s.peer_addr().map(|a| a.to_string()).unwrap_or_default()
                    ),
                )?;
            }
            Ok(())
        }
        "rdp" => {
            let mut buf = [0u8; 64];
            let n = s.read(&mut buf)?;
            if n >= 11 && buf[0] == 3 && buf[5] == 0xe0 {
                // X.224 Connection Confirm + RDP_NEG_RSP selecting CredSSP (HYBRID), as Windows with NLA does
                s.write_all(&[
                    0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00, 0x02, 0x1f,
                    0x08, 0x00, 0x02, 0x00, 0x00, 0x00,
                ])?;
            }
            std::thread::sleep(Duration::from_millis(200));
            Ok(())
        }
        "mysql" => {
            let mut p = vec![10u8];
            p.extend_from_slice(b"8.0.36\0");
            p.extend_from_slice(&42u32.to_le_bytes());
            p.extend_from_slice(b"abcdefgh\0");
            p.extend_from_slice(&0xffffu16.to_le_bytes());
            p.push(0xff);
            p.extend_from_slice(&2u16.to_le_bytes());
            p.extend_from_slice(&0xdfffu16.to_le_bytes());
            p.push(21);
            p.extend_from_slice(&[0; 10]);
            p.extend_from_slice(b"ijklmnopqrst\0");
            p.extend_from_slice(b"caching_sha2_password\0");
            let mut pkt = (p.len() as u32).to_le_bytes()[..3].to_vec();
            pkt.push(0);
            pkt.extend(p);
            s.write_all(&pkt)?;
            let mut buf = [0u8; 256];
            let _ = s.read(&mut buf);
            Ok(())
        }
        "dicom" => dicom(s, identity),
        "hl7" => {
            let mut buf = vec![];
            let mut b = [0u8; 4096];
            while !buf.windows(2).any(|w| w == [0x1c, 0x0d]) {
                let n = s.read(&mut b)?;
                if n == 0 {
                    return Ok(());
                }
                buf.extend_from_slice(&b[..n]);
            }
            let text = String::from_utf8_lossy(&buf);
            let control = text.split('|').nth(9).unwrap_or("0").to_string();
            let ack = format!(
                "\x0bMSH|^~\\&|MIRTH-LAB|CHU-LAB|VIGIE-SCAN|CERT-SANTE|20261122120000||ACK^Q01|ACK{control}|P|2.5\rMSA|AA|{control}|Message accepted\r\x1c\r"
            );
            s.write_all(ack.as_bytes())
        }
        "fortigate" | "owa" => {
            let Some(acc) = tls else { return Ok(()) };
            let Ok(mut t) = acc.accept(s) else {
                return Ok(());
            };
            let mut buf = vec![];
            let mut b = [0u8; 4096];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                match t.read(&mut b) {
                    Ok(0) | Err(_) => return Ok(()),
                    Ok(n) => buf.extend_from_slice(&b[..n]),
                }
            }
            let req = String::from_utf8_lossy(&buf);
            let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
            let resp = if kind == "fortigate" {
                fortigate(&path)
            } else {
                owa(&path)
            };
            let _ = t.write_all(resp.as_bytes());
            let _ = t.shutdown();
            Ok(())
        }
        _ => Ok(()),
    }
}

fn http(status: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut r = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        r.push_str(&format!("{k}: {v}\r\n"));
    }
    r.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    r
}

fn fortigate(path: &str) -> String {
    // FortiOS answers with an obfuscated Server header and sends / to the SSL VPN login
    if path == "/" {
        return http(
            "302 Found",
            &[
                ("Server", "xxxxxxxx-xxxxx"),
                ("Location", "/remote/login?lang=en"),
            ],
            "",
        );
    }
    if path.starts_with("/remote/login") {
        let body = "<!DOCTYPE html><html lang=\"en\" class=\"main-app\"><head><meta charset=\"UTF-8\"><title></title>\
<link href=\"/sslvpn/css/legacy-main.css\" rel=\"stylesheet\" type=\"text/css\"><script src=\"/sslvpn/js/login.js\"></script></head>\
<body class=\"main-app ftnt-fortinet-grid\"><form action=\"/remote/logincheck\" method=\"post\" name=\"f\"><input type=\"hidden\" name=\"just_logged_in\" value=\"1\">\
<input id=\"username\" name=\"username\"><input id=\"credential\" name=\"credential\" type=\"password\"></form></body></html>";
        return http(
            "200 OK",
            &[
                ("Server", "xxxxxxxx-xxxxx"),
                ("Content-Type", "text/html; charset=utf-8"),
            ],
            body,
        );
    }
    http("404 Not Found", &[("Server", "xxxxxxxx-xxxxx")], "")
}

fn owa(path: &str) -> String {
    let build = "15.1.2507.6";
    if path == "/" {
        return http(
            "302 Found",
            &[
                ("Server", "Microsoft-IIS/10.0"),
                ("Location", "/owa/"),
                ("X-Powered-By", "ASP.NET"),
            ],
            "",
        );
    }
    if path.starts_with("/owa") {
        if !path.starts_with("/owa/auth/logon.aspx") {
            return http(
                "302 Found",
                &[
                    ("Server", "Microsoft-IIS/10.0"),
                    ("Location", "/owa/auth/logon.aspx?url=%2fowa%2f&reason=0"),
                    ("X-OWA-Version", build),
                ],
                "",
            );
        }
        let body = format!(
            "<!DOCTYPE html><html><head><title>Outlook</title><link rel=\"shortcut icon\" href=\"/owa/auth/{build}/themes/resources/favicon.ico\" type=\"image/x-icon\">\
<link rel=\"stylesheet\" href=\"/owa/auth/{build}/themes/resources/logon.css\"></head><body><form action=\"/owa/auth.owa\" method=\"POST\" name=\"logonForm\">\
<input id=\"username\" name=\"username\"><input id=\"password\" name=\"password\" type=\"password\"></form></body></html>"
        );
        return http(
            "200 OK",
            &[
                ("Server", "Microsoft-IIS/10.0"),
                ("X-OWA-Version", build),
                ("X-FEServer", "EXCH01"),
                ("Content-Type", "text/html; charset=utf-8"),
            ],
            &body,
        );
    }
    http("404 Not Found", &[("Server", "Microsoft-IIS/10.0")], "")
}

fn dicom(mut s: TcpStream, identity: &(String, String)) -> std::io::Result<()> {
    let mut hdr = [0u8; 6];
    s.read_exact(&mut hdr)?;
    let len = u32::from_be_bytes([hdr[2], hdr[3], hdr[4], hdr[5]]) as usize;
    if hdr[0] != 1 || len > 65536 {
        return Ok(());
    }
    let mut body = vec![0u8; len];
    s.read_exact(&mut body)?;
    // A-ASSOCIATE-AC: echo the header fields, accept presentation context 1
    let mut ac = vec![0, 1, 0, 0];
    ac.extend_from_slice(body.get(4..68).unwrap_or(&[0; 64]));
    let item = |ty: u8, b: &[u8]| {
        let mut v = vec![ty, 0];
        v.extend_from_slice(&(b.len() as u16).to_be_bytes());
        v.extend_from_slice(b);
        v
    };
    ac.extend(item(0x10, b"1.2.840.10008.3.1.1.1"));
    let mut pc = vec![1, 0, 0, 0];
    pc.extend(item(0x40, b"1.2.840.10008.1.2"));
    ac.extend(item(0x21, &pc));
    let mut ui = item(0x51, &16384u32.to_be_bytes());
    ui.extend(item(0x52, identity.0.as_bytes()));
    ui.extend(item(0x55, identity.1.as_bytes()));
    ac.extend(item(0x50, &ui));
    let mut pdu = vec![2, 0];
    pdu.extend_from_slice(&(ac.len() as u32).to_be_bytes());
    pdu.extend(ac);
    s.write_all(&pdu)?;
    // P-DATA (C-ECHO-RQ) → C-ECHO-RSP success; A-RELEASE-RQ → A-RELEASE-RP
    loop {
        let mut h = [0u8; 6];
        if s.read_exact(&mut h).is_err() {
            return Ok(());
        }
        let l = u32::from_be_bytes([h[2], h[3], h[4], h[5]]) as usize;
        let mut b = vec![0u8; l.min(65536)];
        s.read_exact(&mut b)?;
        match h[0] {
            4 => {
                let el = |g: u16, e: u16, v: &[u8]| {
                    let mut x = g.to_le_bytes().to_vec();
                    x.extend_from_slice(&e.to_le_bytes());
                    x.extend_from_slice(&(v.len() as u32).to_le_bytes());
                    x.extend_from_slice(v);
                    x
                };
                let mut rest = el(0, 0x0002, b"1.2.840.10008.1.1\0");
                rest.extend(el(0, 0x0100, &0x8030u16.to_le_bytes()));
                rest.extend(el(0, 0x0120, &1u16.to_le_bytes()));
                rest.extend(el(0, 0x0800, &0x0101u16.to_le_bytes()));
                rest.extend(el(0, 0x0900, &0u16.to_le_bytes()));
                let mut cmd = el(0, 0, &(rest.len() as u32).to_le_bytes());
                cmd.extend(rest);
                let mut pdv = vec![1u8, 3];
                pdv.extend(cmd);
                let mut it = (pdv.len() as u32).to_be_bytes().to_vec();
                it.extend(pdv);
                let mut p = vec![4, 0];
                p.extend_from_slice(&(it.len() as u32).to_be_bytes());
                p.extend(it);
                s.write_all(&p)?;
            }
            5 => {
                s.write_all(&[6, 0, 0, 0, 0, 4, 0, 0, 0, 0])?;
                return Ok(());
            }
            _ => return Ok(()),
        }
    }
}

/// Asks the ENGINE (not the CLI) to scan `targets` with a scope of `scope`:
/// targets outside the scope must be refused and never contacted.
fn engine_scan(a: &[String]) -> anyhow::Result<()> {
    let scope =
        vigie_scan::Scope::from_networks(a.first().map(String::as_str).unwrap_or("").split(','))?;
    let targets = a
        .get(1)
        .map(String::as_str)
        .unwrap_or("")
        .split(',')
        .filter_map(|t| t.parse().ok())
        .collect();
    let ports = vigie_scan::PortSet::parse(a.get(2).map(String::as_str).unwrap_or("22"))
        .map_err(|e| anyhow::anyhow!(e))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let req = vigie_scan::ScanRequest {
        targets,
        ports,
        limits: vigie_scan::RateLimits {
            global_per_sec: 0,
            per_target_per_sec: 0,
        },
        ..Default::default()
    };
    let rules = Arc::new(vigie_scan::RuleSet::builtin()?);
    let r = rt.block_on(vigie_scan::scan(Arc::new(scope), req, rules));
    print!("{}", vigie_scan::output::to_json_lines(&r));
    Ok(())
}
