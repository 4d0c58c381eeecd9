//! Acceptable Use Policies: the document as shown, and signing it.
//!
//! The text a person reads is the AUP's sections with the organisation's names substituted in,
//! as HTML ([`AupDocument::html`]); its SHA-256 goes into the sign form and comes back with it.
//! A signature records the AUP id, version, that hash, the name as typed, the signer and the
//! time; the text itself is stored once per hash (`AUPTEXT#<sha256>`), so [`signed_text`]
//! returns exactly what was signed long after the AUP has changed.
//!
//! Refused, writing nothing: another organisation, an AUP not required of the person, a version
//! that is no longer current, a hash that is not the current text's, a name that does not match
//! the person's, the declaration not ticked. Signing again while a signature of the same text
//! stands returns it and writes nothing (a double click). 2 reads + 1 transaction.

use super::summary::{Status, evaluate_aup};
use super::{LearningError, Required, Setting, check_org, completion, read_state};
use crate::content::Page;
use crate::crypto;
use crate::identity::Person;
use crate::keys;
use crate::learning_state::{
    AupSignatureRecord, AupTextRecord, ItemRef, Signature, StateBody, StoredState,
};
use crate::org::OrgId;
use crate::store::record::{from_item, to_item};
use crate::store::{Condition, Store, StoreError, TxOp};
use chrono::{DateTime, Utc};

/// Longest typed name accepted (the people module allows 100 characters).
const MAX_TYPED_NAME: usize = 200;

/// An AUP as shown for signing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AupDocument {
    pub id: String,
    pub title: String,
    pub version: String,
    /// The exact text shown (HTML): show it as it is, so what is hashed is what is read.
    pub html: String,
    /// SHA-256 (hex) of `html`'s UTF-8 bytes.
    pub sha256: String,
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl AupDocument {
    /// The current version of an AUP page for an organisation.
    pub fn of(setting: &Setting, page: &Page) -> AupDocument {
        let page = page.for_org(setting.profile);
        let mut html = String::new();
        for s in &page.sections {
            if !s.title.is_empty() {
                html.push_str(&format!(
                    "<h2 id=\"{}\">{}</h2>\n",
                    escape(&s.anchor),
                    escape(&s.title)
                ));
            }
            html.push_str(&s.html);
            if !html.ends_with('\n') {
                html.push('\n');
            }
        }
        AupDocument {
            sha256: crypto::sha256_hex(html.as_bytes()),
            id: page.id,
            title: page.title,
            version: page.version,
            html,
        }
    }

    /// The current version of an AUP required of the person.
    pub fn for_person(
        setting: &Setting,
        person: &Person,
        aup_id: &str,
    ) -> Result<AupDocument, LearningError> {
        check_org(setting, person)?;
        let page = Required::of(setting, person)
            .aup(aup_id)
            .ok_or_else(|| LearningError::NotAssigned(aup_id.chars().take(80).collect()))?;
        Ok(AupDocument::of(setting, page))
    }
}

/// The sign form as posted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignAup {
    pub aup_id: String,
    /// The version shown.
    pub version: String,
    /// The hash of the text shown.
    pub sha256: String,
    pub typed_name: String,
    /// "I have read and agree to ..." ticked.
    pub declaration: bool,
}

/// What [`sign_aup`] returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    pub signature: Signature,
    /// True when this text was already signed and the signature stands: nothing was written.
    pub repeat: bool,
}

/// Folds what differs between ways of typing the same name: case, runs of spaces (including
/// non-breaking ones), curly and straight apostrophes, the various dashes and hyphens.
fn fold_name(name: &str) -> String {
    let mapped: String = name
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}'
            | '\u{00B4}' | '`' | '\u{FF07}' => '\'',
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a typed name is the person's name, ignoring case, extra spaces, and curly versus
/// straight apostrophes and dashes.
pub fn names_match(typed: &str, name: &str) -> bool {
    let typed = fold_name(typed);
    !typed.is_empty() && typed == fold_name(name)
}

/// Signs the current version of an AUP required of the person.
pub async fn sign_aup<S: Store>(
    store: &S,
    setting: &Setting<'_>,
    person: &Person,
    form: &SignAup,
    now: DateTime<Utc>,
) -> Result<Signed, LearningError> {
    let doc = AupDocument::for_person(setting, person, &form.aup_id)?;
    if form.version.trim() != doc.version {
        return Err(LearningError::NotCurrentVersion {
            offered: form.version.chars().take(20).collect(),
            current: doc.version,
        });
    }
    if !crypto::constant_time_eq(
        form.sha256.trim().to_ascii_lowercase().as_bytes(),
        doc.sha256.as_bytes(),
    ) {
        return Err(LearningError::TamperedText);
    }
    if !form.declaration {
        return Err(LearningError::DeclarationNotTicked);
    }
    if form.typed_name.chars().count() > MAX_TYPED_NAME
        || !names_match(&form.typed_name, &person.name)
    {
        return Err(LearningError::NameDoesNotMatch);
    }
    let page = setting
        .library
        .page(crate::content::Kind::Aup, &doc.id)
        .expect("found by Required");
    let org = &person.org;
    let item = ItemRef::aup(&doc.id);
    let state = read_state(store, org, &person.id, item.clone()).await?;
    if let Some(existing) = standing(page, &state, &doc, now) {
        return Ok(Signed {
            signature: existing,
            repeat: true,
        });
    }
    let text_key = keys::aup_text(org, &doc.sha256);
    let text_stored = store.get(&text_key).await?.is_some();

    let at = crate::store::timestamp(now);
    let signature = Signature {
        signature_id: uuid::Uuid::new_v4().to_string(),
        aup_id: doc.id.clone(),
        version: doc.version.clone(),
        sha256: doc.sha256.clone(),
        typed_name: form
            .typed_name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        signer_id: person.id.clone(),
        signed_at: at.clone(),
        valid_until: completion::valid_until(setting, page, now).map(crate::store::timestamp),
    };
    let new_state = StoredState {
        item: item.clone(),
        rev: state.rev,
        body: StateBody::Aup(crate::learning_state::AupState {
            signature: Some(signature.clone()),
            cosignature: None,
        }),
    };
    let mut ops = vec![
        new_state.put_op(org, &person.id),
        TxOp::Put {
            item: to_item(
                &keys::learning_history(
                    org,
                    &person.id,
                    &item.key_part(),
                    &at,
                    &signature.signature_id,
                ),
                &AupSignatureRecord {
                    signature: signature.clone(),
                    valid_until: signature.valid_until.clone(),
                },
            ),
            condition: Condition::NotExists,
        },
    ];
    let mut counts = crate::counters::Tally::default();
    counts.learning_change(person, &state, &new_state.body);
    if !counts.is_empty() {
        ops.push(crate::counters::person_unchanged(person));
        ops.extend(counts.into_ops());
    }
    if !text_stored {
        // The same hash is the same text: a concurrent first signer writes identical content.
        ops.push(TxOp::Put {
            item: to_item(
                &text_key,
                &AupTextRecord {
                    aup_id: doc.id.clone(),
                    version: doc.version.clone(),
                    text: doc.html.clone(),
                },
            ),
            condition: Condition::Always,
        });
    }
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(
                org = %org,
                person_id = person.id,
                aup_id = doc.id,
                version = doc.version,
                "AUP signed"
            );
            Ok(Signed {
                signature,
                repeat: false,
            })
        }
        Err(StoreError::TransactionConditionFailed { .. }) => {
            let state = read_state(store, org, &person.id, item).await?;
            standing(page, &state, &doc, now)
                .map(|signature| Signed {
                    signature,
                    repeat: true,
                })
                .ok_or(LearningError::Conflict)
        }
        Err(e) => Err(e.into()),
    }
}

/// The person's signature of exactly this text, when it still stands (not expiring).
pub(crate) fn standing(
    page: &Page,
    state: &StoredState,
    doc: &AupDocument,
    now: DateTime<Utc>,
) -> Option<Signature> {
    let a = state.aup()?;
    let s = a.signature.as_ref()?;
    // Of the same major version: a minor version changes only wording, and the signature of
    // the text signed then still stands (that text stays readable by its hash).
    let same = super::major(&s.version) == super::major(&doc.version);
    (same && evaluate_aup(page, Some(a), now).status == Status::Passed).then(|| s.clone())
}

/// The exact text signed under this hash, if any signature used it. 1 read.
pub async fn signed_text<S: Store>(
    store: &S,
    org: &OrgId,
    sha256: &str,
) -> Result<Option<String>, LearningError> {
    let sha = sha256.trim().to_ascii_lowercase();
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let Some(item) = store.get(&keys::aup_text(org, &sha)).await? else {
        return Ok(None);
    };
    let text = from_item::<AupTextRecord>(&item)
        .map_err(|e| LearningError::Corrupt(e.to_string()))?
        .text;
    if crypto::sha256_hex(text.as_bytes()) != sha {
        return Err(LearningError::Corrupt(
            "AUP text does not match its hash".into(),
        ));
    }
    Ok(Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_ignoring_case_spaces_apostrophes_and_dashes() {
        let name = "Siobhán O'Neill-Smith";
        for typed in [
            "Siobhán O'Neill-Smith",
            "siobhán o'neill-smith",
            "  SIOBHÁN   O’Neill‐Smith ",
            "Siobhán O‘Neill–Smith",
            "Siobhán\u{a0}O'Neill—Smith",
            "Siobhán Oʼneill-smith",
        ] {
            assert!(names_match(typed, name), "{typed}");
        }
        for typed in [
            "",
            "   ",
            "Siobhan O'Neill-Smith",
            "Siobhán ONeill-Smith",
            "Siobhán O'Neill Smith",
            "S O'Neill-Smith",
            "Siobhán O'Neill-Smith Jr",
        ] {
            assert!(!names_match(typed, name), "{typed}");
        }
        assert!(names_match("dana dsl", "Dana DSL"));
    }

    #[test]
    fn titles_in_the_signed_text_are_escaped() {
        assert_eq!(
            escape("A & <b> \"q\" 'a'"),
            "A &amp; &lt;b&gt; &quot;q&quot; &#39;a&#39;"
        );
    }
}
