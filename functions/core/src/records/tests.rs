use super::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
}

fn input(name: &str, dob: &str) -> DetailsInput {
    DetailsInput {
        name: name.into(),
        date_of_birth: dob.into(),
        group: "  Year   8 ".into(),
        note: String::new(),
    }
}

#[test]
fn names_are_found_by_the_start_of_any_word() {
    assert_eq!(
        name_words("Amira O'Neil-Smith"),
        ["amira", "oneil", "smith"]
    );
    assert_eq!(name_words("  ÉLODIE  élodie "), ["élodie"]);
    let typed = name_words("smi AM");
    assert!(name_matches("Amira O'Neil-Smith", &typed));
    assert!(!name_matches("Amira Jones", &typed));
    assert!(name_matches("Sam O’Neil", &name_words("oneil")));
    assert!(name_words("--- ''").is_empty());
}

#[test]
fn details_are_checked_and_every_problem_is_named() {
    let ok = input("  Kai   Brown ", "2013-05-01")
        .validate(today())
        .unwrap();
    assert_eq!(ok.name, "Kai Brown");
    assert_eq!(ok.group.as_deref(), Some("Year 8"));
    assert_eq!(ok.date_of_birth, NaiveDate::from_ymd_opt(2013, 5, 1));
    assert_eq!(ok.note, None);
    let errors = input("", "2030-01-01").validate(today()).unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
    assert_eq!(fields, ["name", "date_of_birth"]);
    let errors = input("---", "31/02/2013").validate(today()).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    let mut long = input("Kai", "");
    long.note = "x".repeat(MAX_NOTE_CHARS + 1);
    long.group = "g".repeat(MAX_GROUP_CHARS + 1);
    let fields: Vec<&str> = long
        .validate(today())
        .unwrap_err()
        .iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(fields, ["group", "note"]);
}
