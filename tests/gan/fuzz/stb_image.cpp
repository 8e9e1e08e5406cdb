// The stb_image decoders, built with the fuzzers' instrumentation (see CMakeLists.txt).
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>
