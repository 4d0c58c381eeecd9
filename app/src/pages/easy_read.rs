//! The easy-read switch (on a module page and My training) and the DSL's assignment on a
//! person's record. Plain forms: they work with JavaScript off and from the keyboard.

use crate::server::Viewer;
use crate::server::easy_read::{PersonReading, ReadingSwitch};
use leptos::prelude::*;

fn csrf() -> String {
    use_context::<Viewer>().map(|v| v.csrf).unwrap_or_default()
}

/// "You are reading the standard version. [Use easy read]" (or back), with why.
#[component]
pub fn EasyReadSwitch() -> impl IntoView {
    let Some(s) = use_context::<ReadingSwitch>() else {
        return ().into_any();
    };
    let (status, button, value) = if s.easy_read {
        (
            "You are reading the easy-read version.",
            "Use the standard version",
            "standard",
        )
    } else {
        (
            "You are reading the standard version.",
            "Use easy read",
            "easy",
        )
    };
    view! {
        <form method="post" action="/me/reading-level" class="easy-read-switch" data-testid="easy-read-switch" aria-labelledby="easy-read-heading">
            <h2 id="easy-read-heading" class="visually-hidden">"Easy read"</h2>
            <input type="hidden" name="csrf" value=csrf()/>
            <input type="hidden" name="return_to" value=s.return_to.clone()/>
            <input type="hidden" name="level" value=value/>
            <p>
                <strong data-testid="reading-level">{status}</strong> " " {s.because.clone()}
                " Easy read has short sentences and everyday words. It has the same facts, and it counts the same."
            </p>
            <button type="submit" class="button secondary">{button}</button>
        </form>
    }
    .into_any()
}

/// On a person's record, for a DSL, a deputy or an admin: their version and a button to set it.
#[component]
pub fn PersonReadingForm() -> impl IntoView {
    let Some(p) = use_context::<PersonReading>() else {
        return ().into_any();
    };
    let (now, button, value) = if p.easy_read {
        ("Easy read", "Set the standard version for them", "standard")
    } else {
        ("Standard version", "Set easy read for them", "easy")
    };
    view! {
        <section aria-labelledby="reading-level-heading" data-testid="person-reading-level">
            <h2 id="reading-level-heading">"Easy read"</h2>
            <p><strong>{now}</strong> ". " {p.because.clone()} " The learner can still change it on their module pages."</p>
            <form method="post" action=format!("/compliance/people/{}/reading-level", p.person_id)>
                <input type="hidden" name="csrf" value=csrf()/>
                <input type="hidden" name="level" value=value/>
                <button type="submit" class="button secondary">{button}</button>
            </form>
            {p.groups.iter().map(|(g, on)| {
                let (label, value) = if *on {
                    (format!("Take easy read off for the group {g}"), "standard")
                } else {
                    (format!("Set easy read for everyone in the group {g}"), "easy")
                };
                view! {
                    <form method="post" action="/compliance/reading-level/group">
                        <input type="hidden" name="csrf" value=csrf()/>
                        <input type="hidden" name="group" value=g.clone()/>
                        <input type="hidden" name="person" value=p.person_id.clone()/>
                        <input type="hidden" name="level" value=value/>
                        <button type="submit" class="button secondary">{label}</button>
                    </form>
                }
            }).collect_view()}
        </section>
    }
    .into_any()
}
