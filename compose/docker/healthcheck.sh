#!/bin/sh
# Container health check of a memgov stage image; MEMGOV_STAGE names the stage.
#
# The ingress must return 200 for GET /health on its HTTP port. The other stages must return
# 200 for GET /metrics on their metrics port. The port is taken from the same environment variable the
# stage reads (the first port when it is a range, as one container runs one process), so a
# changed port needs no change here. Settings given only in a MEMGOV_CONFIG file are not seen;
# set the listen variables in the environment when the ports differ from the defaults.
set -eu

case "${MEMGOV_STAGE:-}" in
  ingress)
    address="${MEMGOV_INGRESS_LISTEN:-127.0.0.1:9000}"
    path=/health
    ;;
  authz)
    address="${MEMGOV_AUTHZ_METRICS_LISTEN:-127.0.0.1:9470-9477}"
    path=/metrics
    ;;
  ratelimit)
    address="${MEMGOV_RATELIMIT_METRICS_LISTEN:-127.0.0.1:9480-9487}"
    path=/metrics
    ;;
  audit-sink)
    address="${MEMGOV_AUDIT_METRICS_LISTEN:-127.0.0.1:9490-9497}"
    path=/metrics
    ;;
  *)
    echo "healthcheck: MEMGOV_STAGE is '${MEMGOV_STAGE:-}', expected ingress, authz," \
      "ratelimit or audit-sink" >&2
    exit 1
    ;;
esac

host="${address%:*}"
ports="${address##*:}"
port="${ports%%-*}"
# A wildcard listen address accepts connections on loopback too.
case "$host" in
  0.0.0.0 | '*' | '') host=127.0.0.1 ;;
esac

exec curl --fail --silent --show-error --output /dev/null --max-time 2 \
  "http://${host}:${port}${path}"
