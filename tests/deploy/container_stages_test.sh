#!/usr/bin/env bash
# Runs deploy/Dockerfile's stages outside Docker (no engine is needed): the build stage's own
# script on a build that already exists, then what the runtime stage relies on — the computed
# package list, the file list, every binary's libraries, the pages — and the runtime image's
# command and HEALTHCHECK against the staged dyad-server. Last, it checks that the Dockerfile
# RUNs these same scripts with the same paths, so the image and this test cannot drift apart.
# Not covered: the base images, apt-get inside them, and `docker build`/`compose up` as such.
# Usage: bash tests/deploy/container_stages_test.sh PATH/TO/dyad-server PATH/TO/dyad BUILD_DIR
set -euo pipefail
built_server="${1:?usage: container_stages_test.sh DYAD_SERVER DYAD BUILD_DIR}"
built_cli="${2:?usage: container_stages_test.sh DYAD_SERVER DYAD BUILD_DIR}"
build_dir="$(cd "${3:?usage: container_stages_test.sh DYAD_SERVER DYAD BUILD_DIR}" && pwd)"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
dockerfile="$repo/deploy/Dockerfile"
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
checks=0
pass() { checks=$((checks + 1)); echo "ok: $1"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAILED: $1"; }
check() { if eval "$2"; then pass "$1"; else fail "$1${3:+ — $3}"; fi; }  # $1 name, $2 condition, $3 detail

stage="$work/out"
prefix=/usr/local

# ---- the build stage, exactly as the Dockerfile runs it, on the existing build ----------------
if DYAD_BUILD_DIR="$build_dir" DYAD_STAGE_ROOT="$stage" bash "$repo/deploy/container/build-stage.sh" > "$work/build-stage.log" 2>&1; then
  pass "deploy/container/build-stage.sh ran on $build_dir"
else
  fail "deploy/container/build-stage.sh failed:"$'\n'"$(tail -n 30 "$work/build-stage.log")"
  echo "$((checks - failures)) passed, $failures failed"
  exit 1
fi

# ---- what it staged --------------------------------------------------------------------------
for pair in "dyad-server:$built_server" "dyad:$built_cli"; do
  name=${pair%%:*}
  check "bin/$name is the binary this build made" "cmp -s '$stage$prefix/bin/$name' '${pair#*:}' && [ -x '$stage$prefix/bin/$name' ]" \
        "$stage$prefix/bin/$name differs from ${pair#*:} or is missing"
done

web="$stage$prefix/share/dyad/web"
# Every page file the build made goes in, and nothing else: assets/sizes.json is the build's report,
# and CMake keeps its own files for web/ in the same folder.
expected=$(cd "$build_dir/web" && find . -type f ! -path ./assets/sizes.json ! -path './CMakeFiles/*' \
             ! -name cmake_install.cmake ! -name CTestTestfile.cmake | LC_ALL=C sort)
staged=$(cd "$web" 2>/dev/null && find . -type f | LC_ALL=C sort || true)
check "share/dyad/web holds exactly the pages the server serves ($(wc -l <<<"$expected") files)" '[ "$expected" = "$staged" ]' \
      "differences (< built, > installed):"$'\n'"$(diff <(echo "$expected") <(echo "$staged") | grep '^[<>]' || true)"
for f in index.html join.html facilitate.html report.html dyad.css favicon.svg assets/participant.js assets/facilitator.js assets/report.js; do
  [ -f "$web/$f" ] || fail "share/dyad/web/$f is missing"
done
pass "the four pages, their styles and scripts are there"

files="$stage/runtime-files.txt"
listed=$(cd "$stage" && find ".$prefix" -type f | sed 's|^\.||' | LC_ALL=C sort)
check "runtime-files.txt lists every staged file" '[ -s "$files" ] && [ "$(cat "$files")" = "$listed" ]'

# ---- what the runtime stage installs ---------------------------------------------------------
packages="$stage/runtime-packages.txt"
check "runtime-packages.txt is computed and not empty ($(tr '\n' ' ' < "$packages" 2>/dev/null))" '[ -s "$packages" ]'
check "it holds valid package names, no -dev package" \
      '! grep -Ev "^[a-z0-9][a-z0-9.+-]+$" "$packages" && ! grep -E -- "-dev$" "$packages"' \
      "$(grep -E -- '-dev$|[^a-z0-9.+-]' "$packages" || true)"
check "it names the C and C++ runtimes the binaries load" 'grep -qx libc6 "$packages" && grep -qx "libstdc++6" "$packages"'
# Every library a staged binary loads comes from one of the listed packages, so the runtime image has it.
missing=()
while read -r f; do
  [ "$(head -c 4 "$stage$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
  if out=$(ldd "$stage$f" 2>&1) && ! grep -q 'not found' <<<"$out"; then :; else missing+=("$f: $(grep 'not found' <<<"$out" | tr -s '\t ' ' ')"); fi
  while read -r lib; do
    pkg=$(dpkg -S "$lib" 2>/dev/null | head -n 1 | cut -d: -f1 || true)
    [ -z "$pkg" ] && pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -n 1 | cut -d: -f1 || true)
    [ -n "$pkg" ] && ! grep -qx "$pkg" "$packages" && missing+=("$f: $lib is in $pkg, not in the list")
  done < <(sed -n 's/^\s*[^ ]* => \(\/[^ ]*\) .*/\1/p' <<<"$out")
done < "$files"
check "ldd finds every library of every staged binary, each from a listed package" '[ ${#missing[@]} -eq 0 ]' "$(printf '%s\n' "${missing[@]}")"

# ---- the runtime image's command and HEALTHCHECK, on the staged tree -------------------------
# As in the image: the environment decides everything, the pages are the installed ones. Bound to
# 127.0.0.1 and a free port here, where the image uses 0.0.0.0:8080.
mkfifo "$work/stdout"
env -i DYAD_BIND=127.0.0.1 DYAD_PORT=0 DYAD_DATA_DIR="$work/data" DYAD_WEB_ROOT="$web" DYAD_LOG_FORMAT=json \
  "$stage$prefix/bin/dyad-server" > "$work/stdout" 2> "$work/server.err" &
server_pid=$!
exec 4< "$work/stdout"
port=
while IFS= read -r -t 30 line <&4; do
  if [[ "$line" == "dyad-server listening on http://"* ]]; then port=${line##*:}; break; fi
done
check "the staged dyad-server starts from its environment alone" '[ -n "$port" ]' "$(tail -n 5 "$work/server.err")"

if [ -n "$port" ]; then
  get() {  # $1 path, $2 file: the response into the file
    exec 5<>"/dev/tcp/127.0.0.1/$port"
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$1" >&5
    timeout 10 cat <&5 > "$2"
    exec 5<&-
  }
  get / "$work/index"
  get /assets/participant.js "$work/participant"
  check "it serves the installed front page" 'head -n 1 "$work/index" | grep -q "^HTTP/1.1 200 " && grep -qi "<html" "$work/index"' \
        "$(head -n 1 "$work/index")"
  check "and the installed participant script" 'head -n 1 "$work/participant" | grep -q "^HTTP/1.1 200 " && cmp -s <(sed "1,/^\r$/d" "$work/participant") "$web/assets/participant.js"' \
        "$(head -n 1 "$work/participant")"
  if health=$(DYAD_PORT="$port" DYAD_BIND=0.0.0.0 bash "$repo/deploy/container/healthcheck.sh"); then
    pass "the HEALTHCHECK script reports healthy ($health)"
  else
    fail "the HEALTHCHECK script reports unhealthy on a ready server: $health"
  fi
  # STOPSIGNAL SIGTERM: a graceful stop, well inside docker stop's 10 s and the unit's TimeoutStopSec.
  started=$(date +%s%N)
  kill -TERM "$server_pid"
  set +e; wait "$server_pid"; rc=$?; set -e
  server_pid=
  elapsed_ms=$((($(date +%s%N) - started) / 1000000))
  check "SIGTERM stops it with status 0 in ${elapsed_ms} ms" '[ "$rc" -eq 0 ] && [ "$elapsed_ms" -lt 5000 ]' "exit $rc; $(tail -n 3 "$work/server.err")"
  if DYAD_PORT="$port" bash "$repo/deploy/container/healthcheck.sh" >/dev/null 2>&1; then
    fail "the HEALTHCHECK script reports healthy with no server"
  else
    pass "the HEALTHCHECK script reports unhealthy with no server"
  fi
fi
exec 4<&-

# ---- the Dockerfile runs these very scripts, with the paths this test checked -----------------
has() { grep -Eq -- "$1" "$dockerfile"; }
check "the build stage is debian:12 and RUNs deploy/container/build-stage.sh with its defaults" \
      'has "^FROM debian:12 AS build$" && has "^RUN bash deploy/container/build-stage.sh" && ! has "DYAD_(BUILD_DIR|STAGE_ROOT)="'
check "build-stage.sh stages into /out by default and computes the packages with runtime-packages.sh" \
      'grep -q "stage=\"\${DYAD_STAGE_ROOT:-/out}\"" "$repo/deploy/container/build-stage.sh" && grep -q "bash deploy/container/runtime-packages.sh" "$repo/deploy/container/build-stage.sh"'
check "the runtime stage is debian:12-slim and installs exactly runtime-packages.txt, then drops apt's lists" \
      'has "^FROM debian:12-slim AS runtime$" && has "COPY --from=build /out/runtime-packages.txt " && has "xargs -a /tmp/runtime-packages.txt apt-get install -y --no-install-recommends" && has "rm -rf /var/lib/apt/lists/\*"'
check "it copies the staged /usr/local and points DYAD_WEB_ROOT at the installed pages" \
      'has "^COPY --from=build /out/usr/local/ /usr/local/$" && has "DYAD_WEB_ROOT=/usr/local/share/dyad/web"'
check "its HEALTHCHECK runs deploy/container/healthcheck.sh" \
      'has "^COPY deploy/container/healthcheck.sh /usr/local/share/dyad/healthcheck.sh$" && has "CMD \[\"bash\", \"/usr/local/share/dyad/healthcheck.sh\"\]"'
check "it runs as the non-root user dyad, with the volume, port, stop signal and entry point" \
      'has "^USER dyad$" && has "--uid 10001" && has "^VOLUME /var/lib/dyad$" && has "^EXPOSE 8080$" && has "^STOPSIGNAL SIGTERM$" && has "^ENTRYPOINT \[\"/usr/local/bin/dyad-server\"\]$"'
compose="$repo/deploy/compose.yaml"
check "compose.yaml builds deploy/Dockerfile from the repository, with the volume and nginx waiting for health" \
      'grep -q "dockerfile: deploy/Dockerfile" "$compose" && grep -q "dyad-data:/var/lib/dyad" "$compose" && grep -q "condition: service_healthy" "$compose" && grep -q "nginx/dyad.conf" "$compose"'

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
