use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn a_child_protection_record_is_due_on_the_childs_25th_birthday() {
    let p = Retention::default();
    assert_eq!(
        due_on(
            Rule::ChildProtection,
            d("2026-03-01"),
            &[d("2010-05-17")],
            &p
        ),
        Some(d("2035-05-17"))
    );
    // Two children linked: the later birthday.
    assert_eq!(
        due_on(
            Rule::ChildProtection,
            d("2026-03-01"),
            &[d("2010-05-17"), d("2012-01-02")],
            &p
        ),
        Some(d("2037-01-02"))
    );
    // A leap-day birthday falls on 28 February in a year without one.
    assert_eq!(
        due_on(
            Rule::ChildProtection,
            d("2026-03-01"),
            &[d("2008-02-29")],
            &p
        ),
        Some(d("2033-02-28"))
    );
}

#[test]
fn without_a_date_of_birth_nothing_is_ever_due() {
    let p = Retention::default();
    assert_eq!(
        due_on(Rule::ChildProtection, d("1990-01-01"), &[], &p),
        None
    );
    assert_eq!(due_on(Rule::Allegation, d("1990-01-01"), &[], &p), None);
}

#[test]
fn an_allegation_is_kept_to_retirement_or_ten_years_whichever_is_later() {
    let p = Retention::default();
    // Born 1960: 67 in 2027, before 10 years from a 2026 allegation (2036).
    assert_eq!(
        due_on(Rule::Allegation, d("2026-06-01"), &[d("1960-04-10")], &p),
        Some(d("2036-06-01"))
    );
    // Born 1990: 67 in 2057, after 2036.
    assert_eq!(
        due_on(Rule::Allegation, d("2026-06-01"), &[d("1990-04-10")], &p),
        Some(d("2057-04-10"))
    );
}

#[test]
fn the_profiles_periods_are_used() {
    let p = Retention {
        child_protection_until_age: 30,
        allegation_years: 15,
        retirement_age: 60,
        low_level_years_after_leaving: 0,
    };
    assert_eq!(
        due_on(
            Rule::ChildProtection,
            d("2026-03-01"),
            &[d("2010-05-17")],
            &p
        ),
        Some(d("2040-05-17"))
    );
    assert_eq!(
        due_on(Rule::Allegation, d("2026-06-01"), &[d("1960-04-10")], &p),
        Some(d("2041-06-01"))
    );
}

#[test]
fn queues_have_their_rules_and_the_rules_say_so() {
    assert_eq!(Rule::of(Queue::Team), Rule::ChildProtection);
    for q in [Queue::Staff, Queue::Dsl, Queue::Head] {
        assert_eq!(Rule::of(q), Rule::Allegation);
    }
    let p = Retention::default();
    assert_eq!(
        Rule::ChildProtection.describe(&p),
        "Child protection record: kept until the child's 25th birthday"
    );
    assert!(Rule::Allegation.describe(&p).contains("67"));
    assert_eq!(ordinal(21), "21st");
    assert_eq!(ordinal(22), "22nd");
    assert_eq!(ordinal(13), "13th");
    for r in [Rule::ChildProtection, Rule::Allegation] {
        assert_eq!(Rule::parse(r.as_str()), Some(r));
    }
}
