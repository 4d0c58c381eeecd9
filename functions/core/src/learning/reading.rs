//! Reading a module one section at a time, with the position kept on the server: a person who
//! comes back (on any device) resumes where they were, moves with previous / next, and sees
//! roughly how many minutes are left. After two failed quiz attempts in a row, opening a section
//! the quiz sent the person back to is recorded here (the next attempt waits for it).

use super::{LearningError, Required, Setting, check_org, read_state};
use crate::content::render::Section;
use crate::identity::Person;
use crate::learning_state::{ItemRef, StateBody};
use crate::store::{Store, StoreError};

/// One section of a module as shown, with where it is in the module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadingView {
    pub module_id: String,
    pub title: String,
    pub version: String,
    /// 0-based.
    pub index: usize,
    pub count: usize,
    /// The organisation's names and contacts already substituted in.
    pub section: Section,
    pub previous: Option<usize>,
    /// None on the last section: the quiz comes next.
    pub next: Option<usize>,
    /// Estimated minutes left, this section included (the module's minutes, shared out evenly).
    pub minutes_left: u32,
    /// How many sections the person has reached so far.
    pub reached: usize,
}

/// Minutes left from section `index` of `count` in a module of `minutes`, rounded up.
pub fn minutes_left(minutes: u32, index: usize, count: usize) -> u32 {
    if count == 0 || index >= count {
        return 0;
    }
    let left = (count - index) as u32;
    (minutes * left).div_ceil(count as u32)
}

/// Shows a section of a module required of the person: `go_to` a section (previous / next /
/// a link), or `None` to resume where they were. Saves the position (1 read, and 1 write when
/// the position changes).
pub async fn read_module<S: Store>(
    store: &S,
    setting: &Setting<'_>,
    person: &Person,
    module_id: &str,
    go_to: Option<usize>,
) -> Result<ReadingView, LearningError> {
    check_org(setting, person)?;
    let module = Required::of(setting, person)
        .module(module_id)
        .ok_or_else(|| LearningError::NotAssigned(module_id.chars().take(80).collect()))?
        .for_org(setting.profile);
    let count = module.sections.len();
    if let Some(i) = go_to
        && i >= count
    {
        return Err(LearningError::UnknownSection(i));
    }
    if count == 0 {
        return Err(LearningError::UnknownSection(0));
    }
    let mut state = read_state(store, &person.org, &person.id, ItemRef::module(module_id)).await?;
    let counted_before = crate::counters::counter_of(&state);
    let StateBody::Module(m) = &mut state.body else {
        return Err(LearningError::Corrupt("module state expected".into()));
    };
    let same_version = m.reading_version.as_deref() == Some(module.version.as_str());
    let (saved_section, saved_reached) = if same_version {
        (m.section.min(count.saturating_sub(1)), m.sections_reached)
    } else {
        (0, 0)
    };
    let index = go_to.unwrap_or(saved_section);
    let reached = saved_reached.max(index + 1).min(count);
    let anchor = &module.sections[index].anchor;
    let mut opened_again = false;
    if let Some(r) = &mut m.read_again
        && r.sections.contains(anchor)
        && !r.opened.contains(anchor)
    {
        r.opened.push(anchor.clone());
        opened_again = true;
    }
    if !same_version || index != m.section || reached != m.sections_reached || opened_again {
        m.section = index;
        m.sections_reached = reached;
        m.reading_version = Some(module.version.clone());
        match super::write_state(store, person, counted_before, &state).await {
            Ok(()) => {}
            // Another tab moved at the same moment: showing the page matters more than which
            // position wins.
            Err(StoreError::ConditionFailed) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(ReadingView {
        module_id: module.id.clone(),
        title: module.title.clone(),
        version: module.version.clone(),
        index,
        count,
        section: module.sections[index].clone(),
        previous: index.checked_sub(1),
        next: (index + 1 < count).then_some(index + 1),
        minutes_left: minutes_left(module.minutes, index, count),
        reached,
    })
}
