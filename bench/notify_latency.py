"""Time from sending a worry to its notification emails being in the outbox (the local notifier,
woken by the submission), over N worries sent one after another to a fresh server; the submit
round trip; then the DSL's inbox page with 1,000 open worries. Usage: notify_latency.py BINARY PORT N"""
import os, re, sys, time, urllib.parse
from server import Server, pct

binary, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
token_re = re.compile(rb'name="token" value="([^"]+)"')
server = Server(binary, port)
try:
    c = server.connection()

    def send(i, urgency="soon"):
        c.request("GET", "/tell")
        token = token_re.search(c.getresponse().read()).group(1).decode()
        body = urllib.parse.urlencode({"token": token, "text": f"Benchmark worry {i}", "urgency": urgency,
                                       "about": "me", "involves": "nobody", "kind": "bullying",
                                       "wants_contact": "no"})
        t0 = time.time()
        c.request("POST", "/tell", body, {"Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        r.read()
        if r.status != 200:
            sys.exit(f"worry {i} was refused: {r.status} (has the form a new required field?)")
        return t0

    first, last, submit = [], [], []
    for i in range(n):
        before = set(server.emails())
        t0 = send(i)
        submit.append((time.time() - t0) * 1000)
        while True:
            new = [f for f in server.emails() if f not in before]
            if len(new) >= 2:  # the DSL and the deputy
                break
            if time.time() - t0 > 30:
                sys.exit(f"no notification email for worry {i} within 30 s")
            time.sleep(0.0005)
        times = sorted(os.stat(os.path.join(server.outbox, f)).st_mtime for f in new)
        first.append((times[0] - t0) * 1000)
        last.append((times[-1] - t0) * 1000)
    print(f"worry submit round trip (POST /tell, {n} sequential): p50 {pct(submit, 50):.1f} ms, p99 {pct(submit, 99):.1f} ms")
    print(f"submit -> first notification email in the outbox: p50 {pct(first, 50):.1f} ms, p99 {pct(first, 99):.1f} ms, max {max(first):.1f} ms")
    print(f"submit -> both recipients' emails in the outbox: p50 {pct(last, 50):.1f} ms, p99 {pct(last, 99):.1f} ms")

    # The inbox with 1,000 open worries: 800 more, then the DSL signs in through the outbox.
    for i in range(1000 - n):
        send(n + i, "urgent" if i % 10 == 0 else "soon")
    cookie = server.sign_in("safeguarding@wexmoorvale.example.org")
    for path in ["/worries", "/worries?kind=bullying&days=7"]:
        times = []
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
    server.stop()
