use crate::islands::{SentConfirmation, WorryForm};
use crate::layout::{HelpService, tel_href};
use crate::model::TellOutcome;
use crate::server::{SiteState, urgency_choices};
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
    let body = match use_context::<TellOutcome>() {
        Some(TellOutcome::Sent(sent)) => view! { <SentConfirmation sent/> }.into_any(),
        Some(TellOutcome::NotSent(form)) => {
            view! { <WorryForm form urgencies=urgency_choices()/> }.into_any()
        }
        None => {
            view! { <WorryForm form=site.new_worry_form() urgencies=urgency_choices()/> }.into_any()
        }
    };
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
            " about anything that worries you, online or offline. It goes to "
            {site.org.dsl.name.clone()} " (" {site.org.dsl.title.clone()} ") and their deputies."
        </p>
        <div class="note" aria-labelledby="staff-heading">
            <h2 id="staff-heading">"Is it about a member of staff, or about " {site.org.dsl.name.clone()} "?"</h2>
            <p>
                "Please tell " <strong>{site.org.allegations_lead.name.clone()}</strong> " (" {site.org.allegations_lead.title.clone()}
                ") directly: " <a href=tel_href(&site.org.allegations_lead.phone)>{site.org.allegations_lead.phone.clone()}</a>
                " or " <a href=format!("mailto:{}", site.org.allegations_lead.email)>{site.org.allegations_lead.email.clone()}</a>
                ". This form goes to the safeguarding team."
            </p>
        </div>
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
                "You do not need to give your name. We do not record who you are, your internet address or your device. "
                "If you want us to be able to talk to you, you can put your name or how to reach you in your message."
            </p>
            <p>"When you send it, you get a follow-up code. Keep it private: it lets you check on your message later."</p>
        </details>
        {body}
    }
}
