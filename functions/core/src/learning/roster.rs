//! Who has completed a module, for the people who check completion (DSL, deputies, admins):
//! the module's completion list (gsi1 `COMPLETIONS#<module>`, one row per person, their latest
//! completion), flagging completions of an older version of the module. Names come from the
//! organisation's people list. The full dashboard (counts, overdue, exports) is a later piece.

use super::LearningError;
use super::state::{Completion, StoredState};
use crate::identity::people;
use crate::keys;
use crate::org::OrgId;
use crate::store::{Index, Query, Store};
use std::collections::HashMap;

/// One person's latest completion of a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionRow {
    pub person_id: String,
    /// Their name, or "(no longer in the organisation)" when the person is gone.
    pub name: String,
    pub completion: Completion,
    /// Completed a version other than `current_version`.
    pub older_version: bool,
}

/// Everyone's latest completion of `module_id`, oldest first; `current_version` is the module's
/// version now (from the content).
pub async fn completions_of<S: Store>(
    store: &S,
    org: &OrgId,
    module_id: &str,
    current_version: &str,
) -> Result<Vec<CompletionRow>, LearningError> {
    let mut completions = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::partition(keys::completions_index(org, module_id))
                    .on_index(Index::Gsi1)
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            let state = StoredState::from_item(item)?;
            if let Some(c) = state.module().and_then(|m| m.completion.clone()) {
                completions.push(c);
            }
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    if completions.is_empty() {
        return Ok(Vec::new());
    }
    let names: HashMap<String, String> = people::list_all(store, org)
        .await
        .map_err(|e| match e {
            people::PeopleError::Store(s) => LearningError::Store(s),
            other => LearningError::Corrupt(other.to_string()),
        })?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    Ok(completions
        .into_iter()
        .map(|c| CompletionRow {
            name: names
                .get(&c.person_id)
                .cloned()
                .unwrap_or_else(|| "(no longer in the organisation)".into()),
            person_id: c.person_id.clone(),
            older_version: c.module_version != current_version,
            completion: c,
        })
        .collect())
}
