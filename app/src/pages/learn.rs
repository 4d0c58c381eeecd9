use super::not_found::NotFound;
use super::{Provenance, Sections};
use crate::server::SiteState;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use safety_core::content::{Audience, Kind, Page};

/// Everything there is to learn: induction for learners, training for staff, the AUPs.
#[component]
pub fn LearningIndex() -> impl IntoView {
    let site = expect_context::<SiteState>();
    // The people who check completion see, under each module, who has completed it.
    let checks_completion = use_context::<crate::server::Viewer>()
        .is_some_and(|v| crate::server::may(&site, &v, safety_core::roles::Action::ViewCompletion));
    let list = |pages: Vec<&Page>| {
        pages
            .into_iter()
            .map(|p| {
                let roster = (checks_completion && p.kind == Kind::Module).then(|| {
                    view! { <a href=format!("/completions/{}", p.id)>"Who has completed it" <span class="visually-hidden">" (" {p.title.clone()} ")"</span></a> }
                });
                view! {
                    <li>
                        <h3><a href=p.url()>{p.title.clone()}</a></h3>
                        <p>{p.summary.clone()} " " <span class="meta">{p.minutes} " minutes"</span> " " {roster}</p>
                    </li>
                }
            })
            .collect_view()
    };
    let modules_for = |a: Audience| {
        site.pages_of(Kind::Module)
            .filter(|p| p.is_for(a))
            .collect::<Vec<_>>()
    };
    let learners = list(modules_for(Audience::Learners));
    let staff = list(modules_for(Audience::Staff));
    let aups = list(site.pages_of(Kind::Aup).collect());
    // The organisation's own guides for learners (a guide is for parents, and may be for
    // learners too): listed here, where learners look.
    let own: Vec<&Page> = site
        .pages_of(Kind::Guide)
        .filter(|p| p.is_for(Audience::Learners))
        .collect();
    let own = (!own.is_empty()).then(|| {
        let items = list(own);
        view! {
            <section aria-labelledby="own-pages-heading" data-testid="own-pages">
                <h2 id="own-pages-heading">"Our own pages"</h2>
                <ul class="page-list">{items}</ul>
            </section>
        }
    });
    view! {
        <Title text="Learning"/>
        <h1>"Learning"</h1>
        <section aria-labelledby="learners-heading">
            <h2 id="learners-heading">"Online safety induction for learners"</h2>
            <ul class="page-list">{learners}</ul>
        </section>
        <section aria-labelledby="staff-heading">
            <h2 id="staff-heading">"Safeguarding and online safety training for staff"</h2>
            <p>"Staff complete these every year."</p>
            <ul class="page-list">{staff}</ul>
        </section>
        <section aria-labelledby="aup-heading">
            <h2 id="aup-heading">"Acceptable Use Policies"</h2>
            <ul class="page-list">{aups}</ul>
        </section>
        {own}
    }
}

/// A learning module, for reading (progress, quizzes and sign-off come with the learning journey).
#[component]
pub fn ModulePage() -> impl IntoView {
    let site = expect_context::<SiteState>();
    let id = use_params_map()
        .read_untracked()
        .get("id")
        .unwrap_or_default();
    if let Some(reading) = use_context::<crate::server::learning::Reading>() {
        return view! { <crate::pages::training::ReadingPage reading/> }.into_any();
    }
    let Some(page) = site.page(Kind::Module, &id).cloned() else {
        return view! { <NotFound/> }.into_any();
    };
    let quiz = site
        .pages
        .iter()
        .find(|p| p.kind == Kind::Quiz && p.module.as_deref() == Some(page.id.as_str()))
        .and_then(|p| p.quiz.as_ref())
        .map(|q| {
            view! {
                <p class="note">
                    "This module ends with a short quiz of " {q.questions.len()} " questions. You pass with "
                    {q.pass_mark} " or more right."
                </p>
            }
        });
    let sections: Vec<(String, String)> = page
        .sections
        .iter()
        .filter(|s| !s.title.is_empty())
        .map(|s| (s.anchor.clone(), s.title.clone()))
        .collect();
    view! {
        <Title text=page.title.clone()/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/learn">"Learning"</a></nav>
        <article class="module">
            <h1>{page.title.clone()}</h1>
            <p class="meta">{page.minutes} " minutes · " {sections.len()} " sections"</p>
            <p class="lead">{page.summary.clone()}</p>
            <Contents sections/>
            <Sections page=page.clone()/>
            {quiz}
            <aside class="card card-tell" aria-labelledby="module-tell">
                <h2 id="module-tell">"Did something here worry you?"</h2>
                <p><a href="/tell">"Tell someone"</a> ". You do not have to give your name."</p>
            </aside>
            <Provenance page/>
        </article>
    }
    .into_any()
}

/// The module's contents list, folded behind its summary so a phone shows the text first. A
/// `<details>` element: it opens and closes with no script, by mouse, touch and keyboard.
#[component]
fn Contents(sections: Vec<(String, String)>) -> impl IntoView {
    view! {
        <nav class="contents" aria-label="In this module">
            <details>
                <summary>"In this module"</summary>
                <ol id="module-contents">
                    {sections
                        .into_iter()
                        .map(|(anchor, title)| {
                            view! {
                                <li>
                                    <a href=format!("#{anchor}")>{title}</a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ol>
            </details>
        </nav>
    }
}
