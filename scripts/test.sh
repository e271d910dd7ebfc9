#!/usr/bin/env bash
# Runs the test suite against the installed binary in $1 and prints a plain "N passed, N failed" line.
# The tests get the binary's directory and the repository from the environment: with METACHECK_BUILD
# the test assembly is built outside the repository and cannot find it on its own.
set -uo pipefail
cd "$(dirname "$0")/.."
bin_dir=$(realpath "$1"); shift
results=${METACHECK_BUILD:-build}/test-results
rm -rf "$results"
# Signals the caller ignored (nohup ignores HUP; a shell's `cmd &` ignores INT and QUIT) stay ignored in
# every process the tests start, and the wrapper rightly leaves an ignored signal ignored: the tests that
# send these signals need them at their defaults, whoever starts the suite.
METACHECK_REPO="$PWD" METACHECK_BIN_DIR="$bin_dir" env --default-signal=HUP,INT,QUIT,TERM dotnet test tests/MetaCheck.Tests/MetaCheck.Tests.csproj -c Release \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" --results-directory "$results" "$@"
status=$?
trx=$(ls "$results"/*.trx 2>/dev/null | head -1)
if [ -n "$trx" ]; then
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  skipped=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters")
  # A CI log keeps only its tail: name each failure (and the start of its message) above the count.
  if [ "${failed:-0}" != 0 ]; then
    awk '/<UnitTestResult / && /outcome="Failed"/ { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); want = 1 }
         want && /<Message>/ { sub(/.*<Message>/, ""); sub(/<\/Message>.*/, ""); line = "FAILED " name ": " substr($0, 1, 300)
                               gsub(/&quot;/, "\"", line); gsub(/&apos;/, "'"'"'", line); gsub(/&lt;/, "<", line); gsub(/&gt;/, ">", line); gsub(/&amp;/, "\\&", line)
                               print line; want = 0 }' "$trx"
  fi
  echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
fi
exit $status
