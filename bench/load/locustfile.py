"""Locust users of the load test (bench/load/run.py starts locust with this file).

Each user is one learner, signed in with its own session (LOAD_USERS: a JSON list of
{email, name, cookie}, one per user). It loops: reads the module (the section where it stopped),
opens the quiz (a new attempt), sends the right answers, opens the AUP and signs it. From the
second time round the module is done and the AUP signed: the quiz is a practice attempt and
the signature a re-submission, which must record no second completion or signature.

The right answers come from the quiz's content file (LOAD_QUIZ): question ids are q1, q2, ...
and option ids a, b, ... in the order the file lists them.

At the end it writes how many quiz submissions and AUP signs each learner had answered
(LOAD_COUNTS), for the check against the store, and each step's figures (LOAD_STATS).
"""
import html, itertools, json, os, re, time
from collections import defaultdict

import gevent
from locust import FastHttpUser, events, task

USERS = json.load(open(os.environ["LOAD_USERS"]))
MODULE = os.environ["LOAD_MODULE"]
AUP = os.environ["LOAD_AUP"]
NEXT_USER = itertools.count()
COUNTS = defaultdict(lambda: {"quiz": 0, "aup": 0})


def right_answers(path):
    """{question id: [option ids ticked in the file]}."""
    answers, q = {}, 0
    option = 0
    for line in open(path, encoding="utf-8"):
        if line.startswith("## Question"):
            q += 1
            option = 0
            answers[f"q{q}"] = []
        elif q and re.match(r"- \[[ x]\] ", line):
            if line.startswith("- [x]"):
                answers[f"q{q}"].append(chr(ord("a") + option))
            option += 1
    return answers


RIGHT = right_answers(os.environ["LOAD_QUIZ"])


def field(page, name):
    m = re.search(rf'name="{name}" value="([^"]*)"', page)
    return html.unescape(m.group(1)) if m else None


WINDOW = {}


@events.test_start.add_listener
def started(environment, **_):
    """The run's time counts from here: locust's own --run-time clock starts a few seconds
    before the first user, so the end is set here too (run.py gives --run-time a margin)."""
    WINDOW["start"] = time.time()
    gevent.spawn_later(float(os.environ["LOAD_SECONDS"]), environment.runner.quit)


@events.test_stop.add_listener
def stopped(**_):
    WINDOW["stop"] = time.time()


@events.quitting.add_listener
def write_results(environment, **_):
    """Once every user has finished its round: the counts, and each step's figures (times in
    ms; locust's percentiles are approximate: 2 significant digits above 100 ms)."""
    with open(os.environ["LOAD_COUNTS"], "w") as f:
        json.dump(COUNTS, f, indent=1, sort_keys=True)
    stats = environment.stats
    # req/s over the run, from the first user started to the last one stopped
    secs = WINDOW.get("stop", time.time()) - WINDOW["start"]
    steps = sorted(stats.entries.values(), key=lambda e: e.name) + [stats.total]
    with open(os.environ["LOAD_STATS"], "w") as f:
        json.dump([{"step": "all steps" if e is stats.total else e.name, "count": e.num_requests,
                    "errors": e.num_failures, "p50": e.get_response_time_percentile(0.5),
                    "p99": e.get_response_time_percentile(0.99), "rps": e.num_requests / secs, "secs": secs} for e in steps], f, indent=1)


class Learner(FastHttpUser):
    # no think time: each learner goes round as fast as the server answers
    wait_time = staticmethod(lambda: 0)

    def on_start(self):
        n = next(NEXT_USER)
        if n >= len(USERS):
            raise RuntimeError(f"more users than learners ({len(USERS)})")
        me = USERS[n]
        self.email, self.name = me["email"], me["name"]
        self.cookie = {"Cookie": me["cookie"]}
        self.form = {**self.cookie, "Content-Type": "application/x-www-form-urlencoded"}
        self.sign_form = None  # the AUP form's fields, once seen

    @task
    def round(self):
        # 1. The module: the section where the learner stopped.
        with self.client.get(f"/learn/{MODULE}", headers=self.cookie, name="1 module page",
                             catch_response=True) as r:
            if r.status_code != 200 or 'data-testid="reading-position"' not in (r.text or ""):
                r.failure(f"{r.status_code}, not the learner's reading page")
                return
        # 2. The quiz: a new attempt, its questions drawn from the bank.
        with self.client.get(f"/learn/{MODULE}/quiz", headers=self.cookie, name="2 quiz page",
                             catch_response=True) as r:
            page = r.text or ""
            csrf, attempt = field(page, "csrf"), field(page, "attempt")
            shown = sorted(set(re.findall(r'name="answer-(q\d+)"', page)))
            if r.status_code != 200 or not csrf or not attempt or not shown:
                r.failure(f"{r.status_code}, no quiz form")
                return
        body = [("csrf", csrf), ("attempt", attempt)]
        body += [(f"answer-{q}", o) for q in shown for o in RIGHT[q]]
        # 3. The answers.
        with self.client.post(f"/learn/{MODULE}/quiz", data=encode(body), headers=self.form,
                              name="3 quiz submit", catch_response=True) as r:
            if r.status_code == 200:
                COUNTS[self.email]["quiz"] += 1
            if r.status_code != 200 or "You passed" not in (r.text or ""):
                r.failure(f"{r.status_code}, not passed")
                return
        # 4. The AUP: the form the first time, "You have signed" afterwards.
        with self.client.get(f"/aup/{AUP}", headers=self.cookie, name="4 AUP page", catch_response=True) as r:
            page = r.text or ""
            if r.status_code != 200:
                r.failure(f"{r.status_code}")
                return
            if 'class="aup-sign"' in page:
                self.sign_form = [("csrf", field(page, "csrf")), ("version", field(page, "version")),
                                  ("sha256", field(page, "sha256")), ("typed_name", self.name),
                                  ("declaration", "yes")]
            elif 'data-testid="aup-signed"' not in page or not self.sign_form:
                r.failure("neither the sign form nor the signature")
                return
        # 5. The signature (again, from the second time round: the same form re-sent).
        with self.client.post(f"/aup/{AUP}", data=encode(self.sign_form), headers=self.form,
                              name="5 AUP sign", catch_response=True) as r:
            if r.status_code == 200:
                COUNTS[self.email]["aup"] += 1
            if r.status_code != 200 or 'data-testid="aup-signed"' not in (r.text or ""):
                r.failure(f"{r.status_code}, not signed")


def encode(pairs):
    from urllib.parse import urlencode

    return urlencode(pairs)
