//! Benchmark (run in release): `cargo bench -p vigie-intel --bench match_bench`.
//!
//! Builds 300,000 synthetic CVE records in the real formats (CVE JSON 5 and NVD API 2.0 text,
//! parsed by the real parsers) plus the real records of shared/data, an inventory of 100,000
//! items over 40,000 structures (60% of them products outside the catalogue, declared by name,
//! CPE or open key), and measures: full match, incremental match of one new
//! advisory, and KEV + endoflife.date ingestion. Prints the figures as Markdown.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use vigie_intel::matching::{InventoryItem, Matcher, ProductRef};
use vigie_intel::{parse, Catalog, Corpus};

/// Small deterministic PRNG (xorshift64*), no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const SYNTH_VENDORS: u64 = 4000;
const SYNTH_PRODUCTS_PER_VENDOR: u64 = 5;

/// (catalogue id, CVE vendor, CVE product, CPE vendor:product, version generator)
const CATALOG_PRODUCTS: &[(&str, &str, &str, &str)] = &[
    ("fortios", "Fortinet", "FortiOS", "fortinet:fortios"),
    (
        "citrix-netscaler-adc",
        "Citrix",
        "NetScaler ADC",
        "citrix:netscaler_application_delivery_controller",
    ),
    (
        "ivanti-connect-secure",
        "Ivanti",
        "Connect Secure",
        "ivanti:connect_secure",
    ),
    (
        "panos",
        "Palo Alto Networks",
        "PAN-OS",
        "paloaltonetworks:pan-os",
    ),
    (
        "apache-httpd",
        "Apache Software Foundation",
        "Apache HTTP Server",
        "apache:http_server",
    ),
    (
        "apache-tomcat",
        "Apache Software Foundation",
        "Apache Tomcat",
        "apache:tomcat",
    ),
    ("nginx", "F5", "NGINX Open Source", "f5:nginx"),
    ("openssh", "OpenBSD", "OpenSSH", "openbsd:openssh"),
    (
        "mysql-server",
        "Oracle Corporation",
        "MySQL Server",
        "oracle:mysql",
    ),
    (
        "postgresql",
        "PostgreSQL",
        "PostgreSQL",
        "postgresql:postgresql",
    ),
    ("vmware-esxi", "VMware", "VMware ESXi", "vmware:esxi"),
    (
        "microsoft-exchange-server-2019",
        "Microsoft",
        "Microsoft Exchange Server 2019",
        "microsoft:exchange_server",
    ),
    (
        "windows-server-2019",
        "Microsoft",
        "Windows Server 2019",
        "microsoft:windows_server_2019",
    ),
    (
        "veeam-backup-replication",
        "Veeam",
        "Veeam Backup & Replication",
        "veeam:veeam_backup_\\\\&_replication",
    ),
];

fn catalog_version(id: &str, r: &mut Rng) -> String {
    let (a, b, c) = (r.below(4), r.below(20), r.below(60));
    match id {
        // One GA build per release, as Fortinet does.
        "fortios" => format!(
            "7.{}.{} build {:04}",
            a * 2,
            c % 18,
            (a * 97 + (c % 18) * 31) % 3000
        ),
        "citrix-netscaler-adc" => format!("1{}.1-{}.{}", 3 + a % 2, 40 + b, c),
        "ivanti-connect-secure" => format!("22.{}R{}.{}", 4 + a, 1 + b % 3, c % 4),
        "panos" => format!("1{}.{}.{}-h{}", a % 2, a, b % 12, c % 9),
        "apache-httpd" => format!("2.4.{}", 40 + c % 30),
        "apache-tomcat" => format!("{}.{}.{}", 9 + a % 2, a % 2, 50 + c),
        "nginx" => format!("1.{}.{}", 18 + b % 10, c % 5),
        "openssh" => format!("{}.{}p1", 8 + a % 2, c % 10),
        "mysql-server" => format!("8.0.{}-log", 20 + c % 20),
        "postgresql" => format!("{}.{}", 12 + a, c % 20),
        "vmware-esxi" => format!("{}.0.{}", 7 + a % 2, a),
        "microsoft-exchange-server-2019" => format!("15.2.{}.{}", 1118 + c * 7, b),
        "windows-server-2019" => format!("10.0.17763.{}", 5000 + c * 30),
        _ => format!("12.{}.{}.{}", a, b, c),
    }
}

fn cve5_record(id: &str, vendor: &str, product: &str, start: &str, lt: &str) -> String {
    format!(
        r#"{{"dataType":"CVE_RECORD","dataVersion":"5.1","cveMetadata":{{"cveId":"{id}","state":"PUBLISHED","datePublished":"2025-01-01T00:00:00Z","dateUpdated":"2025-01-02T00:00:00Z"}},"containers":{{"cna":{{"providerMetadata":{{"orgId":"x","shortName":"synthetic"}},"affected":[{{"vendor":"{vendor}","product":"{product}","defaultStatus":"unaffected","versions":[{{"version":"{start}","lessThan":"{lt}","status":"affected","versionType":"custom"}}]}}],"descriptions":[{{"lang":"en","value":"Synthetic record for the benchmark."}}],"metrics":[{{"cvssV3_1":{{"baseScore":7.5,"vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N","version":"3.1"}}}}]}}}}}}"#
    )
}

fn nvd_record(id: &str, cpe_vp: &str, start: &str, end: &str) -> String {
    format!(
        r#"{{"id":"{id}","sourceIdentifier":"synthetic","published":"2025-01-01T00:00:00","lastModified":"2025-01-02T00:00:00","vulnStatus":"Analyzed","descriptions":[{{"lang":"en","value":"Synthetic."}}],"metrics":{{"cvssMetricV31":[{{"type":"Primary","cvssData":{{"baseScore":9.8}}}}]}},"configurations":[{{"nodes":[{{"operator":"OR","negate":false,"cpeMatch":[{{"vulnerable":true,"criteria":"cpe:2.3:a:{cpe_vp}:*:*:*:*:*:*:*:*","versionStartIncluding":"{start}","versionEndExcluding":"{end}"}}]}}]}}]}}"#
    )
}

fn synth_name(r: &mut Rng) -> (String, String) {
    // Skewed: a few vendors are much more common (power-law-ish by squaring).
    let x = r.below(SYNTH_VENDORS * SYNTH_VENDORS);
    let v = (x as f64).sqrt() as u64;
    let p = r.below(SYNTH_PRODUCTS_PER_VENDOR);
    (format!("vendor{v}"), format!("product{v}x{p}"))
}

fn synthetic_records(n: usize, catalog_pct: u64, r: &mut Rng) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let id = format!("CVE-2030-{:07}", i + 1);
        let nvd = i % 10 == 0;
        if r.below(1000) < catalog_pct * 10 {
            // catalog_pct % concern catalogue products (1% = about 3,000 records for 14 products,
            // on top of the real records; NVD holds about that many for these products).
            let (cid, v, p, cpe) =
                CATALOG_PRODUCTS[r.below(CATALOG_PRODUCTS.len() as u64) as usize];
            let base = catalog_version(cid, r);
            let upper = catalog_version(cid, r);
            let (lo, hi) = if vigie_intel::compare(&base, &upper, vigie_intel::Scheme::Generic)
                == Some(std::cmp::Ordering::Greater)
            {
                (upper, base)
            } else {
                (base, upper)
            };
            if nvd {
                out.push((format!("{id}.nvd.json"), nvd_record(&id, cpe, &lo, &hi)));
            } else {
                out.push((format!("{id}.json"), cve5_record(&id, v, p, &lo, &hi)));
            }
        } else {
            let (v, p) = synth_name(r);
            let a = r.below(10);
            let lo = format!("{a}.0.0");
            let hi = format!("{a}.{}.{}", r.below(10), r.below(20));
            if nvd {
                out.push((
                    format!("{id}.nvd.json"),
                    nvd_record(&id, &format!("{v}:{p}"), &lo, &hi),
                ));
            } else {
                out.push((format!("{id}.json"), cve5_record(&id, &v, &p, &lo, &hi)));
            }
        }
    }
    out
}

fn inventory(n: usize, structures: i64, r: &mut Rng) -> Vec<InventoryItem> {
    (0..n)
        .map(|i| {
            let sid = (i as i64) % structures;
            let exposed = r.below(5) == 0;
            if r.below(100) < 40 {
                let (cid, ..) = CATALOG_PRODUCTS[r.below(CATALOG_PRODUCTS.len() as u64) as usize];
                InventoryItem {
                    structure_id: sid,
                    product: ProductRef::Catalog(cid.into()),
                    version: catalog_version(cid, r),
                    exposed,
                    source: "bench".into(),
                }
            } else {
                // Products outside the catalogue (open product model), declared three ways:
                // vendor + product, a CPE carrying the version, or the open key.
                let (v, p) = synth_name(r);
                let version = format!("{}.{}.{}", r.below(10), r.below(10), r.below(20));
                let (product, version) = match r.below(3) {
                    0 => (
                        ProductRef::Named {
                            vendor: v,
                            product: p,
                        },
                        version,
                    ),
                    1 => (
                        ProductRef::Cpe(format!(
                            "cpe:2.3:a:{}:{}:{version}:*:*:*:*:*:*:*",
                            vigie_intel::product::norm_part(&v),
                            vigie_intel::product::norm_part(&p)
                        )),
                        String::new(),
                    ),
                    _ => (
                        ProductRef::Key(format!(
                            "{}:{}",
                            vigie_intel::product::norm_part(&v),
                            vigie_intel::product::norm_part(&p)
                        )),
                        version,
                    ),
                };
                InventoryItem {
                    structure_id: sid,
                    product,
                    version,
                    exposed,
                    source: "bench".into(),
                }
            }
        })
        .collect()
}

/// CPU time (user + system) of this process so far, from /proc/self/stat (Linux, 100 Hz ticks).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // after ")": state is field 3, utime 14, stime 15 -> indexes 11 and 12 here.
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .unwrap_or("?")
        .to_string()
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let data = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    if !data.join("README.md").exists() {
        eprintln!("shared data not found at {}", data.display());
        std::process::exit(2);
    }
    let mut r = Rng(0x5eed_1234_abcd_ef01);
    let t = Instant::now();
    let catalog_pct: u64 = std::env::var("VIGIE_BENCH_CATALOG_PCT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let synth = synthetic_records(300_000, catalog_pct, &mut r);
    let gen_time = t.elapsed();
    let synth_bytes: usize = synth.iter().map(|(_, s)| s.len()).sum();

    let mut corpus = Corpus::default();
    let t = Instant::now();
    for (name, text) in &synth {
        corpus.add_bytes(name, text.as_bytes());
    }
    let parse_synth = t.elapsed();
    drop(synth);

    let t = Instant::now();
    let real = corpus
        .add_tar_zst(&data.join("vulnrichment/vulnrichment-2024-10-24.tar.zst"))
        .unwrap_or(0);
    corpus.add_path(&data.join("cve-records"));
    corpus.add_path(&data.join("samples/cve5"));
    corpus.add_path(&data.join("samples/nvd-api2"));
    corpus.add_path(&data.join("certfr-ale"));
    let parse_real = t.elapsed();

    // KEV + endoflife.date ingestion (target <= 2 s).
    let t = Instant::now();
    let kev_bytes = std::fs::read(data.join("cisa-kev/known_exploited_vulnerabilities.json"))
        .unwrap_or_default();
    let eol_bytes =
        std::fs::read(data.join("endoflife-date/products-index.json")).unwrap_or_default();
    let (kev, _) = parse::parse_kev(&kev_bytes, None).unwrap_or_else(|e| panic!("{e}"));
    let (eol, _) = parse::parse_endoflife(&eol_bytes, None).unwrap_or_else(|e| panic!("{e}"));
    let kev_eol = t.elapsed();
    let kev_n = kev.entries.len();
    let eol_cycles: usize = eol.iter().map(|p| p.releases.len()).sum();
    corpus.kev = Some(kev);
    corpus.eol = eol;

    let items = inventory(100_000, 40_000, &mut r);
    let t = Instant::now();
    let matcher = Matcher::new(Catalog::builtin().unwrap_or_else(|e| panic!("{e}")), items);
    let index_time = t.elapsed();

    let load_before = load_average();
    let c0 = cpu_time();
    let t = Instant::now();
    let findings = corpus.match_all(&matcher);
    let full = t.elapsed();
    let full_cpu = cpu_time().saturating_sub(c0);
    let affected = findings
        .iter()
        .filter(|f| f.decision == vigie_intel::Decision::Affected)
        .count();
    let review = findings.len() - affected;
    let structures: std::collections::HashSet<i64> =
        findings.iter().map(|f| f.structure_id).collect();

    let t = Instant::now();
    let eolf = matcher.end_of_life(
        &corpus.eol,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default(),
    );
    let eol_time = t.elapsed();

    // Incremental: one new advisory (FortiOS, CVE 5 text) -> affected items, parse included.
    let ctx = corpus.threat_context();
    let mut times = Vec::new();
    let mut hits = 0;
    for i in 0..200 {
        let text = cve5_record(
            &format!("CVE-2031-{:05}", i),
            "Fortinet",
            "FortiOS",
            "7.0.0",
            &format!("7.{}.{}", (i % 3) * 2, i % 17),
        );
        let t = Instant::now();
        let adv = parse::parse_cve5(text.as_bytes(), None).unwrap_or_else(|e| panic!("{e}"));
        let f = matcher.match_advisory(&adv, &ctx);
        times.push(t.elapsed());
        hits += f.len();
        black_box(&f);
    }
    times.sort();
    let p50 = times[times.len() / 2];
    let p99 = times[times.len() * 99 / 100];
    let max = times[times.len() - 1];

    println!("## vigie-intel benchmark (release build)");
    println!();
    println!("| step | figure |");
    println!("| --- | --- |");
    println!("| synthetic records generated | 300,000, {}% on catalogue products ({:.0} MB of JSON, {}) |", catalog_pct, synth_bytes as f64 / 1e6, ms(gen_time));
    println!(
        "| parse synthetic CVE 5 + NVD records | {} |",
        ms(parse_synth)
    );
    println!(
        "| stream + parse real Vulnrichment archive + cve-records + samples | {} records, {} |",
        real,
        ms(parse_real)
    );
    println!(
        "| advisories in corpus / rejected records | {} / {} |",
        corpus.advisory_count(),
        corpus.errors.len()
    );
    println!("| **KEV ({} entries) + endoflife.date ({} products, {} cycles) parse** | **{}** (target <= 2 s) |", kev_n, corpus.eol.len(), eol_cycles, ms(kev_eol));
    println!(
        "| index 100,000 items / 40,000 structures | {} |",
        ms(index_time)
    );
    println!(
        "| **full match (all advisories + KEV)** | **{} wall**, {} CPU on {} threads, load average {} (target <= 10 s) |",
        ms(full),
        ms(full_cpu),
        std::thread::available_parallelism().map_or(1, usize::from),
        load_before
    );
    println!(
        "| findings: affected / needs review / structures concerned | {} / {} / {} |",
        affected,
        review,
        structures.len()
    );
    println!(
        "| end-of-life findings | {} ({}) |",
        eolf.len(),
        ms(eol_time)
    );
    println!("| **incremental: one new advisory -> affected items** (parse + match, 200 runs) | **p50 {} / p99 {} / max {}** (target <= 100 ms), {} hits/run |", ms(p50), ms(p99), ms(max), hits / 200);
}
