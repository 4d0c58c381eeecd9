use super::not_found::NotFound;
use super::{Provenance, Sections};
use crate::server::SiteState;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use safety_core::content::Kind;

/// An Acceptable Use Policy, to read. Its version is what people sign (signing comes with the
/// learning journey).
#[component]
pub fn AupPage() -> impl IntoView {
    let site = expect_context::<SiteState>();
    let id = use_params_map()
        .read_untracked()
        .get("id")
        .unwrap_or_default();
    if let Some(screen) = use_context::<crate::server::learning::AupScreen>() {
        return view! { <crate::pages::training::AupSignPage screen/> }.into_any();
    }
    let Some(page) = site.page(Kind::Aup, &id).cloned() else {
        return view! { <NotFound/> }.into_any();
    };
    view! {
        <Title text=page.title.clone()/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/learn">"Learning"</a></nav>
        <article class="aup">
            <h1>{page.title.clone()}</h1>
            <p class="meta">"Version " {page.version.clone()} " · " {page.minutes} " minute read"</p>
            <p class="lead">{page.summary.clone()}</p>
            <Sections page=page.clone()/>
            <Provenance page/>
        </article>
    }
    .into_any()
}
