#!/usr/bin/env bash
# Builds build/metacheck_<version>_<arch>.deb from the release binary (dpkg-deb, no network) and
# prints its path. Layout: scripts/layout.sh; bash and zsh completion: scripts/completion.sh. It
# installs beside mackerel-check-plugins, mackerel-agent-plugins and monitoring-plugins: no file of
# theirs, no command name of theirs.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$1; build=${2:-build}
# The project has no mail address yet: a reserved example domain (lintian rejects localhost) until it does.
maintainer=${METACHECK_MAINTAINER:-MetaCheck developers <metacheck@example.org>}
version=$("$bin" --version | awk '{print $2}')
arch=$(dpkg --print-architecture)
root=$build/deb/root
doc=$root/usr/share/doc/metacheck
rm -rf "$root" && mkdir -p "$root/DEBIAN" "$doc/docs" "$root/var/lib/metacheck"

scripts/install.sh "$bin" "$root/usr"
install -m 0644 README.md "$doc/README.md"
install -m 0644 docs/*.md "$doc/docs/"
cp -r samples "$doc/examples" && chmod -R u=rwX,go=rX "$doc/examples" && chmod 0755 "$doc/examples/demo.sh"
scripts/manpages.sh "$bin" "$root/usr/share/man/man1"
completions=$root/usr/share/bash-completion/completions
mkdir -p "$completions"
scripts/completion.sh "$bin" bash >"$completions/metacheck"
# bash-completion loads a file by the command's name; the script itself leaves other packages' programs alone.
for name in $("$bin" --list); do ln -s metacheck "$completions/$name"; done
mkdir -p "$root/usr/share/zsh/vendor-completions"
scripts/completion.sh "$bin" zsh >"$root/usr/share/zsh/vendor-completions/_metacheck"

# Debian changelog (native package): this version, its changes being the commits' subjects.
subjects=$(git log --no-merges --format=%s 2>/dev/null || true)
{
  echo "metacheck ($version) unstable; urgency=medium"
  echo
  if [ -n "$subjects" ]; then
    while IFS= read -r subject; do fold -s -w 72 <<<"$subject" | sed -e 's/ *$//' -e '1s/^/  * /' -e '2,$s/^/    /'; done <<<"$subjects"
  else
    echo "  * Release $version."
  fi
  echo
  echo " -- $maintainer  $(git log -1 --format=%aD 2>/dev/null || date -R)"
} | gzip -9n >"$doc/changelog.gz"

# DEP-5 copyright: MetaCheck's own code is MIT (LICENSE); the licence text is the one of the LICENSE file.
{
  cat <<'COPYRIGHT'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: metacheck
Comment: MetaCheck reimplements the behaviour of kazeburo/custom-mackerel-plugins (MIT,
 (c) 2016 Masahiro Nagano), ryuichi1208's Mackerel plugins (published without a licence)
 and mackerelio/go-check-plugins' check-tcp (Apache-2.0); no code of theirs is included.
 The binary is statically linked with the .NET runtime (MIT), System.CommandLine (MIT),
 NodaTime (Apache-2.0), SQLitePCLRaw (Apache-2.0) and SQLite (public domain).

Files: *
Copyright: 2026 the MetaCheck authors
License: MIT
COPYRIGHT
  # The licence paragraph: LICENSE from its permission notice on, one space in front, "." for blank lines.
  sed -n '/^Permission/,$p' LICENSE | sed -e 's/^$/./' -e 's/^/ /'
} >"$doc/copyright"

# Reasons for each lintian override are in the file, next to it.
mkdir -p "$root/usr/share/lintian/overrides"
cat >"$root/usr/share/lintian/overrides/metacheck" <<'OVERRIDES'
# A fixed-address (non-PIE) image is deliberate: it halves start-up, and an agent starts dozens of
# these a minute. Why and the price: src/Host/MetaCheck.csproj, docs/benchmarks.md.
metacheck: hardening-no-pie [usr/bin/metacheck]
# The wrappers' own binary, which their links lead to, is linked the same way for the same reason.
metacheck: hardening-no-pie [usr/lib/metacheck/metacheck-wrappers]
# The run-history store of root's checks is private to root: other users' checks must neither read
# nor plant files there (docs/state-store.md). The package creates it 0700 on purpose.
metacheck: non-standard-dir-perm 0700 != 0755 [var/lib/metacheck/]
OVERRIDES

# The store root uses: private to root, created by the package with the right owner and mode.
chmod 0700 "$root/var/lib/metacheck"
cat >"$root/DEBIAN/control" <<CONTROL
Package: metacheck
Version: $version
Architecture: $arch
Maintainer: $maintainer
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
 binary with a link per command, and a smaller one that the wrappers' links
 lead to, for a faster start: the wrappers in /usr/bin, every command in
 /usr/lib/metacheck/bin, so that it installs beside mackerel-check-plugins and
 mackerel-agent-plugins. The MySQL plugins need a mysql/mariadb client.
CONTROL
cat >"$root/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
# Run history is data: kept on remove, deleted on purge. DPKG_ROOT: installs into another root.
if [ "$1" = purge ]; then rm -rf "${DPKG_ROOT:-}/var/lib/metacheck"; fi
POSTRM
chmod 0755 "$root/DEBIAN/postrm"
(cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum >DEBIAN/md5sums)
deb=$build/metacheck_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
