//! A signed-in person's own named worries: the list, and each with its replies.

use crate::model::FollowUpOutcome;
use crate::pages::follow_up::{SenderWorry, not_found_or_failed};
use crate::server::Viewer;
use crate::server::worries::OwnWorries;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MyWorriesPage() -> impl IntoView {
    let body = match use_context::<OwnWorries>().map(|o| o.0) {
        Some(Ok(rows)) if rows.is_empty() => view! {
            <p>"You have not sent any messages with your name. Messages sent without your name are not listed here: use their follow-up code on the " <a href="/follow-up">"Follow up"</a> " page."</p>
        }
        .into_any(),
        Some(Ok(rows)) => view! {
            <div class="table-scroll" role="region" aria-labelledby="own-worries-caption" tabindex="0">
                <table class="list">
                    <caption class="visually-hidden" id="own-worries-caption">"Messages you sent with your name, newest first"</caption>
                    <thead><tr><th scope="col">"Sent on"</th><th scope="col">"What kind of thing"</th><th scope="col">"Status"</th><th scope="col">"Replies"</th></tr></thead>
                    <tbody>
                        {rows.into_iter().map(|r| view! {
                            <tr>
                                <td><a href=format!("/me/worries/{}", r.worry_id)>{r.sent_on}</a></td>
                                <td>{r.kind}</td>
                                <td>{r.status}</td>
                                <td>{r.replies}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <p>"Messages sent without your name are not listed here: use their follow-up code on the " <a href="/follow-up">"Follow up"</a> " page."</p>
        }
        .into_any(),
        Some(Err(message)) => view! { <div class="error-summary" role="alert"><p>{message}</p></div> }.into_any(),
        None => ().into_any(),
    };
    view! {
        <Title text="Your messages"/>
        <h1>"Your messages to the safeguarding team"</h1>
        {body}
        <p><a class="button" href="/tell">"Tell someone about something new"</a></p>
    }
}

#[component]
pub fn MyWorryPage() -> impl IntoView {
    let csrf = use_context::<Viewer>().map(|v| v.csrf).unwrap_or_default();
    let body = match use_context::<FollowUpOutcome>() {
        Some(FollowUpOutcome::Found(found)) => {
            let action = format!("/me/worries/{}/add", found.worry_id);
            view! { <SenderWorry found=*found action hidden=vec![("csrf".to_string(), csrf)]/> }
                .into_any()
        }
        Some(other) => not_found_or_failed(other, false).into_any(),
        None => ().into_any(),
    };
    view! {
        <Title text="Your message"/>
        <p><a href="/me/worries">"All your messages"</a></p>
        <h1>"Your message to the safeguarding team"</h1>
        {body}
    }
}
