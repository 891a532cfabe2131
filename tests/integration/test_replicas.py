"""Several replicas of every stage: traffic through two ingresses stays correct while one
replica of each stage is killed with SIGKILL and another one is added.

One module fixture runs the whole scenario once: 2 ingress, 2 authz, 3 ratelimit and 2
audit-sink processes, with Redis for the rate limits, and client threads that send writes and
reads of two tenants for about 25 seconds. The tests below each check one property of what the
clients saw, against the audit table afterwards.
"""

import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

import pytest
import requests

from tests.harness import poll
from tests.harness.gateway import Identity

REPLICAS = {"ingress": 2, "authz": 2, "ratelimit": 3, "audit-sink": 2}
# Order in which one replica of each stage is killed and then replaced.
CHAOS_ORDER = ("authz", "ratelimit", "audit-sink", "ingress")

TENANTS = ("umbrella", "cyberdyne")
SUBJECTS = {tenant: [f"{tenant}-user-{number}" for number in range(3)] for tenant in TENANTS}
WRITERS = {tenant: Identity(f"agent-{tenant}-writer", "agent-writer", tenant) for tenant in TENANTS}
READERS = {tenant: Identity(f"agent-{tenant}-reader", "agent-reader", tenant) for tenant in TENANTS}

# One actor with a small limit. No other actor has the supervisor role here, so
# MEMGOV_RATELIMIT_ROLES_SUPERVISOR applies to this actor alone.
LIMITED_ACTOR = Identity("agent-umbrella-supervisor", "supervisor", "umbrella")
LIMITED_LIMIT = 5
# Longer than the whole scenario, so every request of the limited actor falls into one window.
WINDOW_SECONDS = 300

CLIENT_THREADS = 4
# Upper bound of requests per client thread; the threads stop earlier when the chaos ends.
MAX_REQUESTS_PER_THREAD = 1500
# Pause between two requests of one thread. It spreads the load so that the 2-core test
# machine is not saturated; it is not used to wait for any condition.
PACE_SECONDS = 0.05
# A client thread opens a new connection after this many requests, so that the kernel spreads
# connections over every ingress process listening on the shared port (SO_REUSEPORT).
REQUESTS_PER_CONNECTION = 10
LIMITED_ACTOR_PACE_SECONDS = 0.25

# Client timeout. Every request must get its response within it.
CLIENT_TIMEOUT_SECONDS = 2.0
# How long after a SIGKILL a 503 naming the killed stage, or a broken connection when the
# killed process is an ingress, still counts as failover rather than a wrong response. A call
# in flight to the killed replica times out after ingress.stage_timeout_ms (300 ms) and is
# sent to another replica, so this leaves room for a slow machine.
FAILOVER_SECONDS = 2.0
# Requests that must complete between two chaos steps: traffic runs through every step.
REQUESTS_PER_CHAOS_STEP = 60
PROGRESS_TIMEOUT_SECONDS = 30.0
AUDIT_CATCH_UP_SECONDS = 30.0

STAGE_WORDS = {
    "authz": ("authz", "authorization"),
    "ratelimit": ("ratelimit", "rate limit", "rate-limit"),
    "audit-sink": ("audit",),
}


# --- what the clients record ---------------------------------------------------------------


@dataclass
class Outcome:
    """One request as the client saw it."""

    kind: str  # write_own, read_own, read_other, limited
    identity: Identity
    subject: str
    request_id: str  # sent in X-Request-Id
    started: float  # time.monotonic()
    finished: float
    status: Optional[int] = None  # None when no response arrived
    error: Optional[str] = None  # exception class and message when no response arrived
    timed_out: bool = False
    echoed_request_id: Optional[str] = None
    reason: str = ""
    body_problem: str = ""  # set when a 200 body contains another subject's data


@dataclass
class ChaosEvent:
    stage: str
    action: str  # "kill" or "start"
    at: float  # time.monotonic() just before the SIGKILL or the launch
    done: float  # time.monotonic() once the process is reaped or the new replica is ready
    pid: int


@dataclass
class ScenarioResult:
    outcomes: list[Outcome]
    events: list[ChaosEvent]
    ingress_requests: dict[str, float]  # ingress process name -> requests it counted
    ratelimit_backends: list[Optional[str]]
    audit_counts: dict[str, int] = field(default_factory=dict)  # request id -> audit rows


# --- the client threads --------------------------------------------------------------------


def records_match_subject(body: object, subject: str) -> bool:
    """Tell whether every memory in a list response belongs to `subject`."""
    results = body.get("results", body) if isinstance(body, dict) else body
    if not isinstance(results, list):
        return False
    return all(
        isinstance(record, dict) and record.get("user_id") in (None, subject)
        for record in results
    )


class LoadClient:
    """Sends the requests of one thread and records an Outcome for each."""

    def __init__(self, base_url: str, outcomes: list, lock: threading.Lock):
        self.base_url = base_url
        self.outcomes = outcomes
        self.lock = lock
        self.session = requests.Session()
        self.sent_on_connection = 0

    def send(self, kind: str, identity: Identity, subject: str) -> None:
        if self.sent_on_connection >= REQUESTS_PER_CONNECTION:
            self.session.close()
            self.session = requests.Session()
            self.sent_on_connection = 0
        self.sent_on_connection += 1

        request_id = f"replicas-{uuid.uuid4()}"
        headers = identity.headers()
        headers["X-Request-Id"] = request_id
        if kind == "write_own":
            method, path = "POST", "/memories"
            kwargs = {
                "json": {
                    "messages": [{"role": "user", "content": f"note {request_id}"}],
                    "user_id": subject,
                }
            }
        else:
            method, path = "GET", "/memories"
            kwargs = {"params": {"user_id": subject}}

        outcome = Outcome(kind, identity, subject, request_id, time.monotonic(), 0.0)
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                headers=headers,
                timeout=CLIENT_TIMEOUT_SECONDS,
                **kwargs,
            )
        except requests.Timeout as error:
            outcome.timed_out = True
            outcome.error = f"{type(error).__name__}: {error}"
            self.session = requests.Session()
        except requests.RequestException as error:
            outcome.error = f"{type(error).__name__}: {error}"
            self.session = requests.Session()
        else:
            self._read_response(outcome, response)
        outcome.finished = time.monotonic()
        with self.lock:
            self.outcomes.append(outcome)

    @staticmethod
    def _read_response(outcome: Outcome, response: requests.Response) -> None:
        outcome.status = response.status_code
        outcome.echoed_request_id = response.headers.get("X-Request-Id")
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400 and isinstance(body, dict):
            outcome.reason = str(body.get("reason", ""))
        if response.status_code == 200 and outcome.kind != "write_own":
            if not records_match_subject(body, outcome.subject):
                outcome.body_problem = response.text[:300]


def run_mixed_client(client: LoadClient, tenant: str, seed: int, stop: threading.Event) -> None:
    """Send own-tenant writes and reads and cross-tenant reads until `stop` or the bound."""
    rng = random.Random(seed)
    other = TENANTS[1] if tenant == TENANTS[0] else TENANTS[0]
    for _ in range(MAX_REQUESTS_PER_THREAD):
        if stop.is_set():
            return
        draw = rng.random()
        if draw < 0.2:
            client.send("write_own", WRITERS[tenant], rng.choice(SUBJECTS[tenant]))
        elif draw < 0.8:
            client.send("read_own", READERS[tenant], rng.choice(SUBJECTS[tenant]))
        else:
            client.send("read_other", READERS[tenant], rng.choice(SUBJECTS[other]))
        stop.wait(PACE_SECONDS)


def run_limited_client(client: LoadClient, stop: threading.Event) -> None:
    subject = SUBJECTS[LIMITED_ACTOR.tenant][0]
    for _ in range(MAX_REQUESTS_PER_THREAD):
        if stop.is_set():
            return
        client.send("limited", LIMITED_ACTOR, subject)
        stop.wait(LIMITED_ACTOR_PACE_SECONDS)


# --- metrics and logs of the processes -----------------------------------------------------


def ready_record(process) -> dict:
    for line in process.log_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("msg") == "ready":
            return record
    return {}


def starting_record(process) -> dict:
    for line in process.log_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("msg") == "starting":
            return record
    return {}


def metric_total(process, family: str) -> float:
    """Sum every sample of one counter family on a process's metrics port (0 when absent)."""
    address = ready_record(process).get("metrics")
    if not address:
        return 0.0
    try:
        text = requests.get(f"http://{address}/metrics", timeout=2).text
    except requests.RequestException:
        return 0.0
    total = 0.0
    for line in text.splitlines():
        if line.startswith(family + "{") or line.startswith(family + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


# --- the scenario --------------------------------------------------------------------------


def wait_for_progress(outcomes: list, lock: threading.Lock, more: int, description: str) -> None:
    with lock:
        target = len(outcomes) + more

    def count() -> int:
        with lock:
            return len(outcomes)

    poll(count, lambda done: done >= target, PROGRESS_TIMEOUT_SECONDS, description, interval=0.05)


def seed_subjects(base_url: str) -> None:
    """Write one memory per subject, which makes each subject owned by its writer's tenant."""
    session = requests.Session()
    for tenant in TENANTS:
        for subject in SUBJECTS[tenant]:
            message = {"role": "user", "content": f"{subject} joined"}
            body = {"messages": [message], "user_id": subject}
            headers = WRITERS[tenant].headers()
            response = session.post(base_url + "/memories", json=body, headers=headers, timeout=30)
            assert response.status_code == 200, response.text


def run_chaos(mesh, outcomes, lock, events: list[ChaosEvent]) -> None:
    """Kill one replica of each stage, then start a new one, while traffic runs."""
    wait_for_progress(outcomes, lock, REQUESTS_PER_CHAOS_STEP, "traffic before the first kill")
    for stage in CHAOS_ORDER:
        kill_time = time.monotonic()
        killed = mesh.kill_stage(stage, 0)
        events.append(ChaosEvent(stage, "kill", kill_time, time.monotonic(), killed.pid))
        wait_for_progress(outcomes, lock, REQUESTS_PER_CHAOS_STEP, f"traffic after killing {stage}")
        launch_time = time.monotonic()
        started = mesh.start_replica(stage)
        events.append(ChaosEvent(stage, "start", launch_time, time.monotonic(), started.pid))
        wait_for_progress(outcomes, lock, REQUESTS_PER_CHAOS_STEP, f"traffic after adding {stage}")


def audit_counts(mesh, request_ids: list[str]) -> dict[str, int]:
    rows = mesh.sql(
        "SELECT request_id, count(*) FROM mem0_audit_log WHERE request_id = ANY(%s) "
        "GROUP BY request_id",
        (request_ids,),
    )
    return {request_id: count for request_id, count in rows}


@pytest.fixture(scope="module")
def scenario(start_mesh, stop_mesh) -> ScenarioResult:
    mesh = start_mesh(
        replicas=REPLICAS,
        with_redis=True,
        stage_env={
            "ratelimit": {
                "MEMGOV_RATELIMIT_DEFAULT_LIMIT": "1000000",
                "MEMGOV_RATELIMIT_ROLES_SUPERVISOR": str(LIMITED_LIMIT),
                "MEMGOV_RATELIMIT_WINDOW_SECONDS": str(WINDOW_SECONDS),
            }
        },
    )
    seed_subjects(mesh.gateway_url)

    outcomes: list[Outcome] = []
    events: list[ChaosEvent] = []
    lock = threading.Lock()
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=run_mixed_client,
            args=(LoadClient(mesh.gateway_url, outcomes, lock), TENANTS[number % 2], number, stop),
            name=f"client-{number}",
        )
        for number in range(CLIENT_THREADS)
    ]
    threads.append(
        threading.Thread(
            target=run_limited_client,
            args=(LoadClient(mesh.gateway_url, outcomes, lock), stop),
            name="limited-client",
        )
    )
    ingress_counts: dict[str, float] = {}
    for thread in threads:
        thread.start()
    try:
        # Both original ingress processes must take traffic before one of them is killed.
        for process in mesh.processes("ingress"):
            ingress_counts[process.name] = poll(
                lambda: metric_total(process, "memgov_ingress_requests_total"),
                lambda total: total > 0,
                PROGRESS_TIMEOUT_SECONDS,
                f"requests served by {process.name}",
                interval=0.2,
            )
        run_chaos(mesh, outcomes, lock, events)
        added_ingress = mesh.processes("ingress")[-1]
        ingress_counts[added_ingress.name] = poll(
            lambda: metric_total(added_ingress, "memgov_ingress_requests_total"),
            lambda total: total > 0,
            PROGRESS_TIMEOUT_SECONDS,
            f"requests served by the added {added_ingress.name}",
            interval=0.2,
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=CLIENT_TIMEOUT_SECONDS + 10)

    # Audit rows are written asynchronously, so wait until every answered request that must
    # have one has it.
    must_be_audited = [
        outcome.request_id
        for outcome in outcomes
        if outcome.status is not None and expects_audit_row(outcome, events)
    ]
    every_id = [outcome.request_id for outcome in outcomes]
    poll(
        lambda: sorted(set(must_be_audited) - set(audit_counts(mesh, must_be_audited))),
        lambda missing: not missing,
        AUDIT_CATCH_UP_SECONDS,
        "audit rows of every answered request (value: the request ids still missing)",
        interval=0.5,
    )
    counts = audit_counts(mesh, every_id)
    backends = [starting_record(process).get("backend") for process in mesh.processes("ratelimit")]
    result = ScenarioResult(outcomes, events, ingress_counts, backends, counts)
    yield result
    stop_mesh(mesh)


# --- judging one outcome -------------------------------------------------------------------

EXPECTED_STATUSES = {
    "write_own": {200},
    "read_own": {200},
    "read_other": {403},
    "limited": {200, 429},
}


def events_of(events: list[ChaosEvent], action: str, stages) -> list[ChaosEvent]:
    return [event for event in events if event.action == action and event.stage in stages]


def within_window(outcome: Outcome, windows: list[ChaosEvent]) -> bool:
    """Tell whether a request overlapped one of the events, or the FAILOVER_SECONDS after it."""
    return any(
        outcome.finished >= event.at and outcome.started <= event.done + FAILOVER_SECONDS
        for event in windows
    )


def stages_named(reason: str) -> list[str]:
    text = reason.lower()
    return [stage for stage, words in STAGE_WORDS.items() if any(word in text for word in words)]


def rejected_by_new_ingress(outcome: Outcome, events: list[ChaosEvent]) -> bool:
    """Tell whether a 503 came from an ingress that had just started and had not connected to
    any replica of a stage yet. At least one replica of every stage runs throughout the
    scenario, so "no ... replica is reachable" can come from no other ingress."""
    return (
        outcome.status == 503
        and "replica is reachable" in outcome.reason
        and within_window(outcome, events_of(events, "start", ["ingress"]))
    )


def expects_audit_row(outcome: Outcome, events: list[ChaosEvent]) -> bool:
    """Tell whether an answered request must have its audit row. A 503 because no audit-sink
    replica stored the event cannot have one, and neither can a rejection by an ingress that
    was not connected to the audit sinks yet."""
    if outcome.status == 503 and "audit-sink" in stages_named(outcome.reason):
        return False
    return not rejected_by_new_ingress(outcome, events)


def judge(outcome: Outcome, events: list[ChaosEvent]) -> Optional[str]:
    """Return why an outcome is wrong, or None when it is one of the expected responses."""
    if outcome.timed_out:
        return "no response within the client timeout"
    if rejected_by_new_ingress(outcome, events):
        return None  # judged by test_added_ingress_rejects_nothing
    if outcome.status is None:
        if within_window(outcome, events_of(events, "kill", ["ingress"])):
            return None
        return f"connection failed outside an ingress failover: {outcome.error}"
    if outcome.status in EXPECTED_STATUSES[outcome.kind]:
        if outcome.body_problem:
            return f"200 with another subject's records: {outcome.body_problem}"
        return None
    if outcome.status == 503:
        named = stages_named(outcome.reason)
        if named and within_window(outcome, events_of(events, "kill", named)):
            return None
        return f"503 outside a failover of the stage it names: {outcome.reason!r}"
    return f"status {outcome.status} ({outcome.reason!r})"


def nearest_event(outcome: Outcome, events: list[ChaosEvent]) -> str:
    if not events:
        return "no chaos event"
    event = min(events, key=lambda event: abs(outcome.started - event.at))
    return f"started {outcome.started - event.at:+.2f} s from the {event.action} of {event.stage}"


def describe(outcome: Outcome, problem: str, events: list[ChaosEvent]) -> str:
    return (
        f"{outcome.kind} by {outcome.identity.actor} of {outcome.subject} "
        f"[{outcome.request_id}, {nearest_event(outcome, events)}]: {problem}"
    )


# --- tests ---------------------------------------------------------------------------------


def test_scenario_sent_traffic(scenario):
    kinds = Counter(outcome.kind for outcome in scenario.outcomes)
    for kind in EXPECTED_STATUSES:
        assert kinds[kind] > 0, kinds
    assert len(scenario.outcomes) >= REQUESTS_PER_CHAOS_STEP * (2 * len(CHAOS_ORDER) + 1)


def test_every_stage_killed_and_replaced(scenario):
    actions = [(event.stage, event.action) for event in scenario.events]
    expected = [(stage, action) for stage in CHAOS_ORDER for action in ("kill", "start")]
    assert actions == expected


def test_every_ingress_served_requests(scenario):
    # Two original ingress processes and the one added after the kill.
    assert len(scenario.ingress_requests) == REPLICAS["ingress"] + 1
    for name, total in scenario.ingress_requests.items():
        assert total > 0, name


def test_no_wrong_answer(scenario):
    problems = [
        describe(outcome, problem, scenario.events)
        for outcome in scenario.outcomes
        if (problem := judge(outcome, scenario.events)) is not None
    ]
    assert problems == [], f"{len(problems)} wrong answers:\n" + "\n".join(problems[:20])


def test_added_ingress_rejects_nothing(scenario):
    # A starting ingress waits for a reachable replica of every stage before it listens.
    rejected = [
        describe(outcome, outcome.reason, scenario.events)
        for outcome in scenario.outcomes
        if rejected_by_new_ingress(outcome, scenario.events)
    ]
    assert rejected == []


def test_no_cross_tenant_read_allowed(scenario):
    leaked = [
        outcome.request_id
        for outcome in scenario.outcomes
        if outcome.kind == "read_other" and outcome.status == 200
    ]
    assert leaked == []


def test_no_own_tenant_request_denied(scenario):
    denied = [
        describe(outcome, outcome.reason, scenario.events)
        for outcome in scenario.outcomes
        if outcome.kind in ("read_own", "write_own", "limited") and outcome.status == 403
    ]
    assert denied == []


def test_no_request_hangs(scenario):
    slow = [
        describe(
            outcome, f"took {outcome.finished - outcome.started:.2f} s", scenario.events
        )
        for outcome in scenario.outcomes
        if outcome.timed_out or outcome.finished - outcome.started > CLIENT_TIMEOUT_SECONDS + 0.5
    ]
    assert slow == []


def test_responses_echo_request_id(scenario):
    mismatched = [
        outcome.request_id
        for outcome in scenario.outcomes
        if outcome.status is not None and outcome.echoed_request_id != outcome.request_id
    ]
    assert mismatched == []


def test_every_answered_request_audited_once(scenario):
    wrong = {
        outcome.request_id: scenario.audit_counts.get(outcome.request_id, 0)
        for outcome in scenario.outcomes
        if outcome.status is not None
        and expects_audit_row(outcome, scenario.events)
        and scenario.audit_counts.get(outcome.request_id, 0) != 1
    }
    assert wrong == {}


def test_unanswered_requests_audited_at_most_once(scenario):
    repeated = {
        outcome.request_id: scenario.audit_counts[outcome.request_id]
        for outcome in scenario.outcomes
        if outcome.status is None and scenario.audit_counts.get(outcome.request_id, 0) > 1
    }
    assert repeated == {}


def test_limit_held_across_replicas(scenario):
    assert set(scenario.ratelimit_backends) == {"redis"}
    limited = [outcome for outcome in scenario.outcomes if outcome.kind == "limited"]
    admitted = [outcome for outcome in limited if outcome.status == 200]
    rejected = [outcome for outcome in limited if outcome.status == 429]
    assert len(admitted) <= LIMITED_LIMIT
    assert rejected, "the limited actor was never rate limited"
