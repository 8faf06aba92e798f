#!/usr/bin/env bash
# Incidents benchmarks (issue 14). Not a test: it prints figures to copy into docs/BENCHMARKS.md,
# with the machine's load so that a noisy run is visible.
#
#   bench/incidents.sh [sqlite|postgres|all]
#   BENCH_VIGIE=/path/to/vigie bench/incidents.sh   # an already built binary (before/after)
#
# On each backend: 40,000 structures (synthetic FINESS extract) and 100,000 submitted incidents
# over them (bench/gen_incidents.py: 70 % closed, one open incident in 12 overdue, 3 % TLP:RED),
# loaded straight into the database, then `vigie serve` (release) on loopback and
# 1. the CERT's queue (a national CERT analyst, signed in with its second factor), HTML page, under
#    `wrk -t2 -c64 -d20s --latency` after a 5-second warm-up: the default view (open cases,
#    overdue first, page 1) and a filtered one (region Auvergne-Rhône-Alpes, severity high, all
#    statuses, page 2);
# 2. the declaration: a structure administrator posts the form (a draft stored, clocks computed)
#    and submits it (declared, clocks recomputed, notifications queued), the two posts alternating
#    under `wrk -t2 -c8 -d20s --latency` (bench/declare.lua); every response must be a redirect.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
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
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/gen_finess.py 40000 > "$work/finess40k.csv"
COLS="uuid,structure_id,status,title,description,declarant_email,detected_at,declared_at,state,origin,incident_type,care_impact,tlp,pap,severity,severity_rank,major,next_deadline,triaged_at,closed_at,created_at,updated_at"

run_wrk() {
    local label="$1"; shift
    wrk -t2 "$@" -d5s > /dev/null
    echo "$label — load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
    wrk -t2 "$@" -d20s --latency | tee "$work/wrk.txt" | grep -E "Requests/sec|Latency |50%|90%|99%|requests in|Non-2xx"
}

bench_backend() {
    local name="$1" url="$2" port="$3"
    export VIGIE_DATABASE_URL="$url"
    "$VIGIE" import finess "$work/finess40k.csv" > /dev/null
    local finess
    if [ "$name" = sqlite ]; then
        python3 -c "import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute('SELECT id FROM structures ORDER BY id')]" "${url#sqlite://}" > "$work/ids"
        finess=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT finess_et FROM structures ORDER BY id LIMIT 1').fetchone()[0])" "${url#sqlite://}")
    else
        psql "$url" -Atc 'SELECT id FROM structures ORDER BY id' > "$work/ids"
        finess=$(psql "$url" -Atc 'SELECT finess_et FROM structures ORDER BY id LIMIT 1')
    fi
    python3 bench/gen_incidents.py 100000 "$(date +%s)" < "$work/ids" > "$work/incidents.csv"
    local start end
    start=$(date +%s.%N)
    if [ "$name" = sqlite ]; then
        python3 - "${url#sqlite://}" "$work/incidents.csv" <<'PY'
import csv, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = csv.reader(open(sys.argv[2]))
cols = next(rows)
db.executemany("INSERT INTO incidents (%s) VALUES (%s)" % (",".join(cols), ",".join("?" * len(cols))),
               ([None if v == "" and c in ("severity", "next_deadline", "triaged_at", "closed_at") else v
                 for c, v in zip(cols, r)] for r in rows))
db.commit()
PY
    else
        psql "$url" -qc "\\copy incidents($COLS) FROM '$work/incidents.csv' WITH (FORMAT csv, HEADER true)"
        # What autovacuum would do a minute after such a load: the planner's statistics.
        psql "$url" -qc "ANALYZE"
    fi
    end=$(date +%s.%N)
    echo "$name: 100,000 incidents loaded in $(echo "$end - $start" | bc) s"
    # A bulk load marks the observatory's roll-up stale for ten years: counted again once, as
    # an import of history does, before the measures (the scheduler leaves the months still
    # receiving declarations alone).
    "$VIGIE" observatory refresh > /dev/null
    printf 'bench-password-2026' | "$VIGIE" admin create-user --email cert@bench.example --name CERT --role cert_analyst --password-stdin > /dev/null
    printf 'bench-password-2026' | "$VIGIE" admin create-user --email rssi@bench.example --name RSSI --role structure_admin --structure "$finess" --password-stdin > /dev/null
    local sid
    sid=$(head -1 "$work/ids")
    VIGIE_SECURITY_LOGIN_ATTEMPTS_PER_MINUTE=1000 "$VIGIE" serve --listen "127.0.0.1:$port" > "$work/serve-$name.log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.2; done
    local cert rssi csrf
    read -r cert _ < <(python3 bench/signin.py "http://127.0.0.1:$port" cert@bench.example bench-password-2026)
    read -r rssi csrf < <(python3 bench/signin.py "http://127.0.0.1:$port" rssi@bench.example bench-password-2026)
    local base="http://127.0.0.1:$port"
    local total
    total=$(curl -s -H "Cookie: vigie_session=$cert" "$base/incidents" | grep -o 'id="queue-total">[^<]*' | sed 's/.*>//' || true)
    echo "$name: queue, open cases: ${total:-?} (of 100,000; page 1, overdue first)"
    run_wrk "$name queue page 1" -c64 -H "Cookie: vigie_session=$cert" "$base/incidents"
    local filtered="/incidents?status=all&severity=high&region=84&page=2"
    total=$(curl -s -H "Cookie: vigie_session=$cert" "$base$filtered" | grep -o 'id="queue-total">[^<]*' | sed 's/.*>//' || true)
    echo "$name: queue filtered ($filtered): ${total:-?} match"
    run_wrk "$name queue filtered" -c64 -H "Cookie: vigie_session=$cert" "$base$filtered"
    SESSION="$rssi" CSRF="$csrf" STRUCTURE="$sid" run_wrk "$name declaration (create + submit, alternating)" -c8 -s bench/declare.lua "$base"
    local declared
    if [ "$name" = sqlite ]; then
        declared=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT COUNT(*) FROM incidents WHERE declarant_email = 'bench-declare@structure.example' AND status = 'submitted'\").fetchone()[0])" "${url#sqlite://}")
    else
        declared=$(psql "$url" -Atc "SELECT COUNT(*) FROM incidents WHERE declarant_email = 'bench-declare@structure.example' AND status = 'submitted'")
    fi
    echo "$name: $declared declarations submitted during the runs"
    kill "$pid"; wait "$pid" 2>/dev/null || true
}

if [ "$what" = sqlite ] || [ "$what" = all ]; then
    bench_backend sqlite "sqlite://$work/incidents.db" 18190
fi
if [ "$what" = postgres ] || [ "$what" = all ]; then
    psql "$PG_ADMIN" -qc 'DROP DATABASE IF EXISTS vigie_bench_inc WITH (FORCE)'
    psql "$PG_ADMIN" -qc 'CREATE DATABASE vigie_bench_inc'
    bench_backend postgres "${PG_ADMIN%/*}/vigie_bench_inc" 18191
    psql "$PG_ADMIN" -qc 'DROP DATABASE IF EXISTS vigie_bench_inc WITH (FORCE)'
fi
