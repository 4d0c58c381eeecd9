//! The local run's demo people: one of each role in the demo organisation, from
//! `content/organisations/demo-people.csv`, imported the same way an admin imports a file (so a
//! restart changes nothing). Sign in as any of them through the outbox (see README.md).

use app::server::SiteState;
use chrono::Utc;
use safety_core::identity::import;

const DEMO_PEOPLE: &str = include_str!("../../../content/organisations/demo-people.csv");

pub async fn demo_people(site: &SiteState) {
    let preview = match import::preview_seed(&site.store, &site.org_id, DEMO_PEOPLE).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "the demo people could not be read");
            return;
        }
    };
    match import::apply(&site.store, &site.org_id, &preview, Utc::now(), |_, _| {}).await {
        Ok(result) => tracing::info!(
            created = result.created,
            unchanged = result.unchanged,
            failed = result.failed,
            "demo people ready: sign in as any of them via the outbox"
        ),
        Err(e) => tracing::error!(error = %e, "the demo people could not be imported"),
    }
}
