//! A parent or carer co-signing their child's learner AUP (the Kent seed asks parents to sign
//! the acceptable use policy with their child), and what a parent sees of their children's AUPs.
//!
//! Refused, writing nothing: a person without the parent role; a parent not linked to the child
//! by an admin ([`crate::identity::family`]), which is also how a parent of another family, or
//! of another organisation, is refused; a child with no date of birth recorded, or aged 16 or
//! over; an AUP that is not a learner AUP required of the child; a child who has not signed the
//! current text, or a signature that is not the one shown to the parent; a typed name that is
//! not the parent's; the declaration not ticked. Co-signing again returns the co-signature and
//! writes nothing. When the child signs a new version, the co-signature of the old one no longer
//! shows (the child's new signature has none).

use super::aup::{AupDocument, names_match, standing};
use super::summary::{Status, evaluate_aup};
use super::{LearningError, Required, Setting, read_state};
use crate::content::Audience;
use crate::identity::family::{self, FamilyError};
use crate::identity::{PeopleError, Person, people};
use crate::keys;
use crate::learning_state::{AupCosignatureRecord, CoSignature, ItemRef, StateBody, StoredState};
use crate::roles::Role;
use crate::store::Store;
use crate::store::record::to_item;
use crate::store::{Condition, StoreError, TxOp};
use chrono::{DateTime, Utc};

const MAX_TYPED_NAME: usize = 200;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CoSignError {
    #[error("only a parent or carer co-signs")]
    NotAParent,
    #[error("the parent is not linked to this child")]
    NotLinked,
    #[error("the child has no date of birth recorded")]
    NoBirthDate,
    #[error("the child is 16 or over")]
    NotUnder16,
    #[error("the AUP is not a learner AUP required of the child")]
    NotAssigned,
    #[error("the child has not signed the current version, or signed again since")]
    ChildNotSigned,
    #[error(transparent)]
    Learning(#[from] LearningError),
    #[error(transparent)]
    Family(#[from] FamilyError),
}

impl From<StoreError> for CoSignError {
    fn from(e: StoreError) -> Self {
        CoSignError::Learning(LearningError::Store(e))
    }
}

impl CoSignError {
    /// A plain message for the parent, saying what to do.
    pub fn user_message(&self) -> String {
        match self {
            CoSignError::NotAParent | CoSignError::NotLinked => {
                "You can only co-sign for a child your organisation has linked to your account. If this is your child, please ask the organisation to link you.".into()
            }
            CoSignError::NoBirthDate => {
                "The organisation has not recorded your child's date of birth, so we cannot tell whether a parent's signature is needed. Please ask the organisation.".into()
            }
            CoSignError::NotUnder16 => {
                "Your child is 16 or over, so they sign the policy on their own.".into()
            }
            CoSignError::NotAssigned => {
                "This is not a policy your child is asked to sign.".into()
            }
            CoSignError::ChildNotSigned => {
                "Your child has not signed the current version of this policy yet (or signed it again just now). Please reload the page: you co-sign after your child has signed.".into()
            }
            CoSignError::Learning(e) => e.user_message(),
            CoSignError::Family(e) => e.user_message(),
        }
    }
}

/// The co-sign form as posted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoSign {
    pub child_id: String,
    pub aup_id: String,
    /// The child's signature shown to the parent.
    pub signature_id: String,
    pub typed_name: String,
    /// "I have read this policy with my child and agree to support it" ticked.
    pub declaration: bool,
}

/// One learner AUP of a child, as their parent sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildAup {
    pub aup_id: String,
    pub title: String,
    pub version: String,
    pub status: Status,
    /// The child's current signature of the current text, when it stands.
    pub signature_id: Option<String>,
    pub signed_at: Option<String>,
    /// The co-signature of that signature, if any.
    pub cosignature: Option<CoSignature>,
    /// Whether this parent may co-sign it now.
    pub can_cosign: bool,
}

/// A linked child as their parent sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildSummary {
    pub child_id: String,
    pub name: String,
    /// `None`: no date of birth recorded.
    pub under_16: Option<bool>,
    pub aups: Vec<ChildAup>,
}

fn learner_aups<'a>(setting: &Setting<'a>, child: &Person) -> Vec<&'a crate::content::Page> {
    Required::of(setting, child)
        .aups
        .into_iter()
        .filter(|p| p.is_for(Audience::Learners))
        .collect()
}

/// The parent's linked children and the state of each one's learner AUPs. 1 query + per child
/// 1 read of the person, 1 of the date of birth and 1 per learner AUP.
pub async fn my_children<S: Store>(
    store: &S,
    setting: &Setting<'_>,
    parent: &Person,
    now: DateTime<Utc>,
) -> Result<Vec<ChildSummary>, CoSignError> {
    if !parent.roles.contains(&Role::Parent) || parent.org != setting.profile.id {
        return Err(CoSignError::NotAParent);
    }
    let org = &parent.org;
    let mut out = Vec::new();
    for child in family::children_of(store, org, parent).await? {
        let under_16 = family::birth_date(store, org, &child.id)
            .await?
            .map(|b| family::under_cosign_age(b, now.date_naive()));
        let mut aups = Vec::new();
        for page in learner_aups(setting, &child) {
            let state = read_state(store, org, &child.id, ItemRef::aup(&page.id)).await?;
            let doc = AupDocument::of(setting, page);
            let current = standing(page, &state, &doc, now);
            let cosignature = state.aup().and_then(|a| a.cosignature.clone()).filter(|c| {
                current
                    .as_ref()
                    .is_some_and(|s| s.signature_id == c.signature_id)
            });
            aups.push(ChildAup {
                aup_id: page.id.clone(),
                title: page.title.clone(),
                version: page.version.clone(),
                status: evaluate_aup(page, state.aup(), now).status,
                can_cosign: current.is_some() && cosignature.is_none() && under_16 == Some(true),
                signature_id: current.as_ref().map(|s| s.signature_id.clone()),
                signed_at: current.map(|s| s.signed_at),
                cosignature,
            });
        }
        out.push(ChildSummary {
            child_id: child.id.clone(),
            name: child.name.clone(),
            under_16,
            aups,
        });
    }
    Ok(out)
}

/// What [`cosign_aup`] returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoSigned {
    pub cosignature: CoSignature,
    /// True when it was already co-signed: nothing was written.
    pub repeat: bool,
}

/// Co-signs a linked child's current signature of a learner AUP.
pub async fn cosign_aup<S: Store>(
    store: &S,
    setting: &Setting<'_>,
    parent: &Person,
    form: &CoSign,
    now: DateTime<Utc>,
) -> Result<CoSigned, CoSignError> {
    if !parent.active || !parent.roles.contains(&Role::Parent) {
        return Err(CoSignError::NotAParent);
    }
    if parent.org != setting.profile.id {
        return Err(CoSignError::Learning(LearningError::WrongOrganisation));
    }
    let org = &parent.org;
    if !family::is_linked(store, org, &parent.id, &form.child_id).await? {
        tracing::warn!(%org, parent_id = parent.id, "refused: co-signing for a child not linked");
        return Err(CoSignError::NotLinked);
    }
    let child = match people::get(store, org, &form.child_id).await {
        Ok(c) if c.active => c,
        Ok(_) | Err(PeopleError::NotFound) => return Err(CoSignError::NotLinked),
        Err(e) => return Err(FamilyError::from(e).into()),
    };
    let Some(birth) = family::birth_date(store, org, &child.id).await? else {
        return Err(CoSignError::NoBirthDate);
    };
    if !family::under_cosign_age(birth, now.date_naive()) {
        return Err(CoSignError::NotUnder16);
    }
    let page = learner_aups(setting, &child)
        .into_iter()
        .find(|p| p.id == form.aup_id)
        .ok_or(CoSignError::NotAssigned)?;
    if !form.declaration {
        return Err(LearningError::DeclarationNotTicked.into());
    }
    if form.typed_name.chars().count() > MAX_TYPED_NAME
        || !names_match(&form.typed_name, &parent.name)
    {
        return Err(LearningError::NameDoesNotMatch.into());
    }
    let item = ItemRef::aup(&page.id);
    let state = read_state(store, org, &child.id, item.clone()).await?;
    let doc = AupDocument::of(setting, page);
    let Some(signature) = standing(page, &state, &doc, now) else {
        return Err(CoSignError::ChildNotSigned);
    };
    if signature.signature_id != form.signature_id.trim() {
        return Err(CoSignError::ChildNotSigned);
    }
    if let Some(existing) = state
        .aup()
        .and_then(|a| a.cosignature.clone())
        .filter(|c| c.signature_id == signature.signature_id)
    {
        return Ok(CoSigned {
            cosignature: existing,
            repeat: true,
        });
    }
    let at = crate::store::timestamp(now);
    let cosignature = CoSignature {
        signature_id: signature.signature_id.clone(),
        parent_id: parent.id.clone(),
        typed_name: form
            .typed_name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        cosigned_at: at.clone(),
    };
    let new_state = StoredState {
        item: item.clone(),
        rev: state.rev,
        body: StateBody::Aup(crate::learning_state::AupState {
            signature: Some(signature.clone()),
            cosignature: Some(cosignature.clone()),
        }),
    };
    let ops = vec![
        new_state.put_op(org, &child.id),
        // The link must still stand when the co-signature is written.
        TxOp::Check {
            key: keys::family_child(org, &parent.id, &child.id),
            condition: Condition::Exists,
        },
        TxOp::Put {
            item: to_item(
                &keys::learning_history(
                    org,
                    &child.id,
                    &item.key_part(),
                    &at,
                    &uuid::Uuid::new_v4().to_string(),
                ),
                &AupCosignatureRecord {
                    aup_id: page.id.clone(),
                    version: signature.version.clone(),
                    cosignature: cosignature.clone(),
                },
            ),
            condition: Condition::NotExists,
        },
    ];
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(%org, parent_id = parent.id, child_id = child.id, aup_id = page.id, "AUP co-signed");
            Ok(CoSigned {
                cosignature,
                repeat: false,
            })
        }
        Err(StoreError::TransactionConditionFailed { failed }) if failed.contains(&1) => {
            Err(CoSignError::NotLinked)
        }
        Err(StoreError::TransactionConditionFailed { .. }) => {
            Err(CoSignError::Learning(LearningError::Conflict))
        }
        Err(e) => Err(e.into()),
    }
}
