# Keeps the layering tools → gan → dist → nn → core → kernels free of back edges: every project
# include ("folder/file.h") of a source file must name a folder its layer may use. kernels/
# sees only itself; core/ sees kernels' public headers (kernels/*.h, not a backend's
# folder); nn/ sees core/; dist/ sees nn/ and core/; gan/ and tools/ see those and gan/.
# gan/eval/ (the evaluation metrics) sees only itself, so that it builds without the engine.
# bench/ and tests/ may include anything.
# Usage: cmake -DROOT=<repository root> -P check_includes.cmake
set(allowed_kernels "^kernels/")
set(allowed_core "^(core/|kernels/[^/]+$)")
set(allowed_nn "^(nn/|core/)")
set(allowed_dist "^(dist/|nn/|core/)")
set(allowed_gan "^(gan/|dist/|nn/|core/)")
set(allowed_gan/eval "^gan/eval/")
set(allowed_tools "^(tools/|gan/|dist/|nn/|core/)")
set(rule_kernels "kernels/ may include kernels/ only")
set(rule_core "core/ may include core/ and kernels' public headers (kernels/*.h)")
set(rule_nn "nn/ may include nn/ and core/")
set(rule_dist "dist/ may include dist/, nn/ and core/")
set(rule_gan "gan/ may include gan/, dist/, nn/ and core/")
set(rule_gan/eval "gan/eval/ may include gan/eval/ only")
set(rule_tools "tools/ may include tools/, gan/, dist/, nn/ and core/")

set(violations "")
set(checked 0)
foreach(layer kernels core nn dist gan gan/eval tools)
  file(GLOB_RECURSE sources LIST_DIRECTORIES false RELATIVE ${ROOT} ${ROOT}/${layer}/*)
  foreach(source IN LISTS sources)
    if(NOT source MATCHES "\\.(cu|h|cpp)$")
      continue()
    endif()
    math(EXPR checked "${checked} + 1")
    file(STRINGS ${ROOT}/${source} includes REGEX "^[ \t]*#[ \t]*include[ \t]+\"")
    foreach(line IN LISTS includes)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]+\"([^\"]+)\".*" "\\1" target "${line}")
      if(NOT target MATCHES "/" OR target MATCHES "${allowed_${layer}}")
        continue()  # a same-folder or system-style include, or an allowed one
      endif()
      list(APPEND violations "${source} includes ${target}: ${rule_${layer}}")
    endforeach()
  endforeach()
endforeach()
if(violations)
  list(JOIN violations "\n  " report)
  message(FATAL_ERROR "layering back edges:\n  ${report}")
endif()
message(STATUS "layering holds in ${checked} files")
