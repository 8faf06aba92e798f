//! The header's search (`/search?q=`): what the viewer may see that answers to what was typed,
//! grouped by kind with how many of each — structures (the registry's ranked search: any word of
//! the name, the town, a FINESS number or the GHT, accents and case ignored), the advisories of
//! the watch that concern the viewer's territory (a CVE id, a product or vendor, words of the
//! title) and people (the accounts the viewer may see, by name or e-mail). Every group is read
//! by the store within the viewer's scope, counts included; a group the role may not read is not
//! asked for. What was typed is capped at [`MAX_QUERY_CHARS`] and only ever bound.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use vigie_domain::role::Permission;
use vigie_store::accounts::User;
use vigie_store::registry::{StructureFilter, StructureRow};
use vigie_store::watch::{AdvisoryFilter, AdvisorySummary};

use crate::auth::Page;
use crate::routes::Routes;
use crate::ui::{page, query_string, render, Ctx};
use crate::AppState;

/// What the search reads of a query: longer ones are cut (and the page says so).
pub const MAX_QUERY_CHARS: usize = 100;
/// Items shown per group (the counts are of everything found).
const PER_GROUP: usize = 10;
/// People shown (their list has no page of its own to continue on).
const PEOPLE: usize = 20;

#[derive(Deserialize, Default)]
pub(crate) struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// What was typed, trimmed and cut to [`MAX_QUERY_CHARS`] characters; whether it was cut.
pub fn capped(q: &str) -> (String, bool) {
    let q = q.trim();
    match q.char_indices().nth(MAX_QUERY_CHARS) {
        Some((at, _)) => (q[..at].trim_end().to_string(), true),
        None => (q.to_string(), false),
    }
}

/// Whether `q` reads as an advisory's reference (`CVE-2024-1234`, `CERTFR-2025-AVI-0012`).
fn looks_like_reference(q: &str) -> bool {
    q.len() <= 60
        && q.contains('-')
        && q.chars().any(|c| c.is_ascii_digit())
        && q.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[derive(Template)]
#[template(path = "search/results.html")]
struct SearchPage {
    ctx: Ctx,
    q: String,
    cut: bool,
    /// The query for the links to the lists (`q=…`).
    query: String,
    structures: Vec<StructureRow>,
    structures_total: i64,
    /// `None`: the role does not read the watch.
    advisories: Option<Vec<AdvisorySummary>>,
    advisories_total: i64,
    /// An advisory known to the watch by the reference typed, that concerns no structure of
    /// the viewer's territory (advisories are public: any reader of the watch opens its page).
    known_elsewhere: Option<String>,
    /// `None`: the role does not read accounts.
    people: Option<Vec<User>>,
    people_total: i64,
}

impl SearchPage {
    fn found(&self) -> i64 {
        self.structures_total + self.advisories_total + self.people_total
    }

    fn summary(&self) -> String {
        self.ctx.tr.t_args(
            "search-summary",
            &[
                ("q", self.q.as_str().into()),
                ("count", self.found().into()),
            ],
        )
    }

    fn empty_message(&self) -> String {
        self.ctx
            .tr
            .t_args("search-empty", &[("q", self.q.as_str().into())])
    }

    fn cut_message(&self) -> String {
        self.ctx
            .tr
            .t_args("search-cut", &[("max", MAX_QUERY_CHARS.into())])
    }

    fn known_message(&self, reference: &str) -> String {
        self.ctx
            .tr
            .t_args("search-known_elsewhere", &[("ref", reference.into())])
    }
}

pub(crate) async fn search(
    State(st): State<AppState>,
    Page(a): Page,
    Query(sq): Query<SearchQuery>,
) -> Response {
    page!(a, {
        let (q, cut) = capped(&sq.q);
        let mut p = SearchPage {
            ctx: Ctx::of(&a),
            query: query_string(&[("q", &q)]),
            q,
            cut,
            structures: Vec::new(),
            structures_total: 0,
            advisories: None,
            advisories_total: 0,
            known_elsewhere: None,
            people: None,
            people_total: 0,
        };
        if !p.q.is_empty() {
            // A query without a word of two letters or more ("*", "a") would filter nothing:
            // it finds no structure rather than all of them.
            let words = !vigie_store::db::search_words(&p.q).is_empty();
            if words && a.actor.can(Permission::ReadStructures) {
                let f = StructureFilter {
                    text: Some(p.q.clone()),
                    page: 1,
                    per_page: PER_GROUP as i64,
                    ..Default::default()
                };
                (p.structures, p.structures_total) =
                    st.store.list_structure_rows(&a.actor, &f).await?;
            }
            if a.actor.can(Permission::ReadVulnerabilities) {
                let f = AdvisoryFilter {
                    text: Some(p.q.clone()),
                    limit: Some(PER_GROUP as i64),
                    ..Default::default()
                };
                let found = st.store.list_advisories(&a.actor, &f).await?;
                if looks_like_reference(&p.q)
                    && !found
                        .0
                        .iter()
                        .any(|v| v.info.ref_id.eq_ignore_ascii_case(&p.q))
                {
                    p.known_elsewhere = match st
                        .store
                        .get_advisory(&a.actor, &p.q.to_ascii_uppercase())
                        .await
                    {
                        Ok((v, _)) => Some(v.ref_id),
                        Err(vigie_store::StoreError::NotFound) => None,
                        Err(e) => return Err(e.into()),
                    };
                }
                p.advisories = Some(found.0);
                p.advisories_total = found.1;
            }
            if a.actor.can(Permission::ReadUsers) {
                let (rows, total) = st.store.search_users(&a.actor, &p.q, PEOPLE).await?;
                p.people = Some(rows);
                p.people_total = total;
            }
        }
        render(&p)
    })
}

pub fn routes(r: Routes) -> Routes {
    r.get("/search", search)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_queries_are_cut_on_a_character() {
        let (q, cut) = capped("  Quimperlé  ");
        assert_eq!((q.as_str(), cut), ("Quimperlé", false));
        let long = "é".repeat(150);
        let (q, cut) = capped(&long);
        assert!(cut);
        assert_eq!(q.chars().count(), MAX_QUERY_CHARS);
    }

    #[test]
    fn references_are_told_from_words() {
        assert!(looks_like_reference("CVE-2024-55591"));
        assert!(looks_like_reference("cve-2024-1234"));
        assert!(!looks_like_reference("fortios"));
        assert!(!looks_like_reference("CVE-2024-1234' OR 1=1"));
        assert!(!looks_like_reference("saint-malo"));
    }
}
