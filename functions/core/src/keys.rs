//! Every key of the single table, next to the access pattern it serves. Every key starts with
//! the organisation (`ORG#<org>#`), and the only way to build one is through these functions,
//! which take an [`OrgId`]: tenant isolation is a property of the keys, not of each handler.
//!
//! | access pattern                                   | pk / gsi1pk                          | sk / gsi1sk              |
//! |--------------------------------------------------|--------------------------------------|--------------------------|
//! | a worry by id                                    | `ORG#<org>#WORRY#<id>`               | `WORRY`                  |
//! | a worry's chronology (handling, replies), in order | `ORG#<org>#WORRY#<id>`             | `EVENT#<at>#<event id>`  |
//! | a worry's audit trail (every read), in order     | `ORG#<org>#WORRY#<id>`               | `AUDIT#<at>#<entry id>`  |
//! | a handler's form already applied (TTL)           | `ORG#<org>#WORRY#<id>`               | `IDEM#<form id>`         |
//! | a queue's open / closed worries, newest first (gsi1) | `ORG#<org>#WORRIES#<queue>#OPEN` or `#CLOSED` | `<created_at>#<id>` |
//! | a named sender's worries, newest first           | `ORG#<org>#SENDER#<person id>`       | `<created_at>#<id>`      |
//! | a notification to send (who got it so far)      | `ORG#<org>#NOTIFY#<id>`              | `NOTIFY`                 |
//! | notifications not yet delivered, oldest first (gsi1) | `ORG#<org>#NOTIFY#PENDING`       | `<created_at>#<id>`      |
//! | open worries per route, counted in the same tx as each worry write (see "Inbox counts" below) | `ORG#<org>#WORRYCOUNT` | `ROUTE#<route id>`, `URGENTNEW#<created_at>#<id>`, `BUILT` |
//! | open worries' review dates, soonest first (same tx as the worry's change) | `ORG#<org>#REVIEWS` | `DUE#<yyyy-mm-dd>#<worry id>` |
//! | a worry by the hash of its follow-up code        | `ORG#<org>#FOLLOWUP#<sha256(code)>`  | `FOLLOWUP`               |
//! | a submission by the hash of its form token (TTL) | `ORG#<org>#IDEM#<sha256(token)>`     | `IDEM`                   |
//! | a person by id                                   | `ORG#<org>#PERSON#<id>`              | `PERSON`                 |
//! | the active holders of safeguarding roles (see the table near the end) | `ORG#<org>#SAFEGUARDERS` | `PERSON#<id>`, `BUILT` |
//! | a person's id by email (uniqueness, same tx)     | `ORG#<org>#EMAIL#<sha256(email)>`    | `EMAIL`                  |
//! | an organisation's people by name (gsi1)          | `ORG#<org>#PEOPLE`                   | `<lowercase name>#<id>`  |
//! | a sign-in link by the hash of its token (TTL)    | `ORG#<org>#MAGIC#<sha256(token)>`    | `MAGIC`                  |
//! | a rate-limit counter for one window (TTL)        | `ORG#<org>#RATE#<bucket>#<start>`    | `RATE`                   |
//! | a single sign-on attempt by its state hash (TTL) | `ORG#<org>#SSOSTATE#<sha256(state)>` | `SSOSTATE`               |
//! | an import job: who, when, progress, counts (TTL) | `ORG#<org>#IMPORTJOB#<id>`           | `JOB`                    |
//! | an import job's planned rows, in order (TTL)     | `ORG#<org>#IMPORTJOB#<id>`           | `CHUNK#<n, 0-based>`     |
//! | what each chunk of a job did, in order (TTL)     | `ORG#<org>#IMPORTJOB#<id>`           | `DONE#<n, 0-based>`      |

//!
//! ## Which record each key holds
//!
//! Every item is one typed record (`#[derive(Serialize, Deserialize)]`), written and read only
//! through [`crate::store::record::to_item`] / [`from_item`](crate::store::record::from_item);
//! its `type` attribute is the record's `TYPE`. Optimistic locking uses the one
//! [`crate::store::VERSION`] attribute ([`Condition::version`](crate::store::Condition::version),
//! [`Update::bump_version`](crate::store::Update::bump_version)).
//!
//! | key function                | `type`              | record                                            |
//! |-----------------------------|---------------------|---------------------------------------------------|
//! | [`worry`]                   | `worry`             | [`WorryRecord`](crate::worry::records::WorryRecord) |
//! | [`worry_event`]             | `worry_event`       | [`WorryEventRecord`](crate::worry::records::WorryEventRecord) |
//! | [`worry_audit`]             | `worry_audit`       | [`WorryAuditRecord`](crate::worry::records::WorryAuditRecord) |
//! | [`worry_form_applied`]      | `form_applied`      | [`FormAppliedRecord`](crate::worry::records::FormAppliedRecord) |
//! | [`sender_worry`]            | `sender_worry`      | [`SenderWorryRecord`](crate::worry::records::SenderWorryRecord) |
//! | [`follow_up`]               | `follow_up`         | [`FollowUpRecord`](crate::worry::records::FollowUpRecord) |
//! | [`idempotency`]             | `idempotency`       | [`SubmissionRecord`](crate::worry::records::SubmissionRecord) |
//! | [`form_used`]               | `form_used`         | [`FormUsedRecord`](crate::worry::records::FormUsedRecord) |
//! | [`worry_group`]             | `worry_group`       | [`WorryGroupRecord`](crate::worry::records::WorryGroupRecord) |
//! | [`review_due`]              | `review_due`        | [`ReviewDueRecord`](crate::worry::review::ReviewDueRecord) |
//! | [`notification`]            | `notification`      | [`NotificationRecord`](crate::notify::NotificationRecord) |
//! | [`sign_in_request`]         | `sign_in_request`   | [`SignInRequestRecord`](crate::identity::sign_in_mail::SignInRequestRecord) |
//! | [`person`]                  | `person`            | [`PersonRecord`](crate::identity::people::PersonRecord) |
//! | [`email`]                   | `email`             | [`EmailRecord`](crate::identity::people::EmailRecord) |
//! | [`magic_link`]              | `magic_link`        | [`MagicLinkRecord`](crate::identity::magic_link::MagicLinkRecord) |
//! | [`rate_limit`]              | none (made by an update) | [`RateWindowRecord`](crate::rate_limit::RateWindowRecord) |
//! | [`learning_state`]          | `learning_state`    | [`LearningStateRecord`](crate::learning_state::LearningStateRecord) of a module or AUP state |
//! | [`learning_history`]        | `completion`, `aup_signature`, `aup_cosignature` | [`CompletionRecord`](crate::learning_state::CompletionRecord), [`AupSignatureRecord`](crate::learning_state::AupSignatureRecord), [`AupCosignatureRecord`](crate::learning_state::AupCosignatureRecord) (by `type`: [`record::is`](crate::store::record::is)) |
//! | [`learning_attempt`]        | `quiz_attempt`      | [`QuizAttemptRecord`](crate::learning_state::QuizAttemptRecord) |
//! | [`aup_text`]                | `aup_text`          | [`AupTextRecord`](crate::learning_state::AupTextRecord) |
//! | [`certificate`]             | `certificate`       | [`CertificateRecord`](crate::learning::certificate::CertificateRecord) |
//! | [`reading_level`]           | `reading_level`     | [`ReadingLevelRecord`](crate::learning::easy_read::ReadingLevelRecord) |
//! | [`easy_read_groups`]        | `easy_read_groups`  | [`EasyReadGroupsRecord`](crate::learning::easy_read::EasyReadGroupsRecord) |
//! | [`import_job`]              | `import_job`        | [`ImportJobRecord`](crate::identity::import_job::ImportJobRecord) |
//! | [`import_job_chunk`]        | `import_chunk`      | [`ImportChunkRecord`](crate::identity::import_job::ImportChunkRecord) |
//! | [`import_job_done`]         | `import_chunk_done` | [`ImportChunkDoneRecord`](crate::identity::import_job::ImportChunkDoneRecord) |
//! | [`family_child`], [`family_parent`] | `family_link` | [`FamilyLinkRecord`](crate::identity::family::FamilyLinkRecord) |
//! | [`family_birth`]            | `birth_date`        | [`BirthDateRecord`](crate::identity::family::BirthDateRecord) |
//! | [`sso_state`]               | `sso_state`         | [`SsoStateRecord`](crate::identity::sso::SsoStateRecord) |
//! | [`role_change`]             | `role_change`       | [`RoleChange`](crate::governance::RoleChange) |
//! | [`reminder_sent`]           | `reminder`          | [`ReminderSentRecord`](crate::reminders::ReminderSentRecord) |
//! | [`reminder_weekly`]         | `reminder`          | [`WeeklySummaryRecord`](crate::reminders::WeeklySummaryRecord) |
//! | [`aggregates_built`]        | `aggregates_built`  | [`AggregatesBuiltRecord`](crate::compliance::AggregatesBuiltRecord) |
//! | [`people_aggregate`], [`item_aggregate`] | `aggregate` (set by the update that makes it) | [`AggregateRecord`](crate::counters::AggregateRecord) |
//! | [`worry_route_count`]       | `worry_route_count` (set by the update that makes it) | [`RouteCountRecord`](crate::worry::counts::RouteCountRecord) |
//! | [`worry_urgent_new`]        | `worry_urgent_new`  | [`UrgentNewRecord`](crate::worry::counts::UrgentNewRecord) |
//! | [`worry_counts_built`]      | `worry_counts_built` | [`WorryCountsBuiltRecord`](crate::worry::counts::WorryCountsBuiltRecord) |
//! | [`safeguarder`]             | `safeguarder`       | [`SafeguarderRecord`](crate::identity::safeguarders::SafeguarderRecord) |
//! | [`safeguarders_built`]      | `safeguarders_built` | [`SafeguardersBuiltRecord`](crate::identity::safeguarders::SafeguardersBuiltRecord) |
//! | [`standing`]                | `standing`          | [`StandingRecord`](crate::counters::StandingRecord) |
//! | [`standings_built`]         | `standings_built`   | [`StandingsBuiltRecord`](crate::compliance::StandingsBuiltRecord) |

use crate::org::OrgId;
use crate::store::Key;

fn org(org: &OrgId) -> String {
    format!("ORG#{}", org.as_str())
}

// ---- Organisations running themselves (`tenancy`) ----
//
// | an organisation's profile, current version           | `ORG#<org>#PROFILE`                  | `PROFILE`                |
// | the profile's history, one entry per saved version   | `ORG#<org>#PROFILE`                  | `CHANGE#<version, 10 digits>` |
// | the organisation's own versions of content files     | `ORG#<org>#POLICY`                   | `<content path>#V#<n, 6 digits>` |
// | what changes when content or profile change (cache)  | `ORG#<org>#STAMP`                    | `STAMP`                  |
// | a host name's organisation (deployment-wide)         | `DEPLOYMENT#HOST#<host>`             | `HOST`                   |
// | the organisations of this deployment                 | `DEPLOYMENT#ORGS`                    | `ORG#<org>`              |

/// The current profile of an organisation.
pub fn org_profile(o: &OrgId) -> Key {
    Key::new(org_profile_partition(o), "PROFILE")
}

/// The partition of the profile and its history.
pub fn org_profile_partition(o: &OrgId) -> String {
    format!("{}#PROFILE", org(o))
}

pub const PROFILE_CHANGE_PREFIX: &str = "CHANGE#";

/// One saved version of the profile, in the history.
pub fn org_profile_change(o: &OrgId, version: u64) -> Key {
    Key::new(
        org_profile_partition(o),
        format!("{PROFILE_CHANGE_PREFIX}{version:010}"),
    )
}

/// The partition of every version of the organisation's own content files.
pub fn org_policies(o: &OrgId) -> String {
    format!("{}#POLICY", org(o))
}

/// One published version (`n`, from 1) of the organisation's own version of a content file.
pub fn org_policy(o: &OrgId, path: &str, n: u64) -> Key {
    Key::new(org_policies(o), format!("{path}#V#{n:06}"))
}

/// Changes (a number only goes up) whenever the profile is saved or a policy published: what a
/// cached copy of the organisation's content checks, in one read.
pub fn org_stamp(o: &OrgId) -> Key {
    Key::new(format!("{}#STAMP", org(o)), "STAMP")
}

/// Which organisation a host name serves. Deployment-wide: the one key not under an
/// organisation, holding nothing but the mapping.
pub fn host(host: &str) -> Key {
    Key::new(format!("DEPLOYMENT#HOST#{host}"), "HOST")
}

/// The partition listing every organisation of the deployment.
pub const DEPLOYMENT_ORGS: &str = "DEPLOYMENT#ORGS";

/// One organisation of the deployment, in the list.
pub fn deployment_org(o: &OrgId) -> Key {
    Key::new(DEPLOYMENT_ORGS, format!("ORG#{}", o.as_str()))
}

pub fn worry(o: &OrgId, worry_id: &str) -> Key {
    Key::new(format!("{}#WORRY#{worry_id}", org(o)), "WORRY")
}

/// The partition of the organisation's review dates of open worries, by date.
pub fn reviews(o: &OrgId) -> String {
    format!("{}#REVIEWS", org(o))
}

/// The sort key of the review dates up to and including `day` (`yyyy-mm-dd`): `DUE#` sorts
/// before every date, and `~` after every worry id of the last day.
pub fn reviews_due_until(day: &str) -> (String, String) {
    ("DUE#".into(), format!("DUE#{day}#~"))
}

/// One open worry's review date (`due`: `yyyy-mm-dd`).
pub fn review_due(o: &OrgId, due: &str, worry_id: &str) -> Key {
    Key::new(reviews(o), format!("DUE#{due}#{worry_id}"))
}

/// The partition of one worry: the worry, its chronology, its audit trail.
pub fn worry_partition(o: &OrgId, worry_id: &str) -> String {
    format!("{}#WORRY#{worry_id}", org(o))
}

/// Sort-key prefixes inside a worry's partition.
pub const WORRY_EVENT_PREFIX: &str = "EVENT#";
pub const WORRY_AUDIT_PREFIX: &str = "AUDIT#";
pub const WORRY_IDEM_PREFIX: &str = "IDEM#";

/// One entry of a worry's chronology; `at` is an RFC 3339 timestamp, so they sort in time order.
pub fn worry_event(o: &OrgId, worry_id: &str, at: &str, event_id: &str) -> Key {
    Key::new(
        worry_partition(o, worry_id),
        format!("{WORRY_EVENT_PREFIX}{at}#{event_id}"),
    )
}

/// One read of a worry, in its audit trail.
pub fn worry_audit(o: &OrgId, worry_id: &str, at: &str, entry_id: &str) -> Key {
    Key::new(
        worry_partition(o, worry_id),
        format!("{WORRY_AUDIT_PREFIX}{at}#{entry_id}"),
    )
}

/// Marks a handler's or sender's form as applied, so a double click records it once.
pub fn worry_form_applied(o: &OrgId, worry_id: &str, form_id: &str) -> Key {
    Key::new(
        worry_partition(o, worry_id),
        format!("{WORRY_IDEM_PREFIX}{form_id}"),
    )
}

/// gsi1 partition of one routing queue's open (or closed) worries.
pub fn worries_index(o: &OrgId, queue: &str, open: bool) -> String {
    let state = if open { "OPEN" } else { "CLOSED" };
    format!("{}#WORRIES#{queue}#{state}", org(o))
}

pub fn worries_index_sort(created_at: &str, worry_id: &str) -> String {
    format!("{created_at}#{worry_id}")
}

/// A named sender's list of their own worries (a pointer per worry; never for anonymous ones).
pub fn sender_worries(o: &OrgId, person_id: &str) -> String {
    format!("{}#SENDER#{person_id}", org(o))
}

pub fn sender_worry(o: &OrgId, person_id: &str, created_at: &str, worry_id: &str) -> Key {
    Key::new(
        sender_worries(o, person_id),
        worries_index_sort(created_at, worry_id),
    )
}

/// A notification waiting to be (or already) delivered.
pub fn notification(o: &OrgId, notification_id: &str) -> Key {
    Key::new(format!("{}#NOTIFY#{notification_id}", org(o)), "NOTIFY")
}

/// gsi1 partition of an organisation's notifications not yet delivered.
pub fn notifications_pending(o: &OrgId) -> String {
    format!("{}#NOTIFY#PENDING", org(o))
}

pub fn follow_up(o: &OrgId, code_hash_hex: &str) -> Key {
    Key::new(format!("{}#FOLLOWUP#{code_hash_hex}", org(o)), "FOLLOWUP")
}

/// That a worry form (by its token's nonce) was used: a second, different worry from the same
/// form joins a flood group.
pub fn form_used(o: &OrgId, nonce_hex: &str) -> Key {
    Key::new(format!("{}#FORMUSED#{nonce_hex}", org(o)), "FORMUSED")
}

/// A group of worries sent from one form, account or address in a short time (one email for
/// the group).
pub fn worry_group(o: &OrgId, group_id: &str) -> Key {
    Key::new(format!("{}#WORRYGROUP#{group_id}", org(o)), "WORRYGROUP")
}

/// The permanent record of changes to safeguarding roles (one item per change, oldest first).
pub fn role_changes(o: &OrgId) -> String {
    format!("{}#ROLECHANGES", org(o))
}

pub fn role_change(o: &OrgId, at: &str, id: &str) -> Key {
    Key::new(role_changes(o), format!("CHANGE#{at}#{id}"))
}

pub fn idempotency(o: &OrgId, token_hash_hex: &str) -> Key {
    Key::new(format!("{}#IDEM#{token_hash_hex}", org(o)), "IDEM")
}

pub fn person(o: &OrgId, person_id: &str) -> Key {
    Key::new(format!("{}#PERSON#{person_id}", org(o)), "PERSON")
}

/// The item that makes an email unique within an organisation; holds the person's id.
pub fn email(o: &OrgId, email_hash_hex: &str) -> Key {
    Key::new(format!("{}#EMAIL#{email_hash_hex}", org(o)), "EMAIL")
}

/// gsi1 partition listing an organisation's people.
pub fn people_index(o: &OrgId) -> String {
    format!("{}#PEOPLE", org(o))
}

pub fn people_index_sort(lowercase_name: &str, person_id: &str) -> String {
    format!("{lowercase_name}#{person_id}")
}

pub fn magic_link(o: &OrgId, token_hash_hex: &str) -> Key {
    Key::new(format!("{}#MAGIC#{token_hash_hex}", org(o)), "MAGIC")
}

/// A sign-in email asked for and not yet sent (it holds the address typed, for at most the
/// link's lifetime): see [`crate::identity::sign_in_mail`].
pub fn sign_in_request(o: &OrgId, request_id: &str) -> Key {
    Key::new(format!("{}#SIGNIN#{request_id}", org(o)), "SIGNIN")
}

/// gsi1 partition of an organisation's sign-in emails not yet sent.
pub fn sign_in_requests_pending(o: &OrgId) -> String {
    format!("{}#SIGNIN#PENDING", org(o))
}

/// One fixed window of a rate-limit bucket; `window_start` is epoch seconds.
pub fn rate_limit(o: &OrgId, bucket: &str, window_start: u64) -> Key {
    Key::new(format!("{}#RATE#{bucket}#{window_start}", org(o)), "RATE")
}

/// A started single sign-on, by the hash of its `state` (the state itself is only in the
/// browser's cookie and the provider's redirect).
pub fn sso_state(o: &OrgId, state_hash_hex: &str) -> Key {
    Key::new(format!("{}#SSOSTATE#{state_hash_hex}", org(o)), "SSOSTATE")
}

/// The partition of one import job: the job, its chunks of planned rows and their results.
pub fn import_job_partition(o: &OrgId, job_id: &str) -> String {
    format!("{}#IMPORTJOB#{job_id}", org(o))
}

pub fn import_job(o: &OrgId, job_id: &str) -> Key {
    Key::new(import_job_partition(o, job_id), "JOB")
}

/// Sort-key prefix of an import job's chunks of planned rows.
pub const IMPORT_CHUNK_PREFIX: &str = "CHUNK#";
/// Sort-key prefix of the results of an import job's applied chunks.
pub const IMPORT_DONE_PREFIX: &str = "DONE#";

/// Chunk `n` (0-based) of an import job's planned rows; zero-padded so they sort in order.
pub fn import_job_chunk(o: &OrgId, job_id: &str, n: usize) -> Key {
    Key::new(
        import_job_partition(o, job_id),
        format!("{IMPORT_CHUNK_PREFIX}{n:05}"),
    )
}

/// What applying chunk `n` of an import job did (written once, with the job's progress).
pub fn import_job_done(o: &OrgId, job_id: &str, n: usize) -> Key {
    Key::new(
        import_job_partition(o, job_id),
        format!("{IMPORT_DONE_PREFIX}{n:05}"),
    )
}

// Learning
//
// | access pattern                                        | pk / gsi1pk                           | sk / gsi1sk                    |
// |-------------------------------------------------------|---------------------------------------|--------------------------------|
// | a person's state of every module and AUP (1 query)    | `ORG#<org>#LEARNING#<person>`         | `STATE#MODULE#<id>`, `STATE#AUP#<id>` |
// | every submitted quiz attempt of a module              | `ORG#<org>#LEARNING#<person>`         | `ATTEMPT#<module>#<attempt id>` |
// | every completion and signature, in time order         | `ORG#<org>#LEARNING#<person>`         | `HISTORY#<item>#<at>#<id>`     |
// | a module's current completions, oldest first (gsi1)   | `ORG#<org>#COMPLETIONS#<module>`      | `<completed_at>#<person>`      |
// | an AUP's current signatures, oldest first (gsi1)      | `ORG#<org>#AUPSIGNED#<aup>`           | `<signed_at>#<person>`         |
// | a module's states started, never completed (gsi1)    | `ORG#<org>#INPROGRESS#<module>`       | `<person>`                     |
// | everyone's own reading level (gsi1)                   | `ORG#<org>#READINGLEVELS`             | `<person>`                     |
// | a certificate by the hash of its verification code    | `ORG#<org>#CERT#<sha256(code)>`       | `CERT`                         |
// | the exact text of an AUP as signed, once per hash     | `ORG#<org>#AUPTEXT#<sha256(text)>`    | `AUPTEXT`                      |

/// The partition of one person's learning: states, attempts, history.
pub fn learning_partition(o: &OrgId, person_id: &str) -> String {
    format!("{}#LEARNING#{person_id}", org(o))
}

/// Sort-key prefixes inside a person's learning partition.
pub const LEARNING_STATE_PREFIX: &str = "STATE#";
pub const LEARNING_ATTEMPT_PREFIX: &str = "ATTEMPT#";
pub const LEARNING_HISTORY_PREFIX: &str = "HISTORY#";

/// A person's state of one item; `item` is `MODULE#<id>` or `AUP#<id>`.
pub fn learning_state(o: &OrgId, person_id: &str, item: &str) -> Key {
    Key::new(
        learning_partition(o, person_id),
        format!("{LEARNING_STATE_PREFIX}{item}"),
    )
}

/// A person's reading level (easy read or the standard pages) and who set it last: see
/// [`crate::learning::easy_read`]. In their learning partition, outside the `STATE#` prefix.
pub fn reading_level(o: &OrgId, person_id: &str) -> Key {
    Key::new(learning_partition(o, person_id), "READING")
}

/// The groups whose people read easy read unless they, or a DSL for them, chose otherwise.
pub fn easy_read_groups(o: &OrgId) -> Key {
    Key::new(format!("{}#READING", org(o)), "GROUPS")
}

/// gsi1 partition of everyone's own reading level (sort key: the person id), so the completion
/// export reads them all with one query, not one read per person.
pub fn reading_levels_index(o: &OrgId) -> String {
    format!("{}#READINGLEVELS", org(o))
}

/// One submitted quiz attempt.
pub fn learning_attempt(o: &OrgId, person_id: &str, module_id: &str, attempt_id: &str) -> Key {
    Key::new(
        learning_partition(o, person_id),
        format!("{LEARNING_ATTEMPT_PREFIX}{module_id}#{attempt_id}"),
    )
}

/// One completion or signature, kept for good; `at` is an RFC 3339 timestamp.
pub fn learning_history(o: &OrgId, person_id: &str, item: &str, at: &str, id: &str) -> Key {
    Key::new(
        learning_partition(o, person_id),
        format!("{LEARNING_HISTORY_PREFIX}{item}#{at}#{id}"),
    )
}

/// gsi1 partition of a module's current completions (one per person).
pub fn completions_index(o: &OrgId, module_id: &str) -> String {
    format!("{}#COMPLETIONS#{module_id}", org(o))
}

/// gsi1 partition of a module's states that were started and never completed (one per person).
pub fn in_progress_index(o: &OrgId, module_id: &str) -> String {
    format!("{}#INPROGRESS#{module_id}", org(o))
}

/// gsi1 partition of an AUP's current signatures (one per person).
pub fn aup_signed_index(o: &OrgId, aup_id: &str) -> String {
    format!("{}#AUPSIGNED#{aup_id}", org(o))
}

pub fn learning_index_sort(at: &str, person_id: &str) -> String {
    format!("{at}#{person_id}")
}

pub fn certificate(o: &OrgId, code_hash_hex: &str) -> Key {
    Key::new(format!("{}#CERT#{code_hash_hex}", org(o)), "CERT")
}

pub fn aup_text(o: &OrgId, text_hash_hex: &str) -> Key {
    Key::new(format!("{}#AUPTEXT#{text_hash_hex}", org(o)), "AUPTEXT")
}

// Reminders
//
// | access pattern                                        | pk / gsi1pk                           | sk / gsi1sk                    |
// |-------------------------------------------------------|---------------------------------------|--------------------------------|
// | what a person was reminded of, and their weekly summaries (1 query, TTL) | `ORG#<org>#REMIND#<person>` | `SENT#<item>#<stage>#<cycle>`, `WEEKLY#<iso week>` |

/// The partition of one person's reminder records: one item per reminder sent (an item's stage
/// in one cycle) and per weekly summary sent. Kept apart from the learning partition so the
/// learning code (and its round-trip counts) never sees them.
pub fn reminders_partition(o: &OrgId, person_id: &str) -> String {
    format!("{}#REMIND#{person_id}", org(o))
}

/// Sort-key prefixes inside a person's reminders partition.
pub const REMINDER_SENT_PREFIX: &str = "SENT#";
pub const REMINDER_WEEKLY_PREFIX: &str = "WEEKLY#";

/// One reminder sent: `item` is `MODULE#<id>` or `AUP#<id>`, `stage` e.g. `expiring`, `cycle`
/// what the stage refers to (a `valid_until`, a version), so the next cycle is a new key.
pub fn reminder_sent(o: &OrgId, person_id: &str, item: &str, stage: &str, cycle: &str) -> Key {
    Key::new(
        reminders_partition(o, person_id),
        format!("{REMINDER_SENT_PREFIX}{item}#{stage}#{cycle}"),
    )
}

/// A weekly summary sent to a person; `week` is an ISO week like `2026-W48`.
pub fn reminder_weekly(o: &OrgId, person_id: &str, week: &str) -> Key {
    Key::new(
        reminders_partition(o, person_id),
        format!("{REMINDER_WEEKLY_PREFIX}{week}"),
    )
}

// Compliance
//
// Maintained aggregates, updated in the same transaction as the write they count, so the DSL's
// dashboard reads one partition whatever the organisation's size. A cohort is one combination of
// roles and groups (a person is in exactly one); its id is a hash of that combination.
//
// | access pattern                                        | pk                  | sk                                   |
// |-------------------------------------------------------|---------------------|--------------------------------------|
// | active people per cohort                              | `ORG#<org>#AGG`     | `PEOPLE#<cohort>`                    |
// | per item and cohort: in progress, done by version/day | `ORG#<org>#AGG`     | `ITEM#<MODULE|AUP>#<id>#<cohort>`    |
// | when the aggregates were (re)built from the records   | `ORG#<org>#AGG`     | `BUILT`                              |

/// The partition holding every aggregate of an organisation (one query reads them all).
pub fn aggregates(o: &OrgId) -> String {
    format!("{}#AGG", org(o))
}

pub fn people_aggregate(o: &OrgId, cohort: &str) -> Key {
    Key::new(aggregates(o), format!("PEOPLE#{cohort}"))
}

/// `item` is `MODULE#<id>` or `AUP#<id>`.
pub fn item_aggregate(o: &OrgId, item: &str, cohort: &str) -> Key {
    Key::new(aggregates(o), format!("ITEM#{item}#{cohort}"))
}

pub fn aggregates_built(o: &OrgId) -> Key {
    Key::new(aggregates(o), "BUILT")
}

// Families
//
// A parent or carer linked to a child, by an admin (or an import): one item in each person's
// family partition, written and deleted together, so either side is one query. The child's date
// of birth (entered by an admin, used only to decide whether a parent may co-sign the learner
// AUP: under 16) is in the child's partition too.
//
// | access pattern                                        | pk                                   | sk                    |
// |-------------------------------------------------------|--------------------------------------|-----------------------|
// | a parent's linked children                            | `ORG#<org>#FAMILY#<parent>`          | `CHILD#<child>`       |
// | a child's linked parents, and their date of birth     | `ORG#<org>#FAMILY#<child>`           | `PARENT#<parent>`, `BIRTH` |

/// The family partition of one person (their children, or their parents and date of birth).
pub fn family_partition(o: &OrgId, person_id: &str) -> String {
    format!("{}#FAMILY#{person_id}", org(o))
}

pub const FAMILY_CHILD_PREFIX: &str = "CHILD#";
pub const FAMILY_PARENT_PREFIX: &str = "PARENT#";

/// The link as seen from the parent.
pub fn family_child(o: &OrgId, parent_id: &str, child_id: &str) -> Key {
    Key::new(
        family_partition(o, parent_id),
        format!("{FAMILY_CHILD_PREFIX}{child_id}"),
    )
}

/// The link as seen from the child.
pub fn family_parent(o: &OrgId, child_id: &str, parent_id: &str) -> Key {
    Key::new(
        family_partition(o, child_id),
        format!("{FAMILY_PARENT_PREFIX}{parent_id}"),
    )
}

/// A child's date of birth.
pub fn family_birth(o: &OrgId, child_id: &str) -> Key {
    Key::new(family_partition(o, child_id), "BIRTH")
}

// Inbox counts
//
// Maintained counters of the open worries, updated in the same transaction as every write of a
// worry (see [`crate::worry::counts`]), so a handler's numbers are one query whatever the number
// of open worries. A route is a queue with the roles and people a worry must never reach; its id
// is a hash of those.
//
// | access pattern                                        | pk                       | sk                                   |
// |-------------------------------------------------------|--------------------------|--------------------------------------|
// | open worries per route: open, new, urgent, assigned   | `ORG#<org>#WORRYCOUNT`   | `ROUTE#<route id>`                   |
// | urgent worries nobody acknowledged, oldest first      | `ORG#<org>#WORRYCOUNT`   | `URGENTNEW#<created_at>#<worry id>`  |
// | when the counters were (re)built from the worries     | `ORG#<org>#WORRYCOUNT`   | `BUILT`                              |

/// The partition holding the inbox counters of an organisation.
pub fn worry_counts(o: &OrgId) -> String {
    format!("{}#WORRYCOUNT", org(o))
}

/// Sort-key prefixes inside the inbox counters' partition.
pub const WORRY_ROUTE_COUNT_PREFIX: &str = "ROUTE#";
pub const WORRY_URGENT_NEW_PREFIX: &str = "URGENTNEW#";

/// The counters of the open worries routed one way.
pub fn worry_route_count(o: &OrgId, route_id: &str) -> Key {
    Key::new(
        worry_counts(o),
        format!("{WORRY_ROUTE_COUNT_PREFIX}{route_id}"),
    )
}

/// An urgent worry nobody has acknowledged yet; `created_at` is an RFC 3339 timestamp, so they
/// sort by age.
pub fn worry_urgent_new(o: &OrgId, created_at: &str, worry_id: &str) -> Key {
    Key::new(
        worry_counts(o),
        format!("{WORRY_URGENT_NEW_PREFIX}{created_at}#{worry_id}"),
    )
}

pub fn worry_counts_built(o: &OrgId) -> Key {
    Key::new(worry_counts(o), "BUILT")
}

// The people holding safeguarding roles
//
// | access pattern                                        | pk                         | sk                  |
// |-------------------------------------------------------|----------------------------|---------------------|
// | active holders of a safeguarding role (routing, the reassign list), same tx as each change of them | `ORG#<org>#SAFEGUARDERS` | `PERSON#<person id>` |
// | when that index was built from the people             | `ORG#<org>#SAFEGUARDERS`   | `BUILT`             |

/// The partition of the index of the people holding safeguarding roles.
pub fn safeguarders(o: &OrgId) -> String {
    format!("{}#SAFEGUARDERS", org(o))
}

/// One active holder of a safeguarding role, in the index.
pub fn safeguarder(o: &OrgId, person_id: &str) -> Key {
    Key::new(safeguarders(o), format!("PERSON#{person_id}"))
}

pub fn safeguarders_built(o: &OrgId) -> Key {
    Key::new(safeguarders(o), "BUILT")
}

// The list behind a dashboard number
//
// | access pattern                                        | pk                              | sk                                       |
// |-------------------------------------------------------|---------------------------------|------------------------------------------|
// | an item's active people by counter: not started, in progress, done by the day it stops counting (same tx as the counters) | `ORG#<org>#STANDING#<MODULE|AUP>#<id>` | `none#<person>`, `started#<person>`, `d#<day or never>#<version>#<person>` |
// | when that index was built from the records, and the items it has `none#` entries of | `ORG#<org>#STANDING` | `BUILT`                                  |

/// The partition of one item's index of states by counter; `item` is `MODULE#<id>` or
/// `AUP#<id>`.
pub fn standings(o: &OrgId, item: &str) -> String {
    format!("{}#STANDING#{item}", org(o))
}

/// One person's counted state of `item`; `counter_sort` is
/// [`Counter::sort_key`](crate::counters::Counter::sort_key).
pub fn standing(o: &OrgId, item: &str, counter_sort: &str, person_id: &str) -> Key {
    Key::new(standings(o, item), format!("{counter_sort}#{person_id}"))
}

pub fn standings_built(o: &OrgId) -> Key {
    Key::new(format!("{}#STANDING", org(o)), "BUILT")
}

// The safeguarding reports (`reports`)
//
// | access pattern                                        | pk                              | sk                    |
// |-------------------------------------------------------|---------------------------------|-----------------------|
// | what the reports count of each worry, by the month it was sent (same tx as each worry write) | `ORG#<org>#REPORT#<YYYY-MM>` | `WORRY#<id>` |
// | when the entries were made from the worries' records (once per organisation) | `ORG#<org>#REPORT#BUILT` | `BUILT` |
//
// Record: [`worry_report_entry`] holds a
// [`ReportEntryRecord`](crate::worry::report_entry::ReportEntryRecord) (`type`
// `worry_report_entry`, set by the update that makes it).

/// The partition of the report entries of the worries sent in one month (`YYYY-MM`, UK time).
pub fn report_month(o: &OrgId, month: &str) -> String {
    format!("{}#REPORT#{month}", org(o))
}

/// What the reports count of one worry, in the partition of the month it was sent.
pub fn worry_report_entry(o: &OrgId, month: &str, worry_id: &str) -> Key {
    Key::new(report_month(o, month), format!("WORRY#{worry_id}"))
}

/// When every worry's report entry was last made from its record and chronology
/// ([`crate::worry::report_entry::ensure_built`]): for worries stored before the entries existed.
pub fn report_entries_built(o: &OrgId) -> Key {
    Key::new(format!("{}#REPORT#BUILT", org(o)), "BUILT")
}

// Person records (a child's or adult's record across worries: see [`crate::records`])
//
// | access pattern                                        | pk / gsi1pk                          | sk / gsi1sk                    |
// |-------------------------------------------------------|--------------------------------------|--------------------------------|
// | a record, its links, chronology entries, audit, name words (1 query) | `ORG#<org>#PREC#<id>` | `REC`, `LINK#<worry id>`, `EVENT#<at>#<id>`, `AUDIT#<at>#<id>`, `NAME#<word>` |
// | the records a worry is linked to (gsi1)               | `ORG#<org>#WORRYLINKS#<worry id>`    | `<record id>`                  |
// | records by the start of any word of the name (gsi1)   | `ORG#<org>#PRECNAMES`                | `<lowercase word>#<record id>` |
// | the record of a person on the platform (one at most)  | `ORG#<org>#PRECPERSON#<person id>`   | `PREC`                         |

/// The partition of one person record.
pub fn person_file_partition(o: &OrgId, record_id: &str) -> String {
    format!("{}#PREC#{record_id}", org(o))
}

/// A person record itself.
pub fn person_file(o: &OrgId, record_id: &str) -> Key {
    Key::new(person_file_partition(o, record_id), "REC")
}

/// Sort-key prefixes inside a person record's partition.
pub const PERSON_FILE_LINK_PREFIX: &str = "LINK#";
pub const PERSON_FILE_EVENT_PREFIX: &str = "EVENT#";
pub const PERSON_FILE_AUDIT_PREFIX: &str = "AUDIT#";
pub const PERSON_FILE_NAME_PREFIX: &str = "NAME#";

/// A worry linked to a record (listed on gsi1 by the worry: [`worry_links_index`]).
pub fn person_file_link(o: &OrgId, record_id: &str, worry_id: &str) -> Key {
    Key::new(
        person_file_partition(o, record_id),
        format!("{PERSON_FILE_LINK_PREFIX}{worry_id}"),
    )
}

/// One entry of a record's own chronology; `at` is an RFC 3339 timestamp.
pub fn person_file_event(o: &OrgId, record_id: &str, at: &str, id: &str) -> Key {
    Key::new(
        person_file_partition(o, record_id),
        format!("{PERSON_FILE_EVENT_PREFIX}{at}#{id}"),
    )
}

/// One view of a record (or a change to it), in its audit trail.
pub fn person_file_audit(o: &OrgId, record_id: &str, at: &str, id: &str) -> Key {
    Key::new(
        person_file_partition(o, record_id),
        format!("{PERSON_FILE_AUDIT_PREFIX}{at}#{id}"),
    )
}

/// One word of a record's name, listed on gsi1 ([`person_file_names_index`]).
pub fn person_file_name(o: &OrgId, record_id: &str, word: &str) -> Key {
    Key::new(
        person_file_partition(o, record_id),
        format!("{PERSON_FILE_NAME_PREFIX}{word}"),
    )
}

/// gsi1 partition of the records linked to one worry.
pub fn worry_links_index(o: &OrgId, worry_id: &str) -> String {
    format!("{}#WORRYLINKS#{worry_id}", org(o))
}

/// gsi1 partition of every word of every record's name.
pub fn person_file_names_index(o: &OrgId) -> String {
    format!("{}#PRECNAMES", org(o))
}

pub fn person_file_names_sort(word: &str, record_id: &str) -> String {
    format!("{word}#{record_id}")
}

/// The record of a person on the platform (written once, so a person has one record).
pub fn platform_person_file(o: &OrgId, person_id: &str) -> Key {
    Key::new(format!("{}#PRECPERSON#{person_id}", org(o)), "PREC")
}

// Low-level concerns about staff (`crate::concerns`)
//
// | access pattern                                        | pk                              | sk                     |
// |-------------------------------------------------------|---------------------------------|------------------------|
// | an organisation's low-level concerns (few: read whole) | `ORG#<org>#LOWLEVEL`           | `CONCERN#<id>`         |
// | every read of the low-level concerns log, in order    | `ORG#<org>#LOWLEVEL`            | `AUDIT#<at>#<entry id>` |
//
// | key function            | `type`               | record                                                   |
// |-------------------------|----------------------|----------------------------------------------------------|
// | [`low_level_concern`]   | `low_level_concern`  | [`LowLevelConcernRecord`](crate::concerns::LowLevelConcernRecord) |
// | [`low_level_audit`]     | `low_level_audit`    | [`LowLevelAuditRecord`](crate::concerns::LowLevelAuditRecord) |

/// The partition of an organisation's low-level concerns and their audit trail.
pub fn low_level_partition(o: &OrgId) -> String {
    format!("{}#LOWLEVEL", org(o))
}

/// The sort-key prefix of the concerns in [`low_level_partition`].
pub const LOW_LEVEL_CONCERN_PREFIX: &str = "CONCERN#";
/// The sort-key prefix of the audit entries in [`low_level_partition`].
pub const LOW_LEVEL_AUDIT_PREFIX: &str = "AUDIT#";

/// One low-level concern, by id (the form's id: a resubmitted form stores one).
pub fn low_level_concern(o: &OrgId, concern_id: &str) -> Key {
    Key::new(
        low_level_partition(o),
        format!("{LOW_LEVEL_CONCERN_PREFIX}{concern_id}"),
    )
}

/// One read of the low-level concerns log.
pub fn low_level_audit(o: &OrgId, at: &str, entry_id: &str) -> Key {
    Key::new(
        low_level_partition(o),
        format!("{LOW_LEVEL_AUDIT_PREFIX}{at}#{entry_id}"),
    )
}

// Transfers of a child's file between organisations (`crate::records::transfer`)
//
// | access pattern                                        | pk                                   | sk                     |
// |-------------------------------------------------------|--------------------------------------|------------------------|
// | the concerns a record received by transfer (read with the record) | `ORG#<org>#PREC#<id>`    | `INBOUND#<file key>#<n, 3 digits>` |
// | a file already imported here, by its key (idempotency) | `ORG#<org>#TRANSFERIN#<file key>`   | `TRANSFERIN`           |
//
// | key function                | `type`                 | record                                                   |
// |-----------------------------|------------------------|----------------------------------------------------------|
// | [`person_file_transferred`] | `transferred_concern`  | [`TransferredConcernRecord`](crate::records::transfer::TransferredConcernRecord) |
// | [`transfer_imported`]       | `transfer_imported`    | [`TransferImportedRecord`](crate::records::transfer::TransferImportedRecord) |

/// The sort-key prefix of the concerns a record received by transfer, in its partition: between
/// `EVENT#` and `NAME#`, so the record's page reads them in the same query as its links and
/// entries (and shows them to the team only).
pub const PERSON_FILE_TRANSFER_PREFIX: &str = "INBOUND#";

/// One concern a record received by transfer; `file_key` is the imported file's key (hex).
pub fn person_file_transferred(o: &OrgId, record_id: &str, file_key: &str, n: usize) -> Key {
    Key::new(
        person_file_partition(o, record_id),
        format!("{PERSON_FILE_TRANSFER_PREFIX}{file_key}#{n:03}"),
    )
}

/// A transferred file imported here (written once: importing it again is a no-op).
pub fn transfer_imported(o: &OrgId, file_key: &str) -> Key {
    Key::new(format!("{}#TRANSFERIN#{file_key}", org(o)), "TRANSFERIN")
}

// ---- Retention (`retention`) ----
//
// | access pattern                                        | pk                      | sk                               |
// |-------------------------------------------------------|-------------------------|----------------------------------|
// | legal holds, by record (read whole with the tombstones) | `ORG#<org>#RETENTION` | `HOLD#<kind>#<id>`               |
// | a deletion under way: no hold may be placed on it     | `ORG#<org>#RETENTION`   | `DELETING#<kind>#<id>`           |
// | what was deleted, oldest first (no content)           | `ORG#<org>#RETENTION`   | `TOMB#<at>#<id>`                 |
//
// | key function              | `type`               | record                                              |
// |---------------------------|----------------------|-----------------------------------------------------|
// | [`retention_hold`]        | `retention_hold`     | [`HoldRecord`](crate::retention::stored::HoldRecord) |
// | [`retention_deleting`]    | `retention_deleting` | [`DeletingRecord`](crate::retention::stored::DeletingRecord) |
// | [`retention_tombstone`]   | `tombstone`          | [`TombstoneRecord`](crate::retention::stored::TombstoneRecord) |

/// The partition of the organisation's legal holds, deletions under way and tombstones.
pub fn retention_partition(o: &OrgId) -> String {
    format!("{}#RETENTION", org(o))
}

pub const RETENTION_HOLD_PREFIX: &str = "HOLD#";
pub const RETENTION_TOMBSTONE_PREFIX: &str = "TOMB#";

/// The kind a person record has in these keys (holds, deletions under way): here, below both
/// `records` (which checks no deletion is under way when it links) and `retention`.
pub const RETENTION_RECORD: &str = "RECORD";

/// A legal hold on one record (`kind`: `WORRY`, `LOWLEVEL` for a low-level concern, or
/// [`RETENTION_RECORD`]).
pub fn retention_hold(o: &OrgId, kind: &str, id: &str) -> Key {
    Key::new(
        retention_partition(o),
        format!("{RETENTION_HOLD_PREFIX}{kind}#{id}"),
    )
}

/// That the deletion of one record has started (a hold can no longer be placed on it).
pub fn retention_deleting(o: &OrgId, kind: &str, id: &str) -> Key {
    Key::new(retention_partition(o), format!("DELETING#{kind}#{id}"))
}

/// A tombstone: what was deleted, when, by whose confirmation.
pub fn retention_tombstone(o: &OrgId, at: &str, id: &str) -> Key {
    Key::new(
        retention_partition(o),
        format!("{RETENTION_TOMBSTONE_PREFIX}{at}#{id}"),
    )
}
