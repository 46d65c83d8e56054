# The per-voxel kernels and what they need, which depend on Kokkos alone (no MPI, HDF5,
# yaml-cpp): the standalone kernel benchmark (bench/CMakeLists.txt) builds them into a library
# of its own; the main build has them in grapes_core.
set(_grapes_root ${CMAKE_CURRENT_LIST_DIR}/..)
set(GRAPES_KERNEL_SOURCES
    ${_grapes_root}/src/kernels/accumulate.cpp
    ${_grapes_root}/src/kernels/edt.cpp
    ${_grapes_root}/src/core/format.cpp
    ${_grapes_root}/src/kernels/label_index.cpp
    ${_grapes_root}/src/kernels/layers.cpp
    ${_grapes_root}/src/kernels/surface.cpp
    ${_grapes_root}/src/core/types.cpp
    ${_grapes_root}/src/core/volume.cpp)

# Compile options of code with kernels: -march=native (GRAPES_NATIVE) and, for nvcc, relaxed
# constexpr (the kernels index std::array, whose constexpr operator[] nvcc treats as host-only
# otherwise: warnings #20013-D and #20015-D).
function(grapes_kernel_options target)
  if(GRAPES_NATIVE)
    include(CheckCXXCompilerFlag)
    check_cxx_compiler_flag(-march=native GRAPES_HAS_MARCH_NATIVE)
    if(GRAPES_HAS_MARCH_NATIVE)
      target_compile_options(${target} PRIVATE -march=native)
    endif()
  endif()
  if(Kokkos_ENABLE_CUDA AND NOT Kokkos_ENABLE_CUDA_CONSTEXPR
     AND Kokkos_CXX_COMPILER_ID STREQUAL "NVIDIA")
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:--expt-relaxed-constexpr>)
  endif()
endfunction()
