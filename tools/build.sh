#!/usr/bin/env bash
# Configures and builds GRAPES-HPC (Release) into ./build, using both cores; with an argument,
# that preset instead (`bash tools/build.sh sanitize` -> ./build-sanitize).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
