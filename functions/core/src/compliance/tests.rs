//! The build of a new item's "not started" entries when someone moves under it.

use super::*;
use crate::identity::NewPerson;
use crate::learning::Setting;
use crate::roles::Role;
use crate::store::embedded::EmbeddedStore;

/// Ada starts the module after the build read the states: the batch holding her and Ben is
/// refused (her state is no longer as read), and each is then written on their own: Ben gets
/// his entry, Ada none (she is in progress).
#[tokio::test]
async fn a_batch_refused_because_someone_started_meanwhile_is_written_person_by_person() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    let library = crate::content::load_embedded().unwrap();
    let mut profile = library.org("demo").unwrap().clone();
    profile.id = OrgId::parse("batch").unwrap();
    let org = profile.id.clone();
    let setting = Setting {
        library: &library,
        profile: &profile,
    };
    let now = Utc::now();
    let mut invited = Vec::new();
    for name in ["Ada Learner", "Ben Learner"] {
        let new = NewPerson {
            email: format!("{}@example.org", name.split(' ').next().unwrap()),
            name: name.into(),
            roles: vec![Role::Learner],
            groups: vec![],
        };
        invited.push(people::invite(&store, &org, &new, now).await.unwrap());
    }
    let (ada, ben) = (&invited[0], &invited[1]);
    const MODULE: &str = "four-cs-of-online-risk";
    let item = ItemRef::module(MODULE);
    let new = vec![item.clone()];
    // As the build read them: nobody had a state.
    let mut states = BTreeMap::new();
    let ops: Vec<TxOp> = [ada, ben]
        .into_iter()
        .flat_map(|p| new_items_ops(p, &new, &states))
        .collect();
    assert_eq!(
        ops.len(),
        6,
        "a check of each person, of each state, and each entry"
    );
    crate::learning::read_module(&store, &setting, ada, MODULE, None)
        .await
        .unwrap();

    let batch = vec![(ada.clone(), 1), (ben.clone(), 1)];
    let written = write_batch(&store, batch, ops, &new, &mut states)
        .await
        .unwrap();
    assert_eq!(written, 1, "Ben's only");
    let entry = |p: &Person, sort: &str| keys::standing(&org, &item.key_part(), sort, &p.id);
    assert!(store.get(&entry(ben, "none")).await.unwrap().is_some());
    assert!(store.get(&entry(ada, "none")).await.unwrap().is_none());
    assert!(store.get(&entry(ada, "started")).await.unwrap().is_some());
}
