//! Decisions with reasons: the entries of a worry's chronology that record what the DSL decided
//! and why, with their own fields, so they can be found, reported and handed on (KCSIE Part 2:
//! "record decisions and the reasons for them"; UKCIS "Sharing nudes and semi-nudes: advice for
//! education settings", 2024 edition: the record of an image incident). Each is written by
//! [`super::case::act`] as one chronology entry; the reason is the entry's text.

use super::case::{CaseError, MAX_ENTRY_CHARS};
use super::check_text;
use serde::{Deserialize, Serialize};

/// Whether the child's parents or carers were told, as decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParentsInformed {
    Yes,
    /// Not yet: to be done (the reason says when and who).
    NotYet,
    /// Decided not to: telling them could put the child at risk (or the learner is an adult).
    No,
}

impl ParentsInformed {
    pub const ALL: [ParentsInformed; 3] = [
        ParentsInformed::Yes,
        ParentsInformed::NotYet,
        ParentsInformed::No,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ParentsInformed::Yes => "yes",
            ParentsInformed::NotYet => "not_yet",
            ParentsInformed::No => "no",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            ParentsInformed::Yes => "Parents or carers were told",
            ParentsInformed::NotYet => "Parents or carers will be told, not yet",
            ParentsInformed::No => "Parents or carers are not being told",
        }
    }
}

/// The threshold decision: which level of need the concern meets (Working Together to
/// Safeguard Children 2023; the local partnership's threshold document gives its own names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    /// Support within the school, college or provider.
    WithinOrganisation,
    EarlyHelp,
    /// Children Act 1989 section 17.
    ChildInNeed,
    /// Children Act 1989 section 47.
    SignificantHarm,
    /// Care Act 2014 section 42: an adult learner at risk.
    AdultAtRisk,
}

impl Threshold {
    pub const ALL: [Threshold; 5] = [
        Threshold::WithinOrganisation,
        Threshold::EarlyHelp,
        Threshold::ChildInNeed,
        Threshold::SignificantHarm,
        Threshold::AdultAtRisk,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Threshold::WithinOrganisation => "within_organisation",
            Threshold::EarlyHelp => "early_help",
            Threshold::ChildInNeed => "child_in_need",
            Threshold::SignificantHarm => "significant_harm",
            Threshold::AdultAtRisk => "adult_at_risk",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Threshold::WithinOrganisation => "Below the threshold for a referral: support here",
            Threshold::EarlyHelp => "Early help",
            Threshold::ChildInNeed => {
                "Child in need (section 17): referral to children's social care"
            }
            Threshold::SignificantHarm => {
                "Risk of significant harm (section 47): referral to children's social care"
            }
            Threshold::AdultAtRisk => {
                "Adult at risk (Care Act 2014, section 42): referral to adult social care"
            }
        }
    }
}

/// What happened to the image, as far as is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageDeletion {
    /// The young people deleted it, and said so (or were seen to).
    Deleted,
    /// They were asked to delete it (and where it was shared, to report it for removal).
    AskedToDelete,
    /// Left as it is for the police: nothing was deleted.
    KeptForPolice,
    NotKnown,
}

impl ImageDeletion {
    pub const ALL: [ImageDeletion; 4] = [
        ImageDeletion::Deleted,
        ImageDeletion::AskedToDelete,
        ImageDeletion::KeptForPolice,
        ImageDeletion::NotKnown,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ImageDeletion::Deleted => "deleted",
            ImageDeletion::AskedToDelete => "asked_to_delete",
            ImageDeletion::KeptForPolice => "kept_for_police",
            ImageDeletion::NotKnown => "not_known",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            ImageDeletion::Deleted => "Deleted by the young people involved",
            ImageDeletion::AskedToDelete => {
                "They were asked to delete it (and to report it where it was shared)"
            }
            ImageDeletion::KeptForPolice => "Not deleted: left for the police",
            ImageDeletion::NotKnown => "Not known",
        }
    }
}

/// The UKCIS record of an incident of sharing nudes or semi-nudes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageIncident {
    /// Whether anyone here looked at the image (the advice is not to, save in exceptional cases).
    pub viewed: bool,
    /// Who viewed it and why (required when it was viewed), otherwise empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub viewed_by: String,
    /// Which devices hold or held it (phones, accounts, services).
    pub devices: String,
    pub deletion: ImageDeletion,
    /// Whether it was referred to the police.
    pub police: bool,
    /// Why it was (or was not) referred to the police.
    pub police_reason: String,
}

/// A decision recorded on a worry (the reason is the chronology entry's text).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Parents { informed: ParentsInformed },
    Threshold { level: Threshold },
    ImageIncident(ImageIncident),
}

impl Decision {
    /// The chronology's short description.
    pub fn describe(&self) -> String {
        match self {
            Decision::Parents { informed } => format!("Decision: {}", informed.label()),
            Decision::Threshold { level } => format!("Threshold decision: {}", level.label()),
            Decision::ImageIncident(i) => format!(
                "Image incident recorded (UKCIS): {}",
                if i.police {
                    "referred to the police"
                } else {
                    "not referred to the police"
                }
            ),
        }
    }

    /// The decision's own fields, labelled, for the chronology (empty for a one-line decision).
    pub fn details(&self) -> Vec<(&'static str, String)> {
        match self {
            Decision::Parents { .. } | Decision::Threshold { .. } => Vec::new(),
            Decision::ImageIncident(i) => {
                let mut out = vec![(
                    "Was an image viewed",
                    if i.viewed { "Yes" } else { "No" }.to_string(),
                )];
                if i.viewed {
                    out.push(("Who viewed it and why", i.viewed_by.clone()));
                }
                out.push(("Devices involved", i.devices.clone()));
                out.push(("The image now", i.deletion.label().to_string()));
                out.push((
                    "Police",
                    if i.police {
                        "Referred to the police"
                    } else {
                        "Not referred to the police"
                    }
                    .to_string(),
                ));
                out.push(("Why (police)", i.police_reason.clone()));
                out
            }
        }
    }

    /// Checks the decision's own fields (trimmed, within the length a chronology entry may
    /// have) and returns it as it will be stored. The field that is wrong is named.
    pub fn checked(self) -> Result<Decision, CaseError> {
        let short = |text: &str, what: &str| -> Result<String, CaseError> {
            check_text(text, MAX_ENTRY_CHARS).map_err(|e| match e {
                super::WorryError::Empty => CaseError::Refused(format!("Please say {what}.")),
                other => other.into(),
            })
        };
        Ok(match self {
            Decision::ImageIncident(i) => {
                let viewed_by = if i.viewed {
                    short(&i.viewed_by, "who viewed the image and why")?
                } else {
                    String::new()
                };
                Decision::ImageIncident(ImageIncident {
                    viewed: i.viewed,
                    viewed_by,
                    devices: short(
                        &i.devices,
                        "which devices hold or held the image (or \"not known\")",
                    )?,
                    deletion: i.deletion,
                    police: i.police,
                    police_reason: short(
                        &i.police_reason,
                        "why it was or was not referred to the police",
                    )?,
                })
            }
            other => other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(viewed: bool, viewed_by: &str) -> Decision {
        Decision::ImageIncident(ImageIncident {
            viewed,
            viewed_by: viewed_by.into(),
            devices: "  Her phone; his Snapchat account ".into(),
            deletion: ImageDeletion::AskedToDelete,
            police: false,
            police_reason:
                "Both 15, no adult involved, no coercion: UKCIS allows handling in school".into(),
        })
    }

    #[test]
    fn an_image_viewed_needs_who_and_why() {
        let refused = image(true, "  ").checked().unwrap_err();
        assert_eq!(
            refused.user_message(),
            "Please say who viewed the image and why."
        );
        let Decision::ImageIncident(i) = image(true, "The DSL, to decide on a referral")
            .checked()
            .unwrap()
        else {
            unreachable!()
        };
        assert_eq!(i.viewed_by, "The DSL, to decide on a referral");
        assert_eq!(i.devices, "Her phone; his Snapchat account", "trimmed");
    }

    #[test]
    fn not_viewed_keeps_no_viewer_and_the_police_reason_is_required() {
        let Decision::ImageIncident(i) = image(false, "typed then unticked").checked().unwrap()
        else {
            unreachable!()
        };
        assert_eq!(i.viewed_by, "", "no viewer is kept when nobody viewed it");
        let mut d = image(false, "");
        if let Decision::ImageIncident(i) = &mut d {
            i.police_reason = "\n".into();
        }
        assert_eq!(
            d.checked().unwrap_err().user_message(),
            "Please say why it was or was not referred to the police."
        );
    }

    #[test]
    fn decisions_are_stored_with_their_kind_and_read_back() {
        for d in [
            Decision::Parents {
                informed: ParentsInformed::No,
            },
            Decision::Threshold {
                level: Threshold::EarlyHelp,
            },
            image(true, "x"),
        ] {
            let v = serde_json::to_value(&d).unwrap();
            assert!(v.get("decision").is_some(), "{v}");
            assert_eq!(serde_json::from_value::<Decision>(v).unwrap(), d);
        }
        assert_eq!(
            image(true, "The DSL").details()[1],
            ("Who viewed it and why", "The DSL".to_string())
        );
        assert!(
            !image(false, "")
                .details()
                .iter()
                .any(|(k, _)| *k == "Who viewed it and why")
        );
    }
}
