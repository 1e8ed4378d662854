#!/usr/bin/env bash
# Installs the Debian 12 packages Dyad builds and runs with. Idempotent: when everything is
# present it installs nothing and says so. Works as root, or through sudo otherwise.
# Usage: bash deploy/install-deps.sh [--tests|--fuzz]
#   --tests adds Chromium and nginx for the tests, and clang-14 with libFuzzer for the fuzz target
#   --fuzz adds only clang-14 with libFuzzer (deploy/robustness.sh)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache
  libboost1.81-dev        # Asio and Beast; libboost-dev is 1.74, too old
  libprotobuf-dev protobuf-compiler
  libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsqlite3-dev libssl-dev
  libsodium-dev           # Argon2id for the passwords of organisers and facilitators
)
# The browser pages are built with Node.js; a machine without it gets Debian's.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
# The browser tests drive Debian's Chromium (nothing downloads a browser) and read the
# dashboard's QR code back with zbarimg; the nginx tests run the shipped site in Debian's nginx
# with a certificate made by openssl. (Installing nginx starts its own service on port 80; the
# tests run nginx by themselves and need none: `systemctl disable --now nginx` stops it.) The
# service's unit is checked offline by systemd-analyze, from the systemd package.
[ "${1:-}" = "--tests" ] && packages+=(chromium zbar-tools nginx openssl systemd)
# The frame fuzzer (tests/fuzz, the `fuzz` preset) is built by Debian's clang 14 with its libFuzzer.
case "${1:-}" in --tests|--fuzz) packages+=(clang-14 libfuzzer-14-dev) ;; esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deploy/install-deps.sh: all ${#packages[@]} packages present, nothing to install."
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "deploy/install-deps.sh: missing ${missing[*]}; run this script as root or install sudo." >&2
  exit 1
fi

echo "deploy/install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
