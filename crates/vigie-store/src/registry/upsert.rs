//! Writing structures in bulk (the FINESS imports): only what changed is written, in multi-row
//! statements built while the previous one runs.

use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{fold, now, Sql, Store};
use crate::error::StoreError;
use crate::registry::types::{StructureInput, UpsertCounts};

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

impl Store {
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
