//! `vigie observatory`: the observatory of incidents on the command line (every figure of the
//! page as JSON, the standalone HTML page or the PDF report), and the import of past
//! declarations from a CSV; the scheduler's tick that refreshes the observatory's roll-up.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};
use chrono::{Datelike, NaiveDate};
use clap::{Args, Subcommand, ValueEnum};
use vigie_observatory::{history, Period, Territory};
use vigie_report::{Lang, Tr};
use vigie_store::{Actor, Store};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Json,
    Html,
    Pdf,
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ObservatoryCommand {
    #[command(subcommand)]
    pub action: Option<ObservatoryAction>,
    /// First day of the period (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<String>,
    /// Last day of the period, included (YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<String>,
    /// A whole year instead of --from/--to.
    #[arg(long)]
    pub year: Option<i32>,
    /// An INSEE region code (France when absent).
    #[arg(long)]
    pub region: Option<String>,
    /// A GHT's id.
    #[arg(long, conflicts_with = "region")]
    pub ght: Option<i64>,
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    /// fr or en (texts of the HTML and PDF).
    #[arg(long, default_value = "fr")]
    pub lang: String,
    /// Write to this file instead of the standard output.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum ObservatoryAction {
    /// Import past declarations from a CSV file (columns in the README). A file with a bad row
    /// imports nothing, and says each bad row's line and reason, unless --skip-bad-rows.
    Import {
        file: PathBuf,
        #[arg(long)]
        skip_bad_rows: bool,
    },
    /// Count again, from the declarations, the months of the roll-up that writes made stale
    /// (the scheduler does it at each tick; the figures never depend on it, only their speed).
    Refresh,
}

/// At each tick of the scheduler, the stale months of the observatory's roll-up are counted
/// again, but those still receiving declarations (today's and yesterday's marks).
pub fn register_jobs(r: &mut crate::worker::Registry) {
    r.every_tick("observatory", |ctx: Arc<crate::worker::Ctx>| async move {
        match ctx.store.refresh_settled_observatory_rollup().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(months = n, "observatory roll-up refreshed"),
            Err(e) => {
                tracing::warn!(error = %e, "scheduler: cannot refresh the observatory roll-up")
            }
        }
    });
}

/// The period of `--year` or `--from`/`--to`: a year, a quarter or a month when the days are
/// exactly one, any range of days otherwise.
fn period(cmd: &ObservatoryCommand) -> anyhow::Result<Period> {
    if let Some(y) = cmd.year {
        return Period::year(y).map_err(|p| anyhow::anyhow!("{p}"));
    }
    let (Some(from), Some(to)) = (&cmd.from, &cmd.to) else {
        bail!("give --from and --to (YYYY-MM-DD), or --year");
    };
    let day = |s: &str| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .with_context(|| format!("{s:?} is not a day (YYYY-MM-DD)"))
    };
    let (from, to) = (day(from)?, day(to)?);
    let custom = Period::custom(from, to).map_err(|p| anyhow::anyhow!("{p}"))?;
    let exact = [
        Period::year(from.year()).ok(),
        Period::quarter(from.year(), (from.month() - 1) / 3 + 1).ok(),
        Period::month(from.year(), from.month()).ok(),
    ];
    Ok(exact
        .into_iter()
        .flatten()
        .find(|p| p.from == custom.from && p.to == custom.to)
        .unwrap_or(custom))
}

pub async fn command(store: &Store, cmd: ObservatoryCommand) -> anyhow::Result<()> {
    let actor = Actor::system("cli");
    if let Some(ObservatoryAction::Import {
        file,
        skip_bad_rows,
    }) = &cmd.action
    {
        return import(store, &actor, file, *skip_bad_rows).await;
    }
    if let Some(ObservatoryAction::Refresh) = &cmd.action {
        let n = store.refresh_observatory_rollup().await?;
        println!("{n} month(s) of the observatory counted again");
        return Ok(());
    }
    let period = period(&cmd)?;
    let territory = match (&cmd.region, cmd.ght) {
        (Some(r), _) => Territory::parse(r).map_err(|p| anyhow::anyhow!("{p}"))?,
        (None, Some(g)) => Territory::Ght(g),
        (None, None) => Territory::France,
    };
    let o = store.observatory(&actor, &period, &territory).await?;
    let tr = Tr::new(Lang::parse(&cmd.lang).unwrap_or_default());
    let name = match &o.territory {
        Territory::Ght(_) => store
            .observatory_territories(&actor)
            .await?
            .into_iter()
            .find(|t| t.territory == o.territory)
            .map(|t| t.name)
            .unwrap_or_default(),
        t => vigie_web::observatory::view::territory_name(&tr, t, None),
    };
    let bytes = match cmd.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&o)?;
            s.push('\n');
            s.into_bytes()
        }
        Format::Html => vigie_web::observatory::standalone_html(&tr, &o, &name)?.into_bytes(),
        Format::Pdf => vigie_web::observatory::pdf(&tr, &o, &name),
    };
    match &cmd.out {
        Some(path) => std::fs::write(path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)?;
            out.flush()?;
        }
    }
    Ok(())
}

async fn import(
    store: &Store,
    actor: &Actor,
    file: &PathBuf,
    skip_bad_rows: bool,
) -> anyhow::Result<()> {
    let meta =
        std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?;
    if meta.len() > history::MAX_BYTES as u64 {
        bail!(
            "{}: larger than {} bytes",
            file.display(),
            history::MAX_BYTES
        );
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let tr = Tr::new(Lang::En);
    let parsed = history::parse(&bytes)
        .map_err(|p| anyhow::anyhow!("{}: {}", file.display(), tr.problem(&p)))?;
    let report = store
        .import_observatory_history(actor, parsed, skip_bad_rows)
        .await?;
    for e in &report.errors {
        eprintln!("{}:{}: {}", file.display(), e.line, tr.problem(&e.problem));
    }
    if report.refused {
        bail!(
            "nothing imported: {} bad row(s) (fix the file, or --skip-bad-rows)",
            report.errors.len()
        );
    }
    println!(
        "{} declaration(s) imported, {} bad row(s) skipped",
        report.imported,
        report.errors.len()
    );
    Ok(())
}
