# Fails if any source outside kernels/cuda/device.h contains a raw kernel launch (<<<): every
# launch goes through launch(), so that the same .cu also runs under the SIMT emulator.
# Usage: cmake -DROOT=<repository root> -P lint_no_raw_launch.cmake
file(GLOB_RECURSE sources LIST_DIRECTORIES false
     RELATIVE ${ROOT}
     ${ROOT}/kernels/* ${ROOT}/core/* ${ROOT}/nn/* ${ROOT}/gan/* ${ROOT}/bench/* ${ROOT}/tests/* ${ROOT}/tools/*)
set(offenders "")
foreach(source IN LISTS sources)
  if(NOT source MATCHES "\\.(cu|cuh|h|hpp|cpp|cc)$" OR source STREQUAL "kernels/cuda/device.h")
    continue()
  endif()
  file(STRINGS ${ROOT}/${source} hits REGEX "<<<")
  if(hits)
    list(APPEND offenders "${source}: ${hits}")
  endif()
endforeach()
list(LENGTH sources checked)
if(offenders)
  list(JOIN offenders "\n  " report)
  message(FATAL_ERROR "raw kernel launches (use launch() from kernels/cuda/device.h):\n  ${report}")
endif()
message(STATUS "no raw <<< launches in ${checked} files")
