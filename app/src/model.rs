//! Types that cross between server and browser (island props and server-function results).

use serde::{Deserialize, Serialize};

/// The worry form as posted, by the browser itself (JavaScript off) or by the island through
/// the `submit_worry` server function: one type for both. A field left out is empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TellForm {
    pub token: String,
    pub text: String,
    pub urgency: Option<String>,
    pub about: Option<String>,
    pub involves: Option<String>,
    /// "yes": email me when there is a reply (named senders).
    pub email_replies: Option<String>,
    pub kind: Option<String>,
    pub wants_contact: Option<String>,
    pub contact_how: String,
    /// "named" to send it with the signed-in person's name.
    pub identity: Option<String>,
    /// The session's CSRF token (signed-in people's forms carry it).
    pub csrf: Option<String>,
}

/// The worry form as it should be shown: a fresh one, or one coming back with an error and
/// everything the person typed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorryFormState {
    /// The signed form token: the submission's idempotency key.
    pub token: String,
    pub text: String,
    pub urgency: Option<String>,
    /// Who is affected (`About` names).
    pub about: Option<String>,
    /// Whether an adult who works or volunteers here is involved, and who (`Involves` names).
    pub involves: Option<String>,
    /// "yes": email me when there is a reply (named senders only).
    pub email_replies: Option<String>,
    /// A kind id from `content/worries.toml`.
    pub kind: Option<String>,
    /// "yes" or "no".
    pub wants_contact: Option<String>,
    pub contact_how: String,
    /// "named" or "anonymous" (signed-in people only choose; everyone else is anonymous).
    pub identity: Option<String>,
    /// A plain message saying what went wrong and what to do.
    pub error: Option<String>,
}

/// A choice offered on the form with a hint under it (kinds of worry, who is involved): (id,
/// label, hint; an empty hint is not shown).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindChoice {
    pub id: String,
    pub label: String,
    pub hint: String,
}

/// Everything the worry form offers, besides the form's own state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorryChoices {
    pub urgencies: Vec<Choice>,
    pub abouts: Vec<Choice>,
    /// "Is an adult who works or volunteers here involved?", with the organisation's names.
    pub involves: Vec<KindChoice>,
    pub kinds: Vec<KindChoice>,
    /// The longest worry the server accepts, in characters (shown, never enforced by the
    /// browser: a cut text would be sent half-finished).
    pub max_text_chars: usize,
    /// The signed-in person: their name and the session's CSRF token (they may send it named).
    pub signed_in: Option<SignedIn>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub name: String,
    pub csrf: String,
}

/// A worry that was stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorrySent {
    /// The follow-up code of an anonymous worry, shown this once.
    pub code: Option<String>,
    /// A named worry: the address where its sender follows it.
    pub own_link: Option<String>,
    /// When it was stored, for people ("23 November 2026").
    pub sent_on: String,
    /// The form had been sent before: this is that same worry.
    pub repeated: bool,
    /// A repeat too long after the first send to show the follow-up code again (a shared
    /// computer: Back then Resubmit must not show it to the next person).
    pub code_withheld: bool,
    /// Nobody could be reached online: whom to phone instead (the worry is stored anyway).
    pub phone_instead: Option<Vec<PhoneContact>>,
    /// An urgent worry: what to do out of hours, shown at once.
    pub out_of_hours: Option<OutOfHours>,
}

/// Someone to phone, for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneContact {
    pub name: String,
    /// Who they are ("Designated Safeguarding Lead", "Local Authority Designated Officer").
    pub what: String,
    pub phone: String,
}

/// The organisation's out-of-hours help: its sentence and the services to call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutOfHours {
    pub sentence: String,
    pub contacts: Vec<PhoneContact>,
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

/// One message between the sender and the safeguarding team, for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub when: String,
    pub from_team: bool,
    pub text: String,
}

/// A sent worry as its sender sees it (by follow-up code or signed in).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderWorryView {
    pub worry_id: String,
    pub status: String,
    pub urgency: String,
    pub kind: String,
    pub sent_on: String,
    /// Their own words (with the code or signed in).
    pub text: Option<String>,
    pub messages: Vec<MessageView>,
    /// The "add information" form: a fresh id (a resubmitted form applies once), what was
    /// typed when it was refused, and why.
    pub add_form_id: String,
    pub add_text: String,
    pub add_error: Option<String>,
    /// Said once after information was added.
    pub notice: Option<String>,
}

/// What the follow-up page shows after a look-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FollowUpOutcome {
    Found(Box<SenderWorryView>),
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
