//! What the three function binaries (`web`, `notify`, `reminders`) share around their own code:
//! the log setup, and for the two event-driven functions the Lambda runtime loop. Behind the
//! `function-main` feature, so the core library itself needs neither tracing-subscriber nor
//! lambda_runtime.

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde::Deserialize;
use serde_json::Value;
use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;

/// Logs to stdout: one JSON object per line (`json`: what CloudWatch Logs and the alarms'
/// readers want, each line carrying the Lambda request id of its span), or compact text for a
/// terminal. `RUST_LOG` filters (default `info`).
pub fn init_tracing(json: bool) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    if json {
        json_subscriber(std::io::stdout).init();
    } else {
        tracing_subscriber::fmt()
            .with_target(false)
            .compact()
            .finish()
            .with(log_filter())
            .init();
    }
}

/// The JSON log format of the functions on AWS (`APP_LOG=json`), written to `writer`: one
/// object per line, the message in `fields.message` (what infra/template.yaml's metric
/// filters match), the current span and its parents. `init_tracing(true)` installs it on
/// stdout; tests capture exactly these lines with a writer of their own.
pub fn json_subscriber<W>(writer: W) -> impl tracing::Subscriber + Send + Sync + 'static
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    use tracing_subscriber::layer::SubscriberExt;
    tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_writer(writer)
        .finish()
        .with(log_filter())
}

/// `RUST_LOG`: a level, and levels for targets (`warn`, `info,web=debug`); default `info`.
/// `Targets` rather than `EnvFilter`: the same syntax less the span and field filters, which
/// nothing here uses, and without a regex engine in every function's package (issue 23).
fn log_filter() -> tracing_subscriber::filter::Targets {
    parse_log_filter(crate::env::var("RUST_LOG").as_deref())
}

fn parse_log_filter(spec: Option<&str>) -> tracing_subscriber::filter::Targets {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    spec.filter(|s| !s.trim().is_empty())
        .and_then(|s| s.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO))
}

/// A scheduled event (only the fields used here): an EventBridge rule's, or the JSON that
/// infra/template.yaml gives EventBridge Scheduler to send, which has the same two fields and
/// Scheduler's time and execution id.
#[derive(Debug, Deserialize)]
pub struct ScheduledEvent {
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    pub source: String,
    /// When the run was due (for the log line).
    #[serde(default)]
    pub time: Option<String>,
    /// The scheduler's id of this attempt (for the log line).
    #[serde(default)]
    pub id: Option<String>,
}

impl ScheduledEvent {
    /// Accepts a scheduled event and nothing else.
    pub fn parse(value: Value) -> Result<ScheduledEvent, String> {
        let event: ScheduledEvent = serde_json::from_value(value)
            .map_err(|e| format!("not an EventBridge scheduled event: {e}"))?;
        if event.detail_type != "Scheduled Event" {
            return Err(format!(
                "an EventBridge event of type `{}`: only scheduled events are handled",
                event.detail_type
            ));
        }
        Ok(event)
    }
}

/// An event-driven function (a stream, a schedule): what differs between `notify` and
/// `reminders`.
pub struct EventFunction<'a> {
    /// As in its log lines: `notify`, `reminders`.
    pub name: &'a str,
    /// What to run instead when started outside Lambda (printed, exit code 2).
    pub run_locally: &'a str,
    /// The `errorType` of a failed invocation, e.g. `NotifyError`.
    pub error_type: &'a str,
}

impl EventFunction<'_> {
    /// The whole life of the binary: logs (`APP_LOG=pretty` for text), refuses to start outside
    /// Lambda, builds its state once per cold start with `build` (an error stops it, logged),
    /// then `warm`s it (what the first event needs: the store's connection opened, the default
    /// organisation read; a failure is logged and left to the first event), logs `<name>
    /// function ready` with the organisation and the start-up time, then answers
    /// each event with `handle` on one thread (Lambda gives an instance one invocation at a
    /// time). A handler's error is reported as a failed invocation (the function's error alarm
    /// counts it) and the loop goes on.
    pub fn run<S, W, H, F>(
        &self,
        build: impl FnOnce() -> Result<S, String>,
        warm: W,
        org: impl Fn(&S) -> String,
        handle: H,
    ) -> ExitCode
    where
        W: AsyncFnOnce(&S) -> Result<(), String>,
        H: Fn(Arc<S>, Value) -> F,
        F: Future<Output = Result<Value, String>>,
    {
        let started = std::time::Instant::now();
        init_tracing(crate::env::var("APP_LOG").as_deref() != Some("pretty"));
        if crate::env::var("AWS_LAMBDA_RUNTIME_API").is_none() {
            eprintln!(
                "the {} function runs under AWS Lambda only (AWS_LAMBDA_RUNTIME_API is not set); {}",
                self.name, self.run_locally
            );
            return ExitCode::from(2);
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let result = runtime.block_on(async {
            let state = Arc::new(build()?);
            let built_ms = started.elapsed().as_secs_f64() * 1000.0;
            let warming = std::time::Instant::now();
            if let Err(e) = warm(&state).await {
                tracing::error!(error = %e, "the store could not be read during start-up: the first event tries again");
            }
            tracing::info!(
                org = %org(&state),
                built_ms,
                warm_ms = warming.elapsed().as_secs_f64() * 1000.0,
                store_wait_ms = crate::store::dynamo::waited().as_secs_f64() * 1000.0,
                startup_ms = started.elapsed().as_millis() as u64,
                "{} function ready",
                self.name
            );
            let handle = &handle;
            lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
                // (the runtime's span already carries the request id into every log line)
                let answer = handle(state.clone(), event.payload);
                let (handling, waited_before) =
                    (std::time::Instant::now(), crate::store::dynamo::waited());
                async move {
                    let answer = answer.await;
                    // The event's own time, and how much of it was spent waiting on the store
                    // (bench/lambda_cold_start.py leaves that out of a cold start's figure).
                    tracing::info!(
                        ms = handling.elapsed().as_secs_f64() * 1000.0,
                        store_wait_ms = (crate::store::dynamo::waited() - waited_before)
                            .as_secs_f64()
                            * 1000.0,
                        ok = answer.is_ok(),
                        "event handled"
                    );
                    answer.map_err(|message| Diagnostic {
                        error_type: self.error_type.to_string(),
                        error_message: message,
                    })
                }
            }))
            .await
            .map_err(|e| e.to_string())
        });
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!(error = %e, "stopped");
                ExitCode::FAILURE
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_log_filter;
    use tracing::Level;

    #[test]
    fn rust_log_sets_the_levels_and_info_is_the_default() {
        let default = parse_log_filter(None);
        assert!(default.would_enable("web", &Level::INFO));
        assert!(!default.would_enable("web", &Level::DEBUG));
        let warn = parse_log_filter(Some("warn"));
        assert!(warn.would_enable("web", &Level::WARN));
        assert!(!warn.would_enable("web", &Level::INFO));
        let per_target = parse_log_filter(Some("warn,web=debug"));
        assert!(per_target.would_enable("web::routes", &Level::DEBUG));
        assert!(!per_target.would_enable("safety_core", &Level::INFO));
        // Not a filter: the default rather than nothing logged.
        let bad = parse_log_filter(Some("web=loud"));
        assert!(bad.would_enable("web", &Level::INFO));
        assert!(!bad.would_enable("web", &Level::DEBUG));
    }
}
