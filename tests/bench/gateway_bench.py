"""Gateway benchmark: memgov's full chain side by side with nginx as a plain reverse proxy.

Both proxies sit in front of the same upstream, an nginx server block that answers every
request with {"results":[]} the way a Mem0 list call does. That upstream is a stand-in so the
figures measure the proxies, not Mem0's own work. One run measures, on this machine:

  1. peak throughput (wrk, closed loop) of the upstream directly, of nginx proxying to it, and of
     memgov (identity, policy decision by OPA, rate limit, acknowledged audit row, proxying);
  2. latency percentiles (vegeta, open loop at a fixed rate) of the upstream and of memgov at half
     of memgov's peak, and the difference: the latency memgov adds;
  3. the resident memory of every memgov stage after the load.

Run with `./dev bench` (it installs wrk, nginx and vegeta first) or
`.venv/bin/python -m tests.bench.gateway_bench --seconds 10`.
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import requests

from tests.harness import paths
from tests.harness.mesh import Mesh, MeshOptions
from tests.harness.ports import free_port
from tests.harness.process import ManagedProcess

TENANT_HEADERS = {
    "X-User-Id": "bench-agent",
    "X-User-Role": "agent-writer",
    "X-Tenant-Id": "bench-tenant",
}
READ_PATH = "/memories?user_id=bench-user"


def start_nginx(work_dir: Path, upstream_port: int, proxy_port: int) -> ManagedProcess:
    """Start one nginx with two server blocks: the upstream stand-in and a plain proxy to it."""
    conf = work_dir / "nginx.conf"
    conf.write_text(textwrap.dedent(f"""
        daemon off;
        worker_processes 1;
        pid {work_dir}/nginx.pid;
        error_log stderr warn;
        events {{ worker_connections 4096; }}
        http {{
          access_log off;
          client_body_temp_path {work_dir}/body;
          proxy_temp_path {work_dir}/proxy;
          upstream standin {{ server 127.0.0.1:{upstream_port}; keepalive 64; }}
          server {{
            listen 127.0.0.1:{upstream_port} reuseport;
            location / {{
              default_type application/json;
              return 200 '{{"results":[]}}';
            }}
          }}
          server {{
            listen 127.0.0.1:{proxy_port} reuseport;
            location / {{
              proxy_pass http://standin;
              proxy_http_version 1.1;
              proxy_set_header Connection "";
            }}
          }}
        }}
    """))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = ManagedProcess("nginx", [nginx, "-c", str(conf), "-p", str(work_dir)],
                             work_dir / "nginx.log")
    process.launch()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{proxy_port}/", timeout=1).ok:
                return process
        except requests.RequestException:
            time.sleep(0.05)
    raise RuntimeError(f"nginx did not start; see {work_dir / 'nginx.log'}")


def run_wrk(url: str, seconds: int, connections: int) -> dict:
    header_args = []
    for name, value in TENANT_HEADERS.items():
        header_args += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *header_args, url],
        check=True, capture_output=True, text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {"rps": rps, "non_2xx": int(non_2xx.group(1)) if non_2xx else 0}


def run_vegeta(vegeta: str, url: str, rate: int, seconds: int) -> dict:
    target = {"method": "GET", "url": url, "header": {k: [v] for k, v in TENANT_HEADERS.items()}}
    attack = subprocess.run(
        [vegeta, "attack", "-format=json", f"-rate={rate}", f"-duration={seconds}s",
         "-keepalive=true", "-workers=16", "-max-workers=256"],
        input=(json.dumps(target) + "\n").encode(), capture_output=True,
    )
    if attack.returncode != 0:
        raise RuntimeError(f"vegeta attack failed: {attack.stderr.decode(errors='replace')}")
    report = subprocess.run([vegeta, "report", "-type=json"], input=attack.stdout,
                            check=True, capture_output=True)
    data = json.loads(report.stdout)
    latencies = data["latencies"]
    return {
        "rate": rate,
        "p50_ms": latencies["50th"] / 1e6,
        "p99_ms": latencies["99th"] / 1e6,
        "success": data["success"],
        "status_codes": data["status_codes"],
    }


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="duration of each load run")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    args = parser.parse_args()

    vegeta = str(paths.REPO_ROOT / ".tools" / "bin" / "vegeta")
    work_dir = Path(tempfile.mkdtemp(prefix="memgov-bench-"))
    upstream_port, proxy_port = free_port(), free_port()
    nginx = start_nginx(work_dir, upstream_port, proxy_port)
    # Limits far above what the run sends: the benchmark measures the checks, not denials.
    limits = {"MEMGOV_RATELIMIT_DEFAULT_LIMIT": "1000000", "MEMGOV_RATELIMIT_WINDOW_SECONDS": "1"}
    options = MeshOptions(
        mem0_url=f"http://127.0.0.1:{upstream_port}",
        stage_env={"ratelimit": limits},
    )
    try:
        with Mesh(options) as mesh:
            # The first write claims bench-user for bench-tenant, so the reads below pass the
            # ownership check and reach the upstream.
            claim = requests.post(
                f"{mesh.gateway_url}/memories", headers=TENANT_HEADERS, timeout=5,
                json={"messages": [{"role": "user", "content": "x"}], "user_id": "bench-user"},
            )
            check = requests.get(mesh.gateway_url + READ_PATH, headers=TENANT_HEADERS, timeout=5)
            if claim.status_code != 200 or check.status_code != 200:
                print(f"setup failed: claim {claim.status_code} {claim.text}; "
                      f"read {check.status_code} {check.text}", file=sys.stderr)
                return 1

            direct_url = f"http://127.0.0.1:{upstream_port}{READ_PATH}"
            nginx_url = f"http://127.0.0.1:{proxy_port}{READ_PATH}"
            memgov_url = mesh.gateway_url + READ_PATH
            peak = {
                "upstream": run_wrk(direct_url, args.seconds, args.connections),
                "nginx": run_wrk(nginx_url, args.seconds, args.connections),
                "memgov": run_wrk(memgov_url, args.seconds, args.connections),
            }
            half = max(100, int(peak["memgov"]["rps"] / 2))
            latency = {
                "upstream": run_vegeta(vegeta, direct_url, half, args.seconds),
                "nginx": run_vegeta(vegeta, nginx_url, half, args.seconds),
                "memgov": run_vegeta(vegeta, memgov_url, half, args.seconds),
            }
            memory = {
                f"{stage}[{index}]": rss_mb(process.pid)
                for stage in ("ingress", "authz", "ratelimit", "audit-sink")
                for index, process in enumerate(mesh.processes(stage))
            }
            audited = mesh.sql("SELECT count(*) FROM mem0_audit_log")[0][0]
    finally:
        nginx.stop()
        shutil.rmtree(work_dir, ignore_errors=True)

    print(f"peak throughput, wrk -t2 -c{args.connections} -d{args.seconds}s (requests/s):")
    for name, figures in peak.items():
        print(f"  {name:9s} {figures['rps']:10.0f}   non-2xx {figures['non_2xx']}")
    ratio = peak["memgov"]["rps"] / peak["nginx"]["rps"]
    print(f"  memgov / nginx = {ratio:.2f} (target >= 0.50)")
    print(f"latency at {half} requests/s (half of memgov's peak), vegeta, {args.seconds}s:")
    for name, figures in latency.items():
        print(f"  {name:9s} p50 {figures['p50_ms']:7.3f} ms   p99 {figures['p99_ms']:7.3f} ms"
              f"   success {figures['success']:.4f}   {figures['status_codes']}")
    added_p50 = latency["memgov"]["p50_ms"] - latency["upstream"]["p50_ms"]
    added_p99 = latency["memgov"]["p99_ms"] - latency["upstream"]["p99_ms"]
    print(f"  memgov adds p50 {added_p50:.3f} ms (target < 1), p99 {added_p99:.3f} ms (target < 5)")
    print("resident memory after the load (MB, target < 64 each):")
    for name, value in memory.items():
        print(f"  {name:14s} {value:6.1f}")
    print(f"audit rows written: {audited}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
