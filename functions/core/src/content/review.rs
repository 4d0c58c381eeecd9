//! Policy review: every module, AUP and guide carries `next_review` (YYYY-MM-DD) in its front
//! matter; this lists what is overdue or due soon, for the DSL's dashboard. Quizzes are left out:
//! each is reviewed with its module.

use super::{Kind, Library};
use chrono::NaiveDate;

/// One page whose review is due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewItem {
    pub kind: Kind,
    pub id: String,
    pub title: String,
    pub version: String,
    /// The file, relative to `content/` (where to edit it).
    pub file: String,
    pub last_reviewed: NaiveDate,
    pub next_review: NaiveDate,
    /// The review date has passed.
    pub overdue: bool,
    /// Days from `today` to `next_review`: negative when overdue, 0 when due today.
    pub days: i64,
}

/// The modules, AUPs and guides whose `next_review` is before `today` (overdue) or within
/// `within_days` of it, soonest (most overdue) first; ties by kind and id.
pub fn due_for_review(library: &Library, today: NaiveDate, within_days: i64) -> Vec<ReviewItem> {
    let mut out: Vec<ReviewItem> = library
        .pages
        .iter()
        .filter(|p| matches!(p.kind, Kind::Module | Kind::Aup | Kind::Guide))
        .filter_map(|p| {
            let days = (p.next_review - today).num_days();
            (days <= within_days).then(|| ReviewItem {
                kind: p.kind,
                id: p.id.clone(),
                title: p.title.clone(),
                version: p.version.clone(),
                file: p.file.clone(),
                last_reviewed: p.last_reviewed,
                next_review: p.next_review,
                overdue: days < 0,
                days,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (a.next_review, format!("{:?}", a.kind), &a.id).cmp(&(
            b.next_review,
            format!("{:?}", b.kind),
            &b.id,
        ))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The working tree's content, read at run time: the embedded copy comes from a build
    /// script whose output a shared target directory may hold from another checkout.
    fn lib() -> Library {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
        crate::content::load_dir(&dir).unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_reviews_overdue_in_november_2026_were_done_and_the_next_one_is_filtering_in_september_2027()
     {
        let library = lib();
        // Reviewed on 5 December 2026 (filtering and monitoring, the gaming guide): nothing is
        // overdue that day, and the next is filtering and monitoring, after the September
        // KCSIE update.
        assert_eq!(due_for_review(&library, date("2026-12-05"), 0), []);
        let next = due_for_review(&library, date("2027-09-01"), 0);
        let ids: Vec<(&str, bool, i64)> = next
            .iter()
            .map(|r| (r.id.as_str(), r.overdue, r.days))
            .collect();
        assert_eq!(ids, [("staff-filtering-and-monitoring", false, 0)]);
        assert_eq!(next[0].kind, Kind::Module);
        assert_eq!(
            next[0].file,
            "modules/staff/staff-filtering-and-monitoring.md"
        );
        assert_eq!(next[0].last_reviewed, date("2026-12-05"));
    }

    #[test]
    fn within_days_adds_what_is_due_soon_sorted_by_date_and_never_quizzes() {
        let library = lib();
        let soon = due_for_review(&library, date("2027-11-01"), 30);
        assert!(soon.len() > 2);
        assert!(soon.iter().all(|r| r.kind != Kind::Quiz));
        assert!(
            soon.windows(2)
                .all(|w| w[0].next_review <= w[1].next_review)
        );
        let due_today = soon
            .iter()
            .find(|r| r.id == "staff-aup")
            .expect("the staff AUP is due on 23 November 2027");
        assert_eq!((due_today.overdue, due_today.days), (false, 22));
        // a day after: overdue by one day, and a day before nothing of it shows with 0 days
        let after = due_for_review(&library, date("2027-11-24"), 0);
        let aup = after.iter().find(|r| r.id == "staff-aup").unwrap();
        assert_eq!((aup.overdue, aup.days), (true, -1));
        let on_the_day = due_for_review(&library, date("2027-11-23"), 0);
        let aup = on_the_day.iter().find(|r| r.id == "staff-aup").unwrap();
        assert_eq!((aup.overdue, aup.days), (false, 0));
        assert!(
            !due_for_review(&library, date("2027-11-22"), 0)
                .iter()
                .any(|r| r.id == "staff-aup")
        );
    }
}
