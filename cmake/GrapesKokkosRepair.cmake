# Debian 12's Kokkos 3.4 (from Trilinos) exports Kokkos::kokkos with the include directory
# /usr/lib/include, which does not exist, so target generation fails. When (and only when)
# the target's include directory is missing, point it at Kokkos_INCLUDE_DIRS instead.
# A correct Kokkos 4.x install is left alone.
if(TARGET Kokkos::kokkos)
  get_target_property(_grapes_kokkos_inc Kokkos::kokkos INTERFACE_INCLUDE_DIRECTORIES)
  set(_grapes_kokkos_broken FALSE)
  foreach(_dir IN LISTS _grapes_kokkos_inc)
    if(NOT _dir MATCHES "^\\$<" AND NOT EXISTS "${_dir}")
      set(_grapes_kokkos_broken TRUE)
    endif()
  endforeach()
  if(_grapes_kokkos_broken AND Kokkos_INCLUDE_DIRS)
    message(STATUS "Repairing Kokkos::kokkos include path -> ${Kokkos_INCLUDE_DIRS}")
    set_target_properties(Kokkos::kokkos PROPERTIES INTERFACE_INCLUDE_DIRECTORIES
                                                    "${Kokkos_INCLUDE_DIRS}")
  endif()
endif()
