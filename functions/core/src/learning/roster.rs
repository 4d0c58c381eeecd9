//! Who has completed a module, for the people who check completion (DSL, deputies, admins):
//! the module's completion list (gsi1 `COMPLETIONS#<module>`, one row per person, their latest
//! completion), flagging completions of an older version of the module. Names come from the
//! organisation's people list. The full dashboard (counts, overdue, exports) is a later piece.

use super::LearningError;
use crate::identity::people;
use crate::keys;
use crate::learning_state::{Completion, ItemKind, ItemRef, StoredState};
use crate::org::OrgId;
use crate::store::{Index, Item, Query, Store};
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
                    .limit(1000)
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

/// One person's stored state of an item (module or AUP).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonState {
    pub person_id: String,
    pub state: StoredState,
}

/// Every stored state of one module or AUP in the organisation: a module's completion and
/// in-progress lists, an AUP's signature list (an AUP state exists only once signed). Costs one
/// query per 1 MB of states, never one per person; people with no state have not started.
pub async fn states_of<S: Store>(
    store: &S,
    org: &OrgId,
    item: &ItemRef,
) -> Result<Vec<PersonState>, LearningError> {
    let lists = match item.kind {
        ItemKind::Module => vec![
            keys::completions_index(org, &item.id),
            keys::in_progress_index(org, &item.id),
        ],
        ItemKind::Aup => vec![keys::aup_signed_index(org, &item.id)],
    };
    let mut states = Vec::new();
    for list in lists {
        let mut cursor = None;
        loop {
            let page = store
                .query(
                    &Query::partition(list.clone())
                        .on_index(Index::Gsi1)
                        .limit(1000)
                        .after(cursor),
                )
                .await?;
            for it in &page.items {
                states.push(person_state(it)?);
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    Ok(states)
}

fn person_state(item: &Item) -> Result<PersonState, LearningError> {
    let (person_id, state) = StoredState::read(item)?;
    Ok(PersonState { person_id, state })
}
