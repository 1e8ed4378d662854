#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for Dyad, builds it, and rehearses the demo workshop's
# rotation offline. Usage: bash deploy/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/install-deps.sh
cmake --preset release
cmake --build --preset release

plan=deploy/demo/ruptures-one-day.textproto
build/release/client/dyad plan check "$plan"
echo "Rehearsing the demo day with 11 participants over 4 rounds (seed 7):"
build/release/client/dyad plan rehearse "$plan" --participants 11 --rounds 4 --seed 7 --json
