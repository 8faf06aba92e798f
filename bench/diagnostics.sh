#!/usr/bin/env bash
# The diagnostics dashboards (issue 16). Not a test: it prints figures to copy into
# docs/BENCHMARKS.md, with the machine's load.
#
#   bench/diagnostics.sh                 # SQLite and PostgreSQL
#   BENCH_BACKENDS=sqlite bench/diagnostics.sh
#   BENCH_VIGIE=/path/to/vigie bench/diagnostics.sh
#
# 40,000 synthetic structures (bench/gen_finess.py), each with 10 finished diagnostics (their
# theme scores and priority measures) and 3 plan actions (bench/gen_diagnostics.py): 400,000
# diagnostics. Two readers, signed in with an API token (the pages accept them):
# - the regional analyst of Île-de-France (3,328 structures, 33,280 diagnostics): `/diagnostics`,
#   target p99 <= 50 ms;
# - a national auditor (40,000 structures): `/diagnostics`, target p99 <= 100 ms.
# Each under `wrk -t2 -c16 -d20s --latency` after a 5-second warm-up, on SQLite then on
# PostgreSQL (127.0.0.1:5432). Release build; everything on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/vigie-target}"
if [ -n "${BENCH_VIGIE:-}" ]; then
    VIGIE="$BENCH_VIGIE"
else
    cargo build --release -p vigie --locked -q
    VIGIE="$CARGO_TARGET_DIR/release/vigie"
fi
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
export VIGIE_LOG=warn
python3 -c 'import secrets; print(secrets.token_hex(32))' > "$work/secret.key"
export VIGIE_SECURITY_SECRET_KEY_FILE="$work/secret.key"
PG_ADMIN="${VIGIE_BENCH_PG:-postgres://postgres@127.0.0.1:5432/test}"
BACKENDS="${BENCH_BACKENDS:-sqlite postgres}"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/gen_finess.py 40000 > "$work/finess40k.csv"

run_wrk() {
    local label="$1" port="$2" token="$3" path="$4"
    local code
    code=$(curl -s -o "$work/page.html" -w '%{http_code}' -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path")
    [ "$code" = 200 ] || { echo "$label: $path answered $code"; tail -5 "$work"/serve-*.log; exit 1; }
    echo "$label: $(grep -o 'id="fig-diagnosed">[0-9]*' "$work/page.html" | grep -o '[0-9]*$') structures diagnosed on the page"
    wrk -t2 -c16 -d5s -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path" > /dev/null
    echo "load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
    wrk -t2 -c16 -d20s --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path" \
        | grep -E "Requests/sec|Latency|50%|90%|99%|requests in|Non-2xx"
}

bench() {
    local name="$1" url="$2" port="$3"
    VIGIE_DATABASE_URL="$url" "$VIGIE" import finess "$work/finess40k.csv" > /dev/null
    VIGIE_DATABASE_URL="$url" "$VIGIE" admin create-user --email crr@bench.example --name CRR --role regional_analyst --region 11 > /dev/null
    VIGIE_DATABASE_URL="$url" "$VIGIE" admin create-user --email audit@bench.example --name Audit --role auditor > /dev/null
    local t_region t_nation
    t_region=$(VIGIE_DATABASE_URL="$url" "$VIGIE" admin token --email crr@bench.example --name bench)
    t_nation=$(VIGIE_DATABASE_URL="$url" "$VIGIE" admin token --email audit@bench.example --name bench)
    case "$name" in
        sqlite) python3 bench/gen_diagnostics.py sqlite "${url#sqlite://}" 10 ;;
        postgres) python3 bench/gen_diagnostics.py postgres "$url" 10 ;;
    esac
    VIGIE_DATABASE_URL="$url" "$VIGIE" serve --listen "127.0.0.1:$port" > "$work/serve-$name.log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.2; done
    run_wrk "$name region 11 (regional analyst)" "$port" "$t_region" "/diagnostics"
    run_wrk "$name national (auditor)" "$port" "$t_nation" "/diagnostics"
    kill "$pid"; wait "$pid" 2>/dev/null || true
}

for b in $BACKENDS; do
    case "$b" in
        sqlite) bench sqlite "sqlite://$work/diag.db" 18190 ;;
        postgres)
            psql "$PG_ADMIN" -qc 'DROP DATABASE IF EXISTS vigie_bench_diag WITH (FORCE)'
            psql "$PG_ADMIN" -qc 'CREATE DATABASE vigie_bench_diag'
            bench postgres "${PG_ADMIN%/*}/vigie_bench_diag" 18191
            psql "$PG_ADMIN" -qc 'DROP DATABASE IF EXISTS vigie_bench_diag WITH (FORCE)'
            ;;
    esac
done
