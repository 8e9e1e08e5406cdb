// The primitives of kernels/primitives.h as values, and their names as a profile's rows and
// the consistency test's cases know them: a primitive ("gemm"), or one op of a primitive that
// takes ops ("unary.tanh").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/primitives.h"

namespace ganforge::kernels {

#define GANFORGE_ENUMERATOR(primitive, ...) primitive,
enum class Primitive : uint8_t {
  GANFORGE_PRIMITIVES(GANFORGE_ENUMERATOR) GANFORGE_COMPOSED_PRIMITIVES(GANFORGE_ENUMERATOR)
  GANFORGE_FUSED_PRIMITIVES(GANFORGE_ENUMERATOR)
};
#undef GANFORGE_ENUMERATOR

// Every primitive, or every op of one that takes ops, in the table's order.
const std::vector<std::string>& primitive_op_names();
// The position in primitive_op_names() of `primitive` with op number `op` (0 when it takes none).
size_t primitive_op_index(Primitive primitive, size_t op);

}  // namespace ganforge::kernels
