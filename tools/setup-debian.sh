#!/usr/bin/env bash
# Installs everything GRAPES-HPC needs to build, test and run on Debian 12 (bookworm).
# Idempotent; uses sudo when not run as root.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
packages=(
  cmake g++ make pkg-config
  libopenmpi-dev openmpi-bin
  libhdf5-openmpi-dev
  libtrilinos-kokkos-dev
  libyaml-cpp-dev libgtest-dev libcli11-dev libtiff-dev
  libboost-dev
  python3-h5py python3-numpy python3-scipy python3-skimage python3-tifffile
  python3-pandas python3-matplotlib python3-yaml python3-venv
  python3-flask
)
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
