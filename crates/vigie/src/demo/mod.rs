//! `vigie demo`: a realistic synthetic region so that a newcomer sees a living system. Bretagne
//! (region 53), 600 structures in 12 GHTs, valid FINESS numbers, contacts, and assets on reserved
//! documentation names and ranges (`.example`, RFC 5737), all marked as demo data and therefore
//! never scanned. Contacts use the phone range ARCEP keeps for fiction (02 61 91 xx xx). The
//! generator is seeded: the same demo every time.

mod data;
mod diagnostics;
mod incidents;
mod observatory;
mod registry;
mod surveillance;
mod watch;

use std::path::Path;

use vigie_domain::role::Role;
use vigie_store::{Actor, Store};

use data::REGION;
use registry::{create, plan, refuse_beside_real_data, Planned};
pub use watch::intel_dir;

/// A demo account's credentials, as generated when the demo was created.
#[derive(Debug, Clone)]
pub struct DemoCredential {
    pub email: &'static str,
    pub role: Role,
    pub password: String,
    pub totp: Option<String>,
}

pub struct DemoSummary {
    pub structures: usize,
    pub ghts: usize,
    pub created: bool,
    pub activity: Activity,
    /// The demo accounts' credentials: only when this run created them (printed once).
    pub credentials: Vec<DemoCredential>,
}

/// What the living part of the demo seeded this time (zero when it was there already).
#[derive(Debug, Default)]
pub struct Activity {
    pub scans: usize,
    pub findings: usize,
    pub inventory_items: usize,
    pub advisories: usize,
    pub alerts: usize,
    pub incidents: usize,
    /// Past declarations of the demo region imported for the observatory.
    pub history: usize,
    /// Diagnostics taken (finished or in progress) and plan actions written.
    pub diagnostics: usize,
    pub actions: usize,
    /// Why no advisory was ingested, when none was.
    pub note: Option<String>,
}

impl Activity {
    /// One line for the command's output.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "Demo activity: {} demo scans with {} findings (nothing scanned), {} inventory items, {} advisories ingested, {} alerts.",
            self.scans, self.findings, self.inventory_items, self.advisories, self.alerts
        );
        if self.incidents > 0 {
            s.push_str(&format!(" {} demo incidents declared.", self.incidents));
        }
        if self.history > 0 {
            s.push_str(&format!(
                " {} past declarations of the demo region imported for the observatory.",
                self.history
            ));
        }
        if self.diagnostics > 0 {
            s.push_str(&format!(
                " {} diagnostics with {} plan actions.",
                self.diagnostics, self.actions
            ));
        }
        if let Some(n) = &self.note {
            s.push(' ');
            s.push_str(n);
        }
        s
    }
}

/// Loads the demo region unless it is there already, then its living data (demo scans and
/// findings, inventories, alerts from the real advisories of `intel` when given), which is
/// seeded once per structure: running it again duplicates nothing.
///
/// Refused on a database that holds anything real: a structure that is not demo data or an
/// account that is not a demo account. The demo's accounts would otherwise sit beside real users
/// and real structures.
pub async fn load(store: &Store, intel: Option<&Path>) -> anyhow::Result<DemoSummary> {
    let actor = Actor::system("demo");
    refuse_beside_real_data(store, &actor).await?;
    let existing = store.list_ghts(&actor, Some(REGION)).await?;
    let planned = plan()?;
    let created = !existing.iter().any(|g| g.code.starts_with("DEMO-"));
    let mut credentials = Vec::new();
    if created {
        credentials = create(store, &actor, &planned).await?;
    }
    let activity = seed_activity(store, &actor, &planned, intel).await?;
    Ok(DemoSummary {
        structures: if created { planned.len() } else { 0 },
        ghts: if created { 12 } else { existing.len() },
        created,
        activity,
        credentials,
    })
}

/// The structures that get living data: in each GHT its support hospital, one hospital and one
/// clinic, and a second hospital in the first four GHTs (40 structures). The demo accounts'
/// structure (the first support hospital) is one of them.
fn active_structures(planned: &[Planned]) -> Vec<&Planned> {
    let mut out = Vec::new();
    for ght in 0..12 {
        let of = |kind: &'static str| {
            planned
                .iter()
                .filter(move |p| p.ght == ght && p.kind == kind)
        };
        out.extend(of("support").take(1));
        out.extend(of("hospital").take(if ght < 4 { 2 } else { 1 }));
        out.extend(of("clinic").take(1));
    }
    out
}

/// Seeds, once per structure, a finished demo scan with its findings and an inventory; then
/// ingests a few real advisories so that alerts show.
async fn seed_activity(
    store: &Store,
    actor: &Actor,
    planned: &[Planned],
    intel: Option<&Path>,
) -> anyhow::Result<Activity> {
    let mut act = Activity::default();
    let mut ids = Vec::new();
    for (i, p) in active_structures(planned).into_iter().enumerate() {
        let s = store
            .find_structure_by_finess(actor, &p.input.finess_et)
            .await?;
        ids.push(s.id);
        if surveillance::seed_scan(store, actor, i, s.id, &mut act).await? {
            watch::seed_inventory(store, actor, i, s.id, &mut act).await?;
        }
    }
    watch::seed_advisories(store, actor, intel, &mut act).await?;
    // Incidents of several structures: the demo accounts' hospital first.
    ids.truncate(5);
    incidents::seed_incidents(store, actor, &ids, &mut act).await?;
    observatory::seed_history(store, actor, &mut act).await?;
    diagnostics::seed(store, actor, planned, &mut act).await?;
    Ok(act)
}

/// What to print for a newcomer: the credentials when this run created them, and only then.
pub fn credentials_text(listen: &str, credentials: &[DemoCredential]) -> String {
    if credentials.is_empty() {
        return format!(
            "\nDemo region ready at http://{listen}/. Its accounts were created earlier and their \
             credentials printed then; `vigie admin reset-password EMAIL` gives one a new password.\n"
        );
    }
    let mut s = format!(
        "\nDemo region loaded. Open http://{listen}/ and sign in with one of these demo accounts \
         (generated for this database, printed this once):\n"
    );
    for c in credentials {
        s.push_str(&format!(
            "  {:<26} {:<18} password {:<22}",
            c.email,
            c.role.as_str(),
            c.password
        ));
        if let Some(secret) = &c.totp {
            s.push_str(&format!(
                " TOTP secret {secret} (add it to an authenticator app)"
            ));
        }
        s.push('\n');
    }
    s.push_str("The demo never loads into a database that holds real structures or accounts.\n");
    s
}
