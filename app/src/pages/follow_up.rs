use crate::model::{FollowUpOutcome, FollowUpResult};
use leptos::prelude::*;
use leptos_meta::Title;

/// Look up a worry by its follow-up code. A plain form (POST, so the code never appears in an
/// address, history or log).
#[component]
pub fn FollowUpPage() -> impl IntoView {
    let result = use_context::<FollowUpResult>();
    let typed = result.as_ref().map(|r| r.typed.clone()).unwrap_or_default();
    let invalid = matches!(
        result.as_ref().map(|r| &r.outcome),
        Some(FollowUpOutcome::Invalid(_))
    );
    let outcome = result.map(|r| match r.outcome {
        FollowUpOutcome::Found { status, urgency, sent_on } => view! {
            <section class="confirmation" aria-labelledby="result-heading">
                <h2 id="result-heading">"Your message"</h2>
                <dl class="summary">
                    <dt>"Sent on"</dt><dd data-testid="sent-on">{sent_on}</dd>
                    <dt>"Status"</dt><dd data-testid="status">{status}</dd>
                    <dt>"How urgent it felt"</dt><dd>{urgency}</dd>
                </dl>
                <p>"If something else has happened, or someone is in danger, you can " <a href="/tell">"tell us again"</a> ", or call 999 in an emergency."</p>
            </section>
        }
        .into_any(),
        FollowUpOutcome::NotFound => view! {
            <div class="error-summary" role="alert" id="form-error">
                <h2>"No message found with that code"</h2>
                <p>"Please check the code and try again. If you have lost it, you can " <a href="/tell">"send a new message"</a> "."</p>
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
    });
    view! {
        <Title text="Follow up on a message"/>
        <h1>"Follow up on a message"</h1>
        <p class="lead">"Enter the follow-up code you were given when you sent your message."</p>
        {outcome}
        <form method="post" action="/follow-up" class="follow-up-form">
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
