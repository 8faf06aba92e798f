//! Structures: the scoped list (the structures page), one structure, its designations.

use vigie_domain::role::Permission;
use vigie_domain::structure::Designation;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{like_escape, now, search_words, Sql, Store};
use crate::error::StoreError;
use crate::registry::caches::RegistryCaches;
use crate::registry::types::{Structure, StructureFilter, StructureRow, StructureSummary};

/// The list page's columns: from `structures` alone (GHT names are not joined, see
/// `list_structure_rows`).
const ROW_COLUMNS: &str = "s.id, s.finess_et, s.name, s.category_label, s.department_code, \
    s.ght_id, s.ose, s.is_demo";
const ROW_FROM: &str = "structures s";
const SUMMARY_FROM: &str = "structures s LEFT JOIN ghts g ON g.id = s.ght_id";

/// From this offset on, a page reads its ids from the index first (a deferred join): cheaper for
/// deep pages, dearer for the first ones.
const DEFERRED_JOIN_OFFSET: i64 = 500;

const SUMMARY_COLUMNS: &str =
    "s.id, s.finess_et, s.name, s.category_code, s.category_label, s.sector, \
    s.legal_family, s.department_code, s.region_code, s.ght_id, g.name AS ght_name, s.ose, s.esr, \
    s.overseas, s.is_demo";

/// The ORDER BY of a structure list: with a search, the structures whose name holds all that
/// was typed come first, then those whose name starts with the first word, then those whose
/// name holds it, then the rest (found by their town, number or GHT); by name within each.
fn structure_order(f: &StructureFilter) -> Sql {
    let mut o = Sql::new(" ORDER BY ");
    let words = search_words(f.text.as_deref().unwrap_or(""));
    if let Some(first) = words.first() {
        let e = like_escape(first);
        o.push("CASE WHEN s.name_search LIKE ")
            .bind(format!("%{}%", like_escape(&words.join(" "))))
            .push(" ESCAPE '\\' THEN 0 WHEN s.name_search LIKE ")
            .bind(format!("{e}%"))
            .push(" ESCAPE '\\' THEN 1 WHEN s.name_search LIKE ")
            .bind(format!("% {e}%"))
            .push(" ESCAPE '\\' THEN 2 ELSE 3 END, ");
    }
    o.push("s.name_search, s.id");
    o
}

impl Store {
    fn structure_where(actor: &Actor, f: &StructureFilter) -> Sql {
        let mut w = Sql::new(" WHERE ");
        actor.scope_structures(&mut w, "s");
        // Every word typed must be found, accents and case ignored, in the name, the town (the
        // postal line), the FINESS numbers or the GHT's name: "Hennebont", "quimperlé",
        // "maternité brest", "290000017" all find what a person means.
        for word in search_words(f.text.as_deref().unwrap_or("")) {
            let like = format!("%{}%", like_escape(&word));
            let upper = word.to_ascii_uppercase();
            w.push(" AND (s.name_search LIKE ")
                .bind(like.clone())
                .push(" ESCAPE '\\' OR s.postal_line LIKE ")
                .bind(format!("%{}%", like_escape(&upper)))
                .push(" ESCAPE '\\'");
            if word.len() == 9 && word.chars().all(|c| c.is_ascii_alphanumeric()) {
                w.push(" OR s.finess_ej = ").bind(upper);
            }
            w.push(" OR s.ght_id IN (SELECT g2.id FROM ghts g2 WHERE LOWER(g2.name) LIKE ")
                .bind(like)
                .push(" ESCAPE '\\'))");
        }
        if let Some(r) = f.region_code.as_deref().filter(|s| !s.is_empty()) {
            w.push(" AND s.region_code").push_region_eq(r);
        }
        if let Some(d) = f.department_code.as_deref().filter(|s| !s.is_empty()) {
            w.push(" AND s.department_code").push_department_eq(d);
        }
        if let Some(g) = f.ght_id {
            w.push(" AND s.ght_id = ").bind(g);
        }
        if let Some(c) = f.category_code.as_deref().filter(|s| !s.is_empty()) {
            w.push(" AND s.category_code = ").bind(c);
        }
        if let Some(c) = f.sector.as_deref().filter(|s| !s.is_empty()) {
            w.push(" AND s.sector = ").bind(c);
        }
        if let Some(c) = f.legal_family.as_deref().filter(|s| !s.is_empty()) {
            w.push(" AND s.legal_family = ").bind(c);
        }
        match f.designation {
            Some(Designation::EssentialServiceOperator) => {
                w.push(" AND s.ose = 1");
            }
            Some(Designation::ExceptionalHealthSituationReference) => {
                w.push(" AND s.esr = 1");
            }
            Some(Designation::Overseas) => {
                w.push(" AND s.overseas = 1");
            }
            None => {}
        }
        w
    }

    /// One page of the structures the actor may see, with the total count.
    pub async fn list_structures(
        &self,
        actor: &Actor,
        f: &StructureFilter,
    ) -> Result<(Vec<StructureSummary>, i64), StoreError> {
        let (q, total) = self
            .page_query(actor, f, SUMMARY_COLUMNS, SUMMARY_FROM)
            .await?;
        Ok((q.fetch_all(&self.pool).await?, total))
    }

    /// [`Store::list_structures`] with only what the HTML list shows ([`StructureRow`]): half the
    /// columns to read and convert per row.
    pub async fn list_structure_rows(
        &self,
        actor: &Actor,
        f: &StructureFilter,
    ) -> Result<(Vec<StructureRow>, i64), StoreError> {
        let (q, total) = self.page_query(actor, f, ROW_COLUMNS, ROW_FROM).await?;
        // The page itself is cached like its count (see `cache`): the key is the scoped query
        // with its bound values, an entry lives while the registry is unchanged in this process
        // and at most `cache::TTL`. A list that many people page through between two imports is
        // read from the database once per key and lifetime rather than at every view (on
        // PostgreSQL, a round trip and the conversion of every row through the `Any` driver).
        let key = q.cache_key();
        let caches = self.caches.get::<RegistryCaches>();
        let cached = caches
            .structure_pages
            .get_or_load(
                &key,
                |_| true,
                || async {
                    let rows: Vec<StructureRow> = q.fetch_all(&self.pool).await?;
                    Ok::<_, StoreError>(Some(std::sync::Arc::new(rows)))
                },
            )
            .await?
            .unwrap_or_default();
        let mut rows: Vec<StructureRow> = cached.as_ref().clone();
        // The GHTs' names come from a per-process map rather than a join: the page query stays on
        // one table (a third less of PostgreSQL's time per page view: planning and running it).
        if rows.iter().any(|r| r.ght_id.is_some()) {
            let names = self.ght_names().await?;
            for r in &mut rows {
                r.ght_name = r.ght_id.and_then(|g| names.get(&g).cloned());
            }
        }
        Ok((rows, total))
    }

    /// Every GHT's name by id, cached per process (see `cache`). Only for naming the GHT of a
    /// row already read within the actor's scope: it answers nothing about what is in scope.
    async fn ght_names(
        &self,
    ) -> Result<std::sync::Arc<std::collections::HashMap<i64, String>>, StoreError> {
        let v = self
            .caches
            .get::<RegistryCaches>()
            .ght_names
            .get_or_load(
                "all",
                |_| true,
                || async {
                    let all: Vec<(i64, String)> = Sql::new("SELECT id, name FROM ghts")
                        .fetch_all(&self.pool)
                        .await?;
                    Ok::<_, StoreError>(Some(std::sync::Arc::new(all.into_iter().collect())))
                },
            )
            .await?;
        Ok(v.unwrap_or_default())
    }

    /// The query of one page of the structures the actor may see (scoped, filtered, sorted,
    /// bounded), with the total count of the filter.
    async fn page_query(
        &self,
        actor: &Actor,
        f: &StructureFilter,
        columns: &str,
        from: &str,
    ) -> Result<(Sql, i64), StoreError> {
        actor.require(Permission::ReadStructures)?;
        let w = Self::structure_where(actor, f);
        // The count of a filter is cached per process (see `cache`): the scope is in the key.
        let count = w.prefixed("SELECT COUNT(*) FROM structures s");
        let key = count.cache_key();
        let caches = self.caches.get::<RegistryCaches>();
        let counts = &caches.structure_counts;
        let total = counts
            .get_or_load(
                &key,
                |_| true,
                || async { count.scalar(&self.pool).await.map(Some) },
            )
            .await?
            .unwrap_or(0);
        let per_page = f.per_page.clamp(1, 500);
        let page = f.page.max(1);
        // `page` comes from the query string: a huge one must not overflow (nor wrap to a negative
        // OFFSET), it only reads past the end.
        let offset = (page - 1).saturating_mul(per_page);
        let mut q = if offset < DEFERRED_JOIN_OFFSET {
            w.prefixed(&format!("SELECT {columns} FROM {from}"))
        } else {
            // Deep pages: the page's ids first, from the index alone (the rows skipped by OFFSET
            // are never read), then those rows.
            w.prefixed(&format!(
                "SELECT {columns} FROM {from} WHERE s.id IN (SELECT s.id FROM structures s"
            ))
        };
        // The page's bounds are integers the program computed: written as literals, PostgreSQL's
        // generic plan of a prepared page query knows them and is reused from the sixth run on.
        // Bound, they made the generic plan look costlier than planning each run anew (a
        // custom plan per page view: planning took a third of PostgreSQL's time per page).
        let order = structure_order(f);
        q.push_sql(&order);
        q.push(&format!(" LIMIT {per_page} OFFSET {offset}"));
        if offset >= DEFERRED_JOIN_OFFSET {
            q.push(")");
            q.push_sql(&order);
        }
        Ok((q, total))
    }

    /// Every structure matching the filter, for a CSV export (no pagination).
    pub async fn export_structures(
        &self,
        actor: &Actor,
        f: &StructureFilter,
    ) -> Result<Vec<StructureSummary>, StoreError> {
        actor.require(Permission::ReadStructures)?;
        let mut q = Self::structure_where(actor, f).prefixed(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM structures s LEFT JOIN ghts g ON g.id = s.ght_id"
        ));
        q.push_sql(&structure_order(f));
        q.fetch_all(&self.pool).await
    }

    pub async fn get_structure(&self, actor: &Actor, id: i64) -> Result<Structure, StoreError> {
        actor.require(Permission::ReadStructures)?;
        let mut q = Sql::new(
            "SELECT s.id, s.finess_et, s.finess_ej, s.name, s.long_name, s.category_code, s.category_label, \
             s.aggregate_code, s.legal_family, s.sector, s.address, s.postal_line, s.department_code, \
             s.region_code, s.ght_id, g.name AS ght_name, s.phone, s.siret, s.ose, s.esr, s.overseas, \
             s.is_demo, s.source, s.finess_updated_on, s.created_at, s.updated_at \
             FROM structures s LEFT JOIN ghts g ON g.id = s.ght_id WHERE s.id = ",
        );
        q.bind(id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        q.fetch_one(&self.pool).await
    }

    /// Finds a structure by FINESS number (within scope).
    pub async fn find_structure_by_finess(
        &self,
        actor: &Actor,
        finess: &str,
    ) -> Result<Structure, StoreError> {
        actor.require(Permission::ReadStructures)?;
        let mut q = Sql::new("SELECT s.id FROM structures s WHERE s.finess_et = ");
        q.bind(finess).push(" AND ");
        actor.scope_structures(&mut q, "s");
        let id = q.scalar(&self.pool).await?;
        self.get_structure(actor, id).await
    }

    /// Checks that `id` is a structure inside the scope, inside the caller's transaction.
    pub(crate) async fn ensure_in_scope(
        conn: &mut sqlx::AnyConnection,
        actor: &Actor,
        id: i64,
    ) -> Result<(), StoreError> {
        let mut q = Sql::new("SELECT COUNT(*) FROM structures s WHERE s.id = ");
        q.bind(id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        if q.scalar(&mut *conn).await? == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Sets the designations of a structure.
    pub async fn set_designations(
        &self,
        actor: &Actor,
        structure_id: i64,
        ose: bool,
        esr: bool,
        overseas: bool,
    ) -> Result<(), StoreError> {
        actor.require(Permission::WriteStructures)?;
        let mut tx = self.begin_write().await?;
        Self::ensure_in_scope(&mut tx, actor, structure_id).await?;
        Sql::new("UPDATE structures SET ose = $1, esr = $2, overseas = $3, updated_at = $4 WHERE id = $5")
            .arg(ose)
            .arg(esr)
            .arg(overseas)
            .arg(now())
            .arg(structure_id)
            .execute(&mut *tx)
            .await?;
        record(
            &mut *tx,
            actor,
            Event::new("structure.designations", "structure", structure_id)
                .detail(serde_json::json!({ "ose": ose, "esr": esr, "overseas": overseas })),
        )
        .await?;
        tx.commit().await?;
        crate::cache::registry_changed();
        Ok(())
    }
}
