#!/bin/sh
# Benchmark vigie-scan against nmap on the network-namespace lab. Needs root, iproute2, nmap
# and the lab packages (tests/it/lab/install.sh). Not part of `cargo test`.
#
# Each run builds a fresh lab and measures, in one go: the connect and SYN scans of all ports of
# the six hosts, the floor of any connect() scan (examples/connect_floor.rs), identification,
# the same all-port scans with one absent address added (and with -Pn), and a declared /24
# with six live hosts on the health ports. RUNS runs (3 by default: the machine is shared and
# noisy), each written to $VIGIE_BENCH_DIR/run-N.md; BENCHMARKS.md is written from them.
set -eu
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
cargo build --release -p vigie-scan --example connect_floor
target=${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')}
VIGIE_CONNECT_FLOOR="$target/release/examples/connect_floor"
export VIGIE_CONNECT_FLOOR
dir=${VIGIE_BENCH_DIR:-$target/vigie-scan-bench}
mkdir -p "$dir"
i=1
while [ "$i" -le "$RUNS" ]; do
    VIGIE_BENCH_OUT="$dir/run-$i.md" cargo test --release -p vigie-scan --test it -- \
        --ignored --nocapture bench_lab::bench_against_nmap
    i=$((i + 1))
done
echo "runs written to $dir/run-*.md"
