//! Who a worry goes to: one table of rules over the organisation's structure (the safeguarding
//! rules of `DESIGN.md`). The same decision says who may read the worry later, so a person the
//! rules leave out cannot read it in a list, by id, or in an email.
//!
//! The form asks two separate things: who is affected ([`About`]) and whether an adult who works
//! or volunteers here is involved, and who ([`Involves`]). Routing follows the second:
//!
//! | an adult here is involved         | queue  | read by                          | never read by |
//! |-----------------------------------|--------|----------------------------------|---------------|
//! | no                                | team   | DSL and deputy DSLs              |               |
//! | a member of staff, or "not sure"  | staff  | allegations lead and DSL         |               |
//! | the DSL                           | dsl    | allegations lead                 | the DSL and deputy DSLs |
//! | the head / managing director      | head   | chair, and the DSL               | the allegations lead |
//!
//! Roles are what people hold *when the worry is sent* ([`route`]): the people it is about are
//! recorded by id on the worry (`excluded`), with every safeguarding role they hold
//! (`concerned`), so
//! * a worry about someone who holds several roles reaches only people who hold none of them
//!   (about the DSL, when the DSL is also the allegations lead: the chair);
//! * gaining a role later never reveals a worry to the person it was about.
//!
//! When the queue has no reader left after those exclusions, a worry about the DSL goes on to
//! the head's queue (the chair). Vacancies are refused where people are changed ([`gaps`]); if
//! one happens anyway the worry is still stored and shown as unread to every safeguarding role.
//!
//! Each queue is a separate index list, so an inbox reads only queues its reader may read; the
//! per-worry exclusions are checked on every read ([`Route::may_read`]).

use crate::identity::Person;
use crate::org::{Contact, OrgProfile};
use crate::roles::{Role, SAFEGUARDING_ROLES};
use serde::{Deserialize, Serialize};

/// Who is affected, as the sender chose (not who caused it: that is [`Involves`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum About {
    Me,
    AFriend,
    SomeoneElse,
}

impl About {
    pub const ALL: [About; 3] = [About::Me, About::AFriend, About::SomeoneElse];

    pub fn as_str(self) -> &'static str {
        match self {
            About::Me => "me",
            About::AFriend => "a_friend",
            About::SomeoneElse => "someone_else",
        }
    }

    pub fn parse(s: &str) -> Option<About> {
        About::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Reads a stored value, including the two the form used to offer before it asked who is
    /// involved separately (they then meant "someone else", involving staff or the DSL).
    pub fn parse_stored(s: &str) -> Option<About> {
        match s {
            "a_member_of_staff" | "the_dsl" => Some(About::SomeoneElse),
            s => About::parse(s),
        }
    }

    /// How the form says it.
    pub fn label(self) -> &'static str {
        match self {
            About::Me => "Me",
            About::AFriend => "A friend",
            About::SomeoneElse => "Someone else",
        }
    }
}

/// Whether an adult who works or volunteers here is involved in what the worry is about, and
/// who: this decides the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Involves {
    Nobody,
    Staff,
    Dsl,
    Head,
    /// The sender is not sure: treated as about staff (the allegations path), never the team
    /// alone.
    Unsure,
}

impl Involves {
    pub const ALL: [Involves; 5] = [
        Involves::Nobody,
        Involves::Staff,
        Involves::Dsl,
        Involves::Head,
        Involves::Unsure,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Involves::Nobody => "nobody",
            Involves::Staff => "staff",
            Involves::Dsl => "dsl",
            Involves::Head => "head",
            Involves::Unsure => "unsure",
        }
    }

    pub fn parse(s: &str) -> Option<Involves> {
        Involves::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The queue it starts in.
    pub fn queue(self) -> Queue {
        match self {
            Involves::Nobody => Queue::Team,
            Involves::Staff | Involves::Unsure => Queue::Staff,
            Involves::Dsl => Queue::Dsl,
            Involves::Head => Queue::Head,
        }
    }

    /// How the handlers' pages say it.
    pub fn label(self) -> &'static str {
        match self {
            Involves::Nobody => "No adult who works here",
            Involves::Staff => "A member of staff or volunteer",
            Involves::Dsl => "The DSL",
            Involves::Head => "The head or managing director",
            Involves::Unsure => "Not sure whether an adult who works here is involved",
        }
    }
}

/// One row of the routing table: the worries that go to the same people. In order from the
/// least to the most restricted: a worry may be moved on down this list by anyone who reads it,
/// and back up only by the chair or the allegations lead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    /// No adult here involved: the DSL and deputies.
    Team,
    /// About a member of staff (or not sure): the allegations lead and the DSL.
    Staff,
    /// About the DSL: the allegations lead.
    Dsl,
    /// About the head / managing director (the allegations lead): the chair and the DSL.
    Head,
}

impl Queue {
    pub const ALL: [Queue; 4] = [Queue::Team, Queue::Staff, Queue::Dsl, Queue::Head];

    pub fn as_str(self) -> &'static str {
        match self {
            Queue::Team => "team",
            Queue::Staff => "staff",
            Queue::Dsl => "dsl",
            Queue::Head => "head",
        }
    }

    pub fn parse(s: &str) -> Option<Queue> {
        Queue::ALL.into_iter().find(|q| q.as_str() == s)
    }

    /// How the handlers' pages name it.
    pub fn label(self) -> &'static str {
        match self {
            Queue::Team => "Safeguarding team",
            Queue::Staff => "About a member of staff",
            Queue::Dsl => "About the DSL",
            Queue::Head => "About the head or managing director",
        }
    }

    /// The roles whose holders read it (unless excluded for the worry).
    pub fn readers(self) -> &'static [Role] {
        match self {
            Queue::Team => &[Role::Dsl, Role::DeputyDsl],
            Queue::Staff => &[Role::AllegationsLead, Role::Dsl],
            Queue::Dsl => &[Role::AllegationsLead],
            Queue::Head => &[Role::Chair, Role::Dsl],
        }
    }

    /// The role held by the person a worry in this queue is about, if the queue names one.
    pub fn subject(self) -> Option<Role> {
        match self {
            Queue::Team | Queue::Staff => None,
            Queue::Dsl => Some(Role::Dsl),
            Queue::Head => Some(Role::AllegationsLead),
        }
    }

    /// Roles whose holders never read a worry in this queue, whatever else they hold.
    pub fn never(self) -> &'static [Role] {
        match self {
            Queue::Team | Queue::Staff => &[],
            Queue::Dsl => &[Role::Dsl, Role::DeputyDsl],
            Queue::Head => &[Role::AllegationsLead],
        }
    }

    /// Where a worry goes when nobody can read it here once the people it is about are left
    /// out: about the DSL, when the allegations lead is the DSL too (or there is none), the
    /// chair reads it.
    fn next_when_nobody(self) -> Option<Queue> {
        match self {
            Queue::Dsl => Some(Queue::Head),
            _ => None,
        }
    }

    /// The queues whose lists a person holding `roles` reads (each worry in them is still
    /// checked with [`Route::may_read`]).
    pub fn visible_to(roles: &[Role]) -> Vec<Queue> {
        Queue::ALL
            .into_iter()
            .filter(|q| q.readers().iter().any(|r| roles.contains(r)))
            .collect()
    }

    /// Who the routing sends a worry in this queue to, in words, for a page ("the DSL and the
    /// deputy DSLs"): from the same table, so the words cannot contradict the code.
    pub fn readers_in_words(self) -> &'static str {
        match self {
            Queue::Team => "the Designated Safeguarding Lead (DSL) and the deputy DSLs",
            Queue::Staff => "the allegations lead (the head or managing director) and the DSL",
            Queue::Dsl => {
                "the allegations lead (the head or managing director) only, never the DSL or the deputy DSLs"
            }
            Queue::Head => {
                "the chair (of governors, trustees, the proprietor or owner) and the DSL, never the head or managing director"
            }
        }
    }
}

/// Who may read something routed by role rather than by queue (a low-level concern about a
/// member of staff, [`crate::concerns`]), fixed when it is recorded, like a worry's [`Route`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Readers {
    /// Holders of these roles read it...
    pub roles: Vec<Role>,
    /// ...unless they hold one of these (the roles of the person it is about)...
    pub concerned: Vec<Role>,
    /// ...or are the person it is about.
    pub excluded: Vec<String>,
}

impl Readers {
    /// Whether this person may read the concern.
    pub fn may_read(&self, p: &Person) -> bool {
        p.active
            && !self.excluded.contains(&p.id)
            && !p.roles.iter().any(|r| self.concerned.contains(r))
            && p.roles.iter().any(|r| self.roles.contains(r))
    }
}

/// Where one worry goes and who must never read it, fixed when it is sent (and when moved).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub queue: Queue,
    /// Roles whose holders never read it: the queue's own and every safeguarding role the
    /// people it is about held when it was sent.
    pub concerned: Vec<Role>,
    /// The people it is about, by id: never readers, whatever roles they gain later.
    pub excluded: Vec<String>,
}

/// How a route is stored, flattened into the records of a worry and of a notification: its
/// `queue`, `concerned` and `excluded` attributes. Items stored before routing recorded
/// exclusions have no `concerned` and get their queue's own rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRoute {
    pub queue: Queue,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concerned: Option<Vec<Role>>,
    #[serde(default)]
    pub excluded: Vec<String>,
}

impl From<&Route> for StoredRoute {
    fn from(r: &Route) -> Self {
        StoredRoute {
            queue: r.queue,
            concerned: Some(r.concerned.clone()),
            excluded: r.excluded.clone(),
        }
    }
}

impl From<StoredRoute> for Route {
    fn from(s: StoredRoute) -> Self {
        match s.concerned {
            None => Route::plain(s.queue),
            Some(concerned) => Route {
                queue: s.queue,
                concerned,
                excluded: s.excluded,
            },
        }
    }
}

impl Route {
    /// A route with no one excluded by name (the queue's own rule only).
    pub fn plain(queue: Queue) -> Route {
        Route {
            queue,
            concerned: queue.never().to_vec(),
            excluded: Vec::new(),
        }
    }

    /// Whether this person may read (and handle) a worry routed this way.
    pub fn may_read(&self, person: &Person) -> bool {
        person.active && self.may_read_with(&person.id, &person.roles)
    }

    /// The same rule for someone known by id and roles.
    pub fn may_read_with(&self, id: &str, roles: &[Role]) -> bool {
        !self.excluded.iter().any(|e| e == id)
            && !roles.iter().any(|r| self.concerned.contains(r))
            && roles.iter().any(|r| self.queue.readers().contains(r))
    }

    /// The active people who read it.
    pub fn readers<'p>(&self, people: &'p [Person]) -> Vec<&'p Person> {
        people.iter().filter(|p| self.may_read(p)).collect()
    }
}

/// Routes a worry for `queue` in an organisation with these people (inactive people hold no
/// role): records who it is about and moves on to a stricter queue when nobody is left.
pub fn route(queue: Queue, people: &[Person]) -> Route {
    let subjects: Vec<&Person> = match queue.subject() {
        Some(role) => people
            .iter()
            .filter(|p| p.active && p.roles.contains(&role))
            .collect(),
        None => Vec::new(),
    };
    let mut concerned: Vec<Role> = queue.never().to_vec();
    for s in &subjects {
        for r in &s.roles {
            if SAFEGUARDING_ROLES.contains(r) && !concerned.contains(r) {
                concerned.push(*r);
            }
        }
    }
    concerned.sort();
    let excluded: Vec<String> = subjects.iter().map(|s| s.id.clone()).collect();
    let mut route = Route {
        queue,
        concerned,
        excluded,
    };
    while route.readers(people).is_empty() {
        match route.queue.next_when_nobody() {
            Some(next) => route.queue = next,
            None => {
                // Nobody anywhere: stay in the first queue (stored, shown as unread to all).
                route.queue = queue;
                break;
            }
        }
    }
    route
}

/// A queue that would reach nobody in an organisation: what must be named first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    pub involves: Involves,
}

impl Gap {
    /// What the person changing people is told.
    pub fn message(&self) -> &'static str {
        match self.involves {
            Involves::Nobody => {
                "worries would reach nobody: name an active DSL or deputy DSL first"
            }
            Involves::Staff | Involves::Unsure => {
                "worries about staff would reach nobody: name an active allegations lead (the head or managing director) or DSL first"
            }
            Involves::Dsl => {
                "worries about the DSL would reach nobody: name an active allegations lead who is not the DSL, or a chair, first"
            }
            Involves::Head => {
                "worries about the head would reach nobody: name an active chair (of governors, trustees, the proprietor or owner) or a DSL who is not the head first"
            }
        }
    }
}

/// Every kind of worry that would reach nobody with these people (empty: all can be read).
pub fn gaps(people: &[Person]) -> Vec<Gap> {
    [
        Involves::Nobody,
        Involves::Staff,
        Involves::Dsl,
        Involves::Head,
    ]
    .into_iter()
    .filter(|i| route(i.queue(), people).readers(people).is_empty())
    .map(|involves| Gap { involves })
    .collect()
}

/// The gaps a change of people would open that were not there before (a change that leaves an
/// existing gap as it was is allowed: an organisation being set up fills its roles one by one).
pub fn new_gaps(before: &[Person], after: &[Person]) -> Vec<Gap> {
    let had = gaps(before);
    gaps(after)
        .into_iter()
        .filter(|g| !had.contains(g))
        .collect()
}

/// The safeguarding roles as the profile names them, one pretend person per email address
/// (someone named twice holds both roles): for checking that every kind of worry has a
/// reader before the profile is used.
pub fn safeguarding_people(org: &OrgProfile) -> Vec<Person> {
    let mut people: Vec<Person> = Vec::new();
    let mut add = |c: &Contact, role: Role| {
        let email = c.email.trim().to_lowercase();
        let key = if email.is_empty() {
            c.name.trim().to_lowercase()
        } else {
            email
        };
        match people.iter_mut().find(|p| p.email == key) {
            Some(p) => {
                if !p.roles.contains(&role) {
                    p.roles.push(role);
                }
            }
            None => people.push(Person {
                org: org.id.clone(),
                id: key.clone(),
                email: key,
                name: c.name.clone(),
                roles: vec![role],
                groups: vec![],
                active: true,
                session_epoch: 0,
                created_at: chrono::DateTime::UNIX_EPOCH,
                version: 0,
            }),
        }
    };
    add(&org.dsl, Role::Dsl);
    for d in &org.deputies {
        add(d, Role::DeputyDsl);
    }
    add(&org.allegations_lead, Role::AllegationsLead);
    if let Some(chair) = &org.chair {
        add(chair, Role::Chair);
    }
    people
}

/// Problems with who would read worries: every kind of worry must reach someone who is not
/// the person it is about (e.g. a DSL who is also the head needs a chair).
pub fn profile_problems(org: &OrgProfile) -> Vec<String> {
    gaps(&safeguarding_people(org))
        .iter()
        .map(|g| format!("as this profile names its people, {}", g.message()))
        .collect()
}

/// `routing.<queue>` says who reads a worry in that queue, with this organisation's names:
/// the roles come from the routing table ([`Queue::readers`]) and the people from [`route`]
/// over the profile's safeguarding people, so a page cannot name someone the routing leaves out
/// (the person a worry is about, or someone holding their role too). Any other placeholder is
/// the profile's own ([`OrgProfile::placeholder`]).
pub fn placeholder(org: &OrgProfile, name: &str) -> Option<String> {
    /// The profile's people holding `role` (none for roles the profile does not name).
    fn holders(org: &OrgProfile, role: Role) -> Vec<&Contact> {
        match role {
            Role::Dsl => vec![&org.dsl],
            Role::DeputyDsl => org.deputies.iter().collect(),
            Role::AllegationsLead => vec![&org.allegations_lead],
            Role::Chair => org.chair.iter().collect(),
            _ => Vec::new(),
        }
    }

    /// "Priya Marsh (Designated Safeguarding Lead)", "the deputies, A and B": the people
    /// holding `role` among `who`.
    fn in_words(role: Role, who: &[&Contact]) -> Option<String> {
        let named = |c: &&Contact| match c.title.trim() {
            "" => c.name.clone(),
            title => format!("{} ({title})", c.name),
        };
        match (role, who) {
            (_, []) => None,
            (Role::DeputyDsl, [one]) => Some(format!("the deputy, {}", one.name)),
            (Role::DeputyDsl, many) => Some(format!(
                "the deputies, {}",
                crate::org::join_names(many.iter().map(|c| c.name.as_str()))
            )),
            (_, who) => Some(join_with(who.iter().map(named).collect(), "and")),
        }
    }

    /// "A", "A and B", "A, B and C" (or with "or").
    fn join_with(parts: Vec<String>, word: &str) -> String {
        match parts.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} {word} {last}", init.join(", ")),
        }
    }

    /// Who reads a worry sent to `queue`, and who never does.
    fn routing_in_words(org: &OrgProfile, queue: Queue) -> String {
        let people = safeguarding_people(org);
        let route = route(queue, &people);
        // The person `safeguarding_people` made of this contact (keyed the same way).
        let person = |c: &Contact| {
            let email = c.email.trim().to_lowercase();
            let key = if email.is_empty() {
                c.name.trim().to_lowercase()
            } else {
                email
            };
            people.iter().find(|p| p.id == key)
        };
        // Each role's holders for whom `keep` holds, each person once, in the roles' order.
        let in_order = |roles: &[Role], keep: &dyn Fn(&Person) -> bool| {
            let mut seen: Vec<&str> = Vec::new();
            let mut parts: Vec<String> = Vec::new();
            for &role in roles {
                let mut who: Vec<&Contact> = Vec::new();
                for c in holders(org, role) {
                    if let Some(p) = person(c)
                        && keep(p)
                        && !seen.contains(&p.id.as_str())
                    {
                        seen.push(&p.id);
                        who.push(c);
                    }
                }
                parts.extend(in_words(role, &who));
            }
            parts
        };
        let readers = in_order(route.queue.readers(), &|p| route.may_read(p));
        let never = in_order(route.concerned.as_slice(), &|_| true);
        match (readers.len(), never.is_empty()) {
            // Nobody to name (a profile the content check refuses): the table's own words.
            (0, _) => route.queue.readers_in_words().to_string(),
            (_, true) => join_with(readers, "and"),
            (1, false) => format!("{} only, never {}", readers[0], join_with(never, "or")),
            (_, false) => format!(
                "{}, never {}",
                join_with(readers, "and"),
                join_with(never, "or")
            ),
        }
    }

    let queue = match name {
        "routing.team" => Queue::Team,
        "routing.staff" => Queue::Staff,
        "routing.dsl" => Queue::Dsl,
        "routing.head" => Queue::Head,
        _ => return org.placeholder(name),
    };
    Some(routing_in_words(org, queue))
}

#[cfg(test)]
mod tests;
