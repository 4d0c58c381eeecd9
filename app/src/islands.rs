//! The interactive parts of pages. Each island is rendered on the server like any component
//! and then hydrated in the browser; without JavaScript it stays a working static page.

use crate::model::{
    Choice, KindChoice, PhoneContact, TellOutcome, WorryChoices, WorryFormState, WorrySent,
};
use leptos::prelude::*;

/// The worry form. Without JavaScript it posts to `/tell` and the server answers with the
/// confirmation or the form again (everything typed kept). With JavaScript it sends the same
/// fields to the `tell` server function and shows the answer in place; nothing typed is ever
/// cleared on failure.
#[island]
pub fn WorryForm(form: WorryFormState, choices: WorryChoices) -> impl IntoView {
    let error = RwSignal::new(form.error.clone());
    let token = RwSignal::new(form.token.clone());
    let sent = RwSignal::new(None::<WorrySent>);
    let pending = RwSignal::new(false);
    // Effects only run in the browser: `ready` means "hydrated".
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    let identity_now = RwSignal::new(form.identity.clone());
    let typed_chars = RwSignal::new(form.text.chars().count());

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        use leptos::form::FromFormData;
        let Ok(call) = crate::api::SubmitWorry::from_event(&ev) else {
            // Let the browser post the form itself.
            return;
        };
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let form_el = form_of(&ev);
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = crate::api::submit_worry(call.form).await;
            pending.set(false);
            match result {
                Ok(TellOutcome::Sent(s)) => {
                    // What was typed does not stay behind in the page once it is sent.
                    if let Some(f) = &form_el {
                        f.reset();
                    }
                    sent.set(Some(s));
                }
                Ok(TellOutcome::NotSent(state)) => {
                    token.set(state.token);
                    error.set(state.error);
                }
                Err(_) => error.set(Some(
                    "We could not reach the server, so nothing was sent. Your message is still below: please check your connection and press Send again. If someone is in danger now, call 999."
                        .to_string(),
                )),
            }
            focus_by_id(if sent.get_untracked().is_some() {
                "sent-heading"
            } else {
                "form-error"
            });
        });
    };

    let WorryChoices {
        urgencies,
        abouts,
        involves,
        kinds,
        max_text_chars,
        signed_in,
    } = choices;
    let radios = move |name: &'static str, options: Vec<Choice>, chosen: Option<String>| {
        options
            .into_iter()
            .map(|(value, label)| {
                let id = format!("{name}-{value}");
                let checked = chosen.as_deref() == Some(value.as_str());
                view! {
                    <div class="radio">
                        <input type="radio" id=id.clone() name=name value=value checked=checked required/>
                        <label for=id>{label}</label>
                    </div>
                }
            })
            .collect_view()
    };
    let kind_radios = hinted_radios("kind", kinds, form.kind.clone());
    let involves_radios = hinted_radios("involves", involves, form.involves.clone());
    let contact_choices = vec![
        ("yes".to_string(), "Yes, please contact me".to_string()),
        (
            "no".to_string(),
            "No, I do not want to be contacted".to_string(),
        ),
    ];
    let email_replies = form.email_replies.as_deref() == Some("yes");
    let identity = signed_in.map(|who| {
        let named = form.identity.as_deref() == Some("named");
        let anonymous = form.identity.as_deref() == Some("anonymous");
        let choose = move |value: &'static str| {
            move |_: leptos::ev::Event| identity_now.set(Some(value.to_string()))
        };
        view! {
            <input type="hidden" name="csrf" value=who.csrf/>
            <fieldset class="field">
                <legend>"Send it with your name?"</legend>
                <div class="radio">
                    <input type="radio" id="identity-named" name="identity" value="named" checked=named aria-describedby="identity-named-hint" required on:change=choose("named")/>
                    <label for="identity-named">"Yes, send it as " {who.name}</label>
                    <p class="hint" id="identity-named-hint">"The safeguarding team will know it is from you. Their replies come to your account, under Your account."</p>
                </div>
                <div class="radio">
                    <input type="radio" id="identity-anonymous" name="identity" value="anonymous" checked=anonymous aria-describedby="identity-anonymous-hint" required on:change=choose("anonymous")/>
                    <label for="identity-anonymous">"No, send it without my name"</label>
                    <p class="hint" id="identity-anonymous-hint">"Nothing that says who you are is kept with it. You get a follow-up code to read replies."</p>
                </div>
            </fieldset>
            // Without JavaScript always shown (it only applies to a named worry); with it, only
            // once "with my name" is chosen. Off unless ticked: an email may be read by others.
            <div class="field" hidden=move || ready.get() && identity_now.get().as_deref() != Some("named")>
                <div class="checkbox">
                    <input type="checkbox" id="email_replies" name="email_replies" value="yes" checked=email_replies aria-describedby="email_replies-hint"/>
                    <label for="email_replies">"Email me when there is a reply"</label>
                    <p class="hint" id="email_replies-hint">
                        "Only for a message sent with your name. The email says only \"You have a new message\" and gives a link: nothing about what you wrote or who it is from. Leave it unticked if someone else might read your email."
                    </p>
                </div>
            </div>
        }
        .into_any()
    });
    let limit = thousands(max_text_chars);
    let too_long = move || {
        let n = typed_chars.get();
        (n > max_text_chars).then(|| {
            format!(
                "You have written {} characters, {} over the limit. Please shorten it, or send it in two parts.",
                thousands(n),
                thousands(n - max_text_chars)
            )
        })
    };

    // Built in parts (each type-erased): one view type for the whole form is too deep for
    // the compiler.
    let who = view! {
                <fieldset class="field">
                    <legend>"Who is affected?"</legend>
                    {radios("about", abouts, form.about.clone())}
                </fieldset>
                <fieldset class="field" aria-describedby="involves-hint">
                    <legend>"Is an adult who works or volunteers here involved?"</legend>
                    <p class="hint" id="involves-hint">"This decides who reads it. It never goes to the person it is about."</p>
                    {involves_radios}
                </fieldset>
                <fieldset class="field">
                    <legend>"What kind of thing is it?"</legend>
                    {kind_radios}
                </fieldset>
    }
    .into_any();
    let what = view! {
                <fieldset class="field">
                    <legend>"How urgent does it feel?"</legend>
                    {radios("urgency", urgencies, form.urgency.clone())}
                </fieldset>
                <div class="field">
                    <label for="worry-text">"What happened?"</label>
                    <p class="hint" id="worry-hint">
                        "Write it in your own words. Say what happened, who it involves if you can, and when. Up to " {limit} " characters."
                    </p>
                    <p class="hint" id="images-hint">
                        <strong>"Please do not send pictures."</strong>
                        " This form takes no pictures, videos or files: do not attach, forward or screenshot any. If it is about a nude or sexual image, do not look at it again, copy, forward or delete it: just tell us in words what happened."
                    </p>
                    // No `maxlength`: a browser cuts a long paste silently and the rest would be
                    // sent half-finished. The server refuses a text over the limit, keeping it.
                    <textarea
                        id="worry-text"
                        name="text"
                        rows="8"
                        aria-describedby="worry-hint images-hint worry-count"
                        required
                        on:input=move |ev| typed_chars.set(event_target_value(&ev).chars().count())
                    >
                        {textarea_text(&form.text)}
                    </textarea>
                    <p class="field-error" id="worry-count" aria-live="polite">{too_long}</p>
                </div>
    }
    .into_any();
    let contact = view! {
                <fieldset class="field">
                    <legend>"Would you like someone to contact you about it?"</legend>
                    {radios("wants_contact", contact_choices, form.wants_contact.clone())}
                </fieldset>
                <div class="field">
                    <label for="contact-how">"How and when is it safe to contact you? (optional)"</label>
                    <p class="hint" id="contact-how-hint">"For example: \"talk to me at break time\", or an email address that only you read. Leave it empty if you would rather not say. Up to 500 characters."</p>
                    <input type="text" id="contact-how" name="contact_how" value=form.contact_how.clone() aria-describedby="contact-how-hint"/>
                </div>
    }
    .into_any();

    view! {
        {move || sent.get().map(|sent| view! { <SentConfirmation sent/> }.into_any())}
        <form method="post" action="/tell" class="worry-form" on:submit=on_submit hidden=move || sent.get().is_some()>
                <input type="hidden" name="token" prop:value=move || token.get() value=form.token.clone()/>
                {move || {
                    error
                        .get()
                        .map(|message| {
                            view! {
                                <div class="error-summary" id="form-error" role="alert" tabindex="-1">
                                    <h2>"Your message was not sent"</h2>
                                    <p>{message}</p>
                                </div>
                            }
                        })
                }}
                {who}
                {what}
                {contact}
                {identity}
                <button type="submit" class="button" disabled=move || pending.get()>
                    {move || if pending.get() { "Sending…" } else { "Send" }}
                </button>
        </form>
    }
}

/// Radios with a hint under each (an empty hint is left out).
fn hinted_radios(
    name: &'static str,
    options: Vec<KindChoice>,
    chosen: Option<String>,
) -> impl IntoView {
    options
        .into_iter()
        .map(|k| {
            let id = format!("{name}-{}", k.id);
            let hint_id = format!("{id}-hint");
            let checked = chosen.as_deref() == Some(k.id.as_str());
            let hint = (!k.hint.is_empty()).then(|| view! { <p class="hint" id=hint_id.clone()>{k.hint}</p> });
            let described = hint.is_some().then_some(hint_id);
            view! {
                <div class="radio">
                    <input type="radio" id=id.clone() name=name value=k.id checked=checked aria-describedby=described required/>
                    <label for=id>{k.label}</label>
                    {hint}
                </div>
            }
        })
        .collect_view()
}

/// 10000 -> "10,000".
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(feature = "hydrate")]
fn form_of(ev: &leptos::ev::SubmitEvent) -> Option<leptos::web_sys::HtmlFormElement> {
    use leptos::wasm_bindgen::JsCast;
    ev.target()
        .and_then(|t| t.dyn_into::<leptos::web_sys::HtmlFormElement>().ok())
}

#[cfg(not(feature = "hydrate"))]
struct NoForm;
#[cfg(not(feature = "hydrate"))]
impl NoForm {
    fn reset(&self) {}
}
#[cfg(not(feature = "hydrate"))]
fn form_of(_: &leptos::ev::SubmitEvent) -> Option<NoForm> {
    None
}

/// The text a textarea starts with. tachys 0.2 writes a textarea's children into the server's
/// HTML without escaping them (fixed upstream in 0.3), so the server escapes them here: typed
/// `</textarea>` or `&amp;` must come back exactly as typed, never as markup. In the browser
/// textarea children are never re-rendered.
pub(crate) fn textarea_text(text: &str) -> String {
    // A newline straight after `<textarea>` is dropped by HTML parsers: add one so a text that
    // starts with a newline keeps it.
    #[cfg(feature = "ssr")]
    return format!("\n{}", safety_core::content::render::escape_html(text));
    #[cfg(not(feature = "ssr"))]
    return text.to_string();
}

/// Moves keyboard and screen-reader focus to the element that just appeared.
fn focus_by_id(id: &'static str) {
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || {
        use leptos::wasm_bindgen::JsCast;
        if let Some(el) = document().get_element_by_id(id)
            && let Ok(el) = el.dyn_into::<leptos::web_sys::HtmlElement>()
        {
            let _ = el.focus();
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// What the sender sees once the worry is stored: the follow-up code, once, or the address of
/// their named worry; whom to phone when nobody could be reached online; and, for an urgent
/// worry, what to do out of hours.
#[component]
pub fn SentConfirmation(sent: WorrySent) -> impl IntoView {
    let follow = match (sent.code, sent.own_link) {
        (Some(code), _) => view! {
            <h3>"Your follow-up code"</h3>
            <p class="code" data-testid="follow-up-code">{code}</p>
            <p>
                "Write this code down or keep it somewhere private. With it you can read replies and add to your message at "
                <a href="/follow-up">"Follow up"</a>
                ". We cannot show it to you again, and we do not know who you are, so we cannot send it to you."
            </p>
        }
        .into_any(),
        (None, Some(link)) => view! {
            <p>
                "You sent it with your name. You can read replies and add to it on "
                <a href=link data-testid="own-worry-link">"your message's page"</a>
                ", also listed under Your account."
            </p>
        }
        .into_any(),
        (None, None) => ().into_any(),
    };
    let reached_nobody = sent.phone_instead.is_some();
    let phone_now = sent.phone_instead.map(|contacts| {
        view! {
            <div class="danger-box" data-testid="reached-nobody">
                <p><strong>"Nobody could be reached online right now. Please phone one of these people now:"</strong></p>
                <PhoneList contacts/>
                <p><strong>"If someone is in danger right now, call " <a href="tel:999">"999"</a> "."</strong></p>
                <p>"Your message is saved, and the safeguarding team will see it as soon as someone can read it."</p>
            </div>
        }
        .into_any()
    });
    let saved = if sent.code_withheld {
        format!(
            "This was already sent on {}. For your safety the follow-up code is shown only once.",
            sent.sent_on
        )
    } else if sent.repeated {
        format!(
            "This form had already been sent, so we have not sent it twice. It was saved on {}. The safeguarding team will read it.",
            sent.sent_on
        )
    } else {
        format!(
            "It was saved on {}. The safeguarding team will read it.",
            sent.sent_on
        )
    };
    let out_of_hours = sent.out_of_hours.map(|o| {
        view! {
            <div class="note" data-testid="urgent-help">
                <h3>"If it cannot wait"</h3>
                <p>{o.sentence}</p>
                {(!o.contacts.is_empty()).then(|| view! { <PhoneList contacts=o.contacts/> })}
            </div>
        }
        .into_any()
    });
    view! {
        <section class="confirmation" aria-labelledby="sent-heading">
            <h2 id="sent-heading" tabindex="-1">
                {if reached_nobody { "Your message is saved: now please phone someone" } else { "Your message has been sent" }}
            </h2>
            {phone_now}
            <p>{saved}</p>
            {follow}
            {out_of_hours}
            {(!reached_nobody).then(|| view! {
                <p class="danger-note">"If you or someone else is in danger right now, call 999."</p>
            })}
        </section>
    }
}

/// People and services to phone: name, what they are, the number as a link.
#[component]
fn PhoneList(contacts: Vec<PhoneContact>) -> impl IntoView {
    view! {
        <ul class="phone-list">
            {contacts
                .into_iter()
                .map(|c| {
                    let href = format!(
                        "tel:{}",
                        c.phone.chars().filter(|ch| ch.is_ascii_digit() || *ch == '+').collect::<String>()
                    );
                    view! {
                        <li><strong>{c.name}</strong> ", " {c.what} ": " <a href=href>{c.phone}</a></li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::model::OutOfHours;

    fn sent() -> WorrySent {
        WorrySent {
            code: Some("ABCDE-12345-FGHJK-67890-MNPQR".into()),
            own_link: None,
            sent_on: "5 December 2026".into(),
            repeated: false,
            code_withheld: false,
            phone_instead: None,
            out_of_hours: None,
        }
    }

    fn html(sent: WorrySent) -> String {
        let owner = Owner::new();
        owner.with(|| view! { <SentConfirmation sent/> }.to_html())
    }

    #[test]
    fn a_late_repeat_says_when_it_was_sent_and_shows_no_code() {
        let page = html(WorrySent {
            code: None,
            repeated: true,
            code_withheld: true,
            ..sent()
        });
        assert!(page.contains(
            "This was already sent on 5 December 2026. For your safety the follow-up code is shown only once."
        ));
        assert!(!page.contains("follow-up-code"));
        assert!(page.contains("Your message has been sent"));
    }

    #[test]
    fn reaching_nobody_says_whom_to_phone_first_and_urgent_help_is_shown() {
        let page = html(WorrySent {
            phone_instead: Some(vec![PhoneContact {
                name: "Wexmoor County Council".into(),
                what: "children's services".into(),
                phone: "01632 960400".into(),
            }]),
            out_of_hours: Some(OutOfHours {
                sentence: "Outside opening hours, call the emergency duty team.".into(),
                contacts: vec![],
            }),
            ..sent()
        });
        let nobody = page
            .find("Nobody could be reached online right now")
            .expect("told");
        assert!(nobody < page.find("follow-up-code").expect("the code still"));
        assert!(page.contains(r#"href="tel:01632960400""#));
        assert!(page.contains("Outside opening hours, call the emergency duty team."));
        assert!(!page.contains("Your message has been sent"));
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
