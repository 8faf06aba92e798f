#!/usr/bin/env bash
# Vulnerability-watch benchmarks through the store (issue 4). Not a test: it prints figures to
# copy into docs/BENCHMARKS.md, with the machine's load.
#
#   bench/watch.sh            # release build (the figures of record)
#   PROFILE=debug bench/watch.sh
#   BENCH_VIGIE=/path/to/vigie PROFILE=debug bench/watch.sh   # an already built binary (before/after)
#
# 1. Ingest the full CISA KEV catalogue and the endoflife.date data into a fresh SQLite database
#    (no inventory): target <= 2 s.
# 2. 40,000 structures (synthetic FINESS extract), 100,000 inventory items: 80,000 over 33
#    catalogue products with random versions (3,000 FortiOS among them) and, with the open
#    product model (issue 18), 20,000 over 40 products outside the catalogue, under their open
#    keys (`roundcube:webmail`, `_:name`…); then one new advisory
#    (CVE-2024-55591, FortiOS, real record from ../shared/data) is ingested: the time from the
#    record to every affected structure alerted (alerts and their notification rows written, in
#    their transaction), target <= 100 ms, in a new process (cold: its page cache and the
#    database's pages not yet mapped) and after another advisory in the same process (warm).
#    Then the same record again (unchanged: skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/vigie-target}"
profile="${PROFILE:-release}"
if [ -n "${BENCH_VIGIE:-}" ]; then
    # A binary built elsewhere (for example main's, to compare before and after a change).
    VIGIE="$BENCH_VIGIE"
    profile="$profile ($BENCH_VIGIE)"
else
    if [ "$profile" = release ]; then
        cargo build --release -p vigie --locked -q
    else
        cargo build -p vigie --locked -q
    fi
    VIGIE="$CARGO_TARGET_DIR/$profile/vigie"
fi
DATA="${BENCH_DATA:-../shared/data}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export VIGIE_LOG=warn
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg), build $profile"

echo "== 1. KEV + endoflife.date into an empty database"
export VIGIE_DATABASE_URL="sqlite://$work/sources.db"
"$VIGIE" migrate >/dev/null
start=$(date +%s.%N)
"$VIGIE" watch ingest "$DATA/cisa-kev/known_exploited_vulnerabilities.json" "$DATA/endoflife-date/products-index.json" | grep -v '^  rejected'
end=$(date +%s.%N)
echo "KEV + EOL, whole command: $(echo "$end - $start" | bc) s"

echo "== 2. one new advisory -> every affected structure alerted (40,000 structures, 100,000 items)"
export VIGIE_DATABASE_URL="sqlite://$work/watch.db"
python3 bench/gen_finess.py 40000 > "$work/finess.csv"
"$VIGIE" import finess "$work/finess.csv" | tail -1
python3 - "$work/watch.db" <<'PY'
import random, sqlite3, sys, time
random.seed(4)
db = sqlite3.connect(sys.argv[1])
ids = [r[0] for r in db.execute("SELECT id FROM structures")]
products = ["fortiproxy", "citrix-netscaler-adc", "citrix-netscaler-gateway", "ivanti-connect-secure",
    "ivanti-policy-secure", "panos", "globalprotect-app", "cisco-asa", "sonicwall-sonicos", "sonicwall-sma1000",
    "microsoft-exchange-server-2019", "microsoft-exchange-server-2016", "windows-server-2016", "windows-server-2019",
    "windows-server-2022", "windows-server-2012-r2", "vmware-vcenter", "vmware-esxi", "apache-httpd", "apache-tomcat",
    "nginx", "nginx-plus", "openssh", "mysql-server", "postgresql", "veeam-backup-replication", "moveit-transfer",
    "telerik-report-server", "ws-ftp-server", "f5-big-ip", "oracle-weblogic", "sharepoint-server"]
now = int(time.time())
rows = []
# Products outside the catalogue (issue 18), under the open keys `product::resolve` gives them.
open_keys = ["roundcube:webmail", "redhat:keycloak", "pivotal_software:rabbitmq", "_:acme_pacs_gateway",
    "zabbix:zabbix", "grafana:grafana", "gitlab:gitlab", "jenkins:jenkins", "nextcloud:nextcloud_server",
    "openvpn:openvpn_access_server"] + ["_:hospital_app_%d" % i for i in range(30)]
for n in range(100_000):
    if n < 3000:
        p, v = "fortios", random.choice(["7.0.%d" % random.randint(0, 17), "7.2.%d" % random.randint(0, 10), "7.4.%d" % random.randint(0, 7)])
    elif n >= 80_000:
        p, v = random.choice(open_keys), "%d.%d.%d" % (random.randint(1, 20), random.randint(0, 9), random.randint(0, 30))
    else:
        p, v = random.choice(products), "%d.%d.%d" % (random.randint(1, 20), random.randint(0, 9), random.randint(0, 30))
    rows.append((ids[n % len(ids)], p, v, "bench-%d" % n, now))
db.executemany("INSERT INTO watch_inventory (structure_id, product, version, location, origin, exposed, declared_by, created_at, updated_at) VALUES (?, ?, ?, ?, 'csv', 0, 'bench', ?, ?)", [r + (r[4],) for r in rows])
# Every structure has a security officer to tell: each alert writes its e-mail outbox row and job.
db.executemany("INSERT OR IGNORE INTO contacts (structure_id, role, name, email, updated_at) VALUES (?, 'security_officer', 'RSSI', ?, ?)",
    [(i, "rssi-%d@bench.example" % i, now) for i in ids])
db.commit()
print("inventory:", db.execute("SELECT COUNT(*) FROM watch_inventory").fetchone()[0], "items,",
      db.execute("SELECT COUNT(DISTINCT structure_id) FROM watch_inventory").fetchone()[0], "structures,",
      db.execute("SELECT COUNT(*) FROM watch_inventory WHERE product = 'fortios'").fetchone()[0], "FortiOS,",
      db.execute("SELECT COUNT(*) FROM watch_inventory WHERE product LIKE '%:%'").fetchone()[0], "outside the catalogue")
PY
cp "$work/watch.db" "$work/warm.db"
# The set-up's writes reach the disk before anything is timed.
sync
for run in new unchanged; do
    "$VIGIE" watch ingest "$DATA/cve-records/CVE-2024-55591.json" | sed "s/^/$run: /"
done
# The same advisory in a process that has already worked (as the worker that runs watch.ingest
# jobs has): another Fortinet advisory first (CVE-2022-40684: FortiOS, FortiProxy), then
# CVE-2024-55591, in one command; the second's time is the warm figure.
VIGIE_DATABASE_URL="sqlite://$work/warm.db" "$VIGIE" watch ingest "$DATA/cve-records/CVE-2022-40684.json" \
    "$DATA/cve-records/CVE-2024-55591.json" | sed "s/^/warm: /"
sqlite3 "$work/watch.db" "SELECT 'alerts: ' || COUNT(*) || ' on ' || COUNT(DISTINCT structure_id) || ' structures, notification rows: ' || (SELECT COUNT(*) FROM notifications) || ', delivery jobs: ' || (SELECT COUNT(*) FROM jobs WHERE kind = 'notify.deliver') FROM watch_alerts" 2>/dev/null || true
