//! The staff concern form ("logging a concern"): what a member of staff saw or was told about a
//! child, with the fields the training company's seed policy asks for (who, when, where, the
//! child's own words, what the member of staff did, who else was present). It is a worry like
//! any other: signed by the staff member's account (never anonymous), routed by the same rules
//! ([`crate::routing`]) and delivered by the same notifications, through [`super::submit_from`]
//! with the checked report in [`super::Submission::staff_report`]; the report is stored in the
//! worry's record ([`super::records::WorryRecord::staff_report`]) and its readers see it field by
//! field.
//!
//! The child's own words are kept exactly as typed: nothing is trimmed or rewritten (only the
//! browser's CRLF line breaks become LF, which is how every other text is stored), so what the
//! DSL reads, and what may later be given to children's services or the police, is what the
//! child said.

use super::{Urgency, WorryInput, check_text, normalise_text};
use crate::roles::Role;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// The worry kind a staff report is filed under (`content/worries.toml`).
pub const KIND: &str = "other";
/// The longest child's name or group, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest "where", in characters.
pub const MAX_PLACE_CHARS: usize = 300;
/// The longest child's words, in characters.
pub const MAX_WORDS_CHARS: usize = 3_500;
/// The longest "what you saw" or "what you did", in characters.
pub const MAX_ACCOUNT_CHARS: usize = 2_500;
/// The longest "who else was present", in characters.
pub const MAX_PRESENT_CHARS: usize = 500;

/// Who may send the staff concern form (and record a low-level concern): people who work or
/// volunteer here, the safeguarding roles and administrators included; not learners or parents
/// alone (they have the worry form).
pub fn is_staff(roles: &[Role]) -> bool {
    roles.iter().any(|r| {
        matches!(
            r,
            Role::Staff
                | Role::Dsl
                | Role::DeputyDsl
                | Role::AllegationsLead
                | Role::Chair
                | Role::Admin
        )
    })
}

/// The form as typed (every field a string; the checkboxes and radios `None` when not chosen).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StaffReportInput {
    pub child_name: String,
    pub child_group: String,
    /// `YYYY-MM-DD` (an `<input type="date">`).
    pub date: String,
    /// `HH:MM`, optional.
    pub time: String,
    /// "yes": the member of staff is not sure when it happened.
    pub when_unsure: Option<String>,
    pub place: String,
    pub child_words: String,
    pub noticed: String,
    pub did: String,
    pub present: String,
    /// "yes" or "no".
    pub danger: Option<String>,
    /// An [`crate::routing::Involves`] name.
    pub involves: Option<String>,
}

/// A checked report, as stored in the worry's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffReport {
    pub child_name: String,
    #[serde(default)]
    pub child_group: String,
    /// When it happened (`None` when not sure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<NaiveTime>,
    pub place: String,
    /// Exactly as typed (line breaks as LF); empty when the child said nothing.
    #[serde(default)]
    pub child_words: String,
    #[serde(default)]
    pub noticed: String,
    pub did: String,
    #[serde(default)]
    pub present: String,
    pub danger: bool,
}

/// One field that was refused and why (the GOV.UK error summary links each to its field).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The form field's name (its input's id).
    pub field: &'static str,
    pub message: String,
}

fn error(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// Required free text: normalised like a worry's text.
fn required(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    value: &str,
    max: usize,
    missing: &str,
    what: &str,
) -> String {
    match check_text(value, max) {
        Ok(t) => t,
        Err(super::WorryError::TooLong { chars, max }) => {
            errors.push(error(
                field,
                format!("{what} is {chars} characters long. Please shorten it to {max} characters or fewer."),
            ));
            String::new()
        }
        Err(_) => {
            errors.push(error(field, missing));
            String::new()
        }
    }
}

/// Optional free text: normalised, empty allowed.
fn optional(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    value: &str,
    max: usize,
    what: &str,
) -> String {
    let text = normalise_text(value);
    let chars = text.chars().count();
    if chars > max {
        errors.push(error(
            field,
            format!(
                "{what} is {chars} characters long. Please shorten it to {max} characters or fewer."
            ),
        ));
    }
    text
}

/// The child's words exactly as typed, with only the line breaks made LF; empty when nothing
/// but blank space was typed.
pub fn exact_words(typed: &str) -> String {
    let words = typed.replace("\r\n", "\n").replace('\r', "\n");
    if words.trim().is_empty() {
        String::new()
    } else {
        words
    }
}

impl StaffReportInput {
    /// Checks every field at once (each problem is reported, in the form's order). `now`: a
    /// date after today (UK time) is refused.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<StaffReport, Vec<FieldError>> {
        let mut errors = Vec::new();
        let child_name = required(
            &mut errors,
            "child_name",
            &self.child_name,
            MAX_NAME_CHARS,
            "Enter the child's name.",
            "The child's name",
        );
        let child_group = optional(
            &mut errors,
            "child_group",
            &self.child_group,
            MAX_NAME_CHARS,
            "The group or class",
        );
        let unsure = self.when_unsure.as_deref() == Some("yes");
        let (mut date, mut time) = (None, None);
        let typed_date = self.date.trim();
        let typed_time = self.time.trim();
        if !typed_date.is_empty() {
            match NaiveDate::parse_from_str(typed_date, "%Y-%m-%d") {
                Ok(d) if d > crate::dates::to_london(now).date_naive() => errors.push(error(
                    "date",
                    "The date it happened must be today or in the past.",
                )),
                Ok(d) => date = Some(d),
                Err(_) => errors.push(error(
                    "date",
                    "Enter the date it happened as a real date, for example 27 3 2026, or tick \"I'm not sure when\".",
                )),
            }
        } else if !unsure {
            errors.push(error(
                "date",
                "Enter the date it happened, or tick \"I'm not sure when\".",
            ));
        }
        if !typed_time.is_empty() {
            match NaiveTime::parse_from_str(typed_time, "%H:%M") {
                Ok(t) => time = Some(t),
                Err(_) => errors.push(error(
                    "time",
                    "Enter the time as hours and minutes, for example 14:30, or leave it empty.",
                )),
            }
        }
        if unsure {
            // "Not sure" wins over a half-remembered date: nothing is recorded as certain.
            date = None;
            time = None;
        }
        let place = required(
            &mut errors,
            "place",
            &self.place,
            MAX_PLACE_CHARS,
            "Enter where it happened (or where you were told), for example \"the IT suite\" or \"online, in a group chat\".",
            "Where it happened",
        );
        let child_words = exact_words(&self.child_words);
        let words_chars = child_words.chars().count();
        if words_chars > MAX_WORDS_CHARS {
            errors.push(error(
                "child_words",
                format!("The child's words are {words_chars} characters long. Please shorten them to {MAX_WORDS_CHARS} characters or fewer, and put the rest under what you saw or noticed."),
            ));
        }
        let noticed = optional(
            &mut errors,
            "noticed",
            &self.noticed,
            MAX_ACCOUNT_CHARS,
            "What you saw or noticed",
        );
        if child_words.is_empty()
            && noticed.is_empty()
            && !errors.iter().any(|e| e.field == "noticed")
        {
            errors.push(error(
                "child_words",
                "Write what the child said in their own words, or what you saw or noticed (or both).",
            ));
        }
        let did = required(
            &mut errors,
            "did",
            &self.did,
            MAX_ACCOUNT_CHARS,
            "Write what you did and said, even if it was only to listen.",
            "What you did",
        );
        let present = optional(
            &mut errors,
            "present",
            &self.present,
            MAX_PRESENT_CHARS,
            "Who else was present",
        );
        let danger = match self.danger.as_deref() {
            Some("yes") => Some(true),
            Some("no") => Some(false),
            _ => {
                errors.push(error(
                    "danger",
                    "Say whether anyone is in immediate danger.",
                ));
                None
            }
        };
        if self
            .involves
            .as_deref()
            .and_then(crate::routing::Involves::parse)
            .is_none()
        {
            errors.push(error(
                "involves",
                "Say whether a member of staff, a volunteer or the DSL is involved. If you are not sure, choose \"I'm not sure\".",
            ));
        }
        match (errors.is_empty(), danger) {
            (true, Some(danger)) => Ok(StaffReport {
                child_name,
                child_group,
                date,
                time,
                place,
                child_words,
                noticed,
                did,
                present,
                danger,
            }),
            _ => Err(errors),
        }
    }
}

impl StaffReport {
    /// When it happened, for people ("27 March 2026 at 14:30", "Not sure").
    pub fn when(&self) -> String {
        match (self.date, self.time) {
            (None, _) => "Not sure".into(),
            (Some(d), None) => d.format("%-d %B %Y").to_string(),
            (Some(d), Some(t)) => format!("{} at {}", d.format("%-d %B %Y"), t.format("%H:%M")),
        }
    }

    /// The worry this report is sent as: its text is the whole report in words (so every list,
    /// export and record that reads a worry's text has all of it), urgent when someone is in
    /// immediate danger.
    pub fn worry_input(&self, involves: &str) -> WorryInput {
        let mut text = format!("Staff concern about {}", self.child_name);
        if !self.child_group.is_empty() {
            text.push_str(&format!(" ({})", self.child_group));
        }
        text.push_str(&format!("\nWhen: {}\nWhere: {}\n", self.when(), self.place));
        if !self.child_words.is_empty() {
            text.push_str(&format!(
                "\nWhat the child said, in their own words:\n{}\n",
                self.child_words
            ));
        }
        if !self.noticed.is_empty() {
            text.push_str(&format!("\nWhat I saw or noticed:\n{}\n", self.noticed));
        }
        text.push_str(&format!("\nWhat I did and said:\n{}\n", self.did));
        if !self.present.is_empty() {
            text.push_str(&format!("\nWho else was present: {}\n", self.present));
        }
        text.push_str(if self.danger {
            "\nSomeone is in immediate danger."
        } else {
            "\nNobody is in immediate danger."
        });
        WorryInput {
            text,
            urgency: Some(
                if self.danger {
                    Urgency::Urgent
                } else {
                    Urgency::Soon
                }
                .as_str()
                .into(),
            ),
            about: Some(crate::routing::About::SomeoneElse.as_str().into()),
            involves: Some(involves.into()),
            email_replies: None,
            kind: Some(KIND.into()),
            wants_contact: Some("no".into()),
            contact_how: String::new(),
        }
    }

    /// The report's fields in one string, for the idempotency digest.
    pub(super) fn digest_part(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Sends a checked report as a worry signed by `person` (never anonymous), routed by
/// `involves` like the learner's form; `form_token` is a worry form token (a retry of the same
/// form with the same answers stores one worry).
#[allow(clippy::too_many_arguments)]
pub async fn submit<S: crate::store::Store>(
    store: &S,
    org: &crate::org::OrgId,
    secret: &crate::crypto::Secret,
    form_token: &str,
    report: &StaffReport,
    involves: &str,
    person: &crate::identity::Person,
    address: Option<&str>,
    kinds: &[crate::content::WorryKind],
    policy: &super::SubmitPolicy,
    now: DateTime<Utc>,
) -> Result<super::Submitted, super::WorryError> {
    let input = report.worry_input(involves);
    let sender = super::Sender::Named {
        person_id: person.id.clone(),
        name: person.name.clone(),
    };
    let submission = super::Submission {
        form_token,
        input: &input,
        sender: &sender,
        address,
        staff_report: Some(report),
    };
    super::submit_from(store, org, secret, &submission, kinds, policy, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-06T23:30:00Z".parse().unwrap()
    }

    fn typed() -> StaffReportInput {
        StaffReportInput {
            child_name: " Jamie Doe ".into(),
            child_group: "9B".into(),
            date: "2026-12-05".into(),
            time: "14:30".into(),
            when_unsure: None,
            place: "IT suite".into(),
            child_words: "  he said\r\n   \"don't tell\"  \r\n\r\n".into(),
            noticed: String::new(),
            did: "Listened and told the DSL.".into(),
            present: String::new(),
            danger: Some("no".into()),
            involves: Some("nobody".into()),
        }
    }

    #[test]
    fn the_childs_words_are_kept_exactly_but_other_fields_are_tidied() {
        let r = typed().validate(now()).unwrap();
        assert_eq!(r.child_words, "  he said\n   \"don't tell\"  \n\n");
        assert_eq!(r.child_name, "Jamie Doe");
        assert_eq!(r.when(), "5 December 2026 at 14:30");
        let input = r.worry_input("nobody");
        assert!(input.text.contains("  he said\n   \"don't tell\"  \n"));
        assert_eq!(input.urgency.as_deref(), Some("soon"));
    }

    #[test]
    fn every_missing_field_is_named_at_once_in_the_forms_order() {
        let fields: Vec<&str> = StaffReportInput::default()
            .validate(now())
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "child_name",
                "date",
                "place",
                "child_words",
                "did",
                "danger",
                "involves"
            ]
        );
    }

    #[test]
    fn not_sure_when_replaces_a_date_and_a_future_date_is_refused() {
        let mut t = typed();
        t.when_unsure = Some("yes".into());
        t.date = String::new();
        t.time = String::new();
        assert_eq!(t.validate(now()).unwrap().when(), "Not sure");
        let mut t = typed();
        // 23:30 UTC on 6 December is still 6 December in London (GMT): the 7th is tomorrow.
        t.date = "2026-12-07".into();
        assert_eq!(t.validate(now()).unwrap_err()[0].field, "date");
        t.date = "2026-02-30".into();
        assert_eq!(t.validate(now()).unwrap_err()[0].field, "date");
    }

    #[test]
    fn danger_makes_it_urgent_and_words_or_what_was_seen_is_enough() {
        let mut t = typed();
        t.danger = Some("yes".into());
        t.child_words = "   \n".into();
        t.noticed = "Bruises on the wrist".into();
        let r = t.validate(now()).unwrap();
        assert_eq!(r.child_words, "");
        assert_eq!(r.worry_input("staff").urgency.as_deref(), Some("urgent"));
    }

    #[test]
    fn staff_are_the_people_who_work_or_volunteer_here() {
        assert!(is_staff(&[Role::Staff]));
        assert!(is_staff(&[Role::Dsl]));
        assert!(is_staff(&[Role::Admin]));
        assert!(!is_staff(&[Role::Learner]));
        assert!(!is_staff(&[Role::Parent]));
        assert!(!is_staff(&[]));
    }
}
