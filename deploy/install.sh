#!/usr/bin/env bash
# Installs Dyad as a system service on a Debian 12 server, from a clone of this repository.
# Run as root: bash deploy/install.sh
#
# It installs the build dependencies, builds the release preset, installs dyad-server and dyad to
# /usr/local/bin and the pages to /usr/local/share/dyad/web, creates the system user dyad,
# /etc/dyad/dyad.env from deploy/systemd/dyad.env (only if absent: an existing one is never
# touched) and installs the unit deploy/systemd/dyad.service. Running it again after `git pull`
# is the upgrade: it rebuilds, reinstalls, and leaves the settings and the data in /var/lib/dyad
# alone.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=/usr/local
etc_dir=/etc/dyad
env_file="$etc_dir/dyad.env"
unit_file=/etc/systemd/system/dyad.service

if [ "$(id -u)" -ne 0 ]; then
  echo "deploy/install.sh: run this as root (sudo bash deploy/install.sh): it installs to $prefix, creates the user dyad and installs a systemd unit." >&2
  exit 1
fi

say() { echo "deploy/install.sh: $*"; }

# Whether this is an upgrade of a running service decides what to say at the end.
systemd_running=false
[ -d /run/systemd/system ] && systemd_running=true
was_active=false
$systemd_running && systemctl is-active --quiet dyad 2>/dev/null && was_active=true

bash deploy/install-deps.sh
bash deploy/web-deps.sh
cmake --preset release
cmake --build --preset release --target dyad-server dyad dyad_web

# Pages of an earlier version go first, so that a renamed file does not linger; the binaries are
# replaced by cmake --install (a new file, so a running dyad-server carries on until restarted).
rm -rf "$prefix/share/dyad/web"
cmake --install build/release --prefix "$prefix"
say "installed $prefix/bin/dyad-server, $prefix/bin/dyad and the pages in $prefix/share/dyad/web"

# A system user with no login shell and no home: it owns /var/lib/dyad (systemd's StateDirectory).
if getent passwd dyad >/dev/null; then
  say "the system user dyad exists"
else
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
          --comment "Dyad workshop server" dyad
  say "created the system user dyad"
fi

# The settings: readable by root only (systemd reads the file as root; it may hold secrets).
install -d -m 0755 "$etc_dir"
if [ -e "$env_file" ]; then
  say "kept the existing $env_file"
else
  (umask 077 && cp deploy/systemd/dyad.env "$env_file.new")
  mv "$env_file.new" "$env_file"
  say "created $env_file"
fi

install -m 0644 deploy/systemd/dyad.service "$unit_file"
say "installed $unit_file"
if $systemd_running; then
  systemctl daemon-reload
else
  say "systemd is not running here (a container or chroot?): run \`systemctl daemon-reload\` where it is."
fi

echo
if $was_active; then
  cat <<MSG
Upgraded. The running service still runs the previous version; restart it to switch:
  systemctl restart dyad
Participants reconnect on their own, and every open workshop is restored after the restart
(its events are in /var/lib/dyad). Then check the logs: journalctl -u dyad -n 50
MSG
else
  cat <<MSG
Next steps:
  1. Edit $env_file: set DYAD_PUBLIC_URL to the address people open (e.g.
     https://dyad.example.org) and check the rest.
  2. Start Dyad now and at every boot:   systemctl enable --now dyad
  3. Follow its logs:                    journalctl -u dyad -f
  4. The first organiser, and the admin token for scripts (each printed here, once):
     sudo -u dyad $prefix/bin/dyad-server users add EMAIL --organiser --data-dir /var/lib/dyad
     sudo -u dyad $prefix/bin/dyad-server admin-token --reset --data-dir /var/lib/dyad
  5. Put nginx in front (TLS, WebSockets) and create a workshop:
     $prefix/bin/dyad create PLAN --server http://127.0.0.1:8080 --admin-token TOKEN
To upgrade later: git pull, run this script again, then \`systemctl restart dyad\`; open
workshops are restored after the restart. Change the unit with \`systemctl edit dyad\` (a
drop-in), not by editing $unit_file, which this script replaces.
MSG
fi
