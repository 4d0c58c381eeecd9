//! The compliance pages for the DSL, deputies and admins: the dashboard's numbers (each one a
//! link to the people behind it), those lists, a person's record and the exact texts they
//! signed. Server-rendered; the filter is a plain GET form, so it all works with JavaScript off.
//! What to show comes from `crate::server::compliance`; no rule lives here.

use crate::server::compliance::sort::Sort;
use crate::server::compliance::{
    DashboardScreen, ListScreen, PersonScreen, SignedByScreen, query_of,
};
use leptos::prelude::*;
use leptos_meta::Title;
use safety_core::compliance::{Filter, ItemNumbers, ListedPerson, Standing};
use safety_core::learning::{ItemKind, Status};
use safety_core::roles::Role;

/// A sortable column's header (GOV.UK's sortable table, without a script): a link asking for
/// the other order, the filter kept, sorted on the server; `aria-sort` on the sorted column.
pub fn sort_th(
    label: &'static str,
    column: &'static str,
    sort: Option<Sort>,
    href: &dyn Fn(Sort) -> String,
) -> AnyView {
    let current = sort.unwrap_or(Sort::asc(""));
    view! {
        <th scope="col" aria-sort=current.aria(column)>
            <a class="sort" href=href(current.link(column))>{label}</a>
        </th>
    }
    .into_any()
}

/// The hidden fields that keep a table's order when a filter form is sent.
pub fn sort_fields(sort: Option<Sort>) -> impl IntoView {
    sort.map(|s| {
        let [(_, column), (_, dir)] = s.params();
        view! {
            <input type="hidden" name="sort" value=column/>
            <input type="hidden" name="dir" value=dir/>
        }
    })
}

fn list_href(filter: &Filter, n: &ItemNumbers, standing: Option<Standing>) -> String {
    let f = Filter {
        item: Some(n.item.clone()),
        ..filter.clone()
    };
    let extra: Vec<(&str, String)> = standing
        .map(|s| vec![("standing", s.as_str().to_string())])
        .unwrap_or_default();
    format!("/compliance/list?{}", query_of(&f, &extra))
}

/// A number that links to the people behind it (a plain 0 links nowhere).
fn number(value: u64, href: String, what: String) -> AnyView {
    if value == 0 {
        return view! { <span class="zero">"0"</span> }.into_any();
    }
    view! { <a href=href>{value} <span class="visually-hidden">" " {what}</span></a> }.into_any()
}

fn module_row(filter: &Filter, n: &ItemNumbers) -> impl IntoView + use<> {
    let cell = |s: Standing, v: u64| {
        number(
            v,
            list_href(filter, n, Some(s)),
            format!("{}: {}", n.title, s.label().to_lowercase()),
        )
    };
    view! {
        <tr data-testid=format!("numbers-{}", n.item.id)>
            <th scope="row"><a href=list_href(filter, n, None)>{n.title.clone()}</a> <span class="meta">" v" {n.version.clone()}</span></th>
            <td data-testid="assigned">{n.assigned}</td>
            <td data-testid="done">{n.done()} <span class="meta">" (" {n.percent_done()} "%)"</span></td>
            <td data-testid="expiring">{cell(Standing::Expiring, n.count(Standing::Expiring))}</td>
            <td data-testid="overdue">{cell(Standing::Expired, n.count(Standing::Expired))}
                {(n.count(Standing::NewVersionDue) > 0).then(|| view! { <br/><span class="meta">"+ "</span>{cell(Standing::NewVersionDue, n.count(Standing::NewVersionDue))}<span class="meta">" new version"</span> })}
            </td>
            <td data-testid="in-progress">{cell(Standing::InProgress, n.count(Standing::InProgress))}</td>
            <td data-testid="not-started">{cell(Standing::NotStarted, n.count(Standing::NotStarted))}</td>
        </tr>
    }
}

fn aup_row(filter: &Filter, n: &ItemNumbers) -> impl IntoView + use<> {
    let versions = n
        .versions
        .iter()
        .map(|v| format!("v{}: {}", v.version, v.people))
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <tr data-testid=format!("numbers-{}", n.item.id)>
            <th scope="row"><a href=list_href(filter, n, None)>{n.title.clone()}</a> <span class="meta">" v" {n.version.clone()}</span></th>
            <td>{n.assigned}</td>
            <td data-testid="signed-current">{number(n.signed_current(), list_href(filter, n, Some(Standing::InDate)), format!("{}: signed the current version", n.title))}
                {(n.count(Standing::Expiring) > 0).then(|| view! { <br/><span class="meta">"of which "</span>{number(n.count(Standing::Expiring), list_href(filter, n, Some(Standing::Expiring)), format!("{}: renewal due soon", n.title))}<span class="meta">" due for renewal soon"</span> })}
            </td>
            <td data-testid="signed-older">{number(n.signed_older_only(), list_href(filter, n, Some(Standing::NewVersionDue)), format!("{}: signed an older version only", n.title))}</td>
            <td data-testid="expired">{number(n.count(Standing::Expired), list_href(filter, n, Some(Standing::Expired)), format!("{}: signature expired", n.title))}</td>
            <td data-testid="never-signed">{number(n.never_signed(), list_href(filter, n, Some(Standing::NotStarted)), format!("{}: never signed", n.title))}</td>
            <td class="meta">{if versions.is_empty() { "—".to_string() } else { versions }}</td>
        </tr>
    }
}

fn filter_form(screen: &DashboardScreen, filter: &Filter) -> impl IntoView + use<> {
    let sort = screen.sort;
    let (roles, groups) = match &screen.result {
        Ok(d) => (d.roles.clone(), d.groups.clone()),
        Err(_) => (Vec::new(), Vec::new()),
    };
    let role_options = roles
        .into_iter()
        .map(|r: Role| {
            let selected = filter.role == Some(r);
            view! { <option value=r.as_str() selected=selected>{r.label()}</option> }
        })
        .collect_view();
    let group_options = groups
        .into_iter()
        .map(|g| {
            let selected = filter.group.as_deref() == Some(g.as_str());
            view! { <option value=g.clone() selected=selected>{g.clone()}</option> }
        })
        .collect_view();
    let chosen = filter.item.as_ref().map(|i| i.key_part());
    let item_options = screen
        .all_items
        .iter()
        .map(|(key, title)| {
            let selected = chosen.as_deref() == Some(key.as_str());
            view! { <option value=key.clone() selected=selected>{title.clone()}</option> }
        })
        .collect_view();
    view! {
        <form method="get" action="/compliance" class="filters" data-testid="compliance-filter">
            <div class="field">
                <label for="f-role">"Role"</label>
                <select id="f-role" name="role"><option value="">"Everyone"</option>{role_options}</select>
            </div>
            <div class="field">
                <label for="f-group">"Group or cohort"</label>
                <select id="f-group" name="group"><option value="">"All groups"</option>{group_options}</select>
            </div>
            <div class="field">
                <label for="f-item">"Module or policy"</label>
                <select id="f-item" name="item"><option value="">"All"</option>{item_options}</select>
            </div>
            <div class="field">
                <label for="f-days">"Expiring within (days)"</label>
                <input id="f-days" name="days" type="number" min="1" max="366" inputmode="numeric" value=filter.within_days.to_string()/>
            </div>
            {sort_fields(sort)}
            <button type="submit" class="button secondary">"Show"</button>
            " " <a href="/compliance">"Clear"</a>
        </form>
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let Some(screen) = use_context::<DashboardScreen>() else {
        return ().into_any();
    };
    let body = match &screen.result {
        Err(message) => {
            view! { <div class="error-summary" role="alert"><p>{message.clone()}</p></div> }
                .into_any()
        }
        Ok(d) => {
            let filter = d.filter.clone();
            let modules = d.modules().map(|n| module_row(&filter, n)).collect_view();
            let aups = d.aups().map(|n| aup_row(&filter, n)).collect_view();
            let overdue: u64 = d.items.iter().map(|n| n.overdue()).sum();
            let expiring: u64 = d.items.iter().map(|n| n.count(Standing::Expiring)).sum();
            let not_started: u64 = d.items.iter().map(|n| n.count(Standing::NotStarted)).sum();
            let assigned: u64 = d.items.iter().map(|n| n.assigned).sum();
            let done: u64 = d.items.iter().map(|n| n.done()).sum();
            let overdue_class = if overdue > 0 { "overdue" } else { "" };
            let sort = screen.sort;
            let th = move |label: &'static str, column: &'static str, table: &'static str| {
                let filter = filter.clone();
                let href = move |s: Sort| {
                    format!("/compliance?{}#{table}", query_of(&filter, &s.params()))
                };
                sort_th(label, column, sort, &href)
            };
            view! {
                <ul class="counts" data-testid="compliance-totals">
                    <li><span class="count" data-testid="total-people">{d.people}</span> " people"</li>
                    <li><span class="count">{(done * 100).checked_div(assigned).unwrap_or(0)} "%"</span> " of assignments done"</li>
                    <li class=overdue_class><span class="count" data-testid="total-overdue">{overdue}</span> " overdue"</li>
                    <li><span class="count">{expiring}</span> " expiring within " {d.filter.within_days} " days"</li>
                    <li><span class="count">{not_started}</span> " not started"</li>
                </ul>
                {d.items.is_empty().then(|| view! { <p data-testid="compliance-empty">"Nobody in this selection has anything to do. Change the filter, or add people in People."</p> })}
                {(d.modules().count() > 0).then(|| view! {
                    <h2 id="modules">"Training modules"</h2>
                    <div class="table-scroll" role="region" aria-labelledby="modules-caption" tabindex="0">
                        <table class="list compliance" data-testid="modules-table">
                            <caption class="visually-hidden" id="modules-caption">"Training modules: people assigned, and where they stand"</caption>
                            <thead><tr>
                                {th("Module", "title", "modules")}
                                {th("Assigned", "assigned", "modules")}
                                {th("Done", "done", "modules")}
                                {th("Expiring soon", "expiring", "modules")}
                                {th("Overdue", "overdue", "modules")}
                                {th("In progress", "in-progress", "modules")}
                                {th("Not started", "not-started", "modules")}
                            </tr></thead>
                            <tbody>{modules}</tbody>
                        </table>
                    </div>
                })}
                {(d.aups().count() > 0).then(|| view! {
                    <h2 id="aups">"Acceptable use policies"</h2>
                    <div class="table-scroll" role="region" aria-labelledby="aups-caption" tabindex="0">
                        <table class="list compliance" data-testid="aups-table">
                            <caption class="visually-hidden" id="aups-caption">"Acceptable use policies: who signed which version"</caption>
                            <thead><tr>
                                {th("Policy", "title", "aups")}
                                {th("Assigned", "assigned", "aups")}
                                {th("Signed current version", "done", "aups")}
                                {th("Signed an older version only", "older", "aups")}
                                {th("Signature expired", "overdue", "aups")}
                                {th("Never signed", "not-started", "aups")}
                                <th scope="col">"Versions held"</th>
                            </tr></thead>
                            <tbody>{aups}</tbody>
                        </table>
                    </div>
                })}
            }
            .into_any()
        }
    };
    let filter = screen
        .result
        .as_ref()
        .map(|d| d.filter.clone())
        .unwrap_or_default();
    let review = if screen.review.is_empty() {
        view! { <p>"Every module and policy is within its review date."</p> }.into_any()
    } else {
        let rows = screen
            .review
            .iter()
            .map(|r| {
                view! {
                    <tr>
                        <th scope="row"><a href=r.url.clone()>{r.title.clone()}</a></th>
                        <td>{r.kind}</td>
                        <td>{r.version.clone()}</td>
                        <td class=if r.overdue { "status overdue" } else { "status soon" }>{r.next_review.clone()} {if r.overdue { " (overdue)" } else { "" }}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-scroll" role="region" aria-labelledby="review-caption" tabindex="0">
                <table class="list" data-testid="review-table">
                    <caption class="visually-hidden" id="review-caption">"Content due for review"</caption>
                    <thead><tr><th scope="col">"Content"</th><th scope="col">"Kind"</th><th scope="col">"Version"</th><th scope="col">"Next review"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <Title text="Compliance"/>
        <h1>"Compliance"</h1>
        <p class="lead">{screen.org_name.clone()} ": who has done their online safety training and signed the acceptable use policies, on " {screen.today.clone()} ". Select a number to see the people behind it."</p>
        <p><a href="/compliance/export">"Export (CSV) and printable evidence summary"</a></p>
        {filter_form(&screen, &filter)}
        {body}
        <h2 id="review">"Content due for review"</h2>
        <p>"Modules, policies and guidance whose review date has passed or falls within the next 60 days."</p>
        {review}
    }
    .into_any()
}

fn listed_row(p: ListedPerson) -> impl IntoView {
    let status_class = match p.standing {
        Standing::InDate => "status done",
        Standing::Expiring => "status soon",
        Standing::Expired | Standing::NewVersionDue => "status overdue",
        Standing::InProgress => "status progress",
        Standing::NotStarted => "status todo",
    };
    let roles = p
        .roles
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <tr>
            <th scope="row"><a href=format!("/compliance/people/{}", p.person_id)>{p.name.clone()}</a></th>
            <td>{roles}</td>
            <td>{p.groups.join(", ")}</td>
            <td><span class=status_class>{p.standing.label()}</span></td>
            <td>{p.version.clone().unwrap_or_else(|| "—".into())}</td>
            <td>{p.done_at.clone().unwrap_or_else(|| "—".into())}</td>
            <td>{p.until.map(|d| d.format("%-d %B %Y").to_string()).unwrap_or_else(|| "—".into())}</td>
        </tr>
    }
}

#[component]
pub fn ComplianceListPage() -> impl IntoView {
    let Some(s) = use_context::<ListScreen>() else {
        return ().into_any();
    };
    let heading = match s.standing {
        Some(st) => format!("{}: {}", s.title, st.label()),
        None => format!("{}: everyone", s.title),
    };
    let back = format!(
        "/compliance?{}",
        query_of(
            &Filter {
                item: None,
                ..s.filter.clone()
            },
            &[]
        )
    );
    let body = match s.result.clone() {
        Err(message) => {
            view! { <div class="error-summary" role="alert"><p>{message}</p></div> }.into_any()
        }
        Ok(rows) if rows.is_empty() => {
            view! { <p data-testid="list-empty">"Nobody in this list."</p> }.into_any()
        }
        Ok(rows) => {
            let first = (s.page - 1) * crate::server::compliance::LIST_PAGE + 1;
            let last = first + rows.len() - 1;
            let more = last < s.total;
            let href = |page: usize, sort: Sort| {
                let mut extra = vec![];
                if let Some(st) = s.standing {
                    extra.push(("standing", st.as_str().to_string()));
                }
                if sort != Sort::asc("name") {
                    extra.extend(sort.params());
                }
                if page > 1 {
                    extra.push(("page", page.to_string()));
                }
                format!("/compliance/list?{}", query_of(&s.filter, &extra))
            };
            let page_href = |page: usize| href(page, s.sort);
            let th = |label: &'static str, column: &'static str| {
                sort_th(label, column, Some(s.sort), &|sort| href(1, sort))
            };
            let rows = rows.into_iter().map(listed_row).collect_view();
            view! {
                <p data-testid="list-count">{format!("{first} to {last} of {}", s.total)}</p>
                <div class="table-scroll" role="region" aria-labelledby="people-list-caption" tabindex="0">
                    <table class="list" data-testid="people-list">
                        <caption class="visually-hidden" id="people-list-caption">{heading.clone()}</caption>
                        <thead><tr>
                            {th("Name", "name")}{th("Roles", "roles")}{th("Groups", "groups")}
                            {th("Status", "status")}{th("Version done", "version")}{th("Done on", "done")}{th("Counts until", "until")}
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                <nav aria-label="Pages" class="pager">
                    {(s.page > 1).then(|| view! { <a href=page_href(s.page - 1)>"Previous page"</a> })}
                    " "
                    {more.then(|| view! { <a href=page_href(s.page + 1)>"Next page"</a> })}
                </nav>
            }
            .into_any()
        }
    };
    view! {
        <Title text=heading.clone()/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href=back>"Compliance"</a></nav>
        <h1>{heading.clone()}</h1>
        {body}
    }
    .into_any()
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Passed => "status done",
        Status::Expired | Status::DueAgain => "status overdue",
        Status::ExpiringSoon => "status soon",
        Status::InProgress => "status progress",
        Status::NotStarted => "status todo",
    }
}

#[component]
pub fn PersonRecordPage() -> impl IntoView {
    let Some(PersonScreen(result)) = use_context::<PersonScreen>() else {
        return ().into_any();
    };
    let r = match result {
        Ok(r) => r,
        Err((_, message)) => {
            return view! {
                <Title text="Person"/>
                <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/compliance">"Compliance"</a></nav>
                <h1>"Person"</h1>
                <div class="error-summary" role="alert" data-testid="refused"><p>{message}</p></div>
            }
            .into_any();
        }
    };
    let p = r.person.clone();
    let roles = p
        .roles
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join(", ");
    let assignments = r
        .training
        .items
        .iter()
        .map(|i| {
            let kind = match i.kind {
                ItemKind::Module => "Module",
                ItemKind::Aup => "Policy",
            };
            let done = match (&i.done_version, i.done_at) {
                (Some(v), Some(at)) => format!(
                    "Version {v}, {}{}",
                    safety_core::dates::show_date(at),
                    if i.older_version { " (older version)" } else { "" }
                ),
                _ => "—".into(),
            };
            let score = match (i.best_score, i.attempts) {
                (Some(b), n) => format!("Best {b}, {n} attempt{}", if n == 1 { "" } else { "s" }),
                _ => "—".into(),
            };
            view! {
                <tr>
                    <th scope="row">{i.title.clone()} <span class="meta">" (" {kind} ", v" {i.version.clone()} ")"</span></th>
                    <td><span class=status_class(i.status)>{i.status.label()}</span></td>
                    <td>{done}</td>
                    <td>{i.due_shown.clone().unwrap_or_else(|| "—".into())}</td>
                    <td>{score}</td>
                </tr>
            }
        })
        .collect_view();
    let history = if r.history.is_empty() {
        view! { <p data-testid="history-empty">"No completions or signatures yet."</p> }.into_any()
    } else {
        let person_id = p.id.clone();
        let rows = r
            .history
            .iter()
            .map(|h| {
                let detail = match (&h.completion, &h.signature) {
                    (Some(c), _) => view! {
                        <span>{format!("Quiz {} out of {}, {} attempt{}. Certificate ", c.score, c.out_of, c.attempts, if c.attempts == 1 { "" } else { "s" })}
                        <span class="code">{c.certificate_code.clone()}</span></span>
                    }
                    .into_any(),
                    (None, Some(s)) => view! {
                        <span>"Signed as “" {s.typed_name.clone()} "”. "
                        <a href=format!("/compliance/people/{}/signed/{}", person_id, s.sha256)>"The text signed" <span class="visually-hidden">" (" {h.title.clone()} ", version " {h.version.clone()} ")"</span></a></span>
                    }
                    .into_any(),
                    _ => match &h.cosignature {
                        Some(c) => view! {
                            <span data-testid="cosignature">"Co-signed by their parent or carer as “" {c.typed_name.clone()} "”."</span>
                        }
                        .into_any(),
                        None => ().into_any(),
                    },
                };
                view! {
                    <tr>
                        <td>{h.at.clone()}</td>
                        <th scope="row">{h.title.clone()}</th>
                        <td>{h.version.clone()}</td>
                        <td>{detail}</td>
                        <td>{h.valid_until.clone().unwrap_or_else(|| "Does not expire".into())}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-scroll" role="region" aria-labelledby="history-caption" tabindex="0">
                <table class="list" data-testid="history">
                    <caption class="visually-hidden" id="history-caption">"Every completion and signature, newest first"</caption>
                    <thead><tr><th scope="col">"When"</th><th scope="col">"What"</th><th scope="col">"Version"</th><th scope="col">"Details"</th><th scope="col">"Counts until"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <Title text=format!("{}: training record", p.name)/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/compliance">"Compliance"</a></nav>
        <h1 data-testid="person-name">{p.name.clone()}</h1>
        <dl class="summary">
            <dt>"Email"</dt><dd>{p.email.clone()}</dd>
            <dt>"Roles"</dt><dd>{roles}</dd>
            <dt>"Groups"</dt><dd>{if p.groups.is_empty() { "None".to_string() } else { p.groups.join(", ") }}</dd>
            <dt>"Account"</dt><dd>{if p.active { "Active" } else { "Deactivated" }}</dd>
        </dl>
        <crate::pages::easy_read::PersonReadingForm/>
        <h2 id="assignments">"What they must do"</h2>
        {if r.training.items.is_empty() {
            view! { <p>"Nothing is required of this person."</p> }.into_any()
        } else {
            view! {
                <div class="table-scroll" role="region" aria-labelledby="assignments-caption" tabindex="0">
                    <table class="list" data-testid="assignments">
                        <caption class="visually-hidden" id="assignments-caption">"Assignments and where they stand"</caption>
                        <thead><tr><th scope="col">"What"</th><th scope="col">"Status"</th><th scope="col">"Done"</th><th scope="col">"Due again"</th><th scope="col">"Score"</th></tr></thead>
                        <tbody>{assignments}</tbody>
                    </table>
                </div>
            }
            .into_any()
        }}
        <h2 id="history">"Completions and signatures"</h2>
        {history}
    }
    .into_any()
}

#[component]
pub fn SignedByPage() -> impl IntoView {
    let Some(SignedByScreen(result)) = use_context::<SignedByScreen>() else {
        return ().into_any();
    };
    match result {
        Ok(s) => view! {
            <Title text=format!("{} signed: {}", s.person_name, s.title)/>
            <nav aria-label="Breadcrumb" class="breadcrumb"><a href=format!("/compliance/people/{}", s.person_id)>{s.person_name.clone()}</a></nav>
            <h1>{s.person_name.clone()} " signed: " {s.title.clone()}</h1>
            <p class="notice">"Version " {s.version.clone()} ", signed on " {s.signed_on.clone()} " as " <strong>{s.typed_name.clone()}</strong> ". This is exactly the text they were shown."</p>
            <div class="prose aup-text" data-testid="signed-text" inner_html=s.html></div>
        }
        .into_any(),
        Err((_, message)) => view! {
            <Title text="Signed text"/>
            <h1>"Signed text"</h1>
            <div class="error-summary" role="alert" data-testid="refused"><p>{message}</p></div>
        }
        .into_any(),
    }
}
