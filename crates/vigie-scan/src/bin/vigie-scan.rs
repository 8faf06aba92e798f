//! Standalone `vigie-scan` binary (the same as `vigie scan`).
use clap::Parser;

#[derive(Parser)]
#[command(
    name = "vigie-scan",
    about = "Vigie exposure scanner (scope = the targets you name)"
)]
struct Cli {
    #[command(flatten)]
    args: vigie_scan::cli::ScanArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    vigie_scan::cli::run(Cli::parse().args).await
}
