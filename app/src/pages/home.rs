use crate::server::SiteState;
use leptos::prelude::*;
use leptos_meta::Title;
use safety_core::content::{Audience, Kind};

#[component]
pub fn HomePage() -> impl IntoView {
    let site = expect_context::<SiteState>();
    let modules = site
        .pages_of(Kind::Module)
        .filter(|p| p.is_for(Audience::Learners))
        .map(|p| view! { <li><a href=p.url()>{p.title.clone()}</a> " (" {p.minutes} " minutes)" <p>{p.summary.clone()}</p></li> })
        .collect_view();
    view! {
        <Title text=crate::shell::service_name(&site)/>
        <h1>"Online safety at " {site.org.name.clone()}</h1>
        <p class="lead">"Learn how to stay safe online, and tell someone when something worries you."</p>
        <div class="cards">
            <section class="card card-tell" aria-labelledby="tell-heading">
                <h2 id="tell-heading">"Worried about something?"</h2>
                <p>"You can tell us about anything that has happened online or offline. You do not have to give your name."</p>
                <p><a class="button" href="/tell">"Tell someone"</a></p>
            </section>
            <section class="card" aria-labelledby="learn-heading">
                <h2 id="learn-heading">"Learning"</h2>
                <ul class="plain">{modules}</ul>
                <p><a href="/learn">"All learning, training and policies"</a></p>
            </section>
            <section class="card" aria-labelledby="parents-heading">
                <h2 id="parents-heading">"For parents and carers"</h2>
                <p>"Guidance on talking with your child, settings and controls, and what to do if you are worried."</p>
                <p><a href="/parents">"Read the guidance for parents and carers"</a></p>
            </section>
        </div>
    }
}
