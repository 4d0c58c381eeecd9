//! The check after the load test (`scripts/load.sh`, `bench/load/`): opens the store the server
//! used, once the server has stopped, and compares it with what the load test did.
//!
//! * every load learner (email starting with `PREFIX`) is active, and there are `N` of them;
//! * each has exactly one completion of `MODULE` and one signature of `AUP` in their history,
//!   and as many graded quiz attempts as the load tool saw answered (none lost, none extra);
//! * the stored counters equal a recount from the records (`compliance::computed_counters`),
//!   and so does the index of states behind the dashboard's lists
//!   (`compliance::computed_standings`);
//! * the load learners' cohort counts `N` people, `N` done `MODULE` and `N` signed `AUP`.
//!
//! The store is chosen as the server chooses it (`APP_STORE`, `APP_DATA_DIR`,
//! `APP_DYNAMODB_ENDPOINT`, `APP_TABLE_NAME`, `APP_ORG`).
//!
//! `cargo run --release -p safety-core --example load_check -- PREFIX N MODULE AUP COUNTS.json`
//! where COUNTS.json is `{"<email>": {"quiz": <answered submissions>, "aup": <answered signs>}}`.
//! Prints what it found; exits 1 on any difference.

use safety_core::compliance;
use safety_core::content::{Kind, Library};
use safety_core::counters::{AggregateRecord, Cohort, Counter};
use safety_core::identity::people;
use safety_core::keys;
use safety_core::learning_state::{
    AupSignatureRecord, CompletionRecord, ItemRef, QuizAttemptRecord,
};
use safety_core::org::OrgId;
use safety_core::store::dynamo::{DynamoConfig, DynamoStore};
use safety_core::store::embedded::EmbeddedStore;
use safety_core::store::record;
use safety_core::store::{AnyStore, Item, Key, Query, Store};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn open_store() -> AnyStore {
    match var("APP_STORE").as_deref().unwrap_or("embedded") {
        "embedded" => {
            let dir = PathBuf::from(var("APP_DATA_DIR").unwrap_or_else(|| "data".into()));
            AnyStore::Embedded(
                EmbeddedStore::open(&dir.join("platform.redb")).expect("the embedded store"),
            )
        }
        "dynamodb" => AnyStore::Dynamo(
            DynamoStore::from_env_config(DynamoConfig::from_env()).expect("a DynamoDB client"),
        ),
        other => panic!("APP_STORE must be `embedded` or `dynamodb`, not `{other}`"),
    }
}

/// Every item of a partition (with an optional sort key prefix), page by page.
async fn all<S: Store>(store: &S, partition: String, prefix: Option<String>) -> Vec<Item> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let mut query = Query::partition(partition.clone())
            .limit(1000)
            .after(cursor);
        if let Some(p) = &prefix {
            query = query.prefix(p.clone());
        }
        let page = store.query(&query).await.expect("a query");
        out.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => break out,
        }
    }
}

/// An aggregate's counters without zeros and bookkeeping attributes (as the core's tests
/// compare them).
fn counters(item: &Item) -> Option<(Key, BTreeMap<String, i64>)> {
    let key = Key::of(item).expect("a key");
    if key.sk == "BUILT" {
        return None;
    }
    let c: BTreeMap<String, i64> = item
        .iter()
        .filter(|(n, _)| n.as_str() == AggregateRecord::PEOPLE || Counter::parse(n).is_some())
        .filter_map(|(n, v)| Some((n.clone(), v.as_i64()?)))
        .filter(|(_, v)| *v != 0)
        .collect();
    (!c.is_empty()).then_some((key, c))
}

fn library_items(library: &Library) -> Vec<ItemRef> {
    library
        .pages_of(Kind::Module)
        .map(|p| ItemRef::module(&p.id))
        .chain(library.pages_of(Kind::Aup).map(|p| ItemRef::aup(&p.id)))
        .collect()
}

/// The done counter of `item` in the aggregate of `cohort`: `(counter name, value)` of each.
async fn done_counts<S: Store>(
    store: &S,
    org: &OrgId,
    item: &ItemRef,
    cohort: &Cohort,
) -> BTreeMap<String, i64> {
    let key = keys::item_aggregate(org, &item.key_part(), &cohort.id());
    let Some(found) = store.get(&key).await.expect("a read") else {
        return BTreeMap::new();
    };
    AggregateRecord::read(&found)
        .map(|r| r.counters())
        .unwrap_or_default()
        .into_iter()
        .filter(|(c, n)| matches!(c, Counter::Done { .. }) && *n != 0)
        .map(|(c, n)| (c.name(), n))
        .collect()
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [prefix, n, module, aup, counts_file] = args.as_slice() else {
        eprintln!("usage: load_check PREFIX N MODULE AUP COUNTS.json");
        return ExitCode::from(2);
    };
    let expected: usize = n.parse().expect("N is a number");
    let seen: BTreeMap<String, BTreeMap<String, u64>> =
        serde_json::from_str(&std::fs::read_to_string(counts_file).expect("the counts file"))
            .expect("the counts file is JSON");
    let org_name = var("APP_ORG").unwrap_or_else(|| "demo".into());
    let org = OrgId::parse(&org_name).expect("APP_ORG");
    let (library, _) =
        safety_core::content::load_library_and_org(None, &org_name).expect("the content");
    let store = open_store();
    let mut problems: Vec<String> = Vec::new();

    // The learners.
    let everyone = people::list_all(&store, &org).await.expect("the people");
    let learners: Vec<_> = everyone
        .iter()
        .filter(|p| p.email.starts_with(prefix.as_str()))
        .collect();
    let active = learners.iter().filter(|p| p.active).count();
    println!(
        "load learners: {} in the store ({active} active), {} in the load tool's counts",
        learners.len(),
        seen.len()
    );
    if learners.len() != expected || active != expected {
        problems.push(format!(
            "{expected} active load learners expected, found {} ({active} active)",
            learners.len()
        ));
    }

    // Each learner's records against what the load tool saw answered.
    let module_item = ItemRef::module(module);
    let aup_item = ItemRef::aup(aup);
    let (mut completions, mut signatures, mut attempts, mut passes) = (0usize, 0usize, 0, 0);
    let (mut seen_quiz, mut seen_aup) = (0u64, 0u64);
    for p in &learners {
        let partition = keys::learning_partition(&org, &p.id);
        let history = |item: &ItemRef| {
            Some(format!(
                "{}{}#",
                keys::LEARNING_HISTORY_PREFIX,
                item.key_part()
            ))
        };
        let done = all(&store, partition.clone(), history(&module_item)).await;
        let c = done
            .iter()
            .filter(|i| record::is::<CompletionRecord>(i))
            .count();
        let signed = all(&store, partition.clone(), history(&aup_item)).await;
        let s = signed
            .iter()
            .filter(|i| record::is::<AupSignatureRecord>(i))
            .count();
        let tried = all(
            &store,
            partition,
            Some(format!("{}{module}#", keys::LEARNING_ATTEMPT_PREFIX)),
        )
        .await;
        let graded: Vec<QuizAttemptRecord> = tried
            .iter()
            .filter(|i| record::is::<QuizAttemptRecord>(i))
            .map(|i| record::from_item(i).expect("an attempt record"))
            .collect();
        let passed = graded
            .iter()
            .filter(|a| a.attempt.score >= a.attempt.pass_mark)
            .count();
        let mine = seen.get(&p.email).cloned().unwrap_or_default();
        let quiz = mine.get("quiz").copied().unwrap_or(0);
        let aup_signs = mine.get("aup").copied().unwrap_or(0);
        seen_quiz += quiz;
        seen_aup += aup_signs;
        if quiz == 0 || aup_signs == 0 {
            problems.push(format!(
                "{}: the load tool saw {quiz} quiz submissions and {aup_signs} AUP signs answered (at least one of each expected)",
                p.email
            ));
        }
        if c != 1 {
            problems.push(format!(
                "{}: {c} completions of {module} (1 expected)",
                p.email
            ));
        }
        if s != 1 {
            problems.push(format!("{}: {s} signatures of {aup} (1 expected)", p.email));
        }
        if graded.len() as u64 != quiz {
            problems.push(format!(
                "{}: {} graded attempts stored, {quiz} submissions answered",
                p.email,
                graded.len()
            ));
        }
        if passed != graded.len() {
            problems.push(format!(
                "{}: {} of {} attempts passed (every one was sent with the right answers)",
                p.email,
                passed,
                graded.len()
            ));
        }
        completions += c;
        signatures += s;
        attempts += graded.len();
        passes += passed;
    }
    println!(
        "records: {completions} completions of {module}, {signatures} signatures of {aup}, \
         {attempts} graded quiz attempts ({passes} passed); the load tool saw {seen_quiz} quiz \
         submissions and {seen_aup} AUP signs answered"
    );

    // The counters against a recount from the records.
    let (computed, people_counted, states) = compliance::computed_counters(&store, &library, &org)
        .await
        .expect("the recount");
    let computed: BTreeMap<_, _> = computed.values().filter_map(counters).collect();
    let stored: BTreeMap<_, _> = all(&store, keys::aggregates(&org), None)
        .await
        .iter()
        .filter_map(counters)
        .collect();
    if stored == computed {
        println!(
            "counters: the {} stored aggregates equal a recount from the records ({people_counted} active people, {states} counted states)",
            stored.len()
        );
    } else {
        for key in computed.keys().chain(stored.keys()) {
            if computed.get(key) != stored.get(key) {
                problems.push(format!(
                    "counter {}/{}: stored {:?}, recounted {:?}",
                    key.pk,
                    key.sk,
                    stored.get(key),
                    computed.get(key)
                ));
            }
        }
    }
    let computed = compliance::computed_standings(&store, &library, &org)
        .await
        .expect("the recount of the lists' index");
    let mut stored = BTreeMap::new();
    for item in library_items(&library) {
        for i in all(&store, keys::standings(&org, &item.key_part()), None).await {
            stored.insert(Key::of(&i).expect("a key"), i);
        }
    }
    if stored == computed {
        println!(
            "lists' index: the {} stored entries equal a recount from the records",
            stored.len()
        );
    } else {
        let differ = computed
            .keys()
            .chain(stored.keys())
            .filter(|k| computed.get(*k) != stored.get(*k))
            .count();
        problems.push(format!(
            "the lists' index differs from a recount in {differ} entries ({} stored, {} recounted)",
            stored.len(),
            computed.len()
        ));
    }

    // What the dashboard reads for the load learners' cohort.
    let cohorts: Vec<Cohort> = {
        let mut c: Vec<Cohort> = learners.iter().map(|p| Cohort::of(*p)).collect();
        c.sort_by_key(Cohort::id);
        c.dedup_by_key(|c| c.id());
        c
    };
    if let [cohort] = cohorts.as_slice() {
        let people = store
            .get(&keys::people_aggregate(&org, &cohort.id()))
            .await
            .expect("a read")
            .and_then(|i| AggregateRecord::read(&i))
            .and_then(|r| r.people)
            .unwrap_or(0);
        let module_done = done_counts(&store, &org, &module_item, cohort).await;
        let aup_done = done_counts(&store, &org, &aup_item, cohort).await;
        println!(
            "dashboard counters of the load learners' cohort: {people} people; {module}: {module_done:?}; {aup}: {aup_done:?}"
        );
        let total = |m: &BTreeMap<String, i64>| m.values().sum::<i64>();
        if people != expected as i64
            || total(&module_done) != expected as i64
            || total(&aup_done) != expected as i64
        {
            problems.push(format!(
                "the cohort's counters are not {expected} people, {expected} done and {expected} signed"
            ));
        }
    } else {
        problems.push(format!(
            "the load learners are in {} cohorts (1 expected)",
            cohorts.len()
        ));
    }

    if problems.is_empty() {
        println!(
            "check: no lost or duplicated completions or signatures; counters equal the records"
        );
        ExitCode::SUCCESS
    } else {
        for p in problems.iter().take(50) {
            println!("PROBLEM: {p}");
        }
        println!("check: {} problems", problems.len());
        ExitCode::from(1)
    }
}
