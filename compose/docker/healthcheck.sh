#!/bin/sh
# Container health check of a memgov stage image; MEMGOV_STAGE names the stage.
#
# Every stage must return 200 for GET /ready on its metrics port: 200 means its dependencies
# respond (see "Health and readiness probes" in docs/operations.md). The port is taken from the
# same environment variable the stage reads (the first port when it is a range, as one container
# runs one process), so a changed port needs no change here. Settings given only in a
# MEMGOV_CONFIG file are not seen; set the listen variables in the environment when the ports
# differ from the defaults.
set -eu

case "${MEMGOV_STAGE:-}" in
  ingress)
    address="${MEMGOV_INGRESS_METRICS_LISTEN:-127.0.0.1:9460-9463}"
    ;;
  authz)
    address="${MEMGOV_AUTHZ_METRICS_LISTEN:-127.0.0.1:9470-9477}"
    ;;
  ratelimit)
    address="${MEMGOV_RATELIMIT_METRICS_LISTEN:-127.0.0.1:9480-9487}"
    ;;
  audit-sink)
    address="${MEMGOV_AUDIT_METRICS_LISTEN:-127.0.0.1:9490-9497}"
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
  "http://${host}:${port}/ready"
