//! `/retention`: the records past their retention period, for the DSL (and, for the records
//! they read, the allegations lead and the chair) to review; legal holds; confirming a
//! deletion; the tombstones. Server-rendered forms only: they work with JavaScript off. No
//! record's content is shown here: when it was sent, where it was routed, the rule and the date.

use crate::server::retention::{
    ConcernRow, RecordRow, RecordsView, RetentionRow, RetentionView, TombstoneRow,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// What every hold form needs: the session's token, and the form sent back with a problem.
#[derive(Clone)]
struct Forms {
    csrf: String,
    /// The record whose hold form came back, with what was typed and why.
    hold_for: Option<String>,
    typed: String,
    error: Option<String>,
}

/// The hold form of one record: `field` is `worry_id` or `concern_id`, `record_id` its id.
fn hold_form(field: &'static str, record_id: &str, f: &Forms) -> AnyView {
    let (csrf, hold_for, typed, error) = (&f.csrf, &f.hold_for, &f.typed, &f.error);
    let id = format!("reason-{record_id}");
    let this = hold_for.as_deref() == Some(record_id);
    let value = if this {
        typed.to_string()
    } else {
        String::new()
    };
    let error = error.clone().filter(|_| this);
    let described = if error.is_some() {
        format!("{id}-hint {id}-error")
    } else {
        format!("{id}-hint")
    };
    view! {
        <details class="hold-form" open=this>
            <summary>"Place a legal hold"</summary>
            <form method="post" action="/retention/hold">
                <input type="hidden" name="csrf" value=csrf.to_string()/>
                <input type="hidden" name=field value=record_id.to_string()/>
                <div class="field" class:field-with-error=error.is_some()>
                    <label for=id.clone()>"Why it must be kept"</label>
                    <p class="hint" id=format!("{id}-hint")>"For example: a police investigation, a court case, an inquiry, a subject access request. Shown to the reviewers and kept in the concern's audit trail."</p>
                    {error.clone().map(|e| view! { <p class="field-error" id=format!("{id}-error")><span class="visually-hidden">"Error: "</span>{e}</p> })}
                    <textarea id=id.clone() name="reason" rows="3" maxlength="1000" aria-describedby=described aria-invalid=error.is_some().then_some("true")>{value}</textarea>
                </div>
                <button type="submit" class="button secondary">"Place the hold"</button>
            </form>
        </details>
    }
    .into_any()
}

fn rows_table(
    caption: &'static str,
    testid: &'static str,
    rows: Vec<RetentionRow>,
    forms: Forms,
    delete_links: bool,
) -> AnyView {
    view! {
        <table class="list stacked" data-testid=testid>
                <caption class="visually-hidden">{caption}</caption>
                <thead><tr>
                    <th scope="col">"Concern"</th>
                    <th scope="col">"Routed to"</th>
                    <th scope="col">"Rule"</th>
                    <th scope="col">"Due for deletion"</th>
                    <th scope="col">"Actions"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let hold = hold_form("worry_id", &r.worry_id, &forms);
                        let delete = delete_links.then(|| view! {
                            <p><a href=format!("/retention?confirm={}#confirm", r.worry_id) class="button warning">"Review and delete"<span class="visually-hidden">{format!(" the concern sent {}", r.sent)}</span></a></p>
                        });
                        view! {
                            <tr data-worry=r.worry_id.clone()>
                                <td data-label="Concern"><a href=format!("/worries/{}", r.worry_id)>{format!("Sent {}", r.sent)}</a></td>
                                <td data-label="Routed to">{r.queue.clone()}</td>
                                <td data-label="Rule">{r.rule.clone()}</td>
                                <td data-label="Due for deletion">{r.due.clone()}</td>
                                <td>{delete}{hold}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
    }
    .into_any()
}

/// The leaving-date form of one low-level concern (a date input; sent back with what was typed
/// and why, when refused).
fn left_form(r: &ConcernRow, f: &Forms, left: &LeftForms) -> AnyView {
    let id = format!("left-{}", r.concern_id);
    let this = left.left_for.as_deref() == Some(r.concern_id.as_str());
    let value = if this {
        left.typed.clone()
    } else {
        String::new()
    };
    let error = left.error.clone().filter(|_| this);
    let described = if error.is_some() {
        format!("{id}-hint {id}-error")
    } else {
        format!("{id}-hint")
    };
    view! {
        <details class="hold-form" open=this>
            <summary>"Record the date they left"</summary>
            <form method="post" action="/retention/left">
                <input type="hidden" name="csrf" value=f.csrf.clone()/>
                <input type="hidden" name="concern_id" value=r.concern_id.clone()/>
                <div class="field" class:field-with-error=error.is_some()>
                    <label for=id.clone()>{format!("The date {} left", r.about)}</label>
                    <p class="hint" id=format!("{id}-hint")>"Their last day working here, from the personnel record. Kept in the log's audit trail."</p>
                    {error.clone().map(|e| view! { <p class="field-error" id=format!("{id}-error")><span class="visually-hidden">"Error: "</span>{e}</p> })}
                    <input type="date" id=id.clone() name="left_on" value=value aria-describedby=described aria-invalid=error.is_some().then_some("true")/>
                </div>
                <button type="submit" class="button secondary">"Record the date"</button>
            </form>
        </details>
    }
    .into_any()
}

/// What the leaving-date forms need beyond [`Forms`].
#[derive(Clone)]
struct LeftForms {
    left_for: Option<String>,
    typed: String,
    error: Option<String>,
}

fn concerns_table(rows: Vec<ConcernRow>, forms: Forms, left: LeftForms) -> AnyView {
    if rows.is_empty() {
        return view! { <p data-testid="low-level-empty">"No low-level concern you read is recorded."</p> }
            .into_any();
    }
    view! {
        <table class="list stacked" data-testid="low-level">
            <caption class="visually-hidden">"Low-level concerns about staff"</caption>
            <thead><tr>
                <th scope="col">"About"</th>
                <th scope="col">"Recorded"</th>
                <th scope="col">"Left"</th>
                <th scope="col">"Due for deletion"</th>
                <th scope="col">"Actions"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let actions = match r.hold.clone() {
                        Some((reason, by, at)) => view! {
                            <p class="message-text">{format!("Held because: {reason} ({by}, {at})")}</p>
                            <form method="post" action="/retention/lift" class="inline-form">
                                <input type="hidden" name="csrf" value=forms.csrf.clone()/>
                                <input type="hidden" name="concern_id" value=r.concern_id.clone()/>
                                <button type="submit" class="button secondary">"Lift the hold"<span class="visually-hidden">{format!(" on the concern about {} recorded {}", r.about, r.recorded)}</span></button>
                            </form>
                        }.into_any(),
                        None => {
                            let delete = r.is_due.then(|| view! {
                                <p><a href=format!("/retention?confirm_concern={}#confirm", r.concern_id) class="button warning">"Review and delete"<span class="visually-hidden">{format!(" the concern about {} recorded {}", r.about, r.recorded)}</span></a></p>
                            });
                            let left_form = r.may_record_left.then(|| left_form(&r, &forms, &left));
                            let hold = hold_form("concern_id", &r.concern_id, &forms);
                            view! { {delete}{left_form}{hold} }.into_any()
                        }
                    };
                    view! {
                        <tr data-concern=r.concern_id.clone()>
                            <td data-label="About">{r.about.clone()}</td>
                            <td data-label="Recorded">{r.recorded.clone()}</td>
                            <td data-label="Left">{r.left.clone()}</td>
                            <td data-label="Due for deletion">{r.due.clone()}</td>
                            <td>{actions}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The person records part: due and held records (the others are counted, not listed).
fn records_part(v: RecordsView, forms: Forms) -> AnyView {
    let RecordsView {
        due,
        held,
        kept_while_linked,
        without_date_of_birth,
    } = v;
    let rows = due.into_iter().chain(held).collect::<Vec<RecordRow>>();
    let table = if rows.is_empty() {
        view! { <p data-testid="records-empty">"No person record is due for deletion or held."</p> }
            .into_any()
    } else {
        view! {
            <table class="list stacked" data-testid="records-due">
                <caption class="visually-hidden">"Person records due for deletion or held"</caption>
                <thead><tr>
                    <th scope="col">"Record"</th>
                    <th scope="col">"Born"</th>
                    <th scope="col">"Due for deletion"</th>
                    <th scope="col">"Actions"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let actions = match r.hold.clone() {
                            Some((reason, by, at)) => view! {
                                <p class="message-text">{format!("Held because: {reason} ({by}, {at})")}</p>
                                <form method="post" action="/retention/lift" class="inline-form">
                                    <input type="hidden" name="csrf" value=forms.csrf.clone()/>
                                    <input type="hidden" name="record_id" value=r.record_id.clone()/>
                                    <button type="submit" class="button secondary">"Lift the hold"<span class="visually-hidden">{format!(" on the record of {}", r.name)}</span></button>
                                </form>
                            }.into_any(),
                            None => view! {
                                <p><a href=format!("/retention?confirm_record={}#confirm", r.record_id) class="button warning">"Review and delete"<span class="visually-hidden">{format!(" the record of {}", r.name)}</span></a></p>
                                {hold_form("record_id", &r.record_id, &forms)}
                            }.into_any(),
                        };
                        view! {
                            <tr data-record=r.record_id.clone()>
                                <td data-label="Record"><a href=format!("/records/{}", r.record_id)>{r.name.clone()}</a></td>
                                <td data-label="Born">{r.born.clone()}</td>
                                <td data-label="Due for deletion">{r.due.clone()}</td>
                                <td>{actions}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    let counts = (kept_while_linked > 0 || without_date_of_birth > 0).then(|| {
        let linked = match kept_while_linked {
            0 => None,
            1 => Some("1 record past its period is kept because concerns are still linked to it.".to_string()),
            n => Some(format!("{n} records past their period are kept because concerns are still linked to them.")),
        };
        let undated = match without_date_of_birth {
            0 => None,
            1 => Some("1 record has no date of birth: it is never deleted until one is recorded on it.".to_string()),
            n => Some(format!("{n} records have no date of birth: they are never deleted until one is recorded on them.")),
        };
        view! { <ul data-testid="records-counts">{linked.map(|t| view! { <li>{t}</li> })}{undated.map(|t| view! { <li>{t}</li> })}</ul> }
    });
    view! {
        <section aria-labelledby="records-heading">
            <h2 id="records-heading">"Person records"</h2>
            <p class="hint">"Records of children kept until their 25th birthday (the profile's age), once no concern is linked to them. Those not yet due are not listed."</p>
            {table}
            {counts}
        </section>
    }
    .into_any()
}

fn tombstones_table(rows: Vec<TombstoneRow>) -> AnyView {
    if rows.is_empty() {
        return view! { <p data-testid="tombstones-empty">"Nothing has been deleted yet."</p> }
            .into_any();
    }
    view! {
        <table class="list stacked" data-testid="tombstones">
                <thead><tr>
                    <th scope="col">"What"</th>
                    <th scope="col">"Reference"</th>
                    <th scope="col">"Routed to"</th>
                    <th scope="col">"Rule applied"</th>
                    <th scope="col">"Due"</th>
                    <th scope="col">"Deleted"</th>
                    <th scope="col">"Confirmed by"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|t| view! {
                        <tr>
                            <td data-label="What">{t.what}" ("{t.items}" items)"</td>
                            <td data-label="Reference"><code class="reference">{t.reference}</code></td>
                            <td data-label="Routed to">{t.queue}</td>
                            <td data-label="Rule applied">{t.rule}</td>
                            <td data-label="Due">{t.due}</td>
                            <td data-label="Deleted">{t.deleted}</td>
                            <td data-label="Confirmed by">{t.confirmed_by}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
    }
    .into_any()
}

/// `/retention`.
#[component]
pub fn RetentionPage() -> impl IntoView {
    let Some(v) = use_context::<RetentionView>() else {
        return ().into_any();
    };
    let RetentionView {
        due,
        needs_dob,
        not_yet,
        held,
        low_level,
        records,
        tombstones,
        rules,
        source,
        confirm,
        confirm_concern,
        confirm_record,
        left_for,
        typed_left_on,
        hold_for,
        typed_reason,
        errors,
        csrf,
        notice,
        error,
    } = v;
    let summary = (!errors.is_empty()).then(|| view! {
        <div class="error-summary" role="alert" id="form-error" tabindex="-1" data-testid="error-summary">
            <h2>"There is a problem"</h2>
            <ul>
                {errors.iter().map(|(field, msg)| view! { <li><a href=format!("#{field}")>{msg.clone()}</a></li> }).collect_view()}
            </ul>
        </div>
    });
    let confirm_error = errors
        .iter()
        .find(|(f, _)| f == "confirm-delete")
        .map(|(_, m)| m.clone());
    let hold_error = errors
        .iter()
        .find(|(f, _)| f.starts_with("reason-"))
        .map(|(_, m)| m.clone());
    let left_error = errors
        .iter()
        .find(|(f, _)| f.starts_with("left-"))
        .map(|(_, m)| m.clone());
    let concern_confirm_panel = confirm_concern.map(|r| view! {
        <section aria-labelledby="confirm-heading" class="confirm-panel" id="confirm" data-testid="confirm">
            <h2 id="confirm-heading">"Confirm the deletion"</h2>
            <p>"This deletes the low-level concern from the log. It cannot be undone. A tombstone is kept: what was deleted, the rule, when, and that you confirmed it; nothing of its content. The log's audit trail records the deletion."</p>
            <dl class="summary-list">
                <div><dt>"Low-level concern about"</dt><dd>{r.about.clone()}<br/><code class="reference">{r.concern_id.clone()}</code></dd></div>
                <div><dt>"Recorded"</dt><dd>{r.recorded.clone()}</dd></div>
                <div><dt>"Left"</dt><dd>{r.left.clone()}</dd></div>
                <div><dt>"Due for deletion"</dt><dd>{r.due.clone()}</dd></div>
            </dl>
            <form method="post" action="/retention/delete">
                <input type="hidden" name="csrf" value=csrf.clone()/>
                <input type="hidden" name="concern_id" value=r.concern_id.clone()/>
                <div class="field" class:field-with-error=confirm_error.is_some()>
                    {confirm_error.clone().map(|e| view! { <p class="field-error" id="confirm-delete-error"><span class="visually-hidden">"Error: "</span>{e}</p> })}
                    <div class="checkbox">
                        <input type="checkbox" id="confirm-delete" name="confirm" value="yes" aria-describedby=confirm_error.is_some().then_some("confirm-delete-error") aria-invalid=confirm_error.is_some().then_some("true")/>
                        <label for="confirm-delete">{format!("I confirm that the low-level concern about {} recorded {} is past its retention period, is not needed for any investigation, and is to be deleted", r.about, r.recorded)}</label>
                    </div>
                </div>
                <button type="submit" class="button warning">"Delete this low-level concern"</button>
                " "<a href="/retention">"Cancel"</a>
            </form>
        </section>
    });
    let record_confirm_panel = confirm_record.map(|r| view! {
        <section aria-labelledby="confirm-heading" class="confirm-panel" id="confirm" data-testid="confirm">
            <h2 id="confirm-heading">"Confirm the deletion"</h2>
            <p>"This deletes the person record with its own chronology, its audit trail, the records merged into it and any concerns it received by transfer. No concern is linked to it. It cannot be undone. A tombstone is kept: that a record was deleted, the rule, when, and that you confirmed it; not the name."</p>
            <dl class="summary-list">
                <div><dt>"Person record"</dt><dd>{r.name.clone()}<br/><code class="reference">{r.record_id.clone()}</code></dd></div>
                <div><dt>"Born"</dt><dd>{r.born.clone()}</dd></div>
                <div><dt>"Due for deletion"</dt><dd>{r.due.clone()}</dd></div>
            </dl>
            <form method="post" action="/retention/delete">
                <input type="hidden" name="csrf" value=csrf.clone()/>
                <input type="hidden" name="record_id" value=r.record_id.clone()/>
                <div class="field" class:field-with-error=confirm_error.is_some()>
                    {confirm_error.clone().map(|e| view! { <p class="field-error" id="confirm-delete-error"><span class="visually-hidden">"Error: "</span>{e}</p> })}
                    <div class="checkbox">
                        <input type="checkbox" id="confirm-delete" name="confirm" value="yes" aria-describedby=confirm_error.is_some().then_some("confirm-delete-error") aria-invalid=confirm_error.is_some().then_some("true")/>
                        <label for="confirm-delete">{format!("I confirm that the person record of {} is past its retention period, is not needed for any investigation, and is to be deleted", r.name)}</label>
                    </div>
                </div>
                <button type="submit" class="button warning">"Delete this person record"</button>
                " "<a href="/retention">"Cancel"</a>
            </form>
        </section>
    });
    let records = records.map(|v| {
        records_part(
            v,
            Forms {
                csrf: csrf.clone(),
                hold_for: hold_for.clone(),
                typed: typed_reason.clone(),
                error: hold_error.clone(),
            },
        )
    });
    let concerns = concerns_table(
        low_level,
        Forms {
            csrf: csrf.clone(),
            hold_for: hold_for.clone(),
            typed: typed_reason.clone(),
            error: hold_error.clone(),
        },
        LeftForms {
            left_for,
            typed: typed_left_on,
            error: left_error,
        },
    );
    let confirm_panel = confirm.map(|r| view! {
        <section aria-labelledby="confirm-heading" class="confirm-panel" id="confirm" data-testid="confirm">
            <h2 id="confirm-heading">"Confirm the deletion"</h2>
            <p>"This deletes the concern, its chronology, its audit trail, its links to person records and everything else stored with it. It cannot be undone. A tombstone is kept: what was deleted, the rule, when, and that you confirmed it; nothing of its content."</p>
            <dl class="summary-list">
                <div><dt>"Concern"</dt><dd>{format!("Sent {}", r.sent)}<br/><code class="reference">{r.worry_id.clone()}</code></dd></div>
                <div><dt>"Routed to"</dt><dd>{r.queue.clone()}</dd></div>
                <div><dt>"Rule"</dt><dd>{r.rule.clone()}</dd></div>
                <div><dt>"Due for deletion"</dt><dd>{r.due.clone()}</dd></div>
            </dl>
            <form method="post" action="/retention/delete">
                <input type="hidden" name="csrf" value=csrf.clone()/>
                <input type="hidden" name="worry_id" value=r.worry_id.clone()/>
                <div class="field" class:field-with-error=confirm_error.is_some()>
                    {confirm_error.clone().map(|e| view! { <p class="field-error" id="confirm-delete-error"><span class="visually-hidden">"Error: "</span>{e}</p> })}
                    <div class="checkbox">
                        <input type="checkbox" id="confirm-delete" name="confirm" value="yes" aria-describedby=confirm_error.is_some().then_some("confirm-delete-error") aria-invalid=confirm_error.is_some().then_some("true")/>
                        <label for="confirm-delete">{format!("I confirm that the concern sent {} is past its retention period, is not needed for any investigation, and is to be deleted", r.sent)}</label>
                    </div>
                </div>
                <button type="submit" class="button warning">"Delete this concern"</button>
                " "<a href="/retention">"Cancel"</a>
            </form>
        </section>
    });
    let section = |id: &'static str,
                   title: &'static str,
                   hint: &'static str,
                   empty: &'static str,
                   rows: Vec<RetentionRow>,
                   deletes: bool| {
        let table = if rows.is_empty() {
            view! { <p data-testid=format!("{id}-empty")>{empty}</p> }.into_any()
        } else {
            rows_table(
                title,
                id,
                rows,
                Forms {
                    csrf: csrf.clone(),
                    hold_for: hold_for.clone(),
                    typed: typed_reason.clone(),
                    error: hold_error.clone(),
                },
                deletes,
            )
        };
        view! {
            <section aria-labelledby=format!("{id}-heading")>
                <h2 id=format!("{id}-heading")>{title}</h2>
                <p class="hint">{hint}</p>
                {table}
            </section>
        }
    };
    let held_table = if held.is_empty() {
        view! { <p data-testid="held-empty">"No record is under a legal hold."</p> }.into_any()
    } else {
        view! {
            <table class="list stacked" data-testid="held">
                    <thead><tr><th scope="col">"Concern"</th><th scope="col">"Routed to"</th><th scope="col">"Held because"</th><th scope="col">"Held by"</th><th scope="col">"Actions"</th></tr></thead>
                    <tbody>
                        {held.into_iter().map(|r| {
                            let (reason, by, at) = r.hold.clone().unwrap_or_default();
                            view! {
                                <tr data-worry=r.worry_id.clone()>
                                    <td data-label="Concern"><a href=format!("/worries/{}", r.worry_id)>{format!("Sent {}", r.sent)}</a></td>
                                    <td data-label="Routed to">{r.queue.clone()}</td>
                                    <td data-label="Held because" class="message-text">{reason}</td>
                                    <td data-label="Held by">{by}", "{at}</td>
                                    <td>
                                        <form method="post" action="/retention/lift" class="inline-form">
                                            <input type="hidden" name="csrf" value=csrf.clone()/>
                                            <input type="hidden" name="worry_id" value=r.worry_id.clone()/>
                                            <button type="submit" class="button secondary">"Lift the hold"<span class="visually-hidden">{format!(" on the concern sent {}", r.sent)}</span></button>
                                        </form>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
        }
        .into_any()
    };
    view! {
        <Title text="Retention"/>
        {summary}
        {notice.map(|n| view! { <div class="notice" role="status" data-testid="notice"><p>{n}</p></div> })}
        {error.map(|e| view! { <div class="error-summary" role="alert" id="page-error" data-testid="page-error"><h2>"That was not done"</h2><p>{e}</p></div> })}
        <h1>"Retention"</h1>
        <p>"Closed concerns, person records and low-level concerns you can read that are past their retention period, oldest first. Review each before deleting it. Only records routed to you are listed here: one about you is reviewed by someone else."</p>
        {confirm_panel}
        {concern_confirm_panel}
        {record_confirm_panel}
        {section("due", "Due for deletion", "Past their retention period and not held.", "No record is due for deletion.", due, true)}
        <section aria-labelledby="held-heading">
            <h2 id="held-heading">"Under a legal hold"</h2>
            <p class="hint">"Never listed as due and never deleted while held."</p>
            {held_table}
        </section>
        {section("needs-dob", "Needs a date of birth", "Closed concerns that can never fall due until a person record with a date of birth is linked to them.", "None.", needs_dob, false)}
        {section("not-yet", "Not yet due", "Closed concerns, soonest due first.", "None.", not_yet, false)}
        {records}
        <section aria-labelledby="low-level-heading">
            <h2 id="low-level-heading">"Low-level concerns about staff"</h2>
            <p class="hint">"The ones you read: due first, then those whose leaving date is not known, then the rest. Kept while the person works here; the date they left decides when each falls due."</p>
            {concerns}
        </section>
        <section aria-labelledby="tombstones-heading">
            <h2 id="tombstones-heading">"Deleted records (tombstones)"</h2>
            <p class="hint">"What was deleted, the rule applied, when and who confirmed it. Nothing of the content is kept."</p>
            {tombstones_table(tombstones)}
        </section>
        <section aria-labelledby="rules-heading">
            <h2 id="rules-heading">"The rules"</h2>
            <ul>{rules.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
            <p class="hint" data-testid="source">{source}" The periods are set on the organisation's profile."</p>
        </section>
    }
    .into_any()
}
