//! The safeguarding reports: a monthly one for leaders and a termly one for governors. Counts
//! and trends of the worries sent in the period (by kind, urgency, queue, status, outcome and
//! how long they have been open), the time to acknowledge them (median and 90th percentile),
//! and referrals by agency, with the twelve months up to the period's end. Never a name, a
//! worry's words or anything that leads to one worry.
//!
//! **Who reads which worries' numbers.** A count can reveal a worry to the person it is about
//! (the head reading "1 worry about the head" learns of it). So a reader's report counts only
//! the worries routed to them ([`crate::routing::Route::may_read`], the rule of the inbox),
//! and the page names the queues left out. A governor is not a routed reader: a governor's
//! report counts the team and staff queues only, never the DSL's or the head's, and never a
//! worry about them; a governor who also holds a role that reads more (the chair) counts what
//! that role may read too ([`counts_for`]).
//!
//! **Who reads which report.** The monthly report is for the people who handle worries (the
//! DSL, deputies, the allegations lead and the chair: the adult service seed's "monthly
//! safeguarding log reviewed by leaders"). The administrator is not: setting people up is not a
//! safeguarding role, and no worry is routed to them, so their report would be empty. The
//! termly report is for them and for governors or trustees (who oversee, per the seeds): a
//! term's numbers are less likely to point at one child than a month's.
//!
//! **Periods.** Months are UK calendar months. Terms are a fixed three-term calendar: autumn is
//! September to December, spring January to March, summer April to August (the summer holiday
//! is counted with the summer term, so every month belongs to one term). An organisation's own
//! term dates are not used.
//!
//! **What each number is about.** Every number counts the worries *sent* in the period, as
//! they stand now: a worry sent in March and closed in May counts as closed in March's report
//! (and a referral made in May on it counts in March). "Age" is how long a worry has been
//! open: until it was closed, or until now (the platform does not know a sender's age).
//! Percentiles are nearest-rank: the median of 4 durations is the 2nd smallest, the 90th
//! percentile of 10 is the 9th.
//!
//! **Cost.** The numbers come from the worries' report entries
//! ([`crate::worry::report_entry`], written with each worry), one partition per month: a
//! report reads twelve partitions (the trend), each a query per 1 MB (a few hundred bytes per
//! worry), and no worry item.

#[cfg(test)]
mod tests;

use crate::export::csv::CsvWriter;
use crate::identity::Person;
use crate::keys;
use crate::org::OrgId;
use crate::roles::{self, Action, Role};
use crate::routing::{Queue, Route};
use crate::store::{Query, Store, StoreError};
use crate::worry::case::{Outcome, ReferralTo};
use crate::worry::report_entry::ReportEntryRecord;
use crate::worry::{Status, Urgency};
use chrono::{DateTime, Datelike, Utc};

/// How many months the trend shows, up to the period's last month.
pub const TREND_MONTHS: usize = 12;

/// A school term of the fixed calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Term {
    Spring,
    Summer,
    Autumn,
}

impl Term {
    pub const ALL: [Term; 3] = [Term::Spring, Term::Summer, Term::Autumn];

    pub fn as_str(self) -> &'static str {
        match self {
            Term::Spring => "spring",
            Term::Summer => "summer",
            Term::Autumn => "autumn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Term::Spring => "Spring term",
            Term::Summer => "Summer term",
            Term::Autumn => "Autumn term",
        }
    }

    /// Its months (1 to 12).
    pub fn months(self) -> std::ops::RangeInclusive<u32> {
        match self {
            Term::Spring => 1..=3,
            Term::Summer => 4..=8,
            Term::Autumn => 9..=12,
        }
    }

    /// The term a month (1 to 12) belongs to.
    pub fn of_month(month: u32) -> Term {
        Term::ALL
            .into_iter()
            .find(|t| t.months().contains(&month))
            .unwrap_or(Term::Autumn)
    }
}

/// Which report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportKind {
    Monthly,
    Termly,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Monthly => "monthly",
            ReportKind::Termly => "termly",
        }
    }
}

/// The period a report covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Month { year: i32, month: u32 },
    Term { year: i32, term: Term },
}

/// The earliest and latest years a period may name.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

impl Period {
    /// The period of this kind that `now` (UK time) is in.
    pub fn containing(kind: ReportKind, now: DateTime<Utc>) -> Period {
        let local = crate::dates::to_london(now);
        let (year, month) = (local.year(), local.month());
        match kind {
            ReportKind::Monthly => Period::Month { year, month },
            ReportKind::Termly => Period::Term {
                year,
                term: Term::of_month(month),
            },
        }
    }

    pub fn kind(self) -> ReportKind {
        match self {
            Period::Month { .. } => ReportKind::Monthly,
            Period::Term { .. } => ReportKind::Termly,
        }
    }

    /// Reads a month (`2026-11`) or a term (`autumn-2026`); `None` for anything else.
    pub fn parse(kind: ReportKind, s: &str) -> Option<Period> {
        let s = s.trim();
        let period = match kind {
            ReportKind::Monthly => {
                let (y, m) = s.split_once('-')?;
                if y.len() != 4 || m.len() != 2 {
                    return None;
                }
                let (year, month): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
                if !(1..=12).contains(&month) {
                    return None;
                }
                Period::Month { year, month }
            }
            ReportKind::Termly => {
                let (t, y) = s.split_once('-')?;
                let term = Term::ALL.into_iter().find(|x| x.as_str() == t)?;
                if y.len() != 4 {
                    return None;
                }
                Period::Term {
                    year: y.parse().ok()?,
                    term,
                }
            }
        };
        YEARS.contains(&period.year()).then_some(period)
    }

    fn year(self) -> i32 {
        match self {
            Period::Month { year, .. } | Period::Term { year, .. } => year,
        }
    }

    /// How it is written in an address: `2026-11`, `autumn-2026`.
    pub fn as_param(self) -> String {
        match self {
            Period::Month { year, month } => format!("{year:04}-{month:02}"),
            Period::Term { year, term } => format!("{}-{year:04}", term.as_str()),
        }
    }

    /// How people read it: "November 2026", "Autumn term 2026 (September to December)".
    pub fn label(self) -> String {
        match self {
            Period::Month { year, month } => format!("{} {year}", month_name(month)),
            Period::Term { year, term } => {
                let months = term.months();
                format!(
                    "{} {year} ({} to {})",
                    term.label(),
                    month_name(*months.start()),
                    month_name(*months.end())
                )
            }
        }
    }

    /// Its months, in order, as `(year, month)`.
    pub fn months(self) -> Vec<(i32, u32)> {
        match self {
            Period::Month { year, month } => vec![(year, month)],
            Period::Term { year, term } => term.months().map(|m| (year, m)).collect(),
        }
    }

    /// The period before it.
    pub fn previous(self) -> Period {
        match self {
            Period::Month { year, month: 1 } => Period::Month {
                year: year - 1,
                month: 12,
            },
            Period::Month { year, month } => Period::Month {
                year,
                month: month - 1,
            },
            Period::Term { year, term } => match term {
                Term::Spring => Period::Term {
                    year: year - 1,
                    term: Term::Autumn,
                },
                Term::Summer => Period::Term {
                    year,
                    term: Term::Spring,
                },
                Term::Autumn => Period::Term {
                    year,
                    term: Term::Summer,
                },
            },
        }
    }

    /// The period after it.
    pub fn next(self) -> Period {
        match self {
            Period::Month { year, month: 12 } => Period::Month {
                year: year + 1,
                month: 1,
            },
            Period::Month { year, month } => Period::Month {
                year,
                month: month + 1,
            },
            Period::Term { year, term } => match term {
                Term::Spring => Period::Term {
                    year,
                    term: Term::Summer,
                },
                Term::Summer => Period::Term {
                    year,
                    term: Term::Autumn,
                },
                Term::Autumn => Period::Term {
                    year: year + 1,
                    term: Term::Spring,
                },
            },
        }
    }

    /// The [`TREND_MONTHS`] months up to and including the period's last month, oldest first.
    pub fn trend_months(self) -> Vec<(i32, u32)> {
        let (y, m) = *self.months().last().expect("a period has a month");
        let last = y as i64 * 12 + (m as i64 - 1);
        (0..TREND_MONTHS as i64)
            .rev()
            .map(|back| {
                let n = last - back;
                (n.div_euclid(12) as i32, n.rem_euclid(12) as u32 + 1)
            })
            .collect()
    }

    /// A safe file name for its CSV: `safeguarding-report-2026-11.csv`.
    pub fn file_name(self) -> String {
        format!("safeguarding-report-{}.csv", self.as_param())
    }
}

fn month_name(month: u32) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES[(month.clamp(1, 12) - 1) as usize]
}

/// `2026-11`: the month's partition name.
fn month_key((year, month): (i32, u32)) -> String {
    format!("{year:04}-{month:02}")
}

/// A short label of a month for a chart: "Nov 2026".
pub fn month_short((year, month): (i32, u32)) -> String {
    format!("{} {year}", &month_name(month)[..3])
}

/// Whether someone holding these roles may read a report of this kind.
pub fn may_view(roles: &[Role], kind: ReportKind) -> bool {
    roles::allows(roles, Action::ViewReports)
        && match kind {
            ReportKind::Monthly => roles::allows(roles, Action::HandleWorries),
            ReportKind::Termly => true,
        }
}

/// The queues a governor's report counts (when the governor reads no queue by another role).
pub const GOVERNOR_QUEUES: [Queue; 2] = [Queue::Team, Queue::Staff];

/// Whether a worry routed this way is counted in `reader`'s report: routed to them, or, for a
/// governor, in the team or staff queue and not about them.
pub fn counts_for(reader: &Person, route: &Route) -> bool {
    if route.may_read(reader) {
        return true;
    }
    reader.active
        && reader.roles.contains(&Role::Governor)
        && GOVERNOR_QUEUES.contains(&route.queue)
        && !route.excluded.iter().any(|e| e == &reader.id)
        && !reader.roles.iter().any(|r| route.concerned.contains(r))
}

/// The queues whose worries a person holding `roles` may have counted in their report.
pub fn queues_counted(roles: &[Role]) -> Vec<Queue> {
    Queue::ALL
        .into_iter()
        .filter(|q| {
            q.readers().iter().any(|r| roles.contains(r))
                || (roles.contains(&Role::Governor) && GOVERNOR_QUEUES.contains(q))
        })
        .collect()
}

/// How long a worry has been open: until it was closed, or until the report was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgeBand {
    UnderADay,
    UpToAWeek,
    UpToFourWeeks,
    Longer,
}

impl AgeBand {
    pub const ALL: [AgeBand; 4] = [
        AgeBand::UnderADay,
        AgeBand::UpToAWeek,
        AgeBand::UpToFourWeeks,
        AgeBand::Longer,
    ];

    pub fn of(seconds: i64) -> AgeBand {
        const DAY: i64 = 24 * 3600;
        if seconds < DAY {
            AgeBand::UnderADay
        } else if seconds < 7 * DAY {
            AgeBand::UpToAWeek
        } else if seconds < 28 * DAY {
            AgeBand::UpToFourWeeks
        } else {
            AgeBand::Longer
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AgeBand::UnderADay => "Less than a day",
            AgeBand::UpToAWeek => "1 to 7 days",
            AgeBand::UpToFourWeeks => "1 to 4 weeks",
            AgeBand::Longer => "More than 4 weeks",
        }
    }
}

/// One month of the trend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthRow {
    pub year: i32,
    pub month: u32,
    pub worries: u64,
    pub urgent: u64,
    pub referrals: u64,
    pub acknowledged: u64,
    pub ack_median_secs: Option<i64>,
}

/// A report: every number of one reader's view of one period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub period: Period,
    /// The queues whose worries are counted, and those left out for this reader.
    pub counted_queues: Vec<Queue>,
    pub left_out_queues: Vec<Queue>,
    pub worries: u64,
    /// By kind id, most first (then by id); kinds with none are not listed.
    pub by_kind: Vec<(String, u64)>,
    pub by_urgency: Vec<(Urgency, u64)>,
    /// The counted queues only.
    pub by_queue: Vec<(Queue, u64)>,
    pub by_status: Vec<(Status, u64)>,
    /// The closed worries by outcome.
    pub by_outcome: Vec<(Outcome, u64)>,
    pub by_age: Vec<(AgeBand, u64)>,
    /// Worries with a recorded acknowledgement time (the first move out of "new").
    pub acknowledged: u64,
    pub ack_median_secs: Option<i64>,
    pub ack_p90_secs: Option<i64>,
    pub referrals: Vec<(ReferralTo, u64)>,
    pub trend: Vec<MonthRow>,
    /// Store round trips the report took (for the logs and the benchmark).
    pub reads: usize,
}

impl Report {
    pub fn referrals_total(&self) -> u64 {
        self.referrals.iter().map(|(_, n)| n).sum()
    }
}

/// The `p`th percentile (0 < p <= 100) of sorted values, nearest rank.
pub fn nearest_rank(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p as usize * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Reads the report entries of one month (every page of the partition).
async fn month_entries<S: Store>(
    store: &S,
    org: &OrgId,
    month: (i32, u32),
    reads: &mut usize,
) -> Result<Vec<ReportEntryRecord>, ReportError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::partition(keys::report_month(org, &month_key(month)))
                    .limit(1000)
                    .after(cursor),
            )
            .await?;
        *reads += 1;
        for item in &page.items {
            let entry: ReportEntryRecord = crate::store::record::from_item(item)
                .map_err(|e| ReportError::Corrupt(e.to_string()))?;
            out.push(entry);
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored report entry could not be read: {0}")]
    Corrupt(String),
}

/// `reader`'s report of `period`, made at `now`: counts only the worries [`counts_for`] them.
/// The caller checks [`may_view`] first.
pub async fn report<S: Store>(
    store: &S,
    org: &OrgId,
    reader: &Person,
    period: Period,
    now: DateTime<Utc>,
) -> Result<Report, ReportError> {
    let mut reads = 0;
    let in_period = period.months();
    let mut counted: Vec<ReportEntryRecord> = Vec::new();
    let mut trend = Vec::new();
    for month in period.trend_months() {
        let entries: Vec<ReportEntryRecord> = month_entries(store, org, month, &mut reads)
            .await?
            .into_iter()
            .filter(|e| counts_for(reader, &Route::from(e.state.route.clone())))
            .collect();
        let mut acks: Vec<i64> = entries.iter().filter_map(ack_secs).collect();
        acks.sort_unstable();
        trend.push(MonthRow {
            year: month.0,
            month: month.1,
            worries: entries.len() as u64,
            urgent: entries
                .iter()
                .filter(|e| e.state.urgency == Urgency::Urgent)
                .count() as u64,
            referrals: entries
                .iter()
                .flat_map(|e| e.referrals().map(|(_, n)| n.max(0) as u64))
                .sum(),
            acknowledged: acks.len() as u64,
            ack_median_secs: nearest_rank(&acks, 50),
        });
        if in_period.contains(&month) {
            counted.extend(entries);
        }
    }
    // The trend ends with the period and is longer than a term: every month of the period
    // was read above.
    debug_assert!(in_period.iter().all(|m| period.trend_months().contains(m)));
    Ok(summarise(
        period,
        &reader.roles,
        &counted,
        trend,
        reads,
        now,
    ))
}

fn ack_secs(e: &ReportEntryRecord) -> Option<i64> {
    e.acknowledged_at
        .map(|a| (a - e.state.created_at).num_seconds().max(0))
}

fn count_by<T: Copy + PartialEq>(all: &[T], of: impl Iterator<Item = T>) -> Vec<(T, u64)> {
    let of: Vec<T> = of.collect();
    all.iter()
        .map(|t| (*t, of.iter().filter(|x| *x == t).count() as u64))
        .collect()
}

/// The report's numbers from the entries it counts.
pub fn summarise(
    period: Period,
    roles: &[Role],
    entries: &[ReportEntryRecord],
    trend: Vec<MonthRow>,
    reads: usize,
    now: DateTime<Utc>,
) -> Report {
    let counted_queues = queues_counted(roles);
    let left_out_queues = Queue::ALL
        .into_iter()
        .filter(|q| !counted_queues.contains(q))
        .collect();
    let mut kinds: Vec<(String, u64)> = Vec::new();
    for e in entries {
        match kinds.iter_mut().find(|(k, _)| *k == e.state.kind) {
            Some((_, n)) => *n += 1,
            None => kinds.push((e.state.kind.clone(), 1)),
        }
    }
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut acks: Vec<i64> = entries.iter().filter_map(ack_secs).collect();
    acks.sort_unstable();
    let by_queue = count_by(&counted_queues, entries.iter().map(|e| e.state.route.queue));
    let closed: Vec<&ReportEntryRecord> = entries
        .iter()
        .filter(|e| e.state.status == Status::Closed)
        .collect();
    let by_outcome = count_by(
        &Outcome::ALL,
        closed
            .iter()
            .filter_map(|e| e.outcome.as_deref().and_then(Outcome::parse)),
    );
    let by_age = count_by(
        &AgeBand::ALL,
        entries.iter().map(|e| {
            let end = match (e.state.status, e.closed_at) {
                (Status::Closed, Some(at)) => at,
                _ => now,
            };
            AgeBand::of((end - e.state.created_at).num_seconds().max(0))
        }),
    );
    let referrals = ReferralTo::ALL
        .into_iter()
        .map(|to| {
            let n: i64 = entries
                .iter()
                .flat_map(|e| e.referrals())
                .filter(|(agency, _)| *agency == to.as_str())
                .map(|(_, n)| n.max(0))
                .sum();
            (to, n as u64)
        })
        .collect();
    Report {
        period,
        counted_queues,
        left_out_queues,
        worries: entries.len() as u64,
        by_kind: kinds,
        by_urgency: count_by(&Urgency::ALL, entries.iter().map(|e| e.state.urgency)),
        by_queue,
        by_status: count_by(&Status::ALL, entries.iter().map(|e| e.state.status)),
        by_outcome,
        by_age,
        acknowledged: acks.len() as u64,
        ack_median_secs: nearest_rank(&acks, 50),
        ack_p90_secs: nearest_rank(&acks, 90),
        referrals,
        trend,
        reads,
    }
}

/// A duration as people read it: "45 minutes", "3 hours 5 minutes", "2 days 4 hours".
pub fn show_duration(secs: i64) -> String {
    let mins = secs / 60;
    let plural = |n: i64, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    if mins < 60 {
        if secs < 60 {
            return plural(secs, "second");
        }
        return plural(mins, "minute");
    }
    let (hours, mins) = (mins / 60, mins % 60);
    if hours < 24 {
        return match mins {
            0 => plural(hours, "hour"),
            m => format!("{} {}", plural(hours, "hour"), plural(m, "minute")),
        };
    }
    let (days, hours) = (hours / 24, hours % 24);
    match hours {
        0 => plural(days, "day"),
        h => format!("{} {}", plural(days, "day"), plural(h, "hour")),
    }
}

/// The report's numbers as CSV (`section,item,value`), the same as the page shows;
/// `kind_label` names a kind of worry by its id. Durations are in seconds.
pub fn csv(report: &Report, kind_label: impl Fn(&str) -> String) -> String {
    let mut w = CsvWriter::with_bom();
    let mut row = |section: &str, item: &str, value: String| {
        w.record(&[section, item, value.as_str()]);
    };
    let opt = |v: Option<i64>| v.map(|s| s.to_string()).unwrap_or_default();
    row("section", "item", "value".into());
    row("period", &report.period.label(), String::new());
    for q in &report.counted_queues {
        row("queue counted", q.label(), String::new());
    }
    for q in &report.left_out_queues {
        row("queue not counted", q.label(), String::new());
    }
    row("worries", "Worries sent", report.worries.to_string());
    for (k, n) in &report.by_kind {
        row("kind", &kind_label(k), n.to_string());
    }
    for (u, n) in &report.by_urgency {
        row("urgency", u.label(), n.to_string());
    }
    for (q, n) in &report.by_queue {
        row("queue", q.label(), n.to_string());
    }
    for (s, n) in &report.by_status {
        row("status now", s.label(), n.to_string());
    }
    for (o, n) in &report.by_outcome {
        row("outcome", o.label(), n.to_string());
    }
    for (a, n) in &report.by_age {
        row("time open", a.label(), n.to_string());
    }
    row(
        "time to acknowledge",
        "Worries acknowledged",
        report.acknowledged.to_string(),
    );
    row(
        "time to acknowledge",
        "Median (seconds)",
        opt(report.ack_median_secs),
    );
    row(
        "time to acknowledge",
        "90th percentile (seconds)",
        opt(report.ack_p90_secs),
    );
    for (r, n) in &report.referrals {
        row("referrals", r.label(), n.to_string());
    }
    for m in &report.trend {
        let month = month_key((m.year, m.month));
        row("trend worries", &month, m.worries.to_string());
        row("trend urgent", &month, m.urgent.to_string());
        row("trend referrals", &month, m.referrals.to_string());
        row("trend acknowledged", &month, m.acknowledged.to_string());
        row(
            "trend median time to acknowledge (seconds)",
            &month,
            opt(m.ack_median_secs),
        );
    }
    w.finish()
}
