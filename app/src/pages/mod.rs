//! One module per page. Server-rendered only; interactive parts are islands.

pub mod account;
pub mod admin;
pub mod aup;
pub mod compliance;
pub mod concerns;
pub mod curriculum;
pub mod easy_read;
pub mod exports;
pub mod family;
pub mod follow_up;
pub mod guidance;
pub mod home;
pub mod import;
pub mod learn;
pub mod my_worries;
pub mod not_found;
pub mod organisation;
pub mod policies;
pub mod records;
pub mod reports;
pub mod retention;
pub mod safeguarding_roles;
pub mod tell;
pub mod training;
pub mod transfer;
pub mod worries;

use leptos::prelude::*;
use safety_core::content::Page;

/// A content page's sections. The HTML comes from our Markdown renderer, which never passes raw
/// HTML through from content, so it is safe to insert.
#[component]
pub fn Sections(page: Page) -> impl IntoView {
    page.sections
        .into_iter()
        .map(|s| {
            if s.title.is_empty() {
                view! { <div class="prose" inner_html=s.html></div> }.into_any()
            } else {
                let heading_id = s.anchor.clone();
                view! {
                    <section class="prose" aria-labelledby=s.anchor>
                        <h2 id=heading_id>{s.title}</h2>
                        <div inner_html=s.html></div>
                    </section>
                }
                .into_any()
            }
        })
        .collect_view()
}

/// Where a page's content comes from and when it is reviewed (the policies carry a review cycle).
#[component]
pub fn Provenance(page: Page) -> impl IntoView {
    view! {
        <aside class="provenance" aria-label="About this page">
            <p>"Based on: " {page.source.clone()}</p>
            {page.kcsie.clone().map(|edition| view! {
                <p data-testid="kcsie">"Reflects " {edition} " (Keeping Children Safe in Education)."</p>
            })}
            {(!page.sources.is_empty()).then(|| view! {
                <p data-testid="sources">"Sources: " {page.sources.join("; ")}</p>
            })}
            <p>
                "Version " {page.version.clone()} ". Last reviewed "
                {page.last_reviewed.format("%-d %B %Y").to_string()} ", next review due "
                {page.next_review.format("%-d %B %Y").to_string()} "."
            </p>
        </aside>
    }
}

pub(crate) use crate::islands::textarea_text;
