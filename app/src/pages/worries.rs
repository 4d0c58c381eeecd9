//! The handlers' pages: the inbox of concerns routed to them, and one concern with its
//! chronology, audit trail and the forms to act on it. Server-rendered forms only: they work
//! with JavaScript off, and the concern's text never goes into a script.

use crate::pages::compliance::{sort_fields, sort_th};
use crate::pages::concerns::ReportList;
use crate::server::worries::{ActForm, CaseView, InboxEntry, InboxRow, InboxView, PageProblem};
use leptos::prelude::*;
use leptos_meta::Title;
use safety_core::worry::Status;
use safety_core::worry::case::{Outcome, ReferralTo};
use safety_core::worry::decision::{ImageDeletion, ParentsInformed, Threshold};

#[component]
pub fn InboxPage() -> impl IntoView {
    let Some(view) = use_context::<InboxView>() else {
        return ().into_any();
    };
    let InboxView {
        query,
        entries,
        next,
        truncated,
        counts,
        undelivered,
        unreached,
        kinds,
        csrf,
        notice,
        error,
    } = view;
    let closed = query.show.as_deref() == Some("closed");
    let sort = query.sort();
    let oldest_first = query.order() == safety_core::worry::inbox::Order::OldestFirst;
    let selected = |current: &Option<String>, value: &str| current.as_deref() == Some(value);
    let status_options = Status::ALL
        .iter()
        .filter(|s| !closed && **s != Status::Closed)
        .map(|s| {
            let sel = selected(&query.status, s.as_str());
            view! { <option value=s.as_str() selected=sel>{s.label()}</option> }
        })
        .collect_view();
    let kind_options = kinds
        .into_iter()
        .map(|(id, label)| {
            let sel = selected(&query.kind, &id);
            view! { <option value=id selected=sel>{label}</option> }
        })
        .collect_view();
    let day_options = [
        ("1", "Last 24 hours"),
        ("7", "Last 7 days"),
        ("30", "Last 30 days"),
        ("90", "Last 90 days"),
    ]
    .into_iter()
    .map(|(v, label)| {
        let sel = selected(&query.days, v);
        view! { <option value=v selected=sel>{label}</option> }
    })
    .collect_view();
    let unreached = (!unreached.is_empty()).then(|| {
        view! {
            <div class="error-summary" role="alert" aria-labelledby="unreached-heading" data-testid="unreached">
                <h2 id="unreached-heading">"Concerns that nobody can read"</h2>
                <ul>{unreached.into_iter().map(|u| view! { <li>{u}</li> }).collect_view()}</ul>
            </div>
        }
    });
    let undelivered = (!undelivered.is_empty()).then(|| {
        view! {
            <div class="error-summary" role="alert" aria-labelledby="undelivered-heading">
                <h2 id="undelivered-heading">"Emails about these concerns have not been delivered yet"</h2>
                <p>"They are retried automatically. Until they are delivered, the people they are for may not know: please check these concerns here."</p>
                <ul>
                    {undelivered.into_iter().map(|u| view! {
                        <li>
                            <a href=u.href>{u.reason}</a>
                            ", since " {u.since} ", " {u.attempts} " failed attempts"
                            {u.last_error.map(|e| format!(" (last error: {e})"))}
                        </li>
                    }).collect_view()}
                </ul>
            </div>
        }
    });
    let list = if entries.is_empty() {
        view! {
            <p data-testid="inbox-empty">
                {if closed { "No closed concerns match." } else { "No open concerns match. When someone sends one, it appears here and you get an email." }}
            </p>
        }
        .into_any()
    } else {
        let mut groups = 0;
        let bodies = entries
            .into_iter()
            .map(|entry| match entry {
                InboxEntry::One(r) => view! { <tbody>{inbox_row(r)}</tbody> }.into_any(),
                InboxEntry::Group { group_id, rows } => {
                    groups += 1;
                    let heading = format!("group-{groups}");
                    let labelled_by = heading.clone();
                    let n = rows.len();
                    let dismiss = (!closed).then(|| {
                        let reason_id = format!("group-reason-{groups}");
                        view! {
                            <details class="group-dismiss">
                                <summary>"Close the whole group"</summary>
                                <form method="post" action=format!("/worries/groups/{group_id}/dismiss")>
                                    <input type="hidden" name="csrf" value=csrf.clone()/>
                                    <p class="hint">"Read each one first: some may be genuine. Every open concern of the group that you can read is closed as \"no further action\", each with your reason in its chronology."</p>
                                    <div class="field">
                                        <label for=reason_id.clone()>"Why the group is being closed"</label>
                                        <textarea id=reason_id name="text" rows="2" maxlength="5000" required></textarea>
                                    </div>
                                    <button type="submit" class="button secondary">"Close the whole group"</button>
                                </form>
                            </details>
                        }
                        .into_any()
                    });
                    view! {
                        <tbody class="group" data-testid="group" aria-labelledby=labelled_by>
                            <tr class="group-head"><td colspan="6">
                                <p id=heading><strong><span data-testid="group-count">{n}</span>
                                {if n == 1 { " concern" } else { " concerns" }}</strong>
                                " sent from one form, account or network in a short time (one email was sent for the group)"</p>
                                {dismiss}
                            </td></tr>
                            {rows.into_iter().map(inbox_row).collect_view().into_any()}
                        </tbody>
                    }
                    .into_any()
                }
            })
            .collect_view();
        view! {
            <div class="table-scroll" role="region" aria-labelledby="inbox-caption" tabindex="0">
                <table class="list inbox stacked">
                    <caption class="visually-hidden" id="inbox-caption">
                        {if oldest_first { "Concerns, oldest first" } else { "Concerns, newest first" }}
                    </caption>
                    // Only "Sent" sorts: the inbox pages by the store's index of send times, so
                    // any other order would mean reading every open concern for each page.
                    <thead><tr>
                        {sort_th("Sent", "sent", Some(sort), &|s| query.sorted_href(s))}
                        <th scope="col">"Kind"</th><th scope="col">"Urgency"</th>
                        <th scope="col">"Status"</th><th scope="col">"Routed to"</th><th scope="col">"Assigned to"</th>
                    </tr></thead>
                    {bodies}
                </table>
            </div>
        }
        .into_any()
    };
    let overdue_class = if counts.overdue > 0 { "overdue" } else { "" };
    view! {
        <Title text="Concerns"/>
        <h1>"Concerns"</h1>
        {notice.map(|n| view! { <div class="notice" role="status" data-testid="notice"><p>{n}</p></div> })}
        {error.map(|e| view! { <div class="error-summary" role="alert" id="form-error"><p>{e}</p></div> })}
        {unreached}
        <dl class="counts" aria-label="Open concerns">
            <div><dt>"Open"</dt><dd data-testid="count-open">{counts.open}</dd></div>
            <div><dt>"New, not yet acknowledged"</dt><dd data-testid="count-new">{counts.new}</dd></div>
            <div><dt>"Urgent and open"</dt><dd data-testid="count-urgent">{counts.urgent_open}</dd></div>
            <div class=overdue_class><dt>"Urgent, not acknowledged in time"</dt><dd data-testid="count-overdue">{counts.overdue}</dd></div>
            <div><dt>"Assigned to you"</dt><dd>{counts.assigned_to_me}</dd></div>
        </dl>
        {undelivered}
        <OnDuty/>
        <form method="get" action="/worries" class="filters">
            <div class="field">
                <label for="show">"Show"</label>
                <select id="show" name="show">
                    <option value="open" selected=!closed>"Open concerns"</option>
                    <option value="closed" selected=closed>"Closed concerns"</option>
                </select>
            </div>
            <div class="field">
                <label for="status">"Status"</label>
                <select id="status" name="status"><option value="">"Any"</option>{status_options}</select>
            </div>
            <div class="field">
                <label for="kind">"Kind"</label>
                <select id="kind" name="kind"><option value="">"Any"</option>{kind_options}</select>
            </div>
            <div class="field">
                <label for="days">"Sent"</label>
                <select id="days" name="days"><option value="">"Any time"</option>{day_options}</select>
            </div>
            {sort_fields(query.kept_sort())}
            <button type="submit" class="button secondary">"Show"</button>
        </form>
        {list}
        {truncated.then_some(view! { <p>"Only part of the list was searched. Choose a narrower filter to find older concerns."</p> })}
        {next.map(|href| view! {
            <p><a href=href rel="next">{if oldest_first { "Newer concerns" } else { "Older concerns" }}</a></p>
        })}
    }
    .into_any()
}

/// One concern's row of the inbox (no text: reading it is on its page, audited).
fn inbox_row(r: InboxRow) -> AnyView {
    let class = match (r.overdue, r.urgent) {
        (true, _) => "urgent overdue",
        (false, true) => "urgent",
        _ => "",
    };
    let status_class = format!("tag status-{}", r.status.to_lowercase().replace(' ', "-"));
    view! {
        <tr class=class>
            <td data-label="Sent"><a href=format!("/worries/{}", r.worry_id)>{r.sent}</a>
                {r.anonymous.then_some(view! { <span class="tag">"anonymous"</span> })}</td>
            <td data-label="Kind">{r.kind}</td>
            <td data-label="Urgency">{if r.urgent { view! { <strong class="tag urgent">{r.urgency}</strong> }.into_any() } else { r.urgency.into_any() }}
                {r.overdue.then_some(view! { <strong class="tag overdue" data-testid="overdue">"Overdue"</strong> })}</td>
            <td data-label="Status"><strong class=status_class>{r.status}</strong></td>
            <td data-label="Routed to">{r.queue}</td>
            <td data-label="Assigned to">{r.assigned.unwrap_or_else(|| "Nobody yet".into())}</td>
        </tr>
    }
    .into_any()
}

/// Who is on duty, from the organisation's profile (nothing when it names nobody).
#[component]
fn OnDuty() -> impl IntoView {
    let site = expect_context::<crate::server::SiteState>();
    (!site.org.on_duty.is_empty()).then(|| {
        view! {
            <details class="note">
                <summary>"Who is on duty"</summary>
                <ul>
                    {site.org.on_duty.iter().map(|d| view! {
                        <li><strong>{d.site.clone()}</strong> ": " {d.name.clone()} " (" {d.title.clone()} "), " {d.phone.clone()}
                            {(!d.email.is_empty()).then(|| format!(", {}", d.email))}</li>
                    }).collect_view()}
                </ul>
                <p>{site.org.out_of_hours.clone()}</p>
            </details>
        }
    })
}

/// The local authority's services beside "Record a referral": whom to call, from the profile.
fn local_services() -> AnyView {
    let site = expect_context::<crate::server::SiteState>();
    let local = &site.org.local;
    let numbers: Vec<(&str, String)> = [
        (
            "LADO (an allegation about an adult who works with children)",
            &local.lado_phone,
        ),
        ("Children's services front door", &local.front_door_phone),
        ("Adult social care", &local.adult_services_phone),
    ]
    .into_iter()
    .filter(|(_, phone)| !phone.trim().is_empty())
    .map(|(what, phone)| (what, phone.clone()))
    .collect();
    let partnership = (!local.partnership_site.trim().is_empty()).then(|| {
        let href = local.partnership_site.clone();
        view! { <p><a href=href.clone()>"The local safeguarding partnership's procedures"</a></p> }
    });
    view! {
        <div class="local-services">
            <p>{local.authority.clone()} ":"</p>
            <ul>
                {numbers.into_iter().map(|(what, phone)| {
                    let tel = format!("tel:{}", phone.replace(' ', ""));
                    view! { <li>{what} ": " <a href=tel>{phone}</a></li> }
                }).collect_view()}
            </ul>
            {partnership}
        </div>
    }
    .into_any()
}

#[component]
pub fn CasePage() -> impl IntoView {
    let Some(case) = use_context::<CaseView>() else {
        let problem = use_context::<PageProblem>()
            .map(|p| p.0)
            .unwrap_or_default();
        return view! {
            <Title text="Concern"/>
            <p><a href="/worries">"All concerns"</a></p>
            <h1>"Concern"</h1>
            <div class="error-summary" role="alert"><p>{problem}</p></div>
        }
        .into_any();
    };
    let CaseView {
        worry_id,
        text,
        sent,
        status,
        urgent,
        urgency,
        about,
        involves,
        kind,
        queue,
        move_to,
        sender,
        named: _,
        wants_contact,
        contact_how,
        assigned,
        review,
        version,
        chronology,
        audit,
        assignable,
        csrf,
        notice,
        error,
        typed,
        staff_report,
    } = case;
    let action = format!("/worries/{worry_id}/act");
    let closed = status == Status::Closed;
    let form = FormParts {
        action,
        csrf,
        version,
        typed,
    };
    let acknowledge = (status == Status::New).then(|| {
        form.render("acknowledge", "Acknowledge", view! {
            <p class="hint">"Tells the person who sent it that it has been read, and records that you did."</p>
        })
    });
    let typed_text = |a: &str| form.text_for(a);
    let note = form.render("note", "Add the note", view! {
        <div class="field"><label for="note-text">"Note (only the people it is routed to can read it)"</label>
        <textarea id="note-text" name="text" rows="4" maxlength="5000" required>{crate::pages::textarea_text(&typed_text("note"))}</textarea></div>
    });
    let action_taken = form.render("action", "Record the action", view! {
        <div class="field"><label for="action-text">"What was done"</label>
        <textarea id="action-text" name="text" rows="4" maxlength="5000" required>{crate::pages::textarea_text(&typed_text("action"))}</textarea></div>
    });
    let local_services = local_services();
    let typed_to = form.typed.to.clone();
    let referral = form.render("referral", "Record the referral", view! {
        <div class="field"><label for="referral-to">"Referred to"</label>
        <select id="referral-to" name="to" required><option value="">"Choose…"</option>
            {ReferralTo::ALL.iter().map(|r| view! { <option value=r.as_str() selected=typed_to == r.as_str()>{r.label()}</option> }).collect_view()}
        </select></div>
        <div class="field"><label for="referral-reference">"Their reference (optional)"</label>
        <input type="text" id="referral-reference" name="reference" maxlength="200" value=form.typed.reference.clone()/></div>
        <div class="field"><label for="referral-text">"Details"</label>
        <textarea id="referral-text" name="text" rows="3" maxlength="5000">{crate::pages::textarea_text(&typed_text("referral"))}</textarea></div>
    });
    let reply = form.render("reply", "Send the reply", view! {
        <div class="field"><label for="reply-text">"Reply to the person who sent it (they read it on their follow-up page or account)"</label>
        <textarea id="reply-text" name="text" rows="4" maxlength="5000" required>{crate::pages::textarea_text(&typed_text("reply"))}</textarea></div>
    });
    let status_form = form.render("status", if closed { "Reopen it" } else { "Change the status" }, view! {
        <div class="field"><label for="status-to">"Status"</label>
        <select id="status-to" name="status">
            {[Status::Acknowledged, Status::InProgress].into_iter().filter(|s| *s != status).map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
        </select></div>
    });
    let reassign = (!assignable.is_empty()).then(|| form.render("reassign", "Assign", view! {
        <div class="field"><label for="reassign-to">"Assign it to"</label>
        <select id="reassign-to" name="person">
            {assignable.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
        </select></div>
    }));
    let typed_move = if form.typed.action == "move" {
        form.typed.to.clone()
    } else {
        String::new()
    };
    let move_form = (!move_to.is_empty()).then(|| {
        let readers = move_to
            .iter()
            .map(|c| view! { <li><strong>{c.queue.label()}</strong> ": read by " {c.queue.readers_in_words()}</li> })
            .collect_view();
        form.render("move", "Move it", view! {
            <p class="hint">"Move it when it turns out to be about someone who should not read it: a member of staff, the DSL, or the head. The new readers are emailed, and the move and your reason are kept in the chronology. If it is now about you, you can no longer open it."</p>
            <ul class="hint">{readers}</ul>
            <div class="field"><label for="move-to">"Move it to"</label>
            <select id="move-to" name="to" required><option value="">"Choose…"</option>
                {move_to.iter().map(|c| {
                    let text = if c.stricter { c.queue.label().to_string() } else { format!("{} (less restricted)", c.queue.label()) };
                    view! { <option value=c.queue.as_str() selected=typed_move == c.queue.as_str()>{text}</option> }
                }).collect_view()}
            </select></div>
            <div class="field"><label for="move-text">"Why (kept in the chronology)"</label>
            <textarea id="move-text" name="text" rows="3" maxlength="5000" required>{crate::pages::textarea_text(&typed_text("move"))}</textarea></div>
        })
    });
    let typed_outcome = form.typed.outcome.clone();
    let close = (!closed).then(|| form.render("close", "Close it", view! {
        <div class="field"><label for="close-outcome">"Outcome"</label>
        <select id="close-outcome" name="outcome" required><option value="">"Choose…"</option>
            {Outcome::ALL.iter().map(|o| view! { <option value=o.as_str() selected=typed_outcome == o.as_str()>{o.label()}</option> }).collect_view()}
        </select></div>
        <div class="field"><label for="close-text">"Why (optional)"</label>
        <textarea id="close-text" name="text" rows="3" maxlength="5000">{crate::pages::textarea_text(&typed_text("close"))}</textarea></div>
    }));
    let decisions = decision_forms(&form);
    let reviews = review_forms(&form, review.is_some(), closed);
    let status_class = format!(
        "tag status-{}",
        status.label().to_lowercase().replace(' ', "-")
    );
    let urgency_tag = if urgent {
        view! { <strong class="tag urgent">{urgency}</strong> }.into_any()
    } else {
        view! { <span class="tag">{urgency}</span> }.into_any()
    };
    // Phones first, one column: the worry, the actions, then its history. From 64rem two
    // columns: the worry and its chronology on the left, the actions beside them on the right.
    view! {
        <Title text="Concern"/>
        <p><a href="/worries">"All concerns"</a></p>
        {notice.map(|n| view! { <div class="notice" role="status" data-testid="notice"><p>{n}</p></div> })}
        {error.map(|e| view! { <div class="error-summary" role="alert" id="form-error"><h2>"That was not saved"</h2><p>{e}</p></div> })}
        <h1>"Concern " {urgent.then_some(view! { <strong class="tag urgent">"Urgent"</strong> })}</h1>
        <div class="case-layout">
            <div class="case-worry">
                <dl class="summary-list" data-testid="case-facts">
                    <div><dt>"Received"</dt><dd>{sent}</dd></div>
                    <div><dt>"Status"</dt><dd><strong class=status_class data-testid="case-status">{status.label()}</strong></dd></div>
                    <div><dt>"How urgent it felt"</dt><dd>{urgency_tag}</dd></div>
                    <div><dt>"Kind"</dt><dd>{kind}</dd></div>
                    <div><dt>"Routed to"</dt><dd data-testid="case-queue">{queue}</dd></div>
                    <div><dt>"Assigned to"</dt><dd data-testid="case-assigned">{assigned.unwrap_or_else(|| "Nobody yet".into())}</dd></div>
                    {review.map(|(due, what)| view! {
                        <div><dt>"Next review"</dt><dd data-testid="case-review"><strong>{due}</strong>": "<span class="message-text">{what}</span></dd></div>
                    })}
                    <div><dt>"Who is affected"</dt><dd>{about}</dd></div>
                    <div><dt>"An adult here involved"</dt><dd data-testid="case-involves">{involves}</dd></div>
                    <div><dt>"From"</dt><dd>{sender}</dd></div>
                    <div><dt>"Wants to be contacted"</dt><dd>{if wants_contact { "Yes" } else { "No" }}
                        {(!contact_how.is_empty()).then(|| view! { ": " <span class="message-text">{contact_how}</span> })}</dd></div>
                </dl>
                {match staff_report {
                    // A member of staff's report: its fields, the child's words exactly.
                    Some(lines) => view! {
                        <section aria-labelledby="text-heading">
                            <h2 id="text-heading">"The staff member's report"</h2>
                            <ReportList lines/>
                        </section>
                    }.into_any(),
                    None => view! {
                        <section aria-labelledby="text-heading">
                            <h2 id="text-heading">"What they wrote"</h2>
                            <p class="message-text worry-text" data-testid="worry-text">{text}</p>
                        </section>
                    }.into_any(),
                }}
                <crate::pages::records::PersonLinks/>
            </div>
            <section aria-labelledby="act-heading" class="case-actions">
                <h2 id="act-heading">"Act on it"</h2>
                {acknowledge}
                {reassign.map(|r| view! { <details><summary>"Assign it to someone"</summary>{r}</details> })}
                <details open=form.typed.action == "note"><summary>"Add a note"</summary>{note}</details>
                <details open=form.typed.action == "action"><summary>"Record an action taken"</summary>{action_taken}</details>
                <details open=form.typed.action == "referral"><summary>"Record a referral"</summary>{local_services}{referral}</details>
                <details open=form.typed.action == "reply"><summary>"Reply to the person who sent it"</summary>{reply}</details>
                <details open=form.typed.action == "status"><summary>{if closed { "Reopen it" } else { "Change the status" }}</summary>{status_form}</details>
                {decisions}
                {reviews}
                {move_form.map(|m| view! { <details open=form.typed.action == "move"><summary>"Move this concern"</summary>{m}</details> })}
                {close.map(|c| view! { <details open=form.typed.action == "close"><summary>"Close it"</summary>{c}</details> })}
            </section>
            <div class="case-history">
                <section aria-labelledby="chronology-heading">
                    <h2 id="chronology-heading">"Chronology"</h2>
                    <ol class="timeline" data-testid="chronology">
                        {chronology.into_iter().map(|e| view! {
                            <li>
                                <p class="timeline-what"><strong>{e.what}</strong></p>
                                <p class="message-meta">{e.who} ", " {e.when}</p>
                                {(!e.details.is_empty()).then(|| view! {
                                    <dl class="decision-record">
                                        {e.details.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd class="message-text">{v}</dd> }).collect_view()}
                                    </dl>
                                })}
                                {(!e.text.is_empty()).then(|| view! { <p class="message-text">{e.text}</p> })}
                            </li>
                        }).collect_view()}
                    </ol>
                </section>
                <section aria-labelledby="audit-heading">
                    <h2 id="audit-heading">"Who has opened it, or tried to"</h2>
                    <div class="table-scroll" role="region" aria-labelledby="audit-heading" tabindex="0">
                        <table class="list" data-testid="audit">
                            <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th></tr></thead>
                            <tbody>
                                {audit.into_iter().rev().map(|a| {
                                    // A refused attempt to open or change it, by someone it is not routed to.
                                    let refused = a.what.starts_with("Tried to");
                                    view! { <tr class=if refused { "row-error" } else { "" }><td>{a.when}</td><td>{a.who}</td><td>{a.what}</td></tr> }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                </section>
            </div>
        </div>
    }
    .into_any()
}

/// A group of radio buttons of one form field, the typed value checked.
fn radios(
    name: &'static str,
    legend: &'static str,
    choices: Vec<(&'static str, &'static str)>,
    typed: &str,
) -> AnyView {
    let items = choices
        .into_iter()
        .map(|(value, label)| {
            let id = format!("{name}-{value}");
            view! {
                <div class="radio">
                    <input type="radio" id=id.clone() name=name value=value checked=typed == value required/>
                    <label for=id>{label}</label>
                </div>
            }
        })
        .collect_view();
    view! { <fieldset class="field"><legend>{legend}</legend>{items}</fieldset> }.into_any()
}

/// The decisions a handler records with their reasons: parents told or not, the threshold,
/// and the UKCIS record of an image incident.
fn decision_forms(form: &FormParts) -> AnyView {
    let t = &form.typed;
    let typed = |action: &str, value: &str| {
        if t.action == action {
            value.to_string()
        } else {
            String::new()
        }
    };
    let reason = |id: &'static str, label: &'static str, action: &str| {
        view! {
            <div class="field"><label for=id>{label}</label>
            <textarea id=id name="text" rows="3" maxlength="5000" required>{crate::pages::textarea_text(&form.text_for(action))}</textarea></div>
        }
    };
    let parents = form.render("parents", "Record the decision", view! {
        {radios("informed", "Were the parents or carers told?",
            ParentsInformed::ALL.iter().map(|v| (v.as_str(), v.label())).collect(), &typed("parents", &t.informed))}
        <p class="hint">"Tell them unless doing so could put the child at greater risk; for an adult learner, only with their agreement."</p>
        {reason("parents-text", "Why (kept in the chronology)", "parents")}
    });
    let typed_level = typed("threshold", &t.level);
    let threshold = form.render("threshold", "Record the decision", view! {
        <div class="field"><label for="threshold-level">"The threshold it meets"</label>
        <select id="threshold-level" name="level" required><option value="">"Choose…"</option>
            {Threshold::ALL.iter().map(|v| view! { <option value=v.as_str() selected=typed_level == v.as_str()>{v.label()}</option> }).collect_view()}
        </select></div>
        <p class="hint">"Use your local safeguarding partnership's threshold document."</p>
        {reason("threshold-text", "Why (kept in the chronology)", "threshold")}
    });
    let typed_deletion = typed("image", &t.deletion);
    let image = form.render("image", "Record the incident", view! {
        <p class="hint">"UKCIS advice: do not view an image unless it is unavoidable (for example, to decide on a referral when nobody can describe it), never copy, print or share it, and record who viewed it and why."</p>
        {radios("viewed", "Did anyone here view the image?", vec![("no", "No"), ("yes", "Yes")], &typed("image", &t.viewed))}
        <div class="field"><label for="image-viewed-by">"If so, who viewed it and why"</label>
        <textarea id="image-viewed-by" name="viewed_by" rows="2" maxlength="5000">{crate::pages::textarea_text(&typed("image", &t.viewed_by))}</textarea></div>
        <div class="field"><label for="image-devices">"Which devices or accounts hold or held it"</label>
        <textarea id="image-devices" name="devices" rows="2" maxlength="5000" required>{crate::pages::textarea_text(&typed("image", &t.devices))}</textarea></div>
        <div class="field"><label for="image-deletion">"What happened to the image"</label>
        <select id="image-deletion" name="deletion" required><option value="">"Choose…"</option>
            {ImageDeletion::ALL.iter().map(|v| view! { <option value=v.as_str() selected=typed_deletion == v.as_str()>{v.label()}</option> }).collect_view()}
        </select></div>
        {radios("police", "Was it referred to the police?", vec![("yes", "Yes"), ("no", "No")], &typed("image", &t.police))}
        <div class="field"><label for="image-police-reason">"Why it was, or was not, referred to the police"</label>
        <textarea id="image-police-reason" name="police_reason" rows="2" maxlength="5000" required>{crate::pages::textarea_text(&typed("image", &t.police_reason))}</textarea></div>
        {reason("image-text", "What was decided, and why (kept in the chronology)", "image")}
    });
    view! {
        <details open=t.action == "parents"><summary>"Decision: parents or carers told"</summary>{parents}</details>
        <details open=t.action == "threshold"><summary>"Decision: the threshold"</summary>{threshold}</details>
        <details open=t.action == "image"><summary>"Record an image incident (nudes or semi-nudes)"</summary>{image}</details>
    }
    .into_any()
}

/// Setting the next review date (open concerns), and recording a review that is due.
fn review_forms(form: &FormParts, has_review: bool, closed: bool) -> AnyView {
    if closed {
        return ().into_any();
    }
    let t = &form.typed;
    let due = if t.action == "review" {
        t.due.clone()
    } else {
        String::new()
    };
    let set = form.render("review", if has_review { "Change the review date" } else { "Set the review date" }, view! {
        <div class="field"><label for="review-due">"Review on"</label>
        <p class="hint" id="review-due-hint">"For example, 12/3/2027. The person it is assigned to is emailed that morning; if nobody is, everyone it is routed to."</p>
        <input type="date" id="review-due" name="due" value=due aria-describedby="review-due-hint" required/></div>
        <div class="field"><label for="review-text">"What is to be reviewed"</label>
        <textarea id="review-text" name="text" rows="2" maxlength="5000" required>{crate::pages::textarea_text(&form.text_for("review"))}</textarea></div>
    });
    let done = has_review.then(|| form.render("review_done", "Record the review", view! {
        <div class="field"><label for="review-done-text">"What the review found (optional)"</label>
        <textarea id="review-done-text" name="text" rows="3" maxlength="5000">{crate::pages::textarea_text(&form.text_for("review_done"))}</textarea></div>
    }));
    view! {
        {done.map(|d| view! { <details open=t.action == "review_done"><summary>"Record the review"</summary>{d}</details> })}
        <details open=t.action == "review"><summary>{if has_review { "Change the review date" } else { "Set a review date" }}</summary>{set}</details>
    }
    .into_any()
}

/// What every action form on the case page carries.
struct FormParts {
    action: String,
    csrf: String,
    version: u64,
    /// The refused form, as typed.
    typed: ActForm,
}

impl FormParts {
    fn text_for(&self, action: &str) -> String {
        if self.typed.action == action {
            self.typed.text.clone()
        } else {
            String::new()
        }
    }

    /// One action's form. Each form has its own id, so going Back and sending another form
    /// from the same page is never mistaken for a repeat; a refused form keeps its id.
    fn render(
        &self,
        name: &'static str,
        button: &'static str,
        fields: impl IntoView + 'static,
    ) -> AnyView {
        let form_id = if self.typed.action == name && !self.typed.form_id.is_empty() {
            self.typed.form_id.clone()
        } else {
            uuid::Uuid::new_v4().to_string()
        };
        view! {
            <form method="post" action=self.action.clone() class="case-form">
                <input type="hidden" name="csrf" value=self.csrf.clone()/>
                <input type="hidden" name="form_id" value=form_id/>
                <input type="hidden" name="version" value=self.version.to_string()/>
                <input type="hidden" name="action" value=name/>
                {fields}
                <button type="submit" class="button" data-action=name>{button}</button>
            </form>
        }
        .into_any()
    }
}
