#!/usr/bin/env bash
# Vigie's foundation benchmarks (issue 2). Not a test: it prints figures to copy into
# docs/BENCHMARKS.md, with the machine's load so that a noisy run is visible.
#
#   bench/run.sh [import|list|all]
#   BENCH_VIGIE=/path/to/vigie bench/run.sh list   # an already built binary (before/after)
#
# - FINESS import: a synthetic extract of 100,000 sites (200,001 lines: each site is followed by
#   its geolocalisation record, as in the public file) into a fresh SQLite file, then again
#   (idempotent re-import: every row unchanged).
# - Structures list page: 40,000 structures, signed-in national auditor, the HTML page filtered by
#   region (Île-de-France) and paginated 50 per page, under `wrk -t2 -c64 -d20s --latency`, on
#   SQLite and on PostgreSQL (127.0.0.1:5432). Everything runs on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/vigie-target}"
if [ -n "${BENCH_VIGIE:-}" ]; then
    # A binary built elsewhere (for example main's, to compare before and after a change).
    VIGIE="$BENCH_VIGIE"
else
    cargo build --release -p vigie --locked -q
    VIGIE="$CARGO_TARGET_DIR/release/vigie"
fi
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
export VIGIE_LOG=warn
# PostgreSQL deployments need the key that seals stored secrets (any key will do for a benchmark).
python3 -c 'import secrets; print(secrets.token_hex(32))' > "$work/secret.key"
export VIGIE_SECURITY_SECRET_KEY_FILE="$work/secret.key"
PG_ADMIN="${VIGIE_BENCH_PG:-postgres://postgres@127.0.0.1:5432/test}"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$what" = import ] || [ "$what" = all ]; then
    python3 bench/gen_finess.py 100000 > "$work/finess.csv"
    lines=$(wc -l < "$work/finess.csv")
    for run in first re-import; do
        # Wall time, and the CPU time of the process (user + system): the second does not depend
        # on what else the shared machine runs.
        TIMEFORMAT='%R %U %S'
        { time VIGIE_DATABASE_URL="sqlite://$work/import.db" "$VIGIE" import finess "$work/finess.csv" | sed -n 1p > "$work/out"; } 2> "$work/time"
        cat "$work/out"
        read -r wall user sys < "$work/time"
        python3 -c "import sys; l=$lines; t=$wall; c=$user+$sys; print(f'FINESS import ({sys.argv[1]}), SQLite: {l} lines in {t:.2f} s = {l/t:,.0f} lines/s; CPU {c:.2f} s (user $user, sys $sys) = {l/c:,.0f} lines per CPU-second')" "$run"
    done
fi

bench_list() {
    local name="$1" url="$2" port="$3"
    VIGIE_DATABASE_URL="$url" "$VIGIE" import finess "$work/finess40k.csv" > /dev/null
    printf 'bench-password-2026' | VIGIE_DATABASE_URL="$url" "$VIGIE" admin create-user --email bench@vigie.example --name Bench --role auditor --password-stdin > /dev/null
    VIGIE_DATABASE_URL="$url" VIGIE_SECURITY_LOGIN_ATTEMPTS_PER_MINUTE=1000 \
        "$VIGIE" serve --listen "127.0.0.1:$port" > "$work/serve-$name.log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.2; done
    # Signed in through the pages, the second factor enrolled as a person would (signin.py).
    local session
    read -r session _ < <(python3 bench/signin.py "http://127.0.0.1:$port" bench@vigie.example bench-password-2026)
    local path="/structures?region=11&page=3"
    local total
    total=$(curl -s -H "Cookie: vigie_session=$session" "http://127.0.0.1:$port$path" | grep -o 'id="total">[0-9]*' | grep -o '[0-9]*$')
    if [ -z "$total" ]; then echo "$name: the signed-in page did not answer (login or second factor failed)" >&2; exit 1; fi
    echo "$name: $total structures match the filter; page 3 of 50"
    wrk -t2 -c64 -d5s -H "Cookie: vigie_session=$session" "http://127.0.0.1:$port$path" > /dev/null
    echo "load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
    wrk -t2 -c64 -d20s --latency -H "Cookie: vigie_session=$session" "http://127.0.0.1:$port$path" | tee "$work/wrk-$name.txt" | grep -E "Requests/sec|Latency|50%|90%|99%|requests in|Non-2xx"
    kill "$pid"; wait "$pid" 2>/dev/null || true
}

if [ "$what" = list ] || [ "$what" = all ]; then
    python3 bench/gen_finess.py 40000 > "$work/finess40k.csv"
    bench_list sqlite "sqlite://$work/list.db" 18180
    if psql "$PG_ADMIN" -qc 'DROP DATABASE IF EXISTS vigie_bench WITH (FORCE)' && psql "$PG_ADMIN" -qc 'CREATE DATABASE vigie_bench'; then
        bench_list postgres "${PG_ADMIN%/*}/vigie_bench" 18181
        psql "$PG_ADMIN" -qc 'DROP DATABASE IF EXISTS vigie_bench WITH (FORCE)'
    fi
fi
