//! Expiry arithmetic and how times are shown.
//!
//! Times are stored in UTC (RFC 3339, see [`crate::store::timestamp`]) and shown in UK time
//! (Europe/London). Without a time-zone database the UK rule is written out here: British
//! Summer Time (UTC+1) runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last
//! Sunday of October; the rest of the year is GMT (UTC+0).

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};

/// How long before an expiry an item is "expiring soon".
pub const EXPIRING_SOON_DAYS: i64 = 30;

/// The last day of a month.
fn last_day_of_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .map(|d| d.day())
        .unwrap_or(28)
}

/// `months` calendar months after `t`, at the same time of day (UTC). A day that does not exist
/// in the target month is clamped to its last day: 31 January + 1 month is the last day of
/// February, 29 February + 12 months is 28 February.
pub fn add_months(t: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    let date = t.date_naive();
    let total = date.year() as i64 * 12 + (date.month0() as i64) + months as i64;
    let year = total.div_euclid(12) as i32;
    let month = total.rem_euclid(12) as u32 + 1;
    let day = date.day().min(last_day_of_month(year, month));
    let new_date = NaiveDate::from_ymd_opt(year, month, day).expect("clamped day exists");
    Utc.from_utc_datetime(&new_date.and_time(t.time()))
}

/// The last Sunday of a month.
fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let last = NaiveDate::from_ymd_opt(year, month, last_day_of_month(year, month))
        .expect("last day exists");
    let back = last.weekday().num_days_from_sunday();
    last - Duration::days(back as i64)
}

/// Whether British Summer Time is in force at this instant.
pub fn is_bst(t: DateTime<Utc>) -> bool {
    let year = t.year();
    let start = Utc.from_utc_datetime(&last_sunday(year, 3).and_hms_opt(1, 0, 0).expect("01:00"));
    let end = Utc.from_utc_datetime(&last_sunday(year, 10).and_hms_opt(1, 0, 0).expect("01:00"));
    start <= t && t < end
}

/// The instant in UK local time.
pub fn to_london(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    let offset = if is_bst(t) { 3600 } else { 0 };
    t.with_timezone(&FixedOffset::east_opt(offset).expect("valid offset"))
}

/// A date as people in the UK read it: "28 February 2029".
pub fn show_date(t: DateTime<Utc>) -> String {
    to_london(t).format("%-d %B %Y").to_string()
}

/// A date and time in UK time, with the zone: "23 November 2026, 10:00 GMT".
pub fn show_date_time(t: DateTime<Utc>) -> String {
    let zone = if is_bst(t) { "BST" } else { "GMT" };
    format!("{}, {} {zone}", show_date(t), to_london(t).format("%H:%M"))
}

/// Whole days from `now` until `t` (negative when past), counted in UK calendar days.
pub fn days_until(now: DateTime<Utc>, t: DateTime<Utc>) -> i64 {
    (to_london(t).date_naive() - to_london(now).date_naive()).num_days()
}

/// Reads a stored timestamp.
pub fn parse(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        parse(s).unwrap()
    }

    #[test]
    fn leap_day_plus_twelve_months_is_the_28th_of_february() {
        assert_eq!(
            add_months(at("2028-02-29T10:15:00Z"), 12),
            at("2029-02-28T10:15:00Z")
        );
        // and back onto a leap year keeps the 29th only when it exists
        assert_eq!(
            add_months(at("2028-02-29T10:15:00Z"), 48),
            at("2032-02-29T10:15:00Z")
        );
    }

    #[test]
    fn month_ends_are_clamped() {
        assert_eq!(
            add_months(at("2027-01-31T08:00:00Z"), 1),
            at("2027-02-28T08:00:00Z")
        );
        assert_eq!(
            add_months(at("2028-01-31T08:00:00Z"), 1),
            at("2028-02-29T08:00:00Z")
        );
        assert_eq!(
            add_months(at("2026-08-31T08:00:00Z"), 1),
            at("2026-09-30T08:00:00Z")
        );
        assert_eq!(
            add_months(at("2026-11-30T23:59:59Z"), 3),
            at("2027-02-28T23:59:59Z")
        );
        assert_eq!(
            add_months(at("2026-12-15T00:00:00Z"), 12),
            at("2027-12-15T00:00:00Z")
        );
        assert_eq!(
            add_months(at("2026-12-15T00:00:00Z"), 0),
            at("2026-12-15T00:00:00Z")
        );
        assert_eq!(
            add_months(at("2026-12-15T00:00:00Z"), 25),
            at("2029-01-15T00:00:00Z")
        );
    }

    #[test]
    fn uk_summer_time_starts_and_ends_at_one_utc_on_the_last_sundays() {
        // 2026: 29 March and 25 October
        assert!(!is_bst(at("2026-03-29T00:59:59Z")));
        assert!(is_bst(at("2026-03-29T01:00:00Z")));
        assert!(is_bst(at("2026-10-25T00:59:59Z")));
        assert!(!is_bst(at("2026-10-25T01:00:00Z")));
        // 2027: 28 March and 31 October
        assert!(!is_bst(at("2027-03-27T12:00:00Z")));
        assert!(is_bst(at("2027-03-28T01:00:00Z")));
        assert!(is_bst(at("2027-10-31T00:30:00Z")));
        assert!(!is_bst(at("2027-10-31T01:30:00Z")));
        assert!(!is_bst(at("2026-01-10T12:00:00Z")));
        assert!(is_bst(at("2026-07-10T12:00:00Z")));
    }

    #[test]
    fn times_are_shown_in_london_time_across_the_changes() {
        assert_eq!(
            show_date_time(at("2026-11-23T10:00:00Z")),
            "23 November 2026, 10:00 GMT"
        );
        assert_eq!(
            show_date_time(at("2026-07-01T10:00:00Z")),
            "1 July 2026, 11:00 BST"
        );
        // 23:30 UTC on 30 April is already 1 May in London
        assert_eq!(show_date(at("2026-04-30T23:30:00Z")), "1 May 2026");
        assert_eq!(show_date(at("2026-12-31T23:30:00Z")), "31 December 2026");
        // the hour the clocks go forward and back
        assert_eq!(
            show_date_time(at("2026-03-29T00:59:00Z")),
            "29 March 2026, 00:59 GMT"
        );
        assert_eq!(
            show_date_time(at("2026-03-29T01:00:00Z")),
            "29 March 2026, 02:00 BST"
        );
        assert_eq!(
            show_date_time(at("2026-10-25T00:30:00Z")),
            "25 October 2026, 01:30 BST"
        );
        assert_eq!(
            show_date_time(at("2026-10-25T01:30:00Z")),
            "25 October 2026, 01:30 GMT"
        );
    }

    #[test]
    fn days_until_counts_uk_calendar_days() {
        let now = at("2026-06-30T22:30:00Z"); // 23:30 BST on 30 June
        assert_eq!(days_until(now, at("2026-06-30T23:30:00Z")), 1); // 00:30 BST 1 July
        assert_eq!(days_until(now, at("2026-06-29T12:00:00Z")), -1);
        assert_eq!(days_until(now, now), 0);
    }
}
