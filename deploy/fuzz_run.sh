#!/usr/bin/env bash
# Runs the frame fuzzer from its seeds in a fresh working corpus, with its dictionary.
# Usage: bash deploy/fuzz_run.sh FUZZER SEEDS DICTIONARY WORK_DIR [libFuzzer options…]
# SEEDS is one folder or several joined by ':' (the generated seeds, tests/fuzz/corpus); a folder
# that does not exist is skipped. The seeds stay as they are; what the run finds interesting goes
# to WORK_DIR/corpus, and a crashing input to WORK_DIR/crash-*, which `FUZZER WORK_DIR/crash-…`
# replays.
set -euo pipefail
fuzzer=$1 seeds=$2 dict=$3 work=$4
shift 4
seed_dirs=()
IFS=: read -ra listed <<<"$seeds"
for dir in "${listed[@]}"; do [ -d "$dir" ] && seed_dirs+=("$dir"); done
rm -rf "$work"
mkdir -p "$work/corpus"
cd "$work"
exec "$fuzzer" -dict="$dict" -artifact_prefix="$work/" -print_final_stats=1 "$@" "$work/corpus" "${seed_dirs[@]}"
