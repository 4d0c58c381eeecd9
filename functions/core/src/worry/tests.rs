use super::*;
use crate::store::embedded::EmbeddedStore;
use crate::store::{Index, Key, Page, Query, Update};

fn secret() -> Secret {
    Secret::new("worry-tests-secret-worry-tests-secret").unwrap()
}

fn org() -> OrgId {
    OrgId::parse("demo").unwrap()
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn input(text: &str) -> WorryInput {
    WorryInput {
        text: text.into(),
        urgency: Some("soon".into()),
        about: Some("me".into()),
        involves: Some("nobody".into()),
        email_replies: None,
        kind: Some("bullying".into()),
        wants_contact: Some("no".into()),
        contact_how: String::new(),
    }
}

fn kinds() -> Vec<WorryKind> {
    static KINDS: std::sync::OnceLock<Vec<WorryKind>> = std::sync::OnceLock::new();
    KINDS
        .get_or_init(|| crate::content::load_embedded().unwrap().worry_kinds)
        .clone()
}

/// What the sender sees with their code: (status, urgency, sent at).
async fn follow_up<S: Store>(
    store: &S,
    org: &OrgId,
    code: &str,
) -> Result<Option<(Status, Urgency, DateTime<Utc>)>, WorryError> {
    Ok(
        sender::read(store, org, sender::SenderProof::Code(code), now())
            .await?
            .map(|v| (v.status, v.urgency, v.created_at)),
    )
}

fn store() -> (tempfile::TempDir, EmbeddedStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("test.redb")).unwrap();
    (dir, store)
}

async fn stored_worries(store: &EmbeddedStore, org: &OrgId) -> Vec<Item> {
    store
        .query(&Query::partition(keys::worries_index(org, "team", true)).on_index(Index::Gsi1))
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn an_anonymous_worry_is_stored_without_identity_and_found_by_its_code() {
    let (_d, store) = store();
    let token = FormToken::issue(&secret(), FORM_PURPOSE, now().timestamp());
    let sent = submit_anonymous(
        &store,
        &org(),
        &secret(),
        &token,
        &input("  Someone keeps messaging me\r\n"),
        &kinds(),
        now(),
    )
    .await
    .unwrap();
    assert!(!sent.repeated);

    let worries = stored_worries(&store, &org()).await;
    assert_eq!(worries.len(), 1);
    let w = &worries[0];
    assert_eq!(w["text"], "Someone keeps messaging me");
    let mut attributes: Vec<&str> = w.keys().map(String::as_str).collect();
    attributes.sort();
    // Exactly these: nothing that could identify the sender (no user id, IP or user agent).
    assert_eq!(
        attributes,
        [
            "about",
            "anonymous",
            "concerned",
            "contact_how",
            "created_at",
            "email_replies",
            "excluded",
            "gsi1pk",
            "gsi1sk",
            "involves",
            "kind",
            "org",
            "pk",
            "queue",
            "sk",
            "status",
            "text",
            "type",
            "updated_at",
            "urgency",
            "version",
            "wants_contact",
            "worry_id"
        ]
    );

    let view = follow_up(
        &store,
        &org(),
        &sent
            .follow_up_code
            .as_ref()
            .unwrap()
            .display()
            .to_lowercase(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(view, (Status::New, Urgency::Soon, now()));
}

#[tokio::test]
async fn the_code_is_stored_only_as_a_hash() {
    let (_d, store) = store();
    let token = FormToken::issue(&secret(), FORM_PURPOSE, now().timestamp());
    let sent = submit_anonymous(
        &store,
        &org(),
        &secret(),
        &token,
        &input("x"),
        &kinds(),
        now(),
    )
    .await
    .unwrap();
    let code = sent
        .follow_up_code
        .as_ref()
        .unwrap()
        .display()
        .replace('-', "");
    let pointer = store
        .get(&keys::follow_up(
            &org(),
            &sent.follow_up_code.as_ref().unwrap().hash_hex(),
        ))
        .await
        .unwrap()
        .unwrap();
    let worry = store
        .get(&keys::worry(&org(), &sent.worry_id))
        .await
        .unwrap()
        .unwrap();
    for item in [pointer, worry] {
        let dump = serde_json::to_string(&item).unwrap();
        assert!(!dump.contains(&code), "code found in {dump}");
    }
}

#[tokio::test]
async fn a_resubmitted_form_stores_one_worry_and_gives_the_same_code() {
    let (_d, store) = store();
    let token = FormToken::issue(&secret(), FORM_PURPOSE, now().timestamp());
    let first = submit_anonymous(
        &store,
        &org(),
        &secret(),
        &token,
        &input("one"),
        &kinds(),
        now(),
    )
    .await
    .unwrap();
    let again = submit_anonymous(
        &store,
        &org(),
        &secret(),
        &token,
        &input("one"),
        &kinds(),
        now(),
    )
    .await
    .unwrap();
    assert!(again.repeated);
    assert_eq!(again.worry_id, first.worry_id);
    assert_eq!(again.follow_up_code, first.follow_up_code);
    assert_eq!(stored_worries(&store, &org()).await.len(), 1);

    // A minute later (Back then Resubmit on a shared computer): the same worry, no code shown.
    let later = submit_anonymous(
        &store,
        &org(),
        &secret(),
        &token,
        &input("one"),
        &kinds(),
        now() + chrono::Duration::seconds(REPEAT_SHOWS_CODE_SECS + 1),
    )
    .await
    .unwrap();
    assert!(later.repeated);
    assert_eq!(later.worry_id, first.worry_id);
    assert_eq!(later.follow_up_code, None);

    // The same form with other words (edited after going Back) is a new worry: nothing is lost.
    // The form was used, so it joins a group with a single email.
    let edited = submit_anonymous(
        &store,
        &org(),
        &secret(),
        &token,
        &input("one, and more"),
        &kinds(),
        now(),
    )
    .await
    .unwrap();
    assert!(!edited.repeated);
    assert_ne!(edited.worry_id, first.worry_id);
    assert_ne!(edited.follow_up_code, first.follow_up_code);
    let stored = stored_worries(&store, &org()).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(
        stored
            .iter()
            .filter(|w| w.get("group_id").is_some())
            .count(),
        1
    );

    let other_token = FormToken::issue(&secret(), FORM_PURPOSE, now().timestamp());
    let second = submit_anonymous(
        &store,
        &org(),
        &secret(),
        &other_token,
        &input("two"),
        &kinds(),
        now(),
    )
    .await
    .unwrap();
    assert_ne!(second.follow_up_code, first.follow_up_code);
    assert_eq!(stored_worries(&store, &org()).await.len(), 3);
}

#[tokio::test]
async fn bad_input_is_refused_and_nothing_is_stored() {
    let (_d, store) = store();
    let token = FormToken::issue(&secret(), FORM_PURPOSE, now().timestamp());
    let cases = [
        (input("   \n\t "), WorryError::Empty),
        (
            input(&"é".repeat(MAX_TEXT_CHARS + 1)),
            WorryError::TooLong {
                chars: MAX_TEXT_CHARS + 1,
                max: MAX_TEXT_CHARS,
            },
        ),
        (
            WorryInput {
                urgency: None,
                ..input("x")
            },
            WorryError::InvalidUrgency,
        ),
        (
            WorryInput {
                urgency: Some("whenever".into()),
                ..input("x")
            },
            WorryError::InvalidUrgency,
        ),
    ];
    for (bad, expected) in cases {
        let err = submit_anonymous(&store, &org(), &secret(), &token, &bad, &kinds(), now())
            .await
            .unwrap_err();
        assert_eq!(err, expected);
        assert!(err.is_input_problem());
    }
    let forged = token.replace('.', "x.");
    let err = submit_anonymous(
        &store,
        &org(),
        &secret(),
        &forged,
        &input("x"),
        &kinds(),
        now(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, WorryError::Form(_)), "{err:?}");
    assert!(stored_worries(&store, &org()).await.is_empty());

    // The limit itself is allowed.
    let longest = input(&"é".repeat(MAX_TEXT_CHARS));
    submit_anonymous(&store, &org(), &secret(), &token, &longest, &kinds(), now())
        .await
        .unwrap();
}

#[test]
fn direction_overrides_are_removed_from_worries() {
    // U+202E would make the rest of the text read backwards on the handler's screen.
    assert_eq!(normalise_text("abc\u{202E}fed\u{2066}x\u{200F}"), "abcfedx");
    let w = input("he said \u{202E}olleh").validate(&kinds()).unwrap();
    assert_eq!(w.text, "he said olleh");
    assert_eq!(
        WorryInput {
            involves: Some("the_dsl".into()),
            ..input("x")
        }
        .validate(&kinds()),
        Err(WorryError::InvalidInvolves)
    );
}

#[tokio::test]
async fn codes_do_not_cross_organisations_and_unknown_codes_find_nothing() {
    let (_d, store) = store();
    let token = FormToken::issue(&secret(), FORM_PURPOSE, now().timestamp());
    let sent = submit_anonymous(
        &store,
        &org(),
        &secret(),
        &token,
        &input("x"),
        &kinds(),
        now(),
    )
    .await
    .unwrap();
    let other = OrgId::parse("other").unwrap();
    assert_eq!(
        follow_up(
            &store,
            &other,
            &sent.follow_up_code.as_ref().unwrap().display()
        )
        .await
        .unwrap(),
        None
    );
    assert_eq!(
        follow_up(&store, &org(), &"A".repeat(25)).await.unwrap(),
        None
    );
    assert!(matches!(
        follow_up(&store, &org(), "nonsense!").await,
        Err(WorryError::Code(_))
    ));
}

/// A store that is down: every call fails as DynamoDB does when unreachable.
struct DownStore;

impl Store for DownStore {
    async fn get(&self, _: &Key) -> Result<Option<Item>, StoreError> {
        Err(StoreError::Unavailable("connection refused".into()))
    }
    async fn put(&self, _: Item, _: Condition) -> Result<(), StoreError> {
        Err(StoreError::Unavailable("connection refused".into()))
    }
    async fn update(&self, _: &Key, _: Update, _: Condition) -> Result<Item, StoreError> {
        Err(StoreError::Unavailable("connection refused".into()))
    }
    async fn delete(&self, _: &Key, _: Condition) -> Result<(), StoreError> {
        Err(StoreError::Unavailable("connection refused".into()))
    }
    async fn query(&self, _: &Query) -> Result<Page, StoreError> {
        Err(StoreError::Unavailable("connection refused".into()))
    }
    async fn transact(&self, _: Vec<TxOp>) -> Result<(), StoreError> {
        Err(StoreError::Unavailable("connection refused".into()))
    }
}

#[tokio::test]
async fn a_store_that_is_down_gives_a_plain_error_not_a_confirmation() {
    let token = FormToken::issue(&secret(), FORM_PURPOSE, now().timestamp());
    let err = submit_anonymous(
        &DownStore,
        &org(),
        &secret(),
        &token,
        &input("x"),
        &kinds(),
        now(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, WorryError::Store(StoreError::Unavailable(_))));
    assert!(err.user_message().contains("Nothing was sent"));
    assert!(!err.is_input_problem());
}
