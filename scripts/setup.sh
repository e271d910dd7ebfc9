#!/usr/bin/env bash
# Installs from Debian what a make target needs, and nothing more. Idempotent: apt is only called when
# something is missing.
#   setup.sh build        make, make install, make demo, make deb: SQLite's static library (linked into
#                         the binary, 3 MiB), and, only where no C compiler is there, gcc and libc6-dev:
#                         Native AOT links through one (a .NET prerequisite; ~190 MiB on a bare Debian).
#                         dpkg-deb and gzip (make deb) are in every Debian. The .NET 10 SDK must be on PATH.
#   setup.sh test [DIR]   make test: the real peers the tests start or call, below; Nagios Core under DIR.
# Test peers: real inner checks (monitoring-plugins), GNU time and procps (process tests), iproute2 and
# openssl (listeners, certificates), kmod (lsmod, for check-iptables), dnsmasq (a real DNS server for the
# DNS checks), and MariaDB: the server binary only (mariadb-server-core: no init scripts, no system
# service; the tests start their own), the client the MySQL plugins talk through, and mariabackup +
# mariadb-dump to make real backups; binutils (readelf: a test checks how the binary is linked); zsh
# (the zsh completion is run in a test); python3-prometheus-client (a real parser for `metacheck metrics`'
# Prometheus files); lintian checks the .deb, and man-db/bsdextrautils (man, col) render
# its man pages; icinga2-bin: a real Icinga 2 for the end-to-end test (it also creates the `nagios` user
# the test runs it as); the tests start their own daemon, so the service the package enables is stopped
# and disabled; strace shows what a plugin loads while it times a connection (TimedPhasesTests).
set -euo pipefail
build_packages=(libsqlite3-dev)
command -v clang >/dev/null || command -v gcc >/dev/null || build_packages+=(gcc libc6-dev)
test_packages=(binutils zsh python3-prometheus-client monitoring-plugins-basic time procps iproute2 openssl kmod dnsmasq-base man-db
               mariadb-server-core mariadb-client mariadb-backup icinga2-bin lintian bsdextrautils strace)
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"

install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ " ${missing[*]} " == *" icinga2-bin "* ]]; then
    if [ -d /run/systemd/system ]; then $sudo systemctl disable --now icinga2.service >/dev/null 2>&1 || true
    else $sudo /etc/init.d/icinga2 stop >/dev/null 2>&1 || true; $sudo update-rc.d icinga2 disable >/dev/null 2>&1 || true; fi
  fi
}

case ${1:-build} in
  build)
    command -v dotnet >/dev/null || { echo "setup: dotnet (SDK 10) is not on PATH" >&2; exit 1; }
    install_missing "${build_packages[@]}"
    ;;
  test)
    install_missing "${build_packages[@]}" "${test_packages[@]}"
    # Nagios Core for the end-to-end test: only its daemon binary (it needs just libc), extracted under
    # the build directory. Installing the package would pull in an MTA (exim4) through nagios4-common.
    tools=${2:-build}/tools
    if [ ! -x "$tools/nagios4/usr/sbin/nagios4" ]; then
      mkdir -p "$tools" && rm -f "$tools"/nagios4-core_*.deb
      (cd "$tools" && apt-get download nagios4-core >/dev/null 2>&1) || { $sudo apt-get update -qq && (cd "$tools" && apt-get download nagios4-core >/dev/null 2>&1); }
      dpkg-deb -x "$tools"/nagios4-core_*.deb "$tools/nagios4"
    fi
    ;;
  *) echo "usage: setup.sh build | test [BUILD_DIR]" >&2; exit 2 ;;
esac
