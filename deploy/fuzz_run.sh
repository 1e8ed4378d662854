#!/usr/bin/env bash
# Runs the frame fuzzer from its generated seeds in a fresh working corpus, with its dictionary.
# Usage: bash deploy/fuzz_run.sh FUZZER SEEDS_DIR DICTIONARY WORK_DIR [libFuzzer options…]
# The seeds stay as generated; what the run finds interesting goes to WORK_DIR/corpus, and a
# crashing input to WORK_DIR/crash-*, which `FUZZER WORK_DIR/crash-…` replays.
set -euo pipefail
fuzzer=$1 seeds=$2 dict=$3 work=$4
shift 4
rm -rf "$work"
mkdir -p "$work/corpus"
cd "$work"
exec "$fuzzer" -dict="$dict" -artifact_prefix="$work/" -print_final_stats=1 "$@" "$work/corpus" "$seeds"
