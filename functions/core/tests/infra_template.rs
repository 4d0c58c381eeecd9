//! The AWS template must agree with the code: the table's keys, index, TTL attribute and stream,
//! and the web function's IAM actions, which must be exactly the DynamoDB calls the request path
//! makes (least privilege: nothing more, nothing missing).

use safety_core::store::layout;
use std::collections::BTreeSet;

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

#[test]
fn the_web_function_may_call_exactly_the_dynamodb_actions_the_code_uses() {
    let t = read("../../infra/template.yaml");
    let granted: BTreeSet<String> = t
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- dynamodb:"))
        .map(str::to_string)
        .collect();

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
                let action: String = call
                    .split('_')
                    .map(|w| w[..1].to_uppercase() + &w[1..])
                    .collect();
                used.insert(action);
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
