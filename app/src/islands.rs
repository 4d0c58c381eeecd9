//! The interactive parts of pages. Each island is rendered on the server like any component
//! and then hydrated in the browser; without JavaScript it stays a working static page.

use crate::model::{Choice, TellOutcome, WorryChoices, WorryFormState, WorrySent};
use leptos::prelude::*;

/// The module's contents list. With JavaScript it folds away behind a button so a phone shows
/// the text first; without JavaScript the list is simply shown.
#[island]
pub fn ContentsToggle(sections: Vec<Choice>) -> impl IntoView {
    // Effects only run in the browser: `ready` means "hydrated".
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    let open = RwSignal::new(false);
    view! {
        <nav class="contents" aria-labelledby="contents-heading">
            <h2 id="contents-heading">"In this module"</h2>
            <button
                type="button"
                class="button secondary"
                aria-controls="module-contents"
                aria-expanded=move || open.get().to_string()
                hidden=move || !ready.get()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {move || if open.get() { "Hide contents" } else { "Show contents" }}
            </button>
            <ol id="module-contents" hidden=move || ready.get() && !open.get()>
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
        </nav>
    }
}

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
            let result = crate::api::submit_worry(
                call.token,
                call.text,
                call.urgency,
                call.about,
                call.involves,
                call.email_replies,
                call.kind,
                call.wants_contact,
                call.contact_how,
                call.identity,
                call.csrf,
            )
            .await;
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
        kinds,
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
    let chosen_kind = form.kind.clone();
    let kind_radios = kinds
        .into_iter()
        .map(|k| {
            let id = format!("kind-{}", k.id);
            let hint_id = format!("{id}-hint");
            let checked = chosen_kind.as_deref() == Some(k.id.as_str());
            view! {
                <div class="radio">
                    <input type="radio" id=id.clone() name="kind" value=k.id checked=checked aria-describedby=hint_id.clone() required/>
                    <label for=id>{k.label}</label>
                    <p class="hint" id=hint_id>{k.hint}</p>
                </div>
            }
        })
        .collect_view();
    let contact_choices = vec![
        ("yes".to_string(), "Yes, please contact me".to_string()),
        (
            "no".to_string(),
            "No, I do not want to be contacted".to_string(),
        ),
    ];
    let identity = signed_in.map(|who| {
        let named = form.identity.as_deref() == Some("named");
        let anonymous = form.identity.as_deref() == Some("anonymous");
        view! {
            <input type="hidden" name="csrf" value=who.csrf/>
            <fieldset class="field">
                <legend>"Send it with your name?"</legend>
                <div class="radio">
                    <input type="radio" id="identity-named" name="identity" value="named" checked=named aria-describedby="identity-named-hint" required/>
                    <label for="identity-named">"Yes, send it as " {who.name}</label>
                    <p class="hint" id="identity-named-hint">"The safeguarding team will know it is from you. Their replies come to your account, under Your account."</p>
                </div>
                <div class="radio">
                    <input type="radio" id="identity-anonymous" name="identity" value="anonymous" checked=anonymous aria-describedby="identity-anonymous-hint" required/>
                    <label for="identity-anonymous">"No, send it without my name"</label>
                    <p class="hint" id="identity-anonymous-hint">"Nothing that says who you are is kept with it. You get a follow-up code to read replies."</p>
                </div>
            </fieldset>
        }
    });

    view! {
        {move || sent.get().map(|sent| view! { <SentConfirmation sent/> })}
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
                <fieldset class="field">
                    <legend>"Who is it about?"</legend>
                    {radios("about", abouts, form.about.clone())}
                </fieldset>
                <fieldset class="field">
                    <legend>"What kind of thing is it?"</legend>
                    {kind_radios}
                </fieldset>
                <fieldset class="field">
                    <legend>"How urgent does it feel?"</legend>
                    {radios("urgency", urgencies, form.urgency.clone())}
                </fieldset>
                <div class="field">
                    <label for="worry-text">"What happened?"</label>
                    <p class="hint" id="worry-hint">
                        "Write it in your own words. Say what happened, who it involves if you can, and when. You can write as much or as little as you like (up to 10,000 characters)."
                    </p>
                    <textarea
                        id="worry-text"
                        name="text"
                        rows="8"
                        maxlength="10000"
                        aria-describedby="worry-hint"
                        required
                    >
                        {textarea_text(&form.text)}
                    </textarea>
                </div>
                <fieldset class="field">
                    <legend>"Would you like someone to contact you about it?"</legend>
                    {radios("wants_contact", contact_choices, form.wants_contact.clone())}
                </fieldset>
                <div class="field">
                    <label for="contact-how">"How and when is it safe to contact you? (optional)"</label>
                    <p class="hint" id="contact-how-hint">"For example: \"talk to me at break time\", or an email address that only you read. Leave it empty if you would rather not say."</p>
                    <input type="text" id="contact-how" name="contact_how" maxlength="500" value=form.contact_how.clone() aria-describedby="contact-how-hint"/>
                </div>
                {identity}
                <button type="submit" class="button" disabled=move || pending.get()>
                    {move || if pending.get() { "Sending…" } else { "Send" }}
                </button>
        </form>
    }
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
/// their named worry.
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
    view! {
        <section class="confirmation" aria-labelledby="sent-heading">
            <h2 id="sent-heading" tabindex="-1">"Your message has been sent"</h2>
            <p>
                {if sent.repeated {
                    "This form had already been sent, so we have not sent it twice. "
                } else {
                    ""
                }}
                "It was saved on " {sent.sent_on} ". The safeguarding team will read it."
            </p>
            {follow}
            <p class="danger-note">"If you or someone else is in danger right now, call 999."</p>
        </section>
    }
}
