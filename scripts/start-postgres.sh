#!/usr/bin/env bash
# Starts a PostgreSQL server on 127.0.0.1:5432 with trust auth for local TCP, for the tests.
# Uses the cluster that Debian's `postgresql` package creates; installs the package if missing.
set -euo pipefail
port_open() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if port_open; then exit 0; fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  echo "Installing PostgreSQL (Debian package postgresql)…"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q postgresql
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
hba="/etc/postgresql/$version/main/pg_hba.conf"
if ! $SUDO grep -q "^host all all 127.0.0.1/32 trust" "$hba"; then
  # tests connect as postgres over TCP without a password: trust on loopback only
  $SUDO sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
fi
$SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main reload
for _ in $(seq 1 30); do port_open && exit 0; sleep 1; done
echo "PostgreSQL did not start on 127.0.0.1:5432; see /var/log/postgresql/" >&2
exit 1
