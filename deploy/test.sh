#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for Dyad, builds everything with warnings as errors, and runs
# every test. Usage: bash deploy/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/install-deps.sh --tests
bash deploy/web-deps.sh
cmake --preset ci
cmake --build --preset ci
ctest --preset ci --parallel 2
# The frame fuzzer, built by clang-14 with libFuzzer in its own build folder, for a short run from
# its generated seeds and the inputs long runs kept in tests/fuzz/corpus (deploy/robustness.sh
# --long runs it for 10 million executions).
cmake --preset fuzz
cmake --build --preset fuzz
ctest --preset fuzz
