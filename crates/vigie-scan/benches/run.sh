#!/bin/sh
# Benchmark vigie-scan against nmap on the network-namespace lab, in one run,
# and write the figures to crates/vigie-scan/BENCHMARKS.md. Needs root, iproute2,
# nmap and the lab packages (tests/lab/install.sh). Not part of `cargo test`.
set -eu
cd "$(dirname "$0")/.."
exec cargo test --release -p vigie-scan --test bench_lab -- --ignored --nocapture bench_against_nmap
