//! The dashboard (`/`): who the viewer is and on what scope, then the panels the engines
//! registered (figures of the registry, exposure, alerts…), each shown only when its engine has
//! something for this viewer.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use vigie_domain::role::Scope;

use crate::auth::Page;
use crate::i18n::Tr;
use crate::ui::{page, render, Ctx};
use crate::AppState;

#[derive(Template)]
#[template(path = "home/dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    display_name: String,
    role: String,
    scope_label: String,
    panels: Vec<String>,
}

fn scope_label(tr: &Tr, scope: &Scope, ght_name: Option<String>) -> String {
    match scope {
        Scope::National => tr.t("scope-national").to_string(),
        Scope::Region(r) => format!("{} {}", tr.t("scope-region"), tr.region_name(r)),
        Scope::Ght(_) => ght_name.unwrap_or_else(|| tr.t("scope-ght").to_string()),
        Scope::Structures { .. } => tr.t("scope-structures").to_string(),
        Scope::Nothing => tr.t("scope-nothing").to_string(),
    }
}

pub(crate) async fn dashboard(State(st): State<AppState>, Page(a): Page) -> Response {
    page!(a, {
        let me = st.store.get_user(&a.actor, a.user_id).await?;
        let ght_name = match a.actor.scope {
            Scope::Ght(g) => st.store.get_ght(&a.actor, g).await.ok().map(|g| g.name),
            _ => None,
        };
        let mut panels = Vec::new();
        for p in &crate::routes::parts().panels {
            if let Some(html) = (p.render)(&st, &a).await? {
                panels.push(html);
            }
        }
        render(&DashboardPage {
            scope_label: scope_label(&a.tr(), &a.actor.scope, ght_name),
            ctx: Ctx::of(&a),
            display_name: me.display_name,
            role: me.role,
            panels,
        })
    })
}
