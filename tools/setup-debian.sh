#!/usr/bin/env bash
# Installs everything GRAPES-HPC needs to build, test and run on Debian 12 (bookworm), and the
# front-end library of `grapes view` from npm (python/grapes_hpc/view/web/package-lock.json).
# `--tests` adds what only the test suite needs: Chromium, ChromeDriver and Selenium for the
# browser tests of grapes view. Idempotent; uses sudo when not run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
packages=(
  cmake g++ make pkg-config
  libopenmpi-dev openmpi-bin
  libhdf5-openmpi-dev
  libtrilinos-kokkos-dev
  libyaml-cpp-dev libgtest-dev libcli11-dev libtiff-dev
  libboost-dev libeigen3-dev
  python3-h5py python3-numpy python3-scipy python3-skimage python3-tifffile
  python3-pandas python3-matplotlib python3-yaml python3-venv
  python3-flask
)
for argument in "$@"; do
  case "$argument" in
    --tests) packages+=(chromium chromium-driver python3-selenium) ;;
    *) echo "setup: unknown option '$argument' (known: --tests)" >&2; exit 2 ;;
  esac
done
# npm from Debian only where no Node.js with npm is installed already (NodeSource's includes it).
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
echo "setup: all packages present"
# grapes view serves its plotting library from here, so its pages work without internet.
web=python/grapes_hpc/view/web
if [ ! -f "$web/node_modules/uplot/dist/uPlot.iife.min.js" ] ||
  [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
  npm ci --prefix "$web" --no-audit --no-fund --loglevel=error >/dev/null ||
    { echo "setup: 'npm ci' in $web failed: grapes view needs the npm registry once" >&2; exit 1; }
fi
echo "setup: grapes view's front end installed ($web/node_modules)"
