//! Incidents (issue 14): the platform side of the `vigie-incidents` engine.
//!
//! * **Declaration** (`declare`): a draft saved and completed, then submitted; every field
//!   checked, a mistake naming its field. The author is named on the case.
//! * **Clocks** (`clocks`): the notifications the incident owes, computed by the engine's rules
//!   from its facts and its structure's designations at every change, stored with their
//!   deadlines and when they were made; the earliest open deadline is kept on the incident so
//!   that the queues put what is overdue first.
//! * **Case** (`case`): triage, assignment, status with its timestamps, notes (the conversation
//!   with the structure, and internal notes), observables with their TLP, people named on the
//!   case, notifications made. Every write records a timeline event and an audit entry in its
//!   transaction.
//! * **Need to know** (`access`): an incident exists for its structure's scope (the structure,
//!   its GHT officer, its region's centre, the CERT); a draft only for the structure and its
//!   author; the content of a TLP:RED or AMBER+STRICT incident, and observables so marked, only
//!   for the people named on the case. Anything else is `NotFound`.
//! * **Reminders** (`reminders`, job `jobs::Reminders`): before each deadline, the structure is
//!   told through the notification outbox, once per clock and deadline.
//! * **Sector-wide alerts** (`sector`): from a case, the structures of the analyst's scope that
//!   run the product it went through (the watch's inventories) are warned through the outbox,
//!   without the case being named; whom it reached is kept on the case.
//! * **Attachments** (`attachments`): checked and sealed like every file people give
//!   (`crate::files`: size, name, type by content; the deployment's key), served with the case's need to know; audited.
//! * **Reads** (`read`): one case, the queues (filters, overdue first, 50 a page), a structure's
//!   incidents, an incident for the MISP and STIX exports.

mod access;
mod attachments;
mod case;
mod clocks;
mod declare;
pub mod jobs;
mod read;
mod reminders;
mod sector;
mod tables;
mod timeline;
mod types;

pub use case::MAX_NOTE;
pub use sector::{
    SectorAlertDraft, SectorAlertRow, SectorPreview, SectorTarget, SECTOR_MAX_MESSAGE,
    SECTOR_MAX_TARGETS,
};
pub(crate) use tables::TABLES;
pub use types::{
    reference, Assignee, AttachmentRow, ClockRow, Declaration, Designations, EventRow,
    IncidentCase, IncidentFigures, IncidentRow, NoteRow, ObservableRow, PersonRow, QueuePage,
    QueueQuery, QueueRow, StructureIncidents, Triage, PAGE_SIZE,
};
