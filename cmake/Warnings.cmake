# -Wall -Wextra on every GANForge target; the tree is kept free of warnings.
function(ganforge_warnings target)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra>)
endfunction()
