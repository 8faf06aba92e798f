//! Standalone command-line surface (`vigie intel ...`): works on files, no server.

use crate::catalog::Catalog;
use crate::cpe::Cpe;
use crate::ingest::Corpus;
use crate::matching::{Decision, InventoryItem, Matcher, ProductRef};
use crate::version::{compare, Scheme};
use anyhow::{anyhow, Context};
use std::path::{Path, PathBuf};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// JSON (one document).
    Json,
    /// Human-readable table.
    Table,
}

/// `vigie intel` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum IntelCommand {
    /// Match an inventory CSV against every advisory found under a data folder.
    Match {
        /// CSV with columns structure_id,product,version,exposed,source. `product` is a catalogue
        /// id, a CPE (`cpe:2.3:...`), or `vendor|product`.
        #[arg(long)]
        inventory: PathBuf,
        /// Folder (or file) of CVE 5 / NVD / KEV / CERT-FR / EPSS / endoflife.date data; `.tar.zst` CVE archives too.
        #[arg(long)]
        data: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// Also list findings that need review.
        #[arg(long)]
        review: bool,
    },
    /// Compare two versions under a scheme.
    Compare {
        /// First version.
        a: String,
        /// Second version.
        b: String,
        /// Scheme: generic, semver, debian, fortios, netscaler, msbuild, openssh, mysql, ivanti, panos.
        #[arg(long, default_value = "generic")]
        scheme: String,
    },
    /// Does CPE1 (a pattern, may hold ANY/wildcards) match CPE2?
    CpeMatch {
        /// Source (pattern) name.
        pattern: String,
        /// Target name.
        target: String,
    },
    /// Parse a file and print what was understood (and every rejected record).
    Parse {
        /// File or folder.
        path: PathBuf,
    },
    /// Resolve a product (name, `vendor|product`, CPE, purl, catalogue id) to its product key.
    Resolve {
        /// Vendor (optional).
        #[arg(long, default_value = "")]
        vendor: String,
        /// Product name.
        product: String,
    },
}

/// Read an inventory CSV (`structure_id,product,version,exposed,source`).
pub fn read_inventory(path: &Path) -> anyhow::Result<Vec<InventoryItem>> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("reading {}", path.display()))?;
    let mut items = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("{} line {}", path.display(), i + 2))?;
        let sid: i64 = rec
            .get(0)
            .unwrap_or("")
            .trim()
            .parse()
            .with_context(|| format!("{} line {}: structure_id", path.display(), i + 2))?;
        let prod = rec.get(1).unwrap_or("").trim();
        let product = if prod.to_ascii_lowercase().starts_with("cpe:") {
            ProductRef::Cpe(prod.to_string())
        } else if let Some((v, p)) = prod.split_once('|') {
            ProductRef::Named {
                vendor: v.trim().to_string(),
                product: p.trim().to_string(),
            }
        } else {
            ProductRef::Catalog(prod.to_string())
        };
        let exposed = matches!(
            rec.get(3)
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
                .as_str(),
            "1" | "true" | "yes" | "oui"
        );
        items.push(InventoryItem {
            structure_id: sid,
            product,
            version: rec.get(2).unwrap_or("").trim().to_string(),
            exposed,
            source: rec.get(4).unwrap_or("csv").trim().to_string(),
        });
    }
    Ok(items)
}

/// Run a subcommand, printing to stdout.
pub fn run(cmd: IntelCommand) -> anyhow::Result<()> {
    match cmd {
        IntelCommand::Compare { a, b, scheme } => {
            let s =
                Scheme::from_name(&scheme).ok_or_else(|| anyhow!("unknown scheme `{scheme}`"))?;
            match compare(&a, &b, s) {
                Some(o) => println!(
                    "{a} {} {b}",
                    match o {
                        std::cmp::Ordering::Less => "<",
                        std::cmp::Ordering::Equal => "=",
                        std::cmp::Ordering::Greater => ">",
                    }
                ),
                None => println!("{a} ? {b}  (not comparable under {scheme}: needs human review)"),
            }
        }
        IntelCommand::CpeMatch { pattern, target } => {
            let p = Cpe::parse(&pattern)?;
            let t = Cpe::parse(&target)?;
            println!("{}", if p.matches(&t) { "match" } else { "no match" });
        }
        IntelCommand::Parse { path } => {
            let mut c = Corpus::default();
            c.add_path(&path);
            println!(
                "advisories: {}  kev: {}  certfr: {}  epss: {}  endoflife products: {}  rejected: {}",
                c.advisory_count(),
                c.kev.as_ref().map_or(0, |k| k.entries.len()),
                c.certfr.len(),
                c.epss.as_ref().map_or(0, |e| e.scores.len()),
                c.eol.len(),
                c.errors.len()
            );
            if c.advisory_count() == 1 {
                if let Some(a) = c.advisories.values().flatten().next() {
                    println!("{}", serde_json::to_string_pretty(a)?);
                }
            }
            for e in &c.errors {
                println!("rejected: {e}");
            }
        }
        IntelCommand::Resolve { vendor, product } => {
            let cat = Catalog::builtin()?;
            let declared = if vendor.is_empty() {
                product.clone()
            } else {
                format!("{vendor}|{product}")
            };
            match crate::product::resolve(&cat, &declared) {
                Ok(r) => println!(
                    "{}\t{}\t{:?}{}",
                    r.key,
                    r.display,
                    r.by,
                    r.note.map(|n| format!("\t{n}")).unwrap_or_default()
                ),
                Err(e) => println!("(not resolved: {e})"),
            }
        }
        IntelCommand::Match {
            inventory,
            data,
            format,
            review,
        } => {
            let items = read_inventory(&inventory)?;
            let mut corpus = Corpus::default();
            for d in &data {
                corpus.add_path(d);
            }
            let matcher = Matcher::new(Catalog::builtin()?, items);
            let findings: Vec<_> = corpus
                .match_all(&matcher)
                .into_iter()
                .filter(|f| review || f.decision == Decision::Affected)
                .collect();
            let eol = matcher.end_of_life(&corpus.eol, chrono::Utc::now().date_naive());
            match format {
                Format::Json => {
                    let doc = serde_json::json!({
                        "findings": findings,
                        "end_of_life": eol,
                        "rejected": corpus.errors,
                    });
                    println!("{}", serde_json::to_string_pretty(&doc)?);
                }
                Format::Table => {
                    println!(
                        "{:<8} {:<18} {:<28} {:<20} {:<12} {:<6} reason",
                        "struct", "cve", "product", "version", "decision", "prio"
                    );
                    for f in &findings {
                        let it = matcher.items().get(f.item);
                        let prod = it.map(|i| match &i.product {
                            ProductRef::Catalog(s) | ProductRef::Cpe(s) | ProductRef::Key(s) => {
                                s.clone()
                            }
                            ProductRef::Named { vendor, product } => format!("{vendor}|{product}"),
                        });
                        println!(
                            "{:<8} {:<18} {:<28} {:<20} {:<12} {:<6} {}",
                            f.structure_id,
                            f.cve,
                            prod.unwrap_or_default(),
                            it.map(|i| i.version.as_str()).unwrap_or(""),
                            format!("{:?}", f.decision),
                            f.priority.score,
                            f.reason
                        );
                    }
                    for e in &eol {
                        println!(
                            "{:<8} END-OF-LIFE {} cycle {} (eol {:?})",
                            e.structure_id, e.product, e.cycle, e.eol_date
                        );
                    }
                    eprintln!(
                        "{} findings, {} end-of-life, {} rejected records",
                        findings.len(),
                        eol.len(),
                        corpus.errors.len()
                    );
                }
            }
        }
    }
    Ok(())
}
