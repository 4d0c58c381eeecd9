//! One conformance suite, written once against the `Store` trait and run against both backends:
//! the embedded redb file and a real DynamoDB Local. What passes here behaves the same locally
//! and in production.

use crate::support;

use safety_core::store::dynamo::{DynamoConfig, DynamoStore};
use safety_core::store::embedded::EmbeddedStore;
use safety_core::store::{
    Condition, Cursor, Index, Item, Key, Query, Store, StoreError, TxOp, Update, layout,
};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::{Duration, Instant};
use support::dynamodb_local::DynamoDbLocal;

// ---------------------------------------------------------------------------------------------
// Helpers

fn item(value: Value) -> Item {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn key(pk: &str, sk: &str) -> Key {
    Key::new(pk, sk)
}

fn sks(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|i| i[layout::SK].as_str().expect("sk").to_owned())
        .collect()
}

/// Follows a query's cursors to the end. Returns the pages. Checks that no page is over the limit
/// and that only a last page may be empty (DynamoDB may hand back a cursor when nothing follows).
async fn all_pages<S: Store>(store: &S, query: Query) -> Vec<Vec<Item>> {
    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(&query.clone().after(cursor))
            .await
            .expect("query");
        assert!(page.items.len() <= query.limit, "page over the limit");
        if page.items.is_empty() {
            assert!(page.next.is_none(), "an empty page must end the query");
        }
        pages.push(page.items);
        assert!(pages.len() < 1000, "query does not end");
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    if pages.len() > 1 && pages.last().is_some_and(|p| p.is_empty()) {
        pages.pop();
    }
    pages
}

async fn all_sks<S: Store>(store: &S, query: Query) -> Vec<String> {
    all_pages(store, query)
        .await
        .concat()
        .iter()
        .map(|i| i[layout::SK].as_str().unwrap().to_owned())
        .collect()
}

macro_rules! assert_err {
    ($result:expr, $pattern:pat) => {{
        let result = $result;
        assert!(
            matches!(result, Err($pattern)),
            "expected {}, got {:?}",
            stringify!($pattern),
            result
        );
    }};
}

// ---------------------------------------------------------------------------------------------
// The suite

/// Every case, in order. Each case uses its own partitions.
async fn conformance<S: Store>(store: &S) {
    put_get_round_trip(store).await;
    conditional_put(store).await;
    optimistic_locking(store).await;
    update_creates_missing_items(store).await;
    counters(store).await;
    remove_attributes(store).await;
    conditional_delete(store).await;
    prefix_query_paginates(store).await;
    partition_prefix_does_not_leak(store).await;
    between(store).await;
    index_query(store).await;
    failed_transaction_applies_nothing(store).await;
    successful_transaction_applies_everything(store).await;
    transaction_shape_is_checked(store).await;
    item_size_limit(store).await;
    unicode(store).await;
    ttl_attribute(store).await;
    invalid_items(store).await;
    invalid_cursor(store).await;
}

async fn put_get_round_trip<S: Store>(s: &S) {
    let original = item(json!({
        "pk": "rt#1", "sk": "profile",
        "name": "Ann", "status": "active", "age": 12, "neg": -5, "big": u64::MAX,
        "small": i64::MIN, "ratio": 1.5, "tiny": -0.25, "ok": true, "no": false, "none": null,
        "empty": "", "tags": ["a", "b", 3, null], "nested": {"x": 1, "y": {"z": [true]}},
        "empty_list": [], "empty_map": {}
    }));
    s.put(original.clone(), Condition::Always)
        .await
        .expect("put");
    let read = s.get(&key("rt#1", "profile")).await.expect("get");
    assert_eq!(read, Some(original.clone()), "round trip");
    assert_eq!(s.get(&key("rt#1", "missing")).await.expect("get"), None);
    assert_eq!(s.get(&key("rt#2", "profile")).await.expect("get"), None);

    // A put replaces the whole item.
    let replacement = item(json!({"pk": "rt#1", "sk": "profile", "name": "Bea"}));
    s.put(replacement.clone(), Condition::Always)
        .await
        .expect("put");
    assert_eq!(
        s.get(&key("rt#1", "profile")).await.unwrap(),
        Some(replacement)
    );
}

async fn conditional_put<S: Store>(s: &S) {
    let v1 = item(json!({"pk": "cp", "sk": "a", "v": 1}));
    let v2 = item(json!({"pk": "cp", "sk": "a", "v": 2}));
    s.put(v1.clone(), Condition::NotExists)
        .await
        .expect("create once");
    assert_err!(
        s.put(v2.clone(), Condition::NotExists).await,
        StoreError::ConditionFailed
    );
    assert_eq!(
        s.get(&key("cp", "a")).await.unwrap(),
        Some(v1.clone()),
        "original unchanged"
    );

    // Exists on a missing item fails and stores nothing.
    let other = item(json!({"pk": "cp", "sk": "b", "v": 1}));
    assert_err!(
        s.put(other, Condition::Exists).await,
        StoreError::ConditionFailed
    );
    assert_eq!(s.get(&key("cp", "b")).await.unwrap(), None);

    // Equals holds: replaced; does not hold: unchanged.
    assert_err!(
        s.put(v2.clone(), Condition::Equals("v".into(), json!(7)))
            .await,
        StoreError::ConditionFailed
    );
    s.put(v2.clone(), Condition::Equals("v".into(), json!(1)))
        .await
        .expect("put equals");
    assert_eq!(s.get(&key("cp", "a")).await.unwrap(), Some(v2));
}

async fn optimistic_locking<S: Store>(s: &S) {
    let k = key("lock", "doc");
    s.put(
        item(json!({"pk": "lock", "sk": "doc", "version": 1, "status": "draft"})),
        Condition::NotExists,
    )
    .await
    .unwrap();
    let bump = |status: &str| Update::default().set("status", status).add("version", 1);
    let after = s
        .update(
            &k,
            bump("review"),
            Condition::Equals("version".into(), json!(1)),
        )
        .await
        .expect("fresh version");
    assert_eq!(after["version"], json!(2));
    assert_eq!(after["status"], json!("review"));
    assert_eq!(after["pk"], json!("lock"));

    let stale = s
        .update(
            &k,
            bump("published"),
            Condition::Equals("version".into(), json!(1)),
        )
        .await;
    assert_err!(stale, StoreError::ConditionFailed);
    let now = s.get(&k).await.unwrap().unwrap();
    assert_eq!(now, after, "a stale write changes nothing");
}

async fn update_creates_missing_items<S: Store>(s: &S) {
    let k = key("upd", "new");
    let created = s
        .update(
            &k,
            Update::default().set("title", "hello").add("views", 3),
            Condition::Always,
        )
        .await
        .expect("upsert");
    let expected = item(json!({"pk": "upd", "sk": "new", "title": "hello", "views": 3}));
    assert_eq!(created, expected);
    assert_eq!(s.get(&k).await.unwrap(), Some(expected));

    // A condition can forbid the creation.
    let k2 = key("upd", "forbidden");
    assert_err!(
        s.update(&k2, Update::default().set("a", 1), Condition::Exists)
            .await,
        StoreError::ConditionFailed
    );
    assert_eq!(s.get(&k2).await.unwrap(), None);
    assert_err!(
        s.update(
            &k2,
            Update::default().set("a", 1),
            Condition::Equals("a".into(), json!(1))
        )
        .await,
        StoreError::ConditionFailed
    );
    assert_eq!(s.get(&k2).await.unwrap(), None);

    // An empty update still creates the item, with just its key, alone and in a transaction.
    let k3 = key("upd", "empty");
    let created = s
        .update(&k3, Update::default(), Condition::Always)
        .await
        .expect("empty update");
    assert_eq!(created, item(json!({"pk": "upd", "sk": "empty"})));
    let k4 = key("upd", "empty-tx");
    let op = TxOp::Update {
        key: k4.clone(),
        update: Update::default(),
        condition: Condition::NotExists,
    };
    s.transact(vec![op])
        .await
        .expect("empty update in a transaction");
    assert_eq!(
        s.get(&k4).await.unwrap(),
        Some(item(json!({"pk": "upd", "sk": "empty-tx"})))
    );
}

async fn counters<S: Store>(s: &S) {
    let k = key("ctr", "page");
    let add = |by| s.update(&k, Update::default().add("hits", by), Condition::Always);
    // Concurrent increments are not lost.
    let (a, b, c, d, e) = tokio::join!(add(1), add(1), add(1), add(1), add(1));
    for r in [a, b, c, d, e] {
        r.expect("add");
    }
    assert_eq!(s.get(&k).await.unwrap().unwrap()["hits"], json!(5));
    let after = add(-7).await.unwrap();
    assert_eq!(after["hits"], json!(-2));
    // Two counters and a set in one update.
    let after = s
        .update(
            &k,
            Update::default()
                .add("hits", 2)
                .add("other", 10)
                .set("label", "x"),
            Condition::Always,
        )
        .await
        .unwrap();
    assert_eq!(
        (after["hits"].clone(), after["other"].clone()),
        (json!(0), json!(10))
    );
    // Adding to something that is not a number is refused and changes nothing.
    assert_err!(
        s.update(&k, Update::default().add("label", 1), Condition::Always)
            .await,
        StoreError::InvalidItem(_)
    );
    assert_eq!(s.get(&k).await.unwrap().unwrap()["label"], json!("x"));
}

async fn remove_attributes<S: Store>(s: &S) {
    let k = key("rm", "x");
    s.put(
        item(json!({"pk": "rm", "sk": "x", "a": 1, "b": "two", "c": [3]})),
        Condition::Always,
    )
    .await
    .unwrap();
    let after = s
        .update(
            &k,
            Update::default().remove("b").remove("never-there"),
            Condition::Always,
        )
        .await
        .unwrap();
    let expected = item(json!({"pk": "rm", "sk": "x", "a": 1, "c": [3]}));
    assert_eq!(after, expected);
    assert_eq!(s.get(&k).await.unwrap(), Some(expected));
    // Set and remove together.
    let after = s
        .update(
            &k,
            Update::default().set("d", "four").remove("a"),
            Condition::Exists,
        )
        .await
        .unwrap();
    assert_eq!(
        after,
        item(json!({"pk": "rm", "sk": "x", "c": [3], "d": "four"}))
    );
}

async fn conditional_delete<S: Store>(s: &S) {
    let k = key("del", "x");
    let original = item(json!({"pk": "del", "sk": "x", "version": 1}));
    s.put(original.clone(), Condition::Always).await.unwrap();
    assert_err!(
        s.delete(&k, Condition::Equals("version".into(), json!(9)))
            .await,
        StoreError::ConditionFailed
    );
    assert_eq!(s.get(&k).await.unwrap(), Some(original));
    s.delete(&k, Condition::Equals("version".into(), json!(1)))
        .await
        .expect("delete");
    assert_eq!(s.get(&k).await.unwrap(), None);
    assert_err!(
        s.delete(&k, Condition::Exists).await,
        StoreError::ConditionFailed
    );
    s.delete(&k, Condition::Always)
        .await
        .expect("deleting a missing item is fine");
}

async fn prefix_query_paginates<S: Store>(s: &S) {
    let expected: Vec<String> = (0..25).map(|i| format!("item#{i:02}")).collect();
    for sk in &expected {
        s.put(
            item(json!({"pk": "list", "sk": sk, "n": 1})),
            Condition::Always,
        )
        .await
        .unwrap();
    }
    for sk in ["aaa", "itel", "item", "itemz#1", "zzz"] {
        s.put(item(json!({"pk": "list", "sk": sk})), Condition::Always)
            .await
            .unwrap();
    }
    s.put(
        item(json!({"pk": "list2", "sk": "item#99"})),
        Condition::Always,
    )
    .await
    .unwrap();

    let query = Query::partition("list").prefix("item#").limit(10);
    let pages = all_pages(s, query.clone()).await;
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![10, 10, 5], "25 items in pages of 10");
    let got: Vec<String> = pages.iter().flat_map(|p| sks(p)).collect();
    assert_eq!(got, expected, "every item exactly once, in order");

    let mut reversed = expected.clone();
    reversed.reverse();
    let pages = all_pages(s, query.clone().descending()).await;
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![10, 10, 5]
    );
    assert_eq!(
        pages.iter().flat_map(|p| sks(p)).collect::<Vec<_>>(),
        reversed,
        "descending"
    );

    // Exactly 20 items in pages of 10: DynamoDB may hand back a cursor after the second page,
    // which must then lead to nothing.
    let twenty = all_sks(
        s,
        Query::partition("list")
            .between("item#00", "item#19")
            .limit(10),
    )
    .await;
    assert_eq!(twenty, expected[..20]);

    let nothing = s
        .query(&Query::partition("list").prefix("nope"))
        .await
        .unwrap();
    assert!(
        nothing.items.is_empty() && nothing.next.is_none(),
        "no match: {nothing:?}"
    );
    let nothing = s
        .query(&Query::partition("no-such-partition"))
        .await
        .unwrap();
    assert!(nothing.items.is_empty() && nothing.next.is_none());

    let all = all_sks(s, Query::partition("list").limit(7)).await;
    assert_eq!(all.len(), 30);
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "whole partition in sort-key order");
    assert_eq!(all.first().map(String::as_str), Some("aaa"));
    assert_eq!(all.last().map(String::as_str), Some("zzz"));
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), 30);
}

async fn partition_prefix_does_not_leak<S: Store>(s: &S) {
    for (pk, sk) in [
        ("org", "a"),
        ("org", "b"),
        ("org#1", "a"),
        ("or", "z"),
        ("orga", "a"),
        ("org\u{1}", "a"),
    ] {
        s.put(
            item(json!({"pk": pk, "sk": sk, "gsi1pk": pk, "gsi1sk": sk})),
            Condition::Always,
        )
        .await
        .unwrap();
    }
    for index in [Index::Table, Index::Gsi1] {
        let got = all_pages(s, Query::partition("org").on_index(index))
            .await
            .concat();
        let pks: Vec<&str> = got.iter().map(|i| i["pk"].as_str().unwrap()).collect();
        assert_eq!(pks, vec!["org", "org"], "{index:?}");
        assert_eq!(sks(&got), vec!["a", "b"]);
        let desc = all_pages(s, Query::partition("org").on_index(index).descending())
            .await
            .concat();
        assert_eq!(sks(&desc), vec!["b", "a"], "{index:?}");
    }
}

async fn between<S: Store>(s: &S) {
    // Uses the 25 items of `prefix_query_paginates`.
    let got = all_sks(s, Query::partition("list").between("item#05", "item#09")).await;
    assert_eq!(
        got,
        vec!["item#05", "item#06", "item#07", "item#08", "item#09"]
    );
    let got = all_sks(
        s,
        Query::partition("list")
            .between("item#05", "item#09")
            .descending()
            .limit(2),
    )
    .await;
    assert_eq!(
        got,
        vec!["item#09", "item#08", "item#07", "item#06", "item#05"]
    );
    // Bounds need not exist as items; both bounds are inclusive.
    let got = all_sks(s, Query::partition("list").between("item#235", "itemz#1")).await;
    assert_eq!(got, vec!["item#24", "itemz#1"]);
    assert_err!(
        s.query(&Query::partition("list").between("b", "a")).await,
        StoreError::InvalidItem(_)
    );
}

async fn index_query<S: Store>(s: &S) {
    let docs = [
        ("doc#3", json!({"gsi1pk": "tag#x", "gsi1sk": "2024-03"})),
        ("doc#1", json!({"gsi1pk": "tag#x", "gsi1sk": "2024-01"})),
        ("doc#2", json!({"gsi1pk": "tag#x", "gsi1sk": "2024-02"})),
        ("doc#5", json!({"gsi1pk": "tag#x", "gsi1sk": "2023-12"})),
        ("doc#4", json!({"gsi1pk": "tag#y", "gsi1sk": "2024-01"})),
        ("doc#6", json!({"title": "no index attributes"})),
        ("doc#7", json!({"gsi1pk": "tag#x"})),
    ];
    for (sk, extra) in docs {
        let mut it = item(extra);
        it.insert("pk".into(), json!("gsi-docs"));
        it.insert("sk".into(), json!(sk));
        s.put(it, Condition::Always).await.unwrap();
    }
    let q = Query::partition("tag#x").on_index(Index::Gsi1);
    let got = all_pages(s, q.clone()).await.concat();
    assert_eq!(
        sks(&got),
        vec!["doc#5", "doc#1", "doc#2", "doc#3"],
        "gsi1sk order, only tag#x"
    );
    assert_eq!(
        got[1]["gsi1sk"],
        json!("2024-01"),
        "whole items are projected"
    );

    let pages = all_pages(s, q.clone().limit(3)).await;
    assert_eq!(pages.concat().len(), 4);
    assert_eq!(pages[0].len(), 3);
    let got = all_sks(s, q.clone().prefix("2024-").descending().limit(1)).await;
    assert_eq!(got, vec!["doc#3", "doc#2", "doc#1"]);
    let got = all_sks(s, q.clone().between("2024-01", "2024-02")).await;
    assert_eq!(got, vec!["doc#1", "doc#2"]);

    // Updates move items within and out of the index.
    s.update(
        &key("gsi-docs", "doc#1"),
        Update::default().set("gsi1sk", "2025-01"),
        Condition::Exists,
    )
    .await
    .unwrap();
    s.update(
        &key("gsi-docs", "doc#2"),
        Update::default().remove("gsi1pk"),
        Condition::Exists,
    )
    .await
    .unwrap();
    s.delete(&key("gsi-docs", "doc#5"), Condition::Always)
        .await
        .unwrap();
    let got = all_sks(s, q.clone()).await;
    assert_eq!(got, vec!["doc#3", "doc#1"]);
    let got = all_sks(s, Query::partition("tag#y").on_index(Index::Gsi1)).await;
    assert_eq!(got, vec!["doc#4"]);
}

async fn failed_transaction_applies_nothing<S: Store>(s: &S) {
    s.put(
        item(json!({"pk": "tx", "sk": "existing", "version": 1})),
        Condition::Always,
    )
    .await
    .unwrap();
    let ops = vec![
        TxOp::Put {
            item: item(json!({"pk": "tx", "sk": "a", "v": 1})),
            condition: Condition::NotExists,
        },
        TxOp::Update {
            key: key("tx", "b"),
            update: Update::default().add("count", 1),
            condition: Condition::Always,
        },
        TxOp::Put {
            item: item(json!({"pk": "tx", "sk": "existing", "version": 2})),
            condition: Condition::NotExists,
        },
    ];
    let result = s.transact(ops).await;
    assert_eq!(
        result,
        Err(StoreError::TransactionConditionFailed { failed: vec![2] })
    );
    assert_eq!(
        s.get(&key("tx", "a")).await.unwrap(),
        None,
        "op 0 not applied"
    );
    assert_eq!(
        s.get(&key("tx", "b")).await.unwrap(),
        None,
        "op 1 not applied"
    );
    assert_eq!(
        s.get(&key("tx", "existing")).await.unwrap().unwrap()["version"],
        json!(1)
    );

    // Every failed operation is reported.
    let ops = vec![
        TxOp::Check {
            key: key("tx", "missing"),
            condition: Condition::Exists,
        },
        TxOp::Delete {
            key: key("tx", "existing"),
            condition: Condition::Always,
        },
        TxOp::Update {
            key: key("tx", "c"),
            update: Update::default().set("x", 1),
            condition: Condition::Equals("x".into(), json!(0)),
        },
    ];
    assert_eq!(
        s.transact(ops).await,
        Err(StoreError::TransactionConditionFailed { failed: vec![0, 2] })
    );
    assert!(
        s.get(&key("tx", "existing")).await.unwrap().is_some(),
        "delete not applied"
    );
}

async fn successful_transaction_applies_everything<S: Store>(s: &S) {
    s.put(
        item(json!({"pk": "txok", "sk": "counter", "n": 1})),
        Condition::Always,
    )
    .await
    .unwrap();
    s.put(item(json!({"pk": "txok", "sk": "old"})), Condition::Always)
        .await
        .unwrap();
    s.put(
        item(json!({"pk": "txok", "sk": "guard", "open": true})),
        Condition::Always,
    )
    .await
    .unwrap();
    let ops = vec![
        TxOp::Put {
            item: item(json!({"pk": "txok", "sk": "new", "v": "x"})),
            condition: Condition::NotExists,
        },
        TxOp::Update {
            key: key("txok", "counter"),
            update: Update::default().add("n", 1).set("status", "done"),
            condition: Condition::Equals("n".into(), json!(1)),
        },
        TxOp::Delete {
            key: key("txok", "old"),
            condition: Condition::Exists,
        },
        TxOp::Check {
            key: key("txok", "guard"),
            condition: Condition::Equals("open".into(), json!(true)),
        },
        TxOp::Update {
            key: key("txok", "created"),
            update: Update::default().set("a", 1),
            condition: Condition::Always,
        },
    ];
    s.transact(ops).await.expect("transaction");
    assert_eq!(
        s.get(&key("txok", "new")).await.unwrap().unwrap()["v"],
        json!("x")
    );
    let counter = s.get(&key("txok", "counter")).await.unwrap().unwrap();
    assert_eq!(
        (counter["n"].clone(), counter["status"].clone()),
        (json!(2), json!("done"))
    );
    assert_eq!(s.get(&key("txok", "old")).await.unwrap(), None);
    assert_eq!(
        s.get(&key("txok", "guard")).await.unwrap(),
        Some(item(json!({"pk": "txok", "sk": "guard", "open": true})))
    );
    assert_eq!(
        s.get(&key("txok", "created")).await.unwrap().unwrap()["a"],
        json!(1)
    );
    s.transact(Vec::new())
        .await
        .expect("an empty transaction is a no-op");
}

async fn transaction_shape_is_checked<S: Store>(s: &S) {
    let put = |i: usize| TxOp::Put {
        item: item(json!({"pk": "txshape", "sk": format!("{i:03}")})),
        condition: Condition::Always,
    };
    assert_err!(
        s.transact((0..101).map(put).collect()).await,
        StoreError::InvalidItem(_)
    );
    assert!(
        s.query(&Query::partition("txshape"))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let twice = vec![
        put(1),
        TxOp::Delete {
            key: key("txshape", "001"),
            condition: Condition::Always,
        },
    ];
    assert_err!(s.transact(twice).await, StoreError::InvalidItem(_));
    assert_eq!(s.get(&key("txshape", "001")).await.unwrap(), None);
    // The limit itself is fine.
    s.transact((0..100).map(put).collect())
        .await
        .expect("100 operations");
    assert_eq!(
        all_sks(s, Query::partition("txshape").limit(1000))
            .await
            .len(),
        100
    );
}

async fn item_size_limit<S: Store>(s: &S) {
    // 395 KB of mixed text, multi-byte characters included.
    let unit = "Bezpieczeństwo w sieci 🦀 ";
    let body: String = unit.repeat(395 * 1024 / unit.len());
    assert!(body.len() > 390 * 1024);
    let big = item(json!({"pk": "size", "sk": "big", "body": body}));
    s.put(big.clone(), Condition::Always)
        .await
        .expect("item under the limit");
    assert_eq!(
        s.get(&key("size", "big")).await.unwrap(),
        Some(big.clone()),
        "stored intact"
    );

    let over = item(json!({"pk": "size", "sk": "over", "body": "x".repeat(401 * 1024)}));
    assert_err!(
        s.put(over, Condition::Always).await,
        StoreError::ItemTooLarge { .. }
    );
    assert_eq!(
        s.get(&key("size", "over")).await.unwrap(),
        None,
        "nothing stored"
    );

    // An update that would take an item over the limit is refused and changes nothing.
    let grow = Update::default().set("more", "y".repeat(20 * 1024));
    assert_err!(
        s.update(&key("size", "big"), grow, Condition::Always).await,
        StoreError::ItemTooLarge { .. }
    );
    assert_eq!(s.get(&key("size", "big")).await.unwrap(), Some(big));
    let too_big_tx = vec![TxOp::Put {
        item: item(json!({"pk": "size", "sk": "tx", "body": "x".repeat(401 * 1024)})),
        condition: Condition::Always,
    }];
    assert_err!(
        s.transact(too_big_tx).await,
        StoreError::ItemTooLarge { .. }
    );
}

async fn unicode<S: Store>(s: &S) {
    let pk = "użytkownik#Zażółć gęślą jaźń 🦀";
    let rows = [
        ("cymraeg#Ysgol Gymraeg ŵ ŷ", "Croeso i'r ysgol"),
        ("cymraeg#Llanfairpwllgwyngyll", "Bore da"),
        ("عربي#مرحبا", "السلام عليكم"),
        ("combining#e\u{301}cole", "e\u{301}\u{302}"),
        ("emoji#😀", "👨‍👩‍👧 family"),
        ("emoji#🦀", "crab"),
        ("order#a", "a"),
        ("order#z", "z"),
        ("order#é", "é"),
        ("order#ｚ", "fullwidth"),
        ("order#😀", "astral"),
    ];
    for (sk, text) in rows {
        s.put(
            item(json!({"pk": pk, "sk": sk, "text": text, "gsi1pk": "ünï", "gsi1sk": sk})),
            Condition::Always,
        )
        .await
        .unwrap();
        let got = s.get(&key(pk, sk)).await.unwrap().expect("unicode key");
        assert_eq!(got["text"], json!(text));
    }
    let got = all_sks(s, Query::partition(pk).prefix("cymraeg#")).await;
    assert_eq!(
        got,
        vec!["cymraeg#Llanfairpwllgwyngyll", "cymraeg#Ysgol Gymraeg ŵ ŷ"]
    );
    let got = all_sks(s, Query::partition(pk).prefix("emoji#🦀")).await;
    assert_eq!(got, vec!["emoji#🦀"]);
    let got = all_sks(s, Query::partition(pk).prefix("عربي#")).await;
    assert_eq!(got, vec!["عربي#مرحبا"]);
    let got = all_sks(s, Query::partition(pk).prefix("combining#e\u{301}")).await;
    assert_eq!(got, vec!["combining#e\u{301}cole"]);
    // UTF-8 byte order (not UTF-16 order: there the emoji would sort before the fullwidth z).
    let expected = vec!["order#a", "order#z", "order#é", "order#ｚ", "order#😀"];
    assert_eq!(
        all_sks(s, Query::partition(pk).prefix("order#").limit(2)).await,
        expected
    );
    let on_index = all_sks(
        s,
        Query::partition("ünï")
            .on_index(Index::Gsi1)
            .prefix("order#")
            .limit(2),
    )
    .await;
    assert_eq!(on_index, expected);
}

async fn ttl_attribute<S: Store>(s: &S) {
    let k = key("ttl", "session");
    s.put(
        item(json!({"pk": "ttl", "sk": "session", "expires_at": 1_900_000_000u64})),
        Condition::Always,
    )
    .await
    .unwrap();
    let got = s.get(&k).await.unwrap().unwrap();
    assert!(
        got[layout::TTL].is_u64(),
        "TTL read back as a whole number: {got:?}"
    );
    assert_eq!(got[layout::TTL], json!(1_900_000_000u64));
    let after = s
        .update(
            &k,
            Update::default().set(layout::TTL, 1_900_000_600u64),
            Condition::Exists,
        )
        .await
        .unwrap();
    assert_eq!(after[layout::TTL], json!(1_900_000_600u64));
}

async fn invalid_items<S: Store>(s: &S) {
    let cases = [
        json!({"sk": "a"}),
        json!({"pk": "inv", "sk": 5}),
        json!({"pk": "inv", "sk": ""}),
        json!({"pk": "inv", "sk": "a", "expires_at": 1.5}),
        json!({"pk": "inv", "sk": "a", "expires_at": "tomorrow"}),
        json!({"pk": "inv", "sk": "a", "expires_at": -1}),
        json!({"pk": "inv", "sk": "a", "gsi1pk": 7}),
        json!({"pk": "inv", "sk": "k".repeat(1025)}),
    ];
    for case in cases {
        assert_err!(
            s.put(item(case.clone()), Condition::Always).await,
            StoreError::InvalidItem(_)
        );
    }
    let k = key("inv", "a");
    assert_err!(
        s.update(&k, Update::default().set("pk", "other"), Condition::Always)
            .await,
        StoreError::InvalidItem(_)
    );
    assert_err!(
        s.update(
            &k,
            Update::default().set("expires_at", "soon"),
            Condition::Always
        )
        .await,
        StoreError::InvalidItem(_)
    );
    assert_err!(
        s.update(
            &k,
            Update::default().set("a", 1).remove("a"),
            Condition::Always
        )
        .await,
        StoreError::InvalidItem(_)
    );
    assert_err!(s.get(&key("", "a")).await, StoreError::InvalidItem(_));
    assert_err!(
        s.query(&Query::partition("inv").limit(0)).await,
        StoreError::InvalidItem(_)
    );
    assert!(
        s.query(&Query::partition("inv"))
            .await
            .unwrap()
            .items
            .is_empty(),
        "nothing stored"
    );
}

async fn invalid_cursor<S: Store>(s: &S) {
    let q = Query::partition("list").prefix("item#").limit(10);
    let bad = |c: &str| q.clone().after(Some(Cursor(c.to_owned())));
    assert_err!(
        s.query(&bad("not base64 !!")).await,
        StoreError::InvalidItem(_)
    );
    assert_err!(
        s.query(&bad("bm90IGpzb24")).await,
        StoreError::InvalidItem(_)
    ); // "not json"
    // A well-formed cursor of another query.
    let other = s
        .query(&Query::partition("list").limit(1))
        .await
        .unwrap()
        .next
        .expect("cursor");
    assert_err!(
        s.query(&q.clone().after(Some(other))).await,
        StoreError::InvalidItem(_)
    );
    // A cursor of the table used on the index.
    let first = s.query(&q).await.unwrap().next.expect("cursor");
    assert_err!(
        s.query(
            &Query::partition("list")
                .on_index(Index::Gsi1)
                .after(Some(first.clone()))
        )
        .await,
        StoreError::InvalidItem(_)
    );
    // The real one still works.
    assert_eq!(
        s.query(&q.clone().after(Some(first)))
            .await
            .unwrap()
            .items
            .len(),
        10
    );
}

// ---------------------------------------------------------------------------------------------
// The backends

#[tokio::test]
async fn embedded_backend_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    {
        let store = EmbeddedStore::open(&path).expect("open");
        conformance(&store).await;
        store
            .put(
                item(json!({"pk": "durable", "sk": "x", "n": 42})),
                Condition::NotExists,
            )
            .await
            .unwrap();
    }
    // The data survives closing and reopening the file.
    let store = EmbeddedStore::open(&path).expect("reopen");
    assert_eq!(
        store.get(&key("durable", "x")).await.unwrap(),
        Some(item(json!({"pk": "durable", "sk": "x", "n": 42})))
    );
    let got = all_pages(&store, Query::partition("tag#x").on_index(Index::Gsi1))
        .await
        .concat();
    assert_eq!(sks(&got), vec!["doc#3", "doc#1"], "the index survives too");
}

/// A fresh table name for each run, so runs never see each other's data.
fn table_name(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("conformance-{what}-{}-{nanos}", std::process::id())
}

async fn dynamo_store(local: &DynamoDbLocal, what: &str) -> DynamoStore {
    let store =
        DynamoStore::from_env_config(DynamoConfig::local(&local.endpoint, table_name(what)))
            .expect("client");
    store.create_table().await.expect("create table");
    store
        .create_table()
        .await
        .expect("create table is idempotent");
    store
}

#[tokio::test]
async fn dynamodb_backend_passes_the_conformance_suite() {
    let local = DynamoDbLocal::start();
    eprintln!("DynamoDB Local answered after {:?}", local.started_in);
    let store = dynamo_store(&local, "suite").await;
    assert_eq!(
        store.describe_ttl_attribute().await.unwrap().as_deref(),
        Some(layout::TTL)
    );
    conformance(&store).await;
}

/// The "store is down" fault: DynamoDB stops answering mid-run; writes fail fast as Unavailable.
#[tokio::test]
async fn dynamodb_down_is_unavailable_quickly() {
    let mut local = DynamoDbLocal::start();
    let store = dynamo_store(&local, "down").await;
    store
        .put(
            item(json!({"pk": "down", "sk": "before"})),
            Condition::Always,
        )
        .await
        .expect("put while up");
    local.stop();
    let begun = Instant::now();
    let result = tokio::time::timeout(
        Duration::from_secs(30),
        store.put(
            item(json!({"pk": "down", "sk": "after"})),
            Condition::Always,
        ),
    )
    .await
    .expect("the put hung instead of failing");
    let took = begun.elapsed();
    assert_err!(result, StoreError::Unavailable(_));
    assert!(
        took < Duration::from_secs(20),
        "took {took:?} to report the store down"
    );
    eprintln!("store down reported after {took:?}");
}
