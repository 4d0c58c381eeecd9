//! Importing people from a CSV file: choose the file, see what it would do (per-row errors,
//! nothing written), then confirm.

use crate::server::{ImportView, Viewer};
use leptos::prelude::*;
use leptos_meta::Title;
use safety_core::identity::RowPlan;

/// Rows shown in the preview table; the counts above it cover every row.
const SHOWN_ROWS: usize = 500;

#[component]
pub fn ImportPage() -> impl IntoView {
    let (Some(viewer), Some(data)) = (use_context::<Viewer>(), use_context::<ImportView>()) else {
        return view! { <h1>"You do not have access to this page"</h1> }.into_any();
    };
    let csrf = viewer.csrf;
    let body = match data {
        ImportView::Form { error } => view! {
            {error.map(|e| view! { <div class="error-summary" role="alert" id="form-error"><h2>"We could not read that file"</h2><p>{e}</p></div> })}
            <p class="lead">"Add or update many people at once from a spreadsheet saved as CSV (UTF-8)."</p>
            <p>"The first line must be the header " <code>"email,name,roles,groups"</code> ". Separate several roles or groups with " <code>";"</code>
               ". Roles: learner, staff, parent, dsl, deputy_dsl, allegations_lead, admin. Importing the same file again changes nothing."</p>
            <form method="post" action="/admin/people/import" enctype="multipart/form-data">
                <input type="hidden" name="csrf" value=csrf/>
                <div class="field">
                    <label for="file">"CSV file"</label>
                    <input type="file" id="file" name="file" accept=".csv,text/csv" required/>
                </div>
                <button type="submit" class="button">"Check the file"</button>
            </form>
        }
        .into_any(),
        ImportView::Preview { csv, preview } => {
            let c = preview.counts();
            let writable = c.new + c.update;
            let rows = preview
                .rows
                .iter()
                .take(SHOWN_ROWS)
                .map(|row| {
                    let (what, detail) = match row {
                        RowPlan::New { person, .. } => ("New", format!("{} <{}>", person.name, person.email)),
                        RowPlan::Unchanged { .. } => ("No change", String::new()),
                        RowPlan::Update { changes, to, .. } => (
                            "Update",
                            format!("{}: {}", to.email, changes.iter().map(|c| c.describe()).collect::<Vec<_>>().join("; ")),
                        ),
                        RowPlan::Error { reason, .. } => ("Error", reason.clone()),
                    };
                    let class = if what == "Error" { "row-error" } else { "" };
                    view! { <tr class=class><td>{row.line()}</td><td>{what}</td><td>{detail}</td></tr> }
                })
                .collect_view();
            let more = (preview.rows.len() > SHOWN_ROWS)
                .then(|| view! { <p>"Showing the first " {SHOWN_ROWS} " of " {preview.rows.len()} " rows."</p> });
            let confirm = (writable > 0).then(|| {
                view! {
                    <form method="post" action="/admin/people/import/apply">
                        <input type="hidden" name="csrf" value=csrf.clone()/>
                        <textarea name="csv" hidden readonly>{format!("\n{}", safety_core::content::render::escape_html(&csv))}</textarea>
                        <button type="submit" class="button">{format!("Import {writable} people")}</button>
                    </form>
                }
            });
            view! {
                <h2>"What this file would do"</h2>
                <ul data-testid="import-counts">
                    <li>{c.new} " new"</li>
                    <li>{c.update} " updated"</li>
                    <li>{c.unchanged} " unchanged"</li>
                    <li>{c.errors} " with errors (these rows will not be imported; fix them and import the file again)"</li>
                </ul>
                <p>"Nothing has been saved yet."</p>
                {confirm}
                <p><a href="/admin/people/import">"Choose another file"</a></p>
                <div class="table-scroll">
                    <table class="people">
                        <thead><tr><th scope="col">"Line"</th><th scope="col">"What happens"</th><th scope="col">"Details"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                {more}
            }
            .into_any()
        }
        ImportView::Done(result) => {
            let failures = result
                .failures
                .iter()
                .map(|f| view! { <li>"Line " {f.line} ": " {f.reason.clone()}</li> })
                .collect_view();
            view! {
                <div class="confirmation" role="status">
                    <h2>"Import finished"</h2>
                    <p data-testid="import-result">
                        {result.created} " added, " {result.updated} " updated, " {result.unchanged} " unchanged, "
                        {result.failed} " not imported."
                    </p>
                </div>
                {(!result.failures.is_empty()).then(|| view! { <h2>"Rows not imported"</h2><ul>{failures}</ul> })}
                <p><a href="/admin/people">"Back to people"</a></p>
            }
            .into_any()
        }
    };
    view! {
        <Title text="Import people"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/admin/people">"People"</a></nav>
        <h1>"Import people"</h1>
        {body}
    }
    .into_any()
}
