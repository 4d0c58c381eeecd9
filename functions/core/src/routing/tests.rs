//! The routing table over organisations' real shapes: one person holding several roles, roles
//! vacant, deactivated holders.

use super::*;
use crate::org::OrgId;
use Role::*;

fn person(id: &str, roles: &[Role]) -> Person {
    Person {
        org: OrgId::parse("t").unwrap(),
        id: id.into(),
        email: format!("{id}@example.org"),
        name: id.into(),
        roles: roles.to_vec(),
        groups: vec![],
        active: true,
        session_epoch: 0,
        created_at: chrono::DateTime::UNIX_EPOCH,
        version: 1,
    }
}

fn readers(involves: Involves, people: &[Person]) -> Vec<String> {
    let mut ids: Vec<String> = route(involves.queue(), people)
        .readers(people)
        .into_iter()
        .map(|p| p.id.clone())
        .collect();
    ids.sort();
    ids
}

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The demo's shape: one person per role.
#[test]
fn one_person_per_role() {
    let people = [
        person("dsl", &[Dsl, Staff]),
        person("deputy", &[DeputyDsl, Staff]),
        person("head", &[AllegationsLead, Staff]),
        person("chair", &[Chair]),
        person("admin", &[Admin, Staff]),
        person("learner", &[Learner]),
    ];
    assert_eq!(readers(Involves::Nobody, &people), ids(&["deputy", "dsl"]));
    assert_eq!(readers(Involves::Staff, &people), ids(&["dsl", "head"]));
    assert_eq!(readers(Involves::Unsure, &people), ids(&["dsl", "head"]));
    assert_eq!(readers(Involves::Dsl, &people), ids(&["head"]));
    assert_eq!(readers(Involves::Head, &people), ids(&["chair", "dsl"]));
    assert!(gaps(&people).is_empty());
}

/// A small school: the head is the DSL and the admin.
#[test]
fn the_head_is_also_the_dsl_and_the_admin() {
    let people = [
        person("head", &[Dsl, AllegationsLead, Admin, Staff]),
        person("deputy", &[DeputyDsl, Staff]),
        person("chair", &[Chair]),
    ];
    assert_eq!(readers(Involves::Nobody, &people), ids(&["deputy", "head"]));
    assert_eq!(readers(Involves::Staff, &people), ids(&["head"]));
    // About the DSL: the allegations lead is the DSL, so the chair, and nobody else.
    let r = route(Queue::Dsl, &people);
    assert_eq!(r.queue, Queue::Head);
    assert_eq!(r.excluded, ids(&["head"]));
    assert_eq!(readers(Involves::Dsl, &people), ids(&["chair"]));
    assert_eq!(readers(Involves::Head, &people), ids(&["chair"]));
    assert!(gaps(&people).is_empty());
    // Without a chair, worries about the DSL and about the head reach nobody.
    let no_chair = &people[..2];
    assert_eq!(
        gaps(no_chair),
        vec![
            Gap {
                involves: Involves::Dsl
            },
            Gap {
                involves: Involves::Head
            }
        ]
    );
}

#[test]
fn a_worry_about_the_allegations_lead_goes_to_the_chair_and_the_dsl() {
    let people = [
        person("dsl", &[Dsl]),
        person("head", &[AllegationsLead]),
        person("chair", &[Chair]),
    ];
    assert_eq!(readers(Involves::Head, &people), ids(&["chair", "dsl"]));
    let r = route(Queue::Head, &people);
    assert_eq!(r.excluded, ids(&["head"]));
    assert!(r.concerned.contains(&AllegationsLead));
}

#[test]
fn deactivated_holders_read_nothing_and_are_no_cover() {
    let mut people = vec![
        person("dsl", &[Dsl]),
        person("head", &[AllegationsLead]),
        person("chair", &[Chair]),
    ];
    people[1].active = false;
    // About the DSL with the only allegations lead deactivated: the chair.
    assert_eq!(readers(Involves::Dsl, &people), ids(&["chair"]));
    assert_eq!(readers(Involves::Staff, &people), ids(&["dsl"]));
    people[2].active = false;
    assert_eq!(
        gaps(&people),
        vec![Gap {
            involves: Involves::Dsl
        }]
    );
    assert!(readers(Involves::Dsl, &people).is_empty());
}

#[test]
fn a_person_who_gains_a_role_later_never_reads_the_worry_about_them() {
    let people = [
        person("dsl", &[Dsl]),
        person("head", &[AllegationsLead]),
        person("chair", &[Chair]),
    ];
    let about_dsl = route(Queue::Dsl, &people);
    // The DSL steps down, becomes a plain allegations lead: still never.
    let later = person("dsl", &[AllegationsLead]);
    assert!(!about_dsl.may_read(&later));
    assert!(about_dsl.may_read(&people[1]));
}

#[test]
fn new_gaps_are_only_the_ones_a_change_opens() {
    let before = [person("dsl", &[Dsl]), person("head", &[AllegationsLead])];
    // Removing the only allegations lead: worries about the DSL reach nobody.
    let after = [person("dsl", &[Dsl]), person("head", &[Staff])];
    let opened = new_gaps(&before, &after);
    assert_eq!(
        opened,
        vec![Gap {
            involves: Involves::Dsl
        }]
    );
    assert!(opened[0].message().contains("allegations lead"));
    // An organisation being set up with nobody yet: adding a DSL opens nothing new.
    let empty: [Person; 0] = [];
    assert!(new_gaps(&empty, &[person("dsl", &[Dsl])]).is_empty());
}

/// Every way of sharing the four safeguarding roles among three people (each person holds any
/// subset: 16^3 structures), every kind of worry: the rules hold in all of them.
#[test]
fn every_role_structure_of_three_people() {
    let subsets: Vec<Vec<Role>> = (0u8..16)
        .map(|bits| {
            SAFEGUARDING_ROLES
                .iter()
                .enumerate()
                .filter(|(i, _)| bits & (1 << i) != 0)
                .map(|(_, r)| *r)
                .collect()
        })
        .collect();
    let mut structures = 0;
    for a in &subsets {
        for b in &subsets {
            for c in &subsets {
                let people = [person("a", a), person("b", b), person("c", c)];
                structures += 1;
                check_structure(&people);
            }
        }
    }
    assert_eq!(structures, 4096);
}

fn check_structure(people: &[Person]) {
    let holders = |role: Role| -> Vec<&Person> {
        people.iter().filter(|p| p.roles.contains(&role)).collect()
    };
    for involves in Involves::ALL {
        let r = route(involves.queue(), people);
        let readers = r.readers(people);
        let shape: Vec<_> = people.iter().map(|p| (&p.id, &p.roles)).collect();
        let subjects: Vec<&Person> = involves.queue().subject().map(holders).unwrap_or_default();
        for reader in &readers {
            // Never to the person it is about, whatever roles they hold.
            assert!(
                !subjects.iter().any(|s| s.id == reader.id),
                "{involves:?} reached its subject {} in {shape:?}",
                reader.id
            );
            // Only people who hold none of the roles concerned.
            for s in &subjects {
                for role in &s.roles {
                    assert!(
                        !reader.roles.contains(role),
                        "{involves:?}: {} shares {role:?} with the subject in {shape:?}",
                        reader.id
                    );
                }
            }
            // Never an admin, learner or parent by that role: only the reading roles.
            assert!(r.queue.readers().iter().any(|q| reader.roles.contains(q)));
        }
        match involves {
            Involves::Nobody => {
                let mut want: Vec<&str> = people
                    .iter()
                    .filter(|p| p.roles.contains(&Dsl) || p.roles.contains(&DeputyDsl))
                    .map(|p| p.id.as_str())
                    .collect();
                want.sort();
                let got: Vec<&str> = readers.iter().map(|p| p.id.as_str()).collect();
                assert_eq!(got, want, "team in {shape:?}");
            }
            Involves::Staff | Involves::Unsure => {
                assert_eq!(r.queue, Queue::Staff);
                let any = people
                    .iter()
                    .any(|p| p.roles.contains(&AllegationsLead) || p.roles.contains(&Dsl));
                assert_eq!(!readers.is_empty(), any, "staff in {shape:?}");
            }
            Involves::Dsl => {
                // The DSL and deputies never; the allegations lead when they are neither,
                // otherwise the chair.
                for reader in &readers {
                    assert!(!reader.roles.contains(&Dsl) && !reader.roles.contains(&DeputyDsl));
                }
                let mut concerned = vec![Dsl, DeputyDsl];
                for s in &subjects {
                    concerned.extend(s.roles.iter().copied());
                }
                let clean_lead = people.iter().any(|p| {
                    p.roles.contains(&AllegationsLead)
                        && !p.roles.iter().any(|r| concerned.contains(r))
                });
                if clean_lead {
                    assert_eq!(r.queue, Queue::Dsl, "{shape:?}");
                    assert!(!readers.is_empty());
                } else if !readers.is_empty() {
                    assert_eq!(r.queue, Queue::Head, "{shape:?}");
                    for reader in &readers {
                        assert!(reader.roles.contains(&Chair) || reader.roles.contains(&Dsl));
                    }
                }
            }
            Involves::Head => {
                for reader in &readers {
                    assert!(!reader.roles.contains(&AllegationsLead));
                }
            }
        }
        // A gap is reported exactly when the worry would reach nobody.
        let gap = gaps(people)
            .iter()
            .any(|g| g.involves.queue() == involves.queue());
        assert_eq!(gap, readers.is_empty(), "{involves:?} in {shape:?}");
    }
}

#[test]
fn queues_are_read_by_their_table_rows() {
    assert_eq!(
        Queue::visible_to(&[Dsl]),
        vec![Queue::Team, Queue::Staff, Queue::Head]
    );
    assert_eq!(Queue::visible_to(&[DeputyDsl]), vec![Queue::Team]);
    assert_eq!(
        Queue::visible_to(&[AllegationsLead]),
        vec![Queue::Staff, Queue::Dsl]
    );
    assert_eq!(Queue::visible_to(&[Chair]), vec![Queue::Head]);
    for roles in [&[Learner][..], &[Staff], &[Parent], &[Admin]] {
        assert!(Queue::visible_to(roles).is_empty(), "{roles:?}");
    }
    for q in Queue::ALL {
        assert_eq!(Queue::parse(q.as_str()), Some(q));
    }
    for a in About::ALL {
        assert_eq!(About::parse(a.as_str()), Some(a));
    }
    for i in Involves::ALL {
        assert_eq!(Involves::parse(i.as_str()), Some(i));
    }
    assert_eq!(About::parse_stored("the_dsl"), Some(About::SomeoneElse));
    assert_eq!(About::parse("the_dsl"), None);
}

/// Start-up refuses a profile whose worries could not all be read: the content check runs
/// this on every organisation profile.
#[test]
fn a_profile_whose_dsl_is_the_head_needs_a_chair() {
    let toml = include_str!("../../../../content/organisations/demo.toml");
    let demo: crate::org::OrgProfile = toml::from_str(toml).unwrap();
    assert!(profile_problems(&demo).is_empty());
    let mut small = demo.clone();
    small.allegations_lead = small.dsl.clone();
    small.chair = None;
    let problems = profile_problems(&small);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("worries about the DSL would reach nobody"));
    assert!(problems[1].contains("worries about the head would reach nobody"));
    small.chair = demo.chair.clone();
    assert!(profile_problems(&small).is_empty());
    // The same person named twice (case and spaces aside) is one person with two roles.
    small.chair = None;
    small.allegations_lead.email = format!(" {} ", small.dsl.email.to_uppercase());
    assert_eq!(profile_problems(&small).len(), 2);
}
