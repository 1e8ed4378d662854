#!/usr/bin/env bash
# Builds the release configuration, runs the pairing benchmarks (5 repetitions, medians), and
# prints the README's table: each case beside the floor measured in the same run.
# Usage: bash deploy/bench.sh [extra Google Benchmark flags]
set -euo pipefail
cd "$(dirname "$0")/.."

# Set-up and build output go to stderr, so stdout is the table alone.
{
  bash deploy/install-deps.sh
  bash deploy/web-deps.sh
  cmake --preset release
  cmake --build --preset release --target dyad_bench
} >&2
out=build/release/bench.csv
build/release/client/dyad_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_out="$out" --benchmark_out_format=csv "$@" >&2

echo
echo "| case | people | median time | floor (shuffle and pair) | × floor |"
echo "|---|---:|---:|---:|---:|"
# Google Benchmark's CSV: name,iterations,real_time,cpu_time,time_unit,...; medians only.
awk -F, '
  /_median"?,/ {
    name = $1; gsub(/"/, "", name); sub(/_median$/, "", name)
    split(name, part, "/"); kase = part[1]; n = part[2]
    time[kase, n] = $3; unit[kase, n] = $5
    if (!(kase in seen)) { seen[kase] = 1; order[++cases] = kase }
    if (!((kase, n) in have)) { have[kase, n] = 1; sizes[kase] = sizes[kase] " " n }
  }
  END {
    for (c = 1; c <= cases; c++) {
      kase = order[c]
      if (kase == "floor_shuffle_and_pair") continue
      k = split(sizes[kase], ns, " ")
      for (i = 1; i <= k; i++) {
        n = ns[i]; t = time[kase, n]; f = time["floor_shuffle_and_pair", n]
        ratio = (f > 0) ? sprintf("%.0f", t / f) : "–"
        fl = (f > 0) ? sprintf("%.3f %s", f, unit[kase, n]) : "–"
        printf "| %s | %s | %.3f %s | %s | %s |\n", kase, n, t, unit[kase, n], fl, ratio
      }
    }
  }' "$out"
