//! `vigie scan --advisories DIR`: the scanner's standalone run, followed by what the advisories of
//! DIR say of each identified service — the known-exploited CVEs first. Both engines run on
//! files; nothing touches a database.

use std::path::PathBuf;

use anyhow::Context;
use vigie_intel::scan::{match_services, ScannedService, ServiceReport};
use vigie_intel::{Catalog, Corpus};
use vigie_scan::cli::{OutputFormat, ScanArgs};

/// `vigie scan`: the scanner's arguments, and the advisories to match what it saw against.
#[derive(Debug, Clone, clap::Args)]
pub struct ScanCommand {
    #[command(flatten)]
    pub args: ScanArgs,
    /// A file or folder of advisories (CVE 5 records, NVD, CISA KEV, CERT-FR, EPSS): each
    /// identified service is listed with the known-exploited CVEs that apply to it, then the
    /// others.
    #[arg(long = "advisories", value_name = "DIR")]
    pub advisories: Option<PathBuf>,
}

pub async fn run(cmd: ScanCommand) -> anyhow::Result<()> {
    let Some(dir) = cmd.advisories.clone() else {
        return vigie_scan::cli::run(cmd.args).await;
    };
    // Read the advisories first: a wrong folder is said before any packet is sent.
    anyhow::ensure!(
        dir.exists(),
        "--advisories {}: no such file or folder",
        dir.display()
    );
    let cat = Catalog::builtin().context("the embedded product catalogue")?;
    let corpus = tokio::task::spawn_blocking(move || {
        let mut corpus = Corpus::default();
        corpus.add_path(&dir);
        corpus
    })
    .await?;
    let result = vigie_scan::cli::execute(&cmd.args).await?;
    let services: Vec<ScannedService> = result
        .services
        .iter()
        .filter_map(|s| {
            let product = s.cpe.clone().or_else(|| s.product.clone())?;
            Some(ScannedService {
                location: std::net::SocketAddr::new(s.ip, s.port).to_string(),
                product,
                version: s.version.clone().unwrap_or_default(),
            })
        })
        .collect();
    let reports = match_services(&cat, &corpus, &services);
    let mut text = vigie_scan::cli::render(&cmd.args, &result);
    match &cmd.args.output {
        OutputFormat::Json => {
            for r in &reports {
                let line = serde_json::json!({ "type": "advisories", "service": r });
                text.push_str(&line.to_string());
                text.push('\n');
            }
        }
        OutputFormat::Text => text.push_str(&text_report(&reports)),
        // The XML document stays nmap's: the report goes to the error stream.
        OutputFormat::NmapXml => eprint!("{}", text_report(&reports)),
    }
    vigie_scan::cli::emit(&cmd.args, &text)
}

/// Each service with its CVEs, known-exploited first.
fn text_report(reports: &[ServiceReport]) -> String {
    let mut s = String::from("\nadvisories:\n");
    if reports.is_empty() {
        s.push_str("  no identified product with a version: nothing to match\n");
    }
    for r in reports {
        s.push_str(&format!(
            "  {} {} {} ({})\n",
            r.location,
            r.display,
            r.version,
            r.key.as_deref().unwrap_or("not resolved")
        ));
        if let Some(n) = &r.note {
            s.push_str(&format!("    note: {n}\n"));
        }
        for c in &r.known_exploited {
            s.push_str(&format!(
                "    KNOWN EXPLOITED {} ({:?}): {}\n",
                c.cve, c.decision, c.reason
            ));
        }
        for c in &r.other {
            s.push_str(&format!("    {} ({:?}): {}\n", c.cve, c.decision, c.reason));
        }
        if r.known_exploited.is_empty() && r.other.is_empty() && r.note.is_none() {
            s.push_str("    no advisory applies\n");
        }
    }
    s
}
