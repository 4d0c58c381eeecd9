//! Families for the pages: an admin's family page of a person (link a parent and a child,
//! unlink, record a learner's date of birth) and a parent's page of their linked children
//! (their AUP status, co-signing a child's learner AUP). Thin: the rules (who may link, who may
//! co-sign) are in `safety_core::identity::family` and `safety_core::learning::cosign`.

use super::Outcome;
use super::{SiteState, Viewer};
use chrono::{DateTime, Utc};
use safety_core::identity::family::{self, Family, FamilyError};
use safety_core::identity::{PeopleError, Person, people};
use safety_core::learning::cosign::{self, ChildSummary, CoSign, CoSignError};

/// What the admin's family page of one person shows.
#[derive(Clone, Debug)]
pub struct FamilyScreen {
    pub person: Person,
    pub family: Family,
    pub notice: Option<String>,
    pub error: Option<String>,
    /// The email typed into a link form that was refused (kept to correct).
    pub typed_email: String,
}

/// The page, or why not.
#[derive(Clone, Debug)]
pub struct FamilyPage(pub Result<FamilyScreen, (Outcome, String)>);

fn outcome_of_family(e: &FamilyError) -> Outcome {
    match e {
        FamilyError::NotAllowed => Outcome::Forbidden,
        FamilyError::People(PeopleError::NotFound) | FamilyError::NotLinked => Outcome::NotFound,
        FamilyError::People(PeopleError::VersionConflict) => Outcome::Conflict,
        FamilyError::Store(_)
        | FamilyError::Corrupt(_)
        | FamilyError::People(PeopleError::Store(_) | PeopleError::Corrupt(_)) => {
            tracing::error!(error = %e, "a family record could not be read or written");
            Outcome::Unavailable
        }
        _ => Outcome::Invalid,
    }
}

/// Reads the family page of a person of the site's organisation.
pub async fn family_page(site: &SiteState, person_id: &str) -> FamilyPage {
    let person = match people::get(&site.store, &site.org_id, person_id).await {
        Ok(p) => p,
        Err(e) => {
            let e = FamilyError::from(e);
            return FamilyPage(Err((outcome_of_family(&e), e.user_message())));
        }
    };
    match family::family_of(&site.store, &site.org_id, &person.id).await {
        Ok(family) => FamilyPage(Ok(FamilyScreen {
            person,
            family,
            notice: None,
            error: None,
            typed_email: String::new(),
        })),
        Err(e) => FamilyPage(Err((outcome_of_family(&e), e.user_message()))),
    }
}

/// What an admin asked for on the family page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FamilyAction {
    /// Link the person (a learner) to the parent with this email.
    LinkParent { email: String },
    /// Link the person (a parent) to the child with this email.
    LinkChild { email: String },
    /// Remove the link between the person and this other person (either way round).
    Unlink { other_id: String },
    /// Record (or, when empty, remove) the person's date of birth.
    BirthDate { date: String },
}

/// Does what the admin asked, then shows the page again with what happened.
pub async fn family_act(
    site: &SiteState,
    admin: &Viewer,
    person_id: &str,
    action: FamilyAction,
    now: DateTime<Utc>,
) -> (Outcome, FamilyPage) {
    let store = &site.store;
    let org = &site.org_id;
    let actor = &admin.person;
    let mut typed_email = String::new();
    let result: Result<String, FamilyError> = async {
        match &action {
            FamilyAction::LinkParent { email } | FamilyAction::LinkChild { email } => {
                typed_email = email.clone();
                let Some(other) = people::find_by_email(store, org, email).await? else {
                    return Err(FamilyError::People(PeopleError::NotFound));
                };
                let (parent, child) = if matches!(action, FamilyAction::LinkParent { .. }) {
                    (other.id.clone(), person_id.to_string())
                } else {
                    (person_id.to_string(), other.id.clone())
                };
                family::link(store, org, actor, &parent, &child, now).await?;
                typed_email.clear();
                Ok(format!("Linked {}.", other.name))
            }
            FamilyAction::Unlink { other_id } => {
                // Whichever way round the link is.
                let r = family::unlink(store, org, actor, person_id, other_id).await;
                match r {
                    Err(FamilyError::NotLinked) => {
                        family::unlink(store, org, actor, other_id, person_id).await?
                    }
                    r => r?,
                }
                Ok("The link was removed.".into())
            }
            FamilyAction::BirthDate { date } => {
                let date = if date.trim().is_empty() {
                    None
                } else {
                    Some(family::parse_birth_date(date, now.date_naive())?)
                };
                family::set_birth_date(store, org, actor, person_id, date, now).await?;
                Ok(match date {
                    Some(_) => "The date of birth was saved.".into(),
                    None => "The date of birth was removed.".into(),
                })
            }
        }
    }
    .await;
    let page = family_page(site, person_id).await;
    match (result, page) {
        (Ok(notice), FamilyPage(Ok(mut screen))) => {
            screen.notice = Some(notice);
            (Outcome::Ok, FamilyPage(Ok(screen)))
        }
        (Err(e), FamilyPage(Ok(mut screen))) => {
            let outcome = match &e {
                // An email nobody here has: the form comes back to correct.
                FamilyError::People(PeopleError::NotFound) if typed_email.is_empty() => {
                    outcome_of_family(&e)
                }
                FamilyError::People(PeopleError::NotFound) => Outcome::Invalid,
                e => outcome_of_family(e),
            };
            tracing::info!(error = %e, "family change refused");
            screen.error = Some(match &e {
                FamilyError::People(PeopleError::NotFound) if !typed_email.is_empty() => {
                    "Nobody in your organisation has that email address. Check it, or invite them first.".into()
                }
                e => e.user_message(),
            });
            screen.typed_email = typed_email;
            (outcome, FamilyPage(Ok(screen)))
        }
        (_, page) => (
            page.0.as_ref().err().map_or(Outcome::Unavailable, |e| e.0),
            page,
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// A parent's children

/// What `/me/children` shows.
#[derive(Clone, Debug)]
pub struct ChildrenScreen {
    pub children: Vec<ChildSummary>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ChildrenPage(pub Result<ChildrenScreen, (Outcome, String)>);

fn outcome_of_cosign(e: &CoSignError) -> Outcome {
    match e {
        CoSignError::NotAParent | CoSignError::NotLinked | CoSignError::NotAssigned => {
            Outcome::Forbidden
        }
        CoSignError::NoBirthDate | CoSignError::NotUnder16 => Outcome::Forbidden,
        CoSignError::ChildNotSigned => Outcome::Conflict,
        CoSignError::Learning(l) => super::learning::outcome_of(l),
        CoSignError::Family(f) => outcome_of_family(f),
    }
}

pub async fn children_page(site: &SiteState, parent: &Viewer, now: DateTime<Utc>) -> ChildrenPage {
    match cosign::my_children(&site.store, &site.setting(), &parent.person, now).await {
        Ok(children) => ChildrenPage(Ok(ChildrenScreen {
            children,
            notice: None,
            error: None,
        })),
        Err(e) => ChildrenPage(Err((outcome_of_cosign(&e), e.user_message()))),
    }
}

/// Co-signs, then shows the page again with what happened. A parent not allowed to co-sign at
/// all (not a parent) gets the refusal alone.
pub async fn cosign(
    site: &SiteState,
    parent: &Viewer,
    form: CoSign,
    now: DateTime<Utc>,
) -> (Outcome, ChildrenPage) {
    let result = cosign::cosign_aup(&site.store, &site.setting(), &parent.person, &form, now).await;
    let page = children_page(site, parent, now).await;
    match (result, page) {
        (Ok(done), ChildrenPage(Ok(mut screen))) => {
            screen.notice = Some(if done.repeat {
                "You had already co-signed this.".into()
            } else {
                "Thank you: you have co-signed your child's agreement.".into()
            });
            (Outcome::Ok, ChildrenPage(Ok(screen)))
        }
        (Err(e), ChildrenPage(Ok(mut screen))) => {
            tracing::info!(error = %e, "co-signing refused");
            screen.error = Some(e.user_message());
            (outcome_of_cosign(&e), ChildrenPage(Ok(screen)))
        }
        (_, page) => (
            page.0.as_ref().err().map_or(Outcome::Unavailable, |e| e.0),
            page,
        ),
    }
}
