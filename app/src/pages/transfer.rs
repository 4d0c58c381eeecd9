//! Transfer of a child's file: the printable file of a record (with the JSON download), and the
//! receiving DSL's import (upload, preview, confirm, done). Server-rendered forms only: they
//! work with JavaScript off. All transferred text is shown as text (escaped), never as markup.

use super::textarea_text;
use crate::server::records::RecordProblem;
use crate::server::transfer::{TransferDocView, TransferImportView, TransferPrintView};
use leptos::prelude::*;
use leptos_meta::Title;

/// The file's content: the person, then each concern with its chronology.
fn document(doc: TransferDocView) -> AnyView {
    let TransferDocView {
        name,
        date_of_birth,
        group,
        note,
        from,
        exported,
        exported_by,
        concerns,
    } = doc;
    let count = concerns.len();
    view! {
        <dl class="summary-list" data-testid="transfer-facts">
            <div><dt>"Name"</dt><dd data-testid="transfer-name">{name}</dd></div>
            <div><dt>"Date of birth"</dt><dd>{date_of_birth.unwrap_or_else(|| "Not known".into())}</dd></div>
            <div><dt>"Group or class"</dt><dd>{group.unwrap_or_else(|| "Not known".into())}</dd></div>
            {note.map(|n| view! { <div><dt>"Note"</dt><dd class="message-text">{n}</dd></div> })}
            <div><dt>"Sent by"</dt><dd data-testid="transfer-from">{from}</dd></div>
            <div><dt>"Exported"</dt><dd data-testid="transfer-exported">{exported} ", by " {exported_by}</dd></div>
            <div><dt>"Concerns"</dt><dd data-testid="transfer-count">{count}</dd></div>
        </dl>
        <h2 id="transfer-concerns">"Concerns and their chronology"</h2>
        {if concerns.is_empty() {
            view! { <p data-testid="transfer-empty">"No concerns are in this file."</p> }.into_any()
        } else {
            view! {
                <ol class="transfer-concerns" aria-labelledby="transfer-concerns">
                    {concerns.into_iter().enumerate().map(|(i, c)| view! {
                        <li class="transfer-concern" data-testid="transfer-concern">
                            <h3>{format!("Concern {}: sent {}", i + 1, c.sent)}</h3>
                            <dl class="summary-list">
                                <div><dt>"Sent by"</dt><dd>{c.sent_by}</dd></div>
                                <div><dt>"Kind"</dt><dd>{c.kind}</dd></div>
                                <div><dt>"Urgency"</dt><dd>{c.urgency}</dd></div>
                                <div><dt>"Status"</dt><dd>{c.status}</dd></div>
                                <div><dt>"Reference"</dt><dd class="transfer-ref">{c.reference}</dd></div>
                                {c.transferred_from.map(|f| view! { <div><dt>"Transferred from"</dt><dd>{f}</dd></div> })}
                            </dl>
                            <p class="message-text" data-testid="transfer-text">{c.text}</p>
                            {(!c.entries.is_empty()).then(|| view! {
                                <h4>"Chronology"</h4>
                                <ol class="chronology">
                                    {c.entries.into_iter().map(|e| view! {
                                        <li>
                                            <p><strong>{e.what}</strong></p>
                                            <p class="message-meta">{e.who} ", " {e.when}</p>
                                            {(!e.text.is_empty()).then(|| view! { <p class="message-text">{e.text}</p> })}
                                            {(!e.fields.is_empty()).then(|| view! {
                                                <dl class="summary-list">
                                                    {e.fields.into_iter().map(|(l, v)| view! { <div><dt>{l}</dt><dd class="message-text">{v}</dd></div> }).collect_view()}
                                                </dl>
                                            })}
                                        </li>
                                    }).collect_view()}
                                </ol>
                            })}
                        </li>
                    }).collect_view()}
                </ol>
            }
            .into_any()
        }}
    }
    .into_any()
}

/// `/records/:id/transfer`: the printable file, and the JSON file to send.
#[component]
pub fn TransferPage() -> impl IntoView {
    let Some(TransferPrintView { record_id, doc }) = use_context::<TransferPrintView>() else {
        let problem = use_context::<RecordProblem>()
            .map(|p| p.0)
            .unwrap_or_default();
        return view! {
            <Title text="Transfer a record"/>
            <p><a href="/records">"Person records"</a></p>
            <h1>"Transfer a record"</h1>
            <div class="error-summary" role="alert"><p>{problem}</p></div>
        }
        .into_any();
    };
    let name = doc.name.clone();
    view! {
        <Title text=format!("Transfer file: {name}")/>
        <nav aria-label="Breadcrumb" class="breadcrumb no-print"><a href=format!("/records/{record_id}")>{format!("Record of {name}")}</a></nav>
        <h1>"Child protection file: " {name.clone()}</h1>
        <div class="no-print" data-testid="transfer-steps">
            <p>"When a child moves to another school or college, send this file to its designated safeguarding lead within 5 school days, separately from the main pupil file, and ask them to confirm they have received it."</p>
            <p>"Concerns about adults who work here (in the staff, DSL and head queues) are never in this file."</p>
            <p>
                <a class="button" href=format!("/records/{record_id}/transfer.json") download data-testid="transfer-json">"Download the file to send (JSON)"</a>
            </p>
            <p>"If their organisation uses this platform, its DSL imports that file from Person records, \"Import a transferred file\". Otherwise, use your browser's Print command to print this page or save it as a PDF, and send it securely."</p>
            <p class="hint">"This download and the JSON file are both recorded in the record's audit trail and in each concern's."</p>
        </div>
        {document(doc)}
    }
    .into_any()
}

/// `/transfers/import`: the receiving DSL's import.
#[component]
pub fn TransferImportPage() -> impl IntoView {
    let Some(data) = use_context::<TransferImportView>() else {
        return view! { <h1>"You do not have access to this page"</h1> }.into_any();
    };
    let body = match data {
        TransferImportView::Form { csrf, errors } => {
            let has_errors = !errors.is_empty();
            view! {
                {has_errors.then(|| view! {
                    <div class="error-summary" role="alert" id="form-error" tabindex="-1">
                        <h2>"There is a problem"</h2>
                        <ul>
                            {errors.iter().map(|m| view! { <li><a href="#file">{m.clone()}</a></li> }).collect_view()}
                        </ul>
                    </div>
                })}
                <h1>"Import a transferred file"</h1>
                <p>"When a child joins you from another organisation on this platform, its DSL sends you their child protection file: a JSON file downloaded from \"Transfer this file\" on their record."</p>
                <p>"You will see what is in it before anything is saved. Importing it makes a record of the child here, with the concerns and their chronology as the sending organisation recorded them; only you and your deputies can read those. Importing the same file again makes nothing new."</p>
                <form method="post" action="/transfers/import" enctype="multipart/form-data">
                    <input type="hidden" name="csrf" value=csrf/>
                    <div class="field">
                        <label for="file">"Transfer file (JSON)"</label>
                        <p class="hint" id="file-hint">{format!("At most {} MB.", safety_core::records::transfer::MAX_FILE_BYTES / (1024 * 1024))}</p>
                        {has_errors.then(|| view! { <p class="field-error" id="file-error">"This file cannot be imported: see the problems above."</p> })}
                        <input type="file" id="file" name="file" accept=".json,application/json" required aria-invalid=has_errors.then_some("true") aria-describedby=if has_errors { "file-hint file-error" } else { "file-hint" }/>
                    </div>
                    <button type="submit" class="button">"Check the file"</button>
                </form>
            }
            .into_any()
        }
        TransferImportView::Preview {
            csrf,
            doc,
            json,
            already,
        } => {
            let from = doc.from.clone();
            let exported = doc.exported.clone();
            let name = doc.name.clone();
            view! {
                <h1>"Check the transferred file"</h1>
                <div class="notice" role="status" data-testid="receipt">
                    <p>{format!("Sent by {from}, exported {exported}.")}</p>
                    <p>"To confirm receipt, tell their DSL that you have received the file of " {name.clone()} "."</p>
                </div>
                {match already {
                    Some((id, name)) => view! {
                        <p data-testid="already">"This file was imported already: " <a href=format!("/records/{id}")>{format!("the record of {name}")}</a> ". Importing it again makes nothing new."</p>
                    }.into_any(),
                    None => view! {
                        <p>"Nothing has been saved yet. Importing makes a new record of " {name.clone()} " here, not on the platform's list of people."</p>
                    }.into_any(),
                }}
                <form method="post" action="/transfers/import/confirm">
                    <input type="hidden" name="csrf" value=csrf/>
                    <textarea name="file" hidden readonly>{textarea_text(&json)}</textarea>
                    <button type="submit" class="button" data-testid="confirm-import">"Import this file"</button>
                </form>
                <p><a href="/transfers/import">"Choose another file"</a></p>
                <h2>"What is in the file"</h2>
                {document(doc)}
            }
            .into_any()
        }
        TransferImportView::Done {
            record_id,
            name,
            from,
            exported,
            duplicate,
        } => view! {
            <h1>{if duplicate { "This file was imported already" } else { "File imported" }}</h1>
            <div class="notice" role="status" data-testid="notice">
                <p>{if duplicate {
                    format!("Nothing new was saved: the file from {from} (exported {exported}) is already the record of {name}.")
                } else {
                    format!("The file from {from} (exported {exported}) is now the record of {name}.")
                }}</p>
            </div>
            <p>"Remember to tell " {from.clone()} "'s DSL that you have received it."</p>
            <p><a href=format!("/records/{record_id}") data-testid="imported-record">{format!("Open the record of {name}")}</a></p>
        }
        .into_any(),
    };
    view! {
        <Title text="Import a transferred file"/>
        <p class="no-print"><a href="/records">"Person records"</a></p>
        {body}
    }
    .into_any()
}
