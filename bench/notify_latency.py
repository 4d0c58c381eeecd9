"""Time from sending a worry to its notification emails being in the outbox (the local notifier,
woken by the submission), over N worries sent one after another to a fresh server. Also the
submit round trip on loopback. Usage: notify_latency.py BINARY PORT N"""
import http.client, os, re, statistics, subprocess, sys, tempfile, time, urllib.parse

binary, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = tempfile.mkdtemp()
outbox = os.path.join(data, "outbox")
env = dict(os.environ, APP_BIND=f"127.0.0.1:{port}", APP_DATA_DIR=data, RUST_LOG="warn", APP_WORRY_LIMIT="100000000")
proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
token_re = re.compile(rb'name="token" value="([^"]+)"')


def emails():
    try:
        return [f for f in os.listdir(outbox) if f.endswith(".txt")]
    except FileNotFoundError:
        return []


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


try:
    deadline = time.time() + 20
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().read() == b"ok":
                break
        except OSError:
            pass
        if time.time() > deadline:
            sys.exit("the server did not start")
        time.sleep(0.05)
    # the demo people are imported at start-up: wait until the sign-in of nobody is needed, i.e.
    # just give the import a moment (it finishes before /healthz answers on a fresh store)
    c = http.client.HTTPConnection("127.0.0.1", port)
    first, last, submit = [], [], []
    for i in range(n):
        c.request("GET", "/tell")
        token = token_re.search(c.getresponse().read()).group(1).decode()
        body = urllib.parse.urlencode({"token": token, "text": f"Benchmark worry {i}", "urgency": "soon",
                                       "about": "me", "kind": "bullying", "wants_contact": "no"})
        before = set(emails())
        t0 = time.time()
        c.request("POST", "/tell", body, {"Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        r.read()
        submit.append((time.time() - t0) * 1000)
        if r.status != 200:
            sys.exit(f"worry {i} was refused: {r.status}")
        while True:
            new = [f for f in emails() if f not in before]
            if len(new) >= 2:  # the DSL and the deputy
                break
            if time.time() - t0 > 30:
                sys.exit(f"no notification email for worry {i} within 30 s")
            time.sleep(0.0005)
        times = sorted(os.stat(os.path.join(outbox, f)).st_mtime for f in new)
        first.append((times[0] - t0) * 1000)
        last.append((times[-1] - t0) * 1000)
    print(f"worry submit round trip (POST /tell, {n} sequential): p50 {pct(submit, 50):.1f} ms, p99 {pct(submit, 99):.1f} ms")
    print(f"submit -> first notification email in the outbox: p50 {pct(first, 50):.1f} ms, p99 {pct(first, 99):.1f} ms, max {max(first):.1f} ms")
    print(f"submit -> both recipients' emails in the outbox: p50 {pct(last, 50):.1f} ms, p99 {pct(last, 99):.1f} ms")

    # The inbox with 1,000 open worries: 800 more, then the DSL signs in through the outbox.
    for i in range(1000 - n):
        c.request("GET", "/tell")
        token = token_re.search(c.getresponse().read()).group(1).decode()
        body = urllib.parse.urlencode({"token": token, "text": f"Benchmark worry {n + i}", "urgency": "urgent" if i % 10 == 0 else "soon",
                                       "about": "me", "kind": "bullying", "wants_contact": "no"})
        c.request("POST", "/tell", body, {"Content-Type": "application/x-www-form-urlencoded"})
        c.getresponse().read()
    dsl = "safeguarding@wexmoorvale.example.org"
    before = set(emails())
    c.request("POST", "/sign-in", urllib.parse.urlencode({"email": dsl}), {"Content-Type": "application/x-www-form-urlencoded"})
    c.getresponse().read()
    link = None
    deadline = time.time() + 10
    while link is None and time.time() < deadline:
        for f in set(emails()) - before:
            text = open(os.path.join(outbox, f)).read()
            m = re.search(r"/sign-in/link\?token=(\S+)", text)
            if text.startswith(f"To: {dsl}") and m:
                link = m.group(1)
        time.sleep(0.01)
    c.request("POST", "/sign-in/link", urllib.parse.urlencode({"token": link}), {"Content-Type": "application/x-www-form-urlencoded"})
    r = c.getresponse()
    r.read()
    cookie = r.getheader("Set-Cookie").split(";")[0]
    pages = {"/worries": [], "/worries?kind=bullying&days=7": []}
    for path, times in pages.items():
        for _ in range(50):
            t0 = time.time()
            c.request("GET", path, headers={"Cookie": cookie})
            r = c.getresponse()
            html = r.read()
            times.append((time.time() - t0) * 1000)
            if r.status != 200:
                sys.exit(f"GET {path}: {r.status}")
        print(f"inbox GET {path} with 1,000 open worries ({len(html)} bytes): p50 {pct(times, 50):.1f} ms, p99 {pct(times, 99):.1f} ms")
finally:
    proc.terminate()
    proc.wait()
