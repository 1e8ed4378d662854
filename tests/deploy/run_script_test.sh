#!/usr/bin/env bash
# deploy/run.sh as a newcomer runs it (on the preset CTest built, so nothing is rebuilt): the
# links come last, set apart from the build's output; without a public URL they say plainly that
# they work on this computer only; with one, they carry it.
# Usage: run_script_test.sh PRESET
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
preset="$1"
work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill -TERM -- "-$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
failures=0

# Starts run.sh with the given options; waits (deadline 120 s) for the second rule that closes
# the links; leaves the output in $work/out.
run() {
  : > "$work/out"
  setsid env DYAD_PRESET="$preset" bash "$root/deploy/run.sh" --port 0 --data-dir "$work/data-$1" "${@:2}" \
    > "$work/out" 2> "$work/err" &
  pid=$!
  local deadline=$((SECONDS + 120))
  until [ "$(grep -c '^=\{20,\}$' "$work/out")" -ge 2 ]; do
    if [ $SECONDS -gt $deadline ] || ! kill -0 "$pid" 2>/dev/null; then
      echo "FAIL: run.sh printed no links in time; stdout:"; cat "$work/out"; echo "stderr:"; tail -20 "$work/err"
      exit 1
    fi
    sleep 0.2  # polling a file with a deadline
  done
  kill -TERM -- "-$pid"
  wait "$pid" 2>/dev/null || true
  pid=
}

expect() {  # $1: what, $2: fixed string that must be in the output
  if grep -qF -- "$2" "$work/out"; then echo "ok: $1"; else echo "FAIL: $1: no '$2' in:"; cat "$work/out"; failures=$((failures + 1)); fi
}
expect_not() {
  if grep -qF -- "$2" "$work/out"; then echo "FAIL: $1: '$2' in:"; cat "$work/out"; failures=$((failures + 1)); else echo "ok: $1"; fi
}

run local
expect "the participant link" "Participants (paste into Zoom's chat): http://127.0.0.1:"
expect "the facilitator link" "Facilitator (keep this link private): http://127.0.0.1:"
expect "the local-only note" "means \"this computer\". These links work only here"
expect "how to share in the same room" "--bind 0.0.0.0 --port "
expect "where a Zoom day is explained" "Running a real workshop day"
expect "the first organiser's one-time link" "Organiser organiser@dyad.local: set your password here (once, within 24 hours), then sign in:"
expect "the link to set it" "/welcome#t="
expect "the admin token, shown once" "shown this once and kept only as a hash"
# The links are the last thing printed: after them only the closing rule and a blank line.
last=$(grep -v '^$' "$work/out" | tail -1)
if [[ "$last" =~ ^=+$ ]]; then echo "ok: the links come last"; else echo "FAIL: after the links came: $last"; failures=$((failures + 1)); fi
first_rule=$(grep -n '^=\{20,\}$' "$work/out" | head -1 | cut -d: -f1)
plan_line=$(grep -n ': OK — ' "$work/out" | head -1 | cut -d: -f1 || true)
if [ -n "$plan_line" ] && [ "$plan_line" -gt "$first_rule" ]; then echo "FAIL: build output after the links"; failures=$((failures + 1)); fi

# The same folder again: the token is not shown twice, and the organiser who has not set a
# password yet gets a fresh link.
run local
expect_not "the admin token is not shown again" "shown this once"
expect "how to make a new admin token" "admin-token --reset --data-dir"
expect "a fresh link while no password is set" "Organiser organiser@dyad.local: set your password here"

run public --public-url https://dyad.example.org/dyad
expect "links carry the public URL" "Participants (paste into Zoom's chat): https://dyad.example.org/dyad/j/"
expect "the organiser's link carries the public URL" "https://dyad.example.org/dyad/welcome#t="
expect_not "no local-only note with a public URL" "this computer"

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all run.sh checks passed"
