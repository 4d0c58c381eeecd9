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
