#!/usr/bin/env bash
# Installs the binaries and the command links under a prefix ($2), for `make install` and the .deb alike:
#   PREFIX/bin/metacheck                          the multi-call binary
#   PREFIX/bin/{delay,interval,periodic}-checker  links to the wrappers' binary: names no other package uses
#   PREFIX/lib/metacheck/metacheck-wrappers       the wrappers' own smaller binary, built beside metacheck
#   PREFIX/lib/metacheck/bin/<every command>      links (metacheck too); scripts/layout.sh says why
set -euo pipefail
binary=$1; prefix=$2
wrappers=$(dirname "$binary")/metacheck-wrappers
. "$(dirname "$0")/layout.sh"
commands=$("$binary" --list)
for name in $path_names; do
  grep -qx "$name" <<<"$commands" || { echo "install: '$name' is not a command of $binary" >&2; exit 1; }
done
[ "$("$wrappers" --list | xargs)" = "$path_names" ] || { echo "install: $wrappers does not run exactly: $path_names" >&2; exit 1; }
install -d "$prefix/bin" "$prefix/$(dirname "$wrappers_binary")"
install -m 0755 "$binary" "$prefix/bin/metacheck"
install -m 0755 "$wrappers" "$prefix/$wrappers_binary"
for name in $path_names; do ln -sfn "../$wrappers_binary" "$prefix/bin/$name"; done
# Links an older `make install` put in PREFIX/bin for the plugins would still shadow other packages.
for name in $commands; do
  case " $path_names " in *" $name "*) continue ;; esac
  if [ -L "$prefix/bin/$name" ] && [ "$(readlink "$prefix/bin/$name")" = metacheck ]; then rm -f "$prefix/bin/$name"; fi
done
# Relative links, so the tree can move (DESTDIR, a scratch root) and still lead to its own binary.
rm -rf "${prefix:?}/$plugin_dir" && install -d "$prefix/$plugin_dir"
for name in metacheck $commands; do
  case " $path_names " in
    *" $name "*) ln -s "../$(basename "$wrappers_binary")" "$prefix/$plugin_dir/$name" ;;
    *) ln -s ../../../bin/metacheck "$prefix/$plugin_dir/$name" ;;
  esac
done
