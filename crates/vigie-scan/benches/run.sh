#!/bin/sh
# Benchmark vigie-scan against nmap on the network-namespace lab, in one run,
# and write the figures to crates/vigie-scan/BENCHMARKS.md. Needs root, iproute2,
# nmap and the lab packages (tests/lab/install.sh). Not part of `cargo test`.
# Also measures the floor of any connect() scan on this machine (examples/connect_floor.rs).
set -eu
cd "$(dirname "$0")/.."
cargo build --release -p vigie-scan --example connect_floor
target=${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')}
VIGIE_CONNECT_FLOOR="$target/release/examples/connect_floor"
export VIGIE_CONNECT_FLOOR
exec cargo test --release -p vigie-scan --test bench_lab -- --ignored --nocapture bench_against_nmap
