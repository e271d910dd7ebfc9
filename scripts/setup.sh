#!/usr/bin/env bash
# Installs what the build and the tests need from Debian: real inner checks (monitoring-plugins),
# SQLite's static library (linked into the binary), GNU time and procps (benchmarks, process tests), binutils
# (readelf: a test checks how the binary is linked),
# kmod (lsmod, for check-iptables), dnsmasq (a real DNS server for the DNS checks' tests), and MariaDB: the
# server binary only (mariadb-server-core: no init scripts, no system service; the tests start their own),
# the client the MySQL plugins talk through, and mariabackup + mariadb-dump to make real backups;
# lintian checks the .deb, and man-db/bsdextrautils (man, col) render its man pages in the tests.
# icinga2-bin: a real Icinga 2 for the end-to-end test (it also creates the `nagios` user the test runs
# it as); the tests start their own daemon, so the service the package enables is stopped and disabled.
# Idempotent: apt is only called when something is missing.
set -euo pipefail
packages=(monitoring-plugins-basic libsqlite3-dev time procps iproute2 openssl kmod dnsmasq-base man-db
          mariadb-server-core mariadb-client mariadb-backup binutils icinga2-bin lintian bsdextrautils)
packages+=(python3-prometheus-client) # test peer: the Prometheus parser MetricsTests reads `metacheck metrics` files with
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ " ${missing[*]} " == *" icinga2-bin "* ]]; then
    if [ -d /run/systemd/system ]; then $sudo systemctl disable --now icinga2.service >/dev/null 2>&1 || true
    else $sudo /etc/init.d/icinga2 stop >/dev/null 2>&1 || true; $sudo update-rc.d icinga2 disable >/dev/null 2>&1 || true; fi
  fi
fi
command -v dotnet >/dev/null || { echo "setup: dotnet (SDK 10) is not on PATH" >&2; exit 1; }

# Nagios Core for the end-to-end test: only its daemon binary (it needs just libc), extracted under
# the build directory. Installing the package would pull in an MTA (exim4) through nagios4-common.
tools=${1:-build}/tools
if [ ! -x "$tools/nagios4/usr/sbin/nagios4" ]; then
  mkdir -p "$tools" && rm -f "$tools"/nagios4-core_*.deb
  (cd "$tools" && apt-get download nagios4-core >/dev/null 2>&1) || { $sudo apt-get update -qq && (cd "$tools" && apt-get download nagios4-core >/dev/null 2>&1); }
  dpkg-deb -x "$tools"/nagios4-core_*.deb "$tools/nagios4"
fi
