#!/usr/bin/env bash
# Checks deploy/systemd/dyad.service as shipped, offline (no running systemd needed):
#  1. `systemd-analyze verify --root=R` on the unmodified file, where R is a throwaway root
#     holding the unit at /etc/systemd/system, the built dyad-server at /usr/local/bin (verify
#     checks that ExecStart's binary exists and is executable), the env template at
#     /etc/dyad/dyad.env and a copy of this machine's own units (verify loads the default
#     dependencies such as sysinit.target from the root it is given). Verify exits 0 even on
#     unknown keys or bad values, so any line it prints is a failure.
#  2. `systemd-analyze security --offline=yes` on the same file, failing above an exposure
#     of 2.0 (printed as 2.0, compared as 20), so hardening cannot quietly erode.
#  3. grep for every hardening line, so nobody drops one by accident.
#  4. dyad-server accepts the options ExecStart gives it, and the env template is well formed.
# Not checked here, because it needs a running systemd: that the dyad user exists, that
# StateDirectory= is created and owned by it, that the EnvironmentFile is read, and that the
# server actually runs under the system call filter and MemoryDenyWriteExecute.
# Usage: bash tests/deploy/systemd_unit_test.sh PATH/TO/dyad-server
set -euo pipefail
server="${1:?usage: systemd_unit_test.sh PATH/TO/dyad-server}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
unit="$repo/deploy/systemd/dyad.service"
envfile="$repo/deploy/systemd/dyad.env"
analyze="${SYSTEMD_ANALYZE:-systemd-analyze}"
if ! command -v "$analyze" >/dev/null; then
  echo "FAILED: systemd-analyze is missing; install Debian's systemd package (apt-get install systemd)."
  echo "0 passed, 1 failed"
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
checks=0
pass() { checks=$((checks + 1)); echo "ok: $1"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAILED: $1"; }

root="$work/root"
mkdir -p "$root/etc/systemd/system" "$root/usr/local/bin" "$root/etc/dyad" "$root/usr/lib/systemd"
cp "$unit" "$root/etc/systemd/system/dyad.service"
cp "$server" "$root/usr/local/bin/dyad-server"
cp "$envfile" "$root/etc/dyad/dyad.env"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"

# 1. verify
set +e
out=$("$analyze" verify --root="$root" /etc/systemd/system/dyad.service 2>&1)
rc=$?
set -e
if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
  pass "systemd-analyze verify accepts the unit as shipped, without a word"
else
  fail "systemd-analyze verify (exit $rc) said:"$'\n'"$out"
fi

# 2. security exposure
set +e
sec=$("$analyze" security --offline=yes --threshold=20 --no-pager --root="$root" /etc/systemd/system/dyad.service 2>&1)
rc=$?
set -e
level=$(grep -o 'Overall exposure level for dyad.service: [0-9.]*' <<<"$sec" | grep -o '[0-9.]*$' || true)
if [ "$rc" -eq 0 ] && [ -n "$level" ]; then
  pass "systemd-analyze security: exposure $level, within 2.0"
else
  fail "systemd-analyze security (exit $rc, exposure ${level:-unknown}, limit 2.0):"$'\n'"$(grep '✗' <<<"$sec" || echo "$sec")"
fi

# 3. the lines that must stay
required=(
  'User=dyad' 'Group=dyad' 'StateDirectory=dyad' 'EnvironmentFile=/etc/dyad/dyad.env'
  'ExecStart=/usr/local/bin/dyad-server --data-dir /var/lib/dyad'
  'Restart=on-failure' 'KillSignal=SIGTERM' 'TimeoutStopSec=[0-9]+' 'LimitNOFILE=65536'
  'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes'
  'PrivateDevices=yes' 'ReadWritePaths=' 'CapabilityBoundingSet=' 'AmbientCapabilities='
  'SystemCallFilter=@system-service' 'SystemCallArchitectures=native'
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'ProtectKernelTunables=yes'
  'ProtectKernelModules=yes' 'ProtectControlGroups=yes' 'LockPersonality=yes'
  'MemoryDenyWriteExecute=yes' 'RestrictNamespaces=yes' 'RestrictRealtime=yes' 'UMask=0077'
)
missing=()
for line in "${required[@]}"; do
  grep -Eqx "$line" "$unit" || missing+=("$line")
done
if [ ${#missing[@]} -eq 0 ]; then
  pass "all ${#required[@]} required lines are present"
else
  fail "dyad.service lacks: ${missing[*]}"
fi
if grep -Eq '^(DynamicUser=yes|ReadWritePaths=.+|CapabilityBoundingSet=.+|AmbientCapabilities=.+)$' "$unit"; then
  fail "dyad.service widens what the service may do: $(grep -E '^(DynamicUser=yes|ReadWritePaths=.+|CapabilityBoundingSet=.+|AmbientCapabilities=.+)$' "$unit")"
else
  pass "no DynamicUser, no writable path or capability beyond the state directory"
fi
# The server gives up on clients after 3 s, then flushes; systemd must wait longer than that.
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)$/\1/p' "$unit")
if [ -n "$stop" ] && [ "$stop" -ge 5 ] && [ "$stop" -le 60 ]; then
  pass "TimeoutStopSec=$stop leaves room for the 3 s graceful stop"
else
  fail "TimeoutStopSec=${stop:-unset} should be between 5 and 60 seconds (the server stops within about 3 s)"
fi

# 4. the server takes ExecStart's options; the env template holds only VARIABLE=value lines
if "$server" --data-dir /var/lib/dyad --help >/dev/null 2>"$work/err"; then
  pass "dyad-server accepts ExecStart's options"
else
  fail "dyad-server rejects ExecStart's options: $(cat "$work/err")"
fi
bad=$(grep -Env '^(#.*|[A-Z][A-Z0-9_]*=[^ "'\'']*|)$' "$envfile" || true)
if [ -z "$bad" ]; then pass "dyad.env holds only comments and VARIABLE=value lines"; else fail "dyad.env has lines systemd may misread: $bad"; fi
if grep -Eq '^#?DYAD_DATA_DIR=' "$envfile"; then
  fail "dyad.env sets DYAD_DATA_DIR; the unit's --data-dir decides it"
else
  pass "dyad.env leaves the data folder to the unit"
fi
absent=()
for var in DYAD_PUBLIC_URL DYAD_TRUSTED_PROXIES DYAD_BIND DYAD_PORT DYAD_ADMIN_TOKEN DYAD_LOG_FORMAT; do
  grep -Eq "^#?$var=" "$envfile" || absent+=("$var")
done
if [ ${#absent[@]} -eq 0 ]; then pass "dyad.env names every setting the service is configured by"; else fail "dyad.env does not name ${absent[*]}"; fi
# A variable the server does not read would be silently ignored.
help=$("$server" --help 2>&1 || true)
unknown=()
for var in $(sed -n 's/^#\{0,1\}\(DYAD_[A-Z0-9_]*\)=.*/\1/p' "$envfile"; grep -o '^Environment=DYAD_[A-Z0-9_]*' "$unit" | cut -d= -f2); do
  grep -q "($var[,)]" <<<"$help" || unknown+=("$var")
done
if [ ${#unknown[@]} -eq 0 ]; then pass "dyad-server reads every variable dyad.env and the unit set"; else fail "dyad-server --help names no ${unknown[*]}"; fi

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
