#!/usr/bin/env bash
# `nginx -t` on the shipped site deploy/nginx/dyad.conf, as an organiser would enable it: with its
# placeholders replaced (server name, certificate, listen addresses, upstream), once at the
# root of the host and once under a path (/dyad/), each inside a minimal nginx.conf and inside
# Debian's own /etc/nginx/nginx.conf. A self-signed certificate stands in for Let's Encrypt's.
# Runs without root: everything nginx writes goes to a temporary folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
site="${DYAD_NGINX_CONF:-$root/deploy/nginx/dyad.conf}"
nginx="${DYAD_NGINX:-/usr/sbin/nginx}"
if [ ! -x "$nginx" ]; then
  echo "FAILED: no nginx at $nginx; bash deploy/install-deps.sh --tests installs Debian's."
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
checks=0

if ! openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=dyad.test" \
    -addext "subjectAltName=DNS:dyad.test" -keyout "$work/privkey.pem" -out "$work/fullchain.pem" \
    >"$work/openssl.log" 2>&1; then
  echo "FAILED: openssl could not make a certificate:"; cat "$work/openssl.log"; exit 1
fi

# Each placeholder line must be in the shipped file exactly once, so the replacement below
# cannot silently miss (the file changed) or hit the wrong line.
expect_once() {  # $1: a grep -E pattern for one whole line
  checks=$((checks + 1))
  local n
  n=$(grep -cE "^[[:space:]]*$1[[:space:]]*$" "$site" || true)
  if [ "$n" = 1 ]; then
    echo "ok: the site has one line '$1'"
  else
    echo "FAILED: the site has $n lines matching '$1'; expected exactly one (tests/web/nginx.mjs replaces it too)"
    failures=$((failures + 1))
  fi
}
expect_once 'server 127\.0\.0\.1:8080;'
expect_once 'listen 80;'
expect_once 'listen \[::\]:80;'
expect_once 'listen 443 ssl http2;'
expect_once 'listen \[::\]:443 ssl http2;'
expect_once 'ssl_certificate /etc/letsencrypt/live/dyad\.example\.org/fullchain\.pem;'
expect_once 'ssl_certificate_key /etc/letsencrypt/live/dyad\.example\.org/privkey\.pem;'
expect_once 'location / \{'
checks=$((checks + 1))
n=$(grep -cE '^[[:space:]]*server_name dyad\.example\.org;[[:space:]]*$' "$site" || true)
if [ "$n" = 2 ]; then echo "ok: both servers are named dyad.example.org"; else
  echo "FAILED: $n server_name dyad.example.org lines; expected two (port 80 and 443)"; failures=$((failures + 1)); fi

render() {  # $1: http port, $2: https port, $3: root|prefix → the site on stdout
  local location='location \/ {'
  [ "$3" = prefix ] && location='location \/dyad\/ {'
  sed -E \
    -e "s|^([[:space:]]*)server 127\.0\.0\.1:8080;|\1server 127.0.0.1:9;|" \
    -e "s|^([[:space:]]*)listen 80;|\1listen 127.0.0.1:$1;|" \
    -e '/^[[:space:]]*listen \[::\]:80;/d' \
    -e "s|^([[:space:]]*)listen 443 ssl http2;|\1listen 127.0.0.1:$2 ssl http2;|" \
    -e '/^[[:space:]]*listen \[::\]:443 ssl http2;/d' \
    -e "s|/etc/letsencrypt/live/dyad\.example\.org/|$work/|" \
    -e "s|^([[:space:]]*)server_name dyad\.example\.org;|\1server_name dyad.test;|" \
    -e "s|^([[:space:]]*)location / \{[[:space:]]*$|\1$location|" \
    "$site"
}

# What nginx writes, in the folder rather than under /var/lib/nginx and /var/log/nginx (root's),
# then the site: included where Debian includes sites-enabled.
http_includes() {  # $1: the folder
  local p
  for p in client_body proxy fastcgi uwsgi scgi; do printf '%s_temp_path %s/%s;\n' "$p" "$1" "$p"; done
  printf 'access_log %s/access.log;\ninclude %s/dyad.conf;\n' "$1" "$1"
}

minimal_conf() {  # $1: the folder
  printf 'pid %s/nginx.pid;\nerror_log %s/error.log;\nevents { worker_connections 64; }\nhttp { include %s/http.conf; }\n' "$1" "$1" "$1"
}

# Debian's nginx.conf as installed, with what only root may touch moved into the folder: the
# directives it sets for every site (ssl_protocols, ssl_prefer_server_ciphers, gzip...) must not
# clash with the site's.
debian_conf() {  # $1: the folder
  sed -E \
    -e '/^[[:space:]]*user[[:space:]]/d' \
    -e "s|^([[:space:]]*)pid .*;|\1pid $1/nginx.pid;|" \
    -e "s|^([[:space:]]*)error_log .*;|\1error_log $1/error.log;|" \
    -e '/^[[:space:]]*access_log /d' \
    -e '/^[[:space:]]*include \/etc\/nginx\/conf\.d\/\*\.conf;/d' \
    -e "s|^([[:space:]]*)include /etc/nginx/sites-enabled/\*;|\1include $1/http.conf;|" \
    /etc/nginx/nginx.conf
}

run_check() {  # $1: name, $2: root|prefix, $3: minimal|debian
  checks=$((checks + 1))
  local dir="$work/$2-$3" attempt out rc
  mkdir -p "$dir"
  # Ports picked at random: `nginx -t` binds them, and another program may hold one.
  for attempt in 1 2 3 4 5; do
    local http=$((20000 + RANDOM % 20000)) https=$((40000 + RANDOM % 20000))
    render "$http" "$https" "$2" > "$dir/dyad.conf"
    http_includes "$dir" > "$dir/http.conf"
    "${3}_conf" "$dir" > "$dir/nginx.conf"
    set +e
    out=$("$nginx" -t -p "$dir" -c "$dir/nginx.conf" 2>&1)
    rc=$?
    set -e
    grep -q 'Address already in use' <<<"$out" || break
  done
  local want_location='location / {'
  [ "$2" = prefix ] && want_location='location /dyad/ {'
  if [ "$rc" -ne 0 ] || grep -qE '\[(warn|emerg|alert|crit)\]' <<<"$out"; then
    echo "FAILED: $1 — nginx -t exited $rc:"
    sed 's/^/    /' <<<"$out"
    echo "  the site as tested ($dir/dyad.conf):"
    sed 's/^/    /' "$dir/dyad.conf"
    failures=$((failures + 1))
  elif ! grep -qF "$want_location" "$dir/dyad.conf" || grep -v '^[[:space:]]*#' "$dir/dyad.conf" | grep -qF 'dyad.example.org'; then
    echo "FAILED: $1 — the placeholders were not all replaced (expected '$want_location', no dyad.example.org)"
    failures=$((failures + 1))
  else
    echo "ok: $1"
  fi
}

run_check "the site at the root of its host, in a minimal nginx.conf" root minimal
run_check "the site under /dyad/, in a minimal nginx.conf" prefix minimal
if [ -f /etc/nginx/nginx.conf ]; then
  run_check "the site at the root of its host, in Debian's nginx.conf" root debian
  run_check "the site under /dyad/, in Debian's nginx.conf" prefix debian
else
  echo "skipped: no /etc/nginx/nginx.conf to include the site in"
fi

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
