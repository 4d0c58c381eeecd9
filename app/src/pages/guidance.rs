use super::{Provenance, Sections};
use crate::server::SiteState;
use leptos::prelude::*;
use leptos_meta::{Script, Title};
use leptos_router::hooks::use_params_map;
use safety_core::content::Kind;

use super::not_found::NotFound;

/// Where "Exit this page" goes: a neutral, everyday site (as GOV.UK's component suggests).
pub const EXIT_PAGE_TO: &str = "https://www.bbc.co.uk/weather";

/// The component's behaviour with JavaScript (GOV.UK Frontend's "Exit this page"): pressing the
/// button, or the Shift key three times within 5 seconds, hides the page at once and replaces it
/// in the history with the neutral site (`location.replace`), so "Back" does not return here. A
/// Shift pressed to type a capital letter does not count. Inline in the head, with the response's
/// CSP nonce (leptos_meta adds it): no extra file, no hydration, nothing inside `<main>`.
const EXIT_PAGE_SCRIPT: &str = r#"document.addEventListener('DOMContentLoaded', function () {
  var link = document.querySelector('[data-exit-this-page]');
  if (!link) return;
  var status = document.querySelector('[data-exit-status]');
  var hint = document.querySelector('[data-exit-hint]');
  if (hint) hint.hidden = false;
  function say(text) { if (status) status.textContent = text; }
  function leave(event) {
    if (event) event.preventDefault();
    document.body.classList.add('exiting-page');
    say('Leaving this page.');
    window.location.replace(link.href);
  }
  link.addEventListener('click', leave);
  window.addEventListener('pageshow', function () { document.body.classList.remove('exiting-page'); });
  var presses = 0, timer = null, modified = false;
  document.addEventListener('keyup', function (event) {
    if (event.key === 'Shift' && !modified) {
      presses += 1;
      clearTimeout(timer);
      if (presses >= 3) { presses = 0; leave(); return; }
      var left = 3 - presses;
      say('Shift, press ' + left + ' more time' + (left === 1 ? '' : 's') + ' to exit.');
      timer = setTimeout(function () { presses = 0; say('Exit this page expired.'); }, 5000);
    } else if (presses > 0) {
      presses = 0;
      clearTimeout(timer);
      say('');
    }
    modified = event.shiftKey;
  });
});"#;

/// GOV.UK's "Exit this page": a button that leaves for a neutral site at once. Without
/// JavaScript it is a plain link (no referrer, not followed by search engines); with it, see
/// [`EXIT_PAGE_SCRIPT`]. On the worry form, the follow-up page and the guides for parents, where
/// someone may need to hide what they are reading quickly.
#[component]
pub fn ExitThisPage() -> impl IntoView {
    view! {
        <Script>{EXIT_PAGE_SCRIPT}</Script>
        <div class="exit-this-page" data-testid="exit-this-page">
            <a href=EXIT_PAGE_TO class="button exit-this-page-button" role="button" draggable="false"
                rel="nofollow noreferrer" data-exit-this-page="">
                <span class="visually-hidden">"Emergency"</span>" Exit this page"
            </a>
            <p class="exit-this-page-hint" data-exit-hint="" hidden>"Or press the Shift key 3 times."</p>
            <span class="visually-hidden" role="status" aria-live="polite" data-exit-status=""></span>
        </div>
    }
}

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
        <ExitThisPage/>
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
        <ExitThisPage/>
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
