//! The `web` function (the binary in `main.rs` calls [`run`]). One binary:
//! * under AWS Lambda (when `AWS_LAMBDA_RUNTIME_API` is set) it serves through `lambda_http`;
//! * otherwise it serves HTTP on `APP_BIND` (default 127.0.0.1:3000): the local platform.
//!
//! `web create-table` creates the DynamoDB table (for DynamoDB Local and tests).
//! `web add-admin <email> <name>` adds an administrator to the organisation (`APP_ORG`) in the
//! configured store: the first person of a new deployment (infra/README.md).
//! `web create-org <profile.toml> <admin email> <admin name> [host...]` creates another
//! organisation on the same deployment: its profile (the file is its seed), the host names it
//! is served at, and its first administrator.

mod admin;
mod after_answer;
mod assets;
mod auth;
mod compliance;
mod concerns;
mod config;
mod edge;
mod exports;
mod family;
mod learning;
#[cfg(feature = "local")]
mod notifier;
mod organisation;
mod policies;
mod records;
#[cfg(feature = "local")]
mod reminders;
mod reports;
mod retention;
mod routes;
#[cfg(feature = "local")]
mod seed;
mod sso;
mod transfer;
mod worries;

use app::server::SiteState;
use config::{Config, StoreConfig};
use safety_core::mail::AnyMailer;
use safety_core::store::AnyStore;
use safety_core::store::dynamo::DynamoStore;
#[cfg(feature = "local")]
use safety_core::store::embedded::EmbeddedStore;
use std::sync::Arc;

/// The whole program: reads the configuration, then serves or runs the command named by the
/// first argument.
pub fn run() -> std::process::ExitCode {
    let started = std::time::Instant::now();
    // Under Lambda one sandbox answers one event at a time, so one thread does all the work:
    // a runtime of worker threads would only add their start and the hand-offs between them to
    // every cold start (as for notify and reminders, safety_core::function_main). A local server
    // answers many at once: a worker per core.
    let runtime = if safety_core::env::var("AWS_LAMBDA_RUNTIME_API").is_some() {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    }
    .enable_all()
    .build()
    .expect("tokio runtime");
    // The secrets first: on AWS they are read from Parameter Store once, at cold start (through
    // the Parameters and Secrets extension); a secret that cannot be read stops the start.
    let loaded = runtime
        .block_on(safety_core::secrets::Secrets::load())
        .and_then(|secrets| Config::from_env(&secrets).map(|config| (config, secrets)));
    let (config, secrets) = match loaded {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let config_ms = ms(started.elapsed());
    safety_core::function_main::init_tracing(config.log_json);
    tracing::info!(config_ms, "configuration and secrets read");
    let command = std::env::args().nth(1);
    let result = runtime.block_on(async {
        let _ = any_spawner::Executor::init_tokio();
        match command.as_deref() {
            None | Some("serve") => serve(config, secrets, started).await,
            #[cfg(feature = "local")]
            Some("create-table") => create_table().await,
            #[cfg(feature = "local")]
            Some("reminders") => reminders::once(config).await,
            #[cfg(feature = "local")]
            Some("add-admin") => add_admin(&config).await,
            #[cfg(feature = "local")]
            Some("create-org") => create_org(&config).await,
            #[cfg(feature = "local")]
            Some(other) => Err(format!(
                "unknown command `{other}`; use `serve` (default), `create-table`, `reminders`, `add-admin` or `create-org`"
            )),
            #[cfg(not(feature = "local"))]
            Some(other) => Err(format!(
                "unknown command `{other}`: this build only serves (built without the `local` feature, as for Lambda); the commands are in the default build"
            )),
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "stopped");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "local")]
async fn create_table() -> Result<(), String> {
    let cfg = safety_core::store::dynamo::DynamoConfig::from_env();
    let table = cfg.table.clone();
    let store = DynamoStore::from_env_config(cfg).map_err(|e| e.to_string())?;
    store.create_table().await.map_err(|e| e.to_string())?;
    tracing::info!(table, "table ready");
    Ok(())
}

/// `web add-admin <email> <name>`: adds an administrator to `APP_ORG` in the configured store
/// (on AWS: APP_STORE=dynamodb, APP_TABLE_NAME, AWS_REGION and credentials of someone allowed
/// to write the table). They then sign in with an emailed link and add everyone else under
/// People. Refused if the email address already belongs to someone.
#[cfg(feature = "local")]
async fn add_admin(config: &Config) -> Result<(), String> {
    use safety_core::identity::{NewPerson, people};
    use safety_core::roles::Role;
    let args: Vec<String> = std::env::args().skip(2).collect();
    let [email, name] = args.as_slice() else {
        return Err("usage: web add-admin <email> \"<full name>\"".into());
    };
    let store = open_store(&config.store).await?;
    let person = people::invite(
        &store,
        &config.org,
        &NewPerson {
            email: email.clone(),
            name: name.clone(),
            roles: vec![Role::Admin],
            groups: vec![],
        },
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| format!("{email} could not be added: {e}"))?;
    tracing::info!(org = %config.org, person_id = person.id, "administrator added: they can sign in now");
    Ok(())
}

/// `web create-org <profile.toml> <admin email> "<admin name>" [host...]`: a new organisation
/// on this deployment (a platform operator's command): its profile from the file (checked like
/// any profile; afterwards edited in the app), the host names it answers at (each serves one
/// organisation) and its first administrator, who signs in at its address and adds everyone
/// else. Refused, writing nothing, when the organisation or a host name exists.
#[cfg(feature = "local")]
async fn create_org(config: &Config) -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(2).collect();
    let [file, email, name, hosts @ ..] = args.as_slice() else {
        return Err(
            "usage: web create-org <profile.toml> <admin email> \"<admin full name>\" [host...]"
                .into(),
        );
    };
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let profile: safety_core::org::OrgProfile =
        toml::from_str(&text).map_err(|e| format!("{file}: {e}"))?;
    let (_, library) = config.content()?;
    let store = open_store(&config.store).await?;
    let org = profile.id.clone();
    let admin = safety_core::tenancy::hosts::create(
        &store,
        &library.pages,
        &safety_core::tenancy::hosts::NewOrganisation {
            profile,
            hosts: hosts.to_vec(),
            admin_email: email.clone(),
            admin_name: name.clone(),
        },
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| format!("the organisation could not be created: {e}"))?;
    println!(
        "created `{org}` with its administrator {} ({}); hosts: {}",
        admin.name,
        admin.email,
        if hosts.is_empty() {
            "none (served only as APP_ORG)".to_string()
        } else {
            hosts.join(", ")
        }
    );
    Ok(())
}

pub(crate) async fn open_store(config: &StoreConfig) -> Result<AnyStore, String> {
    match config {
        StoreConfig::Embedded { path } => open_embedded(path),
        StoreConfig::DynamoDb(cfg) => {
            let local = cfg.endpoint.is_some();
            let store = DynamoStore::from_env_config(cfg.clone()).map_err(|e| e.to_string())?;
            let making = std::time::Instant::now();
            if local {
                // DynamoDB Local starts empty: make the table so the run just works.
                store.create_table().await.map_err(|e| e.to_string())?;
            }
            // store_wait_ms: the waits on DynamoDB so far, all of them the table's creation
            tracing::info!(table = %cfg.table, endpoint = cfg.endpoint.as_deref().unwrap_or("aws"), create_table_ms = ms(making.elapsed()),
                store_wait_ms = ms(safety_core::store::dynamo::waited()), "dynamodb store");
            Ok(AnyStore::Dynamo(store))
        }
    }
}

/// The embedded store's file, made with its folder when new.
#[cfg(feature = "local")]
fn open_embedded(path: &std::path::Path) -> Result<AnyStore, String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let store = EmbeddedStore::open(path).map_err(|e| {
        if e.to_string().to_lowercase().contains("already open") {
            format!(
                "cannot open {}: another process (the local server?) has it open; \
                 the embedded store is one process's file: stop the server, or let it run \
                 the reminders itself (APP_REMINDERS_INTERVAL_SECS)",
                path.display()
            )
        } else {
            format!("cannot open {}: {e}", path.display())
        }
    })?;
    tracing::info!(path = %path.display(), "embedded store opened");
    Ok(AnyStore::Embedded(store))
}

/// The Lambda build (without the `local` feature) has no embedded store.
#[cfg(not(feature = "local"))]
fn open_embedded(path: &std::path::Path) -> Result<AnyStore, String> {
    Err(format!(
        "APP_STORE=embedded ({}): this build has no embedded store (built without the `local` feature, as for Lambda); use APP_STORE=dynamodb",
        path.display()
    ))
}

/// A duration in milliseconds, to 0.01 ms, for the start-up log lines (bench/lambda_cold_start.py
/// itemises a cold start from them).
fn ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 100_000.0).round() / 100.0
}

/// `https://example.org/path` -> `https://example.org`.
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    format!("{scheme}://{}", rest.split('/').next().unwrap_or_default())
}

/// The server made from a configuration, ready to answer: its routes, the listener (a local
/// run), and the tasks it runs beside the requests (the local notifier and reminders).
struct Prepared {
    app: axum::Router,
    listener: Option<tokio::net::TcpListener>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    after_answer: after_answer::AfterAnswer,
    org: safety_core::org::OrgId,
}

async fn serve(
    config: Config,
    secrets: safety_core::secrets::Secrets,
    started: std::time::Instant,
) -> Result<(), String> {
    let in_lambda = config.in_lambda;
    let reading = std::time::Instant::now();
    let read = startup(config, &secrets)?;
    let content_ms = ms(reading.elapsed());
    let prepared = prepare(read, None).await?;
    if in_lambda {
        tracing::info!(
            startup_ms = ms(started.elapsed()),
            content_ms,
            // how much of the start-up was spent waiting on DynamoDB's answers
            store_wait_ms = ms(safety_core::store::dynamo::waited()),
            "serving under AWS Lambda"
        );
        lambda_http::run(prepared.app)
            .await
            .map_err(|e| e.to_string())
    } else {
        let listener = prepared.listener.ok_or("no listener")?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        tracing::info!(
            startup_ms = started.elapsed().as_millis() as u64,
            org = %prepared.org,
            "listening on http://{addr}"
        );
        axum::serve(
            listener,
            prepared
                .app
                .into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
    }
}

/// A local server running inside this process (for tests): where it listens, and how to stop
/// it. Made from a configuration as `web serve` makes it.
pub struct Running {
    pub addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<()>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    after_answer: after_answer::AfterAnswer,
}

impl Running {
    /// Stops answering, ends its background tasks and waits until everything it held (the
    /// embedded store's file among them) is let go.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.server).await;
        self.after_answer.finish().await;
        for task in &self.tasks {
            task.abort();
        }
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

/// Starts a local server in this process on the current tokio runtime, from the configuration
/// in `vars` (read as the whole environment: see `safety_core::env::with_vars`). The
/// configuration must not ask for Lambda. `log_tag` names the server in its requests' spans
/// (`server`), so a test running several can tell their log lines apart.
pub async fn start(vars: &[(&str, String)], log_tag: Option<String>) -> Result<Running, String> {
    let _ = any_spawner::Executor::init_tokio();
    let startup = safety_core::env::with_vars(vars, || {
        let secrets = safety_core::secrets::Secrets::env_only();
        startup(Config::from_env(&secrets)?, &secrets)
    })?;
    if startup.config.in_lambda {
        return Err("an in-process server cannot run under Lambda".into());
    }
    let prepared = prepare(startup, log_tag).await?;
    let listener = prepared.listener.ok_or("no listener")?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = prepared.app;
    let server = tokio::spawn(async move {
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        })
        .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "the in-process server stopped");
        }
    });
    Ok(Running {
        addr,
        stop: Some(stop),
        server,
        tasks: prepared.tasks,
        after_answer: prepared.after_answer,
    })
}

/// What is read from the configuration before anything is opened: the content built into the
/// binary (or an organisation's own edited copy of it), the default organisation's seed profile
/// (its file, imported into the store once) and the single sign-on variables (every
/// organisation's client secrets: each site offers its own profile's providers that have one).
/// Read at once (the variables are read here), so an error stops the start.
struct Startup {
    config: Config,
    files: Vec<safety_core::content::SourceFile>,
    library: safety_core::content::Library,
    /// `content/organisations/<APP_ORG>.toml`, when there is one (an organisation created with
    /// `create-org` has none: its profile is in the store).
    seed: Option<safety_core::org::OrgProfile>,
    sso: safety_core::identity::sso::SsoSettings,
}

fn startup(config: Config, secrets: &safety_core::secrets::Secrets) -> Result<Startup, String> {
    let (files, library) = config.content()?;
    let seed = library.org(config.org.as_str()).cloned();
    let sso = config::sso_settings(secrets, &config.org, seed.as_ref())?;
    Ok(Startup {
        config,
        files,
        library,
        seed,
        sso,
    })
}

/// Everything `serve` does before answering: content, store, mail, state, seeding, the
/// background tasks and the routes.
async fn prepare(startup: Startup, log_tag: Option<String>) -> Result<Prepared, String> {
    let Startup {
        config,
        files,
        library,
        seed,
        sso,
    } = startup;
    let opening = std::time::Instant::now();
    let store = open_store(&config.store).await?;
    let store_ms = ms(opening.elapsed());
    // The default organisation's profile is imported from its file once; after that the store
    // (edited in the app) is the profile. On AWS this is also the first call of a cold start:
    // it opens the connection to DynamoDB during init, so the first request does not wait for
    // the TLS handshake (hundreds of milliseconds).
    let connecting = std::time::Instant::now();
    if let Some(seed) = &seed {
        let source = format!("content/organisations/{}.toml", seed.id);
        match safety_core::tenancy::profile::seed(
            &store,
            seed,
            &library.pages,
            &source,
            chrono::Utc::now(),
        )
        .await
        {
            Ok(true) => {
                tracing::info!(org = %seed.id, source, "organisation profile imported into the store")
            }
            Ok(false) => {}
            Err(e) => return Err(format!("the profile {source} could not be imported: {e}")),
        }
    }
    let connect_ms = ms(connecting.elapsed());
    let assets = assets::AssetFiles::load(&config.site_dir, !config.in_lambda);
    // One client (one connection pool) for every outgoing call: SES, single sign-on.
    let http = safety_core::http_client::HttpClient::new();
    let mailer: Option<Arc<AnyMailer>> = config
        .mail
        .as_ref()
        .map(|mail| Arc::new(mail.mailer(http.clone())));
    let wake_notifier = Arc::new(tokio::sync::Notify::new());
    let notifier_runs = config.notify_every.is_some() && mailer.is_some();
    let on_worry_stored: Arc<dyn Fn() + Send + Sync> = if notifier_runs {
        let wake = wake_notifier.clone();
        Arc::new(move || wake.notify_one())
    } else {
        Arc::new(|| {})
    };
    let sites = app::server::sites(
        app::server::Shared {
            store: store.clone(),
            secret: config.secret.clone(),
            assets: assets.urls.clone(),
            sso,
            worry_limit_per_address: config.worry_limit,
            on_worry_stored,
        },
        Arc::new(safety_core::tenancy::BaseContent {
            files,
            library: Arc::new(library),
        }),
        Some(config.org.clone()),
        config.content_refresh,
    );
    // The default organisation's site, built now so the first request reads nothing more.
    let reading_org = std::time::Instant::now();
    let site = match sites.get(&config.org).await {
        Ok(Some(site)) => SiteState::from_arc(site),
        Ok(None) => {
            return Err(format!(
                "no organisation `{}`: no content/organisations/{}.toml and no profile in the store (create it with `web create-org`)",
                config.org, config.org
            ));
        }
        Err(e) => return Err(format!("the organisation could not be read: {e}")),
    };
    tracing::info!(
        store_ms,
        connect_ms,
        org_ms = ms(reading_org.elapsed()),
        org = %config.org,
        "store opened and the organisation read during start-up"
    );
    if mailer.is_none() && !config.in_lambda {
        tracing::error!(
            "no mail is configured (APP_MAIL_FROM for SES, or APP_OUTBOX_DIR): sign-in links wait in the store until it is"
        );
    }
    // Locally, listen first: the links in emails name the address actually bound (APP_BIND may
    // ask for port 0), and never a request's Host header.
    let listener = if config.in_lambda {
        None
    } else {
        Some(
            tokio::net::TcpListener::bind(config.bind)
                .await
                .map_err(|e| {
                    format!(
                        "cannot listen on {}: {e} (set APP_BIND to use another address)",
                        config.bind
                    )
                })?,
        )
    };
    let link_base = match (&config.base_url, &listener) {
        (Some(base), _) => base.clone(),
        (None, Some(l)) => format!("http://{}", l.local_addr().map_err(|e| e.to_string())?),
        (None, None) => config.links().base_url,
    };
    #[cfg(feature = "local")]
    let links = safety_core::mail::Links {
        base_url: link_base.clone(),
    };
    let after_answer = after_answer::AfterAnswer::default();
    let state = routes::AppState {
        sites: sites.clone(),
        assets: Arc::new(assets),
        hsts: config
            .base_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://")),
        public_origin: config.base_url.as_deref().map(origin_of),
        link_base,
        session_keys: Arc::new(config.session_keys),
        local_mailer: mailer.clone().filter(|_| !config.in_lambda),
        after_answer: after_answer.clone(),
        secure_cookies: config.in_lambda
            || config
                .base_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://")),
        sso_cache: Arc::new(safety_core::identity::sso::ProviderCache::new(http)),
        origin_verify: routes::OriginVerify::new(&config.origin_verify),
        log_tag: log_tag.map(Arc::from),
    };
    #[cfg(feature = "local")]
    if config.seed_demo_people {
        seed::demo_people(&site).await;
    }
    #[cfg(not(feature = "local"))]
    if config.seed_demo_people {
        tracing::error!(
            "APP_DEMO_PEOPLE: this build has no demo people (built without the `local` feature)"
        );
    }
    if !config.in_lambda {
        // Counters for records written before they existed (a data folder from an older
        // version). On AWS a new table starts with none and every write keeps them; see
        // infra/README.md for rebuilding them.
        match safety_core::compliance::ensure_counters(
            &site.store,
            &site.library,
            &site.org_id,
            chrono::Utc::now(),
        )
        .await
        {
            Ok(Some(r)) => tracing::info!(
                people = r.people,
                states = r.states,
                "compliance counters built"
            ),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "the compliance counters could not be built"),
        }
        // The same for the safeguarding reports' entries of worries stored before them.
        if let Err(e) = safety_core::worry::report_entry::ensure_built(
            &site.store,
            &site.org_id,
            chrono::Utc::now(),
        )
        .await
        {
            tracing::error!(error = %e, "the report entries could not be made");
        }
    }
    #[cfg_attr(not(feature = "local"), allow(unused_mut))]
    let mut tasks = Vec::new();
    #[cfg(feature = "local")]
    match (config.notify_every, &mailer) {
        (Some(every), Some(mailer)) => tasks.push(notifier::spawn(
            sites.clone(),
            mailer.clone(),
            links.clone(),
            every,
            wake_notifier,
        )),
        (Some(_), None) => tracing::error!(
            "no mail is configured: worry notifications wait in the store until it is"
        ),
        (None, _) => tracing::info!(
            "no local notifier (APP_NOTIFY_INTERVAL_SECS=0, or on AWS): the notify function delivers worry notifications"
        ),
    }
    #[cfg(feature = "local")]
    match (config.reminders_every, &mailer) {
        (Some(every), Some(mailer)) => tasks.push(reminders::spawn(
            sites.clone(),
            mailer.clone(),
            links,
            every,
        )),
        (Some(_), None) => tracing::error!("no mail is configured: no reminders are sent"),
        (None, _) => {}
    }
    #[cfg(not(feature = "local"))]
    if config.notify_every.is_some() || config.reminders_every.is_some() {
        tracing::error!(
            "this build has no local notifier or reminders (built without the `local` feature): the notify and reminders functions do that work"
        );
    }
    Ok(Prepared {
        app: routes::router(state),
        listener,
        tasks,
        after_answer,
        org: config.org,
    })
}
