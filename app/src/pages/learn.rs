use super::not_found::NotFound;
use super::{Provenance, Sections};
use crate::islands::ContentsToggle;
use crate::server::SiteState;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use safety_core::content::Kind;

/// A learning module, for reading (progress, quizzes and sign-off come with the learning journey).
#[component]
pub fn ModulePage() -> impl IntoView {
    let site = expect_context::<SiteState>();
    let id = use_params_map()
        .read_untracked()
        .get("id")
        .unwrap_or_default();
    let Some(page) = site.page(Kind::Module, &id).cloned() else {
        return view! { <NotFound/> }.into_any();
    };
    let sections: Vec<(String, String)> = page
        .sections
        .iter()
        .filter(|s| !s.title.is_empty())
        .map(|s| (s.anchor.clone(), s.title.clone()))
        .collect();
    view! {
        <Title text=page.title.clone()/>
        <article class="module">
            <h1>{page.title.clone()}</h1>
            <p class="meta">{page.minutes} " minutes · " {sections.len()} " sections"</p>
            <p class="lead">{page.summary.clone()}</p>
            <ContentsToggle sections/>
            <Sections page=page.clone()/>
            <aside class="card card-tell" aria-labelledby="module-tell">
                <h2 id="module-tell">"Did something here worry you?"</h2>
                <p><a href="/tell">"Tell someone"</a> ". You do not have to give your name."</p>
            </aside>
            <Provenance page/>
        </article>
    }
    .into_any()
}
