//! The safeguarding reports (`/reports/monthly`, `/reports/termly`): counts and trends with
//! charts drawn on the server as SVG (no script), each followed by the same numbers in a table
//! for screen readers and for print. No names, no worry's words, no link to a worry.

use crate::server::reports::{PeriodForm, ReportScreen, ReportView};
use leptos::prelude::*;
use leptos_meta::Title;
use safety_core::reports::{self as core, ReportKind};

/// The chart's drawing width (its viewBox; it scales to the page).
const WIDTH: f64 = 640.0;

fn title(kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::Monthly => "Monthly safeguarding report",
        ReportKind::Termly => "Termly safeguarding report for governors",
    }
}

/// A horizontal bar chart of labelled counts: each label above its bar, the count after it.
fn bars(id: &str, caption: &str, rows: &[(String, u64)]) -> AnyView {
    let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let row_h = 40.0;
    let height = (rows.len() as f64 * row_h).max(row_h);
    let drawn = rows
        .iter()
        .enumerate()
        .map(|(i, (label, n))| {
            let y = i as f64 * row_h;
            let w = (*n as f64 / max) * (WIDTH - 60.0);
            view! {
                <text x="0" y=format!("{:.0}", y + 14.0) class="chart-label">{label.clone()}</text>
                <rect x="0" y=format!("{:.0}", y + 20.0) width=format!("{:.1}", w.max(1.0)) height="14" class="chart-bar"></rect>
                <text x=format!("{:.1}", w + 6.0) y=format!("{:.0}", y + 32.0) class="chart-value">{n.to_string()}</text>
            }
        })
        .collect_view();
    let table_rows = rows
        .iter()
        .map(|(label, n)| view! { <tr><th scope="row">{label.clone()}</th><td>{*n}</td></tr> })
        .collect_view();
    let (heading, labelled_by) = (format!("{id}-heading"), format!("{id}-heading"));
    view! {
        <section class="report-section" aria-labelledby=labelled_by>
            <h2 id=heading>{caption.to_string()}</h2>
            <svg class="chart" viewBox=format!("0 0 {WIDTH} {height}") role="img"
                aria-label=format!("Bar chart: {caption}. The same numbers are in the table after it.")
                data-testid=format!("chart-{id}")>
                {drawn}
            </svg>
            <table class="list report-table" data-testid=format!("table-{id}")>
                <caption class="visually-hidden">{caption.to_string()}</caption>
                <thead><tr><th scope="col">"Group"</th><th scope="col">"Worries"</th></tr></thead>
                <tbody>{table_rows}</tbody>
            </table>
        </section>
    }
    .into_any()
}

/// The twelve months' trend: a column chart of the worries sent each month, and the table.
fn trend(view_: &ReportView) -> AnyView {
    let rows = &view_.report.trend;
    let max = rows.iter().map(|m| m.worries).max().unwrap_or(0).max(1) as f64;
    let (top, chart_h) = (20.0, 160.0);
    let col = WIDTH / rows.len().max(1) as f64;
    let drawn = rows
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let h = (m.worries as f64 / max) * chart_h;
            let x = i as f64 * col;
            let label = core::month_short((m.year, m.month));
            let (mon, year) = label.split_once(' ').unwrap_or((&label, ""));
            view! {
                <rect x=format!("{:.1}", x + col * 0.2) y=format!("{:.1}", top + chart_h - h) width=format!("{:.1}", col * 0.6)
                    height=format!("{:.1}", h.max(1.0)) class="chart-bar"></rect>
                <text x=format!("{:.1}", x + col / 2.0) y=format!("{:.1}", top + chart_h - h - 5.0) class="chart-value" text-anchor="middle">{m.worries.to_string()}</text>
                <text x=format!("{:.1}", x + col / 2.0) y=format!("{:.1}", top + chart_h + 16.0) class="chart-label" text-anchor="middle">{mon.to_string()}</text>
                <text x=format!("{:.1}", x + col / 2.0) y=format!("{:.1}", top + chart_h + 32.0) class="chart-label" text-anchor="middle">{year.to_string()}</text>
            }
        })
        .collect_view();
    let dur = |d: Option<i64>| d.map(core::show_duration).unwrap_or_else(|| "none".into());
    let table_rows = rows
        .iter()
        .map(|m| {
            view! {
                <tr>
                    <th scope="row">{core::month_short((m.year, m.month))}</th>
                    <td>{m.worries}</td>
                    <td>{m.urgent}</td>
                    <td>{m.referrals}</td>
                    <td>{m.acknowledged}</td>
                    <td>{dur(m.ack_median_secs)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="report-section" aria-labelledby="trend-heading">
            <h2 id="trend-heading">"The last 12 months"</h2>
            <p>"Worries sent each month, up to the end of this period."</p>
            <svg class="chart" viewBox=format!("0 0 {WIDTH} {}", top + chart_h + 40.0) role="img"
                aria-label="Column chart: worries sent each month for 12 months. The same numbers are in the table after it."
                data-testid="chart-trend">
                {drawn}
            </svg>
            <div class="table-scroll" role="region" aria-labelledby="trend-caption" tabindex="0">
                <table class="list report-table" data-testid="table-trend">
                    <caption id="trend-caption" class="visually-hidden">"Worries each month for 12 months"</caption>
                    <thead><tr>
                        <th scope="col">"Month"</th>
                        <th scope="col">"Worries"</th>
                        <th scope="col">"Urgent"</th>
                        <th scope="col">"Referrals"</th>
                        <th scope="col">"Acknowledged"</th>
                        <th scope="col">"Median time to acknowledge"</th>
                    </tr></thead>
                    <tbody>{table_rows}</tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

fn chooser(form: &PeriodForm) -> AnyView {
    let (label, action) = match form.kind {
        ReportKind::Monthly => ("Month", crate::server::reports::path(ReportKind::Monthly)),
        ReportKind::Termly => ("Term", crate::server::reports::path(ReportKind::Termly)),
    };
    let hint = match form.kind {
        ReportKind::Monthly => "Year and month, for example 2026-11",
        ReportKind::Termly => {
            "The term and its year, for example autumn-2026. Autumn is September to December, spring January to March, summer April to August."
        }
    };
    let error = form.error.clone();
    let class = if error.is_some() {
        "field field-with-error"
    } else {
        "field"
    };
    let described = if error.is_some() {
        "period-hint period-error"
    } else {
        "period-hint"
    };
    view! {
        {error.clone().map(|e| view! {
            <div class="error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title">
                <h2 id="error-summary-title">"There is a problem"</h2>
                <ul class="error-summary-list"><li><a href="#period">{e}</a></li></ul>
            </div>
        })}
        <form method="get" action=action class="filters no-print" data-testid="period-form">
            <div class=class>
                <label for="period">{label}</label>
                <p class="hint" id="period-hint">{hint}</p>
                {error.map(|e| view! { <p class="field-error" id="period-error"><span class="visually-hidden">"Error: "</span>{e}</p> })}
                <input type="text" id="period" name="period" value=form.typed.clone() aria-describedby=described class="input-short" spellcheck="false"/>
            </div>
            <button type="submit" class="button secondary">"Show"</button>
        </form>
    }
    .into_any()
}

#[component]
pub fn ReportPage() -> impl IntoView {
    let Some(screen) = use_context::<ReportScreen>() else {
        return view! { <super::not_found::NotFound/> }.into_any();
    };
    let kind = screen.form.kind;
    let v = match screen.result {
        Ok(v) => v,
        Err((outcome, message)) => {
            let chooser =
                (outcome == crate::server::Outcome::Invalid).then(|| chooser(&screen.form));
            let notice = (outcome != crate::server::Outcome::Invalid)
                .then(|| view! { <div class="error-summary" role="alert"><p>{message}</p></div> });
            return view! {
                <Title text=title(kind)/>
                <h1>{title(kind)}</h1>
                {notice}
                {chooser}
            }
            .into_any();
        }
    };
    let r = &v.report;
    let label = |xs: Vec<(&str, u64)>| -> Vec<(String, u64)> {
        xs.into_iter().map(|(l, n)| (l.to_string(), n)).collect()
    };
    let left_out = (!r.left_out_queues.is_empty()).then(|| {
        let names: Vec<String> = r
            .left_out_queues
            .iter()
            .map(|q| format!("\"{}\"", q.label()))
            .collect();
        view! {
            <p data-testid="left-out">"Worries in queues you do not read are not counted here: "
                {names.join(", ")} "."</p>
        }
    });
    let governor_note = v.governor_only.then(|| view! {
        <p data-testid="governor-note">"As a governor or trustee you see the numbers of the safeguarding team's queue and of worries about members of staff. Worries about the DSL or the head go to the people who oversee them, and are reported to them."</p>
    });
    let dur = |d: Option<i64>| {
        d.map(core::show_duration)
            .unwrap_or_else(|| "none acknowledged".into())
    };
    let sections = view! {
        {bars("kind", "By kind of worry", &v.kinds)}
        {bars("urgency", "By how urgent the sender felt it was", &label(r.by_urgency.iter().map(|(u, n)| (u.label(), *n)).collect()))}
        {bars("queue", "By who it was routed to", &label(r.by_queue.iter().map(|(q, n)| (q.label(), *n)).collect()))}
        {bars("status", "Where they are now", &label(r.by_status.iter().map(|(s, n)| (s.label(), *n)).collect()))}
        {bars("outcome", "How the closed ones ended", &label(r.by_outcome.iter().map(|(o, n)| (o.label(), *n)).collect()))}
        {bars("age", "How long they have been open (until closed, or until now)", &label(r.by_age.iter().map(|(a, n)| (a.label(), *n)).collect()))}
        {bars("referrals", "Referrals by agency", &label(r.referrals.iter().map(|(a, n)| (a.label(), *n)).collect()))}
    };
    let steps = view! {
        <p class="no-print" data-testid="period-steps">
            <a href=v.previous.clone()>"Previous"</a>
            {v.next.clone().map(|n| view! { " · " <a href=n>"Next"</a> })}
            " · " <a href=v.csv_href.clone() download=v.csv_file.clone() data-testid="report-csv">"Download these numbers (CSV)"</a>
            {v.other.clone().map(|(href, name)| view! { " · " <a href=href>"Open " {name}</a> })}
        </p>
    };
    view! {
        <Title text=title(kind)/>
        <h1>{title(kind)}</h1>
        <p class="lead" data-testid="report-period">{v.org_name.clone()} ": " {r.period.label()}</p>
        {chooser(&screen.form)}
        {steps}
        <div class="inset" data-testid="report-scope">
            <p>"Counts only: no names, no words from any worry. Every number is about the worries sent in this period, as they stand now. Made " {v.made_at.clone()} "."</p>
            {left_out}
            {governor_note}
        </div>
        <dl class="summary-list" data-testid="report-summary">
            <div><dt>"Worries sent"</dt><dd data-testid="total">{r.worries}</dd></div>
            <div><dt>"Acknowledged"</dt><dd>{r.acknowledged}</dd></div>
            <div><dt>"Median time to acknowledge"</dt><dd data-testid="median">{dur(r.ack_median_secs)}</dd></div>
            <div><dt>"90th percentile time to acknowledge"</dt><dd data-testid="p90">{dur(r.ack_p90_secs)}</dd></div>
            <div><dt>"Referrals to other agencies"</dt><dd>{r.referrals_total()}</dd></div>
        </dl>
        <p class="hint">"The median is the middle time (half were acknowledged faster); the 90th percentile is the time 9 in 10 were acknowledged within. To print, or save as a PDF, use your browser's Print."</p>
        {sections}
        {trend(&v)}
    }
    .into_any()
}
