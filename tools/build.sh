#!/usr/bin/env bash
# Configures and builds GRAPES-HPC (Release) into ./build, using both cores.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
