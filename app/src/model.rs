//! Types that cross between server and browser (island props and server-function results).

use serde::{Deserialize, Serialize};

/// The worry form as it should be shown: a fresh one, or one coming back with an error and
/// everything the person typed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorryFormState {
    /// The signed form token: the submission's idempotency key.
    pub token: String,
    pub text: String,
    pub urgency: Option<String>,
    /// A plain message saying what went wrong and what to do.
    pub error: Option<String>,
}

/// A worry that was stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorrySent {
    /// The follow-up code, shown this once.
    pub code: String,
    /// When it was stored, for people ("23 November 2026").
    pub sent_on: String,
    /// The form had been sent before: this is that same worry.
    pub repeated: bool,
}

/// The result of sending the worry form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TellOutcome {
    Sent(WorrySent),
    /// Not stored: the form comes back with the reason and the text kept.
    NotSent(WorryFormState),
}

/// One choice of a radio group: (value, label).
pub type Choice = (String, String);

/// What the follow-up page shows after a look-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FollowUpOutcome {
    Found {
        status: String,
        urgency: String,
        sent_on: String,
    },
    NotFound,
    Invalid(String),
    /// Too many look-ups from this address for now.
    Paused(String),
    Unavailable(String),
}

/// The look-up form as posted (what the person typed, kept in the box).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowUpResult {
    pub typed: String,
    pub outcome: FollowUpOutcome,
}
