//! The network-namespace lab shared by the lab tests and the benchmark:
//! a bridge in its own namespace, a client namespace with no default route,
//! hosts h1..h6 with real Debian services and Rust responders, and an
//! out-of-scope host `hx` with a counting listener. Nothing is configured in
//! the root namespace; every namespace is deleted on drop (also on failure).
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const PREFIX: &str = "vigie-lab-";

/// DCMTK's Storage SCP (Debian's dcmtk): the lab's real DICOM implementation.
pub const STORESCP: &str = "/usr/bin/storescp";

/// The last octet of the lab's absent address: on the lab's bridge subnet, and no host has it.
pub const ABSENT: u8 = 17;

/// Why the lab cannot run here, if it cannot.
pub fn skip_reason(need: &[&str]) -> Option<String> {
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("").to_string())
        });
    if uid.as_deref() != Some("0") {
        return Some("not root: network namespaces need root (CI runs these tests as root)".into());
    }
    match Command::new("ip").args(["netns", "list"]).output() {
        Ok(o) if o.status.success() => {}
        _ => return Some("`ip netns` unavailable (install iproute2)".into()),
    }
    // can we really create a namespace here (containers may forbid it)?
    let probe = format!("{PREFIX}{}-probe", std::process::id());
    if let Err(e) = run(&["ip", "netns", "add", &probe]) {
        return Some(format!("cannot create a network namespace here: {e}"));
    }
    let _ = run(&["ip", "netns", "del", &probe]);
    for b in need {
        if !Path::new(b).exists() {
            return Some(format!(
                "{b} missing: run crates/vigie-scan/tests/it/lab/install.sh"
            ));
        }
    }
    None
}

fn run(args: &[&str]) -> Result<(), String> {
    let o = Command::new(args[0])
        .args(&args[1..])
        .output()
        .map_err(|e| format!("{args:?}: {e}"))?;
    if !o.status.success() {
        return Err(format!("{args:?}: {}", String::from_utf8_lossy(&o.stderr)));
    }
    Ok(())
}

/// Deletes lab namespaces left by processes that no longer exist.
pub fn clean_stale() {
    let Ok(o) = Command::new("ip").args(["netns", "list"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&o.stdout).lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        let Some(rest) = name.strip_prefix(PREFIX) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or("");
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = run(&["ip", "netns", "del", name]);
        }
    }
}

pub struct Lab {
    pub id: String,
    pub subnet: u8,
    /// Whether the out-of-scope host hx (10.213.N.99) exists.
    pub outsider: bool,
    pub namespaces: Vec<String>,
    children: Vec<Child>,
    pub dir: PathBuf,
}

impl Drop for Lab {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        // processes started by daemons inside the namespaces (nginx workers, postgres backends)
        for ns in &self.namespaces {
            if let Ok(o) = Command::new("ip").args(["netns", "pids", ns]).output() {
                for pid in String::from_utf8_lossy(&o.stdout).split_whitespace() {
                    let _ = Command::new("kill").args(["-9", pid]).status();
                }
            }
        }
        for ns in &self.namespaces {
            let _ = run(&["ip", "netns", "del", ns]);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Lab {
    /// Creates the namespaces and links. `n_hosts` hosts h1..hN plus the out-of-scope host hx.
    pub fn new(tag: &str, n_hosts: usize) -> Result<Lab, String> {
        Lab::new_with(tag, n_hosts, true)
    }

    /// The same, with or without hx: a lab whose whole /24 is scanned has no out-of-scope host
    /// inside it. Every other address of 10.213.N.0/24 is on the lab's bridge and nothing lives
    /// there: the lab's absent addresses (ARP requests for them go nowhere but the bridge).
    pub fn new_with(tag: &str, n_hosts: usize, outsider: bool) -> Result<Lab, String> {
        clean_stale();
        let pid = std::process::id();
        let id = format!("{PREFIX}{pid}-{tag}");
        let subnet = (pid % 200) as u8 + 20 + if tag == "bench" { 1 } else { 0 };
        let dir = std::env::temp_dir().join(&id);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        run(&["chmod", "755", dir.to_str().unwrap_or("/nonexistent")])?;
        let mut lab = Lab {
            id: id.clone(),
            subnet,
            outsider,
            namespaces: vec![],
            children: vec![],
            dir,
        };
        let br = format!("{id}-br");
        run(&["ip", "netns", "add", &br])?;
        lab.namespaces.push(br.clone());
        run(&["ip", "-n", &br, "link", "add", "br0", "type", "bridge"])?;
        run(&["ip", "-n", &br, "link", "set", "br0", "up"])?;
        // The bridge plays a switch: a kernel with br_netfilter (Docker hosts) would otherwise
        // pass every bridged frame through the bridge namespace's netfilter hooks, which hold
        // no rule, and charge that work to the scanning core (an eighth of a connect scan's time
        // here). Absent on kernels without br_netfilter: nothing to turn off there.
        for table in ["iptables", "ip6tables", "arptables"] {
            let key = format!("/proc/sys/net/bridge/bridge-nf-call-{table}");
            if let Err(e) = run(&[
                "ip",
                "netns",
                "exec",
                &br,
                "sh",
                "-c",
                &format!("[ ! -e {key} ] || echo 0 > {key}"),
            ]) {
                eprintln!("lab: bridged frames still go through netfilter ({key}: {e})");
            }
        }
        let mut members: Vec<(String, u8)> = vec![("c".into(), 10)];
        for i in 1..=n_hosts {
            members.push((format!("h{i}"), 10 + i as u8));
        }
        if outsider {
            members.push(("hx".into(), 99));
        }
        for (name, last) in members {
            let ns = format!("{id}-{name}");
            run(&["ip", "netns", "add", &ns])?;
            lab.namespaces.push(ns.clone());
            let port = format!("p{name}");
            // the veth is created inside the bridge namespace and its peer moved
            // straight into the host namespace: nothing touches the root namespace
            run(&[
                "ip", "-n", &br, "link", "add", &port, "type", "veth", "peer", "name", "eth0",
                "netns", &ns,
            ])?;
            run(&["ip", "-n", &br, "link", "set", &port, "master", "br0"])?;
            run(&["ip", "-n", &br, "link", "set", &port, "up"])?;
            run(&["ip", "-n", &ns, "link", "set", "lo", "up"])?;
            run(&[
                "ip",
                "-n",
                &ns,
                "addr",
                "add",
                &format!("10.213.{subnet}.{last}/24"),
                "dev",
                "eth0",
            ])?;
            run(&["ip", "-n", &ns, "link", "set", "eth0", "up"])?;
        }
        // no default route anywhere; check the client namespace has none
        let o = Command::new("ip")
            .args(["-n", &format!("{id}-c"), "route", "show", "default"])
            .output()
            .map_err(|e| e.to_string())?;
        if !o.stdout.is_empty() {
            return Err("client namespace unexpectedly has a default route".into());
        }
        Ok(lab)
    }

    pub fn ns(&self, name: &str) -> String {
        format!("{}-{name}", self.id)
    }

    pub fn ip(&self, last: u8) -> String {
        format!("10.213.{}.{last}", self.subnet)
    }

    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.join(p)
    }

    pub fn write(&self, p: &str, content: &str) -> PathBuf {
        let path = self.path(p);
        if let Some(d) = path.parent() {
            let _ = std::fs::create_dir_all(d);
        }
        std::fs::write(&path, content).expect("write lab file");
        path
    }

    /// Starts a process inside a namespace; it is killed when the lab drops.
    pub fn spawn(&mut self, ns: &str, args: &[&str]) -> Result<(), String> {
        let log = std::fs::File::create(self.path(&format!(
            "{}.log",
            args[0].rsplit('/').next().unwrap_or("p")
        )))
        .map_err(|e| e.to_string())?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new("ip")
            .args(["netns", "exec", &self.ns(ns)])
            .args(args)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("{args:?}: {e}"))?;
        self.children.push(child);
        Ok(())
    }

    /// Waits until `port` listens in namespace `ns`.
    pub fn wait_listen(&self, ns: &str, port: u16, timeout: Duration) -> Result<(), String> {
        let t = Instant::now();
        while t.elapsed() < timeout {
            if let Ok(o) = Command::new("ip")
                .args(["netns", "exec", &self.ns(ns), "ss", "-Hltn"])
                .output()
            {
                let s = String::from_utf8_lossy(&o.stdout);
                if s.lines().any(|l| {
                    l.split_whitespace()
                        .nth(3)
                        .is_some_and(|a| a.ends_with(&format!(":{port}")))
                }) {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "nothing listens on {port} in {ns} after {timeout:?}"
        ))
    }

    /// Runs a command in a namespace and returns stdout.
    pub fn exec(&self, ns: &str, args: &[&str]) -> Result<String, String> {
        let o = Command::new("ip")
            .args(["netns", "exec", &self.ns(ns)])
            .args(args)
            .output()
            .map_err(|e| format!("{args:?}: {e}"))?;
        if !o.status.success() {
            return Err(format!("{args:?}: {}", String::from_utf8_lossy(&o.stderr)));
        }
        Ok(String::from_utf8_lossy(&o.stdout).into_owned())
    }
}

/// An expired self-signed certificate (RSA 2048) for `cn`, written as PEM files.
pub fn expired_self_signed(dir: &Path, stem: &str, cn: &str, expired: bool) -> (PathBuf, PathBuf) {
    use openssl::asn1::Asn1Time;
    use openssl::hash::MessageDigest;
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;
    use openssl::x509::{extension::SubjectAlternativeName, X509NameBuilder, X509};
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", cn).unwrap();
    name.append_entry_by_text("O", "CHU Vigie Lab").unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let (nb, na) = if expired {
        (now - 400 * 86400, now - 35 * 86400)
    } else {
        (now - 86400, now + 300 * 86400)
    };
    b.set_not_before(&Asn1Time::from_unix(nb).unwrap()).unwrap();
    b.set_not_after(&Asn1Time::from_unix(na).unwrap()).unwrap();
    let serial = openssl::bn::BigNum::from_u32(0x5eed)
        .unwrap()
        .to_asn1_integer()
        .unwrap();
    b.set_serial_number(&serial).unwrap();
    let san = SubjectAlternativeName::new()
        .dns(cn)
        .build(&b.x509v3_context(None, None))
        .unwrap();
    b.append_extension(san).unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    let cert = b.build();
    let c = dir.join(format!("{stem}.crt"));
    let k = dir.join(format!("{stem}.key"));
    std::fs::write(&c, cert.to_pem().unwrap()).unwrap();
    std::fs::write(&k, key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    (c, k)
}

/// Starts every lab service. Returns the expected open ports per host.
pub fn start_services(lab: &mut Lab, responder: &str) -> Result<(), String> {
    let d = lab.dir.clone();
    let ds = d.to_string_lossy().to_string();
    // ---- h1: nginx, expired self-signed certificate, TLS 1.0 enabled
    let (crt, key) = expired_self_signed(&d, "h1", "portail.chu-lab.test", true);
    for t in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"] {
        std::fs::create_dir_all(d.join(format!("nginx-tmp/{t}"))).map_err(|e| e.to_string())?;
    }
    let ip1 = lab.ip(11);
    let conf = format!(
        "daemon off;\nmaster_process on;\nworker_processes 1;\npid {ds}/nginx.pid;\nerror_log {ds}/nginx-error.log;\nevents {{ worker_connections 256; }}\n\
http {{\n access_log off;\n default_type text/html;\n client_body_temp_path {ds}/nginx-tmp/client_body;\n proxy_temp_path {ds}/nginx-tmp/proxy;\n fastcgi_temp_path {ds}/nginx-tmp/fastcgi;\n uwsgi_temp_path {ds}/nginx-tmp/uwsgi;\n scgi_temp_path {ds}/nginx-tmp/scgi;\n\
 server {{ listen {ip1}:80; location / {{ return 200 \"<html><head><title>Portail patients - CHU Lab</title></head><body>ok</body></html>\"; }} }}\n\
 server {{ listen {ip1}:443 ssl; ssl_certificate {}; ssl_certificate_key {};\n  ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;\n  ssl_ciphers \"DEFAULT:@SECLEVEL=0\";\n  location / {{ return 200 \"<html><head><title>Portail patients - CHU Lab</title></head><body>ok</body></html>\"; }} }}\n}}\n",
        crt.display(),
        key.display()
    );
    let nconf = lab.write("nginx.conf", &conf);
    lab.spawn(
        "h1",
        &[
            "/usr/sbin/nginx",
            "-e",
            &format!("{ds}/nginx-error.log"),
            "-c",
            nconf.to_str().unwrap_or(""),
        ],
    )?;

    // ---- h2: OpenSSH and vsftpd with anonymous login
    let ip2 = lab.ip(12);
    let hostkey = d.join("ssh_host_ed25519_key");
    run(&[
        "ssh-keygen",
        "-q",
        "-t",
        "ed25519",
        "-N",
        "",
        "-f",
        hostkey.to_str().unwrap_or(""),
    ])?;
    std::fs::create_dir_all("/run/sshd").map_err(|e| e.to_string())?;
    let sconf = lab.write(
        "sshd_config",
        &format!("ListenAddress {ip2}\nPort 22\nHostKey {}\nPidFile {ds}/sshd.pid\nUsePAM no\nPasswordAuthentication no\n", hostkey.display()),
    );
    lab.spawn(
        "h2",
        &[
            "/usr/sbin/sshd",
            "-D",
            "-e",
            "-f",
            sconf.to_str().unwrap_or(""),
        ],
    )?;
    std::fs::create_dir_all(d.join("ftp-root/pub")).map_err(|e| e.to_string())?;
    std::fs::write(d.join("ftp-root/pub/LISEZMOI.txt"), "lab\n").map_err(|e| e.to_string())?;
    std::fs::create_dir_all(d.join("ftp-empty")).map_err(|e| e.to_string())?;
    run(&[
        "chmod",
        "755",
        &format!("{ds}/ftp-root"),
        &format!("{ds}/ftp-empty"),
    ])?;
    let fconf = lab.write(
        "vsftpd.conf",
        &format!(
            "listen=YES\nlisten_ipv6=NO\nlisten_address={ip2}\nlisten_port=21\nanonymous_enable=YES\nlocal_enable=NO\nwrite_enable=NO\nanon_root={ds}/ftp-root\nsecure_chroot_dir={ds}/ftp-empty\nbackground=NO\nseccomp_sandbox=NO\nftp_username=ftp\nno_anon_password=NO\nconnect_from_port_20=NO\nxferlog_enable=NO\n"
        ),
    );
    lab.spawn("h2", &["/usr/sbin/vsftpd", fconf.to_str().unwrap_or("")])?;

    // ---- h3: Redis without a password, PostgreSQL throwaway cluster
    let ip3 = lab.ip(13);
    lab.spawn(
        "h3",
        &[
            "/usr/bin/redis-server",
            "--port",
            "6379",
            "--bind",
            &ip3,
            "--protected-mode",
            "no",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            &ds,
        ],
    )?;
    let pgdata = d.join("pgdata");
    let pgsock = d.join("pgsock");
    std::fs::create_dir_all(&pgsock).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&pgdata).map_err(|e| e.to_string())?;
    run(&[
        "chown",
        "postgres:postgres",
        &pgsock.to_string_lossy(),
        &pgdata.to_string_lossy(),
    ])?;
    run(&["chmod", "700", &pgdata.to_string_lossy()])?;
    let pgbin = pg_bin().ok_or("PostgreSQL server binaries not found")?;
    run(&[
        "runuser",
        "-u",
        "postgres",
        "--",
        &format!("{pgbin}/initdb"),
        "-D",
        &pgdata.to_string_lossy(),
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "-U",
        "postgres",
    ])?;
    let hba = pgdata.join("pg_hba.conf");
    let mut h = std::fs::read_to_string(&hba).map_err(|e| e.to_string())?;
    h.push_str("host all all 10.213.0.0/16 scram-sha-256\n");
    std::fs::write(&hba, h).map_err(|e| e.to_string())?;
    lab.spawn(
        "h3",
        &[
            "runuser",
            "-u",
            "postgres",
            "--",
            &format!("{pgbin}/postgres"),
            "-D",
            &pgdata.to_string_lossy(),
            "-c",
            &format!("listen_addresses={ip3}"),
            "-c",
            "port=5432",
            "-c",
            &format!("unix_socket_directories={}", pgsock.display()),
            "-c",
            "ssl=off",
        ],
    )?;

    // ---- h4: RDP X.224 responder, FortiGate-like SSL VPN portal
    let (fcrt, fkey) = expired_self_signed(&d, "forti", "vpn.chu-lab.test", false);
    let ip4 = lab.ip(14);
    lab.spawn("h4", &[responder, "rdp", &format!("{ip4}:3389")])?;
    lab.spawn(
        "h4",
        &[
            responder,
            "fortigate",
            &format!("{ip4}:10443"),
            &fcrt.to_string_lossy(),
            &fkey.to_string_lossy(),
        ],
    )?;

    // ---- h5: OWA with its version header, MySQL greeting
    let (ocrt, okey) = expired_self_signed(&d, "owa", "mail.chu-lab.test", false);
    let ip5 = lab.ip(15);
    lab.spawn(
        "h5",
        &[
            responder,
            "owa",
            &format!("{ip5}:443"),
            &ocrt.to_string_lossy(),
            &okey.to_string_lossy(),
        ],
    )?;
    lab.spawn("h5", &[responder, "mysql", &format!("{ip5}:3306")])?;

    // ---- h6: DICOM on 104 (DCMTK's storescp, or the responder answering with DCMTK's
    // identity where dcmtk is not installed) and 11112 (the responder with dcm4che's
    // identity), HL7 MLLP on 2575
    let ip6 = lab.ip(16);
    if Path::new(STORESCP).exists() {
        let store = d.join("dicom-store");
        std::fs::create_dir_all(&store).map_err(|e| e.to_string())?;
        lab.spawn(
            "h6",
            &[
                STORESCP,
                "--output-directory",
                &store.to_string_lossy(),
                "104",
            ],
        )?;
    } else {
        eprintln!("lab: {STORESCP} missing (tests/it/lab/install.sh installs dcmtk): a responder answers on 104");
        lab.spawn("h6", &[responder, "dicom", &format!("{ip6}:104")])?;
    }
    lab.spawn(
        "h6",
        &[
            responder,
            "dicom",
            &format!("{ip6}:11112"),
            "1.2.40.0.13.1.3",
            "dcm4che-5.31.0",
        ],
    )?;
    lab.spawn("h6", &[responder, "hl7", &format!("{ip6}:2575")])?;

    // ---- hx: OUT OF SCOPE, counts every connection it receives
    if lab.outsider {
        let ipx = lab.ip(99);
        for p in [22u16, 80, 443, 3389] {
            let f = d.join(format!("hx-{p}.count"));
            lab.spawn(
                "hx",
                &[
                    responder,
                    "count",
                    &format!("{ipx}:{p}"),
                    &f.to_string_lossy(),
                ],
            )?;
        }
    }

    for (ns, ports) in [
        ("h1", vec![80u16, 443]),
        ("h2", vec![21, 22]),
        ("h3", vec![5432, 6379]),
        ("h4", vec![3389, 10443]),
        ("h5", vec![443, 3306]),
        ("h6", vec![104, 2575, 11112]),
        ("hx", vec![22, 80, 443, 3389]),
    ] {
        if ns == "hx" && !lab.outsider {
            continue;
        }
        for p in ports {
            lab.wait_listen(ns, p, Duration::from_secs(20))
                .map_err(|e| {
                    let logs = std::fs::read_dir(&lab.dir)
                        .map(|it| {
                            it.flatten()
                                .filter(|f| f.path().extension().is_some_and(|x| x == "log"))
                                .map(|f| {
                                    format!(
                                        "{}: {}",
                                        f.path().display(),
                                        std::fs::read_to_string(f.path()).unwrap_or_default()
                                    )
                                })
                                .collect::<Vec<_>>()
                                .join("\n")
                        })
                        .unwrap_or_default();
                    format!("{e}\n{logs}")
                })?;
        }
    }
    Ok(())
}

pub fn pg_bin() -> Option<String> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .collect();
    v.sort();
    v.into_iter()
        .rev()
        .find(|p| p.join("postgres").exists())
        .map(|p| p.to_string_lossy().into_owned())
}

/// The exact open ports the lab must show: (host last octet, port).
pub const EXPECTED_OPEN: &[(u8, u16)] = &[
    (11, 80),
    (11, 443),
    (12, 21),
    (12, 22),
    (13, 5432),
    (13, 6379),
    (14, 3389),
    (14, 10443),
    (15, 443),
    (15, 3306),
    (16, 104),
    (16, 2575),
    (16, 11112),
];
