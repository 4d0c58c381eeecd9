//! The exports page (`/compliance/export`: the two CSV downloads, explained) and the printable
//! evidence summary (`/compliance/evidence`: semantic tables, print styles, no JavaScript).

use crate::server::exports::{EvidenceScreen, ExportScreen};
use leptos::prelude::*;
use leptos_meta::Title;
use safety_core::export::ItemEvidence;
use safety_core::learning::{ItemKind, Status};

/// Outstanding people listed per item on the page; the CSV has everyone.
pub const OUTSTANDING_SHOWN: usize = 500;

/// The filter, laid out and styled like the compliance dashboard's.
fn export_filter(screen: &ExportScreen) -> impl IntoView + use<> {
    let chosen_role = screen.query.role();
    let chosen_group = screen.query.group().map(str::to_string);
    let role_options = screen
        .roles
        .iter()
        .map(|r| view! { <option value=r.as_str() selected=chosen_role == Some(*r)>{r.label()}</option> })
        .collect_view();
    let group_options = screen
        .groups
        .iter()
        .map(|g| {
            let selected = chosen_group.as_deref() == Some(g.as_str());
            view! { <option value=g.clone() selected=selected>{g.clone()}</option> }
        })
        .collect_view();
    view! {
        <form method="get" action="/compliance/export" class="filters" data-testid="export-filter">
            <div class="field">
                <label for="x-role">"Role"</label>
                <select id="x-role" name="role"><option value="">"Everyone"</option>{role_options}</select>
            </div>
            <div class="field">
                <label for="x-group">"Group or cohort"</label>
                <select id="x-group" name="group"><option value="">"All groups"</option>{group_options}</select>
            </div>
            <button type="submit" class="button secondary">"Show"</button>
            " " <a href="/compliance/export">"Clear"</a>
        </form>
    }
}

/// A title list in words: "A, B and C"; "none" when empty.
fn in_words(titles: &[String]) -> String {
    match titles {
        [] => "none".into(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[component]
pub fn ExportPage() -> impl IntoView {
    let Some(screen) = use_context::<ExportScreen>() else {
        return ().into_any();
    };
    let query = screen.query.query_string();
    let with_query = |path: &str| {
        if query.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{query}")
        }
    };
    let selection = match (screen.query.role(), screen.query.group()) {
        (None, None) => "Everyone".to_string(),
        (Some(r), None) => format!("{} only", r.label()),
        (None, Some(g)) => format!("{g} only"),
        (Some(r), Some(g)) => format!("{} in {g} only", r.label()),
    };
    let count = screen.contents.as_ref().map(|c| {
        format!(
            "{} active {}",
            c.people,
            if c.people == 1 { "person" } else { "people" }
        )
    });
    let people = match &count {
        Some(n) => format!("{selection}: {n}"),
        None => selection.clone(),
    };
    let rows = match &count {
        Some(n) => format!("One for each person: {n} ({})", selection.to_lowercase()),
        None => format!("One for each person ({})", selection.to_lowercase()),
    };
    let numbered = |titles: &[String]| format!("{}: {}", titles.len(), in_words(titles));
    let (modules, aups) = screen
        .contents
        .as_ref()
        .map(|c| (numbered(&c.modules), numbered(&c.aups)))
        .unwrap_or_else(|| {
            (
                "Every module required of them".into(),
                "Every policy required of them".into(),
            )
        });
    view! {
        <Title text="Export completion evidence"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/compliance">"Compliance"</a></nav>
        <h1>"Export completion evidence"</h1>
        <p class="lead">"Download " {screen.org_name.clone()} "'s training records as spreadsheets (CSV files), or print a summary for an inspection."</p>
        <h2 id="choose">"Who to export"</h2>
        {export_filter(&screen)}
        <p data-testid="export-selection"><strong>{people.clone()}</strong></p>
        <div class="cards export-cards">
            <section class="card" aria-labelledby="completion">
                <h2 id="completion">"Completion of every module and policy"</h2>
                <dl class="summary-list" data-testid="completion-contents">
                    <div><dt>"Rows"</dt><dd>{rows}</dd></div>
                    <div><dt>"Columns"</dt><dd>"Name, email, roles and groups; then for each module and acceptable use policy (AUP): its status, the version done, when, until when it counts, and the quiz score; last, whether they read easy read and why"</dd></div>
                    <div><dt>"Modules"</dt><dd>{modules}</dd></div>
                    <div><dt>"Policies"</dt><dd>{aups.clone()}</dd></div>
                </dl>
                <p class="hint">"\"not required\" means the person does not have to do it."</p>
                <p><a class="button" href=with_query("/compliance/export/completion.csv") download=screen.matrix_file.clone()
                    data-testid="export-completion">"Download completion (CSV)"</a></p>
            </section>
            <section class="card" aria-labelledby="signatures">
                <h2 id="signatures">"AUP signatures"</h2>
                <dl class="summary-list" data-testid="signatures-contents">
                    <div><dt>"Rows"</dt><dd>"One for each signature (a person and a policy they signed), of " {people.to_lowercase()}</dd></div>
                    <div><dt>"Columns"</dt><dd>"The version signed, whether it is the current version, when, the name they typed and the fingerprint (SHA-256) of the exact text they signed"</dd></div>
                    <div><dt>"Policies"</dt><dd>{aups}</dd></div>
                </dl>
                <p><a class="button" href=with_query("/compliance/export/aup-signatures.csv") download=screen.signatures_file.clone()
                    data-testid="export-signatures">"Download AUP signatures (CSV)"</a></p>
            </section>
            <section class="card" aria-labelledby="evidence">
                <h2 id="evidence">"Evidence summary"</h2>
                <dl class="summary-list" data-testid="evidence-contents">
                    <div><dt>"Contains"</dt><dd>"Totals for each module and policy, who is outstanding, and when and by whom the summary was made"</dd></div>
                    <div><dt>"Who"</dt><dd>"Everyone, whatever the selection above"</dd></div>
                    <div><dt>"Format"</dt><dd>"A web page ready to print or save as a PDF"</dd></div>
                </dl>
                <p><a href="/compliance/evidence" data-testid="export-evidence">"Open the evidence summary"</a></p>
            </section>
        </div>
        <h2 id="about">"About these files"</h2>
        <ul>
            <li>"The files contain personal data. Keep them somewhere safe and delete them when you no longer need them. Every download is recorded."</li>
            <li>"They open in Excel, LibreOffice and Google Sheets (UTF-8, so names with accents show correctly). Dates are UK dates (year-month-day)."</li>
            <li>"A cell that starts with =, +, - or @ is written with an apostrophe in front, so that a spreadsheet shows it and never runs it."</li>
            <li>"For a large organisation the download is sent a page of people at a time: your browser shows it arriving, and it may take a few seconds."</li>
        </ul>
    }
    .into_any()
}

fn kind_label(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Module => "Module",
        ItemKind::Aup => "Acceptable use policy",
    }
}

fn item_rows(items: &[ItemEvidence]) -> impl IntoView + use<> {
    items
        .iter()
        .map(|i| {
            view! {
                <tr>
                    <th scope="row">{i.title.clone()} <span class="meta">" (" {kind_label(i.kind)} ", version " {i.version.clone()} ")"</span></th>
                    <td>{i.assigned}</td>
                    <td>{i.done_in_date}</td>
                    <td>{i.expiring}</td>
                    <td>{i.overdue}</td>
                    <td>{i.in_progress}</td>
                    <td>{i.not_started}</td>
                </tr>
            }
        })
        .collect_view()
}

fn outstanding(item: &ItemEvidence) -> AnyView {
    let heading = format!("{}: {} outstanding", item.title, item.outstanding.len());
    if item.outstanding.is_empty() {
        return view! {
            <section class="evidence-item">
                <h3>{heading}</h3>
                <p>"Everyone who must do it has done it, and it still counts."</p>
            </section>
        }
        .into_any();
    }
    let more = item.outstanding.len().saturating_sub(OUTSTANDING_SHOWN);
    let rows = item
        .outstanding
        .iter()
        .take(OUTSTANDING_SHOWN)
        .map(|o| {
            let status = match (o.status, &o.expired_on) {
                (Status::Expired, Some(on)) => format!("Expired on {on}"),
                (s, _) => s.label().to_string(),
            };
            view! { <tr><td>{o.name.clone()}</td><td>{o.email.clone()}</td><td>{status}</td></tr> }
        })
        .collect_view();
    view! {
        <section class="evidence-item">
            <h3>{heading}</h3>
            <table class="list">
                <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Status"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {(more > 0).then(|| view! { <p>"And " {more} " more: the completion CSV lists everyone."</p> })}
        </section>
    }
    .into_any()
}

#[component]
pub fn EvidencePage() -> impl IntoView {
    let Some(screen) = use_context::<EvidenceScreen>() else {
        return ().into_any();
    };
    let sort = screen.1;
    let e = match screen.0 {
        Ok(e) => e,
        Err(message) => {
            return view! {
                <Title text="Evidence summary"/>
                <h1>"Evidence summary"</h1>
                <div class="error-summary" role="alert"><p>{message}</p></div>
            }
            .into_any();
        }
    };
    let rows = item_rows(&e.items);
    let th = |label: &'static str, column: &'static str| {
        crate::pages::compliance::sort_th(label, column, sort, &|s| {
            let query = serde_urlencoded::to_string(s.params()).unwrap_or_default();
            format!("/compliance/evidence?{query}#totals")
        })
    };
    let lists = e.items.iter().map(outstanding).collect_view();
    view! {
        <Title text=format!("Evidence summary: {}", e.org_name)/>
        <nav aria-label="Breadcrumb" class="breadcrumb no-print"><a href="/compliance/export">"Export completion evidence"</a></nav>
        <h1>"Online safety training: evidence summary"</h1>
        <dl class="summary" data-testid="evidence-meta">
            <dt>"Organisation"</dt><dd>{e.org_name.clone()}</dd>
            <dt>"Generated"</dt><dd data-testid="evidence-generated-at">{e.generated_at_shown.clone()}</dd>
            <dt>"Generated by"</dt><dd data-testid="evidence-generated-by">{e.generated_by.clone()}</dd>
            <dt>"Active people"</dt><dd>{e.people}</dd>
        </dl>
        <p class="no-print">"Use your browser's Print command to print this page or save it as a PDF."</p>
        <h2 id="totals">"Totals"</h2>
        <table class="list evidence" data-testid="evidence-totals">
            <caption>"For each module and policy: how many people must do it, and where they stand. \"Done and counting\" includes those expiring within 30 days; \"Overdue\" is expired, or a new version to do."</caption>
            <thead><tr>
                {th("Module or policy", "title")}
                {th("Assigned", "assigned")}
                {th("Done and counting", "done")}
                {th("Expiring within 30 days", "expiring")}
                {th("Overdue", "overdue")}
                {th("In progress", "in-progress")}
                {th("Not started", "not-started")}
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <h2>"Who is outstanding"</h2>
        {lists}
    }
    .into_any()
}
