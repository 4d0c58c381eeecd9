//! Every page's address, declared once. The table below makes the app's `<Routes>` (one
//! `<Route>` per page, [`PageRoutes`]) and the address constants in [`paths`] that the web
//! function routes its handlers at ([`axum_path`] turns `:id` into axum's `{id}`). A page that
//! needs no data of its own has no handler: the web function's fallback renders the app.
//! A form posted to an address of its own (`/worries/:id/act`) is not a page: the web function
//! routes it, and its handler answers with the page it came from.

use crate::pages::transfer::{TransferImportPage, TransferPage};
use crate::pages::{
    account::{MePage, SignInPage},
    admin::PeoplePage,
    aup::AupPage,
    compliance::{ComplianceListPage, DashboardPage, PersonRecordPage, SignedByPage},
    concerns::{LowLevelLogPage, LowLevelPage, StaffConcernPage},
    curriculum::CurriculumPage,
    exports::{EvidencePage, ExportPage},
    family::{ChildrenPageView, FamilyAdminPage},
    follow_up::FollowUpPage,
    guidance::{GuidanceList, GuidancePage},
    home::HomePage,
    import::ImportPage,
    learn::{LearningIndex, ModulePage},
    my_worries::{MyWorriesPage, MyWorryPage},
    not_found::NotFound,
    organisation::{OrganisationHistoryPage, OrganisationProfilePage},
    policies::{
        AupComparePage, PoliciesPage, PolicyEditorPage, PolicyVersionPage, PolicyVersionsPage,
    },
    records::{LinkPage, RecordPage, RecordsPage},
    reports::ReportPage,
    retention::RetentionPage,
    safeguarding_roles::SafeguardingRolesPage,
    tell::TellPage,
    training::{CertificatePage, MyTrainingPage, QuizPage, RosterPage, SignedTextPage, VerifyPage},
    worries::{CasePage, InboxPage},
};
use leptos::prelude::*;
use leptos_router::components::{Route, Routes};
use leptos_router::path;

macro_rules! pages {
    ($($name:ident = $path:tt => $view:ident;)*) => {
        /// Each page's address, in Leptos syntax (`:name` for a parameter).
        pub mod paths {
            $(pub const $name: &str = $path;)*
        }

        /// Every page's address.
        pub const ALL: &[&str] = &[$($path),*];

        /// The app's routes: one per page of the table.
        #[component]
        pub fn PageRoutes() -> impl IntoView {
            view! {
                <Routes fallback=NotFound>
                    $(<Route path=path!($path) view=$view/>)*
                </Routes>
            }
        }
    };
}

pages! {
    HOME = "/" => HomePage;
    PARENTS = "/parents" => GuidanceList;
    GUIDANCE = "/parents/:id" => GuidancePage;
    LEARN = "/learn" => LearningIndex;
    CURRICULUM = "/curriculum" => CurriculumPage;
    MODULE = "/learn/:id" => ModulePage;
    QUIZ = "/learn/:id/quiz" => QuizPage;
    AUP = "/aup/:id" => AupPage;
    AUP_SIGNED = "/aup/:id/signed/:sha" => SignedTextPage;
    AUP_COMPARE = "/aup/:id/compare" => AupComparePage;
    MY_TRAINING = "/me/training" => MyTrainingPage;
    COMPLETIONS = "/completions/:id" => RosterPage;
    COMPLIANCE = "/compliance" => DashboardPage;
    COMPLIANCE_LIST = "/compliance/list" => ComplianceListPage;
    PERSON_RECORD = "/compliance/people/:id" => PersonRecordPage;
    PERSON_SIGNED = "/compliance/people/:id/signed/:sha" => SignedByPage;
    EXPORT = "/compliance/export" => ExportPage;
    EVIDENCE = "/compliance/evidence" => EvidencePage;
    CERTIFICATE = "/certificates/:code" => CertificatePage;
    VERIFY = "/verify" => VerifyPage;
    TELL = "/tell" => TellPage;
    FOLLOW_UP = "/follow-up" => FollowUpPage;
    SIGN_IN = "/sign-in" => SignInPage;
    SIGN_IN_LINK = "/sign-in/link" => SignInPage;
    ME = "/me" => MePage;
    MY_WORRIES = "/me/worries" => MyWorriesPage;
    MY_WORRY = "/me/worries/:id" => MyWorryPage;
    INBOX = "/worries" => InboxPage;
    CASE = "/worries/:id" => CasePage;
    SAFEGUARDING_ROLES = "/safeguarding-roles" => SafeguardingRolesPage;
    PEOPLE = "/admin/people" => PeoplePage;
    IMPORT = "/admin/people/import" => ImportPage;
    FAMILY = "/admin/people/:id/family" => FamilyAdminPage;
    CHILDREN = "/me/children" => ChildrenPageView;
    IMPORT_JOB = "/admin/people/import/jobs/:id" => ImportPage;
    POLICIES = "/admin/policies" => PoliciesPage;
    POLICY_EDIT = "/admin/policies/edit" => PolicyEditorPage;
    POLICY_VERSIONS = "/admin/policies/versions" => PolicyVersionsPage;
    POLICY_VERSION = "/admin/policies/version" => PolicyVersionPage;
    ORGANISATION = "/admin/organisation" => OrganisationProfilePage;
    ORGANISATION_HISTORY = "/admin/organisation/history" => OrganisationHistoryPage;
    REPORT_MONTHLY = "/reports/monthly" => ReportPage;
    REPORT_TERMLY = "/reports/termly" => ReportPage;
    RECORDS = "/records" => RecordsPage;
    RECORD = "/records/:id" => RecordPage;
    WORRY_PEOPLE = "/worries/:id/people" => LinkPage;
    STAFF_CONCERN = "/staff-concern" => StaffConcernPage;
    LOW_LEVEL = "/staff-concern/low-level" => LowLevelPage;
    LOW_LEVEL_LOG = "/low-level-concerns" => LowLevelLogPage;
    TRANSFER = "/records/:id/transfer" => TransferPage;
    TRANSFER_IMPORT = "/transfers/import" => TransferImportPage;
    RETENTION = "/retention" => RetentionPage;
}

/// The pages whose HTML, for someone signed out, depends on nothing but the organisation, the
/// version of its content and the address: rendered once and served again from memory (the web
/// function's `edge::public`, kept in `server::public_pages`), and shared caches (CloudFront)
/// may keep them a minute. A page belongs here only if, signed out, it shows nothing of the
/// request or the person: no form token (so not `/tell`, `/sign-in`, `/follow-up`), no query
/// string (`/verify`; and a request with one is never served from memory), no cookie, flash or
/// time of day. Signed in, every page is rendered for the person as before (the header shows
/// their links; a module may be their training), and is `no-store`.
pub const SAME_FOR_EVERYONE_SIGNED_OUT: &[&str] = &[
    paths::HOME,
    paths::PARENTS,
    paths::GUIDANCE,
    paths::LEARN,
    paths::CURRICULUM,
    paths::MODULE,
    paths::AUP,
];

/// Whether `path` (a request's path) is the address of a page of
/// [`SAME_FOR_EVERYONE_SIGNED_OUT`]: a `:name` segment matches any one non-empty segment.
pub fn same_for_everyone_signed_out(path: &str) -> bool {
    SAME_FOR_EVERYONE_SIGNED_OUT
        .iter()
        .any(|pattern| path_matches(pattern, path))
}

fn path_matches(pattern: &str, path: &str) -> bool {
    let (mut pattern, mut path) = (pattern.split('/'), path.split('/'));
    loop {
        match (pattern.next(), path.next()) {
            (None, None) => return true,
            (Some(p), Some(s)) if p.starts_with(':') && !s.is_empty() => {}
            (Some(p), Some(s)) if p == s => {}
            _ => return false,
        }
    }
}

/// A page's address in axum's syntax: `/learn/:id` is `/learn/{id}`.
pub fn axum_path(path: &str) -> String {
    path.split('/')
        .map(|segment| match segment.strip_prefix(':') {
            Some(name) => format!("{{{name}}}"),
            None => segment.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_become_axum_captures() {
        assert_eq!(axum_path(paths::HOME), "/");
        assert_eq!(
            axum_path(paths::PERSON_SIGNED),
            "/compliance/people/{id}/signed/{sha}"
        );
        assert_eq!(
            axum_path(paths::IMPORT_JOB),
            "/admin/people/import/jobs/{id}"
        );
    }

    #[test]
    fn the_pages_the_same_for_everyone_signed_out_are_known_by_their_address() {
        for path in [
            "/",
            "/parents",
            "/parents/talking-with-your-child",
            "/learn",
            "/learn/four-cs-of-online-risk",
            "/curriculum",
            "/aup/learner-aup",
        ] {
            assert!(same_for_everyone_signed_out(path), "{path}");
        }
        for path in [
            "/tell",
            "/sign-in",
            "/sign-in/link",
            "/follow-up",
            "/verify",
            "/me",
            "/learn/x/quiz",
            "/learn/",
            "/parents/a/b",
            "/aup/x/signed/abc",
            "/worries/1",
            "",
            "//",
        ] {
            assert!(!same_for_everyone_signed_out(path), "{path}");
        }
        for path in SAME_FOR_EVERYONE_SIGNED_OUT {
            assert!(ALL.contains(path), "{path} is not a page");
        }
    }

    #[test]
    fn every_page_has_one_address() {
        let mut seen = std::collections::HashSet::new();
        for path in ALL {
            assert!(seen.insert(*path), "{path} is declared twice");
            assert!(path.starts_with('/'), "{path}");
        }
    }
}
