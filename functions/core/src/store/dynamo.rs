//! The production backend: one DynamoDB table (DynamoDB Local in tests).
//!
//! The SDK is configured by hand, without `aws-config`, to keep cold starts lean: credentials come
//! from the environment variables Lambda sets, TLS is rustls with ring, and timeouts and retries
//! are short so that an unreachable store fails fast with [`StoreError::Unavailable`] instead of
//! holding a request for minutes.

use super::{
    Condition, Index, Item, Key, Page, Query, SortKey, Store, StoreError, TxOp, Update, check_item,
    check_key, check_query, check_transaction, check_update, decode_cursor, encode_cursor,
    item_size, layout, query_attributes,
};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, Delete, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, Projection, ProjectionType, Put, ReturnValue, ScalarAttributeType,
    StreamSpecification, StreamViewType, TableStatus, TimeToLiveSpecification, TimeToLiveStatus,
    TransactWriteItem,
};
use aws_smithy_http_client::tls;
use serde_json::{Number, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long this process has waited on DynamoDB so far: the time from each request sent to its
/// answer received, summed over every attempt of every store's calls. A figure for the logs and
/// the cold-start bench (bench/lambda_cold_start.py), which leaves the store's own latency out of
/// a function's time: `notify` and `reminders` log it with each event ([`crate::function_main`]).
pub fn waited() -> Duration {
    Duration::from_micros(WAITED_MICROS.load(Ordering::Relaxed))
}

static WAITED_MICROS: AtomicU64 = AtomicU64::new(0);

/// Adds each attempt's wait to [`waited`]: its start is kept in the attempt's config bag.
#[derive(Debug)]
struct WaitTimer;

#[derive(Debug, Clone, Copy)]
struct SentAt(Instant);

impl aws_smithy_types::config_bag::Storable for SentAt {
    type Storer = aws_smithy_types::config_bag::StoreReplace<Self>;
}

impl aws_sdk_dynamodb::config::Intercept for WaitTimer {
    fn name(&self) -> &'static str {
        "WaitTimer"
    }

    fn read_before_transmit(
        &self,
        _context: &aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _components: &aws_sdk_dynamodb::config::RuntimeComponents,
        cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        cfg.interceptor_state().store_put(SentAt(Instant::now()));
        Ok(())
    }

    fn read_after_transmit(
        &self,
        _context: &aws_sdk_dynamodb::config::interceptors::BeforeDeserializationInterceptorContextRef<'_>,
        _components: &aws_sdk_dynamodb::config::RuntimeComponents,
        cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        if let Some(SentAt(at)) = cfg.load::<SentAt>() {
            WAITED_MICROS.fetch_add(at.elapsed().as_micros() as u64, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// Where the table is, and the credentials to reach it. Read from the function's configuration
/// at start-up ([`DynamoConfig::from_env`]); in tests, [`DynamoConfig::local`] (and
/// `..DynamoConfig::local(…)` for anything else: every field but the table has a default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DynamoConfig {
    pub table: String,
    pub region: String,
    /// An endpoint override, e.g. `http://127.0.0.1:8000` for DynamoDB Local.
    pub endpoint: Option<String>,
    /// `None`: none were given, which only DynamoDB Local (an `endpoint`) accepts: it is sent
    /// dummy ones.
    pub credentials: Option<AwsCredentials>,
}

/// The credentials Lambda gives a function in its environment.
#[derive(Clone, PartialEq, Eq)]
pub struct AwsCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

/// Names the key id only: the secret and the session token never reach a log.
impl std::fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The table's name when `APP_TABLE_NAME` is not set.
pub const DEFAULT_TABLE: &str = "online-safety";
/// The region when `AWS_REGION` is not set.
pub const DEFAULT_REGION: &str = "eu-west-2";

impl Default for DynamoConfig {
    /// The default table in the default region, no endpoint override, no credentials.
    fn default() -> Self {
        DynamoConfig {
            table: DEFAULT_TABLE.into(),
            region: DEFAULT_REGION.into(),
            endpoint: None,
            credentials: None,
        }
    }
}

impl DynamoConfig {
    /// `APP_TABLE_NAME` (default [`DEFAULT_TABLE`]), `AWS_REGION` (default [`DEFAULT_REGION`]),
    /// `APP_DYNAMODB_ENDPOINT` (DynamoDB Local) and the credentials `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` (when both the id and the secret are set).
    pub fn from_env() -> DynamoConfig {
        use crate::env::var;
        let credentials = match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
            (Some(access_key_id), Some(secret_access_key)) => Some(AwsCredentials {
                access_key_id,
                secret_access_key,
                session_token: var("AWS_SESSION_TOKEN"),
            }),
            _ => None,
        };
        DynamoConfig {
            table: var("APP_TABLE_NAME").unwrap_or_else(|| DEFAULT_TABLE.into()),
            region: var("AWS_REGION").unwrap_or_else(|| DEFAULT_REGION.into()),
            endpoint: var("APP_DYNAMODB_ENDPOINT"),
            credentials,
        }
    }

    /// The table `table` on DynamoDB Local at `endpoint` (e.g. `http://127.0.0.1:8000`), in the
    /// default region, with no credentials (it is sent dummy ones).
    pub fn local(endpoint: impl Into<String>, table: impl Into<String>) -> DynamoConfig {
        DynamoConfig {
            table: table.into(),
            endpoint: Some(endpoint.into()),
            ..DynamoConfig::default()
        }
    }
}

/// A store over one DynamoDB table.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

type Attrs = HashMap<String, AttributeValue>;

/// The roots that AWS's own endpoints chain to: Amazon Root CA 1 to 4 and Starfield Services
/// Root Certificate Authority - G2, as Amazon Trust Services recommends for a custom trust store
/// (https://www.amazontrust.com/repository/, read 2026-12-07; DynamoDB moved to them in 2021).
/// Copied from Debian's ca-certificates 20230311; each one's SHA-256 is checked by a test.
const AWS_ROOTS_PEM: &str = include_str!("amazon_trust_services_roots.pem");

/// Whom the DynamoDB client trusts. Talking to AWS (no endpoint override, or an endpoint under
/// amazonaws.com, such as a VPC endpoint): only the five roots above. The system's whole root
/// store (about 140 certificates, read from files and decoded) took 3 to 5 ms of every cold start
/// (issue 23) for a client that only ever meets Amazon's certificates; five are decoded in well
/// under a millisecond, and no other CA can stand in for DynamoDB. Any other https endpoint (a
/// local emulator behind TLS): the system's roots. A plain-http endpoint (DynamoDB Local) never
/// does TLS: it gets AWS's set, so a local run pays what AWS pays.
fn trust_store(endpoint: Option<&str>) -> tls::TrustStore {
    let other_https = endpoint
        .and_then(|url| url.parse::<http::Uri>().ok())
        .is_some_and(|uri| {
            uri.scheme_str() == Some("https")
                && !uri.host().unwrap_or_default().ends_with(".amazonaws.com")
        });
    if other_https {
        tls::TrustStore::default()
    } else {
        tls::TrustStore::empty()
            .with_native_roots(false)
            .with_pem_certificate(AWS_ROOTS_PEM.as_bytes())
    }
}

impl DynamoStore {
    /// Builds the client from the configuration (read by [`DynamoConfig::from_env`]; this reads
    /// no environment itself). With an endpoint override and no credentials (DynamoDB Local),
    /// dummy credentials are used: DynamoDB Local accepts any.
    pub fn from_env_config(cfg: DynamoConfig) -> Result<Self, StoreError> {
        let credentials = match cfg.credentials {
            Some(c) => Credentials::new(
                c.access_key_id,
                c.secret_access_key,
                c.session_token,
                None,
                "environment",
            ),
            None if cfg.endpoint.is_some() => {
                Credentials::new("local", "local", None, None, "local")
            }
            _ => {
                return Err(StoreError::Backend(
                    "no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"
                        .into(),
                ));
            }
        };
        let trust = trust_store(cfg.endpoint.as_deref());
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .tls_context(
                tls::TlsContext::builder()
                    .with_trust_store(trust)
                    .build()
                    .map_err(|e| StoreError::Backend(format!("TLS set-up: {e}")))?,
            )
            .build_https();
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(3))
            .operation_attempt_timeout(Duration::from_secs(5))
            .operation_timeout(Duration::from_secs(10))
            .build();
        // Three quick attempts ride out a blip; more would only delay the user's error page.
        let retries = RetryConfig::standard()
            .with_max_attempts(3)
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_secs(1));
        let mut builder = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(cfg.region))
            .credentials_provider(credentials)
            .http_client(http)
            .timeout_config(timeouts)
            .retry_config(retries)
            .interceptor(WaitTimer);
        if let Some(endpoint) = cfg.endpoint {
            builder = builder.endpoint_url(endpoint);
        }
        Ok(DynamoStore {
            client: Client::from_conf(builder.build()),
            table: cfg.table,
        })
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// Creates the table if it does not exist, waits until it is active and enables TTL on
    /// [`layout::TTL`]. Idempotent. Production tables come from the infrastructure template; this
    /// is for DynamoDB Local and tests, and must describe the same table.
    pub async fn create_table(&self) -> Result<(), StoreError> {
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .map_err(build_error)
        };
        let string_attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build_error)
        };
        let gsi = GlobalSecondaryIndex::builder()
            .index_name(layout::GSI1)
            .key_schema(key(layout::GSI1_PK, KeyType::Hash)?)
            .key_schema(key(layout::GSI1_SK, KeyType::Range)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
            .map_err(build_error)?;
        let stream = StreamSpecification::builder()
            .stream_enabled(true)
            .stream_view_type(StreamViewType::NewImage)
            .build()
            .map_err(build_error)?;
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key(layout::PK, KeyType::Hash)?)
            .key_schema(key(layout::SK, KeyType::Range)?)
            .attribute_definitions(string_attr(layout::PK)?)
            .attribute_definitions(string_attr(layout::SK)?)
            .attribute_definitions(string_attr(layout::GSI1_PK)?)
            .attribute_definitions(string_attr(layout::GSI1_SK)?)
            .global_secondary_indexes(gsi)
            .stream_specification(stream)
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_in_use_exception()) => {}
            Err(e) => return Err(classify(e)),
        }
        self.wait_until_active().await?;
        if self.describe_ttl_attribute().await?.as_deref() != Some(layout::TTL) {
            let spec = TimeToLiveSpecification::builder()
                .attribute_name(layout::TTL)
                .enabled(true)
                .build()
                .map_err(build_error)?;
            self.client
                .update_time_to_live()
                .table_name(&self.table)
                .time_to_live_specification(spec)
                .send()
                .await
                .map_err(classify)?;
        }
        Ok(())
    }

    async fn wait_until_active(&self) -> Result<(), StoreError> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        loop {
            let out = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
                .map_err(classify)?;
            if out.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                return Err(StoreError::Unavailable(format!(
                    "table {} did not become active",
                    self.table
                )));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// The attribute TTL is enabled (or being enabled) on, if any.
    pub async fn describe_ttl_attribute(&self) -> Result<Option<String>, StoreError> {
        let out = self
            .client
            .describe_time_to_live()
            .table_name(&self.table)
            .send()
            .await
            .map_err(classify)?;
        Ok(out
            .time_to_live_description()
            .and_then(|d| match d.time_to_live_status() {
                Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling) => {
                    d.attribute_name().map(str::to_owned)
                }
                _ => None,
            }))
    }
}

// ---------------------------------------------------------------------------------------------
// Values

/// A JSON value as a DynamoDB attribute value.
pub fn to_attribute(value: &Value) -> AttributeValue {
    match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Number(n) => AttributeValue::N(n.to_string()),
        Value::String(s) => AttributeValue::S(s.clone()),
        Value::Array(a) => AttributeValue::L(a.iter().map(to_attribute).collect()),
        Value::Object(m) => AttributeValue::M(
            m.iter()
                .map(|(k, v)| (k.clone(), to_attribute(v)))
                .collect(),
        ),
    }
}

/// A DynamoDB attribute value as JSON. Numbers come back as integers when they are whole and fit,
/// else as floats; sets (never written by this store) come back as arrays.
pub fn from_attribute(value: &AttributeValue) -> Result<Value, StoreError> {
    let number = |n: &str| -> Result<Value, StoreError> {
        if let Ok(i) = n.parse::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = n.parse::<u64>() {
            return Ok(Value::from(u));
        }
        n.parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| StoreError::Backend(format!("number {n} does not fit JSON")))
    };
    Ok(match value {
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::N(n) => number(n)?,
        AttributeValue::S(s) => Value::String(s.clone()),
        AttributeValue::L(l) => {
            Value::Array(l.iter().map(from_attribute).collect::<Result<_, _>>()?)
        }
        AttributeValue::M(m) => Value::Object(from_attributes(m)?),
        AttributeValue::Ss(ss) => Value::Array(ss.iter().cloned().map(Value::String).collect()),
        AttributeValue::Ns(ns) => {
            Value::Array(ns.iter().map(|n| number(n)).collect::<Result<_, _>>()?)
        }
        other => {
            return Err(StoreError::Backend(format!(
                "unsupported attribute type: {other:?}"
            )));
        }
    })
}

fn from_attributes(attrs: &Attrs) -> Result<Item, StoreError> {
    attrs
        .iter()
        .map(|(k, v)| Ok((k.clone(), from_attribute(v)?)))
        .collect()
}

fn to_attributes(item: &Item) -> Attrs {
    item.iter()
        .map(|(k, v)| (k.clone(), to_attribute(v)))
        .collect()
}

fn key_attributes(key: &Key) -> Attrs {
    HashMap::from([
        (layout::PK.to_owned(), AttributeValue::S(key.pk.clone())),
        (layout::SK.to_owned(), AttributeValue::S(key.sk.clone())),
    ])
}

// ---------------------------------------------------------------------------------------------
// Expressions

/// Builds expressions with placeholders for every name and value: attribute names such as
/// `status` are reserved words in DynamoDB's expression language.
#[derive(Default)]
struct Expr {
    names: HashMap<String, String>,
    values: Attrs,
}

impl Expr {
    fn name(&mut self, attr: &str) -> String {
        let placeholder = format!("#n{}", self.names.len());
        self.names.insert(placeholder.clone(), attr.to_owned());
        placeholder
    }

    fn value(&mut self, value: AttributeValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    fn condition(&mut self, condition: &Condition) -> Option<String> {
        match condition {
            Condition::Always => None,
            Condition::NotExists => {
                Some(format!("attribute_not_exists({})", self.name(layout::PK)))
            }
            Condition::Exists => Some(format!("attribute_exists({})", self.name(layout::PK))),
            Condition::Equals(attr, value) => {
                let n = self.name(attr);
                let v = self.value(to_attribute(value));
                Some(format!("{n} = {v}"))
            }
        }
    }

    /// The update expression; `None` for an empty update.
    fn update(&mut self, update: &Update) -> Option<String> {
        let mut clauses = Vec::new();
        if !update.set.is_empty() {
            let parts: Vec<String> = update
                .set
                .iter()
                .map(|(attr, value)| {
                    let n = self.name(attr);
                    let v = self.value(to_attribute(value));
                    format!("{n} = {v}")
                })
                .collect();
            clauses.push(format!("SET {}", parts.join(", ")));
        }
        if !update.add.is_empty() {
            let parts: Vec<String> = update
                .add
                .iter()
                .map(|(attr, by)| {
                    let n = self.name(attr);
                    let v = self.value(AttributeValue::N(by.to_string()));
                    format!("{n} {v}")
                })
                .collect();
            clauses.push(format!("ADD {}", parts.join(", ")));
        }
        if !update.remove.is_empty() {
            let parts: Vec<String> = update.remove.iter().map(|attr| self.name(attr)).collect();
            clauses.push(format!("REMOVE {}", parts.join(", ")));
        }
        (!clauses.is_empty()).then(|| clauses.join(" "))
    }

    /// DynamoDB refuses empty placeholder maps.
    fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    fn values(&self) -> Option<Attrs> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

fn build_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("building a DynamoDB request: {e}"))
}

/// Error codes that mean "try again later" rather than "this request is wrong".
fn is_transient(code: &str) -> bool {
    matches!(
        code,
        "ProvisionedThroughputExceededException"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "InternalServerError"
            | "ServiceUnavailable"
            | "TransactionInProgressException"
            | "TransactionConflict"
            | "TransactionConflictException"
            | "ThrottlingError"
            | "ProvisionedThroughputExceeded"
    )
}

/// A validation message about the item size limit.
fn is_size_message(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("size") && (m.contains("exceed") || m.contains("maximum"))
}

fn too_large(bytes: usize) -> StoreError {
    StoreError::ItemTooLarge {
        bytes: bytes.max(layout::MAX_ITEM_BYTES + 1),
        limit: layout::MAX_ITEM_BYTES,
    }
}

/// Maps an SDK error to the store's errors: failed conditions, refused requests, an unreachable or
/// overloaded service (retryable), or anything else.
fn classify<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            StoreError::Unavailable(DisplayErrorContext(&err).to_string())
        }
        SdkError::ServiceError(service) => {
            let e = service.err();
            let code = e.code().unwrap_or_default();
            let message = e.message().unwrap_or_default().to_owned();
            match code {
                "ConditionalCheckFailedException" => StoreError::ConditionFailed,
                "ValidationException" if is_size_message(&message) => too_large(0),
                "ValidationException" => StoreError::InvalidItem(message),
                c if is_transient(c) => StoreError::Unavailable(format!("{c}: {message}")),
                c => StoreError::Backend(format!("{c}: {message}")),
            }
        }
        _ => StoreError::Backend(DisplayErrorContext(&err).to_string()),
    }
}

/// Maps a cancelled transaction: a bad request first; else the indexes whose condition failed
/// (what the caller acts on, even if another operation also met a conflict); else the first
/// other reason (a conflict or throttling: retryable).
fn classify_transaction<R: std::fmt::Debug>(
    err: SdkError<TransactWriteItemsError, R>,
) -> StoreError {
    let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
        err.as_service_error()
    else {
        return classify(err);
    };
    let mut failed = Vec::new();
    let mut other = None;
    for (i, reason) in cancelled.cancellation_reasons().iter().enumerate() {
        match reason.code().unwrap_or("None") {
            "None" => {}
            "ConditionalCheckFailed" => failed.push(i),
            "ValidationError" => {
                let message = reason.message().unwrap_or_default();
                return if is_size_message(message) {
                    too_large(0)
                } else {
                    StoreError::InvalidItem(format!("operation {i}: {message}"))
                };
            }
            code if is_transient(code) => {
                other.get_or_insert(StoreError::Unavailable(format!(
                    "transaction cancelled: {code}"
                )));
            }
            code => {
                other.get_or_insert(StoreError::Backend(format!(
                    "transaction cancelled: {code}"
                )));
            }
        }
    }
    if !failed.is_empty() {
        return StoreError::TransactionConditionFailed { failed };
    }
    other.unwrap_or_else(|| {
        StoreError::Backend(format!(
            "transaction cancelled without a reason: {}",
            cancelled.message().unwrap_or_default()
        ))
    })
}

// ---------------------------------------------------------------------------------------------
// The store

impl DynamoStore {
    fn transact_item(&self, op: TxOp) -> Result<TransactWriteItem, StoreError> {
        let mut expr = Expr::default();
        let item = match op {
            TxOp::Put { item, condition } => {
                let cond = expr.condition(&condition);
                let put = Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(to_attributes(&item)))
                    .set_condition_expression(cond)
                    .set_expression_attribute_names(expr.names())
                    .set_expression_attribute_values(expr.values())
                    .build()
                    .map_err(build_error)?;
                TransactWriteItem::builder().put(put).build()
            }
            TxOp::Update {
                key,
                update,
                condition,
            } => {
                // An update expression is required here; removing an attribute nobody writes
                // creates the item with just its key, as an empty `UpdateItem` does.
                let update_expr = expr
                    .update(&update)
                    .unwrap_or_else(|| format!("REMOVE {}", expr.name("__nothing__")));
                let cond = expr.condition(&condition);
                let update = aws_sdk_dynamodb::types::Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(key_attributes(&key)))
                    .update_expression(update_expr)
                    .set_condition_expression(cond)
                    .set_expression_attribute_names(expr.names())
                    .set_expression_attribute_values(expr.values())
                    .build()
                    .map_err(build_error)?;
                TransactWriteItem::builder().update(update).build()
            }
            TxOp::Delete { key, condition } => {
                let cond = expr.condition(&condition);
                let delete = Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(key_attributes(&key)))
                    .set_condition_expression(cond)
                    .set_expression_attribute_names(expr.names())
                    .set_expression_attribute_values(expr.values())
                    .build()
                    .map_err(build_error)?;
                TransactWriteItem::builder().delete(delete).build()
            }
            TxOp::Check { key, condition } => {
                // DynamoDB requires a condition; `Always` becomes one that always holds.
                let cond = expr.condition(&condition).unwrap_or_else(|| {
                    let n = expr.name(layout::PK);
                    format!("attribute_exists({n}) OR attribute_not_exists({n})")
                });
                let check = ConditionCheck::builder()
                    .table_name(&self.table)
                    .set_key(Some(key_attributes(&key)))
                    .condition_expression(cond)
                    .set_expression_attribute_names(expr.names())
                    .set_expression_attribute_values(expr.values())
                    .build()
                    .map_err(build_error)?;
                TransactWriteItem::builder().condition_check(check).build()
            }
        };
        Ok(item)
    }
}

impl Store for DynamoStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        check_key(key)?;
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_attributes(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(classify)?;
        out.item().map(from_attributes).transpose()
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        check_item(&item)?;
        let bytes = item_size(&item);
        let mut expr = Expr::default();
        let cond = expr.condition(&condition);
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_attributes(&item)))
            .set_condition_expression(cond)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values());
        let too_large = |e| match e {
            StoreError::ItemTooLarge { .. } => too_large(bytes),
            other => other,
        };
        if condition == Condition::Always {
            // Writing the same item twice is harmless: the SDK's own retries are safe.
            request.send().await.map_err(|e| too_large(classify(e)))?;
            return Ok(());
        }
        let key = Key::of(&item)?;
        let applied = |stored: Option<Item>| stored.as_ref() == Some(&item);
        self.send_conditional(&key, applied, || {
            let request = request.clone();
            async move {
                let once = request.customize().config_override(no_retries());
                once.send()
                    .await
                    .map(drop)
                    .map_err(|e| too_large(classify(e)))
            }
        })
        .await
    }

    async fn update(
        &self,
        key: &Key,
        update: Update,
        condition: Condition,
    ) -> Result<Item, StoreError> {
        check_update(key, &update)?;
        let mut expr = Expr::default();
        let update_expr = expr.update(&update);
        let cond = expr.condition(&condition);
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_attributes(key)))
            .set_update_expression(update_expr)
            .set_condition_expression(cond)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(classify)?;
        match out.attributes() {
            Some(attrs) => from_attributes(attrs),
            // An empty update of an item returns no attributes; the key is all there is to know.
            None => self
                .get(key)
                .await?
                .ok_or_else(|| StoreError::Backend("updated item not found".into())),
        }
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        check_key(key)?;
        let mut expr = Expr::default();
        let cond = expr.condition(&condition);
        let request = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_attributes(key)))
            .set_condition_expression(cond)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values());
        if condition == Condition::Always {
            request.send().await.map_err(classify)?;
            return Ok(());
        }
        self.send_conditional(
            key,
            |stored| stored.is_none(),
            || {
                let request = request.clone();
                async move {
                    let once = request.customize().config_override(no_retries());
                    once.send().await.map(drop).map_err(classify)
                }
            },
        )
        .await
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        check_query(query)?;
        let start = decode_cursor(query)?.map(|position| {
            position
                .into_iter()
                .map(|(k, v)| (k, AttributeValue::S(v)))
                .collect::<Attrs>()
        });
        let (part_attr, sort_attr) = query_attributes(query.index);
        let mut expr = Expr::default();
        let p = expr.name(part_attr);
        let pv = expr.value(AttributeValue::S(query.partition.clone()));
        let mut key_condition = format!("{p} = {pv}");
        match &query.sort {
            SortKey::All => {}
            SortKey::Prefix(prefix) if prefix.is_empty() => {}
            SortKey::Prefix(prefix) => {
                let s = expr.name(sort_attr);
                let v = expr.value(AttributeValue::S(prefix.clone()));
                key_condition.push_str(&format!(" AND begins_with({s}, {v})"));
            }
            SortKey::Between(from, to) => {
                let s = expr.name(sort_attr);
                let a = expr.value(AttributeValue::S(from.clone()));
                let b = expr.value(AttributeValue::S(to.clone()));
                key_condition.push_str(&format!(" AND {s} BETWEEN {a} AND {b}"));
            }
        }
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression(key_condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .scan_index_forward(!query.descending)
            .limit(i32::try_from(query.limit).unwrap_or(1000))
            .set_exclusive_start_key(start);
        request = match query.index {
            // Reads its own writes, like the embedded store.
            Index::Table => request.consistent_read(true),
            // Global indexes only offer eventually consistent reads.
            Index::Gsi1 => request.index_name(layout::GSI1),
        };
        let out = request.send().await.map_err(classify)?;
        let items = out
            .items()
            .iter()
            .map(from_attributes)
            .collect::<Result<Vec<_>, _>>()?;
        let next = match out.last_evaluated_key() {
            Some(last) => {
                let position = last
                    .iter()
                    .map(|(k, v)| match v {
                        AttributeValue::S(s) => Ok((k.clone(), s.clone())),
                        other => Err(StoreError::Backend(format!(
                            "non-string key attribute {k} in LastEvaluatedKey: {other:?}"
                        ))),
                    })
                    .collect::<Result<BTreeMap<_, _>, _>>()?;
                Some(encode_cursor(&position))
            }
            _ => None,
        };
        Ok(Page { items, next })
    }

    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        check_transaction(&ops)?;
        if ops.is_empty() {
            return Ok(());
        }
        let items = ops
            .into_iter()
            .map(|op| self.transact_item(op))
            .collect::<Result<Vec<_>, _>>()?;
        // Cancelled only because another transaction held one of its items (the compliance
        // counters are shared by everyone finishing the same module at the same time): nothing
        // was written, so it is sent again after a short random pause, a few times, before the
        // person sees "try again".
        let mut attempt = 1;
        loop {
            let sent = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .send()
                .await;
            match sent {
                Ok(_) => return Ok(()),
                Err(e) if attempt < TRANSACTION_ATTEMPTS && is_conflict(&e) => {
                    tracing::info!(
                        attempt,
                        "a transaction met another on the same item: sending it again"
                    );
                    tokio::time::sleep(conflict_pause(attempt)).await;
                    attempt += 1;
                }
                Err(e) => return Err(classify_transaction(e)),
            }
        }
    }
}

impl DynamoStore {
    /// Sends a conditional write whose answer may be lost (a timeout, a dropped connection) after
    /// DynamoDB applied it. Sent again blindly, as the SDK's own retries would, it then fails its
    /// own condition, and a write that happened would be reported as refused (under load: a
    /// false "someone else changed this"). So the SDK does not retry it: it is sent again here,
    /// and a refusal that follows a lost answer is checked against the item as stored now:
    /// `applied` says whether that is what this write leaves. A write whose answer arrived is
    /// never second-guessed. (Transactions need none of this: the SDK gives each a client
    /// request token, which makes DynamoDB apply a resent one once.)
    async fn send_conditional<F, Fut>(
        &self,
        key: &Key,
        applied: impl Fn(Option<Item>) -> bool,
        send: F,
    ) -> Result<(), StoreError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<(), StoreError>>,
    {
        let mut answer_lost = false;
        let mut attempt = 1;
        loop {
            match send().await {
                Ok(()) => return Ok(()),
                Err(StoreError::ConditionFailed) if answer_lost => {
                    let stored = self.get(key).await?;
                    return if applied(stored) {
                        tracing::info!("a write whose answer was lost had been applied");
                        Ok(())
                    } else {
                        Err(StoreError::ConditionFailed)
                    };
                }
                Err(StoreError::Unavailable(reason)) if attempt < CONDITIONAL_ATTEMPTS => {
                    tracing::info!(attempt, %reason, "no answer to a conditional write: sending it again");
                    answer_lost = true;
                    tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// How many times a conditional write is sent when no answer comes (as the SDK's retries).
const CONDITIONAL_ATTEMPTS: u32 = 3;

/// The client's configuration for one request that the SDK must send once only.
fn no_retries() -> aws_sdk_dynamodb::config::Builder {
    aws_sdk_dynamodb::config::Builder::default().retry_config(RetryConfig::disabled())
}

/// How many times a transaction is sent when it keeps meeting others on the same items.
const TRANSACTION_ATTEMPTS: u32 = 4;

/// Whether a transaction was cancelled only by conflicts with others in flight
/// (`TransactionConflict`), not by a condition or a bad request: then it wrote nothing and may
/// simply be sent again.
fn is_conflict<R>(err: &SdkError<TransactWriteItemsError, R>) -> bool {
    let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
        err.as_service_error()
    else {
        return false;
    };
    let codes: Vec<&str> = cancelled
        .cancellation_reasons()
        .iter()
        .map(|r| r.code().unwrap_or("None"))
        .collect();
    codes.contains(&"TransactionConflict")
        && codes
            .iter()
            .all(|c| matches!(*c, "None" | "TransactionConflict"))
}

/// 20, 40, 60 ms by attempt, plus up to 30 ms at random so that two transactions that met do
/// not meet again.
fn conflict_pause(attempt: u32) -> Duration {
    let [random] = crate::crypto::random_bytes::<1>();
    Duration::from_millis(20 * u64::from(attempt) + u64::from(random) * 30 / 255)
}

#[cfg(test)]
mod config_tests {
    use super::*;

    #[test]
    fn the_credentials_are_read_with_the_rest_of_the_configuration() {
        let vars = [
            ("APP_TABLE_NAME", "t".to_string()),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "very-secret".to_string()),
            ("AWS_SESSION_TOKEN", "session".to_string()),
        ];
        let cfg = crate::env::with_vars(&vars, DynamoConfig::from_env);
        assert_eq!(
            cfg,
            DynamoConfig {
                table: "t".into(),
                credentials: Some(AwsCredentials {
                    access_key_id: "AKIDEXAMPLE".into(),
                    secret_access_key: "very-secret".into(),
                    session_token: Some("session".into()),
                }),
                ..DynamoConfig::default()
            }
        );
        let shown = format!("{cfg:?}");
        assert!(shown.contains("AKIDEXAMPLE"), "{shown}");
        assert!(
            !shown.contains("very-secret") && !shown.contains("session\""),
            "{shown}"
        );
    }

    /// The five roots are the ones Amazon Trust Services publishes (their SHA-256 fingerprints,
    /// https://www.amazontrust.com/repository/), each one parses, and a client that trusts them
    /// builds (the TLS set-up happens when the client is made).
    #[test]
    fn the_dynamodb_client_trusts_amazon_trust_services_roots_only() {
        use rustls::pki_types::{CertificateDer, pem::PemObject};
        use sha2::Digest;
        let published = [
            "8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e", // Amazon Root CA 1
            "1ba5b2aa8c65401a82960118f80bec4f62304d83cec4713a19c39c011ea46db4", // Amazon Root CA 2
            "18ce6cfe7bf14e60b2e347b8dfe868cb31d02ebb3ada271569f50343b46db3a4", // Amazon Root CA 3
            "e35d28419ed02025cfa69038cd623962458da5c695fbdea3c22b0bfb25897092", // Amazon Root CA 4
            "568d6905a2c88708a4b3025190edcfedb1974a606a13c6e5290fcb2ae63edab5", // Starfield Services G2
        ];
        let found: Vec<String> = CertificateDer::pem_slice_iter(AWS_ROOTS_PEM.as_bytes())
            .map(|cert| {
                let der = cert.expect("a PEM certificate");
                sha2::Sha256::digest(der.as_ref())
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect()
            })
            .collect();
        assert_eq!(found, published);
        let mut roots = rustls::RootCertStore::empty();
        let (valid, invalid) = roots.add_parsable_certificates(
            CertificateDer::pem_slice_iter(AWS_ROOTS_PEM.as_bytes()).map(Result::unwrap),
        );
        assert_eq!((valid, invalid), (5, 0));
        let aws = DynamoConfig {
            table: "t".into(),
            credentials: Some(AwsCredentials {
                access_key_id: "AKIDEXAMPLE".into(),
                secret_access_key: "secret".into(),
                session_token: None,
            }),
            ..DynamoConfig::default()
        };
        assert!(DynamoStore::from_env_config(aws).is_ok());
        // which endpoints get which store (Debug shows whether the system's roots are on)
        let native =
            |endpoint| format!("{:?}", trust_store(endpoint)).contains("enable_native_roots: true");
        assert!(!native(None));
        assert!(!native(Some("http://127.0.0.1:8000")));
        assert!(!native(Some("https://dynamodb.eu-west-2.amazonaws.com")));
        assert!(!native(Some(
            "https://vpce-1a2b-3c4d.dynamodb.eu-west-2.vpce.amazonaws.com:443/"
        )));
        assert!(native(Some("https://localstack.example.org:4566")));
        assert!(native(Some("https://amazonaws.com.example.org")));
    }

    #[test]
    fn without_credentials_only_an_endpoint_override_builds_a_client() {
        let cfg = crate::env::with_vars(&[], DynamoConfig::from_env);
        assert_eq!(cfg, DynamoConfig::default());
        assert!(DynamoStore::from_env_config(cfg).is_err());
        let local = DynamoConfig::local("http://127.0.0.1:8000", "t");
        assert_eq!(local.endpoint.as_deref(), Some("http://127.0.0.1:8000"));
        assert_eq!(
            (local.table.as_str(), local.region.as_str()),
            ("t", "eu-west-2")
        );
        assert!(DynamoStore::from_env_config(local).is_ok());
    }
}
