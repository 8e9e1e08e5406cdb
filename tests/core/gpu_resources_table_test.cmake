# cmake/gpu_resources_table.cmake on a report in ptxas's --resource-usage form: two kernels, one
# with barriers and shared memory, one with neither (ptxas then leaves those words out) and with
# spills; an object without a report is skipped. Run with -DSCRIPT=... -DWORK_DIR=... -P.
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
file(WRITE "${WORK_DIR}/a.cu.o.resources" "ptxas info    : 0 bytes gmem
ptxas info    : Compiling entry function '_Z4gemmv' for 'sm_90'
ptxas info    : Function properties for _Z4gemmv
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 44 registers, used 1 barriers, 8448 bytes smem
ptxas info    : Compile time = 101.636 ms
ptxas info    : Compiling entry function '_Z4fillv' for 'sm_80'
ptxas info    : Function properties for _Z4fillv
    24 bytes stack frame, 8 bytes spill stores, 12 bytes spill loads
ptxas info    : Used 255 registers, 488 bytes cmem[0]
")
set(output "${WORK_DIR}/table.cpp")
execute_process(COMMAND ${CMAKE_COMMAND} "-DOBJECTS=${WORK_DIR}/a.cu.o|${WORK_DIR}/none.cu.o" -DOUTPUT=${output}
                        -P ${SCRIPT} RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "the generator failed: ${status}")
endif()
file(READ "${output}" table)
foreach(row "{\"_Z4gemmv\", 90, 44, 1, 8448, 0, 0, 0}," "{\"_Z4fillv\", 80, 255, 0, 0, 24, 8, 12},")
  string(FIND "${table}" "${row}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "row ${row} missing from the generated table:\n${table}")
  endif()
endforeach()
string(REGEX MATCHALL "\\{\"_Z" rows "${table}")
list(LENGTH rows count)
if(NOT count EQUAL 2)
  message(FATAL_ERROR "expected 2 rows, found ${count}:\n${table}")
endif()
