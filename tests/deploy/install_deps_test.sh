#!/usr/bin/env bash
# Checks deploy/install-deps.sh's decisions without touching the machine: fake dpkg-query, id,
# sudo and apt-get on PATH record what the installer would run.
set -euo pipefail
script="$(cd "$(dirname "$0")/../.." && pwd)/deploy/install-deps.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
checks=0

make_fakes() {  # $1: space-separated packages reported missing, $2: uid
  local bin="$work/bin"
  rm -rf "$bin" "$work/calls"
  mkdir -p "$bin"
  cat > "$bin/dpkg-query" <<FAKE
#!/usr/bin/env bash
pkg="\${@: -1}"
for m in $1; do [ "\$m" = "\$pkg" ] && exit 1; done
printf 'install ok installed'
FAKE
  printf '#!/usr/bin/env bash\n[ "$1" = "-u" ] && echo %s || exec /usr/bin/id "$@"\n' "$2" > "$bin/id"
  printf '#!/usr/bin/env bash\necho "sudo $*" >> %s/calls\n"$@"\n' "$work" > "$bin/sudo"
  printf '#!/usr/bin/env bash\necho "apt-get $*" >> %s/calls\n' "$work" > "$bin/apt-get"
  chmod +x "$bin"/*
}

check() {  # $1: name, $2: expected calls (grep -E pattern or "none")
  checks=$((checks + 1))
  local calls
  calls=$(cat "$work/calls" 2>/dev/null || true)
  if { [ "$2" = none ] && [ -z "$calls" ]; } || { [ "$2" != none ] && grep -Eq "$2" <<<"$calls"; }; then
    echo "ok: $1"
  else
    echo "FAILED: $1 — calls were: ${calls:-none}"
    failures=$((failures + 1))
  fi
}

make_fakes "" 0
out=$(PATH="$work/bin:$PATH" bash "$script")
check "everything present installs nothing" none
checks=$((checks + 1))
grep -q "nothing to install" <<<"$out" && echo "ok: says nothing to install" || { echo "FAILED: no message"; failures=$((failures + 1)); }

make_fakes "libspdlog-dev libboost1.81-dev" 0
PATH="$work/bin:$PATH" bash "$script" >/dev/null
check "as root, apt-get directly with only the missing packages" "^apt-get install .*libboost1.81-dev libspdlog-dev$"
checks=$((checks + 1))
if grep -q '^sudo' "$work/calls"; then echo "FAILED: root used sudo"; failures=$((failures + 1)); else echo "ok: root does not use sudo"; fi

make_fakes "libgtest-dev" 1000
PATH="$work/bin:$PATH" bash "$script" >/dev/null
check "as a user, through sudo" "^sudo apt-get install .*libgtest-dev$"

make_fakes "chromium zbar-tools" 0
PATH="$work/bin:$PATH" bash "$script" >/dev/null
check "without --tests, Chromium is not wanted" none
PATH="$work/bin:$PATH" bash "$script" --tests >/dev/null
check "with --tests, Debian's Chromium and zbar-tools are installed" "^apt-get install .*chromium zbar-tools$"

# A user without sudo: a clear message, exit 1, and no install attempted.
make_fakes "libgtest-dev" 1000
rm "$work/bin/sudo"
nosudo="$work/nosudo-bin"
mkdir -p "$nosudo"
for tool in bash dpkg-query grep id; do ln -sf "$work/bin/$tool" "$nosudo/$tool" 2>/dev/null || ln -sf "$(command -v "$tool")" "$nosudo/$tool"; done
ln -sf "$work/bin/apt-get" "$nosudo/apt-get"
set +e
err=$(PATH="$nosudo" "$(command -v bash)" "$script" 2>&1 >/dev/null)
rc=$?
set -e
checks=$((checks + 1))
if [ "$rc" -eq 1 ] && grep -q "run this script as root or install sudo" <<<"$err" && [ ! -s "$work/calls" ]; then
  echo "ok: a user without sudo is told what to do"
else
  echo "FAILED: without sudo — exit $rc, message: $err"
  failures=$((failures + 1))
fi

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
