#!/usr/bin/env bash
# The robustness suite beyond the test command: the frame fuzzer for 10 million executions, the
# SIGKILL-during-a-feedback-burst test at 50 random moments, and the cut-connections test over
# more rounds. Each part prints its figures; a failure prints the seed or input that replays it.
#
# Usage: bash deploy/robustness.sh --long [--only fuzz|kill|cut] [--fuzz-runs N] [--fuzz-max-time S]
#                                  [--fuzz-jobs J]  (J processes sharing the corpus, N/J runs each)
#                                  [--fuzz-keep-corpus]  (merge what the run found into tests/fuzz/corpus)
#        bash deploy/robustness.sh --short       (what the test command runs, on its own)
# The fuzz part builds the `fuzz` preset (clang-14, libFuzzer); the others the `ci` preset.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="" only="" fuzz_runs=10000000 fuzz_max_time=0 fuzz_jobs=1 keep_corpus=0
while [ $# -gt 0 ]; do
  case "$1" in
    --long) mode=long ;;
    --short) mode=short ;;
    --only) only=$2; shift ;;
    --fuzz-runs) fuzz_runs=$2; shift ;;
    --fuzz-max-time) fuzz_max_time=$2; shift ;;
    --fuzz-jobs) fuzz_jobs=$2; shift ;;
    --fuzz-keep-corpus) keep_corpus=1 ;;
    *) echo "deploy/robustness.sh: unknown option $1 (see the usage at the top of the file)" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$mode" ] || { echo "usage: bash deploy/robustness.sh --long|--short [--only fuzz|kill|cut]" >&2; exit 2; }
wants() { [ -z "$only" ] || [ "$only" = "$1" ]; }
if [ "$keep_corpus" = 1 ] && { [ "$mode" != long ] || ! wants fuzz; }; then
  echo "deploy/robustness.sh: --fuzz-keep-corpus keeps a long fuzz run's corpus; use it with --long (and --only fuzz, or no --only)" >&2
  exit 2
fi

if wants fuzz; then
  bash deploy/install-deps.sh --fuzz
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j1
  fuzz_dir=build/fuzz/tests/fuzz
  # Measured on this target: libFuzzer's entropic schedule spent 3/4 of the time updating its
  # feature frequencies, and a leak check after every input ran LeakSanitizer on each one (Asio
  # keeps recycled handler memory from one input to the next, so the counts never balance):
  # together 10× slower. Leaks are still checked once, when the run ends.
  fuzz_speed="-entropic=0 -detect_leaks=0"
  # The sanitizers' options (leak check at exit, a smaller quarantine): deploy/fuzz_run.sh.
  if [ "$mode" = long ]; then
    work=build/fuzz/long-run
    echo "== frame fuzzer: $fuzz_runs executions in $fuzz_jobs job(s) (max time ${fuzz_max_time}s, 0 = none), corpus in $work"
    start=$(date +%s)
    jobs_args=()
    # libFuzzer's -jobs: that many processes sharing the corpus folder, each running its share.
    [ "$fuzz_jobs" -gt 1 ] && jobs_args=(-jobs="$fuzz_jobs" -workers="$fuzz_jobs")
    set +e
    bash deploy/fuzz_run.sh "$PWD/$fuzz_dir/dyad_frame_fuzzer" "$PWD/$fuzz_dir/seeds:$PWD/tests/fuzz/corpus" "$PWD/$fuzz_dir/frame_fuzzer.dict" \
      "$PWD/$work" -runs=$(( fuzz_runs / fuzz_jobs )) -max_total_time="$fuzz_max_time" -rss_limit_mb=4096 \
      $fuzz_speed "${jobs_args[@]}" >"$work.log" 2>&1
    status=$?
    set -e
    # With jobs, libFuzzer copies each job's log (fuzz-N.log in $work) into this one as it ends.
    grep -E '^#[0-9]+ +(pulse|DONE)|^stat::|^Done|SUMMARY|^frame_fuzzer:|^==[0-9]+==|Job [0-9]+ exited' "$work.log" | tail -30
    executed=$(awk '/^stat::number_of_executed_units:/ { n += $2 } END { print n + 0 }' "$work.log")
    # A job that crashed prints no final stats; its crash input is in $work (crash-*).
    crashes=$(find "$work" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    echo "== frame fuzzer: exit $status after $(( $(date +%s) - start )) s; ${executed:-0} executions in all; $crashes finding(s); the whole log is $work.log"
    # The inputs that add coverage the kept ones lack, kept in the repository: every later run
    # (this long one and the test command's) starts from them, so a run goes on where the last
    # one stopped, and what it found is replayed by every test run after. A run stopped early
    # (Ctrl-C) is kept too; a run with a finding is not.
    if [ "$keep_corpus" = 1 ] && [ "$crashes" -eq 0 ]; then
      kept=tests/fuzz/corpus
      mkdir -p "$kept"
      before=$(find "$kept" -type f | wc -l)
      if ! ASAN_OPTIONS=detect_leaks=0 "$fuzz_dir/dyad_frame_fuzzer" -merge=1 -rss_limit_mb=4096 \
        "$kept" "$work/corpus" >"$work-merge.log" 2>&1; then
        echo "== keeping the corpus failed; $kept may hold part of it; see $work-merge.log" >&2
        exit 1
      fi
      echo "== kept corpus: $before -> $(find "$kept" -type f | wc -l) inputs in $kept (commit them)"
    fi
    [ "$status" -eq 0 ] && [ "$crashes" -eq 0 ] || exit 1
  else
    ctest --preset fuzz
  fi
fi

# SIGKILL during a feedback burst and connections cut during rounds, against the real server.
if wants kill || wants cut; then
  if [ "$mode" = long ]; then moments=50 rounds=10; else moments=10 rounds=4; fi
  bash deploy/install-deps.sh
  bash deploy/web-deps.sh
  cmake --preset ci >/dev/null
  cmake --build build/ci -j1 --target dyad-server dyad_robustness_tests
  filter=""
  wants kill && filter="Robustness.AcknowledgedFeedbackSurvivesSigkillAtRandomMomentsOfABurst"
  wants cut && filter="${filter:+$filter:}Robustness.CutConnectionsResumeIntoTheirGroupsAndTheLogHoldsEachActionOnce"
  echo "== $moments SIGKILL moments, $rounds rounds of cut connections${DYAD_ROBUSTNESS_SEED:+, seed $DYAD_ROBUSTNESS_SEED}"
  start=$(date +%s)
  DYAD_KILL_MOMENTS=$moments DYAD_CUT_ROUNDS=$rounds build/ci/tests/dyad_robustness_tests --gtest_filter="$filter"
  echo "== done in $(( $(date +%s) - start )) s"
fi
