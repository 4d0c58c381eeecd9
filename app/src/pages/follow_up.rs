use crate::model::{FollowUpOutcome, FollowUpResult, SenderWorryView};
use crate::pages::guidance::ExitThisPage;
use leptos::prelude::*;
use leptos_meta::Title;

/// Look up a worry by its follow-up code. A plain form (POST, so the code never appears in an
/// address, history or log). Once found, the code is no longer in the look-up box (a shared
/// computer): only in the hidden field the "add something" form needs.
#[component]
pub fn FollowUpPage() -> impl IntoView {
    let result = use_context::<FollowUpResult>();
    let found = matches!(
        result.as_ref().map(|r| &r.outcome),
        Some(FollowUpOutcome::Found(_))
    );
    let invalid = matches!(
        result.as_ref().map(|r| &r.outcome),
        Some(FollowUpOutcome::Invalid(_))
    );
    // A code that found nothing stays in the box, to be corrected.
    let typed = result
        .as_ref()
        .filter(|_| !found)
        .map(|r| r.typed.clone())
        .unwrap_or_default();
    let outcome = result.map(|r| match r.outcome {
        FollowUpOutcome::Found(view) => view! {
            <SenderWorry found=*view action="/follow-up/add".to_string() hidden=vec![("code".to_string(), r.typed)]/>
        }
        .into_any(),
        other => not_found_or_failed(other, true).into_any(),
    });
    view! {
        <Title text="Follow up on a message"/>
        <ExitThisPage/>
        <h1>"Follow up on a message"</h1>
        {(!found).then(|| view! {
            <p class="lead">"Enter the follow-up code you were given when you sent your message."</p>
        })}
        {outcome}
        <form method="post" action="/follow-up" class="follow-up-form" aria-labelledby=found.then_some("lookup-heading")>
            {found.then(|| view! { <h2 id="lookup-heading">"Look up another message"</h2> })}
            <div class="field">
                <label for="code">"Follow-up code"</label>
                <p class="hint" id="code-hint">"25 letters and numbers, for example ABCDE-12345-FGHJK-67890-MNPQR."</p>
                <input
                    type="text"
                    id="code"
                    name="code"
                    value=typed
                    autocomplete="off"
                    spellcheck="false"
                    autocapitalize="characters"
                    aria-describedby="code-hint"
                    aria-invalid=invalid.then_some("true")
                    required
                />
            </div>
            <button type="submit" class="button">"Look it up"</button>
        </form>
    }
}

/// Why a message could not be shown.
pub fn not_found_or_failed(outcome: FollowUpOutcome, by_code: bool) -> impl IntoView {
    match outcome {
        FollowUpOutcome::NotFound if by_code => view! {
            <div class="error-summary" role="alert" id="form-error">
                <h2>"No message found with that code"</h2>
                <p>"Please check the code and try again. If you have lost it, you can " <a href="/tell">"send a new message"</a> "."</p>
            </div>
        }
        .into_any(),
        FollowUpOutcome::NotFound => view! {
            <div class="error-summary" role="alert" id="form-error">
                <h2>"No message of yours at this address"</h2>
                <p>"See " <a href="/me/worries">"all your messages"</a> "."</p>
            </div>
        }
        .into_any(),
        FollowUpOutcome::Invalid(message)
        | FollowUpOutcome::Paused(message)
        | FollowUpOutcome::Unavailable(message) => view! {
            <div class="error-summary" role="alert" id="form-error">
                <h2>"We could not look that up"</h2>
                <p>{message}</p>
            </div>
        }
        .into_any(),
        FollowUpOutcome::Found(_) => ().into_any(),
    }
}

/// A sent worry as its sender sees it: where it is, the messages, and a form to add to it.
/// `hidden`: what proves it is theirs (the code, or the session's CSRF token).
#[component]
pub fn SenderWorry(
    found: SenderWorryView,
    action: String,
    hidden: Vec<(String, String)>,
) -> impl IntoView {
    let SenderWorryView {
        status,
        urgency,
        kind,
        sent_on,
        text,
        messages,
        add_form_id,
        add_text,
        add_error,
        notice,
        ..
    } = found;
    let invalid = add_error.is_some();
    let messages = if messages.is_empty() {
        view! { <p>"No replies yet. When the safeguarding team replies, it will be shown here."</p> }
            .into_any()
    } else {
        view! {
            <ol class="messages">
                {messages
                    .into_iter()
                    .map(|m| {
                        let who = if m.from_team { "The safeguarding team" } else { "You" };
                        view! {
                            <li class=if m.from_team { "message from-team" } else { "message from-you" }>
                                <p class="message-meta"><strong>{who}</strong> ", " {m.when}</p>
                                <p class="message-text">{m.text}</p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        }
        .into_any()
    };
    view! {
        {notice.map(|n| view! { <div class="notice" role="status"><p>{n}</p></div> })}
        <section class="confirmation" aria-labelledby="result-heading">
            <h2 id="result-heading">"Your message"</h2>
            <dl class="summary">
                <dt>"Sent on"</dt><dd data-testid="sent-on">{sent_on}</dd>
                <dt>"Status"</dt><dd data-testid="status">{status}</dd>
                <dt>"What kind of thing"</dt><dd>{kind}</dd>
                <dt>"How urgent it felt"</dt><dd>{urgency}</dd>
            </dl>
            {text.map(|t| view! { <h3>"What you wrote"</h3><p class="message-text">{t}</p> })}
        </section>
        <section aria-labelledby="messages-heading">
            <h2 id="messages-heading">"Messages"</h2>
            {messages}
        </section>
        <section aria-labelledby="add-heading">
            <h2 id="add-heading">"Add something"</h2>
            {add_error.map(|e| view! {
                <div class="error-summary" role="alert" id="add-error">
                    <h3>"What you added was not sent"</h3>
                    <p>{e}</p>
                </div>
            })}
            <form method="post" action=action class="add-form">
                {hidden
                    .into_iter()
                    .map(|(name, value)| view! { <input type="hidden" name=name value=value/> })
                    .collect_view()}
                <input type="hidden" name="form_id" value=add_form_id/>
                <div class="field">
                    <label for="add-text">"Anything else you want to tell the safeguarding team, or an answer to their message"</label>
                    <p class="hint" id="add-text-hint">"Up to " {crate::islands::thousands(safety_core::worry::MAX_TEXT_CHARS)} " characters."</p>
                    // No `maxlength`: a cut text would be sent half-finished; the server refuses
                    // a text over the limit and keeps it.
                    <textarea id="add-text" name="text" rows="5" required aria-describedby="add-text-hint" aria-invalid=invalid.then_some("true")>
                        {crate::pages::textarea_text(&add_text)}
                    </textarea>
                </div>
                <button type="submit" class="button">"Send"</button>
            </form>
            <p class="danger-note">"If you or someone else is in danger right now, call 999."</p>
        </section>
    }
}
