"""Fetches N fresh worry-form tokens (each submission in the load test is a new worry, not a replay)."""
import http.client, re, sys

port, n, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port)
pattern = re.compile(rb'name="token" value="([^"]+)"')
with open(out, "w") as f:
    for _ in range(n):
        c.request("GET", "/tell")
        f.write(pattern.search(c.getresponse().read()).group(1).decode() + "\n")
