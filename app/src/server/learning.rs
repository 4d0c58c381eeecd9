//! The learning journey's use cases for the pages: my training, reading a module section by
//! section, its quiz, AUP sign-off, certificates and their public check. Thin: every rule is in
//! `safety_core::learning`; this calls it with the site's setting and turns its answers into
//! what a page shows, with the [`Outcome`] the edge turns into a status.

use super::{Outcome, SiteState, Viewer};
use chrono::{DateTime, Utc};
use safety_core::dates;
use safety_core::learning::{
    self as core, Answers, AupDocument, CertificateCode, LearningError, QuizResult, QuizView,
    ReadingView, SignAup, Training, TrainingItem,
};

/// The status a refusal of the core answers with. Store failures are logged here.
pub fn outcome_of(e: &LearningError) -> Outcome {
    match e {
        LearningError::WrongOrganisation | LearningError::NotAssigned(_) => Outcome::Forbidden,
        LearningError::NoQuiz(_)
        | LearningError::UnknownSection(_)
        | LearningError::CertificateNotFound => Outcome::NotFound,
        LearningError::UnknownAttempt
        | LearningError::ModuleChanged
        | LearningError::NotCurrentVersion { .. }
        | LearningError::Conflict
        | LearningError::ReadAgainFirst(_) => Outcome::Conflict,
        LearningError::MissingAnswers(_)
        | LearningError::ExtraAnswers(_)
        | LearningError::UnknownOption { .. }
        | LearningError::TamperedText
        | LearningError::NameDoesNotMatch
        | LearningError::DeclarationNotTicked => Outcome::Invalid,
        LearningError::Store(_) | LearningError::Corrupt(_) => {
            tracing::error!(error = %e, "a learning record could not be read or written");
            Outcome::Unavailable
        }
    }
}

/// A refusal as a page shows it: a plain message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    pub message: String,
    pub outcome: Outcome,
}

impl From<LearningError> for Refused {
    fn from(e: LearningError) -> Refused {
        Refused {
            outcome: outcome_of(&e),
            message: e.user_message(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// My training

/// What `/me/training` shows.
#[derive(Clone, Debug)]
pub struct MyTraining(pub Result<Training, Refused>);

pub async fn my_training(site: &SiteState, viewer: &Viewer, now: DateTime<Utc>) -> MyTraining {
    MyTraining(
        core::my_training(
            &site.store,
            super::easy_read::learning_setting(site, viewer).await,
            &viewer.person,
            now,
        )
        .await
        .map_err(Refused::from),
    )
}

/// The item to do first: the first one due, modules before AUPs (the profile's order).
pub fn next_item(training: &Training) -> Option<&TrainingItem> {
    training.items.iter().find(|i| i.status.is_due())
}

// ---------------------------------------------------------------------------------------------
// Reading a module

/// What `/learn/{id}` shows a signed-in person the module is required of.
#[derive(Clone, Debug)]
pub struct Reading(pub Result<ReadingView, Refused>);

/// Whether the module is part of the person's training (otherwise they get the public page).
pub fn is_required_module(site: &SiteState, viewer: &Viewer, module_id: &str) -> bool {
    viewer.person.org == site.org_id
        && core::Required::of(&site.setting(), &viewer.person)
            .module(module_id)
            .is_some()
}

/// Shows a section (`go_to`) or the one where the person stopped (`None`), saving the position.
pub async fn read(
    site: &SiteState,
    viewer: &Viewer,
    module_id: &str,
    go_to: Option<usize>,
) -> Reading {
    Reading(
        core::read_module(
            &site.store,
            &super::easy_read::learning_setting(site, viewer).await,
            &viewer.person,
            module_id,
            go_to,
        )
        .await
        .map_err(Refused::from),
    )
}

/// A section number as typed in an address or a form ("1" is the first), 0-based.
pub fn section_index(typed: Option<&str>) -> Result<Option<usize>, Refused> {
    match typed.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => match t.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(Some(n - 1)),
            _ => Err(LearningError::UnknownSection(0).into()),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Quizzes

/// What `/learn/{id}/quiz` shows.
#[derive(Clone, Debug)]
pub enum QuizScreen {
    /// The questions, with what was ticked and why it was not accepted (when sent back).
    Questions {
        quiz: QuizView,
        chosen: Answers,
        error: Option<String>,
    },
    /// A graded attempt; `repeat` when this attempt had been sent before.
    Result {
        result: QuizResult,
        repeat: bool,
    },
    /// Two failed attempts in a row: the sections to open again before the next attempt.
    ReadAgain {
        module_id: String,
        message: String,
        sections: Vec<core::SectionToRead>,
    },
    Refused(Refused),
}

impl QuizScreen {
    pub fn outcome(&self) -> Outcome {
        match self {
            QuizScreen::Questions { error: Some(_), .. } => Outcome::Invalid,
            QuizScreen::Refused(r) => r.outcome,
            QuizScreen::ReadAgain { .. } => Outcome::Conflict,
            _ => Outcome::Ok,
        }
    }
}

/// Starts an attempt, or shows the one in progress.
pub async fn start_quiz(
    site: &SiteState,
    viewer: &Viewer,
    module_id: &str,
    now: DateTime<Utc>,
) -> QuizScreen {
    let setting = super::easy_read::learning_setting(site, viewer).await;
    match core::start_quiz(&site.store, &setting, &viewer.person, module_id, now).await {
        Ok(quiz) => QuizScreen::Questions {
            quiz,
            chosen: Answers::new(),
            error: None,
        },
        Err(LearningError::ReadAgainFirst(sections)) => QuizScreen::ReadAgain {
            module_id: module_id.to_string(),
            message: LearningError::ReadAgainFirst(sections.clone()).user_message(),
            sections,
        },
        Err(e) => QuizScreen::Refused(e.into()),
    }
}

/// Grades an attempt. A refused answer sheet comes back with what was ticked.
pub async fn submit_quiz(
    site: &SiteState,
    viewer: &Viewer,
    module_id: &str,
    attempt_id: &str,
    answers: Answers,
    now: DateTime<Utc>,
) -> QuizScreen {
    let setting = super::easy_read::learning_setting(site, viewer).await;
    let submitted = core::submit_quiz(
        &site.store,
        &setting,
        &viewer.person,
        module_id,
        attempt_id,
        &answers,
        now,
    )
    .await;
    match submitted {
        Ok(s) => QuizScreen::Result {
            result: s.result,
            repeat: s.repeat,
        },
        Err(
            e @ (LearningError::MissingAnswers(_)
            | LearningError::ExtraAnswers(_)
            | LearningError::UnknownOption { .. }),
        ) => {
            let message = e.user_message();
            match core::render_quiz(&site.store, &setting, &viewer.person, module_id, attempt_id)
                .await
            {
                Ok(quiz) => QuizScreen::Questions {
                    quiz,
                    chosen: answers,
                    error: Some(message),
                },
                Err(e) => QuizScreen::Refused(e.into()),
            }
        }
        Err(e) => QuizScreen::Refused(e.into()),
    }
}

/// Reads the answers of a posted quiz: every field named after a question (`q1`, `q2`, ...),
/// each value an option id. Other fields are not answers.
pub fn answers_from_fields<'a>(fields: impl Iterator<Item = (&'a str, &'a str)>) -> Answers {
    let mut answers = Answers::new();
    for (name, value) in fields {
        if let Some(q) = name.strip_prefix("answer-")
            && !q.is_empty()
            && q.len() <= 20
        {
            answers
                .entry(q.to_string())
                .or_default()
                .push(value.chars().take(20).collect());
        }
    }
    answers
}

// ---------------------------------------------------------------------------------------------
// AUPs

/// The sign form as typed, kept when it is refused.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AupForm {
    pub typed_name: String,
    pub declaration: bool,
}

/// What `/aup/{id}` shows a signed-in person the AUP is required of.
#[derive(Clone, Debug)]
pub struct AupScreen {
    /// Exactly the text hashed: the page shows it as it is.
    pub doc: AupDocument,
    /// The person's status of this AUP (None when it could not be read).
    pub item: Option<TrainingItem>,
    pub form: AupForm,
    pub error: Option<String>,
    /// Signed just now (or a repeated form that had already signed it).
    pub just_signed: bool,
    /// Must sign again because the organisation published a new major version: what changed.
    pub what_changed: Option<super::policies::WhatChanged>,
    pub outcome: Outcome,
}

impl AupScreen {
    /// Whether the sign form is shown: not signed, a new version, or renewal time.
    pub fn can_sign(&self) -> bool {
        !self.just_signed && self.item.as_ref().is_none_or(|i| i.status.is_due())
    }
}

/// Whether the AUP is required of the person (otherwise they get the public page).
pub fn is_required_aup(site: &SiteState, viewer: &Viewer, aup_id: &str) -> bool {
    viewer.person.org == site.org_id
        && core::Required::of(&site.setting(), &viewer.person)
            .aup(aup_id)
            .is_some()
}

pub(super) async fn aup_item(
    site: &SiteState,
    viewer: &Viewer,
    aup_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<TrainingItem>, LearningError> {
    let setting = super::easy_read::learning_setting(site, viewer).await;
    let training = core::my_training(&site.store, setting, &viewer.person, now).await?;
    Ok(training
        .items
        .into_iter()
        .find(|i| i.kind == core::ItemKind::Aup && i.id == aup_id))
}

/// The AUP to read and sign, with the person's status of it.
pub async fn aup(
    site: &SiteState,
    viewer: &Viewer,
    aup_id: &str,
    now: DateTime<Utc>,
) -> Result<AupScreen, Refused> {
    let setting = super::easy_read::learning_setting(site, viewer).await;
    let doc = AupDocument::for_person(&setting, &viewer.person, aup_id)?;
    let item = aup_item(site, viewer, aup_id, now).await?;
    Ok(AupScreen {
        what_changed: super::policies::what_changed(site, aup_id, item.as_ref()),
        doc,
        item,
        form: AupForm::default(),
        error: None,
        just_signed: false,
        outcome: Outcome::Ok,
    })
}

/// Signs the AUP; a refusal comes back with the name typed and why.
pub async fn sign_aup(
    site: &SiteState,
    viewer: &Viewer,
    form: SignAup,
    now: DateTime<Utc>,
) -> Result<AupScreen, Refused> {
    let setting = super::easy_read::learning_setting(site, viewer).await;
    let signed = core::sign_aup(&site.store, &setting, &viewer.person, &form, now).await;
    let mut screen = aup(site, viewer, &form.aup_id, now).await?;
    match signed {
        Ok(_) => screen.just_signed = true,
        Err(e) => {
            if matches!(e, LearningError::NotAssigned(_)) {
                return Err(e.into());
            }
            screen.outcome = outcome_of(&e);
            screen.error = Some(e.user_message());
            screen.form = AupForm {
                typed_name: form.typed_name.chars().take(200).collect(),
                declaration: form.declaration,
            };
        }
    }
    Ok(screen)
}

/// A signed text as its signer sees it.
#[derive(Clone, Debug)]
pub struct SignedTextScreen {
    pub aup_id: String,
    pub title: String,
    pub version: String,
    pub typed_name: String,
    pub signed_on: String,
    /// Exactly the HTML signed (stored under its hash, checked against it).
    pub html: String,
}

/// The exact text the person signed, by its hash: only their own latest signature of the AUP.
pub async fn signed_text(
    site: &SiteState,
    viewer: &Viewer,
    aup_id: &str,
    sha256: &str,
    now: DateTime<Utc>,
) -> Result<SignedTextScreen, Refused> {
    let not_found = || {
        Refused {
        message: "We could not find a signature of yours for this text. Go back to My training to see what you signed.".into(),
        outcome: Outcome::NotFound,
    }
    };
    let item = aup_item(site, viewer, aup_id, now)
        .await?
        .ok_or_else(not_found)?;
    let signature = item
        .signature
        .filter(|s| s.sha256.eq_ignore_ascii_case(sha256.trim()))
        .ok_or_else(not_found)?;
    let html = core::signed_text(&site.store, &site.org_id, &signature.sha256)
        .await?
        .ok_or_else(not_found)?;
    Ok(SignedTextScreen {
        aup_id: item.id,
        title: item.title,
        version: signature.version,
        typed_name: signature.typed_name,
        signed_on: dates::parse(&signature.signed_at)
            .map(dates::show_date_time)
            .unwrap_or(signature.signed_at),
        html,
    })
}

// ---------------------------------------------------------------------------------------------
// Certificates

/// A certificate as its owner prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateScreen {
    /// The organisation that gives it.
    pub org_name: String,
    pub name: String,
    pub module_title: String,
    pub module_version: String,
    pub completed_on: String,
    /// When it must be renewed (staff modules); `None`: it does not expire.
    pub valid_until: Option<String>,
    /// Months between renewals, when it expires.
    pub renewal_months: Option<u32>,
    pub score: u32,
    pub out_of: u32,
    pub code: String,
    /// Who signs it: the designated safeguarding lead, from the organisation's profile.
    pub signatory: Signatory,
    /// The full address that checks it (`<site>/verify?code=...`), printed and in the QR code.
    pub verify_url: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signatory {
    pub name: String,
    /// Their role on the certificate, e.g. "Designated Safeguarding Lead".
    pub role: String,
}

/// The certificate with this code, if it is one of the person's current completions.
/// `base_url` is the site's public address (as in emailed links), for the verification address.
pub async fn own_certificate(
    site: &SiteState,
    viewer: &Viewer,
    code: &str,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<CertificateScreen, Refused> {
    let not_found = || {
        Refused {
        message: "We could not find this certificate among yours. Your certificates are linked from My training.".into(),
        outcome: Outcome::NotFound,
    }
    };
    let code = CertificateCode::parse(code).ok_or_else(not_found)?;
    let training = core::my_training(&site.store, site.setting(), &viewer.person, now).await?;
    let (item, completion) = training
        .items
        .into_iter()
        .find_map(|i| {
            let c = i
                .completion
                .clone()
                .filter(|c| c.certificate_code == code.as_str())?;
            Some((i, c))
        })
        .ok_or_else(not_found)?;
    let show = |t: &str| dates::parse(t).map(dates::show_date);
    let valid_until = completion.valid_until.as_deref().and_then(show);
    let dsl = &site.org.dsl;
    const DSL: &str = "Designated Safeguarding Lead";
    let title = dsl.title.trim();
    let role = if title.is_empty() || title.eq_ignore_ascii_case(DSL) {
        DSL.to_string()
    } else {
        format!("{title}, {DSL}")
    };
    Ok(CertificateScreen {
        org_name: site.org.name.clone(),
        name: viewer.person.name.clone(),
        module_title: item.title,
        module_version: completion.module_version.clone(),
        completed_on: show(&completion.completed_at).unwrap_or_default(),
        renewal_months: valid_until.as_ref().map(|_| site.org.renewal_months),
        valid_until,
        score: completion.score,
        out_of: completion.out_of,
        signatory: Signatory {
            name: dsl.name.clone(),
            role,
        },
        verify_url: format!(
            "{}/verify?code={}",
            base_url.trim_end_matches('/'),
            code.display()
        ),
        code: code.display(),
    })
}

/// What `/verify` shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyScreen {
    /// The form alone.
    Form,
    Found {
        typed: String,
        name: String,
        what: String,
        when: String,
    },
    Refused {
        typed: String,
        message: String,
        outcome: Outcome,
    },
}

impl VerifyScreen {
    pub fn outcome(&self) -> Outcome {
        match self {
            VerifyScreen::Refused { outcome, .. } => *outcome,
            _ => Outcome::Ok,
        }
    }
}

/// Certificate checks one address may make per window (the codes are 80 random bits; this
/// keeps the page from being used to hammer the store).
const VERIFY_LIMIT: u32 = 30;
const VERIFY_WINDOW_SECS: u64 = 15 * 60;

/// The public certificate check from `address`: the form when no code was typed, else name,
/// what and when; nothing else. Each address may check [`VERIFY_LIMIT`] codes per 15 minutes.
pub async fn verify(site: &SiteState, typed: Option<&str>, address: &str) -> VerifyScreen {
    use safety_core::rate_limit;
    let Some(typed) = typed.filter(|c| !c.trim().is_empty()) else {
        return VerifyScreen::Form;
    };
    let typed: String = typed.chars().take(60).collect();
    let bucket = rate_limit::bucket(&site.secret, "verify-ip", address);
    let counted = rate_limit::check(
        &site.store,
        &site.org_id,
        &bucket,
        VERIFY_LIMIT,
        VERIFY_WINDOW_SECS,
        Utc::now(),
    )
    .await;
    match counted {
        Ok(d) if !d.allowed => {
            return VerifyScreen::Refused {
                typed,
                message: "Too many certificates were checked from here just now. Please wait a few minutes and try again.".into(),
                outcome: Outcome::TooMany,
            };
        }
        Err(e) => {
            tracing::error!(error = %e, "the certificate check could not count this request");
            return VerifyScreen::Refused {
                typed,
                message:
                    "Sorry, we could not check certificates just now. Please try again in a minute."
                        .into(),
                outcome: Outcome::Unavailable,
            };
        }
        Ok(_) => {}
    }
    match core::verify_certificate(&site.store, &site.org_id, &typed).await {
        Ok(v) => VerifyScreen::Found {
            when: v.when_shown(),
            name: v.name,
            what: v.what,
            typed,
        },
        Err(e) => VerifyScreen::Refused {
            outcome: outcome_of(&e),
            message: e.user_message(),
            typed,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Who has completed a module (for the people who check completion)

/// What `/completions/{module}` shows: the module, and each person's latest completion.
#[derive(Clone, Debug)]
pub struct RosterScreen(pub Result<Roster, Refused>);

#[derive(Clone, Debug)]
pub struct Roster {
    pub module_id: String,
    pub title: String,
    pub current_version: String,
    pub rows: Vec<core::roster::CompletionRow>,
}

/// The completions of `module_id` (the caller has checked `may(.., Action::ViewCompletion)`).
pub async fn roster(site: &SiteState, module_id: &str) -> RosterScreen {
    let Some(page) = site.page(safety_core::content::Kind::Module, module_id) else {
        return RosterScreen(Err(Refused {
            message: "There is no module at this address.".into(),
            outcome: Outcome::NotFound,
        }));
    };
    let rows =
        core::roster::completions_of(&site.store, &site.org_id, module_id, &page.version).await;
    RosterScreen(match rows {
        Ok(rows) => Ok(Roster {
            module_id: module_id.to_string(),
            title: page.title.clone(),
            current_version: page.version.clone(),
            rows,
        }),
        Err(e) => {
            tracing::warn!(error = %e, module_id, "a module's completions could not be read");
            Err(e.into())
        }
    })
}
