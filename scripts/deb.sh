#!/usr/bin/env bash
# Builds build/metacheck_<version>_<arch>.deb from the release binary (dpkg-deb, no network).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$1; build=${2:-build}
version=$("$bin" --version | awk '{print $2}')
arch=$(dpkg --print-architecture)
root=$build/deb/root
rm -rf "$root" && mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/doc/metacheck/docs" "$root/usr/share/man/man1" "$root/var/lib/metacheck"
install -m 0755 "$bin" "$root/usr/bin/metacheck"
for name in $("$bin" --list); do ln -s metacheck "$root/usr/bin/$name"; done
install -m 0644 README.md "$root/usr/share/doc/metacheck/README.md"
install -m 0644 docs/*.md "$root/usr/share/doc/metacheck/docs/"
printf 'MetaCheck. Ports of kazeburo/custom-mackerel-plugins (MIT), ryuichi1208 plugins and\nmackerelio/go-check-plugins check-tcp (Apache-2.0) behaviour; see docs/.\n' >"$root/usr/share/doc/metacheck/copyright"
scripts/manpages.sh "$bin" "$root/usr/share/man/man1"
# The store root uses: private to root, created by the package with the right owner and mode.
chmod 0700 "$root/var/lib/metacheck"
cat >"$root/DEBIAN/control" <<CONTROL
Package: metacheck
Version: $version
Architecture: $arch
Maintainer: MetaCheck developers <metacheck@localhost>
Depends: libc6 (>= 2.34)
Suggests: mariadb-client | default-mysql-client, monitoring-plugins-basic
Section: admin
Priority: optional
Installed-Size: $(du -sk "$root/usr" | cut -f1)
Description: meta-checkers and check plugins for Mackerel, Nagios/Icinga and Sensu
 delay-checker, interval-checker and periodic-checker wrap any check command
 (alert after N failures, run at most every N seconds, run only inside time
 windows), with run history in a per-user SQLite store; plus check and metric
 plugins (check-tcp, DNS, TLS, MySQL, /proc and tool based). One Native AOT
 binary with a link per command. The MySQL plugins need a mysql/mariadb client.
CONTROL
cat >"$root/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
# Run history is data: kept on remove, deleted on purge. DPKG_ROOT: installs into another root.
if [ "$1" = purge ]; then rm -rf "${DPKG_ROOT:-}/var/lib/metacheck"; fi
POSTRM
chmod 0755 "$root/DEBIAN/postrm"
deb=$build/metacheck_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
