//! Who sees an incident: its structure's scope (the structure, its GHT officer, its region's
//! centre, the CERT), drafts only within the structure and for whoever wrote them, and the
//! content of a TLP:RED or TLP:AMBER+STRICT incident only for the people named on the case.
//! Anything else is `NotFound`, exactly like a missing incident.

use vigie_domain::role::{Permission, Scope};

use crate::actor::Actor;
use crate::db::{Sql, Store};
use crate::error::StoreError;
use crate::incidents::types::{IncidentRow, INCIDENT_COLUMNS};

/// TLP levels whose content needs named access, as stored.
pub(crate) const NAMED_TLPS: &str = "('red', 'amber+strict')";

/// Whether content marked with stored TLP `tlp` needs named access (an unreadable one does).
pub(crate) fn needs_named(tlp: &str) -> bool {
    tlp.parse::<vigie_incidents::marking::Tlp>()
        .map(vigie_incidents::marking::Tlp::needs_named_access)
        .unwrap_or(true)
}

/// Appends ` AND <incident i of structure s exists for the actor>` (scope and drafts).
pub(crate) fn push_visible(q: &mut Sql, actor: &Actor) {
    q.push(" AND ");
    actor.scope_structures(q, "s");
    match (actor.user_id, &actor.scope) {
        // A structure's own people see its drafts.
        (_, Scope::Structures { .. }) => {}
        (None, _) => {}
        (Some(me), _) => {
            q.push(" AND (i.status <> 'draft' OR i.created_by_user_id = ")
                .bind(me)
                .push(")");
        }
    }
}

/// Appends the expression "the actor is named on incident i" (1/0 on both backends).
pub(crate) fn push_named_expr(q: &mut Sql, actor: &Actor) {
    match actor.user_id {
        None => {
            q.push("CAST(1 AS BIGINT)");
        }
        Some(me) => {
            q.push(
                "CAST(CASE WHEN EXISTS (SELECT 1 FROM incident_people p WHERE p.incident_id = i.id AND p.user_id = ",
            )
            .bind(me)
            .push(") THEN 1 ELSE 0 END AS BIGINT)");
        }
    }
}

/// Appends ` AND <the actor may see incident i's content>`.
pub(crate) fn push_content_allowed(q: &mut Sql, actor: &Actor) {
    q.push(" AND (i.tlp NOT IN ").push(NAMED_TLPS).push(" OR ");
    push_named_expr(q, actor);
    q.push(" = 1)");
}

impl Store {
    /// Incident `id` with its content if the actor may see it, and whether the actor is named.
    pub(crate) async fn visible_incident(
        conn: &mut sqlx::AnyConnection,
        actor: &Actor,
        id: i64,
    ) -> Result<(IncidentRow, bool), StoreError> {
        actor.require(Permission::ReadIncidents)?;
        let mut q = Sql::new(&format!("SELECT {INCIDENT_COLUMNS}, "));
        push_named_expr(&mut q, actor);
        q.push(
            " AS named FROM incidents i JOIN structures s ON s.id = i.structure_id WHERE i.id = ",
        )
        .bind(id);
        push_visible(&mut q, actor);
        push_content_allowed(&mut q, actor);
        #[derive(sqlx::FromRow)]
        struct WithNamed {
            #[sqlx(flatten)]
            row: IncidentRow,
            named: i64,
        }
        let r: WithNamed = q.fetch_one(&mut *conn).await?;
        Ok((r.row, r.named == 1))
    }

    /// The name and region of structure `structure_id` if it is inside the actor's scope.
    pub(crate) async fn incident_structure_check(
        conn: &mut sqlx::AnyConnection,
        actor: &Actor,
        structure_id: i64,
    ) -> Result<(String, String), StoreError> {
        let mut q = Sql::new("SELECT s.name, s.region_code FROM structures s WHERE s.id = ");
        q.bind(structure_id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        q.fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)
    }
}
