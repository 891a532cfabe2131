"""Every Grafana dashboard panel returns data from a real Prometheus that scrapes a real mesh.

The test starts a mesh, points a Prometheus server at the metrics port of each stage, sends
traffic that produces each decision (allow, deny, invalid_request, rate_limited) and then
evaluates every panel query of observability/grafana/dashboards through the Prometheus HTTP
API. A panel whose query returns no series fails with its dashboard, title and query.
"""

import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from tests.harness import ManagedProcess, poll
from tests.harness.gateway import Gateway, Identity
from tests.harness.ports import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
DASHBOARD_DIR = REPO_ROOT / "observability" / "grafana" / "dashboards"
PROMETHEUS_CONFIG = REPO_ROOT / "observability" / "prometheus.yml"
DASHBOARD_FILES = sorted(DASHBOARD_DIR.glob("*.json"))

RATE_LIMIT = 5
SCRAPE_INTERVAL_SECONDS = 1
# The scrape jobs are named after the stages, as in observability/prometheus.yml, because the
# dependency health dashboard selects `up` by job.
JOBS = ("ingress", "authz", "ratelimit", "audit-sink")

ACME_WRITER = Identity("agent-acme-1", "agent-writer", "acme-corp")
ACME_READER = Identity("agent-acme-2", "agent-reader", "acme-corp")
GLOBEX_WRITER = Identity("agent-globex-1", "agent-writer", "globex-inc")
GLOBEX_READER = Identity("agent-globex-2", "agent-reader", "globex-inc")
BUSY_READER = Identity("agent-acme-3", "agent-reader", "acme-corp")

# (dashboard uid, panel title) of the panels that must show this test's traffic as a value above 0.
PANELS_WITH_TRAFFIC = {
    ("memgov-traffic", "Denied by policy (403)"),
    ("memgov-traffic", "Invalid requests (400)"),
    ("memgov-traffic", "Rate limited (429)"),
    ("memgov-traffic", "Requests by tenant"),
    ("memgov-traffic", "Denied by tenant"),
    ("memgov-ratelimit", "Denials by role"),
    ("memgov-audit", "Events accepted, acknowledged, written"),
    ("memgov-actors", "Messages per second by actor"),
}


def load_dashboards() -> list[dict]:
    return [json.loads(path.read_text()) for path in DASHBOARD_FILES]


def panel_queries(dashboard: dict) -> list[tuple[str, str]]:
    """Return (panel title, expr) for every target of every panel, rows included."""
    queries = []
    for panel in dashboard["panels"]:
        for nested in [panel] + panel.get("panels", []):
            for target in nested.get("targets", []):
                queries.append((nested["title"], target["expr"]))
    return queries


def substitute_variables(expr: str, variable_names: list[str]) -> str:
    """Replace Grafana's interval variables with 1m and template variables with `.*`.

    A 1-minute window covers every sample of this short test, so rates reflect all its traffic.
    Template variables appear only in regular-expression matchers (=~), where `.*` selects all
    values, as the dashboards' "All" option does.
    """
    for builtin in ("$__rate_interval", "$__interval", "$__range"):
        expr = expr.replace(builtin, "1m")
    for name in variable_names:
        expr = re.sub(r"\$\{" + name + r"(:[a-z]+)?\}|\$" + name + r"\b", ".*", expr)
    return expr


def write_scrape_config(path: Path, metrics_ports: dict[str, int]) -> None:
    lines = [
        "global:",
        f"  scrape_interval: {SCRAPE_INTERVAL_SECONDS}s",
        f"  scrape_timeout: {SCRAPE_INTERVAL_SECONDS}s",
        "scrape_configs:",
    ]
    for stage, port in metrics_ports.items():
        lines += [
            f"  - job_name: {stage}",
            "    static_configs:",
            f"      - targets: ['127.0.0.1:{port}']",
        ]
    path.write_text("\n".join(lines) + "\n")


class PrometheusClient:
    def __init__(self, base_url: str):
        self.base_url = base_url

    def get(self, path: str, **params) -> dict:
        response = requests.get(self.base_url + path, params=params, timeout=10)
        response.raise_for_status()
        body = response.json()
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[dict]:
        return self.get("/api/v1/query", query=expr)["result"]

    def label_values(self, label: str, selector: str) -> list[str]:
        return self.get(f"/api/v1/label/{label}/values", **{"match[]": selector})

    def active_targets(self) -> list[dict]:
        return self.get("/api/v1/targets", state="active")["activeTargets"]


def prometheus_binary() -> str:
    found = shutil.which("prometheus") or "/usr/bin/prometheus"
    if not Path(found).exists():
        pytest.fail("prometheus not found on PATH; install the Debian package `prometheus`")
    return found


@pytest.fixture(scope="module")
def metrics_mesh(start_mesh, stop_mesh):
    mesh = start_mesh(
        stage_env={"ratelimit": {"MEMGOV_RATELIMIT_DEFAULT_LIMIT": str(RATE_LIMIT)}}
    )
    yield mesh
    stop_mesh(mesh)


@pytest.fixture(scope="module")
def prometheus(metrics_mesh):
    """A Prometheus server on loopback that scrapes the first metrics port of every stage."""
    work_dir = Path(tempfile.mkdtemp(prefix="memgov-test-prometheus-"))
    config = work_dir / "prometheus.yml"
    # Each stage runs one process, which serves /metrics on the first port of its range.
    metrics_bases = metrics_mesh.addresses.metrics_bases
    write_scrape_config(config, {stage: metrics_bases[stage] for stage in JOBS})
    port = free_port()
    process = ManagedProcess(
        "prometheus",
        [
            prometheus_binary(),
            f"--config.file={config}",
            f"--storage.tsdb.path={work_dir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=1h",
        ],
        work_dir / "prometheus.log",
    )
    process.launch()
    client = PrometheusClient(f"http://127.0.0.1:{port}")
    try:
        process.wait_until(lambda: _is_ready(client), 20, "GET /-/ready 200")
        poll(
            client.active_targets,
            lambda targets: len(targets) == len(JOBS)
            and all(target["health"] == "up" for target in targets),
            15,
            "every scrape target up",
        )
        yield client
    finally:
        process.stop()
        shutil.rmtree(work_dir, ignore_errors=True)


def _is_ready(client: PrometheusClient) -> bool:
    try:
        return requests.get(client.base_url + "/-/ready", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def send_mixed_traffic(gateway: Gateway, first_round: bool) -> None:
    """Send allowed writes and reads, a denied cross-tenant read, a 400 and a 429."""
    assert gateway.add_memory(ACME_WRITER, "alice", "ACME roadmap").status_code == 200
    assert gateway.add_memory(GLOBEX_WRITER, "charlie", "Globex roadmap").status_code == 200
    assert gateway.list_memories(ACME_READER, "alice").status_code == 200
    assert gateway.list_memories(GLOBEX_READER, "charlie").status_code == 200
    assert gateway.list_memories(GLOBEX_READER, "alice").status_code == 403

    headers = ACME_READER.headers()
    del headers["X-Tenant-Id"]
    missing_tenant = gateway.request(
        "GET", "/memories", headers=headers, params={"user_id": "alice"}
    )
    assert missing_tenant.status_code == 400

    # The first round uses the busy reader's whole window, so each round ends with one 429.
    allowed = RATE_LIMIT if first_round else 0
    statuses = [gateway.list_memories(BUSY_READER, "alice").status_code for _ in range(allowed + 1)]
    assert statuses == [200] * allowed + [429]


@pytest.fixture(scope="module")
def scraped_traffic(metrics_mesh, prometheus):
    """Send the traffic in two rounds with scrapes between and after them.

    A labelled counter series appears at its first increment, so the first round creates the
    series and the second round raises them between two scrapes, which rate() can see.
    """
    gateway = Gateway(metrics_mesh.gateway_url)
    send_mixed_traffic(gateway, first_round=True)
    time.sleep(3 * SCRAPE_INTERVAL_SECONDS)
    send_mixed_traffic(gateway, first_round=False)
    time.sleep(3 * SCRAPE_INTERVAL_SECONDS)
    return prometheus


def test_dashboard_files_exist():
    assert DASHBOARD_FILES, f"no dashboard JSON in {DASHBOARD_DIR}"


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda path: path.stem)
def test_dashboard_json_shape(path):
    dashboard = json.loads(path.read_text())
    assert dashboard["uid"] == path.stem
    assert dashboard["schemaVersion"] >= 39
    assert dashboard["panels"]
    for panel in dashboard["panels"]:
        assert panel["type"] in ("timeseries", "stat"), panel["title"]
        assert panel["datasource"]["uid"] == "prometheus", panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "prometheus", panel["title"]
    for variable in dashboard["templating"]["list"]:
        assert variable["allValue"] == ".*", variable["name"]


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda path: path.stem)
def test_variables_only_in_regex_matchers(path):
    """Check what substitute_variables relies on: `.*` is a valid value wherever a variable is."""
    dashboard = json.loads(path.read_text())
    for title, expr in panel_queries(dashboard):
        without_builtins = re.sub(r"\$__\w+", "", expr)
        for operator, value in re.findall(r'(=~|!~|!=|=)"([^"]*)"', without_builtins):
            if "$" in value:
                assert operator == "=~", f"{title!r}: {expr}"
        outside_matchers = re.sub(r'"[^"]*"', "", without_builtins)
        assert "$" not in outside_matchers, f"{title!r}: {expr}"


def test_dashboard_uids_unique():
    uids = [dashboard["uid"] for dashboard in load_dashboards()]
    assert len(uids) == len(set(uids))


def test_compose_scrape_config_valid():
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed")
    result = subprocess.run(
        [promtool, "check", "config", str(PROMETHEUS_CONFIG)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda path: path.stem)
def test_every_panel_returns_series(scraped_traffic, path):
    dashboard = json.loads(path.read_text())
    variables = [variable["name"] for variable in dashboard["templating"]["list"]]
    empty = []
    for title, expr in panel_queries(dashboard):
        query = substitute_variables(expr, variables)
        if not scraped_traffic.query(query):
            empty.append(f"{title!r}: {query}")
    assert not empty, f"{dashboard['title']}: panels without data:\n" + "\n".join(empty)


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda path: path.stem)
def test_every_variable_has_values(scraped_traffic, path):
    dashboard = json.loads(path.read_text())
    for variable in dashboard["templating"]["list"]:
        definition = re.fullmatch(r"label_values\((\w+), (\w+)\)", variable["definition"])
        assert definition, f"{variable['name']}: not a label_values query: {variable['definition']}"
        metric, label = definition.groups()
        values = scraped_traffic.label_values(label, metric)
        assert values, f"{dashboard['title']}: variable {variable['name']} has no values"


@pytest.mark.parametrize(
    "uid, title", sorted(PANELS_WITH_TRAFFIC), ids=lambda value: value.replace(" ", "_")
)
def test_panel_shows_traffic(scraped_traffic, uid, title):
    dashboard = next(board for board in load_dashboards() if board["uid"] == uid)
    variables = [variable["name"] for variable in dashboard["templating"]["list"]]
    exprs = [expr for panel_title, expr in panel_queries(dashboard) if panel_title == title]
    assert exprs, f"{uid} has no panel {title!r}"
    values = []
    for expr in exprs:
        for series in scraped_traffic.query(substitute_variables(expr, variables)):
            values.append(float(series["value"][1]))
    assert any(value > 0 for value in values), f"{uid} / {title}: values {values}"
