//! The health incident taxonomy: origins and types, impacts on care, data and operations, the
//! state of the incident at declaration, and the case's own status and severity.
//!
//! The origins and types are those of the declaration of information-system security incidents
//! by French health and médico-social structures (public health code, art. L.1111-8-2 and
//! D.1111-16-2), as the CERT Santé qualifies them in its yearly observatory.

use crate::names::named_enum;

/// Whether the incident is an attack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    Malicious,
    NonMalicious,
    Undetermined,
}

named_enum!(Origin, "origin", [
    Malicious => "malicious", "Malveillante", "Malicious";
    NonMalicious => "non_malicious", "Non malveillante", "Non-malicious";
    Undetermined => "undetermined", "Indéterminée", "Undetermined";
]);

/// What happened. Each type belongs to one origin ([`IncidentType::origin`]); `Undetermined`
/// fits any origin still being qualified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IncidentType {
    /// Compromise of the information system.
    SystemCompromise,
    Ransomware,
    /// Malicious e-mail, phishing.
    Phishing,
    /// Account compromise (directory, VPN, mail).
    AccountCompromise,
    DataLeak,
    /// Theft of equipment.
    EquipmentTheft,
    DenialOfService,
    Defacement,
    /// Exploitation of a vulnerable security appliance (VPN gateway, firewall…).
    VulnerableApplianceExploitation,
    Cryptominer,
    /// Trojan, infostealer.
    Infostealer,
    /// Infrastructure failure, in-house.
    InfrastructureFailure,
    /// Infrastructure failure at a provider.
    ProviderFailure,
    /// Loss of the telecom link.
    TelecomLoss,
    /// Failure of clinical software.
    ClinicalSoftwareFailure,
    /// Another non-malicious cause.
    OtherNonMalicious,
    /// Not qualified yet.
    Undetermined,
}

named_enum!(IncidentType, "incident type", [
    SystemCompromise => "system_compromise", "Compromission du système d'information", "Compromise of the information system";
    Ransomware => "ransomware", "Rançongiciel", "Ransomware";
    Phishing => "phishing", "Courriel malveillant, hameçonnage", "Malicious e-mail, phishing";
    AccountCompromise => "account_compromise", "Compromission de compte (annuaire, VPN, messagerie)", "Account compromise (directory, VPN, mail)";
    DataLeak => "data_leak", "Fuite de données", "Data leak";
    EquipmentTheft => "equipment_theft", "Vol de matériel", "Theft of equipment";
    DenialOfService => "denial_of_service", "Déni de service", "Denial of service";
    Defacement => "defacement", "Défiguration", "Defacement";
    VulnerableApplianceExploitation => "vulnerable_appliance", "Exploitation d'un équipement de sécurité vulnérable", "Exploitation of a vulnerable security appliance";
    Cryptominer => "cryptominer", "Mineur de cryptomonnaie", "Cryptominer";
    Infostealer => "infostealer", "Cheval de Troie, voleur d'informations", "Trojan, infostealer";
    InfrastructureFailure => "infrastructure_failure", "Défaillance d'infrastructure (interne)", "Infrastructure failure (in-house)";
    ProviderFailure => "provider_failure", "Défaillance d'infrastructure chez un prestataire", "Infrastructure failure at a provider";
    TelecomLoss => "telecom_loss", "Perte du lien télécom", "Loss of the telecom link";
    ClinicalSoftwareFailure => "clinical_software_failure", "Défaillance d'un logiciel métier de soins", "Failure of clinical software";
    OtherNonMalicious => "other_non_malicious", "Autre (non malveillant)", "Other (non-malicious)";
    Undetermined => "undetermined", "Indéterminé", "Undetermined";
]);

impl IncidentType {
    /// The origin this type belongs to.
    pub fn origin(self) -> Origin {
        use IncidentType::*;
        match self {
            SystemCompromise
            | Ransomware
            | Phishing
            | AccountCompromise
            | DataLeak
            | EquipmentTheft
            | DenialOfService
            | Defacement
            | VulnerableApplianceExploitation
            | Cryptominer
            | Infostealer => Origin::Malicious,
            InfrastructureFailure
            | ProviderFailure
            | TelecomLoss
            | ClinicalSoftwareFailure
            | OtherNonMalicious => Origin::NonMalicious,
            Undetermined => Origin::Undetermined,
        }
    }

    /// The types that may be declared with `origin` (an undetermined origin takes any type: the
    /// structure may know what happened without knowing whether it was an attack).
    pub fn of_origin(origin: Origin) -> Vec<IncidentType> {
        IncidentType::ALL
            .iter()
            .copied()
            .filter(|t| {
                origin == Origin::Undetermined
                    || t.origin() == origin
                    || *t == IncidentType::Undetermined
            })
            .collect()
    }

    /// Whether this type fits `origin`.
    pub fn fits(self, origin: Origin) -> bool {
        IncidentType::of_origin(origin).contains(&self)
    }
}

/// The impact on care, from none to proven patient endangerment (ordered).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CareImpact {
    #[default]
    None,
    /// Care goes on in degraded mode.
    DegradedMode,
    /// Care is interrupted.
    Interruption,
    /// Patients may have been endangered.
    PotentialEndangerment,
    /// Patients were endangered.
    ProvenEndangerment,
}

named_enum!(CareImpact, "care impact", [
    None => "none", "Aucun", "None";
    DegradedMode => "degraded_mode", "Fonctionnement en mode dégradé", "Degraded mode";
    Interruption => "interruption", "Interruption des soins", "Interruption of care";
    PotentialEndangerment => "potential_endangerment", "Mise en danger potentielle des patients", "Potential patient endangerment";
    ProvenEndangerment => "proven_endangerment", "Mise en danger avérée des patients", "Proven patient endangerment";
]);

impl CareImpact {
    /// Whether care is affected at all (the CERT then informs the health crisis centre).
    pub fn affects_care(self) -> bool {
        self != CareImpact::None
    }
}

/// Which security property of the data was hurt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataImpact {
    Availability,
    Integrity,
    Confidentiality,
}

named_enum!(DataImpact, "data impact", [
    Availability => "availability", "Disponibilité", "Availability";
    Integrity => "integrity", "Intégrité", "Integrity";
    Confidentiality => "confidentiality", "Confidentialité", "Confidentiality";
]);

/// The impact on the structure's operations (ordered).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OperationsImpact {
    None,
    Minor,
    Major,
    /// Operations stopped.
    Stopped,
}

named_enum!(OperationsImpact, "operations impact", [
    None => "none", "Aucun", "None";
    Minor => "minor", "Limité", "Minor";
    Major => "major", "Important", "Major";
    Stopped => "stopped", "Activité arrêtée", "Operations stopped";
]);

/// The state of the incident itself, as the structure declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IncidentState {
    Ongoing,
    Contained,
    Closed,
}

named_enum!(IncidentState, "incident state", [
    Ongoing => "ongoing", "En cours", "Ongoing";
    Contained => "contained", "Maîtrisé", "Contained";
    Closed => "closed", "Clos", "Closed";
]);

/// Where the case stands in its handling: a draft only its structure sees, then submitted to the
/// CERT and the regional centre, triaged, handled, closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CaseStatus {
    Draft,
    Submitted,
    Triaged,
    InProgress,
    Contained,
    Closed,
}

named_enum!(CaseStatus, "case status", [
    Draft => "draft", "Brouillon", "Draft";
    Submitted => "submitted", "Déclaré", "Submitted";
    Triaged => "triaged", "Qualifié", "Triaged";
    InProgress => "in_progress", "En traitement", "In progress";
    Contained => "contained", "Maîtrisé", "Contained";
    Closed => "closed", "Clos", "Closed";
]);

impl CaseStatus {
    /// The statuses an analyst may move a case to from this one (a draft is submitted by its
    /// structure, never by an analyst; a closed case may be reopened into handling).
    pub fn next(self) -> &'static [CaseStatus] {
        use CaseStatus::*;
        match self {
            Draft => &[],
            Submitted => &[Triaged, InProgress, Closed],
            Triaged => &[InProgress, Contained, Closed],
            InProgress => &[Contained, Closed],
            Contained => &[InProgress, Closed],
            Closed => &[InProgress],
        }
    }

    /// Whether `to` may follow this status.
    pub fn can_move_to(self, to: CaseStatus) -> bool {
        self.next().contains(&to)
    }

    /// Whether the case is still open (its clocks still matter).
    pub fn is_open(self) -> bool {
        self != CaseStatus::Closed
    }
}

/// The severity the CERT qualifies (ordered).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

named_enum!(Severity, "severity", [
    Low => "low", "Faible", "Low";
    Medium => "medium", "Moyenne", "Medium";
    High => "high", "Élevée", "High";
    Critical => "critical", "Critique", "Critical";
]);

impl Severity {
    /// The severity to propose from the declared impacts, before an analyst qualifies it.
    pub fn suggested(
        care: CareImpact,
        operations: OperationsImpact,
        significant: bool,
    ) -> Severity {
        let from_care = match care {
            CareImpact::None => Severity::Low,
            CareImpact::DegradedMode => Severity::Medium,
            CareImpact::Interruption => Severity::High,
            CareImpact::PotentialEndangerment | CareImpact::ProvenEndangerment => {
                Severity::Critical
            }
        };
        let from_ops = match operations {
            OperationsImpact::None | OperationsImpact::Minor => Severity::Low,
            OperationsImpact::Major => Severity::Medium,
            OperationsImpact::Stopped => Severity::High,
        };
        let base = from_care.max(from_ops);
        if significant {
            base.max(Severity::High)
        } else {
            base
        }
    }
}

/// The NIS 2 class of an entity (directive (EU) 2022/2555, art. 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Nis2Entity {
    Essential,
    Important,
}

named_enum!(Nis2Entity, "NIS 2 entity class", [
    Essential => "essential", "Entité essentielle", "Essential entity";
    Important => "important", "Entité importante", "Important entity";
]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_one_origin_and_fits_it() {
        for t in IncidentType::ALL {
            assert!(t.fits(t.origin()), "{t}");
            assert!(t.fits(Origin::Undetermined), "{t}");
            assert_eq!(t.as_str().parse::<IncidentType>(), Ok(*t));
        }
        assert!(!IncidentType::Ransomware.fits(Origin::NonMalicious));
        assert!(!IncidentType::TelecomLoss.fits(Origin::Malicious));
        assert!(IncidentType::Undetermined.fits(Origin::Malicious));
    }

    #[test]
    fn a_draft_is_never_moved_by_an_analyst_and_closed_can_reopen() {
        assert!(CaseStatus::Draft.next().is_empty());
        assert!(CaseStatus::Closed.can_move_to(CaseStatus::InProgress));
        assert!(!CaseStatus::Closed.can_move_to(CaseStatus::Draft));
        assert!(!CaseStatus::Submitted.can_move_to(CaseStatus::Draft));
    }

    #[test]
    fn severity_follows_care_first() {
        assert_eq!(
            Severity::suggested(
                CareImpact::ProvenEndangerment,
                OperationsImpact::None,
                false
            ),
            Severity::Critical
        );
        assert_eq!(
            Severity::suggested(CareImpact::None, OperationsImpact::Minor, true),
            Severity::High
        );
        assert_eq!(
            Severity::suggested(CareImpact::None, OperationsImpact::None, false),
            Severity::Low
        );
    }
}
