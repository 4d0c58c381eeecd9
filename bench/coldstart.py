"""Cold start: from process start to the first 200 on a page, over several runs (median, min, max)."""
import http.client, os, statistics, subprocess, sys, tempfile, time

binary, port, path, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
times = []
for _ in range(runs):
    env = dict(os.environ, APP_BIND=f"127.0.0.1:{port}", APP_DATA_DIR=tempfile.mkdtemp(), RUST_LOG="warn")
    start = time.perf_counter()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                c.request("GET", path)
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.perf_counter() - start > 10:
                sys.exit("server did not answer within 10 s")
        times.append((time.perf_counter() - start) * 1000)
    finally:
        proc.terminate()
        proc.wait()
print(f"cold start to first 200 ({runs} runs): median {statistics.median(times):.1f} ms, min {min(times):.1f} ms, max {max(times):.1f} ms")
