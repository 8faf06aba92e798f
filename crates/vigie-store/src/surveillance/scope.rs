//! The scope check every surveillance read and write starts with.

use crate::actor::Actor;
use crate::db::{Sql, Store};
use crate::error::StoreError;

impl Store {
    /// The name and region of structure `structure_id` if it is inside the actor's scope, else
    /// `NotFound`.
    pub(crate) async fn exposure_scope_check(
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
