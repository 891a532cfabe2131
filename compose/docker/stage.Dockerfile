# syntax=docker/dockerfile:1
#
# Image of one memgov stage. The build context is the repository root and the build arg STAGE
# names the stage: ingress, authz, ratelimit or audit-sink. The build stage compiles all four
# binaries and memgovctl, so the services of docker-compose.yml share one cached build and
# differ only in the binaries their runtime image keeps.
#
#   docker build -f compose/docker/stage.Dockerfile --build-arg STAGE=authz -t memgov-authz .

FROM debian:bookworm AS build

# The same Debian -dev packages as ./dev installs. The top-level CMakeLists.txt requires
# GoogleTest and configures tests/unit, so those packages and sources are needed even though
# only the stage binaries are built.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libcaf-dev libzmq3-dev cppzmq-dev libboost-dev libmsgpack-cxx-dev libpqxx-dev libpq-dev \
      libhiredis-dev prometheus-cpp-dev libcivetweb-dev nlohmann-json3-dev libssl-dev \
      libgtest-dev libgmock-dev libjemalloc-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY common/ common/
COPY services/ services/
COPY tests/unit/ tests/unit/

RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build build \
      --target memgov-ingress memgov-authz memgov-ratelimit memgov-audit-sink memgovctl \
 && strip --strip-debug build/bin/memgov-ingress build/bin/memgov-authz \
      build/bin/memgov-ratelimit build/bin/memgov-audit-sink build/bin/memgovctl

# The binaries of one stage, in /out. STAGE is declared only here, so the compile step above
# stays one cached layer for all four images. The audit-sink image also gets memgovctl, the
# audit reports and chain check, so operators need no other image to run them.
ARG STAGE
RUN install -d /out \
 && cp build/bin/memgov-${STAGE} /out/ \
 && if [ "${STAGE}" = audit-sink ]; then cp build/bin/memgovctl /out/; fi

FROM debian:bookworm-slim AS runtime

ARG STAGE
RUN case "${STAGE}" in \
      ingress|authz|ratelimit|audit-sink) ;; \
      *) echo "build arg STAGE must be ingress, authz, ratelimit or audit-sink, got '${STAGE}'" >&2; \
         exit 1 ;; \
    esac

# Shared libraries of the four binaries (the runtime packages of the -dev packages above),
# and curl for the health check.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libcaf-core0.17 libzmq5 libpqxx-6.4 libhiredis0.14 libjemalloc2 \
      libprometheus-cpp-core1.0 libcivetweb1 libssl3 \
      ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*

# /var/lib/memgov/audit-wal is the audit-sink's write-ahead log. A volume mounted there starts
# with this directory's owner, so the non-root user can write to it.
RUN groupadd --system --gid 10001 memgov \
 && useradd --system --uid 10001 --gid memgov --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin memgov \
 && install -d -o memgov -g memgov -m 0750 /var/lib/memgov /var/lib/memgov/audit-wal

COPY --from=build /out/ /usr/local/bin/
COPY compose/docker/healthcheck.sh /usr/local/bin/memgov-healthcheck
RUN ln -s "memgov-${STAGE}" /usr/local/bin/memgov-stage

ENV MEMGOV_STAGE=${STAGE}
USER memgov:memgov

# The ingress answers GET /health without asking other stages. The other stages have no HTTP
# API, so their check is that the metrics port answers GET /metrics.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["/usr/local/bin/memgov-healthcheck"]

# The stage blocks SIGTERM and SIGINT and waits for them with sigwait, so it stops cleanly even
# as PID 1 without an init process.
ENTRYPOINT ["/usr/local/bin/memgov-stage"]
