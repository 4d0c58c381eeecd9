use crate::islands::{SentConfirmation, WorryForm};
use crate::layout::tel_href;
use crate::model::TellOutcome;
use crate::pages::guidance::ExitThisPage;
use crate::server::{SiteState, Viewer, WhoReads};
use leptos::prelude::*;
use leptos_meta::Title;
use safety_core::org::HelpService;

/// "Tell someone": the worry form, phones first. Above it only the emergency help, kept short;
/// who is on duty, out-of-hours help and who reads a worry follow it. After sending (JavaScript
/// off) the confirmation is the first thing on the page.
#[component]
pub fn TellPage() -> impl IntoView {
    let site = expect_context::<SiteState>();
    let services: Vec<_> = ["childline", "ceop"]
        .iter()
        .filter_map(|id| site.help(id).cloned())
        .collect();
    let viewer = use_context::<Viewer>();
    let choices = site.worry_choices(viewer.as_ref());
    let signed_in = viewer.is_some();
    let outcome = use_context::<TellOutcome>();
    let fresh = outcome.is_none();
    let (sent_first, form) = match outcome {
        Some(TellOutcome::Sent(sent)) => {
            (Some(view! { <SentConfirmation sent/> }.into_any()), None)
        }
        Some(TellOutcome::NotSent(form)) => {
            (None, Some(view! { <WorryForm form choices/> }.into_any()))
        }
        None => (
            None,
            Some(view! { <WorryForm form=site.new_worry_form() choices/> }.into_any()),
        ),
    };
    // The local authority's own services: children's social care (and adult social care in an
    // adult learning service), for someone at risk of harm who is not in danger this minute.
    let local = &site.org.local;
    let (what, phone) = if site.org.kind == "adult-learning" {
        ("adult social care", local.adult_services_phone.clone())
    } else {
        ("children's social care", local.front_door_phone.clone())
    };
    let local_help = (!phone.trim().is_empty()).then(|| {
        let tel = format!("tel:{}", phone.replace(' ', ""));
        view! {
            <li>{format!("{}, {what}: ", local.authority)} <a href=tel>{phone}</a></li>
        }
    });
    let title = if sent_first.is_some() {
        "Message sent - Tell someone"
    } else {
        "Tell someone"
    };
    // Not when the form comes back with an error: its message must be on the first screen.
    let intro = fresh.then(|| {
        view! {
            <p class="tell-intro">
                "You do not need to give your name."
            </p>
        }
    });
    view! {
        <Title text=title/>
        <ExitThisPage/>
        <h1>"Tell someone"</h1>
        {sent_first}
        {intro}
        // A section named by its heading (a region), not a `<div aria-labelledby>`: a name on a
        // generic element is not announced, and axe reports it.
        <section class="danger-box" aria-labelledby="danger-heading">
            <h2 id="danger-heading">"In danger now? Call " <a href="tel:999">"999"</a></h2>
            <ul class="help-inline">
                {services.into_iter().map(|s| view! { <li><ShortHelp service=s/></li> }).collect_view()}
                {local_help}
            </ul>
        </section>
        {form}
        {view! { <TalkToSomeone/> }.into_any()}
        {view! { <WhoReadsIt/> }.into_any()}
        <details class="note">
            <summary>"What happens to what I write?"</summary>
            <p>
                "You do not need to give your name. When you send it without your name, we do not record who you are, your internet address or your device, "
                "and you get a follow-up code: keep it private, it lets you read replies and add to your message later."
            </p>
            <p>{if signed_in {
                "You are signed in, so you can also choose to send it with your name: then replies come to your account."
            } else {
                "If you have an account, you can sign in first and send it with your name: then replies come to your account."
            }}</p>
        </details>
    }
}

/// A help service in a few words: its name (a link to its website) and its phone number (the
/// footer has the full descriptions).
#[component]
fn ShortHelp(service: HelpService) -> impl IntoView {
    let name = if service.url.is_empty() {
        view! { <strong>{service.name.clone()}</strong> }.into_any()
    } else {
        view! { <a href=service.url.clone()>{service.name.clone()}</a> }.into_any()
    };
    let phone = (!service.phone.is_empty()).then(|| {
        view! { " " <a href=tel_href(&service.phone)>{service.phone.clone()}</a> }
    });
    view! { {name} {phone} }
}

/// The people to talk to instead: who is on duty at each site, and out of hours.
#[component]
fn TalkToSomeone() -> impl IntoView {
    let site = expect_context::<SiteState>();
    let org = &site.org;
    let lead = org.allegations_lead.clone();
    let on_duty = (!org.on_duty.is_empty()).then(|| {
        view! {
            <p>"On duty for safeguarding:"</p>
            <ul data-testid="on-duty">
                {org.on_duty.iter().map(|d| view! {
                    <li>
                        <strong>{d.site.clone()}</strong> ": " {d.name.clone()} " (" {d.title.clone()} "), "
                        <a href=tel_href(&d.phone)>{d.phone.clone()}</a>
                    </li>
                }).collect_view()}
            </ul>
        }
    });
    let out_of_hours = (!org.out_of_hours_contacts.is_empty()).then(|| {
        view! {
            <ul data-testid="out-of-hours">
                {org.out_of_hours_contacts.iter().map(|c| view! {
                    <li>
                        <strong>{c.name.clone()}</strong> ": " {c.description.clone()} ", "
                        <a href=tel_href(&c.phone)>{c.phone.clone()}</a>
                    </li>
                }).collect_view()}
            </ul>
        }
    });
    view! {
        <section class="note" aria-labelledby="talk-heading">
            <h2 id="talk-heading">"Rather talk to someone?"</h2>
            {on_duty}
            <p>
                "You can also talk to " {lead.name.clone()} " (" {lead.title.clone()} ") directly: "
                <a href=tel_href(&lead.phone)>{lead.phone.clone()}</a>
                " or " <a href=format!("mailto:{}", lead.email)>{lead.email.clone()}</a> "."
            </p>
            <p>"The safeguarding team reads messages during opening hours. " {org.out_of_hours.clone()}</p>
            {out_of_hours}
        </section>
    }
}

/// Who reads a worry, one line per row of the routing table, worked out over the people the
/// profile names exactly as a sent worry is routed: the words cannot contradict the code.
/// Folded away: on a phone the form comes first.
#[component]
fn WhoReadsIt() -> impl IntoView {
    let site = expect_context::<SiteState>();
    let choices = site.worry_choices(None).involves;
    let label_of = |value: &str| {
        choices
            .iter()
            .find(|c| c.id == value)
            .map(|c| format!("\u{201c}{}\u{201d}", c.label))
            .unwrap_or_default()
    };
    let lines = site
        .who_reads_lines()
        .into_iter()
        .map(|(answers, who)| {
            let answered = answers.iter().map(|a| label_of(a)).collect::<Vec<_>>();
            let answered = answered.join(" or ");
            let WhoReads { queue, .. } = &who;
            let words = queue.readers_in_words();
            let names = who.names();
            let never = who.not_seen_by();
            view! {
                <li>
                    "If you answer " {answered} ", it goes to " {words} "."
                    {(!names.is_empty()).then(|| format!(" It is read by {names}."))}
                    {(!never.is_empty()).then(|| format!(" {never}"))}
                </li>
            }
        })
        .collect_view();
    view! {
        <details class="note">
            <summary>"Who reads it?"</summary>
            <p>"It depends on your answer to \"Is an adult who works or volunteers here involved?\":"</p>
            <ul>{lines}</ul>
        </details>
    }
}
