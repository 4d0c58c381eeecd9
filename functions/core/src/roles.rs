//! Roles and what each may do: one table in code, so who can do what is read in one place and
//! a change to it is a visible change (the test walks the whole table).
//!
//! Roles are held per organisation; a person can hold several and gets the union of their
//! actions. Access to an individual worry is decided by routing on top of `HandleWorries` (a
//! worry about the DSL is not visible to the DSL), never by role alone.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Learner,
    Staff,
    Parent,
    /// Designated safeguarding lead.
    Dsl,
    DeputyDsl,
    /// The head / managing director: receives allegations about staff and concerns about the DSL.
    AllegationsLead,
    /// The chair of governors, trustee, proprietor or owner: receives worries about the head /
    /// managing director (and about the DSL when the DSL is also the head).
    Chair,
    Admin,
    /// A governor or trustee: reads the termly safeguarding report (counts, never names) and
    /// does their own training; reads no worry and no list of people.
    Governor,
}

/// The roles that read worries. Nobody gives themselves one, and every change to one is kept in
/// the safeguarding roles record.
pub const SAFEGUARDING_ROLES: [Role; 4] = [
    Role::Dsl,
    Role::DeputyDsl,
    Role::AllegationsLead,
    Role::Chair,
];

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Learner,
        Role::Staff,
        Role::Parent,
        Role::Dsl,
        Role::DeputyDsl,
        Role::AllegationsLead,
        Role::Chair,
        Role::Admin,
        Role::Governor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Learner => "learner",
            Role::Staff => "staff",
            Role::Parent => "parent",
            Role::Dsl => "dsl",
            Role::DeputyDsl => "deputy_dsl",
            Role::AllegationsLead => "allegations_lead",
            Role::Chair => "chair",
            Role::Admin => "admin",
            Role::Governor => "governor",
        }
    }

    /// Reads a role as stored (`deputy_dsl`) or as a person types it in a spreadsheet
    /// (`Deputy DSL`, `deputy-dsl`): case, spaces and hyphens do not matter.
    pub fn parse(s: &str) -> Option<Role> {
        let norm: String = s
            .trim()
            .chars()
            .map(|c| match c {
                ' ' | '-' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        Role::ALL.into_iter().find(|r| r.as_str() == norm)
    }

    /// How the role is shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Learner => "Learner",
            Role::Staff => "Staff member",
            Role::Parent => "Parent or carer",
            Role::Dsl => "Designated safeguarding lead (DSL)",
            Role::DeputyDsl => "Deputy DSL",
            Role::AllegationsLead => "Allegations lead (head or managing director)",
            Role::Chair => "Chair (of governors or trustees, proprietor or owner)",
            Role::Admin => "Administrator",
            Role::Governor => "Governor or trustee",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything the platform lets someone do, at the granularity authorisation is decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    ReadPublicPages,
    SubmitWorry,
    DoOwnTraining,
    SignAup,
    ViewOwnProgress,
    ViewCompletion,
    ExportCompletion,
    ReceiveWorries,
    HandleWorries,
    ManagePeople,
    ImportPeople,
    /// The whole organisation profile: name, kind, renewal, requirements, single sign-on.
    ManageOrganisation,
    /// The profile's safeguarding contacts: DSL, deputies, leads, on-duty rota, local services.
    EditContacts,
    /// The organisation's own versions of policies and pages.
    PublishPolicies,
    /// The safeguarding reports: counts only, each reader's over the worries they may read
    /// (see `reports`).
    ViewReports,
    /// Person records: a child's (or adult's) worries linked in one chronology, still routed.
    ViewPersonRecords,
    /// Export a child's file for transfer to another organisation (the worries in the team's
    /// queue that routing lets them read; never the allegations, staff, DSL or head queues).
    TransferPersonFiles,
    /// Import a child's file transferred from another organisation on the platform.
    ImportPersonFiles,
    /// Review records past their retention period: list, hold, confirm deletion (each record
    /// still routed: see `retention`).
    ReviewRetention,
}

impl Action {
    pub const ALL: [Action; 19] = [
        Action::ReadPublicPages,
        Action::SubmitWorry,
        Action::DoOwnTraining,
        Action::SignAup,
        Action::ViewOwnProgress,
        Action::ViewCompletion,
        Action::ExportCompletion,
        Action::ReceiveWorries,
        Action::HandleWorries,
        Action::ManagePeople,
        Action::ImportPeople,
        Action::ManageOrganisation,
        Action::EditContacts,
        Action::PublishPolicies,
        Action::ViewReports,
        Action::ViewPersonRecords,
        Action::TransferPersonFiles,
        Action::ImportPersonFiles,
        Action::ReviewRetention,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::ReadPublicPages => "read_public_pages",
            Action::SubmitWorry => "submit_worry",
            Action::DoOwnTraining => "do_own_training",
            Action::SignAup => "sign_aup",
            Action::ViewOwnProgress => "view_own_progress",
            Action::ViewCompletion => "view_completion",
            Action::ExportCompletion => "export_completion",
            Action::ReceiveWorries => "receive_worries",
            Action::HandleWorries => "handle_worries",
            Action::ManagePeople => "manage_people",
            Action::ImportPeople => "import_people",
            Action::ManageOrganisation => "manage_organisation",
            Action::EditContacts => "edit_contacts",
            Action::PublishPolicies => "publish_policies",
            Action::ViewReports => "view_reports",
            Action::ViewPersonRecords => "view_person_records",
            Action::TransferPersonFiles => "transfer_person_files",
            Action::ImportPersonFiles => "import_person_files",
            Action::ReviewRetention => "review_retention",
        }
    }
}

use Action::*;

/// What anybody may do, signed in or not: guidance is public and a worry must always be
/// possible (anonymously too).
pub const PUBLIC: &[Action] = &[ReadPublicPages, SubmitWorry];

/// The authorisation table: role to the actions it allows, on top of [`PUBLIC`]. The admin
/// deliberately does not receive or handle worries: setting people up is not a safeguarding role.
pub const PERMISSIONS: &[(Role, &[Action])] = &[
    (Role::Learner, &[DoOwnTraining, SignAup, ViewOwnProgress]),
    (Role::Staff, &[DoOwnTraining, SignAup, ViewOwnProgress]),
    (Role::Parent, &[SignAup, ViewOwnProgress]),
    (
        Role::Dsl,
        &[
            ViewCompletion,
            ExportCompletion,
            ReceiveWorries,
            HandleWorries,
            EditContacts,
            PublishPolicies,
            ViewReports,
            ViewPersonRecords,
            TransferPersonFiles,
            ImportPersonFiles,
            ReviewRetention,
        ],
    ),
    (
        Role::DeputyDsl,
        &[
            ViewCompletion,
            ExportCompletion,
            ReceiveWorries,
            HandleWorries,
            ViewReports,
            ViewPersonRecords,
            TransferPersonFiles,
        ],
    ),
    (
        Role::AllegationsLead,
        &[
            ReceiveWorries,
            HandleWorries,
            ViewReports,
            ViewPersonRecords,
            ReviewRetention,
        ],
    ),
    (
        Role::Chair,
        &[
            ReceiveWorries,
            HandleWorries,
            ViewReports,
            ViewPersonRecords,
            ReviewRetention,
        ],
    ),
    (
        Role::Admin,
        &[
            ViewCompletion,
            ExportCompletion,
            ManagePeople,
            ImportPeople,
            ManageOrganisation,
            EditContacts,
            PublishPolicies,
        ],
    ),
    (
        Role::Governor,
        &[DoOwnTraining, ViewOwnProgress, ViewReports],
    ),
];

/// Whether someone holding these roles (none when not signed in) may do the action.
pub fn allows(roles: &[Role], action: Action) -> bool {
    PUBLIC.contains(&action)
        || PERMISSIONS
            .iter()
            .any(|(role, actions)| roles.contains(role) && actions.contains(&action))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole table written out: one row per role (and one for anonymous), one column per
    /// action in `Action::ALL` order. 1 = allowed, 0 = refused.
    ///
    /// columns: public, worry, training, aup, own progress, completion, export, receive worries,
    ///          handle worries, manage people, import people, manage organisation, edit contacts,
    ///          publish policies, view reports, person records, transfer a file, import one,
    ///          review retention
    const EXPECTED: &[(&str, [u8; 19])] = &[
        (
            "anonymous",
            [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ),
        (
            "learner",
            [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ),
        (
            "staff",
            [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ),
        (
            "parent",
            [1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ),
        (
            "dsl",
            [1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1],
        ),
        (
            "deputy_dsl",
            [1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0],
        ),
        (
            "allegations_lead",
            [1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1],
        ),
        (
            "chair",
            [1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1],
        ),
        (
            "admin",
            [1, 1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
        ),
        (
            "governor",
            [1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0],
        ),
    ];

    #[test]
    fn the_whole_table_matches_the_expected_matrix() {
        assert_eq!(EXPECTED.len(), Role::ALL.len() + 1, "a role is missing");
        assert_eq!(PERMISSIONS.len(), Role::ALL.len(), "a role has no row");
        let mut checked = 0;
        for (who, row) in EXPECTED {
            let roles: Vec<Role> = match *who {
                "anonymous" => vec![],
                r => vec![Role::parse(r).expect("known role")],
            };
            for (action, expected) in Action::ALL.into_iter().zip(row) {
                assert_eq!(
                    allows(&roles, action),
                    *expected == 1,
                    "{who} / {}",
                    action.as_str()
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 10 * 19);
    }

    #[test]
    fn several_roles_get_the_union_and_nothing_more() {
        let both = [Role::Staff, Role::Dsl];
        assert!(allows(&both, DoOwnTraining));
        assert!(allows(&both, HandleWorries));
        assert!(!allows(&both, ManagePeople));
        let admin_staff = [Role::Admin, Role::Staff];
        assert!(!allows(&admin_staff, HandleWorries));
        assert!(!allows(&admin_staff, ReceiveWorries));
    }

    #[test]
    fn roles_read_back_from_how_they_are_written() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(
                serde_json::to_value(r).unwrap(),
                serde_json::json!(r.as_str())
            );
        }
        assert_eq!(Role::parse(" Deputy DSL "), Some(Role::DeputyDsl));
        assert_eq!(Role::parse("allegations-lead"), Some(Role::AllegationsLead));
        assert_eq!(Role::parse("teacher"), None);
        assert_eq!(Role::parse(""), None);
        for a in Action::ALL {
            assert_eq!(
                serde_json::to_value(a).unwrap(),
                serde_json::json!(a.as_str())
            );
        }
    }
}
