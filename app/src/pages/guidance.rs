use super::{Provenance, Sections};
use crate::server::SiteState;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use safety_core::content::Kind;

use super::not_found::NotFound;

#[component]
pub fn GuidanceList() -> impl IntoView {
    let site = expect_context::<SiteState>();
    let items = site
        .pages_of(Kind::Guide)
        .map(|p| {
            view! {
                <li>
                    <h2><a href=p.url()>{p.title.clone()}</a></h2>
                    <p>{p.summary.clone()} " " <span class="meta">{p.minutes} " minute read"</span></p>
                </li>
            }
        })
        .collect_view();
    view! {
        <Title text="Guidance for parents and carers"/>
        <h1>"Guidance for parents and carers"</h1>
        <p class="lead">"You do not need to sign in to read these pages."</p>
        <ul class="page-list">{items}</ul>
    }
}

#[component]
pub fn GuidancePage() -> impl IntoView {
    let site = expect_context::<SiteState>();
    let id = use_params_map()
        .read_untracked()
        .get("id")
        .unwrap_or_default();
    let Some(page) = site.page(Kind::Guide, &id).cloned() else {
        return view! { <NotFound/> }.into_any();
    };
    view! {
        <Title text=page.title.clone()/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/parents">"Parents and carers"</a></nav>
        <article>
            <h1>{page.title.clone()}</h1>
            <p class="meta">{page.minutes} " minute read"</p>
            <Sections page=page.clone()/>
            <Provenance page/>
        </article>
    }
    .into_any()
}
