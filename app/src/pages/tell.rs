use crate::islands::{SentConfirmation, WorryForm};
use crate::layout::{HelpService, tel_href};
use crate::model::TellOutcome;
use crate::server::{SiteState, Viewer};
use leptos::prelude::*;
use leptos_meta::Title;

/// "Tell someone": the worry form, with what to do in an emergency always visible.
#[component]
pub fn TellPage() -> impl IntoView {
    let site = expect_context::<SiteState>();
    let services: Vec<_> = ["ceop", "childline"]
        .iter()
        .filter_map(|id| site.help(id).cloned())
        .collect();
    let viewer = use_context::<Viewer>();
    let choices = site.worry_choices(viewer.as_ref());
    let signed_in = viewer.is_some();
    let body = match use_context::<TellOutcome>() {
        Some(TellOutcome::Sent(sent)) => view! { <SentConfirmation sent/> }.into_any(),
        Some(TellOutcome::NotSent(form)) => view! { <WorryForm form choices/> }.into_any(),
        None => view! { <WorryForm form=site.new_worry_form() choices/> }.into_any(),
    };
    let lead = site.org.allegations_lead.clone();
    let dsl = site.org.dsl.clone();
    view! {
        <Title text="Tell someone"/>
        <h1>"Tell someone"</h1>
        <div class="danger-box" role="note" aria-labelledby="danger-heading">
            <h2 id="danger-heading">"If someone is in danger right now"</h2>
            <p><strong>"Call " <a href="tel:999">"999"</a> "."</strong></p>
            <ul class="help-list">
                {services.into_iter().map(|s| view! { <li><HelpService service=s/></li> }).collect_view()}
            </ul>
        </div>
        <p class="lead">
            "Use this form to tell the safeguarding team at " {site.org.name.clone()}
            " about anything that worries you, online or offline."
        </p>
        <details class="note" open>
            <summary>"Who reads it?"</summary>
            <ul>
                <li>"Usually " {dsl.name.clone()} " (" {dsl.title.clone()} ") and the deputy safeguarding leads."</li>
                <li>"If it is about a member of staff: " {lead.name.clone()} " (" {lead.title.clone()} ") and " {dsl.name.clone()} "."</li>
                <li>"If it is about " {dsl.name.clone()} ": only " {lead.name.clone()} ". " {dsl.name.clone()} " cannot see it."</li>
            </ul>
            {(!site.org.on_duty.is_empty()).then(|| view! {
                <p>"On duty for safeguarding, if you would rather talk to someone:"</p>
                <ul data-testid="on-duty">
                    {site.org.on_duty.iter().map(|d| view! {
                        <li>
                            <strong>{d.site.clone()}</strong> ": " {d.name.clone()} " (" {d.title.clone()} "), "
                            <a href=tel_href(&d.phone)>{d.phone.clone()}</a>
                        </li>
                    }).collect_view()}
                </ul>
            })}
            <p>
                "The safeguarding team reads these during opening hours. " {site.org.out_of_hours.clone()}
            </p>
            {(!site.org.out_of_hours_contacts.is_empty()).then(|| view! {
                <ul data-testid="out-of-hours">
                    {site.org.out_of_hours_contacts.iter().map(|c| view! {
                        <li>
                            <strong>{c.name.clone()}</strong> ": " {c.description.clone()} ", "
                            <a href=tel_href(&c.phone)>{c.phone.clone()}</a>
                        </li>
                    }).collect_view()}
                </ul>
            })}
            <p>
                "You can also talk to " {lead.name.clone()} " directly: " <a href=tel_href(&lead.phone)>{lead.phone.clone()}</a>
                " or " <a href=format!("mailto:{}", lead.email)>{lead.email.clone()}</a> "."
            </p>
        </details>
        <div class="note" aria-labelledby="images-heading">
            <h2 id="images-heading">"Please do not send pictures"</h2>
            <p>
                "This form does not take pictures, videos or files, and you should not attach, forward or screenshot any. "
                "If it is about a nude or sexual image, do not look at it again, and do not copy, forward or delete it: just tell us in words what happened."
            </p>
        </div>
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
        {body}
    }
}
