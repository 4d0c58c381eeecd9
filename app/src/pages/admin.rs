//! An admin's people page: invite one person, change roles, deactivate (records stay) and
//! reactivate.
//! Every action is a plain form with the CSRF token; the server checks the admin's role.

use crate::server::Viewer;
use crate::server::admin::PeopleView;
use leptos::prelude::*;
use leptos_meta::Title;
use safety_core::roles::Role;

#[component]
pub fn PeoplePage() -> impl IntoView {
    let (Some(viewer), Some(data)) = (use_context::<Viewer>(), use_context::<PeopleView>()) else {
        return view! { <super::not_found::NotFound/> }.into_any();
    };
    let csrf = viewer.csrf.clone();
    let invite = data.invite.clone();
    let role_boxes = Role::ALL
        .iter()
        .map(|r| {
            let id = format!("invite-role-{}", r.as_str());
            let checked = invite.roles.iter().any(|x| x == r.as_str());
            view! {
                <div class="radio">
                    <input type="checkbox" id=id.clone() name="roles" value=r.as_str() checked=checked/>
                    <label for=id>{r.label()}</label>
                </div>
            }
        })
        .collect_view();
    let rows = data
        .people
        .iter()
        .map(|p| {
            let csrf = csrf.clone();
            let roles = p.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", ");
            let (status, status_class) = if p.active {
                ("Active", "tag status-active")
            } else {
                ("Deactivated", "tag status-closed")
            };
            let deactivate = p.active.then(|| {
                let csrf = csrf.clone();
                // Two steps, so one slip cannot sign the DSL out: the button is behind a summary
                // saying what it does.
                view! {
                    <details class="confirm">
                        <summary>"Deactivate…" <span class="visually-hidden">" " {p.name.clone()}</span></summary>
                        <p class="hint">"They are signed out everywhere and can no longer sign in. Their records are kept."</p>
                        <form method="post" action=format!("/admin/people/{}/deactivate", p.id) class="inline-form">
                            <input type="hidden" name="csrf" value=csrf/>
                            <button type="submit" class="button secondary">
                                "Deactivate " {p.name.clone()}
                            </button>
                        </form>
                    </details>
                }
            });
            // A deactivated person comes back in one step: nothing is lost by a slip (they
            // still need a new sign-in link).
            let reactivate = (!p.active).then(|| {
                view! {
                    <form method="post" action=format!("/admin/people/{}/reactivate", p.id) class="inline-form">
                        <input type="hidden" name="csrf" value=csrf.clone()/>
                        <button type="submit" class="button secondary">
                            "Reactivate" <span class="visually-hidden">" " {p.name.clone()}</span>
                        </button>
                    </form>
                }
            });
            let role_form = {
                let boxes = Role::ALL
                    .iter()
                    .map(|r| {
                        let id = format!("roles-{}-{}", p.id, r.as_str());
                        let checked = p.roles.contains(r);
                        view! {
                            <span class="checkbox-inline">
                                <input type="checkbox" id=id.clone() name="roles" value=r.as_str() checked=checked/>
                                <label for=id>{r.label()}</label>
                            </span>
                        }
                    })
                    .collect_view();
                view! {
                    <details>
                        <summary>"Change roles and groups" <span class="visually-hidden">" of " {p.name.clone()}</span></summary>
                        <form method="post" action=format!("/admin/people/{}/roles", p.id)>
                            <input type="hidden" name="csrf" value=csrf.clone()/>
                            <input type="hidden" name="version" value=p.version.to_string()/>
                            <fieldset class="field">
                                <legend>"Roles of " {p.name.clone()}</legend>
                                {boxes}
                            </fieldset>
                            <div class="field">
                                <label for=format!("groups-{}", p.id)>"Groups of " {p.name.clone()}</label>
                                <p class="hint" id=format!("groups-hint-{}", p.id)>"Separate groups with commas."</p>
                                <input type="text" id=format!("groups-{}", p.id) name="groups" value=p.groups.join(", ")
                                    aria-describedby=format!("groups-hint-{}", p.id)/>
                            </div>
                            <button type="submit" class="button secondary">"Save roles and groups"</button>
                        </form>
                    </details>
                }
            };
            view! {
                <tr>
                    <td>{p.name.clone()}</td>
                    <td>{p.email.clone()}</td>
                    <td>{roles}</td>
                    <td>{p.groups.join(", ")}</td>
                    <td><span class=status_class>{status}</span></td>
                    <td>{deactivate} {reactivate} {p.active.then_some(role_form)}
                        {(p.roles.contains(&Role::Parent) || p.roles.contains(&Role::Learner)).then(|| view! {
                            <a href=format!("/admin/people/{}/family", p.id)>"Family" <span class="visually-hidden">" of " {p.name.clone()}</span></a>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let empty = data
        .people
        .is_empty()
        .then(|| view! { <p>"Nobody has been added yet."</p> });
    let pager = (data.next.is_some() || data.previous.is_some()).then(|| {
        view! {
            <nav aria-label="Pages of people" class="pager">
                {data.previous.clone().map(|href| view! { <a href=href rel="prev">"Previous page"</a> })}
                " "
                {data.next.clone().map(|href| view! { <a href=href rel="next">"Next page"</a> })}
            </nav>
        }
    });
    let sort = data.sort;
    let th = |label: &'static str, column: &'static str| {
        crate::pages::compliance::sort_th(label, column, sort, &|s| {
            crate::server::admin::people_href(s, 1, None)
        })
    };
    // The list first: it is what an admin comes for. A refused invitation comes back first,
    // with what was typed, beside the message saying what to change.
    let invite_section = view! {
    <section aria-labelledby="invite-heading">
        <h2 id="invite-heading">"Invite someone"</h2>
        <form method="post" action="/admin/people/invite">
            <input type="hidden" name="csrf" value=csrf.clone()/>
            <div class="field">
                <label for="invite-name">"Name"</label>
                <input type="text" id="invite-name" name="name" value=invite.name.clone() autocomplete="off" required/>
            </div>
            <div class="field">
                <label for="invite-email">"Email address"</label>
                <input type="email" id="invite-email" name="email" value=invite.email.clone() autocomplete="off" required/>
            </div>
            <fieldset class="field">
                <legend>"Roles"</legend>
                {role_boxes}
            </fieldset>
            <div class="field">
                <label for="invite-groups">"Groups"</label>
                <p class="hint" id="groups-hint">"Optional. Separate groups with commas, for example: Sept 2026 intake, Site B."</p>
                <input type="text" id="invite-groups" name="groups" value=invite.groups.clone() aria-describedby="groups-hint"/>
            </div>
            <button type="submit" class="button">"Invite"</button>
        </form>
    </section>
    }
    .into_any();
    let people_section = view! {
    <section aria-labelledby="people-heading">
        <h2 id="people-heading">"Everyone"</h2>
        <p class="note" data-testid="safeguarding-roles-note">"The roles that read worries (DSL, deputy DSL, allegations lead, chair) are governed: nobody can give them to themselves or take them from themselves; every change is kept in a permanent record and the DSL, the allegations lead and the chair are emailed about it; and a change that would leave some kind of worry with nobody to read it is refused, saying who must be named first."</p>
        {empty}
        <div class="table-scroll" role="region" aria-labelledby="people-heading" tabindex="0">
            <table class="people">
                <caption class="visually-hidden" id="people-caption">"Everyone, with their roles, groups and status"</caption>
                <thead><tr>{th("Name", "name")}{th("Email", "email")}{th("Roles", "roles")}{th("Groups", "groups")}{th("Status", "status")}<th scope="col">"Actions"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {pager}
    </section>
    }
    .into_any();
    let refused_invite = !invite.email.is_empty() || !invite.name.is_empty();
    let (first, second) = if refused_invite {
        (invite_section, people_section)
    } else {
        (people_section, invite_section)
    };
    view! {
        <Title text="People"/>
        <h1>"People"</h1>
        {data.notice.clone().map(|n| view! { <div class="confirmation" role="status"><p>{n}</p></div> })}
        {data.error.clone().map(|e| view! { <div class="error-summary" role="alert" id="form-error"><h2>"That did not work"</h2><p>{e}</p></div> })}
        {(!data.gaps.is_empty()).then(|| view! {
            <div class="danger-box" role="region" aria-labelledby="gaps-heading" data-testid="role-gaps">
                <h2 id="gaps-heading">"Some worries would reach nobody"</h2>
                <p>"Nobody active holds the safeguarding roles these worries go to. Until someone does, a worry sent here is kept and the person who sent it is told to phone someone instead:"</p>
                <ul>{data.gaps.iter().map(|g| view! { <li>{format!("{}.", capitalise(g))}</li> }).collect_view()}</ul>
                <p>"Invite them below, or give an existing person the role. "<a href="/admin/organisation">"The organisation profile"</a>" names who they should be."</p>
            </div>
        })}
        <p><a href="#invite-heading">"Invite someone"</a> " · " <a href="/admin/people/import">"Import many people from a CSV file"</a></p>
        {first}
        {second}
    }
    .into_any()
}

/// The sentence as it starts a list item.
fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
