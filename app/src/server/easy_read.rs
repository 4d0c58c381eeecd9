//! Easy read for the pages: which version a person reads, the switch on the module and
//! training pages, and a DSL's (deputy's, admin's) assignment to a person or a group. Every rule
//! is in `safety_core::learning::easy_read`; this calls it and says what the page shows.

use super::{SiteState, Viewer};
use chrono::{DateTime, Utc};
use safety_core::learning::Setting;
use safety_core::learning::easy_read::{self as core, Because, EasyReadError, Reading};

/// What a person reads (1 read). When it cannot be read, the standard pages (logged): they
/// carry the same facts, and a refusal to show a module would help nobody.
pub async fn reading_level(site: &SiteState, viewer: &Viewer) -> Reading {
    match core::reading_of(&site.store, &viewer.person).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "the reading level could not be read; showing the standard pages");
            Reading {
                easy_read: false,
                because: Because::Default,
            }
        }
    }
}

/// The learning core's setting with the content as this person reads it.
pub async fn learning_setting<'a>(site: &'a SiteState, viewer: &Viewer) -> Setting<'a> {
    let level = reading_level(site, viewer).await;
    Setting {
        library: level.library(&site.library),
        profile: &site.org,
    }
}

/// The switch as a page shows it (in context beside the module or training page).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadingSwitch {
    pub easy_read: bool,
    /// Why, in words ("You chose it.", "Priya Marsh set it for you.", ...).
    pub because: String,
    /// Where the form comes back to.
    pub return_to: String,
}

pub fn switch_of(level: &Reading, return_to: &str) -> ReadingSwitch {
    let because = match &level.because {
        Because::Chosen => "You chose this.".to_string(),
        Because::Assigned { by } => format!("{by} set this for you. You can still change it."),
        Because::Group(g) => format!("It is set for your group, {g}. You can still change it."),
        Because::Default => String::new(),
    };
    ReadingSwitch {
        easy_read: level.easy_read,
        because,
        return_to: safe_return(return_to),
    }
}

/// Only the pages the switch is on: a module or My training (never an address from outside).
pub fn safe_return(to: &str) -> String {
    let ok = to == "/me/training"
        || to.strip_prefix("/learn/").is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'/')
        });
    if ok {
        to.to_string()
    } else {
        "/me/training".to_string()
    }
}

/// The value a form posts: `easy` or `standard` (anything else is refused).
pub fn parse_level(value: Option<&str>) -> Option<bool> {
    match value.map(str::trim) {
        Some("easy") => Some(true),
        Some("standard") => Some(false),
        _ => None,
    }
}

/// The signed-in person switches their own version. There is no person id to send: nobody
/// sets another person's choice through this.
pub async fn choose(
    site: &SiteState,
    viewer: &Viewer,
    easy_read: bool,
    now: DateTime<Utc>,
) -> Result<(), EasyReadError> {
    if viewer.person.org != site.org_id {
        return Err(EasyReadError::NotFound);
    }
    core::choose(&site.store, &viewer.person, easy_read, now).await
}

/// A DSL, deputy or admin assigns easy read (or the standard pages) to one of their people.
pub async fn assign(
    site: &SiteState,
    viewer: &Viewer,
    person_id: &str,
    easy_read: bool,
    now: DateTime<Utc>,
) -> Result<(), EasyReadError> {
    if viewer.person.org != site.org_id {
        return Err(EasyReadError::NotAllowed);
    }
    core::assign(&site.store, &viewer.person, person_id, easy_read, now)
        .await
        .map(|_| ())
}

/// A DSL, deputy or admin sets a group to easy read (or takes it off).
pub async fn assign_group(
    site: &SiteState,
    viewer: &Viewer,
    group: &str,
    easy_read: bool,
) -> Result<Vec<String>, EasyReadError> {
    if viewer.person.org != site.org_id {
        return Err(EasyReadError::NotAllowed);
    }
    core::assign_group(&site.store, &viewer.person, group, easy_read).await
}

/// What the DSL sees on a person's record: their level and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonReading {
    pub person_id: String,
    pub easy_read: bool,
    pub because: String,
    /// The person's groups, each with whether it is set to easy read.
    pub groups: Vec<(String, bool)>,
}

pub async fn person_reading(
    site: &SiteState,
    viewer: &Viewer,
    person: &safety_core::identity::Person,
) -> Option<PersonReading> {
    if !core::may_assign(&viewer.person) || person.org != viewer.person.org {
        return None;
    }
    let level = core::reading_of(&site.store, person).await.ok()?;
    let because = match &level.because {
        Because::Chosen => "They chose it themselves.".to_string(),
        Because::Assigned { by } => format!("Set by {by}."),
        Because::Group(g) => format!("Set for their group {g}."),
        Because::Default => "Nobody has chosen: the standard version.".to_string(),
    };
    let set = if person.groups.is_empty() {
        Vec::new()
    } else {
        core::easy_read_groups(&site.store, &person.org)
            .await
            .ok()?
    };
    Some(PersonReading {
        person_id: person.id.clone(),
        easy_read: level.easy_read,
        because,
        groups: person
            .groups
            .iter()
            .map(|g| (g.clone(), set.contains(g)))
            .collect(),
    })
}

/// How a refused choice or assignment ended, with its words for people; anything but a plain
/// refusal is logged.
pub fn refusal(e: &EasyReadError) -> super::learning::Refused {
    use super::Outcome;
    let outcome = match e {
        EasyReadError::NotAllowed => Outcome::Forbidden,
        EasyReadError::NotFound => Outcome::NotFound,
        EasyReadError::InvalidGroup(_) => Outcome::Invalid,
        EasyReadError::Conflict | EasyReadError::Store(_) | EasyReadError::Corrupt(_) => {
            tracing::warn!(error = %e, "a reading level was not saved");
            Outcome::Unavailable
        }
    };
    super::learning::Refused {
        message: e.user_message(),
        outcome,
    }
}
