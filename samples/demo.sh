#!/usr/bin/env bash
# A short tour of the meta-checkers on bundled checks. Uses a throw-away state store.
set -uo pipefail
# The plugins (check-uptime here) are in the plugin directory; `make demo` puts its own first in PATH.
case ":$PATH:" in *"/lib/metacheck/bin:"*) ;; *) PATH=/usr/lib/metacheck/bin:$PATH ;; esac
export METACHECK_STATE_DIR=$(mktemp -d /tmp/metacheck-demo.XXXXXX)
trap 'rm -rf "$METACHECK_STATE_DIR"' EXIT

run() {
  printf '\n$'; printf ' %q' "$@"; printf '\n'
  "$@"
  printf '  (exit %d)\n' "$?"
}

echo "== $(metacheck --version): state in $METACHECK_STATE_DIR"

echo
echo "== delay-checker: a failing check alerts only on the 3rd failure in a row"
for i in 1 2 3; do run delay-checker -c 3 -- check-uptime -c 2000000000; done
run delay-checker -c 3 -- check-uptime -w 1

echo
echo "== interval-checker: the second call replays the first result without running the check"
run interval-checker --interval 300 -- sh -c 'date +"checked at %T"'
sleep 1
run interval-checker --interval 300 -- sh -c 'date +"checked at %T"'

echo
echo "== periodic-checker: outside its window the check is not run"
outside=$(date -d '+2 hours' +%H:00)-$(date -d '+3 hours' +%H:00)
run periodic-checker --ranges "$outside" -- check-uptime -c 2000000000
run periodic-checker --ranges 'Mon-Sun@00:00-24:00' -- check-uptime -w 1

echo
echo "== they compose, and a hung check is killed"
run periodic-checker -- delay-checker -c 2 -- interval-checker --interval 60 -- check-uptime -c 2000000000
run delay-checker --timeout 0.5 -- sleep 30

echo
echo "== what the store remembers"
run metacheck status
run metacheck history check-uptime
