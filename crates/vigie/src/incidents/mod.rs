//! Incidents in the binary: the `incidents.reminders` job (the reminders of the regulatory
//! deadlines whose time has come, queued as notifications by the store and delivered by the
//! outbox's worker in each recipient's language) and the scheduler's part: queue that job at
//! every tick (one copy pending at a time; a reminder is never sent twice for one deadline).

use std::sync::Arc;

use vigie_store::incidents::jobs::Reminders;
use vigie_store::jobs::Job;
use vigie_store::Actor;

use crate::worker::Ctx;

pub fn register_jobs(r: &mut crate::worker::Registry) {
    r.register(|ctx: Arc<Ctx>, _p: Reminders, _job: Job| async move {
        let actor = Actor::system("job:incidents.reminders");
        let at = vigie_store::db::now();
        let n = ctx.store.queue_incident_reminders(&actor, at).await?;
        if n > 0 {
            tracing::info!(clocks = n, "incident deadline reminders queued");
        }
        Ok(())
    });
    r.every_tick("incidents", |ctx: Arc<Ctx>| async move {
        if let Err(e) = ctx.store.enqueue_job(&Reminders::default(), None).await {
            tracing::warn!(error = %e, "scheduler: cannot queue the incident reminders");
        }
    });
}
