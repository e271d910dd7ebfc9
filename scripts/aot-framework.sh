#!/usr/bin/env bash
# Prints the target framework for the Native AOT release build: net10.0 where its NativeAOT runtime
# pack restores from the package source, else net9.0. The answer is cached in build/aot-framework.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
cache=$build/aot-framework
if [ ! -s "$cache" ]; then
  mkdir -p "$build"
  if dotnet restore src/Host/MetaCheck.csproj -r linux-x64 -p:TargetFramework=net10.0 \
       -p:MetaCheckAotFramework=net10.0 >"$build/aot-probe.log" 2>&1; then
    echo net10.0 >"$cache"
  else
    echo net9.0 >"$cache"
  fi
fi
cat "$cache"
