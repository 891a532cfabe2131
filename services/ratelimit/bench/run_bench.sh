#!/usr/bin/env bash
# Runs memgov-ratelimit-bench against a Redis server started here on a free loopback port,
# without persistence, and stops the server afterwards.
# Usage: services/ratelimit/bench/run_bench.sh [BUILD_DIR] [bench options...]
set -euo pipefail

build_dir="${1:-build}"
[[ $# -gt 0 ]] && shift
bench="$build_dir/bin/memgov-ratelimit-bench"
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
[[ -x $bench ]] || die "$bench not found; run ./dev build, or cmake --build $build_dir --target memgov-ratelimit-bench"
command -v redis-server >/dev/null || die "redis-server is not installed"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')"
redis_log="$(mktemp -t memgov-bench-redis.XXXXXX.log)"
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning \
  >"$redis_log" 2>&1 &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null || true; rm -f "$redis_log"' EXIT

for _ in $(seq 100); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.05
done
redis-server --version
"$bench" --redis-url "redis://127.0.0.1:$port/0" "$@"
