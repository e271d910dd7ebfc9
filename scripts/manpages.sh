#!/usr/bin/env bash
# Writes a man page per command into $2, generated from the same text as `<command> --help`.
set -euo pipefail
bin=$1; out=$2
mkdir -p "$out"
version=$("$bin" --version | awk '{print $2}')
date=$(date -u +%Y-%m-%d)
summary() { "$bin" --help | awk -v n="$1" '$1 == n { $1 = ""; sub(/^ +/, ""); print; exit }'; }
roff() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }
page() {
  local name=$1 help=$2 what=$3
  {
    echo ".TH \"$(echo "$name" | tr a-z A-Z)\" 1 \"$date\" \"metacheck $version\" \"MetaCheck\""
    echo ".SH NAME"
    echo "$name \\- $what"
    echo ".SH DESCRIPTION"
    echo ".nf"
    printf '%s\n' "$help" | roff
    echo ".fi"
    echo ".SH EXIT STATUS"
    echo "0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for usage errors)."
    echo ".SH SEE ALSO"
    echo "metacheck(1); /usr/share/doc/metacheck/"
  } | gzip -9n >"$out/$name.1.gz"
}
page metacheck "$("$bin" --help)" "meta-checkers and check plugins for Mackerel, Nagios/Icinga and Sensu"
for name in $("$bin" --list) status history reset forget prune doctor; do
  case $name in status|history|reset|forget|prune|doctor) file="metacheck-$name" ;; *) file=$name ;; esac
  what=$(summary "$name"); [ -n "$what" ] || what="alias of $("$bin" --help | awk -v n="$name" 'index($0, n) { print $1; exit }')"
  page "$file" "$("$bin" "$name" --help)" "$what"
done
