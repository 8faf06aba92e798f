//! The demo's data tables: its region, communes, names, accounts, the exposure findings and the
//! inventory it shows. Nothing here is real but the public facts it imitates.

use vigie_domain::role::Role;
use vigie_scan::findings::FindingKind;

pub(super) const REGION: &str = "53";

/// (department, communes)
pub(super) const COMMUNES: &[(&str, &[&str])] = &[
    (
        "22",
        &[
            "Saint-Brieuc",
            "Lannion",
            "Dinan",
            "Guingamp",
            "Paimpol",
            "Loudéac",
            "Lamballe",
            "Plérin",
            "Tréguier",
            "Rostrenen",
            "Quintin",
            "Perros-Guirec",
        ],
    ),
    (
        "29",
        &[
            "Brest",
            "Quimper",
            "Morlaix",
            "Landerneau",
            "Concarneau",
            "Quimperlé",
            "Douarnenez",
            "Carhaix-Plouguer",
            "Landivisiau",
            "Pont-l'Abbé",
            "Lesneven",
            "Crozon",
        ],
    ),
    (
        "35",
        &[
            "Rennes",
            "Saint-Malo",
            "Fougères",
            "Vitré",
            "Redon",
            "Dinard",
            "Bruz",
            "Cesson-Sévigné",
            "Montfort-sur-Meu",
            "Janzé",
            "Combourg",
            "Bain-de-Bretagne",
        ],
    ),
    (
        "56",
        &[
            "Vannes",
            "Lorient",
            "Pontivy",
            "Auray",
            "Ploërmel",
            "Hennebont",
            "Lanester",
            "Quiberon",
            "Guémené-sur-Scorff",
            "Josselin",
            "Malestroit",
            "Questembert",
        ],
    ),
];

pub(super) const EHPAD_NAMES: &[&str] = &[
    "Les Tilleuls",
    "Les Hortensias",
    "Ker Avel",
    "Les Ajoncs",
    "Le Bois Joli",
    "Ty Maen",
    "Les Camélias",
    "La Roseraie",
    "Ker Héol",
    "Les Genêts",
    "Le Clos Fleuri",
    "Les Embruns",
];
pub(super) const FIRST: &[&str] = &[
    "Anne",
    "Yann",
    "Maëlle",
    "Erwan",
    "Soizic",
    "Loïc",
    "Gwenaëlle",
    "Ronan",
    "Nolwenn",
    "Tanguy",
    "Katell",
    "Goulven",
    "Claire",
    "Hervé",
    "Morgane",
    "Pierre",
];
pub(super) const LAST: &[&str] = &[
    "Le Gall", "Le Goff", "Tanguy", "Le Bihan", "Kerjean", "Morvan", "Le Roux", "Guillou", "Quéré",
    "Le Floch", "Cadiou", "Riou", "Prigent", "Salaün", "Jaouen", "Le Meur",
];

/// The demo accounts: (email, display name, role, whether a second factor is mandatory). Their
/// passwords and TOTP seeds are generated for each deployment and printed once, when the demo is
/// created: nothing published signs into a demo.
pub(super) const DEMO_USERS: &[(&str, &str, Role, bool)] = &[
    ("admin@vigie.example", "Admin Démo", Role::Admin, true),
    (
        "cert@vigie.example",
        "Analyste CERT Démo",
        Role::CertAnalyst,
        true,
    ),
    (
        "crr@vigie.example",
        "Analyste CRR Bretagne",
        Role::RegionalAnalyst,
        true,
    ),
    (
        "rssi.ght1@vigie.example",
        "RSSI GHT 1",
        Role::GhtOfficer,
        false,
    ),
    (
        "rssi.ght2@vigie.example",
        "RSSI GHT 2",
        Role::GhtOfficer,
        false,
    ),
    (
        "admin.ch@vigie.example",
        "Admin CH Démo",
        Role::StructureAdmin,
        false,
    ),
    (
        "membre.ch@vigie.example",
        "Membre CH Démo",
        Role::StructureMember,
        false,
    ),
    (
        "auditeur@vigie.example",
        "Auditeur Démo",
        Role::Auditor,
        true,
    ),
];

/// A finding the demo shows: (type, port, service, product, version, evidence, title fr, title en).
pub(super) type DemoFinding = (
    FindingKind,
    i64,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
);

pub(super) const DEMO_FINDINGS: &[DemoFinding] = &[
    (
        FindingKind::RemoteDesktopExposed,
        3389,
        "rdp",
        Some("Microsoft Terminal Services"),
        None,
        "RDP security protocol: hybrid (NLA) [demo data, nothing was scanned]",
        "Bureau à distance (RDP) exposé sur Internet",
        "Remote desktop (RDP) exposed to the internet",
    ),
    (
        FindingKind::VpnApplianceExposed,
        443,
        "https",
        Some("FortiGate SSL VPN"),
        None,
        "/remote/login: FortiGate SSL VPN portal [demo data, nothing was scanned]",
        "Passerelle VPN FortiGate SSL VPN exposée",
        "FortiGate SSL VPN gateway exposed",
    ),
    (
        FindingKind::WebmailExposed,
        443,
        "https",
        Some("Microsoft Outlook Web App"),
        Some("15.1.2507"),
        "/owa/auth/logon.aspx: Outlook Web App 15.1.2507 [demo data, nothing was scanned]",
        "Webmail Outlook Web App (Exchange) exposé",
        "Outlook Web App (Exchange) webmail exposed",
    ),
    (
        FindingKind::RedisNoAuthentication,
        6379,
        "redis",
        Some("Redis"),
        Some("6.0.9"),
        "INFO answered without authentication: redis_version:6.0.9 [demo data, nothing was scanned]",
        "Redis accessible sans authentification",
        "Redis reachable without authentication",
    ),
    (
        FindingKind::TlsCertificateExpired,
        8443,
        "https",
        None,
        None,
        "certificate expired on 2025-03-31 (CN=portail) [demo data, nothing was scanned]",
        "Certificat TLS expiré",
        "Expired TLS certificate",
    ),
    (
        FindingKind::DicomExposed,
        104,
        "dicom",
        Some("DICOM"),
        None,
        "A-ASSOCIATE accepted for an unknown calling AE title [demo data, nothing was scanned]",
        "Service d'imagerie DICOM exposé sur Internet",
        "DICOM imaging service exposed to the internet",
    ),
    (
        FindingKind::DatabaseExposed,
        3306,
        "mysql",
        Some("MySQL"),
        Some("5.7.44"),
        "MySQL greeting: 5.7.44-log [demo data, nothing was scanned]",
        "Base de données MySQL accessible depuis Internet",
        "MySQL database reachable from the internet",
    ),
];

/// Inventory the demo declares: (catalogue product, version, where, exposed).
pub(super) const DEMO_INVENTORY: &[(&str, &str, &str, bool)] = &[
    ("fortios", "7.0.12", "pare-feu périmétrique", true),
    (
        "citrix-netscaler-adc",
        "13.0-58.30",
        "passerelle d'accès distant",
        true,
    ),
    (
        "veeam-backup-replication",
        "12.1.0.2131",
        "sauvegardes",
        false,
    ),
    (
        "microsoft-exchange-server-2016",
        "15.1.2507.6",
        "messagerie",
        true,
    ),
    ("openssh", "8.9p1", "bastion d'administration", true),
    ("ivanti-connect-secure", "22.4R2.1", "VPN nomade", true),
    ("f5-big-ip", "16.1.2", "répartiteur de charge", true),
];
