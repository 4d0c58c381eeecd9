//! Who a worry goes to: one function, one table of rules (the safeguarding rules of
//! `DESIGN.md`). A worry is routed to roles of the organisation, and the same routing decides
//! who may see it later, so a person the rules leave out cannot read it in a list or by id.
//!
//! | the worry is about        | routed to                     | never visible to |
//! |---------------------------|-------------------------------|------------------|
//! | the sender, a friend, someone else | DSL and deputy DSLs  |                  |
//! | a member of staff         | allegations lead and DSL      |                  |
//! | the DSL                   | allegations lead only         | DSL, deputy DSLs |
//!
//! Someone holding an excluded role is excluded even if they also hold a routed role (a
//! principal who is also the DSL cannot read a worry about the DSL): such an organisation must
//! give the allegations lead role to someone else.
//!
//! Each row is a [`Queue`]: a worry is stored in its queue's index, so an inbox reads only the
//! queues its reader may see (a list never even loads a worry its reader must not see).
//! On-duty contacts per site are not modelled yet.

use crate::identity::Role;
use serde::{Deserialize, Serialize};

/// Who the worry is about, as the sender chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum About {
    Me,
    AFriend,
    SomeoneElse,
    AMemberOfStaff,
    TheDsl,
}

impl About {
    pub const ALL: [About; 5] = [
        About::Me,
        About::AFriend,
        About::SomeoneElse,
        About::AMemberOfStaff,
        About::TheDsl,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            About::Me => "me",
            About::AFriend => "a_friend",
            About::SomeoneElse => "someone_else",
            About::AMemberOfStaff => "a_member_of_staff",
            About::TheDsl => "the_dsl",
        }
    }

    pub fn parse(s: &str) -> Option<About> {
        About::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// Where a worry goes and who must never see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Routing {
    /// Roles whose holders receive and handle it.
    pub to: Vec<Role>,
    /// Roles whose holders may never see it, whatever else they hold.
    pub never: Vec<Role>,
}

impl About {
    /// The queue a worry about this goes to.
    pub fn queue(self) -> Queue {
        match self {
            About::Me | About::AFriend | About::SomeoneElse => Queue::Team,
            About::AMemberOfStaff => Queue::StaffAllegation,
            About::TheDsl => Queue::AboutTheDsl,
        }
    }

    /// How the form says it.
    pub fn label(self) -> &'static str {
        match self {
            About::Me => "Me",
            About::AFriend => "A friend",
            About::SomeoneElse => "Someone else",
            About::AMemberOfStaff => "A member of staff",
            About::TheDsl => "The Designated Safeguarding Lead (DSL)",
        }
    }
}

/// One row of the routing table: the worries that go to the same people.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Queue {
    /// The DSL and deputies (about the sender, a friend, someone else).
    Team,
    /// An allegation about a member of staff: the allegations lead and the DSL.
    StaffAllegation,
    /// About the DSL: the allegations lead only.
    AboutTheDsl,
}

impl Queue {
    pub const ALL: [Queue; 3] = [Queue::Team, Queue::StaffAllegation, Queue::AboutTheDsl];

    pub fn as_str(self) -> &'static str {
        match self {
            Queue::Team => "team",
            Queue::StaffAllegation => "staff",
            Queue::AboutTheDsl => "dsl",
        }
    }

    pub fn parse(s: &str) -> Option<Queue> {
        Queue::ALL.into_iter().find(|q| q.as_str() == s)
    }

    /// How the handlers' pages name it.
    pub fn label(self) -> &'static str {
        match self {
            Queue::Team => "Safeguarding team",
            Queue::StaffAllegation => "About a member of staff",
            Queue::AboutTheDsl => "About the DSL",
        }
    }

    /// The routing of every worry in this queue.
    pub fn routing(self) -> Routing {
        match self {
            Queue::Team => route(About::Me),
            Queue::StaffAllegation => route(About::AMemberOfStaff),
            Queue::AboutTheDsl => route(About::TheDsl),
        }
    }

    /// The queues a person holding `roles` may see.
    pub fn visible_to(roles: &[Role]) -> Vec<Queue> {
        Queue::ALL
            .into_iter()
            .filter(|q| may_see(&q.routing(), roles))
            .collect()
    }
}

/// The routing rules (see the table at the top of this file).
pub fn route(about: About) -> Routing {
    match about {
        About::Me | About::AFriend | About::SomeoneElse => Routing {
            to: vec![Role::Dsl, Role::DeputyDsl],
            never: vec![],
        },
        About::AMemberOfStaff => Routing {
            to: vec![Role::AllegationsLead, Role::Dsl],
            never: vec![],
        },
        About::TheDsl => Routing {
            to: vec![Role::AllegationsLead],
            never: vec![Role::Dsl, Role::DeputyDsl],
        },
    }
}

/// Whether a person holding `roles` may see (and handle) a worry routed this way.
pub fn may_see(routing: &Routing, roles: &[Role]) -> bool {
    !roles.iter().any(|r| routing.never.contains(r)) && roles.iter().any(|r| routing.to.contains(r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    /// Every kind of "about" against every single role: who sees it.
    #[test]
    fn the_routing_table() {
        let table: [(About, &[Role]); 5] = [
            (About::Me, &[Dsl, DeputyDsl]),
            (About::AFriend, &[Dsl, DeputyDsl]),
            (About::SomeoneElse, &[Dsl, DeputyDsl]),
            (About::AMemberOfStaff, &[AllegationsLead, Dsl]),
            (About::TheDsl, &[AllegationsLead]),
        ];
        for (about, who) in table {
            for role in Role::ALL {
                assert_eq!(
                    may_see(&route(about), &[role]),
                    who.contains(&role),
                    "{about:?} seen by {role:?}"
                );
            }
        }
    }

    #[test]
    fn the_dsl_never_sees_a_worry_about_the_dsl_whatever_else_they_hold() {
        let routing = route(About::TheDsl);
        assert!(!may_see(&routing, &[Dsl, AllegationsLead]));
        assert!(!may_see(&routing, &[DeputyDsl, AllegationsLead]));
        assert!(may_see(&routing, &[AllegationsLead, Staff]));
    }

    #[test]
    fn learners_staff_parents_and_admins_see_no_worry() {
        for about in About::ALL {
            for roles in [
                &[Learner][..],
                &[Staff],
                &[Parent],
                &[Admin],
                &[Learner, Staff, Parent, Admin],
            ] {
                assert!(!may_see(&route(about), roles), "{about:?} {roles:?}");
            }
        }
    }

    #[test]
    fn each_queue_routes_like_the_abouts_in_it_and_is_visible_to_exactly_them() {
        for about in About::ALL {
            assert_eq!(about.queue().routing(), route(about));
            for role in Role::ALL {
                assert_eq!(
                    Queue::visible_to(&[role]).contains(&about.queue()),
                    may_see(&route(about), &[role])
                );
            }
        }
        assert_eq!(
            Queue::visible_to(&[Dsl]),
            vec![Queue::Team, Queue::StaffAllegation]
        );
        assert_eq!(Queue::visible_to(&[DeputyDsl]), vec![Queue::Team]);
        assert_eq!(
            Queue::visible_to(&[AllegationsLead]),
            vec![Queue::StaffAllegation, Queue::AboutTheDsl]
        );
        assert_eq!(
            Queue::visible_to(&[Dsl, AllegationsLead]),
            vec![Queue::Team, Queue::StaffAllegation]
        );
        for q in Queue::ALL {
            assert_eq!(Queue::parse(q.as_str()), Some(q));
        }
    }

    #[test]
    fn about_round_trips_through_its_name() {
        for a in About::ALL {
            assert_eq!(About::parse(a.as_str()), Some(a));
        }
        assert_eq!(About::parse("The DSL"), None);
    }
}
