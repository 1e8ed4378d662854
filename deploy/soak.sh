#!/usr/bin/env bash
# Soak: realistic workshop days in a loop against a release build of dyad-server for a while,
# sampling the server's resident memory (VmRSS in /proc/PID/status) and open file descriptors
# (/proc/PID/fd) every few seconds, then saying whether both stayed flat: the last quarter's
# average within a few percent of the second quarter's (the first quarter is warm-up), and the
# descriptors' range in the last quarter within 3 of the second's.
#
# Usage: bash deploy/soak.sh [--minutes N] [--participants N] [--interval SECONDS] [--tolerance PERCENT]
#   defaults: 30 minutes, 16 participants a day, a sample every 5 s, 5 % tolerance.
# Exits 0 when flat, 1 when not (or when a day failed). The samples go to build/soak/samples.csv.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=30 participants=16 interval=5 tolerance=5
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift ;;
    --participants) participants=$2; shift ;;
    --interval) interval=$2; shift ;;
    --tolerance) tolerance=$2; shift ;;
    *) echo "deploy/soak.sh: unknown option $1 (see the usage at the top of the file)" >&2; exit 2 ;;
  esac
  shift
done

bash deploy/install-deps.sh
bash deploy/web-deps.sh
# The server as it runs for real (release), the driver from the test build.
cmake --preset release >/dev/null
cmake --build --preset release -j1 --target dyad-server
cmake --preset ci >/dev/null
cmake --build build/ci -j1 --target dyad_soak_day

out=build/soak
rm -rf "$out"
mkdir -p "$out/data"
token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
build/release/server/dyad-server --port 0 --data-dir "$out/data" --admin-token "$token" >"$out/server.out" 2>"$out/server.log" &
server=$!
driver=""
cleanup() {
  [ -n "$driver" ] && kill "$driver" 2>/dev/null || true
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}
trap cleanup EXIT

# The port, from the line the server prints once it listens (waited for, with a deadline).
port=""
for _ in $(seq 1 300); do
  port=$(sed -n 's|^dyad-server listening on http://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$out/server.out" | head -1)
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || { echo "deploy/soak.sh: dyad-server did not start:"; cat "$out/server.log"; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "deploy/soak.sh: dyad-server printed no listening line in 30 s" >&2; exit 1; }
echo "soak: dyad-server (release, pid $server) on port $port; $minutes min of days with $participants participants"

seconds=$((minutes * 60))
build/ci/tests/dyad_soak_day "http://127.0.0.1:$port" "$token" deploy/demo/ruptures-one-day.textproto "$seconds" \
  "$participants" >"$out/driver.out" 2>&1 &
driver=$!

echo "seconds,rss_kb,fds" >"$out/samples.csv"
start=$(date +%s)
while kill -0 "$driver" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$server/status")
  fds=$(ls "/proc/$server/fd" | wc -l)
  echo "$(( $(date +%s) - start )),$rss,$fds" >>"$out/samples.csv"
  sleep "$interval"
done
set +e
wait "$driver"
driver_status=$?
set -e
driver=""
cat "$out/driver.out"
[ "$driver_status" -eq 0 ] || { echo "soak: the days failed (exit $driver_status); server log: $out/server.log"; exit 1; }

# Quarter averages over the samples, and the verdict. Descriptors swing with the day of the moment
# (each page is one), so they are judged by the quarters' lowest and highest counts: a leak lifts
# both, a day in progress only the highest of one sample.
awk -F, -v tol="$tolerance" '
  BEGIN { n = 0 }
  NR > 1 { t[n] = $1; rss[n] = $2; fds[n] = $3; n++ }
  END {
    if (n < 8) { print "soak: too few samples (" n ") to judge; run longer"; exit 1 }
    q = int(n / 4)
    f2lo = f2hi = fds[q]; f4lo = f4hi = fds[n - q]
    for (i = q; i < 2 * q; i++) { r2 += rss[i]; if (fds[i] < f2lo) f2lo = fds[i]; if (fds[i] > f2hi) f2hi = fds[i] }
    for (i = n - q; i < n; i++) { r4 += rss[i]; if (fds[i] < f4lo) f4lo = fds[i]; if (fds[i] > f4hi) f4hi = fds[i] }
    r2 /= q; r4 /= q
    rd = (r4 - r2) * 100 / r2
    min = max = rss[0]; for (i = 0; i < n; i++) { if (rss[i] < min) min = rss[i]; if (rss[i] > max) max = rss[i] }
    printf "soak: %d samples over %d s; RSS %d–%d KB, second quarter %.0f KB, last quarter %.0f KB (%+.1f %%); ", n, t[n-1], min, max, r2, r4, rd
    printf "open descriptors second quarter %d–%d, last quarter %d–%d\n", f2lo, f2hi, f4lo, f4hi
    flat = rd <= tol && f4lo <= f2lo + 3 && f4hi <= f2hi + 3
    print (flat ? "soak: flat (RSS within " tol " %, descriptors within 3)" : "soak: NOT flat (RSS tolerance " tol " %, descriptors 3)")
    exit flat ? 0 : 1
  }' "$out/samples.csv"
