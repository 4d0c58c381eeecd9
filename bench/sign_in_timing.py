"""Sign-in request time for registered and unregistered addresses (issue 17: the answer, and its
time, must not tell whether an address is registered). Invites `n` people through the admin page,
then asks for a link for each of them and for `n` unknown addresses, interleaved, one connection,
and prints the median and 90th percentile of each.

usage: sign_in_timing.py BINARY PORT [N]"""
import html, re, statistics, sys, time, urllib.parse
from server import Server, pct

ADMIN = "admin@wexmoorvale.example.org"


def post(conn, path, fields, cookie=None):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookie:
        headers["Cookie"] = cookie
    start = time.perf_counter()
    conn.request("POST", path, urllib.parse.urlencode(fields), headers)
    r = conn.getresponse()
    r.read()
    return r.status, (time.perf_counter() - start) * 1000


def main():
    binary, port = sys.argv[1], int(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    s = Server(binary, port)
    try:
        admin = s.sign_in(ADMIN)
        c = s.connection()
        c.request("GET", "/admin/people", headers={"Cookie": admin})
        page = c.getresponse().read().decode()
        csrf = html.unescape(re.search(r'name="csrf" value="([^"]+)"', page).group(1))
        for i in range(n):
            status, _ = post(c, "/admin/people/invite",
                             {"csrf": csrf, "name": f"Bench Learner {i}",
                              "email": f"bench{i}@wexmoorvale.example.org", "roles": "learner"}, admin)
            assert status < 400, status
        time.sleep(1)
        known, unknown = [], []
        for i in range(n):
            for email, into in ((f"bench{i}@wexmoorvale.example.org", known),
                                (f"nobody{i}@wexmoorvale.example.org", unknown)):
                status, ms = post(c, "/sign-in", {"email": email})
                assert status == 200, (email, status)
                into.append(ms)
                # Locally the email is sent by the same process just after the answer: let it
                # finish, so it does not slow the next request (on AWS another function sends it).
                time.sleep(0.05)
        # every known address got its link (sent after the answer)
        deadline = time.time() + 20
        while time.time() < deadline and len(s.emails()) < n + 1:
            time.sleep(0.05)
        sent = len(s.emails()) - 1
        for name, xs in (("registered", known), ("unregistered", unknown)):
            print(f"sign-in request, {name} address: median {statistics.median(xs):.2f} ms, "
                  f"p90 {pct(xs, 90):.2f} ms ({len(xs)} requests)")
        print(f"sign-in emails sent after the answers: {sent} of {n} registered, 0 expected for the unregistered")
    finally:
        s.stop()


if __name__ == "__main__":
    main()
