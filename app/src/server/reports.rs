//! The safeguarding reports' use cases: the monthly report for leaders, the termly one for
//! governors, and the same numbers as CSV. The rules (who reads which report, which worries a
//! reader's numbers count, the periods) are in `safety_core::reports`.
//!
//! Authorised here on every request: the viewer must be active, belong to this site's
//! organisation and hold a role that may read the report ([`safety_core::reports::may_view`]).

use super::worries::kind_label;
use super::{Outcome, SiteState, Viewer};
use chrono::{DateTime, Utc};
use safety_core::reports::{self as core, Period, Report, ReportKind};

/// The report's query string: `?period=2026-11` (monthly) or `?period=autumn-2026` (termly);
/// none is the period we are in.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct ReportQuery {
    pub period: Option<String>,
}

/// The period chooser: what was typed, and why it could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodForm {
    pub kind: ReportKind,
    pub typed: String,
    pub error: Option<String>,
}

/// One report as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportView {
    pub org_name: String,
    pub report: Report,
    /// The kinds of worry by their labels, most first.
    pub kinds: Vec<(String, u64)>,
    pub made_at: String,
    /// Addresses of the period before and after (none after the period we are in).
    pub previous: String,
    pub next: Option<String>,
    pub csv_href: String,
    pub csv_file: String,
    /// The other report, when the viewer may read it too: (its address, its name).
    pub other: Option<(String, &'static str)>,
    /// The viewer reads reports as a governor only (no role that handles worries).
    pub governor_only: bool,
}

/// What a report page shows: the chooser, and the report or why not.
#[derive(Clone, Debug)]
pub struct ReportScreen {
    pub form: PeriodForm,
    pub result: Result<ReportView, (Outcome, String)>,
}

impl super::Ended for ReportScreen {
    fn outcome(&self) -> Outcome {
        match &self.result {
            Ok(_) => Outcome::Ok,
            Err((o, _)) => *o,
        }
    }
}

/// A report's address.
pub fn path(kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::Monthly => crate::routes::paths::REPORT_MONTHLY,
        ReportKind::Termly => crate::routes::paths::REPORT_TERMLY,
    }
}

/// A report's CSV address.
pub fn csv_path(kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::Monthly => "/reports/monthly.csv",
        ReportKind::Termly => "/reports/termly.csv",
    }
}

/// The report the viewer reads first (the nav's link): the monthly one for the people who
/// handle worries, the termly one for governors; `None` for everyone else.
pub fn first_report(viewer: &Viewer) -> Option<&'static str> {
    let roles = &viewer.person.roles;
    if !viewer.person.active {
        None
    } else if core::may_view(roles, ReportKind::Monthly) {
        Some(path(ReportKind::Monthly))
    } else if core::may_view(roles, ReportKind::Termly) {
        Some(path(ReportKind::Termly))
    } else {
        None
    }
}

/// Whether the viewer may read this report here.
pub fn may_view(site: &SiteState, viewer: &Viewer, kind: ReportKind) -> bool {
    viewer.person.active
        && viewer.person.org == site.org_id
        && core::may_view(&viewer.person.roles, kind)
}

fn hint(kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::Monthly => "Enter the month as year and month, like 2026-11",
        ReportKind::Termly => {
            "Enter the term as autumn, spring or summer and the year, like autumn-2026"
        }
    }
}

/// The period asked for, or the chooser with why it could not be read.
fn period_of(
    kind: ReportKind,
    query: &ReportQuery,
    now: DateTime<Utc>,
) -> (PeriodForm, Option<Period>) {
    let typed = query.period.clone().unwrap_or_default();
    let trimmed = typed.trim().to_lowercase();
    if trimmed.is_empty() {
        let p = Period::containing(kind, now);
        return (
            PeriodForm {
                kind,
                typed: p.as_param(),
                error: None,
            },
            Some(p),
        );
    }
    match Period::parse(kind, &trimmed) {
        Some(p) => (
            PeriodForm {
                kind,
                typed: p.as_param(),
                error: None,
            },
            Some(p),
        ),
        None => (
            PeriodForm {
                kind,
                typed,
                error: Some(hint(kind).to_string()),
            },
            None,
        ),
    }
}

/// Reads `viewer`'s report, logged with the round trips and time it took.
async fn read(
    site: &SiteState,
    viewer: &Viewer,
    period: Period,
    now: DateTime<Utc>,
) -> Result<Report, (Outcome, String)> {
    let started = std::time::Instant::now();
    match core::report(&site.store, &site.org_id, &viewer.person, period, now).await {
        Ok(r) => {
            tracing::info!(
                person_id = viewer.person.id,
                report = period.kind().as_str(),
                period = period.as_param(),
                reads = r.reads,
                worries = r.worries,
                ms = started.elapsed().as_millis() as u64,
                "safeguarding report made"
            );
            Ok(r)
        }
        Err(e) => {
            tracing::error!(error = %e, "the safeguarding report could not be made");
            Err((
                Outcome::Unavailable,
                "The report could not be made just now. Please try again in a minute.".into(),
            ))
        }
    }
}

fn refused() -> (Outcome, String) {
    (
        Outcome::Forbidden,
        "This report is for the people who handle safeguarding concerns. Governors and trustees read the termly report.".into(),
    )
}

/// The report page.
pub async fn report_page(
    site: &SiteState,
    viewer: &Viewer,
    kind: ReportKind,
    query: &ReportQuery,
    now: DateTime<Utc>,
) -> ReportScreen {
    let (form, period) = period_of(kind, query, now);
    if !may_view(site, viewer, kind) {
        return ReportScreen {
            form,
            result: Err(refused()),
        };
    }
    let Some(period) = period else {
        let message = form.error.clone().unwrap_or_default();
        return ReportScreen {
            form,
            result: Err((Outcome::Invalid, message)),
        };
    };
    let result = read(site, viewer, period, now).await.map(|report| {
        let mut kinds: Vec<(String, u64)> = report
            .by_kind
            .iter()
            .map(|(k, n)| (kind_label(site, k), *n))
            .collect();
        kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let here = Period::containing(kind, now);
        let at = |p: Period| format!("{}?period={}", path(kind), p.as_param());
        let other_kind = match kind {
            ReportKind::Monthly => ReportKind::Termly,
            ReportKind::Termly => ReportKind::Monthly,
        };
        let other = may_view(site, viewer, other_kind).then(|| {
            (
                path(other_kind).to_string(),
                match other_kind {
                    ReportKind::Monthly => "the monthly report",
                    ReportKind::Termly => "the termly report for governors",
                },
            )
        });
        ReportView {
            org_name: site.org.name.clone(),
            kinds,
            made_at: safety_core::dates::show_date_time(now),
            previous: at(period.previous()),
            next: (period != here && period.next().months()[0] <= here.months()[0])
                .then(|| at(period.next())),
            csv_href: format!("{}?period={}", csv_path(kind), period.as_param()),
            csv_file: period.file_name(),
            other,
            governor_only: !safety_core::roles::allows(
                &viewer.person.roles,
                safety_core::roles::Action::HandleWorries,
            ),
            report,
        }
    });
    ReportScreen { form, result }
}

/// The report's CSV: (file name, text), or why not.
pub async fn report_csv(
    site: &SiteState,
    viewer: &Viewer,
    kind: ReportKind,
    query: &ReportQuery,
    now: DateTime<Utc>,
) -> Result<(String, String), (Outcome, String)> {
    if !may_view(site, viewer, kind) {
        return Err(refused());
    }
    let (form, period) = period_of(kind, query, now);
    let Some(period) = period else {
        return Err((Outcome::Invalid, form.error.unwrap_or_default()));
    };
    let report = read(site, viewer, period, now).await?;
    Ok((
        period.file_name(),
        core::csv(&report, |k| kind_label(site, k)),
    ))
}
