#!/usr/bin/env bash
# The load benchmark: builds the release configuration, then runs every scenario of `dyad bench`
# against three servers in turn — dyad-server, the Node.js `ws` peer (client/bench/ws_peer.mjs)
# and the raw-Asio floor (dyad_floor_server) — each server pinned to core 0 and restarted fresh
# for every run, the load generator pinned to core 1. Prints a Markdown table for the README
# (each figure the median of the runs, with its range) and a line naming the machine.
#
# Usage: bash deploy/bench-load.sh [--quick] [--runs N] [--runs-large N] [--servers dyad,peer,floor]
#                                  [--only hold,churn,feedback,slow] [--no-install]
#   --quick       small sizes and one run, for development (a minute or two)
#   --runs N      runs per figure (default 3; 1 with --quick)
#   --runs-large N  runs of the scenarios with 10,000 people or more (default: --runs)
#   --servers     which servers to measure (default all three)
#   --only        which scenarios to run (default all four)
#   --no-install  skip deploy/install-deps.sh and deploy/web-deps.sh (a machine already set up)
# The figures are kept in build/release/bench-load/results-TIME.txt; `node
# client/bench/load_table.mjs FILE…` prints the table of several such files together.
# The full run takes about 15 minutes on the project's 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
runs=
runs_large=
servers=dyad,peer,floor
only=hold,churn,feedback,slow
install=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --runs) runs=$2; shift ;;
    --runs-large) runs_large=$2; shift ;;
    --servers) servers=$2; shift ;;
    --only) only=$2; shift ;;
    --no-install) install=0 ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "deploy/bench-load.sh: unknown option '$1'; see --help." >&2; exit 2 ;;
  esac
  shift
done

if [ "$quick" = 1 ]; then
  runs=${runs:-1}
  hold_sizes="200 500"; broadcast_max=500
  feedback_sizes="200"; export_size=200
  churn_size=500
  slow_size=500; slow_count=5; slow_seconds=2
else
  runs=${runs:-3}
  hold_sizes="1000 5000 10000 18000"; broadcast_max=10000
  feedback_sizes="1000 5000"; export_size=1000
  churn_size=10000
  slow_size=5000; slow_count=50; slow_seconds=10
fi
runs_large=${runs_large:-$runs}
large=10000

# Set-up and build output go to stderr, so stdout is the table alone.
{
  if [ "$install" = 1 ]; then
    bash deploy/install-deps.sh
    bash deploy/web-deps.sh
  fi
  cmake --preset release
  cmake --build --preset release --target dyad dyad-server dyad_floor_server
} >&2

bin=build/release
plan=deploy/demo/ruptures-one-day.textproto
admin_token=bench-load-admin-token-$RANDOM$RANDOM$RANDOM
work=$(mktemp -d "${TMPDIR:-/tmp}/dyad-bench-load.XXXXXX")
mkdir -p "$bin/bench-load"
results=$bin/bench-load/results-$(date -u +%Y%m%dT%H%M%S).txt
notes=$bin/bench-load/notes-$(date -u +%Y%m%dT%H%M%S).txt
: >"$results"
: >"$notes"

# Thousands of sockets on each side.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt 20000 ]; then
  echo "deploy/bench-load.sh: only $(ulimit -n) open files allowed; 18,000 connections need more (raise the hard limit)." >&2
fi

server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Starts SERVER on core 0 and a free port; sets server_pid and target, or returns 1.
start_server() {
  local kind=$1 out=$work/server.out
  : >"$out"
  case "$kind" in
    dyad)
      local data
      data=$(mktemp -d "$work/data.XXXXXX")
      # One network thread: the server has one core, as the peer and the floor do.
      taskset -c 0 "$bin/server/dyad-server" --port 0 --data-dir "$data" --admin-token "$admin_token" \
        --ws-connect-rate 1000000 --threads 1 >"$out" 2>"$work/server.err" &
      ;;
    peer) taskset -c 0 node client/bench/ws_peer.mjs --port 0 >"$out" 2>"$work/server.err" & ;;
    floor) taskset -c 0 "$bin/client/dyad_floor_server" --port 0 >"$out" 2>"$work/server.err" & ;;
  esac
  server_pid=$!
  local port=
  for _ in $(seq 300); do
    port=$(grep -m1 -o 'listening on [^ ]*:[0-9]*' "$out" | grep -o '[0-9]*$' || true)
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "deploy/bench-load.sh: $kind did not start:" >&2
    cat "$work/server.err" >&2
    return 1
  fi
  case "$kind" in
    floor) target=tcp://127.0.0.1:$port ;;
    *) target=ws://127.0.0.1:$port ;;
  esac
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

# measure SERVER LABEL SIZE RUN -- dyad bench options
measure() {
  local kind=$1 label=$2 size=$3 run=$4
  shift 5
  case ",$only," in *",${label%%_*},"*) ;; *) return 0 ;; esac
  start_server "$kind" || { echo "$kind $label $size: the server did not start" >>"$notes"; return; }
  local extra=()
  if [ "$kind" = dyad ]; then extra=(--admin-token "$admin_token" --plan "$plan"); fi
  echo "deploy/bench-load.sh: $kind $label $size, run $run" >&2
  if ! taskset -c 1 "$bin/client/dyad" bench --target "$target" --participants "$size" --server-pid "$server_pid" \
      --deadline 900 "${extra[@]}" "$@" >"$work/run.out" 2>"$work/run.err"; then
    sed "s/^/$kind $label $size run $run: /" "$work/run.err" >>"$notes"
  fi
  awk -v p="$kind $label $size $run" '{ print p, $1, $2 }' "$work/run.out" >>"$results"
  stop_server
}

for kind in ${servers//,/ }; do
  for run in $(seq "$(( runs > runs_large ? runs : runs_large ))"); do
    small=$(( run <= runs )); big=$(( run <= runs_large ))
    for n in $hold_sizes; do
      b=10
      [ "$n" -gt "$broadcast_max" ] && b=0
      if { [ "$n" -lt "$large" ] && [ "$small" = 1 ]; } || { [ "$n" -ge "$large" ] && [ "$big" = 1 ]; }; then
        measure "$kind" hold "$n" "$run" -- --scenario hold --broadcasts "$b"
      fi
    done
    [ "$big" = 1 ] && measure "$kind" churn "$churn_size" "$run" -- --scenario churn
    [ "$small" = 1 ] || continue
    for n in $feedback_sizes; do
      measure "$kind" feedback "$n" "$run" -- --scenario feedback
    done
    if [ "$kind" = dyad ]; then
      measure "$kind" feedback_export "$export_size" "$run" -- --scenario feedback --export
    fi
    measure "$kind" slow_none "$slow_size" "$run" -- --scenario slow --slow 0 --duration "$slow_seconds"
    measure "$kind" slow "$slow_size" "$run" -- --scenario slow --slow "$slow_count" --duration "$slow_seconds"
  done
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
echo
node client/bench/load_table.mjs "$results"
echo
echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $cpu, $(nproc) cores, Linux $(uname -r); $runs run(s) per figure ($runs_large with 10,000 people or more), median (min–max)."
if [ -s "$notes" ]; then
  echo
  echo "Problems during the runs:"
  sed 's/^/- /' "$notes"
fi
