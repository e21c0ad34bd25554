#!/usr/bin/env bash
# Runs the Tern benchmark suite (Tern vs wasmi vs Wasmtime) and writes
# BENCHMARKS.md at the repository root.
#
#   crates/tern-bench/report.sh            # full run (tens of minutes)
#   QUICK=1 crates/tern-bench/report.sh    # short measurement times
#   crates/tern-bench/report.sh compute    # criterion filter (regex)
#
# TERN_BENCH_FILTER=substring also skips the (untimed) setup of benchmarks
# whose name does not contain it. The report lists only what this run measured.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p target/tern-bench
rm -f target/tern-bench/runs.tsv target/tern-bench/rss.tsv
touch target/tern-bench/stamp
cargo bench --bench suite -- "$@"
# Peak memory of the GC rows (a child process per workload and runtime),
# unless a filter leaves the GC group out.
if [[ $# -eq 0 || "$*" == *gc* ]]; then
    cargo run --release --quiet --bin peak_rss
fi
cargo run --release --quiet --bin report -- "$(pwd)/../../BENCHMARKS.md"
