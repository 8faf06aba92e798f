//! Roles, what each may do, and how far each one sees.
//!
//! A user holds exactly one role. The role says *what* the user may do ([`Permission`]); the
//! scope that comes with it says *on which structures* ([`Scope`]). The storage layer applies the
//! scope to every read and every write; the web layer only asks for permissions. Anything not
//! granted here is denied.

use std::fmt;
use std::str::FromStr;

/// The roles of a Vigie deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Runs the platform: users, tokens, every structure.
    Admin,
    /// Analyst of the national health-sector CERT: every structure of France.
    CertAnalyst,
    /// Analyst of a regional cyber resource centre: the structures of one region.
    RegionalAnalyst,
    /// Security officer of a hospital group (GHT): the structures of that GHT.
    GhtOfficer,
    /// Administrator of one or more structures: edits them and their declared assets.
    StructureAdmin,
    /// Member of one or more structures: reads them.
    StructureMember,
    /// Read-only auditor: reads everything, including the audit log, and writes nothing.
    Auditor,
}

/// What a role may do. Scope is applied separately, by the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See structures, their contacts and their assets (within scope).
    ReadStructures,
    /// Create or update structures and contacts (within scope).
    WriteStructures,
    /// Declare, attest or remove assets (within scope).
    WriteAssets,
    /// Bulk imports of the FINESS extract and of GHT compositions.
    ImportRegistry,
    /// See users (within scope).
    ReadUsers,
    /// Create, disable, reset users and their tokens.
    ManageUsers,
    /// Search and export the audit log.
    ReadAudit,
    /// Create API tokens for oneself.
    OwnTokens,
    /// Read Prometheus metrics through the API.
    ReadMetrics,
    /// See scans, findings and exposure reports (within scope).
    ReadExposure,
    /// Ask for an on-demand scan of declared assets, to verify a fix (within scope).
    RequestScan,
    /// Turn scheduled surveillance on or off for structures or a region (within scope).
    ManageSurveillance,
    /// Acknowledge findings, mark them as accepted risks or false positives (within scope).
    TriageFindings,
    /// See software inventories, vulnerability alerts and advisories (within scope).
    ReadVulnerabilities,
    /// Declare software (form, CSV, CycloneDX) for structures (within scope).
    WriteInventory,
    /// Acknowledge vulnerability alerts, mark them fixed or not affected (within scope).
    TriageAlerts,
    /// Ingest advisory sources and edit the product catalogue (national).
    ManageIntel,
    /// Attach webhooks to a territory and see what was sent (within scope).
    ManageNotifications,
    /// See the incidents of the structures in scope (drafts only within the structure; TLP:RED
    /// and TLP:AMBER+STRICT content only for the people named on the case).
    ReadIncidents,
    /// Declare incidents for structures in scope, complete the declaration, converse on the case.
    DeclareIncidents,
    /// Handle incidents as an analyst: triage, assign, change the status, record the alert chain.
    HandleIncidents,
    /// See maturity diagnostics, action plans and the region's view of them (within scope).
    ReadDiagnostics,
    /// Take diagnostics (alone or with the structure), finish and sign them off, and keep the
    /// structures' action plans (within scope).
    WriteDiagnostics,
}

/// Every permission, to compare what two roles may do.
pub const ALL_PERMISSIONS: [Permission; 23] = [
    Permission::ReadStructures,
    Permission::WriteStructures,
    Permission::WriteAssets,
    Permission::ImportRegistry,
    Permission::ReadUsers,
    Permission::ManageUsers,
    Permission::ReadAudit,
    Permission::OwnTokens,
    Permission::ReadMetrics,
    Permission::ReadExposure,
    Permission::RequestScan,
    Permission::ManageSurveillance,
    Permission::TriageFindings,
    Permission::ReadVulnerabilities,
    Permission::WriteInventory,
    Permission::TriageAlerts,
    Permission::ManageIntel,
    Permission::ManageNotifications,
    Permission::ReadIncidents,
    Permission::DeclareIncidents,
    Permission::HandleIncidents,
    Permission::ReadDiagnostics,
    Permission::WriteDiagnostics,
];

pub const ALL_ROLES: [Role; 7] = [
    Role::Admin,
    Role::CertAnalyst,
    Role::RegionalAnalyst,
    Role::GhtOfficer,
    Role::StructureAdmin,
    Role::StructureMember,
    Role::Auditor,
];

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::CertAnalyst => "cert_analyst",
            Role::RegionalAnalyst => "regional_analyst",
            Role::GhtOfficer => "ght_officer",
            Role::StructureAdmin => "structure_admin",
            Role::StructureMember => "structure_member",
            Role::Auditor => "auditor",
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Role::Admin => "Administrateur de la plateforme",
            Role::CertAnalyst => "Analyste CERT Santé (national)",
            Role::RegionalAnalyst => "Analyste du centre régional",
            Role::GhtOfficer => "RSSI de GHT",
            Role::StructureAdmin => "Administrateur de structure",
            Role::StructureMember => "Membre de structure",
            Role::Auditor => "Auditeur (lecture seule)",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::Admin => "Platform administrator",
            Role::CertAnalyst => "CERT analyst (national)",
            Role::RegionalAnalyst => "Regional centre analyst",
            Role::GhtOfficer => "GHT security officer",
            Role::StructureAdmin => "Structure administrator",
            Role::StructureMember => "Structure member",
            Role::Auditor => "Auditor (read-only)",
        }
    }

    /// Roles whose accounts must pass a second factor before they see anything.
    pub fn requires_mfa(self) -> bool {
        matches!(
            self,
            Role::Admin | Role::CertAnalyst | Role::RegionalAnalyst | Role::Auditor
        )
    }

    /// Whether an account of this role may give `other` to someone: only a role that may do
    /// nothing this one may not, bound to a territory no wider than this one's. (The territory
    /// itself is checked by the store against the giver's scope.)
    pub fn may_grant(self, other: Role) -> bool {
        ALL_PERMISSIONS
            .iter()
            .all(|p| !other.can(*p) || self.can(*p))
            && other.scope_kind().breadth() <= self.scope_kind().breadth()
    }

    /// The kind of scope this role must be given.
    pub fn scope_kind(self) -> ScopeKind {
        match self {
            Role::Admin | Role::CertAnalyst | Role::Auditor => ScopeKind::National,
            Role::RegionalAnalyst => ScopeKind::Region,
            Role::GhtOfficer => ScopeKind::Ght,
            Role::StructureAdmin | Role::StructureMember => ScopeKind::Structures,
        }
    }

    /// Deny by default: only what is listed here is allowed.
    pub fn can(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::CertAnalyst => matches!(
                p,
                ReadStructures
                    | WriteStructures
                    | WriteAssets
                    | ImportRegistry
                    | ReadUsers
                    | OwnTokens
                    | ReadExposure
                    | RequestScan
                    | ManageSurveillance
                    | TriageFindings
                    | ReadVulnerabilities
                    | WriteInventory
                    | TriageAlerts
                    | ManageIntel
                    | ManageNotifications
                    | ReadIncidents
                    | DeclareIncidents
                    | HandleIncidents
                    | ReadDiagnostics
                    | WriteDiagnostics
            ),
            Role::RegionalAnalyst => matches!(
                p,
                ReadStructures
                    | WriteStructures
                    | WriteAssets
                    | ReadUsers
                    | OwnTokens
                    | ReadExposure
                    | RequestScan
                    | ManageSurveillance
                    | TriageFindings
                    | ReadVulnerabilities
                    | WriteInventory
                    | TriageAlerts
                    | ManageNotifications
                    | ReadIncidents
                    | DeclareIncidents
                    | HandleIncidents
                    | ReadDiagnostics
                    | WriteDiagnostics
            ),
            Role::GhtOfficer => matches!(
                p,
                ReadStructures
                    | WriteAssets
                    | OwnTokens
                    | ReadExposure
                    | RequestScan
                    | TriageFindings
                    | ReadVulnerabilities
                    | WriteInventory
                    | TriageAlerts
                    | ManageNotifications
                    | ReadIncidents
                    | DeclareIncidents
                    | ReadDiagnostics
                    | WriteDiagnostics
            ),
            Role::StructureAdmin => matches!(
                p,
                ReadStructures
                    | WriteStructures
                    | WriteAssets
                    | OwnTokens
                    | ReadExposure
                    | RequestScan
                    | TriageFindings
                    | ReadVulnerabilities
                    | WriteInventory
                    | TriageAlerts
                    | ManageNotifications
                    | ReadIncidents
                    | DeclareIncidents
                    | ReadDiagnostics
                    | WriteDiagnostics
            ),
            Role::StructureMember => {
                matches!(
                    p,
                    ReadStructures
                        | ReadExposure
                        | ReadVulnerabilities
                        | ReadIncidents
                        | ReadDiagnostics
                )
            }
            Role::Auditor => matches!(
                p,
                ReadStructures
                    | ReadUsers
                    | ReadAudit
                    | ReadMetrics
                    | ReadExposure
                    | ReadVulnerabilities
                    | ReadIncidents
                    | ReadDiagnostics
            ),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRole(pub String);

impl fmt::Display for UnknownRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown role {:?}; expected one of: {}",
            self.0,
            ALL_ROLES.map(Role::as_str).join(", ")
        )
    }
}

impl std::error::Error for UnknownRole {}

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ALL_ROLES
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// The kind of territory a role is bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    National,
    Region,
    Ght,
    Structures,
}

impl ScopeKind {
    /// How wide a territory of this kind is: national 3, region 2, GHT 1, structures 0.
    pub fn breadth(self) -> u8 {
        match self {
            ScopeKind::National => 3,
            ScopeKind::Region => 2,
            ScopeKind::Ght => 1,
            ScopeKind::Structures => 0,
        }
    }
}

/// How far a user sees. Resolved at login from the user's role and attachments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every structure.
    National,
    /// The structures of one region (INSEE region code).
    Region(String),
    /// The structures of one GHT (its database id).
    Ght(i64),
    /// The structures the user is a member of (resolved in SQL through memberships).
    Structures { user_id: i64 },
    /// Nothing at all: a misconfigured account sees nothing rather than everything.
    Nothing,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip() {
        for r in ALL_ROLES {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        let err = "root".parse::<Role>().unwrap_err();
        assert!(err.to_string().contains("cert_analyst"));
    }

    #[test]
    fn auditor_never_writes_and_member_only_reads() {
        for p in [
            Permission::WriteStructures,
            Permission::WriteAssets,
            Permission::ImportRegistry,
            Permission::ManageUsers,
        ] {
            assert!(!Role::Auditor.can(p), "{p:?}");
            assert!(!Role::StructureMember.can(p), "{p:?}");
        }
        assert!(Role::Auditor.can(Permission::ReadAudit));
        assert!(!Role::CertAnalyst.can(Permission::ManageUsers));
        assert!(!Role::CertAnalyst.can(Permission::ReadAudit));
    }

    #[test]
    fn all_permissions_lists_each_permission_once() {
        // The match is exhaustive: a new permission fails to compile here until it is listed.
        fn ordinal(p: Permission) -> usize {
            use Permission::*;
            match p {
                ReadStructures => 0,
                WriteStructures => 1,
                WriteAssets => 2,
                ImportRegistry => 3,
                ReadUsers => 4,
                ManageUsers => 5,
                ReadAudit => 6,
                OwnTokens => 7,
                ReadMetrics => 8,
                ReadExposure => 9,
                RequestScan => 10,
                ManageSurveillance => 11,
                TriageFindings => 12,
                ReadVulnerabilities => 13,
                WriteInventory => 14,
                TriageAlerts => 15,
                ManageIntel => 16,
                ManageNotifications => 17,
                ReadIncidents => 18,
                DeclareIncidents => 19,
                HandleIncidents => 20,
                ReadDiagnostics => 21,
                WriteDiagnostics => 22,
            }
        }
        let mut seen: Vec<usize> = ALL_PERMISSIONS.iter().map(|p| ordinal(*p)).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..ALL_PERMISSIONS.len()).collect::<Vec<_>>());
    }

    #[test]
    fn a_role_grants_only_what_it_may_do_itself_within_its_breadth() {
        for r in ALL_ROLES {
            assert!(Role::Admin.may_grant(r), "{r}");
            assert!(r.may_grant(r), "{r}");
        }
        assert!(!Role::CertAnalyst.may_grant(Role::Admin));
        assert!(!Role::RegionalAnalyst.may_grant(Role::CertAnalyst));
        assert!(!Role::GhtOfficer.may_grant(Role::RegionalAnalyst));
        assert!(!Role::StructureAdmin.may_grant(Role::GhtOfficer));
        assert!(Role::StructureAdmin.may_grant(Role::StructureMember));
        assert!(!Role::StructureMember.may_grant(Role::StructureAdmin));
        // The auditor reads the audit log, which no analyst does.
        assert!(!Role::CertAnalyst.may_grant(Role::Auditor));
    }

    #[test]
    fn mfa_is_mandatory_for_national_and_regional_roles() {
        assert!(Role::CertAnalyst.requires_mfa());
        assert!(Role::RegionalAnalyst.requires_mfa());
        assert!(Role::Admin.requires_mfa());
        // The national auditor reads every structure's exposure and the whole audit log.
        assert!(Role::Auditor.requires_mfa());
        assert!(!Role::StructureMember.requires_mfa());
    }
}
