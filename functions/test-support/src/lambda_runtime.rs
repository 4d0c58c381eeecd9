//! A fake Lambda Runtime API: plain HTTP/1.1 on a loopback port, which hands a function binary
//! (started with `AWS_LAMBDA_RUNTIME_API` set to [`FakeRuntimeApi::addr`]) the events a test
//! queues and records what it answers. This is the conversation the Lambda service has with a
//! function (lambda_runtime 1.5): `GET /2018-06-01/runtime/invocation/next`, then
//! `POST /2018-06-01/runtime/invocation/{request id}/response` (or `.../error`).

use crate::WAIT;
use crate::function::Watched;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What the function posted back for one invocation.
#[derive(Debug)]
pub enum Answer {
    Response(Vec<u8>),
    Error { error_type: String, body: String },
}

#[derive(Default)]
struct RuntimeState {
    /// Events waiting for the function's next `GET .../invocation/next`: (request id, event).
    queue: VecDeque<(String, Value)>,
    answers: HashMap<String, Answer>,
    /// Anything the function asked that the Runtime API does not offer, or an init error.
    unexpected: Vec<String>,
    /// Request ids handed out, in order.
    handed_out: Vec<String>,
    closing: bool,
}

struct Shared {
    state: Mutex<RuntimeState>,
    changed: Condvar,
    function_arn: String,
}

/// A fake Lambda Runtime API: plain HTTP/1.1 on a loopback port, one thread per connection
/// (the runtime keeps connections alive and may use more than one).
pub struct FakeRuntimeApi {
    /// Where it listens: the function's `AWS_LAMBDA_RUNTIME_API`.
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    next_id: u32,
}

impl FakeRuntimeApi {
    /// Starts it on a free loopback port; the events carry `function_arn` as the invoked
    /// function's ARN.
    pub fn start(function_arn: &str) -> FakeRuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake Runtime API");
        let addr = listener.local_addr().expect("its address");
        let shared = Arc::new(Shared {
            state: Mutex::new(RuntimeState::default()),
            function_arn: function_arn.to_string(),
            changed: Condvar::new(),
        });
        let for_accept = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if for_accept.state.lock().unwrap().closing {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let shared = for_accept.clone();
                std::thread::spawn(move || serve_connection(stream, &shared));
            }
        });
        FakeRuntimeApi {
            addr,
            shared,
            next_id: 0,
        }
    }

    /// Queues one event and waits (up to [`WAIT`]) until the function answers it. Fails with
    /// the function's logs if it errors, exits or takes too long.
    pub fn invoke(&mut self, function: &mut impl Watched, event: Value) -> Answer {
        self.next_id += 1;
        let id = format!("8476a536-e9f4-11e8-9739-{:012}", self.next_id);
        let mut state = self.shared.state.lock().unwrap();
        state.queue.push_back((id.clone(), event));
        self.shared.changed.notify_all();
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(answer) = state.answers.remove(&id) {
                return answer;
            }
            assert!(
                state.unexpected.is_empty(),
                "the function made unexpected Runtime API calls: {:?}\n{}",
                state.unexpected,
                function.output()
            );
            drop(state);
            if let Some(status) = function.exited() {
                panic!(
                    "the function exited ({status}) during invocation {id}:\n{}",
                    function.output()
                );
            }
            assert!(
                Instant::now() < deadline,
                "no answer to invocation {id} within {WAIT:?} (handed out: {:?}):\n{}",
                self.shared.state.lock().unwrap().handed_out,
                function.output()
            );
            state = self.shared.state.lock().unwrap();
            state = self
                .shared
                .changed
                .wait_timeout(state, Duration::from_millis(100))
                .unwrap()
                .0;
        }
    }
}

/// An EventBridge rule's scheduled event, as Lambda hands it to the rule's target (`rule` is
/// the rule's name, `time` when it fired).
pub fn scheduled_event(rule: &str, time: &str) -> Value {
    json!({
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": time,
        "region": "eu-west-2",
        "resources": [format!("arn:aws:events:eu-west-2:123456789012:rule/{rule}")],
        "detail": {}
    })
}

impl Answer {
    /// The function's answer as JSON; fails with the function's logs if it reported an error
    /// or answered something else.
    #[track_caller]
    pub fn json(self, function: &impl Watched) -> Value {
        match self {
            Answer::Response(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "the answer is not JSON ({e}): {}\n{}",
                    String::from_utf8_lossy(&bytes),
                    function.output()
                )
            }),
            Answer::Error { error_type, body } => panic!(
                "the function reported an error {error_type}: {body}\n{}",
                function.output()
            ),
        }
    }
}

impl FakeRuntimeApi {
    /// The variables the Lambda service sets for a function `name` (512 MB, version 1) talking
    /// to this Runtime API, which the lambda_runtime crate reads at start.
    pub fn lambda_env(&self, name: &str) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_LAMBDA_RUNTIME_API", self.addr.to_string()),
            ("AWS_LAMBDA_FUNCTION_NAME", name.to_string()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "1".into()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512".into()),
            (
                "AWS_LAMBDA_LOG_STREAM_NAME",
                "2026/11/23/[1]0123456789abcdef0123456789abcdef".into(),
            ),
            ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}")),
            ("AWS_REGION", "eu-west-2".into()),
        ]
    }

    /// The request ids handed out so far, in order.
    pub fn handed_out(&self) -> Vec<String> {
        self.shared.state.lock().unwrap().handed_out.clone()
    }
}

impl Drop for FakeRuntimeApi {
    fn drop(&mut self) {
        self.shared.state.lock().unwrap().closing = true;
        self.shared.changed.notify_all();
        // Wake the accept loop so it sees `closing`.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

/// Serves one keep-alive connection from the function's runtime client.
fn serve_connection(stream: TcpStream, shared: &Shared) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
    let mut writer = stream;
    while let Some((method, path, headers, body)) = read_request(&mut reader) {
        let reply =
            |writer: &mut TcpStream, status: &str, extra: &[(&str, String)], body: &[u8]| {
                let mut head = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
                    body.len()
                );
                for (name, value) in extra {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str("\r\n");
                writer.write_all(head.as_bytes())?;
                writer.write_all(body)?;
                writer.flush()
            };
        let written = match (method.as_str(), path.as_str()) {
            ("GET", "/2018-06-01/runtime/invocation/next") => {
                // Long poll, as the real API does, until there is an event.
                let mut state = shared.state.lock().unwrap();
                let (id, event) = loop {
                    if state.closing {
                        return;
                    }
                    if let Some(next) = state.queue.pop_front() {
                        break next;
                    }
                    state = shared
                        .changed
                        .wait_timeout(state, Duration::from_millis(200))
                        .unwrap()
                        .0;
                };
                state.handed_out.push(id.clone());
                drop(state);
                let deadline = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .expect("clock")
                    .as_millis()
                    + 30_000;
                let body = serde_json::to_vec(&event).expect("event JSON");
                reply(
                    &mut writer,
                    "200 OK",
                    &[
                        ("Lambda-Runtime-Aws-Request-Id", id.clone()),
                        ("Lambda-Runtime-Deadline-Ms", deadline.to_string()),
                        (
                            "Lambda-Runtime-Invoked-Function-Arn",
                            shared.function_arn.clone(),
                        ),
                        (
                            "Lambda-Runtime-Trace-Id",
                            format!(
                                "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c;Parent=53995c3f42cd8ad8;Sampled=0;Lineage=1:{}",
                                &id[id.len() - 6..]
                            ),
                        ),
                    ],
                    &body,
                )
            }
            ("POST", p) if p.starts_with("/2018-06-01/runtime/invocation/") => {
                let rest = &p["/2018-06-01/runtime/invocation/".len()..];
                let mut state = shared.state.lock().unwrap();
                match rest.split_once('/') {
                    Some((id, "response")) => {
                        state.answers.insert(id.to_string(), Answer::Response(body));
                    }
                    Some((id, "error")) => {
                        let error_type = headers
                            .get("lambda-runtime-function-error-type")
                            .cloned()
                            .unwrap_or_default();
                        state.answers.insert(
                            id.to_string(),
                            Answer::Error {
                                error_type,
                                body: String::from_utf8_lossy(&body).into_owned(),
                            },
                        );
                    }
                    _ => state.unexpected.push(format!("{method} {path}")),
                }
                shared.changed.notify_all();
                drop(state);
                reply(&mut writer, "202 Accepted", &[], br#"{"status":"OK"}"#)
            }
            _ => {
                let mut state = shared.state.lock().unwrap();
                state.unexpected.push(format!(
                    "{method} {path}: {}",
                    String::from_utf8_lossy(&body)
                ));
                shared.changed.notify_all();
                drop(state);
                reply(&mut writer, "404 Not Found", &[], b"{}")
            }
        };
        if written.is_err() {
            return;
        }
    }
}

type Request = (String, String, HashMap<String, String>, Vec<u8>);

/// Reads one HTTP/1.1 request (Content-Length or chunked body). `None` at the end of the
/// connection.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    let mut body = Vec::new();
    if headers
        .get("transfer-encoding")
        .is_some_and(|v| v.contains("chunked"))
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = headers.get("content-length") {
        body = vec![0; length.parse().ok()?];
        reader.read_exact(&mut body).ok()?;
    }
    Some((method, path, headers, body))
}
