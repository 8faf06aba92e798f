//! The registry's problems: the domain's reasons for refusing an asset or a line, as message keys
//! and arguments (`i18n/*/store.ftl` of the presentation layer).

use vigie_domain::extract::LineFault;
use vigie_domain::finess::FinessError;
use vigie_domain::problem::Problem;
use vigie_domain::structure::AssetError;

/// Why the asset `value` was refused.
pub(crate) fn asset_problem(value: &str, e: &AssetError) -> Problem {
    let p = |key| Problem::new(key).arg("value", value);
    match e {
        AssetError::Empty => p("registry-asset-empty"),
        AssetError::NonAscii => p("registry-asset-non-ascii"),
        AssetError::Wildcard => p("registry-asset-wildcard"),
        AssetError::TrailingDot => p("registry-asset-trailing-dot"),
        AssetError::SingleLabel => p("registry-asset-single-label"),
        AssetError::TooLong => p("registry-asset-too-long").arg("max", 253u32),
        AssetError::InvalidLabel(l) => p("registry-asset-invalid-label").arg("label", l),
        AssetError::InvalidIp(_) => p("registry-asset-invalid-ip"),
        AssetError::InvalidPrefix(x) => p("registry-asset-invalid-prefix").arg("prefix", x),
        AssetError::HostBitsSet { network } => {
            p("registry-asset-host-bits-set").arg("network", network)
        }
        AssetError::TooBroad { prefix, minimum } => p("registry-asset-range-too-broad")
            .arg("prefix", u32::from(*prefix))
            .arg("minimum", u32::from(*minimum)),
    }
}

/// Why a line of a FINESS extract or of a GHT composition was refused.
pub(crate) fn line_problem(f: &LineFault) -> Problem {
    match f {
        LineFault::NotFinessMetadata { found } => {
            Problem::new("registry-import-not-finess").arg("found", found)
        }
        LineFault::MetadataWithoutSource => Problem::new("registry-import-no-source"),
        LineFault::MetadataDate { value } => {
            Problem::new("registry-import-metadata-date").arg("value", value)
        }
        LineFault::Empty => Problem::new("registry-import-empty-line"),
        LineFault::FieldCount { found, expected } => Problem::new("registry-import-field-count")
            .arg("found", *found)
            .arg("expected", *expected),
        LineFault::Finess { field, name, error } => finess_problem(error)
            .arg("field", *field)
            .arg("name", *name),
        LineFault::NoSeparator => Problem::new("registry-import-no-separator")
            .arg("expected", vigie_domain::ght::GHT_COLUMNS.join(";")),
        LineFault::MissingColumn { column } => Problem::new("registry-import-missing-column")
            .arg("column", *column)
            .arg("expected", vigie_domain::ght::GHT_COLUMNS.join(";")),
        LineFault::Required { field, name } => Problem::new("registry-import-required")
            .arg("field", *field)
            .arg("name", *name),
        LineFault::UnknownRegion { field, name, value } => {
            Problem::new("registry-import-unknown-region")
                .arg("field", *field)
                .arg("name", *name)
                .arg("value", value)
        }
        LineFault::Flag { field, name, value } => Problem::new("registry-import-flag")
            .arg("field", *field)
            .arg("name", *name)
            .arg("value", value),
    }
}

/// A field's FINESS number is wrong (the caller adds `field` and `name`).
fn finess_problem(e: &FinessError) -> Problem {
    match e {
        FinessError::WrongLength(n) => {
            Problem::new("registry-import-finess-length").arg("found", *n)
        }
        FinessError::BadCharacter { position, found } => {
            Problem::new("registry-import-finess-character")
                .arg("position", *position)
                .arg("found", found.to_string())
        }
        FinessError::UnknownDepartment(prefix) => {
            Problem::new("registry-import-finess-department").arg("prefix", prefix)
        }
        FinessError::CheckKeyMismatch { expected, found } => {
            Problem::new("registry-import-finess-key")
                .arg("expected", expected.to_string())
                .arg("found", found.to_string())
        }
    }
}
