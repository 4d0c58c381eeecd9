//! Figures for the DSL's compliance view at scale (a benchmark, not a test): a generated
//! organisation of 5,000 learners and 300 staff with several years of history and several
//! module versions; then the dashboard (store round trips, items read, server time), the list
//! behind one number, and the completion CSV export, on the embedded store, and on DynamoDB when
//! `DYNAMODB_ENDPOINT` is set (e.g. DynamoDB Local: a fresh table is created).
//!
//! `cargo run --release -p safety-core --example compliance_figures` (scripts/bench.sh runs it).
//! `FIGURES_LEARNERS` / `FIGURES_STAFF` change the size.

mod stores;

use chrono::{DateTime, Duration, Utc};
use safety_core::compliance::{self, Filter, Standing};
use safety_core::content::Library;
use safety_core::export::csv::CsvWriter;
use safety_core::export::{self, Matrix};
use safety_core::identity::{Person, import, people};
use safety_core::keys;
use safety_core::learning::{Required, Setting};
use safety_core::learning_state::{
    AupState, Completion, ItemRef, ModuleState, Signature, StateBody, StoredState,
};
use safety_core::org::OrgId;
use safety_core::roles::Role;
use safety_core::store::counting::CountingStore;
use safety_core::store::{Condition, Store, TxOp};
use serde_json::json;
use std::time::Instant;

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    stores::on_each_store("compliance-figures", |name, store| {
        run(name, CountingStore::new(store))
    })
    .await;
}

/// A version of the content's `current` some years back: older majors and minors.
fn version_back(current: &str, years: i64) -> String {
    let mut parts: Vec<u64> = current.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    parts.resize(3, 0);
    match years {
        0 => current.to_string(),
        1 => format!("{}.{}.0", parts[0], parts[1].saturating_sub(1)),
        _ => format!("{}.0.0", parts[0].saturating_sub(1)),
    }
}

/// The writes of one person's history: for staff a completion (signature) each of `years`
/// years, the latest in the state; learners one, or reading in progress, or nothing.
fn history_ops(setting: &Setting<'_>, person: &Person, n: usize, now: DateTime<Utc>) -> Vec<TxOp> {
    let org = &person.org;
    let required = Required::of(setting, person);
    let staff = person.roles.contains(&Role::Staff);
    let mut ops = Vec::new();
    for (i, page) in required.modules.iter().enumerate() {
        let item = ItemRef::module(&page.id);
        let pick = (n * 7 + i * 13) % 20;
        let mut m = ModuleState::default();
        if pick < 2 {
            continue; // not started
        }
        if pick < 5 {
            m.section = 1;
            m.sections_reached = 2;
            m.reading_version = Some(page.version.clone());
        } else {
            let years = if staff { 3 } else { 1 };
            for y in (0..years).rev() {
                // Staff renew yearly; some are a few weeks late, so some are expired or due.
                let at = now - Duration::days(365 * y + ((n * 31 + i * 17) % 400) as i64);
                let version = version_back(&page.version, if pick < 8 { 1 } else { y });
                let c = Completion {
                    person_id: person.id.clone(),
                    module_id: page.id.clone(),
                    module_version: version,
                    score: 6,
                    out_of: 6,
                    attempts: 1,
                    attempt_id: format!("{}-{y}", person.id),
                    completed_at: safety_core::store::timestamp(at),
                    valid_until: staff.then(|| {
                        safety_core::store::timestamp(safety_core::dates::add_months(at, 12))
                    }),
                    certificate_code: format!("C{n:07}{i:02}{y}"),
                };
                ops.push(TxOp::Put {
                    item: keys::learning_history(
                        org,
                        &person.id,
                        &item.key_part(),
                        &c.completed_at,
                        &c.attempt_id,
                    )
                    .item(json!({ "type": "completion", "completion": c })),
                    condition: Condition::Always,
                });
                m.attempts += 1;
                m.best_score = Some(6);
                m.last_score = Some(6);
                m.completion = Some(c);
            }
        }
        let state = StoredState {
            item,
            rev: None,
            body: StateBody::Module(m),
        };
        ops.push(TxOp::Put {
            item: state.to_item(org, &person.id),
            condition: Condition::Always,
        });
    }
    for (i, page) in required.aups.iter().enumerate() {
        if (n + i).is_multiple_of(10) {
            continue; // never signed
        }
        let at = now - Duration::days(((n * 11 + i * 5) % 330) as i64);
        let s = Signature {
            signature_id: format!("{}-aup-{i}", person.id),
            aup_id: page.id.clone(),
            version: version_back(&page.version, (n + i).is_multiple_of(7) as i64),
            sha256: "0".repeat(64),
            typed_name: person.name.clone(),
            signer_id: person.id.clone(),
            signed_at: safety_core::store::timestamp(at),
            valid_until: staff
                .then(|| safety_core::store::timestamp(safety_core::dates::add_months(at, 12))),
        };
        let item = ItemRef::aup(&page.id);
        ops.push(TxOp::Put {
            item: keys::learning_history(
                org,
                &person.id,
                &item.key_part(),
                &s.signed_at,
                &s.signature_id,
            )
            .item(json!({ "type": "aup_signature", "signature": s })),
            condition: Condition::Always,
        });
        let state = StoredState {
            item,
            rev: None,
            body: StateBody::Aup(AupState {
                signature: Some(s),
                cosignature: None,
            }),
        };
        ops.push(TxOp::Put {
            item: state.to_item(org, &person.id),
            condition: Condition::Always,
        });
    }
    ops
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn timed<S: Store, T, F: AsyncFn() -> T>(
    store: &CountingStore<S>,
    runs: usize,
    f: F,
) -> (f64, f64, usize, T) {
    let mut times = Vec::new();
    let mut last = None;
    let before = store.reads();
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f().await);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let reads = (store.reads() - before) / runs;
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (pct(&times, 0.5), pct(&times, 0.99), reads, last.unwrap())
}

async fn run<S: Store>(name: &str, store: CountingStore<S>) {
    let learners = size("FIGURES_LEARNERS", 5_000);
    let staff = size("FIGURES_STAFF", 300);
    let library: &'static Library = Box::leak(Box::new(
        safety_core::content::load_embedded().expect("the content"),
    ));
    let mut profile = library.org("demo").expect("the demo profile").clone();
    profile.id = OrgId::parse("figures").unwrap();
    let org = profile.id.clone();
    let setting = Setting {
        library,
        profile: &profile,
    };
    let now = Utc::now();

    // People: an import, as an admin would.
    let started = Instant::now();
    // Two files: one import takes at most 5,000 rows.
    let mut learners_csv = String::from("email,name,roles,groups\n");
    for n in 0..learners {
        learners_csv.push_str(&format!(
            "l{n}@figures.example.org,Learner {n:05},learner,Year {};Site {}\n",
            7 + n % 5,
            ["A", "B"][n % 2]
        ));
    }
    let mut staff_csv = String::from("email,name,roles,groups\n");
    for n in 0..staff {
        let roles = match n {
            0 => "staff;dsl",
            1 | 2 => "staff;deputy dsl",
            _ => "staff",
        };
        staff_csv.push_str(&format!(
            "s{n}@figures.example.org,Staff {n:04},{roles},Site {}\n",
            ["A", "B"][n % 2]
        ));
    }
    // A new organisation, as created on AWS: its profile marks the lists' index built, so the
    // import writes each person's "not started" entries.
    safety_core::tenancy::profile::seed(&store, &profile, &library.pages, "figures", now)
        .await
        .expect("the profile");
    let (mut transactions, mut written) = (0, 0);
    for file in [learners_csv, staff_csv] {
        let preview = import::preview(&store, &org, &file).await.expect("preview");
        let result = import::apply(&store, &org, &preview, now, |_, _| {})
            .await
            .expect("import");
        transactions += result.store_writes;
        written += result.items_written;
    }
    println!(
        "FIGURE compliance {name}: {} people imported in {:.1} s ({transactions} transactions, {written} items written)",
        learners + staff,
        started.elapsed().as_secs_f64()
    );
    let mut everyone = Vec::new();
    let mut cursor = None;
    loop {
        let (page, next) = people::list(&store, &org, cursor, people::MAX_PAGE)
            .await
            .expect("people");
        everyone.extend(page);
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    // Histories, written directly (a benchmark's data, not a learning journey), then the
    // counters built from them as a first start would.
    let mut ops = Vec::new();
    let mut items = 0;
    for (n, p) in everyone.iter().enumerate() {
        ops.extend(history_ops(&setting, p, n, now));
        if ops.len() >= 25 {
            items += ops.len();
            store
                .transact(std::mem::take(&mut ops))
                .await
                .expect("write");
        }
    }
    items += ops.len();
    if !ops.is_empty() {
        store.transact(ops).await.expect("write");
    }
    let t = Instant::now();
    let before = store.reads();
    let rebuilt = compliance::rebuild(&store, library, &org, now)
        .await
        .expect("rebuild");
    println!(
        "FIGURE compliance {name}: {} people, {items} learning items written, generated in {:.1} s; \
         counters rebuilt from the records in {:.1} s ({} reads, {} counter items)",
        everyone.len(),
        started.elapsed().as_secs_f64(),
        t.elapsed().as_secs_f64(),
        store.reads() - before,
        rebuilt.aggregates
    );

    let runs = 20;
    let all = Filter::default();
    let (p50, p99, reads, d) = timed(&store, runs, async || {
        compliance::dashboard(&store, &setting, &all, now)
            .await
            .unwrap()
    })
    .await;
    let assigned: u64 = d.items.iter().map(|i| i.assigned).sum();
    let overdue: u64 = d.items.iter().map(|i| i.overdue()).sum();
    println!(
        "FIGURE compliance {name}: dashboard, everyone: p50 {p50:.1} ms, p99 {p99:.1} ms, {reads} round trip(s), {} counter items read ({} people, {} items, {assigned} assignments, {overdue} overdue)",
        d.items_read,
        d.people,
        d.items.len()
    );
    let year9 = Filter {
        group: Some("Year 9".into()),
        ..Filter::default()
    };
    let (p50, p99, reads, d) = timed(&store, runs, async || {
        compliance::dashboard(&store, &setting, &year9, now)
            .await
            .unwrap()
    })
    .await;
    println!(
        "FIGURE compliance {name}: dashboard, group Year 9: p50 {p50:.1} ms, p99 {p99:.1} ms, {reads} round trip(s), {} counter items read ({} people)",
        d.items_read, d.people
    );
    let staff_module = ItemRef::module("staff-filtering-and-monitoring");
    let (p50, _, reads, listed) = timed(&store, 3, async || {
        compliance::people_in(
            &store,
            &setting,
            &staff_module,
            Some(Standing::Expired),
            &all,
            now,
        )
        .await
        .unwrap()
    })
    .await;
    println!(
        "FIGURE compliance {name}: the list behind one number (staff module, expired: {} people): p50 {p50:.1} ms, {reads} round trips (the index of states by item and counter)",
        listed.len()
    );
    let (p50, _, reads, everyone_read) = timed(&store, 3, async || {
        compliance::people_in_by_reading_everyone(
            &store,
            &setting,
            &staff_module,
            Some(Standing::Expired),
            &all,
            now,
        )
        .await
        .unwrap()
    })
    .await;
    assert_eq!(listed, everyone_read, "the index agrees with the people");
    println!(
        "FIGURE compliance {name}: the same list by reading every person (as before the index): p50 {p50:.1} ms, {reads} round trips (people list + the module's state lists)"
    );
    let learner_module = ItemRef::module("four-cs-of-online-risk");
    for wanted in [
        Standing::InDate,
        Standing::InProgress,
        Standing::NewVersionDue,
        Standing::NotStarted,
    ] {
        let (p50, _, reads, listed) = timed(&store, 3, async || {
            compliance::people_in(&store, &setting, &learner_module, Some(wanted), &all, now)
                .await
                .unwrap()
        })
        .await;
        println!(
            "FIGURE compliance {name}: the list behind one number ({}, {}: {} people): p50 {p50:.1} ms, {reads} round trips",
            learner_module.id,
            wanted.as_str(),
            listed.len()
        );
    }

    // A module added to the content in a new release: its "not started" entries are built for
    // everyone (the reminders run does it), in transactions of many people.
    let mut built = safety_core::counters::standings_built(&store, &org)
        .await
        .unwrap()
        .unwrap();
    built
        .not_started
        .retain(|i| *i != learner_module.key_part());
    store
        .put(
            safety_core::store::record::to_item(&keys::standings_built(&org), &built),
            Condition::Always,
        )
        .await
        .unwrap();
    let (t, reads, writes) = (Instant::now(), store.reads(), store.writes());
    let entries = compliance::index_new_items(&store, library, &org, now)
        .await
        .unwrap();
    println!(
        "FIGURE compliance {name}: a module added to the content: {entries} \"not started\" entries built in {:.2} s ({} reads, {} writes)",
        t.elapsed().as_secs_f64(),
        store.reads() - reads,
        store.writes() - writes
    );

    // The completion CSV, as the handler writes it: the standings, then page by page.
    let (p50, _, reads, (rows, bytes)) = timed(&store, 3, async || {
        let matrix = Matrix::load(&store, setting, &org, now).await.unwrap();
        let mut w = CsvWriter::new();
        matrix.write_header(&mut w);
        let mut rows = 0;
        let mut cursor = None;
        loop {
            let (page, next) = export::people_page(&store, &org, cursor).await.unwrap();
            rows += matrix.write_rows(&page, &mut w);
            match next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        (rows, w.finish().len())
    })
    .await;
    println!(
        "FIGURE compliance {name}: completion CSV export: {rows} rows, {:.1} MB, p50 {p50:.0} ms, {reads} round trips (no scan: a query per MB of each item's state lists and of the people list)",
        bytes as f64 / 1_048_576.0
    );
}
