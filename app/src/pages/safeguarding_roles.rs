//! The safeguarding roles record (`/safeguarding-roles`): every change to a role that reads
//! worries, newest first, for the DSL, the allegations lead and the chair. Read-only: roles are
//! changed on the people page, by an administrator who is not the person changed.

use crate::server::roles::RolesRecordView;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SafeguardingRolesPage() -> impl IntoView {
    let Some(view) = use_context::<RolesRecordView>() else {
        return view! { <super::not_found::NotFound/> }.into_any();
    };
    let RolesRecordView { rows, more, error } = view;
    let list = if rows.is_empty() {
        (error.is_none())
            .then(|| view! { <p data-testid="roles-empty">"No safeguarding role has been changed yet."</p> })
            .into_any()
    } else {
        let list_of = |roles: Vec<String>| {
            if roles.is_empty() {
                view! { <span class="meta">"None"</span> }.into_any()
            } else {
                view! { <ul class="plain">{roles.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul> }
                    .into_any()
            }
        };
        view! {
            <table class="list stacked" data-testid="role-changes">
                <caption class="visually-hidden">"Changes to safeguarding roles, newest first"</caption>
                <thead><tr>
                    <th scope="col">"When"</th><th scope="col">"Whose roles"</th><th scope="col">"Given"</th>
                    <th scope="col">"Removed"</th><th scope="col">"Changed by"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr>
                            <td data-label="When">{r.when}</td>
                            <td data-label="Whose roles"><strong>{r.person}</strong></td>
                            <td data-label="Given">{list_of(r.given)}</td>
                            <td data-label="Removed">{list_of(r.removed)}</td>
                            <td data-label="Changed by">{r.by}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <Title text="Safeguarding roles record"/>
        <h1>"Safeguarding roles record"</h1>
        {error.map(|e| view! { <div class="error-summary" role="alert"><p>{e}</p></div> })}
        <p>"Every change to a role that reads concerns (the DSL, deputy DSLs, the allegations lead and the chair), newest first. "
            "It is kept permanently and cannot be edited. The DSL, the allegations lead and the chair are emailed about each change, and only they can read this record."</p>
        <p>"Nobody can give themselves, or take from themselves, one of these roles. "
            <strong>"If a change here was not expected, tell the chair or the allegations lead at once."</strong></p>
        {list}
        {more.then_some(view! { <p>"Only the most recent changes are shown."</p> })}
    }
    .into_any()
}
