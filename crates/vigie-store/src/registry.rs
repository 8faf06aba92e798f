//! The registry of structures: sites (FINESS ET), their GHT, contacts and declared assets.
//! Every function takes the [`Actor`] and confines reads and writes to its scope; anything outside
//! answers [`StoreError::NotFound`], exactly as if it did not exist.

use serde::Serialize;
use vigie_domain::role::Permission;
use vigie_domain::structure::{AssetKind, ContactRole, Designation};

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{fold, like_escape, now, Sql, Store};
use crate::error::StoreError;

/// A structure as the list shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StructureSummary {
    pub id: i64,
    pub finess_et: String,
    pub name: String,
    pub category_code: String,
    pub category_label: String,
    pub sector: String,
    pub legal_family: String,
    pub department_code: String,
    pub region_code: String,
    pub ght_id: Option<i64>,
    pub ght_name: Option<String>,
    pub ose: i64,
    pub esr: i64,
    pub overseas: i64,
    pub is_demo: i64,
}

/// A structure with everything about it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Structure {
    pub id: i64,
    pub finess_et: String,
    pub finess_ej: Option<String>,
    pub name: String,
    pub long_name: String,
    pub category_code: String,
    pub category_label: String,
    pub aggregate_code: String,
    pub legal_family: String,
    pub sector: String,
    pub address: String,
    pub postal_line: String,
    pub department_code: String,
    pub region_code: String,
    pub ght_id: Option<i64>,
    pub ght_name: Option<String>,
    pub phone: Option<String>,
    pub siret: Option<String>,
    pub ose: i64,
    pub esr: i64,
    pub overseas: i64,
    pub is_demo: i64,
    pub source: String,
    pub finess_updated_on: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Contact {
    pub id: i64,
    pub structure_id: i64,
    pub role: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Asset {
    pub id: i64,
    pub structure_id: i64,
    pub kind: String,
    pub value: String,
    pub attested_by: String,
    pub attested_at: i64,
    pub is_demo: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Ght {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub region_code: String,
    pub support_structure_id: Option<i64>,
    pub structure_count: i64,
}

/// The fields of a structure that come from the FINESS registry (or a form).
#[derive(Debug, Clone, Default)]
pub struct StructureInput {
    pub finess_et: String,
    pub finess_ej: Option<String>,
    pub name: String,
    pub long_name: String,
    pub category_code: String,
    pub category_label: String,
    pub aggregate_code: String,
    pub legal_family: String,
    pub sector: String,
    pub address: String,
    pub postal_line: String,
    pub department_code: String,
    pub region_code: String,
    pub phone: Option<String>,
    pub siret: Option<String>,
    pub finess_updated_on: Option<String>,
    pub is_demo: bool,
    pub source: String,
}

impl StructureInput {
    /// What a text search looks in, folded (accents and case): the name, the long name when
    /// it differs from the name (most often it repeats it: no need to store and index it twice),
    /// the FINESS number. The list is sorted by it, so it starts with the name.
    fn search_text(&self) -> String {
        let name = fold(&self.name);
        let long = fold(&self.long_name);
        let mut s = String::with_capacity(name.len() + long.len() + 11);
        s.push_str(&name);
        if !long.is_empty() && long != name {
            s.push(' ');
            s.push_str(&long);
        }
        s.push(' ');
        s.push_str(&fold(&self.finess_et));
        s
    }

    /// A digest of the registry fields: a re-import leaves unchanged rows untouched.
    fn digest(&self) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for f in [
            self.finess_ej.as_deref().unwrap_or(""),
            &self.name,
            &self.long_name,
            &self.category_code,
            &self.category_label,
            &self.aggregate_code,
            &self.legal_family,
            &self.sector,
            &self.address,
            &self.postal_line,
            &self.department_code,
            &self.region_code,
            self.phone.as_deref().unwrap_or(""),
            self.siret.as_deref().unwrap_or(""),
            self.finess_updated_on.as_deref().unwrap_or(""),
        ] {
            h.update(f.as_bytes());
            h.update([0x1f]);
        }
        hex::encode(&h.finalize()[..12])
    }
}

/// Filters of the structures list.
#[derive(Debug, Clone, Default)]
pub struct StructureFilter {
    pub text: Option<String>,
    pub region_code: Option<String>,
    pub department_code: Option<String>,
    pub ght_id: Option<i64>,
    pub category_code: Option<String>,
    pub sector: Option<String>,
    pub legal_family: Option<String>,
    pub designation: Option<Designation>,
    pub page: i64,
    pub per_page: i64,
}

/// Counts of a bulk upsert.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UpsertCounts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// A structure as the HTML list shows it (a row of the table).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StructureRow {
    pub id: i64,
    pub finess_et: String,
    pub name: String,
    pub category_label: String,
    pub department_code: String,
    pub ght_id: Option<i64>,
    /// Filled from the cached names of the GHTs, not joined (see `list_structure_rows`).
    #[sqlx(skip)]
    pub ght_name: Option<String>,
    pub ose: i64,
    pub is_demo: i64,
}

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

impl Store {
    fn structure_where(actor: &Actor, f: &StructureFilter) -> Sql {
        let mut w = Sql::new(" WHERE ");
        actor.scope_structures(&mut w, "s");
        if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let folded = fold(t);
            if folded.len() == 9 && folded.chars().all(|c| c.is_ascii_alphanumeric()) {
                w.push(" AND (s.finess_et = ")
                    .bind(folded.to_uppercase())
                    .push(" OR s.finess_ej = ")
                    .bind(folded.to_uppercase())
                    .push(")");
            } else {
                w.push(" AND s.name_search LIKE ")
                    .bind(format!("%{}%", like_escape(&folded)))
                    .push(" ESCAPE '\\'");
            }
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
        self.list_page(actor, f, SUMMARY_COLUMNS, SUMMARY_FROM)
            .await
    }

    /// [`Store::list_structures`] with only what the HTML list shows ([`StructureRow`]): half the
    /// columns to read and convert per row.
    pub async fn list_structure_rows(
        &self,
        actor: &Actor,
        f: &StructureFilter,
    ) -> Result<(Vec<StructureRow>, i64), StoreError> {
        let (mut rows, total): (Vec<StructureRow>, i64) =
            self.list_page(actor, f, ROW_COLUMNS, ROW_FROM).await?;
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

    async fn list_page<T>(
        &self,
        actor: &Actor,
        f: &StructureFilter,
        columns: &str,
        from: &str,
    ) -> Result<(Vec<T>, i64), StoreError>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        actor.require(Permission::ReadStructures)?;
        let w = Self::structure_where(actor, f);
        // The count of a filter is cached per process (see `cache`): the scope is in the key.
        let count = w.prefixed("SELECT COUNT(*) FROM structures s");
        let key = count.cache_key();
        let counts = &self.caches.structure_counts;
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
        q.push(&format!(
            " ORDER BY s.name_search, s.id LIMIT {per_page} OFFSET {offset}"
        ));
        if offset >= DEFERRED_JOIN_OFFSET {
            q.push(") ORDER BY s.name_search, s.id");
        }
        Ok((q.fetch_all(&self.pool).await?, total))
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
        q.push(" ORDER BY s.name_search, s.id");
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

    pub async fn list_contacts(
        &self,
        actor: &Actor,
        structure_id: i64,
    ) -> Result<Vec<Contact>, StoreError> {
        actor.require(Permission::ReadStructures)?;
        Self::ensure_in_scope(&mut *self.pool.acquire().await?, actor, structure_id).await?;
        let mut q = Sql::new(
            "SELECT c.id, c.structure_id, c.role, c.name, c.email, c.phone, c.updated_at FROM contacts c \
             JOIN structures s ON s.id = c.structure_id WHERE c.structure_id = ",
        );
        q.bind(structure_id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        q.push(" ORDER BY c.role");
        q.fetch_all(&self.pool).await
    }

    /// Sets (creates or replaces) the contact of a given role.
    pub async fn set_contact(
        &self,
        actor: &Actor,
        structure_id: i64,
        role: ContactRole,
        name: &str,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Result<(), StoreError> {
        actor.require(Permission::WriteStructures)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(StoreError::Invalid(
                "contact name: required, at most 200 characters".into(),
            ));
        }
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        if let Some(e) = email {
            if !vigie_domain::structure::is_valid_email(e) {
                return Err(StoreError::Invalid(format!(
                    "contact e-mail {e:?} is not a valid address"
                )));
            }
        }
        let phone = match phone.map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => Some(
                vigie_domain::structure::normalize_phone_fr(p).ok_or_else(|| {
                    StoreError::Invalid(format!("contact phone {p:?} is not a French phone number"))
                })?,
            ),
            None => None,
        };
        let mut tx = self.begin_write().await?;
        Self::ensure_in_scope(&mut tx, actor, structure_id).await?;
        Sql::new(
            "INSERT INTO contacts (structure_id, role, name, email, phone, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (structure_id, role) DO UPDATE SET name = excluded.name, email = excluded.email, \
             phone = excluded.phone, updated_at = excluded.updated_at",
        )
        .arg(structure_id)
        .arg(role.as_str())
        .arg(name)
        .arg(email)
        .arg(phone.clone())
        .arg(now())
        .execute(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            Event::new("contact.set", "structure", structure_id).detail(serde_json::json!({
                "role": role.as_str(), "name": name, "email": email, "phone": phone,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_assets(
        &self,
        actor: &Actor,
        structure_id: i64,
    ) -> Result<Vec<Asset>, StoreError> {
        actor.require(Permission::ReadStructures)?;
        Self::ensure_in_scope(&mut *self.pool.acquire().await?, actor, structure_id).await?;
        let mut q = Sql::new(
            "SELECT a.id, a.structure_id, a.kind, a.value, a.attested_by, a.attested_at, a.is_demo, a.created_at \
             FROM assets a JOIN structures s ON s.id = a.structure_id WHERE a.structure_id = ",
        );
        q.bind(structure_id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        q.push(" ORDER BY a.kind, a.value");
        q.fetch_all(&self.pool).await
    }

    /// Declares an asset. `attested_by` names who vouched that the structure owns it.
    pub async fn add_asset(
        &self,
        actor: &Actor,
        structure_id: i64,
        kind: AssetKind,
        value: &str,
        attested_by: &str,
    ) -> Result<Asset, StoreError> {
        actor.require(Permission::WriteAssets)?;
        let value = vigie_domain::structure::parse_asset(kind, value)
            .map_err(|e| StoreError::Invalid(format!("asset {value:?}: {e}")))?;
        let attested_by = attested_by.trim();
        if attested_by.is_empty() {
            return Err(StoreError::Invalid(
                "asset: say who attests that the structure owns it (attested_by)".into(),
            ));
        }
        let mut tx = self.begin_write().await?;
        Self::ensure_in_scope(&mut tx, actor, structure_id).await?;
        let demo_structure: i64 = Sql::new("SELECT is_demo FROM structures WHERE id = $1")
            .arg(structure_id)
            .scalar(&mut *tx)
            .await?;
        let is_demo =
            demo_structure == 1 || vigie_domain::structure::is_documentation_or_reserved(&value);
        let at = now();
        let id = Sql::new(
            "INSERT INTO assets (structure_id, kind, value, attested_by, attested_at, is_demo, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $5) RETURNING id",
        )
        .arg(structure_id)
        .arg(kind.as_str())
        .arg(value.as_str())
        .arg(attested_by)
        .arg(at)
        .arg(is_demo)
        .scalar(&mut *tx)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => StoreError::Conflict(format!("asset {value} is already declared")),
            e => e,
        })?;
        record(
            &mut *tx,
            actor,
            Event::new("asset.add", "structure", structure_id).detail(serde_json::json!({
                "asset_id": id, "kind": kind.as_str(), "value": value, "attested_by": attested_by,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(Asset {
            id,
            structure_id,
            kind: kind.as_str().to_string(),
            value,
            attested_by: attested_by.to_string(),
            attested_at: at,
            is_demo: is_demo as i64,
            created_at: at,
        })
    }

    pub async fn remove_asset(
        &self,
        actor: &Actor,
        structure_id: i64,
        asset_id: i64,
    ) -> Result<(), StoreError> {
        actor.require(Permission::WriteAssets)?;
        let mut tx = self.begin_write().await?;
        Self::ensure_in_scope(&mut tx, actor, structure_id).await?;
        let value: Option<(String,)> =
            Sql::new("SELECT value FROM assets WHERE id = $1 AND structure_id = $2")
                .arg(asset_id)
                .arg(structure_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((value,)) = value else {
            return Err(StoreError::NotFound);
        };
        Sql::new("DELETE FROM assets WHERE id = $1")
            .arg(asset_id)
            .execute(&mut *tx)
            .await?;
        record(
            &mut *tx,
            actor,
            Event::new("asset.remove", "structure", structure_id)
                .detail(serde_json::json!({ "asset_id": asset_id, "value": value })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
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

    /// Inserts or updates structures by FINESS ET number, in one transaction. Rows whose registry
    /// fields did not change are left untouched. Fields Vigie owns (GHT, designations, contacts,
    /// assets) are never overwritten by an import.
    pub async fn upsert_structures(
        &self,
        actor: &Actor,
        rows: &[StructureInput],
    ) -> Result<UpsertCounts, StoreError> {
        Self::check_registry_import(actor)?;
        if rows.is_empty() {
            return Ok(UpsertCounts::default());
        }
        let mut tx = self.begin_write().await?;
        let counts = self
            .upsert_structures_in(&mut tx, actor, rows, None)
            .await?;
        tx.commit().await?;
        crate::cache::registry_changed();
        Ok(counts)
    }

    /// Who may import the registry: the import permission, with the national scope.
    pub(crate) fn check_registry_import(actor: &Actor) -> Result<(), StoreError> {
        actor.require(Permission::ImportRegistry)?;
        if !matches!(actor.scope, vigie_domain::role::Scope::National) {
            return Err(StoreError::Forbidden(
                "import the registry (national scope only)",
            ));
        }
        Ok(())
    }

    /// [`Store::upsert_structures`] inside the caller's transaction, with its audit entry. The
    /// caller has checked the actor ([`Store::check_registry_import`]).
    ///
    /// The stored digest of each row is read first (one lookup per 500 numbers), or taken from
    /// `known` when the caller knows every stored row (a first import, which holds the write lock
    /// on a registry that was empty): unchanged rows cost no write at all, and the counts are
    /// exact. The others are written by multi-row `INSERT … ON CONFLICT DO UPDATE` statements of
    /// a fixed 400 rows (one prepared statement reused), which still guard against a row inserted
    /// meanwhile by someone else; each statement is built while the previous one runs.
    pub(crate) async fn upsert_structures_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        actor: &Actor,
        rows: &[StructureInput],
        mut known: Option<&mut std::collections::HashMap<String, String>>,
    ) -> Result<UpsertCounts, StoreError> {
        let mut counts = UpsertCounts::default();
        if rows.is_empty() {
            return Ok(counts);
        }
        // A number given twice keeps its last record: one statement may not touch a row twice.
        let mut last = std::collections::HashMap::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            last.insert(r.finess_et.as_str(), i);
        }
        let unique: Vec<&StructureInput> = rows
            .iter()
            .enumerate()
            .filter(|(i, r)| last.get(r.finess_et.as_str()) == Some(i))
            .map(|(_, r)| r)
            .collect();
        counts.unchanged += (rows.len() - unique.len()) as u64;
        if self.backend == crate::db::Backend::Postgres {
            // The lookups bind 500 numbers: a generic plan guesses they match most of the table
            // and scans it whole (seconds per lookup); a plan for the actual values uses the
            // unique index. For this transaction only.
            Sql::new("SET LOCAL plan_cache_mode = force_custom_plan")
                .execute(&mut *conn)
                .await?;
        }
        let mut looked_up: std::collections::HashMap<String, String> =
            std::collections::HashMap::new();
        if known.is_none() {
            looked_up.reserve(unique.len());
            for chunk in unique.chunks(500) {
                let mut q =
                    Sql::new("SELECT finess_et, import_hash FROM structures WHERE finess_et IN (");
                for (i, r) in chunk.iter().enumerate() {
                    if i > 0 {
                        q.push(",");
                    }
                    q.bind(r.finess_et.as_str());
                }
                q.push(")");
                let found: Vec<(String, String)> =
                    q.positional_for(self.backend).fetch_all(&mut *conn).await?;
                looked_up.extend(found);
            }
        }
        let at = now();
        let backend = self.backend;
        // 21 values a row; 400 rows stay under every backend's limit on bound values. The text
        // of a full chunk is written once for the whole batch.
        const CHUNK: usize = 400;
        let mut full: Option<std::sync::Arc<str>> = None;
        let mut pending = unique.into_iter();
        // Takes the next rows, keeps those that are new or changed (by their digest) and binds
        // them, up to a chunk; counts the others. Runs while the previous chunk is written.
        let mut next_chunk = || -> Result<Option<crate::db::Prepared<'_>>, StoreError> {
            let mut chunk: Vec<(&StructureInput, String)> = Vec::with_capacity(CHUNK);
            for r in pending.by_ref() {
                let digest = r.digest();
                let stored = match known.as_deref_mut() {
                    Some(k) => k.insert(r.finess_et.clone(), digest.clone()),
                    None => looked_up.get(r.finess_et.as_str()).cloned(),
                };
                match stored {
                    None => counts.inserted += 1,
                    Some(h) if h == digest => {
                        counts.unchanged += 1;
                        continue;
                    }
                    Some(_) => counts.updated += 1,
                }
                chunk.push((r, digest));
                if chunk.len() == CHUNK {
                    break;
                }
            }
            if chunk.is_empty() {
                return Ok(None);
            }
            let text = if chunk.len() == CHUNK {
                full.get_or_insert_with(|| upsert_text(backend, CHUNK, at).into())
                    .clone()
            } else {
                upsert_text(backend, chunk.len(), at).into()
            };
            upsert_values(text, &chunk).map(Some)
        };
        let mut next = next_chunk()?;
        while let Some(q) = next.take() {
            // SQLite runs a statement on its own thread: the next chunk is sorted out and bound
            // meanwhile, and only the handing over is left between two statements.
            let (done, built) = tokio::join!(q.execute(&mut *conn), async { next_chunk() });
            done?;
            next = built?;
        }
        record(
            &mut *conn,
            actor,
            Event::new("registry.upsert", "structures", rows.len())
                .detail(serde_json::to_value(counts).unwrap_or_default()),
        )
        .await?;
        Ok(counts)
    }

    pub async fn list_ghts(
        &self,
        actor: &Actor,
        region: Option<&str>,
    ) -> Result<Vec<Ght>, StoreError> {
        actor.require(Permission::ReadStructures)?;
        let mut q = Sql::new(
            "SELECT g.id, g.code, g.name, g.region_code, g.support_structure_id, \
             (SELECT COUNT(*) FROM structures s WHERE s.ght_id = g.id) AS structure_count FROM ghts g WHERE ",
        );
        actor.scope_ghts(&mut q, "g");
        if let Some(r) = region.filter(|r| !r.is_empty()) {
            q.push(" AND g.region_code").push_region_eq(r);
        }
        q.push(" ORDER BY g.region_code, g.name");
        q.fetch_all(&self.pool).await
    }

    /// GHTs in scope as (id, name), for the options of a filter: no counting.
    pub async fn ght_options(&self, actor: &Actor) -> Result<Vec<(i64, String)>, StoreError> {
        actor.require(Permission::ReadStructures)?;
        let mut q = Sql::new("SELECT g.id, g.name FROM ghts g WHERE ");
        actor.scope_ghts(&mut q, "g");
        q.push(" ORDER BY g.name");
        // Cached per process (see `cache`): the scope is in the key.
        let key = q.cache_key();
        let v = self
            .caches
            .ght_options
            .get_or_load(
                &key,
                |_| true,
                || async {
                    let v: Vec<(i64, String)> = q.fetch_all(&self.pool).await?;
                    Ok::<_, StoreError>(Some(std::sync::Arc::new(v)))
                },
            )
            .await?;
        Ok(v.map(|v| v.as_ref().clone()).unwrap_or_default())
    }

    pub async fn get_ght(&self, actor: &Actor, id: i64) -> Result<Ght, StoreError> {
        actor.require(Permission::ReadStructures)?;
        let mut q = Sql::new(
            "SELECT g.id, g.code, g.name, g.region_code, g.support_structure_id, \
             (SELECT COUNT(*) FROM structures s WHERE s.ght_id = g.id) AS structure_count FROM ghts g WHERE g.id = ",
        );
        q.bind(id).push(" AND ");
        actor.scope_ghts(&mut q, "g");
        q.fetch_one(&self.pool).await
    }

    /// Creates or renames a GHT by its code; returns its id.
    pub async fn upsert_ght(
        &self,
        actor: &Actor,
        code: &str,
        name: &str,
        region_code: &str,
    ) -> Result<i64, StoreError> {
        actor.require(Permission::ImportRegistry)?;
        let mut tx = self.begin_write().await?;
        let id = upsert_ght_in(&mut tx, code, name, region_code).await?;
        record(
            &mut *tx,
            actor,
            Event::new("ght.upsert", "ght", id)
                .detail(serde_json::json!({ "code": code, "name": name, "region": region_code })),
        )
        .await?;
        tx.commit().await?;
        crate::cache::registry_changed();
        Ok(id)
    }

    /// Applies a GHT composition: each (GHT, FINESS ET, support) attaches the structure to the GHT.
    /// Rows naming an unknown structure are returned as rejected with their index; the others apply.
    pub async fn apply_ght_composition(
        &self,
        actor: &Actor,
        rows: &[(String, String, String, String, bool)],
    ) -> Result<(usize, Vec<(usize, String, String)>), StoreError> {
        actor.require(Permission::ImportRegistry)?;
        if !matches!(actor.scope, vigie_domain::role::Scope::National) {
            return Err(StoreError::Forbidden(
                "import the registry (national scope only)",
            ));
        }
        let mut tx = self.begin_write().await?;
        let mut applied = 0;
        let mut rejected = Vec::new();
        for (i, (code, name, region, finess, support)) in rows.iter().enumerate() {
            let sid: Option<(i64, String)> =
                Sql::new("SELECT id, region_code FROM structures WHERE finess_et = $1")
                    .arg(finess.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((sid, sregion)) = sid else {
                rejected.push((
                    i,
                    format!("structure {finess} is not in the registry"),
                    format!("la structure {finess} n'est pas dans le répertoire"),
                ));
                continue;
            };
            if &sregion != region {
                rejected.push((
                    i,
                    format!(
                        "structure {finess} is in region {sregion}, not in the GHT's region {region}"
                    ),
                    format!(
                        "la structure {finess} est dans la région {sregion}, pas dans celle du GHT ({region})"
                    ),
                ));
                continue;
            }
            let gid = upsert_ght_in(&mut tx, code, name, region).await?;
            Sql::new("UPDATE structures SET ght_id = $1, updated_at = $2 WHERE id = $3")
                .arg(gid)
                .arg(now())
                .arg(sid)
                .execute(&mut *tx)
                .await?;
            if *support {
                Sql::new("UPDATE ghts SET support_structure_id = $1 WHERE id = $2")
                    .arg(sid)
                    .arg(gid)
                    .execute(&mut *tx)
                    .await?;
            }
            applied += 1;
        }
        record(
            &mut *tx,
            actor,
            Event::new("ght.import", "ghts", rows.len())
                .detail(serde_json::json!({ "applied": applied, "rejected": rejected.len() })),
        )
        .await?;
        tx.commit().await?;
        crate::cache::registry_changed();
        Ok((applied, rejected))
    }
}

/// The text of the multi-row upsert of `rows` structures; `upsert_values` binds their values.
fn upsert_text(backend: crate::db::Backend, rows: usize, at: i64) -> String {
    crate::db::rows_text(
        backend,
        "INSERT INTO structures (finess_et, finess_ej, name, long_name, name_search, category_code, \
         category_label, aggregate_code, legal_family, sector, address, postal_line, department_code, \
         region_code, phone, siret, overseas, is_demo, source, finess_updated_on, import_hash, \
         created_at, updated_at) VALUES ",
        // The time the program computed is written as a literal: one value a row fewer to bind.
        &format!("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,{at},{at})"),
        rows,
        " ON CONFLICT (finess_et) DO UPDATE SET finess_ej = excluded.finess_ej, name = excluded.name, \
         long_name = excluded.long_name, name_search = excluded.name_search, \
         category_code = excluded.category_code, category_label = excluded.category_label, \
         aggregate_code = excluded.aggregate_code, legal_family = excluded.legal_family, \
         sector = excluded.sector, address = excluded.address, postal_line = excluded.postal_line, \
         department_code = excluded.department_code, region_code = excluded.region_code, \
         phone = excluded.phone, siret = excluded.siret, source = excluded.source, \
         finess_updated_on = excluded.finess_updated_on, import_hash = excluded.import_hash, \
         updated_at = excluded.updated_at WHERE structures.import_hash <> excluded.import_hash",
    )
}

/// The values of a chunk of structures with their digests, in `upsert_text`'s order.
fn upsert_values<'q>(
    text: std::sync::Arc<str>,
    chunk: &[(&'q StructureInput, String)],
) -> Result<crate::db::Prepared<'q>, StoreError> {
    let mut q = crate::db::Prepared::new(text, chunk.len() * 21);
    for (r, digest) in chunk {
        let overseas = r.department_code.len() == 3;
        q.push(r.finess_et.as_str())?
            .push(r.finess_ej.as_deref())?
            .push(r.name.as_str())?
            .push(r.long_name.as_str())?
            .push(r.search_text())?
            .push(r.category_code.as_str())?
            .push(r.category_label.as_str())?
            .push(r.aggregate_code.as_str())?
            .push(r.legal_family.as_str())?
            .push(r.sector.as_str())?
            .push(r.address.as_str())?
            .push(r.postal_line.as_str())?
            .push(r.department_code.as_str())?
            .push(r.region_code.as_str())?
            .push(r.phone.as_deref())?
            .push(r.siret.as_deref())?
            .push(i64::from(overseas))?
            .push(i64::from(r.is_demo))?
            .push(r.source.as_str())?
            .push(r.finess_updated_on.as_deref())?
            .push(digest.clone())?;
    }
    Ok(q)
}

async fn upsert_ght_in(
    conn: &mut sqlx::AnyConnection,
    code: &str,
    name: &str,
    region_code: &str,
) -> Result<i64, StoreError> {
    if code.trim().is_empty() || name.trim().is_empty() {
        return Err(StoreError::Invalid(
            "GHT: code and name are required".into(),
        ));
    }
    if vigie_domain::geo::region(region_code).is_none() {
        return Err(StoreError::Invalid(format!(
            "GHT {code}: unknown region code {region_code:?}"
        )));
    }
    let at = now();
    Sql::new(
        "INSERT INTO ghts (code, name, region_code, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, region_code = excluded.region_code, \
         updated_at = excluded.updated_at RETURNING id",
    )
    .arg(code.trim())
    .arg(name.trim())
    .arg(region_code)
    .arg(at)
    .scalar(&mut *conn)
    .await
}

/// How to break down the structures in scope, for dashboards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    Region,
    Department,
    Sector,
    Ght,
}

/// Dashboard figures of the structures in scope.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Coverage {
    pub structures: i64,
    /// Structures that declared at least one asset (surveillance can only watch these).
    pub with_assets: i64,
    /// Structures with a security officer (RSSI) contact.
    pub with_security_officer: i64,
    pub essential_operators: i64,
}

impl Store {
    /// Counts of structures in scope by region, department, sector or GHT, largest first.
    pub async fn structure_breakdown(
        &self,
        actor: &Actor,
        by: Breakdown,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        actor.require(Permission::ReadStructures)?;
        let key = match by {
            Breakdown::Region => "s.region_code",
            Breakdown::Department => "s.department_code",
            Breakdown::Sector => "s.sector",
            Breakdown::Ght => "COALESCE(g.name, '')",
        };
        let mut q = Sql::new(&format!(
            "SELECT {key} AS k, COUNT(*) AS n FROM structures s LEFT JOIN ghts g ON g.id = s.ght_id WHERE "
        ));
        actor.scope_structures(&mut q, "s");
        q.push(&format!(" GROUP BY {key} ORDER BY n DESC, k"));
        q.fetch_all(&self.pool).await
    }

    pub async fn coverage(&self, actor: &Actor) -> Result<Coverage, StoreError> {
        actor.require(Permission::ReadStructures)?;
        // SUM is NUMERIC on PostgreSQL: cast to a 64-bit integer so both backends decode alike.
        let mut q = Sql::new(
            "SELECT COUNT(*), \
             CAST(COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM assets a WHERE a.structure_id = s.id) THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM contacts c WHERE c.structure_id = s.id AND c.role = 'security_officer') THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(s.ose), 0) AS BIGINT) FROM structures s WHERE ",
        );
        actor.scope_structures(&mut q, "s");
        let (structures, with_assets, with_security_officer, essential_operators): (
            i64,
            i64,
            i64,
            i64,
        ) = q.fetch_one(&self.pool).await?;
        Ok(Coverage {
            structures,
            with_assets,
            with_security_officer,
            essential_operators,
        })
    }
}
