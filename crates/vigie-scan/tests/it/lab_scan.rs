//! End-to-end test in a network-namespace lab with real services.
//! Needs root and iproute2 (and the packages of tests/it/lab/packages.txt); it
//! says why it skips elsewhere. The scanner runs INSIDE the lab's client
//! namespace, which has no default route and no link to the root namespace.

use crate::lab;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

const SCANNER: &str = env!("CARGO_BIN_EXE_vigie-scan");
const RESPONDER: &str = env!("CARGO_BIN_EXE_vigie-lab-responder");

const NEEDED: &[&str] = &[
    "/srv/ftp",
    "/usr/sbin/nginx",
    "/usr/sbin/sshd",
    "/usr/sbin/vsftpd",
    "/usr/bin/redis-server",
    "/usr/bin/ssh-keygen",
];

fn lines(out: &str) -> Vec<Value> {
    out.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn lab_end_to_end() {
    if let Some(why) = lab::skip_reason(NEEDED) {
        eprintln!("SKIPPED lab_end_to_end: {why}");
        return;
    }
    if lab::pg_bin().is_none() {
        eprintln!(
            "SKIPPED lab_end_to_end: PostgreSQL server binaries missing (tests/it/lab/install.sh)"
        );
        return;
    }
    let mut lab = lab::Lab::new("t", 6).expect("lab setup");
    lab::start_services(&mut lab, RESPONDER).expect("lab services");
    let hosts: Vec<String> = (11..=16).map(|i| lab.ip(i)).collect();
    let absent = lab.ip(lab::ABSENT);
    // the six hosts and the absent address, written as nmap users write a range
    let range = format!("10.213.{}.11-{}", lab.subnet, lab::ABSENT);

    // ---------------------------------------------------------------- CLI scan, JSON lines
    let mut args = vec![SCANNER.to_string()];
    args.push(range.clone());
    args.extend(
        [
            "-p",
            "health",
            "-o",
            "json",
            "--rate",
            "0",
            "--rate-per-target",
            "0",
        ]
        .map(String::from),
    );
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let t = std::time::Instant::now();
    let out = lab.exec("c", &argv).expect("scan");
    eprintln!(
        "health-list scan of 6 hosts with identification: {:?}",
        t.elapsed()
    );
    let recs = lines(&out);
    // liveness: the six hosts up, the absent address down with its reason, not scanned
    let host_recs: BTreeMap<String, &Value> = recs
        .iter()
        .filter(|r| r["type"] == "host")
        .map(|r| (r["ip"].as_str().unwrap().to_string(), r))
        .collect();
    assert_eq!(host_recs.len(), 7, "{out}");
    for h in &hosts {
        assert_eq!(host_recs[h]["state"], "up", "{}", host_recs[h]);
    }
    let down = host_recs[&absent];
    assert_eq!(
        (down["state"].as_str(), down["reason"].as_str()),
        (Some("down"), Some("no-response")),
        "{down}"
    );
    assert!(
        down["detail"].as_str().unwrap().contains("no ARP reply"),
        "{down}"
    );
    assert_eq!(recs[0]["stats"]["hosts_down"], 1);
    assert_eq!(recs[0]["hosts_down"][0]["ip"], absent.as_str());
    let open: BTreeSet<(String, u64)> = recs
        .iter()
        .filter(|r| r["type"] == "port")
        .map(|r| {
            (
                r["ip"].as_str().unwrap().to_string(),
                r["port"].as_u64().unwrap(),
            )
        })
        .collect();
    let want: BTreeSet<(String, u64)> = lab::EXPECTED_OPEN
        .iter()
        .map(|(h, p)| (lab.ip(*h), u64::from(*p)))
        .collect();
    assert_eq!(open, want, "exact open ports");

    let svc: BTreeMap<(String, u64), &Value> = recs
        .iter()
        .filter(|r| r["type"] == "service")
        .map(|r| {
            (
                (
                    r["ip"].as_str().unwrap().to_string(),
                    r["port"].as_u64().unwrap(),
                ),
                r,
            )
        })
        .collect();
    let get = |h: u8, p: u64| -> &Value {
        svc.get(&(lab.ip(h), p))
            .unwrap_or_else(|| panic!("no service {h}:{p}"))
    };
    let s = |v: &Value, k: &str| v[k].as_str().unwrap_or("").to_string();

    // products and versions
    let nginx80 = get(11, 80);
    assert_eq!(
        (
            s(nginx80, "name"),
            s(nginx80, "product"),
            s(nginx80, "version")
        ),
        ("http".into(), "nginx".into(), "1.22.1".into())
    );
    let nginx443 = get(11, 443);
    assert_eq!(
        (s(nginx443, "name"), s(nginx443, "product")),
        ("https".into(), "nginx".into())
    );
    let tls = &nginx443["tls"];
    let versions: Vec<&str> = tls["accepted_versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        versions.contains(&"TLSv1")
            && versions.contains(&"TLSv1.1")
            && versions.contains(&"TLSv1.3"),
        "{versions:?}"
    );
    assert_eq!(tls["chain"][0]["expired"], true);
    assert_eq!(tls["chain"][0]["self_signed"], true);

    let ssh = get(12, 22);
    assert_eq!(
        (s(ssh, "name"), s(ssh, "product"), s(ssh, "version")),
        ("ssh".into(), "OpenSSH".into(), "9.2p1".into())
    );
    assert_eq!(ssh["distro"]["distro"], "Debian");
    assert!(
        s(&ssh["distro"], "patch_level").starts_with("deb12u"),
        "{}",
        ssh["distro"]
    );
    let ftp = get(12, 21);
    assert_eq!(
        (s(ftp, "name"), s(ftp, "product"), s(ftp, "version")),
        ("ftp".into(), "vsftpd".into(), "3.0.3".into())
    );
    assert_eq!(ftp["facts"]["ftp.anonymous"], "true", "{ftp}");

    let redis = get(13, 6379);
    assert_eq!(
        (s(redis, "name"), s(redis, "product")),
        ("redis".into(), "Redis key-value store".into())
    );
    assert!(
        s(redis, "version").starts_with("7."),
        "{}",
        s(redis, "version")
    );
    let pg = get(13, 5432);
    assert_eq!(
        (s(pg, "name"), s(pg, "product")),
        ("postgresql".into(), "PostgreSQL DB".into())
    );

    let rdp = get(14, 3389);
    assert_eq!(
        (s(rdp, "name"), s(rdp, "product")),
        ("ms-wbt-server".into(), "Microsoft Terminal Services".into())
    );
    assert_eq!(rdp["facts"]["rdp.protocol"], "hybrid");
    let forti = get(14, 10443);
    assert_eq!(s(forti, "product"), "Fortinet FortiGate SSL VPN");
    assert_eq!(s(forti, "name"), "https");

    let owa = get(15, 443);
    assert_eq!(
        (s(owa, "product"), s(owa, "version")),
        (
            "Microsoft Exchange Outlook Web Access".into(),
            "15.1.2507.6".into()
        )
    );
    let mysql = get(15, 3306);
    assert_eq!(
        (s(mysql, "name"), s(mysql, "product"), s(mysql, "version")),
        ("mysql".into(), "MySQL".into(), "8.0.36".into())
    );

    for p in [104, 11112] {
        let d = get(16, p);
        assert_eq!(s(d, "name"), "dicom");
        assert_eq!(d["facts"]["dicom.association"], "accepted");
        assert_eq!(d["facts"]["dicom.c_echo"], "0x0000");
    }
    // the implementations named from the association answer: DCMTK's storescp on 104
    let dcmtk = get(16, 104);
    assert_eq!(
        (s(dcmtk, "product"), s(dcmtk, "vendor")),
        ("DCMTK".into(), "OFFIS".into()),
        "{dcmtk}"
    );
    assert!(s(dcmtk, "version").starts_with("3.6."), "{dcmtk}");
    assert!(s(&dcmtk["facts"], "dicom.implementation_uid").starts_with("1.2.276.0.7230010.3."));
    assert!(s(dcmtk, "extrainfo").contains("OFFIS_DCMTK_"), "{dcmtk}");
    assert!(s(dcmtk, "cpe").starts_with("cpe:2.3:a:offis:dcmtk:3.6."));
    let dcm4che = get(16, 11112);
    assert_eq!(
        (s(dcm4che, "product"), s(dcm4che, "version")),
        ("dcm4che".into(), "5.31.0".into())
    );
    let hl7 = get(16, 2575);
    assert_eq!(s(hl7, "name"), "hl7-mllp");
    assert_eq!(hl7["facts"]["hl7.ack"], "AA");
    assert!(s(&hl7["facts"], "hl7.application").contains("MIRTH-LAB"));
    assert_eq!(hl7["facts"]["hl7.sending_application"], "MIRTH-LAB");
    assert_eq!(hl7["facts"]["hl7.sending_facility"], "CHU-LAB");
    assert_eq!(
        s(hl7, "extrainfo"),
        "sending application MIRTH-LAB; facility CHU-LAB; HL7 2.5"
    );

    // findings
    let findings: BTreeSet<(String, u64, String)> = recs
        .iter()
        .filter(|r| r["type"] == "finding")
        .map(|r| {
            (
                r["ip"].as_str().unwrap().to_string(),
                r["port"].as_u64().unwrap(),
                r["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let must = [
        (11, 443, "tls-certificate-expired"),
        (11, 443, "tls-self-signed"),
        (11, 443, "tls-legacy-protocol"),
        (12, 21, "ftp-anonymous-login"),
        (12, 21, "cleartext-protocol"),
        (12, 21, "file-sharing-exposed"),
        (13, 6379, "redis-no-authentication"),
        (13, 6379, "database-exposed"),
        (13, 5432, "database-exposed"),
        (14, 3389, "remote-desktop-exposed"),
        (14, 10443, "vpn-appliance-exposed"),
        (15, 443, "webmail-exposed"),
        (15, 443, "end-of-life-software"),
        (15, 3306, "database-exposed"),
        (16, 104, "dicom-exposed"),
        (16, 11112, "dicom-exposed"),
        (16, 2575, "hl7-exposed"),
        (16, 2575, "cleartext-protocol"),
    ];
    for (h, p, k) in must {
        assert!(
            findings.contains(&(lab.ip(h), p, k.to_string())),
            "missing finding {k} on {h}:{p}; have {findings:#?}"
        );
    }
    // nothing about the SSH server being end of life: a patched Debian 9.2p1 is not
    assert!(!findings
        .iter()
        .any(|(ip, p, k)| ip == &lab.ip(12) && *p == 22 && k == "end-of-life-software"));
    for r in recs.iter().filter(|r| r["type"] == "finding") {
        assert!(
            !s(r, "remediation_fr").is_empty() && !s(r, "evidence").is_empty(),
            "{r}"
        );
    }

    // ---------------------------------------------------------------- nmap XML output
    let mut xargs = argv.clone();
    let pos = xargs.iter().position(|a| *a == "json").unwrap();
    xargs[pos] = "nmap-xml";
    let xml = lab.exec("c", &xargs).expect("scan -o nmap-xml");
    let obs = vigie_scan::output::import_nmap_xml(&xml).expect("own nmap XML reads back");
    let xopen: BTreeSet<(String, u64)> = vigie_scan::output::open_set(&obs)
        .into_iter()
        .map(|(i, p)| (i.to_string(), u64::from(p)))
        .collect();
    assert_eq!(xopen, want);
    assert!(obs
        .iter()
        .any(|o| o.product.as_deref() == Some("OpenSSH") && o.version.as_deref() == Some("9.2p1")));
    assert!(
        xml.contains(&format!("<address addr=\"{absent}\" addrtype=\"ipv4\"/>"))
            && xml.contains("<status state=\"down\" reason=\"no-response\""),
        "the absent address is in the XML, down, with its reason"
    );
    assert!(
        xml.contains("<hosts up=\"6\" down=\"1\" total=\"7\"/>"),
        "{xml}"
    );
    let mut targs = argv.clone();
    targs[pos] = "text";
    let text = lab.exec("c", &targs).expect("scan -o text");
    assert!(
        text.contains(&format!("down {absent}: no-response — no ARP reply")),
        "{text}"
    );
    assert!(text.contains("6 up, 1 judged down"), "{text}");
    if std::path::Path::new("/usr/bin/xmllint").exists() {
        let f = lab.write("scan.xml", &xml);
        assert!(std::process::Command::new("xmllint")
            .args(["--noout", &f.to_string_lossy()])
            .status()
            .unwrap()
            .success());
    }

    // ---------------------------------------------------------------- SYN scan finds the same ports
    let mut sargs = argv.clone();
    sargs.extend(["--syn", "--no-identify"]);
    let sout = lab.exec("c", &sargs).expect("syn scan");
    let srecs = lines(&sout);
    assert_eq!(srecs[0]["stats"]["method"], "syn");
    assert_eq!(srecs[0]["hosts_down"][0]["ip"], absent.as_str(), "{sout}");
    let sopen: BTreeSet<(String, u64)> = srecs
        .iter()
        .filter(|r| r["type"] == "port")
        .map(|r| {
            (
                r["ip"].as_str().unwrap().to_string(),
                r["port"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(sopen, want, "SYN scan open ports");

    // ---------------------------------------------------------------- -Pn: the absent address
    // scanned anyway, and given up after its first unanswered attempts, in both scan modes
    let pn_range = format!("10.213.{}.16-{}", lab.subnet, lab::ABSENT);
    for extra in [&[][..], &["--syn"][..]] {
        let mut a = vec![
            SCANNER,
            &pn_range,
            "-Pn",
            "-p",
            "1-3000",
            "--no-identify",
            "--rate",
            "0",
            "--rate-per-target",
            "0",
        ];
        a.extend_from_slice(extra);
        let t = std::time::Instant::now();
        let out = lab.exec("c", &a).expect("-Pn scan");
        let took = t.elapsed();
        eprintln!("-Pn {extra:?} scan of {pn_range}, 3000 ports: {took:?}");
        let recs = lines(&out);
        let h: BTreeMap<String, &Value> = recs
            .iter()
            .filter(|r| r["type"] == "host")
            .map(|r| (r["ip"].as_str().unwrap().to_string(), r))
            .collect();
        let gone = &h[&absent];
        assert_eq!(
            (gone["state"].as_str(), gone["reason"].as_str()),
            (Some("up"), Some("user-set"))
        );
        let g = &gone["given_up"];
        assert!(g["ports_not_probed"].as_u64().unwrap() > 2000, "{gone}");
        assert!(g["silent_attempts"].as_u64().unwrap() <= 64, "{gone}");
        assert!(h[&lab.ip(16)]["given_up"].is_null());
        let open: BTreeSet<u64> = recs
            .iter()
            .filter(|r| r["type"] == "port")
            .map(|r| r["port"].as_u64().unwrap())
            .collect();
        assert_eq!(open, BTreeSet::from([104, 2575]), "{extra:?}");
        assert!(
            took < std::time::Duration::from_secs(20),
            "an absent address scanned with -Pn is given up, not waited out port by port ({took:?})"
        );
    }

    // ---------------------------------------------------------------- out of scope: never contacted
    let ipx = lab.ip(99);
    // 1. the engine, asked to scan hx with a scope that does not contain it
    let scope = hosts.join(",");
    let targets = format!("{},{ipx}", hosts[0]);
    let eout = lab
        .exec(
            "c",
            &[RESPONDER, "engine-scan", &scope, &targets, "22,80,443,3389"],
        )
        .expect("engine scan");
    let erecs = lines(&eout);
    let refused = erecs[0]["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{eout}");
    assert_eq!(refused[0][0], ipx.as_str());
    assert!(erecs
        .iter()
        .filter(|r| r["type"] == "port")
        .all(|r| r["ip"] != ipx.as_str()));
    // 2. the CLI, with a SYN scan, asked for a documentation range (hard deny list)
    let dout = lab.exec(
        "c",
        &[
            SCANNER,
            "192.0.2.1",
            &hosts[0],
            "-p",
            "22,80",
            "--no-identify",
            "--syn",
        ],
    );
    let drecs = lines(&dout.expect("cli with denied target"));
    assert!(
        drecs[0]["refused"].as_array().is_none_or(|a| a.is_empty()),
        "denied addresses are not even enumerated"
    );
    assert!(drecs
        .iter()
        .filter(|r| r["type"] == "port")
        .all(|r| r["ip"] == hosts[0].as_str()));
    let only_denied = lab.exec("c", &[SCANNER, "192.0.2.0/24", "-p", "22"]);
    assert!(
        only_denied.is_err(),
        "a scan of only denied addresses fails"
    );
    // the out-of-scope listener saw nothing
    for p in [22, 80, 443, 3389] {
        let f = lab.path(&format!("hx-{p}.count"));
        assert!(
            !f.exists(),
            "out-of-scope {ipx}:{p} was contacted: {}",
            std::fs::read_to_string(&f).unwrap_or_default()
        );
    }
    // and the listener does work when contacted in scope (control)
    let ctl = lab
        .exec("c", &[SCANNER, &ipx, "-p", "22", "--no-identify"])
        .expect("control scan");
    assert!(ctl.contains("\"port\":22"), "{ctl}");
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(
        lab.path("hx-22.count").exists(),
        "control: the counting listener records connections"
    );
}
