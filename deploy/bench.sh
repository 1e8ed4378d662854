#!/usr/bin/env bash
# Builds the release configuration and runs the pairing benchmarks, each beside its floor.
# Usage: bash deploy/bench.sh [extra Google Benchmark flags]
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/install-deps.sh
cmake --preset release
cmake --build --preset release --target dyad_bench
build/release/client/dyad_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true "$@"
