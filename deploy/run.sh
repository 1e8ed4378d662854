#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for Dyad, builds it, and runs the server with the demo
# workshop on the embedded SQLite store in ./dyad-data, printing the facilitator and participant
# links. Ctrl-C stops it; running it again restores the same workshop.
# Usage: bash deploy/run.sh [extra dyad-server options, e.g. --port 9000]
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/install-deps.sh
bash deploy/web-deps.sh
cmake --preset release
cmake --build --preset release --target dyad-server dyad dyad_web

plan=deploy/demo/ruptures-one-day.textproto
build/release/client/dyad plan check "$plan"
exec build/release/server/dyad-server --data-dir dyad-data --demo-plan "$plan" "$@"
