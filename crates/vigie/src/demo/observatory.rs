//! The demo's past declarations for the observatory: four years before this one of the demo
//! region, synthetic, as a CERT would import them from its former register (marked imported,
//! no structure identity), so that a newcomer sees the observatory filled, year over year.
//! They go through the store's import like a file's rows; nothing is sent anywhere.

use chrono::Datelike;
use vigie_observatory::history::{HistoryRow, Parsed, UNSPECIFIED};
use vigie_observatory::period::paris_midnight;
use vigie_store::{Actor, Store};

use super::data::REGION;
use super::Activity;

/// (origin, type) in the proportions of the published observatories.
const TYPES: &[(&str, &str, u32)] = &[
    ("malicious", "system_compromise", 20),
    ("malicious", "ransomware", 12),
    ("malicious", "phishing", 10),
    ("malicious", "data_leak", 4),
    ("malicious", "equipment_theft", 2),
    ("malicious", "denial_of_service", 2),
    ("non_malicious", "infrastructure_failure", 28),
    ("non_malicious", "telecom_loss", 7),
    ("non_malicious", "provider_failure", 8),
    ("undetermined", "undetermined", 7),
];
const CARE: &[&str] = &[
    "none",
    "none",
    "degraded_mode",
    "none",
    "interruption",
    "none",
    "potential_endangerment",
];
const SECTORS: &[&str] = &["sanitaire", "sanitaire", "medico_social", "other"];

/// The rows of `year`: about forty declarations, more each year.
fn rows_of(year: i32, seed: &mut u64) -> Vec<HistoryRow> {
    let mut next = |n: u64| {
        // a fixed linear congruential sequence: the same demo every time
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (*seed >> 33) % n.max(1)
    };
    let count = 34 + (year.rem_euclid(10) as u64) * 3 + next(6);
    let start = chrono::NaiveDate::from_ymd_opt(year, 1, 1).map(paris_midnight);
    let (Some(start), Some(end)) = (
        start,
        chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1).map(paris_midnight),
    ) else {
        return Vec::new();
    };
    let total: u64 = TYPES.iter().map(|t| u64::from(t.2)).sum();
    (0..count)
        .map(|i| {
            // working hours more often than nights
            let day = next(((end - start) / 86_400) as u64) as i64;
            let hour = [8, 9, 10, 11, 14, 15, 16, 17, 3, 21][next(10) as usize];
            let declared = start + day * 86_400 + hour * 3600 + next(3600) as i64;
            let detected = declared - 1800 - next(48 * 3600) as i64;
            let occurred = detected - 3600 - next(72 * 3600) as i64;
            let mut pick = next(total);
            let (origin, ty) = TYPES
                .iter()
                .find(|t| {
                    if pick < u64::from(t.2) {
                        true
                    } else {
                        pick -= u64::from(t.2);
                        false
                    }
                })
                .map(|t| (t.0, t.1))
                .unwrap_or(("undetermined", "undetermined"));
            let support_requested = next(100) < 28;
            HistoryRow {
                line: i as usize + 2,
                external_id: format!("DEMO-{year}-{:03}", i + 1),
                declared_at: declared,
                utc_offset: 3600,
                occurred_at: (next(4) > 0).then_some(occurred),
                detected_at: Some(detected),
                region: REGION.to_string(),
                sector: SECTORS[next(SECTORS.len() as u64) as usize].to_string(),
                origin: origin.to_string(),
                incident_type: ty.to_string(),
                state: ["ongoing", "contained", "closed"][next(3) as usize].to_string(),
                care_impact: CARE[next(CARE.len() as u64) as usize].to_string(),
                operations_impact: if next(100) < 53 { "none" } else { UNSPECIFIED }.to_string(),
                support_requested,
                major: next(100) < 3,
                support_given: support_requested && next(100) < 60,
            }
        })
        .collect()
}

/// Imports the demo region's past declarations of the four years before this one (once: rows
/// already imported are left as they are).
pub(super) async fn seed_history(
    store: &Store,
    actor: &Actor,
    act: &mut Activity,
) -> anyhow::Result<()> {
    let this_year = chrono::Utc::now().year();
    let mut seed = 0x5eed_0b5e_u64;
    let rows: Vec<HistoryRow> = (this_year - 4..this_year)
        .flat_map(|y| rows_of(y, &mut seed))
        .collect();
    let report = store
        .import_observatory_history(
            actor,
            Parsed {
                rows,
                errors: Vec::new(),
            },
            true,
        )
        .await?;
    act.history = report.imported as usize;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_history_is_the_same_every_time_and_fits_the_taxonomy() {
        let (mut a, mut b) = (1u64, 1u64);
        let (x, y) = (rows_of(2023, &mut a), rows_of(2023, &mut b));
        assert_eq!(x, y);
        assert!(x.len() >= 34);
        for r in &x {
            assert!(
                r.declared_at
                    >= paris_midnight(
                        chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or_default()
                    )
            );
            assert!(r.detected_at.unwrap_or(0) < r.declared_at);
            assert!(!r.support_given || r.support_requested);
        }
    }
}
