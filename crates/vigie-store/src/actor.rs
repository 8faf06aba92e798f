//! Who is asking. Every store method takes an [`Actor`]: its role decides what it may do, its
//! scope decides which rows exist for it. Nothing outside the scope is ever read or written.

use vigie_domain::role::{Permission, Role, Scope};

use crate::db::Sql;
use crate::error::StoreError;

#[derive(Clone, Debug)]
pub struct Actor {
    /// The user's id, or `None` for the system itself (command line, scheduler).
    pub user_id: Option<i64>,
    /// What the audit log shows: an e-mail address, `system`, `cli:<user>`.
    pub label: String,
    pub role: Role,
    pub scope: Scope,
    pub ip: Option<String>,
}

impl Actor {
    /// The platform itself: used by the command line and the scheduler, never by a request.
    pub fn system(label: &str) -> Actor {
        Actor {
            user_id: None,
            label: label.to_string(),
            role: Role::Admin,
            scope: Scope::National,
            ip: None,
        }
    }

    /// Someone acting only on their own account (sign-in, second-factor enrolment): the weakest
    /// role and an empty scope, so nothing beyond that account is reachable.
    pub fn own_account(user_id: Option<i64>, label: &str, ip: Option<String>) -> Actor {
        Actor {
            user_id,
            label: label.to_string(),
            role: Role::StructureMember,
            scope: Scope::Nothing,
            ip,
        }
    }

    pub fn can(&self, p: Permission) -> bool {
        self.role.can(p)
    }

    pub fn require(&self, p: Permission) -> Result<(), StoreError> {
        if self.role.can(p) {
            Ok(())
        } else {
            Err(StoreError::Forbidden(permission_name(p)))
        }
    }

    /// A cache key naming this actor's scope: the scoping SQL it would run (two actors share it
    /// only when they would read the very same structures).
    pub fn scope_key(&self) -> String {
        let mut q = Sql::new("");
        self.scope_structures(&mut q, "s");
        q.cache_key()
    }

    /// Appends the condition that keeps structure alias `s` inside the scope.
    pub fn scope_structures(&self, q: &mut Sql, alias: &str) {
        match &self.scope {
            Scope::National => {
                q.push("1=1");
            }
            Scope::Region(r) => {
                q.push(alias).push(".region_code").push_region_eq(r);
            }
            Scope::Ght(g) => {
                q.push(alias).push(".ght_id = ").bind(*g);
            }
            Scope::Structures { user_id } => {
                q.push(alias)
                    .push(".id IN (SELECT structure_id FROM user_structures WHERE user_id = ")
                    .bind(*user_id)
                    .push(")");
            }
            Scope::Nothing => {
                q.push("1=0");
            }
        }
    }

    /// Appends the condition that keeps GHT alias `g` inside the scope.
    pub fn scope_ghts(&self, q: &mut Sql, alias: &str) {
        match &self.scope {
            Scope::National => {
                q.push("1=1");
            }
            Scope::Region(r) => {
                q.push(alias).push(".region_code").push_region_eq(r);
            }
            Scope::Ght(g) => {
                q.push(alias).push(".id = ").bind(*g);
            }
            Scope::Structures { user_id } => {
                q.push(alias)
                    .push(
                        ".id IN (SELECT s.ght_id FROM structures s JOIN user_structures us \
                           ON us.structure_id = s.id WHERE us.user_id = ",
                    )
                    .bind(*user_id)
                    .push(")");
            }
            Scope::Nothing => {
                q.push("1=0");
            }
        }
    }

    /// Appends the condition that keeps user alias `u` inside the scope: a regional analyst sees
    /// the accounts of its region (regional, GHT and structure accounts there), a GHT officer those
    /// of its GHT, a structure account only itself.
    pub fn scope_users(&self, q: &mut Sql, alias: &str) {
        match &self.scope {
            Scope::National => {
                q.push("1=1");
            }
            Scope::Region(r) => {
                q.push("(")
                    .push(alias)
                    .push(".region_code")
                    .push_region_eq(r)
                    .push(" OR ")
                    .push(alias)
                    .push(".ght_id IN (SELECT id FROM ghts WHERE region_code")
                    .push_region_eq(r)
                    .push(") OR ")
                    .push(alias)
                    .push(".id IN (SELECT us.user_id FROM user_structures us JOIN structures s ON s.id = us.structure_id WHERE s.region_code")
                    .push_region_eq(r)
                    .push("))");
            }
            Scope::Ght(g) => {
                q.push("(")
                    .push(alias)
                    .push(".ght_id = ")
                    .bind(*g)
                    .push(" OR ")
                    .push(alias)
                    .push(".id IN (SELECT us.user_id FROM user_structures us JOIN structures s ON s.id = us.structure_id WHERE s.ght_id = ")
                    .bind(*g)
                    .push("))");
            }
            Scope::Structures { user_id } => {
                q.push(alias).push(".id = ").bind(*user_id);
            }
            Scope::Nothing => {
                q.push("1=0");
            }
        }
    }
}

pub fn permission_name(p: Permission) -> &'static str {
    match p {
        Permission::ReadStructures => "read structures",
        Permission::WriteStructures => "write structures",
        Permission::WriteAssets => "write assets",
        Permission::ImportRegistry => "import the registry",
        Permission::ReadUsers => "read users",
        Permission::ManageUsers => "manage users",
        Permission::ReadAudit => "read the audit log",
        Permission::OwnTokens => "create API tokens",
        Permission::ReadMetrics => "read metrics",
        Permission::ReadExposure => "read exposure",
        Permission::RequestScan => "request a scan",
        Permission::ManageSurveillance => "manage surveillance",
        Permission::TriageFindings => "triage findings",
        Permission::ReadVulnerabilities => "read vulnerabilities",
        Permission::WriteInventory => "write inventories",
        Permission::TriageAlerts => "triage alerts",
        Permission::ManageIntel => "manage advisory sources",
        Permission::ManageNotifications => "manage notifications",
        Permission::ReadIncidents => "read incidents",
        Permission::DeclareIncidents => "declare incidents",
        Permission::HandleIncidents => "handle incidents",
        Permission::ReadDiagnostics => "read diagnostics",
        Permission::WriteDiagnostics => "take diagnostics and keep action plans",
    }
}
