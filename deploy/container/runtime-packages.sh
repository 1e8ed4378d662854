#!/usr/bin/env bash
# Prints, one a line and sorted, the Debian packages that hold the shared libraries the given
# executables load (as ldd resolves them on this machine), so that the runtime image installs
# exactly those and nothing else. Fails, naming it, on a library ldd cannot find or that no
# package owns (one built by hand in /usr/local, say): the runtime image would lack it.
# Usage: bash deploy/container/runtime-packages.sh EXECUTABLE...
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: runtime-packages.sh EXECUTABLE..." >&2; exit 2; }

owner() {  # the package owning library $1, trying the path as given, resolved, and across merged /usr
  local path=$1 candidates=() c out
  candidates+=("$path" "$(readlink -f "$path")")
  for c in "${candidates[@]}"; do
    case "$c" in /usr/*) candidates+=("${c#/usr}") ;; *) candidates+=("/usr$c") ;; esac
  done
  for c in "${candidates[@]}"; do
    if out=$(dpkg -S "$c" 2>/dev/null); then
      grep -v '^diversion by' <<<"$out" | head -n 1 | cut -d: -f1
      return 0
    fi
  done
  return 1
}

libraries=()
for exe in "$@"; do
  out=$(ldd "$exe") || { echo "runtime-packages.sh: ldd cannot read $exe" >&2; exit 1; }
  if grep -q 'not found' <<<"$out"; then
    echo "runtime-packages.sh: $exe needs libraries this machine lacks:" >&2
    grep 'not found' <<<"$out" >&2
    exit 1
  fi
  # "libfoo.so.1 => /lib/.../libfoo.so.1 (0x…)" and the loader's "/lib64/ld-linux-x86-64.so.2 (0x…)";
  # linux-vdso has no file.
  while read -r path; do libraries+=("$path"); done < <(
    sed -n -e 's/^\s*[^ ]* => \(\/[^ ]*\) (0x[0-9a-f]*)$/\1/p' -e 's/^\s*\(\/[^ ]*\) (0x[0-9a-f]*)$/\1/p' <<<"$out")
done

packages=()
for lib in $(printf '%s\n' "${libraries[@]}" | sort -u); do
  if pkg=$(owner "$lib"); then
    packages+=("$pkg")
  else
    echo "runtime-packages.sh: no Debian package owns $lib; the runtime image would not have it." >&2
    exit 1
  fi
done
printf '%s\n' "${packages[@]}" | LC_ALL=C sort -u
