//! The AUP signatures: one row per person and AUP they have signed (their latest signature,
//! the one that counts or counted), people by name. Deactivated people are included: what they
//! signed stays evidence. Columns: `name`, `email`, `aup`, `version signed`, `current version`
//! (`yes` when the signed version is the AUP's version now), `signed at` (UK time), `valid
//! until` (staff AUPs; empty: until a new version), `sha256` (of the exact text signed, kept
//! under `AUPTEXT#<sha256>` and readable at `/aup/{id}/signed/{sha256}`), `typed name`, and for
//! a child under 16 whose linked parent co-signed that signature, `co-signed by (parent or
//! carer)` (the name the parent typed) and `co-signed at` (UK time); empty otherwise.

use super::csv::CsvWriter;
use super::{ExportError, Standings, csv_date, csv_date_time, people_page};
use crate::identity::Person;
use crate::learning::Setting;
use crate::learning_state::ItemKind;
use crate::org::OrgId;
use crate::store::Store;
use chrono::{DateTime, Utc};

pub const COLUMNS: [&str; 11] = [
    "name",
    "email",
    "aup",
    "version signed",
    "current version",
    "signed at",
    "valid until",
    "sha256",
    "typed name",
    "co-signed by (parent or carer)",
    "co-signed at",
];

/// The signatures, ready to be written page by page of people.
pub struct Signatures<'a> {
    pub standings: Standings<'a>,
}

impl<'a> Signatures<'a> {
    /// Reads every AUP's signature list (one pass per AUP).
    pub async fn load<S: Store>(
        store: &S,
        setting: Setting<'a>,
        org: &OrgId,
        now: DateTime<Utc>,
    ) -> Result<Signatures<'a>, ExportError> {
        Ok(Signatures {
            standings: Standings::load(store, setting, org, &[ItemKind::Aup], now).await?,
        })
    }

    pub fn write_header(&self, w: &mut CsvWriter) {
        w.record(&COLUMNS);
    }

    /// Writes the signatures of `people` (of this organisation); returns how many rows.
    pub fn write_rows(&self, people: &[Person], w: &mut CsvWriter) -> usize {
        let mut rows = 0;
        for person in people.iter().filter(|p| p.org == self.standings.org) {
            for (i, col) in self.standings.columns.iter().enumerate() {
                let cell = self.standings.stored(&person.id, i);
                let Some(s) = cell.and_then(|c| c.signature.as_deref()) else {
                    continue;
                };
                let cosignature = cell.and_then(|c| c.cosignature.as_ref());
                let signed_at = crate::dates::parse(&s.signed_at);
                let valid_until = s.valid_until.as_deref().and_then(crate::dates::parse);
                w.record(&[
                    person.name.clone(),
                    person.email.clone(),
                    s.aup_id.clone(),
                    s.version.clone(),
                    if s.version == col.page.version {
                        "yes".into()
                    } else {
                        "no".into()
                    },
                    signed_at
                        .map(csv_date_time)
                        .unwrap_or_else(|| s.signed_at.clone()),
                    valid_until.map(csv_date).unwrap_or_default(),
                    s.sha256.clone(),
                    s.typed_name.clone(),
                    cosignature
                        .map(|c| c.typed_name.clone())
                        .unwrap_or_default(),
                    cosignature
                        .and_then(|c| crate::dates::parse(&c.cosigned_at))
                        .map(csv_date_time)
                        .unwrap_or_default(),
                ]);
                rows += 1;
            }
        }
        rows
    }
}

/// Every signature as one CSV text (with the BOM), and the number of rows.
pub async fn signatures_csv<S: Store>(
    store: &S,
    setting: Setting<'_>,
    org: &OrgId,
    now: DateTime<Utc>,
) -> Result<(String, usize), ExportError> {
    let sigs = Signatures::load(store, setting, org, now).await?;
    let mut w = CsvWriter::with_bom();
    sigs.write_header(&mut w);
    let mut rows = 0;
    let mut cursor = None;
    loop {
        let (people, next) = people_page(store, org, cursor).await?;
        rows += sigs.write_rows(&people, &mut w);
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok((w.finish(), rows))
}
