"""The learning pages' figures: server time of My training and of the quiz submission (p50/p99,
sequential requests on loopback, a fresh server), and the bytes of a module section page.
Usage: learning.py BINARY PORT"""
import gzip, re, shutil, subprocess, sys, time, urllib.parse
from server import Server, pct

binary, port = sys.argv[1], int(sys.argv[2])
MODULE = "four-cs-of-online-risk"
server = Server(binary, port)
try:
    cookie = server.sign_in("learner@wexmoorvale.example.org")
    c = server.connection()

    def get(path):
        t0 = time.time()
        c.request("GET", path, headers={"Cookie": cookie, "Accept-Encoding": "gzip"})
        r = c.getresponse()
        body = r.read()
        ms = (time.time() - t0) * 1000
        if r.status != 200:
            sys.exit(f"GET {path}: {r.status}")
        return ms, body, r.getheader("Content-Encoding") == "gzip"

    times = [get("/me/training")[0] for _ in range(200)]
    print(f"my training (GET /me/training, signed in, sequential): p50 {pct(times, 50):.1f} ms, p99 {pct(times, 99):.1f} ms")
    if shutil.which("wrk"):
        out = subprocess.run(["wrk", "-t2", "-c16", "-d5s", "--latency", "-H", f"Cookie: {cookie}",
                              f"http://127.0.0.1:{port}/me/training"], capture_output=True, text=True).stdout
        p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
        p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
        rps = re.search(r"^Requests/sec:\s+(\S+)", out, re.M)
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        print(f"my training under load (wrk -t2 -c16 -d5s): p50 {p50 and p50.group(1)}, p99 {p99 and p99.group(1)}, "
              f"{rps and rps.group(1)} req/s{', non-2xx: ' + bad.group(1) if bad else ''}")

    ms, body, gz = get(f"/learn/{MODULE}?section=1")
    html = gzip.decompress(body) if gz else body
    css = re.search(rb'href="(/pkg/style-[^"]+\.css)"', html)
    css_bytes = len(get(css.group(1).decode())[1]) if css else 0
    scripts = re.findall(rb'src="(/pkg/[^"]+\.js)"', html)
    print(f"module section page (GET /learn/{MODULE}?section=1, signed in): HTML {len(body)} bytes "
          f"{'gzipped' if gz else 'uncompressed'} ({len(html)} raw) + CSS {css_bytes} = {len(body) + css_bytes} bytes; "
          f"{len(scripts)} scripts (a section page has no islands)")

    def quiz_page():
        """The quiz form. The bench answers the first option of each question, so it fails: after
        two fails in a row the quiz asks for the parts of the module it came from to be read
        again (409, with their links), as a learner would be asked."""
        c.request("GET", f"/learn/{MODULE}/quiz", headers={"Cookie": cookie, "Accept-Encoding": "gzip"})
        r = c.getresponse()
        body = r.read()
        page = (gzip.decompress(body) if r.getheader("Content-Encoding") == "gzip" else body).decode()
        if r.status == 409:
            sections = set(re.findall(rf'href="(/learn/{MODULE}\?section=\d+)"', page))
            if not sections:
                sys.exit(f"GET /learn/{MODULE}/quiz: 409 without the sections to read again")
            for section in sorted(sections):
                get(section.replace("&amp;", "&"))
            return quiz_page()
        if r.status != 200:
            sys.exit(f"GET /learn/{MODULE}/quiz: {r.status}")
        return page

    submit = []
    for i in range(100):
        page = quiz_page()
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        attempt = re.search(r'name="attempt" value="([^"]+)"', page).group(1)
        answers = {}
        for name, value in re.findall(r'name="(answer-[^"]+)" value="([^"]+)"', page):
            answers.setdefault(name, value)  # the first option of each question
        form = urllib.parse.urlencode([("csrf", csrf), ("attempt", attempt)] + list(answers.items()))
        t0 = time.time()
        c.request("POST", f"/learn/{MODULE}/quiz", form,
                  {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        r.read()
        submit.append((time.time() - t0) * 1000)
        if r.status != 200:
            sys.exit(f"quiz submit {i}: {r.status}")
    print(f"quiz submit (POST /learn/{MODULE}/quiz, graded and stored): p50 {pct(submit, 50):.1f} ms, p99 {pct(submit, 99):.1f} ms")
finally:
    server.stop()
