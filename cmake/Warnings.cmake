# -Wall -Wextra on every GANForge target; the tree is kept free of warnings.
function(ganforge_warnings target)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra>)
endfunction()

# GCC before 12.3 reports a variable its own AVX-512 intrinsics headers leave undefined on
# purpose (`__m512d __Y = __Y;`) as uninitialized wherever -march=native inlines them, as Eigen's
# vectorised kernels do (GCC bug 105593); every report points into avx512fintrin.h. For targets
# that compile Eigen's products and reductions.
function(ganforge_eigen_warnings target)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 12.3)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wno-uninitialized -Wno-maybe-uninitialized>)
  endif()
endfunction()
