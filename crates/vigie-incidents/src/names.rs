//! Enumerations named by a stable machine name, with French and English labels.

/// A string did not name any value of an enumeration.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind}: {value:?}")]
pub struct UnknownName {
    /// What was being read (`"incident type"`, `"TLP"`…).
    pub kind: &'static str,
    /// The refused input.
    pub value: String,
}

/// Declares, for an enum, `ALL`, `as_str` (stored, in URLs and in tags), `label_fr`, `label_en`,
/// `FromStr` (ignoring case and surrounding spaces), `Display` and serde as the machine name.
macro_rules! named_enum {
    ($ty:ident, $kind:literal, [$($variant:ident => $s:literal, $fr:literal, $en:literal);+ $(;)?]) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// Stable machine name: as stored, in URLs and in machine tags.
            pub fn as_str(&self) -> &'static str {
                match self { $($ty::$variant => $s),+ }
            }
            /// French label.
            pub fn label_fr(&self) -> &'static str {
                match self { $($ty::$variant => $fr),+ }
            }
            /// English label.
            pub fn label_en(&self) -> &'static str {
                match self { $($ty::$variant => $en),+ }
            }
            /// The label in `lang` (`"en"` for English, French otherwise).
            pub fn label(&self, lang: &str) -> &'static str {
                if lang == "en" { self.label_en() } else { self.label_fr() }
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::names::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let t = s.trim();
                $(if t.eq_ignore_ascii_case($s) { return Ok($ty::$variant); })+
                Err($crate::names::UnknownName { kind: $kind, value: s.to_string() })
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = ::std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                s.parse().map_err(::serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use named_enum;
