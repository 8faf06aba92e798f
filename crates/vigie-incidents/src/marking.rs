//! Sharing markings: the Traffic Light Protocol 2.0 (FIRST) and the Permissible Actions
//! Protocol, with their STIX 2.1 marking definitions and MISP tags.

use crate::names::named_enum;

/// TLP 2.0 (FIRST, August 2022), ordered from the widest to the narrowest sharing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tlp {
    Clear,
    Green,
    Amber,
    AmberStrict,
    Red,
}

named_enum!(Tlp, "TLP", [
    Clear => "clear", "TLP:CLEAR", "TLP:CLEAR";
    Green => "green", "TLP:GREEN", "TLP:GREEN";
    Amber => "amber", "TLP:AMBER", "TLP:AMBER";
    AmberStrict => "amber+strict", "TLP:AMBER+STRICT", "TLP:AMBER+STRICT";
    Red => "red", "TLP:RED", "TLP:RED";
]);

/// The STIX 2.1 extension definition of TLP 2.0, published by the OASIS CTI technical committee
/// (cti-stix-common-objects, `extension-definition-specifications/tlp-2.0`).
pub const TLP2_EXTENSION_DEFINITION: &str =
    "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
/// The `created` timestamp of the published TLP 2.0 marking definitions (part of each object).
pub const TLP2_MARKING_CREATED: &str = "2022-10-01T00:00:00.000Z";

impl Tlp {
    /// The name of the marking, as shown and as written in STIX (`TLP:AMBER+STRICT`).
    pub fn name(self) -> &'static str {
        self.label_en()
    }

    /// The published STIX 2.1 marking-definition id of this level (consumers recognise the
    /// marking by this id).
    pub fn stix_marking_id(self) -> &'static str {
        match self {
            Tlp::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            Tlp::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            Tlp::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            Tlp::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            Tlp::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        }
    }

    /// The tag of MISP's `tlp` taxonomy (`tlp:amber+strict`).
    pub fn misp_tag(self) -> String {
        format!("tlp:{}", self.as_str())
    }

    /// Whether content so marked may be shown only to the people named on the case (the
    /// structure's own declarants and the analysts assigned), not to everyone whose scope
    /// covers the structure.
    pub fn needs_named_access(self) -> bool {
        matches!(self, Tlp::AmberStrict | Tlp::Red)
    }

    /// The narrower of two levels (what a thing marked by both may be shared as).
    pub fn narrowest(self, other: Tlp) -> Tlp {
        self.max(other)
    }
}

/// The Permissible Actions Protocol: what the recipient may do with the information.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pap {
    Clear,
    Green,
    Amber,
    Red,
}

named_enum!(Pap, "PAP", [
    Clear => "clear", "PAP:CLEAR", "PAP:CLEAR";
    Green => "green", "PAP:GREEN", "PAP:GREEN";
    Amber => "amber", "PAP:AMBER", "PAP:AMBER";
    Red => "red", "PAP:RED", "PAP:RED";
]);

impl Pap {
    /// The tag of MISP's `PAP` taxonomy (`PAP:RED`).
    pub fn misp_tag(self) -> String {
        format!("PAP:{}", self.as_str().to_ascii_uppercase())
    }

    /// What the level allows, in English (a STIX statement marking).
    pub fn statement(self) -> &'static str {
        match self {
            Pap::Clear => "PAP:CLEAR - no restriction on the actions that may be taken with this information.",
            Pap::Green => "PAP:GREEN - active actions allowed, as long as they are not detectable by the adversary.",
            Pap::Amber => "PAP:AMBER - passive cross-checks only (public or closed sources), nothing the adversary could detect.",
            Pap::Red => "PAP:RED - non-detectable actions only; no use of the information outside the recipient's own systems.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_ids_and_tags() {
        assert_eq!(
            "AMBER+STRICT".parse::<Tlp>(),
            Ok(Tlp::AmberStrict),
            "case is ignored"
        );
        assert_eq!(Tlp::AmberStrict.misp_tag(), "tlp:amber+strict");
        assert_eq!(Pap::Red.misp_tag(), "PAP:RED");
        assert!(Tlp::Red.needs_named_access() && Tlp::AmberStrict.needs_named_access());
        assert!(!Tlp::Amber.needs_named_access());
        assert_eq!(Tlp::Green.narrowest(Tlp::Red), Tlp::Red);
        let ids: std::collections::BTreeSet<_> =
            Tlp::ALL.iter().map(|t| t.stix_marking_id()).collect();
        assert_eq!(ids.len(), 5);
    }
}
