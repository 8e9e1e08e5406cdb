#include "kernels/primitive_names.h"

#include <type_traits>

namespace ganforge::kernels {
namespace {

struct Names {
  std::vector<std::string> names;
  std::vector<size_t> first;  // per primitive, the position of its first name
};

template <class Ops>
void add(Names& n, const char* primitive) {
  n.first.push_back(n.names.size());
  if constexpr (std::is_same_v<Ops, NoOps>) {
    n.names.push_back(primitive);
  } else {
    for (Ops op : OpList<Ops>::values) n.names.push_back(std::string(primitive) + "." + op_name(op));
  }
}

const Names& names() {
  static const Names n = [] {
    Names n;
#define GANFORGE_ADD_NAMES(primitive, ops, ...) add<ops>(n, #primitive);
    GANFORGE_PRIMITIVES(GANFORGE_ADD_NAMES)
    GANFORGE_COMPOSED_PRIMITIVES(GANFORGE_ADD_NAMES)
    GANFORGE_FUSED_PRIMITIVES(GANFORGE_ADD_NAMES)
#undef GANFORGE_ADD_NAMES
    return n;
  }();
  return n;
}

}  // namespace

const std::vector<std::string>& primitive_op_names() { return names().names; }

size_t primitive_op_index(Primitive primitive, size_t op) { return names().first[static_cast<size_t>(primitive)] + op; }

}  // namespace ganforge::kernels
