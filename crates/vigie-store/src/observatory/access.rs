//! Who sees which observatory, and the territories a viewer may choose.

use vigie_domain::role::{Permission, Scope};
use vigie_observatory::Territory;

use crate::actor::Actor;
use crate::db::{Sql, Store};
use crate::error::StoreError;

/// A territory the viewer may choose, with its name (a region's, a GHT's code and name; France
/// is named by the page).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TerritoryOption {
    pub territory: Territory,
    pub name: String,
}

/// The observatory is for those who see many structures: the CERT, the administrator and the
/// national auditor (France), a regional centre (its region), a GHT officer (its GHT).
pub(crate) fn require_reader(actor: &Actor) -> Result<(), StoreError> {
    actor.require(Permission::ReadIncidents)?;
    match actor.scope {
        Scope::National | Scope::Region(_) | Scope::Ght(_) => Ok(()),
        Scope::Structures { .. } | Scope::Nothing => {
            Err(StoreError::Forbidden("read the observatory"))
        }
    }
}

/// Only the national CERT (and the administrator) imports past declarations.
pub(crate) fn require_importer(actor: &Actor) -> Result<(), StoreError> {
    actor.require(Permission::HandleIncidents)?;
    if matches!(actor.scope, Scope::National) {
        Ok(())
    } else {
        Err(StoreError::Forbidden("import past declarations"))
    }
}

impl Store {
    /// Whether `actor` may see an observatory at all (for the navigation).
    pub fn observatory_visible(actor: &Actor) -> bool {
        require_reader(actor).is_ok()
    }

    /// Whether `actor` may import past declarations.
    pub fn observatory_importer(actor: &Actor) -> bool {
        require_importer(actor).is_ok()
    }

    /// The territory `actor` asked for, checked against its scope: France for a region's or a
    /// GHT's viewer is its own territory; another region, or a GHT out of scope, is `NotFound`.
    pub async fn observatory_territory(
        &self,
        actor: &Actor,
        asked: &Territory,
    ) -> Result<Territory, StoreError> {
        require_reader(actor)?;
        match (&actor.scope, asked) {
            (Scope::Region(r), Territory::France) => Ok(Territory::Region(r.clone())),
            (Scope::Ght(g), Territory::France) => Ok(Territory::Ght(*g)),
            (Scope::National, Territory::France) => Ok(Territory::France),
            (Scope::National, Territory::Region(r)) => Ok(Territory::Region(r.clone())),
            (Scope::Region(mine), Territory::Region(r)) if mine == r => {
                Ok(Territory::Region(r.clone()))
            }
            (_, Territory::Ght(g)) => {
                let mut q = Sql::new("SELECT COUNT(*) FROM ghts g WHERE g.id = ");
                q.bind(*g).push(" AND ");
                actor.scope_ghts(&mut q, "g");
                if q.scalar(&self.pool).await? == 1 {
                    Ok(Territory::Ght(*g))
                } else {
                    Err(StoreError::NotFound)
                }
            }
            _ => Err(StoreError::NotFound),
        }
    }

    /// The territories `actor` may choose: France and the regions for a national viewer, its
    /// region for a regional centre, then the GHTs in scope.
    pub async fn observatory_territories(
        &self,
        actor: &Actor,
    ) -> Result<Vec<TerritoryOption>, StoreError> {
        require_reader(actor)?;
        let mut out = Vec::new();
        match &actor.scope {
            Scope::National => {
                out.push(TerritoryOption {
                    territory: Territory::France,
                    name: "France".into(),
                });
                for r in vigie_domain::geo::regions() {
                    out.push(TerritoryOption {
                        territory: Territory::Region(r.code.to_string()),
                        name: r.name.to_string(),
                    });
                }
            }
            Scope::Region(code) => {
                if let Some(r) = vigie_domain::geo::region(code) {
                    out.push(TerritoryOption {
                        territory: Territory::Region(r.code.to_string()),
                        name: r.name.to_string(),
                    });
                }
            }
            _ => {}
        }
        let mut q = Sql::new("SELECT g.id, g.code, g.name FROM ghts g WHERE ");
        actor.scope_ghts(&mut q, "g");
        q.push(" ORDER BY g.code");
        let ghts: Vec<(i64, String, String)> = q.fetch_all(&self.pool).await?;
        for (id, code, name) in ghts {
            out.push(TerritoryOption {
                territory: Territory::Ght(id),
                name: format!("{code} — {name}"),
            });
        }
        Ok(out)
    }
}
