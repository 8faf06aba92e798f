#!/usr/bin/env bash
# Runs every test of Vigie: formatting and lints, the unit and integration suites on SQLite and
# PostgreSQL, the scanner's network-namespace lab, the OpenID Connect and browser end-to-end
# tests, and a short run of every fuzz target. Installs on a fresh Debian machine whatever the
# tests need (needs root for apt-get and for the network namespaces of the scanner lab).
#
#   ./scripts/test.sh            everything
#   FUZZ_SECONDS=0 ./scripts/test.sh   skip fuzzing
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/vigie-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
step() { printf '\n==> %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

step "test dependencies"
scripts/install-test-deps.sh
# The tests that call a real validator (python3 modules) fail rather than skip when it is missing.
export VIGIE_TEST_STRICT=1
if [ -x crates/vigie-scan/tests/it/lab/install.sh ]; then crates/vigie-scan/tests/it/lab/install.sh; fi
# The OpenID test provider and axe-core (the accessibility checks of the browser tests).
for dir in crates/vigie-web/tests/oidc crates/vigie/tests/axe; do
    if [ -f "$dir/package-lock.json" ] && [ ! -d "$dir/node_modules" ]; then
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
done

step "PostgreSQL"
export VIGIE_TEST_PG_URL="${VIGIE_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
export VIGIE_TEST_PG_REQUIRED="${VIGIE_TEST_PG_REQUIRED:-1}"
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if command -v pg_ctlcluster >/dev/null; then
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    fi
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432

step "format, lints and the shape of the code"
# No module of a crate imports another that imports it back, and no core module imports an
# engine (scripts/module-rules.toml); the check proves it still finds a planted cycle.
python3 scripts/check-module-cycles.py --self-test
python3 scripts/check-module-cycles.py
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "RustSec: dependencies against the advisory database (offline snapshot)"
# The snapshot is a git bundle in shared/ (see its SOURCE.md); advisories judged not exploitable
# here are listed with the reason in .cargo/audit.toml; any other advisory fails the run.
command -v cargo-audit >/dev/null || cargo install cargo-audit --locked --version 0.22.1
RUSTSEC_BUNDLE="${RUSTSEC_BUNDLE:-../shared/data/rustsec/advisory-db.bundle}"
RUSTSEC_DB="$(mktemp -d)/advisory-db"
git clone -q -b main "$RUSTSEC_BUNDLE" "$RUSTSEC_DB"
cargo audit --db "$RUSTSEC_DB" --no-fetch --stale --deny warnings
rm -rf "$(dirname "$RUSTSEC_DB")"

step "tests"
cargo test --workspace --locked --no-fail-fast

step "the README's first command"
# A newcomer runs `cargo run --release -- up --demo` at the root: cargo must find one binary to
# run there (the workspace's default member), and the README must still say so.
grep -qF 'cargo run --release -- up --demo' README.md
test "$(cargo run --locked -q -- --version)" = "vigie $(cargo metadata --no-deps --format-version 1 --locked | python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "vigie"))')"
echo "cargo run at the root runs vigie"

if [ "$FUZZ_SECONDS" != "0" ]; then
    step "fuzzing (${FUZZ_SECONDS}s per target)"
    if ! rustup toolchain list | grep -q nightly; then
        echo "fuzzing needs a nightly toolchain (rustup toolchain install nightly)" >&2
        exit 1
    fi
    command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
    for dir in crates/*/fuzz; do
        for target in $(cd "$dir" && cargo +nightly fuzz list); do
            echo "-- $dir $target"
            (cd "$dir" && CARGO_TARGET_DIR="$CARGO_TARGET_DIR/fuzz" cargo +nightly fuzz run "$target" -- \
                -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -print_final_stats=0 2>&1 | tail -n 3)
        done
    done
fi
step "all tests passed"
