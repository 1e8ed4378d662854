#!/usr/bin/env bash
# The container's build stage (deploy/Dockerfile runs exactly this), also runnable outside
# Docker (tests/deploy/container_stages_test.sh does, on a build it already has):
#  1. the Debian packages and npm packages the build needs (deploy/install-deps.sh, web-deps.sh);
#  2. the release preset's dyad-server, dyad and dyad_web into DYAD_BUILD_DIR; a folder that is
#     already configured is only brought up to date, never reconfigured;
#  3. cmake --install into DYAD_STAGE_ROOT with the prefix /usr/local, so the binaries and
#     pages land in DYAD_STAGE_ROOT/usr/local exactly as they will in the runtime image;
#  4. what the runtime stage needs: DYAD_STAGE_ROOT/runtime-packages.txt (the Debian packages
#     holding the shared libraries the binaries load, from deploy/container/runtime-packages.sh)
#     and DYAD_STAGE_ROOT/runtime-files.txt (every file the runtime image gets, one path a line).
# Settings (the Dockerfile uses the defaults):
#   DYAD_BUILD_DIR   build folder (default: build/release in the repository)
#   DYAD_STAGE_ROOT  staging root (default: /out); its usr/local is replaced
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
build_dir="${DYAD_BUILD_DIR:-$repo/build/release}"
stage="${DYAD_STAGE_ROOT:-/out}"
prefix=/usr/local
cd "$repo"

bash deploy/install-deps.sh
bash deploy/web-deps.sh

if [ -f "$build_dir/CMakeCache.txt" ]; then
  # A build folder copied in from another checkout (a context sent without
  # deploy/Dockerfile.dockerignore, by docker's legacy builder) would build that checkout.
  home=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build_dir/CMakeCache.txt")
  if [ "$home" != "$repo" ]; then
    echo "build-stage.sh: $build_dir was configured for $home, not $repo; remove it" \
         "(with docker, build with BuildKit so that deploy/Dockerfile.dockerignore leaves build/ out)." >&2
    exit 1
  fi
  echo "build-stage.sh: reusing the configured build in $build_dir"
else
  cmake --preset release -B "$build_dir"
fi
cmake --build "$build_dir" --target dyad-server dyad dyad_web

rm -rf "${stage:?}$prefix"
mkdir -p "$stage"
DESTDIR="$stage" cmake --install "$build_dir" --prefix "$prefix"

(cd "$stage" && find ".$prefix" -type f | sed 's|^\.||' | LC_ALL=C sort) > "$stage/runtime-files.txt"
mapfile -t binaries < <(find "$stage$prefix/bin" -type f)
bash deploy/container/runtime-packages.sh "${binaries[@]}" > "$stage/runtime-packages.txt"
echo "build-stage.sh: $(wc -l < "$stage/runtime-files.txt") files staged in $stage$prefix;" \
     "runtime packages: $(tr '\n' ' ' < "$stage/runtime-packages.txt")"
