//! Figures for organisations running themselves (a benchmark, not a test): what a page view
//! costs to find its organisation's content (the common case, after the refresh interval,
//! after a change), and what publishing a major version of the staff AUP costs for an
//! organisation of 2,000 staff who all signed the old one, and what the dashboard says after.
//! On the embedded store, and on DynamoDB when `DYNAMODB_ENDPOINT` is set.
//!
//! `cargo run --release -p safety-core --example tenancy_figures` (scripts/bench.sh runs it).
//! `FIGURES_STAFF` changes the size.

mod stores;

use chrono::Utc;
use safety_core::compliance::{self, Filter, Standing};
use safety_core::content;
use safety_core::identity::{import, people};
use safety_core::learning::{self, AupDocument, Setting, SignAup};
use safety_core::learning_state::ItemRef;
use safety_core::org::OrgId;
use safety_core::store::Store;
use safety_core::store::counting::CountingStore;
use safety_core::tenancy::policies::{self, Change, Draft};
use safety_core::tenancy::{Author, BaseContent, Directory, profile};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    stores::on_each_store("tenancy-figures", |name, store| {
        run(name, Arc::new(CountingStore::new(store)))
    })
    .await;
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn run<S: Store>(name: &str, store: Arc<CountingStore<S>>) {
    let staff: usize = std::env::var("FIGURES_STAFF")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let files = content::embedded_files();
    let library = Arc::new(content::load(files.clone()).expect("the content"));
    let base = Arc::new(BaseContent {
        files,
        library: library.clone(),
    });
    let mut seed = library.org("demo").unwrap().clone();
    seed.id = OrgId::parse("figures").unwrap();
    let org = seed.id.clone();
    let now = Utc::now();
    profile::seed(&store, &seed, &library.pages, "figures", now)
        .await
        .expect("seed");

    // 2,000 staff, each having signed the staff AUP.
    let started = Instant::now();
    let mut csv = String::from("email,name,roles,groups\n");
    for n in 0..staff {
        csv.push_str(&format!("s{n}@figures.example.org,Staff {n:05},staff,\n"));
    }
    let preview = import::preview(&store, &org, &csv).await.expect("preview");
    import::apply(&store, &org, &preview, now, |_, _| {})
        .await
        .expect("import");
    let setting = Setting {
        library: &library,
        profile: &seed,
    };
    let mut cursor = None;
    let mut signed = 0;
    loop {
        let (page, next) = people::list(&store, &org, cursor, people::MAX_PAGE)
            .await
            .expect("people");
        for p in &page {
            let doc = AupDocument::for_person(&setting, p, "staff-aup").unwrap();
            let form = SignAup {
                aup_id: doc.id.clone(),
                version: doc.version.clone(),
                sha256: doc.sha256.clone(),
                typed_name: p.name.clone(),
                declaration: true,
            };
            learning::sign_aup(&store, &setting, p, &form, now)
                .await
                .expect("sign");
            signed += 1;
        }
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    println!(
        "FIGURE tenancy {name}: {staff} staff imported and {signed} staff AUP signatures in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Finding the organisation's content for a page view.
    let directory = Directory::new(
        store.clone(),
        base.clone(),
        Some(org.clone()),
        Duration::from_secs(3600),
        |c| c.library.pages.len(),
    );
    let expired = Directory::new(store.clone(), base.clone(), None, Duration::ZERO, |c| {
        c.library.pages.len()
    });
    let reads = store.reads();
    let t = Instant::now();
    directory.get(&org).await.unwrap().unwrap();
    let first = (ms(t.elapsed()), store.reads() - reads);
    expired.get(&org).await.unwrap().unwrap();
    let runs = 1000;
    let reads = store.reads();
    let t = Instant::now();
    for _ in 0..runs {
        directory.get(&org).await.unwrap().unwrap();
    }
    let cached = (
        ms(t.elapsed()) / runs as f64 * 1000.0,
        (store.reads() - reads) / runs,
    );
    let reads = store.reads();
    let t = Instant::now();
    for _ in 0..runs {
        expired.get(&org).await.unwrap().unwrap();
    }
    let checked = (
        ms(t.elapsed()) / runs as f64,
        (store.reads() - reads) / runs,
    );
    println!(
        "FIGURE tenancy {name}: a page view's organisation content: cached {:.2} µs and {} store round trips; \
         once per refresh interval {:.2} ms and {} round trip (the stamp); first load {:.1} ms and {} round trips",
        cached.0, cached.1, checked.0, checked.1, first.0, first.1
    );

    // Publishing a major version of the staff AUP.
    let text = policies::text_now(&base, &[], "aups/staff-aup.md")
        .unwrap()
        .replace(
            "## About this policy",
            "## About this policy\n\nPersonal phones stay out of classrooms.",
        );
    let draft = Draft {
        path: "aups/staff-aup.md".into(),
        text,
        change: Change::Major,
        summary: "Personal phones stay out of classrooms.".into(),
    };
    let author = Author {
        id: "figures-admin".into(),
        name: "Figures Admin".into(),
    };
    let (reads, writes) = (store.reads(), store.writes());
    let t = Instant::now();
    let published = policies::publish(&store, &base, &seed, &draft, &author, now)
        .await
        .expect("publish");
    println!(
        "FIGURE tenancy {name}: publishing staff AUP {} (major) for {staff} staff: {:.1} ms, {} reads, {} writes (the same for any number of people: who must sign again is read from the counters)",
        published.version,
        ms(t.elapsed()),
        store.reads() - reads,
        store.writes() - writes
    );
    let reads = store.reads();
    let t = Instant::now();
    let reloaded = expired.get(&org).await.unwrap().unwrap();
    println!(
        "FIGURE tenancy {name}: the next page view after it: {:.1} ms, {} round trips (stamp, profile, own versions, deployment entry; the content check of {} pages)",
        ms(t.elapsed()),
        store.reads() - reads,
        reloaded
    );
    let own = policies::current(&store, &org).await.unwrap();
    let lib = policies::org_library(&base.files, &own).unwrap();
    let setting = Setting {
        library: &lib,
        profile: &seed,
    };
    let t = Instant::now();
    let d = compliance::dashboard(&store, &setting, &Filter::default(), now)
        .await
        .unwrap();
    let aup = d
        .items
        .iter()
        .find(|i| i.item == ItemRef::aup("staff-aup"))
        .unwrap();
    println!(
        "FIGURE tenancy {name}: dashboard after it: {:.1} ms; staff AUP {}: {} of {} to sign the new version, {} done",
        ms(t.elapsed()),
        aup.version,
        aup.count(Standing::NewVersionDue),
        aup.assigned,
        aup.done()
    );
    assert_eq!(aup.count(Standing::NewVersionDue) as usize, staff);
}
