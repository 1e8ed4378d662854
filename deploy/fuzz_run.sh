#!/usr/bin/env bash
# Runs the frame fuzzer from its seeds in a fresh working corpus, with its dictionary.
# Usage: bash deploy/fuzz_run.sh FUZZER SEEDS DICTIONARY WORK_DIR [libFuzzer options…]
# SEEDS is one folder or several joined by ':' (the generated seeds, tests/fuzz/corpus); a folder
# that does not exist is skipped. The seeds stay as they are; what the run finds interesting goes
# to WORK_DIR/corpus, and a crashing input to WORK_DIR/crash-*, which `FUZZER WORK_DIR/crash-…`
# replays.
set -euo pipefail
# The sanitizers' options for every run, the long one and the test command's. AddressSanitizer's
# allocator, measured on this target (276 corpus inputs, 8 times each, in one process): its default
# 256 MB quarantine keeps every freed block out of use until 256 MB more have been freed, so each
# allocation landed on cold, freshly faulted memory (55 page faults an input against 7). A 2 MB
# quarantine still spans many steps' worth of frees (a use after free is caught while less than
# 2 MB was freed between the free and the use, which within one request it is), and 5-frame
# allocation stacks cost less to record: 1.2-1.3x the executions a second. Leaks are checked when
# the process ends. A finding replays with the default options (`FUZZER crash-…`), full stacks.
export ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=2:malloc_context_size=5
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fuzzer=$1 seeds=$2 dict=$3 work=$4
shift 4
seed_dirs=()
IFS=: read -ra listed <<<"$seeds"
for dir in "${listed[@]}"; do [ -d "$dir" ] && seed_dirs+=("$dir"); done
rm -rf "$work"
mkdir -p "$work/corpus"
cd "$work"
exec "$fuzzer" -dict="$dict" -artifact_prefix="$work/" -print_final_stats=1 "$@" "$work/corpus" "${seed_dirs[@]}"
