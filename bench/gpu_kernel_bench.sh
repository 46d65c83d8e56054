#!/usr/bin/env bash
# The kernel benchmark on a bare GPU node, in one go: builds Kokkos (CUDA, Hopper by default)
# from a Kokkos source tree, builds bench/ against it (Kokkos only: no MPI, HDF5 or yaml-cpp),
# runs grapes_kernel_bench and prints its table and checksums. Compare the checksum line with
# a CPU build's for the same --size (README, "GPUs and threads").
#
#   KOKKOS_SRC=/path/to/kokkos bash bench/gpu_kernel_bench.sh [SIZE...]     (default: 1024)
#
# Environment: KOKKOS_SRC (required: a Kokkos 4.x source tree; CUDA 13 needs >= 4.7.02 or a
# patched 4.6.01, see docs/BUILDING.md), KOKKOS_ARCH (default HOPPER90), WORK (build folder,
# default /tmp/grapes-gpu-bench), JOBS (default: all cores), CUDA (default /usr/local/cuda),
# REPEAT (runs per size, best kept; default 3), BENCH_ARGS (more benchmark options).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${KOKKOS_SRC:?set KOKKOS_SRC to a Kokkos source tree}"
KOKKOS_ARCH=${KOKKOS_ARCH:-HOPPER90}
WORK=${WORK:-/tmp/grapes-gpu-bench}
JOBS=${JOBS:-$(nproc)}
CUDA=${CUDA:-/usr/local/cuda}
REPEAT=${REPEAT:-3}
sizes=("$@")
[ "${#sizes[@]}" -gt 0 ] || sizes=(1024)
export PATH="$CUDA/bin:$PATH"
generator=()
command -v ninja > /dev/null && generator=(-G Ninja)

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
nvcc --version | tail -n 2
start=$(date +%s)
if [ ! -f "$WORK/kokkos-install/bin/nvcc_wrapper" ]; then
  cmake -S "$KOKKOS_SRC" -B "$WORK/kokkos-build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_STANDARD=17 -DKokkos_ENABLE_CUDA=ON -DKokkos_ENABLE_SERIAL=ON \
    "-DKokkos_ARCH_${KOKKOS_ARCH}=ON" -DCMAKE_CXX_COMPILER="$KOKKOS_SRC/bin/nvcc_wrapper" \
    -DCMAKE_INSTALL_PREFIX="$WORK/kokkos-install" > "$WORK.kokkos-configure.log"
  cmake --build "$WORK/kokkos-build" -j "$JOBS" --target install > "$WORK.kokkos-build.log"
fi
echo "Kokkos built in $(($(date +%s) - start)) s"
cmake -S "$here" -B "$WORK/bench-build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DKokkos_ROOT="$WORK/kokkos-install" -DGRAPES_NATIVE=OFF \
  -DCMAKE_CXX_COMPILER="$WORK/kokkos-install/bin/nvcc_wrapper" > "$WORK.bench-configure.log"
cmake --build "$WORK/bench-build" -j "$JOBS" 2>&1 | grep -E "warning|error" || true
echo "benchmark built after $(($(date +%s) - start)) s"
for size in "${sizes[@]}"; do
  "$WORK/bench-build/grapes_kernel_bench" --size "$size" --repeat "$REPEAT" ${BENCH_ARGS:-}
done
