#!/usr/bin/env bash
# Configures and builds GRAPES-HPC (Release) into ./build, using both cores; with an argument,
# that preset instead (`bash tools/build.sh sanitize` -> ./build-sanitize); with a second, only
# that target (`bash tools/build.sh release grapes`: the executable, not the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
cmake --preset "$preset" >/dev/null
if [ -n "${2:-}" ]; then
  cmake --build --preset "$preset" -j "$(nproc)" --target "$2"
else
  cmake --build --preset "$preset" -j "$(nproc)"
fi
