//! Which strands of the UKCIS framework "Education for a Connected World" the learner modules
//! cover: public, server-rendered, no JavaScript.

use crate::server::SiteState;
use leptos::prelude::*;
use leptos_meta::Title;
use safety_core::content::{Audience, Kind, Page, UKCIS_STRANDS};

/// Who a module is for, in words.
fn audience_in_words(page: &Page) -> String {
    let words: Vec<&str> = page
        .audience
        .iter()
        .map(|a| match a {
            Audience::Learners => "learners",
            Audience::Staff => "staff",
            Audience::Parents => "parents and carers",
        })
        .collect();
    format!("For {}", words.join(" and "))
}

#[component]
pub fn CurriculumPage() -> impl IntoView {
    let site = expect_context::<SiteState>();
    let strands = UKCIS_STRANDS
        .iter()
        .map(|(id, name)| {
            let modules: Vec<&Page> = site
                .pages_of(Kind::Module)
                .filter(|p| p.ukcis.iter().any(|s| s == id))
                .collect();
            let covered = if modules.is_empty() {
                view! { <dd class="meta">"No module covers this strand yet."</dd> }.into_any()
            } else {
                modules
                    .into_iter()
                    .map(|p| {
                        let easy = site
                            .library
                            .easy_read_of(Kind::Module, &p.id)
                            .is_some()
                            .then_some(", easy read too");
                        view! {
                            <dd>
                                <a href=p.url()>{p.title.clone()}</a>
                                " "
                                <span class="meta">
                                    "(" {audience_in_words(p)} ", " {p.minutes} " minutes" {easy} ")"
                                </span>
                            </dd>
                        }
                    })
                    .collect_view()
                    .into_any()
            };
            view! {
                <dt id=format!("strand-{id}")>{*name}</dt>
                {covered}
            }
        })
        .collect_view();
    view! {
        <Title text="What our online safety curriculum covers"/>
        <h1>"What our online safety curriculum covers"</h1>
        <p class="lead">
            "The UK Council for Internet Safety's framework " <cite>"Education for a Connected World"</cite>
            " (2020 edition) describes what children and young people should know about life online, in eight strands. "
            "Here are the learner induction modules that cover each strand."
        </p>
        <dl class="strand-list" data-testid="ukcis-strands">{strands}</dl>
        <p>"All the modules are listed under " <a href="/learn">"Learning"</a> "."</p>
    }
}
