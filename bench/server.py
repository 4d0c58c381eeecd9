"""Shared by the benchmark scripts: a fresh local server on its own data folder, signing in
through the outbox, and percentiles."""
import http.client, os, re, subprocess, sys, tempfile, time, urllib.parse


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


class Server:
    """`binary` on 127.0.0.1:`port` with a fresh data folder (embedded store, demo people)."""

    def __init__(self, binary, port):
        self.port = port
        self.data = tempfile.mkdtemp()
        self.outbox = os.path.join(self.data, "outbox")
        env = dict(os.environ, APP_BIND=f"127.0.0.1:{port}", APP_DATA_DIR=self.data, RUST_LOG="warn",
                   APP_WORRY_LIMIT="100000000")
        self.proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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

    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.port)

    def emails(self):
        try:
            return [f for f in os.listdir(self.outbox) if f.endswith(".txt")]
        except FileNotFoundError:
            return []

    def sign_in(self, email):
        """Signs `email` in by emailed link; returns the `session=...` cookie."""
        c = self.connection()
        before = set(self.emails())
        c.request("POST", "/sign-in", urllib.parse.urlencode({"email": email}),
                  {"Content-Type": "application/x-www-form-urlencoded"})
        c.getresponse().read()
        deadline = time.time() + 10
        while time.time() < deadline:
            for f in set(self.emails()) - before:
                text = open(os.path.join(self.outbox, f)).read()
                m = re.search(r"/sign-in/link\?token=(\S+)", text)
                if text.startswith(f"To: {email}") and m:
                    c.request("POST", "/sign-in/link", urllib.parse.urlencode({"token": m.group(1)}),
                              {"Content-Type": "application/x-www-form-urlencoded"})
                    r = c.getresponse()
                    r.read()
                    return r.getheader("Set-Cookie").split(";")[0]
            time.sleep(0.01)
        sys.exit(f"no sign-in email to {email}")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
