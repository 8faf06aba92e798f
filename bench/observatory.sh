#!/usr/bin/env bash
# The observatory of incidents (issue 15). Not a test: it prints figures to copy into
# docs/BENCHMARKS.md, with the machine's load so that a noisy run is visible.
#
#   bench/observatory.sh [sqlite|postgres|all]
#   BENCH_VIGIE=/path/to/vigie bench/observatory.sh   # an already built binary
#
# 40,000 synthetic structures (bench/gen_finess.py, all 18 regions), then 1,000,000 synthetic
# declarations over ten years (2016-2025) written straight into the incidents table in SQL, in
# the taxonomy's values (types fitting their origins, impacts, delays), 2 % of them drafts. Then:
# - `vigie observatory refresh` (what the scheduler's tick does after writes: the roll-up);
# - `vigie observatory --format json` for the year 2025 in France, the year 2025 in
#   Île-de-France, and the whole ten years in France: three runs each, wall time of the command
#   (a new process: connection, the counts, the engine, the JSON);
# - the regional page (`/observatory?year=2025`, a regional analyst of Île-de-France signed in
#   with password and TOTP) under `wrk -t2 -c32 -d20s --latency`.
# On SQLite, then on PostgreSQL (127.0.0.1:5432). Everything runs on loopback.
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
N="${BENCH_INCIDENTS:-1000000}"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/gen_finess.py 40000 > "$work/finess40k.csv"

# The incidents, in SQL: `$1` is the backend's random non-negative integer, `$2` the CTE that
# numbers the rows (`c(i)`). The random values are drawn once per row (a materialized CTE), so
# that a declaration's times stay in order.
incidents_sql() {
    local rnd="$1" series="$2"
    cat <<SQL
WITH $series,
g AS MATERIALIZED (SELECT i, 1451606400 + ($rnd % 315532800) AS d, $rnd AS r2, $rnd AS r3,
        $rnd % 17 AS k, 1 + $rnd % (SELECT COUNT(*) FROM structures) AS sn FROM c),
s AS MATERIALIZED (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM structures)
INSERT INTO incidents (uuid, structure_id, status, title, description, occurred_at, detected_at,
    declared_at, state, origin, incident_type, care_impact, operations_impact, support_requested,
    major, support_given, tlp, pap, created_at, updated_at)
SELECT 'bench-' || i, s.id, CASE WHEN i % 50 = 0 THEN 'draft' ELSE 'submitted' END,
    'Incident ' || i, 'Synthetic declaration for the benchmark',
    CASE WHEN i % 4 = 0 THEN NULL ELSE d - 3600 - (r2 % 86400) END,
    d - 600 - (r2 % 7200), CASE WHEN i % 50 = 0 THEN NULL ELSE d END,
    CASE r3 % 3 WHEN 0 THEN 'ongoing' WHEN 1 THEN 'contained' ELSE 'closed' END,
    CASE WHEN k < 11 THEN 'malicious' WHEN k < 16 THEN 'non_malicious' ELSE 'undetermined' END,
    CASE k WHEN 0 THEN 'system_compromise' WHEN 1 THEN 'ransomware' WHEN 2 THEN 'phishing'
      WHEN 3 THEN 'account_compromise' WHEN 4 THEN 'data_leak' WHEN 5 THEN 'equipment_theft'
      WHEN 6 THEN 'denial_of_service' WHEN 7 THEN 'defacement' WHEN 8 THEN 'vulnerable_appliance'
      WHEN 9 THEN 'cryptominer' WHEN 10 THEN 'infostealer' WHEN 11 THEN 'infrastructure_failure'
      WHEN 12 THEN 'provider_failure' WHEN 13 THEN 'telecom_loss' WHEN 14 THEN 'clinical_software_failure'
      WHEN 15 THEN 'other_non_malicious' ELSE 'undetermined' END,
    CASE r3 % 7 WHEN 0 THEN 'degraded_mode' WHEN 1 THEN 'interruption' WHEN 2 THEN 'potential_endangerment' ELSE 'none' END,
    CASE r2 % 5 WHEN 0 THEN 'minor' WHEN 1 THEN 'major' WHEN 2 THEN 'stopped' ELSE 'none' END,
    CASE WHEN r3 % 10 < 3 THEN 1 ELSE 0 END, CASE WHEN r2 % 50 = 0 THEN 1 ELSE 0 END,
    CASE WHEN r3 % 10 < 3 AND r2 % 5 < 3 THEN 1 ELSE 0 END,
    'amber', 'amber', d - 7200, d
FROM g JOIN s ON s.n = g.sn;
SQL
}

timed() {
    local label="$1"; shift
    local runs=()
    for _ in 1 2 3; do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" > "$work/out.json"
        t1=$(date +%s.%N)
        runs+=("$(python3 -c "print(f'{$t1-$t0:.3f}')")")
    done
    local decl
    decl=$(python3 -c "import json; print(json.load(open('$work/out.json'))['key']['declarations'])")
    echo "$label: ${runs[*]} s ($decl declarations counted; load $(cut -d' ' -f1-3 /proc/loadavg))"
}

bench() {
    local name="$1" url="$2" port="$3"
    VIGIE_DATABASE_URL="$url" "$VIGIE" import finess "$work/finess40k.csv" > /dev/null
    local t0 t1
    t0=$(date +%s)
    if [ "$name" = sqlite ]; then
        local file="${url#sqlite://}"
        incidents_sql "abs(random())" "RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $N)" \
            | sqlite3 "$file"
        sqlite3 "$file" "ANALYZE;"
    else
        incidents_sql "(floor(random() * 2147483647))::bigint" "c AS (SELECT i FROM generate_series(1, $N) AS i)" \
            | psql -q "$url"
        psql -q "$url" -c "VACUUM ANALYZE incidents;" -c "VACUUM ANALYZE structures;"
    fi
    t1=$(date +%s)
    echo "$name: $N incidents written in $((t1 - t0)) s"
    # The roll-up (issue 15): the triggers marked every day written; the scheduler's tick counts
    # the stale months again, here the command that does the same.
    local r0 r1
    r0=$(date +%s.%N)
    VIGIE_DATABASE_URL="$url" "$VIGIE" observatory refresh
    r1=$(date +%s.%N)
    echo "$name: roll-up counted in $(python3 -c "print(f'{$r1-$r0:.1f}')") s (load $(cut -d' ' -f1-3 /proc/loadavg))"
    timed "$name, France, year 2025" env VIGIE_DATABASE_URL="$url" "$VIGIE" observatory --year 2025 --format json
    timed "$name, Île-de-France, year 2025" env VIGIE_DATABASE_URL="$url" "$VIGIE" observatory --year 2025 --region 11 --format json
    [ "${BENCH_TEN_YEARS:-1}" = 0 ] || timed "$name, France, ten years" env VIGIE_DATABASE_URL="$url" "$VIGIE" observatory --from 2016-01-01 --to 2025-12-31 --format json

    printf 'bench-password-2026' | VIGIE_DATABASE_URL="$url" "$VIGIE" admin create-user --email crr@vigie.example --name CRR --role regional_analyst --region 11 --password-stdin > /dev/null
    VIGIE_DATABASE_URL="$url" VIGIE_SECURITY_LOGIN_ATTEMPTS_PER_MINUTE=1000 \
        "$VIGIE" serve --listen "127.0.0.1:$port" > "$work/serve-$name.log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.2; done
    curl -sf "http://127.0.0.1:$port/healthz" > /dev/null || { echo "$name: the server did not start"; tail -5 "$work/serve-$name.log"; return 1; }
    # Signed in through the pages, the second factor enrolled as a person would (signin.py).
    local session path="/observatory?year=2025"
    read -r session _ < <(python3 bench/signin.py "http://127.0.0.1:$port" crr@vigie.example bench-password-2026)
    local shown
    shown=$(curl -s -H "Cookie: vigie_session=$session" "http://127.0.0.1:$port$path" | grep -o 'id="kf-declarations"><span class="big">[^<]*' | sed 's/.*>//')
    echo "$name: the regional page shows $shown declarations"
    wrk -t2 -c32 -d5s -H "Cookie: vigie_session=$session" "http://127.0.0.1:$port$path" > /dev/null
    echo "load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
    wrk -t2 -c32 -d20s --latency -H "Cookie: vigie_session=$session" "http://127.0.0.1:$port$path" | grep -E "Requests/sec|Latency|50%|90%|99%|requests in|Non-2xx"
    kill "$pid"; wait "$pid" 2>/dev/null || true
}

if [ "$what" = sqlite ] || [ "$what" = all ]; then
    bench sqlite "sqlite://$work/obs.db" 18190
fi
if [ "$what" = postgres ] || [ "$what" = all ]; then
    if psql "$PG_ADMIN" -qc 'DROP DATABASE IF EXISTS vigie_obs_bench WITH (FORCE)' && psql "$PG_ADMIN" -qc 'CREATE DATABASE vigie_obs_bench'; then
        bench postgres "${PG_ADMIN%/*}/vigie_obs_bench" 18191
        psql "$PG_ADMIN" -qc 'DROP DATABASE IF EXISTS vigie_obs_bench WITH (FORCE)'
    fi
fi
