//! Importing people from a CSV file: choose the file, see what it would do (per-row errors,
//! nothing written), then confirm; the import then runs as a job whose page shows its progress.

use crate::server::Viewer;
use crate::server::admin::{ImportJobView, ImportView};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use safety_core::identity::{JobStatus, RowPlan};

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
            <p data-testid="family-columns">"Optional, on a learner's row: " <code>"parents"</code> " (their parents' or carers' emails, separated by " <code>";"</code>
               "; each already here, or on an earlier line, with the parent role) and " <code>"date_of_birth"</code> " (YYYY-MM-DD), so that a linked parent co-signs the learner agreement of a child under 16."</p>
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
                // Its own labelled, focusable scroll region: long files scroll inside it (both
                // ways on a desktop, where the header row stays in view).
                <div class="table-scroll" role="region" aria-label="Each line of the file" tabindex="0">
                    <table class="people">
                        <thead><tr><th scope="col">"Line"</th><th scope="col">"What happens"</th><th scope="col">"Details"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                {more}
            }
            .into_any()
        }
        ImportView::Job(v) => job_view(v, csrf),
    };
    view! {
        <Title text="Import people"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/admin/people">"People"</a></nav>
        <h1>"Import people"</h1>
        {body}
    }
    .into_any()
}

/// `2000` -> `2,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// An import job: progress while it runs (the page refreshes itself to continue it, with a
/// Continue button for browsers that do not refresh), the summary once finished.
fn job_view(v: ImportJobView, csrf: String) -> AnyView {
    let job = v.job;
    let counts = format!(
        "{} added, {} updated, {} unchanged, {} not imported.",
        thousands(job.created),
        thousands(job.updated),
        thousands(job.unchanged),
        thousands(job.failed)
    );
    if job.status == JobStatus::Finished {
        let failures = v
            .failures
            .iter()
            .map(|f| view! { <li>"Line " {f.line} ": " {f.reason.clone()}</li> })
            .collect_view();
        return view! {
            <div class="confirmation" role="status">
                <h2>"Import finished"</h2>
                <p data-testid="import-result">{counts}</p>
            </div>
            {(!v.failures.is_empty()).then(|| view! { <h2>"Rows not imported"</h2><ul data-testid="import-failures">{failures}</ul> })}
            <p><a href="/admin/people">"Back to people"</a></p>
        }
        .into_any();
    }
    let refresh = v
        .refresh
        .map(|url| view! { <Meta http_equiv="refresh" content=format!("1;url={url}")/> });
    // Continue is the way on after a failure, and only a fallback while the page refreshes.
    let button_class = if v.stopped {
        "button"
    } else {
        "button secondary"
    };
    let state = if v.stopped {
        view! {
            <div class="error-summary" role="alert">
                <h2>"The import has stopped"</h2>
                <p>"The platform could not save just now. Everyone imported so far is kept. Press Continue the import to carry on: nobody is added twice."</p>
            </div>
        }
        .into_any()
    } else {
        view! {
            <p>"This page updates itself every second until the import has finished. Please keep it open. If it does not update, press Continue the import."</p>
        }
        .into_any()
    };
    view! {
        {refresh}
        <h2>"Importing people"</h2>
        <p id="import-progress-label" data-testid="import-progress">
            {format!("Imported {} of {} people", thousands(job.done), thousands(job.total))}
        </p>
        <progress id="import-progress" max=job.total value=job.done aria-labelledby="import-progress-label">
            {format!("{} of {}", job.done, job.total)}
        </progress>
        <p data-testid="import-counts-so-far">"So far: " {counts}</p>
        {state}
        <form method="post" action=format!("/admin/people/import/jobs/{}/continue", job.id)>
            <input type="hidden" name="csrf" value=csrf/>
            <button type="submit" class=button_class>"Continue the import"</button>
        </form>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_grouped() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(2000), "2,000");
        assert_eq!(super::thousands(1234567), "1,234,567");
    }
}
