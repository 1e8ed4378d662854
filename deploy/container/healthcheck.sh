#!/usr/bin/env bash
# The container's HEALTHCHECK: GET /readyz from the dyad-server in this container and succeed on
# 200 (ready: the store answers and the server is not draining). bash alone, through its
# /dev/tcp, because the slim image has no curl and needs none.
set -uo pipefail
port="${DYAD_PORT:-8080}"
case "${DYAD_BIND:-0.0.0.0}" in 0.0.0.0 | :: | '') host=127.0.0.1 ;; *) host="$DYAD_BIND" ;; esac
exec 3<>"/dev/tcp/$host/$port" || { echo "no answer on $host:$port"; exit 1; }
printf 'GET /readyz HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$host" >&3
IFS= read -r -t 5 status <&3 || { echo "no reply from $host:$port/readyz"; exit 1; }
status="${status%$'\r'}"
echo "$status"
[[ "$status" == "HTTP/1.1 200 "* ]]
