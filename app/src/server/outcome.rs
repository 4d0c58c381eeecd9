//! How a use case ended, in the person's terms. The web edge (`functions/web/src/edge.rs`) is
//! the only place that turns it into an HTTP status; nothing in this layer knows of HTTP.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// What was sent could not be read at all (not a form, cut short).
    Unreadable,
    /// The page or thing does not exist (or is not the person's).
    NotFound,
    /// Not part of the person's training, or another organisation.
    Forbidden,
    /// A stale form: an old attempt, a changed module, a write that lost a race.
    Conflict,
    /// What was sent cannot be accepted as it is; the form comes back to correct.
    Invalid,
    /// More than may be sent at once (an upload over its limit).
    TooLarge,
    TooMany,
    Unavailable,
    /// Another service (an identity provider) answered in a way that cannot be used.
    Upstream,
    /// This deployment's own setting is wrong: only its operators can fix it.
    Misconfigured,
}

/// What a use case answered with, knowing how it ended: the edge's `Page::shown` takes the
/// status from it, so a handler does not work it out again.
pub trait Ended {
    fn outcome(&self) -> Outcome;
}

impl<T> Ended for Result<T, super::learning::Refused> {
    fn outcome(&self) -> Outcome {
        match self {
            Ok(_) => Outcome::Ok,
            Err(r) => r.outcome,
        }
    }
}

impl<T> Ended for Result<T, (Outcome, String)> {
    fn outcome(&self) -> Outcome {
        match self {
            Ok(_) => Outcome::Ok,
            Err((o, _)) => *o,
        }
    }
}

/// A page's view that wraps a result: it ended as its result did.
macro_rules! ended_as_its_result {
    ($($screen:ty),* $(,)?) => {
        $(impl Ended for $screen {
            fn outcome(&self) -> Outcome {
                self.0.outcome()
            }
        })*
    };
}

ended_as_its_result!(
    super::learning::MyTraining,
    super::learning::Reading,
    super::learning::RosterScreen,
    super::compliance::PersonScreen,
    super::compliance::SignedByScreen,
    super::family::FamilyPage,
    super::family::ChildrenPage,
);

impl Ended for super::learning::QuizScreen {
    fn outcome(&self) -> Outcome {
        super::learning::QuizScreen::outcome(self)
    }
}

impl Ended for super::learning::VerifyScreen {
    fn outcome(&self) -> Outcome {
        super::learning::VerifyScreen::outcome(self)
    }
}
