//! The AWS template must agree with the code: the table's keys, index, TTL attribute and stream,
//! the web function's IAM actions, which must be exactly the DynamoDB calls the request path
//! makes (least privilege: nothing more, nothing missing), and the notify function's, which must
//! be exactly those its delivery path makes, with a stream filter on what the code writes, and
//! the reminders function's, exactly those a run makes; the web function's secrets are read from
//! the Parameter Store path its role may read; the browser bundle's path goes to the S3 origin;
//! the viewer's Host reaches the web function as X-Forwarded-Host (the CloudFront function, run
//! with node); and the deploy guide names every parameter, resource and output.

use safety_core::store::layout;
use std::collections::{BTreeMap, BTreeSet};

fn read(rel: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The lines of the template's block that starts with `key:` (by indentation).
fn block<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
    let mut lines = text.lines();
    let Some(start) = lines.position(|l| l.trim_start().starts_with(key)) else {
        panic!("`{key}` not found in the template");
    };
    let indent = text.lines().nth(start).unwrap().len()
        - text.lines().nth(start).unwrap().trim_start().len();
    text.lines()
        .skip(start + 1)
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
        .collect()
}

fn squash(lines: &[&str]) -> String {
    lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn table_keys_index_ttl_and_stream_match_the_code() {
    let t = read("../../infra/template.yaml");
    let keys = squash(&block(&t, "KeySchema:"));
    assert!(
        keys.contains(&format!("AttributeName: {} KeyType: HASH", layout::PK)),
        "{keys}"
    );
    assert!(
        keys.contains(&format!("AttributeName: {} KeyType: RANGE", layout::SK)),
        "{keys}"
    );
    let gsis = squash(&block(&t, "GlobalSecondaryIndexes:"));
    assert!(
        gsis.contains(&format!("IndexName: {}", layout::GSI1)),
        "{gsis}"
    );
    assert!(
        gsis.contains(&format!("AttributeName: {} KeyType: HASH", layout::GSI1_PK)),
        "{gsis}"
    );
    assert!(
        gsis.contains(&format!(
            "AttributeName: {} KeyType: RANGE",
            layout::GSI1_SK
        )),
        "{gsis}"
    );
    assert!(gsis.contains("ProjectionType: ALL"), "{gsis}");
    let defs = squash(&block(&t, "AttributeDefinitions:"));
    for name in [layout::PK, layout::SK, layout::GSI1_PK, layout::GSI1_SK] {
        assert!(
            defs.contains(&format!("AttributeName: {name} AttributeType: S")),
            "{defs}"
        );
    }
    let ttl = squash(&block(&t, "TimeToLiveSpecification:"));
    assert_eq!(ttl, format!("AttributeName: {} Enabled: true", layout::TTL));
    let stream = squash(&block(&t, "StreamSpecification:"));
    assert_eq!(stream, "StreamViewType: NEW_IMAGE");
    assert!(t.contains("BillingMode: PAY_PER_REQUEST"));
    assert!(t.contains("PointInTimeRecoveryEnabled: true"));
}

/// The DynamoDB actions granted in these lines of the template.
fn dynamodb_actions(lines: &[&str]) -> BTreeSet<String> {
    lines
        .iter()
        .filter_map(|l| l.trim().strip_prefix("- dynamodb:"))
        .map(str::to_string)
        .collect()
}

/// `update_item` -> `UpdateItem`.
fn action_name(sdk_call: &str) -> String {
    sdk_call
        .split('_')
        .map(|w| w[..1].to_uppercase() + &w[1..])
        .collect()
}

#[test]
fn the_web_function_may_call_exactly_the_dynamodb_actions_the_code_uses() {
    let t = read("../../infra/template.yaml");
    let role = block(&t, "WebFunctionRole:").join("\n");
    let items = block(&role, "- Sid: TableItemAccess");
    let granted = dynamodb_actions(&items);
    // Nothing else of DynamoDB in the role, on the table and its index only.
    assert_eq!(dynamodb_actions(&block(&t, "WebFunctionRole:")), granted);
    let items = squash(&items);
    assert!(
        items.contains("!GetAtt Table.Arn") && items.contains(r#"!Sub "${Table.Arn}/index/*""#),
        "{items}"
    );
    assert!(!role.contains("Resource: \"*\"") && !role.contains("- \"*\""));
    assert!(
        squash(&block(&t, "WebFunction:")).contains("Role: !GetAtt WebFunctionRole.Arn"),
        "the web function must use its own role"
    );

    // The SDK calls of the storage backend, minus those only `create_table` makes (a local and
    // test tool; on AWS the table comes from the template).
    let code = read("src/store/dynamo.rs");
    let admin_only = [
        "create_table",
        "describe_table",
        "update_time_to_live",
        "describe_time_to_live",
    ];
    let mut used = BTreeSet::new();
    let lines: Vec<&str> = code.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.trim_end().ends_with(".client") || line.trim_end().ends_with("self.client") {
            let next = lines.get(i + 1).map(|l| l.trim()).unwrap_or_default();
            let call = next
                .trim_start_matches('.')
                .split('(')
                .next()
                .unwrap_or_default();
            if !admin_only.contains(&call) {
                used.insert(action_name(call));
            }
        }
    }
    // A transaction's condition checks need their own permission.
    if code.contains("ConditionCheck::builder()") {
        used.insert("ConditionCheckItem".into());
    }
    assert!(
        used.len() >= 6,
        "found too few SDK calls in dynamo.rs: {used:?}"
    );
    assert_eq!(
        granted, used,
        "template grants {granted:?}, code uses {used:?}"
    );
    assert!(!t.contains("dynamodb:Scan") && !t.contains("dynamodb:*"));
}

/// For each method of the `Store` interface, the DynamoDB action its backend calls (the first
/// `self.client.<call>()` in the method's body in dynamo.rs).
fn store_method_actions() -> BTreeMap<&'static str, String> {
    let code = read("src/store/dynamo.rs");
    let lines: Vec<&str> = code.lines().collect();
    let methods = ["get", "put", "update", "delete", "query", "transact"];
    let mut out = BTreeMap::new();
    let mut current = None;
    for (i, line) in lines.iter().enumerate() {
        let line = line.trim();
        if let Some(m) = methods
            .iter()
            .find(|m| line.starts_with(&format!("async fn {m}(")))
        {
            current = Some(*m);
        }
        if let Some(m) = current
            && line.ends_with(".client")
        {
            let next = lines.get(i + 1).map(|l| l.trim()).unwrap_or_default();
            let call = next
                .trim_start_matches('.')
                .split('(')
                .next()
                .unwrap_or_default();
            out.insert(m, action_name(call));
            current = None;
        }
    }
    assert_eq!(
        out.len(),
        methods.len(),
        "not every store method found in dynamo.rs: {out:?}"
    );
    out
}

mod recording {
    use safety_core::store::{Condition, Item, Key, Page, Query, Store, StoreError, TxOp, Update};
    use std::collections::BTreeSet;
    use std::sync::Mutex;

    /// A store that writes down which of its methods are called.
    pub struct Recording<S> {
        pub inner: S,
        pub calls: Mutex<BTreeSet<&'static str>>,
    }

    impl<S> Recording<S> {
        pub fn new(inner: S) -> Self {
            Recording {
                inner,
                calls: Mutex::new(BTreeSet::new()),
            }
        }
        fn saw(&self, method: &'static str) {
            self.calls.lock().unwrap().insert(method);
        }
    }

    impl<S: Store> Store for Recording<S> {
        async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
            self.saw("get");
            self.inner.get(key).await
        }
        async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
            self.saw("put");
            self.inner.put(item, condition).await
        }
        async fn update(
            &self,
            key: &Key,
            update: Update,
            condition: Condition,
        ) -> Result<Item, StoreError> {
            self.saw("update");
            self.inner.update(key, update, condition).await
        }
        async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
            self.saw("delete");
            self.inner.delete(key, condition).await
        }
        async fn query(&self, query: &Query) -> Result<Page, StoreError> {
            self.saw("query");
            self.inner.query(query).await
        }
        async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
            self.saw(if ops.iter().any(|op| matches!(op, TxOp::Check { .. })) {
                "transact_check"
            } else {
                "transact"
            });
            self.inner.transact(ops).await
        }
    }
}

struct DownMailer;

impl safety_core::mail::Mailer for DownMailer {
    async fn send(
        &self,
        _: &safety_core::mail::Message,
    ) -> Result<(), safety_core::mail::MailError> {
        Err(safety_core::mail::MailError::Rejected("down".into()))
    }
}

/// Runs every branch of the notify function's delivery path (by id and the sweep; delivered,
/// failed, already delivered, nobody to send to) and returns the store methods it called.
async fn store_methods_of_the_notify_path() -> BTreeSet<&'static str> {
    use chrono::{DateTime, Duration, Utc};
    use safety_core::crypto::Secret;
    use safety_core::identity::{NewPerson, people, sign_in_mail};
    use safety_core::mail::Links;
    use safety_core::mail::OutboxMailer;
    use safety_core::notify::{self};
    use safety_core::org::OrgId;
    use safety_core::roles::Role;
    use safety_core::store::embedded::EmbeddedStore;
    use safety_core::worry::code::FormToken;
    use safety_core::worry::{self, FORM_PURPOSE, WorryInput};

    let t0: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    let library = safety_core::content::load_embedded().unwrap();
    let profile = library.org("demo").unwrap().clone();
    let org = OrgId::parse("demo").unwrap();
    people::invite(
        &store,
        &org,
        &NewPerson {
            email: "dsl@example.org".into(),
            name: "Dana DSL".into(),
            roles: vec![Role::Dsl],
            groups: vec![],
        },
        t0,
    )
    .await
    .unwrap();
    let secret = Secret::new("infra-test-secret-infra-test-secret").unwrap();
    // About the sender (to the DSL), and about the DSL (to an allegations lead: nobody here).
    for involves in ["nobody", "dsl"] {
        let token = FormToken::issue(&secret, FORM_PURPOSE, t0.timestamp());
        worry::submit_anonymous(
            &store,
            &org,
            &secret,
            &token,
            &WorryInput {
                text: "words".into(),
                urgency: Some("urgent".into()),
                about: Some("me".into()),
                involves: Some(involves.into()),
                email_replies: None,
                kind: Some("bullying".into()),
                wants_contact: Some("no".into()),
                contact_how: String::new(),
            },
            &library.worry_kinds,
            t0,
        )
        .await
        .unwrap();
    }
    // (a worry about the DSL is never shown to someone holding the DSL role)
    let mut ids = Vec::new();
    for roles in [[Role::Dsl], [Role::AllegationsLead]] {
        for n in notify::undelivered(&store, &org, &reader(&roles), 50, t0)
            .await
            .unwrap()
        {
            ids.push(n.id);
        }
    }
    assert_eq!(ids.len(), 2);
    // Sign-in links asked for (by the web function): one known address, one unknown.
    let mut sign_ins = Vec::new();
    for email in ["dsl@example.org", "nobody@example.org"] {
        sign_ins.push(
            sign_in_mail::queue(&store, &org, email, &secret, t0)
                .await
                .unwrap(),
        );
    }

    let store = std::sync::Arc::new(recording::Recording::new(store));
    // As the notifier starts on a fresh deployment: the default organisation's file imported
    // into the store, the deployment's organisations listed, each one's content read through
    // the directory (the stamp, the profile, its own policies).
    let base = std::sync::Arc::new(safety_core::tenancy::BaseContent {
        files: safety_core::content::embedded_files(),
        library: std::sync::Arc::new(library.clone()),
    });
    assert!(
        safety_core::tenancy::profile::seed(&store, &profile, &library.pages, "demo.toml", t0)
            .await
            .unwrap()
    );
    let listed = safety_core::tenancy::hosts::list(&store).await.unwrap();
    assert_eq!(listed.len(), 1);
    let directory = safety_core::tenancy::Directory::new(
        store.clone(),
        base,
        Some(org.clone()),
        std::time::Duration::ZERO,
        |c| c,
    );
    assert!(directory.get(&org).await.unwrap().is_some());
    let links = Links {
        base_url: "https://safety.example.org".into(),
    };
    let outbox = OutboxMailer::new(dir.path().join("outbox"));
    let now = t0 + Duration::seconds(1);
    for id in &ids {
        // the stream's first try fails (or has nobody to send to), the sweep delivers
        let d = notify::deliver_by_id(&store, &DownMailer, &profile, &links, id, now)
            .await
            .unwrap();
        assert_eq!(d.failed, 1);
    }
    let later = now + Duration::hours(2);
    let d = notify::deliver_pending(&store, &outbox, &profile, &links, later, 100)
        .await
        .unwrap();
    // Two hours later the two urgent worries' escalations are due as well: three delivered (the
    // escalations also go to the on-duty contacts), the new worry about the DSL still has nobody.
    assert_eq!((d.delivered, d.failed), (3, 1), "{d:?}");
    for id in &ids {
        notify::deliver_by_id(&store, &outbox, &profile, &links, id, later)
            .await
            .unwrap();
    }
    // A sign-in email refused and then sent by the sweep; an unknown address sent nothing.
    for id in &sign_ins {
        sign_in_mail::deliver(&store, &DownMailer, &profile, &links, id, now)
            .await
            .unwrap();
    }
    let swept = sign_in_mail::deliver_pending(
        &store,
        &outbox,
        &profile,
        &links,
        now + Duration::minutes(2),
        100,
    )
    .await
    .unwrap();
    assert_eq!(swept.sent, 1, "{swept:?}");
    store.calls.lock().unwrap().clone()
}

#[tokio::test]
async fn the_notify_function_may_call_exactly_the_dynamodb_actions_its_path_uses() {
    let t = read("../../infra/template.yaml");
    let role = block(&t, "NotifyFunctionRole:").join("\n");
    let actions = store_method_actions();
    let used: BTreeSet<String> = store_methods_of_the_notify_path()
        .await
        .into_iter()
        .flat_map(|m| match m {
            "transact_check" => vec![
                actions["transact"].clone(),
                "ConditionCheckItem".to_string(),
            ],
            m => vec![actions[m].clone()],
        })
        .collect();
    let items = block(&role, "- Sid: TableItemAccess");
    assert_eq!(
        dynamodb_actions(&items),
        used,
        "the notify function's role grants {:?}, its path uses {used:?}",
        dynamodb_actions(&items)
    );
    let items = squash(&items);
    assert!(
        items.contains("!GetAtt Table.Arn") && items.contains(r#"!Sub "${Table.Arn}/index/*""#),
        "{items}"
    );
    // Reading the stream, on this table's stream only.
    let stream = block(&role, "- Sid: StreamRead");
    assert_eq!(
        dynamodb_actions(&stream),
        [
            "DescribeStream",
            "GetRecords",
            "GetShardIterator",
            "ListStreams"
        ]
        .map(String::from)
        .into(),
    );
    assert!(squash(&stream).contains(r#"!Sub "${Table.Arn}/stream/*""#));
    // Nothing else of DynamoDB anywhere in the role, and nothing on every resource.
    assert_eq!(
        dynamodb_actions(&block(&t, "NotifyFunctionRole:")),
        &dynamodb_actions(&block(&role, "- Sid: TableItemAccess"))
            | &dynamodb_actions(&block(&role, "- Sid: StreamRead"))
    );
    assert!(!role.contains("Resource: \"*\"") && !role.contains("- \"*\""));
}

#[test]
fn the_notify_stream_filter_matches_the_notification_items_the_code_writes() {
    use safety_core::notify::{self, Reason};
    use safety_core::routing::Queue;
    use safety_core::store::TxOp;

    let t = read("../../infra/template.yaml");
    let function = block(&t, "NotifyFunction:");
    let patterns: Vec<serde_json::Value> = function
        .iter()
        .filter_map(|l| l.trim().strip_prefix("- Pattern:"))
        .map(|p| serde_json::from_str(p.trim().trim_matches('\'')).unwrap())
        .collect();
    assert_eq!(patterns.len(), 1, "{patterns:?}");
    let pattern = &patterns[0];
    assert_eq!(pattern["eventName"], serde_json::json!(["INSERT"]));
    let image = pattern["dynamodb"]["NewImage"].as_object().unwrap();
    assert_eq!(image.len(), 1, "{image:?}");
    let (attribute, matcher) = image.iter().next().unwrap();

    let org = safety_core::org::OrgId::parse("demo").unwrap();
    let TxOp::Put { item, .. } = notify::new_notification(
        &org,
        "w1",
        &safety_core::routing::Route::plain(Queue::Team),
        Reason::NewWorry,
        false,
        None,
        chrono::Utc::now(),
    ) else {
        panic!("a notification is a put");
    };
    assert_eq!(attribute, "type");
    assert_eq!(item[attribute], serde_json::json!(notify::ITEM_TYPE));
    assert_eq!(
        matcher,
        &serde_json::json!({ "S": [notify::ITEM_TYPE, safety_core::identity::sign_in_mail::ITEM_TYPE] })
    );
    // What the handler reads from the image.
    assert!(item["notification_id"].is_string());
    // The stream mapping reports failed records and has somewhere to put what it gives up on.
    let function = squash(&function);
    for setting in [
        "Type: DynamoDB",
        "Stream: !If [UseRestoredTable, !Sub",
        "!GetAtt Table.StreamArn]",
        "- ReportBatchItemFailures",
        "BisectBatchOnFunctionError: true",
        "Destination: !GetAtt NotifyDeadLetterQueue.Arn",
        "Schedule: rate(5 minutes)",
    ] {
        assert!(function.contains(setting), "{setting} missing: {function}");
    }
}

/// The web function reads its secrets from Parameter Store (`APP_SECRET_PARAMETERS`), under the
/// stack's own path, which is the one path its role may read; nothing else of SSM, and no secret
/// in the template's parameters.
#[test]
fn the_web_function_reads_its_secrets_from_the_parameter_path_its_role_may_read() {
    let t = read("../../infra/template.yaml");
    let function = squash(&block(&t, "WebFunction:"));
    let spec_line = block(&t, "WebFunction:")
        .into_iter()
        .find(|l| l.trim_start().starts_with("APP_SECRET_PARAMETERS:"))
        .expect("APP_SECRET_PARAMETERS in the web function's environment");
    assert!(spec_line.contains("!If"), "{spec_line}");
    // Both forms (with and without single sign-on) name the two secrets the web function needs,
    // each under /<stack name>/, in the form safety_core::secrets reads.
    let forms: Vec<&str> = function
        .split("!Sub \"")
        .skip(1)
        .map(|f| f.split('"').next().unwrap())
        .filter(|f| f.starts_with("APP_SECRET="))
        .collect();
    assert_eq!(forms.len(), 2, "{function}");
    // More single sign-on secrets (other organisations'): none, or pairs as an operator gives.
    let more = "APP_SSO_ST_MARYS__ENTRA_CLIENT_SECRET=/stack/sso/st-marys/entra";
    for form in forms {
        assert!(form.ends_with(",${SsoSecretParameters}"), "{form}");
        for extra in ["", more] {
            let form = form
                .replace("${AWS::StackName}", "stack")
                .replace("${SsoProviderEnvId}", "ENTRA")
                .replace("${SsoSecretParameters}", extra);
            let pairs =
                safety_core::secrets::parse_spec(&form).expect("a valid APP_SECRET_PARAMETERS");
            let variables: Vec<&str> = pairs.iter().map(|(v, _)| v.as_str()).collect();
            assert!(
                variables.starts_with(&["APP_SECRET", "APP_SESSION_KEYS"]),
                "{variables:?}"
            );
            assert_eq!(
                variables.contains(&"APP_SSO_ST_MARYS__ENTRA_CLIENT_SECRET"),
                !extra.is_empty()
            );
            for (_, name) in &pairs {
                assert!(name.starts_with("/stack/"), "{name}");
            }
        }
    }
    // The extra pairs can name single sign-on client secrets only (never APP_SECRET...).
    let parameter = squash(&block(&t, "SsoSecretParameters:"));
    assert!(
        parameter.contains(r#"Default: "" AllowedPattern: "^(APP_SSO_[A-Z0-9_]+_CLIENT_SECRET=/[A-Za-z0-9/_.-]+(,APP_SSO_[A-Z0-9_]+_CLIENT_SECRET=/[A-Za-z0-9/_.-]+)*)?$""#),
        "{parameter}"
    );
    assert!(
        function.contains("- !Ref ParametersExtensionLayerArn"),
        "{function}"
    );

    let role = block(&t, "WebFunctionRole:").join("\n");
    let ssm: Vec<&str> = role
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("- ssm:") || l.starts_with("- kms:") || l.contains("ssm:*"))
        .collect();
    assert_eq!(ssm, ["- ssm:GetParameter"]);
    let secrets = squash(&block(&role, "- Sid: ReadSecrets"));
    assert!(
        secrets.contains(
            r#"!Sub "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${AWS::StackName}/*""#
        ),
        "{secrets}"
    );
    // The secrets are not stack parameters any more.
    let parameters = squash(&block(&t, "Parameters:"));
    assert!(
        !parameters.contains("NoEcho")
            && !t.contains("APP_SECRET: ")
            && !t.contains("APP_SESSION_KEYS: "),
        "a secret is in the template"
    );
}

/// CloudFront sends the browser bundle's path to the private bucket (long-lived caching) and
/// everything else to the web function, keeping only what it marks as shared (the public pages)
/// for a minute at most, by the viewer's host and the session cookie; the bucket is readable only
/// through this distribution.
#[test]
fn the_browser_bundle_is_served_from_the_bucket_and_pages_are_cached_only_by_host_and_session() {
    let t = read("../../infra/template.yaml");
    let assets = read("../web/src/assets.rs");
    let prefix = assets
        .lines()
        .find_map(|l| l.trim().strip_prefix("pub const PREFIX: &str = \""))
        .and_then(|l| l.strip_suffix("\";"))
        .expect("PREFIX in functions/web/src/assets.rs");
    let behaviours = squash(&block(&t, "CacheBehaviors:"));
    assert!(
        behaviours.starts_with(&format!(
            "- PathPattern: {prefix}* TargetOriginId: assets ViewerProtocolPolicy: redirect-to-https AllowedMethods: [GET, HEAD]"
        )),
        "{behaviours}"
    );
    assert!(
        behaviours.contains("658327ea-f89d-4fab-a63d-7e88639e58f6"),
        "CachingOptimized"
    );
    let default = squash(&block(&t, "DefaultCacheBehavior:"));
    for setting in [
        "TargetOriginId: web",
        "ViewerProtocolPolicy: redirect-to-https",
        "CachePolicyId: !Ref PagesCachePolicy",
        "OriginRequestPolicyId: b689b0a8-53d0-40ab-baf2-68738e2966ac", // AllViewerExceptHostHeader
        "ResponseHeadersPolicyId: !Ref SecurityHeadersPolicy",
        "CachedMethods: [GET, HEAD]",
    ] {
        assert!(default.contains(setting), "{setting}: {default}");
    }
    // The pages' cache: nothing kept without the function's say (DefaultTTL 0), a minute at
    // most, and a key that separates organisations (the viewer's host, as ViewerHostFunction
    // sets it before the lookup) and signed-in requests (the session cookie).
    let pages = squash(&block(&t, "PagesCachePolicy:"));
    for setting in [
        "Type: AWS::CloudFront::CachePolicy",
        "MinTTL: 0",
        "DefaultTTL: 0",
        "MaxTTL: 60",
        "HeaderBehavior: whitelist Headers: - X-Forwarded-Host",
        "CookieBehavior: whitelist Cookies: - session",
        "QueryStringBehavior: all",
    ] {
        assert!(pages.contains(setting), "{setting}: {pages}");
    }
    let viewer_host = squash(&block(&t, "ViewerHostFunction:"));
    assert!(
        viewer_host.contains("request.headers['x-forwarded-host'] = { value: host.value };"),
        "{viewer_host}"
    );
    let session_cookie = read("../web/src/auth.rs");
    assert!(
        session_cookie.contains("pub const COOKIE: &str = \"session\";"),
        "the session cookie in the cache key is the one the web function reads"
    );
    let public = read("../web/src/edge/public.rs");
    assert!(
        public.contains("pub const CACHE_CONTROL: &str = \"public, max-age=0, s-maxage=60\";"),
        "the public pages' s-maxage is within MaxTTL"
    );
    let bucket_policy = squash(&block(&t, "AssetsBucketPolicy:"));
    assert!(
        bucket_policy.contains("Service: cloudfront.amazonaws.com Action: s3:GetObject")
            && bucket_policy.contains("distribution/${Distribution}"),
        "{bucket_policy}"
    );
    assert!(squash(&block(&t, "AssetsBucket:")).contains("RestrictPublicBuckets: true"));
    // The header CloudFront adds is the String parameter the web function reads as
    // APP_ORIGIN_VERIFY (at the version OriginVerifyVersion names), and no longer anything
    // derived from the stack.
    let web = squash(&block(&t, "WebFunction:"));
    let origin = squash(&block(&t, "OriginCustomHeaders:"));
    assert_eq!(
        origin,
        r#"- HeaderName: X-Origin-Verify HeaderValue: !Sub "{{resolve:ssm:/${AWS::StackName}/origin-verify:${OriginVerifyVersion}}}""#
    );
    assert!(
        !t.contains("AWS::StackId"),
        "the origin secret is not the stack id"
    );
    for form in web
        .split("!Sub \"")
        .skip(1)
        .map(|f| f.split('"').next().unwrap())
        .filter(|f| f.starts_with("APP_SECRET="))
    {
        let form = form
            .replace("${AWS::StackName}", "stack")
            .replace("${SsoProviderEnvId}", "ENTRA")
            .replace("${SsoSecretParameters}", "");
        let pairs = safety_core::secrets::parse_spec(&form).expect("a valid APP_SECRET_PARAMETERS");
        let pairs: BTreeMap<&str, &str> = pairs
            .iter()
            .map(|(v, n)| (v.as_str(), n.as_str()))
            .collect();
        assert_eq!(
            pairs.get("APP_ORIGIN_VERIFY"),
            Some(&"/stack/origin-verify")
        );
        assert_eq!(
            pairs.get("APP_ORIGIN_VERIFY_PREVIOUS"),
            Some(&"/stack/origin-verify-previous")
        );
    }
    let parameter = squash(&block(&t, "OriginVerifyVersion:"));
    assert!(
        parameter.contains("Type: Number Default: 1 MinValue: 1"),
        "{parameter}"
    );
}

/// The items of a YAML list (`- ...` at the list's own indentation), each squashed.
fn list_items(lines: &[&str]) -> Vec<String> {
    let indent = lines
        .iter()
        .filter(|l| l.trim_start().starts_with("- "))
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .expect("a list");
    let mut items: Vec<Vec<&str>> = Vec::new();
    for line in lines {
        let at = line.len() - line.trim_start().len();
        if at == indent && line.trim_start().starts_with("- ") {
            items.push(vec![line]);
        } else if let Some(item) = items.last_mut() {
            item.push(line);
        }
    }
    items.iter().map(|i| squash(i)).collect()
}

/// Runs the CloudFront function's code (cloudfront-js-2.0, viewer request) with node on
/// `event` and returns what it returned.
fn run_viewer_request(code: &str, event: &serde_json::Value) -> serde_json::Value {
    let script = format!(
        "{code}\nvar event = {event};\nprocess.stdout.write(JSON.stringify(handler(event)));\n"
    );
    let output = std::process::Command::new("node")
        .arg("-e")
        .arg(&script)
        .output()
        .expect("node runs (scripts/prerequisites.sh installs it)");
    assert!(
        output.status.success(),
        "the function failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the function returns the request")
}

/// Issue 18, item 4 (several organisations on one deployment, each at its own domain): the
/// extra domains are aliases of the distribution beside DomainName (never without it), and a
/// CloudFront function on every behaviour that reaches the web function passes the viewer's
/// Host on as X-Forwarded-Host (from which the function finds the organisation), replacing
/// whatever the viewer sent under that name. Its code is run with node on sample events in the
/// shape CloudFront gives it.
#[test]
fn each_organisation_s_domain_reaches_the_web_function_as_x_forwarded_host() {
    let t = read("../../infra/template.yaml");

    let extra = squash(&block(&t, "ExtraDomainNames:"));
    assert!(
        extra.contains(r#"Type: CommaDelimitedList Default: """#),
        "{extra}"
    );
    assert!(
        extra.contains("certificate (CertificateArn) must cover every one of them"),
        "{extra}"
    );
    let distribution = squash(&block(&t, "Distribution:"));
    assert!(
        distribution.contains(
            r#"Aliases: !If - HasDomain - !If - HasExtraDomains - !Split [",", !Join [",", [!Ref DomainName, !Join [",", !Ref ExtraDomainNames]]]] - [!Ref DomainName] - !Ref "AWS::NoValue""#
        ),
        "{distribution}"
    );
    assert!(
        t.contains(r#"HasExtraDomains: !Not [!Equals [!Join ["", !Ref ExtraDomainNames], ""]]"#),
        "HasExtraDomains"
    );
    let rules = squash(&block(&t, "Rules:"));
    assert!(
        rules.contains(
            r#"ExtraDomainNamesNeedDomain: RuleCondition: !Not [!EachMemberEquals [!Ref ExtraDomainNames, ""]] Assertions: - Assert: !Not [!Equals [!Ref DomainName, ""]]"#
        ),
        "{rules}"
    );

    // The function, published, in the runtime whose event shape is tested below.
    let function = block(&t, "ViewerHostFunction:");
    let squashed = squash(&function);
    for setting in [
        "Type: AWS::CloudFront::Function",
        "AutoPublish: true",
        "Runtime: cloudfront-js-2.0",
    ] {
        assert!(squashed.contains(setting), "{setting}: {squashed}");
    }

    // On every behaviour whose origin is the web function, as its viewer request function;
    // on none other (the assets do not need it).
    let association = "FunctionAssociations: - EventType: viewer-request FunctionARN: !GetAtt ViewerHostFunction.FunctionMetadata.FunctionARN";
    let mut behaviours = vec![squash(&block(&t, "DefaultCacheBehavior:"))];
    behaviours.extend(list_items(&block(&t, "CacheBehaviors:")));
    let mut web = 0;
    for behaviour in &behaviours {
        if behaviour.contains("TargetOriginId: web") {
            web += 1;
            assert!(behaviour.contains(association), "{behaviour}");
        } else {
            assert!(behaviour.contains("TargetOriginId: assets"), "{behaviour}");
            assert!(!behaviour.contains("FunctionAssociations"), "{behaviour}");
        }
    }
    assert!(web >= 1 && behaviours.len() >= 2, "{behaviours:?}");

    // Its code, run as CloudFront runs it: the viewer's Host becomes X-Forwarded-Host.
    let function = function.join("\n");
    let code_lines = block(&function, "FunctionCode: |");
    let indent = code_lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .expect("the function's code");
    let code: String = code_lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or("").to_string() + "\n")
        .collect();
    let request = |headers: serde_json::Value| {
        serde_json::json!({
            "version": "1.0",
            "context": {"eventType": "viewer-request", "distributionDomainName": "d111111abcdef8.cloudfront.net"},
            "viewer": {"ip": "198.51.100.7"},
            "request": {
                "method": "POST",
                "uri": "/tell",
                "querystring": {"step": {"value": "2"}},
                "headers": headers,
                "cookies": {"session": {"value": "abc"}}
            }
        })
    };
    // A viewer at one organisation's domain.
    let out = run_viewer_request(
        &code,
        &request(serde_json::json!({
            "host": {"value": "safety.stmarys.sch.uk"},
            "origin": {"value": "https://safety.stmarys.sch.uk"}
        })),
    );
    assert_eq!(
        out["headers"]["x-forwarded-host"],
        serde_json::json!({"value": "safety.stmarys.sch.uk"})
    );
    assert_eq!(out["headers"]["host"]["value"], "safety.stmarys.sch.uk");
    assert_eq!(
        out["headers"]["origin"]["value"],
        "https://safety.stmarys.sch.uk"
    );
    assert_eq!(out["method"], "POST");
    assert_eq!(out["uri"], "/tell");
    assert_eq!(out["querystring"]["step"]["value"], "2");
    assert_eq!(out["cookies"]["session"]["value"], "abc");
    // A viewer naming another organisation's host (once or several times) does not choose it.
    let out = run_viewer_request(
        &code,
        &request(serde_json::json!({
            "host": {"value": "safety.stmarys.sch.uk"},
            "x-forwarded-host": {
                "value": "safety.stjohns.sch.uk",
                "multiValue": [{"value": "safety.stjohns.sch.uk"}, {"value": "evil.example"}]
            }
        })),
    );
    assert_eq!(
        out["headers"]["x-forwarded-host"],
        serde_json::json!({"value": "safety.stmarys.sch.uk"})
    );
    // Without a Host (CloudFront always has one; still): nothing the viewer sent gets through.
    let out = run_viewer_request(
        &code,
        &request(serde_json::json!({"x-forwarded-host": {"value": "safety.stjohns.sch.uk"}})),
    );
    assert!(out["headers"].get("x-forwarded-host").is_none(), "{out}");
}

/// The values of the resource `name`'s `checkov: skip:` ids.
fn checkov_skips(template: &str, name: &str) -> Vec<String> {
    block(template, &format!("{name}:"))
        .iter()
        .map(|l| l.trim())
        .filter_map(|l| l.strip_prefix("- id: "))
        .map(str::to_string)
        .collect()
}

/// Issue 17: WAF in front of CloudFront (required for prod unless turned off), TLS 1.2 at least
/// for viewers (a custom domain required for prod), access logs with retention for CloudFront,
/// the HTTP API and the assets bucket, reserved concurrency for notify; and every check
/// checkov skips is named at its resource with a reason (infra/check.sh runs checkov).
#[test]
fn production_has_waf_tls_1_2_access_logs_and_notify_keeps_its_concurrency() {
    let t = read("../../infra/template.yaml");

    // A prod stack needs its domain (TLS 1.2 minimum) and, unless turned off, WAF.
    let rules = squash(&block(&t, "Rules:"));
    assert!(
        rules.contains(
            r#"ProdNeedsCustomDomain: RuleCondition: !Equals [!Ref Environment, prod] Assertions: - Assert: !Not [!Equals [!Ref DomainName, ""]]"#
        ),
        "{rules}"
    );
    assert!(
        rules.contains(
            r#"ProdNeedsWaf: RuleCondition: !And - !Equals [!Ref Environment, prod] - !Equals [!Ref WafEnabled, "true"] Assertions: - Assert: !Not [!Equals [!Ref WebAclArn, ""]]"#
        ),
        "{rules}"
    );
    assert!(
        squash(&block(&t, "WafEnabled:")).contains(r#"Default: "true""#),
        "WAF is on by default"
    );
    let distribution = squash(&block(&t, "Distribution:"));
    assert!(
        distribution.contains(r#"WebACLId: !If [HasWaf, !Ref WebAclArn, !Ref "AWS::NoValue"]"#),
        "{distribution}"
    );
    assert!(
        squash(&block(&t, "HasWaf:")).contains(
            r#"- !Equals [!Ref WafEnabled, "true"] - !Not [!Equals [!Ref WebAclArn, ""]]"#
        )
    );
    let certificate = squash(&block(&t, "ViewerCertificate:"));
    assert!(
        certificate.contains(
            "- HasDomain - AcmCertificateArn: !Ref CertificateArn SslSupportMethod: sni-only MinimumProtocolVersion: TLSv1.2_2021"
        ),
        "{certificate}"
    );

    // The web ACL (us-east-1, infra/waf.yaml): AWS's managed rules and a rate rule whose limit
    // is a parameter.
    let waf = read("../../infra/waf.yaml");
    let acl = squash(&block(&waf, "WebAcl:"));
    assert!(acl.contains("Type: AWS::WAFv2::WebACL"), "{acl}");
    assert!(acl.contains("Scope: CLOUDFRONT"), "{acl}");
    for group in [
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
    ] {
        assert!(
            acl.contains(&format!("VendorName: AWS Name: {group}")),
            "{group}: {acl}"
        );
    }
    assert!(
        acl.contains(
            "RateBasedStatement: Limit: !Ref RateLimit EvaluationWindowSec: 300 AggregateKeyType: IP"
        ),
        "{acl}"
    );
    assert!(squash(&block(&waf, "Outputs:")).contains("WebAclArn:"));

    // Access logs, each kept for a bounded time.
    assert!(
        distribution.contains(
            "Logging: Bucket: !GetAtt LogsBucket.DomainName Prefix: cloudfront/ IncludeCookies: false"
        ),
        "{distribution}"
    );
    let assets = squash(&block(&t, "AssetsBucket:"));
    assert!(
        assets.contains(
            "LoggingConfiguration: DestinationBucketName: !Ref LogsBucket LogFilePrefix: s3-assets/"
        ),
        "{assets}"
    );
    let logs = squash(&block(&t, "LogsBucket:"));
    assert!(
        logs.contains("ExpirationInDays: !Ref AccessLogRetentionDays"),
        "{logs}"
    );
    let api = squash(&block(&t, "HttpApi:"));
    assert!(
        api.contains("AccessLogSettings: DestinationArn: !GetAtt ApiAccessLogGroup.Arn"),
        "{api}"
    );
    assert!(
        !api.contains("$context.routeKey") && !api.contains("querystring"),
        "no query strings (sign-in tokens) in the access log: {api}"
    );
    for group in [
        "WebLogGroup",
        "NotifyLogGroup",
        "RemindersLogGroup",
        "ApiAccessLogGroup",
    ] {
        let g = squash(&block(&t, &format!("{group}:")));
        assert!(
            g.contains("RetentionInDays: !Ref LogRetentionDays"),
            "{group}: {g}"
        );
    }

    // Notify keeps its concurrency whatever floods the web function.
    let notify = squash(&block(&t, "NotifyFunction:"));
    assert!(
        notify.contains(
            r#"ReservedConcurrentExecutions: !If [HasNotifyReservedConcurrency, !Ref NotifyReservedConcurrency, !Ref "AWS::NoValue"]"#
        ),
        "{notify}"
    );
    let reserved = squash(&block(&t, "NotifyReservedConcurrency:"));
    assert!(reserved.contains("Default: 5"), "{reserved}");

    // Every skipped check has a comment of some substance.
    for (i, line) in t.lines().enumerate() {
        if let Some(id) = line.trim().strip_prefix("- id: CKV") {
            let comment = t.lines().nth(i + 1).unwrap().trim();
            let reason = comment.strip_prefix("comment: ").unwrap_or("");
            assert!(reason.len() > 40, "CKV{id} is skipped without a reason");
        }
    }
    // Nothing is skipped that this change was asked to fix.
    for (resource, fixed) in [
        ("Distribution", "CKV_AWS_68"), // WAF
        ("Distribution", "CKV_AWS_86"), // access logs
        ("AssetsBucket", "CKV_AWS_18"), // access logs
        ("HttpApi", "CKV_AWS_95"),      // access logs
        ("NotifyFunction", "CKV_AWS_115"),
    ] {
        assert!(
            !checkov_skips(&t, resource).contains(&fixed.to_string()),
            "{resource} skips {fixed}"
        );
    }
}

/// Every failed email raises EmailSendFailedAlarm: a metric filter on the log group of each
/// function that sends email, on the line the SES mailer writes (matched against the real line
/// by functions/web/tests/it/email_alarm.rs), counted in the metric the alarm watches, which
/// notifies the alarm topic like the others.
#[test]
fn a_failed_email_counts_in_the_metric_of_an_alarm() {
    let t = read("../../infra/template.yaml");
    let pattern = format!(
        r#"FilterPattern: '{{ $.fields.message = "{}" }}'"#,
        safety_core::mail::ses::EMAIL_SEND_FAILED_LOG
    );
    for group in ["WebLogGroup", "NotifyLogGroup", "RemindersLogGroup"] {
        let name = format!(
            "{}EmailSendFailedFilter:",
            group.trim_end_matches("LogGroup")
        );
        let filter = squash(&block(&t, &name));
        assert_eq!(
            filter.trim_end(),
            format!(
                r#"Type: AWS::Logs::MetricFilter Properties: LogGroupName: !Ref {group} {pattern} MetricTransformations: - MetricNamespace: !Sub "OnlineSafety/${{AWS::StackName}}" MetricName: EmailSendFailed MetricValue: "1""#
            )
        );
    }
    let alarm = squash(&block(&t, "EmailSendFailedAlarm:"));
    for setting in [
        r#"Namespace: !Sub "OnlineSafety/${AWS::StackName}""#,
        "MetricName: EmailSendFailed",
        "Statistic: Sum",
        "Threshold: 0",
        "ComparisonOperator: GreaterThanThreshold",
        "TreatMissingData: notBreaching",
        r#"AlarmActions: !If [HasAlarmTopic, [!Ref AlarmTopicArn], !Ref "AWS::NoValue"]"#,
    ] {
        assert!(alarm.contains(setting), "{setting}: {alarm}");
    }
}

struct SentMailer;

impl safety_core::mail::Mailer for SentMailer {
    async fn send(
        &self,
        _: &safety_core::mail::Message,
    ) -> Result<(), safety_core::mail::MailError> {
        Ok(())
    }
}

/// Runs the reminders through their branches (a learner with training due, the DSL's weekly
/// summary, a second run that finds both already sent, a failing mail) and returns the store
/// methods called.
async fn store_methods_of_the_reminders_path() -> BTreeSet<&'static str> {
    use chrono::{DateTime, Duration, Utc};
    use safety_core::identity::{NewPerson, people};
    use safety_core::learning::Setting;
    use safety_core::mail::Links;
    use safety_core::org::OrgId;
    use safety_core::roles::Role;
    use safety_core::store::embedded::EmbeddedStore;

    let t0: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    let library = safety_core::content::load_embedded().unwrap();
    let profile = library.org("demo").unwrap().clone();
    let org = OrgId::parse("demo").unwrap();
    for (email, roles) in [
        ("dsl@example.org", vec![Role::Dsl]),
        ("learner@example.org", vec![Role::Learner]),
        ("staff@example.org", vec![Role::Staff]),
    ] {
        people::invite(
            &store,
            &org,
            &NewPerson {
                email: email.into(),
                name: "Someone Example".into(),
                roles,
                groups: vec![],
            },
            t0,
        )
        .await
        .unwrap();
    }
    let setting = Setting {
        library: &library,
        profile: &profile,
    };
    let links = Links {
        base_url: "https://safety.example.org".into(),
    };
    // What the function does for each organisation before its reminders
    // (functions/reminders/src/lib.rs), each with work to do: the report entries of a worry
    // stored before they existed (the marker that they were made removed), and the "not started" entries
    // of a module added to the content since the lists' index was built.
    use safety_core::store::Store;
    let secret = safety_core::crypto::Secret::new("reminders-path-secret-reminders-path").unwrap();
    let input = safety_core::worry::WorryInput {
        text: "Someone keeps messaging me".into(),
        urgency: Some("soon".into()),
        about: Some("someone_else".into()),
        involves: Some("nobody".into()),
        email_replies: None,
        kind: Some(library.worry_kinds[0].id.clone()),
        wants_contact: Some("no".into()),
        contact_how: String::new(),
    };
    let token = safety_core::worry::code::FormToken::issue(
        &secret,
        safety_core::worry::FORM_PURPOSE,
        t0.timestamp(),
    );
    safety_core::worry::submit(
        &store,
        &org,
        &secret,
        &token,
        &input,
        &library.worry_kinds,
        &safety_core::worry::Sender::Anonymous,
        t0,
    )
    .await
    .unwrap();
    store
        .delete(
            &safety_core::keys::report_entries_built(&org),
            safety_core::store::Condition::Always,
        )
        .await
        .unwrap();
    let mut built = safety_core::counters::StandingsBuiltRecord {
        at: t0,
        entries: 0,
        not_started: Vec::new(),
        building: Vec::new(),
    };
    for p in library.pages.iter() {
        if p.kind == safety_core::content::Kind::Module && p.id != "four-cs-of-online-risk" {
            built.not_started.push(format!("MODULE#{}", p.id));
        }
    }
    store
        .put(
            safety_core::store::record::to_item(&safety_core::keys::standings_built(&org), &built),
            safety_core::store::Condition::Always,
        )
        .await
        .unwrap();
    let recording = recording::Recording::new(store);
    let made = safety_core::worry::report_entry::ensure_built(&recording, &org, t0)
        .await
        .unwrap();
    assert_eq!(made, Some(1), "the worry's entries are made");
    let entries = safety_core::compliance::index_new_items(&recording, &library, &org, t0)
        .await
        .unwrap();
    assert!(entries > 0, "the new items' entries are made");
    safety_core::reminders::run(&recording, &DownMailer, setting, &links, t0)
        .await
        .unwrap();
    safety_core::reminders::run(&recording, &SentMailer, setting, &links, t0)
        .await
        .unwrap();
    let report = safety_core::reminders::run(
        &recording,
        &SentMailer,
        setting,
        &links,
        t0 + Duration::hours(1),
    )
    .await
    .unwrap();
    assert_eq!(report.emails_sent, 0, "the second run sends nothing new");
    recording.calls.into_inner().unwrap()
}

#[tokio::test]
async fn the_reminders_function_may_call_exactly_the_dynamodb_actions_its_path_uses() {
    let t = read("../../infra/template.yaml");
    let role = block(&t, "RemindersFunctionRole:").join("\n");
    let actions = store_method_actions();
    let used: BTreeSet<String> = store_methods_of_the_reminders_path()
        .await
        .into_iter()
        .flat_map(|m| match m {
            // The reminders' transactions hold puts (and condition checks) only: IAM checks
            // PutItem (and ConditionCheckItem) for each.
            "transact" => vec![actions["transact"].clone(), "PutItem".to_string()],
            "transact_check" => vec![
                actions["transact"].clone(),
                "PutItem".to_string(),
                "ConditionCheckItem".to_string(),
            ],
            m => vec![actions[m].clone()],
        })
        .collect();
    let items = block(&role, "- Sid: TableItemAccess");
    assert_eq!(
        dynamodb_actions(&items),
        used,
        "the reminders function's role grants {:?}, its path uses {used:?}",
        dynamodb_actions(&items)
    );
    assert_eq!(
        dynamodb_actions(&block(&t, "RemindersFunctionRole:")),
        dynamodb_actions(&items),
        "no other DynamoDB action anywhere in the role"
    );
    let items = squash(&items);
    assert!(
        items.contains("!GetAtt Table.Arn") && items.contains(r#"!Sub "${Table.Arn}/index/*""#),
        "{items}"
    );
    assert!(!role.contains("Resource: \"*\"") && !role.contains("- \"*\""));
}

/// The logical names directly under a top-level section of the template (`Parameters:`,
/// `Resources:`, `Outputs:`), in order.
fn section_names(template: &str, section: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut inside = false;
    for line in template.lines() {
        if !line.starts_with(' ') && !line.starts_with('#') && !line.trim().is_empty() {
            inside = line.trim_end() == format!("{section}:");
            continue;
        }
        if inside
            && let Some(rest) = line.strip_prefix("  ")
            && !rest.starts_with(' ')
            && !rest.starts_with('#')
            && let Some((name, _)) = rest.split_once(':')
        {
            names.push(name.to_string());
        }
    }
    names
}

/// The deploy guide is what the IT person reads: every parameter they are asked for, every
/// resource the stack creates and every output they are told to read must be in it, by name.
#[test]
fn the_deploy_guide_names_every_parameter_resource_and_output_of_the_template() {
    let template = read("../../infra/template.yaml");
    let guide = read("../../infra/README.md");
    for (section, at_least) in [("Parameters", 10), ("Resources", 20), ("Outputs", 5)] {
        let names = section_names(&template, section);
        assert!(
            names.len() >= at_least,
            "{section}: only {names:?} found in the template"
        );
        let missing: Vec<&String> = names
            .iter()
            .filter(|n| !guide.contains(&format!("`{n}`")))
            .collect();
        assert!(
            missing.is_empty(),
            "infra/README.md does not name these {section} of infra/template.yaml: {missing:?}"
        );
    }
}

/// Someone holding `roles`, to ask what they may see (not stored).
fn reader(roles: &[safety_core::roles::Role]) -> safety_core::identity::Person {
    safety_core::identity::Person {
        org: safety_core::org::OrgId::parse("demo").unwrap(),
        id: format!("reader-{roles:?}"),
        email: "reader@example.org".into(),
        name: "Reader".into(),
        roles: roles.to_vec(),
        groups: vec![],
        active: true,
        session_epoch: 0,
        created_at: chrono::DateTime::UNIX_EPOCH,
        version: 1,
    }
}
