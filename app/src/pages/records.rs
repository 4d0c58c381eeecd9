//! Person records: the search, a record with one chronology across its linked concerns (as
//! routing lets the viewer read them), merging a duplicate, and the page that links a concern to
//! a person. Server-rendered forms only: they work with JavaScript off.

use crate::server::records::{
    FoundRow, LinkView, LinkedPeople, RecordLine, RecordProblem, RecordView, RecordsView,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// The search form's box, with what was typed.
fn search_form(action: String, name: &'static str, q: String, label: &'static str) -> AnyView {
    let id = format!("{name}-input");
    view! {
        <form method="get" action=action class="search-form" role="search">
            <div class="field">
                <label for=id.clone()>{label}</label>
                <p class="hint" id=format!("{id}-hint")>"Part of any word of the name is enough, for example \"ami\" or \"neil\"."</p>
                <input type="search" id=id.clone() name=name value=q maxlength="100" aria-describedby=format!("{id}-hint") autocomplete="off"/>
            </div>
            <button type="submit" class="button secondary">"Search"</button>
        </form>
    }
    .into_any()
}

fn concerns_in_words(n: usize) -> String {
    match n {
        1 => "1 concern".into(),
        n => format!("{n} concerns"),
    }
}

/// `/records`: find a record by name.
#[component]
pub fn RecordsPage() -> impl IntoView {
    let Some(RecordsView {
        q,
        searched,
        files,
        more,
        error,
        may_import,
    }) = use_context::<RecordsView>()
    else {
        return ().into_any();
    };
    let results = searched.then(|| {
        if files.is_empty() {
            view! { <p data-testid="no-results">"No record has a name like that."</p> }.into_any()
        } else {
            view! {
                <ul class="result-list" data-testid="results">
                    {files.into_iter().map(|f| view! {
                        <li>
                            <a href=format!("/records/{}", f.record_id)>{f.name}</a>
                            {(!f.details.is_empty()).then(|| view! { <span class="message-meta">" (" {f.details} ")"</span> })}
                            " – " <span data-testid="concern-count">{concerns_in_words(f.concerns)}</span>
                        </li>
                    }).collect_view()}
                </ul>
                {more.then(|| view! { <p class="hint">"More records match: type more of the name."</p> })}
            }
            .into_any()
        }
    });
    view! {
        <Title text="Person records"/>
        <h1>"Person records"</h1>
        <p>"A record brings together every concern about one child or adult that you can read, in one chronology. Records are made from a concern's page (\"Link to a person\")."</p>
        {error.map(|e| view! { <div class="error-summary" role="alert" id="form-error"><h2>"There is a problem"</h2><p><a href="#q-input">{e}</a></p></div> })}
        {search_form("/records".into(), "q", q, "Name")}
        {results}
        {may_import.then(|| view! { <p data-testid="import-transfer"><a href="/transfers/import">"Import a transferred file"</a>" from a child's previous school or college"</p> })}
    }
    .into_any()
}

fn timeline(lines: Vec<RecordLine>) -> AnyView {
    if lines.is_empty() {
        return view! { <p data-testid="chronology-empty">"Nothing to show yet."</p> }.into_any();
    }
    view! {
        <ol class="timeline" data-testid="chronology">
            {lines.into_iter().map(|e| view! {
                <li>
                    <p class="timeline-what"><strong>{e.what}</strong>
                        {e.worry_id.map(|w| view! { " – " <a href=format!("/worries/{w}")>"open the concern"</a> })}
                    </p>
                    <p class="message-meta">{e.who} ", " {e.when}</p>
                    {(!e.text.is_empty()).then(|| view! { <p class="message-text">{e.text}</p> })}
                </li>
            }).collect_view()}
        </ol>
    }
    .into_any()
}

/// `/records/:id`: one person's record.
#[component]
pub fn RecordPage() -> impl IntoView {
    let Some(r) = use_context::<RecordView>() else {
        let problem = use_context::<RecordProblem>()
            .map(|p| p.0)
            .unwrap_or_default();
        return view! {
            <Title text="Person record"/>
            <p><a href="/records">"Person records"</a></p>
            <h1>"Person record"</h1>
            <div class="error-summary" role="alert"><p>{problem}</p></div>
        }
        .into_any();
    };
    let RecordView {
        id,
        name,
        date_of_birth,
        group,
        note,
        on_platform,
        created,
        chronology,
        concerns,
        audit,
        merge_q,
        merge,
        csrf,
        notice,
        error,
        may_transfer,
    } = r;
    let merge_results = merge.map(|found: Vec<FoundRow>| {
        if found.is_empty() {
            view! { <p>"No other record has a name like that."</p> }.into_any()
        } else {
            view! {
                <ul class="result-list" data-testid="merge-candidates">
                    {found.into_iter().map(|f| {
                        let label = format!("Merge {} into this record", f.name);
                        view! {
                            <li>
                                <a href=format!("/records/{}", f.record_id)>{f.name.clone()}</a>
                                {(!f.details.is_empty()).then(|| view! { <span class="message-meta">" (" {f.details} ")"</span> })}
                                " – " {concerns_in_words(f.concerns)}
                                <form method="post" action=format!("/records/{id}/merge") class="inline-form">
                                    <input type="hidden" name="csrf" value=csrf.clone()/>
                                    <input type="hidden" name="absorbed_id" value=f.record_id/>
                                    <button type="submit" class="button warning" aria-label=label>"Merge into this record"</button>
                                </form>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }
            .into_any()
        }
    });
    view! {
        <Title text=format!("Record: {name}")/>
        <p><a href="/records">"Person records"</a></p>
        {notice.map(|n| view! { <div class="notice" role="status" data-testid="notice"><p>{n}</p></div> })}
        {error.map(|e| view! { <div class="error-summary" role="alert" id="form-error"><h2>"That was not done"</h2><p>{e}</p></div> })}
        <h1 data-testid="record-name">{name.clone()}</h1>
        <dl class="summary-list" data-testid="record-facts">
            <div><dt>"Date of birth"</dt><dd>{date_of_birth.unwrap_or_else(|| "Not known".into())}</dd></div>
            <div><dt>"Group or class"</dt><dd>{group.unwrap_or_else(|| "Not known".into())}</dd></div>
            <div><dt>"On the platform"</dt><dd>{if on_platform { "Yes: this is the record of their account" } else { "No" }}</dd></div>
            <div><dt>"Record made"</dt><dd>{created}</dd></div>
            {note.map(|n| view! { <div><dt>"Note"</dt><dd class="message-text">{n}</dd></div> })}
        </dl>
        {may_transfer.then(|| view! {
            <p data-testid="transfer-link"><a href=format!("/records/{id}/transfer")>"Transfer this file"</a>" to the child's new school or college (a printable file and a file to import)"</p>
        })}
        <section aria-labelledby="concerns-heading">
            <h2 id="concerns-heading">"Linked concerns"</h2>
            {if concerns.is_empty() {
                view! { <p data-testid="concerns-empty">"No concerns to show."</p> }.into_any()
            } else {
                view! {
                    <table class="list stacked" data-testid="concerns">
                        <thead><tr><th scope="col">"Received"</th><th scope="col">"Kind"</th><th scope="col">"Status"</th><th scope="col">"Routed to"</th></tr></thead>
                        <tbody>
                            {concerns.into_iter().map(|c| view! {
                                <tr>
                                    <td data-label="Received"><a href=format!("/worries/{}", c.worry_id)>{c.sent}</a></td>
                                    <td data-label="Kind">{c.kind}</td>
                                    <td data-label="Status">{c.status}</td>
                                    <td data-label="Routed to">{c.queue}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
        <section aria-labelledby="chronology-heading">
            <h2 id="chronology-heading">"Chronology"</h2>
            <p class="hint">"Every concern linked to this record that you can read, with everything recorded on it, oldest first."</p>
            {timeline(chronology)}
        </section>
        <section aria-labelledby="merge-heading">
            <h2 id="merge-heading">"Merge a duplicate into this record"</h2>
            <p>"If the same person has two records, find the other one: its concerns move to this record and it then only points here. Both chronologies keep the merge."</p>
            {search_form(format!("/records/{id}"), "merge_q", merge_q, "Name of the duplicate")}
            {merge_results}
        </section>
        {audit.map(|audit| view! {
            <section aria-labelledby="audit-heading">
                <h2 id="audit-heading">"Who has opened this record"</h2>
                <table class="list stacked" data-testid="record-audit">
                    <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th></tr></thead>
                    <tbody>
                        {audit.into_iter().rev().map(|a| view! {
                            <tr><td data-label="When">{a.when}</td><td data-label="Who">{a.who}</td><td data-label="What">{a.what}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        })}
    }
    .into_any()
}

/// On a concern's page: the people it is linked to, and where to link it.
#[component]
pub fn PersonLinks() -> impl IntoView {
    let Some(LinkedPeople { worry_id, linked }) = use_context::<LinkedPeople>() else {
        return ().into_any();
    };
    view! {
        <section aria-labelledby="people-heading" data-testid="person-links">
            <h2 id="people-heading">"People this concern is about"</h2>
            {if linked.is_empty() {
                view! { <p>"Not linked to anyone's record yet."</p> }.into_any()
            } else {
                view! {
                    <ul>{linked.into_iter().map(|(id, name)| view! { <li><a href=format!("/records/{id}")>{name}</a></li> }).collect_view()}</ul>
                }.into_any()
            }}
            <p><a href=format!("/worries/{worry_id}/people")>"Link to a person"</a></p>
        </section>
    }
    .into_any()
}

/// `/worries/:id/people`: link a concern to a person's record.
#[component]
pub fn LinkPage() -> impl IntoView {
    let Some(v) = use_context::<LinkView>() else {
        let problem = use_context::<RecordProblem>()
            .map(|p| p.0)
            .unwrap_or_default();
        return view! {
            <Title text="Link to a person"/>
            <p><a href="/worries">"All concerns"</a></p>
            <h1>"Link to a person"</h1>
            <div class="error-summary" role="alert"><p>{problem}</p></div>
        }
        .into_any();
    };
    let LinkView {
        worry_id,
        linked,
        q,
        searched,
        files,
        people,
        more,
        csrf,
        typed,
        errors,
        notice,
        error,
    } = v;
    let action = format!("/worries/{worry_id}/people");
    let field_error = |field: &str| {
        errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| view! { <p class="error-message" id=format!("{field}-error")><span class="visually-hidden">"Error: "</span>{m.clone()}</p> })
    };
    let name_error = field_error("name");
    let dob_error = field_error("date_of_birth");
    let group_error = field_error("group");
    let note_error = field_error("note");
    let q_error = field_error("q");
    let has = |field: &str| errors.iter().any(|(f, _)| f == field);
    let summary = (!errors.is_empty()).then(|| {
        view! {
            <div class="error-summary" role="alert" id="form-error" tabindex="-1">
                <h2>"There is a problem"</h2>
                <ul>
                    {errors.iter().map(|(f, m)| {
                        let target = if f == "q" { "#q-input".to_string() } else { format!("#new-{f}") };
                        view! { <li><a href=target>{m.clone()}</a></li> }
                    }).collect_view()}
                </ul>
            </div>
        }
    });
    let link_button = |field: &'static str, id: String, label: String| {
        view! {
            <form method="post" action=action.clone() class="inline-form">
                <input type="hidden" name="csrf" value=csrf.clone()/>
                <input type="hidden" name=field value=id/>
                <button type="submit" class="button secondary" aria-label=label>"Link"</button>
            </form>
        }
    };
    let results = searched.then(|| {
        view! {
            <h3>"Records"</h3>
            {if files.is_empty() {
                view! { <p data-testid="no-records">"No record has a name like that."</p> }.into_any()
            } else {
                view! {
                    <ul class="result-list" data-testid="record-results">
                        {files.into_iter().map(|f| {
                            let label = format!("Link to the record of {}", f.name);
                            view! {
                                <li>
                                    <a href=format!("/records/{}", f.record_id)>{f.name.clone()}</a>
                                    {(!f.details.is_empty()).then(|| view! { <span class="message-meta">" (" {f.details} ")"</span> })}
                                    " – " {concerns_in_words(f.concerns)}
                                    {link_button("record_id", f.record_id, label)}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(!people.is_empty()).then(|| view! {
                <h3>"People on the platform without a record yet"</h3>
                <ul class="result-list" data-testid="people-results">
                    {people.into_iter().map(|p| {
                        let label = format!("Link to {} (makes their record)", p.name);
                        view! {
                            <li>
                                {p.name.clone()}
                                {(!p.groups.is_empty()).then(|| view! { <span class="message-meta">" (" {p.groups} ")"</span> })}
                                {link_button("person_id", p.person_id, label)}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
            {more.then(|| view! { <p class="hint">"More match: type more of the name."</p> })}
        }
    });
    let dob_class = if has("date_of_birth") {
        "field field-error"
    } else {
        "field"
    };
    view! {
        <Title text="Link to a person"/>
        <p><a href=format!("/worries/{worry_id}")>"Back to the concern"</a></p>
        {notice.map(|n| view! { <div class="notice" role="status" data-testid="notice"><p>{n}</p></div> })}
        {error.map(|e| view! { <div class="error-summary" role="alert" id="form-error"><h2>"That was not done"</h2><p>{e}</p></div> })}
        {summary}
        <h1>"Link this concern to a person"</h1>
        <p>"Link it to everyone it is about: the person who sent it, a friend it names. Each person's record then shows it in their chronology, to the people it is routed to."</p>
        <section aria-labelledby="linked-heading">
            <h2 id="linked-heading">"Linked now"</h2>
            {if linked.is_empty() {
                view! { <p>"Nobody yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="result-list" data-testid="linked">
                        {linked.into_iter().map(|(id, name)| {
                            let label = format!("Unlink from the record of {name}");
                            view! {
                                <li>
                                    <a href=format!("/records/{id}")>{name}</a>
                                    <form method="post" action=format!("{action}/unlink") class="inline-form">
                                        <input type="hidden" name="csrf" value=csrf.clone()/>
                                        <input type="hidden" name="record_id" value=id/>
                                        <button type="submit" class="button secondary" aria-label=label>"Unlink"</button>
                                    </form>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section aria-labelledby="find-heading">
            <h2 id="find-heading">"Find the person"</h2>
            {q_error}
            {search_form(action.clone(), "q", q, "Name")}
            {results}
        </section>
        <section aria-labelledby="new-heading">
            <h2 id="new-heading">"Or make a new record"</h2>
            <p>"For someone who is not on the platform, or not found above."</p>
            <form method="post" action=action.clone() novalidate>
                <input type="hidden" name="csrf" value=csrf.clone()/>
                <div class=if has("name") { "field field-error" } else { "field" }>
                    <label for="new-name">"Name"</label>
                    {name_error}
                    <input type="text" id="new-name" name="name" value=typed.name maxlength="100" autocomplete="off"
                        aria-invalid=has("name").then_some("true") aria-describedby=has("name").then_some("name-error")/>
                </div>
                <div class=dob_class>
                    <label for="new-date_of_birth">"Date of birth (optional)"</label>
                    {dob_error}
                    <input type="date" id="new-date_of_birth" name="date_of_birth" value=typed.date_of_birth
                        aria-invalid=has("date_of_birth").then_some("true") aria-describedby=has("date_of_birth").then_some("date_of_birth-error")/>
                </div>
                <div class=if has("group") { "field field-error" } else { "field" }>
                    <label for="new-group">"Group or class (optional)"</label>
                    {group_error}
                    <input type="text" id="new-group" name="group" value=typed.group maxlength="100"
                        aria-invalid=has("group").then_some("true") aria-describedby=has("group").then_some("group-error")/>
                </div>
                <div class=if has("note") { "field field-error" } else { "field" }>
                    <label for="new-note">"Note (optional: who they are, how to tell them apart)"</label>
                    {note_error}
                    <textarea id="new-note" name="note" rows="3" maxlength="2000"
                        aria-invalid=has("note").then_some("true") aria-describedby=has("note").then_some("note-error")>{crate::pages::textarea_text(&typed.note)}</textarea>
                </div>
                <button type="submit" class="button">"Make the record and link it"</button>
            </form>
        </section>
    }
    .into_any()
}
