//! `vigie`: one binary for every role of a deployment.

mod accounts;
mod backup_crypt;
mod config;
mod demo;
mod diagnostics;
mod incidents;
mod notify;
mod observatory;
mod surveillance;
mod watch;
mod worker;

use std::io::{BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use vigie_domain::role::Role;
use vigie_store::accounts::NewUser;
use vigie_store::{Actor, ConnectConfig, Store};

use crate::config::Config;

#[derive(Parser)]
#[command(
    name = "vigie",
    version,
    about = "Vigie — cybersurveillance des structures de santé / cyber surveillance of health structures"
)]
struct Cli {
    /// Configuration file (TOML). Settings may also come from VIGIE_<SECTION>_<KEY> variables.
    #[arg(long, short, global = true, env = "VIGIE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Everything in one process (server, worker, scheduler), on the embedded SQLite by default.
    Up {
        /// Fill an empty database with the demo region and print its demo accounts.
        #[arg(long)]
        demo: bool,
        /// Listen address (overrides http.listen).
        #[arg(long)]
        listen: Option<String>,
    },
    /// The HTTP server and the scheduler, without workers.
    Serve {
        #[arg(long)]
        listen: Option<String>,
    },
    /// Job workers only (run several, on several machines, against PostgreSQL).
    Worker,
    /// Apply database migrations and exit.
    Migrate,
    /// Accounts and tokens.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Imports: the FINESS extract, GHT compositions, or a whole deployment archive.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write the whole deployment to an archive (to move it to another backend).
    Export {
        #[arg(long, short)]
        out: PathBuf,
        /// Encrypt the archive to this age recipient (`age1…`); repeat for several.
        #[arg(long = "recipient", short = 'r')]
        recipients: Vec<String>,
        /// Encrypt to the age recipients listed in this file (one per line, `#` comments).
        #[arg(long = "recipients-file", short = 'R')]
        recipients_file: Option<PathBuf>,
    },
    /// Fill the database with the synthetic demo region (Bretagne, ~600 structures).
    Demo,
    /// Write a consistent backup of the database. With recipients, the backup is encrypted with
    /// age (https://age-encryption.org): only the holders of the matching identities can read it,
    /// not even this server.
    Backup {
        #[arg(long, short)]
        out: PathBuf,
        /// Encrypt the backup to this age recipient (`age1…`); repeat for several.
        #[arg(long = "recipient", short = 'r')]
        recipients: Vec<String>,
        /// Encrypt to the age recipients listed in this file (one per line, `#` comments).
        #[arg(long = "recipients-file", short = 'R')]
        recipients_file: Option<PathBuf>,
    },
    /// Restore a backup into an empty database.
    Restore {
        #[arg(long)]
        from: PathBuf,
        /// The age identity file that decrypts an encrypted backup.
        #[arg(long, short)]
        identity: Option<PathBuf>,
    },
    /// The audit log: `vigie audit verify` walks its hash chain (exit status 1 when broken).
    Audit {
        #[arg(value_parser = ["verify"])]
        action: String,
    },
    /// Check that a running server answers /healthz (exit status 0 when healthy).
    Healthcheck {
        /// Base URL of the server (defaults to http.listen).
        #[arg(long)]
        url: Option<String>,
    },
    /// Exposure scanner, standalone (no server, no database); with --advisories DIR, what the
    /// advisories say of each service it identified.
    Scan(watch::scan::ScanCommand),
    /// Vulnerability watch on files, standalone.
    #[command(subcommand)]
    Intel(vigie_intel::cli::IntelCommand),
    /// Vulnerability watch against the database: ingest advisories, source freshness, bulletins.
    #[command(subcommand)]
    Watch(watch::WatchCommand),
    /// The observatory of incidents: `--from … --to … [--region …] --format json|html|pdf`, or
    /// `import FILE [--skip-bad-rows]` for past declarations.
    Observatory(observatory::ObservatoryCommand),
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a user. The password is read from standard input (or generated and printed).
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, cert_analyst, regional_analyst, ght_officer, structure_admin, structure_member, auditor
        #[arg(long)]
        role: Role,
        /// INSEE region code, for regional analysts.
        #[arg(long)]
        region: Option<String>,
        /// GHT code, for GHT security officers.
        #[arg(long)]
        ght: Option<String>,
        /// FINESS ET numbers, for structure accounts (repeat the flag).
        #[arg(long = "structure")]
        structures: Vec<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new one-time password (the user must change it at next sign-in).
    ResetPassword {
        #[arg(long)]
        email: String,
    },
    /// Remove the second factor: the user enrols again at next sign-in.
    ResetMfa {
        #[arg(long)]
        email: String,
    },
    /// Create an API token for a user; the secret is printed once.
    Token {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value_t = 365)]
        days: i64,
    },
    /// List users.
    ListUsers,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// The public FINESS extract (semicolon-separated open-data file).
    Finess { file: PathBuf },
    /// A GHT composition CSV: ght_code;ght_name;region_code;finess_et;support
    Ght { file: PathBuf },
    /// A deployment archive written by `vigie export` (into an empty database).
    Archive {
        file: PathBuf,
        /// The age identity file that decrypts an encrypted archive.
        #[arg(long, short)]
        identity: Option<PathBuf>,
    },
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("VIGIE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn open(cfg: &Config) -> anyhow::Result<Store> {
    let store = Store::connect(&ConnectConfig {
        url: cfg.database.url.clone(),
        max_connections: cfg.database.max_connections,
    })
    .await
    .with_context(|| format!("cannot open the database {}", redact(&cfg.database.url)))?;
    store.migrate().await?;
    let store = match secret_key(cfg, store.backend())? {
        Some(key) => {
            let store = store.with_secret_key(key);
            let n = store.seal_clear_secrets().await?;
            if n > 0 {
                tracing::info!(sealed = n, "stored secrets encrypted with the secret key");
            }
            store
        }
        None => store,
    };
    Ok(store.with_private_webhooks(cfg.notify.allow_private_webhooks))
}

/// The deployment's secret key: from the configuration, else (SQLite) from `secret.key` beside
/// the database, created on first use. On PostgreSQL without a configured key: `None`, and the
/// commands that handle stored secrets refuse to run (see [`require_secret_key`]).
fn secret_key(
    cfg: &Config,
    backend: vigie_store::Backend,
) -> anyhow::Result<Option<vigie_store::secrets::SecretKey>> {
    use vigie_store::secrets::SecretKey;
    if let Some(text) = cfg.security.secret_key.as_deref() {
        return Ok(Some(
            SecretKey::parse(text).map_err(|e| anyhow::anyhow!("[security] {e}"))?,
        ));
    }
    if backend != vigie_store::Backend::Sqlite {
        return Ok(None);
    }
    let db_path = cfg
        .database
        .url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let db_path = std::path::Path::new(db_path.split('?').next().unwrap_or_default());
    let path = db_path
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join("secret.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(
            SecretKey::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = SecretKey::generate();
            write_private(&path, &format!("{}\n", key.to_hex()))
                .with_context(|| format!("cannot create the secret key file {}", path.display()))?;
            tracing::info!(path = %path.display(), "secret key created; keep it with the database's backups, apart from them");
            Ok(Some(key))
        }
        Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    }
}

/// Creates a file readable by its owner only.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// The server, the worker and the demo read or write stored secrets: without a key on
/// PostgreSQL they stop with the way out.
fn require_secret_key(cfg: &Config, store: &Store) -> anyhow::Result<()> {
    if store.backend() != vigie_store::Backend::Sqlite && cfg.security.secret_key.is_none() {
        anyhow::bail!(
            "[security] secret_key is required on PostgreSQL: it encrypts the stored TOTP seeds \
             and webhook keys, and every node must use the same one. Generate it once with \
             `openssl rand -hex 32` and give it through VIGIE_SECURITY_SECRET_KEY_FILE"
        );
    }
    Ok(())
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn shutdown_channel() -> (
    tokio::sync::watch::Sender<bool>,
    tokio::sync::watch::Receiver<bool>,
) {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let tx2 = tx.clone();
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! { _ = ctrl_c => {}, _ = term => {} }
        tracing::info!("shutting down");
        let _ = tx2.send(true);
    });
    (tx, rx)
}

/// Every kind of job this build runs, and what the scheduler queues, engine by engine: each
/// registers its own.
fn jobs(cfg: &Config) -> anyhow::Result<std::sync::Arc<worker::Registry>> {
    let mut r = worker::Registry::default();
    accounts::register_jobs(&mut r);
    notify::register_jobs(&mut r, notify::Notifier::from_config(cfg)?);
    surveillance::register_jobs(&mut r);
    watch::register_jobs(&mut r);
    incidents::register_jobs(&mut r);
    diagnostics::register_jobs(&mut r);
    observatory::register_jobs(&mut r);
    worker::system::register_jobs(&mut r);
    Ok(std::sync::Arc::new(r))
}

fn generated_password() -> String {
    vigie_store::accounts::random_token(15)
}

/// Creates the first administrator when the database has no user at all.
async fn bootstrap_admin(store: &Store, cfg: &Config) -> anyhow::Result<()> {
    if store.count_users().await? > 0 {
        return Ok(());
    }
    let email = cfg
        .bootstrap
        .admin_email
        .clone()
        .unwrap_or_else(|| "admin@localhost.localdomain".into());
    let (password, generated) = match &cfg.bootstrap.admin_password {
        Some(p) => (p.clone(), false),
        None => (generated_password(), true),
    };
    let nu = NewUser {
        email: email.clone(),
        display_name: "Administrateur".into(),
        role: Role::Admin,
        region_code: None,
        ght_id: None,
        structure_ids: vec![],
        password: Some(password.clone()),
        locale: "fr".into(),
        must_change_password: generated,
    };
    store.create_user(&Actor::system("bootstrap"), &nu).await?;
    if generated {
        println!("\nFirst start: administrator {email} created with the one-time password:\n\n    {password}\n\nIt must be changed at first sign-in, and a second factor (TOTP) set up.\n");
    } else {
        println!("First start: administrator {email} created with the configured password.");
    }
    Ok(())
}

async fn run_server(
    store: Store,
    cfg: Config,
    listen: &str,
    with_worker: bool,
    demo_banner: Option<String>,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let (_tx, rx) = shutdown_channel();
    let state = vigie_web::AppState::new(store.clone(), cfg.web());
    let mut tasks = tokio::task::JoinSet::new();
    let registry = jobs(&cfg)?;
    tasks.spawn(worker::scheduler(
        store.clone(),
        cfg.clone(),
        registry.clone(),
        rx.clone(),
    ));
    if with_worker {
        let (s, c, r) = (store.clone(), cfg.clone(), rx.clone());
        tasks.spawn(async move {
            if let Err(e) = worker::run(s, c, registry, r).await {
                tracing::error!(error = %e, "worker stopped");
            }
        });
    }
    let listening = format!(
        "Vigie {} listening on http://{addr}/ ({} database)",
        env!("CARGO_PKG_VERSION"),
        store.backend().as_str()
    );
    if let Some(b) = demo_banner {
        println!("{b}");
        // The demo's first jobs (its scans, alerts and notifications) log a screen of lines:
        // once they are done, the accounts are said again, last, where a newcomer looks.
        let s = store.clone();
        let again = format!("{b}\n{listening}");
        tasks.spawn(async move {
            for _ in 0..30 {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                let busy = s
                    .job_counts()
                    .await
                    .map(|c| {
                        c.iter()
                            .any(|(st, n)| *n > 0 && (st == "queued" || st == "running"))
                    })
                    .unwrap_or(false);
                if !busy {
                    break;
                }
            }
            println!("{again}");
        });
    }
    println!("{listening}");
    let mut rx2 = rx.clone();
    vigie_web::serve(state, listener, async move {
        let _ = rx2.changed().await;
    })
    .await?;
    while tasks.join_next().await.is_some() {}
    store.close().await;
    Ok(())
}

fn read_password_stdin() -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s)?;
    Ok(s.trim_end_matches(['\n', '\r']).to_string())
}

fn open_file(path: &Path) -> anyhow::Result<BufReader<std::fs::File>> {
    Ok(BufReader::with_capacity(
        1 << 20,
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?,
    ))
}

/// Prints an import report. A reader that went away (`vigie import … | head`) is not an error.
fn print_report(r: &vigie_store::registry::ImportReport) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{} lines read: {} sites ({} created, {} updated, {} unchanged), {} rejected",
        r.lines, r.sites, r.counts.inserted, r.counts.updated, r.counts.unchanged, r.rejected_total
    );
    for (kind, n) in &r.skipped {
        let _ = writeln!(out, "  skipped {n} {kind} records");
    }
    for x in r.rejected.iter().take(50) {
        let _ = writeln!(
            out,
            "  line {}: {}",
            x.line,
            vigie_report::i18n::Tr::new(vigie_report::i18n::Lang::En).problem(&x.problem)
        );
    }
    if r.rejected_total > 50 {
        let _ = writeln!(out, "  … and {} more rejected lines", r.rejected_total - 50);
    }
}

async fn healthcheck(url: &str) -> anyhow::Result<()> {
    let rest = url.trim_start_matches("http://");
    let host = rest.split('/').next().unwrap_or(rest);
    let mut stream = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        tokio::net::TcpStream::connect(host),
    )
    .await
    .context("timed out")??;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(
            format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await?;
    let mut buf = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut buf),
    )
    .await
    .context("timed out")??;
    let text = String::from_utf8_lossy(&buf);
    if text.starts_with("HTTP/1.1 200") {
        println!("healthy");
        Ok(())
    } else {
        bail!("unhealthy: {}", text.lines().next().unwrap_or("no answer"))
    }
}

/// mimalloc instead of the C library's allocator: a page view allocates and frees thousands of
/// small blocks on several threads (rows, values, HTML), where glibc's arenas and their locks
/// showed as a sixth of the server's time in a profile.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_tracing();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", said(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

/// An error as the operator reads it: a mistake in what was given is worded (in English, the
/// command line's language) from its message key; anything else with its causes.
fn said(e: &anyhow::Error) -> String {
    let tr = vigie_report::i18n::Tr::new(vigie_report::i18n::Lang::En);
    match e
        .chain()
        .find_map(|c| c.downcast_ref::<vigie_store::StoreError>())
    {
        Some(vigie_store::StoreError::Invalid(p)) => {
            let context: Vec<String> = e
                .chain()
                .take_while(|c| c.downcast_ref::<vigie_store::StoreError>().is_none())
                .map(|c| c.to_string())
                .collect();
            let mut out = context.join(": ");
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&tr.problem(p));
            out
        }
        _ => format!("{e:#}"),
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    // Standalone engines need no configuration nor database.
    match cli.command {
        Command::Scan(cmd) => return watch::scan::run(cmd).await,
        Command::Intel(cmd) => {
            return tokio::task::spawn_blocking(move || vigie_intel::cli::run(cmd)).await?
        }
        _ => {}
    }
    let cfg = Config::load(cli.config.as_deref())?;
    let system = Actor::system("cli");
    match cli.command {
        Command::Scan(_) | Command::Intel(_) => unreachable!("handled above"),
        Command::Up { demo, listen } => {
            let mut cfg = cfg;
            // The demo has no mail server: its e-mails wait in the outbox, on the notifications
            // page, instead of failing one by one on the console.
            cfg.notify.keep_in_outbox |= demo;
            let store = open(&cfg).await?;
            require_secret_key(&cfg, &store)?;
            let listen = listen.unwrap_or_else(|| cfg.http.listen.clone());
            let mut banner = None;
            if demo {
                let s = demo::load(&store, demo::intel_dir().as_deref()).await?;
                if s.created {
                    println!(
                        "Demo region created: {} structures in {} GHTs.",
                        s.structures, s.ghts
                    );
                }
                println!("{}", s.activity.summary());
                banner = Some(demo::credentials_text(&listen, &s.credentials));
            }
            bootstrap_admin(&store, &cfg).await?;
            run_server(store, cfg, &listen, true, banner).await
        }
        Command::Serve { listen } => {
            let store = open(&cfg).await?;
            require_secret_key(&cfg, &store)?;
            bootstrap_admin(&store, &cfg).await?;
            let listen = listen.unwrap_or_else(|| cfg.http.listen.clone());
            run_server(store, cfg, &listen, false, None).await
        }
        Command::Worker => {
            let store = open(&cfg).await?;
            require_secret_key(&cfg, &store)?;
            let (_tx, rx) = shutdown_channel();
            let registry = jobs(&cfg)?;
            worker::run(store, cfg, registry, rx).await
        }
        Command::Migrate => {
            let store = Store::connect(&ConnectConfig {
                url: cfg.database.url.clone(),
                max_connections: 2,
            })
            .await?;
            let n = store.migrate().await?;
            println!(
                "{n} migration(s) applied; schema version {}",
                store.schema_version().await?
            );
            Ok(())
        }
        Command::Admin(cmd) => {
            let store = open(&cfg).await?;
            admin(&store, &system, cmd).await
        }
        Command::Import(ImportCommand::Finess { file }) => {
            let store = open(&cfg).await?;
            let started = std::time::Instant::now();
            let r = store.import_finess(&system, open_file(&file)?).await?;
            print_report(&r);
            let _ = writeln!(
                std::io::stdout(),
                "done in {:.2} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Import(ImportCommand::Ght { file }) => {
            let store = open(&cfg).await?;
            let r = store.import_ght(&system, open_file(&file)?).await?;
            println!(
                "{} lines read: {} structures attached to their GHT, {} rejected",
                r.lines, r.counts.updated, r.rejected_total
            );
            for x in &r.rejected {
                println!(
                    "  line {}: {}",
                    x.line,
                    vigie_report::i18n::Tr::new(vigie_report::i18n::Lang::En).problem(&x.problem)
                );
            }
            Ok(())
        }
        Command::Import(ImportCommand::Archive { file, identity })
        | Command::Restore {
            from: file,
            identity,
        } => {
            let input = backup_crypt::open_archive(&file, identity.as_deref())?;
            let store = Store::connect(&ConnectConfig {
                url: cfg.database.url.clone(),
                max_connections: 2,
            })
            .await?;
            let c = store.import_archive(input).await?;
            println!(
                "restored {} rows into the {} database:",
                c.total(),
                store.backend().as_str()
            );
            for (t, n) in c.tables {
                println!("  {t}: {n}");
            }
            Ok(())
        }
        Command::Export {
            out,
            recipients,
            recipients_file,
        }
        | Command::Backup {
            out,
            recipients,
            recipients_file,
        } => {
            let recipients = backup_crypt::recipients(&recipients, recipients_file.as_deref())?;
            let store = open(&cfg).await?;
            let tmp = out.with_extension("partial");
            let f = std::fs::File::create(&tmp)
                .with_context(|| format!("cannot create {}", tmp.display()))?;
            let w = std::io::BufWriter::new(f);
            let c = if recipients.is_empty() {
                store.export_archive(w).await?
            } else {
                let mut enc = backup_crypt::encrypting(w, &recipients)?;
                let c = store.export_archive(&mut enc).await?;
                enc.finish()
                    .and_then(|mut w| std::io::Write::flush(&mut w))
                    .with_context(|| format!("cannot write {}", tmp.display()))?;
                c
            };
            std::fs::rename(&tmp, &out)
                .with_context(|| format!("cannot write {}", out.display()))?;
            let how = if recipients.is_empty() {
                String::new()
            } else {
                format!(" (encrypted to {} age recipient(s))", recipients.len())
            };
            println!("{} rows written to {}{how}", c.total(), out.display());
            Ok(())
        }
        Command::Watch(cmd) => {
            let store = open(&cfg).await?;
            watch::command(&store, cmd, &cfg.watch.feeds()).await
        }
        Command::Observatory(cmd) => {
            let store = open(&cfg).await?;
            observatory::command(&store, cmd).await
        }
        Command::Demo => {
            let store = open(&cfg).await?;
            require_secret_key(&cfg, &store)?;
            let s = demo::load(&store, demo::intel_dir().as_deref()).await?;
            if s.created {
                println!(
                    "Demo region created: {} structures in {} GHTs.",
                    s.structures, s.ghts
                );
            } else {
                println!("The demo region is already there.");
            }
            println!("{}", s.activity.summary());
            println!(
                "{}",
                demo::credentials_text(&cfg.http.listen, &s.credentials)
            );
            Ok(())
        }
        Command::Audit { .. } => {
            let r = open(&cfg).await?.verify_audit_chain(&system).await?;
            println!("{}", r.summary());
            anyhow::ensure!(r.broken.is_none(), "the audit log's hash chain is broken");
            Ok(())
        }
        Command::Healthcheck { url } => {
            healthcheck(&url.unwrap_or_else(|| format!("http://{}", cfg.http.listen))).await
        }
    }
}

async fn admin(store: &Store, system: &Actor, cmd: AdminCommand) -> anyhow::Result<()> {
    match cmd {
        AdminCommand::CreateUser {
            email,
            name,
            role,
            region,
            ght,
            structures,
            password_stdin,
        } => {
            let ght_id = match ght {
                Some(code) => Some(
                    store
                        .list_ghts(system, None)
                        .await?
                        .into_iter()
                        .find(|g| g.code == code)
                        .with_context(|| format!("--ght: no GHT with code {code:?}"))?
                        .id,
                ),
                None => None,
            };
            let mut structure_ids = Vec::new();
            for f in &structures {
                structure_ids.push(
                    store
                        .find_structure_by_finess(system, f)
                        .await
                        .with_context(|| format!("--structure: {f} is not in the registry"))?
                        .id,
                );
            }
            let (password, generated) = if password_stdin {
                (read_password_stdin()?, false)
            } else {
                (generated_password(), true)
            };
            let id = store
                .create_user(
                    system,
                    &NewUser {
                        email: email.clone(),
                        display_name: name,
                        role,
                        region_code: region,
                        ght_id,
                        structure_ids,
                        password: Some(password.clone()),
                        locale: "fr".into(),
                        must_change_password: generated,
                    },
                )
                .await?;
            println!("user {id} created: {email} ({role})");
            if generated {
                println!("one-time password (to change at first sign-in): {password}");
            }
            Ok(())
        }
        AdminCommand::ResetPassword { email } => {
            let u = store
                .find_user_by_email(system, &email)
                .await
                .with_context(|| format!("no user {email}"))?;
            let password = generated_password();
            store.set_password(system, u.id, &password, true).await?;
            println!("one-time password for {email} (to change at next sign-in): {password}");
            Ok(())
        }
        AdminCommand::ResetMfa { email } => {
            let u = store
                .find_user_by_email(system, &email)
                .await
                .with_context(|| format!("no user {email}"))?;
            store.set_totp(system, u.id, None, false).await?;
            println!("second factor removed for {email}; they enrol again at next sign-in");
            Ok(())
        }
        AdminCommand::Token { email, name, days } => {
            let u = store
                .find_user_by_email(system, &email)
                .await
                .with_context(|| format!("no user {email}"))?;
            let (_, secret) = store
                .create_api_token(system, u.id, &name, Some(days))
                .await?;
            let mut out = std::io::stdout();
            if out.is_terminal() {
                writeln!(out, "API token for {email} (shown once):")?;
            }
            writeln!(out, "{secret}")?;
            Ok(())
        }
        AdminCommand::ListUsers => {
            let mut out = std::io::stdout().lock();
            for u in store.list_users(system).await? {
                let state = if u.disabled == 1 { "disabled" } else { "" };
                // A reader that went away (`… | head`) ends the listing, without a panic.
                if writeln!(out, "{:>5}  {:<40} {:<18} {state}", u.id, u.email, u.role).is_err() {
                    break;
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use vigie_store::jobs::JobSpec;

    /// Every engine's kinds are in the worker's registry, and the names are the store's.
    #[test]
    fn the_worker_runs_every_kind_of_this_build() {
        let cfg = crate::config::Config::load_with(None, &[]).unwrap();
        let kinds = super::jobs(&cfg).unwrap().kinds();
        for k in [
            vigie_store::accounts::jobs::PurgeSessions::NAME,
            vigie_store::notify::jobs::Deliver::NAME,
            vigie_store::surveillance::jobs::ScanStructure::NAME,
            vigie_store::watch::jobs::Ingest::NAME,
            vigie_store::watch::jobs::Bulletin::NAME,
            vigie_store::incidents::jobs::Reminders::NAME,
            crate::worker::system::Sleep::NAME,
        ] {
            assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
        }
        assert_eq!(kinds.len(), 7, "{kinds:?}");
    }
}
