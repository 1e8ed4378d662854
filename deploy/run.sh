#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for Dyad, builds it, and runs the server with the demo
# workshop on the embedded SQLite store in ./dyad-data, printing the facilitator and participant
# links last, set apart from the build's output. Ctrl-C stops it; running it again restores the
# same workshop.
# Usage: bash deploy/run.sh [extra dyad-server options, e.g. --port 9000, or
#        --bind 0.0.0.0 --public-url http://192.168.1.20:8080 for people in the same room]
# DYAD_PRESET=dev runs a build of another CMake preset (default: release).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${DYAD_PRESET:-release}"

bash deploy/install-deps.sh
bash deploy/web-deps.sh
# Configured once; later builds reconfigure by themselves when a CMakeLists.txt changes.
[ -f "build/$preset/CMakeCache.txt" ] || cmake --preset "$preset"
cmake --build --preset "$preset" --target dyad-server dyad dyad_web

plan=deploy/demo/ruptures-one-day.textproto
"build/$preset/client/dyad" plan check "$plan"
exec "build/$preset/server/dyad-server" --data-dir dyad-data --demo-plan "$plan" \
  --first-organiser "${DYAD_FIRST_ORGANISER:-organiser@dyad.local}" "$@"
